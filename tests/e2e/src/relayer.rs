//! The relayer binary (`diachain-relayer`) against the real network: a process the tests
//! start, kill (SIGKILL), stop (SIGTERM) and restart on one store; gateways posting
//! device-signed batches over HTTP; and the chain's view of every device to compare with.
//!
//! The binary is `DIACHAIN_RELAYER_BIN`, else `target/debug/diachain-relayer` (scripts/e2e.sh
//! builds it first). Its chain key is the network's admitted `relayer` role.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_relayer_api::auth::request::{signed_headers, RequestParts};
use diachain_relayer_types::{BatchRequest, ReadingJson};
use diachain_std::anchors::{BatchInfo, CursorResponse, QueryMsg as AnchorsQuery};
use diachain_std::consent::{self, ConsentRole};
use diachain_std::pagination::Page;
use diachain_std::testing::{signed_batch, SignedBatch, TestKey};
use diachain_std::{DeviceKind, Domain, KeyAlgorithm};
use serde_json::Value;

use crate::journey::{register_and_bind, Recorder};
use crate::{repo_root, Network};

/// Seconds between two readings of the simulated gateways, and readings per batch.
pub const INTERVAL: u64 = 2;
pub const READINGS: u32 = 12;

/// The relayer binary.
pub fn binary() -> PathBuf {
    std::env::var_os("DIACHAIN_RELAYER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/diachain-relayer"))
}

/// The gateway simulator binary.
pub fn simulator_binary() -> PathBuf {
    std::env::var_os("DIACHAIN_SIMULATE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/diachain-simulate"))
}

/// One HTTP/1.1 exchange (`Connection: close`); the status and the body.
pub fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> Result<(u16, String), String> {
    http_with(addr, method, path, &[], body)
}

