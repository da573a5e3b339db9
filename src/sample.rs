//! Synthetic resident-registry export (住民記録システム CSV) for demos and benchmarks.
//!
//! The output imitates what the city's registry system hands to kigen: a CP932
//! CSV with CRLF line ends, dates written in several styles (ISO, slash, 和暦,
//! compact era letters, 7-digit era codes), NEC/IBM extension kanji in names,
//! half-width katakana in a few readings, and card / certificate dates that obey
//! the statutory expiry rules. A few percent of residents are deliberately due
//! for a notice on `as_of`, so a run over the sample actually produces output.
//!
//! 個人番号 values are synthetic (with a valid check digit); they are there so
//! that kigen's outputs can be shown never to contain them. Rows with a status
//! other than 住民 may still carry card dates, so filtering by status matters.
//! Foreign residents (those with 在留期間満了日) never have recorded expiry
//! columns, because how the residence period caps their card is not part of
//! the rules this generator follows.
//!
//! Everything is driven by a private PRNG (xoshiro256** seeded by splitmix64)
//! rather than a crate, so the same options give byte-identical files no matter
//! which dependency versions are resolved.

use std::io::{self, BufWriter, Write};

use chrono::{Datelike, Days, Months, NaiveDate};
use encoding_rs::{EncoderResult, SHIFT_JIS};

/// Options for a synthetic registry (kigen sample --rows N --seed S --as-of D).
#[derive(Debug, Clone)]
pub(crate) struct SampleOptions {
    /// Number of data rows to write (the header is not counted).
    pub(crate) rows: usize,
    /// PRNG seed; the same seed (with the same `rows` and `as_of`) gives the same bytes.
    pub(crate) seed: u64,
    /// Reference date the data is generated around (ages, issue dates, due items).
    pub(crate) as_of: NaiveDate,
    /// Residents placed so that an item falls due on `as_of`, per 100,000
    /// rows, on top of those due by chance (about 3 %). Default
    /// [`DEFAULT_FORCED_DUE`]: about 4 % due in all.
    pub(crate) forced_due_per_100k: u64,
}

/// The default share of residents placed to be due (1 %).
pub(crate) const DEFAULT_FORCED_DUE: u64 = odds::FORCE_DUE;

/// `--due-percent`: the residents to place per 100,000 rows so that about
/// `percent` % are due in all (about 3 % are due by chance; the rest of
/// the share asked for is placed); none given, [`DEFAULT_FORCED_DUE`].
pub(crate) fn forced_due_for(percent: Option<u8>) -> u64 {
    match percent {
        None => DEFAULT_FORCED_DUE,
        Some(p) => (u64::from(p.min(100)) * 1000).saturating_sub(3000),
    }
}

/// Writes header + `rows` data rows, CP932-encoded, CRLF line ends, to `out`.
/// Same options → byte-identical output.
///
/// `out` is buffered internally, so passing a bare `File` is fine.
///
/// # Errors
/// Returns any error from `out`, or `InvalidData` if a generated character
/// cannot be represented in CP932 (which would be a bug in the word lists).
pub(crate) fn write_sample<W: Write>(opts: &SampleOptions, out: W) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut encoder = Cp932Line::new();
    let mut line = String::with_capacity(512);

    line.push_str(&HEADER.join(","));
    line.push_str("\r\n");
    encoder.write(&line, &mut out)?;

    let mut generator = Generator::new(opts);
    for index in 0..opts.rows {
        line.clear();
        generator.row(index as u64, &mut line);
        line.push_str("\r\n");
        encoder.write(&line, &mut out)?;
    }
    out.flush()
}

/// The standard layout's registry header (SPEC 9's items, plus 個人番号,
/// 性別 and 住民種別, which real exports carry and kigen does not read).
const STANDARD_HEADER: [&str; 19] = [
    "宛名番号",
    "住民票コード",
    "個人番号",
    "氏名",
    "氏名のフリガナ",
    "生年月日",
    "性別",
    "住民状態",
    "住民種別",
    "住所の郵便番号",
    "住所",
    "方書",
    "在留期間の満了の日",
    "法定代理人氏名",
    "支援措置",
    "送付先郵便番号",
    "送付先住所",
    "送付先方書",
    "送付先氏名",
];

/// The standard layout's card file header.
const STANDARD_CARD_HEADER: [&str; 8] = [
    "住民票コード",
    "交付申請受付日",
    "カード発行日",
    "カード有効期限",
    "利用者証明用電子証明書発行日",
    "利用者証明用電子証明書有効期限",
    "署名用電子証明書発行日",
    "署名用電子証明書有効期限",
];

/// Writes the standard layout: the registry to `out`, the card file to
/// `cards`. The residents are those [`write_sample`] writes with the same
/// options, row for row (the Saku row is generated, then laid out again),
/// so the two layouts must give the same outcomes; what only the standard
/// has (送付先, 支援措置, card rows whose resident left the registry) is
/// drawn from a second generator, leaving the first one's stream as it is.
pub(crate) fn write_standard_sample<W: Write, C: Write>(
    opts: &SampleOptions,
    out: W,
    cards: C,
) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut cards = BufWriter::with_capacity(1 << 16, cards);
    let (mut enc, mut card_enc) = (Cp932Line::new(), Cp932Line::new());
    enc.write(&format!("{}\r\n", STANDARD_HEADER.join(",")), &mut out)?;
    card_enc.write(
        &format!("{}\r\n", STANDARD_CARD_HEADER.join(",")),
        &mut cards,
    )?;
    let mut generator = Generator::new(opts);
    let mut extra = Standard::new(opts.seed);
    let (mut line, mut reg, mut card) = (String::new(), String::new(), String::new());
    for index in 0..opts.rows {
        line.clear();
        let placed_due = generator.row(index as u64, &mut line);
        let f: Vec<&str> = line.split(',').collect();
        let code = extra.registry_code(index as u64);
        reg.clear();
        extra.registry_row(&f, &code, placed_due, &mut reg);
        enc.write(&reg, &mut out)?;
        if f[10..17].iter().any(|v| !v.is_empty()) {
            card.clear();
            card.push_str(&code);
            for v in &f[10..17] {
                card.push(',');
                card.push_str(v);
            }
            card.push_str("\r\n");
            card_enc.write(&card, &mut cards)?;
        }
        // A card record whose resident is no longer in the registry at all
        // (J-LIS keeps it; the registry purged the row).
        if extra.rng.chance(300) {
            let orphan = extra.registry_code(opts.rows as u64 + index as u64);
            card_enc.write(&format!("{orphan},,{},,{},,,\r\n", f[4], f[4]), &mut cards)?;
        }
    }
    out.flush()?;
    cards.flush()
}

/// What only the standard layout has, from its own generator.
struct Standard {
    rng: Rng,
    keys: [u64; 3],
}

