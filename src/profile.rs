//! A municipality's profile (`templates/<name>/profile.toml`): settings,
//! column names and the letter's wording. Validated on load: an unknown
//! key, a wrong type or a bad value is an error naming the key.
//!
//! A profile is a directory on disk or one built into the binary
//! ([`BUILTIN_PROFILES`]), so that an installed kigen runs from any
//! directory (SPEC 10, "Installation").

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;
use crate::files::{read_bounded, MAX_DATA_FILE_BYTES, MAX_PROFILE_BYTES};
use crate::model::{CsvEncoding, Field, InputEncoding};
use crate::rules::{validate_generations, BandCounts, Generation, RuleConfig};
use crate::rules::{AgeBasis, CardKind, Feb29Rule};
use crate::text::is_private_use;
use crate::wareki::{EraDef, Eras};

/// The files of a built-in profile: (name, bytes), profile.toml first.
pub(crate) type BuiltinFiles = &'static [(&'static str, &'static [u8])];

/// A built-in profile's table entry: `templates/<name>/profile.toml` and the
/// further files of that directory it names (a 外字 table, say), read at
/// compile time.
macro_rules! builtin_profile {
    ($name:literal $(, $file:literal)*) => {
        (
            $name,
            &[
                (
                    "profile.toml",
                    include_bytes!(concat!("../templates/", $name, "/profile.toml")) as &[u8],
                ),
                $((
                    $file,
                    include_bytes!(concat!("../templates/", $name, "/", $file)) as &[u8],
                ),)*
            ],
        )
    };
}

/// The profiles built into the binary: (name for `--profile`, its files).
/// Adding one is one line, `builtin_profile!("<name>")` (plus the names of
/// any further files it reads); `templates/<name>/` holds the same files, and
/// `kigen init DIR --from <name>` writes an editable copy of them.
pub(crate) const BUILTIN_PROFILES: &[(&str, BuiltinFiles)] =
    &[builtin_profile!("saku"), builtin_profile!("standard")];

/// The files of the built-in profile `name`, if there is one.
pub(crate) fn builtin_files(name: &str) -> Option<BuiltinFiles> {
    BUILTIN_PROFILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, files)| *files)
}

/// The built-in profiles' names, for messages (`saku, standard`).
pub(crate) fn builtin_names() -> String {
    BUILTIN_PROFILES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `kigen init`: an editable copy of the built-in profile `from` written
/// into `dir` (made 0700 when kigen creates it), checked to load. An
/// existing profile is the operator's: any of its files already there is
/// refused before anything is written.
pub(crate) fn write_builtin_copy(from: &str, dir: &Path) -> Result<Profile, Error> {
    let files = builtin_files(from).ok_or_else(|| {
        Error::Usage(format!(
            "--from {from}: no built-in profile has that name (built-in: {})",
            builtin_names()
        ))
    })?;
    for (name, _) in files {
        let path = dir.join(name);
        if path.symlink_metadata().is_ok() {
            return Err(Error::Usage(format!(
                "{}: already exists; kigen init never overwrites a profile (choose another directory or remove it)",
                path.display()
            )));
        }
    }
    if dir.symlink_metadata().is_err() {
        // Only a directory kigen creates gets its mode set (SPEC 10).
        crate::files::create_private_dir(dir)?;
    } else if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: exists and is not a directory",
            dir.display()
        )));
    }
    for (name, bytes) in files {
        write_new(&dir.join(name), bytes)?;
    }
    crate::files::sync_dir(dir)?;
    Profile::load(dir)
}

/// Creates `path` new (0600) with `bytes`, synced.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut f = crate::files::create_new_private(path)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}

/// Where a profile came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProfileSource {
    /// A built-in profile, by name (`saku`).
    Builtin(&'static str),
    /// A directory holding profile.toml (absolute when it could be made so);
    /// relative paths in the profile resolve here.
    Dir(PathBuf),
}

/// The whole profile, as loaded.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Where it came from.
    pub(crate) source: ProfileSource,
    /// SHA-256 of profile.toml, for the batch summary.
    pub(crate) sha256: String,
    /// The parsed settings.
    pub settings: Settings,
    /// The 外字 table: private-use code point → replacement text.
    pub(crate) gaiji: GaijiTable,
    /// The era table: the five built-in eras and the profile's `[[eras]]`,
    /// validated; every date of the run is read and printed with it.
    pub(crate) eras: Eras,
}

/// profile.toml. Every section is optional and falls back to Saku's defaults.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Who issues the notices.
    pub(crate) municipality: Municipality,
    /// How to read the export.
    pub(crate) input: InputSettings,
    /// The nightly run's guards.
    pub(crate) nightly: NightlySettings,
    /// How long batches keep their personal data (SPEC 14).
    pub(crate) retention: RetentionSettings,
    /// Header names of the export's columns.
    pub columns: Columns,
    /// The card-status file read with `--cards` (SPEC 9).
    pub(crate) cards: CardSettings,
    /// Rule settings where law and practice leave a choice.
    pub rules: RuleSettings,
    /// Output settings.
    pub(crate) output: OutputSettings,
    /// The 外字 table.
    pub(crate) gaiji: GaijiSettings,
    /// Fonts.
    pub(crate) fonts: FontSettings,
    /// Japan Post's postal data.
    pub(crate) postal: PostalSettings,
    /// The envelope window the address block must sit in.
    pub(crate) window: EnvelopeWindow,
    /// The mail room's settings: presort bundles, weights, piece marks.
    pub(crate) mail: MailSettings,
    /// The letter's wording (required for `kigen run`).
    pub(crate) letter: Option<LetterWording>,
    /// The 照会書兼回答書's wording (required for `kigen run`).
    pub(crate) inquiry: Option<InquiryWording>,
    /// The card application form's wording (required for `kigen run`).
    pub(crate) application: Option<ApplicationWording>,
    /// `[[eras]]`: eras added to the five built-in ones (SPEC 9, "the era
    /// table is data"), checked on load into [`Profile::eras`].
    pub(crate) eras: Vec<EraSetting>,
    /// `[[generations]]`: the card rules as data (SPEC 15); empty: today's
    /// rules (`current`).
    pub(crate) generations: Vec<GenerationSetting>,
    /// The generation table in force, resolved on load from
    /// `[[generations]]` and `[rules] lead_months` (not a key).
    #[serde(skip)]
    pub(crate) generation_table: Vec<Generation>,
    /// `[card_kinds]`: each value of the `card_kind` column mapped to
    /// `mynumber`, `tokutei` or `tokutei-special` (SPEC 15); checked on load.
    pub(crate) card_kinds: CardKinds,
}

/// `[card_kinds]`: the export's (or card file's) card-kind values, each
/// mapped to a kind.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(transparent)]
pub(crate) struct CardKinds(pub(crate) std::collections::BTreeMap<String, String>);

impl CardKinds {
    /// The kind a value of the `card_kind` column stands for: an empty value
    /// is the city's card; `None`: a value `[card_kinds]` does not map.
    pub(crate) fn kind_of(&self, value: &str) -> Option<CardKind> {
        if value.is_empty() {
            return Some(CardKind::MyNumber);
        }
        self.0.get(value).and_then(|k| CardKind::parse(k.trim()))
    }

