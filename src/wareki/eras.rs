//! The era table as data (SPEC 9): the five built-in eras plus any a profile
//! adds with `[[eras]] name, letter, code, start`.

use super::{weekday_kanji, Era, MAX_YEAR};
use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::sync::LazyLock;

/// One era of an [`Eras`] table, as a profile's `[[eras]]` entry gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EraDef {
    name: String,
    letter: char,
    code: u32,
    start: NaiveDate,
}

impl EraDef {
    /// An era named `name` (e.g. "令和"), abbreviated `letter` in compact
    /// forms (`R07.08.14`), with digit `code` in the 7-digit form
    /// (`5070814`), whose first day (元年) is `start`. Checked only when
    /// added to a table ([`Eras::with_extra`]).
    pub(crate) fn new(
        name: impl Into<String>,
        letter: char,
        code: u32,
        start: NaiveDate,
    ) -> EraDef {
        EraDef {
            name: name.into(),
            letter,
            code,
            start,
        }
    }

    /// The era name in kanji, e.g. "令和".
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The one-letter abbreviation, e.g. 'R'.
    #[cfg(test)]
    pub(crate) fn letter(&self) -> char {
        self.letter
    }

    /// The digit G of the 7-digit form `GYYMMDD`.
    pub(crate) fn code(&self) -> u32 {
        self.code
    }

    /// The first day of the era (元年).
    pub(crate) fn start(&self) -> NaiveDate {
        self.start
    }
}

/// An era of a table with what the parser derives from its neighbours.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) def: EraDef,
    pub(super) first_year: i32,
    /// The day before the next era's start; `None` for the last era.
    pub(super) last: Option<NaiveDate>,
    /// The last day a date may be written in this era: `last`, or the next
    /// era's first day when the era was renamed during that day (明治45年7月30日,
    /// 大正15年12月25日).
    pub(super) lawful_last: Option<NaiveDate>,
    /// The one-kanji abbreviation (令 for 令和), if the table allows one.
    abbrev: Option<char>,
}

/// No era for this letter or code.
const NONE: u8 = u8::MAX;

/// The era table: the five built-in eras (明治 M 1 … 令和 R 5) and any a
/// profile adds. Parsing and formatting through it follow the table: a date
/// on or after an added era's start formats in that era, the previous era
/// ends the day before, and the added era's name, letter and code parse.
#[derive(Debug, Clone)]
pub(crate) struct Eras {
    /// Oldest first; at most 9 (one per code digit).
    pub(super) rows: Vec<Row>,
    /// Index into `rows` per letter A–Z, [`NONE`] if unused.
    by_letter: [u8; 26],
    /// Index into `rows` per code digit 0–9, [`NONE`] if unused.
    by_code: [u8; 10],
}

static BUILTIN: LazyLock<Eras> = LazyLock::new(|| {
    let defs = Era::ALL
        .map(|e| EraDef::new(e.name(), e.letter(), e.code(), e.first_day()))
        .to_vec();
    Eras::build(defs)
});

/// Whether the era was proclaimed during the day its predecessor's emperor
/// died, so that day is lawfully written in either era (大正, 昭和). 平成 and
/// 令和 began the day after their predecessors ended, and so does an era a
/// profile adds.
fn shares_first_day(i: usize) -> bool {
    i == Era::Taisho as usize || i == Era::Showa as usize
}

/// Characters that a one-kanji abbreviation of an added era may not be, as
/// they begin or occur in the date grammar itself.
const RESERVED_ABBREV: &str = "元推頃春夏秋冬上中下旬不詳";

