//! Rule generations (SPEC 15): the card's and the certificates' validity as
//! data, chosen by the card's issue date (DOMAIN 10: both generations will be
//! in wallets for about ten years, so the run date cannot choose).
//!
//! The built-in generation `current` is today's rules (DOMAIN 1–2): the card
//! to the 10th birthday after issue for an adult at application, else the
//! 5th; each certificate to its 5th birthday after its own issue; no signing
//! certificate under 15; due from `lead_months` before the expiry.

use std::sync::OnceLock;

use chrono::NaiveDate;

use super::age::is_aged_at_least;

/// The age band at application (or at a certificate's issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgeBand {
    /// Under 15.
    Under15,
    /// 15 and over, not yet of age (18; 20 for applications received
    /// before 2022-04-01).
    From15To17,
    /// Of age: 18 and over (20 and over for applications received before
    /// 2022-04-01, DOMAIN 1).
    Adult,
}

impl AgeBand {
    /// The band of a person born on `birth`, on `day`, with the age of
    /// majority `threshold` (18 or 20).
    pub(crate) fn on(birth: NaiveDate, day: NaiveDate, threshold: u32) -> AgeBand {
        if is_aged_at_least(birth, threshold, day) {
            AgeBand::Adult
        } else if is_aged_at_least(birth, 15, day) {
            AgeBand::From15To17
        } else {
            AgeBand::Under15
        }
    }
}

/// The birthday counts of one age band: how many birthdays after its issue
/// date each item runs to. 0: the item is not issued in this band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BandCounts {
    /// The card.
    pub(crate) card: u32,
    /// The user certificate.
    pub(crate) user_cert: u32,
    /// The signing certificate (0: not issued).
    pub(crate) sign_cert: u32,
}

/// One generation of the card rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Generation {
    /// Its name (`current`, `next`), as summary.json and `kigen expiry` show it.
    pub(crate) name: String,
    /// The first card issue date it applies to. The first generation of a
    /// table also takes cards issued before its date (data errors: the card
    /// began in 2016).
    pub(crate) issued_from: NaiveDate,
    /// Counts for the `under15` band.
    pub(crate) under15: BandCounts,
    /// Counts for the `15to17` band.
    pub(crate) from15to17: BandCounts,
    /// Counts for the `18plus` band.
    pub(crate) adult: BandCounts,
    /// Months before the expiry from which an item is due.
    pub(crate) lead_months: u32,
}

impl Generation {
    /// Today's rules, named `current`, applying from 2016-01-01 (the card's
    /// first day), due `lead_months` before the expiry.
    pub(crate) fn current(lead_months: u32) -> Generation {
        Generation {
            name: "current".to_string(),
            issued_from: NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or(NaiveDate::MIN),
            under15: BandCounts {
                card: 5,
                user_cert: 5,
                sign_cert: 0,
            },
            from15to17: BandCounts {
                card: 5,
                user_cert: 5,
                sign_cert: 5,
            },
            adult: BandCounts {
                card: 10,
                user_cert: 5,
                sign_cert: 5,
            },
            lead_months,
        }
    }

    /// The counts of `band`.
    pub(crate) fn band(&self, band: AgeBand) -> BandCounts {
        match band {
            AgeBand::Under15 => self.under15,
            AgeBand::From15To17 => self.from15to17,
            AgeBand::Adult => self.adult,
        }
    }
}

/// The built-in table: `current` alone, with the default lead of 3 months.
pub(crate) fn builtin_generations() -> &'static [Generation] {
    static TABLE: OnceLock<Vec<Generation>> = OnceLock::new();
    TABLE.get_or_init(|| vec![Generation::current(3)])
}

/// The index of the generation that decides a card issued on `issued`: the
/// last whose `issued_from` is on or before it, else the first. `table` is
/// ordered by `issued_from` (the profile checks it); an empty table is
/// treated as the built-in one by the caller.
pub(crate) fn generation_for(table: &[Generation], issued: NaiveDate) -> usize {
    table
        .iter()
        .rposition(|g| g.issued_from <= issued)
        .unwrap_or(0)
}

