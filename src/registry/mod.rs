//! Reading the registry export: bytes → records → decoded, normalised fields
//! → a [`Resident`], an exclusion or a [`Reject`].

pub mod decode;
pub mod normalize;
pub mod split;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::error::Error;
use crate::profile::{Columns, GaijiTable};
use crate::rules::ItemDates;
use crate::wareki;
use decode::{decode_field, InputEncoding};
use normalize::{kana_to_full_width, to_ascii_width, trim};
use split::Record;

/// The fields kigen reads from the export (SPEC 1's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 住民コード: the registry's resident key (never the 個人番号).
    ResidentCode,
    /// 氏名.
    Name,
    /// 氏名カナ.
    NameKana,
    /// 生年月日.
    BirthDate,
    /// 住民状態.
    Status,
    /// 郵便番号.
    PostalCode,
    /// 住所.
    Address,
    /// 方書 (building / room).
    AddressExtra,
    /// カード申請日.
    CardApplied,
    /// カード発行日.
    CardIssued,
    /// カード有効期限.
    CardExpiry,
    /// 利用者証明用電子証明書発行日.
    UserCertIssued,
    /// 利用者証明用電子証明書有効期限.
    UserCertExpiry,
    /// 署名用電子証明書発行日.
    SignCertIssued,
    /// 署名用電子証明書有効期限.
    SignCertExpiry,
    /// 在留期間満了日.
    StayEnd,
    /// 転送不要.
    NonForwardable,
    /// 法定代理人氏名.
    LegalRepresentative,
}

impl Field {
    /// Every field, in SPEC order (also the order in which a row's problems
    /// are reported).
    pub const ALL: [Field; 18] = [
        Field::ResidentCode,
        Field::Name,
        Field::NameKana,
        Field::BirthDate,
        Field::Status,
        Field::PostalCode,
        Field::Address,
        Field::AddressExtra,
        Field::CardApplied,
        Field::CardIssued,
        Field::CardExpiry,
        Field::UserCertIssued,
        Field::UserCertExpiry,
        Field::SignCertIssued,
        Field::SignCertExpiry,
        Field::StayEnd,
        Field::NonForwardable,
        Field::LegalRepresentative,
    ];

    /// The profile key under `[columns]`.
    pub fn key(self) -> &'static str {
        match self {
            Field::ResidentCode => "resident_code",
            Field::Name => "name",
            Field::NameKana => "name_kana",
            Field::BirthDate => "birth_date",
            Field::Status => "status",
            Field::PostalCode => "postal_code",
            Field::Address => "address",
            Field::AddressExtra => "address_extra",
            Field::CardApplied => "card_applied",
            Field::CardIssued => "card_issued",
            Field::CardExpiry => "card_expiry",
            Field::UserCertIssued => "user_cert_issued",
            Field::UserCertExpiry => "user_cert_expiry",
            Field::SignCertIssued => "sign_cert_issued",
            Field::SignCertExpiry => "sign_cert_expiry",
            Field::StayEnd => "stay_end",
            Field::NonForwardable => "non_forwardable",
            Field::LegalRepresentative => "legal_representative",
        }
    }

    /// The default header name (SPEC 1).
    pub fn default_header(self) -> &'static str {
        match self {
            Field::ResidentCode => "住民コード",
            Field::Name => "氏名",
            Field::NameKana => "氏名カナ",
            Field::BirthDate => "生年月日",
            Field::Status => "住民状態",
            Field::PostalCode => "郵便番号",
            Field::Address => "住所",
            Field::AddressExtra => "方書",
            Field::CardApplied => "カード申請日",
            Field::CardIssued => "カード発行日",
            Field::CardExpiry => "カード有効期限",
            Field::UserCertIssued => "利用者証明用電子証明書発行日",
            Field::UserCertExpiry => "利用者証明用電子証明書有効期限",
            Field::SignCertIssued => "署名用電子証明書発行日",
            Field::SignCertExpiry => "署名用電子証明書有効期限",
            Field::StayEnd => "在留期間満了日",
            Field::NonForwardable => "転送不要",
            Field::LegalRepresentative => "法定代理人氏名",
        }
    }

    /// Whether the header must be present and the value non-empty for a 住民 row.
    pub fn required(self) -> bool {
        matches!(
            self,
            Field::ResidentCode
                | Field::Name
                | Field::BirthDate
                | Field::Status
                | Field::PostalCode
                | Field::Address
        )
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where each field sits in the export, found from the header row.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    index: [Option<usize>; 18],
    /// The field of each column, if kigen reads it.
    field_of: Vec<Option<Field>>,
    /// The header names as read, by column.
    pub headers: Vec<String>,
    /// The header name of each field (from the profile).
    names: [String; 18],
}

