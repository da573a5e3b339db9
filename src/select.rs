//! Selection for a batch date: which items are due, and what becomes of the row.

use chrono::NaiveDate;

pub use crate::rules::ItemKind;
use crate::rules::{months_before, Evaluation, ExpirySource, Item};

/// What became of one input row (outcomes.csv `outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Outcome {
    /// Unusable row: see rejects.csv.
    Rejected,
    /// 住民状態 other than 住民.
    Excluded,
    /// A current resident without a card (no カード発行日).
    NoItem,
    /// Items held, none due on the batch date.
    NotDue,
    /// Every item due has been noticed by an earlier batch (the ledger).
    AlreadyNoticed,
    /// Only an item decided by the period of stay is in its window: J-LIS sends
    /// no notice, and kigen sends none either unless `[letter.residence]` is
    /// enabled (then the row is `Printed` with kind `residence`).
    ResidencePeriod,
    /// The card in its window is a 特定在留カード or 特定特別永住者証明書
    /// (SPEC 15): 出入国在留管理庁 renews it, the city sends no card or
    /// residence letter (unless `[letter.tokutei]` is given: then the row is
    /// `Printed` with kind `tokutei`).
    ImmigrationCard,
    /// Due, but not printed tonight: `[nightly] max_pieces` was reached and
    /// the resident can still be noticed `min_notice_days` before the
    /// expiry (SPEC 15). The resident comes again the next night.
    Deferred,
    /// Due, but a name or address cannot be printed faithfully: see held.csv.
    Held,
    /// Due and printed (in `kigen check`: would be printed).
    Printed,
}

impl Outcome {
    /// Every outcome, in the order counts are reported.
    pub(crate) const ALL: [Outcome; 10] = [
        Outcome::Rejected,
        Outcome::Excluded,
        Outcome::NoItem,
        Outcome::NotDue,
        Outcome::AlreadyNoticed,
        Outcome::ResidencePeriod,
        Outcome::ImmigrationCard,
        Outcome::Deferred,
        Outcome::Held,
        Outcome::Printed,
    ];

    /// The outcomes.csv spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Rejected => "rejected",
            Outcome::Excluded => "excluded",
            Outcome::NoItem => "no-item",
            Outcome::NotDue => "not-due",
            Outcome::AlreadyNoticed => "already-noticed",
            Outcome::ResidencePeriod => "residence-period",
            Outcome::ImmigrationCard => "immigration-card",
            Outcome::Deferred => "deferred",
            Outcome::Held => "held",
            Outcome::Printed => "printed",
        }
    }

    /// Parses the outcomes.csv spelling.
    pub(crate) fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Which procedure a notice asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum NoticeKind {
    /// The card is due: apply for a new card (which renews the certificates).
    Card,
    /// Only certificates are due: renew them at a counter.
    Certificate,
    /// The card lapses with the period of stay (SPEC 15): renew the status
    /// of residence, then have the card's validity changed at a counter.
    Residence,
    /// The 特定在留カード lapses (SPEC 15): renew it at the
    /// 地方出入国在留管理官署 together with the residence procedure.
    Tokutei,
}

impl NoticeKind {
    /// The manifest spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Card => "card",
            NoticeKind::Certificate => "certificate",
            NoticeKind::Residence => "residence",
            NoticeKind::Tokutei => "tokutei",
        }
    }

    /// Parses the manifest spelling.
    pub(crate) fn parse(s: &str) -> Option<NoticeKind> {
        [
            NoticeKind::Card,
            NoticeKind::Certificate,
            NoticeKind::Residence,
            NoticeKind::Tokutei,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What the ledger knows: whether a notice was issued for an item's expiry.
pub trait NoticeLedger {
    /// True when a notice for (住民コード, item, E) was issued.
    fn noticed(&self, resident_code: &str, kind: ItemKind, expiry: NaiveDate) -> bool;
}

/// No ledger: nothing was ever noticed (`kigen check` without state).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLedger;

impl NoticeLedger for NoLedger {
    fn noticed(&self, _: &str, _: ItemKind, _: NaiveDate) -> bool {
        false
    }
}

/// The batch date, and the residence letter's lead. Each item carries its
/// own lead (its card generation's `lead_months`, SPEC 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// The batch date D.
    pub(crate) as_of: NaiveDate,
    /// `[letter.residence] lead` when the residence letter is enabled;
    /// `None`: items decided by the period of stay get no notice (today's
    /// behaviour).
    pub(crate) residence_lead: Option<u32>,
    /// `[letter.tokutei] lead` when the profile gives that letter; `None`:
    /// a 特定在留カード in its window is `immigration-card`, no notice.
    pub(crate) tokutei_lead: Option<u32>,
}

impl Window {
    /// E − lead ≤ D < E.
    pub(crate) fn contains(&self, expiry: NaiveDate, lead_months: u32) -> bool {
        months_before(expiry, lead_months) <= self.as_of && self.as_of < expiry
    }

    /// E ≤ D.
    pub(crate) fn expired(&self, expiry: NaiveDate) -> bool {
        expiry <= self.as_of
    }
}

/// The selection for one resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    /// The outcome before the printability check (never `Held`, `Rejected`
    /// or `Excluded`).
    pub(crate) outcome: Outcome,
    /// The notice kind when `outcome` is `Printed`.
    pub(crate) kind: Option<NoticeKind>,
    /// Items due (in the window, not decided by the period of stay, not
    /// noticed; with kind `residence`, the items the residence letter covers).
    pub(crate) due: Vec<ItemKind>,
    /// Items in the window but already noticed.
    pub(crate) noticed: Vec<ItemKind>,
    /// Items decided by the period of stay that are in their window.
    pub(crate) residence_in_window: Vec<ItemKind>,
    /// Expired items no notice was ever issued for (exceptions.csv).
    pub(crate) expired_unnoticed: Vec<Item>,
}

