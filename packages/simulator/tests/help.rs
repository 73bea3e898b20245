//! `diachain-simulate --help` documents every flag the main job, the benchmark and the e2e
//! tests use (they were `diachain-relayer simulate`'s).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_diachain-simulate");

#[test]
fn every_flag_of_the_simulator_is_documented_in_help() {
    let s = Command::new(BIN).arg("--help").output().unwrap();
    let s = String::from_utf8_lossy(&s.stdout);
    for flag in [
        "--seed",
        "--devices",
        "--kind",
        "--p256-share",
        "--patient-mnemonic-file",
        "--manufacturer-mnemonic-file",
        "--interval-secs",
        "--batch-readings",
        "--duration-secs",
        "--batches",
        "--state",
        "--relayer",
        "--pump-share",
        "--pen-share",
        "--event-batch-secs",
        "--acks",
    ] {
        assert!(s.contains(flag), "{flag}: {s}");
    }
}
