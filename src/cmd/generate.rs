//! `kigen generate-assets DIR` (hidden): the man pages (clap_mangen) and the
//! bash and zsh completions (clap_complete) that the packages install (SPEC
//! 14, "Packages"). They are made from the same clap definitions as the
//! binary, so they cannot drift from `--help`.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::files::{create_new_private, create_private_dir};

/// Writes `DIR/man/kigen.1`, `DIR/man/kigen-<sub>.1` for every visible
/// subcommand (and `kigen-ledger-<sub>.1` for the ledger's), and
/// `DIR/completions/{kigen.bash,_kigen}`.
pub(crate) fn run(dir: &Path) -> Result<i32> {
    if dir.symlink_metadata().is_ok() {
        return Err(Error::Usage(format!(
            "{}: already exists; generate-assets writes into a new directory",
            dir.display()
        )));
    }
    let man = dir.join("man");
    let completions = dir.join("completions");
    for d in [dir, &man, &completions] {
        create_private_dir(d)?;
    }
    let cmd = Cli::command();
    let mut pages = 0;
    write_man_pages(&man, &cmd, "kigen", &mut pages)?;
    for (shell, name) in [
        (clap_complete::Shell::Bash, "kigen.bash"),
        (clap_complete::Shell::Zsh, "_kigen"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "kigen", &mut buf);
        write_file(&completions.join(name), &buf)?;
    }
    println!(
        "{}: {pages} man pages, bash and zsh completions",
        dir.display()
    );
    Ok(0)
}

/// One page for `cmd` (named `name`), then one for each visible subcommand,
/// named as man(1) expects: `kigen-run.1` is `man kigen-run`.
fn write_man_pages(dir: &Path, cmd: &clap::Command, name: &str, pages: &mut usize) -> Result<()> {
    // The page's title must be the file's name, not clap's bare subcommand name.
    let titled = cmd
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "))
        .version(env!("CARGO_PKG_VERSION"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(titled)
        .render(&mut buf)
        .map_err(|e| Error::io(dir, e))?;
    write_file(&dir.join(format!("{name}.1")), &buf)?;
    *pages += 1;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        write_man_pages(dir, sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = create_new_private(path)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    Ok(())
}