/// Selects a resident's due items (SPEC 2, selection; SPEC 15 for the
/// residence letter and the 特定在留カード).
pub(crate) fn select(
    resident_code: &str,
    ev: &Evaluation,
    window: Window,
    ledger: &dyn NoticeLedger,
) -> Selection {
    let mut sel = Selection {
        outcome: Outcome::NoItem,
        kind: None,
        due: Vec::new(),
        noticed: Vec::new(),
        residence_in_window: Vec::new(),
        expired_unnoticed: Vec::new(),
    };
    let Some(card) = ev.card else {
        return sel;
    };
    let by_immigration = ev.card_kind.by_immigration();
    let immigration = if by_immigration {
        immigration_card(resident_code, card, window, ledger)
    } else {
        ImmigrationCard::Quiet
    };
    if immigration == ImmigrationCard::Noticed {
        sel.noticed.push(ItemKind::Card);
    }
    let mut residence_due = Vec::new();
    // The card of an immigration-issued kind is not the city's to notice:
    // only its certificates go through the rules below.
    for item in ev
        .items()
        .filter(|i| !(by_immigration && i.kind == ItemKind::Card))
    {
        let by_stay = item.source == ExpirySource::ResidencePeriod;
        let letter_window = window
            .residence_lead
            .filter(|_| by_stay)
            .is_some_and(|lead| window.contains(item.expiry, lead));
        if letter_window {
            if ledger.noticed(resident_code, item.kind, item.expiry) {
                sel.noticed.push(item.kind);
            } else {
                residence_due.push(item.kind);
            }
        } else if window.contains(item.expiry, item.lead_months) {
            if by_stay {
                sel.residence_in_window.push(item.kind);
            } else if ledger.noticed(resident_code, item.kind, item.expiry) {
                sel.noticed.push(item.kind);
            } else {
                sel.due.push(item.kind);
            }
        } else if window.expired(item.expiry)
            && !by_stay
            && !ledger.noticed(resident_code, item.kind, item.expiry)
        {
            sel.expired_unnoticed.push(item);
        }
    }
    decide(&mut sel, residence_due, immigration);
    sel
}

/// Where a card 出入国在留管理庁 renews stands on the batch date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImmigrationCard {
    /// Out of its window (or expired: not the city's to list).
    Quiet,
    /// In its window with no `[letter.tokutei]`: counted, no notice.
    InWindow,
    /// In the `[letter.tokutei]` window, not yet noticed.
    LetterDue,
    /// In the `[letter.tokutei]` window, noticed by an earlier batch.
    Noticed,
}

/// The window of a 特定在留カード: `[letter.tokutei] lead` when the letter is
/// given; else the one the city's own card would have had (the residence
/// letter's when the period of stay decides it, the generation's otherwise).
fn immigration_card(
    resident_code: &str,
    card: crate::rules::Item,
    window: Window,
    ledger: &dyn NoticeLedger,
) -> ImmigrationCard {
    let by_stay = card.source == ExpirySource::ResidencePeriod;
    let lead = window
        .tokutei_lead
        .or(window.residence_lead.filter(|_| by_stay))
        .unwrap_or(card.lead_months);
    if !window.contains(card.expiry, lead) {
        ImmigrationCard::Quiet
    } else if window.tokutei_lead.is_none() {
        ImmigrationCard::InWindow
    } else if ledger.noticed(resident_code, ItemKind::Card, card.expiry) {
        ImmigrationCard::Noticed
    } else {
        ImmigrationCard::LetterDue
    }
}