    /// Every mapping names a kind (exit 2 naming the key otherwise).
    fn validate(&self) -> Result<(), String> {
        for (value, kind) in &self.0 {
            if value.trim().is_empty() || value.trim() != value {
                return Err(format!(
                    "card_kinds.{value:?}: a value must be non-empty, with no surrounding spaces"
                ));
            }
            if CardKind::parse(kind.trim()).is_none() {
                return Err(format!(
                    "card_kinds.{value:?} = {kind:?}: must be one of {}",
                    CardKind::NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// The reject reason of a `card_kind` value `[card_kinds]` does not map.
pub(crate) fn unmapped_card_kind(value: &str) -> String {
    format!("card_kind {value:?} is not in [card_kinds]: add it to the profile")
}

/// One `[[eras]]` entry: an era added without a new release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EraSetting {
    /// The era name in kanji (2-4 kanji, a new one).
    pub(crate) name: String,
    /// The one-letter abbreviation in compact forms (`N07.08.14`): a new
    /// capital letter A-Z.
    pub(crate) letter: String,
    /// The digit G of the 7-digit form `GYYMMDD`: a new digit 1-9.
    pub(crate) code: u32,
    /// The first day (元年), after the last era's start: a TOML date
    /// (`2031-05-01`) or a string (`"2031-05-01"`).
    pub(crate) start: toml::Value,
}

impl EraSetting {
    /// The era as the table takes it, or why not (naming the key below
    /// `eras[N]`).
    fn def(&self) -> Result<EraDef, String> {
        let mut letters = self.letter.chars();
        let (Some(letter), None) = (letters.next(), letters.next()) else {
            return Err(format!(
                "letter = {:?}: must be one capital letter A-Z",
                self.letter
            ));
        };
        let start = match &self.start {
            toml::Value::String(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
            toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => chrono::NaiveDate::from_ymd_opt(
                    i32::from(d.year),
                    u32::from(d.month),
                    u32::from(d.day),
                ),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| format!("start = {}: must be a date such as 2031-05-01", self.start))?;
        Ok(EraDef::new(self.name.clone(), letter, self.code, start))
    }
}

/// `[postal]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct PostalSettings {
    /// A current KEN_ALL.CSV from Japan Post (CP932, updated monthly),
    /// relative to the profile directory. Empty: the table built into kigen
    /// (its date is in summary.json).
    pub(crate) ken_all: String,
}

/// `[fonts]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FontSettings {
    /// Directory holding ipaexm.ttf and ipaexg.ttf, relative to the profile
    /// directory or absolute. Empty: the IPAex fonts built into kigen.
    pub(crate) dir: String,
    /// An optional fallback font file (e.g. IPAmj明朝) for characters the
    /// IPAex fonts lack; relative to the profile directory or absolute.
    /// Empty: none.
    pub(crate) fallback: String,
}

/// `[window]`: the 長3 window envelope's window, in millimetres from the
/// sheet's top-left corner as it lies in the envelope.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct EnvelopeWindow {
    /// Left edge.
    pub(crate) left_mm: f32,
    /// Top edge.
    pub(crate) top_mm: f32,
    /// Width.
    pub(crate) width_mm: f32,
    /// Height.
    pub(crate) height_mm: f32,
}

/// `[mail]`: presort bundles, the weight of a piece, and the piece marks
/// every sheet carries (SPEC 11).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct MailSettings {
    /// A 郵便区 with fewer pieces joins the bundle of its first two digits;
    /// what is still under it goes into one 雑 bundle (default 10).
    pub(crate) bundle_min: u32,
    /// Grams per printed sheet (default 4.0: A4, 64 g/m²).
    pub(crate) sheet_grams: f32,
    /// Grams of the envelope (default 5.0: 長3).
    pub(crate) envelope_grams: f32,
    /// Where the piece mark (`<document number> i/n`) is printed on every
    /// sheet: its left edge, mm from the sheet's left (default 10).
    pub(crate) piece_mark_x_mm: f32,
    /// Its baseline, mm from the sheet's top (default 7: above the
    /// letter's header, outside the envelope window).
    pub(crate) piece_mark_y_mm: f32,
    /// `[mail.omr]`: the optional OMR track for inserting machines.
    pub(crate) omr: OmrSettings,
    /// The code on every sheet (SPEC 16): `datamatrix` (default) prints a
    /// Data Matrix of `<document number>|<i>/<n>` for camera-based
    /// inserters; `none` prints none.
    pub(crate) sheet_code: SheetCode,
    /// The sheet code's left edge, mm from the sheet's left (default 48:
    /// right of the piece mark).
    pub(crate) sheet_code_x_mm: f32,
    /// Its top edge, mm from the sheet's top (default 5: the symbol, at
    /// most 10.4 mm, and its 2 mm quiet zone stay above the letter's
    /// header and the forms' titles).
    pub(crate) sheet_code_y_mm: f32,
    /// The document number in the envelope window, as text and as a Data
    /// Matrix, on each packet's first sheet (SPEC 16; default true): a
    /// returned piece is scanned without opening it.
    pub(crate) window_code: bool,
    /// The window code's left edge, mm from the sheet's left (default 46:
    /// right of the 〒 line).
    pub(crate) window_code_x_mm: f32,
    /// Its top edge, mm from the sheet's top (default 46: the band of
    /// the 〒 line, where 「転送不要」 sits, far above the customer
    /// barcode).
    pub(crate) window_code_y_mm: f32,
    /// A packet reprinted again within this many days needs `kigen
    /// reprint --again` (SPEC 14; default 7, 0: never asked): the same
    /// request made twice would otherwise mail two copies.
    pub(crate) reprint_again_days: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            bundle_min: 10,
            sheet_grams: 4.0,
            envelope_grams: 5.0,
            piece_mark_x_mm: 10.0,
            piece_mark_y_mm: 7.0,
            omr: OmrSettings::default(),
            sheet_code: SheetCode::DataMatrix,
            sheet_code_x_mm: 48.0,
            sheet_code_y_mm: 5.0,
            window_code: true,
            window_code_x_mm: 46.0,
            window_code_y_mm: 46.0,
            reprint_again_days: 7,
        }
    }
}

/// `[mail] sheet_code`: the code printed on every sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SheetCode {
    /// A Data Matrix (ECC 200) of `<document number>|<i>/<n>`.
    DataMatrix,
    /// No code.
    None,
}

/// `[mail.omr]`: an OMR track of horizontal marks, one position per
/// `pitch_mm` down the sheet from the first: position 0 the start mark
/// (every sheet), 1 the end-of-packet mark (the packet's last sheet), 2 the
/// parity mark (printed when it makes the sheet's count of marks odd).
/// Its geometry is the inserting machine's (DOMAIN 8).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct OmrSettings {
    /// Print the track (default false).
    pub(crate) enabled: bool,
    /// Left end of the marks, mm from the sheet's left.
    pub(crate) x_mm: f32,
    /// Top of the first mark, mm from the sheet's top.
    pub(crate) y_mm: f32,
    /// Distance between mark positions, mm.
    pub(crate) pitch_mm: f32,
    /// Length of a mark, mm.
    pub(crate) length_mm: f32,
}

impl Default for OmrSettings {
    fn default() -> Self {
        OmrSettings {
            enabled: false,
            x_mm: 4.0,
            y_mm: 120.0,
            pitch_mm: 4.0,
            length_mm: 8.0,
        }
    }
}

impl Default for EnvelopeWindow {
    fn default() -> Self {
        EnvelopeWindow {
            left_mm: 20.0,
            top_mm: 45.0,
            width_mm: 90.0,
            height_mm: 45.0,
        }
    }
}

/// A counter (窓口) and its hours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Counter {
    /// 受付場所.
    pub(crate) name: String,
    /// 受付時間.
    pub(crate) hours: String,
}

/// `[letter]`: the 有効期限通知書's wording. Every key is required.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LetterWording {
    /// The document number; `{date}` is the batch date (YYYYMMDD), `{seq}`
    /// the packet's sequence number in the batch (5 digits).
    pub(crate) document_number: String,
    /// The title.
    pub(crate) title: String,
    /// The opening paragraph.
    pub(crate) greeting: String,
    /// Column heads of the item table: kind, expiry, renewal.
    pub(crate) table_heads: [String; 3],
    /// Table mark for an item due now.
    pub(crate) due_mark: String,
    /// Table mark for an item held but not due.
    pub(crate) not_due_mark: String,
    /// Table text for an item never issued.
    pub(crate) not_issued: String,
    /// Heading of what to do for a card notice.
    pub(crate) card_heading: String,
    /// What to do for a card notice, one paragraph a line.
    pub(crate) card_steps: Vec<String>,
    /// Heading of what to do for a certificate notice.
    pub(crate) certificate_heading: String,
    /// What to do for a certificate notice.
    pub(crate) certificate_steps: Vec<String>,
    /// Heading of what to bring.
    pub(crate) bring_heading: String,
    /// What to bring (certificate notices).
    pub(crate) bring: Vec<String>,
    /// Heading of the proxy section of a certificate notice.
    pub(crate) proxy_heading: String,
    /// The proxy section's paragraphs (certificate notices: the enclosed
    /// 照会書兼回答書).
    pub(crate) proxy: Vec<String>,
    /// Heading of a card notice's section on collecting the new card.
    pub(crate) card_proxy_heading: String,
    /// Its paragraphs: collection in person with the 交付通知書, a proxy
    /// only for the reasons below. A card notice encloses no 照会書兼回答書
    /// and never mentions one (SPEC 4, DOMAIN 9).
    pub(crate) card_proxy: Vec<String>,
    /// The reasons for which a proxy may collect the card (やむを得ない理由).
    pub(crate) card_proxy_reasons: Vec<String>,
    /// 申請時来庁方式, where the profile enables it (not empty): paragraphs
    /// added to the card section (the card comes by 本人限定受取郵便; no
    /// proxy may apply). Absent or empty: not offered, nothing printed.
    #[serde(default)]
    pub(crate) card_apply_at_counter: Vec<String>,
    /// The words before the list of reasons (「やむを得ない理由：」).
    pub(crate) card_proxy_reasons_label: String,
    /// Identity documents, list A (one suffices).
    pub(crate) id_docs_a: String,
    /// Identity documents, list B (two needed).
    pub(crate) id_docs_b: String,
    /// Heading of the counters table.
    pub(crate) counters_heading: String,
    /// Counters and hours.
    pub(crate) counters: Vec<Counter>,
    /// Notes: fee, grace period, under-15 PIN.
    pub(crate) notes: Vec<String>,
    /// The contact line.
    pub(crate) contact: String,
    /// `[letter.residence]` (SPEC 15).
    #[serde(default)]
    pub(crate) residence: Option<ResidenceLetterWording>,
    /// `[letter.tokutei]` (SPEC 15): the letter to a 特定在留カード holder
    /// (the same keys as `[letter.residence]`; given, it is sent unless
    /// `enabled = false`).
    #[serde(default)]
    pub(crate) tokutei: Option<ResidenceLetterWording>,
}

