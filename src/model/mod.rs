//! The domain types the stages hand each other: fields, residents, rejects,
//! due notices, holds, a row's result, encodings and counts. Below every
//! stage, so that reading, selection, rendering and the outputs meet here
//! instead of importing each other.

mod counts;
mod encoding;
mod field;
mod mail;
mod notice;
mod reject;
mod resident;

pub use crate::postal_code::PostalCode;
pub use counts::{CardCounts, Counts};
pub use encoding::{CsvEncoding, InputEncoding};
pub(crate) use field::Field;
pub(crate) use mail::{weight_band, Bundle, CountSheet, MIXED_BUNDLE};
pub(crate) use notice::envelope_barcode;
pub(crate) use notice::{DueNotice, Exception, Hold, HoldCode, NoBarcodeNote, RowOutput};
pub(crate) use reject::{ReasonCode, RejectCode, RejectReason, UnmatchedReason};
pub(crate) use resident::{
    valid_resident_code, BirthWritten, CodeKey, MailTo, Reject, Resident, RowRead, UnmatchedCard,
    CURRENT_RESIDENT,
};
