//! Text normalisation shared by every stage: trimming, line breaks, the one
//! width normaliser (全角 ASCII → ASCII), kana widening, and what counts as a
//! private-use (外字) character.

use std::borrow::Cow;

/// Trims leading and trailing blanks: ASCII space, tab, line breaks and the
/// ideographic space U+3000 (全角スペース).
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace())
}

/// Line breaks and tabs inside a text field (an address typed over two
/// lines of the vendor's screen) as single spaces: they are layout, not
/// characters of the name or address, and no font draws them.
pub(crate) fn collapse_breaks(s: String) -> String {
    if memchr::memchr3(b'\r', b'\n', b'\t', s.as_bytes()).is_none() {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut in_break = false;
    for c in s.chars() {
        if matches!(c, '\r' | '\n' | '\t') {
            if !in_break {
                out.push(' ');
            }
            in_break = true;
        } else {
            out.push(c);
            in_break = false;
        }
    }
    out
}

/// One character's ASCII form when it is a full-width ASCII variant
/// (U+FF01–U+FF5E), the ideographic space U+3000, or U+2212 (−, what CP932's
/// 全角マイナス 0x817C decodes to); any other character is returned as is.
/// The one width rule of kigen: postal codes, dates and the barcode's address
/// numbers all fold through it.
pub(crate) fn ascii_width_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2212}' => '-',
        _ => c,
    }
}

/// A separator a number may be written with, removed before a value is
/// compared as a number (the 個人番号 guard, the card join key): ASCII and
/// ideographic spaces, the hyphens and dashes (`-` `‐` `‑` `–` `—`), the
/// minus signs (`−` `－`) and the long-vowel marks (`ー` `ｰ`) that stand in
/// for a hyphen when a number is typed in kana mode (SPEC 13).
pub(crate) fn is_number_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}'
            | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2212}'
            | '\u{30FC}'
            | '\u{FF70}'
            | '\u{FF0D}'
    )
}

/// A key or number as compared: full-width ASCII folded
/// ([`ascii_width_char`]) and every [`is_number_separator`] removed, so that
/// `Ａ１２－３４` and `A1234` are one key. Borrows when nothing changes.
pub(crate) fn fold_key(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter(|c| !is_number_separator(*c))
            .map(ascii_width_char)
            .filter(|c| !is_number_separator(*c))
            .collect(),
    )
}

/// Whether `c` must not reach a CSV, a report or a terminal as itself: a
/// control character (C0, DEL, C1; ESC among them) or a bidirectional
/// embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which
/// would make a value display reversed (SPEC 13).
pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character of [`needs_escape`] written as `\u{1B}`,
/// `\u{202E}`: values echoed into a CSV, report.html, a log line or a
/// message can then neither break a line, nor carry a terminal escape, nor
/// turn text around (SPEC 10, 13). The one escaping function of kigen.
/// Borrows when there is none.
pub(crate) fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A message for the terminal: like [`escape_controls`], but its own line
/// breaks and tabs kept (a message may have several lines). Used for every
/// error kigen prints (SPEC 13).
pub fn terminal_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_escape(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for line in s.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        for part in body.split_inclusive('\t') {
            let (p, tab) = match part.strip_suffix('\t') {
                Some(p) => (p, "\t"),
                None => (part, ""),
            };
            out.push_str(&escape_controls(p));
            out.push_str(tab);
        }
        out.push_str(nl);
    }
    Cow::Owned(out)
}

/// Physical line numbers of positions in a text read front to back: a line
/// ends at LF, CRLF (counted once: the `csv` crate's own line count takes
/// CR and LF for two line ends) or a lone CR (old Mac files, which the
/// `csv` crate also takes for a record's end). For messages about a CSV
/// kigen reads (SPEC 13).
#[derive(Debug, Default)]
pub(crate) struct LineCounter {
    at: usize,
    line: u64,
}

impl LineCounter {
    /// The 1-based line of byte `offset` of `text`; offsets must not go
    /// backwards between calls (an earlier one is counted from the start).
    /// The `csv` crate gives a record after a CRLF as starting on the LF:
    /// an offset at an LF is taken as the line after it.
    pub(crate) fn line_at(&mut self, text: &[u8], offset: u64) -> u64 {
        let mut to = (offset as usize).min(text.len());
        if text.get(to) == Some(&b'\n') {
            to += 1;
        }
        if to < self.at {
            self.at = 0;
            self.line = 0;
        }
        let chunk = &text[self.at..to];
        let feeds = memchr::memchr_iter(b'\n', chunk).count();
        let lone_crs = memchr::memchr_iter(b'\r', chunk)
            .filter(|&i| text.get(self.at + i + 1) != Some(&b'\n'))
            .count();
        self.line += (feeds + lone_crs) as u64;
        self.at = to;
        self.line + 1
    }
}

/// A character of Unicode's private-use areas: an unmapped 外字 (CP932's
/// user-defined area decodes to U+E000–U+E757) that must never be printed.
pub(crate) fn is_private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}')
}