/// `[inquiry]`: the 照会書兼回答書 (電子証明書の更新). Every key is required.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InquiryWording {
    /// The title.
    pub(crate) title: String,
    /// Addressee line (佐久市長 宛).
    pub(crate) addressee: String,
    /// The inquiry (照会) paragraph.
    pub(crate) inquiry: String,
    /// The reply and delegation (回答・委任) paragraph.
    pub(crate) delegation: String,
    /// Labels of the proxy's boxes: name, address, birth date, relation.
    pub(crate) proxy_labels: [String; 4],
    /// Label of the user certificate's PIN boxes.
    pub(crate) user_pin_label: String,
    /// Label of the signing certificate's PIN boxes.
    pub(crate) sign_pin_label: String,
    /// Note printed instead of the signing certificate's boxes when there is none.
    pub(crate) no_sign_cert: String,
    /// Label of the date line.
    pub(crate) date_label: String,
    /// Label of the signature line.
    pub(crate) signature_label: String,
    /// The instruction to seal it.
    pub(crate) seal_instruction: String,
    /// Title of the office-use strip.
    pub(crate) office_use: String,
    /// Cells of the office-use strip.
    pub(crate) office_use_cells: Vec<String>,
}

/// `[application]`: the card application form. Every key is required.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApplicationWording {
    /// The title.
    pub(crate) title: String,
    /// The text inside the photo box.
    pub(crate) photo_note: String,
    /// Label of the signature line.
    pub(crate) signature_label: String,
    /// Label of the date line.
    pub(crate) date_label: String,
    /// Instructions, one paragraph each.
    pub(crate) instructions: Vec<String>,
}

/// `[municipality]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Municipality {
    /// The municipality's name (佐久市).
    pub(crate) name: String,
    /// The issuer printed on notices (佐久市長).
    pub(crate) issuer: String,
    /// The department in charge (市民課).
    pub(crate) department: String,
    /// The mayor's name, printed after the issuer (SPEC 15); empty: none.
    pub(crate) mayor: String,
    /// Print 「（公印省略）」 under the issuer line (SPEC 15; default false).
    pub(crate) seal_omitted: bool,
}

impl Default for Municipality {
    fn default() -> Self {
        Municipality {
            name: "佐久市".into(),
            issuer: "佐久市長".into(),
            department: "市民課".into(),
            mayor: String::new(),
            seal_omitted: false,
        }
    }
}

/// `[input]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct InputSettings {
    /// `cp932` (default) or `utf-8`.
    pub(crate) encoding: InputEncoding,
    /// A run whose 住民 rows dropped by more than this percentage against
    /// the last batch is refused unless `--accept-input-change` (SPEC 10):
    /// a truncated export must not pass for a quiet night.
    pub(crate) max_drop_percent: u32,
    /// The longest record read, in bytes (default 1 MiB): a longer one is
    /// rejected with its line and reading resumes at the next line, so a
    /// line that never ends cannot take the server's memory.
    pub(crate) max_record_bytes: usize,
    /// Accept a night's export byte-identical to the last batch's (SPEC
    /// 14); by default it is refused as a stale file.
    pub(crate) allow_unchanged: bool,
}

impl Default for InputSettings {
    fn default() -> Self {
        InputSettings {
            encoding: InputEncoding::Cp932,
            max_drop_percent: 20,
            max_record_bytes: 1 << 20,
            allow_unchanged: false,
        }
    }
}

/// `[nightly]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct NightlySettings {
    /// How many days after today (Asia/Tokyo) `--as-of` may be without
    /// `--allow-future`: a typo or a clock jump must not make every later
    /// night refused.
    pub(crate) max_days_ahead: u32,
    /// At most this many packets a night (SPEC 15; absent: no cap): the
    /// rest are `deferred`, nearest expiry first.
    pub(crate) max_pieces: Option<u32>,
    /// A deferred resident is printed, cap or no cap, once no more than
    /// this many days remain before the earliest due item's expiry
    /// (default 60).
    pub(crate) min_notice_days: u32,
}

impl Default for NightlySettings {
    fn default() -> Self {
        NightlySettings {
            max_days_ahead: 1,
            max_pieces: None,
            min_notice_days: 60,
        }
    }
}

impl NightlySettings {
    /// A cap of at least one piece, and at least one day's notice (0 would
    /// let a deferred resident's item lapse before the letter).
    fn validate_cap(&self) -> Result<(), String> {
        if self.max_pieces == Some(0) {
            return Err("nightly.max_pieces = 0: must be at least 1 (remove it for no cap)".into());
        }
        if !(1..=365).contains(&self.min_notice_days) {
            return Err(format!(
                "nightly.min_notice_days = {}: must be 1 to 365",
                self.min_notice_days
            ));
        }
        Ok(())
    }
}

/// `[retention]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RetentionSettings {
    /// Years a batch keeps its personal data: `kigen purge` refuses
    /// younger batches without `--force`.
    pub(crate) years: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings { years: 5 }
    }
}

/// `[columns]`: the export's header name for each field kigen reads, under
/// the field's key ([`Field::key`]), and `absent`.
#[derive(Debug, Clone)]
pub struct Columns {
    /// The header name of each field, at its [`Field::index`] (empty: not
    /// mapped).
    headers: [String; Field::COUNT],
    /// Keys of optional columns the export does not have (`["name_kana",
    /// …]`). Every other key's header must be in the export; a key listed
    /// here must not be (SPEC 9: columns the profile maps must exist).
    pub absent: Vec<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            headers: Field::ALL.map(|f| f.default_header().to_string()),
            absent: Vec::new(),
        }
    }
}

impl Columns {
    /// The header name configured for `field`.
    pub(crate) fn header(&self, field: Field) -> &str {
        &self.headers[field.index()]
    }

    /// True when the profile lists `field` in `[columns] absent`.
    pub(crate) fn is_absent(&self, field: Field) -> bool {
        self.absent.iter().any(|k| k.trim() == field.key())
    }
}

/// `[columns]`'s keys: every field's, then `absent` (what an unknown key's
/// error lists).
const COLUMN_KEYS: [&str; Field::COUNT + 1] = {
    let mut keys = ["absent"; Field::COUNT + 1];
    let mut i = 0;
    while i < Field::COUNT {
        keys[i] = Field::ALL[i].key();
        i += 1;
    }
    keys
};

impl<'de> Deserialize<'de> for Columns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Columns;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("struct Columns")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Columns, A::Error> {
                use serde::de::Error as _;
                let mut columns = Columns::default();
                let mut seen = [false; Field::COUNT + 1];
                while let Some(key) = map.next_key::<String>()? {
                    let Some(at) = COLUMN_KEYS.iter().position(|k| *k == key) else {
                        return Err(A::Error::unknown_field(&key, &COLUMN_KEYS));
                    };
                    if std::mem::replace(&mut seen[at], true) {
                        return Err(A::Error::duplicate_field(COLUMN_KEYS[at]));
                    }
                    match Field::ALL.get(at) {
                        Some(f) => columns.headers[f.index()] = map.next_value()?,
                        None => columns.absent = map.next_value()?,
                    }
                }
                Ok(columns)
            }
        }
        d.deserialize_struct("Columns", &COLUMN_KEYS, Visit)
    }
}

