//! `diachain-relayer`: see `docs/relayer.md` and `diachain-relayer --help`.

fn main() -> std::process::ExitCode {
    match diachain_relayer::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("diachain-relayer: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
