//! `kigen forecast` (SPEC 12): per month ahead, the items coming due and the
//! notices the rules will select, for the counter's staffing plan at the
//! renewal peak. Reads the export (and the card file) like a check, without
//! a ledger and without writing any row file: only the counts per month.

mod html;

use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};

use crate::error::{Error, Result};
use crate::files::create_private;
use crate::model::{CsvEncoding, InputEncoding, RowRead};
use crate::outputs::csvfile::CsvFile;
use crate::profile::Profile;
use crate::registry::{CardsFile, Export, ExportRow, RowSink};
use crate::rules::{evaluate, months_before, Evaluation, ExpirySource, ItemKind, RuleConfig};

/// forecast.csv's columns.
pub(crate) const FORECAST_HEADER: [&str; 7] = [
    "month",
    "card",
    "user_cert",
    "sign_cert",
    "notices",
    "card_notices",
    "certificate_notices",
];

/// One month of the forecast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Month {
    /// Items whose due period starts this month, per [`ItemKind::ALL`].
    pub(crate) items: [u64; 3],
    /// Notices the rules select this month: card notices, certificate
    /// notices.
    pub(crate) notices: [u64; 2],
}

/// The forecast: months from `from`'s month on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forecast {
    /// The first day counted.
    pub(crate) from: NaiveDate,
    /// The first day of each month counted (the first month starts at
    /// `from`).
    pub(crate) months: Vec<NaiveDate>,
    /// Counts per month.
    pub(crate) counts: Vec<Month>,
    /// Data rows read.
    pub(crate) rows_read: u64,
    /// 住民 rows forecast.
    pub(crate) residents: u64,
    /// Rows not forecast because they would be rejected.
    pub(crate) rejected: u64,
    /// `[rules] lead_months`: how long before the expiry an item of the
    /// `current` generation is due (each item uses its own generation's).
    pub(crate) lead_months: u32,
}

/// The notices one resident will be sent from `from` on (a pure function
/// of the rules' items): on the first day an item is due, a notice goes
/// out with every item due that day; the next notice waits for the next
/// item not yet covered. Items already due before `from` (noticed on an
/// earlier night) and items decided by the period of stay (no notice) are
/// not counted. Returns (date, card notice?, items) in date order.
pub(crate) fn notices_ahead(
    ev: &Evaluation,
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<(NaiveDate, bool, Vec<ItemKind>)> {
    let mut items: Vec<(NaiveDate, NaiveDate, ItemKind)> = ev
        .items()
        .filter(|i| i.source != ExpirySource::ResidencePeriod)
        .map(|i| (months_before(i.expiry, i.lead_months), i.expiry, i.kind))
        .filter(|(start, _, _)| *start >= from && *start < until)
        .collect();
    items.sort();
    let mut out: Vec<(NaiveDate, bool, Vec<ItemKind>)> = Vec::new();
    let mut covered = vec![false; items.len()];
    for i in 0..items.len() {
        if covered[i] {
            continue;
        }
        let night = items[i].0;
        let mut due = Vec::new();
        for (j, (start, expiry, kind)) in items.iter().enumerate() {
            if !covered[j] && *start <= night && night < *expiry {
                covered[j] = true;
                due.push(*kind);
            }
        }
        let card = due.contains(&ItemKind::Card);
        out.push((night, card, due));
    }
    out
}

/// The first day of the month `n` months after `date`'s.
fn month_start(date: NaiveDate, n: u32) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    first.checked_add_months(Months::new(n)).unwrap_or(first)
}

impl Forecast {
    fn new(from: NaiveDate, months: u32, lead_months: u32) -> Self {
        Forecast {
            lead_months,
            from,
            months: (0..months).map(|n| month_start(from, n)).collect(),
            counts: vec![Month::default(); months as usize],
            rows_read: 0,
            residents: 0,
            rejected: 0,
        }
    }

    /// The day after the last month.
    fn until(&self) -> NaiveDate {
        month_start(self.from, self.months.len() as u32)
    }

    fn month_of(&self, date: NaiveDate) -> Option<usize> {
        let n = (date.year() - self.from.year()) * 12 + date.month0() as i32
            - self.from.month0() as i32;
        usize::try_from(n).ok().filter(|n| *n < self.counts.len())
    }

    fn add(&mut self, ev: &Evaluation) {
        self.residents += 1;
        let until = self.until();
        for item in ev.items() {
            if item.source == ExpirySource::ResidencePeriod {
                continue;
            }
            let start = months_before(item.expiry, item.lead_months);
            if start >= self.from {
                if let Some(m) = self.month_of(start) {
                    let k = ItemKind::ALL
                        .iter()
                        .position(|k| *k == item.kind)
                        .unwrap_or(0);
                    self.counts[m].items[k] += 1;
                }
            }
        }
        for (night, card, _) in notices_ahead(ev, self.from, until) {
            if let Some(m) = self.month_of(night) {
                self.counts[m].notices[usize::from(!card)] += 1;
            }
        }
    }

    fn merge(&mut self, other: &Forecast) {
        self.rows_read += other.rows_read;
        self.residents += other.residents;
        self.rejected += other.rejected;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            for k in 0..3 {
                a.items[k] += b.items[k];
            }
            for k in 0..2 {
                a.notices[k] += b.notices[k];
            }
        }
    }
}

