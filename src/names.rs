//! The names of the files of a batch directory (SPEC 5, 11, 12), in one
//! place: the writers create them under these names, and `verify`, the
//! ledger's rebuild, the mail room and the report read them back by the
//! same constants.

/// Every input row and its outcome.
pub(crate) const OUTCOMES_FILE: &str = "outcomes.csv";
/// The rows that could not be read.
pub(crate) const REJECTS_FILE: &str = "rejects.csv";
/// Usable rows a person should look at.
pub(crate) const EXCEPTIONS_FILE: &str = "exceptions.csv";
/// Due residents whose notice was not printed.
pub(crate) const HELD_FILE: &str = "held.csv";
/// With a card file: the card rows no 住民 row joined.
pub(crate) const CARDS_UNMATCHED_FILE: &str = "cards-unmatched.csv";
/// One row per printed packet, in print order.
pub(crate) const MANIFEST_FILE: &str = "manifest.csv";
/// Pieces per district and print file (the 差出票's numbers).
pub(crate) const MAILING_FILE: &str = "mailing.csv";
/// The presort's bundles.
pub(crate) const BUNDLES_FILE: &str = "bundles.csv";
/// The batch's record: counts and every file's checksum; written last, so
/// it also marks a committed batch directory.
pub(crate) const SUMMARY_FILE: &str = "summary.json";
/// The auditor's page.
pub(crate) const REPORT_FILE: &str = "report.html";
/// The auditor's workbook.
pub(crate) const AUDIT_FILE: &str = "audit.xlsx";
/// The folder of the print files.
pub(crate) const PRINT_DIR: &str = "print";
/// The bundles' slips, in [`PRINT_DIR`].
pub(crate) const BUNDLE_SLIPS_FILE: &str = "bundle-slips.pdf";
/// The count sheet, in [`PRINT_DIR`].
pub(crate) const COUNT_SHEET_FILE: &str = "count-sheet.pdf";
/// A purged batch's record of what was erased (SPEC 14).
pub(crate) const PURGED_FILE: &str = "purged.json";
