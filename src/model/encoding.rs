//! The character encodings of the files kigen reads and writes.

/// The character encoding of the registry export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputEncoding {
    /// Windows-31J (Shift_JIS with NEC and IBM extensions). The default.
    #[serde(alias = "cp932", alias = "shift_jis", alias = "windows-31j")]
    Cp932,
    /// UTF-8, with or without a byte-order mark.
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
}

impl std::str::FromStr for InputEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cp932" | "windows-31j" | "shift_jis" | "sjis" => Ok(InputEncoding::Cp932),
            "utf-8" | "utf8" => Ok(InputEncoding::Utf8),
            other => Err(format!("unknown encoding {other:?} (cp932 or utf-8)")),
        }
    }
}

/// CSV output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark, so that Excel opens it (default).
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// CP932 (Windows-31J).
    Cp932,
}

impl std::str::FromStr for CsvEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(CsvEncoding::Utf8),
            "cp932" | "windows-31j" | "shift_jis" | "sjis" => Ok(CsvEncoding::Cp932),
            other => Err(format!("unknown CSV encoding {other:?} (utf-8 or cp932)")),
        }
    }
}
