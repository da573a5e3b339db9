//! Birth dates (生年月日): the card-date forms plus what the registry may
//! lawfully hold only there (SPEC 9, standard §1.1.8): 29 February of a
//! common year and 不詳日.

use super::eras::Eras;
use super::parse::{self, Cursor, Day, Invalid, Parsed};
use super::parse::{CHU, GATSU, GE, JO, JUN, KORO, MARU, NEN, SEASON};
use super::{DateForm, MAX_YEAR, MIN_YEAR};
use chrono::NaiveDate;

/// Where a 29 February birthday falls in a common year (the profile's
/// `feb29`), for [`BirthDate::resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feb29 {
    /// 28 February (the default).
    Feb28,
    /// 1 March.
    Mar1,
}

/// The calendar days a 不詳日 names, both ends included, already cut to the
/// era it is written in: `平成5年3月上旬` is 1993-03-01..=1993-03-10,
/// `平成31年頃` is 2019-01-01..=2019-04-30. It is what the text says, not a
/// guarantee: a birth `頃` (about) a year may fall outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateSpan {
    /// The first day.
    pub(crate) first: NaiveDate,
    /// The last day.
    pub(crate) last: NaiveDate,
}

/// A 生年月日 as the registry may lawfully hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BirthDate {
    /// A calendar date.
    Exact(NaiveDate),
    /// 29 February of a common year (e.g. 平成3年2月29日): the caller maps it
    /// to 28 February or 1 March by the profile's feb29 rule
    /// ([`BirthDate::resolve`]) and reports `irregular-date`.
    Feb29Common {
        /// The (common) year.
        year: i32,
    },
    /// 不詳日: an unknown or approximate date (`年月日不詳`, `平成5年頃`,
    /// `推定平成5年3月1日` …); the caller reports `birth-date-unknown` and
    /// skips the age checks.
    Unknown {
        /// The field as given, for the report.
        text: String,
        /// The days the text names; `None` for `年月日不詳`. 推定 (estimated)
        /// gives its one day (28 February – 1 March for a common year's 29
        /// February); `春` is March–May, `夏` June–August, `秋`
        /// September–November, and `冬` the whole year, as it may mean
        /// January–February or December.
        span: Option<DateSpan>,
    },
}

impl BirthDate {
    /// The birth date to compute with: the date, or for 29 February of a
    /// common year 28 February or 1 March by `feb29`; `None` for a 不詳日.
    pub(crate) fn resolve(&self, feb29: Feb29) -> Option<NaiveDate> {
        match *self {
            BirthDate::Exact(d) => Some(d),
            BirthDate::Feb29Common { year } => match feb29 {
                Feb29::Feb28 => NaiveDate::from_ymd_opt(year, 2, 28),
                Feb29::Mar1 => NaiveDate::from_ymd_opt(year, 3, 1),
            },
            BirthDate::Unknown { .. } => None,
        }
    }
}

const ALL_UNKNOWN: &str = "年月日不詳";
const SUITEI: &str = "推定";

/// The field as the byte parser takes it: in place if ASCII, else folded
/// into `buf`; `None` if it cannot be a date.
fn bytes<'b>(
    s: &'b str,
    eras: &Eras,
    buf: &'b mut [u8; parse::MAX_NORMALIZED],
) -> Option<&'b [u8]> {
    if s.is_ascii() {
        return Some(s.as_bytes());
    }
    let n = parse::normalize(s, eras, buf)?;
    Some(&buf[..n])
}

