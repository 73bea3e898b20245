//! The relayer binary on the real network: ingest → anchored → the exported proof verifies
//! against the chain; SIGKILL while batches are pending and while a transaction is in flight;
//! a chain outage; a device revoked on chain. Skips unless `DIACHAIN_E2E_CHAIN_ID` names a
//! running network with the suite deployed (scripts/e2e.sh).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use diachain_e2e::relayer::{
    chain, chain_cursor, domain, gateways, post_round, simulator_binary, work_dir, Gateway, Relayer,
};
use diachain_e2e::{repo_root, run_tag, Network};
use diachain_std::device::RevocationReason;
use diachain_std::registry;

/// Every gateway's readings up to `last_seq` are anchored on chain, no more.
fn assert_cursors(net: &Network, gws: &[Gateway], last_seq: u64) {
    for g in gws {
        assert_eq!(
            chain_cursor(net, &g.id),
            Some(last_seq),
            "chain cursor of {}",
            g.id
        );
    }
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
}

fn chain_sh(net: &Network, cmd: &str) {
    let env = std::fs::read_to_string(net.keyring_dir.join("network.env")).expect("network.env");
    let port_base = env
        .lines()
        .find_map(|l| l.strip_prefix("DIACHAIN_PORT_BASE="))
        .expect("port base");
    let status = Command::new("bash")
        .current_dir(repo_root())
        .args([
            "scripts/chain.sh",
            cmd,
            "--chain-id",
            &net.chain_id,
            "--port-base",
            port_base,
        ])
        .status()
        .expect("chain.sh");
    assert!(status.success(), "chain.sh {cmd}");
}

/// The network stopped until this is dropped (also when a test fails, so that the tests after
/// it find the network running).
struct ChainDown<'a>(&'a Network);

impl<'a> ChainDown<'a> {
    fn stop(net: &'a Network) -> Self {
        chain_sh(net, "stop");
        ChainDown(net)
    }
}