impl Eras {
    /// The five built-in eras, 明治 to 令和.
    pub(crate) fn builtin() -> &'static Eras {
        &BUILTIN
    }

    /// The built-in eras followed by `extra` (a profile's `[[eras]]`, taken in
    /// order of start date). Each must start after the previous era's start
    /// and by 2999, have a new name of 2–4 kanji (not 年, 月 or 日), a new
    /// letter A–Z and a new code 1–9. The error names the era and the rule.
    ///
    /// An added era's first kanji is accepted as an abbreviation (新7.8.14)
    /// only if no other era begins with it; the built-in abbreviations 明 大
    /// 昭 平 令 always keep their meaning. Added eras begin the day after the
    /// previous one ends (no shared day).
    pub(crate) fn with_extra(mut extra: Vec<EraDef>) -> Result<Eras, String> {
        extra.sort_by_key(|e| e.start);
        let mut defs: Vec<EraDef> = BUILTIN.rows.iter().map(|r| r.def.clone()).collect();
        for e in extra {
            check_extra(&defs, &e).map_err(|why| format!("era {}: {why}", e.name))?;
            defs.push(e);
        }
        Ok(Eras::build(defs))
    }

    /// Builds a table from validated eras, oldest first.
    fn build(defs: Vec<EraDef>) -> Eras {
        let mut by_letter = [NONE; 26];
        let mut by_code = [NONE; 10];
        let n = defs.len();
        let mut rows = Vec::with_capacity(n);
        for (i, def) in defs.iter().enumerate() {
            let idx = u8::try_from(i).expect("at most 9 eras");
            by_letter[usize::from(def.letter as u8 - b'A')] = idx;
            by_code[def.code as usize] = idx;
            let next = defs.get(i + 1);
            let last = next.and_then(|n| n.start.pred_opt());
            let lawful_last = match next {
                Some(n) if shares_first_day(i + 1) => Some(n.start),
                _ => last,
            };
            let first = def.name.chars().next();
            let builtin = i < Era::ALL.len();
            let unique = defs
                .iter()
                .filter(|d| d.name.chars().next() == first)
                .count()
                == 1;
            let abbrev = first.filter(|c| builtin || (unique && !RESERVED_ABBREV.contains(*c)));
            rows.push(Row {
                def: def.clone(),
                first_year: def.start.year(),
                last,
                lawful_last,
                abbrev,
            });
        }
        Eras {
            rows,
            by_letter,
            by_code,
        }
    }

    /// The eras, oldest first.
    pub(crate) fn eras(&self) -> impl ExactSizeIterator<Item = &EraDef> {
        self.rows.iter().map(|r| &r.def)
    }

    /// `d` in the era containing it (for a day both eras share, the new
    /// one), `None` before the first era.
    pub(crate) fn wareki(&self, d: NaiveDate) -> Option<EraDate<'_>> {
        let row = self.rows.iter().rev().find(|r| r.def.start <= d)?;
        let year = u32::try_from(d.year() - row.first_year + 1).ok()?;
        Some(EraDate {
            era: &row.def,
            year,
            month: d.month(),
            day: d.day(),
        })
    }

    /// `d` in 和暦, e.g. "令和8年11月26日"; `None` before the first era.
    pub(crate) fn format(&self, d: NaiveDate) -> Option<String> {
        self.wareki(d).map(|w| w.to_string())
    }

    /// `d` in 和暦 with its weekday, e.g. "令和9年2月26日（金）"; `None`
    /// before the first era.
    pub(crate) fn format_with_weekday(&self, d: NaiveDate) -> Option<String> {
        let w = self.wareki(d)?;
        Some(format!("{w}（{}）", weekday_kanji(d)))
    }

    pub(super) fn by_letter(&self, c: u8) -> Option<u8> {
        let i = *self.by_letter.get(usize::from(c.checked_sub(b'A')?))?;
        (i != NONE).then_some(i)
    }

    pub(super) fn by_code(&self, g: u32) -> Option<u8> {
        let i = *self.by_code.get(usize::try_from(g).ok()?)?;
        (i != NONE).then_some(i)
    }

    /// The era whose name (longest first) or abbreviation begins `s`, with
    /// the length in bytes it takes.
    pub(super) fn match_name(&self, s: &str) -> Option<(u8, usize)> {
        let mut best: Option<(u8, usize)> = None;
        for (i, r) in self.rows.iter().enumerate() {
            let n = r.def.name.len();
            if s.starts_with(r.def.name.as_str()) && best.is_none_or(|(_, b)| n > b) {
                best = Some((i as u8, n));
            }
        }
        if best.is_some() {
            return best;
        }
        let c = s.chars().next()?;
        let i = self.rows.iter().position(|r| r.abbrev == Some(c))?;
        Some((i as u8, c.len_utf8()))
    }

    /// "1-5" for codes 1 to n without gaps.
    pub(super) fn code_summary(&self) -> Option<(u32, u32)> {
        let mut codes: Vec<u32> = self.rows.iter().map(|r| r.def.code).collect();
        codes.sort_unstable();
        let (lo, hi) = (*codes.first()?, *codes.last()?);
        (hi - lo + 1 == codes.len() as u32).then_some((lo, hi))
    }
}

impl Default for Eras {
    /// The built-in eras.
    fn default() -> Eras {
        Eras::builtin().clone()
    }
}

/// Why `e` cannot follow `defs` in a table.
fn check_extra(defs: &[EraDef], e: &EraDef) -> Result<(), String> {
    let n = e.name.chars().count();
    let kanji = |c: char| matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}');
    if !(2..=4).contains(&n) || !e.name.chars().all(kanji) || e.name.contains(['年', '月', '日'])
    {
        return Err("the name must be 2-4 kanji, none of them 年, 月 or 日".into());
    }
    if defs.iter().any(|d| d.name == e.name) {
        return Err("the name is already an era".into());
    }
    if !e.letter.is_ascii_uppercase() {
        return Err(format!(
            "letter {:?} must be an ASCII capital letter A-Z",
            e.letter
        ));
    }
    if let Some(d) = defs.iter().find(|d| d.letter == e.letter) {
        return Err(format!("letter {} is already {}'s", e.letter, d.name));
    }
    if !(1..=9).contains(&e.code) {
        return Err(format!("code {} must be a single digit 1-9", e.code));
    }
    if let Some(d) = defs.iter().find(|d| d.code == e.code) {
        return Err(format!("code {} is already {}'s", e.code, d.name));
    }
    if let Some(d) = defs.last() {
        if e.start <= d.start {
            return Err(format!(
                "start {} must be after {}'s start {}",
                e.start, d.name, d.start
            ));
        }
    }
    if e.start.year() > MAX_YEAR {
        return Err(format!("start {} is after {MAX_YEAR}", e.start));
    }
    Ok(())
}

/// A date in era form in some [`Eras`] table; displays as "令和元年5月1日".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EraDate<'a> {
    /// The era.
    pub(crate) era: &'a EraDef,
    /// The era year, 1 (元年) or more.
    pub(crate) year: u32,
    /// The month, 1–12.
    pub(crate) month: u32,
    /// The day of the month, 1–31.
    pub(crate) day: u32,
}

impl fmt::Display for EraDate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.era.name)?;
        if self.year == 1 {
            f.write_str("元")?;
        } else {
            write!(f, "{}", self.year)?;
        }
        write!(f, "年{}月{}日", self.month, self.day)
    }
}
