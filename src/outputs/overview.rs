//! What the auditor's two files of a batch show (SPEC 12): report.html
//! ([`super::report`]) and audit.xlsx ([`super::audit`]) are written from
//! one [`Overview`], so that they and summary.json tell the same numbers.
//!
//! The counts are summary.json's own [`Counts`]; print files, districts and
//! barcode coverage come from the manifest's rows as they were written;
//! reject and held reasons are counted from rejects.csv and held.csv, read
//! back record by record (the pipeline does not keep those rows), with
//! Japanese names for the codes and columns.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use super::csvfile::for_each_record;
pub(crate) use super::districts::DistrictCount;
use super::districts::{per_district, per_file_and_district};
use super::manifest::ManifestRow;
use super::rows::{HeldRecord, RejectRecord};
use crate::barcode::NoBarcodeReason;
use crate::error::{Error, Result};
use crate::model::{Counts, HoldCode, ReasonCode, RejectCode};

/// Who and what a batch is: the identity the report and the workbook open
/// with (summary.json's, less the timings).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity<'a> {
    /// `<as-of>`, or `<as-of>.N` for a supplement.
    pub(crate) batch_id: &'a str,
    /// The batch date.
    pub(crate) as_of: NaiveDate,
    /// kigen's version.
    pub(crate) version: &'a str,
    /// SHA-256 of the export's bytes processed.
    pub(crate) input_sha256: &'a str,
    /// The export's size.
    pub(crate) input_bytes: u64,
    /// The profile used (`builtin:saku` or its directory).
    pub(crate) profile: &'a str,
    /// SHA-256 of its profile.toml.
    pub(crate) profile_sha256: &'a str,
    /// The postal data used for barcodes.
    pub(crate) postal_data: &'a str,
}

/// One print file as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrintFileFacts {
    /// Path in the batch (`print/notices-0001.pdf`).
    pub(crate) file: String,
    /// Packets in it.
    pub(crate) packets: u64,
    /// Pages in it.
    pub(crate) pages: u64,
    /// Its size.
    pub(crate) bytes: u64,
    /// Its SHA-256 (lower-case hex), as summary.json records it.
    pub(crate) sha256: String,
}

/// The packets without a barcode for one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NoBarcodeGroup {
    /// Packets.
    pub(crate) packets: u64,
    /// The first few of their postal codes, in order, each once (see
    /// [`NO_BARCODE_EXAMPLES`]).
    pub(crate) examples: Vec<String>,
    /// Other postal codes than the examples had this reason too.
    pub(crate) more: bool,
}

/// The most example postal codes a [`NoBarcodeGroup`] keeps (the report's
/// table must not grow with the city).
pub(crate) const NO_BARCODE_EXAMPLES: usize = 3;

impl NoBarcodeGroup {
    fn add(&mut self, postal_code: String) {
        self.packets += 1;
        if self.examples.contains(&postal_code) {
            return;
        }
        if self.examples.len() < NO_BARCODE_EXAMPLES {
            self.examples.push(postal_code);
        } else {
            self.more = true;
        }
    }
}

/// The printed packets as the mail room counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MailFacts {
    /// Packets (= manifest rows).
    pub(crate) packets: u64,
    /// Pages.
    pub(crate) pages: u64,
    /// Packets to addresses marked 転送不要 (printed apart).
    pub(crate) non_forwardable: u64,
    /// Packets with a customer barcode.
    pub(crate) with_barcode: u64,
    /// Packets without one, per reason (the manifest's `barcode_note`
    /// without its postal code).
    pub(crate) without_barcode: BTreeMap<NoBarcodeReason, NoBarcodeGroup>,
    /// Per district, in district order.
    pub(crate) districts: Vec<DistrictCount>,
}