impl ColumnMap {
    /// Maps the header row. A required header missing, or a mapped header
    /// appearing twice, is a configuration error naming it.
    pub fn from_header(headers: Vec<String>, columns: &Columns) -> Result<Self, Error> {
        let mut index = [None; 18];
        let names: [String; 18] = Field::ALL.map(|f| columns.header(f).trim().to_string());
        for f in Field::ALL {
            let want = &names[f.index()];
            let mut found = headers.iter().enumerate().filter(|(_, h)| *h == want);
            if let Some((i, _)) = found.next() {
                if found.next().is_some() {
                    return Err(Error::Header(format!(
                        "header {want:?} (columns.{}) appears more than once",
                        f.key()
                    )));
                }
                index[f.index()] = Some(i);
            } else if f.required() {
                return Err(Error::Header(format!(
                    "required header {want:?} (columns.{}) is missing; the header row has: {}",
                    f.key(),
                    headers.join(",")
                )));
            }
        }
        let mut field_of = vec![None; headers.len()];
        for f in Field::ALL {
            if let Some(i) = index[f.index()] {
                field_of[i] = Some(f);
            }
        }
        Ok(ColumnMap {
            index,
            field_of,
            headers,
            names,
        })
    }

    /// The column of `field`, if the export has it.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.index[field.index()]
    }

    /// The header name of `field`, as configured.
    pub fn name(&self, field: Field) -> &str {
        &self.names[field.index()]
    }

    /// Number of columns in the header.
    pub fn width(&self) -> usize {
        self.headers.len()
    }
}

/// A seven-digit postal code (郵便番号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostalCode(pub [u8; 7]);

impl PostalCode {
    /// Parses `385-0051` or `3850051`, full-width allowed (SPEC 1). Other
    /// spellings (`〒385-0051`, a ー for the hyphen) are refused: the postal
    /// code decides where the notice goes, so only the documented forms pass.
    pub fn parse(s: &str) -> Option<PostalCode> {
        let s = to_ascii_width(s);
        let b = s.as_bytes();
        let digits: Vec<u8> = match b.len() {
            7 => b.to_vec(),
            8 if b[3] == b'-' => b[..3].iter().chain(&b[4..]).copied().collect(),
            _ => return None,
        };
        let mut out = [0u8; 7];
        for (o, d) in out.iter_mut().zip(&digits) {
            if !d.is_ascii_digit() {
                return None;
            }
            *o = *d;
        }
        Some(PostalCode(out))
    }

    /// The seven digits.
    pub fn digits(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("0000000")
    }
}

impl std::fmt::Display for PostalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.digits();
        write!(f, "{}-{}", &d[..3], &d[3..])
    }
}

/// A current resident's row, validated and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    /// Physical line on which the row starts.
    pub line: u32,
    /// 住民コード.
    pub code: String,
    /// 氏名, 外字 mapped.
    pub name: String,
    /// 氏名カナ, full-width.
    pub name_kana: String,
    /// 郵便番号.
    pub postal_code: PostalCode,
    /// 住所, 外字 mapped.
    pub address: String,
    /// 方書, 外字 mapped.
    pub address_extra: String,
    /// The dates the rules read.
    pub dates: ItemDates,
    /// 転送不要.
    pub non_forwardable: bool,
    /// 法定代理人氏名, 外字 mapped.
    pub legal_representative: String,
}

