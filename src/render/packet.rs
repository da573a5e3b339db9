//! A notice packet: the letter and its enclosure, as display-list pages.

use chrono::NaiveDate;

use super::display::Page;
use super::fonts::FontSet;
use super::forms::{application_page, inquiry_page};
use super::layout::Canvas;
use super::letter::{letter_page, BarcodeSlot};
use crate::pipeline::DueNotice;
use crate::profile::{ApplicationWording, EnvelopeWindow, InquiryWording, LetterWording};
use crate::rules::is_aged_at_least;
use crate::select::NoticeKind;

/// One packet to lay out.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// Position in the batch (1-based).
    pub seq: u32,
    /// The notice number printed on both pages.
    pub document_number: &'a str,
    /// The batch date, printed as the issue date.
    pub as_of: NaiveDate,
    /// The resident and what is due.
    pub notice: &'a DueNotice,
}

impl Packet<'_> {
    /// Under 18 on the batch date (the legal representative is addressed too).
    pub fn is_minor(&self) -> bool {
        match self.notice.resident.dates.birth {
            Some(b) => !is_aged_at_least(b, 18, self.as_of),
            None => false,
        }
    }

    /// The notice kind (certificate unless the card is due).
    pub fn kind(&self) -> NoticeKind {
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
    pub letter: &'a LetterWording,
    /// Page 2 of a certificate notice.
    pub inquiry: &'a InquiryWording,
    /// Page 2 of a card notice.
    pub application: &'a ApplicationWording,
    /// The issuer line (佐久市長).
    pub issuer: &'a str,
    /// The envelope window.
    pub window: EnvelopeWindow,
}

/// Why a packet cannot be laid out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// A resident's field does not fit its box even at the smallest size:
    /// the packet is held rather than printed cut off.
    #[error("{field} {detail}")]
    TooLong {
        /// The field's header name.
        field: &'static str,
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

/// The packet's pages: the letter, the enclosure for its kind, and blank
/// backs when printing duplex (so every packet starts on a new sheet).
pub fn packet_pages(
    p: &Packet<'_>,
    w: &Wording<'_>,
    fonts: &FontSet,
    duplex: bool,
) -> Result<(Vec<Page>, BarcodeSlot), LayoutError> {
    let (letter, slot) = letter_page(p, w, Canvas::new(fonts))?;
    let enclosure = match p.kind() {
        NoticeKind::Certificate => inquiry_page(p, w, Canvas::new(fonts))?,
        NoticeKind::Card => application_page(p, w, Canvas::new(fonts))?,
    };
    let pages = if duplex {
        vec![letter, Page::a4(), enclosure, Page::a4()]
    } else {
        vec![letter, enclosure]
    };
    Ok((pages, slot))
}
