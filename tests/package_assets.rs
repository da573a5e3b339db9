//! The man pages and completions the packages install (SPEC 14) are made by
//! `kigen generate-assets` from the same clap definitions as `--help`: one
//! page for every subcommand, readable roff, and completions that know the
//! subcommands. (scripts/package.sh builds and extracts the packages.)

use std::process::Command;

fn kigen(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kigen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("kigen runs")
}

/// The visible subcommands, as `kigen --help` lists them.
fn subcommands(cwd: &std::path::Path) -> Vec<String> {
    let out = kigen(&["--help"], cwd);
    let help = String::from_utf8(out.stdout).unwrap();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_subcommand_has_a_man_page_and_a_completion() {
    let dir = tempfile::tempdir().unwrap();
    let assets = dir.path().join("assets");
    let out = kigen(&["generate-assets", assets.to_str().unwrap()], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let subs = subcommands(dir.path());
    assert!(subs.len() >= 15, "{subs:?}");
    assert!(!subs.iter().any(|s| s == "generate-assets"), "hidden");
    let bash = std::fs::read_to_string(assets.join("completions/kigen.bash")).unwrap();
    let zsh = std::fs::read_to_string(assets.join("completions/_kigen")).unwrap();
    assert!(zsh.starts_with("#compdef kigen"), "{}", &zsh[..40]);
    for sub in &subs {
        let page = assets.join(format!("man/kigen-{sub}.1"));
        let roff =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(
            roff.contains(&format!(".TH kigen-{sub} 1")),
            "{sub}: {roff:.200}"
        );
        assert!(
            roff.contains(".SH NAME") && roff.contains(".SH SYNOPSIS"),
            "{sub}"
        );
        assert!(
            bash.contains(&format!("kigen,{sub})")),
            "bash completion lacks {sub}"
        );
        assert!(
            zsh.contains(&format!("'{sub}:")),
            "zsh completion lacks {sub}"
        );
    }
    // The ledger's own subcommands get pages too (man kigen-ledger-check).
    for sub in ["check", "rebuild", "void"] {
        assert!(
            assets.join(format!("man/kigen-ledger-{sub}.1")).is_file(),
            "{sub}"
        );
    }
    let run = std::fs::read_to_string(assets.join("man/kigen-run.1")).unwrap();
    assert!(run.contains("\\-\\-input"), "options are listed");
}

#[test]
fn generate_assets_never_writes_into_an_existing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = kigen(
        &["generate-assets", dir.path().to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
