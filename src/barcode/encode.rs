//! Data characters of the customer barcode: start code, postal code, 13
//! address positions, mod-19 check digit, stop code (DOMAIN.md §7).

use std::fmt;

use crate::postal_code::PostalCode;

/// Number of address positions after the postal code.
pub(crate) const ADDRESS_POSITIONS: usize = 13;

/// Number of data characters from [`BarChar::Start`] to [`BarChar::Stop`].
pub(crate) const CHAR_COUNT: usize = 1 + 7 + ADDRESS_POSITIONS + 1 + 1;

/// One character of the customer barcode.
///
/// `Digit` holds 0–9 and `Cc` 1–8; other values are never produced by
/// [`encode`] and make [`super::bars::bars`] return nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarChar {
    /// A digit, 0–9.
    Digit(u8),
    /// The hyphen `-`.
    Hyphen,
    /// Control code CC1–CC8 (1–8).
    Cc(u8),
    /// Start code (STC).
    Start,
    /// Stop code (SPC).
    Stop,
}

impl BarChar {
    /// The character's check-digit value: 0–9 for digits, 10 for `-`, 11–18
    /// for CC1–CC8; `None` for start, stop and out-of-range values.
    pub(crate) fn value(self) -> Option<u8> {
        match self {
            BarChar::Digit(d) if d <= 9 => Some(d),
            BarChar::Hyphen => Some(10),
            BarChar::Cc(n) if (1..=8).contains(&n) => Some(10 + n),
            _ => None,
        }
    }

    /// The data character whose check-digit value is `value` (0–18).
    pub(crate) fn from_value(value: u8) -> Option<BarChar> {
        match value {
            0..=9 => Some(BarChar::Digit(value)),
            10 => Some(BarChar::Hyphen),
            11..=18 => Some(BarChar::Cc(value - 10)),
            _ => None,
        }
    }
}

impl fmt::Display for BarChar {
    /// The manifest spelling: `0`–`9`, `-`, `CC1`–`CC8`, `STC`, `SPC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BarChar::Digit(d) => write!(f, "{d}"),
            BarChar::Hyphen => f.write_str("-"),
            BarChar::Cc(n) => write!(f, "CC{n}"),
            BarChar::Start => f.write_str("STC"),
            BarChar::Stop => f.write_str("SPC"),
        }
    }
}

/// Why an item gets no customer barcode; [`NoBarcode::reason`] is the text
/// for the manifest and the exception report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoBarcode {
    /// The postal code is not seven digits.
    InvalidPostalCode(String),
    /// The postal code ends in 00: an area representative code, which Japan
    /// Post does not barcode.
    AreaCode(String),
    /// The postal data does not know the postal code.
    UnknownPostalCode(String),
    /// None of the postal code's towns appears in the address.
    TownMismatch {
        /// The postal code, seven digits.
        postal: String,
        /// The address as given.
        address: String,
    },
    /// The address number holds a character other than `0-9`, `A-Z`, `-`.
    InvalidAddressNumber(String),
}

impl fmt::Display for NoBarcode {
    /// The reason followed by the value that caused it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.reason();
        match self {
            NoBarcode::InvalidPostalCode(v) | NoBarcode::InvalidAddressNumber(v) => {
                write!(f, "{reason}: {v:?}")
            }
            NoBarcode::AreaCode(p) | NoBarcode::UnknownPostalCode(p) => write!(f, "{reason}: {p}"),
            NoBarcode::TownMismatch { postal, address } => {
                write!(f, "{reason}: {postal} {address}")
            }
        }
    }
}

impl std::error::Error for NoBarcode {}

impl NoBarcode {
    /// A short fixed English reason, the same for every item of the kind.
    pub(crate) fn reason(&self) -> &'static str {
        self.kind().text()
    }

    /// The kind of reason, without the value that caused it.
    pub(crate) fn kind(&self) -> NoBarcodeReason {
        match self {
            NoBarcode::InvalidPostalCode(_) => NoBarcodeReason::InvalidPostalCode,
            NoBarcode::AreaCode(_) => NoBarcodeReason::AreaCode,
            NoBarcode::UnknownPostalCode(_) => NoBarcodeReason::UnknownPostalCode,
            NoBarcode::TownMismatch { .. } => NoBarcodeReason::TownMismatch,
            NoBarcode::InvalidAddressNumber(_) => NoBarcodeReason::InvalidAddressNumber,
        }
    }
}

/// Why a printed notice has no customer barcode, as the report groups it:
/// each kind has a stable code, a Japanese label for the report and the
/// English text manifest.csv's `barcode_note` has always carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoBarcodeReason {
    /// The run had no postal data (no barcode for anyone).
    NoPostalData,
    /// The postal code is not seven digits.
    InvalidPostalCode,
    /// The postal code ends in 00 (an area representative code).
    AreaCode,
    /// The postal data does not know the postal code.
    UnknownPostalCode,
    /// None of the postal code's towns appears in the address.
    TownMismatch,
    /// The address number holds a character the barcode cannot carry.
    InvalidAddressNumber,
}

