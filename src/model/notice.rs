//! What the per-row work makes of a resident: the due notice to print, why
//! a notice is held, the exceptions to list, and the whole row's result.

use std::fmt;

use chrono::NaiveDate;

use super::field::Field;
use super::resident::{Reject, Resident};
use crate::barcode::{barcode_for, BarChar, NoBarcodeReason, PostalData};
use crate::postal_code::PostalCode;
use crate::rules::Evaluation;
use crate::select::{Outcome, Selection};

/// Why a due resident's notice is held instead of printed (held.csv).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hold {
    /// The field at fault.
    pub(crate) field: Field,
    /// The character at fault, when it is one character.
    pub(crate) code_point: Option<char>,
    /// The kind of reason: what the report groups by.
    pub(crate) code: HoldCode,
    /// Why, in words (which may name the character), or `support-measure`.
    pub(crate) reason: String,
}

/// The kind of a [`Hold`]: held.csv's `code` column, with the Japanese
/// label the report and the workbook show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum HoldCode {
    /// The resident is under 支援措置 and `[rules] support_measure` holds.
    SupportMeasure,
    /// A private-use character (外字) the profile's 外字 table does not map.
    UnmappedGaiji,
    /// A character no configured font draws.
    NoGlyph,
    /// The address or name does not fit the envelope window.
    TooLong,
}

impl super::reject::ReasonCode for HoldCode {
    const KIND: &'static str = "held";
    fn code(self) -> &'static str {
        HoldCode::code(self)
    }
    fn label(self) -> &'static str {
        HoldCode::label(self)
    }
    fn from_code(code: &str) -> Option<Self> {
        HoldCode::from_code(code)
    }
}

impl HoldCode {
    /// Every code, in declaration order.
    const ALL: [HoldCode; 4] = [
        HoldCode::SupportMeasure,
        HoldCode::UnmappedGaiji,
        HoldCode::NoGlyph,
        HoldCode::TooLong,
    ];

    /// The code of a stable spelling (held.csv's).
    pub(crate) fn from_code(code: &str) -> Option<HoldCode> {
        HoldCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The stable kebab-case code.
    pub(crate) const fn code(self) -> &'static str {
        match self {
            HoldCode::SupportMeasure => "support-measure",
            HoldCode::UnmappedGaiji => "unmapped-gaiji",
            HoldCode::NoGlyph => "no-glyph",
            HoldCode::TooLong => "too-long",
        }
    }

    /// The Japanese label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            HoldCode::SupportMeasure => "支援措置の対象：印刷しない設定",
            HoldCode::UnmappedGaiji => "外字表にない外字",
            HoldCode::NoGlyph => "どのフォントにも字形がない文字",
            HoldCode::TooLong => "窓に収まらない（住所または氏名が長い）",
        }
    }
}

/// A resident with a notice to print.
#[derive(Debug, Clone)]
pub(crate) struct DueNotice {
    /// The resident.
    pub(crate) resident: Resident,
    /// The rules' items.
    pub(crate) evaluation: Evaluation,
    /// What is due.
    pub(crate) selection: Selection,
    /// The customer barcode's characters (STC … SPC), or why there is none.
    pub(crate) barcode: Result<Vec<BarChar>, NoBarcodeNote>,
    /// The 郵便区番号 of the envelope's postal code (3 or 5 digits), which
    /// presort orders and bundles by; `None` when the postal data does not
    /// know the code (the piece goes into the 雑 bundle).
    pub(crate) ku: Option<String>,
}

/// Why a printed notice has no customer barcode: the reason and the
/// envelope's postal code. Written (manifest.csv's `barcode_note`,
/// exceptions.csv) as `〒{postal code}: {reason}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoBarcodeNote {
    /// Why.
    pub(crate) reason: NoBarcodeReason,
    /// The envelope's postal code.
    pub(crate) postal_code: PostalCode,
}

impl fmt::Display for NoBarcodeNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            NoBarcodeReason::NoPostalData => f.write_str(self.reason.text()),
            r => write!(f, "〒{}: {}", self.postal_code, r.text()),
        }
    }
}