/// What a forecast reads.
pub(crate) struct ForecastRequest<'a> {
    /// The registry export.
    pub(crate) input: PathBuf,
    /// Its encoding.
    pub(crate) encoding: InputEncoding,
    /// The card file, if any.
    pub(crate) cards: Option<CardsFile>,
    /// The profile.
    pub(crate) profile: &'a Profile,
    /// The first day (the next night's date, usually).
    pub(crate) from: NaiveDate,
    /// How many months (1-60).
    pub(crate) months: u32,
}

/// Reads the export and counts, month by month.
pub(crate) fn forecast(req: &ForecastRequest<'_>) -> Result<Forecast> {
    if !(1..=60).contains(&req.months) {
        return Err(Error::Usage(format!(
            "--months {}: must be 1 to 60",
            req.months
        )));
    }
    let profile = req.profile;
    let export = Export {
        input: &req.input,
        encoding: req.encoding,
        profile,
        cards: req.cards.as_ref(),
    };
    let first = export.first_pass()?;
    let sink = ForecastSink {
        config: profile.settings.rule_config(),
        from: req.from,
        months: req.months,
        lead: profile.settings.rules.lead_months,
    };
    let mut total = sink.empty();
    export.read_rows(&first, &sink, |parts| {
        for part in &parts {
            total.merge(part);
        }
        Ok(())
    })?;
    Ok(total)
}

/// The forecast as a sink of the export's rows: each run of rows counted
/// on a worker, the parts merged.
struct ForecastSink<'a> {
    config: RuleConfig<'a>,
    from: NaiveDate,
    months: u32,
    lead: u32,
}

impl ForecastSink<'_> {
    fn empty(&self) -> Forecast {
        Forecast::new(self.from, self.months, self.lead)
    }
}

impl RowSink for ForecastSink<'_> {
    type Chunk = Forecast;

    fn chunk(&self, rows: &mut dyn Iterator<Item = ExportRow>) -> Forecast {
        let mut f = self.empty();
        for row in rows {
            f.rows_read += 1;
            match row.read {
                RowRead::Resident(r) => match evaluate(&r.dates, self.config) {
                    Ok(ev) => f.add(&ev),
                    Err(_) => f.rejected += 1,
                },
                RowRead::Rejected(_) => f.rejected += 1,
                RowRead::Excluded { .. } => {}
            }
        }
        f
    }
}

/// Writes forecast.csv and forecast.html into `dir` (created 0700).
pub(crate) fn write_forecast(
    dir: &Path,
    f: &Forecast,
    profile: &Profile,
    encoding: CsvEncoding,
) -> Result<()> {
    crate::files::create_output_dir(dir, "--out")?;
    let mut text = String::new();
    for (m, c) in f.months.iter().zip(&f.counts) {
        crate::outputs::csvfile::push_record(
            &mut text,
            &[
                format!("{:04}-{:02}", m.year(), m.month()).as_str(),
                &c.items[0].to_string(),
                &c.items[1].to_string(),
                &c.items[2].to_string(),
                &(c.notices[0] + c.notices[1]).to_string(),
                &c.notices[0].to_string(),
                &c.notices[1].to_string(),
            ],
        );
    }
    let mut csv = CsvFile::create(&dir.join("forecast.csv"), &FORECAST_HEADER, encoding)?;
    csv.write_records(&text, f.counts.len() as u64)?;
    csv.finish()?;
    let path = dir.join("forecast.html");
    let mut out = create_private(&path)?;
    let page = html::page(f, &profile.settings.municipality.name);
    std::io::Write::write_all(&mut out, page.as_bytes()).map_err(|e| Error::io(&path, e))?;
    out.sync_all().map_err(|e| Error::io(&path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{ItemDates, RuleConfig};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn one_notice_carries_every_item_due_that_night() {
        // Card (2017) and certificates (renewed 2022) expire on the same
        // birthday, 2027-01-18: one card notice, three items, three months
        // before.
        let ev = evaluate(
            &ItemDates {
                birth: Some(d("1970-01-18")),
                card_issued: Some(d("2017-02-17")),
                user_issued: Some(d("2022-04-24")),
                sign_issued: Some(d("2022-04-24")),
                ..ItemDates::default()
            },
            RuleConfig::default(),
        )
        .unwrap();
        let n = notices_ahead(&ev, d("2026-10-01"), d("2027-10-01"));
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].0, d("2026-10-18"));
        assert!(n[0].1);
        assert_eq!(n[0].2.len(), 3);
        // From a day after the window opened: already noticed, not counted.
        assert!(notices_ahead(&ev, d("2026-10-19"), d("2027-10-01")).is_empty());
    }

    #[test]
    fn a_certificate_renewed_apart_gets_its_own_notice() {
        // A card issued 2022-04-24 lasts to 2032; its user certificate to
        // the fifth birthday after, 2027-01-18: a certificate notice.
        let ev = evaluate(
            &ItemDates {
                birth: Some(d("1970-01-18")),
                card_issued: Some(d("2022-04-24")),
                user_issued: Some(d("2022-04-24")),
                ..ItemDates::default()
            },
            RuleConfig::default(),
        )
        .unwrap();
        let n = notices_ahead(&ev, d("2026-09-01"), d("2027-09-01"));
        assert_eq!(n.len(), 1);
        assert!(!n[0].1, "a certificate notice");
        assert_eq!(n[0].2, vec![ItemKind::UserCert]);
        let mut f = Forecast::new(d("2026-09-15"), 12, 3);
        f.add(&ev);
        // 2026-10-18 is in the second month (2026-10).
        assert_eq!(f.counts[1].notices, [0, 1]);
        assert_eq!(f.counts[1].items, [0, 1, 0]);
        assert_eq!(f.months[0], d("2026-09-01"));
    }
}
