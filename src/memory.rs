//! The allocator's purge delay by phase (mimalloc, which the `kigen`
//! binary installs; with another allocator these calls touch nothing in
//! use). While the print files render, each worker frees a file's memory
//! and takes as much again for the next: purged after 100 ms (main.rs),
//! much of it was returned to the system and faulted in again, most of the
//! run's system time. Selection's memory is purged once at the start of
//! rendering, and the delay is a second while the files render, so that
//! the peak stays what it was while a file's memory is reused.

/// mimalloc's `purge_delay` option.
const PURGE_DELAY: i32 = 15;

/// The delay while the print files render, ms.
const RENDERING_DELAY: std::os::raw::c_long = 1000;

/// Purges what selection freed (on every worker) and lengthens the delay;
/// returns the delay to restore. `None` when `MIMALLOC_PURGE_DELAY` says
/// what the delay is.
pub(crate) fn rendering_starts() -> Option<std::os::raw::c_long> {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return None;
    }
    rayon::broadcast(|_| {
        // SAFETY: asks the allocator to return this thread's free memory;
        // no pointers.
        unsafe { libmimalloc_sys::mi_collect(true) }
    });
    // SAFETY: reads and sets a plain integer option; no pointers.
    unsafe {
        let was = libmimalloc_sys::mi_option_get(PURGE_DELAY);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, RENDERING_DELAY);
        Some(was)
    }
}

/// Restores the delay [`rendering_starts`] returned.
pub(crate) fn rendering_done(was: Option<std::os::raw::c_long>) {
    if let Some(delay) = was {
        // SAFETY: sets a plain integer option; no pointers.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, delay) };
    }
}
