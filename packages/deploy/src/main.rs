//! `diachain-deploy`: see the crate docs and `scripts/deploy.sh --help`.

use clap::Parser;
use diachain_deploy::settings::Cli;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            print!("{e}");
            return std::process::ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's first line is the one sentence that matters ("error: unexpected argument…").
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            eprintln!(
                "deploy: {} (see --help)",
                first.trim_start_matches("error: ")
            );
            return std::process::ExitCode::from(2);
        }
    };
    let result = match cli.resolve() {
        Ok(settings) => diachain_deploy::run::deploy(&settings).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("deploy: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