/// [`http`] with extra headers.
pub fn http_with(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<(u16, String), String> {
    http_full(addr, method, path, headers, body).map(|(status, _, body)| (status, body))
}

/// [`http_with`], with the answer's header lines too.
pub fn http_full(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<(u16, String, String), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         {extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())
        .and_then(|()| s.write_all(body))
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut out = String::new();
    s.read_to_string(&mut out)
        .map_err(|e| format!("{addr}: {e}"))?;
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {out:?}"))?;
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((out.as_str(), ""));
    Ok((status, head.to_string(), body.to_string()))
}

/// A relayer process over a store directory that outlives it.
pub struct Relayer {
    pub addr: String,
    pub dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

impl Relayer {
    /// Starts `serve` on `port` with a new store in `dir` (emptied first) and waits until
    /// `/healthz` answers.
    pub fn start(net: &Network, dir: &Path, port: u16, extra: &[&str]) -> Relayer {
        Self::start_as(net, dir, port, "relayer", extra)
    }

    /// [`Relayer::start`] under the chain key of keyring account `key` (admitted as a relayer).
    pub fn start_as(net: &Network, dir: &Path, port: u16, key: &str, extra: &[&str]) -> Relayer {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("store")).expect("relayer dir");
        let key = dir.join("master.key");
        let out = Command::new(binary())
            .args(["generate-master-key", "--out"])
            .arg(&key)
            .output()
            .expect("run the relayer binary");
        assert!(out.status.success(), "generate-master-key: {out:?}");
        let logs = net.keyring_dir.join("logs");
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--log-format".into(),
            "json".into(),
            "--store-path".into(),
            dir.join("store/relayer.redb").display().to_string(),
            "--master-key-file".into(),
            key.display().to_string(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--chain-id".into(),
            net.chain_id.clone(),
            "--node".into(),
            net.node.clone(),
            "--gas-prices".into(),
            format!("{}{}", net.gas_price, net.denom),
            "--anchors-contract".into(),
            net.contracts.anchors.clone(),
            "--registry-contract".into(),
            net.contracts.registry.clone(),
            "--mnemonic-file".into(),
            logs.join(format!("key-{key}.json")).display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut r = Relayer {
            addr: format!("127.0.0.1:{port}"),
            dir: dir.to_path_buf(),
            args,
            child: None,
        };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("relayer.log"))
            .expect("relayer log");
        let child = Command::new(binary())
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the relayer");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if matches!(http(&self.addr, "GET", "/healthz", b""), Ok((200, _))) {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("the relayer exited with {status}; log: {}", self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the relayer did not answer /healthz; log: {}",
            self.log_tail()
        );
    }

    /// The last lines of the relayer's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("relayer.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL");
            c.wait().expect("reap");
        }
    }

    /// SIGTERM, and the exit status once it stopped.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut c = self.child.take()?;
        let pid = c.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        Some(c.wait().expect("wait for the relayer"))
    }

    /// Starts it again on the same store.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn get(&self, path: &str) -> Value {
        let (code, body) = http(&self.addr, "GET", path, b"").expect("GET");
        assert!(code == 200 || code == 503, "GET {path}: {code} {body}");
        serde_json::from_str(&body).unwrap_or(Value::String(body))
    }

    pub fn metrics(&self) -> String {
        http(&self.addr, "GET", "/metrics", b"").expect("metrics").1
    }

    /// Posts a batch; the status and the JSON answer.
    pub fn post(&self, b: &SignedBatch) -> (u16, Value) {
        let body = serde_json::to_vec(&request(b)).expect("json");
        let (code, text) = http(&self.addr, "POST", "/v1/batches", &body).expect("POST");
        (
            code,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Posts and expects 201 (stored) or 200 (already held).
    pub fn post_ok(&self, b: &SignedBatch) {
        let (code, answer) = self.post(b);
        assert!(
            code == 201 || code == 200,
            "POST {}: {code} {answer}",
            b.header.device_id
        );
    }

    /// The store's counts (`GET /v1/status`).
    pub fn counts(&self) -> (u64, u64, u64, u64) {
        let s = self.get("/v1/status");
        let n = |k: &str| {
            s[k].as_u64()
                .unwrap_or_else(|| panic!("status without {k}: {s}"))
        };
        (n("pending"), n("in_flight"), n("anchored"), n("failed"))
    }

    /// Waits until nothing is pending or in flight; the counts then.
    pub fn drained(&self, within: Duration) -> (u64, u64, u64, u64) {
        let deadline = Instant::now() + within;
        loop {
            let c = self.counts();
            if c.0 == 0 && c.1 == 0 {
                return c;
            }
            assert!(
                Instant::now() < deadline,
                "the queue did not drain: {c:?}; status {}; log: {}",
                self.get("/v1/status"),
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// A data request signed by `by` (ADR-036, as a wallet signs); the status and the JSON.
    pub fn signed(
        &self,
        by: &Signer,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: &[u8],
    ) -> (u16, Value) {
        let parts = RequestParts {
            method,
            path,
            query,
            body,
        };
        let nonce = format!("e2e-{}", crate::run_tag());
        let headers = signed_headers(by, &parts, crate::now_unix(), &nonce).expect("sign");
        let target = match query {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        let (code, text) =
            http_with(&self.addr, method, &target, &headers, body).expect("signed request");
        (
            code,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Runs the binary with `args` (a one-shot command); its output.
    pub fn command(args: &[&str]) -> std::process::Output {
        Command::new(binary())
            .args(args)
            .output()
            .expect("run the relayer binary")
    }
}

impl Drop for Relayer {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn request(b: &SignedBatch) -> BatchRequest {
    BatchRequest {
        header: b.header.clone(),
        signature: b.signature.clone(),
        readings: b.readings.iter().map(ReadingJson::from).collect(),
    }
}

/// A simulated gateway: a device key registered and bound on chain, and the next batch it
/// will send.
pub struct Gateway {
    pub id: String,
    pub key: TestKey,
    pub next_seq: u64,
    pub next_time: u64,
}

impl Gateway {
    /// The next batch: `READINGS` readings `INTERVAL` s apart, starting after the last.
    pub fn next_batch(&mut self, domain: &Domain) -> SignedBatch {
        let b = signed_batch(
            &self.key,
            &self.id,
            self.next_seq,
            READINGS,
            self.next_time,
            INTERVAL,
            domain,
        );
        self.next_seq += u64::from(READINGS);
        self.next_time = b.header.last_time + INTERVAL;
        b
    }
}

/// Registers `n` gateways (alternately Ed25519 and P-256) and binds them to `patient`; their
/// readings start now (chain time), away from UTC midnight.
pub fn gateways(net: &Network, tag: &str, n: usize, patient: &'static str) -> Vec<Gateway> {
    let keys: Vec<TestKey> = (0..n)
        .map(|i| {
            let alg = if i % 2 == 0 {
                KeyAlgorithm::Ed25519
            } else {
                KeyAlgorithm::Secp256r1
            };
            TestKey::new(alg, 0x60 + i as u8)
        })
        .collect();
    let ids: Vec<String> = (0..n).map(|i| format!("gw-{tag}-{i:02}")).collect();
    net.avoid_midnight(2 * 3_600);
    let devices: Vec<(&str, DeviceKind, &TestKey)> = ids
        .iter()
        .zip(&keys)
        .map(|(id, k)| (id.as_str(), DeviceKind::Gateway, k))
        .collect();
    register_and_bind(net, &mut Recorder { steps: vec![] }, &devices, patient);
    let (_, now) = net.status().expect("status");
    ids.into_iter()
        .zip(keys)
        .map(|(id, key)| Gateway {
            id,
            key,
            next_seq: 1,
            next_time: now + 1,
        })
        .collect()
}

/// The running network, held for this test alone.
pub fn chain() -> (Network, std::sync::MutexGuard<'static, ()>) {
    let net = Network::from_env();
    let guard = crate::CHAIN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    (net, guard)
}

/// A relayer's directory for test `name`, under the network's own.
pub fn work_dir(net: &Network, name: &str) -> PathBuf {
    repo_root()
        .join(".chain")
        .join(&net.chain_id)
        .join("relayer-e2e")
        .join(name)
}

/// What device signatures on this network are bound to.
pub fn domain(net: &Network) -> Domain<'_> {
    Domain {
        chain_id: &net.chain_id,
        contract: &net.contracts.anchors,
    }
}

/// One batch from each gateway, posted and stored.
pub fn post_round(r: &Relayer, net: &Network, gws: &mut [Gateway]) {
    for g in gws.iter_mut() {
        r.post_ok(&g.next_batch(&domain(net)));
    }
}

/// The highest sequence number anchored on chain for `device_id`.
pub fn chain_cursor(net: &Network, device_id: &str) -> Option<u64> {
    let c: CursorResponse = net
        .query(
            &net.contracts.anchors,
            &AnchorsQuery::Cursor {
                device_id: device_id.to_string(),
            },
        )
        .expect("cursor query");
    c.last_seq
}

/// Every batch of `device` on chain, in sequence order.
pub fn anchored_batches(net: &Network, device: &str) -> Vec<BatchInfo> {
    let mut all: Vec<BatchInfo> = Vec::new();
    loop {
        let page: Page<BatchInfo> = net
            .query(
                &net.contracts.anchors,
                &AnchorsQuery::Batches {
                    device_id: device.to_string(),
                    start_after: all.last().map(|b| b.last_seq),
                    limit: Some(100),
                },
            )
            .expect("batches query");
        let done = page.items.is_empty();
        all.extend(page.items);
        if done {
            return all;
        }
    }
}

/// The key of a keyring account, from the mnemonic chain.sh kept.
pub fn keyring_signer(net: &Network, name: &str) -> Signer {
    let path = net
        .keyring_dir
        .join("logs")
        .join(format!("key-{name}.json"));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("key file")).expect("json");
    let phrase = json["mnemonic"].as_str().expect("mnemonic");
    Signer::from_mnemonic(phrase, WASM_PREFIX).expect("signer")
}

/// The relayer's chain key is also the custodian that records accesses.
pub fn admit_relayer_as_custodian(net: &Network) {
    let relayer = net.addr("relayer");
    let member: Option<Value> = net
        .query(
            &net.contracts.consent,
            &consent::QueryMsg::Member {
                role: ConsentRole::Custodian,
                address: relayer.clone(),
            },
        )
        .expect("member query");
    if member.is_none() {
        net.execute(
            "consortium",
            &net.contracts.consent,
            &consent::ExecuteMsg::AdmitMember {
                role: ConsentRole::Custodian,
                address: relayer,
            },
        )
        .expect_ok("admit the relayer as custodian");
    }
}

/// Waits until the relayer has recorded everything it owes the chain.
pub fn outbox_drained(r: &Relayer) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = r.get("/v1/status");
        if s["outbox"]["queued"] == 0 && s["outbox"]["in_flight"] == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not drain: {s}; log: {}",
            r.log_tail()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Key `patient` grants `grantee` (not research) `scopes` of data measured in `from..=to` for
/// `purpose`, for `for_secs` from now; the grant's id.
pub fn grant_by(
    net: &Network,
    patient: &str,
    grantee: &str,
    scopes: &[diachain_std::DataScope],
    purpose: diachain_std::Purpose,
    (from, to): (u64, u64),
    for_secs: u64,
) -> u64 {
    let (_, now) = net.status().expect("status");
    let ts = cosmwasm_std::Timestamp::from_seconds;
    let tx = net
        .execute(
            patient,
            &net.contracts.consent,
            &consent::ExecuteMsg::Grant {
                patient: None,
                grantee: grantee.to_string(),
                scopes: scopes.to_vec(),
                purpose,
                study_id: None,
                data_from: ts(from),
                data_to: ts(to),
                expires: consent::Expiry::AtTime(ts(now + for_secs)),
            },
        )
        .expect_ok("grant");
    tx.attr("wasm", "grant_id")
        .expect("grant_id")
        .parse()
        .expect("a grant id")
}
