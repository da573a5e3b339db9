//! A registry row as the stages hand it on: a current resident, an
//! exclusion, or a reject.

use super::field::Field;
use super::reject::{RejectReason, UnmatchedReason};
use crate::postal_code::PostalCode;
use crate::rules::ItemDates;

/// A current resident's row, validated and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resident {
    /// Physical line on which the row starts.
    pub(crate) line: u32,
    /// 住民コード.
    pub(crate) code: String,
    /// 氏名, 外字 mapped.
    pub(crate) name: String,
    /// 氏名カナ, full-width; empty when the registry holds a placeholder
    /// instead of a reading (see `kana_placeholder`).
    pub(crate) name_kana: String,
    /// The registry's 氏名カナ was a 振り仮名 placeholder (`******`,
    /// `【名空欄】`, `【氏空欄】`, SPEC 9): no フリガナ is printed.
    pub(crate) kana_placeholder: bool,
    /// 郵便番号.
    pub(crate) postal_code: PostalCode,
    /// 住所, 外字 mapped.
    pub(crate) address: String,
    /// 方書, 外字 mapped.
    pub(crate) address_extra: String,
    /// The dates the rules read (`dates.birth` is the birth date to compute
    /// with: `None` for a 不詳日).
    pub(crate) dates: ItemDates,
    /// How 生年月日 is written, when it is not an ordinary calendar date.
    pub(crate) birth_written: BirthWritten,
    /// 転送不要.
    pub(crate) non_forwardable: bool,
    /// 法定代理人氏名, 外字 mapped.
    pub(crate) legal_representative: String,
    /// 送付先 (SPEC 9): where the letter goes instead of the address.
    pub(crate) mail_to: Option<MailTo>,
    /// Under 支援措置 (DV and similar protection): a due notice is held
    /// unless the profile says `support_measure = "print"`.
    pub(crate) support_measure: bool,
    /// With a card file: the card record this row joined (for the tally
    /// of card rows).
    pub(crate) card_entry: Option<u32>,
}

/// 送付先: a care home, a hospital, a relative's address the registry
/// records for mail (SPEC 9). The envelope, the barcode, the sort order and
/// the district counts use it; the enclosures keep the registered address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailTo {
    /// 送付先郵便番号.
    pub(crate) postal_code: PostalCode,
    /// 送付先住所, 外字 mapped.
    pub(crate) address: String,
    /// 送付先方書, 外字 mapped.
    pub(crate) address_extra: String,
    /// 送付先氏名, 外字 mapped (printed `<name> 様方`; may be empty).
    pub(crate) name: String,
}

/// Where a letter goes: the 送付先, or the registered address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Envelope<'a> {
    /// The postal code printed and barcoded.
    pub(crate) postal_code: &'a PostalCode,
    /// The address printed and barcoded.
    pub(crate) address: &'a str,
    /// The 方書 printed and barcoded.
    pub(crate) address_extra: &'a str,
    /// The 送付先氏名 (`<name> 様方`), when the letter goes to a 送付先.
    pub(crate) care_of: Option<&'a str>,
}

impl Resident {
    /// Where the letter goes (SPEC 9: the 送付先 when there is one).
    pub(crate) fn envelope(&self) -> Envelope<'_> {
        match &self.mail_to {
            Some(m) => Envelope {
                postal_code: &m.postal_code,
                address: &m.address,
                address_extra: &m.address_extra,
                care_of: Some(&m.name),
            },
            None => Envelope {
                postal_code: &self.postal_code,
                address: &self.address,
                address_extra: &self.address_extra,
                care_of: None,
            },
        }
    }

    /// The printed fields that must be drawable, with their header names:
    /// SPEC 2's list for holding a notice. (氏名カナ is not on it: the
    /// application form leaves its フリガナ blank rather than print a reading
    /// it cannot draw.)
    pub(crate) fn printed_fields(&self) -> [(Field, &str); 7] {
        let m = self.mail_to.as_ref();
        [
            (Field::Name, &self.name),
            (Field::Address, &self.address),
            (Field::AddressExtra, &self.address_extra),
            (Field::LegalRepresentative, &self.legal_representative),
            (Field::MailToAddress, m.map_or("", |m| &m.address)),
            (
                Field::MailToAddressExtra,
                m.map_or("", |m| &m.address_extra),
            ),
            (Field::MailToName, m.map_or("", |m| &m.name)),
        ]
    }
}

