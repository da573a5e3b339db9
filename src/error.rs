//! Errors as values, with the context a night-shift operator needs: which
//! file, which line, which key. `main` turns them into messages and exit codes.

use std::path::PathBuf;

/// Everything that stops a run. Bad rows are not errors: they are rejects.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The input has no usable header row.
    #[error("{}: {message}", path.display())]
    Input {
        /// The input file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The export changed while kigen read it: nothing is recorded.
    #[error("{}: the file changed while kigen read it ({what}); nothing was recorded: wait until the export is complete and run again", path.display())]
    InputChanged {
        /// The input file.
        path: PathBuf,
        /// What differed.
        what: String,
    },
    /// The header row does not fit the profile's columns.
    #[error("header row (line 1): {0}")]
    Header(String),
    /// The profile is invalid.
    #[error("profile {}: {message}", path.display())]
    Profile {
        /// profile.toml.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// profile.toml is not valid TOML or does not fit the settings.
    #[error("profile {}: {source}", path.display())]
    Toml {
        /// profile.toml.
        path: PathBuf,
        /// The parser's error, naming the key and line.
        source: toml::de::Error,
    },
    /// A file the profile names cannot be read.
    #[error("profile {}: {key}: cannot read {}: {source}", profile.display(), file.display())]
    ProfileFile {
        /// profile.toml.
        profile: PathBuf,
        /// The key that names the file (`gaiji.table`, `postal.ken_all`).
        key: &'static str,
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A date given on the command line cannot be read.
    #[error("--{option}: {source}")]
    Date {
        /// The option (`as-of`, `birth`, …).
        option: &'static str,
        /// Why (a `wareki::DateError`, boxed so that this module stays
        /// below the date parser).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// summary.json of a batch cannot be read.
    #[error("{}: not a kigen summary: {source}", path.display())]
    Summary {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The 外字 table is invalid.
    #[error("gaiji table {}, line {line}: {reason}", path.display())]
    Gaiji {
        /// The table file.
        path: PathBuf,
        /// Its line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A font file is missing, unreadable or not a usable TrueType font.
    #[error("font {}: {message}", path.display())]
    Font {
        /// The font file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The ledger database failed.
    #[error("ledger {}: {message}", path.display())]
    Ledger {
        /// The state file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// SQLite failed on the ledger (the cause kept as the source).
    #[error("ledger {}: {source}", path.display())]
    Database {
        /// The state file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// Another kigen process holds the state lock.
    #[error("{}: another kigen process is using this (ledger or output directory); try again when it has finished", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// A command-line value is invalid.
    #[error("{0}")]
    Usage(String),
    /// The ledger and the batches, or the request and the recorded state,
    /// disagree: kigen refuses to guess (exit 2, saying what to do).
    #[error("{0}")]
    State(String),
    /// A bug or an impossible state: exit 3.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The process exit code (SPEC 8): 2 for usage, configuration and input
    /// file errors, 3 for internal failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) => 3,
            _ => 2,
        }
    }

    /// Wraps an I/O error with its path.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
