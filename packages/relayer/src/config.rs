//! Configuration: a TOML file, overridden by environment variables (`DIACHAIN_RELAYER_*`),
//! overridden by command-line flags. Each section below is both a TOML table and a group of
//! flags; clap reads a flag or else its variable, and the file fills in what both left unset.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use diachain_relayer_api::cors::{CorsError, CorsOrigins};
use diachain_relayer_core::anchor::AnchorSettings;
use diachain_relayer_core::store::crypto::MasterKey;
use diachain_relayer_core::store::{PgStoreOptions, RedbStoreOptions, StoreError};
use serde::Deserialize;

/// The variable that may hold the master key itself (64 hex characters).
pub const MASTER_KEY_ENV: &str = "DIACHAIN_RELAYER_MASTER_KEY";

#[derive(thiserror::Error, Debug)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the config file {}: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("missing setting: {0}")]
    Missing(&'static str),
    #[error("{flag} must be {min}..={max}, got {value}")]
    OutOfRange {
        flag: &'static str,
        min: u64,
        max: u64,
        value: u64,
    },
    #[error("{flag} must be at least {min}")]
    TooSmall { flag: &'static str, min: u64 },
    #[error("the master key file {} sits beside the store; keep it elsewhere", file.display())]
    KeyBesideStore { file: PathBuf },
    #[error(transparent)]
    Cors(#[from] CorsError),
    #[error("give --key-file or --mnemonic-file, not both")]
    BothKeys,
    /// The chain key's file could not be used.
    #[error("{0}")]
    ChainKey(diachain_chain_client::Error),
    #[error(transparent)]
    Key(#[from] StoreError),
}

/// The TOML file: `[store]`, `[server]`, `[chain]`, `[anchoring]`, `[registry]`, `[log]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub store: StoreSection,
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    pub chain: ChainSection,
    #[serde(default)]
    pub anchoring: AnchoringSection,
    #[serde(default)]
    pub registry: RegistrySection,
    #[serde(default)]
    pub log: LogSection,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// `[store]`
#[derive(Args, Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// The store's database file (created on first use) [default: relayer.redb]
    #[arg(long = "store-path", env = "DIACHAIN_RELAYER_STORE_PATH")]
    pub path: Option<PathBuf>,
    /// File holding the 32-byte master key (64 hex characters or 32 raw bytes); must not sit in
    /// the store's directory. DIACHAIN_RELAYER_MASTER_KEY (hex) takes precedence when set.
    #[arg(long = "master-key-file", env = "DIACHAIN_RELAYER_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Commit in two phases (two fsyncs per commit) [default: false]
    #[arg(long = "two-phase-commit", env = "DIACHAIN_RELAYER_TWO_PHASE_COMMIT")]
    pub two_phase_commit: Option<bool>,
    /// The embedded store's page cache in bytes: pages read or written stay in memory up to this
    /// bound, so the relayer's resident memory grows with the store file until it is reached
    /// [default: 67108864 (64 MiB); at least 1048576]
    #[arg(long = "cache-bytes", env = "DIACHAIN_RELAYER_CACHE_BYTES")]
    pub cache_bytes: Option<u64>,
    /// Most batches written in one group commit [default: 512]
    #[arg(long = "max-group", env = "DIACHAIN_RELAYER_MAX_GROUP")]
    pub max_group: Option<usize>,
    /// Where the store lives: `redb` (one embedded file, --store-path) or `postgres` (a
    /// PostgreSQL database several instances may share, --database-url) [default: redb]
    #[arg(long = "store", env = "DIACHAIN_RELAYER_STORE")]
    pub backend: Option<StoreBackend>,
    /// The PostgreSQL database (`postgres://user[:password]@host[:port]/db`); prefer the
    /// environment variable for a URL holding a password
    #[arg(long = "database-url", env = "DIACHAIN_RELAYER_DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL connections kept in the pool [default: 8]
    #[arg(long = "pool-size", env = "DIACHAIN_RELAYER_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// Seconds an instance's claim on anchoring work lasts without renewal; another instance
    /// takes over the work of one that stopped after this long [default: 30]
    #[arg(long = "lease-secs", env = "DIACHAIN_RELAYER_LEASE_SECS")]
    pub lease_secs: Option<u64>,
    /// Where research exports keep their sealed files [default: the store file's path with
    /// the extension `exports`, or `relayer.exports` with PostgreSQL]
    #[arg(long = "exports-dir", env = "DIACHAIN_RELAYER_EXPORTS_DIR")]
    pub exports_dir: Option<PathBuf>,
    /// Free space the store's file system must keep: below it, writes are refused with 507
    /// `store_full` (reads go on) until space is freed [default: 33554432]
    #[arg(
        long = "store-min-free-bytes",
        env = "DIACHAIN_RELAYER_STORE_MIN_FREE_BYTES"
    )]
    pub min_free_bytes: Option<u64>,
    /// The operator socket (a Unix socket, for the running relayer's owner only) through which
    /// `backup` asks a running relayer for an online backup [default: the store path +
    /// `.ops.sock`]
    #[arg(long = "ops-socket", env = "DIACHAIN_RELAYER_OPS_SOCKET")]
    pub ops_socket: Option<PathBuf>,
}

