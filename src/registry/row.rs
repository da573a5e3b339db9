//! One record → a [`RowRead`]: decoded strictly, trimmed, validated,
//! normalised, 外字 mapped.

use chrono::NaiveDate;

use super::cards::{CardIndex, CardLookup};
use super::columns::ColumnMap;
use super::decode::{self, decode_field};
use super::duplicates::Duplicates;
use super::split::Record;
use crate::model::{
    valid_resident_code, BirthWritten, CodeKey, Field, InputEncoding, MailTo, PostalCode, Reject,
    RejectCode, RejectReason, Resident, RowRead, CURRENT_RESIDENT,
};
use crate::mynumber::{looks_like_my_number, MASKED, PERSONAL_NUMBER};
use crate::profile::{unmapped_card_kind, CardKinds, GaijiTable};
use crate::rules::{CardKind, Feb29Rule, ItemDates};
use crate::text::{collapse_breaks, kana_to_full_width, trim};
use crate::wareki::{BirthDate, Eras, Feb29};

/// Reads rows against a header: holds what every row needs.
#[derive(Debug)]
pub(crate) struct RowReader<'a> {
    /// The column map.
    pub(crate) columns: &'a ColumnMap,
    /// Input encoding.
    pub(crate) encoding: InputEncoding,
    /// The 外字 table.
    pub(crate) gaiji: &'a GaijiTable,
    /// The run's era table (the built-in eras and the profile's `[[eras]]`):
    /// every date field is read with it.
    pub(crate) eras: &'a Eras,
    /// The profile's feb29 rule: which day a 生年月日 of 29 February in a
    /// common year is taken as.
    pub(crate) feb29: Feb29Rule,
    /// With `--cards`: the card file, which the card dates come from.
    pub(crate) cards: Option<&'a CardIndex>,
    /// `[card_kinds]`: the `card_kind` column's values (SPEC 15).
    pub(crate) card_kinds: &'a CardKinds,
}

/// A decoded, trimmed field value of one row.
type Values<'r> = [Option<std::borrow::Cow<'r, str>>; Field::COUNT];

