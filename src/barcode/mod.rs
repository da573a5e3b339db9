//! Japan Post's customer barcode (カスタマバーコード), DOMAIN.md §7 and SPEC.md §6.
//!
//! The pipeline is: [`split_address`] finds where the town name (町域) ends
//! using [`PostalData`]; [`address_number`] extracts the 住所表示番号 from the
//! rest; [`encode`] makes the 23 data characters; [`bars`] and [`bar_rects`]
//! turn them into 67 bars and rectangles to draw. [`barcode_for`] does the
//! first three steps at once. Everything here is pure except
//! [`load_ken_all`], which only parses bytes the caller has read. The postal
//! data is [`PostalTable::builtin`] (Japan Post's data built into kigen, see
//! data/postal/) or a municipality's KEN_ALL.CSV ([`PostalTable::from_ken_all`]).

pub(crate) mod bars;
pub mod datamatrix;
pub(crate) mod encode;
pub(crate) mod extract;
pub(crate) mod postal;

pub use bars::{bar_rects, bars, decode_rects, Bar};
pub use encode::{
    check_digit_ok, encode, encode_large_user, manifest_text, parse_manifest_text, BarChar,
    NoBarcode, NoBarcodeReason,
};
pub(crate) use extract::address_number;

use crate::postal_code::PostalCode;
pub use postal::{
    load_ken_all, split_address, KenAll, PostalData, PostalMismatch, PostalTable, TownEntry,
};

/// The barcode characters for an address and its postal code.
///
/// Area representative codes (ending in 00) get none, large-user codes get
/// the postal code and 13 × CC4 whatever the address; otherwise the address
/// must match one of the postal code's towns, and the number after the town
/// is encoded (an address with no number still gets its postal code and
/// 13 × CC4).
pub(crate) fn barcode_for(
    postal: &PostalCode,
    address: &str,
    data: &dyn PostalData,
) -> Result<Vec<BarChar>, NoBarcode> {
    // Refuse area codes before asking the data, which knows them too.
    if postal.is_area_code() {
        return Err(NoBarcode::AreaCode(postal.digits().to_string()));
    }
    let towns = data
        .towns(postal.digits())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| NoBarcode::UnknownPostalCode(postal.digits().to_string()))?;
    if towns.iter().all(|t| t.office.is_some()) {
        return encode_large_user(postal);
    }
    let (_, after_town) = split_address(address, postal, data).map_err(|e| match e {
        PostalMismatch::UnknownPostalCode(p) => NoBarcode::UnknownPostalCode(p),
        PostalMismatch::NoTown { postal, address } => NoBarcode::TownMismatch { postal, address },
    })?;
    encode(postal, &address_number(&after_town))
}

/// The string-taking forms of the entry points, for the tests: a string
/// that is not a postal code is `InvalidPostalCode`, as a registry value
/// would be.
#[cfg(test)]
pub(crate) mod test_shims {
    use super::{BarChar, NoBarcode, PostalData, PostalMismatch};
    use crate::postal_code::PostalCode;

