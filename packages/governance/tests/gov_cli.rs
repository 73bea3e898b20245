//! The binary's refusals: one line on stderr, exit 2 for bad usage, 1 for a refusal, and with
//! `--json` one JSON object on stdout. (Its integration test also makes `cargo test --workspace
//! --no-run` build `target/debug/diachain-gov`, which scripts/gov.sh then runs without another
//! build.)

use std::process::Command;

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn gov(args: &[&str], dir: &std::path::Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_diachain-gov"))
        .args(args)
        .current_dir(dir)
        .env_remove("DIACHAIN_CHAIN_ID")
        .output()
        .expect("run diachain-gov");
    Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).to_string(),
        err: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn one_line(err: &str) -> &str {
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err}");
    err.trim_end()
}

#[test]
fn bad_arguments_are_one_sentence_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let r = gov(&["vote", "3", "maybe"], dir.path());
    assert_eq!(r.code, 2);
    assert!(
        one_line(&r.err).starts_with("gov: invalid value 'maybe'"),
        "{}",
        r.err
    );
    let r = gov(&["propose", "admit-toaster", "wasm1x"], dir.path());
    assert_eq!(r.code, 2);
    assert!(
        one_line(&r.err).contains("unrecognized subcommand 'admit-toaster'"),
        "{}",
        r.err
    );
    let r = gov(&["--help"], dir.path());
    assert_eq!(r.code, 0);
    assert!(r.out.contains("propose"));
}

#[test]
fn no_network_and_no_deployment_are_usage_errors_and_json_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let r = gov(&["members", "--chain-id", "nowhere-1"], dir.path());
    assert_eq!(r.code, 2);
    assert_eq!(
        one_line(&r.err),
        "gov: no --node given and no local network nowhere-1 (start one: scripts/chain.sh start --chain-id nowhere-1)"
    );
    let r = gov(
        &[
            "--node",
            "http://127.0.0.1:1",
            "--gas-prices",
            "0.025udia",
            "list",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(r.code, 2);
    assert!(one_line(&r.err).starts_with("gov: cannot read deployments/diachain-local-1.json"));
    let v: serde_json::Value = serde_json::from_str(r.out.trim()).unwrap();
    assert_eq!(v["exit_code"], 2);
    assert!(v["error"].as_str().unwrap().contains("deploy first"));
}

#[test]
fn a_single_key_deployment_is_refused_and_an_unreachable_node_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deployments")).unwrap();
    let file = serde_json::json!({"chain_id": "t-1", "contracts": {}});
    std::fs::write(dir.path().join("deployments/t-1.json"), file.to_string()).unwrap();
    let args = [
        "--node",
        "http://127.0.0.1:1",
        "--gas-prices",
        "0.025udia",
        "--chain-id",
        "t-1",
    ];
    let r = gov(&[&args[..], &["members"]].concat(), dir.path());
    assert_eq!(r.code, 1);
    assert!(
        one_line(&r.err).starts_with("gov: deployments/t-1.json has no governance section"),
        "{}",
        r.err
    );
    let rec =
        |a: &str| serde_json::json!({"code_id": 1, "checksum": "ab", "address": a, "label": "l"});
    let file = serde_json::json!({"chain_id": "t-1", "contracts": {
        "device-registry": rec("wasm1r"), "reading-anchors": rec("wasm1a"),
        "consent": rec("wasm1c"), "data-union": rec("wasm1u")},
        "governance": {"group": rec("wasm1g"), "multisig": rec("wasm1m"),
        "members": [], "threshold": 1, "max_voting_period_secs": 60}});
    std::fs::write(dir.path().join("deployments/t-1.json"), file.to_string()).unwrap();
    let r = gov(&[&args[..], &["show", "1"]].concat(), dir.path());
    assert_eq!(r.code, 1);
    assert!(
        one_line(&r.err).starts_with("gov: node http://127.0.0.1:1: the node does not answer"),
        "{}",
        r.err
    );
}
