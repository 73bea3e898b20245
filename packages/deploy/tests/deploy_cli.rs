//! The binary's refusals: one line, non-zero exit, nothing written. (Its integration test also
//! makes `cargo test --workspace --no-run` build `target/debug/diachain-deploy`, which
//! scripts/deploy.sh then runs without another build.)

use std::process::Command;

fn deploy(args: &[&str], dir: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_diachain-deploy"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run diachain-deploy");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    (out.status.code().unwrap_or(-1), err)
}

fn one_line(err: &str) -> &str {
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err}");
    err.trim_end()
}

#[test]
fn a_bad_flag_is_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = deploy(&["--bogus"], dir.path());
    assert_eq!(code, 2);
    assert!(
        one_line(&err).starts_with("deploy: unexpected argument '--bogus'"),
        "{err}"
    );
    let (code, err) = deploy(&["--fee-bps", "lots"], dir.path());
    assert_eq!(code, 2);
    assert!(one_line(&err).contains("'lots'"), "{err}");
}

#[test]
fn no_local_network_and_no_node_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = deploy(&["--chain-id", "nowhere-1"], dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        one_line(&err),
        "deploy: no --node given and no local network nowhere-1 (start one: scripts/chain.sh start --chain-id nowhere-1)"
    );
}

#[test]
fn a_missing_wasm_is_refused_before_the_chain_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("wasm")).unwrap();
    let args = [
        "--node",
        "http://127.0.0.1:1",
        "--gas-prices",
        "0.025udia",
        "--key-file",
        "k",
        "--artifacts",
        "wasm",
    ];
    let (code, err) = deploy(&args, dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        one_line(&err),
        "deploy: wasm/device-registry.wasm is missing (run scripts/build-wasm.sh)"
    );
    assert!(!dir.path().join("deployments").exists());
}

#[test]
fn a_node_that_does_not_answer_is_refused_and_the_file_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("wasm");
    std::fs::create_dir(&wasm).unwrap();
    for c in [
        "device-registry",
        "reading-anchors",
        "consent",
        "data-union",
    ] {
        std::fs::write(wasm.join(format!("{c}.wasm")), b"\0asm").unwrap();
    }
    std::fs::write(dir.path().join("k"), format!("{}\n", "07".repeat(32))).unwrap();
    std::fs::create_dir(dir.path().join("deployments")).unwrap();
    let file = dir.path().join("deployments/t-1.json");
    std::fs::write(&file, "{\"before\": true}").unwrap();
    let args = [
        "--node",
        "http://127.0.0.1:1",
        "--gas-prices",
        "0.025udia",
        "--key-file",
        "k",
        "--artifacts",
        "wasm",
        "--chain-id",
        "t-1",
    ];
    let (code, err) = deploy(&args, dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        one_line(&err),
        "deploy: node http://127.0.0.1:1 does not answer (is the network running? scripts/chain.sh status)"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\"before\": true}"
    );
}
