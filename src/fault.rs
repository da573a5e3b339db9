//! Fault injection for the crash tests: with `KIGEN_FAULT_AFTER=N` set, the
//! process aborts (no unwinding, no cleanup, like SIGKILL) at the N-th
//! [`point`] it passes. Unset, a point costs one relaxed atomic load.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

static REMAINING: AtomicI64 = AtomicI64::new(i64::MAX);
static INIT: OnceLock<()> = OnceLock::new();

/// A place where a crash must leave either no batch or the whole batch.
pub(crate) fn point(name: &str) {
    INIT.get_or_init(|| {
        if let Some(n) = std::env::var("KIGEN_FAULT_AFTER")
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
        {
            REMAINING.store(n, Ordering::SeqCst);
        }
    });
    if REMAINING.fetch_sub(1, Ordering::SeqCst) == 1 {
        eprintln!("kigen: KIGEN_FAULT_AFTER: aborting at {name}");
        std::process::abort();
    }
}

/// For the tests of an export rewritten while it is read: with
/// `KIGEN_FAULT_REWRITE=<name>`, the point of that name appends a line to
/// the input file, as a registry system still writing the export would.
/// Unset, it does nothing.
pub(crate) fn rewrite_point(name: &str, input: &std::path::Path) {
    if std::env::var("KIGEN_FAULT_REWRITE").is_ok_and(|v| v == name) {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(input) {
            let _ = f.write_all(b"\r\n");
        }
    }
}
