//! Recognising a 個人番号 (マイナンバー) where none belongs, so that it is
//! never written anywhere (SPEC 10): twelve digits whose last is the check
//! digit of 番号法施行令 第8条.

use crate::text::{ascii_width_char, is_number_separator};

/// The reason of a row rejected for a 個人番号 (rejects.csv's `reason`
/// starts with it).
pub(crate) const PERSONAL_NUMBER: &str = "personal-number";

/// What is written in place of a value that is a 個人番号.
pub(crate) const MASKED: &str = "************";

/// Whether `value` is twelve digits with a valid 個人番号 check digit, once
/// full-width digits are folded and every separator kigen knows (spaces,
/// U+3000, hyphens, dashes, minus signs and the long-vowel marks, see
/// [`is_number_separator`]) is removed: `1234 5678 9018`, `１２３４－５６７８－９０１８`
/// and `123456789018` are the same number (SPEC 13).
///
/// The check digit: with P(n) the n-th of the first eleven digits counted
/// from the right and Q(n) = n + 1 for n ≤ 6, n − 5 for n ≥ 7, the remainder
/// r of Σ P(n)·Q(n) by 11 gives 0 when r ≤ 1, else 11 − r.
pub(crate) fn looks_like_my_number(value: &str) -> bool {
    // Twelve digits take twelve bytes at least (three each when full
    // width): most fields (dates, codes, postal codes) are shorter, and
    // every field of every row passes here.
    if value.len() < 12 {
        return false;
    }
    let mut digits = [0u32; 12];
    let mut n = 0;
    for c in value
        .chars()
        .filter(|c| !is_number_separator(*c))
        .map(ascii_width_char)
    {
        if is_number_separator(c) {
            continue;
        }
        let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) else {
            return false;
        };
        if n == 12 {
            return false;
        }
        digits[n] = d;
        n += 1;
    }
    if n != 12 {
        return false;
    }
    let sum: u32 = (1..=11)
        .map(|k| {
            let p = digits[11 - k];
            let q = if k <= 6 { k as u32 + 1 } else { k as u32 - 5 };
            p * q
        })
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    digits[11] == check
}

#[cfg(test)]
mod tests {
    use super::looks_like_my_number;

    #[test]
    fn check_digit_of_the_ordinance() {
        // Worked by hand: 1·2 + 0·3 + 9·4 + 8·5 + 7·6 + 6·7 + 5·2 + 4·3 +
        // 3·4 + 2·5 + 1·6 = 212; 212 mod 11 = 3; 11 − 3 = 8.
        assert!(looks_like_my_number("123456789018"));
        assert!(looks_like_my_number(" １２３４５６７８９０１８ "));
        for wrong in 0..10 {
            if wrong != 8 {
                assert!(!looks_like_my_number(&format!("12345678901{wrong}")));
            }
        }
        // Remainder 0 or 1 gives check digit 0: 00000000000 sums to 0.
        assert!(looks_like_my_number("000000000000"));
        for not in [
            "12345678901",
            "1234567890180",
            "12345678901８x",
            "",
            "1234-5678-9019",
            "1234-5678-901８-0",
            "12345678901a8",
        ] {
            assert!(!looks_like_my_number(not), "{not}");
        }
    }

    #[test]
    fn separators_and_width_are_folded() {
        for spelled in [
            "1234-5678-9018",
            "1234 5678 9018",
            "1234\u{3000}5678\u{3000}9018",
            "１２３４－５６７８－９０１８",
            "1234‐5678‑9018",
            "1234–5678—9018",
            "1234−5678ー9018",
            "1234ｰ5678-9018",
            " 1 2 3 4 5 6 7 8 9 0 1 8 ",
        ] {
            assert!(looks_like_my_number(spelled), "{spelled}");
        }
    }

    #[test]
    fn about_one_in_ten_twelve_digit_numbers_pass() {
        let passing = (0..10_000u64)
            .filter(|i| looks_like_my_number(&format!("{:012}", i * 7919 + 100_000_000_000)))
            .count();
        assert!((800..1200).contains(&passing), "{passing}");
    }
}
