//! Japanese era (和暦) dates: parsing every date form a resident-registry
//! export uses, and formatting dates in 和暦 for letters.
//!
//! The parser is on the hot path of every batch (several million fields), so
//! it works on bytes without regexes and allocates only when it has to report
//! an error.

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
pub enum Era {
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
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era name in kanji, e.g. "令和".
    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter abbreviation used in compact forms, e.g. 'R' in "R07.08.14".
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The digit G of the 7-digit era code `GYYMMDD` (1 明治 … 5 令和).
    pub fn code(self) -> u32 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    /// The era for a 7-digit era code digit, `None` unless 1–5.
    pub fn from_code(code: u32) -> Option<Era> {
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
    pub fn first_year(self) -> i32 {
        self.first_day().year()
    }

    /// The first day of the era.
    pub fn first_day(self) -> NaiveDate {
        match self {
            Era::Meiji => ymd(1868, 1, 25),
            Era::Taisho => ymd(1912, 7, 30),
            Era::Showa => ymd(1926, 12, 25),
            Era::Heisei => ymd(1989, 1, 8),
            Era::Reiwa => ymd(2019, 5, 1),
        }
    }

    /// The last day of the era, `None` for the current era (令和).
    pub fn last_day(self) -> Option<NaiveDate> {
        match self {
            Era::Meiji => Some(ymd(1912, 7, 29)),
            Era::Taisho => Some(ymd(1926, 12, 24)),
            Era::Showa => Some(ymd(1989, 1, 7)),
            Era::Heisei => Some(ymd(2019, 4, 30)),
            Era::Reiwa => None,
        }
    }

    /// The era containing `date`, `None` before 明治 (1868-01-25).
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL
            .iter()
            .rev()
            .copied()
            .find(|era| era.first_day() <= date)
    }
}

/// A date in era form (和暦).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarekiDate {
    /// The era.
    pub era: Era,
    /// The era year, 1 (元年) or more.
    pub year: u32,
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month, 1–31.
    pub day: u32,
}

impl WarekiDate {
    /// The 和暦 form of `d` in the era containing it, `None` before 明治.
    pub fn from_date(d: NaiveDate) -> Option<WarekiDate> {
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
    pub fn to_date(self) -> Result<NaiveDate, String> {
        wareki_date(self.era, self.year, self.month, self.day).map_err(|e| e.to_string())
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
pub fn format_with_weekday(d: NaiveDate) -> Option<String> {
    const WEEKDAYS: [&str; 7] = ["日", "月", "火", "水", "木", "金", "土"];
    let w = WarekiDate::from_date(d)?;
    let weekday = WEEKDAYS[d.weekday().num_days_from_sunday() as usize];
    Some(format!("{w}（{weekday}）"))
}

/// `d` in 和暦, e.g. "令和8年11月26日" or "令和元年5月1日"; `None` before 明治.
pub fn format(d: NaiveDate) -> Option<String> {
    WarekiDate::from_date(d).map(|w| w.to_string())
}

/// Why a date field could not be read. Displays as "{input}: {reason}".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// The field as given.
    pub input: String,
    /// The form the parser recognised, [`DateForm::Unknown`] if none.
    pub form: DateForm,
    /// Why the field is not a valid date, e.g. "昭和 ends 1989-01-07".
    pub reason: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.input, self.reason)
    }
}

impl std::error::Error for DateError {}

/// Which form the parser recognised (or Unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
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
    /// Not any of the accepted forms.
    Unknown,
}

/// Parse one date field in any form a registry export uses (see [`DateForm`]).
///
/// The input must already be trimmed; full-width digits, punctuation and
/// letters (２０２６／８／１４, Ｒ７．８．１４) are accepted.
pub fn parse_date(s: &str) -> Result<NaiveDate, DateError> {
    let result = if s.is_ascii() {
        // Most fields are plain ASCII: parse the bytes in place, no copy.
        parse_bytes(s.as_bytes())
    } else {
        let mut buf = [0u8; MAX_NORMALIZED];
        match normalize(s, &mut buf) {
            Some(len) => parse_bytes(&buf[..len]),
            None => Err((DateForm::Unknown, Invalid::NotADate)),
        }
    };
    result.map_err(|(form, why)| DateError {
        input: s.to_owned(),
        form,
        reason: why.to_string(),
    })
}

