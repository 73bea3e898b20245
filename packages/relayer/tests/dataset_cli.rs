//! The `export`, `row-map` and `verify-dataset` subcommands of the real binary, without a chain
//! or a relayer: usage and connection errors of `verify-dataset` exit 2 (a dataset that does not
//! hold exits 1: the e2e test `research_dataset` shows it on a real network), `export` against
//! nothing listening fails with the address in its message, and all three are documented in
//! `--help`.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_diachain-relayer");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("DIACHAIN_RELAYER_NODE")
        .env_remove("DIACHAIN_RELAYER_UNION_CONTRACT")
        .env_remove("DIACHAIN_RELAYER_CONSENT_CONTRACT")
        .env_remove("DIACHAIN_RELAYER_ANCHORS_CONTRACT")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn verify_dataset_without_its_chain_settings_exits_2_naming_the_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.csv");
    std::fs::write(
        &file,
        "participant,study_day,time_utc,scope,kind,value,unit,trend,flags\n",
    )
    .unwrap();
    let f = file.display().to_string();
    let o = run(&["verify-dataset", &f, "--study", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--node"), "{}", stderr(&o));
    let o = run(&[
        "verify-dataset",
        &f,
        "--study",
        "1",
        "--node",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--union-contract"), "{}", stderr(&o));
    let o = run(&[
        "verify-dataset",
        &f,
        "--study",
        "1",
        "--node",
        "http://127.0.0.1:9",
        "--union-contract",
        "wasm1u",
        "--consent-contract",
        "wasm1c",
        "--row-map",
        "m.ndjson",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--anchors-contract"), "{}", stderr(&o));
    // A node that does not answer: a connection error, exit 2.
    let o = run(&[
        "verify-dataset",
        &f,
        "--study",
        "1",
        "--node",
        "http://127.0.0.1:9",
        "--union-contract",
        "wasm1u",
        "--consent-contract",
        "wasm1c",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn export_to_a_relayer_that_is_not_there_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.hex");
    std::fs::write(&key, "11".repeat(32)).unwrap();
    let out = dir.path().join("d.csv");
    let o = run(&[
        "export",
        "--relayer",
        "http://127.0.0.1:9",
        "--study",
        "1",
        "--out",
        &out.display().to_string(),
        "--key-file",
        &key.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("127.0.0.1:9"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
    let o = run(&[
        "export",
        "--relayer",
        "http://127.0.0.1:9",
        "--study",
        "1",
        "--out",
        "x",
        "--format",
        "xlsx",
        "--key-file",
        "k",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a bad format is a usage error: {}",
        stderr(&o)
    );
}

#[test]
fn help_lists_the_dataset_commands() {
    let o = run(&["--help"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for cmd in ["export", "row-map", "verify-dataset"] {
        assert!(text.contains(cmd), "--help lacks {cmd}: {text}");
    }
}
