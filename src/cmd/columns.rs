//! `kigen columns`: an export's header row against the profile's columns,
//! for whoever maps a new vendor's export. Reads the header row only: no
//! data row's values are ever printed.

use std::io::Write;

use super::load_profile;
use crate::cli::ColumnsArgs;
use crate::error::Result;
use crate::model::{Field, InputEncoding};
use crate::registry::columns::{HeaderFit, Placement};
use crate::registry::stream::read_header_row;
use crate::registry::RecordStream;
use crate::text::escape_controls;

/// Prints the header, each key's place and the unread columns; the exit
/// code is 0, or the run's own header error (exit 2) when a mapped column
/// is missing.
pub fn run(args: ColumnsArgs) -> Result<i32> {
    let profile = load_profile(&args.profile)?;
    let encoding = args.encoding.unwrap_or(profile.settings.input.encoding);
    let columns = &profile.settings.columns;
    let mut stream = RecordStream::open(&args.input)?;
    let row = read_header_row(&mut stream, encoding)?;
    let fit = HeaderFit::new(row.fields.clone(), columns);
    let error = fit.error();
    if error.is_some() {
        if let Some(e) = row.wrong_encoding(&args.input, encoding, columns) {
            return Err(e);
        }
    }
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
    match error {
        Some(e) => Err(e),
        None => {
            let _ = writeln!(o, "every column the profile maps is in the header");
            Ok(0)
        }
    }
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
