//! End-to-end support: a client of a real wasmd network, built for the network
//! `scripts/chain.sh` starts and the suite `scripts/deploy.sh` deploys.
//!
//! Transactions and queries go through DiaChain's chain client (`packages/chain-client`) over the
//! node's RPC, driven by a tokio runtime inside [`Network`] (the tests are synchronous). Each
//! account signs with its own [`TxSender`] (one per key, which tracks the account's sequence);
//! the keys are the mnemonics `scripts/chain.sh` keeps in `.chain/<chain-id>/logs/key-<name>.json`.
//! Transactions carry a fixed gas limit instead of a simulation, so a message the contract
//! rejects becomes a failed transaction on chain (with the contract's error in its log) rather
//! than a client-side simulation error; `gas_used` is what the chain charged either way, as the
//! node reports it for the included transaction.
//!
//! Only the clock is still moved by a script: [`Network::advance_clock`] runs
//! `scripts/chain.sh advance-clock`, which restarts the local nodes with a clock offset (no
//! client can do that).
//!
//! The journey ([`journey`]) and the gas benchmarks ([`bench`], [`pinning`]) are library code so
//! that the e2e tests and `scripts/gas-report.sh` run the very same steps.

pub mod bench;
pub mod journey;
pub mod migration;
pub mod nightscout;
pub mod pg;
pub mod pinning;
pub mod previous_release;
pub mod relayer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diachain_chain_client::cosmrs::Any;
use diachain_chain_client::{
    coin, execute_msg, send_msg, ChainClient, ClientConfig, Error as ClientError, Event, Gas,
    Signer, TxOutcome, TxSender, WASM_PREFIX,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// The environment variable naming the network the e2e tests run against.
pub const E2E_ENV: &str = "DIACHAIN_E2E_CHAIN_ID";

/// The repository root (this crate is `tests/e2e`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// The four contracts' addresses, from `deployments/<chain-id>.json`.
#[derive(Clone, Debug)]
pub struct Contracts {
    pub registry: String,
    pub anchors: String,
    pub consent: String,
    pub union: String,
}

/// A transaction as the chain recorded it.
#[derive(Clone, Debug)]
pub struct TxResult {
    pub hash: String,
    pub code: u32,
    pub gas_used: u64,
    pub gas_wanted: u64,
    pub height: u64,
    pub raw_log: String,
    pub events: Value,
    /// Size of the signed, encoded transaction.
    pub tx_bytes: usize,
}

impl TxResult {
    pub fn ok(&self) -> bool {
        self.code == 0
    }
    /// Panics with the log unless the transaction succeeded.
    pub fn expect_ok(self, what: &str) -> Self {
        assert!(
            self.ok(),
            "{what}: tx {} failed (code {}): {}",
            self.hash,
            self.code,
            self.raw_log
        );
        self
    }
    /// Panics unless the transaction failed in its block with `needle` in its log.
    pub fn expect_err(self, what: &str, needle: &str) -> Self {
        assert!(
            !self.ok(),
            "{what}: tx {} succeeded but should have failed with {needle:?}",
            self.hash
        );
        assert!(
            self.raw_log.contains(needle),
            "{what}: tx {} failed, but with {:?} instead of {needle:?}",
            self.hash,
            self.raw_log
        );
        self
    }
    /// The first value of attribute `key` in events of type `ty`.
    pub fn attr(&self, ty: &str, key: &str) -> Option<String> {
        self.events.as_array()?.iter().find_map(|e| {
            if e["type"] != ty {
                return None;
            }
            e["attributes"].as_array()?.iter().find_map(|a| {
                (a["key"] == key).then(|| a["value"].as_str().unwrap_or_default().to_string())
            })
        })
    }
}

/// One `MsgExecuteContract`.
pub struct Exec {
    pub contract: String,
    pub msg: Value,
    /// Native coins sent along, in the network's denom.
    pub funds: u128,
}

impl Exec {
    pub fn new(contract: &str, msg: &impl Serialize) -> Self {
        Exec {
            contract: contract.to_string(),
            msg: serde_json::to_value(msg).expect("message serializes"),
            funds: 0,
        }
    }
    pub fn with_funds(mut self, amount: u128) -> Self {
        self.funds = amount;
        self
    }
}

/// Default gas limit of a transaction (its fee is paid in full; gas_used is reported apart).
pub const DEFAULT_GAS_LIMIT: u64 = 3_000_000;

/// A running DiaChain network and its deployed suite.
pub struct Network {
    pub chain_id: String,
    pub node: String,
    /// The pinned `wasmd` binary (the tests no longer run it; kept for callers that need the
    /// CLI, e.g. to inspect the test keyring).
    pub wasmd: PathBuf,
    pub keyring_dir: PathBuf,
    pub denom: String,
    /// Gas price in `denom` per unit of gas.
    pub gas_price: f64,
    pub contracts: Contracts,
    /// The network's port base (`chain.sh --port-base`; RPC is base + 1).
    pub port_base: u16,
    /// Drives the chain client's futures for the (synchronous) tests.
    rt: tokio::runtime::Runtime,
    client: ChainClient,
    /// One sender per signing key, so that each account's sequence is tracked in one place.
    senders: Mutex<HashMap<String, Arc<TxSender>>>,
}

/// Why the tests against a live network are `#[ignore]`d in a plain `cargo test` (they are run,
/// with `--ignored`, by `scripts/e2e.sh`; `scripts/test.sh` counts them once, where they ran).
pub const NEEDS_NETWORK: &str =
    "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it";

/// Serializes transactions across tests: they share signing accounts, whose sequence numbers
/// must advance one transaction at a time.
pub static CHAIN_LOCK: Mutex<()> = Mutex::new(());

fn parse_env_file(path: &Path) -> Result<HashMap<String, String>, String> {
    diachain_chain_client::read_env_file(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The transaction's events as the node's JSON has them:
/// `[{"type": …, "attributes": [{"key": …, "value": …}]}]`.
fn events_json(events: &[Event]) -> Value {
    events
        .iter()
        .map(|e| {
            let attributes: Vec<Value> = e
                .attributes
                .iter()
                .map(|(k, v)| json!({ "key": k, "value": v }))
                .collect();
            json!({ "type": e.kind, "attributes": attributes })
        })
        .collect()
}

impl TxResult {
    /// The result of an included transaction; `tx_bytes` is the size of the signed
    /// transaction when known (0 otherwise).
    pub fn from_outcome(tx: TxOutcome, tx_bytes: usize) -> TxResult {
        TxResult {
            events: events_json(&tx.events),
            hash: tx.hash,
            code: tx.code,
            gas_used: tx.gas_used,
            gas_wanted: tx.gas_wanted,
            height: tx.height,
            raw_log: tx.raw_log,
            tx_bytes,
        }
    }
}

impl Network {
    /// The network named by `DIACHAIN_E2E_CHAIN_ID`. The tests that need one are `#[ignore]`d
    /// ([`NEEDS_NETWORK`]): a plain `cargo test` reports them as ignored, never as passed, and
    /// `scripts/e2e.sh` runs them (`--ignored`) with the variable set. Run without it, a test
    /// fails here, saying why.
    pub fn from_env() -> Network {
        match std::env::var(E2E_ENV) {
            Ok(id) if !id.is_empty() => Network::load(&id).unwrap_or_else(|e| {
                panic!("{E2E_ENV}={id} is set but the network is not usable: {e}")
            }),
            _ => panic!(
                "this test needs a running wasmd network with the suite deployed: run it \
                 through scripts/e2e.sh (which starts one and sets {E2E_ENV}), or set \
                 {E2E_ENV}=<chain-id> of a network started by scripts/chain.sh and deployed by \
                 scripts/deploy.sh"
            ),
        }
    }

    /// Loads `.chain/<chain_id>/network.env` and `deployments/<chain_id>.json` and connects the
    /// chain client to the network's node.
    pub fn load(chain_id: &str) -> Result<Network, String> {
        let root = repo_root();
        let env = parse_env_file(&root.join(".chain").join(chain_id).join("network.env"))?;
        let get = |k: &str| {
            env.get(k)
                .cloned()
                .ok_or_else(|| format!("network.env has no {k}"))
        };
        let dep_path = root.join("deployments").join(format!("{chain_id}.json"));
        let dep: Value = serde_json::from_str(
            &std::fs::read_to_string(&dep_path)
                .map_err(|e| format!("{}: {e} (run scripts/deploy.sh)", dep_path.display()))?,
        )
        .map_err(|e| format!("{}: {e}", dep_path.display()))?;
        let addr = |c: &str| {
            dep["contracts"][c]["address"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{} has no address for {c}", dep_path.display()))
        };
        let denom = get("DIACHAIN_DENOM")?;
        let gas_price_text = get("DIACHAIN_GAS_PRICE")?;
        let gas_price: f64 = gas_price_text
            .trim_end_matches(denom.as_str())
            .parse()
            .map_err(|_| format!("bad gas price {gas_price_text}"))?;
        let node = get("DIACHAIN_NODE")?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let mut config = ClientConfig::new(&node, &gas_price_text)
            .map_err(|e| e.to_string())?
            .with_chain_id(chain_id);
        // Blocks come every second: look for a transaction four times a second, as the CLI
        // version of this harness did.
        config.poll_interval = Duration::from_millis(250);
        let client = rt
            .block_on(ChainClient::connect(config))
            .map_err(|e| format!("{node}: {e}"))?;
        Ok(Network {
            chain_id: chain_id.to_string(),
            node,
            wasmd: PathBuf::from(get("DIACHAIN_WASMD")?),
            keyring_dir: PathBuf::from(get("DIACHAIN_KEYRING_DIR")?),
            denom,
            gas_price,
            contracts: Contracts {
                registry: addr("device-registry")?,
                anchors: addr("reading-anchors")?,
                consent: addr("consent")?,
                union: addr("data-union")?,
            },
            port_base: get("DIACHAIN_PORT_BASE")?
                .parse()
                .map_err(|_| "network.env: bad DIACHAIN_PORT_BASE".to_string())?,
            rt,
            client,
            senders: Mutex::new(HashMap::new()),
        })
    }

    /// Runs a chain client future to completion.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Runs the read `f`, again while the node cannot be reached, for up to 30 s. A node
    /// restarted (by `advance-clock`, or by a test that stops the network) leaves the client's
    /// pooled HTTP connection dead: the first request after it fails without reaching the node
    /// and the next opens a new connection. (Each CLI call of the old harness was a new
    /// process with a new connection.)
    fn read<T, Fut>(&self, f: impl Fn() -> Fut) -> Result<T, ClientError>
    where
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.block_on(f()) {
                Err(ClientError::Transport { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(250))
                }
                other => return other,
            }
        }
    }

    /// The chain client connected to the network's node.
    pub fn client(&self) -> &ChainClient {
        &self.client
    }

    /// Port `k` (0..=7) of the relayer processes the e2e tests start: port base + 334 + k
    /// (27990.. on scripts/e2e.sh's network), so that networks on other port bases can run
    /// their relayer tests at the same time.
    pub fn relayer_port(&self, k: u16) -> u16 {
        assert!(k < 8, "relayer test ports are 0..=7");
        self.port_base + 334 + k
    }

    /// The sender of key `key`: an account of the network (its mnemonic, which chain.sh keeps
    /// in `.chain/<chain-id>/logs/key-<key>.json`) or one added with [`Network::add_key`].
    pub fn sender(&self, key: &str) -> Arc<TxSender> {
        let mut senders = self.senders.lock().unwrap();
        if let Some(s) = senders.get(key) {
            return Arc::clone(s);
        }
        let path = self
            .keyring_dir
            .join("logs")
            .join(format!("key-{key}.json"));
        let signer = Signer::from_mnemonic_file(&path, WASM_PREFIX)
            .unwrap_or_else(|e| panic!("no key {key}: {e}"));
        let s = Arc::new(TxSender::new(self.client.clone(), signer));
        senders.insert(key.to_string(), Arc::clone(&s));
        s
    }

    /// Adds a new random key under the name `key` (it signs through [`Network::send`] like the
    /// network's accounts) and returns its address. The account exists on chain once funded.
    pub fn add_key(&self, key: &str) -> String {
        self.add_signer(key, Signer::generate(WASM_PREFIX).expect("generate a key"))
    }

    /// Like [`Network::add_key`], and writes the new key to `.chain/<chain-id>/key-<key>.hex`
    /// (a raw key file, refused if it exists) so that a later test process finds it again with
    /// [`Network::load_saved_key`].
    pub fn add_saved_key(&self, key: &str) -> String {
        let signer = Signer::generate(WASM_PREFIX).expect("generate a key");
        let path = self.saved_key_path(key);
        signer
            .write_key_file(&path)
            .unwrap_or_else(|e| panic!("saving key {key}: {e}"));
        self.add_signer(key, signer)
    }

    /// Adds under `key` the key [`Network::add_saved_key`] saved (in an earlier process).
    pub fn load_saved_key(&self, key: &str) -> String {
        let path = self.saved_key_path(key);
        let signer = Signer::from_key_file(&path, WASM_PREFIX)
            .unwrap_or_else(|e| panic!("no saved key {key}: {e}"));
        self.add_signer(key, signer)
    }

    fn saved_key_path(&self, key: &str) -> PathBuf {
        repo_root().join(format!(".chain/{}/key-{key}.hex", self.chain_id))
    }

    fn add_signer(&self, key: &str, signer: Signer) -> String {
        let addr = signer.address().to_string();
        let s = Arc::new(TxSender::new(self.client.clone(), signer));
        let old = self.senders.lock().unwrap().insert(key.to_string(), s);
        assert!(old.is_none(), "key {key} exists already");
        addr
    }

    /// The address of a key (`consortium`, `patient`, ..., or one added with
    /// [`Network::add_key`]).
    pub fn addr(&self, key: &str) -> String {
        self.sender(key).address().to_string()
    }

    /// Latest block height and time (unix seconds).
    pub fn status(&self) -> Result<(u64, u64), String> {
        let s = self
            .read(|| self.client.status())
            .map_err(|e| e.to_string())?;
        let time = u64::try_from(s.latest_block_unix)
            .map_err(|_| format!("block time {} before 1970", s.latest_block_time))?;
        Ok((s.latest_height, time))
    }

    /// Waits until the latest block's time is at least `t`.
    pub fn wait_until_time(&self, t: u64) {
        let deadline = Instant::now() + Duration::from_secs(t.saturating_sub(now_unix()) + 60);
        loop {
            let (_, time) = self.status().expect("status");
            if time >= t {
                return;
            }
            assert!(Instant::now() < deadline, "chain time never reached {t}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The chain's time, after moving the clock into the next UTC day if fewer than `margin`
    /// seconds are left of this one (a batch may not span midnight, and a study's days must
    /// hold still while a test runs).
    pub fn avoid_midnight(&self, margin: u64) -> u64 {
        let (_, now) = self.status().expect("status");
        let left = 86_400 - now % 86_400;
        if left >= margin {
            return now;
        }
        eprintln!("  {left} s to UTC midnight: moving the clock into the next day");
        self.advance_clock(left + 2)
    }

    /// Moves the network's clock `secs` seconds ahead with `scripts/chain.sh advance-clock`
    /// (which restarts the local nodes with their clocks that far ahead) and returns the chain's
    /// new time, once a block carries it. Only for local networks started by `chain.sh`.
    pub fn advance_clock(&self, secs: u64) -> u64 {
        let (_, before) = self.status().expect("status");
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/chain.sh"))
            .args([
                "advance-clock",
                &secs.to_string(),
                "--chain-id",
                &self.chain_id,
            ])
            .output()
            .expect("run scripts/chain.sh");
        assert!(
            out.status.success(),
            "chain.sh advance-clock {secs} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (_, after) = self.status().expect("status after advance-clock");
        assert!(
            after >= before + secs,
            "the chain's time moved from {before} to {after}, not {secs} s ahead"
        );
        after
    }

    /// Moves the network's clock ahead, if needed, until a block's time is at least `t`.
    pub fn advance_clock_to(&self, t: u64) -> u64 {
        let (_, now) = self.status().expect("status");
        if now >= t {
            return now;
        }
        self.advance_clock(t - now)
    }

    /// What a transaction with gas limit `gas_limit` pays in fees (`send` pays its limit in
    /// full at the network's gas price).
    pub fn fee(&self, gas_limit: u64) -> u128 {
        self.client.config().gas_price.fee_amount(gas_limit)
    }

    /// Waits until the chain reaches height `h`.
    pub fn wait_for_height(&self, h: u64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.status().expect("status").0 < h {
            assert!(Instant::now() < deadline, "chain never reached height {h}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// A smart query; `Err` carries the node's error (e.g. the contract's).
    pub fn query<T: DeserializeOwned>(
        &self,
        contract: &str,
        msg: &impl Serialize,
    ) -> Result<T, String> {
        self.read(|| self.client.smart_query(contract, msg))
            .map_err(|e| e.to_string())
    }

    /// The `denom` balance of an address.
    pub fn balance(&self, addr: &str) -> u128 {
        self.read(|| self.client.balance(addr, &self.denom))
            .unwrap_or_else(|e| panic!("balance of {addr}: {e}"))
    }

    /// One execute message in its own transaction, with the default gas limit.
    pub fn execute(&self, from: &str, contract: &str, msg: &impl Serialize) -> TxResult {
        self.send(from, &[Exec::new(contract, msg)], DEFAULT_GAS_LIMIT)
    }

    /// Signs `msgs` as key `from` in one transaction with gas limit `gas_limit`, broadcasts it
    /// and waits for its block. A transaction refused before a block (CheckTx: bad signature,
    /// fee, sequence) panics; one that fails in its block is returned with its code and log.
    pub fn send(&self, from: &str, msgs: &[Exec], gas_limit: u64) -> TxResult {
        let sender = self.sender(from);
        let anys = msgs
            .iter()
            .map(|m| {
                let funds = if m.funds > 0 {
                    vec![coin(m.funds, &self.denom)?]
                } else {
                    vec![]
                };
                execute_msg(sender.address(), &m.contract, &m.msg, funds)
            })
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("building the messages: {e}"));
        self.send_any(&sender, anys, gas_limit)
    }

    /// A bank send of `amount` of the network's denom from key `from` to `to`, gas limit
    /// `gas_limit`.
    pub fn bank_send(&self, from: &str, to: &str, amount: u128, gas_limit: u64) -> TxResult {
        let sender = self.sender(from);
        let msg = coin(amount, &self.denom)
            .and_then(|c| send_msg(sender.address(), to, vec![c]))
            .unwrap_or_else(|e| panic!("building the bank send: {e}"));
        self.send_any(&sender, vec![msg], gas_limit)
    }

    /// Signs `msgs` with a fixed gas limit (no simulation: a message the contract refuses
    /// fails in its block, with the contract's error in the log, and is charged), broadcasts
    /// them and waits for the block.
    fn send_any(&self, sender: &TxSender, msgs: Vec<Any>, gas_limit: u64) -> TxResult {
        // A cheap read first, so that a connection left dead by a node restart is replaced
        // before the broadcast (whose transport failure would leave it unknown whether the
        // transaction reached the node).
        self.status()
            .unwrap_or_else(|e| panic!("the node is not reachable: {e}"));
        let (tx_bytes, outcome) = self
            .block_on(async {
                let signed = sender
                    .submit(msgs, "", Gas::Fixed(gas_limit), |_| Ok(()))
                    .await?;
                let tx = self.client.wait_for_tx(&signed.hash).await?;
                Ok::<_, ClientError>((signed.bytes.len(), tx))
            })
            .unwrap_or_else(|e| {
                panic!(
                    "tx of {} refused before inclusion or not included: {e}",
                    sender.address()
                )
            });
        TxResult::from_outcome(outcome, tx_bytes)
    }

    /// Waits (up to 60 s) for a transaction to be in a block and returns its result.
    pub fn wait_tx(&self, hash: &str) -> TxResult {
        let tx = self
            .block_on(self.client.wait_for_tx(hash))
            .unwrap_or_else(|e| panic!("tx {hash}: {e}"));
        TxResult::from_outcome(tx, 0)
    }
}

/// Now, in unix seconds, by the local clock.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Parses CometBFT's RFC 3339 block time (`2026-11-21T05:40:00.123456789Z`) to unix seconds.
pub fn parse_rfc3339(s: &str) -> Result<u64, String> {
    diachain_chain_client::time::rfc3339_seconds(s).ok_or_else(|| format!("bad time {s}"))
}

/// A valid 20-byte `wasm1…` address derived from a label: patients that never sign (their
/// guardian acts for them), as benchmarks need by the hundred.
pub fn derived_address(label: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(label.as_bytes());
    bech32::encode::<bech32::Bech32>(bech32::Hrp::parse("wasm").unwrap(), &hash[..20])
        .expect("bech32")
}

/// A run-unique suffix, so that tests can run again on the same chain.
pub fn run_tag() -> String {
    use sha2::Digest;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let h = sha2::Sha256::digest(format!("{nanos}-{}", std::process::id()).as_bytes());
    h[..6].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_block_times_parse_to_unix_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(
            parse_rfc3339("2026-11-21T05:40:01.123456789Z").unwrap(),
            1_795_239_601
        );
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn derived_addresses_are_valid_bech32_wasm_addresses() {
        let a = derived_address("patient-1");
        assert!(a.starts_with("wasm1"));
        let (hrp, data) = bech32::decode(&a).unwrap();
        assert_eq!(hrp.as_str(), "wasm");
        assert_eq!(data.len(), 20);
        assert_ne!(a, derived_address("patient-2"));
    }
}
