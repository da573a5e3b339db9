//! Why a row is rejected: a stable code and a Japanese label the report
//! groups by, with the English sentence rejects.csv has always carried
//! (which may name the row's particulars: a value, a line, a byte).

use std::fmt;

/// The kind of a reason a row of rejects.csv or held.csv carries: what
/// report.html and audit.xlsx group by.
pub(crate) trait ReasonCode: Copy + Ord + 'static {
    /// The file's word in the groups' figure keys (`reject`, `held`).
    const KIND: &'static str;
    /// The stable kebab-case code (the CSV's `code` column).
    fn code(self) -> &'static str;
    /// The Japanese label.
    fn label(self) -> &'static str;
    /// The code of a stable spelling.
    fn from_code(code: &str) -> Option<Self>;
}

impl ReasonCode for RejectCode {
    const KIND: &'static str = "reject";
    fn code(self) -> &'static str {
        RejectCode::code(self)
    }
    fn label(self) -> &'static str {
        RejectCode::label(self)
    }
    fn from_code(code: &str) -> Option<Self> {
        RejectCode::from_code(code)
    }
}

/// The kind of a reject reason: what the auditor's tally groups by, and
/// rejects.csv's `code` column (read back by its code through serde).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RejectCode {
    /// A required value is empty.
    RequiredEmpty,
    /// The 住民コード is not 1-15 ASCII letters or digits.
    ResidentCodeInvalid,
    /// The 住民コード is shared by several 住民 rows.
    ResidentCodeShared,
    /// A date that does not read (the reader's own words follow).
    InvalidDate,
    /// A `card_kind` value `[card_kinds]` does not map.
    CardKindUnmapped,
    /// The 郵便番号 is not 7 digits.
    PostalCodeInvalid,
    /// A flag (転送不要, 支援措置) that is not one of the spellings.
    FlagInvalid,
    /// A 送付先 item without 送付先住所.
    MailToWithoutAddress,
    /// 送付先住所 without a valid 送付先郵便番号.
    MailToPostalCode,
    /// The record is longer than `[input] max_record_bytes`.
    RecordTooLong,
    /// A quoted field is left open.
    QuoteLeftOpen,
    /// The row has another field count than the header.
    FieldCount,
    /// Bytes that are not in the input encoding.
    InvalidBytes,
    /// A value that looks like a 個人番号.
    PersonalNumber,
    /// The card join key is empty.
    JoinKeyEmpty,
    /// The card join key is not a key.
    JoinKeyInvalid,
    /// The card join key is shared by several rows.
    JoinKeyShared,
    /// The card record the row joins is rejected.
    CardRejected,
    /// An expiry beyond the supported range.
    ExpiryOutOfRange,
    /// A 不詳日 birth where an expiry needs the birth date.
    BirthUnknown,
}

impl RejectCode {
    /// Every code, in declaration order.
    pub(crate) const ALL: [RejectCode; 20] = [
        RejectCode::RequiredEmpty,
        RejectCode::ResidentCodeInvalid,
        RejectCode::ResidentCodeShared,
        RejectCode::InvalidDate,
        RejectCode::CardKindUnmapped,
        RejectCode::PostalCodeInvalid,
        RejectCode::FlagInvalid,
        RejectCode::MailToWithoutAddress,
        RejectCode::MailToPostalCode,
        RejectCode::RecordTooLong,
        RejectCode::QuoteLeftOpen,
        RejectCode::FieldCount,
        RejectCode::InvalidBytes,
        RejectCode::PersonalNumber,
        RejectCode::JoinKeyEmpty,
        RejectCode::JoinKeyInvalid,
        RejectCode::JoinKeyShared,
        RejectCode::CardRejected,
        RejectCode::ExpiryOutOfRange,
        RejectCode::BirthUnknown,
    ];