/// The row's outcome and notice kind from what [`select`] sorted.
fn decide(sel: &mut Selection, residence_due: Vec<ItemKind>, immigration: ImmigrationCard) {
    // The residence letter is about the card: it goes when the card's E is
    // decided by the period of stay and in the letter's window. A
    // certificate due by its own rule the same night gets its certificate
    // notice first; the residence (or tokutei) letter follows on a later
    // night (the ledger keeps either from repeating).
    let card_by_letter = residence_due.contains(&ItemKind::Card);
    sel.outcome = if !sel.due.is_empty() {
        sel.kind = Some(if sel.due.contains(&ItemKind::Card) {
            NoticeKind::Card
        } else {
            NoticeKind::Certificate
        });
        sel.residence_in_window.extend(residence_due);
        Outcome::Printed
    } else if immigration == ImmigrationCard::LetterDue {
        sel.kind = Some(NoticeKind::Tokutei);
        sel.due = vec![ItemKind::Card];
        sel.residence_in_window.extend(residence_due);
        Outcome::Printed
    } else if immigration == ImmigrationCard::InWindow {
        sel.residence_in_window.extend(residence_due);
        Outcome::ImmigrationCard
    } else if card_by_letter {
        sel.kind = Some(NoticeKind::Residence);
        sel.due = residence_due;
        Outcome::Printed
    } else if !sel.residence_in_window.is_empty() || !residence_due.is_empty() {
        sel.residence_in_window.extend(residence_due);
        Outcome::ResidencePeriod
    } else if !sel.noticed.is_empty() {
        Outcome::AlreadyNoticed
    } else {
        Outcome::NotDue
    };
}