impl MailSettings {
    /// Bounds that keep the marks on the sheet and the weights meaningful.
    fn validate(&self) -> Result<(), String> {
        if self.bundle_min == 0 {
            return Err("mail.bundle_min = 0: must be at least 1".into());
        }
        for (key, v) in [
            ("mail.sheet_grams", self.sheet_grams),
            ("mail.envelope_grams", self.envelope_grams),
        ] {
            if !(v > 0.0 && v < 100.0) {
                return Err(format!(
                    "{key} = {v}: must be more than 0 and less than 100"
                ));
            }
        }
        if !((0.0..=190.0).contains(&self.piece_mark_x_mm)
            && (3.0..=294.0).contains(&self.piece_mark_y_mm))
        {
            return Err(format!(
                "mail.piece_mark_x_mm = {}, piece_mark_y_mm = {}: the mark must lie on the A4 sheet (x 0-190, y 3-294)",
                self.piece_mark_x_mm, self.piece_mark_y_mm
            ));
        }
        let o = &self.omr;
        if o.enabled
            && !(o.x_mm >= 0.0
                && o.length_mm > 0.0
                && o.x_mm + o.length_mm <= 210.0
                && o.pitch_mm >= 2.0
                && o.y_mm >= 0.0
                && o.y_mm + 3.0 * o.pitch_mm <= 297.0)
        {
            return Err(format!(
                "mail.omr: x_mm {}, y_mm {}, pitch_mm {}, length_mm {}: the track must lie on the A4 sheet, pitch at least 2 mm",
                o.x_mm, o.y_mm, o.pitch_mm, o.length_mm
            ));
        }
        Ok(())
    }
}

/// `[cards]`: the card-status extract (J-LIS's data through the CS /
/// 統合端末) read with `--cards` (SPEC 9): the card and certificate dates
/// then come from it, joined on a key, and the registry's own card columns
/// are not read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct CardSettings {
    /// The card file's encoding (default `cp932`); `--cards-encoding`
    /// overrides it.
    pub(crate) encoding: InputEncoding,
    /// The registry header the card file joins on (default: the
    /// resident_code column's header).
    pub(crate) registry_key: String,
    /// True when the export carries no card dates at all, so that a run
    /// without `--cards` would find every resident `no-item`: kigen then
    /// refuses to run without `--cards`.
    pub(crate) required: bool,
    /// The most card rows a night accepts that were rejected without a
    /// readable key (`unattributed`: no 住民 row could be rejected with
    /// them, so a resident may be `no-item` for want of one); more refuses
    /// the night before printing unless `--accept-input-change` (SPEC 13).
    /// Default 0.
    pub(crate) max_unattributed: u64,
    /// `[cards.columns]`: the card file's header names.
    pub(crate) columns: CardColumns,
}

impl Default for CardSettings {
    fn default() -> Self {
        CardSettings {
            encoding: InputEncoding::Cp932,
            registry_key: String::new(),
            required: false,
            max_unattributed: 0,
            columns: CardColumns::default(),
        }
    }
}

impl CardSettings {
    /// The registry header the card file joins on.
    pub(crate) fn registry_key<'a>(&'a self, columns: &'a Columns) -> &'a str {
        if self.registry_key.trim().is_empty() {
            columns.header(Field::ResidentCode).trim()
        } else {
            self.registry_key.trim()
        }
    }
}

/// `[cards.columns]`: the card file's header for its key and each card date.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct CardColumns {
    /// The key column (default: the registry's join header).
    pub(crate) key: String,
    /// カード申請日 (交付申請受付日).
    pub(crate) card_applied: String,
    /// カード発行日.
    pub(crate) card_issued: String,
    /// カード有効期限.
    pub(crate) card_expiry: String,
    /// 利用者証明用電子証明書発行日.
    pub(crate) user_cert_issued: String,
    /// 利用者証明用電子証明書有効期限.
    pub(crate) user_cert_expiry: String,
    /// 署名用電子証明書発行日.
    pub(crate) sign_cert_issued: String,
    /// 署名用電子証明書有効期限.
    pub(crate) sign_cert_expiry: String,
    /// The card's kind (SPEC 15; empty: not mapped, and the registry's
    /// `[columns] card_kind` is read if mapped).
    pub(crate) card_kind: String,
    /// Keys of date columns the card file does not have (as `[columns]
    /// absent`); the key and card_issued cannot be absent.
    pub(crate) absent: Vec<String>,
}

impl Default for CardColumns {
    fn default() -> Self {
        CardColumns {
            key: String::new(),
            card_applied: Field::CardApplied.default_header().into(),
            card_issued: Field::CardIssued.default_header().into(),
            card_expiry: Field::CardExpiry.default_header().into(),
            user_cert_issued: Field::UserCertIssued.default_header().into(),
            user_cert_expiry: Field::UserCertExpiry.default_header().into(),
            sign_cert_issued: Field::SignCertIssued.default_header().into(),
            sign_cert_expiry: Field::SignCertExpiry.default_header().into(),
            card_kind: String::new(),
            absent: Vec::new(),
        }
    }
}

impl CardColumns {
    /// The header configured for a card date field (`None` for a field that
    /// is not a card date).
    pub(crate) fn header(&self, field: Field) -> Option<&str> {
        Some(match field {
            Field::CardApplied => &self.card_applied,
            Field::CardIssued => &self.card_issued,
            Field::CardExpiry => &self.card_expiry,
            Field::UserCertIssued => &self.user_cert_issued,
            Field::UserCertExpiry => &self.user_cert_expiry,
            Field::SignCertIssued => &self.sign_cert_issued,
            Field::SignCertExpiry => &self.sign_cert_expiry,
            _ => return None,
        })
    }

    /// True when `[cards.columns] absent` lists `field`.
    pub(crate) fn is_absent(&self, field: Field) -> bool {
        self.absent.iter().any(|k| k.trim() == field.key())
    }

    /// Checks the names and `absent`.
    fn validate(&self) -> Result<(), String> {
        for f in Field::CARD_DATES {
            if self.header(f).unwrap_or_default().trim().is_empty() {
                return Err(format!("cards.columns.{}: header name is empty", f.key()));
            }
        }
        for key in &self.absent {
            let key = key.trim();
            match Field::CARD_DATES.into_iter().find(|f| f.key() == key) {
                None => {
                    return Err(format!(
                        "cards.columns.absent: {key:?} is not a card date key (the keys are {})",
                        Field::CARD_DATES.map(Field::key).join(", ")
                    ))
                }
                Some(Field::CardIssued) => {
                    return Err(
                        "cards.columns.absent: \"card_issued\" cannot be absent: without it every resident would be no-item".into(),
                    )
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// `[rules]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSettings {
    /// Which day's age decides the card's category: `application` (the seed
    /// page's カード申請時の年齢, default) or `issue`.
    pub(crate) age_basis: AgeBasis,
    /// The birthday of a 29 February birth in a common year: `feb28` (default,
    /// as road traffic law deems it) or `mar1`.
    pub(crate) feb29: Feb29Rule,
    /// Months before the expiry date from which an item is due (default 3).
    pub(crate) lead_months: u32,
    /// A due notice of a resident under 支援措置 (SPEC 9): `hold` (default:
    /// held, reason `support-measure`, never printed) or `print`.
    pub support_measure: SupportMeasurePolicy,
}

/// What happens to a due notice of a resident under 支援措置.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SupportMeasurePolicy {
    /// Held (held.csv reason `support-measure`): the letter is not mailed;
    /// the counter decides how to reach the resident.
    #[default]
    Hold,
    /// Printed as any other notice.
    Print,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            age_basis: AgeBasis::Application,
            feb29: Feb29Rule::Feb28,
            lead_months: 3,
            support_measure: SupportMeasurePolicy::Hold,
        }
    }
}

/// `[output]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct OutputSettings {
    /// Encoding of the CSV outputs.
    pub(crate) csv_encoding: CsvEncoding,
    /// Packets per print file.
    pub(crate) chunk: u32,
    /// Pad each packet to whole sheets for duplex printing.
    pub(crate) duplex: bool,
    /// The mail room's group (a name or a numeric gid): batch directories
    /// 0750 and files 0640 in that group (SPEC 14). `None`: 0700 / 0600.
    pub(crate) group: Option<String>,
}

