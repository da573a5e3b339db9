//! `kigen history --state F --resident CODE [--json]`: what the ledger
//! records of one resident (SPEC 12), one event per line, by date; or
//! `--name NAME [--birth DATE]`, a clerk's lookup (SPEC 14).
//!
//! Each packet issued to the resident is a `notice` event with its items
//! and expiries, its batch and print file, and whether its batch was
//! withdrawn; each reprint (`kigen reprint`, SPEC 11) a `reprint` event and
//! each piece returned (`kigen returned`) a `return` event, carrying the
//! document number they refer to, sorted in by date. The JSON is a list of
//! events, each with a `type`.

use std::io::Write;

use crate::cli::HistoryArgs;
use crate::error::{Error, Result};
use crate::ledger::{packet_kind, Event, Ledger, Voided};
use crate::text::escape_controls;

/// An event as `--json` writes it.
fn event_json(event: &Event<'_>) -> serde_json::Value {
    match event {
        Event::Notice(items) => {
            let first = items[0];
            serde_json::json!({
                "type": "notice",
                "date": first.as_of.to_string(),
                "batch_id": first.batch_id,
                "document_number": first.document_number,
                "kind": packet_kind(items),
                "items": items.iter().map(|n| serde_json::json!({
                    "item": n.item.key(),
                    "expiry": n.expiry.to_string(),
                })).collect::<Vec<_>>(),
                "print_file": first.print_file,
                "first_page": first.first_page,
                "pages": first.pages,
                "void": first.void.as_ref().map(void_json),
                "imported_from": first.place.imported_from,
                "archived_to": first.place.archived_to,
                "purged_on": first.place.purged_on,
            })
        }
        Event::Reprint(r) => serde_json::json!({
            "type": "reprint",
            "date": r.reprinted_on.to_string(),
            "batch_id": r.batch_id,
            "document_number": r.document_number,
            "original": r.original,
            "reason": r.reason,
            "file": r.file,
            "pages": r.pages,
            "postal_code": r.address.postal_code,
        }),
        Event::Return(r) => serde_json::json!({
            "type": "return",
            "date": r.record.returned_on.to_string(),
            "batch_id": r.record.batch_id,
            "document_number": r.record.document_number,
            "reason": r.record.reason.key(),
            "reason_text": r.record.reason.label(),
            "recorded_on": r.recorded_on,
            "resolved_on": r.resolved.as_ref().map(|(on, _)| on),
            "resolution": r.resolved.as_ref().map(|(_, note)| note),
        }),
    }
}

fn void_json(v: &Voided) -> serde_json::Value {
    serde_json::json!({ "reason": v.reason, "moved_to": v.moved_to })
}

