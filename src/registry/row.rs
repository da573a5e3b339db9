//! One record → a [`RowRead`]: decoded strictly, trimmed, validated,
//! normalised, 外字 mapped.

use chrono::NaiveDate;

use super::columns::ColumnMap;
use super::decode::{self, decode_field};
use super::duplicates::Duplicates;
use super::split::Record;
use crate::model::{
    valid_resident_code, CodeKey, Field, InputEncoding, PostalCode, Reject, Resident, RowRead,
    CURRENT_RESIDENT,
};
use crate::profile::GaijiTable;
use crate::rules::ItemDates;
use crate::text::{collapse_breaks, kana_to_full_width, trim};
use crate::wareki;

/// Reads rows against a header: holds what every row needs.
#[derive(Debug)]
pub struct RowReader<'a> {
    /// The column map.
    pub columns: &'a ColumnMap,
    /// Input encoding.
    pub encoding: InputEncoding,
    /// The 外字 table.
    pub gaiji: &'a GaijiTable,
}

/// A decoded, trimmed field value of one row.
type Values<'r> = [Option<std::borrow::Cow<'r, str>>; 18];

impl<'a> RowReader<'a> {
    /// For the duplicate scan: the row's code, when the row has the header's
    /// field count and its status and code decode to 住民 and a valid code.
    /// (Whether every other field decodes is checked afterwards, for the
    /// few codes that turn out shared: see [`Duplicates::find_checked`].)
    pub fn resident_code_key(&self, rec: &Record<'_>) -> Option<CodeKey> {
        if rec.len() != self.columns.width() || rec.meta.unterminated_quote {
            return None;
        }
        let status = self.value(rec, Field::Status)?.ok()?;
        if trim(&status) != CURRENT_RESIDENT {
            return None;
        }
        let code = self.value(rec, Field::ResidentCode)?.ok()?;
        CodeKey::new(trim(&code))
    }

    /// True when every field of the record decodes in the input encoding.
    pub fn decodes(&self, rec: &Record<'_>) -> bool {
        (0..rec.len()).all(|i| {
            decode::validate_field(rec.field(i).unwrap_or_default(), self.encoding).is_ok()
        })
    }

