//! A registry row as the stages hand it on: a current resident, an
//! exclusion, or a reject.

use super::field::Field;
use crate::postal_code::PostalCode;
use crate::rules::ItemDates;

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