impl<'a> RowReader<'a> {
    /// For the duplicate scan: the row's code, when the row has the header's
    /// field count and its status and code decode to 住民 and a valid code.
    /// (Whether every other field decodes is checked afterwards, for the
    /// few codes that turn out shared: see [`Duplicates::find_checked`].)
    pub(crate) fn resident_code_key(&self, rec: &Record<'_>) -> Option<CodeKey> {
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

    /// For the duplicate scan, with a card file whose join key is not the
    /// 住民コード: the row's join key, when it is a valid key.
    pub(crate) fn join_key_of(&self, rec: &Record<'_>) -> Option<CodeKey> {
        if self.columns.join_key == self.columns.column(Field::ResidentCode) {
            return None;
        }
        CardIndex::join_key(&self.join_key_text(rec)?)
    }

    /// True when every field of the record decodes in the input encoding.
    pub(crate) fn decodes(&self, rec: &Record<'_>) -> bool {
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
    pub(crate) fn read(&self, rec: &Record<'_>, duplicates: &Duplicates) -> RowRead {
        let line = rec.meta.line;
        if let Some(reject) = self.shape_reject(rec) {
            return RowRead::Rejected(reject);
        }
        let mut values = match self.decode_row(rec) {
            Ok(values) => values,
            Err(reject) => return RowRead::Rejected(*reject),
        };
        if let Some(reject) = self.my_number_guard(line, &values, rec) {
            return RowRead::Rejected(reject);
        }
        let text = |f: Field| values[f.index()].as_deref().unwrap_or("");
        // Status first: a row that is not 住民 is excluded without further checks.
        let status = text(Field::Status);
        let code = text(Field::ResidentCode);
        if !status.is_empty() && status != CURRENT_RESIDENT {
            let card_entry = match self.card_lookup(rec) {
                Some(CardLookup::Joined { entry, .. } | CardLookup::Rejected { entry, .. }) => {
                    Some(entry)
                }
                _ => None,
            };
            return RowRead::Excluded {
                line,
                resident_code: code.to_string(),
                status: status.to_string(),
                card_entry,
            };
        }
        let mut checked = Checked::of(&values, self.eras, self.feb29, self.card_kinds);
        if checked.problems.is_empty() {
            if let Some(lines) = duplicates.lines_of(code) {
                checked.problems.push(shared_code(code, lines, line));
            }
        }
        let code = code.to_string();
        if let Some(reject) = self.first_problem(line, &code, &checked.problems) {
            return RowRead::Rejected(reject);
        }
        let card_entry = match self.join_cards(rec, line, &code, duplicates, &mut checked.dates) {
            Ok(entry) => entry,
            Err(reject) => return RowRead::Rejected(*reject),
        };
        let Some(postal_code) = checked.postal_code else {
            return RowRead::Rejected(Reject {
                line,
                resident_code: code,
                field: self.columns.name(Field::PostalCode).to_string(),
                value: String::new(),
                reason: RejectCode::RequiredEmpty.with(REQUIRED_EMPTY),
            });
        };
        let mut resident = self.resident(line, code, &mut values, postal_code, checked);
        resident.card_entry = card_entry;
        RowRead::Resident(Box::new(resident))
    }

    /// For a rejected row: the card record its join key finds, when the row
    /// has the header's shape and is a 住民 row (so that its card row counts
    /// as joined, not as unmatched).
    pub(crate) fn resident_card_entry(&self, rec: &Record<'_>) -> Option<u32> {
        self.cards?;
        if rec.len() != self.columns.width() || rec.meta.unterminated_quote {
            return None;
        }
        let status = self.value(rec, Field::Status)?.ok()?;
        if trim(&status) != CURRENT_RESIDENT {
            return None;
        }
        match self.card_lookup(rec)? {
            CardLookup::Joined { entry, .. } | CardLookup::Rejected { entry, .. } => Some(entry),
            CardLookup::NoRecord => None,
        }
    }

    /// The card record of the row's join key, when there is a card file.
    fn card_lookup(&self, rec: &Record<'_>) -> Option<CardLookup<'a>> {
        let cards = self.cards?;
        Some(match CardIndex::join_key(&self.join_key_text(rec)?) {
            Some(key) => cards.lookup(key),
            None => CardLookup::NoRecord,
        })
    }

    /// The row's join key, decoded and trimmed (`None` without a card file,
    /// or when its field does not decode).
    fn join_key_text<'r>(&self, rec: &Record<'r>) -> Option<std::borrow::Cow<'r, str>> {
        let col = self.columns.join_key?;
        decode_field(rec.field(col)?, self.encoding)
            .ok()
            .map(trim_cow)
    }

    /// With a card file, puts the card record's dates into `dates` (none:
    /// the row has no card) and returns the record's index; a rejected card
    /// record, or an empty join key, rejects the row (SPEC 9).
    fn join_cards(
        &self,
        rec: &Record<'_>,
        line: u32,
        code: &str,
        duplicates: &Duplicates,
        dates: &mut ItemDates,
    ) -> Result<Option<u32>, Box<Reject>> {
        let Some(cards) = self.cards else {
            return Ok(None);
        };
        let reject = |field: &str, reason: RejectReason| {
            Box::new(Reject {
                line,
                resident_code: code.to_string(),
                field: field.to_string(),
                value: String::new(),
                reason,
            })
        };
        let key_name = self.columns.join_name.as_deref().unwrap_or("");
        // The row decoded whole before this, so the key's field decodes.
        let text = self.join_key_text(rec).unwrap_or_default();
        if text.is_empty() {
            return Err(reject(
                key_name,
                RejectCode::JoinKeyEmpty.with(
                    "the key the card file joins on is empty: the card dates cannot be found",
                ),
            ));
        }
        // Compared folded, as the card file's keys are (SPEC 13); what is
        // still not a key cannot be looked up, and the row must not pass
        // for one without a card.
        let Some(key) = CardIndex::join_key(&text) else {
            return Err(reject(
                key_name,
                RejectCode::JoinKeyInvalid.with("the key the card file joins on is not a key (1-15 letters or digits, full-width, spaces and hyphens allowed): the card dates cannot be found"),
            ));
        };
        if let Some(lines) = duplicates.join_lines_of(key.as_str()) {
            let others: Vec<String> = lines
                .iter()
                .filter(|l| **l != line)
                .map(u32::to_string)
                .collect();
            return Err(reject(
                key_name,
                RejectCode::JoinKeyShared.with(format!(
                    "the key the card file joins on is shared by {} 住民 rows (also line {}): each would take the same card record",
                    lines.len(),
                    others.join(", ")
                )),
            ));
        }
        match cards.lookup(key) {
            CardLookup::NoRecord => Ok(None),
            CardLookup::Rejected { line, reason, .. } => Err(reject(
                "cards",
                RejectCode::CardRejected.with(format!("card file line {line}: {reason}")),
            )),
            CardLookup::Joined { entry, dates: card } => {
                dates.card_applied = card.get(Field::CardApplied);
                dates.card_issued = card.get(Field::CardIssued);
                dates.card_recorded = card.get(Field::CardExpiry);
                dates.user_issued = card.get(Field::UserCertIssued);
                dates.user_recorded = card.get(Field::UserCertExpiry);
                dates.sign_issued = card.get(Field::SignCertIssued);
                dates.sign_recorded = card.get(Field::SignCertExpiry);
                if let Some(kind) = card.1 {
                    dates.card_kind = kind;
                }
                Ok(Some(entry))
            }
        }
    }

    /// A record that is not a row of the header's shape: a quote left open,
    /// or another field count. Nothing of it is read.
    fn shape_reject(&self, rec: &Record<'_>) -> Option<Reject> {
        let (value, reason) = if rec.meta.too_long {
            (
                String::new(),
                RejectCode::RecordTooLong.with("the record is longer than [input] max_record_bytes (1 MiB unless the profile says otherwise): it is not read (reading resumes on the next line)"),
            )
        } else if rec.meta.unterminated_quote {
            (
                String::new(),
                RejectCode::QuoteLeftOpen.with("a quoted field is left open: it does not close on this line and the row does not have the header's fields (reading resumes on the next line)"),
            )
        } else if rec.len() != self.columns.width() {
            (
                format!("{} fields", rec.len()),
                RejectCode::FieldCount.with(format!(
                    "the row has {} fields, the header {}",
                    rec.len(),
                    self.columns.width()
                )),
            )
        } else {
            return None;
        };
        Some(Reject {
            line: rec.meta.line,
            resident_code: String::new(),
            field: "(row)".into(),
            value,
            reason,
        })
    }

    /// Decodes every column, known or not, trimmed: a byte that is not in
    /// the input encoding anywhere in the row rejects it, whatever its
    /// status.
    fn decode_row<'r>(&self, rec: &Record<'r>) -> Result<Values<'r>, Box<Reject>> {
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
                Ok(text) => values[f.index()] = Some(trim_cow(text)),
                Err(e) => {
                    bad.get_or_insert((col, e));
                }
            }
        }
        let Some((col, e)) = bad else {
            return Ok(values);
        };
        // The reject echoes the 住民コード: not before the row's other
        // values are known to hold no 個人番号.
        if let Some(reject) = self.my_number_guard(rec.meta.line, &values, rec) {
            return Err(Box::new(reject));
        }
        let code = values[Field::ResidentCode.index()].as_deref().unwrap_or("");
        let code = if valid_resident_code(code) { code } else { "" };
        let in_line = rec.field_raw_start(col) as u64 + e.offset as u64;
        Err(Box::new(Reject {
            line: rec.meta.line,
            resident_code: code.to_string(),
            field: self
                .columns
                .headers
                .get(col)
                .map(String::as_str)
                .unwrap_or("(row)")
                .to_string(),
            value: e.hex(),
            reason: RejectCode::InvalidBytes.with(format!(
                "bytes {} are not {} (byte offset {} in the line, {} in the file)",
                e.hex(),
                match self.encoding {
                    InputEncoding::Cp932 => "CP932",
                    InputEncoding::Utf8 => "UTF-8",
                },
                in_line,
                rec.meta.offset + in_line
            )),
        }))
    }

    /// No field kigen reads is meant to hold a 個人番号: one that does (a
    /// mislabelled header, a shifted column) rejects the row before anything
    /// of it is used, with the value masked, so that the number reaches no
    /// output, status included (SPEC 10). The card join key's column is
    /// read too when it is not a mapped field; every spelling counts
    /// (full-width digits, spaces and hyphens: SPEC 13).
    fn my_number_guard(&self, line: u32, values: &Values<'_>, rec: &Record<'_>) -> Option<Reject> {
        let field = Field::ALL
            .into_iter()
            .find(|f| {
                values[f.index()]
                    .as_deref()
                    .is_some_and(looks_like_my_number)
            })
            .map(|f| self.columns.name(f).to_string())
            .or_else(|| {
                self.join_key_text(rec)
                    .filter(|k| looks_like_my_number(k))
                    .map(|_| self.columns.join_name.clone().unwrap_or_default())
            })?;
        Some(Reject {
            line,
            resident_code: String::new(),
            field,
            value: MASKED.into(),
            reason: RejectCode::PersonalNumber.with(format!(
                "{PERSONAL_NUMBER}: the value looks like a 個人番号 (never read, never written): check the column mapping"
            )),
        })
    }

    /// The reject for a row's problems: the first in SPEC column order,
    /// naming the other fields at fault.
    fn first_problem(&self, line: u32, code: &str, problems: &[Problem]) -> Option<Reject> {
        let (f, value, reason) = problems.first()?;
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
        Some(Reject {
            line,
            resident_code: code.to_string(),
            field: self.columns.name(*f).to_string(),
            value: value.clone(),
            reason: reason.clone().also(&more),
        })
    }

    /// The resident, moving the decoded text in: no copy unless the 外字
    /// table or the kana widening changes it.
    fn resident(
        &self,
        line: u32,
        code: String,
        values: &mut Values<'_>,
        postal_code: PostalCode,
        checked: Checked,
    ) -> Resident {
        let mut take = |f: Field| -> String {
            collapse_breaks(
                values[f.index()]
                    .take()
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default(),
            )
        };
        let kana = take(Field::NameKana);
        let kana_placeholder = is_kana_placeholder(&kana);
        let name_kana = if kana_placeholder {
            String::new()
        } else {
            self.gaiji.apply_owned(match kana_to_full_width(&kana) {
                std::borrow::Cow::Borrowed(_) => kana,
                std::borrow::Cow::Owned(widened) => widened,
            })
        };
        let (name, address, address_extra, legal_representative) = (
            take(Field::Name),
            take(Field::Address),
            take(Field::AddressExtra),
            take(Field::LegalRepresentative),
        );
        let mail_to = checked.mail_to_postal_code.map(|postal_code| MailTo {
            postal_code,
            address: self.gaiji.apply_owned(take(Field::MailToAddress)),
            address_extra: self.gaiji.apply_owned(take(Field::MailToAddressExtra)),
            name: self.gaiji.apply_owned(take(Field::MailToName)),
        });
        Resident {
            line,
            code,
            name: self.gaiji.apply_owned(name),
            name_kana,
            kana_placeholder,
            postal_code,
            address: self.gaiji.apply_owned(address),
            address_extra: self.gaiji.apply_owned(address_extra),
            dates: checked.dates,
            birth_written: checked.birth_written,
            non_forwardable: checked.non_forwardable,
            legal_representative: self.gaiji.apply_owned(legal_representative),
            mail_to,
            support_measure: checked.support_measure,
            card_entry: None,
        }
    }
}

