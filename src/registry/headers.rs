//! `kigen columns`: the export's header row (and the card file's) against
//! the profile's columns, for whoever maps a new vendor's export. Reads
//! the header rows only: no data row is ever read.

use std::path::{Path, PathBuf};

use super::cards::{card_placements, CardPlace};
use super::columns::HeaderFit;
use super::reader::{header_row, join_key, CardsFile};
use crate::error::{Error, Result};
use crate::model::InputEncoding;
use crate::profile::Profile;

/// The export's header against `[columns]`, and the card file's against
/// `[cards.columns]` when one is given.
#[derive(Debug)]
pub(crate) struct HeaderCheck {
    /// Each profile key's place in the export's header.
    pub(crate) fit: HeaderFit,
    /// The header error a run would stop with (exit 2).
    pub(crate) error: Option<Error>,
    /// The card file's header, with `--cards`.
    pub(crate) cards: Option<CardHeaderCheck>,
}

/// The card file's header against `[cards.columns]`.
#[derive(Debug)]
pub(crate) struct CardHeaderCheck {
    /// The card file.
    pub(crate) path: PathBuf,
    /// The registry's header it joins on.
    pub(crate) registry_key: String,
    /// Its header row.
    pub(crate) headers: Vec<String>,
    /// Each card key (`key`, then the dates): its header name and place.
    pub(crate) places: Vec<(String, String, CardPlace)>,
    /// The error a run would stop with.
    pub(crate) error: Option<Error>,
}

/// Reads the header rows of `input` and of `cards` and fits them to the
/// profile. A header that fits only in the other encoding is that error
/// (the run's own), before the card file is read.
pub(crate) fn check_headers(
    input: &Path,
    encoding: InputEncoding,
    profile: &Profile,
    cards: Option<&CardsFile>,
) -> Result<HeaderCheck> {
    let columns = &profile.settings.columns;
    let join_key = join_key(profile, cards.is_some())?;
    let row = header_row(input, encoding)?;
    let fit = HeaderFit::new(row.fields.clone(), columns, join_key);
    let error = fit.error();
    if error.is_some() {
        if let Some(e) = row.wrong_encoding(input, encoding, columns, join_key) {
            return Err(e);
        }
    }
    let cards = match cards {
        Some(c) => Some(check_card_header(c, profile, join_key.unwrap_or_default())?),
        None => None,
    };
    Ok(HeaderCheck { fit, error, cards })
}

fn check_card_header(
    cards: &CardsFile,
    profile: &Profile,
    registry_key: &str,
) -> Result<CardHeaderCheck> {
    let row = header_row(&cards.path, cards.encoding)?;
    let (places, error) =
        card_placements(&row.fields, &profile.settings.cards.columns, registry_key);
    let error = error.map(|message| Error::Input {
        path: cards.path.clone(),
        message: format!("line 1: {message}"),
    });
    Ok(CardHeaderCheck {
        path: cards.path.clone(),
        registry_key: registry_key.to_string(),
        headers: row.fields,
        places,
        error,
    })
}
