//! What a run loads once from the profile before any row is read: the fonts
//! and wording of the notices, and Japan Post's postal data.

use crate::barcode::PostalTable;
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::render::fonts::FontSet;
use crate::render::notice::Wording;

/// Loads the run's fonts from the profile's `[fonts]`: the built-in IPAex
/// fonts unless `dir` names a directory holding them.
pub(crate) fn load_fonts(profile: &Profile) -> Result<FontSet> {
    let f = &profile.settings.fonts;
    let fallback = (!f.fallback.is_empty()).then(|| profile.resolve(&f.fallback));
    if let Some(fb) = &fallback {
        if !fb.exists() {
            return Err(Error::Profile {
                path: profile.file(),
                message: format!("fonts.fallback: {} does not exist", fb.display()),
            });
        }
    }
    if f.dir.is_empty() {
        return FontSet::builtin(fallback.as_deref());
    }
    let dir = profile.resolve(&f.dir);
    FontSet::load(
        &dir.join("ipaexm.ttf"),
        &dir.join("ipaexg.ttf"),
        fallback.as_deref(),
    )
}

/// Loads the postal data: the profile's KEN_ALL.CSV, or the built-in table.
pub(crate) fn load_postal(profile: &Profile) -> Result<PostalTable> {
    let ken_all = &profile.settings.postal.ken_all;
    if ken_all.is_empty() {
        return PostalTable::builtin().map_err(Error::Internal);
    }
    let (path, bytes) = profile.read_file("postal.ken_all", ken_all)?;
    PostalTable::from_ken_all(&bytes).map_err(|e| Error::Profile {
        path: profile.file(),
        message: format!("postal.ken_all: {}: {e}", path.display()),
    })
}

/// How summary.json names the postal data used.
pub(crate) fn postal_description(profile: &Profile, postal: &PostalTable) -> String {
    if profile.settings.postal.ken_all.is_empty() {
        format!("built-in table of {}", postal.data_date())
    } else {
        format!("KEN_ALL.CSV {}", profile.settings.postal.ken_all)
    }
}

/// The profile's wording and the run's fonts: what laying out a notice needs.
pub(crate) struct Renderer<'p> {
    /// The fonts, parsed once.
    pub(crate) fonts: FontSet,
    /// The wording and window.
    pub(crate) wording: Wording<'p>,
}

impl<'p> Renderer<'p> {
    /// Loads the fonts and checks the wording is there.
    pub(crate) fn new(profile: &'p Profile) -> Result<Self> {
        let settings = &profile.settings;
        let (letter, inquiry, application) = settings.wording(&profile.file())?;
        Ok(Renderer {
            fonts: load_fonts(profile)?,
            wording: Wording {
                letter,
                inquiry,
                application,
                issuer: &settings.municipality.issuer,
                mayor: &settings.municipality.mayor,
                seal_omitted: settings.municipality.seal_omitted,
                window: settings.window,
                eras: &profile.eras,
            },
        })
    }
}
