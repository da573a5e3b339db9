//! Progress for people and for schedulers: a spinner on a terminal
//! (indicatif), one plain line on standard error otherwise, nothing with
//! `--quiet`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A running phase.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: Option<(String, Instant)>,
}

impl Progress {
    /// Starts reporting `what`.
    pub(crate) fn start(quiet: bool, what: &str) -> Self {
        if quiet {
            return Progress {
                bar: None,
                plain: None,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(format!("kigen: {what}"));
            bar.enable_steady_tick(Duration::from_millis(120));
            Progress {
                bar: Some(bar),
                plain: None,
            }
        } else {
            eprintln!("kigen: {what} ...");
            Progress {
                bar: None,
                plain: Some((what.to_string(), Instant::now())),
            }
        }
    }

    /// Ends the phase, which did its work: says so with its time.
    pub(crate) fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        if let Some((what, t)) = self.plain {
            eprintln!("kigen: {what}: done in {:.1} s", t.elapsed().as_secs_f64());
        }
    }

    /// Ends the phase without claiming it was done (SPEC 13, honest logs):
    /// for a phase that failed, whose error is then the last line, or that
    /// found nothing to do. The spinner is cleared; no line is printed.
    pub(crate) fn stop(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The peak resident memory of this process in MiB (Linux `VmHWM`), for the
/// benchmark figures; `None` elsewhere.
pub(crate) fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