impl NoBarcodeReason {
    /// Every reason, in the report's order.
    #[cfg(test)]
    pub(crate) const ALL: [NoBarcodeReason; 6] = [
        NoBarcodeReason::NoPostalData,
        NoBarcodeReason::InvalidPostalCode,
        NoBarcodeReason::AreaCode,
        NoBarcodeReason::UnknownPostalCode,
        NoBarcodeReason::TownMismatch,
        NoBarcodeReason::InvalidAddressNumber,
    ];

    /// The stable kebab-case code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            NoBarcodeReason::NoPostalData => "no-postal-data",
            NoBarcodeReason::InvalidPostalCode => "invalid-postal-code",
            NoBarcodeReason::AreaCode => "area-code",
            NoBarcodeReason::UnknownPostalCode => "unknown-postal-code",
            NoBarcodeReason::TownMismatch => "town-mismatch",
            NoBarcodeReason::InvalidAddressNumber => "invalid-address-number",
        }
    }

    /// The Japanese label (report.html).
    pub(crate) fn label(self) -> &'static str {
        match self {
            NoBarcodeReason::NoPostalData => "郵便番号データが読み込まれていない",
            NoBarcodeReason::InvalidPostalCode => "郵便番号が7桁でない",
            NoBarcodeReason::AreaCode => "地域の代表郵便番号（末尾00）",
            NoBarcodeReason::UnknownPostalCode => "郵便番号データにない郵便番号",
            NoBarcodeReason::TownMismatch => "住所が郵便番号の町域と合わない",
            NoBarcodeReason::InvalidAddressNumber => "住所表示番号に使えない文字がある",
        }
    }

    /// The English text (manifest.csv's `barcode_note`, exceptions.csv).
    pub(crate) fn text(self) -> &'static str {
        match self {
            NoBarcodeReason::NoPostalData => "no postal data loaded",
            NoBarcodeReason::InvalidPostalCode => "postal code is not 7 digits",
            NoBarcodeReason::AreaCode => "area representative postal code (ends in 00)",
            NoBarcodeReason::UnknownPostalCode => "postal code not in the postal data",
            NoBarcodeReason::TownMismatch => "address does not match the postal code's towns",
            NoBarcodeReason::InvalidAddressNumber => "address number has invalid characters",
        }
    }
}

/// The postal code's digits, refusing area representative codes.
fn barcodable_postal(postal: &PostalCode) -> Result<String, NoBarcode> {
    if postal.is_area_code() {
        return Err(NoBarcode::AreaCode(postal.digits().to_string()));
    }
    Ok(postal.digits().to_string())
}

/// Expands an address number into barcode positions: letters take two
/// (control code + digit), everything else one.
fn address_positions(address_number: &str) -> Result<Vec<BarChar>, NoBarcode> {
    let mut out = Vec::with_capacity(address_number.len() * 2);
    for c in address_number.chars() {
        match c {
            '0'..='9' => out.push(BarChar::Digit(c as u8 - b'0')),
            '-' => out.push(BarChar::Hyphen),
            'A'..='J' => out.extend([BarChar::Cc(1), BarChar::Digit(c as u8 - b'A')]),
            'K'..='T' => out.extend([BarChar::Cc(2), BarChar::Digit(c as u8 - b'K')]),
            'U'..='Z' => out.extend([BarChar::Cc(3), BarChar::Digit(c as u8 - b'U')]),
            _ => return Err(NoBarcode::InvalidAddressNumber(address_number.to_string())),
        }
    }
    // Cutting after position 13 keeps a letter's control code there and
    // drops its digit, as Japan Post prescribes.
    out.truncate(ADDRESS_POSITIONS);
    out.resize(ADDRESS_POSITIONS, BarChar::Cc(4));
    Ok(out)
}

/// The check digit over the 20 data positions: (19 − sum mod 19) mod 19,
/// as the character of that value.
fn check_digit(data: &[BarChar]) -> BarChar {
    let sum: u32 = data.iter().filter_map(|c| c.value()).map(u32::from).sum();
    let value = (19 - sum % 19) % 19;
    // `value` is below 19, so from_value always succeeds.
    BarChar::from_value(value as u8).unwrap_or(BarChar::Digit(0))
}

fn assemble(postal7: &str, address: Vec<BarChar>) -> Vec<BarChar> {
    let mut data: Vec<BarChar> = postal7.bytes().map(|b| BarChar::Digit(b - b'0')).collect();
    data.extend(address);
    let cd = check_digit(&data);
    let mut chars = Vec::with_capacity(CHAR_COUNT);
    chars.push(BarChar::Start);
    chars.extend(data);
    chars.push(cd);
    chars.push(BarChar::Stop);
    chars
}