/// The barcode step, the same for the night's run and a reprint: the
/// envelope's barcode (the 送付先 when there is one, SPEC 9), or why there
/// is none. `None` postal data: no barcodes.
pub(crate) fn envelope_barcode(
    resident: &Resident,
    postal: Option<&dyn PostalData>,
) -> Result<Vec<BarChar>, NoBarcodeNote> {
    let to = resident.envelope();
    let note = |reason| NoBarcodeNote {
        reason,
        postal_code: *to.postal_code,
    };
    let Some(data) = postal else {
        return Err(note(NoBarcodeReason::NoPostalData));
    };
    // The 住所表示番号 runs on into the building and room, which the
    // registry keeps in 方書 (郵便プラザ503室 → …-503).
    let address = if to.address_extra.is_empty() {
        to.address.to_string()
    } else {
        format!("{}　{}", to.address, to.address_extra)
    };
    barcode_for(to.postal_code, &address, data).map_err(|e| note(e.kind()))
}

/// One line of exceptions.csv: a usable row that a person should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exception {
    /// The short kebab-case code (`expiry-mismatch`, `no-barcode`, …).
    pub(crate) code: &'static str,
    /// What was found.
    pub(crate) detail: String,
}

/// Everything one input row produced: exactly one outcome, and the lines it
/// adds to rejects.csv, exceptions.csv and held.csv (formatted by
/// `outputs`).
#[derive(Debug, Clone)]
pub(crate) struct RowOutput {
    /// Physical line on which the row starts.
    pub(crate) line: u32,
    /// 住民コード as far as it could be read.
    pub(crate) resident_code: String,
    /// The row's outcome.
    pub(crate) outcome: Outcome,
    /// The expiries the rules used (card, user certificate, signing
    /// certificate).
    pub(crate) expiries: [Option<NaiveDate>; 3],
    /// outcomes.csv's detail.
    pub(crate) detail: String,
    /// Why the row was rejected, if it was.
    pub(crate) reject: Option<Reject>,
    /// Its exceptions (possibly several).
    pub(crate) exceptions: Vec<Exception>,
    /// Why its notice is held, if it is.
    pub(crate) hold: Option<Hold>,
    /// The status value of an excluded row.
    pub(crate) excluded_status: Option<String>,
    /// The notice to print, if `Printed`.
    pub(crate) notice: Option<Box<DueNotice>>,
    /// The row was read as a current resident whose 氏名カナ is a 振り仮名
    /// placeholder (counted in summary.json).
    pub(crate) kana_placeholder: bool,
    /// With a card file: the card record the row's join key found.
    pub(crate) card_entry: Option<u32>,
    /// The name of the rule generation that decided the row's items (a
    /// 住民 row with a card), for summary.json.
    pub(crate) generation: Option<String>,
}

impl RowOutput {
    /// A row with `outcome` and nothing else yet.
    pub(crate) fn new(line: u32, resident_code: &str, outcome: Outcome) -> Self {
        RowOutput {
            line,
            resident_code: resident_code.to_string(),
            outcome,
            expiries: [None; 3],
            detail: String::new(),
            reject: None,
            exceptions: Vec::new(),
            hold: None,
            excluded_status: None,
            notice: None,
            card_entry: None,
            kana_placeholder: false,
            generation: None,
        }
    }
}

#[cfg(test)]
mod hold_code_tests {
    use super::HoldCode;

    #[test]
    fn each_code_reads_back_as_written_and_has_a_label() {
        for c in HoldCode::ALL {
            let back: HoldCode = serde_json::from_str(&format!("\"{}\"", c.code())).unwrap();
            assert_eq!(back, c);
            assert_eq!(HoldCode::from_code(c.code()), Some(c));
            assert!(!c.label().is_empty() && !c.label().is_ascii());
        }
        assert_eq!(HoldCode::from_code("SupportMeasure"), None);
        // The 支援措置 reason is held.csv's `reason` too: the ledger reads it there.
        assert_eq!(
            HoldCode::SupportMeasure.code(),
            crate::render::printable::SUPPORT_MEASURE_REASON
        );
    }
}
