//! The `kigen` binary: parse arguments, call the library, map errors to exit
//! codes (SPEC 8: 0 success, 1 verify mismatch, 2 usage/configuration/input,
//! 3 internal failure).

use clap::Parser;

fn main() {
    let cli = kigen::cli::Cli::parse();
    let code = match std::panic::catch_unwind(|| kigen::cmd::dispatch(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("kigen: {e}");
            e.exit_code()
        }
        Err(_) => {
            eprintln!("kigen: internal error (panic); no output of this run is complete");
            3
        }
    };
    std::process::exit(code);
}
