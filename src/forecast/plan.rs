//! The forecast's packets and nights (SPEC 12, SPEC 15), pure: which
//! packets one resident will be sent ahead, of the kinds `select` decides
//! (card, certificate, residence, tokutei), and the capped plan of the
//! nights over all of them, night by night through [`plan_night`].

use chrono::{Days, NaiveDate};

use crate::rules::{months_before, Evaluation, ExpirySource, ItemKind};
use crate::select::{plan_night, NoticeKind};

/// The letters the profile gives beside the card and certificate notices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Letters {
    /// `[letter.residence] lead`, when that letter is enabled.
    pub(crate) residence_lead: Option<u32>,
    /// `[letter.tokutei] lead`, when the profile gives that letter.
    pub(crate) tokutei_lead: Option<u32>,
}

/// One packet ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Packet {
    /// The first night it is due.
    pub(crate) night: NaiveDate,
    /// Its kind.
    pub(crate) kind: NoticeKind,
    /// The items it covers.
    pub(crate) items: Vec<ItemKind>,
    /// The earliest expiry of those items (what `[nightly]` plans by).
    pub(crate) earliest: NaiveDate,
}

/// The packets one resident will be sent from `from` to `until`: on the
/// first day an item is due, a card or certificate notice goes out with
/// every item due that day; the next notice waits for the next item not
/// yet covered. Packets due before `from` (sent on an earlier night) are
/// not counted. The residence letter (the card's E decided by the period
/// of stay) and the tokutei letter (a card 出入国在留管理庁 renews) go on
/// the first night of their window on which no card or certificate notice
/// goes, as [`crate::select::select`] orders them; without those letters,
/// such items get no packet.
pub(crate) fn packets_ahead(
    ev: &Evaluation,
    from: NaiveDate,
    until: NaiveDate,
    letters: Letters,
) -> Vec<Packet> {
    let immigration = ev.card_kind.by_immigration();
    let mut items: Vec<(NaiveDate, NaiveDate, ItemKind)> = ev
        .items()
        .filter(|i| i.source != ExpirySource::ResidencePeriod)
        .filter(|i| !(immigration && i.kind == ItemKind::Card))
        .map(|i| (months_before(i.expiry, i.lead_months), i.expiry, i.kind))
        .filter(|(start, _, _)| *start >= from && *start < until)
        .collect();
    items.sort();
    let mut out: Vec<Packet> = Vec::new();
    let mut covered = vec![false; items.len()];
    for i in 0..items.len() {
        if covered[i] {
            continue;
        }
        let night = items[i].0;
        let mut due = Vec::new();
        let mut earliest = items[i].1;
        for (j, (start, expiry, kind)) in items.iter().enumerate() {
            if !covered[j] && *start <= night && night < *expiry {
                covered[j] = true;
                due.push(*kind);
                earliest = earliest.min(*expiry);
            }
        }
        let kind = if due.contains(&ItemKind::Card) {
            NoticeKind::Card
        } else {
            NoticeKind::Certificate
        };
        out.push(Packet {
            night,
            kind,
            items: due,
            earliest,
        });
    }
    if let Some(letter) = letter_ahead(ev, &out, letters) {
        if letter.night >= from && letter.night < until {
            out.push(letter);
            out.sort_by_key(|p| p.night);
        }
    }
    out
}

/// The residence or tokutei letter of one resident, if the profile gives
/// it and the card calls for it; on the first night of its window that no
/// card or certificate notice in `regular` takes.
fn letter_ahead(ev: &Evaluation, regular: &[Packet], letters: Letters) -> Option<Packet> {
    let card = ev.card?;
    let (kind, lead) = if ev.card_kind.by_immigration() {
        (NoticeKind::Tokutei, letters.tokutei_lead?)
    } else if card.source == ExpirySource::ResidencePeriod {
        (NoticeKind::Residence, letters.residence_lead?)
    } else {
        return None;
    };
    let mut night = months_before(card.expiry, lead);
    while regular.iter().any(|p| p.night == night) {
        night = night.checked_add_days(Days::new(1))?;
    }
    if night >= card.expiry {
        return None;
    }
    let items: Vec<ItemKind> = if kind == NoticeKind::Tokutei {
        vec![ItemKind::Card]
    } else {
        ev.items()
            .filter(|i| i.source == ExpirySource::ResidencePeriod)
            .filter(|i| months_before(i.expiry, lead) <= night && night < i.expiry)
            .map(|i| i.kind)
            .collect()
    };
    let earliest = items
        .iter()
        .filter_map(|k| ev.item(*k))
        .map(|i| i.expiry)
        .min()
        .unwrap_or(card.expiry);
    Some(Packet {
        night,
        kind,
        items,
        earliest,
    })
}