/// The longest field worth parsing; every accepted form is far shorter, so a
/// longer one is garbage and need not be copied.
const MAX_NORMALIZED: usize = 32;

// Non-ASCII characters are mapped to bytes >= 0x80 so they can never be
// confused with anything that arrives as ASCII on the fast path.
const NEN: u8 = 0x80; // 年
const GATSU: u8 = 0x81; // 月
const NICHI: u8 = 0x82; // 日
const GAN: u8 = 0x83; // 元 (year 1)
const ERA_KANJI: u8 = 0x90; // + Era index: 明 大 昭 平 令
const KANJI_JI: u8 = 0xA0; // 治 (明治)
const KANJI_SHO: u8 = 0xA1; // 正 (大正)
const KANJI_WA: u8 = 0xA2; // 和 (昭和, 令和)
const KANJI_SEI: u8 = 0xA3; // 成 (平成)

/// Folds the input into single bytes: full-width ASCII to ASCII, the kanji
/// the date forms use to marker bytes. `None` if any other character occurs
/// or the field is too long, since then it cannot be a date.
fn normalize(s: &str, buf: &mut [u8; MAX_NORMALIZED]) -> Option<usize> {
    let mut len = 0;
    for c in s.chars() {
        let b = match c {
            '\u{21}'..='\u{7E}' => c as u8,
            // The full-width ASCII block mirrors ASCII at a fixed offset.
            '\u{FF01}'..='\u{FF5E}' => (u32::from(c) - 0xFEE0) as u8,
            // Shift_JIS 全角マイナス decodes (WHATWG/encoding_rs) to U+2212,
            // not U+FF0D, so a CP932 export's "－" arrives as this.
            '\u{2212}' => b'-',
            '年' => NEN,
            '月' => GATSU,
            '日' => NICHI,
            '元' => GAN,
            '明' => ERA_KANJI,
            '大' => ERA_KANJI + 1,
            '昭' => ERA_KANJI + 2,
            '平' => ERA_KANJI + 3,
            '令' => ERA_KANJI + 4,
            '治' => KANJI_JI,
            '正' => KANJI_SHO,
            '和' => KANJI_WA,
            '成' => KANJI_SEI,
            _ => return None,
        };
        *buf.get_mut(len)? = b;
        len += 1;
    }
    Some(len)
}

/// Why a recognised field is not a valid date. Kept allocation-free so the
/// message is only built when an error is actually reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Invalid {
    NotADate,
    EraCode(u32),
    Month(u32),
    Day(u32),
    NotCalendar(i64, u32, u32),
    YearRange(i64),
    YearZero(Era),
    Before(Era),
    After(Era, NaiveDate),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Invalid::NotADate => f.write_str(
                "not a date (expected 2026-08-14, 2026/8/14, 20260814, \
                 令和7年8月14日, R07.08.14 or 5070814)",
            ),
            Invalid::EraCode(g) => write!(
                f,
                "era code {g} is not 1-5 (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和)"
            ),
            Invalid::Month(m) => write!(f, "month {m} is not 1-12"),
            Invalid::Day(d) => write!(f, "day {d} is not 1-31"),
            Invalid::NotCalendar(y, m, d) => {
                write!(f, "{y:04}-{m:02}-{d:02} is not a calendar date")
            }
            Invalid::YearRange(y) => {
                write!(f, "year {y} is outside {MIN_YEAR}-{MAX_YEAR}")
            }
            Invalid::YearZero(era) => {
                write!(
                    f,
                    "{}0年 does not exist (the first year is 元年)",
                    era.name()
                )
            }
            Invalid::Before(era) => write!(f, "{} begins {}", era.name(), era.first_day()),
            Invalid::After(era, last) => write!(f, "{} ends {}", era.name(), last),
        }
    }
}

