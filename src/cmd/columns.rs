//! `kigen columns`: an export's header row against the profile's columns,
//! for whoever maps a new vendor's export. Reads the header row only: no
//! data row's values are ever printed.

use std::io::Write;

use super::load_profile;
use crate::cli::ColumnsArgs;
use crate::error::Result;
use crate::model::{Field, InputEncoding};
use crate::registry::cards::CardPlace;
use crate::registry::columns::looks_like_data;
use crate::registry::columns::{HeaderFit, Placement};
use crate::registry::headers::{check_headers, CardHeaderCheck, HeaderCheck};
use crate::text::escape_controls;

/// Prints the header, each key's place and the unread columns; the exit
/// code is 0, or the run's own header error (exit 2) when a mapped column
/// is missing.
pub(crate) fn run(args: ColumnsArgs) -> Result<i32> {
    let profile = load_profile(&args.profile)?;
    let encoding = args.encoding.unwrap_or(profile.settings.input.encoding);
    let cards = super::cards_file(&args.cards, &profile);
    let HeaderCheck {
        fit,
        error,
        cards: card_check,
    } = check_headers(&args.input, encoding, &profile, cards.as_ref())?;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(
        o,
        "kigen columns: {} ({}), profile {}",
        args.input.display(),
        match encoding {
            InputEncoding::Cp932 => "cp932",
            InputEncoding::Utf8 => "utf-8",
        },
        args.profile.display()
    );
    let _ = write!(o, "{}", report(&fit));
    let card_error = match card_check {
        Some(check) => {
            let _ = write!(o, "{}", card_report(&check));
            check.error
        }
        None => None,
    };
    match (error, card_error) {
        (Some(e), _) => Err(e),
        (None, Some(e)) => Err(e),
        (None, None) => {
            let _ = writeln!(
                o,
                "every column the profile maps is in the header{}",
                if cards.is_some() {
                    "s of both files"
                } else {
                    ""
                }
            );
            Ok(0)
        }
    }
}

/// The card file's header against `[cards.columns]`.
fn card_report(check: &CardHeaderCheck) -> String {
    let mut s = format!(
        "\ncard file {} ({} columns), joined on the registry's {}:\n",
        check.path.display(),
        check.headers.len(),
        escape_controls(&check.registry_key)
    );
    if !looks_like_data(&check.headers) {
        for (i, h) in check.headers.iter().enumerate() {
            s.push_str(&format!("  {:>3}  {}\n", i + 1, escape_controls(h)));
        }
    }
    s.push_str("\nprofile [cards.columns] (key, where, header name):\n");
    for (key, name, place) in &check.places {
        let status = match place {
            CardPlace::Column(i) => format!("column {}", i + 1),
            CardPlace::ListedAbsent => "absent (listed)".into(),
            CardPlace::Missing => "MISSING".into(),
        };
        s.push_str(&format!(
            "  {:<21} {:<24} {}\n",
            key,
            status,
            escape_controls(name)
        ));
    }
    s
}

/// The report's body: the header row numbered (unless it looks like data),
/// each profile key's place, and the columns no key maps.
fn report(fit: &HeaderFit) -> String {
    let mut s = String::new();
    let data = fit.looks_like_data();
    if data {
        s.push_str(&format!(
            "\nthe first line ({} fields) does not look like a header row: it is not shown\n",
            fit.headers.len()
        ));
    } else {
        s.push_str(&format!("\nheader row ({} columns):\n", fit.headers.len()));
        for (i, h) in fit.headers.iter().enumerate() {
            s.push_str(&format!("  {:>3}  {}\n", i + 1, escape_controls(h)));
        }
    }
    s.push_str("\nprofile [columns] (key, where, header name):\n");
    for f in Field::ALL {
        let status = match fit.placement(f) {
            Placement::Found(i) => format!("column {}", i + 1),
            Placement::Missing if f.required() => "MISSING (required)".into(),
            Placement::Missing => "MISSING".into(),
            Placement::ListedAbsent => "absent (listed)".into(),
            Placement::AbsentButFound(i) => format!("listed absent, at col {}", i + 1),
            Placement::Unmapped => "not mapped".into(),
            Placement::FromCards => "from the card file".into(),
            Placement::Repeated(cols) => format!(
                "REPEATED: columns {}",
                cols.iter()
                    .map(|c| (c + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        s.push_str(&format!(
            "  {:<21} {:<24} {}\n",
            f.key(),
            status,
            escape_controls(&fit.names[f.index()])
        ));
    }
    if let Some((name, place)) = &fit.join_key {
        let status = match place {
            Placement::Found(i) => format!("column {}", i + 1),
            Placement::Repeated(_) => "REPEATED".into(),
            _ => "MISSING (required)".into(),
        };
        s.push_str(&format!(
            "  {:<21} {:<24} {}\n",
            "cards.registry_key",
            status,
            escape_controls(name)
        ));
    }
    if !data {
        let unknown = fit.unknown();
        if unknown.is_empty() {
            s.push_str("\nevery column of the header is read\n");
        } else {
            s.push_str(&format!(
                "\ncolumns kigen does not read ({}): {}\n",
                unknown.len(),
                unknown
                    .iter()
                    .map(|i| format!("{} {}", i + 1, escape_controls(&fit.headers[*i])))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    s
}