/// Checks a table read from a profile: at least one generation, names
/// unique and non-empty, `issued_from` strictly increasing (two generations
/// on one day overlap; out of order is refused rather than sorted, so the
/// file reads as it applies), the first starting no later than 2016-01-01
/// (a later start leaves the first cards with no rule: a gap), card and
/// user-certificate counts of 1 to 10 and signing counts of 0 to 10, and a
/// lead of 1 to 12 months. The error names the key (`generations[1].issued_from`).
pub(crate) fn validate_generations(table: &[Generation]) -> Result<(), String> {
    let Some(first) = table.first() else {
        return Err(
            "generations: the table is empty; omit [[generations]] for today's rules".into(),
        );
    };
    let start = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or(NaiveDate::MIN);
    if first.issued_from > start {
        return Err(format!(
            "generations[0].issued_from = {}: a gap before it; the first generation must apply from 2016-01-01 or earlier",
            first.issued_from
        ));
    }
    for (i, g) in table.iter().enumerate() {
        if g.name.trim().is_empty() {
            return Err(format!("generations[{i}].name is empty"));
        }
        if let Some(j) = table[..i].iter().position(|o| o.name == g.name) {
            return Err(format!(
                "generations[{i}].name = {:?}: also the name of generations[{j}]",
                g.name
            ));
        }
        if i > 0 && g.issued_from <= table[i - 1].issued_from {
            return Err(format!(
                "generations[{i}].issued_from = {}: overlaps generations[{}] (issued_from {}); list generations in increasing issued_from, one per day at most",
                g.issued_from,
                i - 1,
                table[i - 1].issued_from
            ));
        }
        for (band, c) in [
            ("under15", g.under15),
            ("15to17", g.from15to17),
            ("18plus", g.adult),
        ] {
            for (item, n, min) in [
                ("card", c.card, 1),
                ("user_cert", c.user_cert, 1),
                ("sign_cert", c.sign_cert, 0),
            ] {
                if !(min..=10).contains(&n) {
                    return Err(format!(
                        "generations[{i}].{band}.{item} = {n}: must be {min} to 10"
                    ));
                }
            }
        }
        if !(1..=12).contains(&g.lead_months) {
            return Err(format!(
                "generations[{i}].lead_months = {}: must be 1 to 12",
                g.lead_months
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn next() -> Generation {
        Generation {
            name: "next".into(),
            issued_from: d("2028-04-01"),
            adult: BandCounts {
                card: 10,
                user_cert: 10,
                sign_cert: 10,
            },
            lead_months: 12,
            ..Generation::current(3)
        }
    }

    #[test]
    fn the_card_issue_date_chooses_the_generation() {
        let t = vec![Generation::current(3), next()];
        assert_eq!(generation_for(&t, d("2028-03-31")), 0);
        assert_eq!(generation_for(&t, d("2028-04-01")), 1);
        assert_eq!(generation_for(&t, d("2015-06-01")), 0);
    }

    #[test]
    fn overlaps_gaps_and_bad_counts_name_the_key() {
        let mut late = Generation::current(3);
        late.issued_from = d("2016-01-02");
        let e = validate_generations(&[late]).unwrap_err();
        assert!(e.starts_with("generations[0].issued_from"), "{e}");

        let mut same = next();
        same.issued_from = d("2016-01-01");
        let e = validate_generations(&[Generation::current(3), same]).unwrap_err();
        assert!(e.starts_with("generations[1].issued_from"), "{e}");

        let e = validate_generations(&[next(), Generation::current(3)]).unwrap_err();
        assert!(e.starts_with("generations[0].issued_from"), "{e}");

        let mut bad = Generation::current(3);
        bad.from15to17.card = 0;
        let e = validate_generations(&[bad]).unwrap_err();
        assert!(e.starts_with("generations[0].15to17.card"), "{e}");

        let mut dup = next();
        dup.name = "current".into();
        let e = validate_generations(&[Generation::current(3), dup]).unwrap_err();
        assert!(e.starts_with("generations[1].name"), "{e}");

        assert!(validate_generations(&[]).is_err());
        assert!(validate_generations(&[Generation::current(3), next()]).is_ok());
    }
}
