//! `sign-request`: signs a data request with a chain key (ADR-036, as a browser wallet would)
//! and prints the five headers, for scripts, tests and curl.

use std::path::PathBuf;

use clap::Args;
use diachain_relayer_api::auth::request::{signed_headers, RequestParts};

use super::{load_signer, CliError, CliResult};
use crate::config::ChainSection;

#[derive(Args, Debug)]
pub struct SignRequestArgs {
    /// HTTP method, e.g. GET
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Path, e.g. /v1/patients/wasm1…/readings
    #[arg(long)]
    pub path: String,
    /// Query string without the `?` (its order does not matter)
    #[arg(long)]
    pub query: Option<String>,
    /// File holding the request body (none: empty body)
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// Nonce (16..=64 of A-Z a-z 0-9 - _); a random one when omitted
    #[arg(long)]
    pub nonce: Option<String>,
    /// The caller's key: --key-file or --mnemonic-file (other [chain] settings are not used)
    #[command(flatten)]
    pub chain: ChainSection,
    /// Print `-H 'name: value'` arguments for curl instead of JSON
    #[arg(long)]
    pub curl: bool,
}

pub fn run(args: SignRequestArgs, file_chain: ChainSection) -> CliResult {
    let signer = load_signer(&args.chain.clone().or(file_chain))?;
    let body = match &args.body_file {
        Some(f) => std::fs::read(f).map_err(|source| CliError::Read {
            path: f.clone(),
            source,
        })?,
        None => Vec::new(),
    };
    let nonce = match args.nonce.clone() {
        Some(n) => n,
        None => {
            let mut bytes = [0u8; 16];
            getrandom(&mut bytes)?;
            hex::encode(bytes)
        }
    };
    let timestamp = diachain_relayer_core::clock::unix_now();
    let parts = RequestParts {
        method: &args.method,
        path: &args.path,
        query: args.query.as_deref(),
        body: &body,
    };
    let headers = signed_headers(&signer, &parts, timestamp, &nonce)?;
    if args.curl {
        let line: Vec<String> = headers
            .iter()
            .map(|(k, v)| format!("-H '{k}: {v}'"))
            .collect();
        println!("{}", line.join(" "));
    } else {
        let map: serde_json::Map<String, serde_json::Value> = headers
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        println!("{}", serde_json::Value::Object(map));
    }
    Ok(())
}

/// Random bytes from the operating system.
fn getrandom(out: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(out)
}
