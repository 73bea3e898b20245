//! Gas before and after the suite's codes are pinned, from real transactions.
//!
//! wasmd charges 60,000 SDK gas for each load of a contract instance, and 2,000 instead when the
//! code is pinned (kept in every node's memory) or when a contract of the same code already ran
//! in the transaction (`x/wasm/types/gas_register.go`, `checkDiscountEligibility` in
//! `x/wasm/keeper/keeper.go`). So pinning saves 58,000 gas per distinct code a transaction
//! loads, whatever it carries. An anchoring transaction loads three: reading-anchors (the
//! execute), device-registry (its one `AnchoringInfo` query) and data-union (the listener hook).
//!
//! [`run`] measures the same workload twice on the same devices — hourly 12-reading ed25519
//! batches of devices that have anchored before, 1, 100 and 400 of them per transaction, and
//! three single-message calls (register a device, bind it, grant a clinician access; made once
//! before, unmeasured) — first with the codes as deployed, then again after
//! `scripts/pin-codes.sh` pinned all four through a governance proposal.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use cosmwasm_std::Timestamp;
use diachain_std::consent::{self, Expiry};
use diachain_std::device::{DeviceKind, KeyAlgorithm, KeyCustody};
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::{self, NewDevice};
use diachain_std::testing::TestKey;
use diachain_std::{DataScope, Domain, Purpose};

use crate::bench::{self, anchor_once, fmt_int, BenchDevice, Measure, SetupCost};
use crate::{derived_address, repo_root, run_tag, Exec, Network, TxResult, DEFAULT_GAS_LIMIT};

/// What wasmd charges per contract load: unpinned, pinned (`gas_register.go`).
pub const INSTANCE_COST: u64 = 60_000;
pub const INSTANCE_COST_PINNED: u64 = 2_000;
/// Devices of the measurement (the largest packing measured).
const DEVICES: usize = 400;
/// Hourly batches of a 5-minute CGM.
const READINGS: u32 = 12;
/// Batches per transaction measured.
const PACKINGS: [usize; 3] = [1, 100, DEVICES];

/// One single-message call of a phase.
#[derive(Clone, Debug)]
pub struct Call {
    pub step: &'static str,
    pub message: &'static str,
    pub signer: &'static str,
    pub gas_used: u64,
    pub tx_bytes: usize,
    pub ok: bool,
    pub raw_log: String,
}

/// The workload measured once.
#[derive(Clone, Debug)]
pub struct Phase {
    pub anchoring: Vec<Measure>,
    pub calls: Vec<Call>,
}

/// The measurement: before and after pinning.
#[derive(Clone, Debug)]
pub struct PinReport {
    /// The code ids pinned (the deployment's four).
    pub code_ids: Vec<u64>,
    pub unpinned: Phase,
    pub pinned: Phase,
    /// How long `scripts/pin-codes.sh` took, proposal to confirmed pins.
    pub pin_seconds: u64,
}

