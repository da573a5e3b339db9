//! The mail room after a batch is printed (SPEC 11): the pull list against
//! a newer export, returns (還付) recorded once and followed up until
//! resolved, and reprints to the current address. Every test prints the
//! shipped sample as a night's batch first, then reads back what the
//! commands wrote (the CSVs, the PDFs' text, the ledger).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{page_texts, read_csv, root};

const AS_OF: &str = "2026-11-26";

struct Env {
    dir: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
}

impl Env {
    fn batch(&self) -> PathBuf {
        self.out.join(AS_OF)
    }

    /// manifest.csv of the batch.
    fn manifest(&self) -> Vec<HashMap<String, String>> {
        read_csv(&self.batch().join("manifest.csv"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs kigen in `dir` (so that no state/kigen.sqlite of the repository is
/// taken as the default ledger).
fn kigen_in(dir: &Path, args: &[&str]) -> Output {
    common::kigen_command()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("kigen runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sample() -> PathBuf {
    root().join("input-samples/registry-sample.csv")
}

/// The shipped sample printed as the batch of 2026-11-26.
fn printed() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let e = Env {
        out: dir.path().join("out"),
        state: dir.path().join("state/kigen.sqlite"),
        dir,
    };
    let o = kigen_in(
        e.dir.path(),
        &[
            "run",
            "--quiet",
            "--input",
            s(&sample()),
            "--as-of",
            AS_OF,
            "--allow-future",
            "--out",
            s(&e.out),
            "--state",
            s(&e.state),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    e
}

/// The sample export (CP932, CRLF, no quoted fields) as header and rows.
fn sample_rows() -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(sample()).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    assert!(!text.contains('"'), "the sample has no quoted fields");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

/// A change to one resident's row of the export.
enum Change {
    Status(&'static str),
    /// A new postal code and address (方書 emptied).
    Address(String, &'static str),
    Name(&'static str),
    Delete,
}

/// Writes the sample with `changes` (by 住民コード) applied, as CP932.
fn changed_export(path: &Path, changes: &[(&str, Change)]) {
    let (header, rows) = sample_rows();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut out = vec![header.join(",")];
    for mut row in rows {
        match changes.iter().find(|(c, _)| *c == row[col("住民コード")]) {
            None => {}
            Some((_, Change::Delete)) => continue,
            Some((_, Change::Status(st))) => row[col("住民状態")] = st.to_string(),
            Some((_, Change::Address(postal, address))) => {
                row[col("郵便番号")] = postal.clone();
                row[col("住所")] = address.to_string();
                row[col("方書")] = String::new();
            }
            Some((_, Change::Name(name))) => row[col("氏名")] = name.to_string(),
        }
        out.push(row.join(","));
    }
    let text = out.join("\r\n") + "\r\n";
    let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!bad);
    std::fs::write(path, bytes).unwrap();
}

/// The sample's 住所 of a resident.
fn sample_address(code: &str) -> String {
    let (header, rows) = sample_rows();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    rows.iter()
        .find(|r| r[col("住民コード")] == code)
        .map(|r| r[col("住所")].clone())
        .unwrap()
}

fn verify_passes(e: &Env) {
    let o = kigen_in(
        e.dir.path(),
        &["verify", s(&e.batch()), "--state", s(&e.state)],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

fn ledger_count(e: &Env, sql: &str) -> i64 {
    rusqlite::Connection::open(&e.state)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn pulls(e: &Env, input: &Path, out: &Path, extra: &[&str]) -> Output {
    let batch = e.batch();
    let mut args = vec![
        "pulls",
        s(&batch),
        "--input",
        s(input),
        "--state",
        s(&e.state),
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    kigen_in(e.dir.path(), &args)
}

#[test]
fn pulls_lists_exactly_the_moved_the_dead_the_new_address_and_the_missing() {
    let e = printed();
    let manifest = e.manifest();
    assert!(manifest.len() >= 8, "the sample has due residents");
    // Four printed residents, in the middle of the batch.
    let pick: Vec<&HashMap<String, String>> = manifest.iter().skip(2).take(4).collect();
    let code = |i: usize| pick[i]["resident_code"].as_str();
    let changed = e.path("changed.csv");
    changed_export(
        &changed,
        &[
            (code(0), Change::Status("転出")),
            (code(1), Change::Status("死亡")),
            (
                code(2),
                Change::Address("384-2104".into(), "長野県佐久市甲9999番地9"),
            ),
            (code(3), Change::Delete),
        ],
    );
    let out = e.path("pulls");
    let o = pulls(&e, &changed, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));

    let list = read_csv(&out.join("pull-list.csv"));
    assert_eq!(
        common::header_of(&out.join("pull-list.csv"))
            .split(',')
            .take(7)
            .collect::<Vec<_>>(),
        [
            "seq",
            "file",
            "first_page",
            "pages",
            "resident_code",
            "document_number",
            "reason"
        ]
    );
    assert_eq!(list.len(), 4, "exactly the four: {list:?}");
    let expected = ["moved", "died", "address-changed", "not-in-export"];
    for (i, want) in expected.iter().enumerate() {
        let row = list
            .iter()
            .find(|r| r["resident_code"] == code(i))
            .unwrap_or_else(|| panic!("{} not pulled", code(i)));
        assert_eq!(row["reason"], *want, "{}", code(i));
        // Where the packet is: the manifest's row.
        for k in ["seq", "file", "first_page", "pages", "document_number"] {
            assert_eq!(row[k], pick[i][k], "{k} of {}", code(i));
        }
    }
    // In print order.
    let seqs: Vec<u32> = list.iter().map(|r| r["seq"].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));

    // The PDF says the same, for the person at the inserter.
    let pdf = out.join("pull-list.pdf");
    let text = page_texts(&pdf).concat();
    assert!(text.contains("抜き取りリスト"));
    for (i, want) in expected.iter().enumerate() {
        assert!(text.contains(&pick[i]["document_number"]), "{text}");
        assert!(text.contains(want), "{want} in {text}");
    }
    assert!(text.contains("抜き取り4通"), "{text}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&out.join("pull-list.csv")), 0o600);
        assert_eq!(mode(&pdf), 0o600);
    }

    // The same request writes the same bytes.
    let again = e.path("pulls-again");
    let o = pulls(&e, &changed, &again, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["pull-list.csv", "pull-list.pdf"] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(again.join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }

    // The same export the batch was printed from pulls nothing.
    let same = e.path("pulls-same");
    let o = pulls(&e, &sample(), &same, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read_csv(&same.join("pull-list.csv")).is_empty());
    assert!(page_texts(&same.join("pull-list.pdf"))
        .concat()
        .contains("抜き取る封筒はありません"));
    // The batch is untouched.
    verify_passes(&e);
}

#[test]
fn pulls_names_other_statuses_and_names_and_works_without_a_ledger() {
    let e = printed();
    let manifest = e.manifest();
    let code = |i: usize| manifest[i]["resident_code"].as_str();
    let changed = e.path("changed.csv");
    changed_export(
        &changed,
        &[
            (code(0), Change::Status("職権消除")),
            (code(1), Change::Name("改姓　花子")),
            (code(2), Change::Status("国外転出")),
        ],
    );
    let out = e.path("pulls");
    let o = pulls(&e, &changed, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = read_csv(&out.join("pull-list.csv"));
    let reasons: Vec<(&str, &str)> = list
        .iter()
        .map(|r| (r["resident_code"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (code(0), "status-changed: 職権消除"),
            (code(1), "name-changed"),
            (code(2), "moved"),
        ]
    );
    // Without a ledger (none given, none in the working directory: the
    // default is state/kigen.sqlite there when it exists): the
    // batch is checked on its own and addresses by postal code only; a
    // new address in the same postal code goes unseen, and it says so.
    let moved_in_town = e.path("in-town.csv");
    changed_export(
        &moved_in_town,
        &[(
            code(0),
            Change::Address(
                manifest[0]["postal_code"].clone(),
                "長野県佐久市どこか1番地",
            ),
        )],
    );
    let out2 = e.path("pulls-no-ledger");
    let o = kigen_in(
        &e.out,
        &[
            "pulls",
            s(&e.batch()),
            "--input",
            s(&moved_in_town),
            "--out",
            s(&out2),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("postal code only"));
    assert!(read_csv(&out2.join("pull-list.csv")).is_empty());
    // With the ledger, the printed address is known and the move is seen.
    let out3 = e.path("pulls-ledger");
    let o = pulls(&e, &moved_in_town, &out3, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = read_csv(&out3.join("pull-list.csv"));
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["reason"], "address-changed");
}

#[test]
fn pulls_refuses_what_is_not_a_committed_batch() {
    let e = printed();
    let out = e.path("pulls");
    let input = sample();
    let run = |batch: &Path, state: Option<&Path>| {
        let mut args = vec!["pulls", s(batch), "--input", s(&input), "--out", s(&out)];
        if let Some(st) = state {
            args.extend(["--state", s(st)]);
        }
        kigen_in(e.dir.path(), &args)
    };
    // No summary.json: a directory being written, or not a batch.
    let partial = e.path("out/.2026-11-27.partial");
    std::fs::create_dir_all(partial.join("print")).unwrap();
    let o = run(&partial, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("summary.json"), "{}", stderr(&o));
    // A copy whose manifest was edited does not verify.
    let copy = e.path("copy/2026-11-26");
    std::fs::create_dir_all(copy.join("print")).unwrap();
    for f in common::batch_files(&e.batch()) {
        std::fs::copy(e.batch().join(&f), copy.join(&f)).unwrap();
    }
    let o = run(&copy, None);
    assert!(
        o.status.success(),
        "an intact copy is a batch: {}",
        stderr(&o)
    );
    let manifest = copy.join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replacen(",2,", ",3,", 1)).unwrap();
    let o = run(&copy, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not verify"), "{}", stderr(&o));
    // A batch the given ledger does not record.
    let other = tempfile::tempdir().unwrap();
    let other_state = other.path().join("kigen.sqlite");
    let o = kigen_in(
        other.path(),
        &[
            "run",
            "--quiet",
            "--input",
            s(&sample()),
            "--as-of",
            "2026-11-27",
            "--allow-future",
            "--out",
            s(&other.path().join("out")),
            "--state",
            s(&other_state),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&e.batch(), Some(&other_state));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // --out inside the batch would break it: refused, and it still verifies.
    let o = pulls(&e, &sample(), &e.batch(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!e.batch().join("pull-list.csv").exists());
    verify_passes(&e);
}

fn returned(e: &Env, args: &[&str]) -> Output {
    let mut all = vec!["returned", "--state", s(&e.state)];
    all.extend_from_slice(args);
    kigen_in(e.dir.path(), &all)
}

fn followups(e: &Env) -> Vec<HashMap<String, String>> {
    let out = e.path("follow");
    let o = kigen_in(
        e.dir.path(),
        &["followups", "--state", s(&e.state), "--out", s(&out)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    #[cfg(unix)]
    assert_eq!(mode(&out.join("followups.csv")), 0o600);
    read_csv(&out.join("followups.csv"))
}

#[test]
fn returns_are_recorded_once_and_followed_up_until_resolved() {
    let e = printed();
    let manifest = e.manifest();
    let notices = ledger_count(&e, "SELECT count(*) FROM notice");
    let doc = |i: usize| manifest[i]["document_number"].as_str();

    let o = returned(
        &e,
        &[
            "--document",
            doc(0),
            "--reason",
            "moved",
            "--date",
            "2026-12-01",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The same return again counts once.
    let o = returned(
        &e,
        &[
            "--document",
            doc(0),
            "--reason",
            "moved",
            "--date",
            "2026-12-01",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("already recorded"));
    // A file: a new one by code, one by Japan Post's wording in 和暦, and
    // the first again.
    let file = e.path("returns.csv");
    std::fs::write(
        &file,
        format!(
            "document_number,reason,date\n{},not-found,2026-12-02\n{},受取人不明,令和8年12月3日\n{},moved,2026-12-01\n",
            doc(1),
            doc(2),
            doc(0)
        ),
    )
    .unwrap();
    let o = returned(&e, &["--file", s(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM returned"), 3);

    let list = followups(&e);
    assert_eq!(list.len(), 3, "{list:?}");
    let by_doc = |d: &str| list.iter().find(|r| r["document_number"] == d).unwrap();
    for (i, reason, date) in [
        (0, "moved", "2026-12-01"),
        (1, "not-found", "2026-12-02"),
        (2, "unknown", "2026-12-03"),
    ] {
        let r = by_doc(doc(i));
        let m = &manifest[i];
        assert_eq!(r["resident_code"], m["resident_code"]);
        assert_eq!(r["name"], m["name"]);
        assert_eq!(r["postal_code"], m["postal_code"]);
        assert_eq!(r["batch"], AS_OF);
        // The address printed: the export's on the night.
        assert_eq!(r["address"], sample_address(&m["resident_code"]));
        assert_eq!(r["returned_on"], date);
        assert_eq!(r["reason"], reason);
        // The expiries of the items the notice was for.
        for item in ["card", "user_cert", "sign_cert"] {
            let want = if m[&format!("{item}_due")] == "1" {
                m[&format!("{item}_expiry")].as_str()
            } else {
                ""
            };
            assert_eq!(r[&format!("{item}_expiry")], want, "{item}");
        }
    }
    assert_eq!(by_doc(doc(2))["reason_text"], "受取人不明");

    // Resolved: no longer listed; resolving again changes nothing.
    let o = returned(&e, &["--resolve", doc(1), "--note", "本人と電話で確認"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = followups(&e);
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|r| r["document_number"] != doc(1)));
    let o = returned(&e, &["--resolve", doc(1), "--note", "again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(followups(&e).len(), 2);
    // A document never returned cannot be resolved.
    let o = returned(&e, &["--resolve", doc(5), "--note", "x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Returns are not notices.
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM notice"), notices);
    verify_passes(&e);
}

#[test]
fn a_bad_returns_file_records_nothing_and_names_every_bad_line() {
    let e = printed();
    let manifest = e.manifest();
    let doc = |i: usize| manifest[i]["document_number"].as_str();
    let file = e.path("returns.csv");
    std::fs::write(
        &file,
        format!(
            "document_number,reason,date\n\
             {},not-found,2026-12-02\n\
             佐市民第20991231-99999号,moved,2026-12-02\n\
             {},moved,2026-13-40\n\
             {},lost,2026-12-02\n\
             {},refused,2026-11-01\n",
            doc(0),
            doc(1),
            doc(2),
            doc(3)
        ),
    )
    .unwrap();
    let o = returned(&e, &["--file", s(&file)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("nothing was recorded"), "{err}");
    for (line, says) in [
        (3, "not in the ledger"),
        (4, "bad date"),
        (5, "unknown reason"),
        (6, "before the document was printed"),
    ] {
        let l = err
            .lines()
            .find(|l| l.contains(&format!("returns.csv line {line}:")))
            .unwrap_or_else(|| panic!("line {line} in {err}"));
        assert!(l.contains(says), "{l}");
    }
    assert!(
        !err.contains("line 2:"),
        "the good line is not listed: {err}"
    );
    // All or nothing: not even the good line.
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM returned"), 0);
    assert!(followups(&e).is_empty());
    // One unknown document on the command line, and a file without the
    // reason column: exit 2, nothing recorded.
    let o = returned(
        &e,
        &[
            "--document",
            "佐市民第20991231-99999号",
            "--reason",
            "moved",
            "--date",
            "2026-12-02",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not in the ledger"));
    std::fs::write(
        &file,
        format!("document_number,date\n{},2026-12-02\n", doc(0)),
    )
    .unwrap();
    let o = returned(&e, &["--file", s(&file)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("reason"), "{}", stderr(&o));
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM returned"), 0);
    // A ledger that does not exist is not created.
    let missing = e.path("state/none.sqlite");
    let o = kigen_in(
        e.dir.path(),
        &[
            "returned",
            "--state",
            s(&missing),
            "--document",
            doc(0),
            "--reason",
            "moved",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!missing.exists());
}

/// A document number as a scanner in a Japanese input mode types it: its
/// ASCII digits and hyphen full-width.
fn full_width(doc: &str) -> String {
    doc.chars()
        .map(|c| match c {
            '0'..='9' | '-' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            c => c,
        })
        .collect()
}

#[test]
fn scanned_codes_record_each_piece_once_with_its_resident() {
    let e = printed();
    let manifest = e.manifest();
    let doc = |i: usize| manifest[i]["document_number"].as_str();
    // Piece 0: its window code in full-width digits, then a sheet code and
    // the window code again; piece 1: a sheet code with blanks and its own
    // reason; piece 2: a sheet code with a full-width bar and slash.
    let scan = e.path("scan.txt");
    std::fs::write(
        &scan,
        format!(
            "{}\r\n{}|1/2\n  {}  \n\n{} | 2/2 ,refused\n{}｜１／２\n",
            full_width(doc(0)),
            doc(0),
            doc(0),
            doc(1),
            doc(2)
        ),
    )
    .unwrap();
    let o = returned(
        &e,
        &[
            "--scan",
            s(&scan),
            "--reason",
            "moved",
            "--date",
            "2026-12-01",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for row in &manifest[..3] {
        let document = &row["document_number"];
        let line = out
            .lines()
            .find(|l| l.contains(&format!("recorded {document} ")))
            .unwrap_or_else(|| panic!("{document} in {out}"));
        assert!(
            line.contains(&format!("resident {}", row["resident_code"])),
            "{line}"
        );
    }
    assert!(
        out.contains("3 return(s) recorded, 0 already recorded"),
        "{out}"
    );
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM returned"), 3);
    let list = followups(&e);
    let reason_of =
        |d: &str| list.iter().find(|r| r["document_number"] == d).unwrap()["reason"].clone();
    assert_eq!(reason_of(doc(0)), "moved");
    assert_eq!(reason_of(doc(1)), "refused");
    assert_eq!(reason_of(doc(2)), "moved");
    // The same scans from standard input again: counted once.
    let o = common::kigen_command()
        .args([
            "returned",
            "--state",
            s(&e.state),
            "--scan",
            "--reason",
            "moved",
        ])
        .current_dir(e.dir.path())
        .stdin(std::fs::File::open(&scan).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 return(s) recorded, 3 already recorded"));
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM returned"), 3);
}

#[test]
fn a_scan_with_a_line_that_is_not_a_code_records_nothing() {
    let e = printed();
    let manifest = e.manifest();
    let doc = |i: usize| manifest[i]["document_number"].as_str();
    let scan = e.path("scan.txt");
    std::fs::write(
        &scan,
        format!(
            "{}\n佐市民第20991231-99999号\n{}|3/2\nhello world\n{}|1/2\n",
            doc(0),
            doc(1),
            doc(2)
        ),
    )
    .unwrap();
    let o = returned(&e, &["--scan", s(&scan), "--reason", "moved"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("nothing was recorded"), "{err}");
    for line in [2, 3, 4] {
        assert!(
            err.contains(&format!("scan.txt line {line}:")),
            "line {line}: {err}"
        );
    }
    assert!(
        !err.contains("line 1:") && !err.contains("line 5:"),
        "{err}"
    );
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM returned"), 0);
    // No reason on the line nor --reason: refused too.
    std::fs::write(&scan, format!("{}\n", doc(0))).unwrap();
    let o = returned(&e, &["--scan", s(&scan)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no reason"), "{}", stderr(&o));
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM returned"), 0);
}

fn reprint(e: &Env, doc: &str, input: &Path, out: &Path) -> Output {
    reprint_with(e, doc, input, out, &[])
}

fn reprint_with(e: &Env, doc: &str, input: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "reprint",
        "--state",
        s(&e.state),
        "--document",
        doc,
        "--input",
        s(input),
        "--reason",
        "本人から再送の依頼",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    kigen_in(e.dir.path(), &args)
}

#[test]
fn a_reprint_goes_to_the_current_address_numbered_and_marked() {
    let e = printed();
    let manifest = e.manifest();
    let m = &manifest[3];
    let (code, doc) = (m["resident_code"].as_str(), m["document_number"].as_str());
    let old_address = sample_address(code);
    let notices = ledger_count(&e, "SELECT count(*) FROM notice");
    // The resident moved within the city; two others left the registry.
    let gone = manifest[4]["resident_code"].as_str();
    let dead = manifest[5]["resident_code"].as_str();
    let changed = e.path("changed.csv");
    let new_address = "長野県佐久市中込3丁目9番5号";
    changed_export(
        &changed,
        &[
            (code, Change::Address("385-0051".into(), new_address)),
            (gone, Change::Delete),
            (dead, Change::Status("死亡")),
        ],
    );
    let out = e.path("reprints");
    let o = reprint(&e, doc, &changed, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let r1 = out.join(format!("reprint-{doc}-R1.pdf"));
    #[cfg(unix)]
    assert_eq!(mode(&r1), 0o600);
    let pages = page_texts(&r1);
    assert_eq!(pages.len().to_string(), m["pages"], "the same packet");
    assert!(pages[0].contains("再発行"), "{}", pages[0]);
    assert!(pages[0].contains(&format!("{doc}-R1")), "{}", pages[0]);
    assert!(pages[0].contains(new_address), "{}", pages[0]);
    assert!(pages[0].contains("〒385-0051"), "{}", pages[0]);
    assert!(!pages[0].contains(&old_address), "{}", pages[0]);
    assert!(pages[1].contains(&format!("{doc}-R1")), "the enclosure too");
    // The same request again within [mail] reprint_again_days (7) is
    // refused, printing and recording nothing (SPEC 14)...
    let reprints = ledger_count(&e, "SELECT count(*) FROM reprint");
    let o = reprint(&e, doc, &changed, &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--again"), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("{doc}-R1")), "{}", stderr(&o));
    assert!(!out.join(format!("reprint-{doc}-R2.pdf")).exists());
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM reprint"), reprints);
    // ...and with --again a second reprint is -R2 (also when asked by the
    // first one's number).
    let o = reprint_with(&e, &format!("{doc}-R1"), &changed, &out, &["--again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        page_texts(&out.join(format!("reprint-{doc}-R2.pdf")))[0].contains(&format!("{doc}-R2"))
    );

    // Recorded as reprints, not notices: one notice per item still.
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM reprint"), 2);
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM notice"), notices);
    let per_item = ledger_count(
        &e,
        "SELECT count(*) FROM (SELECT resident_code, item, expiry FROM notice
                             GROUP BY 1, 2, 3 HAVING count(*) > 1)",
    );
    assert_eq!(per_item, 0);
    verify_passes(&e);

    // The reprint can come back too (today, the default date: not before
    // it was printed): followups gives the address it went to.
    let o = returned(
        &e,
        &["--document", &format!("{doc}-R1"), "--reason", "not-found"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let list = followups(&e);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["address"], new_address);
    assert_eq!(list[0]["postal_code"], "3850051");
    assert_eq!(list[0]["resident_code"], code);

    // The resident's history: the notice, the two reprints, the return.
    let o = kigen_in(
        e.dir.path(),
        &[
            "history",
            "--state",
            s(&e.state),
            "--resident",
            code,
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let events: Vec<(String, String)> = j["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["document_number"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("notice".to_string(), doc.to_string()),
            ("reprint".to_string(), format!("{doc}-R1")),
            ("reprint".to_string(), format!("{doc}-R2")),
            ("return".to_string(), format!("{doc}-R1")),
        ]
    );

    // Not a 住民 any more, not in the export, not in the ledger: exit 2,
    // nothing written.
    for (d, says) in [
        (manifest[5]["document_number"].as_str(), "no longer a 住民"),
        (manifest[4]["document_number"].as_str(), "is not in"),
        ("佐市民第20991231-99999号", "not in the ledger"),
    ] {
        let o = reprint(&e, d, &changed, &out);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{says}: {}", stderr(&o));
        assert!(!out.join(format!("reprint-{d}-R1.pdf")).exists());
    }
    assert_eq!(ledger_count(&e, "SELECT count(*) FROM reprint"), 2);
}