/// One night of the capped plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NightPlan {
    /// Packets printed that night.
    pub(crate) printed: u64,
    /// Packets due but deferred to a later night.
    pub(crate) deferred: u64,
    /// Packets that first came due that night and wait at least one night.
    pub(crate) newly_deferred: u64,
    /// Packets printed later than their last safe night (`min_notice_days`
    /// before the earliest expiry, or the night they came due when that is
    /// later), or reaching their expiry unprinted: never, by
    /// [`plan_night`]'s rule; counted so the forecast shows it.
    pub(crate) late: u64,
}

/// The capped plan over the nights from `from` (`nights` of them): each
/// night, the packets due and not yet printed are planned by
/// [`plan_night`] (nearest expiry first, then the code; the last safe
/// night prints whatever the cap). `packets` are (first night due,
/// earliest expiry, 住民コード). Packets still waiting after the last
/// night are not in any night's `printed`.
pub(crate) fn plan_nights(
    packets: &[(NaiveDate, NaiveDate, String)],
    from: NaiveDate,
    nights: usize,
    cap: Option<u32>,
    min_notice_days: u32,
) -> Vec<NightPlan> {
    let mut order: Vec<usize> = (0..packets.len()).collect();
    order.sort_by(|&a, &b| packets[a].cmp(&packets[b]));
    let mut next = 0usize;
    let mut waiting: Vec<(usize, bool)> = Vec::new();
    let mut out = vec![NightPlan::default(); nights];
    for (n, plan) in out.iter_mut().enumerate() {
        let Some(night) = from.checked_add_days(Days::new(n as u64)) else {
            break;
        };
        while next < order.len() && packets[order[next]].0 <= night {
            waiting.push((order[next], false));
            next += 1;
        }
        // A packet that reached its expiry unprinted lapsed unnoticed.
        let before = waiting.len();
        waiting.retain(|(i, _)| packets[*i].1 > night);
        plan.late += (before - waiting.len()) as u64;
        let cands: Vec<(NaiveDate, &str)> = waiting
            .iter()
            .map(|(i, _)| (packets[*i].1, packets[*i].2.as_str()))
            .collect();
        let printed = plan_night(&cands, night, cap, min_notice_days);
        let mut still = Vec::new();
        for ((i, was_deferred), p) in waiting.iter().zip(printed) {
            let (due, expiry, _) = &packets[*i];
            if p {
                plan.printed += 1;
                let last = expiry
                    .checked_sub_days(Days::new(u64::from(min_notice_days)))
                    .unwrap_or(*expiry);
                if night > last.max(*due) {
                    plan.late += 1;
                }
            } else {
                plan.deferred += 1;
                if !was_deferred {
                    plan.newly_deferred += 1;
                }
                still.push((*i, true));
            }
        }
        waiting = still;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_capped_plan_defers_the_farthest_and_prints_everyone_in_time() {
        // Five packets due on the first night, expiries 90 days on (A-D)
        // and 61 days on (E); cap 2, min_notice_days 60.
        let from = d("2027-01-01");
        let mut p: Vec<(NaiveDate, NaiveDate, String)> = ["A", "B", "C", "D"]
            .iter()
            .map(|c| (from, d("2027-04-01"), c.to_string()))
            .collect();
        p.push((from, d("2027-03-03"), "E".into()));
        let plan = plan_nights(&p, from, 40, Some(2), 60);
        assert_eq!(plan[0].printed, 2, "E (nearest) and A");
        assert_eq!(plan[0].deferred, 3);
        assert_eq!(plan[0].newly_deferred, 3);
        assert_eq!(plan[1].printed, 2);
        assert_eq!(plan[1].newly_deferred, 0);
        assert_eq!(plan[2].printed, 1);
        assert_eq!(plan.iter().map(|n| n.printed).sum::<u64>(), 5);
        assert!(plan.iter().all(|n| n.late == 0));
        // No cap: everyone the night they are due.
        let plan = plan_nights(&p, from, 40, None, 60);
        assert_eq!(plan[0].printed, 5);
        assert_eq!(plan[0].deferred, 0);
        // Cap 1, ten due the same night, all 61 days from expiry: night 0
        // prints one, night 1 (60 days left) prints the other nine.
        let p: Vec<(NaiveDate, NaiveDate, String)> = (0..10)
            .map(|i| (from, d("2027-03-03"), format!("R{i}")))
            .collect();
        let plan = plan_nights(&p, from, 5, Some(1), 60);
        assert_eq!(plan[0].printed, 1);
        assert_eq!(plan[1].printed, 9);
        assert!(plan.iter().all(|n| n.late == 0));
    }
}