/// A field at fault: (field, value, reason).
type Problem = (Field, String, RejectReason);

/// rejects.csv's reason for an empty required value.
const REQUIRED_EMPTY: &str = "required value is empty";

/// A current resident's values, parsed and checked.
struct Checked {
    dates: ItemDates,
    /// How 生年月日 is written when it is not an ordinary date.
    birth_written: BirthWritten,
    postal_code: Option<PostalCode>,
    non_forwardable: bool,
    /// The 送付先's postal code, when the row has a 送付先.
    mail_to_postal_code: Option<PostalCode>,
    support_measure: bool,
    /// In SPEC column order.
    problems: Vec<Problem>,
}

impl Checked {
    /// Parses the dates (with `eras`; 生年月日 may also hold 29 February of a
    /// common year, taken as `feb29` says, or a 不詳日), the postal code and
    /// the flag, and lists every problem.
    fn of(values: &Values<'_>, eras: &Eras, feb29: Feb29Rule, kinds: &CardKinds) -> Checked {
        let text = |f: Field| values[f.index()].as_deref().unwrap_or("");
        let mut problems: Vec<Problem> = Vec::new();
        for f in Field::ALL {
            if f.required() && text(f).is_empty() {
                problems.push((
                    f,
                    String::new(),
                    RejectCode::RequiredEmpty.with(REQUIRED_EMPTY),
                ));
            }
        }
        let code = text(Field::ResidentCode);
        if !code.is_empty() && !valid_resident_code(code) {
            problems.push((
                Field::ResidentCode,
                code.to_string(),
                RejectCode::ResidentCodeInvalid
                    .with("住民コード must be 1-15 ASCII letters or digits"),
            ));
        }
        let (birth, birth_written) = birth_date(text(Field::BirthDate), eras, feb29)
            .unwrap_or_else(|problem| {
                problems.extend(problem);
                (None, BirthWritten::Exact)
            });
        let mut date = |f: Field| -> Option<NaiveDate> {
            let v = text(f);
            if v.is_empty() {
                return None;
            }
            eras.parse_date(v)
                .map_err(|e| {
                    problems.push((
                        f,
                        v.to_string(),
                        RejectCode::InvalidDate.with(e.to_string()),
                    ))
                })
                .ok()
        };
        let dates = ItemDates {
            birth,
            card_applied: date(Field::CardApplied),
            card_issued: date(Field::CardIssued),
            card_recorded: date(Field::CardExpiry),
            user_issued: date(Field::UserCertIssued),
            user_recorded: date(Field::UserCertExpiry),
            sign_issued: date(Field::SignCertIssued),
            sign_recorded: date(Field::SignCertExpiry),
            stay_end: date(Field::StayEnd),
            card_kind: card_kind(text(Field::CardKind), kinds, &mut problems),
        };
        let postal = text(Field::PostalCode);
        let postal_code = (!postal.is_empty())
            .then(|| PostalCode::parse(postal))
            .flatten();
        if !postal.is_empty() && postal_code.is_none() {
            problems.push((
                Field::PostalCode,
                postal.to_string(),
                RejectCode::PostalCodeInvalid
                    .with("郵便番号 must be 7 digits (385-0051 or 3850051)"),
            ));
        }
        let mut flag = |f: Field| {
            let v = text(f);
            parse_flag(v).unwrap_or_else(|| {
                problems.push((
                    f,
                    v.to_string(),
                    RejectCode::FlagInvalid
                        .with("must be 1/0, ○/blank, 有/無, true/false or yes/no"),
                ));
                false
            })
        };
        let non_forwardable = flag(Field::NonForwardable);
        let support_measure = flag(Field::SupportMeasure);
        let mail_to_postal_code = mail_to(&text, &mut problems);
        // Problems in SPEC column order, whatever order they were found in.
        problems.sort_by_key(|(f, _, _)| f.index());
        Checked {
            dates,
            birth_written,
            postal_code,
            non_forwardable,
            mail_to_postal_code,
            support_measure,
            problems,
        }
    }
}

