//! Japanese era (和暦) dates: parsing every date form a resident-registry
//! export uses, and formatting dates in 和暦 for letters.
//!
//! The parser is on the hot path of every batch (several million fields), so
//! it works on bytes without regexes and allocates only when it has to report
//! an error (or, for a birth date, when it keeps a 不詳日's text).
//!
//! # API for callers
//!
//! - [`parse_date`], [`format`], [`format_with_weekday`], [`WarekiDate`] and
//!   [`Era`] work with the five built-in eras (明治 … 令和).
//! - [`Eras`] is the era table as data (SPEC 9): [`Eras::builtin`] is the
//!   five eras, [`Eras::with_extra`] adds a profile's `[[eras]]` entries
//!   ([`EraDef::new`]) after validating them. Its methods
//!   [`Eras::parse_date`], [`Eras::format`], [`Eras::format_with_weekday`]
//!   and [`Eras::wareki`] are the table-aware versions of the free functions;
//!   with the built-in table they give the same results.
//! - [`parse_birth_date`] (or [`Eras::parse_birth_date`]) reads 生年月日,
//!   which alone may lawfully hold 29 February of a common year
//!   ([`BirthDate::Feb29Common`]) and 不詳日 ([`BirthDate::Unknown`]);
//!   [`BirthDate::resolve`] applies the profile's feb29 rule ([`Feb29`]).
//! - Card and certificate dates go through `parse_date`, which rejects both.
//!
//! A profile's `[[eras]]` (`name`, `letter`, `code`, `start`) becomes a table
//! like this; the same table then parses and formats every date of the run:
//!
//! ```text
//! use chrono::NaiveDate;
//! use kigen::wareki::{BirthDate, EraDef, Eras, Feb29};
//!
//! let start = NaiveDate::from_ymd_opt(2031, 5, 1).unwrap();
//! let eras = Eras::with_extra(vec![EraDef::new("新元", 'N', 6, start)]).unwrap();
//! assert_eq!(eras.format(start).unwrap(), "新元元年5月1日");
//! assert_eq!(eras.parse_date("N2.1.1").ok(), NaiveDate::from_ymd_opt(2032, 1, 1));
//!
//! let born = eras.parse_birth_date("平成3年2月29日").unwrap();
//! assert_eq!(born, BirthDate::Feb29Common { year: 1991 });
//! assert_eq!(born.resolve(Feb29::Mar1), NaiveDate::from_ymd_opt(1991, 3, 1));
//! assert!(matches!(
//!     eras.parse_birth_date("平成5年3月頃"),
//!     Ok(BirthDate::Unknown { .. })
//! ));
//! assert!(eras.parse_date("平成5年3月頃").is_err());
//! ```
//!
//! Both parsers accept 明治45年7月30日 and 大正15年12月25日 (standard §1.1.8:
//! the era was renamed during those days, so each is also 大正元年7月30日 and
//! 昭和元年12月25日); formatting always uses the new era for them.

mod birth;
mod eras;
mod parse;
mod read;
#[cfg(test)]
mod tests;

pub(crate) use birth::{BirthDate, Feb29};
pub(crate) use eras::{EraDate, EraDef, Eras};

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Builds a table date at compile time; a typo in the table fails the build
/// instead of panicking at run time.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("era table date is not a calendar date"),
    }
}

/// Western years a registry date may carry; anything outside is a data error
/// (typo, placeholder such as 9999) rather than a real date.
const MIN_YEAR: i32 = 1868;
/// See [`MIN_YEAR`].
const MAX_YEAR: i32 = 2999;

/// A Japanese era (元号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Era {
    /// 明治 (M), 1868-01-25 – 1912-07-29.
    Meiji,
    /// 大正 (T), 1912-07-30 – 1926-12-24.
    Taisho,
    /// 昭和 (S), 1926-12-25 – 1989-01-07.
    Showa,
    /// 平成 (H), 1989-01-08 – 2019-04-30.
    Heisei,
    /// 令和 (R), 2019-05-01 – .
    Reiwa,
}

