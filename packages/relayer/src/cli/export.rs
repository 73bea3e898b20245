//! `export` and `row-map`: a study's sponsor asks a relayer for the study's de-identified
//! dataset (signed requests, progress on stderr) and saves it with its manifest; an auditor
//! whose grants cover participants saves the row map. `verify-dataset` (in `verify_dataset.rs`)
//! then checks the file against the chain.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use diachain_chain_client::Signer;
use diachain_relayer_api::auth::request::{signed_headers, RequestParts};
use diachain_relayer_types::exports::{ExportPhase, ExportRequest, ExportStatus};
use diachain_std::union::DatasetFormat;

use super::{load_signer, CliError, CliResult};
use crate::config::ChainSection;

#[derive(Args, Debug)]
pub struct ExportDatasetArgs {
    /// The relayer's HTTP address, e.g. http://127.0.0.1:8640
    #[arg(long)]
    pub relayer: String,
    /// The data-union study id
    #[arg(long)]
    pub study: u64,
    /// csv or fhir_ndjson
    #[arg(long = "format", id = "dataset_format", default_value = "csv", value_parser = parse_format)]
    pub format: DatasetFormat,
    /// Shift each participant's times by their own whole number of days (−7…7)
    #[arg(long)]
    pub shift_times: bool,
    /// Where to write the dataset; its status (with the manifest) goes to FILE.manifest.json
    #[arg(long)]
    pub out: PathBuf,
    /// Give up waiting for the export after this many seconds
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    /// The sponsor's key: --key-file or --mnemonic-file (other [chain] settings are not used)
    #[command(flatten)]
    pub chain: ChainSection,
}

#[derive(Args, Debug)]
pub struct RowMapArgs {
    /// The relayer's HTTP address
    #[arg(long)]
    pub relayer: String,
    #[arg(long)]
    pub study: u64,
    /// The export id (32 hex digits, as `export` printed it)
    #[arg(long)]
    pub export: String,
    /// Where to write the row map (NDJSON)
    #[arg(long)]
    pub out: PathBuf,
    /// The auditor's key: --key-file or --mnemonic-file
    #[command(flatten)]
    pub chain: ChainSection,
}

fn parse_format(s: &str) -> Result<DatasetFormat, String> {
    match s {
        "csv" => Ok(DatasetFormat::Csv),
        "fhir_ndjson" | "ndjson" => Ok(DatasetFormat::FhirNdjson),
        _ => Err(format!("{s:?}: use csv or fhir_ndjson")),
    }
}

/// Why a request to the relayer failed.
#[derive(thiserror::Error, Debug)]
pub enum HttpError {
    #[error("{url}: {source}")]
    Transport { url: String, source: reqwest::Error },
    #[error("{url} answered {status}: {body}")]
    Refused {
        url: String,
        status: u16,
        body: String,
    },
}

/// Signs and sends one request.
async fn send(
    client: &reqwest::Client,
    signer: &Signer,
    base: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<reqwest::Response, CliError> {
    let mut nonce = [0u8; 16];
    getrandom(&mut nonce)?;
    let parts = RequestParts {
        method,
        path,
        query: None,
        body,
    };
    let headers = signed_headers(
        signer,
        &parts,
        diachain_relayer_core::clock::unix_now(),
        &hex::encode(nonce),
    )?;
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let mut req = match method {
        "POST" => client.post(&url).body(body.to_vec()),
        _ => client.get(&url),
    };
    req = req.header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req.send().await.map_err(|source| HttpError::Transport {
        url: url.clone(),
        source,
    })?;
    if !resp.status().is_success() {
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        return Err(HttpError::Refused { url, status, body }.into());
    }
    Ok(resp)
}

async fn json<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T, CliError> {
    let bytes = resp.bytes().await.map_err(|source| HttpError::Transport {
        url: "the answer".into(),
        source,
    })?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Streams a response body into `out`; returns the bytes written.
async fn save(mut resp: reqwest::Response, out: &Path, label: &str) -> Result<u64, CliError> {
    let mut file = std::fs::File::create(out).map_err(|source| CliError::Create {
        path: out.to_path_buf(),
        source,
    })?;
    let mut total = 0u64;
    let mut last = std::time::Instant::now();
    while let Some(chunk) = resp.chunk().await.map_err(|source| HttpError::Transport {
        url: format!("the {label} download"),
        source,
    })? {
        file.write_all(&chunk)?;
        total += chunk.len() as u64;
        if last.elapsed() > Duration::from_secs(1) {
            eprintln!("{label}: {} MB received", total / 1_000_000);
            last = std::time::Instant::now();
        }
    }
    file.sync_all()?;
    Ok(total)
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

pub fn export(args: ExportDatasetArgs, file_chain: ChainSection) -> CliResult {
    let signer = load_signer(&args.chain.clone().or(file_chain))?;
    runtime()?.block_on(async {
        let client = reqwest::Client::new();
        let base = args.relayer.as_str();
        let list = format!("/v1/studies/{}/exports", args.study);
        let body = serde_json::to_vec(&ExportRequest {
            format: args.format,
            shift_times: args.shift_times,
        })?;
        let started: ExportStatus =
            json(send(&client, &signer, base, "POST", &list, &body).await?).await?;
        let id = started.export_id.clone();
        eprintln!("export {id} of study {} started", args.study);
        let path = format!("{list}/{id}");
        let deadline = std::time::Instant::now() + Duration::from_secs(args.timeout_secs);
        let status = loop {
            let s: ExportStatus =
                json(send(&client, &signer, base, "GET", &path, &[]).await?).await?;
            eprintln!(
                "{:?}: {}/{} participants, {} rows",
                s.phase, s.participants_done, s.participants, s.rows
            );
            match s.phase {
                ExportPhase::Ready => break s,
                ExportPhase::Failed => {
                    let why = s.error.map(|e| e.message).unwrap_or_default();
                    return Err(CliError::ExportFailed { reason: why });
                }
                _ if std::time::Instant::now() > deadline => {
                    return Err(CliError::ExportFailed {
                        reason: format!("not ready after {} s", args.timeout_secs),
                    })
                }
                _ => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        };
        let resp = send(&client, &signer, base, "GET", &format!("{path}/data"), &[]).await?;
        let bytes = save(resp, &args.out, "dataset").await?;
        let manifest_path = manifest_file(&args.out);
        std::fs::write(&manifest_path, serde_json::to_vec_pretty(&status)?)?;
        eprintln!(
            "{} rows of {} participants, {bytes} bytes: {}; status and manifest: {}",
            status.rows,
            status.participants,
            args.out.display(),
            manifest_path.display()
        );
        println!("{}", serde_json::to_string(&status)?);
        Ok(())
    })
}

/// Where `export` writes a dataset's status and manifest.
pub fn manifest_file(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_os_string();
    name.push(".manifest.json");
    PathBuf::from(name)
}

pub fn row_map(args: RowMapArgs, file_chain: ChainSection) -> CliResult {
    let signer = load_signer(&args.chain.clone().or(file_chain))?;
    runtime()?.block_on(async {
        let client = reqwest::Client::new();
        let path = format!("/v1/studies/{}/exports/{}/rowmap", args.study, args.export);
        let resp = send(&client, &signer, &args.relayer, "GET", &path, &[]).await?;
        let bytes = save(resp, &args.out, "row map").await?;
        eprintln!("row map: {bytes} bytes: {}", args.out.display());
        Ok(())
    })
}

/// Random bytes from the operating system.
fn getrandom(out: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(out)
}