impl MailFacts {
    /// Counts the manifest's rows.
    pub(crate) fn from_rows(rows: &[ManifestRow<'_>]) -> Self {
        let mut m = MailFacts::default();
        for row in rows {
            let r = &row.notice.resident;
            m.packets += 1;
            m.pages += row.pages as u64;
            m.non_forwardable += u64::from(r.non_forwardable);
            match &row.notice.barcode {
                Ok(_) => m.with_barcode += 1,
                Err(why) => m
                    .without_barcode
                    .entry(why.reason)
                    .or_default()
                    .add(why.postal_code.to_string()),
            }
        }
        m.districts = per_district(&per_file_and_district(rows));
        m
    }
}

/// The most reason groups a [`ReasonTally`] keeps apart; any further ones
/// are counted together (a run whose every reject has its own reason must
/// not grow the report without bound).
const MAX_REASON_GROUPS: usize = 200;

/// The group further reasons are counted in, past [`MAX_REASON_GROUPS`].
pub(crate) const OTHER_REASONS: &str = "（その他の理由）";

/// Rows of rejects.csv or held.csv counted by field and by reason `R`:
/// rejects by their [`RejectCode`], held rows by their [`HoldCode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReasonTally<R> {
    /// Rows read.
    pub(crate) rows: u64,
    /// Rows per field (column header) at fault.
    pub(crate) by_field: BTreeMap<String, u64>,
    /// Rows per (field, reason); `("", None)` is the group of the reasons
    /// past [`MAX_REASON_GROUPS`] ([`OTHER_REASONS`]).
    pub(crate) by_reason: BTreeMap<(String, Option<R>), u64>,
}

impl<R> Default for ReasonTally<R> {
    fn default() -> Self {
        ReasonTally {
            rows: 0,
            by_field: BTreeMap::new(),
            by_reason: BTreeMap::new(),
        }
    }
}

impl<R: Ord> ReasonTally<R> {
    fn add(&mut self, field: &str, reason: R) {
        self.rows += 1;
        *self.by_field.entry(field.to_string()).or_insert(0) += 1;
        let mut key = (field.to_string(), Some(reason));
        if !self.by_reason.contains_key(&key) && self.by_reason.len() >= MAX_REASON_GROUPS {
            key = (String::new(), None);
        }
        *self.by_reason.entry(key).or_insert(0) += 1;
    }

    /// The reason groups, most frequent first (then by field and reason);
    /// `None` is [`OTHER_REASONS`].
    pub(crate) fn reasons_by_count(&self) -> Vec<(&str, Option<&R>, u64)> {
        let mut v: Vec<(&str, Option<&R>, u64)> = self
            .by_reason
            .iter()
            .map(|((f, r), n)| (f.as_str(), r.as_ref(), *n))
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)).then(a.1.cmp(&b.1)));
        v
    }

    /// Whether some reasons were counted together past
    /// [`MAX_REASON_GROUPS`].
    pub(crate) fn has_others(&self) -> bool {
        self.by_reason.keys().any(|(_, r)| r.is_none())
    }
}

/// The key of a reason group's figure (report.html's `data-k`, audit.xlsx's
/// キー): `reject:{field}:{code}` or `held:{field}:{code}`, and
/// `reject:other` / `held:other` for the reasons past the tally's bound.
pub(crate) fn group_key<R: ReasonCode>(field: &str, code: Option<R>) -> String {
    match code {
        Some(c) => format!("{}:{field}:{}", R::KIND, c.code()),
        None => format!("{}:other", R::KIND),
    }
}

/// Reads a CSV output of the batch record by record (UTF-8 with a BOM, or
/// CP932), without its header: the bounded-memory twin of
/// [`super::csvfile::read_csv`], for files that may hold a row per input
/// row.
pub(crate) fn each_record(
    path: &Path,
    mut f: impl FnMut(&csv::StringRecord) -> Result<()>,
) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |message: String| Error::Input {
        path: path.to_path_buf(),
        message,
    };
    let text: std::borrow::Cow<'_, str> = match bytes.strip_prefix("\u{FEFF}".as_bytes()) {
        Some(rest) => std::str::from_utf8(rest)
            .map_err(|e| bad(e.to_string()))?
            .into(),
        None => {
            let (t, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
            if had_errors {
                return Err(bad("neither UTF-8 with BOM nor CP932".into()));
            }
            t
        }
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec).map_err(|e| bad(e.to_string()))? {
        f(&rec)?;
    }
    Ok(())
}

/// Counts rejects.csv by field and reason code, read back by header name.
pub(crate) fn tally_rejects(path: &Path) -> Result<ReasonTally<RejectCode>> {
    tally_codes(path, |r: RejectRecord| (r.field, r.code))
}

/// Counts held.csv by field and hold code, read back by header name.
pub(crate) fn tally_held(path: &Path) -> Result<ReasonTally<HoldCode>> {
    tally_codes(path, |r: HeldRecord| (r.field, r.code))
}

