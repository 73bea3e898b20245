//! The `verify` and `simulate` subcommands of the real binary, without a chain: usage and
//! connection errors exit 2 (a proof that does not hold exits 1; see `src/verify_tests.rs`),
//! and both are documented in `--help`.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use diachain_relayer_core::store::AnchorState;
use diachain_relayer_testkit::{batch, request, DAY0};
use diachain_relayer_types::proof::ReadingProof;
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;

const BIN: &str = env!("CARGO_BIN_EXE_diachain-relayer");

fn proof_json() -> String {
    let b = batch(
        &TestKey::new(KeyAlgorithm::Ed25519, 3),
        "cgm-cli-0001",
        1,
        4,
        DAY0,
    );
    let req = request(&b);
    let proof = ReadingProof {
        device_id: "cgm-cli-0001".into(),
        seq: 2,
        reading: req.readings[1].clone(),
        leaf_hash: b.leaves[1].to_vec().into(),
        index: 1,
        tree_size: 4,
        path: b.proof(2).iter().map(|h| h.to_vec().into()).collect(),
        header: b.header.clone(),
        signature: b.signature.clone(),
        batch_id: 1,
        anchoring: AnchorState::Pending,
        attestation: Default::default(),
    };
    serde_json::to_string(&proof).unwrap()
}

fn verify(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("verify")
        .args(args)
        .env_remove("DIACHAIN_NODE")
        .env_remove("DIACHAIN_RELAYER_ANCHORS_CONTRACT")
        .env_remove("DIACHAIN_RELAYER_CHAIN_ID")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn verify_without_the_anchors_contract_exits_2_naming_it() {
    let o = verify(&["--node", "http://127.0.0.1:9"], &proof_json());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--anchors-contract"), "{}", stderr(&o));
}

#[test]
fn verify_of_something_that_is_not_a_proof_exits_2() {
    let o = verify(
        &[
            "--node",
            "http://127.0.0.1:9",
            "--anchors-contract",
            "wasm1x",
            "--proof",
            "-",
        ],
        "{\"not\": \"a proof\"}",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a reading proof"), "{}", stderr(&o));
}

#[test]
fn verify_with_an_unreachable_node_exits_2_not_1() {
    let o = verify(
        &[
            "--node",
            "http://127.0.0.1:9",
            "--anchors-contract",
            "wasm1x",
        ],
        &proof_json(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot use the node"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn verify_and_simulate_are_documented_in_help() {
    let top = Command::new(BIN).arg("--help").output().unwrap();
    let top = String::from_utf8_lossy(&top.stdout);
    assert!(top.contains("verify") && top.contains("simulate"), "{top}");
    let v = Command::new(BIN)
        .args(["verify", "--help"])
        .output()
        .unwrap();
    let v = String::from_utf8_lossy(&v.stdout);
    for flag in ["--proof", "--node", "--chain-id", "--anchors-contract"] {
        assert!(v.contains(flag), "{flag}: {v}");
    }
    // The simulator is its own binary now (its flags: diachain-simulate's tests/help.rs); the
    // old command says where it went, with the arguments it was given.
    let s = Command::new(BIN)
        .args(["simulate", "--devices", "3", "--help"])
        .output()
        .unwrap();
    assert_eq!(s.status.code(), Some(1));
    let err = String::from_utf8_lossy(&s.stderr);
    assert!(
        err.contains("diachain-simulate --devices 3 --help"),
        "{err}"
    );
}
