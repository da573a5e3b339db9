//! The byte-level parser shared by card dates and birth dates.

use super::eras::Eras;
use super::{DateForm, MAX_YEAR, MIN_YEAR};
use crate::text::ascii_width_char;
use chrono::NaiveDate;

/// The longest field worth parsing; every accepted form is far shorter, so a
/// longer one is garbage and need not be copied.
pub(super) const MAX_NORMALIZED: usize = 32;

// Non-ASCII characters are mapped to bytes >= 0x80 so they can never be
// confused with anything that arrives as ASCII on the fast path.
pub(super) const NEN: u8 = 0x80; // 年
pub(super) const GATSU: u8 = 0x81; // 月
pub(super) const NICHI: u8 = 0x82; // 日
pub(super) const GAN: u8 = 0x83; // 元 (year 1)
                                 // The 不詳日 words; the card-date grammar never accepts them.
pub(super) const KORO: u8 = 0x90; // 頃
pub(super) const SEASON: u8 = 0x91; // + 0..4: 春 夏 秋 冬
pub(super) const JO: u8 = 0x95; // 上 (上旬)
pub(super) const CHU: u8 = 0x96; // 中 (中旬)
pub(super) const GE: u8 = 0x97; // 下 (下旬)
pub(super) const JUN: u8 = 0x98; // 旬
pub(super) const MARU: u8 = 0x99; // ○ or 〇: a digit the registry does not know
/// First and last marker of the 不詳日 words.
pub(super) const APPROX_MARKERS: std::ops::RangeInclusive<u8> = KORO..=MARU;
/// + index into the era table: an era written by name or abbreviation.
const ERA_NAME: u8 = 0xC0;

/// Folds the input into single bytes: full-width ASCII to ASCII, an era name
/// or abbreviation at the start to its marker, the kanji the date forms use
/// to marker bytes. `None` if any other character occurs or the field is too
/// long, since then it cannot be a date.
pub(super) fn normalize(s: &str, eras: &Eras, buf: &mut [u8; MAX_NORMALIZED]) -> Option<usize> {
    let mut len = 0;
    let mut rest = s;
    // An era name only ever begins a field (after 推定, which the birth
    // parser strips first), so only the start is matched against the table.
    if let Some((idx, n)) = eras.match_name(s) {
        buf[0] = ERA_NAME + idx;
        len = 1;
        rest = &s[n..];
    }
    for c in rest.chars() {
        // Full-width digits, letters and 全角マイナス fold to ASCII by the
        // one width rule (U+3000 becomes a space, which no date form has).
        let b = match ascii_width_char(c) {
            c @ '\u{21}'..='\u{7E}' => c as u8,
            '年' => NEN,
            '月' => GATSU,
            '日' => NICHI,
            '元' => GAN,
            '頃' => KORO,
            '春' => SEASON,
            '夏' => SEASON + 1,
            '秋' => SEASON + 2,
            '冬' => SEASON + 3,
            '上' => JO,
            '中' => CHU,
            '下' => GE,
            '旬' => JUN,
            // ○ (U+25CB) is the standard's placeholder; 〇 (U+3007) looks
            // the same and is what many IMEs give.
            '○' | '〇' => MARU,
            _ => return None,
        };
        *buf.get_mut(len)? = b;
        len += 1;
    }
    Some(len)
}

/// Why a recognised field is not a valid date. Kept allocation-free so the
/// message is only built when an error is actually reported; eras are
/// indices into the table, which [`Invalid::describe`] needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Invalid {
    NotADate,
    /// Not a date and not a 不詳日 (birth dates).
    NotABirthDate,
    /// Uses the 不詳日 words but in no accepted arrangement.
    NotApprox,
    /// 推定 without a full date after it.
    Suitei,
    EraCode(u32),
    Month(u32),
    Day(u32),
    NotCalendar(i64, u32, u32),
    YearRange(i64),
    YearZero(u8),
    Before(u8),
    After(u8),
}