impl OutputSettings {
    /// The gid of `group`, checked (the group exists and the running
    /// account is a member); `None` without the key.
    pub(crate) fn shared_group(&self) -> Result<Option<u32>, String> {
        self.group
            .as_deref()
            .map(|g| crate::files::output_group(g).map_err(|why| format!("output.group = {why}")))
            .transpose()
    }
}

impl Default for OutputSettings {
    fn default() -> Self {
        OutputSettings {
            csv_encoding: CsvEncoding::Utf8,
            chunk: 500,
            duplex: false,
            group: None,
        }
    }
}

/// `[gaiji]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct GaijiSettings {
    /// Path of the 外字 table CSV (`U+E000,髙`), relative to the profile
    /// directory. Empty: no table, every private-use character holds its notice.
    pub(crate) table: String,
}

/// The 外字 table: private-use code points (U+E000–U+F8FF) to Unicode text.
#[derive(Debug, Clone, Default)]
pub(crate) struct GaijiTable {
    map: HashMap<char, String>,
}

impl GaijiTable {
    /// A table from explicit pairs.
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: impl IntoIterator<Item = (char, String)>) -> Self {
        GaijiTable {
            map: pairs.into_iter().collect(),
        }
    }

    /// Number of mapped code points.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is mapped.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Replaces mapped private-use characters in `s`; unmapped ones stay for
    /// the caller to find (and hold the notice).
    pub(crate) fn apply<'a>(&self, s: &'a str) -> std::borrow::Cow<'a, str> {
        if !s.chars().any(is_private_use) || self.map.is_empty() {
            return std::borrow::Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len() + 8);
        for c in s.chars() {
            match self.map.get(&c) {
                Some(t) => out.push_str(t),
                None => out.push(c),
            }
        }
        std::borrow::Cow::Owned(out)
    }

    /// Like [`GaijiTable::apply`], reusing `s` when nothing changes.
    pub(crate) fn apply_owned(&self, s: String) -> String {
        match self.apply(&s) {
            std::borrow::Cow::Borrowed(_) => s,
            std::borrow::Cow::Owned(mapped) => mapped,
        }
    }

    /// Parses a table: one `code,text` pair a line, `code` written `U+E000`,
    /// `E000` or `0xE000`; an optional header line; `#` comments.
    pub(crate) fn parse(text: &str, source: &Path) -> Result<Self, Error> {
        let mut map = HashMap::new();
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut first = true;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        // Physical lines: CRLF counts once (SPEC 13).
        let mut lines = crate::text::LineCounter::default();
        for record in reader.records() {
            let pos = match &record {
                Ok(r) => r.position(),
                Err(e) => e.position(),
            };
            let line_no = pos.map_or(0, |p| lines.line_at(text.as_bytes(), p.byte()) as usize);
            let bad = |why: String| Error::Gaiji {
                path: source.to_path_buf(),
                line: line_no,
                reason: why,
            };
            let record = record.map_err(|e| bad(e.to_string()))?;
            if record.iter().all(str::is_empty) {
                continue;
            }
            let (Some(code), Some(target), None) = (record.get(0), record.get(1), record.get(2))
            else {
                return Err(bad("expected `code,text`".into()));
            };
            let target = target.trim_matches('"');
            let hex = code
                .strip_prefix("U+")
                .or_else(|| code.strip_prefix("u+"))
                .or_else(|| code.strip_prefix("0x"))
                .or_else(|| code.strip_prefix("0X"))
                .unwrap_or(code);
            let was_first = std::mem::replace(&mut first, false);
            let Ok(value) = u32::from_str_radix(hex, 16) else {
                if was_first {
                    continue; // a header line such as `code,text`
                }
                return Err(bad(format!("{code:?} is not a code point")));
            };
            let Some(c) = char::from_u32(value).filter(|c| is_private_use(*c)) else {
                return Err(bad(format!("{code} is not a private-use code point")));
            };
            if target.is_empty() {
                return Err(bad(format!("{code} maps to nothing")));
            }
            if target.chars().any(is_private_use) {
                return Err(bad(format!("{code} maps to another private-use character")));
            }
            if map.insert(c, target.to_string()).is_some() {
                return Err(bad(format!("{code} is mapped twice")));
            }
        }
        Ok(GaijiTable { map })
    }
}

impl Profile {
    /// Settings' defaults (Saku city) without a file and without the notice
    /// wording: enough for reading and selecting, not for `kigen run`.
    pub fn defaults() -> Self {
        Profile {
            source: ProfileSource::Builtin("defaults"),
            sha256: String::new(),
            settings: Settings::default(),
            gaiji: GaijiTable::default(),
            eras: Eras::default(),
        }
    }

    /// `--profile P`: the directory P when there is one, else the built-in
    /// profile named P. Anything else is an error (exit 2) naming P.
    pub(crate) fn open(arg: &Path) -> Result<Self, Error> {
        if arg.is_dir() {
            return Profile::load(arg);
        }
        if let Some(name) = arg.to_str() {
            if let Some(p) = Profile::load_builtin(name) {
                return p;
            }
        }
        let what = if arg.exists() {
            "is not a directory"
        } else {
            "no such directory"
        };
        Err(Error::Usage(format!(
            "--profile {}: {what}, and no built-in profile has that name (built-in: {})",
            arg.display(),
            builtin_names()
        )))
    }

    /// The built-in profile `name`, or `None` when there is none.
    pub(crate) fn load_builtin(name: &str) -> Option<Result<Self, Error>> {
        let (name, _) = BUILTIN_PROFILES.iter().find(|(n, _)| *n == name)?;
        let profile = Profile {
            source: ProfileSource::Builtin(name),
            sha256: String::new(),
            settings: Settings::default(),
            gaiji: GaijiTable::default(),
            eras: Eras::default(),
        };
        Some(profile.read_toml())
    }

    /// Loads `DIR/profile.toml` (and the gaiji table it names).
    pub(crate) fn load(dir: &Path) -> Result<Self, Error> {
        // Recorded in summary.json: the same directory from wherever kigen
        // is started.
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        Profile {
            source: ProfileSource::Dir(dir),
            sha256: String::new(),
            settings: Settings::default(),
            gaiji: GaijiTable::default(),
            eras: Eras::default(),
        }
        .read_toml()
    }

    /// Reads, parses and validates profile.toml and the 外字 table it names.
    fn read_toml(mut self) -> Result<Self, Error> {
        let path = self.file();
        let bytes = match &self.source {
            ProfileSource::Builtin(_) => self.builtin_file("profile.toml").map(Cow::Borrowed),
            ProfileSource::Dir(dir) => {
                read_bounded(&dir.join("profile.toml"), MAX_PROFILE_BYTES).map(Cow::Owned)
            }
        }
        .map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| Error::Profile {
            path: path.clone(),
            message: format!("not UTF-8 (byte {})", e.valid_up_to()),
        })?;
        let settings: Settings = toml::from_str(text).map_err(|source| Error::Toml {
            path: path.clone(),
            source,
        })?;
        let mut settings = settings;
        settings.validate(&path)?;
        settings.generation_table = settings.resolve_generations(&path)?;
        self.eras = settings.era_table(&path)?;
        if !settings.gaiji.table.is_empty() {
            let (gpath, bytes) = self.read_file("gaiji.table", &settings.gaiji.table)?;
            let text = String::from_utf8(bytes.into_owned()).map_err(|e| Error::ProfileFile {
                profile: path.clone(),
                key: "gaiji.table",
                file: gpath.clone(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            })?;
            self.gaiji = GaijiTable::parse(&text, &gpath)?;
        }
        self.sha256 = crate::digest::sha256_hex(&bytes);
        self.settings = settings;
        Ok(self)
    }

    /// How summary.json names the profile: `builtin:saku`, or the directory.
    pub(crate) fn name(&self) -> String {
        match &self.source {
            ProfileSource::Builtin(name) => format!("builtin:{name}"),
            ProfileSource::Dir(dir) => dir.display().to_string(),
        }
    }