    /// The stable kebab-case code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            RejectCode::RequiredEmpty => "required-empty",
            RejectCode::ResidentCodeInvalid => "resident-code-invalid",
            RejectCode::ResidentCodeShared => "resident-code-shared",
            RejectCode::InvalidDate => "invalid-date",
            RejectCode::CardKindUnmapped => "card-kind-unmapped",
            RejectCode::PostalCodeInvalid => "postal-code-invalid",
            RejectCode::FlagInvalid => "flag-invalid",
            RejectCode::MailToWithoutAddress => "mail-to-without-address",
            RejectCode::MailToPostalCode => "mail-to-postal-code",
            RejectCode::RecordTooLong => "record-too-long",
            RejectCode::QuoteLeftOpen => "quote-left-open",
            RejectCode::FieldCount => "field-count",
            RejectCode::InvalidBytes => "invalid-bytes",
            RejectCode::PersonalNumber => "personal-number",
            RejectCode::JoinKeyEmpty => "join-key-empty",
            RejectCode::JoinKeyInvalid => "join-key-invalid",
            RejectCode::JoinKeyShared => "join-key-shared",
            RejectCode::CardRejected => "card-rejected",
            RejectCode::ExpiryOutOfRange => "expiry-out-of-range",
            RejectCode::BirthUnknown => "birth-unknown",
        }
    }

    /// The code of a stable spelling (the spill file's).
    pub(crate) fn from_code(code: &str) -> Option<RejectCode> {
        RejectCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The Japanese label (report.html's and audit.xlsx's reject tally).
    pub(crate) fn label(self) -> &'static str {
        match self {
            RejectCode::RequiredEmpty => "必須項目が空",
            RejectCode::ResidentCodeInvalid => "住民コードの形式が正しくない",
            RejectCode::ResidentCodeShared => "住民コードが複数の行にある",
            RejectCode::InvalidDate => "日付が読めない",
            RejectCode::CardKindUnmapped => "カード種別がプロファイルにない",
            RejectCode::PostalCodeInvalid => "郵便番号が7桁でない",
            RejectCode::FlagInvalid => "区分の値が読めない",
            RejectCode::MailToWithoutAddress => "送付先住所のない送付先項目",
            RejectCode::MailToPostalCode => "送付先郵便番号が正しくない",
            RejectCode::RecordTooLong => "行が長すぎる",
            RejectCode::QuoteLeftOpen => "引用符が閉じていない",
            RejectCode::FieldCount => "項目数が見出しと異なる",
            RejectCode::InvalidBytes => "文字コードにないバイト",
            RejectCode::PersonalNumber => "個人番号らしい値",
            RejectCode::JoinKeyEmpty => "カード突合キーが空",
            RejectCode::JoinKeyInvalid => "カード突合キーの形式が正しくない",
            RejectCode::JoinKeyShared => "カード突合キーが複数の行にある",
            RejectCode::CardRejected => "カードファイルの行が不備",
            RejectCode::ExpiryOutOfRange => "有効期限が扱える範囲外",
            RejectCode::BirthUnknown => "生年月日不詳（期限を計算できない）",
        }
    }

    /// The reason with this code and `text`.
    pub(crate) fn with(self, text: impl Into<String>) -> RejectReason {
        RejectReason {
            code: self,
            text: text.into(),
        }
    }
}

/// Why a row is rejected: its code and rejects.csv's sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RejectReason {
    code: RejectCode,
    text: String,
}

impl RejectReason {
    /// The kind.
    pub(crate) fn code(&self) -> RejectCode {
        self.code
    }

    /// rejects.csv's sentence.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The same reason naming the other fields at fault (` (also: …)`).
    pub(crate) fn also(mut self, more: &str) -> RejectReason {
        self.text.push_str(more);
        self
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a card row no 住民 row joined is unmatched (cards-unmatched.csv,
/// summary.json's `unmatched_by_reason`, keyed by the code).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub(crate) enum UnmatchedReason {
    /// No row of the export has the key.
    #[serde(rename = "no-registry-row")]
    NoRegistryRow,
    /// The rows with the key are not 住民 (the status follows the code).
    #[serde(rename = "not-resident")]
    NotResident,
}

impl UnmatchedReason {
    /// The stable code (cards-unmatched.csv's reason starts with it).
    pub(crate) fn code(self) -> &'static str {
        match self {
            UnmatchedReason::NoRegistryRow => "no-registry-row",
            UnmatchedReason::NotResident => "not-resident",
        }
    }

    /// The Japanese label. Not yet shown: the report's reason tables still
    /// group rejects.csv's sentences (issue 17), and will group by code.
    #[allow(dead_code)]
    pub(crate) fn label(self) -> &'static str {
        match self {
            UnmatchedReason::NoRegistryRow => "住民記録に対応する行がない",
            UnmatchedReason::NotResident => "対応する行が住民でない",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_read_back() {
        let mut seen = std::collections::HashSet::new();
        for c in RejectCode::ALL {
            assert!(seen.insert(c.code()), "{c:?}");
            assert_eq!(RejectCode::from_code(c.code()), Some(c));
            assert!(!c.label().is_empty());
        }
        assert_eq!(RejectCode::from_code("nonsense"), None);
    }

    #[test]
    fn serde_reads_rejects_csv_code_as_written() {
        for c in RejectCode::ALL {
            let back: RejectCode = serde_json::from_str(&format!("\"{}\"", c.code())).unwrap();
            assert_eq!(back, c);
        }
        assert!(serde_json::from_str::<RejectCode>("\"RequiredEmpty\"").is_err());
    }

    #[test]
    fn unmatched_reasons_key_summary_json_by_their_code() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(UnmatchedReason::NotResident, 2u64);
        m.insert(UnmatchedReason::NoRegistryRow, 1u64);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"no-registry-row":1,"not-resident":2}"#);
        let back: std::collections::BTreeMap<UnmatchedReason, u64> =
            serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        for r in [UnmatchedReason::NoRegistryRow, UnmatchedReason::NotResident] {
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.code())
            );
        }
    }
}
