//! Writes a contract's JSON schema (what `schema/<contract>.json` holds): each contract's
//! `src/bin/schema.rs` calls [`write`] with its `generate_api!` output.

use cosmwasm_schema::Api;

/// Writes the rendered API to the path given as the first argument, or to stdout.
pub fn write(api: Api) {
    let json = api
        .render()
        .to_string()
        .expect("the contract's API renders as JSON");
    match std::env::args().nth(1) {
        Some(path) => std::fs::write(&path, json + "\n")
            .unwrap_or_else(|e| panic!("cannot write schema to {path}: {e}")),
        None => println!("{json}"),
    }
}
