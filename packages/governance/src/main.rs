//! `diachain-gov`: see the crate docs and `scripts/gov.sh --help`.

use std::io::Write;

use clap::Parser;
use diachain_governance::cli::{commands, Cli};

/// Prints `text` on stdout; a closed pipe (`| head`) is not an error.
fn out(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = write!(std::io::stdout().lock(), "{e}");
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
        Ok(o) => {
            if cli.json {
                out(&o.json.to_string());
            } else {
                out(&o.human);
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gov: {e}");
            if cli.json {
                out(&commands::failure_json(&e).to_string());
            }
            std::process::ExitCode::from(e.exit_code())
        }
    }
}