impl Era {
    /// All eras, oldest first.
    pub(crate) const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era name in kanji, e.g. "令和".
    pub(crate) fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter abbreviation used in compact forms, e.g. 'R' in "R07.08.14".
    pub(crate) fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The digit G of the 7-digit era code `GYYMMDD` (1 明治 … 5 令和).
    pub(crate) fn code(self) -> u32 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    /// The era for a 7-digit era code digit, `None` unless 1–5.
    #[cfg(test)]
    pub(crate) fn from_code(code: u32) -> Option<Era> {
        match code {
            1 => Some(Era::Meiji),
            2 => Some(Era::Taisho),
            3 => Some(Era::Showa),
            4 => Some(Era::Heisei),
            5 => Some(Era::Reiwa),
            _ => None,
        }
    }

    /// The Gregorian year of the era's first year (元年).
    pub(crate) fn first_year(self) -> i32 {
        self.first_day().year()
    }

    /// The first day of the era.
    pub(crate) fn first_day(self) -> NaiveDate {
        match self {
            Era::Meiji => ymd(1868, 1, 25),
            Era::Taisho => ymd(1912, 7, 30),
            Era::Showa => ymd(1926, 12, 25),
            Era::Heisei => ymd(1989, 1, 8),
            Era::Reiwa => ymd(2019, 5, 1),
        }
    }

    /// The last day of the era, `None` for the current era (令和).
    ///
    /// 明治 and 大正 end the day before the next era begins, as the official
    /// table has it; the parser still accepts 明治45年7月30日 and
    /// 大正15年12月25日, the days both eras were in force.
    #[cfg(test)]
    pub(crate) fn last_day(self) -> Option<NaiveDate> {
        match self {
            Era::Meiji => Some(ymd(1912, 7, 29)),
            Era::Taisho => Some(ymd(1926, 12, 24)),
            Era::Showa => Some(ymd(1989, 1, 7)),
            Era::Heisei => Some(ymd(2019, 4, 30)),
            Era::Reiwa => None,
        }
    }

    /// The era containing `date`, `None` before 明治 (1868-01-25).
    pub(crate) fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL
            .iter()
            .rev()
            .copied()
            .find(|era| era.first_day() <= date)
    }
}

/// A date in era form (和暦).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WarekiDate {
    /// The era.
    pub(crate) era: Era,
    /// The era year, 1 (元年) or more.
    pub(crate) year: u32,
    /// The month, 1–12.
    pub(crate) month: u32,
    /// The day of the month, 1–31.
    pub(crate) day: u32,
}

impl WarekiDate {
    /// The 和暦 form of `d` in the era containing it, `None` before 明治.
    pub(crate) fn from_date(d: NaiveDate) -> Option<WarekiDate> {
        let era = Era::of(d)?;
        // `Era::of` guarantees d.year() >= first_year, so this never underflows.
        let year = u32::try_from(d.year() - era.first_year() + 1).ok()?;
        Some(WarekiDate {
            era,
            year,
            month: d.month(),
            day: d.day(),
        })
    }

    /// The Gregorian date, checked against the calendar, the era's range and
    /// the supported years 1868–2999; the error is a human-readable reason.
    pub(crate) fn to_date(self) -> Result<NaiveDate, String> {
        let eras = Eras::builtin();
        parse::era_date(eras, self.era as usize, self.year, self.month, self.day)
            .map_err(|e| e.describe(eras))
    }
}

impl fmt::Display for WarekiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.era.name())?;
        // Official documents write the first year of an era as 元年, never 1年.
        if self.year == 1 {
            f.write_str("元")?;
        } else {
            write!(f, "{}", self.year)?;
        }
        write!(f, "年{}月{}日", self.month, self.day)
    }
}

/// `d` in 和暦 with its weekday, e.g. "令和9年2月26日（金）" (full-width
/// parentheses, weekday kanji 日月火水木金土); `None` before 明治.
pub(crate) fn format_with_weekday(d: NaiveDate) -> Option<String> {
    let w = WarekiDate::from_date(d)?;
    Some(format!("{w}（{}）", weekday_kanji(d)))
}