/// The card's kind from its `[card_kinds]` value (an empty value, or an
/// unmapped column: the city's card); a value the profile does not map is
/// the row's problem, named.
fn card_kind(value: &str, kinds: &CardKinds, problems: &mut Vec<Problem>) -> CardKind {
    kinds.kind_of(value).unwrap_or_else(|| {
        problems.push((
            Field::CardKind,
            value.to_string(),
            RejectCode::CardKindUnmapped.with(unmapped_card_kind(value)),
        ));
        CardKind::MyNumber
    })
}

/// Checks the 送付先 items (SPEC 9): all empty (no 送付先), or a 送付先住所
/// with a valid 送付先郵便番号 (the envelope and the barcode need both). A
/// 送付先 item without the address, or an address without a valid postal
/// code, is a problem: the letter's destination would be a guess.
fn mail_to<'v>(
    text: &impl Fn(Field) -> &'v str,
    problems: &mut Vec<Problem>,
) -> Option<PostalCode> {
    let address = text(Field::MailToAddress);
    if address.is_empty() {
        for f in [
            Field::MailToPostalCode,
            Field::MailToAddressExtra,
            Field::MailToName,
        ] {
            if !text(f).is_empty() {
                problems.push((
                    f,
                    text(f).to_string(),
                    RejectCode::MailToWithoutAddress
                        .with("a 送付先 item without 送付先住所: where the letter goes is unclear"),
                ));
                return None;
            }
        }
        return None;
    }
    let postal = text(Field::MailToPostalCode);
    let code = PostalCode::parse(postal);
    if code.is_none() {
        problems.push((
            Field::MailToPostalCode,
            postal.to_string(),
            RejectCode::MailToPostalCode.with(if postal.is_empty() {
                "送付先住所 is set but 送付先郵便番号 is empty"
            } else {
                "送付先郵便番号 must be 7 digits (385-0051 or 3850051)"
            }),
        ));
    }
    code
}

