//! Four validators under anchoring load: gateways stream to the relayer binary while validators
//! are killed (SIGKILL, `scripts/chain.sh kill-validator`). With one of four down, blocks go on
//! and the relayer keeps anchoring; with two down the chain halts (no validator set above 2/3),
//! the relayer still acknowledges every batch and queues it (pending grows, nothing fails);
//! once both are started again (`start-validator`) the chain resumes and the queue drains.
//! Then every acknowledged batch is on chain exactly once, as the very range the gateway sent:
//! each gateway's batches tile its sequence from 1 with no gap or overlap.
//!
//! The figures (time halted, restart to drained, batches queued) go to
//! `.chain/<chain-id>/validator-faults.json` for docs/reliability.md. Skips unless
//! `DIACHAIN_E2E_CHAIN_ID` names a running network of four validators with the suite deployed
//! (scripts/e2e.sh runs it at the end of its consortium phase, `--orgs 3 --validators 4`).

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diachain_e2e::relayer::{chain, gateways, http, request, work_dir, Gateway, Relayer};
use diachain_e2e::{repo_root, run_tag, Network};
use diachain_std::anchors::{self, BatchInfo};
use diachain_std::pagination::Page;
use diachain_std::testing::signed_batch;
use diachain_std::Domain;
use serde_json::json;

/// The validators killed: never node 0, whose RPC the relayer and the tests use.
const FIRST_DOWN: &str = "3";
const SECOND_DOWN: &str = "2";
/// Readings per batch, a second apart; a round of batches every `ROUND` (real time, so the
/// readings never run ahead of the chain's clock).
const READINGS: u32 = 2;
const ROUND: Duration = Duration::from_secs(2);

fn chain_sh(net: &Network, args: &[&str]) {
    let status = Command::new("bash")
        .current_dir(repo_root())
        .arg("scripts/chain.sh")
        .args(args)
        .args(["--chain-id", &net.chain_id])
        .status()
        .expect("chain.sh");
    assert!(status.success(), "chain.sh {args:?}");
}

fn height(net: &Network) -> u64 {
    net.status().expect("node 0 answers").0
}

