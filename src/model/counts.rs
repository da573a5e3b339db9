//! Counts of a batch by outcome and reason: what the operator reads at the
//! end of a run, and what the reconciliation checks.

use std::collections::BTreeMap;

use serde::Serialize;

use super::notice::RowOutput;
use super::reject::UnmatchedReason;
use crate::select::Outcome;
use crate::text::escape_controls;

/// Counts of a batch, by outcome and by reason.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Counts {
    /// Data rows read (records after the header).
    pub rows_read: u64,
    /// Rows per outcome (SPEC spelling), every outcome present.
    pub(crate) outcomes: BTreeMap<String, u64>,
    /// Excluded rows per 住民状態 value.
    pub(crate) excluded_by_status: BTreeMap<String, u64>,
    /// Rejected rows per field at fault.
    pub(crate) rejected_by_field: BTreeMap<String, u64>,
    /// exceptions.csv lines per code.
    pub(crate) exceptions_by_code: BTreeMap<String, u64>,
    /// Printed notices per kind.
    pub(crate) notices_by_kind: BTreeMap<String, u64>,
    /// Current residents read whose 氏名カナ is a 振り仮名 placeholder
    /// (`******`, `【名空欄】`, `【氏空欄】`): no フリガナ is printed for them
    /// (SPEC 9). Rows rejected or excluded are not counted. Absent from a
    /// summary.json written before the key existed (read as 0).
    #[serde(default)]
    pub(crate) kana_placeholders: u64,
    /// With `--cards`: what became of the card file's rows (absent
    /// without a card file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cards: Option<CardCounts>,
    /// 住民 rows with a card per rule generation that decided their items
    /// (SPEC 15: summary.json names the generations used). Absent from a
    /// summary.json written before the key existed.
    #[serde(default)]
    pub(crate) generations: BTreeMap<String, u64>,
}

/// What became of the card file's rows (SPEC 9): every row is joined,
/// rejected or unmatched.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CardCounts {
    /// Data rows of the card file.
    pub(crate) rows_read: u64,
    /// Rows a 住民 row joined.
    pub(crate) joined: u64,
    /// Rows in rejects.csv (`source` = `cards`).
    pub(crate) rejected: u64,
    /// Of the rejected rows, those whose key could not be read (a record
    /// of the wrong shape, a key that is not a key): no 住民 row could be
    /// rejected with them, so that a resident may be `no-item` for want of
    /// a card row nobody could read (SPEC 13, `[cards] max_unattributed`).
    /// Absent from a summary.json written before the key existed (read as
    /// 0).
    #[serde(default)]
    pub(crate) unattributed: u64,
    /// Rows in cards-unmatched.csv.
    pub(crate) unmatched: u64,
    /// Unmatched rows per reason (`no-registry-row`, `not-resident`).
    pub(crate) unmatched_by_reason: BTreeMap<UnmatchedReason, u64>,
}

impl CardCounts {
    /// The card file's identity: rows read = joined + rejected + unmatched,
    /// the unattributed being some of the rejected.
    pub(crate) fn reconciles(&self) -> bool {
        self.joined + self.rejected + self.unmatched == self.rows_read
            && self.unattributed <= self.rejected
    }
}

impl Counts {
    /// All outcomes at zero.
    pub(crate) fn new() -> Self {
        let mut c = Counts::default();
        for o in Outcome::ALL {
            c.outcomes.insert(o.as_str().to_string(), 0);
        }
        c
    }

    /// Rows with `outcome`.
    pub(crate) fn of(&self, outcome: Outcome) -> u64 {
        self.outcomes.get(outcome.as_str()).copied().unwrap_or(0)
    }

    /// The reconciliation identity: rows read = the sum of all outcomes
    /// (and, with a card file, its rows = joined + rejected + unmatched).
    pub fn reconciles(&self) -> bool {
        self.outcomes.values().sum::<u64>() == self.rows_read
            && self.cards.as_ref().is_none_or(CardCounts::reconciles)
    }

    /// Counts one row.
    pub(crate) fn add(&mut self, row: &RowOutput) {
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
        for e in &row.exceptions {
            bump(&mut self.exceptions_by_code, e.code);
        }
        if let Some(k) = row.notice.as_ref().and_then(|n| n.selection.kind) {
            bump(&mut self.notices_by_kind, k.as_str());
        }
        self.kana_placeholders += u64::from(row.kana_placeholder);
        if let Some(g) = &row.generation {
            bump(&mut self.generations, g);
        }
    }

    /// Adds another batch's counts.
    pub(crate) fn merge(&mut self, other: &Counts) {
        fn add_all(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
            for (k, v) in from {
                match into.get_mut(k) {
                    Some(n) => *n += v,
                    None => {
                        into.insert(k.clone(), *v);
                    }
                }
            }
        }
        self.rows_read += other.rows_read;
        add_all(&mut self.outcomes, &other.outcomes);
        add_all(&mut self.excluded_by_status, &other.excluded_by_status);
        add_all(&mut self.rejected_by_field, &other.rejected_by_field);
        add_all(&mut self.exceptions_by_code, &other.exceptions_by_code);
        add_all(&mut self.notices_by_kind, &other.notices_by_kind);
        self.kana_placeholders += other.kana_placeholders;
        add_all(&mut self.generations, &other.generations);
    }

    /// The counts as an operator reads them.
    pub(crate) fn report(&self) -> String {
        let mut s = String::new();
        // Keys echo values of the export (住民状態): no control character
        // reaches the terminal or the log.
        let list = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{} {v}", escape_controls(k)))
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
        if self.kana_placeholders > 0 {
            s.push_str(&format!(
                "kana placeholders: {} (no フリガナ printed)\n",
                self.kana_placeholders
            ));
        }
        if let Some(c) = &self.cards {
            s.push_str(&format!(
                "card rows read    {:>9}  (joined {}, rejected {}{}, unmatched {}{}){}\n",
                c.rows_read,
                c.joined,
                c.rejected,
                if c.unattributed > 0 {
                    format!(
                        " of which unattributed {} (their key could not be read: see rejects.csv, source cards)",
                        c.unattributed
                    )
                } else {
                    String::new()
                },
                c.unmatched,
                if c.unmatched_by_reason.is_empty() {
                    String::new()
                } else {
                    format!(
                        ": {}",
                        c.unmatched_by_reason
                            .iter()
                            .map(|(k, v)| format!("{} {v}", k.code()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                if c.reconciles() {
                    ""
                } else {
                    "  DOES NOT ADD UP"
                }
            ));
        }
        s
    }
}