impl Standard {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x5354_414E_4441_5244);
        let keys = [rng.next_u64(), rng.next_u64(), rng.next_u64()];
        Standard { rng, keys }
    }

    /// A 住民票コード: 11 digits, unique per index (a keyed permutation, as
    /// for the 個人番号, so it shows no progression), never 12 digits (it
    /// must not look like a 個人番号).
    fn registry_code(&self, index: u64) -> String {
        const SPACE: u64 = 10_000_000_000;
        const MASK: u64 = (1 << 34) - 1;
        let mut x = index % SPACE;
        loop {
            for &key in &self.keys {
                x = x.wrapping_add(key) & MASK;
                x ^= x >> 17;
                x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15) & MASK;
                x ^= x >> 11;
            }
            if x < SPACE {
                break;
            }
        }
        // The eleventh digit: a check digit on the first ten.
        let digits: Vec<u64> = format!("{x:010}")
            .bytes()
            .map(|b| u64::from(b - b'0'))
            .collect();
        let sum: u64 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (i as u64 % 6 + 2))
            .sum();
        format!("{x:010}{}", (11 - sum % 11) % 10)
    }

    /// The Saku row `f` laid out as the standard's registry row.
    /// More often for a resident placed to be due, so that the sample's
    /// notices show a 送付先 and a 支援措置 hold.
    fn registry_row(&mut self, f: &[&str], code: &str, placed_due: bool, out: &mut String) {
        let foreign = !f[17].is_empty();
        let support = self.rng.chance(if placed_due { 8_000 } else { 300 });
        let mail_to = self.rng.chance(if placed_due { 25_000 } else { 3_000 });
        let fields: [&str; 15] = [
            f[0],
            code,
            f[1],
            f[2],
            f[3],
            f[4],
            f[5],
            f[6],
            if foreign { "外国人" } else { "日本人" },
            f[7],
            f[8],
            f[9],
            f[17],
            f[19],
            if support { "1" } else { "" },
        ];
        out.push_str(&fields.join(","));
        if mail_to {
            let (postal, town) = *self.rng.pick(TOWNS);
            out.push_str(&format!(",{postal},長野県佐久市{town}"));
            push_num(out, self.rng.range(1, 2999), 0);
            out.push_str("番地");
            if self.rng.chance(50_000) {
                out.push_str(",特別養護老人ホーム浅間の里,");
            } else {
                let (sei, _) = *self.rng.pick(SURNAMES);
                let (mei, _) = *self.rng.pick(MALE_NAMES);
                out.push_str(&format!(",,{sei}　{mei}"));
            }
        } else {
            out.push_str(",,,,");
        }
        out.push_str("\r\n");
    }
}

const HEADER: [&str; 20] = [
    "住民コード",
    "個人番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "住民状態",
    "郵便番号",
    "住所",
    "方書",
    "カード申請日",
    "カード発行日",
    "カード有効期限",
    "利用者証明用電子証明書発行日",
    "利用者証明用電子証明書有効期限",
    "署名用電子証明書発行日",
    "署名用電子証明書有効期限",
    "在留期間満了日",
    "転送不要",
    "法定代理人氏名",
];

/// CP932 encoder with a per-character memo.
///
/// encoding_rs looks kanji up by searching its index, which made encoding
/// ~80% of the run time; a row only uses a few hundred distinct characters,
/// so remembering each character's bytes makes encoding nearly free while
/// encoding_rs stays the authority on what CP932 can represent.
struct Cp932Line {
    encoder: encoding_rs::Encoder,
    /// Indexed by BMP code point: `[len, b0, b1]`, `len == 0` meaning not yet seen.
    memo: Vec<[u8; 3]>,
    bytes: Vec<u8>,
}

impl Cp932Line {
    fn new() -> Self {
        Self {
            encoder: SHIFT_JIS.new_encoder(),
            memo: vec![[0; 3]; 0x1_0000],
            bytes: Vec::with_capacity(1024),
        }
    }

    fn write<W: Write>(&mut self, line: &str, out: &mut W) -> io::Result<()> {
        self.bytes.clear();
        for c in line.chars() {
            if c.is_ascii() {
                self.bytes.push(c as u8);
                continue;
            }
            let slot = self.memo.get(c as usize).copied().unwrap_or([0; 3]);
            let known = if slot[0] == 0 {
                let encoded = self.encode_char(c)?;
                if let Some(entry) = self.memo.get_mut(c as usize) {
                    *entry = encoded;
                }
                encoded
            } else {
                slot
            };
            self.bytes
                .extend_from_slice(&known[1..=usize::from(known[0])]);
        }
        out.write_all(&self.bytes)
    }

