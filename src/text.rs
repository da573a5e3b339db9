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

/// `s` with every control character (C0, DEL, C1) written as `<U+001B>`:
/// values echoed into a CSV, a log line or a message can then neither break
/// a line nor carry a terminal escape (SPEC 10). Borrows when there is none.
pub(crate) fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
            "a<U+001B>[31mb<U+000D><U+000A>c"
        );
        assert!(matches!(escape_controls("住民"), Cow::Borrowed("住民")));
    }
}
