//! One file per subcommand: each takes its parsed arguments, calls the
//! library and prints what the operator reads; the exit code comes back.

pub(crate) mod batches;
pub(crate) mod check;
pub(crate) mod columns;
pub(crate) mod expiry;
pub(crate) mod followups;
pub(crate) mod forecast;
pub(crate) mod generate;
pub(crate) mod history;
pub(crate) mod init;
pub(crate) mod ledger;
pub(crate) mod pulls;
pub(crate) mod reprint;
pub(crate) mod retention;
pub(crate) mod returned;
pub(crate) mod run;
pub(crate) mod sample;
pub(crate) mod verify;

use std::path::Path;

use chrono::NaiveDate;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::registry::CardsFile;
use crate::wareki;

/// Runs a parsed command line; returns the exit code.
pub fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::run(args),
        Command::Verify(args) => verify::run(&args.dir, args.state.as_deref()),
        Command::Expiry(args) => expiry::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Ledger(args) => ledger::run(args),
        Command::Columns(args) => columns::run(args),
        Command::Forecast(args) => forecast::run(args),
        Command::Init(args) => init::run(args),
        Command::Pulls(args) => pulls::run(args),
        Command::Returned(args) => returned::run(args),
        Command::Followups(args) => followups::run(args),
        Command::Reprint(args) => reprint::run(args),
        Command::Batches(args) => batches::run(args),
        Command::History(args) => history::run(args),
        Command::Archive(args) => retention::archive(args),
        Command::Purge(args) => retention::purge(args),
        Command::GenerateAssets(args) => generate::run(&args.dir),
    }
}

/// What `run` and `check` both resolve from their arguments: the date, the
/// profile, and the encodings (the options override the profile's).
struct Resolved {
    as_of: NaiveDate,
    profile: Profile,
    encoding: crate::model::InputEncoding,
    csv_encoding: crate::model::CsvEncoding,
    cards: Option<CardsFile>,
}

fn resolve(args: &crate::cli::BatchArgs) -> Result<Resolved> {
    let as_of = as_of(args.as_of.as_deref())?;
    readable(&args.input, "--input")?;
    readable_cards(&args.cards)?;
    let profile = load_profile(&args.profile)?;
    Ok(Resolved {
        as_of,
        encoding: args.encoding.unwrap_or(profile.settings.input.encoding),
        csv_encoding: args
            .csv_encoding
            .unwrap_or(profile.settings.output.csv_encoding),
        cards: cards_file(&args.cards, &profile),
        profile,
    })
}

/// Refuses at once (exit 2) an input that is not a regular file: a FIFO
/// or /dev/zero would hang the night, a directory fail late (SPEC 13).
fn readable(path: &std::path::Path, option: &str) -> Result<()> {
    match crate::files::open_input(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Err(Error::Usage(format!(
            "{option} {}: {e}; nothing was read or written",
            path.display()
        ))),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// [`readable`] for `--cards`, when given.
fn readable_cards(args: &crate::cli::CardsArgs) -> Result<()> {
    match &args.cards {
        Some(path) => readable(path, "--cards"),
        None => Ok(()),
    }
}

/// `--cards` with its encoding (the option's, else the profile's).
fn cards_file(args: &crate::cli::CardsArgs, profile: &Profile) -> Option<CardsFile> {
    args.cards.as_ref().map(|path| CardsFile {
        path: path.clone(),
        encoding: args
            .cards_encoding
            .unwrap_or(profile.settings.cards.encoding),
    })
}

/// Today in Asia/Tokyo (UTC+9 all year: Japan has had no daylight saving
/// time since 1951, so no time-zone database is needed).
pub(crate) fn today_tokyo() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

/// A date given on the command line, in any form the export accepts.
fn parse_cli_date(option: &'static str, s: &str) -> Result<NaiveDate> {
    wareki::parse_date(s.trim()).map_err(|e| Error::Date {
        option,
        source: Box::new(e),
    })
}

/// `--as-of`, defaulting to today in Asia/Tokyo.
fn as_of(s: Option<&str>) -> Result<NaiveDate> {
    match s {
        Some(s) => parse_cli_date("as-of", s),
        None => Ok(today_tokyo()),
    }
}

/// Loads `--profile`: a directory, else a built-in profile's name.
fn load_profile(arg: &Path) -> Result<Profile> {
    Profile::open(arg)
}