    /// profile.toml, for messages (`builtin:saku/profile.toml` when built in).
    pub(crate) fn file(&self) -> PathBuf {
        match &self.source {
            ProfileSource::Builtin(name) => PathBuf::from(format!("builtin:{name}/profile.toml")),
            ProfileSource::Dir(dir) => dir.join("profile.toml"),
        }
    }

    /// A path the profile names, on disk: relative to the profile directory,
    /// or as written (absolute) in a built-in profile.
    pub(crate) fn resolve(&self, rel: &str) -> PathBuf {
        match &self.source {
            ProfileSource::Builtin(_) => PathBuf::from(rel),
            ProfileSource::Dir(dir) => dir.join(rel),
        }
    }

    /// A file of a built-in profile.
    fn builtin_file(&self, rel: &str) -> std::io::Result<&'static [u8]> {
        let files = match &self.source {
            ProfileSource::Builtin(name) => builtin_files(name).unwrap_or(&[]),
            ProfileSource::Dir(_) => &[],
        };
        files
            .iter()
            .find(|(n, _)| *n == rel)
            .map(|(_, bytes)| *bytes)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not built in"))
    }

    /// Reads a data file the profile names under `key` (`gaiji.table`,
    /// `postal.ken_all`): from the built-in profile's files when it has one
    /// of that name, else from disk ([`Profile::resolve`]), at most 64 MiB.
    /// Returns the file's path (for messages) and its bytes.
    pub(crate) fn read_file(
        &self,
        key: &'static str,
        rel: &str,
    ) -> Result<(PathBuf, Cow<'static, [u8]>), Error> {
        if let ProfileSource::Builtin(name) = &self.source {
            if let Ok(bytes) = self.builtin_file(rel) {
                return Ok((
                    PathBuf::from(format!("builtin:{name}/{rel}")),
                    Cow::Borrowed(bytes),
                ));
            }
        }
        let path = self.resolve(rel);
        match read_bounded(&path, MAX_DATA_FILE_BYTES) {
            Ok(bytes) => Ok((path, Cow::Owned(bytes))),
            Err(source) => Err(Error::ProfileFile {
                profile: self.file(),
                key,
                file: path,
                source,
            }),
        }
    }
}

impl Settings {
    /// The wording `kigen run` needs, or an error naming the missing section
    /// and `file` (profile.toml).
    pub(crate) fn wording(
        &self,
        file: &Path,
    ) -> Result<(&LetterWording, &InquiryWording, &ApplicationWording), Error> {
        let missing = |key: &str| Error::Profile {
            path: file.to_path_buf(),
            message: format!("[{key}] is missing: kigen run needs the notice wording"),
        };
        Ok((
            self.letter.as_ref().ok_or_else(|| missing("letter"))?,
            self.inquiry.as_ref().ok_or_else(|| missing("inquiry"))?,
            self.application
                .as_ref()
                .ok_or_else(|| missing("application"))?,
        ))
    }

    /// The era table with the `[[eras]]` entries, each checked
    /// ([`Eras::with_extra`]); the error names the entry as `eras[N]`
    /// (0-based, in the file's order).
    fn era_table(&self, path: &Path) -> Result<Eras, Error> {
        let err = |i: usize, why: String| Error::Profile {
            path: path.to_path_buf(),
            message: format!("eras[{i}]: {why}"),
        };
        let mut defs = Vec::with_capacity(self.eras.len());
        for (i, e) in self.eras.iter().enumerate() {
            defs.push((i, e.def().map_err(|why| err(i, why))?));
        }
        // The table takes its eras in order of start: adding them one at a
        // time in that order finds the entry at fault.
        defs.sort_by_key(|(_, d)| d.start());
        let mut table = Eras::default();
        for k in 0..defs.len() {
            let prefix = defs[..=k].iter().map(|(_, d)| d.clone()).collect();
            table = Eras::with_extra(prefix).map_err(|why| err(defs[k].0, why))?;
        }
        Ok(table)
    }

    /// Checks values that the types alone do not.
    fn validate(&self, path: &Path) -> Result<(), Error> {
        let err = |message: String| Error::Profile {
            path: path.to_path_buf(),
            message,
        };
        self.mail.validate().map_err(&err)?;
        let w = &self.window;
        if !(w.left_mm >= 0.0
            && w.top_mm >= 0.0
            && w.width_mm >= 80.0
            && w.height_mm >= 30.0
            && w.left_mm + w.width_mm <= 210.0
            && w.top_mm + w.height_mm <= 99.0)
        {
            return Err(err(format!(
                "window = {w:?}: the window must lie in the top third of an A4 sheet, at least 80 x 30 mm"
            )));
        }
        if let Some(l) = &self.letter {
            let rest = l.document_number.replace("{seq}", "").replace("{date}", "");
            if rest.contains('{') || rest.contains('}') {
                return Err(err(format!(
                    "letter.document_number = {:?}: only {{date}} and {{seq}} may be used",
                    l.document_number
                )));
            }
            if !l.document_number.contains("{seq}") {
                return Err(err(
                    "letter.document_number must contain {seq}: each notice needs its own number"
                        .into(),
                ));
            }
        }
        self.validate_codes().map_err(&err)?;
        if !(1..=12).contains(&self.rules.lead_months) {
            return Err(err(format!(
                "rules.lead_months = {}: must be 1 to 12",
                self.rules.lead_months
            )));
        }
        if self.output.chunk == 0 {
            return Err(err("output.chunk = 0: must be at least 1".into()));
        }
        self.output.shared_group().map_err(&err)?;
        let mut seen: HashMap<&str, Field> = HashMap::new();
        for f in Field::ALL {
            let h = self.columns.header(f).trim();
            if h.is_empty() {
                if f.may_be_unmapped() {
                    continue;
                }
                return Err(err(format!("columns.{}: header name is empty", f.key())));
            }
            if let Some(other) = seen.insert(h, f) {
                return Err(err(format!(
                    "columns.{} and columns.{} both name the header {h:?}",
                    other.key(),
                    f.key()
                )));
            }
        }
        self.columns.validate_absent().map_err(err)?;
        self.cards.columns.validate().map_err(err)
    }
}

impl Settings {
    /// The Data Matrix codes (SPEC 16): on the sheet, the window code in
    /// the window's 〒 band, and the longest document number the template
    /// makes (a 7-digit sequence, a reprint's `-R99`, sheet `99/99`) held
    /// by each code that is on.
    fn validate_codes(&self) -> Result<(), String> {
        use crate::barcode::datamatrix::{
            encode, Shape, MAX_SQUARE, QUIET_ZONE_MM, WINDOW_MODULE_MM,
        };
        let m = &self.mail;
        let side = MAX_SQUARE as f32 * crate::barcode::datamatrix::SHEET_MODULE_MM;
        if m.sheet_code == SheetCode::DataMatrix
            && !((QUIET_ZONE_MM..=210.0 - QUIET_ZONE_MM - side).contains(&m.sheet_code_x_mm)
                && (QUIET_ZONE_MM..=297.0 - QUIET_ZONE_MM - side).contains(&m.sheet_code_y_mm))
        {
            return Err(format!(
                "mail.sheet_code_x_mm = {}, sheet_code_y_mm = {}: the code ({side:.1} mm at most) must lie on the A4 sheet",
                m.sheet_code_x_mm, m.sheet_code_y_mm
            ));
        }
        let w = &self.window;
        let (code_w, code_h) = (48.0 * WINDOW_MODULE_MM, 16.0 * WINDOW_MODULE_MM);
        if m.window_code
            && !(m.window_code_x_mm >= w.left_mm + 2.0
                && m.window_code_x_mm + code_w <= w.left_mm + w.width_mm - 2.0
                && m.window_code_y_mm >= w.top_mm + 0.5
                && m.window_code_y_mm + code_h <= w.top_mm + 5.5)
        {
            return Err(format!(
                "mail.window_code_x_mm = {}, window_code_y_mm = {}: the window code ({code_w} x {code_h} mm) must lie in the window's top band, beside the 〒 line (x {} to {}, y {} to {}), where it is far from the customer barcode",
                m.window_code_x_mm,
                m.window_code_y_mm,
                w.left_mm + 2.0,
                w.left_mm + w.width_mm - 2.0 - code_w,
                w.top_mm + 0.5,
                w.top_mm + 5.5 - code_h
            ));
        }
        let Some(letter) = &self.letter else {
            return Ok(());
        };
        let longest = format!(
            "{}-R99",
            letter
                .document_number
                .replace("{date}", "20261231")
                .replace("{seq}", "1234567")
        );
        let too_long = |what: &str| {
            format!(
                "letter.document_number = {:?}: a number it makes ({longest}) is too long for the Data Matrix {what}; shorten the template or turn the code off",
                letter.document_number
            )
        };
        if m.sheet_code == SheetCode::DataMatrix
            && encode(&format!("{longest}|99/99"), Shape::Square).is_none()
        {
            return Err(too_long(
                "on every sheet ([mail] sheet_code, 26 x 26 modules at most)",
            ));
        }
        if m.window_code && encode(&longest, Shape::Rectangle).is_none() {
            return Err(too_long(
                "in the window ([mail] window_code, 16 x 48 modules at most)",
            ));
        }
        Ok(())
    }
}

