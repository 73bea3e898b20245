//! The real `diachain-relayer` binary: config file < environment < flags, `serve` over a
//! loopback socket, graceful shutdown on SIGTERM, then `status` and `export-proof` on the
//! store it left, and a master key beside the store refused.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use diachain_relayer_testkit::http::Client;
use diachain_relayer_testkit::{self as testkit, body, ANCHORS, CHAIN_ID, DAY0, PATIENT};
use diachain_relayer_types::proof::ReadingProof;
use diachain_std::merkle::verify_inclusion;
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;

const BIN: &str = env!("CARGO_BIN_EXE_diachain-relayer");
const DEV: &str = "cgm-binary-test-0001";

fn relayer(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DIACHAIN_RELAYER_MASTER_KEY")
        .env("DIACHAIN_RELAYER_CONFIG", dir.join("relayer.toml"))
        .env(
            "DIACHAIN_RELAYER_MASTER_KEY_FILE",
            dir.join("keys/master.key"),
        );
    cmd
}

fn setup(dir: &Path, key: &TestKey) {
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let out = Command::new(BIN)
        .args(["generate-master-key", "--out"])
        .arg(dir.join("keys/master.key"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let registry: HashMap<&str, _> = [(DEV, testkit::device_record(key, Some(PATIENT)))].into();
    std::fs::write(
        dir.join("registry.json"),
        serde_json::to_vec(&registry).unwrap(),
    )
    .unwrap();
    // The file names a wrong chain id and port; the environment and a flag override them.
    let toml = format!(
        "[store]\npath = {:?}\n[server]\nlisten = \"127.0.0.1:1\"\n[chain]\nchain_id = \"wrong-chain\"\nanchors_contract = {ANCHORS:?}\n[registry]\nfile = {:?}\n[log]\nformat = \"json\"\n",
        dir.join("data/relayer.redb"),
        dir.join("registry.json"),
    );
    std::fs::write(dir.join("relayer.toml"), toml).unwrap();
}

/// Starts `serve`, returns it and the address it logged.
fn start(dir: &Path) -> (Child, std::net::SocketAddr) {
    let mut child = relayer(dir, &["serve", "--listen", "127.0.0.1:0"])
        .env("DIACHAIN_RELAYER_CHAIN_ID", CHAIN_ID)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("serve logs its address").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
        if let Some(a) = v["address"].as_str() {
            break a.parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

#[test]
fn serve_ingests_over_loopback_stops_on_sigterm_and_status_and_export_proof_read_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let key = TestKey::new(KeyAlgorithm::Secp256r1, 0x33);
    setup(dir.path(), &key);
    let (mut child, addr) = start(dir.path());
    let batch = testkit::batch(&key, DEV, 1, 12, DAY0);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut client = Client::connect(addr).await.unwrap();
        let (status, answer) = client
            .post("/v1/batches", body(&batch).into())
            .await
            .unwrap();
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
        let (status, health) = client.get("/healthz").await.unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&health));
        let (_, counts) = client.get("/v1/status").await.unwrap();
        let counts: serde_json::Value = serde_json::from_slice(&counts).unwrap();
        assert_eq!(counts["pending"], 1);
    });
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(child.wait().unwrap().success(), "SIGTERM is a clean stop");

    let out = relayer(dir.path(), &["status"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts["pending"], 1);

    let out = relayer(dir.path(), &["export-proof", "--device", DEV, "--seq", "5"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let proof: ReadingProof = serde_json::from_slice(&out.stdout).unwrap();
    let reading = proof.reading.to_reading().unwrap();
    assert_eq!(reading, batch.readings[4]);
    let leaf = reading.leaf_hash().unwrap();
    let path: Vec<[u8; 32]> = proof
        .path
        .iter()
        .map(|p| p.as_slice().try_into().unwrap())
        .collect();
    let root: [u8; 32] = proof.header.root.as_slice().try_into().unwrap();
    assert!(verify_inclusion(
        &leaf,
        proof.index,
        proof.tree_size,
        &path,
        &root
    ));
    assert_eq!(proof.header, batch.header);
}

#[test]
fn a_master_key_file_beside_the_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    setup(dir.path(), &key);
    std::fs::copy(
        dir.path().join("keys/master.key"),
        dir.path().join("data/master.key"),
    )
    .unwrap();
    let out = relayer(dir.path(), &["status"])
        .env(
            "DIACHAIN_RELAYER_MASTER_KEY_FILE",
            dir.path().join("data/master.key"),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("beside the store"));
}

#[test]
fn a_wrong_master_key_makes_status_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    setup(dir.path(), &key);
    assert!(relayer(dir.path(), &["status"])
        .output()
        .unwrap()
        .status
        .success());
    let out = relayer(dir.path(), &["status"])
        .env("DIACHAIN_RELAYER_MASTER_KEY", "11".repeat(32))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the master key does not open this store"),
        "{stderr}"
    );
}