/// The deployment's code ids, from `deployments/<chain-id>.json`.
pub fn deployed_code_ids(net: &Network) -> Vec<u64> {
    let path = repo_root()
        .join("deployments")
        .join(format!("{}.json", net.chain_id));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let dep: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ids: Vec<u64> = dep["contracts"]
        .as_object()
        .unwrap_or_else(|| panic!("{} has no contracts", path.display()))
        .values()
        .map(|c| {
            c["code_id"]
                .as_u64()
                .unwrap_or_else(|| panic!("{}: a contract without code_id", path.display()))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Pins `code_ids` through the chain's governance with `scripts/pin-codes.sh` (which fails
/// unless the proposal passed and the codes are pinned); returns how long it took, in seconds.
pub fn pin_by_proposal(net: &Network, code_ids: &[u64]) -> u64 {
    let started = Instant::now();
    let out = Command::new("bash")
        .arg(repo_root().join("scripts/pin-codes.sh"))
        .args(["--chain-id", &net.chain_id])
        .args(code_ids.iter().map(u64::to_string))
        .output()
        .expect("run scripts/pin-codes.sh");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pin-codes.sh failed: {log}");
    eprint!("{log}");
    started.elapsed().as_secs()
}

/// The code ids pinned on the network now (`wasmd q wasm pinned`).
pub fn pinned_code_ids(net: &Network) -> Vec<u64> {
    let out = Command::new(&net.wasmd)
        .args([
            "query", "wasm", "pinned", "--limit", "1000", "--output", "json",
        ])
        .args(["--node", &net.node])
        .output()
        .expect("run wasmd query wasm pinned");
    assert!(
        out.status.success(),
        "wasmd query wasm pinned failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("pinned codes JSON");
    v["code_ids"]
        .as_array()
        .expect("code_ids")
        .iter()
        .map(|id| id.as_str().and_then(|s| s.parse().ok()).expect("a code id"))
        .collect()
}

/// Measures the workload unpinned, pins the deployment's codes by proposal, measures it again.
/// Refuses to start if a code is pinned already (the first phase would not be unpinned).
pub fn run(net: &Network) -> PinReport {
    let code_ids = deployed_code_ids(net);
    let already: Vec<u64> = pinned_code_ids(net)
        .into_iter()
        .filter(|id| code_ids.contains(id))
        .collect();
    assert!(
        already.is_empty(),
        "codes {already:?} are pinned already: unpin them first (scripts/pin-codes.sh --unpin \
         --chain-id {} ...)",
        net.chain_id
    );
    let mut setup = SetupCost::default();
    let mut devices = bench::setup_devices(net, KeyAlgorithm::Ed25519, DEVICES, &mut setup);
    bench::start_data_day(net, &mut [&mut devices]);
    // Each device's first batch creates its cursor and coverage entries: not measured.
    for chunk in devices.chunks_mut(200) {
        let m = anchor_once(net, chunk, READINGS, "pinning: first batch of each device");
        assert!(m.ok, "first anchoring failed: {}", m.raw_log);
    }
    let tag = run_tag();
    // The calls once before measuring, so that both phases change the same state (a patient's
    // first bound device writes more than the next).
    calls(net, &format!("{tag}w"));
    let unpinned = phase(net, &mut devices, &format!("{tag}u"), "unpinned");
    let pin_seconds = pin_by_proposal(net, &code_ids);
    let pinned = phase(net, &mut devices, &format!("{tag}p"), "pinned");
    PinReport {
        code_ids,
        unpinned,
        pinned,
        pin_seconds,
    }
}

/// The workload once: anchoring at each packing, then the three calls (a device of id
/// `pin-<suffix>`, so that both phases send messages of the same size).
fn phase(net: &Network, devices: &mut [BenchDevice], suffix: &str, label: &str) -> Phase {
    let anchoring = PACKINGS
        .iter()
        .map(|&k| {
            let m = anchor_once(
                net,
                &mut devices[..k],
                READINGS,
                &format!("{label}: batches per tx"),
            );
            assert!(m.ok, "{label} anchoring failed: {}", m.raw_log);
            m
        })
        .collect();
    Phase {
        anchoring,
        calls: calls(net, suffix),
    }
}

fn call(step: &'static str, message: &'static str, signer: &'static str, tx: TxResult) -> Call {
    eprintln!("  {step}: ok={} gas_used {}", tx.ok(), tx.gas_used);
    assert!(tx.ok(), "{step} failed: {}", tx.raw_log);
    Call {
        step,
        message,
        signer,
        gas_used: tx.gas_used,
        tx_bytes: tx.tx_bytes,
        ok: tx.ok(),
        raw_log: tx.raw_log,
    }
}

/// A manufacturer registers one CGM, the patient binds it, the patient grants a clinician
/// (a derived address) treatment access to a day of glucose data.
fn calls(net: &Network, suffix: &str) -> Vec<Call> {
    let c = &net.contracts;
    let id = format!("pin-{suffix}");
    let key = TestKey::new(KeyAlgorithm::Ed25519, 77);
    let register = net.execute(
        "manufacturer",
        &c.registry,
        &registry::ExecuteMsg::RegisterDevices {
            devices: vec![NewDevice {
                id: id.clone(),
                kind: DeviceKind::Cgm,
                model: "bench-cgm".into(),
                public_key: key.public_key(),
                key_custody: KeyCustody::Device,
            }],
        },
    );
    let register = call(
        "register 1 device",
        "RegisterDevices",
        "manufacturer",
        register,
    );
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.registry,
    };
    let patient = net.addr("patient");
    let proof = key.sign(&bind_sign_bytes(&domain, &id, &patient, 0).expect("bind sign bytes"));
    let bind = net.execute(
        "patient",
        &c.registry,
        &registry::ExecuteMsg::BindDevice {
            device_id: id.clone(),
            patient: None,
            signature: proof,
        },
    );
    let bind = call("bind it", "BindDevice", "patient", bind);
    let (_, now) = net.status().expect("status");
    let day = now / 86_400;
    let grant = net.send(
        "patient",
        &[Exec::new(
            &c.consent,
            &consent::ExecuteMsg::Grant {
                patient: None,
                grantee: derived_address(&format!("pin-clinician-{suffix}")),
                scopes: vec![DataScope::Glucose],
                purpose: Purpose::Treatment,
                study_id: None,
                data_from: Timestamp::from_seconds(day * 86_400),
                data_to: Timestamp::from_seconds(day * 86_400 + 86_399),
                expires: Expiry::AtTime(Timestamp::from_seconds(now + 30 * 86_400)),
            },
        )],
        DEFAULT_GAS_LIMIT,
    );
    let grant = call(
        "grant a clinician glucose access",
        "Grant",
        "patient",
        grant,
    );
    vec![register, bind, grant]
}

/// Contract loads a saving stands for (58,000 gas each), and what is left over.
fn loads(saved: i64) -> (i64, i64) {
    let per = (INSTANCE_COST - INSTANCE_COST_PINNED) as i64;
    let n = (saved as f64 / per as f64).round() as i64;
    (n, saved - n * per)
}

fn saving_cells(before: u64, after: u64) -> String {
    let saved = before as i64 - after as i64;
    let (n, rest) = loads(saved);
    format!(
        "{}{} | {:.1} % | {n}{}",
        if saved < 0 { "−" } else { "" },
        fmt_int(saved.unsigned_abs()),
        100.0 * saved as f64 / before as f64,
        if rest == 0 {
            String::new()
        } else {
            format!(" ({rest:+} gas besides)")
        }
    )
}

impl PinReport {
    /// The report's section (Markdown).
    pub fn markdown(&self, command: &str) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "\n## Pinned code: anchoring before and after\n\n\
             The same workload measured twice on the same {DEVICES} ed25519 CGMs (each its own \
             patient, each anchored before: steady state): first with the codes as deployed, \
             then after `scripts/pin-codes.sh` pinned codes {} through the chain's governance \
             (an expedited proposal carrying `MsgPinCodes`, every validator voting yes; \
             {} s from submission to the confirmed pins). wasmd charges 60,000 gas per \
             contract load, 2,000 for a pinned code or a code that already ran in the same \
             transaction: the saving is 58,000 gas per distinct code a transaction loads. \
             Produced by `{command}`.\n",
            self.code_ids
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            self.pin_seconds
        );
        md.push_str(
            "| batches / tx (12 readings each) | unpinned gas_used | pinned gas_used | saved | saved % | contract loads saved (58,000 each) | gas / reading unpinned | gas / reading pinned |\n\
             | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        );
        for (u, p) in self.unpinned.anchoring.iter().zip(&self.pinned.anchoring) {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.0} | {:.0} |",
                u.batches,
                fmt_int(u.gas_used),
                fmt_int(p.gas_used),
                saving_cells(u.gas_used, p.gas_used),
                u.per_reading(),
                p.per_reading()
            );
        }
        md.push_str(
            "\n| call | execute message | signer | unpinned gas_used | pinned gas_used | saved | saved % | contract loads saved |\n\
             | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
        );
        for (u, p) in self.unpinned.calls.iter().zip(&self.pinned.calls) {
            let _ = writeln!(
                md,
                "| {} | `{}` | {} | {} | {} | {} |",
                u.step,
                u.message,
                u.signer,
                fmt_int(u.gas_used),
                fmt_int(p.gas_used),
                saving_cells(u.gas_used, p.gas_used)
            );
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savings_count_contract_loads_and_what_is_left() {
        assert_eq!(loads(174_000), (3, 0));
        assert_eq!(loads(116_030), (2, 30));
        assert_eq!(loads(57_990), (1, -10));
        assert_eq!(loads(0), (0, 0));
        assert_eq!(saving_cells(4_769_666, 4_595_666), "174,000 | 3.6 % | 3");
        assert_eq!(
            saving_cells(200_000, 141_990),
            "58,010 | 29.0 % | 1 (+10 gas besides)"
        );
        assert_eq!(
            saving_cells(100_000, 100_500),
            "−500 | -0.5 % | 0 (-500 gas besides)"
        );
    }
}
