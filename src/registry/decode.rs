//! Strict decoding of one field's bytes.
//!
//! CP932 here is encoding_rs's `Shift_JIS`, which is the WHATWG definition of
//! Windows-31J: JIS X 0208 with the NEC and IBM extensions (髙 﨑 ① ㈱), and the
//! user-defined area 0xF040–0xF9FC mapped linearly onto U+E000–U+E757, as the
//! SPEC's 外字 rule expects.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, SHIFT_JIS};

use crate::model::InputEncoding;

/// Bytes that are not valid in the input encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadBytes {
    /// Offset of the first bad byte within the field.
    pub(crate) offset: usize,
    /// The offending bytes (at most 4), for the reject line.
    pub(crate) bytes: Vec<u8>,
}

impl BadBytes {
    /// The bytes as `0x82 0x20`.
    pub(crate) fn hex(&self) -> String {
        self.bytes
            .iter()
            .map(|b| format!("0x{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Decodes a field strictly: no replacement characters, ever.
pub(crate) fn decode_field(
    bytes: &[u8],
    encoding: InputEncoding,
) -> Result<Cow<'_, str>, BadBytes> {
    if bytes.is_ascii() {
        // ASCII is the same in both encodings; most fields (codes, dates) are.
        return Ok(Cow::Borrowed(std::str::from_utf8(bytes).map_err(|_| {
            BadBytes {
                offset: 0,
                bytes: Vec::new(),
            }
        })?));
    }
    match encoding {
        InputEncoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) => {
                let start = e.valid_up_to();
                let len = e.error_len().unwrap_or(bytes.len() - start).clamp(1, 4);
                Err(BadBytes {
                    offset: start,
                    bytes: bytes[start..(start + len).min(bytes.len())].to_vec(),
                })
            }
        },
        InputEncoding::Cp932 => {
            if let Some(s) = SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes) {
                return Ok(s);
            }
            Err(locate_cp932_error(bytes))
        }
    }
}

/// Checks that a field decodes strictly, without building its text: for the
/// columns kigen does not read, which must still be valid (SPEC 1: bytes
/// that are not CP932 reject the row, whichever column holds them).
pub(crate) fn validate_field(bytes: &[u8], encoding: InputEncoding) -> Result<(), BadBytes> {
    if bytes.is_ascii() {
        return Ok(());
    }
    match encoding {
        InputEncoding::Utf8 => decode_field(bytes, encoding).map(|_| ()),
        InputEncoding::Cp932 => {
            let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
            let mut scratch = [0u8; 256];
            let mut pos = 0usize;
            loop {
                let (result, read, _) =
                    decoder.decode_to_utf8_without_replacement(&bytes[pos..], &mut scratch, true);
                pos += read;
                match result {
                    DecoderResult::InputEmpty => return Ok(()),
                    DecoderResult::OutputFull => continue,
                    DecoderResult::Malformed(_, _) => return Err(locate_cp932_error(bytes)),
                }
            }
        }
    }
}

/// Finds where strict CP932 decoding fails (the slow path, only for bad rows).
fn locate_cp932_error(bytes: &[u8]) -> BadBytes {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 + 16);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        DecoderResult::Malformed(bad_len, after) => {
            // `read` is just past the malformed sequence and the `after` bytes
            // that were consumed with it.
            let end = read.saturating_sub(after as usize);
            let start = end.saturating_sub(bad_len as usize);
            let shown_end = (start + 2).max(end).min(bytes.len()).min(start + 4);
            BadBytes {
                offset: start,
                bytes: bytes[start..shown_end].to_vec(),
            }
        }
        _ => BadBytes {
            offset: 0,
            bytes: bytes.iter().take(2).copied().collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp932_extensions_and_user_area() {
        let (bytes, _, bad) = SHIFT_JIS.encode("髙﨑①㈱");
        assert!(!bad);
        assert_eq!(
            decode_field(&bytes, InputEncoding::Cp932).unwrap(),
            "髙﨑①㈱"
        );
        // First user-defined code point.
        assert_eq!(
            decode_field(&[0xF0, 0x40], InputEncoding::Cp932).unwrap(),
            "\u{E000}"
        );
        assert_eq!(
            decode_field(&[0xF9, 0xFC], InputEncoding::Cp932).unwrap(),
            "\u{E757}"
        );
    }

    #[test]
    fn bad_cp932_reports_offset() {
        // 山 = 0x8E 0x52; then a lead byte followed by a byte that is no trail byte.
        let e =
            decode_field(&[b'a', 0x8E, 0x52, 0x82, 0x20, b'b'], InputEncoding::Cp932).unwrap_err();
        assert_eq!(e.offset, 3);
        assert_eq!(e.hex(), "0x82 0x20");
        let e = decode_field(&[b'x', 0xFD], InputEncoding::Cp932).unwrap_err();
        assert_eq!(e.offset, 1);
        // A lead byte at the very end.
        let e = decode_field(&[0x8E, 0x52, 0x8E], InputEncoding::Cp932).unwrap_err();
        assert_eq!(e.offset, 2);
    }

    #[test]
    fn validation_agrees_with_decoding() {
        let long = "髙".repeat(700); // many scratch buffers of output
        let (bytes, _, _) = SHIFT_JIS.encode(&long);
        assert!(validate_field(&bytes, InputEncoding::Cp932).is_ok());
        let mut bad = bytes.into_owned();
        bad.extend_from_slice(&[0x85, 0x40]);
        assert_eq!(
            validate_field(&bad, InputEncoding::Cp932)
                .unwrap_err()
                .offset,
            1400
        );
        assert!(validate_field(&[0xFD], InputEncoding::Cp932).is_err());
        assert!(validate_field(b"\xE3\x81", InputEncoding::Utf8).is_err());
    }

    #[test]
    fn bad_utf8_reports_offset() {
        let e = decode_field(b"ab\xE3\x81", InputEncoding::Utf8).unwrap_err();
        assert_eq!(e.offset, 2);
        assert_eq!(
            decode_field("住民".as_bytes(), InputEncoding::Utf8).unwrap(),
            "住民"
        );
    }
}