/// Waits until `pred` holds (polling every 250 ms), or panics with `what` after `within`.
fn wait_for(within: Duration, what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !pred() {
        assert!(Instant::now() < deadline, "{what} within {within:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The gateways posting in the background: what the relayer acknowledged, and any other answer.
struct Stream {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(String, u64, u64)>>>,
    refused: Arc<Mutex<Vec<String>>>,
    handle: Option<JoinHandle<Vec<Gateway>>>,
}

impl Stream {
    fn start(net: &Network, addr: &str, mut gws: Vec<Gateway>) -> Stream {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let (chain_id, contract) = (net.chain_id.clone(), net.contracts.anchors.clone());
        let addr = addr.to_string();
        let (s, a, r) = (stop.clone(), acked.clone(), refused.clone());
        let handle = std::thread::spawn(move || {
            let domain = Domain {
                chain_id: &chain_id,
                contract: &contract,
            };
            let started = Instant::now();
            let mut round = 0u32;
            while !s.load(Ordering::SeqCst) {
                for g in gws.iter_mut() {
                    let b =
                        signed_batch(&g.key, &g.id, g.next_seq, READINGS, g.next_time, 1, &domain);
                    let body = serde_json::to_vec(&request(&b)).expect("json");
                    match http(&addr, "POST", "/v1/batches", &body) {
                        Ok((201 | 200, _)) => {
                            a.lock().unwrap().push((
                                g.id.clone(),
                                b.header.first_seq,
                                b.header.last_seq,
                            ));
                            g.next_seq += u64::from(READINGS);
                            g.next_time += ROUND.as_secs();
                        }
                        Ok((code, body)) => r.lock().unwrap().push(format!("{code} {body}")),
                        Err(e) => r.lock().unwrap().push(e),
                    }
                }
                round += 1;
                let next = started + ROUND * round;
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            gws
        });
        Stream {
            stop,
            acked,
            refused,
            handle: Some(handle),
        }
    }

    fn acked(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    /// Stops posting; the gateways as they ended.
    fn finish(&mut self) -> Vec<Gateway> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle
            .take()
            .expect("running")
            .join()
            .expect("the gateways' thread")
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Both validators running again at the end, also when the test fails half-way.
struct Restart<'a>(&'a Network, Vec<&'static str>);

impl Drop for Restart<'_> {
    fn drop(&mut self) {
        for node in std::mem::take(&mut self.1) {
            let _ = Command::new("bash")
                .current_dir(repo_root())
                .args(["scripts/chain.sh", "start-validator", node])
                .args(["--chain-id", &self.0.chain_id])
                .status();
        }
    }
}

/// Every batch of `device` on chain, in sequence order.
fn batches(net: &Network, device: &str) -> Vec<BatchInfo> {
    let mut all: Vec<BatchInfo> = Vec::new();
    loop {
        let page: Page<BatchInfo> = net
            .query(
                &net.contracts.anchors,
                &anchors::QueryMsg::Batches {
                    device_id: device.to_string(),
                    start_after: all.last().map(|b| b.last_seq),
                    limit: Some(100),
                },
            )
            .expect("batches query");
        if page.items.is_empty() {
            return all;
        }
        all.extend(page.items);
    }
}

#[test]
#[ignore = "needs a running network of four validators with the suite deployed: scripts/e2e.sh runs it in its consortium phase"]
fn one_validator_of_four_down_the_chain_goes_on_two_down_it_halts_the_relayer_queues_and_everything_is_anchored_once(
) {
    let (net, _g) = chain();
    let env = std::fs::read_to_string(net.keyring_dir.join("network.env")).expect("network.env");
    assert!(
        env.lines().any(|l| l == "DIACHAIN_VALIDATORS=4"),
        "this test needs a network of four validators (scripts/chain.sh start --validators 4)"
    );
    let gws = gateways(&net, &run_tag(), 4, "patient");
    let r = Relayer::start(
        &net,
        &work_dir(&net, "validator-faults"),
        net.relayer_port(0),
        &[],
    );
    let mut stream = Stream::start(&net, &r.addr, gws);
    let anchored = |r: &Relayer| r.counts().2;

    // All four up: batches are anchored as they come.
    wait_for(Duration::from_secs(60), "8 batches anchored", || {
        anchored(&r) >= 8
    });

    // One of four killed: 3 of 4 is above 2/3, blocks go on and so does anchoring.
    chain_sh(&net, &["kill-validator", FIRST_DOWN]);
    let mut restart = Restart(&net, vec![FIRST_DOWN]);
    let (h1, a1) = (height(&net), anchored(&r));
    wait_for(
        Duration::from_secs(60),
        "with one validator down, 5 more blocks and 8 more batches anchored",
        || height(&net) >= h1 + 5 && anchored(&r) >= a1 + 8,
    );

    // Two of four killed: the chain halts.
    chain_sh(&net, &["kill-validator", SECOND_DOWN]);
    let halted_at = Instant::now();
    restart.1.push(SECOND_DOWN);
    let mut last = (height(&net), Instant::now());
    wait_for(
        Duration::from_secs(60),
        "no block for 6 s after the second kill",
        || {
            let h = height(&net);
            if h != last.0 {
                last = (h, Instant::now());
            }
            last.1.elapsed() >= Duration::from_secs(6)
        },
    );
    let halt_height = last.0;
    // Halted, the relayer acknowledges and queues: nothing anchored, nothing failed.
    let (acked0, (pending0, _, anchored0, _)) = (stream.acked(), r.counts());
    std::thread::sleep(Duration::from_secs(16));
    let (pending, in_flight, anchored_halt, failed) = r.counts();
    assert_eq!(
        height(&net),
        halt_height,
        "the chain halted at {halt_height}"
    );
    assert!(
        stream.acked() >= acked0 + 4 * 6,
        "the gateways' batches are still acknowledged: {} then {}",
        acked0,
        stream.acked()
    );
    assert!(
        pending > pending0,
        "the queue grows while halted: {pending0} then {pending}"
    );
    assert_eq!(anchored_halt, anchored0, "nothing is anchored while halted");
    assert_eq!(failed, 0, "no batch failed: {}", r.get("/v1/status"));
    let queued = pending + in_flight;

    // Both started again: the chain resumes; the gateways stop so the queue can drain.
    let restarted_at = Instant::now();
    for node in std::mem::take(&mut restart.1) {
        chain_sh(&net, &["start-validator", node]);
    }
    let gws = stream.finish();
    wait_for(Duration::from_secs(120), "blocks after the restart", || {
        height(&net) > halt_height
    });
    let halted_secs = halted_at.elapsed().as_secs_f64();
    let resumed_after = restarted_at.elapsed().as_secs_f64();
    let counts = r.drained(Duration::from_secs(180));
    let drained_after = restarted_at.elapsed().as_secs_f64();
    assert_eq!(counts.3, 0, "no batch failed: {}", r.get("/v1/status"));

    // The account: every acknowledged batch is on chain once, as sent; nothing else is.
    let refused = stream.refused.lock().unwrap().clone();
    assert!(refused.is_empty(), "batches not acknowledged: {refused:?}");
    let acked: BTreeSet<(String, u64, u64)> =
        stream.acked.lock().unwrap().iter().cloned().collect();
    assert_eq!(acked.len(), stream.acked(), "a batch acknowledged twice");
    let mut on_chain = BTreeSet::new();
    for g in &gws {
        let mut expect = 1;
        for b in batches(&net, &g.id) {
            assert_eq!(
                b.first_seq, expect,
                "{}: a gap or an overlap on chain",
                g.id
            );
            expect = b.last_seq + 1;
            on_chain.insert((g.id.clone(), b.first_seq, b.last_seq));
        }
        assert_eq!(
            expect,
            g.next_seq,
            "{}: sent up to {}",
            g.id,
            g.next_seq - 1
        );
    }
    assert_eq!(on_chain, acked, "on chain exactly what was acknowledged");
    assert_eq!(counts.2, acked.len() as u64, "the relayer's anchored count");

    let figures = json!({
        "validators": 4,
        "gateways": gws.len(),
        "batches_acknowledged": acked.len(),
        "readings_acknowledged": acked.len() as u64 * u64::from(READINGS),
        "batches_anchored": on_chain.len(),
        "batches_failed": counts.3,
        "duplicates": 0,
        "halt_height": halt_height,
        "halted_secs": (halted_secs * 10.0).round() / 10.0,
        "batches_queued_at_restart": queued,
        "restart_to_first_block_secs": (resumed_after * 10.0).round() / 10.0,
        "restart_to_drained_secs": (drained_after * 10.0).round() / 10.0,
    });
    eprintln!("validator faults: {figures}");
    let out = repo_root()
        .join(".chain")
        .join(&net.chain_id)
        .join("validator-faults.json");
    std::fs::write(&out, format!("{figures:#}\n")).expect("write the figures");
}