/// Prints the resident's history; 0 (also when the ledger has nothing of
/// them), 2 when the ledger cannot be read.
pub(crate) fn run(args: HistoryArgs) -> Result<i32> {
    if let Some(name) = &args.name {
        return by_name(&args, name);
    }
    if args.birth.is_some() {
        return Err(Error::Usage(
            "--birth goes with --name (a clerk's lookup by name and birth date)".into(),
        ));
    }
    let code = args.resident.as_deref().unwrap_or("").trim();
    if code.is_empty() {
        return Err(Error::Usage("--resident: give a 住民コード".into()));
    }
    let history = Ledger::open_for_reading(&args.state)?.history_of(code)?;
    let events = history.events();
    let mut o = std::io::stdout().lock();
    if args.json {
        let doc = serde_json::json!({
            "resident_code": code,
            "events": events.iter().map(event_json).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::Internal(format!("history: {e}")))?;
        let _ = writeln!(o, "{text}");
        return Ok(0);
    }
    let shown = escape_controls(code);
    let _ = writeln!(
        o,
        "kigen history: resident {shown} ({})",
        args.state.display()
    );
    print_events(&mut o, &shown, &events);
    Ok(0)
}

/// `--name NAME [--birth DATE]`: every resident whose printed name folds
/// to NAME's fold, each with their 住民コード and history. The ledger keeps
/// the names printed on packets but no birth date: `--birth` is checked
/// and repeated for the clerk to confirm against the registry, never used
/// to drop a match (a match dropped on a guess would hide a notice).
fn by_name(args: &HistoryArgs, name: &str) -> Result<i32> {
    let wanted = crate::text::fold_name(name);
    if wanted.is_empty() {
        return Err(Error::Usage("--name: give a name (氏名)".into()));
    }
    let birth = match &args.birth {
        Some(b) => Some(crate::wareki::parse_date(b.trim()).map_err(|e| {
            Error::Usage(format!(
                "--birth {}: {e} (YYYY-MM-DD or 和暦 such as 昭和55年1月15日)",
                escape_controls(b)
            ))
        })?),
        None => None,
    };
    let ledger = Ledger::open_for_reading(&args.state)?;
    let matches = ledger.residents_named(&wanted)?;
    let birth_note = birth.map(|b| {
        format!("the ledger records no birth dates: confirm the birth date {b} against the registry for each 住民コード")
    });
    let mut o = std::io::stdout().lock();
    let mut found = Vec::new();
    for (code, names) in &matches {
        found.push((code, names, ledger.history_of(code)?));
    }
    if args.json {
        let doc = serde_json::json!({
            "name": name,
            "birth": birth.map(|b| b.to_string()),
            "birth_matched": false,
            "matches": found.iter().map(|(code, names, history)| serde_json::json!({
                "resident_code": code,
                "names": names,
                "events": history.events().iter().map(event_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::Internal(format!("history: {e}")))?;
        let _ = writeln!(o, "{text}");
        return Ok(0);
    }
    let _ = writeln!(
        o,
        "kigen history: name {} ({}): {} resident(s) (names compared without width and spaces)",
        escape_controls(name),
        args.state.display(),
        found.len()
    );
    if let Some(note) = &birth_note {
        let _ = writeln!(o, "note: {note}");
    }
    for (code, names, history) in &found {
        let shown = escape_controls(code);
        let printed: Vec<String> = names
            .iter()
            .map(|n| escape_controls(n).into_owned())
            .collect();
        let _ = writeln!(o);
        let _ = writeln!(o, "resident {shown}  printed as {}", printed.join(" / "));
        print_events(&mut o, &shown, &history.events());
    }
    Ok(0)
}

/// Where a notice's batch is when it is not a printed batch in --out.
fn place_note(p: &crate::ledger::BatchPlace) -> String {
    let mut s = String::new();
    if let Some(f) = &p.imported_from {
        s.push_str(&format!(
            "  IMPORTED from {} (sent by the earlier process on this date)",
            escape_controls(f)
        ));
    }
    if let Some(to) = &p.archived_to {
        s.push_str(&format!("  ARCHIVED to {}", escape_controls(to)));
    }
    if let Some(on) = &p.purged_on {
        s.push_str(&format!("  PURGED {on} (personal data erased)"));
    }
    s
}

/// One resident's events, one line each, and their count.
fn print_events(o: &mut impl Write, shown: &str, events: &[Event<'_>]) {
    if events.is_empty() {
        let _ = writeln!(o, "nothing recorded for {shown}");
        return;
    }
    for e in events {
        match e {
            Event::Notice(items) => {
                let first = items[0];
                let what: Vec<String> = items
                    .iter()
                    .map(|n| format!("{} {}", n.item.key(), n.expiry))
                    .collect();
                let status = match &first.void {
                    None => place_note(&first.place),
                    Some(v) => format!(
                        "  VOID: {} ({})",
                        escape_controls(&v.reason),
                        escape_controls(&v.moved_to)
                    ),
                };
                let _ = writeln!(
                    o,
                    "{}  notice  batch {}  {}  {}  [{}]  {} p.{}-{}{status}",
                    first.as_of,
                    first.batch_id,
                    escape_controls(&first.document_number),
                    packet_kind(items),
                    what.join(", "),
                    first.print_file,
                    first.first_page,
                    first.first_page + first.pages.saturating_sub(1),
                );
            }
            Event::Reprint(r) => {
                let _ = writeln!(
                    o,
                    "{}  reprint batch {}  {}  of {}  to 〒{}  {} ({} pages)  reason: {}",
                    r.reprinted_on,
                    r.batch_id,
                    escape_controls(&r.document_number),
                    escape_controls(&r.original),
                    r.address.postal_code,
                    escape_controls(&r.file),
                    r.pages,
                    escape_controls(&r.reason),
                );
            }
            Event::Return(r) => {
                let status = match &r.resolved {
                    None => "  OPEN".to_string(),
                    Some((on, note)) => format!("  resolved {on}: {}", escape_controls(note)),
                };
                let _ = writeln!(
                    o,
                    "{}  return  batch {}  {}  {} ({}){status}",
                    r.record.returned_on,
                    r.record.batch_id,
                    escape_controls(&r.record.document_number),
                    r.record.reason.key(),
                    r.record.reason.label(),
                );
            }
        }
    }
    let _ = writeln!(o, "{} event(s)", events.len());
}