/// Reads 生年月日 (SPEC 9): the day to compute with and how it is written;
/// an error holds the problem (none for an empty field, which the required
/// check reports).
fn birth_date(
    v: &str,
    eras: &Eras,
    feb29: Feb29Rule,
) -> Result<(Option<NaiveDate>, BirthWritten), Option<Problem>> {
    if v.is_empty() {
        return Err(None);
    }
    let rule = match feb29 {
        Feb29Rule::Feb28 => Feb29::Feb28,
        Feb29Rule::Mar1 => Feb29::Mar1,
    };
    let born = eras.parse_birth_date(v).map_err(|e| {
        Some((
            Field::BirthDate,
            v.to_string(),
            RejectCode::InvalidDate.with(e.to_string()),
        ))
    })?;
    let day = born.resolve(rule);
    let written = match born {
        BirthDate::Exact(_) => BirthWritten::Exact,
        BirthDate::Feb29Common { year } => BirthWritten::Feb29Common {
            year,
            written: v.to_string(),
        },
        BirthDate::Unknown { .. } => BirthWritten::Unknown {
            written: v.to_string(),
        },
    };
    Ok((day, written))
}

/// A 振り仮名 placeholder instead of a reading (SPEC 9, DOMAIN 9): the
/// registry shows an unrecorded 氏名の振り仮名 as a run of `*` (half- or
/// full-width, `******`), `【名空欄】` or `【氏空欄】`. A field holding any of
/// them (also beside a recorded half, `サク　【名空欄】`) is a placeholder: a
/// reading never holds an asterisk or those brackets, and half a reading is
/// not printed either.
fn is_kana_placeholder(kana: &str) -> bool {
    kana.contains(['*', '＊']) || kana.contains("【名空欄】") || kana.contains("【氏空欄】")
}

/// The problem of a 住民コード shared by several 住民 rows.
fn shared_code(code: &str, lines: &[u32], line: u32) -> Problem {
    let others: Vec<String> = lines
        .iter()
        .filter(|l| **l != line)
        .map(|l| l.to_string())
        .collect();
    (
        Field::ResidentCode,
        code.to_string(),
        RejectCode::ResidentCodeShared.with(format!(
            "住民コード is shared by {} 住民 rows (also line {})",
            lines.len(),
            others.join(", ")
        )),
    )
}

/// A decoded value, trimmed, borrowing where it can.
fn trim_cow(text: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    match text {
        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(trim(s)),
        std::borrow::Cow::Owned(s) => {
            let t = trim(&s);
            if t.len() == s.len() {
                std::borrow::Cow::Owned(s)
            } else {
                std::borrow::Cow::Owned(t.to_string())
            }
        }
    }
}

/// 転送不要 values: 1/0, ○/blank, 有/無, true/false, yes/no (the ASCII ones
/// in any case, but not in full width: SPEC allows full width only in postal
/// codes, dates and addresses). `None` for anything else.
pub(crate) fn parse_flag(v: &str) -> Option<bool> {
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
