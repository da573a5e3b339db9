//! The command line (SPEC 8): subcommands and their options.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::check::{check, default_check_dir, peak_memory_mib, CheckRequest};
use crate::error::{Error, Result};
use crate::outputs::iso;
use crate::profile::{CsvEncoding, Profile};
use crate::registry::decode::InputEncoding;
use crate::rules::{self, AgeBasis, Feb29Rule, ItemDates, RuleConfig};
use crate::sample::{write_sample, SampleOptions};
use crate::select::NoLedger;
use crate::wareki;

/// kigen (期限): expiry notices for マイナンバーカード and electronic certificates.
#[derive(Debug, Parser)]
#[command(name = "kigen", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// What `run` and `check` both take: the input, the date, the profile and
/// the encodings.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The registry export (CSV).
    #[arg(long)]
    pub input: PathBuf,
    /// Batch date (default: today in Asia/Tokyo). Any date form the export
    /// accepts: 2026-11-26, 令和8年11月26日, R8.11.26 …
    #[arg(long)]
    pub as_of: Option<String>,
    /// Profile directory holding profile.toml.
    #[arg(long, default_value = "templates/saku")]
    pub profile: PathBuf,
    /// Input encoding, overriding the profile: cp932 or utf-8.
    #[arg(long)]
    pub encoding: Option<InputEncoding>,
    /// CSV output encoding, overriding the profile: utf-8 (with BOM) or cp932.
    #[arg(long)]
    pub csv_encoding: Option<CsvEncoding>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The nightly job: select, then write print-ready PDF notices, the
    /// manifest and the check outputs into OUT/<as-of>/.
    Run {
        /// Input, date, profile, encodings.
        #[command(flatten)]
        batch: BatchArgs,
        /// Output root: the batch is written to OUT/<as-of>/.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The ledger of notices issued (SQLite; created on first use).
        #[arg(long, default_value = "state/kigen.sqlite")]
        state: PathBuf,
        /// Rebuild the files of a batch the ledger records, byte for byte.
        #[arg(long)]
        regenerate: bool,
    },
    /// Read the registry, apply the rules and select: write outcomes.csv,
    /// rejects.csv, exceptions.csv and held.csv, print the counts.
    Check {
        /// Input, date, profile, encodings.
        #[command(flatten)]
        batch: BatchArgs,
        /// Output directory (default: out/check-<as-of>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Recompute a batch's checksums and reconciliation; exit 1 on any mismatch.
    Verify {
        /// The batch directory (out/<as-of>).
        dir: PathBuf,
        /// The ledger, to check summary.json against its record. Default:
        /// state/kigen.sqlite when it exists (a copied batch without its
        /// ledger is verified on its own, and verify says so); a file given
        /// here must exist.
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// One resident's expiry dates.
    Expiry {
        /// Birth date.
        #[arg(long)]
        birth: String,
        /// Card issue date (certificates assumed issued the same day).
        #[arg(long)]
        issued: String,
        /// Date J-LIS received the application.
        #[arg(long)]
        applied: Option<String>,
        /// End of the period of stay (在留期間満了日).
        #[arg(long)]
        stay_end: Option<String>,
        /// Which day's age decides the category (default: the profile's).
        #[arg(long)]
        age_basis: Option<String>,
        /// 29 February in common years: feb28 or mar1 (default: the profile's).
        #[arg(long)]
        feb29: Option<String>,
        /// Profile directory (its rule settings are the defaults).
        #[arg(long, default_value = "templates/saku")]
        profile: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic CP932 registry (benchmarks, demos).
    Sample {
        /// Number of data rows.
        #[arg(long)]
        rows: usize,
        /// Random seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The date a few percent of rows are due on (default: today in Asia/Tokyo).
        #[arg(long)]
        as_of: Option<String>,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Today in Asia/Tokyo (UTC+9 all year: Japan has had no daylight saving
/// time since 1951, so no time-zone database is needed).
pub fn today_tokyo() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

fn parse_cli_date(what: &str, s: &str) -> Result<NaiveDate> {
    wareki::parse_date(s.trim()).map_err(|e| Error::Usage(format!("--{what}: {e}")))
}

fn as_of(s: Option<&str>) -> Result<NaiveDate> {
    match s {
        Some(s) => parse_cli_date("as-of", s),
        None => Ok(today_tokyo()),
    }
}

/// Loads the profile; the default directory may be missing for commands
/// that only need rule settings.
fn load_profile(dir: &Path, required: bool) -> Result<Profile> {
    if !required && !dir.join("profile.toml").exists() {
        return Ok(Profile::builtin());
    }
    Profile::load(dir)
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Verify { dir, state } => {
            let default = PathBuf::from("state/kigen.sqlite");
            let report = match &state {
                Some(s) => crate::verify::verify(&dir, Some(s))?,
                None if default.exists() => crate::verify::verify(&dir, Some(&default))?,
                None => {
                    let mut r = crate::verify::verify(&dir, None)?;
                    r.notes.push(
                        "no ledger given and state/kigen.sqlite not found: summary.json was not compared with the ledger's record".into(),
                    );
                    r
                }
            };
            let mut o = std::io::stdout().lock();
            for line in &report.notes {
                let _ = writeln!(o, "note     {line}");
            }
            for line in &report.checked {
                let _ = writeln!(o, "ok       {line}");
            }
            for line in &report.problems {
                let _ = writeln!(o, "MISMATCH {line}");
            }
            if report.problems.is_empty() {
                let _ = writeln!(
                    o,
                    "kigen verify: {} holds ({} checks)",
                    dir.display(),
                    report.checked.len()
                );
                Ok(0)
            } else {
                let _ = writeln!(
                    o,
                    "kigen verify: {}: {} problem(s)",
                    dir.display(),
                    report.problems.len()
                );
                Ok(1)
            }
        }
        Command::Run {
            batch:
                BatchArgs {
                    input,
                    as_of: date,
                    profile,
                    encoding,
                    csv_encoding,
                    quiet,
                },
            out,
            state,
            regenerate,
        } => {
            let as_of = as_of(date.as_deref())?;
            let profile = load_profile(&profile, true)?;
            let req = crate::run::RunRequest {
                input: input.clone(),
                as_of,
                encoding: encoding.unwrap_or(profile.settings.input.encoding),
                csv_encoding: csv_encoding.unwrap_or(profile.settings.output.csv_encoding),
                profile: &profile,
                out_root: out,
                state,
                regenerate,
            };
            let progress = crate::progress::Progress::start(quiet, "selecting and rendering");
            let report = crate::run::run(&req);
            progress.finish();
            let report = report?;
            if quiet {
                return Ok(0);
            }
            let mut o = std::io::stdout().lock();
            if report.already_done {
                let _ = writeln!(
                    o,
                    "kigen run: the batch for {as_of} is already complete in {}/; nothing done",
                    report.dir.display()
                );
                return Ok(0);
            }
            let _ = writeln!(
                o,
                "kigen run: {} as of {as_of}{}",
                input.display(),
                if report.regenerated {
                    " (regenerated from the ledger's record)"
                } else {
                    ""
                }
            );
            let _ = write!(o, "{}", report.counts.report());
            let packets: usize = report.files.iter().map(|f| f.1).sum();
            let pages: usize = report.files.iter().map(|f| f.2).sum();
            for (name, n, p) in &report.files {
                let _ = writeln!(o, "  print/{name}: {n} packets, {p} pages");
            }
            let _ = writeln!(
                o,
                "written to {}/: {packets} packets, {pages} pages",
                report.dir.display()
            );
            let mem = peak_memory_mib()
                .map(|m| format!(", peak memory {m:.0} MiB"))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "select {:.2} s, render {:.2} s ({:.0} packets/s){mem}",
                report.select_seconds,
                report.render_seconds,
                packets as f64 / report.render_seconds.max(1e-9)
            );
            Ok(0)
        }
        Command::Check {
            batch:
                BatchArgs {
                    input,
                    as_of: date,
                    profile,
                    encoding,
                    csv_encoding,
                    quiet,
                },
            out,
        } => {
            let as_of = as_of(date.as_deref())?;
            let profile = load_profile(&profile, true)?;
            let out_dir = out.unwrap_or_else(|| default_check_dir(as_of));
            // With the notice wording in the profile, hold exactly what
            // `kigen run` would hold (fonts, window); without it, only
            // unmapped 外字.
            // The first pass reads on one core; fonts and postal data load
            // on the other meanwhile.
            let started_check = std::time::Instant::now();
            let encoding = encoding.unwrap_or(profile.settings.input.encoding);
            let (duplicates, loaded) = rayon::join(
                || crate::pipeline::scan_duplicates(&input, encoding, &profile),
                || -> Result<_> {
                    if profile.settings.letter.is_none() {
                        return Ok(None);
                    }
                    Ok(Some((
                        crate::run::Renderer::new(&profile)?,
                        crate::run::load_postal(&profile)?,
                    )))
                },
            );
            let duplicates = duplicates?;
            let first_pass = started_check.elapsed();
            let (renderer, postal) = match loaded? {
                Some((r, p)) => (Some(r), Some(p)),
                None => (None, None),
            };
            let printable =
                |r: &crate::registry::Resident| renderer.as_ref().and_then(|x| x.hold(r, as_of));
            let req = CheckRequest {
                input: input.clone(),
                as_of,
                encoding,
                csv_encoding: csv_encoding.unwrap_or(profile.settings.output.csv_encoding),
                profile: &profile,
                out_dir: out_dir.clone(),
                duplicates: Some(duplicates),
                ledger: &NoLedger,
                printable: Some(&printable),
                postal: postal
                    .as_ref()
                    .map(|p| p as &(dyn crate::barcode::PostalData + Sync)),
            };
            let report = check(&req, false)?;
            if !quiet {
                let mut o = std::io::stdout().lock();
                let _ = writeln!(o, "kigen check: {} as of {as_of}", input.display());
                let _ = write!(o, "{}", report.counts.report());
                let _ = writeln!(o, "written to {}/", out_dir.display());
                let mem = peak_memory_mib()
                    .map(|m| format!(", peak memory {m:.0} MiB"))
                    .unwrap_or_default();
                let total = started_check.elapsed().as_secs_f64();
                let _ = writeln!(
                    o,
                    "{total:.2} s (duplicate scan {:.2} s, rows {:.2} s), {:.0} rows/s{mem}",
                    first_pass.as_secs_f64(),
                    report.seconds,
                    report.counts.rows_read as f64 / total.max(1e-9)
                );
            }
            if !report.counts.reconciles() {
                return Err(Error::Internal(
                    "outcome counts do not add up to the rows read".into(),
                ));
            }
            Ok(0)
        }
        Command::Expiry {
            birth,
            issued,
            applied,
            stay_end,
            age_basis,
            feb29,
            profile,
            json,
        } => {
            let profile = load_profile(&profile, false)?;
            let mut config = RuleConfig {
                age_basis: profile.settings.rules.age_basis,
                feb29: profile.settings.rules.feb29,
            };
            if let Some(b) = age_basis {
                config.age_basis = match b.as_str() {
                    "application" => AgeBasis::Application,
                    "issue" => AgeBasis::Issue,
                    _ => return Err(Error::Usage("--age-basis: application or issue".into())),
                };
            }
            if let Some(f) = feb29 {
                config.feb29 = match f.as_str() {
                    "feb28" => Feb29Rule::Feb28,
                    "mar1" => Feb29Rule::Mar1,
                    _ => return Err(Error::Usage("--feb29: feb28 or mar1".into())),
                };
            }
            let birth = parse_cli_date("birth", &birth)?;
            let issued = parse_cli_date("issued", &issued)?;
            let applied = applied
                .as_deref()
                .map(|a| parse_cli_date("applied", a))
                .transpose()?;
            let stay_end = stay_end
                .as_deref()
                .map(|a| parse_cli_date("stay-end", a))
                .transpose()?;
            let dates = ItemDates {
                birth: Some(birth),
                card_applied: applied,
                card_issued: Some(issued),
                user_issued: Some(issued),
                sign_issued: if rules::is_aged_at_least(birth, 15, issued) {
                    Some(issued)
                } else {
                    None
                },
                stay_end,
                ..ItemDates::default()
            };
            let ev = rules::evaluate(&dates, config)
                .map_err(|e| Error::Usage(format!("cannot compute: {e:?}")))?;
            print_expiry(&ev, json);
            Ok(0)
        }
        Command::Sample {
            rows,
            seed,
            as_of: date,
            out,
        } => {
            let opts = SampleOptions {
                rows,
                seed,
                as_of: as_of(date.as_deref())?,
            };
            match out {
                Some(path) => {
                    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                    }
                    let f = crate::outputs::csvfile::create_private(&path)?;
                    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
                    write_sample(&opts, &mut w).map_err(|e| Error::io(&path, e))?;
                    w.flush().map_err(|e| Error::io(&path, e))?;
                }
                None => {
                    let stdout = std::io::stdout().lock();
                    let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout);
                    write_sample(&opts, &mut w)
                        .and_then(|_| w.flush())
                        .map_err(|e| Error::io("<stdout>", e))?;
                }
            }
            Ok(0)
        }
    }
}

fn print_expiry(ev: &rules::Evaluation, json: bool) {
    let source = |s: rules::ExpirySource| match s {
        rules::ExpirySource::Recorded => "recorded",
        rules::ExpirySource::Computed => "computed",
        rules::ExpirySource::ResidencePeriod => "residence-period",
    };
    if json {
        let mut m = serde_json::Map::new();
        for k in rules::ItemKind::ALL {
            let v = match ev.item(k) {
                Some(i) => serde_json::json!({
                    "expiry": iso(Some(i.expiry)),
                    "wareki": wareki::format_with_weekday(i.expiry),
                    "source": source(i.source),
                }),
                None => serde_json::Value::Null,
            };
            m.insert(k.key().to_string(), v);
        }
        let findings: Vec<serde_json::Value> = ev
            .findings
            .iter()
            .map(|f| serde_json::json!({"code": f.code(), "detail": f.detail()}))
            .collect();
        m.insert("exceptions".into(), serde_json::Value::Array(findings));
        println!("{}", serde_json::Value::Object(m));
        return;
    }
    for k in rules::ItemKind::ALL {
        match ev.item(k) {
            Some(i) => println!(
                "{:<24} {}  {}  ({})",
                k.label(),
                iso(Some(i.expiry)),
                wareki::format_with_weekday(i.expiry).unwrap_or_default(),
                source(i.source)
            ),
            None => println!("{:<24} 発行なし", k.label()),
        }
    }
    for f in &ev.findings {
        println!("note: {}: {}", f.code(), f.detail());
    }
}