impl Drop for ChainDown<'_> {
    fn drop(&mut self) {
        chain_sh(self.0, "start");
    }
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn batches_posted_to_the_relayer_are_anchored_and_an_exported_proof_verifies_against_the_chain() {
    let (net, _g) = chain();
    let mut gws = gateways(&net, &run_tag(), 4, "patient");
    let r = Relayer::start(&net, &work_dir(&net, "ingest"), net.relayer_port(0), &[]);
    for _ in 0..3 {
        post_round(&r, &net, &mut gws);
    }
    assert_eq!(r.drained(Duration::from_secs(90)), (0, 0, 12, 0));
    assert_cursors(&net, &gws, 36);
    let m = r.metrics();
    assert_eq!(metric(&m, "diachain_relayer_batches_anchored_total"), 12.0);
    assert_eq!(
        metric(&m, "diachain_relayer_ingest_to_anchor_seconds_count"),
        12.0
    );
    let status = r.get("/v1/status");
    assert!(
        status["anchoring"]["last_anchor"]["height"]
            .as_u64()
            .unwrap()
            > 0,
        "{status}"
    );
    let health = r.get("/healthz");
    assert_eq!(health["status"], "ok", "{health}");

    // Stopped with SIGTERM it exits cleanly; then the operator exports a reading's proof
    // from the store and anyone checks it against the chain, trusting nothing else.
    let mut r = r;
    assert!(r.stop().is_some_and(|s| s.success()), "clean stop");
    let store = [
        "--store-path".to_string(),
        r.dir.join("store/relayer.redb").display().to_string(),
        "--master-key-file".to_string(),
        r.dir.join("master.key").display().to_string(),
    ];
    let mut export: Vec<String> = vec!["export-proof".into()];
    export.extend(store.iter().cloned());
    export.extend([
        "--device".into(),
        gws[1].id.clone(),
        "--seq".into(),
        "17".into(),
    ]);
    let out = Relayer::command(&export.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "export-proof: {out:?}");
    let mut proof: serde_json::Value = serde_json::from_slice(&out.stdout).expect("proof JSON");
    assert_eq!(proof["anchoring"]["state"], "anchored", "{proof}");
    let verify = |proof: &serde_json::Value, name: &str| {
        let file = r.dir.join(name);
        std::fs::write(&file, proof.to_string()).expect("write proof");
        Relayer::command(&[
            "verify",
            "--proof",
            &file.display().to_string(),
            "--node",
            &net.node,
            "--chain-id",
            &net.chain_id,
            "--anchors-contract",
            &net.contracts.anchors,
        ])
    };
    let ok = verify(&proof, "proof.json");
    assert_eq!(ok.status.code(), Some(0), "verify: {ok:?}");
    let verdict: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("verdict");
    assert_eq!(verdict["verified"], true, "{verdict}");
    // One mg/dL changed: the leaf no longer rebuilds the root anchored on chain.
    let value = proof["reading"]["value"].as_i64().expect("value");
    proof["reading"]["value"] = (value + 1_000).into();
    let tampered = verify(&proof, "tampered.json");
    assert_eq!(tampered.status.code(), Some(1), "tampered: {tampered:?}");
    let reason = String::from_utf8_lossy(&tampered.stderr);
    assert!(
        reason.contains("does not rebuild the anchored root"),
        "{reason}"
    );
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn the_gateway_simulator_registers_binds_and_streams_and_everything_it_sends_is_anchored() {
    let (net, _g) = chain();
    net.avoid_midnight(3_600);
    let dir = work_dir(&net, "simulate");
    let r = Relayer::start(&net, &dir, net.relayer_port(4), &[]);
    let logs = net.keyring_dir.join("logs");
    let arg = |p: PathBuf| p.display().to_string();
    let out = std::process::Command::new(simulator_binary())
        .args([
            "--relayer",
            &format!("http://{}", r.addr),
            "--node",
            &net.node,
            "--chain-id",
            &net.chain_id,
            "--deployment",
            &arg(repo_root().join(format!("deployments/{}.json", net.chain_id))),
            "--manufacturer-mnemonic-file",
            &arg(logs.join("key-manufacturer.json")),
            "--patient-mnemonic-file",
            &arg(logs.join("key-patient2.json")),
            "--seed",
            &run_tag(),
            "--devices",
            "6",
            "--kind",
            "gateway",
            "--p256-share",
            "0.5",
            "--interval-secs",
            "1",
            // Throughput at the gateway kind's 1 s: version 1 headers (version 2 counts these
            // readings as glucose, which the chain spaces a minute apart).
            "--header-version",
            "1",
            "--batch-readings",
            "6",
            "--batches",
            "12",
            "--duration-secs",
            "120",
            "--state",
            &arg(dir.join("simulate-state.json")),
        ])
        .output()
        .expect("run diachain-simulate");
    assert!(out.status.success(), "simulate: {out:?}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary");
    assert_eq!(summary["bound"], 6, "{summary}");
    assert_eq!(summary["batches_accepted"], 12, "{summary}");
    assert_eq!(summary["rejected"], serde_json::json!({}), "{summary}");
    let (_, _, anchored, failed) = r.drained(Duration::from_secs(90));
    assert_eq!((anchored, failed), (12, 0), "log: {}", r.log_tail());
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn relayer_killed_while_batches_are_pending_and_while_a_transaction_is_in_flight_anchors_each_once()
{
    let (net, _g) = chain();
    let mut gws = gateways(&net, &run_tag(), 3, "patient");
    let mut r = Relayer::start(&net, &work_dir(&net, "sigkill"), net.relayer_port(1), &[]);

    // Acknowledged, then SIGKILL before the anchoring task could send them.
    post_round(&r, &net, &mut gws);
    r.kill();
    r.restart();
    post_round(&r, &net, &mut gws);
    post_round(&r, &net, &mut gws);

    // SIGKILL the moment a transaction is recorded in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, in_flight, _, _) = r.counts();
        if in_flight > 0 {
            r.kill();
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never saw a transaction in flight"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    r.restart();
    let (_, _, anchored, failed) = r.drained(Duration::from_secs(120));
    // Every acknowledged batch anchored, none refused as a replay of itself.
    assert_eq!((anchored, failed), (9, 0), "log: {}", r.log_tail());
    assert_cursors(&net, &gws, 36);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn while_the_chain_is_down_batches_are_kept_and_the_queue_drains_once_it_is_back() {
    let (net, _g) = chain();
    let mut gws = gateways(&net, &run_tag(), 3, "patient");
    // The registry cannot change while the chain is down: cached device records may serve.
    let r = Relayer::start(
        &net,
        &work_dir(&net, "outage"),
        net.relayer_port(2),
        &["--registry-max-age-secs", "120"],
    );
    post_round(&r, &net, &mut gws);
    assert_eq!(r.drained(Duration::from_secs(90)).2, 3);

    let down = ChainDown::stop(&net);
    post_round(&r, &net, &mut gws);
    std::thread::sleep(Duration::from_secs(4));
    let (pending, in_flight, anchored, _) = r.counts();
    assert_eq!(
        (pending + in_flight, anchored),
        (3, 3),
        "kept while the chain is down"
    );
    let errors = metric(
        &r.metrics(),
        "diachain_relayer_chain_errors_total{kind=\"unreachable\"}",
    );
    assert!(errors >= 1.0, "chain errors counted");
    drop(down);
    let (_, _, anchored, failed) = r.drained(Duration::from_secs(120));
    assert_eq!((anchored, failed), (6, 0), "log: {}", r.log_tail());
    assert_cursors(&net, &gws, 24);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn a_device_revoked_on_chain_is_refused_by_the_relayer_from_the_next_block() {
    let (net, _g) = chain();
    let mut gws = gateways(&net, &run_tag(), 2, "patient");
    let r = Relayer::start(&net, &work_dir(&net, "revoked"), net.relayer_port(3), &[]);
    post_round(&r, &net, &mut gws);
    // The round measured before the revocation is anchored before the device is revoked (a
    // revocation landing first would make the chain refuse it: the harness sends the revocation
    // within a block or two, faster than the relayer may have anchored).
    let (_, _, anchored, failed) = r.drained(Duration::from_secs(90));
    assert_eq!((anchored, failed), (2, 0));

    let tx = net
        .execute(
            "patient",
            &net.contracts.registry,
            &registry::ExecuteMsg::RevokeDevice {
                device_id: gws[0].id.clone(),
                reason: RevocationReason::Lost,
                effective_at: None,
            },
        )
        .expect_ok("revoke");
    net.wait_for_height(tx.height + 1);
    let (_, now) = net.status().expect("status");
    gws[0].next_time = gws[0].next_time.max(now + 1);
    let (code, answer) = r.post(&gws[0].next_batch(&domain(&net)));
    assert_eq!(
        (code, answer["error"].as_str()),
        (403, Some("device_revoked")),
        "{answer}"
    );
    // The other device is unaffected, and what was measured before the revocation anchors.
    r.post_ok(&gws[1].next_batch(&domain(&net)));
    let (_, _, anchored, failed) = r.drained(Duration::from_secs(90));
    assert_eq!((anchored, failed), (3, 0));
    assert_eq!(chain_cursor(&net, &gws[0].id), Some(12));
    assert_eq!(chain_cursor(&net, &gws[1].id), Some(24));
}