/// `[nightly] max_pieces` and `min_notice_days` (SPEC 15): which of
/// tonight's due packets are printed. Each candidate is (the earliest E of
/// its due items, 住民コード). The nearest expiry goes first (then the
/// code); a packet whose earliest E is at most `min_notice_days` away is at
/// its last safe night and is printed whatever the cap. Returns, per
/// candidate in the given order, true when it is printed tonight (false:
/// `deferred`, due again the next night). `cap` `None`: everyone.
pub(crate) fn plan_night(
    candidates: &[(NaiveDate, &str)],
    as_of: NaiveDate,
    cap: Option<u32>,
    min_notice_days: u32,
) -> Vec<bool> {
    let Some(cap) = cap else {
        return vec![true; candidates.len()];
    };
    let last_safe = |e: NaiveDate| (e - as_of).num_days() <= i64::from(min_notice_days);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| candidates[i]);
    let must = candidates.iter().filter(|(e, _)| last_safe(*e)).count();
    let mut room = (cap as usize).saturating_sub(must);
    let mut printed = vec![false; candidates.len()];
    for i in order {
        if last_safe(candidates[i].0) {
            printed[i] = true;
        } else if room > 0 {
            printed[i] = true;
            room -= 1;
        }
    }
    printed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{evaluate, ItemDates, RuleConfig};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn window(s: &str) -> Window {
        Window {
            as_of: d(s),
            residence_lead: None,
            tokutei_lead: None,
        }
    }

    fn adult_card(issued: &str) -> Evaluation {
        evaluate(
            &ItemDates {
                birth: Some(d("1980-05-31")),
                card_issued: Some(d(issued)),
                user_issued: Some(d(issued)),
                sign_issued: Some(d(issued)),
                ..ItemDates::default()
            },
            RuleConfig::default(),
        )
        .unwrap()
    }

    #[test]
    fn window_edges() {
        // E = 2027-05-31: due from 2027-02-28 (clamped) to 2027-05-30.
        let e = d("2027-05-31");
        assert!(!window("2027-02-27").contains(e, 3));
        assert!(window("2027-02-28").contains(e, 3));
        assert!(window("2027-05-30").contains(e, 3));
        assert!(!window("2027-05-31").contains(e, 3));
        assert!(window("2027-05-31").expired(e));
    }

    #[test]
    fn card_notice_when_card_due() {
        // Issued 2017-06-01: card 2027-05-31, certificates 2022-05-31 (expired).
        let ev = adult_card("2017-06-01");
        let sel = select("A1", &ev, window("2027-03-01"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::Printed);
        assert_eq!(sel.kind, Some(NoticeKind::Card));
        assert_eq!(sel.due, vec![ItemKind::Card]);
        assert_eq!(sel.expired_unnoticed.len(), 2);
    }

    #[test]
    fn certificate_notice_when_only_certs_due() {
        let ev = adult_card("2022-06-01"); // certs 2027-05-31, card 2032-05-31
        let sel = select("A1", &ev, window("2027-03-01"), &NoLedger);
        assert_eq!(sel.kind, Some(NoticeKind::Certificate));
        assert_eq!(sel.due, vec![ItemKind::UserCert, ItemKind::SignCert]);
        let sel = select("A1", &ev, window("2026-11-26"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::NotDue);
    }

    struct All;
    impl NoticeLedger for All {
        fn noticed(&self, _: &str, _: ItemKind, _: NaiveDate) -> bool {
            true
        }
    }

    #[test]
    fn ledger_makes_already_noticed() {
        let ev = adult_card("2022-06-01");
        let sel = select("A1", &ev, window("2027-03-01"), &All);
        assert_eq!(sel.outcome, Outcome::AlreadyNoticed);
        let sel = select("A1", &ev, window("2027-06-01"), &All);
        assert!(sel.expired_unnoticed.is_empty());
    }

    #[test]
    fn residence_period_items_are_never_due() {
        let ev = evaluate(
            &ItemDates {
                birth: Some(d("1990-01-15")),
                card_issued: Some(d("2024-01-10")),
                user_issued: Some(d("2024-01-10")),
                stay_end: Some(d("2027-02-01")),
                ..ItemDates::default()
            },
            RuleConfig::default(),
        )
        .unwrap();
        let sel = select("F1", &ev, window("2026-12-01"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::ResidencePeriod);
        assert!(sel.due.is_empty());
        // Expired by the period of stay: not an unnoticed expiry.
        let sel = select("F1", &ev, window("2027-03-01"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::NotDue);
        assert!(sel.expired_unnoticed.is_empty());
    }

    /// DOMAIN 10's worked example: a card issued 2024-04-10 to a
    /// 30-year-old with 在留期間の満了の日 2027-03-31 lapses on 2027-03-31
    /// (before the 10th birthday); with a 3-month lead the residence letter
    /// is due from 2026-12-31, and covers the certificates it caps.
    #[test]
    fn domain_10_residence_letter_worked_example() {
        let ev = evaluate(
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
        assert_eq!(ev.card.unwrap().expiry, d("2027-03-31"));
        let letter = |day: &str| Window {
            as_of: d(day),
            residence_lead: Some(3),
            tokutei_lead: None,
        };
        let sel = select("F1", &ev, letter("2026-12-30"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::NotDue);
        let sel = select("F1", &ev, letter("2026-12-31"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::Printed);
        assert_eq!(sel.kind, Some(NoticeKind::Residence));
        assert_eq!(sel.due, ItemKind::ALL.to_vec());
        let sel = select("F1", &ev, letter("2027-03-30"), &NoLedger);
        assert_eq!(sel.kind, Some(NoticeKind::Residence));
        // Noticed: not again; expired by the period of stay: not unnoticed.
        let sel = select("F1", &ev, letter("2027-01-15"), &All);
        assert_eq!(sel.outcome, Outcome::AlreadyNoticed);
        let sel = select("F1", &ev, letter("2027-03-31"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::NotDue);
        assert!(sel.expired_unnoticed.is_empty());
        // Disabled: today's outcome.
        let sel = select("F1", &ev, window("2027-01-15"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::ResidencePeriod);
    }

    /// SPEC 15: a 特定在留カード is renewed at 入管. The city sends no card
    /// or residence letter (`immigration-card`), or the tokutei letter when
    /// the profile gives one; the certificates follow their own rules.
    #[test]
    fn tokutei_card_is_not_the_citys_to_notice() {
        use crate::rules::CardKind;
        let mut ev = adult_card("2017-06-01"); // card 2027-05-31
        ev.card_kind = CardKind::Tokutei;
        let sel = select("T1", &ev, window("2027-03-01"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::ImmigrationCard);
        assert_eq!(sel.kind, None);
        assert!(sel.due.is_empty());
        // Only the certificates' expiries (2022) are unnoticed, not the card.
        let sel = select("T1", &ev, window("2027-06-01"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::NotDue);
        assert!(sel
            .expired_unnoticed
            .iter()
            .all(|i| i.kind != ItemKind::Card));
        let letter = |day: &str| Window {
            tokutei_lead: Some(3),
            ..window(day)
        };
        let sel = select("T1", &ev, letter("2027-03-01"), &NoLedger);
        assert_eq!(sel.outcome, Outcome::Printed);
        assert_eq!(sel.kind, Some(NoticeKind::Tokutei));
        assert_eq!(sel.due, vec![ItemKind::Card]);
        let sel = select("T1", &ev, letter("2027-03-01"), &All);
        assert_eq!(sel.outcome, Outcome::AlreadyNoticed);
        // Certificates due by their own rule: the certificate notice.
        let mut ev = adult_card("2022-06-01"); // certs 2027-05-31
        ev.card_kind = CardKind::TokuteiSpecial;
        let sel = select("T1", &ev, window("2027-03-01"), &NoLedger);
        assert_eq!(sel.kind, Some(NoticeKind::Certificate));
        assert_eq!(sel.due, vec![ItemKind::UserCert, ItemKind::SignCert]);
    }

    /// A 特定在留カード lapsing with the period of stay gets no residence
    /// letter, even with the letter on.
    #[test]
    fn tokutei_card_gets_no_residence_letter() {
        use crate::rules::CardKind;
        let mut ev = evaluate(
            &ItemDates {
                birth: Some(d("1994-01-20")),
                card_issued: Some(d("2024-04-10")),
                user_issued: Some(d("2024-04-10")),
                stay_end: Some(d("2027-03-31")),
                ..ItemDates::default()
            },
            RuleConfig::default(),
        )
        .unwrap();
        ev.card_kind = CardKind::Tokutei;
        let on = Window {
            as_of: d("2027-01-15"),
            residence_lead: Some(3),
            tokutei_lead: None,
        };
        let sel = select("T2", &ev, on, &NoLedger);
        assert_eq!(sel.outcome, Outcome::ImmigrationCard);
        assert_eq!(sel.kind, None);
    }

    /// Over consecutive nights with a cap: every due resident is printed
    /// exactly once, before the expiry and no later than its last safe
    /// night (or the night it became due, when that is later); no night
    /// exceeds the cap except by residents at their last safe night.
    mod capped_nights {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn every_due_resident_is_printed_once_and_in_time(
                // (first due night offset, days from due to expiry)
                people in proptest::collection::vec((0u32..60, 1u32..120), 0..80),
                cap in 1u32..6,
                min_notice in 1u32..70,
            ) {
                let start = d("2027-01-01");
                let residents: Vec<(NaiveDate, NaiveDate, String)> = people
                    .iter()
                    .enumerate()
                    .map(|(i, (from, span))| {
                        let due = start + chrono::Days::new(u64::from(*from));
                        (due, due + chrono::Days::new(u64::from(*span)), format!("R{i:03}"))
                    })
                    .collect();
                let mut printed_on: Vec<Option<NaiveDate>> = vec![None; residents.len()];
                for n in 0..200u64 {
                    let night = start + chrono::Days::new(n);
                    let due: Vec<usize> = (0..residents.len())
                        .filter(|&i| printed_on[i].is_none())
                        .filter(|&i| residents[i].0 <= night && night < residents[i].1)
                        .collect();
                    let cands: Vec<(NaiveDate, &str)> =
                        due.iter().map(|&i| (residents[i].1, residents[i].2.as_str())).collect();
                    let plan = plan_night(&cands, night, Some(cap), min_notice);
                    let mut over = 0usize;
                    let mut count = 0usize;
                    for (k, &i) in due.iter().enumerate() {
                        if plan[k] {
                            printed_on[i] = Some(night);
                            count += 1;
                            let safe = (residents[i].1 - night).num_days() <= i64::from(min_notice);
                            if !safe {
                                over += 1;
                            }
                        }
                    }
                    // Beyond the cap only residents at their last safe night.
                    prop_assert!(count <= cap as usize || over == 0);
                    prop_assert!(over <= cap as usize);
                }
                for (i, (due, expiry, code)) in residents.iter().enumerate() {
                    let on = printed_on[i];
                    prop_assert!(on.is_some(), "{} never printed", code);
                    let on = on.unwrap();
                    prop_assert!(on < *expiry, "{} lapsed before its notice", code);
                    let last = *expiry - chrono::Days::new(u64::from(min_notice));
                    prop_assert!(on <= last.max(*due), "{} printed after its last safe night", code);
                }
            }
        }

        #[test]
        fn nearest_expiry_first_then_code() {
            let n = d("2027-01-01");
            let c = [
                (d("2027-03-01"), "B"),
                (d("2027-02-01"), "Z"),
                (d("2027-03-01"), "A"),
            ];
            assert_eq!(plan_night(&c, n, Some(2), 10), [false, true, true]);
            assert_eq!(plan_night(&c, n, None, 10), [true, true, true]);
            // At the last safe night: printed over the cap.
            assert_eq!(plan_night(&c, n, Some(0), 31), [false, true, false]);
            assert_eq!(plan_night(&c, n, Some(1), 59), [true, true, true]);
        }
    }
}
