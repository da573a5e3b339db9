//! SPEC 13, the state side: a refusal changes nothing (`ledger void` of a
//! mailed batch), a batch's input is both files (a crashed batch rerun with
//! another card file), 支援措置 is never undone (reprint, followups), and a
//! damaged ledger stops the night before any work (newer schema, empty
//! file, single-byte corruption). Each test runs kigen in a directory of
//! its own with explicit --out and --state.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::read_csv;

const NIGHT1: &str = "2026-11-26";
const NIGHT2: &str = "2027-01-20";

const REGISTRY_HEADER: &str = "宛名番号,住民票コード,個人番号,氏名,氏名のフリガナ,生年月日,住民状態,住民種別,住所の郵便番号,住所,方書,在留期間の満了の日,法定代理人氏名,支援措置,送付先郵便番号,送付先住所,送付先方書,送付先氏名";
const CARD_HEADER: &str = "住民票コード,交付申請受付日,カード発行日,カード有効期限,利用者証明用電子証明書発行日,利用者証明用電子証明書有効期限,署名用電子証明書発行日,署名用電子証明書有効期限";

/// Card due on [`NIGHT1`] (expires 2027-01-18), both certificates due on
/// [`NIGHT2`] (expire 2027-04-18).
const STAGGERED: &str =
    "2017-01-13,2017-02-17,2027-01-18,2022-04-24,2027-04-18,2022-04-24,2027-04-18";
/// Card and certificates all due on [`NIGHT1`].
const TOGETHER: &str =
    "2017-01-13,2017-02-17,2027-01-18,2022-04-24,2027-01-18,2022-04-24,2027-01-18";