/// The store's backend.
#[derive(ValueEnum, Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    #[default]
    Redb,
    Postgres,
}

/// `[server]`
#[derive(Args, Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Address the HTTP API listens on [default: 127.0.0.1:8640]
    #[arg(long = "listen", env = "DIACHAIN_RELAYER_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Largest request body accepted; larger ones get 413 before parsing [default: 1048576]
    #[arg(long = "max-body-bytes", env = "DIACHAIN_RELAYER_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Origins whose browser pages may call the API: `*` or `http(s)://host[:port]`, repeated
    /// or comma-separated [default: none]
    #[arg(
        long = "cors-origin",
        env = "DIACHAIN_RELAYER_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Option<Vec<String>>,
    /// Whether alert webhooks may point at loopback, private and link-local addresses (a local
    /// network's receivers) [default: false]
    #[arg(
        long = "allow-private-webhooks",
        env = "DIACHAIN_RELAYER_ALLOW_PRIVATE_WEBHOOKS"
    )]
    pub allow_private_webhooks: Option<bool>,
}

/// `[chain]`
#[derive(Args, Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainSection {
    /// Chain id that device signatures are bound to (e.g. diachain-local-1)
    #[arg(long = "chain-id", env = "DIACHAIN_RELAYER_CHAIN_ID")]
    pub chain_id: Option<String>,
    /// reading-anchors contract address that device signatures are bound to
    #[arg(long = "anchors-contract", env = "DIACHAIN_RELAYER_ANCHORS_CONTRACT")]
    pub anchors_contract: Option<String>,
    /// device-registry contract address (device keys and status; whether this relayer is
    /// admitted)
    #[arg(long = "registry-contract", env = "DIACHAIN_RELAYER_REGISTRY_CONTRACT")]
    pub registry_contract: Option<String>,
    /// consent contract address: the data API checks access there and records what it serves
    /// (the relayer must be an admitted custodian); without it the data API is off
    #[arg(long = "consent-contract", env = "DIACHAIN_RELAYER_CONSENT_CONTRACT")]
    pub consent_contract: Option<String>,
    /// data-union contract address: research dataset exports read studies there and record
    /// their manifests (with the data API on); without it exports are off
    #[arg(long = "union-contract", env = "DIACHAIN_RELAYER_UNION_CONTRACT")]
    pub union_contract: Option<String>,
    /// CometBFT RPC address of a node of the chain, e.g. http://127.0.0.1:26657
    #[arg(long = "node", env = "DIACHAIN_RELAYER_NODE")]
    pub node: Option<String>,
    /// Gas price of the relayer's transactions [default: 0.025udia]
    #[arg(long = "gas-prices", env = "DIACHAIN_RELAYER_GAS_PRICES")]
    pub gas_prices: Option<String>,
    /// The relayer's chain key: a file with the secp256k1 secret as 64 hex digits (written by
    /// `keys create`)
    #[arg(long = "key-file", env = "DIACHAIN_RELAYER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Or: a file holding the key's BIP-39 mnemonic (plain text, or JSON with a "mnemonic"
    /// field as `wasmd keys add --output json` prints it)
    #[arg(long = "mnemonic-file", env = "DIACHAIN_RELAYER_MNEMONIC_FILE")]
    pub mnemonic_file: Option<PathBuf>,
}