pub(super) fn parse(eras: &Eras, s: &str) -> Parsed<BirthDate> {
    let unknown = |span| BirthDate::Unknown {
        text: s.to_owned(),
        span,
    };
    if s == ALL_UNKNOWN {
        return Ok(unknown(None));
    }
    let mut buf = [0u8; parse::MAX_NORMALIZED];
    if let Some(rest) = s.strip_prefix(SUITEI) {
        let form = DateForm::Approximate;
        let b = bytes(rest, eras, &mut buf).ok_or((form, Invalid::Suitei))?;
        let day = kanji_date(eras, b)
            .ok_or((form, Invalid::Suitei))?
            .map_err(|e| (form, e))?;
        let (first, last) = day.bounds();
        return Ok(unknown(Some(DateSpan { first, last })));
    }
    let Some(b) = bytes(s, eras, &mut buf) else {
        return Err((DateForm::Unknown, Invalid::NotABirthDate));
    };
    match parse::parse_exact(eras, b, true) {
        Ok(Day::Date(d)) => Ok(BirthDate::Exact(d)),
        Ok(Day::Feb29(year)) => Ok(BirthDate::Feb29Common { year }),
        // Not a card-date form: perhaps a 不詳日.
        Err((DateForm::Unknown, _)) => approx(eras, b).map(|span| unknown(Some(span))),
        Err(e) => Err(e),
    }
}

/// `平成5年3月1日` or `1993年3月1日` (the dates 推定 takes); `None` if the
/// shape is not that.
fn kanji_date(eras: &Eras, b: &[u8]) -> Option<Result<Day, Invalid>> {
    let mut cur = Cursor { b, pos: 0 };
    if cur.peek()?.is_ascii_digit() {
        let year = cur.digits(4, 4)?;
        cur.eat(NEN)?;
        let (m, d) = cur.kanji_month_day()?;
        return Some(parse::western_day(year, m, d, true));
    }
    let era = cur.era(eras)?;
    let year = cur.era_year()?;
    cur.eat(NEN)?;
    let (m, d) = cur.kanji_month_day()?;
    Some(parse::era_day(eras, era, year, m, d, true))
}

/// The year of a 不詳日: its possible values (○ stands for any digit).
#[derive(Debug, Clone, Copy)]
enum Year {
    Era { era: u8, lo: u32, hi: u32 },
    Western { lo: u32, hi: u32 },
}

/// What a 不詳日 names within its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// 頃 after the year.
    Year,
    /// 春 夏 秋 冬 (0–3).
    Season(u8),
    /// `M月頃`.
    Month(u32),
    /// `M月上旬` (0), 中旬 (1), 下旬 (2).
    Third(u32, u8),
}