impl Columns {
    /// Checks `[columns] absent`: known keys of optional columns, each once.
    fn validate_absent(&self) -> Result<(), String> {
        let mut seen: Vec<&str> = Vec::new();
        for key in &self.absent {
            let key = key.trim();
            let Some(f) = Field::from_key(key) else {
                return Err(format!(
                    "columns.absent: {key:?} is not a column key (the keys are those of [columns]: {})",
                    Field::ALL.map(Field::key).join(", ")
                ));
            };
            if f.required() {
                return Err(format!(
                    "columns.absent: {key:?} is a required column and cannot be absent"
                ));
            }
            if seen.contains(&key) {
                return Err(format!("columns.absent: {key:?} is listed twice"));
            }
            seen.push(key);
        }
        Ok(())
    }
}

// ---- SPEC 15: rule generations and the residence letter ----

/// One `[[generations]]` entry (SPEC 15).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerationSetting {
    /// Its name (`current`, `next`).
    pub(crate) name: String,
    /// The first card issue date it applies to, `YYYY-MM-DD`.
    pub(crate) issued_from: String,
    /// Birthday counts for a holder under 15 at application.
    pub(crate) under15: BandSetting,
    /// Birthday counts from 15 until of age.
    #[serde(rename = "15to17")]
    pub(crate) from15to17: BandSetting,
    /// Birthday counts for a holder of age (18, or 20 before 2022-04-01).
    #[serde(rename = "18plus")]
    pub(crate) adult: BandSetting,
    /// Months before the expiry from which an item is due; absent: `[rules]
    /// lead_months`.
    pub(crate) lead_months: Option<u32>,
}

/// The birthday counts of one age band: `{ card = 10, user_cert = 5,
/// sign_cert = 5 }` (0: not issued).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BandSetting {
    /// The card.
    pub(crate) card: u32,
    /// The user certificate.
    pub(crate) user_cert: u32,
    /// The signing certificate.
    pub(crate) sign_cert: u32,
}

impl From<BandSetting> for BandCounts {
    fn from(b: BandSetting) -> Self {
        BandCounts {
            card: b.card,
            user_cert: b.user_cert,
            sign_cert: b.sign_cert,
        }
    }
}

/// `[letter.residence]`: the residence-period letter (SPEC 15), one page,
/// every word from here. Absent or `enabled = false`: no letter (the
/// outcome stays `residence-period`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResidenceLetterWording {
    /// Whether the letter is sent (`[letter.residence]`: only when `true`;
    /// `[letter.tokutei]`: unless `false`).
    #[serde(default)]
    pub(crate) enabled: Option<bool>,
    /// Months before the card's E from which it is due (default 3).
    #[serde(default = "default_residence_lead")]
    pub(crate) lead: u32,
    /// The title.
    pub(crate) title: String,
    /// The opening paragraph (the card, and the certificates it caps,
    /// lapse on the date in the table).
    pub(crate) greeting: String,
    /// Column heads of the item table: item, expiry.
    pub(crate) table_heads: [String; 2],
    /// Heading of what to do.
    pub(crate) steps_heading: String,
    /// What to do, one paragraph each (入管 first, then the counter).
    pub(crate) steps: Vec<String>,
    /// Heading of what to bring to the counter.
    pub(crate) bring_heading: String,
    /// What to bring.
    pub(crate) bring: Vec<String>,
    /// Notes (free of charge; a lapsed card means a new application, a fee).
    pub(crate) notes: Vec<String>,
}

fn default_residence_lead() -> u32 {
    3
}

