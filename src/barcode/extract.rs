//! The 住所表示番号 (address number) of the customer barcode, extracted from the
//! part of an address after its town name (町域) by the seven rules of DOMAIN.md §7.

/// Characters that introduce a number a kanji numeral stands for (rule 5).
/// Multi-character suffixes (丁目, 番地, 地割) are matched by their first
/// character except 地割, whose 地 alone also starts ordinary words.
const NUMERAL_SUFFIX_CHARS: [char; 6] = ['丁', '番', '号', '線', 'の', 'ノ'];

/// Extracts the 住所表示番号 from `after_town`, the part of an address after
/// the town name (町域), applying the rules of DOMAIN.md §7 in order:
///
/// 1. full-width digits and letters become half-width, letters upper case;
/// 2. `&`, `/`, `・` and `.` are deleted;
/// 3. digits, hyphens and single letters are kept (runs of two or more
///    letters are not);
/// 4. anything else before a kept character becomes one hyphen; repeated
///    hyphens merge; leading and trailing hyphens are dropped;
/// 5. kanji numerals directly before 丁目, 丁, 番地, 番, 号, 地割, 線, の or ノ
///    become digits (`十一丁目六番地一号` → `11-6-1`), elsewhere they do not;
/// 6. an `F` right after a digit is a floor: it separates like rule 4;
/// 7. hyphens right before or after a letter are removed.
///
/// The result holds only `0-9`, `-` and `A-Z`; it may be empty.
///
/// ```text
/// assert_eq!(address_number("1丁目3番2号　郵便プラザ503室"), "1-3-2-503");
/// assert_eq!(address_number("東3丁目-20-5 郵便・A&bコーポB604号"), "3-20-5B604");
/// ```
pub(crate) fn address_number(after_town: &str) -> String {
    // Rules 1 and 2 work character by character, so they run first and the
    // later rules see one clean sequence.
    let chars: Vec<char> = after_town
        .chars()
        .map(normalize_char)
        .filter(|c| !matches!(c, '&' | '/' | '・' | '.'))
        .collect();
    let chars = convert_kanji_numerals(&chars);
    let tokens = classify(&chars);
    let joined = join_kept(&tokens);
    remove_hyphens_around_letters(&joined)
}

/// Rule 1 plus the look-alikes a registry may hold: full-width ASCII to
/// ASCII, ideographic space to space, dash variants to `-`, and letters to
/// upper case. Each input character maps to exactly one output character so
/// that [`super::postal`] can map positions back to the original text.
pub(crate) fn normalize_char(c: char) -> char {
    let c = match crate::text::ascii_width_char(c) {
        '\u{FF65}' => '・',
        '\u{FF89}' => 'ノ',
        '\u{2010}'..='\u{2015}' | '\u{FE63}' => '-',
        c => c,
    };
    c.to_ascii_uppercase()
}

fn kanji_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn kanji_unit(c: char) -> Option<u32> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || kanji_unit(c).is_some()
}

/// Reads a run of kanji numerals. Both styles occur in addresses: with units
/// (二十三 = 23, 百五 = 105) and positional (一〇五 = 105); a run without any
/// unit character is read positionally so leading zeros survive.
fn kanji_number(run: &[char]) -> String {
    if !run.iter().any(|&c| kanji_unit(c).is_some()) {
        return run
            .iter()
            .filter_map(|&c| kanji_digit(c))
            .map(|d| char::from(b'0' + d as u8))
            .collect();
    }
    let mut total: u32 = 0;
    let mut current: u32 = 0;
    for &c in run {
        if let Some(d) = kanji_digit(c) {
            current = current.saturating_mul(10).saturating_add(d);
        } else if let Some(unit) = kanji_unit(c) {
            // A bare unit (十 in 十一) counts once.
            let factor = if current == 0 { 1 } else { current };
            total = total.saturating_add(factor.saturating_mul(unit));
            current = 0;
        }
    }
    total.saturating_add(current).to_string()
}

fn is_numeral_suffix(rest: &[char]) -> bool {
    match rest {
        [c, ..] if NUMERAL_SUFFIX_CHARS.contains(c) => true,
        ['地', '割', ..] => true,
        _ => false,
    }
}

