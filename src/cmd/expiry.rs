//! `kigen expiry`: one resident's expiry dates, for the counter.

use super::{load_profile, parse_cli_date};
use crate::cli::ExpiryArgs;
use crate::error::{Error, Result};
use crate::outputs::iso;
use crate::rules::{self, AgeBasis, Feb29Rule, ItemDates};
use crate::wareki::Eras;

/// Computes and prints one resident's expiries.
pub(crate) fn run(args: ExpiryArgs) -> Result<i32> {
    let ExpiryArgs {
        birth,
        issued,
        applied,
        stay_end,
        age_basis,
        feb29,
        profile,
        json,
    } = args;

    let profile = load_profile(&profile)?;
    let mut config = profile.settings.rule_config();
    if let Some(b) = age_basis {
        config.age_basis = match b.as_str() {
            "application" => AgeBasis::Application,
            "issue" => AgeBasis::Issue,
            _ => return Err(Error::Usage("--age-basis: application or issue".into())),
        };
    }
    if let Some(f) = feb29 {
        config.feb29 = match f.as_str() {
            "feb28" => Feb29Rule::Feb28,
            "mar1" => Feb29Rule::Mar1,
            _ => return Err(Error::Usage("--feb29: feb28 or mar1".into())),
        };
    }
    let birth = parse_cli_date("birth", &birth)?;
    let issued = parse_cli_date("issued", &issued)?;
    let applied = applied
        .as_deref()
        .map(|a| parse_cli_date("applied", a))
        .transpose()?;
    let stay_end = stay_end
        .as_deref()
        .map(|a| parse_cli_date("stay-end", a))
        .transpose()?;
    let dates = ItemDates::at_counter(birth, issued, applied, stay_end);
    let ev = rules::evaluate(&dates, config)
        .map_err(|e| Error::Usage(format!("cannot compute: {e:?}")))?;
    let generation = ev
        .generation
        .and_then(|g| config.table().get(g))
        .map(|g| g.name.as_str())
        .unwrap_or("");
    print_expiry(&ev, generation, &profile.eras, json);
    Ok(0)
}

/// Prints the expiries (和暦 in the profile's era table), each with the rule
/// generation that decided it (SPEC 15: chosen by the card's issue date).
fn print_expiry(ev: &rules::Evaluation, generation: &str, eras: &Eras, json: bool) {
    let source = |s: rules::ExpirySource| match s {
        rules::ExpirySource::Recorded => "recorded",
        rules::ExpirySource::Computed => "computed",
        rules::ExpirySource::ResidencePeriod => "residence-period",
    };
    if json {
        let mut m = serde_json::Map::new();
        for k in rules::ItemKind::ALL {
            let v = match ev.item(k) {
                Some(i) => serde_json::json!({
                    "expiry": iso(Some(i.expiry)),
                    "wareki": eras.format_with_weekday(i.expiry),
                    "source": source(i.source),
                    "generation": generation,
                    "lead_months": i.lead_months,
                }),
                None => serde_json::Value::Null,
            };
            m.insert(k.key().to_string(), v);
        }
        let findings: Vec<serde_json::Value> = ev
            .findings
            .iter()
            .map(|f| serde_json::json!({"code": f.code(), "detail": f.detail()}))
            .collect();
        m.insert("exceptions".into(), serde_json::Value::Array(findings));
        println!("{}", serde_json::Value::Object(m));
        return;
    }
    for k in rules::ItemKind::ALL {
        match ev.item(k) {
            Some(i) => println!(
                "{:<24} {}  {}  ({}, generation {}, due {} months before)",
                k.label(),
                iso(Some(i.expiry)),
                eras.format_with_weekday(i.expiry).unwrap_or_default(),
                source(i.source),
                generation,
                i.lead_months
            ),
            None => println!("{:<24} 発行なし", k.label()),
        }
    }
    for f in &ev.findings {
        println!("note: {}: {}", f.code(), f.detail());
    }
}