type Parsed = Result<NaiveDate, (DateForm, Invalid)>;

fn not_a_date() -> Parsed {
    Err((DateForm::Unknown, Invalid::NotADate))
}

/// Parses a normalized field. Structural mismatches are `Unknown`; once the
/// shape matches a form, validation errors carry that form.
fn parse_bytes(b: &[u8]) -> Parsed {
    match b.first() {
        None => not_a_date(),
        Some(c) if c.is_ascii_digit() => parse_western_or_code(b),
        Some(_) => parse_wareki(b),
    }
}

fn parse_western_or_code(b: &[u8]) -> Parsed {
    if b.iter().all(u8::is_ascii_digit) {
        return match b.len() {
            8 => western_date(number(&b[0..4]), number(&b[4..6]), number(&b[6..8]))
                .map_err(|e| (DateForm::Compact8, e)),
            7 => {
                let form = DateForm::EraCode7;
                let g = number(&b[0..1]);
                let era = Era::from_code(g).ok_or((form, Invalid::EraCode(g)))?;
                wareki_date(era, number(&b[1..3]), number(&b[3..5]), number(&b[5..7]))
                    .map_err(|e| (form, e))
            }
            _ => not_a_date(),
        };
    }
    let mut cur = Cursor { b, pos: 0 };
    let Some(year) = cur.digits(4, 4) else {
        return not_a_date();
    };
    let sep = match cur.next() {
        Some(s @ (b'-' | b'/')) => s,
        _ => return not_a_date(),
    };
    let Some((month, day)) = cur.month_day(sep) else {
        return not_a_date();
    };
    western_date(year, month, day).map_err(|e| (DateForm::Iso, e))
}

fn parse_wareki(b: &[u8]) -> Parsed {
    let mut cur = Cursor { b, pos: 0 };
    let Some(era) = cur.era() else {
        return not_a_date();
    };
    // 元年 is written out only in the kanji form (令和元年5月1日).
    let year = if cur.peek() == Some(GAN) && cur.b.get(cur.pos + 1) == Some(&NEN) {
        cur.pos += 1;
        1
    } else {
        match cur.digits(1, 3) {
            Some(y) => y,
            None => return not_a_date(),
        }
    };
    let (form, month, day) = match cur.next() {
        Some(NEN) => {
            let parts = cur.digits(1, 2).and_then(|m| {
                cur.eat(GATSU)?;
                let d = cur.digits(1, 2)?;
                cur.eat(NICHI)?;
                cur.at_end().then_some((m, d))
            });
            match parts {
                Some((m, d)) => (DateForm::WarekiKanji, m, d),
                None => return not_a_date(),
            }
        }
        // The compact form is dotted only (R07.08.14, 令7.8.14): SPEC lists
        // no other separator, and `H1-1-8` is too easily a corrupted field.
        Some(sep @ b'.') => match cur.month_day(sep) {
            Some((m, d)) => (DateForm::WarekiCompact, m, d),
            None => return not_a_date(),
        },
        _ => return not_a_date(),
    };
    wareki_date(era, year, month, day).map_err(|e| (form, e))
}

