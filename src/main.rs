//! The `kigen` binary: parse arguments, call the library, map errors to exit
//! codes (SPEC 8: 0 success, 1 verify mismatch, 2 usage/configuration/input,
//! 3 internal failure).

use clap::Parser;

// mimalloc returns a print file's memory for the next one to reuse; with the
// system allocator the heap fragmented and grew with the number of files
// (README, "Speed and memory").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Purge freed memory after 1 s (mimalloc's option 15, `purge_delay`;
    // mimalloc 3's own default, set here so that another version cannot
    // change it): what a print file frees is reused by the next one
    // instead of being returned to the system and faulted in again. At
    // 100 ms a run at 100,000 rows took 42,000 page faults and 13 % of its
    // CPU time in the kernel, at 1 s 24,000 and 9 %; the peak at 1,000,000
    // rows stays far under 250 MB because the reader and the summary no
    // longer hold large buffers (README, "Speed and memory"). mimalloc's
    // own `MIMALLOC_PURGE_DELAY` (milliseconds) overrides it.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a plain integer option of the allocator; no pointers.
        unsafe { libmimalloc_sys::mi_option_set(15, 1000) };
    }
    // No transparent huge pages: a fresh 2 MB page is zeroed whole at its
    // first touch, which was most of the kernel's share of a run (mimalloc
    // asks for them on its arenas, the first of which exists before
    // `main`, so its own `allow_thp` option is too late here); small pages
    // are zeroed as they are used. `KIGEN_THP=1` keeps them.
    if std::env::var_os("KIGEN_THP").is_none() {
        // SAFETY: a process flag; no pointers. Failure (an old kernel)
        // only leaves huge pages allowed.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
    let cli = kigen::cli::Cli::parse();
    let code = match std::panic::catch_unwind(|| kigen::cmd::dispatch(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            // Messages echo values of the inputs: no terminal escape or
            // bidirectional control reaches the terminal (SPEC 13).
            eprintln!("kigen: {}", kigen::terminal_text(&e.to_string()));
            e.exit_code()
        }
        Err(_) => {
            eprintln!("kigen: internal error (panic); no output of this run is complete");
            3
        }
    };
    std::process::exit(code);
}
