//! `kigen check`: read, apply the rules, select, and write outcomes.csv,
//! rejects.csv, exceptions.csv and held.csv (no PDFs, no ledger change).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::Result;
use crate::outputs::csvfile::{create_private_dir, CsvFile};
use crate::outputs::{EXCEPTIONS_HEADER, HELD_HEADER, OUTCOMES_HEADER, REJECTS_HEADER};
use crate::pipeline::{self, Context, DueNotice, RecordStream, RowOutput};
use crate::profile::{CsvEncoding, Profile};
use crate::registry::decode::InputEncoding;
use crate::registry::RowReader;
use crate::rules::RuleConfig;
use crate::select::{NoticeLedger, Outcome, Window};

/// What a check (or the reading half of a run) needs.
pub struct CheckRequest<'a> {
    /// The registry export.
    pub input: PathBuf,
    /// The batch date.
    pub as_of: NaiveDate,
    /// The profile.
    pub profile: &'a Profile,
    /// Input encoding (the profile's unless overridden).
    pub encoding: InputEncoding,
    /// CSV output encoding.
    pub csv_encoding: CsvEncoding,
    /// The directory the CSVs go to.
    pub out_dir: PathBuf,
    /// Notices already issued.
    pub ledger: &'a (dyn NoticeLedger + Sync),
}

/// Counts of a batch, by outcome and by reason.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Data rows read (records after the header).
    pub rows_read: u64,
    /// Rows per outcome (SPEC spelling), every outcome present.
    pub outcomes: BTreeMap<String, u64>,
    /// Excluded rows per 住民状態 value.
    pub excluded_by_status: BTreeMap<String, u64>,
    /// Rejected rows per field at fault.
    pub rejected_by_field: BTreeMap<String, u64>,
    /// exceptions.csv lines per code.
    pub exceptions_by_code: BTreeMap<String, u64>,
    /// Printed notices per kind.
    pub notices_by_kind: BTreeMap<String, u64>,
}

impl Counts {
    fn new() -> Self {
        let mut c = Counts::default();
        for o in Outcome::ALL {
            c.outcomes.insert(o.as_str().to_string(), 0);
        }
        c
    }

    /// Rows with `outcome`.
    pub fn of(&self, outcome: Outcome) -> u64 {
        self.outcomes.get(outcome.as_str()).copied().unwrap_or(0)
    }

    /// The reconciliation identity: rows read = the sum of all outcomes.
    pub fn reconciles(&self) -> bool {
        self.outcomes.values().sum::<u64>() == self.rows_read
    }

    fn add(&mut self, row: &RowOutput) {
        // Runs once a row on the serial path: no allocation unless a key is new.
        fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
            match map.get_mut(key) {
                Some(v) => *v += 1,
                None => {
                    map.insert(key.to_string(), 1);
                }
            }
        }
        self.rows_read += 1;
        bump(&mut self.outcomes, row.outcome.as_str());
        if let Some(s) = &row.excluded_status {
            bump(&mut self.excluded_by_status, s);
        }
        if let Some(r) = &row.reject {
            bump(&mut self.rejected_by_field, &r.field);
        }
        for (code, _) in &row.exceptions {
            bump(&mut self.exceptions_by_code, code);
        }
        if let Some(k) = row.notice.as_ref().and_then(|n| n.selection.kind) {
            bump(&mut self.notices_by_kind, k.as_str());
        }
    }

    /// The counts as an operator reads them.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let list = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!("rows read         {:>9}\n", self.rows_read));
        for o in Outcome::ALL {
            let extra = match o {
                Outcome::Excluded if !self.excluded_by_status.is_empty() => {
                    format!("  ({})", list(&self.excluded_by_status))
                }
                Outcome::Rejected if !self.rejected_by_field.is_empty() => {
                    format!("  ({})", list(&self.rejected_by_field))
                }
                Outcome::Printed if !self.notices_by_kind.is_empty() => {
                    format!("  ({})", list(&self.notices_by_kind))
                }
                _ => String::new(),
            };
            s.push_str(&format!("  {:<16}{:>9}{extra}\n", o.as_str(), self.of(o)));
        }
        s.push_str(&format!(
            "  {:<16}{:>9}  {}\n",
            "sum",
            self.outcomes.values().sum::<u64>(),
            if self.reconciles() {
                "= rows read"
            } else {
                "DOES NOT MATCH rows read"
            }
        ));
        if !self.exceptions_by_code.is_empty() {
            s.push_str(&format!("exceptions: {}\n", list(&self.exceptions_by_code)));
        }
        s
    }
}

