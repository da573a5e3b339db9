//! Age and birthdays by Japanese law (年齢計算ニ関スル法律, 民法143条).

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// How a 29 February birthday falls in a common year (profile `feb29`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Feb29Rule {
    /// 28 February, as road traffic law deems it (the default).
    Feb28,
    /// 1 March.
    Mar1,
}

/// The birthday of a person born on `birth` in `year`.
pub(crate) fn birthday_in(birth: NaiveDate, year: i32, feb29: Feb29Rule) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day()).or_else(|| {
        // Only 29 February can be missing from a year.
        match feb29 {
            Feb29Rule::Feb28 => NaiveDate::from_ymd_opt(year, 2, 28),
            Feb29Rule::Mar1 => NaiveDate::from_ymd_opt(year, 3, 1),
        }
    })
}

/// The `n`th birthday strictly after `after` (a birthday on `after` itself
/// does not count): a card issued on the birthday runs full years. Only
/// birthdays after the birth count (a date before the birth is a data error,
/// but the arithmetic stays meaningful).
pub(crate) fn nth_birthday_after(
    birth: NaiveDate,
    after: NaiveDate,
    n: u32,
    feb29: Feb29Rule,
) -> Option<NaiveDate> {
    if n == 0 {
        return Some(after);
    }
    let after = after.max(birth);
    let y0 = after.year();
    let first_year = if birthday_in(birth, y0, feb29)? > after {
        y0
    } else {
        y0 + 1
    };
    birthday_in(birth, first_year + n as i32 - 1, feb29)
}

/// The first day on which a person born on `birth` counts as aged `years` or
/// more in a day-based test: the day before the birthday, since a year of age
/// is completed at the end of that day. For a 29 February birth in a common
/// year, 28 February (the day before 1 March), whatever the `feb29` setting.
pub(crate) fn attains_age_on(birth: NaiveDate, years: u32) -> NaiveDate {
    let year = birth.year().saturating_add(years as i32);
    let anniversary = NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1));
    anniversary
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// "Aged `years` or more on `day`".
pub(crate) fn is_aged_at_least(birth: NaiveDate, years: u32, day: NaiveDate) -> bool {
    day >= attains_age_on(birth, years)
}

/// `date` minus `months` calendar months, clamped to the end of the month
/// (2027-05-31 − 3 months = 2027-02-28).
pub(crate) fn months_before(date: NaiveDate, months: u32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 - months as i32;
    let (y, m0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
    let mut day = date.day();
    loop {
        if let Some(d) = NaiveDate::from_ymd_opt(y, m0 + 1, day) {
            return d;
        }
        if day <= 28 {
            return NaiveDate::MIN;
        }
        day -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn age_is_attained_the_day_before_the_birthday() {
        // Born 1 April → 18 at the end of 31 March: the whole of 31 March counts.
        let b = d("2004-04-01");
        assert_eq!(attains_age_on(b, 18), d("2022-03-31"));
        assert!(!is_aged_at_least(b, 18, d("2022-03-30")));
        assert!(is_aged_at_least(b, 18, d("2022-03-31")));
    }

    #[test]
    fn feb29_births_attain_age_on_feb28() {
        let b = d("2004-02-29");
        assert_eq!(attains_age_on(b, 15), d("2019-02-28")); // common year
        assert_eq!(attains_age_on(b, 20), d("2024-02-28")); // leap year
    }

    #[test]
    fn nth_birthday_skips_a_birthday_on_the_day() {
        let b = d("1990-05-10");
        assert_eq!(
            nth_birthday_after(b, d("2020-05-10"), 10, Feb29Rule::Feb28),
            Some(d("2030-05-10"))
        );
        assert_eq!(
            nth_birthday_after(b, d("2020-05-09"), 10, Feb29Rule::Feb28),
            Some(d("2029-05-10"))
        );
    }

    #[test]
    fn feb29_birthdays_follow_the_rule() {
        let b = d("2000-02-29");
        assert_eq!(
            nth_birthday_after(b, d("2020-03-01"), 5, Feb29Rule::Feb28),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            nth_birthday_after(b, d("2020-03-01"), 5, Feb29Rule::Mar1),
            Some(d("2025-03-01"))
        );
        assert_eq!(
            nth_birthday_after(b, d("2020-03-01"), 4, Feb29Rule::Feb28),
            Some(d("2024-02-29"))
        );
        // Issued on 28 Feb of a common year under feb28: that is the birthday.
        assert_eq!(
            nth_birthday_after(b, d("2021-02-28"), 1, Feb29Rule::Feb28),
            Some(d("2022-02-28"))
        );
    }

    #[test]
    fn months_before_clamps_to_month_end() {
        assert_eq!(months_before(d("2027-05-31"), 3), d("2027-02-28"));
        assert_eq!(months_before(d("2028-05-31"), 3), d("2028-02-29"));
        assert_eq!(months_before(d("2027-02-26"), 3), d("2026-11-26"));
        assert_eq!(months_before(d("2027-01-15"), 3), d("2026-10-15"));
        assert_eq!(months_before(d("2026-12-31"), 3), d("2026-09-30"));
    }
}