/// Value of an all-digit slice that the caller has already checked is at
/// most a few digits long, so it cannot overflow.
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn at_end(&self) -> bool {
        self.pos == self.b.len()
    }

    /// A run of `min..=max` digits; a longer run is rejected rather than
    /// split, so "2026081" never reads as a 4-digit year.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let rest = &self.b[self.pos..];
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n < min || n > max {
            return None;
        }
        self.pos += n;
        Some(number(&rest[..n]))
    }

    /// `M{sep}D` to the end of input, each 1–2 digits; mixed separators
    /// ("2026/8-14") are rejected as a likely corruption.
    fn month_day(&mut self, sep: u8) -> Option<(u32, u32)> {
        let month = self.digits(1, 2)?;
        self.eat(sep)?;
        let day = self.digits(1, 2)?;
        self.at_end().then_some((month, day))
    }

    /// An era letter (either case), era kanji, or full era name.
    fn era(&mut self) -> Option<Era> {
        let c = self.next()?;
        // Upper-case letters only, as SPEC lists them (R07.08.14, H1.1.8):
        // a lower-case letter is more likely a typing slip than an era.
        let era = match c {
            b'M' => return Some(Era::Meiji),
            b'T' => return Some(Era::Taisho),
            b'S' => return Some(Era::Showa),
            b'H' => return Some(Era::Heisei),
            b'R' => return Some(Era::Reiwa),
            k if (ERA_KANJI..ERA_KANJI + 5).contains(&k) => {
                *Era::ALL.get(usize::from(k - ERA_KANJI))?
            }
            _ => return None,
        };
        let second = match era {
            Era::Meiji => KANJI_JI,
            Era::Taisho => KANJI_SHO,
            Era::Showa | Era::Reiwa => KANJI_WA,
            Era::Heisei => KANJI_SEI,
        };
        // The second kanji is optional (令7年…), but only the right one:
        // 明和 or 令成 must not pass as an era.
        if self.peek() == Some(second) {
            self.pos += 1;
        }
        Some(era)
    }
}

/// Checks month and day ranges before asking the calendar, so the message
/// names the field that is wrong.
fn calendar_date(year: i64, month: u32, day: u32) -> Result<NaiveDate, Invalid> {
    if !(1..=12).contains(&month) {
        return Err(Invalid::Month(month));
    }
    if !(1..=31).contains(&day) {
        return Err(Invalid::Day(day));
    }
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or(Invalid::NotCalendar(year, month, day))
}

fn western_date(year: u32, month: u32, day: u32) -> Result<NaiveDate, Invalid> {
    let year = i64::from(year);
    if !(i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&year) {
        return Err(Invalid::YearRange(year));
    }
    calendar_date(year, month, day)
}

