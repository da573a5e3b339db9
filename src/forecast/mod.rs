//! `kigen forecast` (SPEC 12): per month ahead, the items coming due and the
//! notices the rules will select, for the counter's staffing plan at the
//! renewal peak. Reads the export (and the card file) like a check, without
//! a ledger and without writing any row file: only the counts per month.

mod html;
mod plan;

use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};

use crate::error::{Error, Result};
use crate::files::create_private;
use crate::model::{CsvEncoding, InputEncoding, RowRead};
use crate::outputs::csvfile::CsvFile;
use crate::profile::Profile;
use crate::registry::{CardsFile, Export, ExportRow, RowSink};
use crate::rules::{evaluate, months_before, Evaluation, ExpirySource, ItemKind, RuleConfig};
use crate::select::NoticeKind;
use plan::{packets_ahead, plan_nights, Letters};

/// forecast.csv's columns.
pub(crate) const FORECAST_HEADER: [&str; 13] = [
    "month",
    "card",
    "user_cert",
    "sign_cert",
    "notices",
    "card_notices",
    "certificate_notices",
    "residence_notices",
    "tokutei_notices",
    "printed",
    "deferred",
    "busiest_night",
    "late",
];

/// One month of the forecast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Month {
    /// Items whose due period starts this month, per [`ItemKind::ALL`].
    pub(crate) items: [u64; 3],
    /// Notices the rules select this month (their first night due): card,
    /// certificate, residence and tokutei notices.
    pub(crate) notices: [u64; 4],
    /// The capped plan (`[nightly] max_pieces`, SPEC 15): packets printed
    /// this month (without a cap, the notices).
    pub(crate) printed: u64,
    /// Packets that first came due this month and wait at least one night.
    pub(crate) deferred: u64,
    /// The most packets printed on one night of the month.
    pub(crate) busiest_night: u64,
    /// Packets printed after their last safe night or lapsing unprinted
    /// (0 by the plan's rule: the forecast shows that it holds).
    pub(crate) late: u64,
}

/// A notice kind's index in [`Month::notices`].
fn kind_index(kind: NoticeKind) -> usize {
    match kind {
        NoticeKind::Card => 0,
        NoticeKind::Certificate => 1,
        NoticeKind::Residence => 2,
        NoticeKind::Tokutei => 3,
    }
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
    /// `[nightly] max_pieces`, when the plan is capped.
    pub(crate) max_pieces: Option<u32>,
    /// `[nightly] min_notice_days`.
    pub(crate) min_notice_days: u32,
    /// Packets still waiting after the last night (deferred past the
    /// forecast's end).
    pub(crate) waiting_at_end: u64,
    letters: Letters,
    /// Every packet ahead: (first night due, earliest expiry, 住民コード),
    /// for the nightly plan.
    packets: Vec<(NaiveDate, NaiveDate, String)>,
}

/// An item kind's index in [`Month::items`] ([`ItemKind::ALL`]'s order).
fn item_index(kind: ItemKind) -> usize {
    ItemKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// What the forecast plans with beside the rules.
#[derive(Debug, Clone, Copy)]
struct Nightly {
    max_pieces: Option<u32>,
    min_notice_days: u32,
    letters: Letters,
}

/// The first day of the month `n` months after `date`'s.
fn month_start(date: NaiveDate, n: u32) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    first.checked_add_months(Months::new(n)).unwrap_or(first)
}