/// The 23 data characters for a postal code and an address number (as made
/// by [`super::address_number`]). An empty address number gives 13 × CC4:
/// DOMAIN.md does not call it an error, and the code is still worth sorting by.
///
/// ```text
/// let chars = encode(&PostalCode::parse("1000013").unwrap(), "1-3-2-503").unwrap();
/// assert_eq!(
///     manifest_text(&chars),
///     "STC 1 0 0 0 0 1 3 1 - 3 - 2 - 5 0 3 CC4 CC4 CC4 CC4 9 SPC"
/// );
/// ```
pub fn encode(postal7: &PostalCode, address_number: &str) -> Result<Vec<BarChar>, NoBarcode> {
    let postal = barcodable_postal(postal7)?;
    let address = address_positions(address_number)?;
    Ok(assemble(&postal, address))
}

/// The 23 data characters for a large-user individual postal code
/// (事業所の個別郵便番号): the postal code and 13 × CC4.
pub fn encode_large_user(postal7: &PostalCode) -> Result<Vec<BarChar>, NoBarcode> {
    let postal = barcodable_postal(postal7)?;
    Ok(assemble(&postal, vec![BarChar::Cc(4); ADDRESS_POSITIONS]))
}

/// Whether `chars` is a well-formed barcode: start, 20 data characters, a
/// check digit that makes the values sum to a multiple of 19, stop.
pub fn check_digit_ok(chars: &[BarChar]) -> bool {
    let [BarChar::Start, body @ .., BarChar::Stop] = chars else {
        return false;
    };
    if body.len() != CHAR_COUNT - 2 {
        return false;
    }
    let values: Option<Vec<u32>> = body.iter().map(|c| c.value().map(u32::from)).collect();
    let Some(values) = values else {
        return false;
    };
    // The postal code is digits only; a control code there means garbage.
    if body[..7].iter().any(|c| !matches!(c, BarChar::Digit(_))) {
        return false;
    }
    values.iter().sum::<u32>() % 19 == 0
}