    fn pc(p: &str) -> Result<PostalCode, NoBarcode> {
        PostalCode::parse(p).ok_or_else(|| NoBarcode::InvalidPostalCode(p.to_string()))
    }
    pub(crate) fn encode(p: &str, number: &str) -> Result<Vec<BarChar>, NoBarcode> {
        super::encode(&pc(p)?, number)
    }
    pub(crate) fn encode_large_user(p: &str) -> Result<Vec<BarChar>, NoBarcode> {
        super::encode_large_user(&pc(p)?)
    }
    pub(crate) fn barcode_for(
        p: &str,
        address: &str,
        data: &dyn PostalData,
    ) -> Result<Vec<BarChar>, NoBarcode> {
        super::barcode_for(&pc(p)?, address, data)
    }
    pub(crate) fn split_address(
        address: &str,
        p: &str,
        data: &dyn PostalData,
    ) -> Result<(String, String), PostalMismatch> {
        let code =
            PostalCode::parse(p).ok_or_else(|| PostalMismatch::UnknownPostalCode(p.to_string()))?;
        super::split_address(address, &code, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::test_shims::{barcode_for, encode_large_user};
    use std::collections::HashMap;

    fn data() -> HashMap<String, Vec<TownEntry>> {
        let town = |pref: &str, city: &str, town: &str| TownEntry {
            prefecture: pref.into(),
            city: city.into(),
            town: town.into(),
            office: None,
        };
        let mut m = HashMap::new();
        m.insert("1000013".into(), vec![town("東京都", "千代田区", "霞が関")]);
        m.insert("3850051".into(), vec![town("長野県", "佐久市", "中込")]);
        m.insert("3850022".into(), vec![town("長野県", "佐久市", "岩村田")]);
        m.insert("3840301".into(), vec![town("長野県", "佐久市", "臼田")]);
        m.insert(
            "0600042".into(),
            vec![town("北海道", "札幌市中央区", "大通西")],
        );
        m.insert(
            "0600001".into(),
            vec![town("北海道", "札幌市中央区", "北一条西")],
        );
        m.insert("3850000".into(), vec![town("長野県", "佐久市", "")]);
        m.insert(
            "3840393".into(),
            vec![TownEntry {
                office: Some("佐久総合病院".into()),
                ..town("長野県", "佐久市", "臼田")
            }],
        );
        m
    }

    /// Independent check digit from the manifest tokens.
    fn expected_cd(tokens: &[&str]) -> String {
        let v = |t: &str| match t {
            "-" => 10,
            t if t.starts_with("CC") => 10 + t[2..].parse::<u32>().unwrap(),
            t => t.parse::<u32>().unwrap(),
        };
        let cd = (19 - tokens.iter().map(|t| v(t)).sum::<u32>() % 19) % 19;
        match cd {
            0..=9 => cd.to_string(),
            10 => "-".into(),
            n => format!("CC{}", n - 10),
        }
    }

    /// Returns the 13 address positions as text and checks the rest.
    fn address_part(postal: &str, address: &str) -> String {
        let chars = barcode_for(postal, address, &data()).unwrap();
        assert!(check_digit_ok(&chars));
        let text = manifest_text(&chars);
        let tokens: Vec<&str> = text.split(' ').collect();
        assert_eq!(tokens.len(), 23);
        assert_eq!(tokens[21], expected_cd(&tokens[1..21]), "{text}");
        assert_eq!(bars(&chars).len(), 67);
        tokens[8..21].join(" ")
    }

    #[test]
    fn domain_example() {
        let chars = barcode_for(
            "1000013",
            "東京都千代田区霞が関1丁目3番2号　郵便プラザ503室",
            &data(),
        )
        .unwrap();
        assert_eq!(
            manifest_text(&chars),
            "STC 1 0 0 0 0 1 3 1 - 3 - 2 - 5 0 3 CC4 CC4 CC4 CC4 9 SPC"
        );
    }

    #[test]
    fn addresses_end_to_end() {
        let cc4 = |n: usize| vec!["CC4"; n].join(" ");
        assert_eq!(
            address_part("3850051", "長野県佐久市中込3056"),
            format!("3 0 5 6 {}", cc4(9))
        );
        // Kanji numerals before 丁目/番地/号, a letter room.
        assert_eq!(
            address_part("3850022", "佐久市岩村田十一丁目六番地一号 コーポＡ"),
            format!("1 1 - 6 - 1 CC1 0 {}", cc4(5))
        );
        // Floor in the middle, letter run dropped.
        assert_eq!(
            address_part("3840301", "長野県佐久市臼田2-5 SKビル3F1号"),
            format!("2 - 5 - 3 - 1 {}", cc4(6))
        );
        // Floor at the end.
        assert_eq!(
            address_part("3840301", "佐久市臼田197 ビル2F"),
            format!("1 9 7 - 2 {}", cc4(8))
        );
        // 条 keeps its numeral: only the number after it counts.
        assert_eq!(
            address_part("0600001", "北海道札幌市中央区北一条西二丁目"),
            format!("2 {}", cc4(12))
        );
        // The town's own 一 is inside the town name and never reaches rule 5.
        assert_eq!(
            address_part("0600042", "札幌市中央区大通西十九丁目一番地"),
            format!("1 9 - 1 {}", cc4(9))
        );
        // Truncated at 13 with a letter's control code in position 13.
        assert_eq!(
            address_part("3850051", "佐久市中込12-34-56-789ビルB"),
            "1 2 - 3 4 - 5 6 - 7 8 9 CC1"
        );
        // Letters from each range, full width, with & and ・ deleted.
        assert_eq!(
            address_part("3850051", "佐久市中込１ー２　Ｋ ＆ Ｌ・ Ｕ"),
            format!("1 - 2 CC2 0 CC2 1 CC3 0 {}", cc4(4))
        );
        // No number at all.
        assert_eq!(address_part("3850051", "長野県佐久市中込"), cc4(13));
    }

    #[test]
    fn no_barcode_reasons() {
        let d = data();
        assert_eq!(
            barcode_for("3850000", "長野県佐久市新子田1", &d),
            Err(NoBarcode::AreaCode("3850000".into()))
        );
        assert_eq!(
            barcode_for("3850099", "長野県佐久市中込1", &d),
            Err(NoBarcode::UnknownPostalCode("3850099".into()))
        );
        assert!(matches!(
            barcode_for("3850051", "長野県佐久市岩村田1", &d),
            Err(NoBarcode::TownMismatch { .. })
        ));
        assert!(matches!(
            barcode_for("12", "長野県佐久市中込1", &d),
            Err(NoBarcode::InvalidPostalCode(_))
        ));
        assert_eq!(
            barcode_for("3850000", "長野県佐久市中込1", &d),
            Err(NoBarcode::AreaCode("3850000".into()))
        );
        // Each reason has its own code, label and text: the report groups
        // by them and manifest.csv writes the text.
        let all = NoBarcodeReason::ALL;
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.label(), b.label());
                assert_ne!(a.text(), b.text());
            }
        }
        assert_eq!(
            NoBarcode::UnknownPostalCode("3850099".into()).to_string(),
            "postal code not in the postal data: 3850099"
        );
    }

    #[test]
    fn large_user_ignores_the_address() {
        let chars = barcode_for("3840393", "どこでも", &data()).unwrap();
        assert_eq!(chars, encode_large_user("3840393").unwrap());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::barcode::test_shims::encode;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn extraction_output_is_well_formed(input in "[0-9A-Za-z０-９Ａ-Ｚ一二三十丁目番地号のF条&/・. 　ビル-]{0,40}") {
            let n = address_number(&input);
            prop_assert!(n.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '-'));
            prop_assert!(!n.starts_with('-') && !n.ends_with('-') && !n.contains("--"));
            let chars: Vec<char> = n.chars().collect();
            for w in chars.windows(2) {
                prop_assert!(!(w[0] == '-' && w[1].is_ascii_uppercase()));
                prop_assert!(!(w[1] == '-' && w[0].is_ascii_uppercase()));
            }
            // Not idempotent by design: rule 7 joins single letters
            // (6-7-L-B-106 → 6-7LB106), which a second pass would read as a run.
        }

        #[test]
        fn any_number_encodes_and_round_trips(
            postal in "[0-9]{5}(0[1-9]|[1-9][0-9])",
            number in "[0-9A-Z-]{0,20}",
            pt in 8.0f32..=11.5,
        ) {
            let chars = encode(&postal, &number).unwrap();
            prop_assert_eq!(chars.len(), 23);
            prop_assert!(check_digit_ok(&chars));
            let b = bars(&chars);
            prop_assert_eq!(b.len(), 67);
            let back = decode_rects(&bar_rects(&b, 12.0, 200.0, pt));
            prop_assert_eq!(back, Some(chars));
        }
    }
}
