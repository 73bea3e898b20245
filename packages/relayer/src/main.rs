//! `diachain-relayer`: see `docs/relayer.md` and `diachain-relayer --help`. The binary's own
//! code: the command line (`cli/`, one file per command; `serve` assembles the core's tasks and
//! the API), configuration (`config.rs`), logging (`telemetry.rs`) and the operator socket
//! (`ops_socket.rs`: online backups).

mod cli;
mod config;
mod ops_socket;
mod telemetry;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("diachain-relayer: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
