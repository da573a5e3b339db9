//! Progress for people and for schedulers (SPEC 14): on a terminal, a
//! spinner and indicatif bars for the long phases (rows read against the
//! file's size, with rate and ETA; packets rendered, with ETA); otherwise
//! one plain line on standard error per phase, with its counts and
//! seconds; nothing with `--quiet`.
//!
//! The phases report through [`reading`], [`rows_read`], [`rendering`],
//! [`packet_rendered`] and [`phase_done`], which do nothing unless a
//! [`Progress`] is running: the library code that reads and renders stays
//! free of a progress parameter, and `check`, tests and benchmarks see
//! none of it.

use std::io::IsTerminal;
use std::sync::Mutex;
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
            let multi = indicatif::MultiProgress::new();
            let bar = multi.add(indicatif::ProgressBar::new_spinner());
            bar.set_message(format!("kigen: {what}"));
            bar.enable_steady_tick(Duration::from_millis(120));
            set_live(Some(Live {
                multi: Some(multi),
                phase: None,
            }));
            Progress {
                bar: Some(bar),
                plain: None,
            }
        } else {
            eprintln!("kigen: {what} ...");
            set_live(Some(Live {
                multi: None,
                phase: None,
            }));
            Progress {
                bar: None,
                plain: Some((what.to_string(), Instant::now())),
            }
        }
    }

    /// Ends the phase, which did its work: says so with its time.
    pub(crate) fn finish(self) {
        set_live(None);
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
        set_live(None);
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The running command's phases: bars under its spinner on a terminal
/// (`multi`), plain lines otherwise.
struct Live {
    multi: Option<indicatif::MultiProgress>,
    phase: Option<Phase>,
}

/// The phase under way.
struct Phase {
    /// `read` or `rendered`.
    what: &'static str,
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    /// Rows read or packets rendered.
    count: u64,
    /// The file's bytes (reading) or the packets to render.
    total: u64,
}

static LIVE: Mutex<Option<Live>> = Mutex::new(None);

fn with_live(f: impl FnOnce(&mut Live)) {
    // A poisoned lock only loses progress output, never the run.
    if let Ok(mut guard) = LIVE.lock() {
        if let Some(live) = guard.as_mut() {
            f(live);
        }
    }
}

/// Sets (or, with `None`, ends) the running phases; a phase's bar left
/// behind (a failed phase) is cleared without a line.
fn set_live(live: Option<Live>) {
    if let Ok(mut guard) = LIVE.lock() {
        if let Some(bar) = guard
            .as_mut()
            .and_then(|l| l.phase.take())
            .and_then(|p| p.bar)
        {
            bar.finish_and_clear();
        }
        *guard = live;
    }
}

fn begin(what: &'static str, total: u64, template: &str) {
    with_live(|live| {
        let bar = live.multi.as_ref().map(|m| {
            let bar = m.add(indicatif::ProgressBar::new(total));
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        if let Some(old) = live.phase.take().and_then(|p| p.bar) {
            old.finish_and_clear();
        }
        live.phase = Some(Phase {
            what,
            bar,
            started: Instant::now(),
            count: 0,
            total,
        });
    });
}

/// The registry export's rows are being read: `file_bytes` is its size.
pub(crate) fn reading(file_bytes: u64) {
    begin(
        "read",
        file_bytes,
        "  rows read {msg:>10} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
    );
}

/// `rows` more rows read, the last of them starting at byte `at`.
pub(crate) fn rows_read(rows: u64, at: u64) {
    with_live(|live| {
        if let Some(p) = live.phase.as_mut().filter(|p| p.what == "read") {
            p.count += rows;
            if let Some(bar) = &p.bar {
                bar.set_position(at.min(p.total));
                bar.set_message(p.count.to_string());
            }
        }
    });
}

/// `packets` packets are to be laid out.
pub(crate) fn rendering(packets: u64) {
    begin(
        "rendered",
        packets,
        "  packets rendered [{bar:30}] {pos}/{len} {per_sec} ETA {eta}",
    );
}

/// One more packet laid out (from any worker thread).
pub(crate) fn packet_rendered() {
    with_live(|live| {
        if let Some(p) = live.phase.as_mut().filter(|p| p.what == "rendered") {
            p.count += 1;
            if let Some(bar) = &p.bar {
                bar.inc(1);
            }
        }
    });
}

/// The phase under way did its work: its bar is cleared, or, not on a
/// terminal, one line says what it did and in how long.
pub(crate) fn phase_done() {
    with_live(|live| {
        let Some(p) = live.phase.take() else {
            return;
        };
        let seconds = p.started.elapsed().as_secs_f64();
        match p.bar {
            Some(bar) => bar.finish_and_clear(),
            None if p.what == "read" => eprintln!(
                "kigen: read {} row(s) of {} bytes in {seconds:.1} s",
                p.count, p.total
            ),
            None => eprintln!("kigen: rendered {} packet(s) in {seconds:.1} s", p.count),
        }
    });
}

/// The peak resident memory of this process in MiB (Linux `VmHWM`), for the
/// benchmark figures; `None` elsewhere.
pub(crate) fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