const DATE_FORMS: &str = "2026-08-14, 2026/8/14, 20260814, 令和7年8月14日, R07.08.14 or 5070814";
const APPROX_FORMS: &str = "年月日不詳, 昭和○○年頃, 平成5年頃, 平成5年3月頃, 推定平成5年3月1日, \
                            平成5年春/夏/秋/冬 or 平成5年3月上旬/中旬/下旬; 西暦 years as 1993年頃";

impl Invalid {
    /// The reason for a [`super::DateError`].
    pub(super) fn describe(self, eras: &Eras) -> String {
        let name = |i: u8| eras.rows[usize::from(i)].def.name();
        match self {
            Invalid::NotADate => format!("not a date (expected {DATE_FORMS})"),
            Invalid::NotABirthDate => {
                format!("not a date (expected {DATE_FORMS}, or a 不詳日: {APPROX_FORMS})")
            }
            Invalid::NotApprox => format!("not a 不詳日 (expected {APPROX_FORMS})"),
            Invalid::Suitei => "推定 must be followed by a full date \
                                (推定平成5年3月1日 or 推定1993年3月1日)"
                .to_owned(),
            Invalid::EraCode(g) => {
                let list = eras
                    .eras()
                    .map(|e| format!("{} {}", e.code(), e.name()))
                    .collect::<Vec<_>>()
                    .join(", ");
                match eras.code_summary() {
                    Some((lo, hi)) => format!("era code {g} is not {lo}-{hi} ({list})"),
                    None => format!("era code {g} is not an era's ({list})"),
                }
            }
            Invalid::Month(m) => format!("month {m} is not 1-12"),
            Invalid::Day(d) => format!("day {d} is not 1-31"),
            Invalid::NotCalendar(y, m, d) => {
                format!("{y:04}-{m:02}-{d:02} is not a calendar date")
            }
            Invalid::YearRange(y) => format!("year {y} is outside {MIN_YEAR}-{MAX_YEAR}"),
            Invalid::YearZero(i) => {
                format!("{}0年 does not exist (the first year is 元年)", name(i))
            }
            Invalid::Before(i) => {
                format!(
                    "{} begins {}",
                    name(i),
                    eras.rows[usize::from(i)].def.start()
                )
            }
            Invalid::After(i) => match eras.rows[usize::from(i)].last {
                Some(last) => format!("{} ends {last}", name(i)),
                // Only the last era has no end, and nothing is after it.
                None => format!("{} has no end", name(i)),
            },
        }
    }
}

pub(super) type Parsed<T> = Result<T, (DateForm, Invalid)>;

/// A day a field names: a calendar date, or (birth dates only) 29 February
/// of a common year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Day {
    Date(NaiveDate),
    Feb29(i32),
}

impl Day {
    /// The first and last calendar day the day may stand for: 28 February
    /// and 1 March for a common year's 29 February.
    pub(super) fn bounds(self) -> (NaiveDate, NaiveDate) {
        match self {
            Day::Date(d) => (d, d),
            Day::Feb29(y) => (
                NaiveDate::from_ymd_opt(y, 2, 28).expect("28 February exists"),
                NaiveDate::from_ymd_opt(y, 3, 1).expect("1 March exists"),
            ),
        }
    }
}

fn not_a_date<T>() -> Parsed<T> {
    Err((DateForm::Unknown, Invalid::NotADate))
}

/// Parses a normalized field in the card-date forms. Structural mismatches
/// are `Unknown`; once the shape matches a form, validation errors carry
/// that form. `feb29` lets 29 February of a common year through as
/// [`Day::Feb29`].
pub(super) fn parse_exact(eras: &Eras, b: &[u8], feb29: bool) -> Parsed<Day> {
    match b.first() {
        None => not_a_date(),
        Some(c) if c.is_ascii_digit() => parse_western_or_code(eras, b, feb29),
        Some(_) => parse_wareki(eras, b, feb29),
    }
}

