//! The `diachain-relayer` command line.

mod backup;
mod export;
mod export_store;
mod key;
mod keys;
mod restore;
mod serve;
mod serve_alerts;
mod serve_data;
mod sign_request;
mod status;
mod store;
mod verify;
mod verify_dataset;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use diachain_relayer_core::proof::ProofError;
use diachain_relayer_core::registry::FileRegistryError;
use diachain_relayer_core::store::StoreError;

use crate::config::{
    AnchoringSection, ChainSection, ConfigError, FileConfig, LogSection, RegistrySection,
    ServerSection, StoreSection,
};

pub use key::load_signer;

/// Why a command failed; `main` prints it as one line and exits 1.
#[derive(thiserror::Error, Debug)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the store {}: {source}", path.display())]
    OpenStore { path: PathBuf, source: StoreError },
    #[error("cannot open the PostgreSQL store: {source}")]
    OpenDatabase { source: StoreError },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] FileRegistryError),
    #[error(transparent)]
    Chain(#[from] diachain_chain_client::Error),
    #[error("cannot use the node {node}: {source}")]
    Node {
        node: String,
        source: diachain_chain_client::Error,
    },
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error("not a reading proof: {0}")]
    NotAProof(serde_json::Error),
    #[error("--node: {0}")]
    NodeUrl(diachain_chain_client::Error),
    #[error(transparent)]
    Query(#[from] verify::QueryError),
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("proof not verified: {reason}")]
    NotVerified { reason: String },
    #[error(transparent)]
    Http(#[from] export::HttpError),
    #[error("the export failed: {reason}")]
    ExportFailed { reason: String },
    #[error("dataset not verified: {reason}")]
    DatasetNotVerified { reason: String },
    #[error(transparent)]
    Backup(#[from] diachain_relayer_core::store::BackupError),
    #[error("the operator socket {}: {source}", socket.display())]
    OpsSocket {
        socket: PathBuf,
        source: std::io::Error,
    },
    #[error("the running relayer could not take the backup: {reason}")]
    OnlineBackup { reason: String },
    #[error(
        "the store {} is open in a running relayer, but its operator socket {} does not answer \
         (give the relayer's --ops-socket)",
        path.display(),
        socket.display()
    )]
    StoreBusy { path: PathBuf, socket: PathBuf },
    #[error(
        "the gateway simulator is its own binary now: run `diachain-simulate {args}` \
         (`diachain-simulate --help`)"
    )]
    SimulatorMoved { args: String },
}

/// A command's result.
pub type CliResult = Result<(), CliError>;