impl Resident {
    /// The printed fields that must be drawable, with their header names:
    /// SPEC 2's list for holding a notice. (氏名カナ is not on it: the
    /// application form leaves its フリガナ blank rather than print a reading
    /// it cannot draw.)
    pub fn printed_fields(&self) -> [(Field, &str); 4] {
        [
            (Field::Name, &self.name),
            (Field::Address, &self.address),
            (Field::AddressExtra, &self.address_extra),
            (Field::LegalRepresentative, &self.legal_representative),
        ]
    }
}

/// A row that cannot be used: one line of rejects.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Physical line on which the row starts.
    pub line: u32,
    /// 住民コード when it could be read safely, else empty.
    pub resident_code: String,
    /// The header name of the field at fault, or `(row)`.
    pub field: String,
    /// The value at fault (never a whole raw line).
    pub value: String,
    /// Why.
    pub reason: String,
}

/// What reading made of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowRead {
    /// Unusable: goes to rejects.csv.
    Rejected(Reject),
    /// 住民状態 other than 住民: counted, not validated.
    Excluded {
        /// Physical line.
        line: u32,
        /// 住民コード as written.
        resident_code: String,
        /// The status value.
        status: String,
    },
    /// A current resident.
    Resident(Box<Resident>),
}

/// The status of a current resident (SPEC 1: exactly 住民 after trimming).
pub const CURRENT_RESIDENT: &str = "住民";

/// 住民コード values shared by two or more 住民 rows, with their lines.
#[derive(Debug, Clone, Default)]
pub struct Duplicates {
    lines: HashMap<String, Vec<u32>>,
}

impl Duplicates {
    /// Finds the shared codes among `(code, line)` pairs of 住民 rows.
    pub fn find(codes: Vec<(CodeKey, u32)>) -> Self {
        Self::find_checked(codes.into_iter().map(|(k, l)| (k, l, 0)).collect(), |_| {
            true
        })
    }

    /// Finds the shared codes among `(code, line, file offset)` of 住民 rows,
    /// keeping only the copies `usable(offset)` confirms (a copy with a byte
    /// that is not CP932 elsewhere in its row is rejected for that, and
    /// does not make its twin a duplicate). `usable` runs only for the
    /// candidates, so the first pass need not decode every field.
    pub fn find_checked(
        mut codes: Vec<(CodeKey, u32, u64)>,
        mut usable: impl FnMut(u64) -> bool,
    ) -> Self {
        codes.sort_unstable();
        let mut lines: HashMap<String, Vec<u32>> = HashMap::new();
        for run in codes.chunk_by(|a, b| a.0 == b.0) {
            if run.len() < 2 {
                continue;
            }
            let kept: Vec<u32> = run
                .iter()
                .filter(|(_, _, offset)| usable(*offset))
                .map(|(_, line, _)| *line)
                .collect();
            if kept.len() > 1 {
                lines.insert(run[0].0.as_str().to_string(), kept);
            }
        }
        Duplicates { lines }
    }

    /// The lines sharing `code`, when it is shared.
    pub fn lines_of(&self, code: &str) -> Option<&[u32]> {
        self.lines.get(code).map(|v| v.as_slice())
    }

    /// Number of shared codes.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when no code is shared.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// A valid 住民コード packed in 16 bytes (length in the last), so that the
/// duplicate scan over a million rows costs 20 bytes a row, not an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodeKey([u8; 16]);

impl CodeKey {
    /// Packs a valid code (1–15 ASCII letters or digits).
    pub fn new(code: &str) -> Option<CodeKey> {
        if !valid_resident_code(code) {
            return None;
        }
        let mut k = [0u8; 16];
        k[..code.len()].copy_from_slice(code.as_bytes());
        k[15] = code.len() as u8;
        Some(CodeKey(k))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0[..self.0[15] as usize]).unwrap_or("")
    }
}

/// 1–15 ASCII letters or digits.
pub fn valid_resident_code(code: &str) -> bool {
    (1..=15).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

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
            normalize::collapse_breaks(
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

#[cfg(test)]
mod tests;
