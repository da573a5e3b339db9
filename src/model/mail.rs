//! What the mail room works with (SPEC 11): presort bundles and the counts
//! for Japan Post's 差出票.

/// One presort bundle: the pieces of one 郵便区番号 (or of its first two
/// digits, or the 雑 bundle), consecutive in print order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bundle {
    /// Its number in the batch (1-based, in print order).
    pub(crate) number: u32,
    /// The 郵便区番号 (3 or 5 digits), its first two digits, or `雑`.
    pub(crate) key: String,
    /// Pieces in it.
    pub(crate) pieces: u32,
    /// The first piece's seq.
    pub(crate) first_seq: u32,
    /// The last piece's seq.
    pub(crate) last_seq: u32,
    /// The print files its pieces are in (one, unless the bundle runs over
    /// a file boundary), relative to the batch.
    pub(crate) files: Vec<String>,
    /// Part of the non-forwardable (転送不要) pile.
    pub(crate) non_forwardable: bool,
}

/// The key of the bundle for pieces whose 郵便区 is too small even with its
/// neighbours, or unknown.
pub(crate) const MIXED_BUNDLE: &str = "雑";

/// The counts to copy onto Japan Post's 差出票 (print/count-sheet.pdf).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CountSheet {
    /// The batch (`<as-of>` or `<as-of>.N`).
    pub(crate) batch_id: String,
    /// Who mails it (the profile's issuer and municipality).
    pub(crate) issuer: String,
    /// Per print file: (file, pieces, sheets).
    pub(crate) files: Vec<(String, u32, u32)>,
    /// Pieces with a customer barcode.
    pub(crate) with_barcode: u32,
    /// Pieces without one.
    pub(crate) without_barcode: u32,
    /// Per weight band (`定形 25g以下`, `定形 50g以下`, `定形外`): pieces.
    pub(crate) bands: Vec<(String, u32)>,
    /// Per 3-digit district: (district, ordinary pieces, non-forwardable
    /// pieces).
    pub(crate) districts: Vec<(String, u32, u32)>,
    /// The weight of a piece of each sheet count present: (sheets, grams).
    pub(crate) weights: Vec<(u32, f32)>,
}

impl CountSheet {
    /// All pieces.
    pub(crate) fn pieces(&self) -> u32 {
        self.files.iter().map(|f| f.1).sum()
    }
}

/// The weight band of a piece of `grams` (定形郵便物: up to 25 g or 50 g).
pub(crate) fn weight_band(grams: f32) -> &'static str {
    if grams <= 25.0 {
        "定形 25g以下"
    } else if grams <= 50.0 {
        "定形 50g以下"
    } else {
        "定形外"
    }
}