impl Forecast {
    fn new(from: NaiveDate, months: u32, lead_months: u32, nightly: Nightly) -> Self {
        Forecast {
            lead_months,
            from,
            months: (0..months).map(|n| month_start(from, n)).collect(),
            counts: vec![Month::default(); months as usize],
            rows_read: 0,
            residents: 0,
            rejected: 0,
            max_pieces: nightly.max_pieces,
            min_notice_days: nightly.min_notice_days,
            waiting_at_end: 0,
            letters: nightly.letters,
            packets: Vec::new(),
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

    fn add(&mut self, code: &str, ev: &Evaluation) {
        self.residents += 1;
        let until = self.until();
        let immigration = ev.card_kind.by_immigration();
        for item in ev.items() {
            if item.source == ExpirySource::ResidencePeriod
                || (immigration && item.kind == ItemKind::Card)
            {
                continue;
            }
            let start = months_before(item.expiry, item.lead_months);
            if start >= self.from {
                if let Some(m) = self.month_of(start) {
                    self.counts[m].items[item_index(item.kind)] += 1;
                }
            }
        }
        for p in packets_ahead(ev, self.from, until, self.letters) {
            let Some(m) = self.month_of(p.night) else {
                continue;
            };
            self.counts[m].notices[kind_index(p.kind)] += 1;
            // The letters' items come due with the letter.
            if matches!(p.kind, NoticeKind::Residence | NoticeKind::Tokutei) {
                for k in &p.items {
                    self.counts[m].items[item_index(*k)] += 1;
                }
            }
            self.packets.push((p.night, p.earliest, code.to_string()));
        }
    }

    /// The nightly plan over the packets ahead, into the months' counts.
    fn plan(&mut self) {
        let nights = (self.until() - self.from).num_days().max(0) as usize;
        let plan = plan_nights(
            &self.packets,
            self.from,
            nights,
            self.max_pieces,
            self.min_notice_days,
        );
        let mut night = self.from;
        for n in &plan {
            if let Some(m) = self.month_of(night) {
                let c = &mut self.counts[m];
                c.printed += n.printed;
                c.deferred += n.newly_deferred;
                c.busiest_night = c.busiest_night.max(n.printed);
                c.late += n.late;
            }
            night = night.succ_opt().unwrap_or(night);
        }
        self.waiting_at_end = plan.last().map_or(0, |n| n.deferred);
    }

    fn merge(&mut self, other: &Forecast) {
        self.rows_read += other.rows_read;
        self.residents += other.residents;
        self.rejected += other.rejected;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            for k in 0..3 {
                a.items[k] += b.items[k];
            }
            for k in 0..4 {
                a.notices[k] += b.notices[k];
            }
        }
        self.packets.extend_from_slice(&other.packets);
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
    let settings = &profile.settings;
    let sink = ForecastSink {
        config: settings.rule_config(),
        from: req.from,
        months: req.months,
        lead: settings.rules.lead_months,
        nightly: Nightly {
            max_pieces: settings.nightly.max_pieces,
            min_notice_days: settings.nightly.min_notice_days,
            letters: Letters {
                residence_lead: settings.residence_letter().map(|r| r.lead),
                tokutei_lead: settings.tokutei_letter().map(|r| r.lead),
            },
        },
    };
    let mut total = sink.empty();
    export.read_rows(&first, &sink, |parts| {
        for part in &parts {
            total.merge(part);
        }
        Ok(())
    })?;
    total.plan();
    Ok(total)
}

/// The forecast as a sink of the export's rows: each run of rows counted
/// on a worker, the parts merged.
struct ForecastSink<'a> {
    config: RuleConfig<'a>,
    from: NaiveDate,
    months: u32,
    lead: u32,
    nightly: Nightly,
}

impl ForecastSink<'_> {
    fn empty(&self) -> Forecast {
        Forecast::new(self.from, self.months, self.lead, self.nightly)
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
                    Ok(ev) => f.add(&r.code, &ev),
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
                &c.notices.iter().sum::<u64>().to_string(),
                &c.notices[0].to_string(),
                &c.notices[1].to_string(),
                &c.notices[2].to_string(),
                &c.notices[3].to_string(),
                &c.printed.to_string(),
                &c.deferred.to_string(),
                &c.busiest_night.to_string(),
                &c.late.to_string(),
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

    const NO_CAP: Nightly = Nightly {
        max_pieces: None,
        min_notice_days: 60,
        letters: Letters {
            residence_lead: None,
            tokutei_lead: None,
        },
    };

    /// DOMAIN 10's worked example in the forecast: the residence letter is
    /// counted on 2026-12-31 when enabled (with its three items), and the
    /// resident gets nothing without it; a 特定在留カード gets no card notice,
    /// the tokutei letter when the profile gives one.
    #[test]
    fn the_forecast_counts_residence_and_tokutei_letters() {
        let mut ev = evaluate(
            &ItemDates {
                birth: Some(d("1994-01-20")),
                card_issued: Some(d("2024-04-10")),
                user_issued: Some(d("2024-04-10")),
                sign_issued: Some(d("2024-04-10")),
                stay_end: Some(d("2027-03-31")),
                ..ItemDates::default()
            },
            RuleConfig::default(),
        )
        .unwrap();
        let on = Nightly {
            letters: Letters {
                residence_lead: Some(3),
                tokutei_lead: None,
            },
            ..NO_CAP
        };
        let mut f = Forecast::new(d("2026-12-01"), 2, 3, on);
        f.add("F1", &ev);
        f.plan();
        assert_eq!(f.counts[0].notices, [0, 0, 1, 0]);
        assert_eq!(f.counts[0].items, [1, 1, 1]);
        assert_eq!(f.counts[0].printed, 1);
        let mut off = Forecast::new(d("2026-12-01"), 2, 3, NO_CAP);
        off.add("F1", &ev);
        assert_eq!(off.counts[0], Month::default());
        // A 特定在留カード: no residence letter, the tokutei letter if given.
        ev.card_kind = crate::rules::CardKind::Tokutei;
        let mut f = Forecast::new(d("2026-12-01"), 2, 3, on);
        f.add("T1", &ev);
        assert_eq!(f.counts[0].notices, [0; 4]);
        let tokutei = Nightly {
            letters: Letters {
                residence_lead: Some(3),
                tokutei_lead: Some(3),
            },
            ..NO_CAP
        };
        let mut f = Forecast::new(d("2026-12-01"), 2, 3, tokutei);
        f.add("T1", &ev);
        assert_eq!(f.counts[0].notices, [0, 0, 0, 1]);
        assert_eq!(f.counts[0].items, [1, 0, 0]);
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
        let none = Letters::default();
        let n = packets_ahead(&ev, d("2026-10-01"), d("2027-10-01"), none);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].night, d("2026-10-18"));
        assert_eq!(n[0].kind, NoticeKind::Card);
        assert_eq!(n[0].items.len(), 3);
        // From a day after the window opened: already noticed, not counted.
        assert!(packets_ahead(&ev, d("2026-10-19"), d("2027-10-01"), none).is_empty());
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
        let n = packets_ahead(&ev, d("2026-09-01"), d("2027-09-01"), Letters::default());
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, NoticeKind::Certificate);
        assert_eq!(n[0].items, vec![ItemKind::UserCert]);
        let mut f = Forecast::new(d("2026-09-15"), 12, 3, NO_CAP);
        f.add("A1", &ev);
        f.plan();
        // 2026-10-18 is in the second month (2026-10).
        assert_eq!(f.counts[1].notices, [0, 1, 0, 0]);
        assert_eq!(f.counts[1].printed, 1);
        assert_eq!(f.counts[1].items, [0, 1, 0]);
        assert_eq!(f.months[0], d("2026-09-01"));
    }
}