/// Reads `YEAR年頃`, `YEAR年春`, `YEAR年M月頃` or `YEAR年M月上旬`; `None`
/// if the shape is not one of them.
fn approx_shape(eras: &Eras, b: &[u8]) -> Option<(Year, Part)> {
    let mut cur = Cursor { b, pos: 0 };
    let (year, marked) = if matches!(cur.peek()?, b'0'..=b'9' | MARU) {
        let (lo, hi, n, marked) = fuzzy_digits(&mut cur);
        (n == 4).then_some((Year::Western { lo, hi }, marked))?
    } else {
        let era = cur.era(eras)?;
        if cur.peek() == Some(parse::GAN) {
            cur.pos += 1;
            (Year::Era { era, lo: 1, hi: 1 }, false)
        } else {
            let (lo, hi, n, marked) = fuzzy_digits(&mut cur);
            let ok = if marked {
                (1..=2).contains(&n)
            } else {
                (1..=3).contains(&n)
            };
            ok.then_some((Year::Era { era, lo, hi }, marked))?
        }
    };
    cur.eat(NEN)?;
    let part = match cur.next()? {
        KORO => Part::Year,
        c if (SEASON..SEASON + 4).contains(&c) => Part::Season(c - SEASON),
        c if c.is_ascii_digit() => {
            cur.pos -= 1;
            let month = cur.digits(1, 2)?;
            cur.eat(GATSU)?;
            match cur.next()? {
                KORO => Part::Month(month),
                k @ (JO | CHU | GE) => {
                    cur.eat(JUN)?;
                    Part::Third(month, k - JO)
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    // A placeholder digit goes only with 年頃 (昭和○○年頃): a month of an
    // unknown year is not a form the standard lists.
    (cur.at_end() && (!marked || part == Part::Year)).then_some((year, part))
}

/// A run of digits and ○: (value with ○ = 0, value with ○ = 9, length,
/// whether any ○ occurs). At most 4 are read.
fn fuzzy_digits(cur: &mut Cursor<'_>) -> (u32, u32, usize, bool) {
    let (mut lo, mut hi, mut n, mut marked) = (0, 0, 0, false);
    while let Some(c) = cur.peek() {
        let (l, h) = match c {
            b'0'..=b'9' => (u32::from(c - b'0'), u32::from(c - b'0')),
            MARU => (0, 9),
            _ => break,
        };
        if n == 4 {
            // Too long for any year: make the caller reject it.
            return (0, 0, 5, marked);
        }
        marked |= c == MARU;
        lo = lo * 10 + l;
        hi = hi * 10 + h;
        n += 1;
        cur.pos += 1;
    }
    (lo, hi, n, marked)
}

/// A 不詳日 other than 推定 and 年月日不詳, as the days it names.
fn approx(eras: &Eras, b: &[u8]) -> Parsed<DateSpan> {
    let Some((year, part)) = approx_shape(eras, b) else {
        // Name what was expected: a 不詳日 if the field uses its words.
        return Err(if b.iter().any(|c| parse::APPROX_MARKERS.contains(c)) {
            (DateForm::Approximate, Invalid::NotApprox)
        } else {
            (DateForm::Unknown, Invalid::NotABirthDate)
        });
    };
    approx_span(eras, year, part).map_err(|e| (DateForm::Approximate, e))
}

fn approx_span(eras: &Eras, year: Year, part: Part) -> Result<DateSpan, Invalid> {
    let (min, max) = (i64::from(MIN_YEAR), i64::from(MAX_YEAR));
    let (y_lo, y_hi) = match year {
        Year::Western { lo, hi } => {
            let (lo, hi) = (i64::from(lo), i64::from(hi));
            if lo > max || hi < min || (lo == hi && !(min..=max).contains(&lo)) {
                return Err(Invalid::YearRange(if lo > max { lo } else { hi }));
            }
            (lo.max(min), hi.min(max))
        }
        Year::Era { era, lo, hi } => {
            if hi == 0 {
                return Err(Invalid::YearZero(era));
            }
            // Checks the first possible year against the era's end.
            let first = parse::era_gregorian(eras, era, lo.max(1))?;
            let row_first = first - i64::from(lo.max(1)) + 1;
            (first, (row_first + i64::from(hi) - 1).min(max))
        }
    };
    let month = |m: u32| {
        if (1..=12).contains(&m) {
            Ok(m)
        } else {
            Err(Invalid::Month(m))
        }
    };
    let (lo, hi) = match part {
        Part::Year => (date(y_lo, 1, 1), date(y_hi, 12, 31)),
        Part::Season(k) => match k {
            0 => (date(y_lo, 3, 1), date(y_lo, 5, 31)),
            1 => (date(y_lo, 6, 1), date(y_lo, 8, 31)),
            2 => (date(y_lo, 9, 1), date(y_lo, 11, 30)),
            _ => (date(y_lo, 1, 1), date(y_lo, 12, 31)),
        },
        Part::Month(m) => {
            let m = month(m)?;
            (date(y_lo, m, 1), month_end(y_lo, m))
        }
        Part::Third(m, k) => {
            let m = month(m)?;
            match k {
                0 => (date(y_lo, m, 1), date(y_lo, m, 10)),
                1 => (date(y_lo, m, 11), date(y_lo, m, 20)),
                _ => (date(y_lo, m, 21), month_end(y_lo, m)),
            }
        }
    };
    let (first, last) = match year {
        Year::Era { era, .. } => parse::clip_to_era(eras, era, lo, hi)?,
        Year::Western { .. } => (lo, hi),
    };
    Ok(DateSpan { first, last })
}

/// A date whose parts are already known valid (year within 1868–2999).
fn date(y: i64, m: u32, d: u32) -> NaiveDate {
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .expect("a checked year, month and day")
}

fn month_end(y: i64, m: u32) -> NaiveDate {
    let next = if m == 12 {
        date(y + 1, 1, 1)
    } else {
        date(y, m + 1, 1)
    };
    next.pred_opt()
        .expect("not the first day of chrono's range")
}