/// `[anchoring]`
#[derive(Args, Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchoringSection {
    /// Most batches per SubmitBatches transaction (1..=1000) [default: 400]
    #[arg(
        long = "max-batches-per-tx",
        env = "DIACHAIN_RELAYER_MAX_BATCHES_PER_TX"
    )]
    pub max_batches_per_tx: Option<usize>,
    /// Blocks after the current height that may include an anchoring transaction [default: 20]
    #[arg(long = "tx-timeout-blocks", env = "DIACHAIN_RELAYER_TX_TIMEOUT_BLOCKS")]
    pub timeout_blocks: Option<u64>,
    /// /healthz reports anchoring unhealthy when a batch waits longer than this, in seconds
    /// [default: 60]
    #[arg(
        long = "max-anchor-lag-secs",
        env = "DIACHAIN_RELAYER_MAX_ANCHOR_LAG_SECS"
    )]
    pub max_lag_secs: Option<u64>,
}

/// `[registry]`
#[derive(Args, Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySection {
    /// Development and tests only: a JSON map of device id to AnchoringDevice served as the
    /// registry instead of the chain's; nothing is anchored then
    #[arg(long = "registry-file", env = "DIACHAIN_RELAYER_REGISTRY_FILE")]
    pub file: Option<PathBuf>,
    /// Longest a cached device record is used, in seconds (1..=300): a new block refreshes it
    /// sooner; while the chain cannot be queried it serves this long at most [default: 6]
    #[arg(
        long = "registry-max-age-secs",
        env = "DIACHAIN_RELAYER_REGISTRY_MAX_AGE_SECS"
    )]
    pub max_age_secs: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// `[log]`
#[derive(Args, Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    /// Log format: text or json [default: text]
    #[arg(
        long = "log-format",
        env = "DIACHAIN_RELAYER_LOG_FORMAT",
        global = true
    )]
    pub format: Option<LogFormat>,
    /// Log filter, e.g. info or diachain_relayer=debug [default: info]
    #[arg(long = "log-level", env = "DIACHAIN_RELAYER_LOG_LEVEL", global = true)]
    pub level: Option<String>,
}

macro_rules! merge {
    ($t:ty { $($f:ident),+ }) => {
        impl $t {
            /// Each setting from `self` (flags, then environment), else from `file`.
            pub fn or(self, file: Self) -> Self {
                Self { $($f: self.$f.or(file.$f)),+ }
            }
        }
    };
}
merge!(StoreSection {
    path,
    master_key_file,
    two_phase_commit,
    cache_bytes,
    max_group,
    backend,
    database_url,
    pool_size,
    lease_secs,
    exports_dir,
    min_free_bytes,
    ops_socket
});
merge!(ServerSection {
    listen,
    max_body_bytes,
    cors_origins,
    allow_private_webhooks
});
merge!(ChainSection {
    chain_id,
    anchors_contract,
    registry_contract,
    consent_contract,
    union_contract,
    node,
    gas_prices,
    key_file,
    mnemonic_file
});
merge!(AnchoringSection {
    max_batches_per_tx,
    timeout_blocks,
    max_lag_secs
});
merge!(RegistrySection { file, max_age_secs });
merge!(LogSection { format, level });

