//! An installed kigen runs from any directory (SPEC 10, "Installation"):
//! the binary, copied away from the repository and started elsewhere, finds
//! its built-in Saku profile and fonts; `kigen init` writes an editable copy;
//! an unknown `--profile` is exit 2. (`cargo install` itself would be a full
//! release build: the test binary stands in for it.)

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::root;

/// The README's sample date for input-samples/registry-sample.csv.
const AS_OF: &str = "2026-11-26";

/// kigen copied to `bin/` of a directory outside the repository, and an
/// unrelated working directory to start it in.
struct Installed {
    dir: tempfile::TempDir,
    kigen: PathBuf,
    cwd: PathBuf,
}

/// Held for writing while the binary is copied, for reading while a child
/// is started: a child forked while another thread still has the copy open
/// for writing keeps that descriptor, and exec of the copy then fails with
/// "Text file busy" (ETXTBSY).
static SPAWN: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn install() -> Installed {
    let dir = tempfile::tempdir().unwrap();
    assert!(!dir.path().starts_with(root()), "outside the repository");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let kigen = bin.join("kigen");
    {
        let _copying = SPAWN.write().unwrap_or_else(|e| e.into_inner());
        std::fs::copy(env!("CARGO_BIN_EXE_kigen"), &kigen).unwrap();
    }
    let cwd = dir.path().join("elsewhere");
    std::fs::create_dir(&cwd).unwrap();
    Installed { dir, kigen, cwd }
}

impl Installed {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn kigen(&self, args: &[&str]) -> Output {
        let _spawning = SPAWN.read().unwrap_or_else(|e| e.into_inner());
        Command::new(&self.kigen)
            .args(args)
            .current_dir(&self.cwd)
            .output()
            .expect("kigen runs")
    }

    /// `kigen run` on the registry sample into `out`, plus `extra`.
    fn run(&self, out: &str, extra: &[&str]) -> Output {
        let input = root().join("input-samples/registry-sample.csv");
        let (out, state) = (self.path(out), self.path(&format!("{out}.sqlite")));
        let mut args = vec![
            "run",
            "--quiet",
            "--input",
            input.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
            out.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.kigen(&args)
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn summary(batch: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(batch.join("summary.json")).unwrap()).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The print files of a batch: PDFs, at least one.
fn pdfs(batch: &Path) -> Vec<PathBuf> {
    let pdfs: Vec<PathBuf> = std::fs::read_dir(batch.join("print"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert!(!pdfs.is_empty(), "no PDF in {}", batch.display());
    for p in &pdfs {
        assert!(std::fs::read(p).unwrap().starts_with(b"%PDF-"));
    }
    pdfs
}

#[test]
fn runs_from_any_directory_with_the_builtin_profile_and_fonts() {
    let k = install();
    let o = k.run("o", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let batch = k.path("o").join(AS_OF);
    pdfs(&batch);
    // 48 birthday-rule notices and 3 residence letters (SPEC 15).
    let manifest = common::read_csv(&batch.join("manifest.csv"));
    assert_eq!(manifest.len(), 51);
    assert_eq!(
        manifest.iter().filter(|r| r["kind"] == "residence").count(),
        3
    );
    let s = summary(&batch);
    assert_eq!(s["profile"], "builtin:saku");
    let toml = std::fs::read(root().join("templates/saku/profile.toml")).unwrap();
    assert_eq!(s["profile_sha256"], sha256_hex(&toml));
    // Nothing was written where kigen was started.
    assert_eq!(std::fs::read_dir(&k.cwd).unwrap().count(), 0);
    // The batch verifies against its ledger.
    let state = k.path("o.sqlite");
    let v = k.kigen(&[
        "verify",
        batch.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    // check and expiry take the same default.
    let c = k.kigen(&[
        "check",
        "--quiet",
        "--input",
        root()
            .join("input-samples/registry-sample.csv")
            .to_str()
            .unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        k.path("c").to_str().unwrap(),
    ]);
    assert!(c.status.success(), "{}", stderr(&c));
    let e = k.kigen(&["expiry", "--birth", "1990-05-01", "--issued", "2020-06-01"]);
    assert!(e.status.success(), "{}", stderr(&e));
}

#[test]
fn init_writes_an_editable_copy_that_runs() {
    let k = install();
    let p = k.path("etc/kigen/saku");
    let o = k.kigen(&["init", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read(p.join("profile.toml")).unwrap();
    let shipped = std::fs::read(root().join("templates/saku/profile.toml")).unwrap();
    assert!(written == shipped, "the copy is the built-in profile");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o700);
        assert_eq!(mode(&p.join("profile.toml")), 0o600);
    }
    // A second init never overwrites the operator's profile.
    let again = k.kigen(&["init", p.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert!(std::fs::read(p.join("profile.toml")).unwrap() == shipped);

    // The copy runs, with the built-in fonts (it names no font directory).
    let o = k.run("o", &["--profile", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let batch = k.path("o").join(AS_OF);
    pdfs(&batch);
    let s = summary(&batch);
    let canonical = std::fs::canonicalize(&p).unwrap();
    assert_eq!(s["profile"], canonical.to_str().unwrap());
    assert_eq!(s["profile_sha256"], sha256_hex(&shipped));
}

#[test]
fn an_unknown_profile_or_source_is_exit_2_naming_it() {
    let k = install();
    let o = k.run("o", &["--profile", "nosuch"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nosuch"), "{}", stderr(&o));
    assert!(stderr(&o).contains("saku"), "names the built-in profiles");
    assert!(!k.path("o").join(AS_OF).exists());

    let dir = k.path("p");
    let o = k.kigen(&["init", dir.to_str().unwrap(), "--from", "nosuch"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nosuch"), "{}", stderr(&o));
    assert!(!dir.exists(), "nothing written");
}