fn parse_western_or_code(eras: &Eras, b: &[u8], feb29: bool) -> Parsed<Day> {
    if b.iter().all(u8::is_ascii_digit) {
        return match b.len() {
            8 => western_day(number(&b[0..4]), number(&b[4..6]), number(&b[6..8]), feb29)
                .map_err(|e| (DateForm::Compact8, e)),
            7 => {
                let form = DateForm::EraCode7;
                let g = number(&b[0..1]);
                let era = eras.by_code(g).ok_or((form, Invalid::EraCode(g)))?;
                let (y, m, d) = (number(&b[1..3]), number(&b[3..5]), number(&b[5..7]));
                era_day(eras, era, y, m, d, feb29).map_err(|e| (form, e))
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
    western_day(year, month, day, feb29).map_err(|e| (DateForm::Iso, e))
}

fn parse_wareki(eras: &Eras, b: &[u8], feb29: bool) -> Parsed<Day> {
    let mut cur = Cursor { b, pos: 0 };
    let Some(era) = cur.era(eras) else {
        return not_a_date();
    };
    // 元年 is written out only in the kanji form (令和元年5月1日).
    let Some(year) = cur.era_year() else {
        return not_a_date();
    };
    let (form, month, day) = match cur.next() {
        Some(NEN) => match cur.kanji_month_day() {
            Some((m, d)) => (DateForm::WarekiKanji, m, d),
            None => return not_a_date(),
        },
        // The compact form is dotted only (R07.08.14, 令7.8.14): SPEC lists
        // no other separator, and `H1-1-8` is too easily a corrupted field.
        Some(sep @ b'.') => match cur.month_day(sep) {
            Some((m, d)) => (DateForm::WarekiCompact, m, d),
            None => return not_a_date(),
        },
        _ => return not_a_date(),
    };
    era_day(eras, era, year, month, day, feb29).map_err(|e| (form, e))
}

/// Value of an all-digit slice that the caller has already checked is at
/// most a few digits long, so it cannot overflow.
pub(super) fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
}

pub(super) struct Cursor<'a> {
    pub(super) b: &'a [u8],
    pub(super) pos: usize,
}

impl Cursor<'_> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    pub(super) fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    pub(super) fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos == self.b.len()
    }

    /// A run of `min..=max` digits; a longer run is rejected rather than
    /// split, so "2026081" never reads as a 4-digit year.
    pub(super) fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
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

    /// `M月D日` to the end of input.
    pub(super) fn kanji_month_day(&mut self) -> Option<(u32, u32)> {
        let month = self.digits(1, 2)?;
        self.eat(GATSU)?;
        let day = self.digits(1, 2)?;
        self.eat(NICHI)?;
        self.at_end().then_some((month, day))
    }

    /// An era year: 1–3 digits, or 元 when 年 follows (元年).
    pub(super) fn era_year(&mut self) -> Option<u32> {
        if self.peek() == Some(GAN) && self.b.get(self.pos + 1) == Some(&NEN) {
            self.pos += 1;
            return Some(1);
        }
        self.digits(1, 3)
    }

    /// An era letter (upper case) or an era name or abbreviation, as an
    /// index into the table.
    pub(super) fn era(&mut self, eras: &Eras) -> Option<u8> {
        let c = self.next()?;
        // Upper-case letters only, as SPEC lists them (R07.08.14, H1.1.8):
        // a lower-case letter is more likely a typing slip than an era.
        if c.is_ascii_uppercase() {
            return eras.by_letter(c);
        }
        let i = c.checked_sub(ERA_NAME)?;
        (usize::from(i) < eras.rows.len()).then_some(i)
    }
}