    fn encode_char(&mut self, c: char) -> io::Result<[u8; 3]> {
        let mut utf8 = [0u8; 4];
        let mut encoded = [0u8; 8];
        // Shift_JIS encoding is stateless, so `last = false` never leaves
        // pending output.
        let (result, _read, written) = self.encoder.encode_from_utf8_without_replacement(
            c.encode_utf8(&mut utf8),
            &mut encoded,
            false,
        );
        match (result, written) {
            (EncoderResult::InputEmpty, 1..=2) => Ok([written as u8, encoded[0], encoded[1]]),
            (EncoderResult::Unmappable(c), _) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("character {c:?} (U+{:04X}) is not in CP932", c as u32),
            )),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("unexpected CP932 encoding of {c:?}"),
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

/// xoshiro256** — small, fast, and fully specified, so output never depends on
/// a `rand` version.
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Self {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self {
            s: [next(), next(), next(), next()],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (multiply-shift; the bias is far below anything a
    /// demo data set could show). `n == 0` yields 0.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `per_100k / 100_000`; integer odds keep the
    /// stream independent of float formatting or rounding questions.
    fn chance(&mut self, per_100k: u64) -> bool {
        self.below(100_000) < per_100k
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Uniform date in `lo..=hi` (returns `lo` if the range is empty).
    fn date_between(&mut self, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
        let span = (hi - lo).num_days();
        if span <= 0 {
            return lo;
        }
        add_days(lo, self.below(span as u64 + 1) as i64)
    }
}

// ---------------------------------------------------------------------------
// Expiry rules (the same rules kigen applies; the data must agree with them)
// ---------------------------------------------------------------------------

/// Saturating day arithmetic: out-of-range results only arise for absurd
/// `as_of` values, where keeping the input date is better than panicking.
fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    let r = if n >= 0 {
        d.checked_add_days(Days::new(n.unsigned_abs()))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    };
    r.unwrap_or(d)
}

/// The birthday of someone born on `birth` in `year`; 29 February becomes
/// 28 February in common years.
fn birthday_in(birth: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
}

/// The `n`th birthday strictly after `date` (n ≥ 1).
fn nth_birthday_after(birth: NaiveDate, date: NaiveDate, n: u32) -> Option<NaiveDate> {
    let mut year = date.year();
    if birthday_in(birth, year)? <= date {
        year += 1;
    }
    birthday_in(birth, year + n as i32 - 1)
}

/// Age reckoning: a person attains age `n` on the day before their `n`th birthday.
fn is_aged(birth: NaiveDate, date: NaiveDate, n: u32) -> bool {
    match birthday_in(birth, birth.year() + n as i32) {
        Some(b) => date >= add_days(b, -1),
        None => false,
    }
}

/// The age of majority dropped from 20 to 18 on 2022-04-01.
fn is_adult_on(birth: NaiveDate, date: NaiveDate) -> bool {
    let threshold = if (date.year(), date.month(), date.day()) >= (2022, 4, 1) {
        18
    } else {
        20
    };
    is_aged(birth, date, threshold)
}

/// Card expiry: 10th birthday after issue for adults, 5th for minors, where
/// adulthood is judged on the application date (issue date if none recorded).
fn card_expiry(
    birth: NaiveDate,
    application: Option<NaiveDate>,
    issue: NaiveDate,
) -> Option<NaiveDate> {
    let basis = application.unwrap_or(issue);
    let years = if is_adult_on(birth, basis) { 10 } else { 5 };
    nth_birthday_after(birth, issue, years)
}

/// Certificate expiry: 5th birthday after its own issue, never beyond `caps`.
fn cert_expiry(birth: NaiveDate, issue: NaiveDate, caps: &[NaiveDate]) -> Option<NaiveDate> {
    let own = nth_birthday_after(birth, issue, 5)?;
    Some(caps.iter().copied().fold(own, NaiveDate::min))
}

/// Due when `E − 3 months ≤ as_of < E` (month subtraction clamps to month end).
/// Generation never needs it (it aims at birthdays directly); the tests use it
/// to check that the sample really contains due residents.
#[cfg(test)]
fn is_due(expiry: NaiveDate, as_of: NaiveDate) -> bool {
    match expiry.checked_sub_months(Months::new(3)) {
        Some(start) => start <= as_of && as_of < expiry,
        None => false,
    }
}

// ---------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------

/// Common surnames, weighted towards names typical of 佐久 (依田, 井出, 土屋…).
const SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("坂本", "サカモト"),
    ("福田", "フクダ"),
    ("太田", "オオタ"),
    ("西村", "ニシムラ"),
    ("藤井", "フジイ"),
    ("金子", "カネコ"),
    ("岡本", "オカモト"),
    ("藤原", "フジワラ"),
    ("中野", "ナカノ"),
    ("三浦", "ミウラ"),
    ("原田", "ハラダ"),
    ("中川", "ナカガワ"),
    ("竹内", "タケウチ"),
    ("小野", "オノ"),
    ("田村", "タムラ"),
    ("和田", "ワダ"),
    ("上田", "ウエダ"),
    ("篠原", "シノハラ"),
    ("市川", "イチカワ"),
    ("柳沢", "ヤナギサワ"),
    ("小山", "コヤマ"),
    ("土屋", "ツチヤ"),
    ("依田", "ヨダ"),
    ("井出", "イデ"),
    ("荻原", "オギワラ"),
    ("小須田", "コスダ"),
    ("工藤", "クドウ"),
    ("黒沢", "クロサワ"),
    ("菊池", "キクチ"),
    ("丸山", "マルヤマ"),
    ("宮下", "ミヤシタ"),
    ("大井", "オオイ"),
    ("神津", "コウヅ"),
];

/// Old-form and extension kanji (髙 﨑 德 桒 are NEC/IBM extensions) that
/// break naive Shift_JIS handling; used now and then.
const RARE_SURNAMES: &[(&str, &str)] = &[
    ("髙橋", "タカハシ"),
    ("山﨑", "ヤマザキ"),
    ("德永", "トクナガ"),
    ("齋藤", "サイトウ"),
    ("渡邉", "ワタナベ"),
    ("渡邊", "ワタナベ"),
    ("濱田", "ハマダ"),
    ("櫻井", "サクライ"),
    ("澤田", "サワダ"),
    ("廣瀬", "ヒロセ"),
    ("髙木", "タカギ"),
    ("宮﨑", "ミヤザキ"),
    ("柳澤", "ヤナギサワ"),
    ("桒原", "クワバラ"),
    ("德田", "トクダ"),
    ("髙野", "タカノ"),
];

const MALE_NAMES: &[(&str, &str)] = &[
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("健太", "ケンタ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("和也", "カズヤ"),
    ("誠", "マコト"),
    ("浩", "ヒロシ"),
    ("茂", "シゲル"),
    ("清", "キヨシ"),
    ("勇", "イサム"),
    ("進", "ススム"),
    ("隆", "タカシ"),
    ("修", "オサム"),
    ("昭", "アキラ"),
    ("健一", "ケンイチ"),
    ("一郎", "イチロウ"),
    ("正男", "マサオ"),
    ("幸雄", "ユキオ"),
    ("蓮", "レン"),
    ("悠真", "ユウマ"),
    ("湊", "ミナト"),
    ("陽翔", "ハルト"),
    ("大翔", "ヒロト"),
    ("樹", "イツキ"),
    ("悠人", "ユウト"),
    ("颯太", "ソウタ"),
    ("陸", "リク"),
    ("亮", "リョウ"),
    ("達也", "タツヤ"),
    ("智也", "トモヤ"),
    ("雄一", "ユウイチ"),
    ("哲也", "テツヤ"),
    ("秀樹", "ヒデキ"),
    ("義男", "ヨシオ"),
];

const FEMALE_NAMES: &[(&str, &str)] = &[
    ("花子", "ハナコ"),
    ("陽子", "ヨウコ"),
    ("恵子", "ケイコ"),
    ("京子", "キョウコ"),
    ("幸子", "サチコ"),
    ("和子", "カズコ"),
    ("節子", "セツコ"),
    ("久美子", "クミコ"),
    ("由美子", "ユミコ"),
    ("美香", "ミカ"),
    ("直美", "ナオミ"),
    ("智子", "トモコ"),
    ("裕子", "ユウコ"),
    ("真由美", "マユミ"),
    ("愛", "アイ"),
    ("彩", "アヤ"),
    ("美咲", "ミサキ"),
    ("沙織", "サオリ"),
    ("麻衣", "マイ"),
    ("陽菜", "ヒナ"),
    ("結衣", "ユイ"),
    ("さくら", "サクラ"),
    ("凛", "リン"),
    ("葵", "アオイ"),
    ("結菜", "ユイナ"),
    ("芽依", "メイ"),
    ("杏", "アン"),
    ("紬", "ツムギ"),
    ("澪", "ミオ"),
    ("千代", "チヨ"),
    ("ハル", "ハル"),
    ("キヨ", "キヨ"),
    ("美穂", "ミホ"),
    ("明美", "アケミ"),
    ("静香", "シズカ"),
];

const RARE_MALE_NAMES: &[(&str, &str)] =
    &[("髙志", "タカシ"), ("德治", "トクジ"), ("髙之", "タカユキ")];

const RARE_FEMALE_NAMES: &[(&str, &str)] = &[("德子", "トクコ"), ("髙子", "タカコ")];

/// Foreign residents: (姓, 名, セイ, メイ, is_male).
const FOREIGN_NAMES: &[(&str, &str, &str, &str, bool)] = &[
    ("グエン", "ミン", "グエン", "ミン", true),
    ("グエン", "ハー", "グエン", "ハー", false),
    ("チャン", "ヴァン", "チャン", "ヴァン", true),
    ("王", "偉", "ワン", "ウェイ", true),
    ("李", "娜", "リ", "ナ", false),
    ("張", "敏", "チャン", "ミン", false),
    ("キム", "ミンジュン", "キム", "ミンジュン", true),
    ("サントス", "マリア", "サントス", "マリア", false),
    ("シルバ", "ジョアン", "シルバ", "ジョアン", true),
    ("ペレイラ", "アナ", "ペレイラ", "アナ", false),
    ("スミス", "ジョン", "スミス", "ジョン", true),
    ("ラマ", "ビシャル", "ラマ", "ビシャル", true),
    ("ガルシア", "ソフィア", "ガルシア", "ソフィア", false),
];

/// Real town areas of 佐久市 with their postal codes (digits only), as in
/// Japan Post's data (data/postal/).
const TOWNS: &[(&str, &str)] = &[
    ("3850051", "中込"),
    ("3850052", "原"),
    ("3850053", "野沢"),
    ("3850054", "跡部"),
    ("3850015", "今井"),
    ("3850041", "鍛冶屋"),
    ("3850011", "猿久保"),
    ("3850021", "長土呂"),
    ("3850022", "岩村田"),
    ("3850028", "佐久平駅東"),
    ("3850029", "佐久平駅南"),
    ("3850027", "佐久平駅北"),
    ("3850024", "平塚"),
    ("3850035", "瀬戸"),
    ("3850043", "取出町"),
    ("3842204", "協和"),
    ("3840301", "臼田"),
    ("3842202", "望月"),
    ("3842104", "甲"),
    ("3840306", "上小田切"),
];

const BUILDING_KINDS: &[&str] = &["コーポ", "ハイツ", "メゾン", "レジデンス", "サンハイム"];
const BUILDING_NAMES: &[&str] = &[
    "佐久",
    "岩村田",
    "中込",
    "野沢",
    "浅間",
    "千曲",
    "八ヶ岳",
    "蓼科",
    "平尾",
    "春日",
];
const WINGS: &[&str] = &["Ａ", "Ｂ", "Ｃ", "東", "西"];

/// Statuses other than 住民, with relative weights.
const OTHER_STATUSES: &[(&str, u64)] = &[
    ("転出", 45),
    ("死亡", 35),
    ("職権消除", 8),
    ("国外転出", 12),
];

/// Relative population per 5-year age band (0–4 … 95–100), shaped like an
/// ageing regional city.
const AGE_BANDS: [u64; 20] = [
    35, 38, 42, 44, 38, 40, 45, 52, 60, 70, 68, 62, 62, 70, 80, 65, 50, 35, 18, 6,
];

// ---------------------------------------------------------------------------
// Date formatting
// ---------------------------------------------------------------------------

struct Era {
    kanji: &'static str,
    letter: char,
    code: char,
    start: (i32, u32, u32),
    base: i32,
}

const ERAS: [Era; 5] = [
    Era {
        kanji: "明治",
        letter: 'M',
        code: '1',
        start: (1868, 1, 25),
        base: 1868,
    },
    Era {
        kanji: "大正",
        letter: 'T',
        code: '2',
        start: (1912, 7, 30),
        base: 1912,
    },
    Era {
        kanji: "昭和",
        letter: 'S',
        code: '3',
        start: (1926, 12, 25),
        base: 1926,
    },
    Era {
        kanji: "平成",
        letter: 'H',
        code: '4',
        start: (1989, 1, 8),
        base: 1989,
    },
    Era {
        kanji: "令和",
        letter: 'R',
        code: '5',
        start: (2019, 5, 1),
        base: 2019,
    },
];

fn era_of(d: NaiveDate) -> Option<(&'static Era, u32)> {
    let key = (d.year(), d.month(), d.day());
    let era = ERAS.iter().rev().find(|e| key >= e.start)?;
    Some((era, (d.year() - era.base + 1) as u32))
}

#[derive(Clone, Copy)]
enum DateStyle {
    Iso,
    Slash,
    Kanji,
    Compact,
    EraCode,
}

fn push_num(buf: &mut String, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in (digits.len() - i)..width {
        buf.push('0');
    }
    for &d in &digits[i..] {
        buf.push(d as char);
    }
}

fn push_fullwidth_num(buf: &mut String, n: u64) {
    let mut ascii = String::with_capacity(20);
    push_num(&mut ascii, n, 0);
    for c in ascii.chars() {
        buf.push(to_fullwidth_ascii(c));
    }
}

/// Full-width forms as CP932 knows them; '-' maps to U+FF0D (the CP932
/// full-width hyphen-minus), not U+2212, which CP932 cannot encode.
fn to_fullwidth_ascii(c: char) -> char {
    match c {
        '0'..='9' | 'A'..='Z' | '-' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
        _ => c,
    }
}

fn push_date(buf: &mut String, d: NaiveDate, style: DateStyle) {
    let (y, m, day) = (d.year(), u64::from(d.month()), u64::from(d.day()));
    let era = era_of(d);
    match (style, era) {
        (DateStyle::Slash, _) => {
            push_num(buf, y as u64, 0);
            buf.push('/');
            push_num(buf, m, 0);
            buf.push('/');
            push_num(buf, day, 0);
        }
        (DateStyle::Kanji, Some((era, ey))) => {
            buf.push_str(era.kanji);
            if ey == 1 {
                buf.push('元');
            } else {
                push_num(buf, u64::from(ey), 0);
            }
            buf.push('年');
            push_num(buf, m, 0);
            buf.push('月');
            push_num(buf, day, 0);
            buf.push('日');
        }
        (DateStyle::Compact, Some((era, ey))) => {
            buf.push(era.letter);
            push_num(buf, u64::from(ey), 2);
            buf.push('.');
            push_num(buf, m, 2);
            buf.push('.');
            push_num(buf, day, 2);
        }
        (DateStyle::EraCode, Some((era, ey))) => {
            buf.push(era.code);
            push_num(buf, u64::from(ey), 2);
            push_num(buf, m, 2);
            push_num(buf, day, 2);
        }
        // Pre-Meiji dates have no era form, so they fall back to ISO.
        _ => {
            push_num(buf, y as u64, 4);
            buf.push('-');
            push_num(buf, m, 2);
            buf.push('-');
            push_num(buf, day, 2);
        }
    }
}

/// Half-width forms of U+30A1..=U+30F4 (ァ..ヴ); voiced kana take two
/// characters, which is why old fixed-width exports garble them.
const HALFWIDTH_KATAKANA: [&str; 84] = [
    "ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ", // ァ..オ
    "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ", "ｺﾞ", // カ..ゴ
    "ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ", // サ..ゾ
    "ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", "ﾄﾞ", // タ..ド
    "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ", // ナ..ノ
    "ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ", "ﾍﾟ", "ﾎ", "ﾎﾞ", "ﾎﾟ", // ハ..ポ
    "ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ", // マ..モ
    "ｬ", "ﾔ", "ｭ", "ﾕ", "ｮ", "ﾖ", // ャ..ヨ
    "ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ", // ラ..ロ
    "ﾜ", "ﾜ", "ｲ", "ｴ", "ｦ", "ﾝ", "ｳﾞ", // ヮ..ヴ
];

fn push_halfwidth_kana(buf: &mut String, full: &str) {
    for c in full.chars() {
        let code = c as u32;
        match c {
            'ァ'..='ヴ' => buf.push_str(HALFWIDTH_KATAKANA[(code - 0x30A1) as usize]),
            'ー' => buf.push('ｰ'),
            '　' => buf.push(' '),
            _ => buf.push(c),
        }
    }
}

// ---------------------------------------------------------------------------
// Row generation
// ---------------------------------------------------------------------------

struct Card {
    application: Option<NaiveDate>,
    issue: NaiveDate,
    expiry: NaiveDate,
}

struct Certs {
    user_issue: NaiveDate,
    user_expiry: NaiveDate,
    /// (issue, expiry) of the signing certificate, if one was issued.
    signing: Option<(NaiveDate, NaiveDate)>,
}

/// Odds (per 100,000) for the knobs that shape the data set.
mod odds {
    /// Residents holding a card.
    pub(super) const CARD: u64 = 80_000;
    /// Application date left blank.
    pub(super) const NO_APPLICATION: u64 = 10_000;
    /// Holders whose expiry columns are filled in by the registry.
    pub(super) const RECORDED: u64 = 70_000;
    /// A recorded expiry that disagrees with the rules by a day.
    pub(super) const MISMATCH: u64 = 150;
    /// Renewals done inside the 3-month window before expiry (the rest are late).
    pub(super) const RENEW_EARLY: u64 = 60_000;
    /// Holders placed so that one of their items falls due on `as_of`.
    pub(super) const FORCE_DUE: u64 = 1_000;
    /// Eligible holders who declined the signing certificate.
    pub(super) const NO_SIGNING: u64 = 5_000;
    /// Signing certificate reissued later (it lapses on an address change).
    pub(super) const SIGNING_REISSUED: u64 = 4_000;
    /// Foreign residents (with 在留期間満了日).
    pub(super) const FOREIGN: u64 = 2_000;
    /// Rows whose status is something other than 住民.
    pub(super) const NOT_RESIDENT: u64 = 5_000;
    /// Readings written in half-width katakana.
    pub(super) const HALFWIDTH_KANA: u64 = 2_000;
    /// Births moved to 29 February.
    pub(super) const LEAP_DAY: u64 = 300;
}

struct Generator {
    rng: Rng,
    as_of: NaiveDate,
    forced_due: u64,
    next_code: u64,
    /// Round keys of the permutation that turns row numbers into 個人番号.
    number_keys: [u64; 3],
}

const MY_NUMBER_SPACE: u64 = 100_000_000_000;

impl Generator {
    fn new(opts: &SampleOptions) -> Self {
        let mut rng = Rng::new(opts.seed);
        let next_code = 1_000_000_000 + rng.below(1_000_000_000);
        let number_keys = [rng.next_u64(), rng.next_u64(), rng.next_u64()];
        Self {
            rng,
            as_of: opts.as_of,
            forced_due: opts.forced_due_per_100k,
            next_code,
            number_keys,
        }
    }

    /// A keyed permutation of `0..10^11`, so 個人番号 are unique without a
    /// set of used numbers yet show no visible progression from row to row.
    /// Each round (add, xorshift, odd multiply) is a bijection on 37-bit
    /// words; cycle-walking maps the result back below 10^11 and terminates
    /// because the start value lies on the same cycle.
    fn my_number_body(&self, index: u64) -> u64 {
        const MASK: u64 = (1 << 37) - 1;
        let mut x = index % MY_NUMBER_SPACE;
        loop {
            for &key in &self.number_keys {
                x = x.wrapping_add(key) & MASK;
                x ^= x >> 19;
                x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15) & MASK;
                x ^= x >> 13;
            }
            if x < MY_NUMBER_SPACE {
                return x;
            }
        }
    }

    fn date_style(&mut self) -> DateStyle {
        match self.rng.below(100) {
            0..=69 => DateStyle::Iso,
            70..=79 => DateStyle::Slash,
            80..=87 => DateStyle::Kanji,
            88..=93 => DateStyle::Compact,
            _ => DateStyle::EraCode,
        }
    }

    fn push_date(&mut self, buf: &mut String, d: NaiveDate) {
        let style = self.date_style();
        push_date(buf, d, style);
    }

    fn birth_date(&mut self, force_due: bool) -> NaiveDate {
        let total: u64 = AGE_BANDS.iter().sum();
        let mut r = self.rng.below(total);
        let mut band = 0;
        for (i, w) in AGE_BANDS.iter().enumerate() {
            if r < *w {
                band = i;
                break;
            }
            r -= w;
        }
        let width = if band == AGE_BANDS.len() - 1 { 6 } else { 5 };
        let age = band as u32 * 5 + self.rng.below(width) as u32;
        let anchor = self
            .as_of
            .checked_sub_months(Months::new(age * 12))
            .unwrap_or(self.as_of);
        let mut birth = if force_due {
            // Put the next birthday inside the coming 3 months; every expiry
            // is a birthday, so this is what lets an item fall due.
            add_days(anchor, self.rng.range(1, 85) as i64)
        } else {
            add_days(anchor, -(self.rng.below(365) as i64))
        };
        if birth > self.as_of {
            birth = add_days(birth, -365);
        }
        if self.rng.chance(odds::LEAP_DAY) {
            let mut y = birth.year();
            while !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) {
                y -= 1;
            }
            if let Some(leap) = NaiveDate::from_ymd_opt(y, 2, 29) {
                if leap <= self.as_of {
                    birth = leap;
                }
            }
        }
        birth
    }

    /// Renewal date for an item expiring on `expiry`: usually within the
    /// 3-month notice window, sometimes late. `None` if not yet renewed by `as_of`.
    fn renewal(&mut self, expiry: NaiveDate) -> Option<NaiveDate> {
        let date = if self.rng.chance(odds::RENEW_EARLY) {
            add_days(expiry, -(self.rng.range(0, 90) as i64))
        } else {
            add_days(expiry, self.rng.range(1, 120) as i64)
        };
        (date <= self.as_of).then_some(date)
    }

    fn application_for(&mut self, birth: NaiveDate, issue: NaiveDate) -> Option<NaiveDate> {
        if self.rng.chance(odds::NO_APPLICATION) {
            return None;
        }
        Some(add_days(issue, -(self.rng.range(14, 42) as i64)).max(birth))
    }

    /// The card currently held: the first card lands anywhere in the last ten
    /// years, then renewals are replayed so expired cards stay rare.
    fn card(&mut self, birth: NaiveDate, force_due: bool) -> Option<Card> {
        let as_of = self.as_of;
        // Birth registration and application take at least ~6 weeks.
        let earliest = add_days(birth, 45);
        let latest = add_days(as_of, -1);
        let ten_years_ago = as_of.checked_sub_months(Months::new(120))?;
        if earliest > latest {
            return None;
        }
        let mut issue = self.rng.date_between(ten_years_ago.max(earliest), latest);
        if !is_adult_on(birth, issue) {
            // A minor's card lasts five years, so any card still current (or
            // only just lapsed) was issued within the last five.
            let five_years_ago = as_of.checked_sub_months(Months::new(60))?;
            issue = self.rng.date_between(five_years_ago.max(earliest), latest);
        }
        if force_due {
            // Pick an issue date whose card expiry is the coming birthday.
            let next = nth_birthday_after(birth, as_of, 1)?;
            for years in [10, 5] {
                let lo = birthday_in(birth, next.year() - years)?;
                let hi = add_days(birthday_in(birth, next.year() - years + 1)?, -1);
                let candidate = self.rng.date_between(lo.max(earliest), hi.min(latest));
                if candidate >= earliest && candidate <= latest {
                    let application = self.application_for(birth, candidate);
                    if card_expiry(birth, application, candidate) == Some(next) {
                        return Some(Card {
                            application,
                            issue: candidate,
                            expiry: next,
                        });
                    }
                }
            }
        }
        for _ in 0..32 {
            let application = self.application_for(birth, issue);
            let expiry = card_expiry(birth, application, issue)?;
            match self.renewal(expiry) {
                Some(renewed) if renewed > issue => issue = renewed,
                _ => {
                    return Some(Card {
                        application,
                        issue,
                        expiry,
                    })
                }
            }
        }
        None
    }

    fn certs(&mut self, birth: NaiveDate, card: &Card) -> Option<Certs> {
        let mut issue = card.issue;
        let mut expiry = cert_expiry(birth, issue, &[card.expiry])?;
        // A certificate can be renewed on its own only while the card is valid.
        for _ in 0..32 {
            if expiry >= card.expiry {
                break;
            }
            match self.renewal(expiry) {
                Some(renewed) if renewed > issue && renewed < card.expiry => {
                    issue = renewed;
                    expiry = cert_expiry(birth, issue, &[card.expiry])?;
                }
                _ => break,
            }
        }
        let signing = if is_aged(birth, card.issue, 15) && !self.rng.chance(odds::NO_SIGNING) {
            let mut s_issue = issue;
            if self.rng.chance(odds::SIGNING_REISSUED) {
                s_issue = self.rng.date_between(issue, self.as_of);
            }
            let s_expiry = cert_expiry(birth, s_issue, &[card.expiry, expiry])?;
            Some((s_issue, s_expiry))
        } else {
            None
        };
        Some(Certs {
            user_issue: issue,
            user_expiry: expiry,
            signing,
        })
    }

    fn push_recorded(&mut self, buf: &mut String, expiry: NaiveDate, recorded: bool) {
        if !recorded {
            return;
        }
        let value = if self.rng.chance(odds::MISMATCH) {
            add_days(expiry, if self.rng.chance(50_000) { 1 } else { -1 })
        } else {
            expiry
        };
        self.push_date(buf, value);
    }

    /// Writes row `index`; returns whether it was placed to be due.
    fn row(&mut self, index: u64, buf: &mut String) -> bool {
        // 住民コード: ascending with small gaps, like codes left by deletions.
        self.next_code += self.rng.range(1, 3);
        buf.push('R');
        push_num(buf, self.next_code, 10);
        buf.push(',');

        let body = self.my_number_body(index);
        push_num(buf, body, 11);
        push_num(buf, u64::from(my_number_check_digit(body)), 0);
        buf.push(',');

        let (sei, male, foreign) = self.push_name(buf);

        let force_due = self.rng.chance(self.forced_due);
        let birth = self.birth_date(force_due);
        self.push_date(buf, birth);
        buf.push(',');
        buf.push_str(if male { "男" } else { "女" });
        buf.push(',');

        self.push_status(buf);
        self.push_address(buf);
        self.push_card_columns(buf, birth, force_due, foreign);

        if foreign {
            let lo = add_days(self.as_of, -20);
            let hi = add_days(self.as_of, 5 * 365);
            let until = self.rng.date_between(lo, hi);
            self.push_date(buf, until);
        }
        buf.push(',');

        let rng = &mut self.rng;
        match rng.below(100) {
            0..=59 => {}
            60..=96 => buf.push('0'),
            _ => buf.push('1'),
        }
        buf.push(',');

        if !is_aged(birth, self.as_of, 15) && rng.chance(50_000) {
            let (parent, _) = if rng.chance(50_000) {
                *rng.pick(MALE_NAMES)
            } else {
                *rng.pick(FEMALE_NAMES)
            };
            buf.push_str(sei);
            buf.push('　');
            buf.push_str(parent);
        }
        force_due
    }

    /// 氏名 and 氏名カナ; returns the surname, whether male, whether foreign.
    fn push_name(&mut self, buf: &mut String) -> (&'static str, bool, bool) {
        let rng = &mut self.rng;
        let foreign = rng.chance(odds::FOREIGN);
        let (sei, mei, sei_kana, mei_kana, male) = if foreign {
            *rng.pick(FOREIGN_NAMES)
        } else {
            let (sei, sei_kana) = if rng.chance(3_000) {
                *rng.pick(RARE_SURNAMES)
            } else {
                *rng.pick(SURNAMES)
            };
            let male = rng.chance(49_000);
            let (common, rare) = if male {
                (MALE_NAMES, RARE_MALE_NAMES)
            } else {
                (FEMALE_NAMES, RARE_FEMALE_NAMES)
            };
            let (mei, mei_kana) = if rng.chance(1_000) {
                *rng.pick(rare)
            } else {
                *rng.pick(common)
            };
            (sei, mei, sei_kana, mei_kana, male)
        };
        buf.push_str(sei);
        buf.push('　');
        buf.push_str(mei);
        buf.push(',');
        if rng.chance(odds::HALFWIDTH_KANA) {
            push_halfwidth_kana(buf, sei_kana);
            buf.push(' ');
            push_halfwidth_kana(buf, mei_kana);
        } else {
            buf.push_str(sei_kana);
            buf.push('　');
            buf.push_str(mei_kana);
        }
        buf.push(',');
        (sei, male, foreign)
    }

    /// 住民状態.
    fn push_status(&mut self, buf: &mut String) {
        let rng = &mut self.rng;
        if rng.chance(odds::NOT_RESIDENT) {
            let total: u64 = OTHER_STATUSES.iter().map(|s| s.1).sum();
            let mut r = rng.below(total);
            let mut status = OTHER_STATUSES[0].0;
            for (s, w) in OTHER_STATUSES {
                if r < *w {
                    status = s;
                    break;
                }
                r -= w;
            }
            buf.push_str(status);
        } else {
            buf.push_str("住民");
        }
        buf.push(',');
    }

    /// 郵便番号, 住所 and 方書.
    fn push_address(&mut self, buf: &mut String) {
        let rng = &mut self.rng;

        let (postal, town) = *rng.pick(TOWNS);
        match rng.below(100) {
            0..=84 => {
                buf.push_str(&postal[..3]);
                buf.push('-');
                buf.push_str(&postal[3..]);
            }
            85..=94 => buf.push_str(postal),
            _ => {
                for c in postal[..3].chars() {
                    buf.push(to_fullwidth_ascii(c));
                }
                buf.push('－');
                for c in postal[3..].chars() {
                    buf.push(to_fullwidth_ascii(c));
                }
            }
        }
        buf.push(',');

        buf.push_str("長野県佐久市");
        // A registry keeps a few addresses whose town no longer matches the
        // postal code (a move within the city typed half-way): the mail room
        // must see them reported.
        let town = if rng.chance(500) {
            rng.pick(TOWNS).1
        } else {
            town
        };
        buf.push_str(town);
        match rng.below(100) {
            0..=49 => {
                push_num(buf, rng.range(1, 3999), 0);
                buf.push_str("番地");
                if rng.chance(80_000) {
                    push_num(buf, rng.range(1, 30), 0);
                }
            }
            50..=64 => {
                push_num(buf, rng.range(1, 5), 0);
                buf.push_str("丁目");
                push_num(buf, rng.range(1, 30), 0);
                buf.push('番');
                push_num(buf, rng.range(1, 25), 0);
                buf.push('号');
            }
            65..=94 => {
                push_num(buf, rng.range(1, 3999), 0);
                buf.push('-');
                push_num(buf, rng.range(1, 30), 0);
                if rng.chance(40_000) {
                    buf.push('-');
                    push_num(buf, rng.range(1, 20), 0);
                }
            }
            _ => {
                push_fullwidth_num(buf, rng.range(1, 3999));
                if rng.chance(50_000) {
                    buf.push('－');
                    push_fullwidth_num(buf, rng.range(1, 30));
                }
            }
        }
        buf.push(',');

        if rng.chance(15_000) {
            buf.push_str(rng.pick::<&str>(BUILDING_KINDS));
            buf.push_str(rng.pick::<&str>(BUILDING_NAMES));
            let room = rng.range(1, 4) * 100 + rng.range(1, 8);
            if rng.chance(60_000) {
                push_num(buf, room, 0);
                buf.push_str("号室");
            } else {
                buf.push_str(rng.pick::<&str>(WINGS));
                buf.push('棟');
                push_fullwidth_num(buf, room);
            }
        }
        buf.push(',');
    }

    /// The card's and the certificates' dates.
    fn push_card_columns(
        &mut self,
        buf: &mut String,
        birth: NaiveDate,
        force_due: bool,
        foreign: bool,
    ) {
        let rng = &mut self.rng;

        let has_card = force_due || rng.chance(odds::CARD);
        let card = if has_card {
            self.card(birth, force_due)
        } else {
            None
        };
        let certs = card.as_ref().and_then(|c| self.certs(birth, c));
        // The residence-period cap on a foreigner's card is not part of the
        // rules the sample follows, so their expiry columns stay blank rather
        // than disagree with whatever kigen derives.
        let recorded = !foreign && self.rng.chance(odds::RECORDED);
        match (&card, &certs) {
            (Some(card), Some(certs)) => {
                if let Some(app) = card.application {
                    self.push_date(buf, app);
                }
                buf.push(',');
                self.push_date(buf, card.issue);
                buf.push(',');
                self.push_recorded(buf, card.expiry, recorded);
                buf.push(',');
                self.push_date(buf, certs.user_issue);
                buf.push(',');
                self.push_recorded(buf, certs.user_expiry, recorded);
                buf.push(',');
                if let Some((s_issue, s_expiry)) = certs.signing {
                    self.push_date(buf, s_issue);
                    buf.push(',');
                    self.push_recorded(buf, s_expiry, recorded);
                } else {
                    buf.push(',');
                }
                buf.push(',');
            }
            _ => buf.push_str(",,,,,,,"),
        }
    }
}

/// Check digit of a 個人番号 whose first 11 digits are `body`.
fn my_number_check_digit(body: u64) -> u32 {
    let mut v = body;
    let mut sum = 0u64;
    for n in 1..=11u64 {
        let p = v % 10;
        v /= 10;
        let q = if n <= 6 { n + 1 } else { n - 5 };
        sum += p * q;
    }
    let r = sum % 11;
    if r <= 1 {
        0
    } else {
        (11 - r) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::Instant;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn opts(rows: usize, seed: u64) -> SampleOptions {
        SampleOptions {
            rows,
            seed,
            as_of: ymd(2025, 6, 1),
            forced_due_per_100k: DEFAULT_FORCED_DUE,
        }
    }

    fn generate(o: &SampleOptions) -> Vec<u8> {
        let mut out = Vec::new();
        write_sample(o, &mut out).unwrap();
        out
    }

    fn decode_strict(bytes: &[u8]) -> String {
        SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .expect("output must be valid CP932")
            .into_owned()
    }

    /// Independent reader for every date style the generator writes.
    fn parse_date(s: &str) -> Option<NaiveDate> {
        let era_date = |era: &Era, year: u32, m: u32, d: u32| {
            NaiveDate::from_ymd_opt(era.base + year as i32 - 1, m, d)
        };
        if let Some(era) = ERAS.iter().find(|e| s.starts_with(e.kanji)) {
            let rest = &s[era.kanji.len()..];
            let (y, rest) = rest.split_once('年')?;
            let (m, rest) = rest.split_once('月')?;
            let d = rest.strip_suffix('日')?;
            let y = if y == "元" { 1 } else { y.parse().ok()? };
            return era_date(era, y, m.parse().ok()?, d.parse().ok()?);
        }
        if let Some(era) = ERAS.iter().find(|e| s.starts_with(e.letter)) {
            let parts: Vec<&str> = s[1..].split('.').collect();
            assert_eq!(parts.len(), 3, "{s}");
            return era_date(
                era,
                parts[0].parse().ok()?,
                parts[1].parse().ok()?,
                parts[2].parse().ok()?,
            );
        }
        if s.len() == 7 && s.bytes().all(|b| b.is_ascii_digit()) {
            let era = ERAS.iter().find(|e| s.starts_with(e.code))?;
            return era_date(
                era,
                s[1..3].parse().ok()?,
                s[3..5].parse().ok()?,
                s[5..7].parse().ok()?,
            );
        }
        if s.contains('/') {
            let p: Vec<&str> = s.split('/').collect();
            return NaiveDate::from_ymd_opt(
                p[0].parse().ok()?,
                p[1].parse().ok()?,
                p[2].parse().ok()?,
            );
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    fn opt_date(s: &str) -> Option<NaiveDate> {
        if s.is_empty() {
            None
        } else {
            Some(parse_date(s).unwrap_or_else(|| panic!("unparseable date {s:?}")))
        }
    }

    fn data_lines(text: &str) -> Vec<Vec<&str>> {
        assert!(text.ends_with("\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF");
        text.trim_end_matches("\r\n")
            .split("\r\n")
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(&opts(3_000, 7));
        let b = generate(&opts(3_000, 7));
        let c = generate(&opts(3_000, 8));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn header_shape_and_strict_cp932() {
        let o = opts(20_000, 42);
        let bytes = generate(&o);
        let text = decode_strict(&bytes);
        let header = text.split("\r\n").next().unwrap();
        assert_eq!(header, HEADER.join(","));
        assert_eq!(
            header,
            "住民コード,個人番号,氏名,氏名カナ,生年月日,性別,住民状態,郵便番号,住所,方書,\
             カード申請日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,\
             利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限,\
             在留期間満了日,転送不要,法定代理人氏名"
        );
        let rows = data_lines(&text);
        assert_eq!(rows.len(), o.rows);
        let mut codes = HashSet::new();
        let mut numbers = HashSet::new();
        for r in &rows {
            assert_eq!(r.len(), 20, "{r:?}");
            let code = r[0];
            assert!(
                (1..=15).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
            );
            assert!(codes.insert(code), "duplicate 住民コード {code}");
            let n = r[1];
            assert_eq!(n.len(), 12);
            let body: u64 = n[..11].parse().unwrap();
            assert_eq!(my_number_check_digit(body), n[11..].parse::<u32>().unwrap());
            assert!(numbers.insert(n));
            assert_eq!(r[2].matches('　').count(), 1, "{}", r[2]);
            assert!(["男", "女"].contains(&r[5]));
            assert!(["住民", "転出", "死亡", "職権消除", "国外転出"].contains(&r[6]));
            assert!(["", "0", "1"].contains(&r[18]));
            for (i, cell) in r.iter().enumerate() {
                if [4, 10, 11, 12, 13, 14, 15, 16, 17].contains(&i) {
                    opt_date(cell);
                }
            }
        }
        // The rare-kanji names are the point of the CP932 round trip.
        assert!(text.contains('髙') || text.contains('﨑') || text.contains('德'));
        assert!(
            text.contains('ｰ') || text.contains('ｱ') || text.contains('ｶ') || text.contains('ﾀ')
        );
    }

    #[derive(Default, Debug)]
    struct Stats {
        residents: usize,
        due: usize,
        expired: usize,
        holders: usize,
        recorded_cells: usize,
        mismatches: usize,
        date_cells: usize,
        iso_cells: usize,
        halfwidth: usize,
        foreign: usize,
        leap_births: usize,
        guardians: usize,
        under15: usize,
    }

    fn measure(o: &SampleOptions) -> Stats {
        let text = decode_strict(&generate(o));
        let as_of = o.as_of;
        let mut st = Stats::default();
        for r in data_lines(&text) {
            for i in [4, 10, 11, 12, 13, 14, 15, 16, 17] {
                if !r[i].is_empty() {
                    st.date_cells += 1;
                    if r[i].len() == 10 && r[i].as_bytes()[4] == b'-' {
                        st.iso_cells += 1;
                    }
                }
            }
            if r[3].chars().any(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)) {
                st.halfwidth += 1;
            }
            if !r[17].is_empty() {
                st.foreign += 1;
            }
            let birth = opt_date(r[4]).unwrap();
            assert!(birth <= as_of);
            assert!(as_of.year() - birth.year() <= 102);
            if birth.month() == 2 && birth.day() == 29 {
                st.leap_births += 1;
            }
            if !is_aged(birth, as_of, 15) {
                st.under15 += 1;
                if !r[19].is_empty() {
                    st.guardians += 1;
                }
            }
            if r[6] == "住民" {
                st.residents += 1;
            }
            let application = opt_date(r[10]);
            let Some(issue) = opt_date(r[11]) else {
                assert!(r[10..17].iter().all(|c| c.is_empty()), "{r:?}");
                continue;
            };
            assert!(issue <= as_of && issue > birth);
            assert!(issue >= as_of.checked_sub_months(Months::new(120)).unwrap());
            if let Some(app) = application {
                let gap = (issue - app).num_days();
                assert!((0..=42).contains(&gap), "{r:?}");
            }
            let card_e = card_expiry(birth, application, issue).unwrap();
            if !is_adult_on(birth, application.unwrap_or(issue)) {
                assert!(
                    issue >= as_of.checked_sub_months(Months::new(60)).unwrap(),
                    "{r:?}"
                );
            }
            let user_issue = opt_date(r[13]).unwrap();
            assert!(user_issue >= issue && user_issue <= as_of);
            let user_e = cert_expiry(birth, user_issue, &[card_e]).unwrap();
            let signing = opt_date(r[15]);
            if !is_aged(birth, issue, 15) {
                assert!(signing.is_none(), "signing certificate under 15: {r:?}");
            }
            let sign_e = signing.map(|s| cert_expiry(birth, s, &[card_e, user_e]).unwrap());
            for (cell, computed) in [
                (r[12], Some(card_e)),
                (r[14], Some(user_e)),
                (r[16], sign_e),
            ] {
                if let Some(recorded) = opt_date(cell) {
                    st.recorded_cells += 1;
                    if Some(recorded) != computed {
                        assert_eq!((recorded - computed.unwrap()).num_days().abs(), 1);
                        st.mismatches += 1;
                    }
                }
            }
            if r[6] != "住民" {
                continue;
            }
            st.holders += 1;
            let items: Vec<NaiveDate> = [Some(card_e), Some(user_e), sign_e]
                .into_iter()
                .flatten()
                .collect();
            if items.iter().any(|&e| is_due(e, as_of)) {
                st.due += 1;
            }
            if items.iter().any(|&e| e <= as_of) {
                st.expired += 1;
            }
        }
        st
    }

    #[test]
    fn due_fraction_and_distribution() {
        for (seed, as_of) in [
            (1, ymd(2025, 6, 1)),
            (2, ymd(2026, 1, 31)),
            (3, ymd(2030, 11, 15)),
        ] {
            let o = SampleOptions {
                rows: 20_000,
                seed,
                as_of,
                forced_due_per_100k: DEFAULT_FORCED_DUE,
            };
            let st = measure(&o);
            let frac = |n: usize, d: usize| n as f64 / d as f64;
            let due = frac(st.due, st.residents);
            let expired = frac(st.expired, o.rows);
            println!(
                "as_of {as_of}: due {:.2}% of 住民, expired {:.2}% of rows, holders {:.1}% of 住民, \
                 ISO {:.1}% of date cells, mismatches {}/{} recorded, half-width {:.2}%, \
                 foreign {:.2}%, 29 Feb {}, guardians {}/{}",
                100.0 * due,
                100.0 * expired,
                100.0 * frac(st.holders, st.residents),
                100.0 * frac(st.iso_cells, st.date_cells),
                st.mismatches,
                st.recorded_cells,
                100.0 * frac(st.halfwidth, o.rows),
                100.0 * frac(st.foreign, o.rows),
                st.leap_births,
                st.guardians,
                st.under15,
            );
            assert!((0.03..=0.06).contains(&due), "due fraction {due}");
            assert!(expired < 0.03, "expired fraction {expired}");
            assert!(st.mismatches > 0 && frac(st.mismatches, st.recorded_cells) < 0.01);
            assert!((0.65..=0.75).contains(&frac(st.iso_cells, st.date_cells)));
            assert!(st.leap_births > 0);
        }
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for (rows, as_of) in [
            (0, ymd(2025, 6, 1)),
            (500, ymd(1930, 2, 28)),
            (500, ymd(2100, 2, 28)),
        ] {
            let o = SampleOptions {
                rows,
                seed: 9,
                as_of,
                forced_due_per_100k: DEFAULT_FORCED_DUE,
            };
            let text = decode_strict(&generate(&o));
            assert_eq!(text.matches("\r\n").count(), rows + 1);
            for r in data_lines(&text) {
                assert_eq!(r.len(), 20);
                for i in [4, 10, 11, 12, 13, 14, 15, 16, 17] {
                    opt_date(r[i]);
                }
            }
        }
    }

    #[test]
    fn check_digit_matches_published_example() {
        assert_eq!(my_number_check_digit(12_345_678_901), 8);
    }

    #[test]
    fn expiry_rules() {
        // Strictly after: an issue on the birthday does not count that birthday.
        assert_eq!(
            nth_birthday_after(ymd(2000, 5, 10), ymd(2020, 5, 10), 10),
            Some(ymd(2030, 5, 10))
        );
        assert_eq!(
            nth_birthday_after(ymd(2000, 5, 10), ymd(2020, 5, 9), 10),
            Some(ymd(2029, 5, 10))
        );
        assert_eq!(
            nth_birthday_after(ymd(2004, 2, 29), ymd(2021, 3, 1), 5),
            Some(ymd(2026, 2, 28))
        );
        assert_eq!(
            nth_birthday_after(ymd(2004, 2, 29), ymd(2021, 3, 1), 3),
            Some(ymd(2024, 2, 29))
        );
        // Aged 18 on the day before the 18th birthday; 18 counts from 2022-04-01.
        let b = ymd(2004, 4, 2);
        assert!(is_adult_on(b, ymd(2022, 4, 1)));
        assert!(!is_adult_on(ymd(2004, 4, 3), ymd(2022, 4, 1)));
        assert!(!is_adult_on(ymd(2003, 1, 1), ymd(2022, 3, 31)));
        assert_eq!(
            card_expiry(b, Some(ymd(2022, 4, 1)), ymd(2022, 5, 1)),
            Some(ymd(2032, 4, 2))
        );
        assert_eq!(
            card_expiry(b, Some(ymd(2022, 3, 31)), ymd(2022, 5, 1)),
            Some(ymd(2027, 4, 2))
        );
        assert_eq!(card_expiry(b, None, ymd(2022, 5, 1)), Some(ymd(2032, 4, 2)));
        assert_eq!(
            cert_expiry(b, ymd(2022, 5, 1), &[ymd(2025, 1, 1)]),
            Some(ymd(2025, 1, 1))
        );
        // E − 3 months clamps to month end.
        assert!(is_due(ymd(2025, 5, 31), ymd(2025, 2, 28)));
        assert!(!is_due(ymd(2025, 5, 31), ymd(2025, 2, 27)));
        assert!(!is_due(ymd(2025, 5, 31), ymd(2025, 5, 31)));
    }

    #[test]
    fn era_formats() {
        let fmt = |d: NaiveDate, s: DateStyle| {
            let mut b = String::new();
            push_date(&mut b, d, s);
            b
        };
        assert_eq!(fmt(ymd(1985, 2, 14), DateStyle::Kanji), "昭和60年2月14日");
        assert_eq!(fmt(ymd(1985, 2, 14), DateStyle::Compact), "S60.02.14");
        assert_eq!(fmt(ymd(1985, 2, 14), DateStyle::EraCode), "3600214");
        assert_eq!(fmt(ymd(1985, 2, 14), DateStyle::Slash), "1985/2/14");
        assert_eq!(fmt(ymd(1985, 2, 14), DateStyle::Iso), "1985-02-14");
        assert_eq!(fmt(ymd(1989, 1, 7), DateStyle::Kanji), "昭和64年1月7日");
        assert_eq!(fmt(ymd(1989, 1, 8), DateStyle::Kanji), "平成元年1月8日");
        assert_eq!(fmt(ymd(2019, 4, 30), DateStyle::EraCode), "4310430");
        assert_eq!(fmt(ymd(2019, 5, 1), DateStyle::Kanji), "令和元年5月1日");
        assert_eq!(fmt(ymd(1926, 12, 25), DateStyle::Compact), "S01.12.25");
        assert_eq!(fmt(ymd(1912, 7, 30), DateStyle::Kanji), "大正元年7月30日");
        assert_eq!(fmt(ymd(1912, 7, 29), DateStyle::Kanji), "明治45年7月29日");
        for d in [ymd(1912, 7, 29), ymd(1989, 1, 8), ymd(2024, 2, 29)] {
            for s in [
                DateStyle::Iso,
                DateStyle::Slash,
                DateStyle::Kanji,
                DateStyle::Compact,
                DateStyle::EraCode,
            ] {
                assert_eq!(parse_date(&fmt(d, s)), Some(d));
            }
        }
    }

    #[test]
    fn halfwidth_katakana() {
        let mut b = String::new();
        push_halfwidth_kana(&mut b, "ガッコウ　ヴァン・パー");
        assert_eq!(b, "ｶﾞｯｺｳ ｳﾞｧﾝ・ﾊﾟｰ");
        for (_, kana) in SURNAMES
            .iter()
            .chain(MALE_NAMES)
            .chain(FEMALE_NAMES)
            .chain(RARE_SURNAMES)
        {
            let mut b = String::new();
            push_halfwidth_kana(&mut b, kana);
            assert!(
                b.chars().all(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)),
                "{kana} -> {b}"
            );
        }
    }

    #[test]
    fn word_lists_are_big_enough_and_encodable() {
        assert!(SURNAMES.len() + RARE_SURNAMES.len() >= 60);
        assert!(MALE_NAMES.len() + FEMALE_NAMES.len() >= 60);
        let all: Vec<&str> = SURNAMES
            .iter()
            .chain(RARE_SURNAMES)
            .chain(MALE_NAMES)
            .chain(FEMALE_NAMES)
            .chain(RARE_MALE_NAMES)
            .chain(RARE_FEMALE_NAMES)
            .flat_map(|(a, b)| [*a, *b])
            .chain(FOREIGN_NAMES.iter().flat_map(|f| [f.0, f.1, f.2, f.3]))
            .chain(TOWNS.iter().map(|t| t.1))
            .chain(
                BUILDING_KINDS
                    .iter()
                    .chain(BUILDING_NAMES)
                    .chain(WINGS)
                    .copied(),
            )
            .collect();
        for w in all {
            let (_, _, errors) = SHIFT_JIS.encode(w);
            assert!(!errors, "{w} is not CP932");
        }
    }

    /// A benchmark, not a test: `cargo test --release -- --ignored speed`.
    #[test]
    #[ignore = "speed belongs in benchmarks; run with --ignored to print the figure"]
    fn speed() {
        let rows = if cfg!(debug_assertions) {
            100_000
        } else {
            1_000_000
        };
        let started = Instant::now();
        let mut counter = CountingSink(0);
        write_sample(&opts(rows, 1), &mut counter).unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{rows} rows, {:.1} MB in {secs:.3} s = {:.0} rows/s",
            counter.0 as f64 / 1e6,
            rows as f64 / secs
        );
    }

    struct CountingSink(usize);

    impl Write for CountingSink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}