    fn value<'r>(
        &self,
        rec: &Record<'r>,
        field: Field,
    ) -> Option<Result<std::borrow::Cow<'r, str>, decode::BadBytes>> {
        let col = self.columns.column(field)?;
        Some(decode_field(rec.field(col)?, self.encoding))
    }

    /// Reads one record into an outcome of reading.
    pub fn read(&self, rec: &Record<'_>, duplicates: &Duplicates) -> RowRead {
        let line = rec.meta.line;
        let reject = |code: &str, field: &str, value: String, reason: String| {
            RowRead::Rejected(Reject {
                line,
                resident_code: code.to_string(),
                field: field.to_string(),
                value,
                reason,
            })
        };
        if rec.meta.unterminated_quote {
            return reject(
                "",
                "(row)",
                String::new(),
                "a quoted field is left open: it does not close on this line and the row does not have the header's fields (reading resumes on the next line)".into(),
            );
        }
        if rec.len() != self.columns.width() {
            return reject(
                "",
                "(row)",
                format!("{} fields", rec.len()),
                format!(
                    "the row has {} fields, the header {}",
                    rec.len(),
                    self.columns.width()
                ),
            );
        }
        // Decode every column, known or not: a byte that is not CP932
        // anywhere in the row rejects it, whatever its status.
        let mut values: Values<'_> = Default::default();
        let mut bad: Option<(usize, decode::BadBytes)> = None;
        for col in 0..rec.len() {
            let bytes = rec.field(col).unwrap_or_default();
            let Some(f) = self.columns.field_of[col] else {
                if let Err(e) = decode::validate_field(bytes, self.encoding) {
                    bad.get_or_insert((col, e));
                }
                continue;
            };
            match decode_field(bytes, self.encoding) {
                Ok(text) => {
                    values[f.index()] = Some(match text {
                        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(trim(s)),
                        std::borrow::Cow::Owned(s) => {
                            let t = trim(&s);
                            if t.len() == s.len() {
                                std::borrow::Cow::Owned(s)
                            } else {
                                std::borrow::Cow::Owned(t.to_string())
                            }
                        }
                    });
                }
                Err(e) => {
                    if bad.is_none() {
                        bad = Some((col, e));
                    }
                }
            }
        }
        let text = |f: Field| values[f.index()].as_deref().unwrap_or("");
        if let Some((col, e)) = bad {
            let code = text(Field::ResidentCode);
            let code = if valid_resident_code(code) { code } else { "" };
            let in_line = rec.field_raw_start(col) as u64 + e.offset as u64;
            return reject(
                code,
                self.columns
                    .headers
                    .get(col)
                    .map(String::as_str)
                    .unwrap_or("(row)"),
                e.hex(),
                format!(
                    "bytes {} are not {} (byte offset {} in the line, {} in the file)",
                    e.hex(),
                    match self.encoding {
                        InputEncoding::Cp932 => "CP932",
                        InputEncoding::Utf8 => "UTF-8",
                    },
                    in_line,
                    rec.meta.offset + in_line
                ),
            );
        }

        // Status first: a row that is not 住民 is excluded without further checks.
        let status = text(Field::Status);
        let code_raw = text(Field::ResidentCode);
        if !status.is_empty() && status != CURRENT_RESIDENT {
            return RowRead::Excluded {
                line,
                resident_code: code_raw.to_string(),
                status: status.to_string(),
            };
        }

        let mut problems: Vec<(Field, String, String)> = Vec::new();
        for f in Field::ALL {
            if f.required() && text(f).is_empty() {
                problems.push((f, String::new(), "required value is empty".into()));
            }
        }
        let code = code_raw;
        if !code.is_empty() && !valid_resident_code(code) {
            problems.push((
                Field::ResidentCode,
                code.to_string(),
                "住民コード must be 1-15 ASCII letters or digits".into(),
            ));
        }
        let mut date = |f: Field| -> Option<NaiveDate> {
            let v = text(f);
            if v.is_empty() {
                return None;
            }
            match wareki::parse_date(v) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push((f, v.to_string(), e.to_string()));
                    None
                }
            }
        };
        let dates = ItemDates {
            birth: date(Field::BirthDate),
            card_applied: date(Field::CardApplied),
            card_issued: date(Field::CardIssued),
            card_recorded: date(Field::CardExpiry),
            user_issued: date(Field::UserCertIssued),
            user_recorded: date(Field::UserCertExpiry),
            sign_issued: date(Field::SignCertIssued),
            sign_recorded: date(Field::SignCertExpiry),
            stay_end: date(Field::StayEnd),
        };
        let postal = text(Field::PostalCode);
        let postal_code = if postal.is_empty() {
            None
        } else {
            let p = PostalCode::parse(postal);
            if p.is_none() {
                problems.push((
                    Field::PostalCode,
                    postal.to_string(),
                    "郵便番号 must be 7 digits (385-0051 or 3850051)".into(),
                ));
            }
            p
        };
        let nf = text(Field::NonForwardable);
        let non_forwardable = match parse_flag(nf) {
            Some(b) => b,
            None => {
                problems.push((
                    Field::NonForwardable,
                    nf.to_string(),
                    "転送不要 must be 1/0, ○/blank, 有/無, true/false or yes/no".into(),
                ));
                false
            }
        };
        // Problems in SPEC column order, whatever order they were found in.
        problems.sort_by_key(|(f, _, _)| f.index());
        if problems.is_empty() {
            if let Some(lines) = duplicates.lines_of(code) {
                let others: Vec<String> = lines
                    .iter()
                    .filter(|l| **l != line)
                    .map(|l| l.to_string())
                    .collect();
                problems.push((
                    Field::ResidentCode,
                    code.to_string(),
                    format!(
                        "住民コード is shared by {} 住民 rows (also line {})",
                        lines.len(),
                        others.join(", ")
                    ),
                ));
            }
        }
        if let Some((f, value, reason)) = problems.first() {
            let more = if problems.len() > 1 {
                let rest: Vec<&str> = problems[1..]
                    .iter()
                    .map(|(f, _, _)| self.columns.name(*f))
                    .collect();
                format!(" (also: {})", rest.join(", "))
            } else {
                String::new()
            };
            let code = if valid_resident_code(code) { code } else { "" };
            return reject(
                code,
                self.columns.name(*f),
                value.clone(),
                format!("{reason}{more}"),
            );
        }
        let Some(postal_code) = postal_code else {
            return reject(
                code,
                self.columns.name(Field::PostalCode),
                String::new(),
                "required value is empty".into(),
            );
        };
        let code = code.to_string();
        // Move the decoded text into the resident: no copy unless the 外字
        // table or the kana widening changes it.
        let mut take = |f: Field| -> String {
            collapse_breaks(
                values[f.index()]
                    .take()
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default(),
            )
        };
        let kana = take(Field::NameKana);
        let name_kana = self.gaiji.apply_owned(match kana_to_full_width(&kana) {
            std::borrow::Cow::Borrowed(_) => kana,
            std::borrow::Cow::Owned(widened) => widened,
        });
        let (name, address, address_extra, legal_representative) = (
            take(Field::Name),
            take(Field::Address),
            take(Field::AddressExtra),
            take(Field::LegalRepresentative),
        );
        RowRead::Resident(Box::new(Resident {
            line,
            code,
            name: self.gaiji.apply_owned(name),
            name_kana,
            postal_code,
            address: self.gaiji.apply_owned(address),
            address_extra: self.gaiji.apply_owned(address_extra),
            dates,
            non_forwardable,
            legal_representative: self.gaiji.apply_owned(legal_representative),
        }))
    }
}

/// 転送不要 values: 1/0, ○/blank, 有/無, true/false, yes/no (the ASCII ones
/// in any case, but not in full width: SPEC allows full width only in postal
/// codes, dates and addresses). `None` for anything else.
pub fn parse_flag(v: &str) -> Option<bool> {
    let v = v.trim();
    if v.is_empty() {
        return Some(false);
    }
    match v.to_ascii_lowercase().as_str() {
        "1" | "○" | "有" | "true" | "yes" => Some(true),
        "0" | "無" | "false" | "no" => Some(false),
        _ => None,
    }
}