/// The weekday of `d` as one kanji, 日月火水木金土.
fn weekday_kanji(d: NaiveDate) -> &'static str {
    const WEEKDAYS: [&str; 7] = ["日", "月", "火", "水", "木", "金", "土"];
    WEEKDAYS[d.weekday().num_days_from_sunday() as usize]
}

/// `d` in 和暦, e.g. "令和8年11月26日" or "令和元年5月1日"; `None` before 明治.
pub(crate) fn format(d: NaiveDate) -> Option<String> {
    WarekiDate::from_date(d).map(|w| w.to_string())
}

/// Why a date field could not be read. Displays as "{input}: {reason}".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateError {
    /// The field as given.
    pub(crate) input: String,
    /// The form the parser recognised, [`DateForm::Unknown`] if none.
    pub(crate) form: DateForm,
    /// Why the field is not a valid date, e.g. "昭和 ends 1989-01-07".
    pub(crate) reason: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.input, self.reason)
    }
}

impl std::error::Error for DateError {}

/// Which form the parser recognised (or Unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateForm {
    /// `2026-08-14` or `2026/8/14`.
    Iso,
    /// `20260814`.
    Compact8,
    /// `令和7年8月14日`, `令7年8月14日`, `R7年8月14日`, `令和元年5月1日`.
    WarekiKanji,
    /// `R07.08.14`, `H1.1.8`, `令7.8.14`, `昭60.2.14` (dotted only).
    WarekiCompact,
    /// `5070814` (GYYMMDD, G = 1 明治 … 5 令和).
    EraCode7,
    /// A 不詳日 form of a birth date (`平成5年頃`, `推定平成5年3月1日` …),
    /// only from [`parse_birth_date`].
    Approximate,
    /// Not any of the accepted forms.
    Unknown,
}

/// Parse one date field in any form a registry export uses (see [`DateForm`]),
/// with the built-in eras ([`Eras::parse_date`] for a profile's table).
///
/// The input must already be trimmed; full-width digits, punctuation and
/// letters (２０２６／８／１４, Ｒ７．８．１４) are accepted. 29 February of a
/// common year and 不詳日 are errors here: only a birth date may hold them
/// ([`parse_birth_date`]).
pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, DateError> {
    Eras::builtin().parse_date(s)
}

/// Parse a 生年月日 field: every form [`parse_date`] accepts, plus the forms
/// the registry may lawfully hold in a birth date (SPEC 9): 29 February of a
/// common year and 不詳日 (`年月日不詳`, `昭和○○年頃`, `平成5年頃`,
/// `平成5年3月頃`, `推定平成5年3月1日`, `平成5年春`/`夏`/`秋`/`冬`,
/// `平成5年3月上旬`/`中旬`/`下旬`, and the same with a 西暦 year such as
/// `1993年3月頃`). Same as [`Eras::parse_birth_date`].
#[cfg(test)]
pub(crate) fn parse_birth_date(s: &str, eras: &Eras) -> Result<BirthDate, DateError> {
    eras.parse_birth_date(s)
}

/// The worked example of the documentation above, run.
#[cfg(test)]
mod doc_example {
    use super::{BirthDate, EraDef, Eras, Feb29};

    #[test]
    fn the_documented_example_holds() {
        use chrono::NaiveDate;

        let start = NaiveDate::from_ymd_opt(2031, 5, 1).unwrap();
        let eras = Eras::with_extra(vec![EraDef::new("新元", 'N', 6, start)]).unwrap();
        assert_eq!(eras.format(start).unwrap(), "新元元年5月1日");
        assert_eq!(
            eras.parse_date("N2.1.1").ok(),
            NaiveDate::from_ymd_opt(2032, 1, 1)
        );

        let born = eras.parse_birth_date("平成3年2月29日").unwrap();
        assert_eq!(born, BirthDate::Feb29Common { year: 1991 });
        assert_eq!(
            born.resolve(Feb29::Mar1),
            NaiveDate::from_ymd_opt(1991, 3, 1)
        );
        assert!(matches!(
            eras.parse_birth_date("平成5年3月頃"),
            Ok(BirthDate::Unknown { .. })
        ));
        assert!(eras.parse_date("平成5年3月頃").is_err());
    }
}
