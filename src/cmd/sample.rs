//! `kigen sample`: a synthetic CP932 registry for benchmarks and demos.

use std::io::Write;

use super::as_of;
use crate::cli::{SampleArgs, SampleLayoutArg};
use crate::error::{Error, Result};
use crate::files::create_private;
use crate::sample::{forced_due_for, write_sample, write_standard_sample, SampleOptions};

/// Writes the sample to `--out` or standard output.
pub(crate) fn run(args: SampleArgs) -> Result<i32> {
    let opts = SampleOptions {
        rows: args.rows,
        seed: args.seed,
        as_of: as_of(args.as_of.as_deref())?,
        forced_due_per_100k: forced_due_for(args.due_percent),
    };
    if args.layout == SampleLayoutArg::Standard {
        return standard(&opts, args.out.as_deref(), args.out_cards.as_deref());
    }
    if args.out_cards.is_some() {
        return Err(Error::Usage(
            "--out-cards is for --layout standard (the saku layout keeps the card dates in the registry)".into(),
        ));
    }
    match args.out {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let f = create_private(&path)?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            write_sample(&opts, &mut w).map_err(|e| Error::io(&path, e))?;
            w.flush().map_err(|e| Error::io(&path, e))?;
        }
        None => {
            let stdout = std::io::stdout().lock();
            let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout);
            write_sample(&opts, &mut w)
                .and_then(|_| w.flush())
                .map_err(|e| Error::io("<stdout>", e))?;
        }
    }
    Ok(0)
}

/// The standard layout: the registry to `out`, the card file to `cards`
/// (both files, so both paths are needed).
fn standard(
    opts: &SampleOptions,
    out: Option<&std::path::Path>,
    cards: Option<&std::path::Path>,
) -> Result<i32> {
    let (Some(out), Some(cards)) = (out, cards) else {
        return Err(Error::Usage(
            "--layout standard writes two files: pass --out FILE and --out-cards FILE".into(),
        ));
    };
    let open = |path: &std::path::Path| -> Result<std::io::BufWriter<std::fs::File>> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        Ok(std::io::BufWriter::with_capacity(
            1 << 20,
            create_private(path)?,
        ))
    };
    let (mut w, mut c) = (open(out)?, open(cards)?);
    write_standard_sample(opts, &mut w, &mut c).map_err(|e| Error::io(out, e))?;
    w.flush().map_err(|e| Error::io(out, e))?;
    c.flush().map_err(|e| Error::io(cards, e))?;
    Ok(0)
}
