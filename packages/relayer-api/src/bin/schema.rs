//! `relayer-api-schema [FILE]`: writes the relayer's OpenAPI document (default
//! `schema/relayer-api.json`), as `scripts/schema.sh` runs it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "schema/relayer-api.json".into());
    let doc = diachain_relayer_api::schema::openapi();
    let text = match serde_json::to_string_pretty(&doc) {
        Ok(t) => t + "\n",
        Err(e) => {
            eprintln!("relayer-api-schema: {e}");
            return ExitCode::FAILURE;
        }
    };
    match std::fs::write(&path, text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relayer-api-schema: cannot write {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