/// The manifest spelling of a barcode (SPEC.md §5): the characters from STC
/// to SPC separated by single spaces.
pub fn manifest_text(chars: &[BarChar]) -> String {
    chars
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads [`manifest_text`] back (for `verify` and tests); `None` on any token
/// that is not a barcode character.
pub fn parse_manifest_text(text: &str) -> Option<Vec<BarChar>> {
    text.split_whitespace()
        .map(|token| match token {
            "STC" => Some(BarChar::Start),
            "SPC" => Some(BarChar::Stop),
            "-" => Some(BarChar::Hyphen),
            _ => {
                if let Some(n) = token.strip_prefix("CC") {
                    let n: u8 = n.parse().ok()?;
                    (1..=8).contains(&n).then_some(BarChar::Cc(n))
                } else {
                    let d: u8 = token.parse().ok()?;
                    (d <= 9 && token.len() == 1).then_some(BarChar::Digit(d))
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::test_shims::{encode, encode_large_user};

    /// An independent check digit: works on the manifest text, not on
    /// `BarChar::value`, so a wrong value table would show up.
    fn independent_cd(manifest: &str) -> String {
        let tokens: Vec<&str> = manifest.split(' ').collect();
        assert_eq!(tokens.len(), 23);
        let value = |t: &str| -> u32 {
            match t {
                "-" => 10,
                cc if cc.starts_with("CC") => 10 + cc[2..].parse::<u32>().unwrap(),
                d => d.parse().unwrap(),
            }
        };
        let sum: u32 = tokens[1..21].iter().map(|t| value(t)).sum();
        let cd = (19 - sum % 19) % 19;
        match cd {
            0..=9 => cd.to_string(),
            10 => "-".to_string(),
            n => format!("CC{}", n - 10),
        }
    }

    fn manifest(postal: &str, number: &str) -> String {
        manifest_text(&encode(postal, number).unwrap())
    }

    #[test]
    fn domain_example() {
        let m = manifest("1000013", "1-3-2-503");
        assert_eq!(
            m,
            "STC 1 0 0 0 0 1 3 1 - 3 - 2 - 5 0 3 CC4 CC4 CC4 CC4 9 SPC"
        );
        assert_eq!(independent_cd(&m), "9");
    }

    #[test]
    fn letters_take_two_positions() {
        let m = manifest("3850051", "3-20-5B604");
        assert_eq!(
            m.split(' ').skip(8).take(13).collect::<Vec<_>>().join(" "),
            "3 - 2 0 - 5 CC1 1 6 0 4 CC4 CC4"
        );
        let m = manifest("3850051", "AKUJTZ");
        assert!(m.starts_with("STC 3 8 5 0 0 5 1 CC1 0 CC2 0 CC3 0 CC1 9 CC2 9 CC3 5"));
    }

    #[test]
    fn truncation_at_13() {
        let m = manifest("3850022", "1234-5678-90123");
        let address: Vec<&str> = m.split(' ').skip(8).take(13).collect();
        assert_eq!(address.join(""), "1234-5678-901");
        // Position 13 is B's control code: keep CC1, drop its digit 1.
        let m = manifest("3850022", "12-34-56-789B");
        let address: Vec<&str> = m.split(' ').skip(8).take(13).collect();
        assert_eq!(address.join(" "), "1 2 - 3 4 - 5 6 - 7 8 9 CC1");
        assert_eq!(independent_cd(&m), m.split(' ').nth(21).unwrap());
    }

    #[test]
    fn check_digits_match_independent_computation() {
        for (postal, number) in [
            ("1000013", "1-3-2-503"),
            ("3850051", "3056"),
            ("3850022", "1-2-3"),
            ("3840301", "197-2F"),
            ("3840301", "-"),
            ("0600042", "3-20-5B604"),
            ("9999999", "ZZZZZZZ"),
            ("0000001", ""),
        ] {
            let chars = encode(postal, number).unwrap();
            assert_eq!(chars.len(), CHAR_COUNT);
            assert!(check_digit_ok(&chars));
            let m = manifest_text(&chars);
            assert_eq!(m.split(' ').nth(21).unwrap(), independent_cd(&m), "{m}");
        }
    }

    #[test]
    fn every_check_digit_value_occurs() {
        // Sweep the last postal digits so the check digit takes all 19 values,
        // including the hyphen and every control code.
        let mut seen = std::collections::HashSet::new();
        for n in 1..100 {
            let postal = format!("38500{n:02}");
            if postal.ends_with("00") {
                continue;
            }
            for number in ["1", "1-2", "A", "Z9"] {
                let chars = encode(&postal, number).unwrap();
                assert!(check_digit_ok(&chars));
                let m = manifest_text(&chars);
                assert_eq!(m.split(' ').nth(21).unwrap(), independent_cd(&m));
                seen.insert(chars[21]);
            }
        }
        assert_eq!(seen.len(), 19);
    }

    #[test]
    fn area_codes_and_bad_input() {
        assert_eq!(
            encode("3850000", "1"),
            Err(NoBarcode::AreaCode("3850000".into()))
        );
        assert_eq!(
            encode_large_user("1988700"),
            Err(NoBarcode::AreaCode("1988700".into()))
        );
        assert!(matches!(
            encode("38500", "1"),
            Err(NoBarcode::InvalidPostalCode(_))
        ));
        assert!(matches!(
            encode("3850051", "1丁目"),
            Err(NoBarcode::InvalidAddressNumber(_))
        ));
        assert_eq!(
            encode("385-0051", "1").unwrap(),
            encode("３８５－００５１", "1").unwrap()
        );
        assert!(NoBarcode::AreaCode("3850000".into())
            .to_string()
            .contains("area representative"));
    }

    #[test]
    fn large_user() {
        let chars = encode_large_user("3840393").unwrap();
        let m = manifest_text(&chars);
        assert!(m.starts_with(&format!("STC 3 8 4 0 3 9 3{}", " CC4".repeat(13))));
        assert!(check_digit_ok(&chars));
        assert_eq!(chars, encode("3840393", "").unwrap());
    }

    #[test]
    fn check_digit_ok_rejects_damage() {
        let mut chars = encode("1000013", "1-3-2-503").unwrap();
        chars[9] = BarChar::Digit(4);
        assert!(!check_digit_ok(&chars));
        assert!(!check_digit_ok(&[BarChar::Start, BarChar::Stop]));
    }

    #[test]
    fn manifest_round_trip() {
        let chars = encode("3850022", "12-34-56-789B").unwrap();
        assert_eq!(parse_manifest_text(&manifest_text(&chars)), Some(chars));
        assert_eq!(parse_manifest_text("STC CC9"), None);
        assert_eq!(parse_manifest_text("STC 12"), None);
    }
}

/// The worked example of the documentation above, run.
#[cfg(test)]
mod doc_example {
    use super::encode;
    use crate::barcode::manifest_text;
    use crate::postal_code::PostalCode;

    #[test]
    fn the_documented_example_holds() {
        let chars = encode(&PostalCode::parse("1000013").unwrap(), "1-3-2-503").unwrap();
        assert_eq!(
            manifest_text(&chars),
            "STC 1 0 0 0 0 1 3 1 - 3 - 2 - 5 0 3 CC4 CC4 CC4 CC4 9 SPC"
        );
    }
}
