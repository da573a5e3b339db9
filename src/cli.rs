//! The command line (SPEC 8): subcommands and their options.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::model::{CsvEncoding, InputEncoding};

/// kigen (期限): expiry notices for マイナンバーカード and electronic certificates.
#[derive(Debug, Parser)]
#[command(name = "kigen", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What `run` and `check` both take: the input, the date, the profile and
/// the encodings.
#[derive(Debug, clap::Args)]
pub(crate) struct BatchArgs {
    /// The registry export (CSV).
    #[arg(long)]
    pub(crate) input: PathBuf,
    /// Batch date (default: today in Asia/Tokyo). Any date form the export
    /// accepts: 2026-11-26, 令和8年11月26日, R8.11.26 …
    #[arg(long)]
    pub(crate) as_of: Option<String>,
    /// Profile: a directory holding profile.toml, or the name of a built-in
    /// profile (saku) when no such directory exists.
    #[arg(long, default_value = "saku")]
    pub(crate) profile: PathBuf,
    /// Input encoding, overriding the profile: cp932 or utf-8.
    #[arg(long)]
    pub(crate) encoding: Option<InputEncoding>,
    /// CSV output encoding, overriding the profile: utf-8 (with BOM) or cp932.
    #[arg(long)]
    pub(crate) csv_encoding: Option<CsvEncoding>,
    /// Print nothing but errors.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// `--cards` and its encoding.
    #[command(flatten)]
    pub(crate) cards: CardsArgs,
}

/// `--cards FILE`: the card-status extract (SPEC 9).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct CardsArgs {
    /// The card-status file (card and certificate dates from J-LIS, joined
    /// on the profile's [cards] registry_key); the export's own card columns
    /// are then not read.
    #[arg(long, value_name = "FILE")]
    pub(crate) cards: Option<PathBuf>,
    /// The card file's encoding, overriding the profile's [cards] encoding:
    /// cp932 or utf-8.
    #[arg(long, requires = "cards")]
    pub(crate) cards_encoding: Option<InputEncoding>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The nightly job: select, then write print-ready PDF notices, the
    /// manifest and the check outputs into OUT/<as-of>/.
    Run(RunArgs),
    /// Read the registry, apply the rules and select: write outcomes.csv,
    /// rejects.csv, exceptions.csv and held.csv, print the counts.
    Check(CheckArgs),
    /// Recompute a batch's checksums and reconciliation; exit 1 on any mismatch.
    Verify(VerifyArgs),
    /// One resident's expiry dates.
    Expiry(ExpiryArgs),
    /// Write a synthetic CP932 registry (benchmarks, demos).
    Sample(SampleArgs),
    /// Check the ledger against the batch directories, or rebuild it.
    Ledger(LedgerArgs),
    /// Per month ahead, the items coming due and the notices the rules will
    /// select: forecast.csv and forecast.html (a staffing plan).
    Forecast(ForecastArgs),
    /// Show an export's header row against the profile: what each column
    /// key maps to, what is missing, what kigen does not read. Exit 2 when
    /// a mapped column is missing (as `run` and `check` would).
    Columns(ColumnsArgs),
    /// Write an editable copy of a built-in profile into DIR (then run with
    /// --profile DIR).
    Init(InitArgs),
    /// Compare a printed batch with a newer export: write pull-list.csv and
    /// pull-list.pdf, the packets to take out before they are mailed
    /// (resident moved away, died, changed status, address or name, or not
    /// in the export). Exit 2 when BATCH_DIR is not a committed batch.
    Pulls(PullsArgs),
    /// Record pieces Japan Post returned (還付), one (--document) or a file
    /// of them (--file, all or nothing); or close one (--resolve).
    Returned(ReturnedArgs),
    /// Write followups.csv: every open return, with the resident, the
    /// address printed, the document, date, reason and expiries.
    Followups(FollowupsArgs),
    /// Print one packet again, to the resident's current address in
    /// --input: its number suffixed -R1 (-R2, …), marked 再発行; the ledger
    /// records the reprint (not a new notice).
    Reprint(ReprintArgs),
    /// List the batches the ledger records, withdrawn ones included:
    /// batch, as-of, packets, notices, print files, void or not.
    Batches(BatchesArgs),
    /// Every notice the ledger records for one resident (and the batch
    /// each came in, withdrawn or not).
    History(HistoryArgs),
    /// Move committed batches dated before --before out of --out into
    /// TO/<batch>/ (copied, verified, recorded in the ledger, then removed);
    /// verify, history and batches find them there and nights go on.
    Archive(ArchiveArgs),
    /// Erase the personal data of batches dated before --before (print
    /// files, manifest, outcomes, held, rejects, exceptions, audit.xlsx; the
    /// ledger's printed names and addresses), keeping summary.json, the
    /// hashes and purged.json; the ledger still prevents every second notice.
    Purge(PurgeArgs),
    /// Write the man pages and shell completions (for packaging:
    /// scripts/package.sh).
    #[command(hide = true)]
    GenerateAssets(GenerateAssetsArgs),
}