impl StoreSection {
    pub fn path(&self) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| PathBuf::from("relayer.redb"))
    }

    pub fn max_group(&self) -> usize {
        self.max_group.unwrap_or(512)
    }

    pub fn backend(&self) -> StoreBackend {
        self.backend.unwrap_or_default()
    }

    pub fn exports_dir(&self) -> PathBuf {
        self.exports_dir
            .clone()
            .unwrap_or_else(|| match self.backend() {
                StoreBackend::Redb => self.path().with_extension("exports"),
                StoreBackend::Postgres => PathBuf::from("relayer.exports"),
            })
    }

    /// The PostgreSQL store's settings.
    pub fn pg_options(&self) -> Result<(String, PgStoreOptions), ConfigError> {
        let url = self.database_url.clone().ok_or(ConfigError::Missing(
            "--database-url (or DIACHAIN_RELAYER_DATABASE_URL) with --store postgres",
        ))?;
        let defaults = PgStoreOptions::default();
        let lease = match self.lease_secs {
            Some(0) => {
                return Err(ConfigError::TooSmall {
                    flag: "--lease-secs",
                    min: 1,
                })
            }
            Some(s) => Duration::from_secs(s),
            None => defaults.lease,
        };
        Ok((
            url,
            PgStoreOptions {
                pool_size: self.pool_size.unwrap_or(defaults.pool_size).max(1),
                lease,
                ..defaults
            },
        ))
    }

    /// The embedded store's page cache, in bytes (at least 1 MiB: redb's cache below that turns
    /// every read into a disk read).
    pub fn cache_bytes(&self) -> Result<usize, ConfigError> {
        const MIN: u64 = 1024 * 1024;
        let Some(bytes) = self.cache_bytes else {
            return Ok(RedbStoreOptions::default().cache_bytes);
        };
        let out_of_range = ConfigError::OutOfRange {
            flag: "--cache-bytes",
            min: MIN,
            max: u64::try_from(usize::MAX).unwrap_or(u64::MAX),
            value: bytes,
        };
        if bytes < MIN {
            return Err(out_of_range);
        }
        usize::try_from(bytes).map_err(|_| out_of_range)
    }

    pub fn min_free_bytes(&self) -> u64 {
        self.min_free_bytes
            .unwrap_or(diachain_relayer_core::store::DEFAULT_MIN_FREE_BYTES)
    }

    /// Where the running relayer's operator socket is.
    pub fn ops_socket(&self) -> PathBuf {
        self.ops_socket.clone().unwrap_or_else(|| {
            let mut name = self.path().into_os_string();
            name.push(".ops.sock");
            PathBuf::from(name)
        })
    }

    /// The master key: from `DIACHAIN_RELAYER_MASTER_KEY`, else from the key file, which must
    /// not sit in the store's directory.
    pub fn master_key(&self) -> Result<MasterKey, ConfigError> {
        if let Ok(hex) = std::env::var(MASTER_KEY_ENV) {
            return Ok(MasterKey::from_hex(&hex)?);
        }
        let file = self.master_key_file.as_ref().ok_or(ConfigError::Missing(
            "the master key: set DIACHAIN_RELAYER_MASTER_KEY or --master-key-file",
        ))?;
        if same_directory(file, &self.path()) {
            return Err(ConfigError::KeyBesideStore { file: file.clone() });
        }
        Ok(MasterKey::from_file(file)?)
    }
}

fn same_directory(a: &Path, b: &Path) -> bool {
    let dir = |p: &Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
        let parent = parent.unwrap_or(Path::new("."));
        std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf())
    };
    dir(a) == dir(b)
}

impl ServerSection {
    pub fn listen(&self) -> SocketAddr {
        self.listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8640)))
    }

    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes.unwrap_or(1 << 20)
    }

    pub fn allow_private_webhooks(&self) -> bool {
        self.allow_private_webhooks.unwrap_or(false)
    }

    pub fn cors_origins(&self) -> Result<CorsOrigins, ConfigError> {
        Ok(CorsOrigins::parse(
            self.cors_origins.as_deref().unwrap_or_default(),
        )?)
    }
}

impl ChainSection {
    /// The chain id and anchors contract, both required to check signatures.
    pub fn domain(&self) -> Result<(String, String), ConfigError> {
        let chain_id = self
            .chain_id
            .clone()
            .ok_or(ConfigError::Missing("--chain-id"))?;
        let contract = self
            .anchors_contract
            .clone()
            .ok_or(ConfigError::Missing("--anchors-contract"))?;
        Ok((chain_id, contract))
    }
}

impl ChainSection {
    pub fn gas_prices(&self) -> &str {
        self.gas_prices.as_deref().unwrap_or("0.025udia")
    }
}

impl AnchoringSection {
    pub fn settings(&self) -> Result<AnchorSettings, ConfigError> {
        let defaults = AnchorSettings::default();
        let max = diachain_std::anchors::MAX_BATCHES_PER_SUBMIT;
        let per_tx = self
            .max_batches_per_tx
            .unwrap_or(defaults.max_batches_per_tx);
        if per_tx == 0 || per_tx > max {
            return Err(ConfigError::OutOfRange {
                flag: "--max-batches-per-tx",
                min: 1,
                max: max as u64,
                value: per_tx as u64,
            });
        }
        let timeout_blocks = self.timeout_blocks.unwrap_or(defaults.timeout_blocks);
        if timeout_blocks == 0 {
            return Err(ConfigError::TooSmall {
                flag: "--tx-timeout-blocks",
                min: 1,
            });
        }
        Ok(AnchorSettings {
            max_batches_per_tx: per_tx,
            timeout_blocks,
            ..defaults
        })
    }

