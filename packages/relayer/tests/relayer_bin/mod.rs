//! The real `diachain-relayer` binary with a development registry file (no chain): set up a
//! directory, start `serve`, post signed batches, stop it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use diachain_relayer_testkit::http::Client;
use diachain_relayer_testkit::{self as testkit, body, ANCHORS, CHAIN_ID, DAY0, PATIENT};
use diachain_std::testing::{SignedBatch, TestKey};
use diachain_std::KeyAlgorithm;

pub const BIN: &str = env!("CARGO_BIN_EXE_diachain-relayer");

/// A relayer's directory: its master key (outside the store's directory), registry and config.
pub struct Setup {
    pub dir: PathBuf,
    pub store: PathBuf,
    pub key: TestKey,
    pub devices: Vec<String>,
}

pub fn device(i: usize) -> String {
    format!("cgm-backup-test-{i:04}")
}

impl Setup {
    /// `devices` devices of the patient; the store at `store`.
    pub fn new(dir: &Path, store: &Path, devices: usize) -> Self {
        let key = TestKey::new(KeyAlgorithm::Ed25519, 0x42);
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        let out = Command::new(BIN)
            .args(["generate-master-key", "--out"])
            .arg(dir.join("keys/master.key"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let devices: Vec<String> = (0..devices).map(device).collect();
        let registry: HashMap<&str, _> = devices
            .iter()
            .map(|d| (d.as_str(), testkit::device_record(&key, Some(PATIENT))))
            .collect();
        std::fs::write(
            dir.join("registry.json"),
            serde_json::to_vec(&registry).unwrap(),
        )
        .unwrap();
        let toml = format!(
            "[chain]\nchain_id = {CHAIN_ID:?}\nanchors_contract = {ANCHORS:?}\n[registry]\nfile = {:?}\n[log]\nformat = \"json\"\n",
            dir.join("registry.json"),
        );
        std::fs::write(dir.join("relayer.toml"), toml).unwrap();
        Setup {
            dir: dir.to_path_buf(),
            store: store.to_path_buf(),
            key,
            devices,
        }
    }

    /// A `diachain-relayer` command on this setup's config, master key and store.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_remove("DIACHAIN_RELAYER_MASTER_KEY")
            .env("DIACHAIN_RELAYER_CONFIG", self.dir.join("relayer.toml"))
            .env(
                "DIACHAIN_RELAYER_MASTER_KEY_FILE",
                self.dir.join("keys/master.key"),
            )
            .env("DIACHAIN_RELAYER_STORE_PATH", &self.store);
        cmd
    }

    /// Runs a command to its end; its stdout as JSON, or a panic with its stderr.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn output(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Starts `serve` (with `extra` flags); returns it and the address it logged.
    pub fn serve(&self, extra: &[&str]) -> (Child, SocketAddr) {
        let (child, addr, _) = self.serve_logged(extra);
        (child, addr)
    }

    /// As [`Setup::serve`], with the log lines it writes from then on.
    pub fn serve_logged(&self, extra: &[&str]) -> (Child, SocketAddr, Logs) {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = self.cmd(&args).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines.next().expect("serve logs its address").unwrap();
            let v: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
            if let Some(a) = v["address"].as_str() {
                break a.parse().unwrap();
            }
        };
        let logs = Logs::default();
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.0.lock().unwrap().push(line);
            }
        });
        (child, addr, logs)
    }

    /// Batch number `n` of device `i`: 12 readings, an hour after the previous one.
    pub fn batch(&self, i: usize, n: u64) -> SignedBatch {
        testkit::batch(
            &self.key,
            &self.devices[i],
            1 + 12 * n,
            12,
            DAY0 + n * 3_600,
        )
    }
}

/// A running relayer's log lines (JSON).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<String>>>);

impl Logs {
    /// Whether a line's message contains `text`.
    pub fn has(&self, text: &str) -> bool {
        self.0.lock().unwrap().iter().any(|l| l.contains(text))
    }
}

/// Posts a batch: its status and JSON answer.
pub async fn post(client: &mut Client, b: &SignedBatch) -> (u16, serde_json::Value) {
    let (status, answer) = client.post("/v1/batches", body(b).into()).await.unwrap();
    (status, serde_json::from_slice(&answer).unwrap_or_default())
}

pub async fn get(client: &mut Client, path: &str) -> (u16, serde_json::Value) {
    let (status, answer) = client.get(path).await.unwrap();
    (status, serde_json::from_slice(&answer).unwrap_or_default())
}

/// Stops `serve` with SIGTERM and checks that it stopped cleanly.
pub fn stop(mut child: Child) {
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(child.wait().unwrap().success(), "SIGTERM is a clean stop");
}