/// `kigen generate-assets DIR`.
#[derive(Debug, clap::Args)]
pub(crate) struct GenerateAssetsArgs {
    /// Where `man/` (kigen.1, kigen-<subcommand>.1) and `completions/`
    /// (kigen.bash, _kigen) go; DIR must not exist yet.
    pub(crate) dir: PathBuf,
}

/// `kigen pulls`.
#[derive(Debug, clap::Args)]
pub(crate) struct PullsArgs {
    /// The printed batch directory (OUT/<as-of>).
    pub(crate) batch_dir: PathBuf,
    /// The newer registry export to compare with.
    #[arg(long)]
    pub(crate) input: PathBuf,
    /// `--cards` and its encoding.
    #[command(flatten)]
    pub(crate) cards: CardsArgs,
    /// Profile: a directory holding profile.toml, or a built-in name (saku).
    #[arg(long, default_value = "saku")]
    pub(crate) profile: PathBuf,
    /// Input encoding, overriding the profile: cp932 or utf-8.
    #[arg(long)]
    pub(crate) encoding: Option<InputEncoding>,
    /// pull-list.csv's encoding, overriding the profile: utf-8 (with BOM)
    /// or cp932.
    #[arg(long)]
    pub(crate) csv_encoding: Option<CsvEncoding>,
    /// The ledger: the batch must be one it records, and the addresses the
    /// packets were printed to come from it. Default: state/kigen.sqlite
    /// when it exists (without a ledger, addresses are compared by postal
    /// code only).
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
    /// Where pull-list.csv and pull-list.pdf go (default: pulls-<batch>
    /// beside the batch directory; never a batch directory).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// `kigen returned`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["document", "file", "scan", "resolve"])))]
#[command(group(clap::ArgGroup::new("piece").args(["document", "scan"])))]
pub(crate) struct ReturnedArgs {
    /// The ledger.
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// The document number printed on the returned piece (a reprint's
    /// -R1 number too).
    #[arg(long, value_name = "DOCNO", requires = "reason")]
    pub(crate) document: Option<String>,
    /// Japan Post's reason: not-found (あて所に尋ねあたりません), moved
    /// (転居先不明), unknown (受取人不明), refused (受取拒絶), unclaimed
    /// (保管期間経過), incomplete (あて名不完全); the Japanese wording is
    /// accepted too. With --scan: the reason of the lines that give none.
    #[arg(long, value_name = "CODE", requires = "piece")]
    pub(crate) reason: Option<String>,
    /// The day it came back (default: today in Asia/Tokyo; any date form
    /// the export accepts). Not before the piece was printed, not after
    /// today.
    #[arg(long, value_name = "D", requires = "piece")]
    pub(crate) date: Option<String>,
    /// Scanned codes, one a line (a file, or - or nothing: standard
    /// input): the window code `<document number>` or a sheet code
    /// `<document number>|i/n`, optionally `,<reason>`; full-width
    /// characters and blanks are folded, a piece scanned twice is one
    /// return. One line that is not a code of this ledger and nothing is
    /// recorded (exit 2, each bad line listed).
    #[arg(long, value_name = "FILE|-", num_args = 0..=1, default_missing_value = "-")]
    pub(crate) scan: Option<PathBuf>,
    /// A returns file: CSV (UTF-8 or CP932) with a header row naming
    /// document_number, reason and optionally date. Every line is checked
    /// first: one bad line and nothing is recorded (exit 2, each bad line
    /// listed).
    #[arg(long, value_name = "RETURNS.csv")]
    pub(crate) file: Option<PathBuf>,
    /// Close the open return of this document number (with --note).
    #[arg(long, value_name = "DOCNO", requires = "note")]
    pub(crate) resolve: Option<String>,
    /// What was found or done (kept in the ledger).
    #[arg(long, value_name = "TEXT", requires = "resolve")]
    pub(crate) note: Option<String>,
}

/// `kigen followups`.
#[derive(Debug, clap::Args)]
pub(crate) struct FollowupsArgs {
    /// The ledger.
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// The directory followups.csv goes to (created 0700 if missing; never
    /// a batch directory).
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// followups.csv's encoding: utf-8 (with BOM) or cp932.
    #[arg(long, default_value = "utf-8")]
    pub(crate) csv_encoding: CsvEncoding,
}

/// `kigen reprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReprintArgs {
    /// The ledger.
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// The document number to reprint (a reprint's number names its
    /// packet: the next one is -R2).
    #[arg(long, value_name = "DOCNO")]
    pub(crate) document: String,
    /// The registry export giving the resident's current address.
    #[arg(long)]
    pub(crate) input: PathBuf,
    /// `--cards` and its encoding.
    #[command(flatten)]
    pub(crate) cards: CardsArgs,
    /// Profile: a directory holding profile.toml, or a built-in name (saku).
    #[arg(long, default_value = "saku")]
    pub(crate) profile: PathBuf,
    /// Input encoding, overriding the profile: cp932 or utf-8.
    #[arg(long)]
    pub(crate) encoding: Option<InputEncoding>,
    /// Why it is reprinted (kept in the ledger).
    #[arg(long, value_name = "TEXT")]
    pub(crate) reason: String,
    /// The directory reprint-<document>.pdf goes to (never a batch
    /// directory).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Reprint although the packet was reprinted within [mail]
    /// reprint_again_days (default 7): a second copy is really wanted.
    #[arg(long)]
    pub(crate) again: bool,
}