/// A name as a clerk's lookup compares it (SPEC 14): half-width katakana
/// made full-width, full-width ASCII made ASCII (then lower case), and
/// every space (ASCII or 全角) dropped, so that `佐久　太郎`, `佐久 太郎` and
/// `佐久太郎` are one name, and `ｻｸ ﾀﾛｳ` is `サクタロウ`.
pub(crate) fn fold_name(s: &str) -> String {
    kana_to_full_width(s)
        .chars()
        .map(ascii_width_char)
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Half-width katakana (U+FF61–U+FF9F) to full-width, joining a following
/// voiced or semi-voiced mark (ﾞ ﾟ) into one character: `ｶﾞｸ` → `ガク`.
pub(crate) fn kana_to_full_width(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !('\u{FF61}'..='\u{FF9F}').contains(&c) {
            out.push(c);
            continue;
        }
        let base = HALF_TO_FULL[(c as u32 - 0xFF61) as usize];
        match chars.peek() {
            Some('\u{FF9E}') => {
                if let Some(v) = voiced(base) {
                    out.push(v);
                    chars.next();
                    continue;
                }
            }
            Some('\u{FF9F}') => {
                if let Some(v) = semi_voiced(base) {
                    out.push(v);
                    chars.next();
                    continue;
                }
            }
            _ => {}
        }
        out.push(base);
    }
    Cow::Owned(out)
}

/// U+FF61..=U+FF9F in order.
const HALF_TO_FULL: [char; 63] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー',
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン', '゛', '゜',
];

fn voiced(c: char) -> Option<char> {
    match c {
        'ウ' => Some('ヴ'),
        'カ' | 'キ' | 'ク' | 'ケ' | 'コ' | 'サ' | 'シ' | 'ス' | 'セ' | 'ソ' | 'タ' | 'チ'
        | 'ツ' | 'テ' | 'ト' | 'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => {
            char::from_u32(c as u32 + 1)
        }
        'ワ' => Some('ヷ'),
        'ヲ' => Some('ヺ'),
        _ => None,
    }
}

fn semi_voiced(c: char) -> Option<char> {
    match c {
        'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => char::from_u32(c as u32 + 2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_ideographic_space() {
        assert_eq!(trim("\u{3000} 住民\t\u{3000}"), "住民");
    }

    #[test]
    fn half_width_kana() {
        assert_eq!(kana_to_full_width("ｻｸ ﾀﾛｳ"), "サク タロウ");
        assert_eq!(kana_to_full_width("ｶﾞｸﾎﾟﾝｳﾞｧ"), "ガクポンヴァ");
        assert_eq!(kana_to_full_width("ｱﾞ"), "ア゛");
        assert_eq!(kana_to_full_width("ヤマダ"), "ヤマダ");
    }

    #[test]
    fn breaks_become_one_space() {
        assert_eq!(
            collapse_breaks("岩村田1234\r\nサンハイツ".into()),
            "岩村田1234 サンハイツ"
        );
        assert_eq!(collapse_breaks("a\t\tb".into()), "a b");
    }

    #[test]
    fn ascii_width() {
        let w = |s: &str| s.chars().map(ascii_width_char).collect::<String>();
        assert_eq!(w("３８５－００５１"), "385-0051");
        assert_eq!(w("２０２６／８／１４"), "2026/8/14");
        assert_eq!(w("Ｒ７．８．１４"), "R7.8.14");
        assert_eq!(w("385\u{2212}0051　x"), "385-0051 x");
        assert_eq!(
            escape_controls("a\u{1b}[31mb\r\nc"),
            "a\\u{1B}[31mb\\u{D}\\u{A}c"
        );
        assert_eq!(
            escape_controls("x\u{202E}y\u{2066}z\u{2069}\u{202A}"),
            "x\\u{202E}y\\u{2066}z\\u{2069}\\u{202A}"
        );
        assert_eq!(fold_key("Ａ１２－３４ ｰ5"), "A12345");
        let text = b"h\r\na\r\n\"x\r\ny\"\r\nb\n";
        let mut lines = LineCounter::default();
        assert_eq!(lines.line_at(text, 0), 1);
        assert_eq!(lines.line_at(text, 2), 2, "the LF of a CRLF");
        assert_eq!(lines.line_at(text, 3), 2);
        assert_eq!(lines.line_at(text, 6), 3);
        assert_eq!(lines.line_at(text, 14), 5);
        assert_eq!(lines.line_at(text, 3), 2);
        // A lone CR ends a line too (the fuzzer's find: a record after it
        // was named as on the header's line).
        let text = b"h\ra\r\nb\rc";
        let mut lines = LineCounter::default();
        assert_eq!(lines.line_at(text, 2), 2);
        assert_eq!(lines.line_at(text, 5), 3, "the LF of a CRLF");
        assert_eq!(lines.line_at(text, 8), 4);
        assert_eq!(
            terminal_text("a\u{202E}b\n\tc\u{1b}"),
            "a\\u{202E}b\n\tc\\u{1B}"
        );
        assert!(matches!(fold_key("R001"), Cow::Borrowed("R001")));
        assert!(matches!(escape_controls("住民"), Cow::Borrowed("住民")));
    }
}