/// 生年月日 as the registry writes it (SPEC 9, standard §1.1.8): an
/// ordinary calendar date, or one of the forms the registry may lawfully
/// hold only there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum BirthWritten {
    /// A calendar date; `dates.birth` is that date.
    #[default]
    Exact,
    /// 29 February of a common year (平成3年2月29日): `dates.birth` is 28
    /// February or 1 March of `year` by the profile's feb29 rule; the row is
    /// listed as `irregular-date`.
    Feb29Common {
        /// The (common) year.
        year: i32,
        /// The field as written.
        written: String,
    },
    /// 不詳日 (`年月日不詳`, `平成5年頃` …): `dates.birth` is `None`, the
    /// age checks are skipped and the row is listed as `birth-date-unknown`
    /// (or rejected when an item's expiry would need the birth date).
    Unknown {
        /// The field as written.
        written: String,
    },
}

impl BirthWritten {
    /// The field as written, for a date that is not an ordinary one.
    pub(crate) fn written(&self) -> Option<&str> {
        match self {
            BirthWritten::Exact => None,
            BirthWritten::Feb29Common { written, .. } | BirthWritten::Unknown { written } => {
                Some(written)
            }
        }
    }
}

/// A row that cannot be used: one line of rejects.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    /// Physical line on which the row starts.
    pub(crate) line: u32,
    /// 住民コード when it could be read safely, else empty.
    pub(crate) resident_code: String,
    /// The header name of the field at fault, or `(row)`.
    pub(crate) field: String,
    /// The value at fault (never a whole raw line).
    pub(crate) value: String,
    /// Why: its code and rejects.csv's sentence.
    pub(crate) reason: RejectReason,
}

/// A card row no 住民 row joined: one line of cards-unmatched.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnmatchedCard {
    /// The card file's line.
    pub(crate) line: u32,
    /// The key masked but its last four characters.
    pub(crate) key_hint: String,
    /// Why it is unmatched.
    pub(crate) reason: UnmatchedReason,
    /// With `not-resident`: the 住民状態 of the rows with the key.
    pub(crate) status: String,
}

impl UnmatchedCard {
    /// cards-unmatched.csv's reason: `no-registry-row` or
    /// `not-resident: <status>`.
    pub(crate) fn reason_text(&self) -> String {
        match self.reason {
            UnmatchedReason::NoRegistryRow => self.reason.code().to_string(),
            UnmatchedReason::NotResident => format!("{}: {}", self.reason.code(), self.status),
        }
    }
}

/// What reading made of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowRead {
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
        /// With a card file: the card record its join key found.
        card_entry: Option<u32>,
    },
    /// A current resident.
    Resident(Box<Resident>),
}

/// The status of a current resident (SPEC 1: exactly 住民 after trimming).
pub(crate) const CURRENT_RESIDENT: &str = "住民";

/// A valid 住民コード packed in 16 bytes (length in the last), so that the
/// duplicate scan over a million rows costs 20 bytes a row, not an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct CodeKey([u8; 16]);

impl CodeKey {
    /// Packs a valid code (1–15 ASCII letters or digits).
    pub(crate) fn new(code: &str) -> Option<CodeKey> {
        if !valid_resident_code(code) {
            return None;
        }
        let mut k = [0u8; 16];
        k[..code.len()].copy_from_slice(code.as_bytes());
        k[15] = code.len() as u8;
        Some(CodeKey(k))
    }

    /// The code.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0[..self.0[15] as usize]).unwrap_or("")
    }
}

/// 1–15 ASCII letters or digits.
pub(crate) fn valid_resident_code(code: &str) -> bool {
    (1..=15).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}
