//! The postal code (郵便番号): one type, valid by construction.

use crate::text::ascii_width_char;

/// A seven-digit postal code. Only [`PostalCode::parse`] makes one, so every
/// value holds exactly seven ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostalCode([u8; 7]);

impl PostalCode {
    /// Parses `385-0051` or `3850051`, full-width allowed (SPEC 1). Other
    /// spellings (`〒385-0051`, a ー for the hyphen) are refused: the postal
    /// code decides where the notice goes, so only the documented forms pass.
    pub(crate) fn parse(s: &str) -> Option<PostalCode> {
        let mut out = [0u8; 7];
        let mut n = 0;
        for (i, c) in s.chars().map(ascii_width_char).enumerate() {
            match c {
                '-' if i == 3 && n == 3 => {}
                '0'..='9' if n < 7 => {
                    out[n] = c as u8;
                    n += 1;
                }
                _ => return None,
            }
        }
        // A hyphen anywhere but after the third digit, or one too many
        // characters, never reaches seven digits exactly at the end.
        let len = s.chars().count();
        (n == 7 && (len == 7 || len == 8)).then_some(PostalCode(out))
    }

    /// The seven digits.
    pub(crate) fn digits(&self) -> &str {
        // Seven ASCII digits by construction.
        std::str::from_utf8(&self.0).unwrap_or("0000000")
    }

    /// The first three digits: the district of mailing.csv.
    pub(crate) fn district(&self) -> &str {
        &self.digits()[..3]
    }

    /// An area representative code (ending in 00): no customer barcode.
    pub(crate) fn is_area_code(&self) -> bool {
        self.0[5] == b'0' && self.0[6] == b'0'
    }
}

impl std::fmt::Display for PostalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.digits();
        write!(f, "{}-{}", &d[..3], &d[3..])
    }
}

#[cfg(test)]
mod tests {
    use super::PostalCode;

    #[test]
    fn documented_forms_only() {
        for ok in [
            "385-0051",
            "3850051",
            "３８５－００５１",
            "３８５００５１",
            "385\u{2212}0051",
        ] {
            assert_eq!(
                PostalCode::parse(ok).map(|p| p.to_string()),
                Some("385-0051".into()),
                "{ok}"
            );
        }
        for bad in [
            "",
            "385005",
            "38500511",
            "385-00511",
            "3850-051",
            "〒385-0051",
            "385ー0051",
            "385 0051",
            "385--051",
            "38-50051",
            "abc-defg",
            "-3850051",
        ] {
            assert_eq!(PostalCode::parse(bad), None, "{bad}");
        }
        let p = PostalCode::parse("3840300").unwrap();
        assert!(p.is_area_code());
        assert_eq!(p.district(), "384");
        assert!(!PostalCode::parse("3850051").unwrap().is_area_code());
    }
}