    pub fn max_lag_secs(&self) -> u64 {
        self.max_lag_secs.unwrap_or(60)
    }
}

/// Longest `--registry-max-age-secs`: a cached record serves at most this long while the
/// registry cannot be queried (a revocation the relayer cannot see is honoured by then).
pub const MAX_REGISTRY_AGE_SECS: u64 = 300;

impl RegistrySection {
    pub fn max_age(&self) -> Result<Duration, ConfigError> {
        let secs = self.max_age_secs.unwrap_or(6);
        if secs == 0 || secs > MAX_REGISTRY_AGE_SECS {
            return Err(ConfigError::OutOfRange {
                flag: "--registry-max-age-secs",
                min: 1,
                max: MAX_REGISTRY_AGE_SECS,
                value: secs,
            });
        }
        Ok(Duration::from_secs(secs))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn serve_args(args: &[&str]) -> crate::cli::ServeArgs {
        match Cli::try_parse_from(args).expect("parses").command {
            Command::Serve(a) => *a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flags_override_environment_which_overrides_the_file_which_overrides_defaults() {
        let file: FileConfig = toml::from_str(
            "[server]\nlisten = \"127.0.0.1:7000\"\nmax_body_bytes = 100\n\
             [chain]\nchain_id = \"from-file\"\nanchors_contract = \"wasm1file\"\n",
        )
        .expect("toml");
        // Only this test sets this variable.
        std::env::set_var("DIACHAIN_RELAYER_MAX_BODY_BYTES", "200");
        let from_env = serve_args(&["relayer", "serve", "--chain-id", "from-flag"]);
        let flagged = serve_args(&["relayer", "serve", "--max-body-bytes", "300"]);
        std::env::remove_var("DIACHAIN_RELAYER_MAX_BODY_BYTES");

        let server = from_env.server.or(file.server.clone());
        assert_eq!(server.max_body_bytes(), 200, "environment over file");
        assert_eq!(server.listen().port(), 7000, "file over default");
        let chain = from_env.chain.or(file.chain.clone());
        let (chain_id, contract) = chain.domain().expect("domain");
        assert_eq!(
            (chain_id.as_str(), contract.as_str()),
            ("from-flag", "wasm1file")
        );
        assert_eq!(
            flagged.server.or(file.server).max_body_bytes(),
            300,
            "flag over environment"
        );
        assert_eq!(
            ServerSection::default().max_body_bytes(),
            1 << 20,
            "default"
        );
    }

    #[test]
    fn an_unknown_setting_in_the_file_is_refused() {
        assert!(toml::from_str::<FileConfig>("[server]\nlisen = \"x\"\n").is_err());
    }

    #[test]
    fn serve_without_chain_id_names_the_missing_setting() {
        let err = ChainSection::default().domain().expect_err("missing");
        assert!(err.to_string().contains("--chain-id"));
    }

    #[test]
    fn the_page_cache_comes_from_the_flag_or_the_file_and_refuses_less_than_a_mebibyte() {
        let file: FileConfig = toml::from_str("[store]\ncache_bytes = 8388608\n").expect("toml");
        let from_file = serve_args(&["relayer", "serve"])
            .store
            .or(file.store.clone());
        assert_eq!(from_file.cache_bytes().expect("valid"), 8 << 20);
        let flagged = serve_args(&["relayer", "serve", "--cache-bytes", "2097152"]);
        assert_eq!(
            flagged.store.or(file.store).cache_bytes().expect("valid"),
            2 << 20
        );
        assert_eq!(
            StoreSection::default().cache_bytes().expect("default"),
            RedbStoreOptions::default().cache_bytes
        );
        let tiny = serve_args(&["relayer", "serve", "--cache-bytes", "1048575"]);
        let err = tiny.store.cache_bytes().expect_err("below 1 MiB");
        assert!(
            matches!(
                err,
                ConfigError::OutOfRange {
                    flag: "--cache-bytes",
                    value: 1_048_575,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