/// Rule 5: replaces each run of kanji numerals directly followed by one of
/// the numbering suffixes with its arabic digits; other runs (北一条, 千代田)
/// stay as they are and later become separators.
fn convert_kanji_numerals(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_kanji_numeral(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_kanji_numeral(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        if is_numeral_suffix(&chars[i..]) {
            out.extend(kanji_number(run).chars());
        } else {
            out.extend_from_slice(run);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A digit or a single letter: kept as is.
    Kept(char),
    /// A hyphen, or anything that stands for one (rule 4).
    Separator,
}

/// Rules 3, 4 (first half) and 6: decides which characters are kept.
fn classify(chars: &[char]) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            tokens.push(Token::Kept(c));
            i += 1;
        } else if c == 'F' && i > 0 && chars[i - 1].is_ascii_digit() {
            // A floor, even when letters follow (3FB = 3rd floor, room B):
            // the letters after it are judged as a run of their own.
            tokens.push(Token::Separator);
            i += 1;
        } else if c.is_ascii_uppercase() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_uppercase() {
                i += 1;
            }
            if i - start == 1 {
                tokens.push(Token::Kept(c));
            } else {
                tokens.push(Token::Separator);
            }
        } else {
            // Hyphens and everything not kept: kanji, kana, blanks, leftover
            // kanji numerals.
            tokens.push(Token::Separator);
            i += 1;
        }
    }
    tokens
}

/// Rule 4 (second half): a separator only survives between two kept
/// characters, as one hyphen. Trailing separators are dropped like leading
/// ones: "before a kept character" never holds at the end.
fn join_kept(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut pending = false;
    for token in tokens {
        match token {
            Token::Separator => pending = true,
            Token::Kept(c) => {
                if pending && !out.is_empty() {
                    out.push('-');
                }
                out.push(*c);
                pending = false;
            }
        }
    }
    out
}

/// Rule 7: a letter already marks a boundary, so hyphens next to it carry
/// nothing and would waste barcode positions.
fn remove_hyphens_around_letters(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' {
            let before = i > 0 && chars[i - 1].is_ascii_uppercase();
            let after = chars.get(i + 1).is_some_and(|n| n.is_ascii_uppercase());
            if before || after {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(address_number(input), expected, "input: {input}");
    }

    #[test]
    fn domain_examples() {
        check("1丁目3番2号　郵便プラザ503室", "1-3-2-503");
        check("東3丁目-20-5 郵便・A&bコーポB604号", "3-20-5B604");
        check("十一丁目六番地一号", "11-6-1");
        check("1F1号", "1-1");
        check("6-7-L-B-106", "6-7LB106");
    }

    #[test]
    fn full_width_input_is_half_width() {
        check("１丁目２－３　ＡＢＣビル４０５", "1-2-3-405");
        check("３－５ｂ", "3-5B");
    }

    #[test]
    fn deletes_ampersand_slash_dot_and_middle_dot() {
        // Deleting joins what was around them: 1/2 is 12, A&B a letter run.
        check("5-1/2", "5-12");
        check("2-3 A&Bハイツ101", "2-3-101");
        check("7.8", "78");
        check("4-2 X・Y 3", "4-2-3");
    }

    #[test]
    fn single_letters_are_kept_runs_are_separators() {
        check("3-4 コーポA 201", "3-4A201");
        check("3-4 ABCマンション201", "3-4-201");
        check("1-2-3 b棟", "1-2-3B");
    }

    #[test]
    fn floors() {
        check("1F1号", "1-1");
        check("5-3 ビル2F", "5-3-2");
        check("5-3 ビル2F 201", "5-3-2-201");
        check("5-3 2fB", "5-3-2B");
        check("5-3 2FAB", "5-3-2");
        // F not after a digit is an ordinary letter.
        check("5-3 F棟", "5-3F");
    }

    #[test]
    fn kanji_numerals_before_each_suffix() {
        check("三丁目", "3");
        check("三丁", "3");
        check("二十三番地", "23");
        check("四番", "4");
        check("五号", "5");
        check("第十地割", "10");
        check("北二線", "2");
        check("七の八号", "7-8");
        check("九ノ一〇五号", "9-105");
        check("百五番地", "105");
        check("千二百三十四番地", "1234");
        check("二〇番", "20");
    }

    #[test]
    fn kanji_numerals_elsewhere_stay() {
        // 一条 and 三条 are parts of names, not numbers.
        check("北一条西3", "3");
        check("三条5-6", "5-6");
        // Between kept characters the unconverted numerals still separate.
        check("2十三条4", "2-4");
        // A trailing numeral with no suffix is not read.
        check("5番の三", "5");
    }

    #[test]
    fn separators_merge_and_edges_drop() {
        check("  --1--2--  ", "1-2");
        check("字東 12番地", "12");
        check("", "");
        check("無番地", "");
    }

    #[test]
    fn dash_lookalikes_are_hyphens() {
        check("1‐2−3", "1-2-3");
    }
}

/// The worked example of the documentation above, run.
#[cfg(test)]
mod doc_example {
    use super::address_number;

    #[test]
    fn the_documented_example_holds() {
        assert_eq!(address_number("1丁目3番2号　郵便プラザ503室"), "1-3-2-503");
        assert_eq!(
            address_number("東3丁目-20-5 郵便・A&bコーポB604号"),
            "3-20-5B604"
        );
    }
}
