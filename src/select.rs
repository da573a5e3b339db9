//! Selection for a batch date: which items are due, and what becomes of the row.

use chrono::NaiveDate;

use crate::rules::{months_before, Evaluation, ExpirySource, Item, ItemKind};

/// What became of one input row (outcomes.csv `outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
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
    /// Due, but a name or address cannot be printed faithfully: see held.csv.
    Held,
    /// Due and printed (in `kigen check`: would be printed).
    Printed,
}

impl Outcome {
    /// Every outcome, in the order counts are reported.
    pub const ALL: [Outcome; 8] = [
        Outcome::Rejected,
        Outcome::Excluded,
        Outcome::NoItem,
        Outcome::NotDue,
        Outcome::AlreadyNoticed,
        Outcome::ResidencePeriod,
        Outcome::Held,
        Outcome::Printed,
    ];

    /// The outcomes.csv spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Rejected => "rejected",
            Outcome::Excluded => "excluded",
            Outcome::NoItem => "no-item",
            Outcome::NotDue => "not-due",
            Outcome::AlreadyNoticed => "already-noticed",
            Outcome::ResidencePeriod => "residence-period",
            Outcome::Held => "held",
            Outcome::Printed => "printed",
        }
    }

    /// Parses the outcomes.csv spelling.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Which procedure a notice asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeKind {
    /// The card is due: apply for a new card (which renews the certificates).
    Card,
    /// Only certificates are due: renew them at a counter.
    Certificate,
    /// The card lapses with the period of stay (SPEC 15): renew the status
    /// of residence, then have the card's validity changed at a counter.
    Residence,
}

impl NoticeKind {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Card => "card",
            NoticeKind::Certificate => "certificate",
            NoticeKind::Residence => "residence",
        }
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
pub struct Window {
    /// The batch date D.
    pub as_of: NaiveDate,
    /// `[letter.residence] lead` when the residence letter is enabled;
    /// `None`: items decided by the period of stay get no notice (today's
    /// behaviour).
    pub residence_lead: Option<u32>,
}

impl Window {
    /// E − lead ≤ D < E.
    pub fn contains(&self, expiry: NaiveDate, lead_months: u32) -> bool {
        months_before(expiry, lead_months) <= self.as_of && self.as_of < expiry
    }

    /// E ≤ D.
    pub fn expired(&self, expiry: NaiveDate) -> bool {
        expiry <= self.as_of
    }
}

/// The selection for one resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The outcome before the printability check (never `Held`, `Rejected`
    /// or `Excluded`).
    pub outcome: Outcome,
    /// The notice kind when `outcome` is `Printed`.
    pub kind: Option<NoticeKind>,
    /// Items due (in the window, not decided by the period of stay, not
    /// noticed; with kind `residence`, the items the residence letter covers).
    pub due: Vec<ItemKind>,
    /// Items in the window but already noticed.
    pub noticed: Vec<ItemKind>,
    /// Items decided by the period of stay that are in their window.
    pub residence_in_window: Vec<ItemKind>,
    /// Expired items no notice was ever issued for (exceptions.csv).
    pub expired_unnoticed: Vec<Item>,
}

/// Selects a resident's due items (SPEC 2, selection; SPEC 15 for the
/// residence letter).
pub fn select(
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
    if ev.card.is_none() {
        return sel;
    }
    let mut residence_due = Vec::new();
    for item in ev.items() {
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
    // The residence letter is about the card: it goes when the card's E is
    // decided by the period of stay and in the letter's window. A
    // certificate due by its own rule the same night gets its certificate
    // notice first; the residence letter follows on a later night (the
    // ledger keeps either from repeating).
    let card_by_letter = residence_due.contains(&ItemKind::Card);
    sel.outcome = if !sel.due.is_empty() {
        sel.kind = Some(if sel.due.contains(&ItemKind::Card) {
            NoticeKind::Card
        } else {
            NoticeKind::Certificate
        });
        sel.residence_in_window.extend(residence_due);
        Outcome::Printed
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
    sel
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
}
