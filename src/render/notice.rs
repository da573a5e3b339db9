//! What laying out a notice takes and what can go wrong: the packet, the
//! profile's wording, and the layout error. Below the letter, the forms and
//! the packet assembly, which all use them.

use chrono::NaiveDate;

use crate::model::{DueNotice, Field};
use crate::profile::{ApplicationWording, EnvelopeWindow, InquiryWording, LetterWording};
use crate::rules::is_aged_at_least;
use crate::select::NoticeKind;
use crate::wareki::Eras;

/// One packet to lay out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet<'a> {
    /// The notice number printed on both pages.
    pub(crate) document_number: &'a str,
    /// The batch date, printed as the issue date.
    pub(crate) as_of: NaiveDate,
    /// The resident and what is due.
    pub(crate) notice: &'a DueNotice,
}

impl Packet<'_> {
    /// Under 18 on the batch date (the legal representative is addressed
    /// too). A resident whose birth date is 不詳 is not taken for a minor:
    /// nothing says so, and the letter claims no age it cannot know.
    pub(crate) fn is_minor(&self) -> bool {
        match self.notice.resident.dates.birth {
            Some(b) => !is_aged_at_least(b, 18, self.as_of),
            None => false,
        }
    }

    /// The notice kind (certificate unless the card is due).
    pub(crate) fn kind(&self) -> NoticeKind {
        self.notice
            .selection
            .kind
            .unwrap_or(NoticeKind::Certificate)
    }
}

/// The profile's wording and settings a packet needs.
#[derive(Debug, Clone, Copy)]
pub struct Wording<'a> {
    /// Page 1.
    pub(crate) letter: &'a LetterWording,
    /// Page 2 of a certificate notice.
    pub(crate) inquiry: &'a InquiryWording,
    /// Page 2 of a card notice.
    pub(crate) application: &'a ApplicationWording,
    /// The issuer line (佐久市長).
    pub(crate) issuer: &'a str,
    /// The mayor's name after the issuer (empty: none).
    pub(crate) mayor: &'a str,
    /// 「（公印省略）」 under the issuer line.
    pub(crate) seal_omitted: bool,
    /// The envelope window.
    pub(crate) window: EnvelopeWindow,
    /// The run's era table (the profile's): every date printed in 和暦.
    pub(crate) eras: &'a Eras,
}

/// Why a packet cannot be laid out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LayoutError {
    /// A resident's field does not fit its box even at the smallest size:
    /// the packet is held rather than printed cut off.
    #[error("{} {detail}", field.default_header())]
    TooLong {
        /// The field that does not fit.
        field: Field,
        /// Details.
        detail: String,
    },
    /// The profile's wording does not fit the page: a configuration error.
    #[error("{page}: {detail}")]
    Overflow {
        /// Which page.
        page: &'static str,
        /// Details.
        detail: String,
    },
}
