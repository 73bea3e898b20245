//! End-to-end support: a client of a real wasmd network that drives the pinned `wasmd` CLI
//! (`std::process`), built for the network `scripts/chain.sh` starts and the suite
//! `scripts/deploy.sh` deploys.
//!
//! Transactions are written as JSON, signed with `wasmd tx sign` from the network's test keyring,
//! broadcast with `wasmd tx broadcast --broadcast-mode sync` and then looked up until they are in
//! a block. They carry a fixed gas limit instead of a simulation, so a message the contract
//! rejects becomes a failed transaction on chain (with the contract's error in its log) rather
//! than a client-side simulation error; `gas_used` is what the chain charged either way.
//!
//! The journey ([`journey`]) and the gas benchmark ([`bench`]) are library code so that the e2e
//! tests and `scripts/gas-report.sh` run the very same steps.

pub mod bench;
pub mod journey;
pub mod migration;
pub mod relayer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    pub wasmd: PathBuf,
    pub keyring_dir: PathBuf,
    pub denom: String,
    /// Gas price in `denom` per unit of gas.
    pub gas_price: f64,
    pub contracts: Contracts,
    /// The network's port base (`chain.sh --port-base`; RPC is base + 1).
    pub port_base: u16,
    tmp: PathBuf,
    addrs: Mutex<HashMap<String, String>>,
}

/// Serializes transactions across tests: they share signing accounts, whose sequence numbers
/// must advance one transaction at a time.
pub static CHAIN_LOCK: Mutex<()> = Mutex::new(());

static FILE_SEQ: AtomicU64 = AtomicU64::new(0);

fn parse_env_file(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect())
}