/// Checks month and day ranges before asking the calendar, so the message
/// names the field that is wrong.
fn calendar_day(year: i64, month: u32, day: u32, feb29: bool) -> Result<Day, Invalid> {
    if !(1..=12).contains(&month) {
        return Err(Invalid::Month(month));
    }
    if !(1..=31).contains(&day) {
        return Err(Invalid::Day(day));
    }
    let y = i32::try_from(year).map_err(|_| Invalid::NotCalendar(year, month, day))?;
    match NaiveDate::from_ymd_opt(y, month, day) {
        Some(d) => Ok(Day::Date(d)),
        // The calendar lacks no other day of a valid month and year; the
        // year must be one the calendar has (Day::bounds relies on it).
        None if feb29 && month == 2 && day == 29 && NaiveDate::from_ymd_opt(y, 2, 28).is_some() => {
            Ok(Day::Feb29(y))
        }
        None => Err(Invalid::NotCalendar(year, month, day)),
    }
}

pub(super) fn western_day(year: u32, month: u32, day: u32, feb29: bool) -> Result<Day, Invalid> {
    let year = i64::from(year);
    if !(i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&year) {
        return Err(Invalid::YearRange(year));
    }
    calendar_day(year, month, day, feb29)
}

/// The Gregorian year of `year` of era `era`, checked to be no later than
/// the era's end and the supported years. i64 because `WarekiDate` fields
/// are public and may hold any u32.
pub(super) fn era_gregorian(eras: &Eras, era: u8, year: u32) -> Result<i64, Invalid> {
    if year == 0 {
        return Err(Invalid::YearZero(era));
    }
    let row = &eras.rows[usize::from(era)];
    let gregorian = i64::from(row.first_year) + i64::from(year) - 1;
    // A year past the era's end is reported as such even when the day would
    // also be off-calendar: the era is the bigger mistake.
    if let Some(last) = row.lawful_last {
        if gregorian > i64::from(chrono::Datelike::year(&last)) {
            return Err(Invalid::After(era));
        }
    }
    if gregorian > i64::from(MAX_YEAR) {
        return Err(Invalid::YearRange(gregorian));
    }
    Ok(gregorian)
}

pub(super) fn era_day(
    eras: &Eras,
    era: u8,
    year: u32,
    month: u32,
    day: u32,
    feb29: bool,
) -> Result<Day, Invalid> {
    let gregorian = era_gregorian(eras, era, year)?;
    let found = calendar_day(gregorian, month, day, feb29)?;
    // A common year's 29 February lies inside the era only if both 28
    // February and 1 March do.
    let (lo, hi) = found.bounds();
    let row = &eras.rows[usize::from(era)];
    if lo < row.def.start() {
        return Err(Invalid::Before(era));
    }
    match row.lawful_last {
        Some(last) if hi > last => Err(Invalid::After(era)),
        _ => Ok(found),
    }
}

/// The part of `lo..=hi` inside era `era`: an error when none is.
pub(super) fn clip_to_era(
    eras: &Eras,
    era: u8,
    lo: NaiveDate,
    hi: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), Invalid> {
    let row = &eras.rows[usize::from(era)];
    let start = row.def.start();
    if hi < start {
        return Err(Invalid::Before(era));
    }
    let hi = match row.lawful_last {
        Some(last) if lo > last => return Err(Invalid::After(era)),
        Some(last) => hi.min(last),
        None => hi,
    };
    Ok((lo.max(start), hi))
}

/// `WarekiDate::to_date`'s check: a calendar date inside the era.
pub(super) fn era_date(
    eras: &Eras,
    era: usize,
    year: u32,
    month: u32,
    day: u32,
) -> Result<NaiveDate, Invalid> {
    let era = u8::try_from(era).map_err(|_| Invalid::NotADate)?;
    match era_day(eras, era, year, month, day, false)? {
        Day::Date(d) => Ok(d),
        Day::Feb29(y) => Err(Invalid::NotCalendar(i64::from(y), 2, 29)),
    }
}
