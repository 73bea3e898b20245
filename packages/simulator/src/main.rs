//! `diachain-simulate`: the gateway simulator (see `docs/simulate-and-verify.md` and
//! `diachain-simulate --help`).

use clap::Parser;
use diachain_simulate::cli::{run, SimulateArgs};

fn main() -> std::process::ExitCode {
    match run(SimulateArgs::parse()).map(|s| serde_json::to_string_pretty(&s)) {
        Ok(Ok(summary)) => {
            println!("{summary}");
            std::process::ExitCode::SUCCESS
        }
        Ok(Err(e)) => fail(&e),
        Err(e) => fail(&e),
    }
}

/// One line on stderr: the chain transport's errors may carry a backtrace on further lines.
fn fail(e: &dyn std::fmt::Display) -> std::process::ExitCode {
    let text = e.to_string();
    eprintln!(
        "diachain-simulate: {}",
        text.lines().next().unwrap_or_default()
    );
    std::process::ExitCode::FAILURE
}