impl Network {
    /// The network named by `DIACHAIN_E2E_CHAIN_ID`, or `None` (after printing why the caller
    /// skips) when it is not set.
    pub fn from_env() -> Option<Network> {
        match std::env::var(E2E_ENV) {
            Ok(id) if !id.is_empty() => Some(Network::load(&id).unwrap_or_else(|e| {
                panic!("{E2E_ENV}={id} is set but the network is not usable: {e}")
            })),
            _ => {
                // Written to the real stderr (not `eprintln!`, which the test harness
                // captures), so that the skip is visible in a plain `cargo test` run.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: end-to-end test needs a running wasmd network with the suite \
                     deployed; set {E2E_ENV}=<chain-id> (scripts/e2e.sh, run by scripts/test.sh, \
                     starts one and sets it)"
                );
                None
            }
        }
    }

    /// Loads `.chain/<chain_id>/network.env` and `deployments/<chain_id>.json`.
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
        let gas_price = get("DIACHAIN_GAS_PRICE")?;
        let gas_price: f64 = gas_price
            .trim_end_matches(denom.as_str())
            .parse()
            .map_err(|_| format!("bad gas price {gas_price}"))?;
        let tmp = std::env::temp_dir().join(format!("diachain-e2e-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
        let net = Network {
            chain_id: chain_id.to_string(),
            node: get("DIACHAIN_NODE")?,
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
            tmp,
            addrs: Mutex::new(HashMap::new()),
        };
        net.status()?;
        Ok(net)
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.wasmd)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.wasmd.display()))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "wasmd {}: {}{}",
                args.first().unwrap_or(&""),
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            ))
        }
    }

    fn keyring_args(&self) -> [&str; 4] {
        [
            "--keyring-backend",
            "test",
            "--keyring-dir",
            self.keyring_dir.to_str().expect("utf-8 path"),
        ]
    }

    /// Port `k` (0..=7) of the relayer processes the e2e tests start: port base + 334 + k
    /// (27990.. on scripts/e2e.sh's network), so that networks on other port bases can run
    /// their relayer tests at the same time.
    pub fn relayer_port(&self, k: u16) -> u16 {
        assert!(k < 8, "relayer test ports are 0..=7");
        self.port_base + 334 + k
    }

    /// The address of a key in the network's test keyring (`consortium`, `patient`, ...).
    pub fn addr(&self, key: &str) -> String {
        if let Some(a) = self.addrs.lock().unwrap().get(key) {
            return a.clone();
        }
        let mut args = vec!["keys", "show", key, "-a"];
        args.extend(self.keyring_args());
        let a = self
            .run(&args)
            .unwrap_or_else(|e| panic!("no key {key}: {e}"))
            .trim()
            .to_string();
        self.addrs
            .lock()
            .unwrap()
            .insert(key.to_string(), a.clone());
        a
    }

    /// Latest block height and time (unix seconds).
    pub fn status(&self) -> Result<(u64, u64), String> {
        let out = self.run(&["status", "--node", &self.node, "--output", "json"])?;
        let v: Value = serde_json::from_str(&out).map_err(|e| format!("status: {e}: {out}"))?;
        let sync = if v["sync_info"].is_object() {
            &v["sync_info"]
        } else {
            &v["SyncInfo"]
        };
        let height = sync["latest_block_height"]
            .as_str()
            .and_then(|h| h.parse().ok())
            .ok_or_else(|| format!("status without height: {out}"))?;
        let time = sync["latest_block_time"]
            .as_str()
            .ok_or_else(|| format!("status without time: {out}"))?;
        Ok((height, parse_rfc3339(time)?))
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
        (gas_limit as f64 * self.gas_price).ceil() as u128
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
        let msg = serde_json::to_string(msg).expect("query serializes");
        let out = self.run(&[
            "query",
            "wasm",
            "contract-state",
            "smart",
            contract,
            &msg,
            "--node",
            &self.node,
            "--output",
            "json",
        ])?;
        let v: Value = serde_json::from_str(&out).map_err(|e| format!("{e}: {out}"))?;
        serde_json::from_value(v["data"].clone())
            .map_err(|e| format!("query {msg}: cannot decode {}: {e}", v["data"]))
    }

    /// The `denom` balance of an address.
    pub fn balance(&self, addr: &str) -> u128 {
        let out = self
            .run(&[
                "query",
                "bank",
                "balance",
                addr,
                &self.denom,
                "--node",
                &self.node,
                "--output",
                "json",
            ])
            .expect("balance query");
        let v: Value = serde_json::from_str(&out).expect("balance json");
        v["balance"]["amount"]
            .as_str()
            .unwrap_or("0")
            .parse()
            .expect("amount")
    }

    /// One execute message in its own transaction, with the default gas limit.
    pub fn execute(&self, from: &str, contract: &str, msg: &impl Serialize) -> TxResult {
        self.send(from, &[Exec::new(contract, msg)], DEFAULT_GAS_LIMIT)
    }

    /// Signs `msgs` as key `from` in one transaction with gas limit `gas_limit`, broadcasts it
    /// and waits for its block. A transaction refused before a block (CheckTx: bad signature,
    /// fee, sequence) panics; one that fails in its block is returned with its code and log.
    pub fn send(&self, from: &str, msgs: &[Exec], gas_limit: u64) -> TxResult {
        let sender = self.addr(from);
        let messages: Vec<Value> = msgs
            .iter()
            .map(|m| {
                let funds = if m.funds > 0 {
                    json!([{ "denom": self.denom, "amount": m.funds.to_string() }])
                } else {
                    json!([])
                };
                json!({
                    "@type": "/cosmwasm.wasm.v1.MsgExecuteContract",
                    "sender": sender,
                    "contract": m.contract,
                    "msg": m.msg,
                    "funds": funds,
                })
            })
            .collect();
        let fee = self.fee(gas_limit);
        let tx = json!({
            "body": {
                "messages": messages,
                "memo": "",
                "timeout_height": "0",
                "unordered": false,
                "timeout_timestamp": null,
                "extension_options": [],
                "non_critical_extension_options": []
            },
            "auth_info": {
                "signer_infos": [],
                "fee": {
                    "amount": [{ "denom": self.denom, "amount": fee.to_string() }],
                    "gas_limit": gas_limit.to_string(),
                    "payer": "",
                    "granter": ""
                },
                "tip": null
            },
            "signatures": []
        });
        let n = FILE_SEQ.fetch_add(1, Ordering::Relaxed);
        let unsigned = self.tmp.join(format!("tx-{n}.json"));
        let signed = self.tmp.join(format!("tx-{n}.signed.json"));
        std::fs::write(&unsigned, serde_json::to_vec(&tx).unwrap()).expect("write tx");
        let (unsigned_s, signed_s) = (
            unsigned.to_str().unwrap().to_string(),
            signed.to_str().unwrap().to_string(),
        );
        let mut args = vec![
            "tx",
            "sign",
            &unsigned_s,
            "--from",
            from,
            "--chain-id",
            &self.chain_id,
            "--node",
            &self.node,
            "--output-document",
            &signed_s,
        ];
        args.extend(self.keyring_args());
        self.run(&args).unwrap_or_else(|e| panic!("signing: {e}"));
        let tx_bytes = self
            .run(&["tx", "encode", &signed_s])
            .map(|b64| b64.trim().len() / 4 * 3)
            .unwrap_or(0);
        let out = self
            .run(&[
                "tx",
                "broadcast",
                &signed_s,
                "--node",
                &self.node,
                "--broadcast-mode",
                "sync",
                "--output",
                "json",
            ])
            .unwrap_or_else(|e| panic!("broadcast: {e}"));
        let _ = std::fs::remove_file(&unsigned);
        let _ = std::fs::remove_file(&signed);
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        let hash = v["txhash"].as_str().expect("txhash").to_string();
        let code = v["code"].as_u64().unwrap_or(0);
        assert!(
            code == 0,
            "tx {hash} refused before inclusion (CheckTx code {code}): {}",
            v["raw_log"]
        );
        let mut res = self.wait_tx(&hash);
        res.tx_bytes = tx_bytes;
        res
    }

    /// Waits (up to 60 s) for a transaction to be in a block and returns its result.
    pub fn wait_tx(&self, hash: &str) -> TxResult {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(out) = self.run(&[
                "query", "tx", hash, "--node", &self.node, "--output", "json",
            ]) {
                if let Ok(v) = serde_json::from_str::<Value>(&out) {
                    let num = |k: &str| -> u64 {
                        v[k].as_str()
                            .and_then(|s| s.parse().ok())
                            .or_else(|| v[k].as_u64())
                            .unwrap_or(0)
                    };
                    return TxResult {
                        hash: hash.to_string(),
                        code: v["code"].as_u64().unwrap_or(0) as u32,
                        gas_used: num("gas_used"),
                        gas_wanted: num("gas_wanted"),
                        height: num("height"),
                        raw_log: v["raw_log"].as_str().unwrap_or_default().to_string(),
                        events: v["events"].clone(),
                        tx_bytes: 0,
                    };
                }
            }
            assert!(
                Instant::now() < deadline,
                "tx {hash} not in a block after 60 s"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
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
    diachain_relayer::time::rfc3339_seconds(s).ok_or_else(|| format!("bad time {s}"))
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