struct Env {
    dir: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        Env {
            out: dir.path().join("out"),
            state: dir.path().join("state/kigen.sqlite"),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn kigen(&self, args: &[&str]) -> Output {
        self.kigen_env(args, None)
    }

    fn kigen_env(&self, args: &[&str], fault: Option<u32>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kigen"));
        c.args(args).current_dir(self.dir.path());
        if let Some(n) = fault {
            c.env("KIGEN_FAULT_AFTER", n.to_string());
        }
        c.output().expect("kigen runs")
    }

    fn run(&self, as_of: &str, registry: &Path, cards: Option<&Path>) -> Output {
        self.run_fault(as_of, registry, cards, None)
    }

    fn run_fault(
        &self,
        as_of: &str,
        registry: &Path,
        cards: Option<&Path>,
        fault: Option<u32>,
    ) -> Output {
        let mut args = vec![
            "run",
            "--quiet",
            "--profile",
            "standard",
            "--allow-future",
            // The nights here read byte-identical exports on purpose.
            "--accept-input-change",
            "--as-of",
            as_of,
            "--input",
            s(registry),
            "--out",
            s(&self.out),
            "--state",
            s(&self.state),
        ];
        if let Some(c) = cards {
            args.extend(["--cards", s(c)]);
        }
        self.kigen_env(&args, fault)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write_cp932(path: &Path, lines: &[String]) {
    let mut bytes = Vec::new();
    for l in lines {
        let (b, _, bad) = encoding_rs::SHIFT_JIS.encode(l);
        assert!(!bad, "{l}");
        bytes.extend(b.iter());
        bytes.extend(b"\r\n");
    }
    std::fs::write(path, bytes).unwrap();
}

/// A registry row; `support` is the 支援措置 column.
fn person(code: &str, key: &str, name: &str, support: &str) -> String {
    format!(
        "{code},{key},,{name},サク　タロウ,1970-01-18,住民,日本人,385-0051,長野県佐久市中込3056,,,,{support},,,,"
    )
}

/// Writes a registry of `rows` and returns its path.
fn registry(e: &Env, name: &str, rows: &[String]) -> PathBuf {
    let p = e.path(name);
    let mut lines = vec![REGISTRY_HEADER.to_string()];
    lines.extend(rows.iter().cloned());
    write_cp932(&p, &lines);
    p
}

/// Writes a card file of (key, dates) lines and returns its path.
fn cards(e: &Env, name: &str, rows: &[(&str, &str)]) -> PathBuf {
    let p = e.path(name);
    let mut lines = vec![CARD_HEADER.to_string()];
    lines.extend(rows.iter().map(|(k, d)| format!("{k},{d}")));
    write_cp932(&p, &lines);
    p
}

/// Every file under `dir` (relative path → bytes), hidden ones included.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let p = entry.unwrap().path();
            if p.is_dir() {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    b"<dir>".to_vec(),
                );
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn manifest(e: &Env, batch: &str) -> Vec<HashMap<String, String>> {
    read_csv(&e.out.join(batch).join("manifest.csv"))
}

fn document_of(e: &Env, batch: &str, code: &str) -> String {
    manifest(e, batch)
        .into_iter()
        .find(|r| r["resident_code"] == code)
        .unwrap_or_else(|| panic!("{code} printed in {batch}"))["document_number"]
        .clone()
}

/// Three residents, all due on NIGHT1 (A01's certificates due on NIGHT2).
fn night_one(e: &Env) -> (PathBuf, PathBuf) {
    let reg = registry(
        e,
        "registry-1.csv",
        &[
            person("A01", "10000000001", "佐久　一郎", ""),
            person("A02", "10000000002", "佐久　二郎", ""),
            person("A03", "10000000003", "佐久　三郎", ""),
        ],
    );
    let card = cards(
        e,
        "cards-1.csv",
        &[
            ("10000000001", STAGGERED),
            ("10000000002", TOGETHER),
            ("10000000003", TOGETHER),
        ],
    );
    let o = e.run(NIGHT1, &reg, Some(&card));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(e, NIGHT1).len(), 3);
    (reg, card)
}

#[test]
fn void_of_a_mailed_batch_changes_nothing() {
    let e = Env::new();
    night_one(&e);
    let doc = document_of(&e, NIGHT1, "A02");
    let o = e.kigen(&[
        "returned",
        "--state",
        s(&e.state),
        "--document",
        &doc,
        "--reason",
        "moved",
        "--date",
        "2026-12-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (out_before, state_before) = (tree(&e.out), tree(e.state.parent().unwrap()));
    let o = e.kigen(&[
        "ledger",
        "void",
        NIGHT1,
        "--reason",
        "wrong export",
        "--out",
        s(&e.out),
        "--state",
        s(&e.state),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was done"), "{}", stderr(&o));
    // The batch directory, the ledger and the locks exactly as they were.
    assert_eq!(tree(&e.out), out_before);
    assert_eq!(tree(e.state.parent().unwrap()), state_before);
    assert!(!e.out.join(".void").exists());
    // And the next checks pass.
    let o = e.kigen(&[
        "ledger",
        "check",
        "--out",
        s(&e.out),
        "--state",
        s(&e.state),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_crashed_batch_rerun_with_other_cards_is_refused() {
    let e = Env::new();
    let reg = registry(
        &e,
        "registry.csv",
        &[
            person("A01", "10000000001", "佐久　一郎", ""),
            person("A02", "10000000002", "佐久　二郎", ""),
        ],
    );
    let card = cards(
        &e,
        "cards.csv",
        &[("10000000001", TOGETHER), ("10000000002", TOGETHER)],
    );
    let other = cards(&e, "cards-other.csv", &[("10000000001", TOGETHER)]);
    let batch = e.out.join(NIGHT1);
    // Crash at each point in turn until one leaves the batch in place but
    // not recorded (between the rename and the commit).
    let mut found = false;
    for n in 1..60 {
        let _ = std::fs::remove_dir_all(&e.out);
        let _ = std::fs::remove_dir_all(e.state.parent().unwrap());
        let o = e.run_fault(NIGHT1, &reg, Some(&card), Some(n));
        assert!(!o.status.success(), "point {n}: the run passed every point");
        let recorded = rusqlite::Connection::open(&e.state)
            .ok()
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM batch", [], |r| r.get::<_, i64>(0))
                    .ok()
            })
            .unwrap_or(0);
        if batch.exists() && recorded == 0 {
            found = true;
            break;
        }
    }
    assert!(found, "no fault point between the rename and the commit");
    let before = tree(&e.out);
    for cards in [Some(other.as_path()), None] {
        let o = e.run(NIGHT1, &reg, cards);
        assert_eq!(o.status.code(), Some(2), "{:?}: {}", cards, stderr(&o));
        assert!(stderr(&o).contains("card file"), "{}", stderr(&o));
        assert_eq!(tree(&e.out), before, "{cards:?}: the batch is untouched");
    }
    // The files it was built from complete it.
    let o = e.run(NIGHT1, &reg, Some(&card));
    assert!(
        o.status.success(),
        "the same files complete it: {}",
        stderr(&o)
    );
}

#[test]
fn support_measure_is_never_undone_by_reprint_or_followups() {
    let e = Env::new();
    let (reg1, card1) = night_one(&e);
    let doc1 = document_of(&e, NIGHT1, "A01");
    let doc2 = document_of(&e, NIGHT1, "A02");
    // NIGHT2: A01's certificates are due and A01 is under 支援措置: held.
    let reg2 = registry(
        &e,
        "registry-2.csv",
        &[
            person("A01", "10000000001", "佐久　一郎", "1"),
            person("A02", "10000000002", "佐久　二郎", ""),
            person("A03", "10000000003", "佐久　三郎", ""),
        ],
    );
    let o = e.run(NIGHT2, &reg2, Some(&card1));
    assert!(o.status.success(), "{}", stderr(&o));
    let held = read_csv(&e.out.join(NIGHT2).join("held.csv"));
    assert!(
        held.iter()
            .any(|r| r["resident_code"] == "A01" && r["reason"] == "support-measure"),
        "{held:?}"
    );
    // The ledger records it.
    let conn = rusqlite::Connection::open(&e.state).unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT batch_id, resident_code FROM support_held")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(conn);
    assert_eq!(rows, [(NIGHT2.to_string(), "A01".to_string())]);

    // An export that no longer carries the flag (a new file, never read by
    // a batch) cannot undo it: A01's NIGHT1 document is not reprinted.
    let reg3 = registry(
        &e,
        "registry-3.csv",
        &[
            person("A01", "10000000001", "佐久　一郎", ""),
            person("A02", "10000000002", "佐久　二郎", ""),
            person("A03", "10000000003", "佐久　三郎", ""),
            person("A04", "10000000004", "佐久　四郎", ""),
        ],
    );
    let reprints = e.path("reprints");
    let reprint = |doc: &str, export: &Path| {
        e.kigen(&[
            "reprint",
            "--state",
            s(&e.state),
            "--document",
            doc,
            "--input",
            s(export),
            "--cards",
            s(&card1),
            "--profile",
            "standard",
            "--reason",
            "asked at the counter",
            "--out",
            s(&reprints),
            // Two reprints of one packet the same day, on purpose.
            "--again",
        ])
    };
    let state_before = tree(e.state.parent().unwrap());
    let o = reprint(&doc1, &reg3);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("支援措置"), "{}", stderr(&o));
    // The NIGHT1 export is older than the latest batch: refused too.
    let o = reprint(&doc2, &reg1);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("older"), "{}", stderr(&o));
    assert!(!reprints.exists() || tree(&reprints).is_empty());
    assert_eq!(tree(e.state.parent().unwrap()), state_before);
    // The latest batch's export, or a newer one, reprints A02.
    for export in [&reg2, &reg3] {
        let o = reprint(&doc2, export);
        assert!(o.status.success(), "{}", stderr(&o));
    }

    // followups.csv: A01's return is marked, without an address.
    for doc in [&doc1, &doc2] {
        let o = e.kigen(&[
            "returned",
            "--state",
            s(&e.state),
            "--document",
            doc,
            "--reason",
            "not-found",
            "--date",
            "2026-12-05",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let fu = e.path("fu");
    let o = e.kigen(&["followups", "--state", s(&e.state), "--out", s(&fu)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = read_csv(&fu.join("followups.csv"));
    let by: HashMap<_, _> = rows
        .iter()
        .map(|r| (r["resident_code"].as_str(), r))
        .collect();
    assert_eq!(by["A01"]["support_measure"], "1");
    for col in [
        "name",
        "postal_code",
        "address",
        "address_extra",
        "mail_to_name",
    ] {
        assert_eq!(by["A01"][col], "", "{col}");
    }
    assert_eq!(by["A02"]["support_measure"], "0");
    assert_eq!(by["A02"]["address"], "長野県佐久市中込3056");
    let text = std::fs::read_to_string(fu.join("followups.csv")).unwrap();
    assert_eq!(text.matches("中込3056").count(), 1, "{text}");
}

#[test]
fn a_newer_schema_is_refused_with_its_bytes_unchanged() {
    let e = Env::new();
    let (reg, card) = night_one(&e);
    {
        let c = rusqlite::Connection::open(&e.state).unwrap();
        c.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&e.state).unwrap();
    let out_before = tree(&e.out);
    let o = e.run(NIGHT2, &reg, Some(&card));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("schema version 99"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&e.state).unwrap(),
        before,
        "no journal mode change"
    );
    assert_eq!(tree(&e.out), out_before);
    for args in [
        vec!["followups", "--state", s(&e.state), "--out", "fu"],
        vec![
            "ledger",
            "check",
            "--out",
            s(&e.out),
            "--state",
            s(&e.state),
        ],
    ] {
        let o = e.kigen(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(std::fs::read(&e.state).unwrap(), before, "{args:?}");
    }
}

#[test]
fn a_mail_room_command_never_writes_a_schema_into_an_empty_file() {
    let e = Env::new();
    std::fs::create_dir_all(e.state.parent().unwrap()).unwrap();
    std::fs::write(&e.state, b"").unwrap();
    let reg = registry(
        &e,
        "r.csv",
        &[person("A01", "10000000001", "佐久　一郎", "")],
    );
    let returns = e.path("returns.csv");
    std::fs::write(&returns, "document_number,reason\nX,moved\n").unwrap();
    for args in [
        vec!["followups", "--state", s(&e.state), "--out", "fu"],
        vec![
            "returned",
            "--state",
            s(&e.state),
            "--document",
            "X",
            "--reason",
            "moved",
        ],
        vec!["returned", "--state", s(&e.state), "--file", s(&returns)],
        vec![
            "reprint",
            "--state",
            s(&e.state),
            "--document",
            "X",
            "--input",
            s(&reg),
            "--profile",
            "standard",
            "--reason",
            "asked",
            "--out",
            "rp",
        ],
    ] {
        let o = e.kigen(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(std::fs::read(&e.state).unwrap(), b"", "{args:?}");
    }
    // And none creates a ledger where there is none.
    std::fs::remove_file(&e.state).unwrap();
    let o = e.kigen(&["followups", "--state", s(&e.state), "--out", "fu"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!e.state.exists());
}

/// Single bytes of a ledger changed at a sample of offsets: each is either
/// harmless (the next night completes with the same batch as over the
/// intact ledger) or refused before any batch directory is written.
#[test]
fn a_damaged_ledger_is_harmless_or_refused_before_any_work() {
    let base = Env::new();
    let (reg, card) = night_one(&base);
    let reg2 = registry(
        &base,
        "registry-2.csv",
        &[
            person("A01", "10000000001", "佐久　一郎", ""),
            person("A02", "10000000002", "佐久　二郎", ""),
            person("A03", "10000000003", "佐久　三郎", ""),
        ],
    );
    let _ = reg;
    // A checkpointed, single-file ledger.
    {
        let c = rusqlite::Connection::open(&base.state).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let pristine = std::fs::read(&base.state).unwrap();
    let out_pristine = tree(&base.out);
    // The night over the intact ledger.
    let reference = Env::new();
    copy_state(&reference, &base, &pristine, &out_pristine);
    let o = reference.run(NIGHT2, &reg2, Some(&card));
    assert!(o.status.success(), "{}", stderr(&o));
    let ref_manifest = manifest(&reference, NIGHT2);
    assert!(!ref_manifest.is_empty());

    let len = pristine.len();
    // The first page (header and schema), then every page at a stride.
    let mut offsets: Vec<usize> = (0..100).step_by(7).collect();
    offsets.extend((100..len).step_by(len / 30 + 1));
    offsets.extend(
        (0..len)
            .filter(|o| pristine[*o].is_ascii_digit())
            .step_by(97),
    );
    offsets.sort();
    offsets.dedup();
    let (mut harmless, mut refused, mut by_seal) = (0, 0, 0);
    for offset in offsets {
        let e = Env::new();
        let mut bytes = pristine.clone();
        bytes[offset] ^= 0x01 | (bytes[offset] & 0x02);
        copy_state(&e, &base, &bytes, &out_pristine);
        let o = e.run(NIGHT2, &reg2, Some(&card));
        if o.status.success() {
            assert_eq!(
                manifest(&e, NIGHT2),
                ref_manifest,
                "offset {offset}: the night completed with another batch"
            );
            harmless += 1;
        } else {
            assert_eq!(o.status.code(), Some(2), "offset {offset}: {}", stderr(&o));
            let mut out_now = tree(&e.out);
            out_now.remove(Path::new(".kigen.lock"));
            let mut expected = out_pristine.clone();
            expected.remove(Path::new(".kigen.lock"));
            assert_eq!(
                out_now.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>(),
                "offset {offset}: refused after writing in --out: {}",
                stderr(&o)
            );
            refused += 1;
            by_seal += usize::from(stderr(&o).contains("differ from what was committed"));
        }
    }
    // Some damage SQLite cannot see is found by the batches' seals.
    assert!(
        harmless > 0 && refused > 0 && by_seal > 0,
        "{harmless} harmless, {refused} refused ({by_seal} by a seal)"
    );
}

/// `e`'s state is `bytes`, its out a copy of `from`'s batches.
fn copy_state(e: &Env, from: &Env, bytes: &[u8], out: &BTreeMap<PathBuf, Vec<u8>>) {
    std::fs::create_dir_all(e.state.parent().unwrap()).unwrap();
    std::fs::write(&e.state, bytes).unwrap();
    for (rel, content) in out {
        let p = e.out.join(rel);
        if from.out.join(rel).is_dir() {
            std::fs::create_dir_all(&p).unwrap();
        } else {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, content).unwrap();
        }
    }
}

/// A ledger that fails its write after the batch was rendered and moved
/// into place (here a trigger makes the commit fail) leaves no batch
/// directory behind and records nothing; the ledger mended, the rerun
/// completes.
#[test]
fn a_commit_that_fails_leaves_no_batch_directory() {
    let e = Env::new();
    let (reg, card) = night_one(&e);
    // The notices are written to the ledger while the files render: a
    // ledger that refuses them stops the night before any directory is
    // placed, and says so.
    {
        let c = rusqlite::Connection::open(&e.state).unwrap();
        c.execute_batch(
            "CREATE TRIGGER refuse_notice BEFORE INSERT ON notice
             BEGIN SELECT RAISE(ABORT, 'the disk said no'); END;",
        )
        .unwrap();
    }
    let early = registry(
        &e,
        "registry-2.csv",
        &[
            person("A01", "10000000001", "佐久　一郎", ""),
            person("A02", "10000000002", "佐久　二郎", ""),
            person("A03", "10000000003", "佐久　三郎", ""),
        ],
    );
    let before = tree(&e.out);
    let notices = |e: &Env| -> i64 {
        let c = rusqlite::Connection::open(&e.state).unwrap();
        c.query_row("SELECT count(*) FROM notice", [], |r| r.get(0))
            .unwrap()
    };
    let recorded = notices(&e);
    let o = e.run(NIGHT2, &early, Some(&card));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the disk said no"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no batch directory was placed"),
        "{}",
        stderr(&o)
    );
    assert!(!e.out.join(NIGHT2).exists());
    assert_eq!(notices(&e), recorded, "nothing of the night is recorded");
    let mut now = tree(&e.out);
    now.retain(|p, _| !p.starts_with(format!(".{NIGHT2}.partial")));
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    // The batch's own record goes in at the commit, after the directory
    // was moved into place: refused there, the directory is removed again.
    {
        let c = rusqlite::Connection::open(&e.state).unwrap();
        c.execute_batch(
            "DROP TRIGGER refuse_notice;
             CREATE TRIGGER refuse BEFORE INSERT ON batch
             BEGIN SELECT RAISE(ABORT, 'the disk said no'); END;",
        )
        .unwrap();
    }
    let _ = reg;
    let reg2 = early;
    let o = e.run(NIGHT2, &reg2, Some(&card));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("removed again"), "{}", stderr(&o));
    assert!(!e.out.join(NIGHT2).exists());
    let mut now = tree(&e.out);
    now.retain(|p, _| !p.starts_with(format!(".{NIGHT2}.partial")));
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    assert_eq!(notices(&e), recorded, "nothing of the night is recorded");
    // Every rerun over the same ledger fails the same way, never worse; the
    // ledger mended, the night completes.
    let o = e.run(NIGHT2, &reg2, Some(&card));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    {
        let c = rusqlite::Connection::open(&e.state).unwrap();
        c.execute_batch("DROP TRIGGER refuse;").unwrap();
    }
    let o = e.run(NIGHT2, &reg2, Some(&card));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&e, NIGHT2).len(), 1);
}