fn wareki_date(era: Era, year: u32, month: u32, day: u32) -> Result<NaiveDate, Invalid> {
    if year == 0 {
        return Err(Invalid::YearZero(era));
    }
    // i64 because `WarekiDate` fields are public and may hold any u32.
    let gregorian = i64::from(era.first_year()) + i64::from(year) - 1;
    let last = era.last_day();
    // A year past the era's end is reported as such even when the day would
    // also be off-calendar: the era is the bigger mistake.
    if let Some(last) = last {
        if gregorian > i64::from(last.year()) {
            return Err(Invalid::After(era, last));
        }
    }
    if gregorian > i64::from(MAX_YEAR) {
        return Err(Invalid::YearRange(gregorian));
    }
    let date = calendar_date(gregorian, month, day)?;
    if date < era.first_day() {
        return Err(Invalid::Before(era));
    }
    match last {
        Some(last) if date > last => Err(Invalid::After(era, last)),
        _ => Ok(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn err(s: &str) -> DateError {
        parse_date(s).expect_err(s)
    }

    fn compact(w: WarekiDate) -> String {
        format!(
            "{}{:02}.{:02}.{:02}",
            w.era.letter(),
            w.year,
            w.month,
            w.day
        )
    }

    fn era_code(w: WarekiDate) -> String {
        format!("{}{:02}{:02}{:02}", w.era.code(), w.year, w.month, w.day)
    }

    #[test]
    fn western_forms() {
        assert_eq!(parse_date("2026-08-14"), Ok(d(2026, 8, 14)));
        assert_eq!(parse_date("2026/8/14"), Ok(d(2026, 8, 14)));
        assert_eq!(parse_date("2026-8-4"), Ok(d(2026, 8, 4)));
        assert_eq!(parse_date("20260814"), Ok(d(2026, 8, 14)));
        assert_eq!(parse_date("1868-01-01"), Ok(d(1868, 1, 1)));
        assert_eq!(parse_date("2999-12-31"), Ok(d(2999, 12, 31)));
    }

    #[test]
    fn western_errors() {
        let e = err("2026-13-01");
        assert_eq!(e.form, DateForm::Iso);
        assert_eq!(e.to_string(), "2026-13-01: month 13 is not 1-12");
        assert_eq!(
            err("2026-02-30").reason,
            "2026-02-30 is not a calendar date"
        );
        assert_eq!(err("2026/1/32").reason, "day 32 is not 1-31");
        assert_eq!(err("2026/1/0").reason, "day 0 is not 1-31");
        let e = err("18671231");
        assert_eq!(e.form, DateForm::Compact8);
        assert_eq!(e.reason, "year 1867 is outside 1868-2999");
        assert_eq!(err("3000-01-01").reason, "year 3000 is outside 1868-2999");
        assert_eq!(err("00000000").reason, "year 0 is outside 1868-2999");
        assert_eq!(err("20230229").reason, "2023-02-29 is not a calendar date");
    }

    #[test]
    fn wareki_kanji_forms() {
        assert_eq!(parse_date("令和7年8月14日"), Ok(d(2025, 8, 14)));
        assert_eq!(parse_date("令和元年5月1日"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("令7年8月14日"), Ok(d(2025, 8, 14)));
        assert_eq!(parse_date("R7年8月14日"), Ok(d(2025, 8, 14)));
        assert!(parse_date("r7年8月14日").is_err());
        assert_eq!(parse_date("昭和60年2月14日"), Ok(d(1985, 2, 14)));
        assert_eq!(parse_date("明治45年7月29日"), Ok(d(1912, 7, 29)));
        assert_eq!(parse_date("大正元年7月30日"), Ok(d(1912, 7, 30)));
        assert_eq!(parse_date("平成元年1月8日"), Ok(d(1989, 1, 8)));
        assert_eq!(parse_date("令和07年08月14日"), Ok(d(2025, 8, 14)));
    }

    #[test]
    fn wareki_compact_forms() {
        let cases = [
            ("R07.08.14", d(2025, 8, 14)),
            ("R7.8.14", d(2025, 8, 14)),
            ("H1.1.8", d(1989, 1, 8)),
            ("令7.8.14", d(2025, 8, 14)),
            ("昭60.2.14", d(1985, 2, 14)),
            ("昭和60.2.14", d(1985, 2, 14)),
            ("明治6.1.1", d(1873, 1, 1)),
            ("大正2.3.4", d(1913, 3, 4)),
            ("平成31.4.30", d(2019, 4, 30)),
            ("令和1.5.1", d(2019, 5, 1)),
            ("M45.7.29", d(1912, 7, 29)),
            ("T15.12.24", d(1926, 12, 24)),
            ("S64.1.7", d(1989, 1, 7)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_date(s), Ok(want), "{s}");
        }
        // Forms SPEC does not list: lower-case era letters, other
        // separators, 元 outside the kanji form.
        for s in ["r7.8.14", "h1.1.8", "H1/1/8", "H1-1-8", "R元.5.1"] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn era_code_form() {
        assert_eq!(parse_date("5070814"), Ok(d(2025, 8, 14)));
        assert_eq!(parse_date("3600214"), Ok(d(1985, 2, 14)));
        assert_eq!(parse_date("4010108"), Ok(d(1989, 1, 8)));
        assert_eq!(parse_date("1010125"), Ok(d(1868, 1, 25)));
        let e = err("6070814");
        assert_eq!(e.form, DateForm::EraCode7);
        assert!(e.reason.starts_with("era code 6 is not 1-5"), "{e}");
        assert_eq!(err("0070814").form, DateForm::EraCode7);
        let e = err("3640108");
        assert_eq!(e.form, DateForm::EraCode7);
        assert_eq!(e.to_string(), "3640108: 昭和 ends 1989-01-07");
        assert_eq!(
            err("5000501").reason,
            "令和0年 does not exist (the first year is 元年)"
        );
    }

    #[test]
    fn spec_invalid_examples() {
        let cases = [
            ("昭和64年1月8日", "昭和", "1989-01-07", "ends"),
            ("平成31年5月1日", "平成", "2019-04-30", "ends"),
            ("令和元年4月30日", "令和", "2019-05-01", "begins"),
        ];
        for (s, era, boundary, word) in cases {
            let e = err(s);
            assert_eq!(e.form, DateForm::WarekiKanji);
            let text = e.to_string();
            assert!(text.contains(era), "{text}");
            assert!(text.contains(boundary), "{text}");
            assert!(text.contains(word), "{text}");
            assert!(text.starts_with(s), "{text}");
        }
        assert_eq!(
            err("昭和64年1月8日").to_string(),
            "昭和64年1月8日: 昭和 ends 1989-01-07"
        );
        assert_eq!(
            err("令和5年2月29日").to_string(),
            "令和5年2月29日: 2023-02-29 is not a calendar date"
        );
        assert_eq!(parse_date("令和6年2月29日"), Ok(d(2024, 2, 29)));
        let e = err("R0.1.1");
        assert_eq!(e.form, DateForm::WarekiCompact);
        assert!(e.reason.contains("令和0年"), "{e}");
        assert_eq!(err("平成1.1.7").reason, "平成 begins 1989-01-08");
        assert_eq!(err("明治1年1月24日").reason, "明治 begins 1868-01-25");
        assert_eq!(err("明治99年1月1日").reason, "明治 ends 1912-07-29");
        assert_eq!(err("令和5年13月1日").reason, "month 13 is not 1-12");
        assert_eq!(parse_date("R981.12.31"), Ok(d(2999, 12, 31)));
        assert_eq!(err("R982.1.1").reason, "year 3000 is outside 1868-2999");
    }

    #[test]
    fn every_era_boundary_both_directions() {
        for era in Era::ALL {
            let first = era.first_day();
            let w = WarekiDate::from_date(first).unwrap();
            assert_eq!(w.era, era);
            assert_eq!(w.year, 1);
            assert_eq!(w.to_date(), Ok(first));
            assert_eq!(parse_date(&w.to_string()), Ok(first));
            assert_eq!(parse_date(&compact(w)), Ok(first));
            assert_eq!(parse_date(&era_code(w)), Ok(first));

            // The day before the era starts belongs to the previous era and
            // must be rejected when written in this one.
            let before = first.pred_opt().unwrap();
            assert_ne!(Era::of(before), Some(era));
            let wrong = WarekiDate {
                era,
                year: 1,
                month: before.month(),
                day: before.day(),
            };
            let e = err(&wrong.to_string());
            assert!(e.to_string().contains(era.name()), "{e}");
            assert!(e.to_string().contains(&first.to_string()), "{e}");
            assert!(wrong.to_date().unwrap_err().contains("begins"));

            if let Some(last) = era.last_day() {
                let w = WarekiDate::from_date(last).unwrap();
                assert_eq!(w.era, era);
                assert_eq!(parse_date(&w.to_string()), Ok(last));
                assert_eq!(parse_date(&compact(w)), Ok(last));
                assert_eq!(parse_date(&era_code(w)), Ok(last));

                let after = last.succ_opt().unwrap();
                let next = WarekiDate::from_date(after).unwrap();
                assert_ne!(next.era, era);
                assert_eq!(next.year, 1);
                assert_eq!(next.era.first_day(), after);
                let wrong = WarekiDate {
                    era,
                    year: w.year + u32::from(after.year() != last.year()),
                    month: after.month(),
                    day: after.day(),
                };
                let e = err(&wrong.to_string());
                assert!(e.to_string().contains(era.name()), "{e}");
                assert!(e.to_string().contains(&last.to_string()), "{e}");
                assert!(e.to_string().contains("ends"), "{e}");
            } else {
                assert_eq!(era, Era::Reiwa);
            }
        }
    }

    #[test]
    fn spec_boundary_days_are_valid() {
        assert_eq!(parse_date("昭和64年1月7日"), Ok(d(1989, 1, 7)));
        assert_eq!(parse_date("平成元年1月8日"), Ok(d(1989, 1, 8)));
        assert_eq!(parse_date("平成31年4月30日"), Ok(d(2019, 4, 30)));
        assert_eq!(parse_date("令和元年5月1日"), Ok(d(2019, 5, 1)));
        assert_eq!(format(d(1989, 1, 7)).unwrap(), "昭和64年1月7日");
        assert_eq!(format(d(1989, 1, 8)).unwrap(), "平成元年1月8日");
    }

    #[test]
    fn era_table() {
        assert_eq!(
            Era::ALL.map(Era::name),
            ["明治", "大正", "昭和", "平成", "令和"]
        );
        assert_eq!(
            Era::ALL.map(Era::first_year),
            [1868, 1912, 1926, 1989, 2019]
        );
        assert_eq!(Era::of(d(1868, 1, 24)), None);
        assert_eq!(Era::of(d(1868, 1, 25)), Some(Era::Meiji));
        assert_eq!(Era::of(d(2100, 1, 1)), Some(Era::Reiwa));
        assert_eq!(Era::Reiwa.last_day(), None);
        for pair in Era::ALL.windows(2) {
            assert_eq!(
                pair[0].last_day().unwrap().succ_opt(),
                Some(pair[1].first_day())
            );
        }
        for era in Era::ALL {
            assert_eq!(Era::from_code(era.code()), Some(era));
        }
    }

    #[test]
    fn full_width_input() {
        assert_eq!(parse_date("令和７年８月１４日"), Ok(d(2025, 8, 14)));
        assert_eq!(parse_date("２０２６／８／１４"), Ok(d(2026, 8, 14)));
        assert_eq!(parse_date("２０２６－０８－１４"), Ok(d(2026, 8, 14)));
        assert_eq!(parse_date("2026\u{2212}08\u{2212}14"), Ok(d(2026, 8, 14)));
        assert_eq!(parse_date("２０２６０８１４"), Ok(d(2026, 8, 14)));
        assert_eq!(parse_date("Ｒ７．８．１４"), Ok(d(2025, 8, 14)));
        assert_eq!(parse_date("Ｒ７年８月１４日"), Ok(d(2025, 8, 14)));
        assert_eq!(parse_date("昭６０．２．１４"), Ok(d(1985, 2, 14)));
        assert_eq!(parse_date("５０７０８１４"), Ok(d(2025, 8, 14)));
        let e = err("令和５年２月２９日");
        assert_eq!(e.form, DateForm::WarekiKanji);
        assert_eq!(
            e.to_string(),
            "令和５年２月２９日: 2023-02-29 is not a calendar date"
        );
    }

    #[test]
    fn unknown_forms() {
        let expected = "abc: not a date (expected 2026-08-14, 2026/8/14, 20260814, \
                        令和7年8月14日, R07.08.14 or 5070814)";
        assert_eq!(err("abc").to_string(), expected);
        for s in [
            "",
            "abc",
            "260814",
            "202608141",
            "2026-08-14 10:00",
            "2026-08-14T00:00:00",
            "2026/08-14",
            "2026-8",
            "26-08-14",
            "02026-08-14",
            "2026-008-14",
            "R7.8",
            "R7.8/14",
            "R7年8月14",
            "R7年8月14日 ",
            "R.8.14",
            "R1234.1.1",
            "X7.8.14",
            "令和7年8月14日(木)",
            "明和7年8月14日",
            "令成7年8月14日",
            "令和和7年8月14日",
            "元年5月1日",
            "R7年8.14",
            " 2026-08-14",
            "2026-08-1４x",
            "２０２６年８月１４日",
            "R7.8.14.",
            "1234567890123456789012345678901234567890",
            "令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和令和",
        ] {
            let e = err(s);
            assert_eq!(e.form, DateForm::Unknown, "{s}");
            assert_eq!(e.input, s);
            assert!(e.reason.starts_with("not a date"), "{s}");
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(format(d(2026, 11, 26)).unwrap(), "令和8年11月26日");
        assert_eq!(format(d(2019, 5, 1)).unwrap(), "令和元年5月1日");
        assert_eq!(format(d(1868, 1, 25)).unwrap(), "明治元年1月25日");
        assert_eq!(format(d(1868, 1, 24)), None);
        assert_eq!(
            format_with_weekday(d(2027, 2, 26)).unwrap(),
            "令和9年2月26日（金）"
        );
        assert_eq!(
            format_with_weekday(d(2026, 11, 26)).unwrap(),
            "令和8年11月26日（木）"
        );
        assert_eq!(
            format_with_weekday(d(2019, 5, 1)).unwrap(),
            "令和元年5月1日（水）"
        );
        assert_eq!(
            format_with_weekday(d(2026, 8, 16)).unwrap(),
            "令和8年8月16日（日）"
        );
        assert_eq!(
            format_with_weekday(d(2026, 8, 15)).unwrap(),
            "令和8年8月15日（土）"
        );
        assert_eq!(format_with_weekday(d(1800, 1, 1)), None);
    }

    #[test]
    fn to_date_rejects_out_of_range_fields() {
        let w = |era, year, month, day| WarekiDate {
            era,
            year,
            month,
            day,
        };
        assert_eq!(w(Era::Reiwa, 7, 8, 14).to_date(), Ok(d(2025, 8, 14)));
        assert!(w(Era::Reiwa, u32::MAX, 1, 1).to_date().is_err());
        assert!(w(Era::Showa, u32::MAX, 1, 1).to_date().is_err());
        assert!(w(Era::Reiwa, 7, 0, 1).to_date().is_err());
        assert!(w(Era::Reiwa, 7, 1, u32::MAX).to_date().is_err());
        assert_eq!(
            w(Era::Reiwa, 5, 2, 29).to_date(),
            Err("2023-02-29 is not a calendar date".to_owned())
        );
    }

    /// Release-mode speed check: `cargo test --release -- --ignored speed`.
    #[test]
    #[ignore]
    fn speed_one_million_mixed() {
        let inputs = [
            "2026-08-14",
            "2026/8/14",
            "20260814",
            "令和7年8月14日",
            "R07.08.14",
            "5070814",
            "昭60.2.14",
            "H1/1/8",
        ];
        let start = std::time::Instant::now();
        let mut ok = 0usize;
        for i in 0..1_000_000 {
            let s = std::hint::black_box(inputs[i % inputs.len()]);
            ok += usize::from(parse_date(s).is_ok());
        }
        let elapsed = start.elapsed();
        assert_eq!(ok, 1_000_000);
        eprintln!("1,000,000 parses in {elapsed:?}");
        assert!(elapsed.as_secs_f64() < 0.1, "{elapsed:?}");
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let start = d(1873, 1, 1);
        let span = (d(2100, 12, 31) - start).num_days();
        (0..=span).prop_map(move |k| start + chrono::Duration::days(k))
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_strings(s in any::<String>()) {
            let _ = parse_date(&s);
        }

        #[test]
        fn never_panics_on_date_like_strings(
            s in "[0-9０-９年月日元明治大正昭和平成令RHSTMrhstm./／．－\\-]{0,14}"
        ) {
            if let Err(e) = parse_date(&s) {
                prop_assert_eq!(e.input, s);
            }
        }

        #[test]
        fn formatted_dates_parse_back(date in any_date()) {
            let w = WarekiDate::from_date(date).unwrap();
            prop_assert_eq!(w.to_date(), Ok(date));
            prop_assert_eq!(parse_date(&format(date).unwrap()), Ok(date));
            prop_assert_eq!(parse_date(&era_code(w)), Ok(date));
            prop_assert_eq!(parse_date(&compact(w)), Ok(date));
            prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Ok(date));
            prop_assert_eq!(parse_date(&date.format("%Y%m%d").to_string()), Ok(date));
        }
    }
}