/// `kigen archive`.
#[derive(Debug, clap::Args)]
pub(crate) struct ArchiveArgs {
    /// The ledger.
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// The output root holding the batch directories.
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// Batches dated before this date are archived.
    #[arg(long)]
    pub(crate) before: String,
    /// The archive directory (created 0700 if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) to: PathBuf,
}

/// `kigen purge`.
#[derive(Debug, clap::Args)]
pub(crate) struct PurgeArgs {
    /// The ledger.
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// The output root holding the batch directories.
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// Batches dated before this date are purged.
    #[arg(long)]
    pub(crate) before: String,
    /// The profile whose [retention] years applies (a directory, or a
    /// built-in name).
    #[arg(long, default_value = "saku")]
    pub(crate) profile: PathBuf,
    /// Purge batches younger than [retention] years too.
    #[arg(long)]
    pub(crate) force: bool,
}

/// `kigen batches`.
#[derive(Debug, clap::Args)]
pub(crate) struct BatchesArgs {
    /// The ledger (read only; never created).
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `kigen history`.
#[derive(Debug, clap::Args)]
pub(crate) struct HistoryArgs {
    /// The ledger (read only; never created).
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// The resident's 住民コード (the registry's key, never the 個人番号).
    #[arg(long, required_unless_present = "name", conflicts_with = "name")]
    pub(crate) resident: Option<String>,
    /// A clerk's lookup: every resident whose printed name is NAME, compared
    /// after folding width and spaces, with their 住民コード.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// With --name: the birth date the caller gives (YYYY-MM-DD or 和暦).
    /// The ledger records no birth dates: it is checked and shown, and the
    /// clerk confirms it against the registry for each match.
    #[arg(long, requires = "name")]
    pub(crate) birth: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `kigen ledger`.
#[derive(Debug, clap::Args)]
pub(crate) struct LedgerArgs {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: LedgerCommand,
}

/// `kigen ledger check | rebuild`.
#[derive(Debug, Subcommand)]
pub(crate) enum LedgerCommand {
    /// The checks `kigen run` makes before any work (integrity_check, schema, seals,
    /// every batch directory recorded and every recorded batch present).
    Check {
        /// The output root holding the batch directories.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The ledger.
        #[arg(long, default_value = "state/kigen.sqlite")]
        state: PathBuf,
    },
    /// Withdraw a batch that was never mailed (a wrong date, a wrong
    /// export): its directory moves to OUT/.void/<as-of>-<n>/, the ledger
    /// keeps its record and the reason, and its notices stop counting.
    Void {
        /// The batch date.
        as_of: String,
        /// Why (kept in the ledger for the auditors).
        #[arg(long)]
        reason: String,
        /// The output root holding the batch directories.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The ledger.
        #[arg(long, default_value = "state/kigen.sqlite")]
        state: PathBuf,
    },
    /// Copy the ledger into a new file with SQLite's online backup
    /// (consistent while a run holds the ledger), mode 0600, checked with
    /// integrity_check.
    Backup {
        /// The ledger.
        #[arg(long, default_value = "state/kigen.sqlite")]
        state: PathBuf,
        /// The backup file to create (never overwritten).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup in the ledger's place; the ledger it replaces is kept
    /// beside it. Refused, changing nothing, when --out holds committed
    /// batches the backup does not know.
    Restore {
        /// The ledger to replace.
        #[arg(long, default_value = "state/kigen.sqlite")]
        state: PathBuf,
        /// The backup (from `kigen ledger backup`).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The output root holding the batch directories.
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Going live: record the notices an earlier process already sent
    /// (NOTICES.csv: resident_code,item,expiry,sent_on) as a batch of kind
    /// import, all or nothing; the next run prints only what it does not hold.
    Import {
        /// The ledger (created when it does not exist yet).
        #[arg(long, default_value = "state/kigen.sqlite")]
        state: PathBuf,
        /// NOTICES.csv (UTF-8 or CP932; item card, user_cert or sign_cert;
        /// dates YYYY-MM-DD or 和暦).
        #[arg(long, value_name = "NOTICES.csv")]
        file: PathBuf,
        /// The import batch's date (no notice may have been sent later).
        #[arg(long)]
        as_of: String,
        /// Check every line and say what would be recorded; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Build a new ledger from the batch directories (each must verify);
    /// refuses to overwrite an existing ledger.
    Rebuild {
        /// The output root holding the batch directories.
        #[arg(long)]
        out: PathBuf,
        /// The ledger to create.
        #[arg(long)]
        state: PathBuf,
    },
}

/// `kigen run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Input, date, profile, encodings.
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
    /// Output root: the batch is written to OUT/<as-of>/.
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// The ledger of notices issued (SQLite; created on first use).
    #[arg(long, default_value = "state/kigen.sqlite")]
    pub(crate) state: PathBuf,
    /// Rebuild the files of a batch the ledger records, byte for byte.
    #[arg(long)]
    pub(crate) regenerate: bool,
    /// Accept an --as-of more than [nightly] max_days_ahead after today.
    #[arg(long)]
    pub(crate) allow_future: bool,
    /// For a date already complete: write a supplementary batch
    /// OUT/<as-of>.N/ with only the notices the ledger does not hold (a
    /// corrected export the same night).
    #[arg(long)]
    pub(crate) supplement: bool,
    /// Accept an export with no 住民 rows, one that shrank by more than
    /// [input] max_drop_percent against the last batch, or one
    /// byte-identical to the last batch's.
    #[arg(long)]
    pub(crate) accept_input_change: bool,
}

/// `kigen check`.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Input, date, profile, encodings.
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
    /// Output directory (default: out/check-<as-of>).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// `kigen verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The batch directory (out/<as-of>).
    pub(crate) dir: PathBuf,
    /// The ledger, to check summary.json against its record. Default:
    /// state/kigen.sqlite when it exists (a copied batch without its
    /// ledger is verified on its own, and verify says so); a file given
    /// here must exist.
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
}

/// `kigen expiry`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExpiryArgs {
    /// Birth date.
    #[arg(long)]
    pub(crate) birth: String,
    /// Card issue date (certificates assumed issued the same day).
    #[arg(long)]
    pub(crate) issued: String,
    /// Date J-LIS received the application.
    #[arg(long)]
    pub(crate) applied: Option<String>,
    /// End of the period of stay (在留期間満了日).
    #[arg(long)]
    pub(crate) stay_end: Option<String>,
    /// Which day's age decides the category (default: the profile's).
    #[arg(long)]
    pub(crate) age_basis: Option<String>,
    /// 29 February in common years: feb28 or mar1 (default: the profile's).
    #[arg(long)]
    pub(crate) feb29: Option<String>,
    /// Profile whose rule settings are the defaults: a directory holding
    /// profile.toml, or the name of a built-in profile (saku).
    #[arg(long, default_value = "saku")]
    pub(crate) profile: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `kigen sample`.
#[derive(Debug, clap::Args)]
pub(crate) struct SampleArgs {
    /// Number of data rows.
    #[arg(long)]
    pub(crate) rows: usize,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// The date a few percent of rows are due on (default: today in Asia/Tokyo).
    #[arg(long)]
    pub(crate) as_of: Option<String>,
    /// Output file (default: standard output).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// About this percentage of residents due on the date (default: about
    /// 4). For benchmarks of many notices.
    #[arg(long)]
    pub(crate) due_percent: Option<u8>,
    /// The export's layout: saku (one file, the card dates in it) or
    /// standard (the 住民記録 standard's item names; the card dates go to
    /// --out-cards).
    #[arg(long, default_value = "saku")]
    pub(crate) layout: SampleLayoutArg,
    /// With --layout standard: the card file (required).
    #[arg(long, value_name = "FILE")]
    pub(crate) out_cards: Option<PathBuf>,
}

/// `--layout` of `kigen sample`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SampleLayoutArg {
    /// Saku's one-file export.
    Saku,
    /// The 住民記録 standard's registry, and a card file.
    Standard,
}

/// `kigen columns`.
#[derive(Debug, clap::Args)]
pub(crate) struct ColumnsArgs {
    /// The registry export (CSV): only its header row is read and shown.
    #[arg(long)]
    pub(crate) input: PathBuf,
    /// Profile: a directory holding profile.toml, or a built-in name (saku).
    #[arg(long, default_value = "saku")]
    pub(crate) profile: PathBuf,
    /// Input encoding, overriding the profile: cp932 or utf-8.
    #[arg(long)]
    pub(crate) encoding: Option<InputEncoding>,
    /// `--cards` and its encoding.
    #[command(flatten)]
    pub(crate) cards: CardsArgs,
}

/// `kigen forecast`.
#[derive(Debug, clap::Args)]
pub(crate) struct ForecastArgs {
    /// The registry export (CSV).
    #[arg(long)]
    pub(crate) input: PathBuf,
    /// `--cards` and its encoding.
    #[command(flatten)]
    pub(crate) cards: CardsArgs,
    /// The first day counted (default: today in Asia/Tokyo).
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// Months ahead (1-60).
    #[arg(long, default_value_t = 12)]
    pub(crate) months: u32,
    /// Profile: a directory holding profile.toml, or a built-in name.
    #[arg(long, default_value = "saku")]
    pub(crate) profile: PathBuf,
    /// Input encoding, overriding the profile: cp932 or utf-8.
    #[arg(long)]
    pub(crate) encoding: Option<InputEncoding>,
    /// Output directory (default: out/forecast-<from>).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// `kigen init`.
#[derive(Debug, clap::Args)]
pub(crate) struct InitArgs {
    /// The directory to write profile.toml into (created 0700 if missing;
    /// an existing profile.toml is never overwritten).
    pub(crate) dir: PathBuf,
    /// The built-in profile to copy.
    #[arg(long, default_value = "saku")]
    pub(crate) from: String,
}