/// What a check produced.
#[derive(Debug)]
pub struct CheckReport {
    /// The counts.
    pub counts: Counts,
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Residents with a notice to print (kept only when asked for).
    pub notices: Vec<DueNotice>,
    /// Seconds spent.
    pub seconds: f64,
}

/// Runs the reading, rules and selection over the whole input, writing the
/// four CSVs into `req.out_dir`. With `keep_notices`, the due residents are
/// returned for rendering.
pub fn check(req: &CheckRequest<'_>, keep_notices: bool) -> Result<CheckReport> {
    let started = Instant::now();
    // Fail on the header before creating anything.
    let columns = {
        let mut stream = RecordStream::open(&req.input)?;
        pipeline::read_header(&mut stream, req.encoding, req.profile)?
    };
    let duplicates = pipeline::scan_duplicates(&req.input, req.encoding, req.profile)?;
    let rules = &req.profile.settings.rules;
    let ctx = Context {
        reader: RowReader {
            columns: &columns,
            encoding: req.encoding,
            gaiji: &req.profile.gaiji,
        },
        duplicates,
        rules: RuleConfig {
            age_basis: rules.age_basis,
            feb29: rules.feb29,
        },
        window: Window {
            as_of: req.as_of,
            lead_months: rules.lead_months,
        },
        ledger: req.ledger,
        drawable: None,
    };
    create_private_dir(&req.out_dir)?;
    let enc = req.csv_encoding;
    let dir = &req.out_dir;
    let mut outcomes = CsvFile::create(&dir.join("outcomes.csv"), &OUTCOMES_HEADER, enc)?;
    let mut rejects = CsvFile::create(&dir.join("rejects.csv"), &REJECTS_HEADER, enc)?;
    let mut exceptions = CsvFile::create(&dir.join("exceptions.csv"), &EXCEPTIONS_HEADER, enc)?;
    let mut held = CsvFile::create(&dir.join("held.csv"), &HELD_HEADER, enc)?;
    let mut counts = Counts::new();
    let mut notices = Vec::new();
    let mut text = String::with_capacity(4 << 20);
    pipeline::run_rows(&req.input, &ctx, |rows| {
        text.clear();
        for row in &rows {
            text.push_str(&row.outcome_line);
        }
        outcomes.write_records(&text, rows.len() as u64)?;
        for row in rows {
            counts.add(&row);
            if let Some(line) = row.reject_line() {
                rejects.write_records(&line, 1)?;
            }
            if !row.exceptions.is_empty() {
                exceptions.write_records(&row.exception_lines(), row.exceptions.len() as u64)?;
            }
            if let Some(line) = &row.held_line {
                held.write_records(line, 1)?;
            }
            if keep_notices {
                if let Some(n) = row.notice {
                    notices.push(*n);
                }
            }
        }
        Ok(())
    })?;
    let files = vec![
        outcomes.finish()?,
        rejects.finish()?,
        exceptions.finish()?,
        held.finish()?,
    ];
    Ok(CheckReport {
        counts,
        files,
        notices,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The peak resident memory of this process in MiB (Linux `VmHWM`), for the
/// benchmark figures; `None` elsewhere.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Default output directory of `kigen check` for a date.
pub fn default_check_dir(as_of: NaiveDate) -> PathBuf {
    Path::new("out").join(format!("check-{as_of}"))
}