/// DiaChain relayer: receives device-signed batches from gateways, verifies them against the
/// device registry, stores them encrypted and crash-safe, and anchors them on chain.
///
/// Settings come from a TOML file (--config), overridden by DIACHAIN_RELAYER_* environment
/// variables, overridden by flags. The master key is read from DIACHAIN_RELAYER_MASTER_KEY
/// (hex) or --master-key-file; it is never stored with the data.
#[derive(Parser, Debug)]
#[command(name = "diachain-relayer", version, about, long_about)]
pub struct Cli {
    /// TOML config file with [store], [server], [chain], [anchoring], [registry] and [log] tables
    #[arg(long, env = "DIACHAIN_RELAYER_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub log: LogSection,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the gateway API (POST /v1/batches, GET /v1/status, /healthz, /metrics) until
    /// SIGTERM or SIGINT; in-flight batches are written before it exits.
    Serve(Box<ServeArgs>),
    /// Print how many batches are pending, in flight, anchored and failed (JSON). Reads the
    /// store file, so run it while the relayer is stopped; a running relayer answers
    /// GET /v1/status.
    Status(StoreOnly),
    /// Write a consistent, still-encrypted backup of the store to a new file (online while the
    /// relayer runs, through its operator socket), or check one with --verify (JSON).
    Backup(Box<backup::BackupArgs>),
    /// Install a backup as the store: checked first (master key, format, counts, every reading
    /// decrypted), then renamed into place; an existing store is replaced only with --force.
    Restore(Box<restore::RestoreArgs>),
    /// Move the embedded store (or a backup of it, --from) into an empty PostgreSQL database
    /// (--database-url), in one transaction; the relayer then runs with --store postgres and
    /// the same master key. Prints what was moved (JSON).
    ExportStore(Box<export_store::ExportStoreArgs>),
    /// Print one reading's inclusion proof, batch header, signature and anchoring state from
    /// the local store (JSON).
    ExportProof(ExportArgs),
    /// Sign a data request with a chain key (ADR-036, as a browser wallet signs arbitrary data)
    /// and print the five x-diachain-* headers (JSON, or curl -H arguments with --curl)
    SignRequest(Box<sign_request::SignRequestArgs>),
    /// The relayer's chain key (secp256k1): create one, or show the configured one's address.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write a new random master key (64 hex characters) to a new file, readable by its owner
    /// only. Keep it away from the store's directory.
    GenerateMasterKey {
        /// Where to write the key; an existing file is never overwritten
        #[arg(long)]
        out: PathBuf,
    },
    /// Check one reading's proof (the JSON export-proof prints) against the chain by itself:
    /// the leaf is rebuilt from the reading and its salt, the root from the audit path, and both
    /// compared with the batch the reading-anchors contract anchored (and its VerifyProof
    /// query). Prints a JSON verdict; exits 0 when verified, 1 when the proof does not hold
    /// (the reason on stderr), 2 on usage or connection errors.
    Verify(verify::VerifyArgs),
    /// As a study's sponsor: export the study's de-identified dataset from a relayer (signed
    /// requests; progress on stderr), save it to --out and its status with the manifest to
    /// --out.manifest.json, once the manifest is on chain.
    Export(Box<export::ExportDatasetArgs>),
    /// As an auditor whose grants cover participants of an export: save its row map (each of
    /// their rows with the participant's address and shift and the anchored reading's proof).
    RowMap(Box<export::RowMapArgs>),
    /// Check a published study dataset (CSV or FHIR NDJSON) against the chain by itself: its
    /// Merkle root, counts and period against the manifest the data-union contract holds, the
    /// participants against the study's members and their consents at the export time, and,
    /// with --row-map, every row against its anchored reading. Prints a JSON verdict; exits 0
    /// when verified, 1 when not (the reason on stderr), 2 on usage or connection errors.
    VerifyDataset(Box<verify_dataset::VerifyDatasetArgs>),
    /// Moved: the gateway simulator is its own binary, `diachain-simulate` (same flags); this
    /// command only says so.
    #[command(disable_help_flag = true)]
    Simulate {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Write a new random key (64 hex digits) to a new file readable by its owner only and
    /// print its address; admit that address as a relayer and fund it before `serve`
    Create {
        /// Where to write the key; an existing file is never overwritten
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Print the address of the key given by --key-file or --mnemonic-file
    Show(KeyArgs),
}

#[derive(clap::Args, Debug)]
pub struct KeyArgs {
    #[command(flatten)]
    pub chain: ChainSection,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreSection,
    #[command(flatten)]
    pub server: ServerSection,
    #[command(flatten)]
    pub chain: ChainSection,
    #[command(flatten)]
    pub anchoring: AnchoringSection,
    #[command(flatten)]
    pub registry: RegistrySection,
}

#[derive(clap::Args, Debug)]
pub struct StoreOnly {
    #[command(flatten)]
    pub store: StoreSection,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreSection,
    /// Device id of the reading
    #[arg(long)]
    pub device: String,
    /// Sequence number of the reading
    #[arg(long)]
    pub seq: u64,
}

/// Parses the command line, sets up logging and runs the command.
pub fn run() -> CliResult {
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_deref())?;
    let log = cli.log.or(file.log.clone());
    crate::telemetry::init(&log);
    match cli.command {
        Command::Serve(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(serve::serve(*args, file))
        }
        Command::Status(args) => status::status(args.store.or(file.store)),
        Command::Backup(args) => backup::run(*args, file),
        Command::Restore(args) => restore::run(*args, file),
        Command::ExportStore(args) => export_store::run(*args, file),
        Command::ExportProof(args) => {
            let store = args.store.or(file.store);
            status::export_proof(store, &args.device, args.seq)
        }
        Command::GenerateMasterKey { out } => keys::generate(&out),
        Command::SignRequest(args) => sign_request::run(*args, file.chain),
        Command::Keys(KeysCommand::Create { out }) => keys::create(&out),
        Command::Keys(KeysCommand::Show(args)) => keys::show(&args.chain.or(file.chain)),
        Command::Verify(args) => verify::run(args, file.chain),
        Command::Export(args) => export::export(*args, file.chain),
        Command::RowMap(args) => export::row_map(*args, file.chain),
        Command::VerifyDataset(args) => verify_dataset::run(*args, file.chain),
        Command::Simulate { args } => Err(CliError::SimulatorMoved {
            args: args.join(" "),
        }),
    }
}