/// Counts a CSV of the batch by (field, code) of each record; a record
/// without a code is an error naming its line (kigen wrote the file).
fn tally_codes<T: serde::de::DeserializeOwned, R: ReasonCode>(
    path: &Path,
    field_and_code: impl Fn(T) -> (String, Option<R>),
) -> Result<ReasonTally<R>> {
    let mut t = ReasonTally::default();
    let mut line = 1;
    for_each_record(path, |record: T| {
        line += 1;
        let (field, code) = field_and_code(record);
        let code = code.ok_or_else(|| format!("line {line}: no code"))?;
        t.add(&field, code);
        Ok(())
    })
    .map_err(|message| Error::Input {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(t)
}

/// Everything the report and the workbook show.
#[derive(Debug)]
pub(crate) struct Overview<'a> {
    /// The batch's identity.
    pub(crate) identity: Identity<'a>,
    /// summary.json's counts (the very same value).
    pub(crate) counts: &'a Counts,
    /// The print files, in the manifest's order.
    pub(crate) print_files: &'a [PrintFileFacts],
    /// The printed packets as the mail room counts them.
    pub(crate) mail: MailFacts,
    /// rejects.csv, counted by code.
    pub(crate) rejects: ReasonTally<RejectCode>,
    /// held.csv, counted by code.
    pub(crate) held: ReasonTally<HoldCode>,
}

/// The Japanese names the auditor reads: outcomes, exception codes, notice
/// kinds and the CSV columns. A code with no name here is shown as it is.
pub(crate) mod labels {
    /// An outcome (outcomes.csv's spelling).
    pub(crate) fn outcome(o: &str) -> &str {
        match o {
            "rejected" => "不備（読めない行）",
            "excluded" => "対象外（住民状態）",
            "no-item" => "カードなし",
            "not-due" => "通知時期でない",
            "already-noticed" => "通知済み",
            "residence-period" => "在留期間による期限（通知しない）",
            "immigration-card" => "特定在留カード（入管で更新・通知しない）",
            "deferred" => "上限により翌日以降に印刷",
            "held" => "保留（印刷できない文字など）",
            "printed" => "通知書を印刷",
            other => other,
        }
    }

    /// An exceptions.csv code.
    pub(crate) fn exception(code: &str) -> &str {
        match code {
            "expiry-mismatch" => "記録の有効期限が計算と異なる",
            "feb29" => "2月29日生まれ（期限を計算）",
            "age-basis" => "申請時と発行時で年齢区分が異なる",
            "sign-cert-under-15" => "15歳未満に署名用電子証明書",
            "expired-unnoticed" => "通知しないまま期限切れ",
            "no-barcode" => "カスタマバーコードなし",
            "postal-mismatch" => "郵便番号と住所が合わない",
            "irregular-date" => "暦にない生年月日（2月29日）",
            "birth-date-unknown" => "生年月日不詳",
            "issued-before-birth" => "発行日が生年月日より前",
            other => other,
        }
    }

    /// A notice kind (manifest.csv's `kind`).
    pub(crate) fn kind(k: &str) -> &str {
        match k {
            "card" => "カード（交付申請）",
            "certificate" => "電子証明書（更新）",
            "residence" => "在留期間（有効期間の変更）",
            "tokutei" => "特定在留カード（入管で更新）",
            other => other,
        }
    }

    /// A notice kind in a cell of its own (audit.xlsx's 通知種別).
    pub(crate) fn kind_short(k: &str) -> &str {
        match k {
            "card" => "カード",
            "certificate" => "電子証明書",
            "residence" => "在留期間",
            "tokutei" => "特定在留カード",
            other => other,
        }
    }

    /// English phrases of exceptions.csv's details and their Japanese, in
    /// the order they are replaced (a longer phrase before any it holds).
    /// The Japanese follows the English word order, so the values between
    /// the phrases (dates, items, sizes) stay where they are.
    const DETAIL_PHRASES: [(&str, &str); 26] = [
        (": recorded ", "：記録 "),
        (", computed ", "、計算 "),
        ("; the recorded date is used", "（記録の日付を使用）"),
        (
            "born 29 February; computed expiry for ",
            "2月29日生まれ：計算した有効期限（",
        ),
        (" depends on the feb29 setting", "）は feb29 の設定による"),
        ("card expiry ", "カードの有効期限 "),
        (" by age at application, ", "（申請時の年齢）、"),
        (" by age at issue", "（発行時の年齢）"),
        ("signing certificate issued ", "署名用電子証明書の発行 "),
        (" to a person under 15", "（15歳未満の者に）"),
        ("issued before the birth date: ", "生年月日より前の発行："),
        (
            "; birthdays counted from the birth",
            "（誕生日は生年月日から数える）",
        ),
        (" with no notice issued", " に通知しないまま期限切れ"),
        (" expired ", "："),
        (
            " is 29 February of a common year; taken as ",
            " は平年の2月29日：",
        ),
        (" (feb29 = ", " とした（feb29 = "),
        (
            " is 不詳: the recorded expiries are used, the age checks skipped",
            " は不詳：記録の有効期限を使用し、年齢の確認は省略",
        ),
        ("postal code is not 7 digits", "郵便番号が7桁でない"),
        (
            "area representative postal code (ends in 00)",
            "地域の代表郵便番号（末尾 00）",
        ),
        (
            "postal code not in the postal data",
            "郵便データにない郵便番号",
        ),
        (
            "address does not match the postal code's towns",
            "住所が郵便番号の町域と合わない",
        ),
        (
            "address number has invalid characters",
            "番地に使えない文字がある",
        ),
        (
            " mm, past the office-use strip",
            " mm（事務処理欄に重なる）",
        ),
        (" wording reaches ", " の文面の下端："),
        (
            " wording does not fit one A4 page even at 7 pt (",
            " の文面が 7 pt でも A4 一枚に収まらない（",
        ),
        ("the address block needs ", "宛名欄に必要な高さ "),
    ];

    /// The item keys (`card`, `user_cert`, `sign_cert`) as words.
    const ITEM_WORDS: [(&str, &str); 3] = [
        ("user_cert", "利用者証明用電子証明書"),
        ("sign_cert", "署名用電子証明書"),
        ("card", "カード"),
    ];

    /// An exceptions.csv detail in Japanese, for the auditor's workbook:
    /// the known phrases and item keys translated, values kept as written;
    /// text kigen did not write (a value quoted in it) is left as it is.
    pub(crate) fn exception_detail(detail: &str) -> String {
        let mut s = detail.to_string();
        for (en, ja) in DETAIL_PHRASES {
            s = s.replace(en, ja);
        }
        s = s
            .replace(" mm of a ", " mm（窓の高さ ")
            .replace(" mm window", " mm）")
            .replace("the [", "[");
        if s.ends_with(')') && s.contains("（feb29 = ") {
            s.pop();
            s.push('）');
        }
        for (en, ja) in ITEM_WORDS {
            s = replace_word(&s, en, ja);
        }
        s
    }

    /// `word` replaced where it stands alone (not inside another word).
    fn replace_word(s: &str, word: &str, by: &str) -> String {
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find(word) {
            let before = rest[..i].chars().next_back();
            let after = rest[i + word.len()..].chars().next();
            out.push_str(&rest[..i]);
            if before.is_some_and(is_word) || after.is_some_and(is_word) {
                out.push_str(word);
            } else {
                out.push_str(by);
            }
            rest = &rest[i + word.len()..];
        }
        out.push_str(rest);
        out
    }

    /// A CSV column, by its machine name.
    pub(crate) fn column(key: &str) -> &str {
        match key {
            "seq" => "連番",
            "file" => "印刷ファイル",
            "first_page" => "開始ページ",
            "pages" => "ページ数",
            "resident_code" => "住民コード",
            "name" => "氏名",
            "postal_code" => "郵便番号",
            "kind" => "通知種別",
            "card_expiry" => "カード有効期限",
            "card_due" => "カード通知",
            "user_cert_expiry" => "利用者証明用電子証明書有効期限",
            "user_cert_due" => "利用者証明用通知",
            "sign_cert_expiry" => "署名用電子証明書有効期限",
            "sign_cert_due" => "署名用通知",
            "non_forwardable" => "転送不要",
            "barcode" => "カスタマバーコード",
            "document_number" => "文書番号",
            "barcode_note" => "バーコードなしの理由",
            "mail_to" => "送付先あり",
            "line" => "行",
            "field" => "項目",
            "value" => "値",
            "reason" => "理由",
            "source" => "入力元",
            "code_point" => "文字コード",
            "code" => "例外コード",
            "detail" => "内容",
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_details_read_in_japanese() {
        let cases = [
            (
                "card: recorded 2031-05-01, computed 2031-05-02; the recorded date is used",
                "カード：記録 2031-05-01、計算 2031-05-02（記録の日付を使用）",
            ),
            (
                "born 29 February; computed expiry for card, user_cert depends on the feb29 setting",
                "2月29日生まれ：計算した有効期限（カード, 利用者証明用電子証明書）は feb29 の設定による",
            ),
            (
                "card expiry 2030-01-01 by age at application, 2035-01-01 by age at issue",
                "カードの有効期限 2030-01-01（申請時の年齢）、2035-01-01（発行時の年齢）",
            ),
            (
                "signing certificate issued 2024-04-01 to a person under 15",
                "署名用電子証明書の発行 2024-04-01（15歳未満の者に）",
            ),
            (
                "issued before the birth date: sign_cert; birthdays counted from the birth",
                "生年月日より前の発行：署名用電子証明書（誕生日は生年月日から数える）",
            ),
            (
                "user_cert expired 2026-10-01 with no notice issued",
                "利用者証明用電子証明書：2026-10-01 に通知しないまま期限切れ",
            ),
            (
                "生年月日 平成3年2月29日 is 29 February of a common year; taken as 1991-02-28 (feb29 = feb28)",
                "生年月日 平成3年2月29日 は平年の2月29日：1991-02-28 とした（feb29 = feb28）",
            ),
            (
                "生年月日 昭和30年不詳 is 不詳: the recorded expiries are used, the age checks skipped",
                "生年月日 昭和30年不詳 は不詳：記録の有効期限を使用し、年齢の確認は省略",
            ),
            (
                "〒385-0000: area representative postal code (ends in 00)",
                "〒385-0000: 地域の代表郵便番号（末尾 00）",
            ),
            (
                "the [inquiry] wording reaches 250 mm, past the office-use strip",
                "[inquiry] の文面の下端：250 mm（事務処理欄に重なる）",
            ),
            (
                "the address block needs 41.0 mm of a 40.0 mm window",
                "宛名欄に必要な高さ 41.0 mm（窓の高さ 40.0 mm）",
            ),
        ];
        for (en, ja) in cases {
            assert_eq!(labels::exception_detail(en), ja, "{en}");
        }
        // A word that only holds an item key is left alone.
        assert_eq!(labels::exception_detail("cardboard"), "cardboard");
    }

    #[test]
    fn rejects_are_tallied_by_field_and_code_read_by_header_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rejects.csv");
        std::fs::write(
            &path,
            "\u{FEFF}line,resident_code,field,value,reason,code,source\r\n\
             2,A1,郵便番号,12345,郵便番号 must be 7 digits (12345),postal-code-invalid,registry\r\n\
             3,A2,郵便番号,3850,郵便番号 must be 7 digits (3850),postal-code-invalid,registry\r\n\
             4,A3,生年月日,x,x: not a date,invalid-date,registry\r\n",
        )
        .unwrap();
        let t = tally_rejects(&path).unwrap();
        assert_eq!(t.rows, 3);
        assert_eq!(
            t.reasons_by_count(),
            [
                ("郵便番号", Some(&RejectCode::PostalCodeInvalid), 2),
                ("生年月日", Some(&RejectCode::InvalidDate), 1),
            ]
        );
        // A code kigen does not know is an error naming the line, not a
        // group of its own.
        std::fs::write(
            &path,
            "\u{FEFF}line,resident_code,field,value,reason,code,source\r\n\
             2,A1,郵便番号,12345,why,no-such-code,registry\r\n",
        )
        .unwrap();
        let e = tally_rejects(&path).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn reason_groups_are_bounded() {
        let mut t = ReasonTally::default();
        for i in 0..(MAX_REASON_GROUPS + 50) {
            t.add("氏名", format!("reason {i}"));
        }
        assert_eq!(t.rows, (MAX_REASON_GROUPS + 50) as u64);
        assert_eq!(t.by_reason.len(), MAX_REASON_GROUPS + 1);
        assert_eq!(t.by_reason[&(String::new(), None)], 50);
        assert!(t.has_others());
        assert_eq!(t.by_field["氏名"], (MAX_REASON_GROUPS + 50) as u64);
    }
}
