//! `diachain-gov`: see the crate docs and `scripts/gov.sh --help`.

use clap::Parser;
use diachain_governance::cli::{commands, Cli};

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
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            eprintln!("gov: {} (see --help)", first.trim_start_matches("error: "));
            return std::process::ExitCode::from(2);
        }
    };
    match commands::run(&cli).await {
        Ok(out) => {
            if cli.json {
                println!("{}", out.json);
            } else {
                println!("{}", out.human);
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gov: {e}");
            if cli.json {
                println!("{}", commands::failure_json(&e));
            }
            std::process::ExitCode::from(e.exit_code())
        }
    }
}