impl Settings {
    /// The rule settings for [`crate::rules::evaluate`], with the generation
    /// table in force.
    pub(crate) fn rule_config(&self) -> RuleConfig<'_> {
        RuleConfig {
            age_basis: self.rules.age_basis,
            feb29: self.rules.feb29,
            generations: &self.generation_table,
        }
    }

    /// The residence letter when it is enabled.
    pub(crate) fn residence_letter(&self) -> Option<&ResidenceLetterWording> {
        self.letter
            .as_ref()
            .and_then(|l| l.residence.as_ref())
            .filter(|r| r.enabled == Some(true))
    }

    /// The tokutei letter when the profile gives it (and does not say
    /// `enabled = false`).
    pub(crate) fn tokutei_letter(&self) -> Option<&ResidenceLetterWording> {
        self.letter
            .as_ref()
            .and_then(|l| l.tokutei.as_ref())
            .filter(|r| r.enabled != Some(false))
    }

    /// `[letter.residence]` and `[letter.tokutei]` when present: a lead of
    /// 1 to 12 months, and no placeholder but `{expiry}` (anything else
    /// would print as written).
    fn validate_residence_letter(&self) -> Result<(), String> {
        let Some(letter) = self.letter.as_ref() else {
            return Ok(());
        };
        for (section, r) in [
            ("residence", &letter.residence),
            ("tokutei", &letter.tokutei),
        ] {
            let Some(r) = r else { continue };
            if !(1..=12).contains(&r.lead) {
                return Err(format!(
                    "letter.{section}.lead = {}: must be 1 to 12",
                    r.lead
                ));
            }
            let texts = [
                ("greeting", std::slice::from_ref(&r.greeting)),
                ("steps", &r.steps[..]),
                ("notes", &r.notes[..]),
            ];
            for (key, lines) in texts {
                for line in lines {
                    let rest = line.replace("{expiry}", "");
                    if rest.contains('{') || rest.contains('}') {
                        return Err(format!(
                            "letter.{section}.{key} = {line:?}: only {{expiry}} may be used"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The generation table: `[[generations]]` read and checked (exit 2
    /// naming `generations[N].key` on a gap, an overlap or a bad count), or
    /// `current` with `[rules] lead_months` when there is none.
    fn resolve_generations(&self, path: &Path) -> Result<Vec<Generation>, Error> {
        let err = |message: String| Error::Profile {
            path: path.to_path_buf(),
            message,
        };
        self.validate_residence_letter().map_err(&err)?;
        self.card_kinds.validate().map_err(&err)?;
        self.nightly.validate_cap().map_err(&err)?;
        if self.generations.is_empty() {
            return Ok(vec![Generation::current(self.rules.lead_months)]);
        }
        let mut table = Vec::with_capacity(self.generations.len());
        for (i, g) in self.generations.iter().enumerate() {
            let issued_from = chrono::NaiveDate::parse_from_str(g.issued_from.trim(), "%Y-%m-%d")
                .map_err(|_| {
                err(format!(
                    "generations[{i}].issued_from = {:?}: not a date YYYY-MM-DD",
                    g.issued_from
                ))
            })?;
            table.push(Generation {
                name: g.name.trim().to_string(),
                issued_from,
                under15: g.under15.into(),
                from15to17: g.from15to17.into(),
                adult: g.adult.into(),
                lead_months: g.lead_months.unwrap_or(self.rules.lead_months),
            });
        }
        validate_generations(&table).map_err(err)?;
        Ok(table)
    }
}

#[cfg(test)]
mod spec15_tests {
    use super::*;

    fn settings(toml_text: &str) -> Result<Vec<Generation>, String> {
        let s: Settings = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        s.resolve_generations(Path::new("profile.toml"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn without_generations_current_takes_the_rules_lead() {
        let t = settings("[rules]\nlead_months = 2\n").unwrap();
        assert_eq!(t, vec![Generation::current(2)]);
    }

    #[test]
    fn the_builtin_profiles_write_current_out_as_the_builtin_table() {
        for name in ["saku", "standard"] {
            let p = Profile::load_builtin(name).unwrap().unwrap();
            assert_eq!(p.settings.generation_table, vec![Generation::current(3)]);
            let r = p.settings.residence_letter().expect("residence letter on");
            assert_eq!(r.lead, 3);
        }
    }

    #[test]
    fn a_bad_residence_lead_or_placeholder_names_the_key() {
        let base = std::str::from_utf8(builtin_files("saku").unwrap()[0].1).unwrap();
        let text = base.replace("enabled = true\nlead = 3\n", "enabled = true\nlead = 0\n");
        let e = settings(&text).unwrap_err();
        assert!(e.contains("letter.residence.lead = 0"), "{e}");
        let text = base.replace("である{expiry}に", "である{date}に");
        let e = settings(&text).unwrap_err();
        assert!(e.contains("letter.residence.greeting"), "{e}");
    }

    #[test]
    fn a_bad_card_kinds_table_names_the_key() {
        let base = std::str::from_utf8(builtin_files("saku").unwrap()[0].1).unwrap();
        let ok = format!(
            "{base}\n[card_kinds]\n\"1\" = \"mynumber\"\n\"07\" = \"tokutei\"\n\"08\" = \"tokutei-special\"\n"
        );
        assert!(settings(&ok).is_ok());
        let s: Settings = toml::from_str(&ok).unwrap();
        assert_eq!(s.card_kinds.kind_of("07"), Some(CardKind::Tokutei));
        assert_eq!(s.card_kinds.kind_of("08"), Some(CardKind::TokuteiSpecial));
        assert_eq!(s.card_kinds.kind_of(""), Some(CardKind::MyNumber));
        assert_eq!(s.card_kinds.kind_of("09"), None);
        assert!(s.tokutei_letter().is_none());
        let bad = format!("{base}\n[card_kinds]\n\"07\" = \"zairyu\"\n");
        let e = settings(&bad).unwrap_err();
        assert!(e.contains("card_kinds.\"07\" = \"zairyu\""), "{e}");
    }
}

// ---- end SPEC 15 ----

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let e = toml::from_str::<Settings>("[rules]\nage_basiss = \"issue\"\n").unwrap_err();
        assert!(e.to_string().contains("age_basiss"), "{e}");
        let e = toml::from_str::<Settings>("[rules]\nfeb29 = \"feb30\"\n").unwrap_err();
        assert!(e.to_string().contains("feb30"), "{e}");
    }

    #[test]
    fn eras_are_read_checked_and_named() {
        let s: Settings = toml::from_str(
            "[[eras]]\nname = \"新元\"\nletter = \"N\"\ncode = 6\nstart = 2031-05-01\n",
        )
        .unwrap();
        let eras = s.era_table(Path::new("p.toml")).unwrap();
        let start = chrono::NaiveDate::from_ymd_opt(2031, 5, 1).unwrap();
        assert_eq!(eras.format(start).as_deref(), Some("新元元年5月1日"));
        assert_eq!(eras.eras().len(), 6);
        // A string date is accepted too.
        let s: Settings = toml::from_str(
            "[[eras]]\nname = \"新元\"\nletter = \"N\"\ncode = 6\nstart = \"2031-05-01\"\n",
        )
        .unwrap();
        assert_eq!(s.era_table(Path::new("p.toml")).unwrap().eras().len(), 6);
        // The entry at fault is named by its place in the file.
        let bad = |text: &str| {
            let s: Settings = toml::from_str(text).unwrap();
            s.era_table(Path::new("p.toml")).unwrap_err().to_string()
        };
        let two = "[[eras]]\nname = \"新元\"\nletter = \"N\"\ncode = 6\nstart = 2031-05-01\n\
                   [[eras]]\nname = \"次元\"\nletter = \"P\"\ncode = 5\nstart = 2021-05-01\n";
        let e = bad(two);
        assert!(e.contains("eras[1]") && e.contains("code 5"), "{e}");
        let e = bad("[[eras]]\nname = \"新元\"\nletter = \"NN\"\ncode = 6\nstart = 2031-05-01\n");
        assert!(e.contains("eras[0]") && e.contains("letter"), "{e}");
        let e = bad("[[eras]]\nname = \"新元\"\nletter = \"N\"\ncode = 6\nstart = \"2031-5\"\n");
        assert!(e.contains("eras[0]") && e.contains("start"), "{e}");
        let e = bad(
            "[[eras]]\nname = \"新元\"\nletter = \"N\"\ncode = 6\nstart = 2031-05-01T00:00:00\n",
        );
        assert!(e.contains("eras[0]") && e.contains("start"), "{e}");
    }

    #[test]
    fn column_override() {
        let s: Settings = toml::from_str("[columns]\nresident_code = \"宛名番号\"\n").unwrap();
        assert_eq!(s.columns.header(Field::ResidentCode), "宛名番号");
        assert_eq!(s.columns.header(Field::Name), "氏名");
    }

    #[test]
    fn absent_keys_are_validated() {
        let ok: Settings =
            toml::from_str("[columns]\nabsent = [\"name_kana\", \"card_applied\"]\n").unwrap();
        ok.validate(Path::new("p.toml")).unwrap();
        assert!(ok.columns.is_absent(Field::NameKana));
        assert!(!ok.columns.is_absent(Field::CardIssued));
        for (absent, want) in [
            ("[\"kana\"]", "\"kana\" is not a column key"),
            ("[\"birth_date\"]", "\"birth_date\" is a required column"),
            ("[\"stay_end\", \"stay_end\"]", "listed twice"),
        ] {
            let s: Settings = toml::from_str(&format!("[columns]\nabsent = {absent}\n")).unwrap();
            let e = s.validate(Path::new("p.toml")).unwrap_err().to_string();
            assert!(e.contains("columns.absent") && e.contains(want), "{e}");
        }
    }

    #[test]
    fn gaiji_table_parses_and_applies() {
        let t = GaijiTable::parse(
            "pua,text\nU+E000,髙\nE001,\u{845B}\u{E0100}\n# note\n",
            Path::new("g.csv"),
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.apply("\u{E000}橋\u{E002}"), "髙橋\u{E002}");
        assert_eq!(t.apply("\u{E001}"), "\u{845B}\u{E0100}");
        let e = GaijiTable::parse("U+E000,髙\nU+4E00,一\n", Path::new("g.csv")).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn builtin_profiles_are_the_templates_byte_for_byte() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        for (name, files) in BUILTIN_PROFILES {
            assert_eq!(files[0].0, "profile.toml", "{name}: profile.toml first");
            for (file, bytes) in *files {
                assert!(!file.contains('/'), "{name}/{file}: a plain file name");
                let on_disk = std::fs::read(root.join(name).join(file)).unwrap();
                assert!(
                    on_disk == *bytes,
                    "templates/{name}/{file} differs from the built-in copy"
                );
            }
        }
    }

    #[test]
    fn builtin_profiles_load_with_wording_and_no_invented_gaiji() {
        for (name, _) in BUILTIN_PROFILES {
            let p = Profile::load_builtin(name).unwrap().unwrap();
            assert_eq!(p.name(), format!("builtin:{name}"));
            assert!(p.settings.wording(&p.file()).is_ok(), "{name}: wording");
            assert!(p.gaiji.is_empty(), "{name}: a shipped profile maps no 外字");
            assert!(
                p.settings.fonts.dir.is_empty(),
                "{name}: the built-in fonts"
            );
            let on_disk = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("templates")
                .join(name);
            assert_eq!(p.sha256, Profile::load(&on_disk).unwrap().sha256);
        }
        assert!(Profile::load_builtin("nosuch").is_none());
    }

    #[test]
    fn open_prefers_a_directory_then_a_builtin_name() {
        let dir = tempfile::tempdir().unwrap();
        let e = Profile::open(&dir.path().join("nosuch")).unwrap_err();
        assert!(e.to_string().contains("nosuch"), "{e}");
        assert!(e.to_string().contains("saku"), "{e}");
        assert_eq!(e.exit_code(), 2);
        let p = Profile::open(Path::new("saku")).unwrap();
        assert_eq!(p.source, ProfileSource::Builtin("saku"));
        std::fs::write(
            dir.path().join("profile.toml"),
            "[rules]\nlead_months = 2\n",
        )
        .unwrap();
        let p = Profile::open(dir.path()).unwrap();
        assert_eq!(p.settings.rules.lead_months, 2);
        assert!(matches!(p.source, ProfileSource::Dir(ref d) if d.is_absolute()));
    }
}
