//! The relayer on PostgreSQL, on the e2e network with the real binary and a real server
//! (scripts/pg.sh): two instances sharing one database, one of them SIGKILLed while it holds
//! anchoring work, which the other finishes with nothing anchored twice; and the server
//! crashed and restarted under load: ingest answers 503 `store_unavailable` while it is down,
//! and every batch acknowledged before, during or after is stored and anchored once.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use diachain_e2e::pg;
use diachain_e2e::relayer::{
    anchored_batches, chain, domain, gateways, post_round, work_dir, Gateway, Relayer,
};
use diachain_e2e::{run_tag, Network};
use diachain_std::registry::{ExecuteMsg as RegistryMsg, QueryMsg as RegistryQuery};
use diachain_std::Role;

/// Claims lapse this soon after their instance stops renewing them.
const LEASE_SECS: &str = "3";

fn pg_args<'a>(url: &'a str, exports: &'a str) -> Vec<&'a str> {
    vec![
        "--store",
        "postgres",
        "--database-url",
        url,
        "--lease-secs",
        LEASE_SECS,
        "--exports-dir",
        exports,
    ]
}

/// The keyring account `custodian` admitted as a second relayer (its own chain account, so
/// that the two instances never share an account sequence).
fn admit_second_relayer(net: &Network) {
    let address = net.addr("custodian");
    let active: bool = net
        .query(
            &net.contracts.registry,
            &RegistryQuery::IsActiveRelayer {
                address: address.clone(),
            },
        )
        .expect("is_active_relayer");
    if !active {
        net.execute(
            "consortium",
            &net.contracts.registry,
            &RegistryMsg::AdmitParticipant {
                role: Role::Relayer,
                address,
                label: "second relayer instance".into(),
            },
        )
        .expect_ok("admit the second relayer");
    }
}

/// Each gateway's batches on chain tile 1..its next sequence number, once each; how many.
fn tiled_on_chain(net: &Network, gws: &[Gateway]) -> u64 {
    let mut total = 0u64;
    for g in gws {
        let found = anchored_batches(net, &g.id);
        let mut expect = 1;
        for b in &found {
            assert_eq!(
                b.first_seq, expect,
                "{}: a gap or an overlap on chain",
                g.id
            );
            expect = b.last_seq + 1;
        }
        assert_eq!(
            expect, g.next_seq,
            "{}: not everything it sent is on chain",
            g.id
        );
        total += found.len() as u64;
    }
    total
}

#[test]
#[ignore = "needs the e2e network and its PostgreSQL server: scripts/e2e.sh runs it"]
fn two_instances_share_one_database_and_one_finishes_what_a_killed_one_held() {
    let (net, _guard) = chain();
    admit_second_relayer(&net);
    let url = pg::fresh_database("e2e_two_instances");
    let (dir_a, dir_b) = (work_dir(&net, "pg-a"), work_dir(&net, "pg-b"));
    let exports = dir_a.with_extension("exports").display().to_string();
    let args = pg_args(&url, &exports);
    let mut a = Relayer::start_as(&net, &dir_a, net.relayer_port(6), "relayer", None, &args);
    // The same master key (the database's data keys are wrapped by it), its own chain key.
    let master = dir_a.join("master.key");
    let b = Relayer::start_as(
        &net,
        &dir_b,
        net.relayer_port(7),
        "custodian",
        Some(&master),
        &args,
    );
    let first: String = pg::query(
        "e2e_two_instances",
        "SELECT id FROM instances ORDER BY started_at LIMIT 1",
    );
    let mut gws = gateways(&net, &run_tag(), 6, "patient");
    let mut posted = 0u64;
    // Both instances take batches of the same devices (a device's batches are placed one at a
    // time whichever instance receives them).
    for r in [&a, &b] {
        post_round(r, &net, &mut gws);
        posted += gws.len() as u64;
    }
    // Kill a while it holds anchoring work: claims on devices with batches still queued.
    let held_sql = format!(
        "SELECT count(*) FROM device_claims c WHERE owner = '{first}' AND EXISTS (
             SELECT 1 FROM batches b WHERE b.device_id = c.device_id
             AND b.state IN ('pending', 'in_flight'))"
    );
    let mut held = 0u64;
    'rounds: for _ in 0..8 {
        post_round(&a, &net, &mut gws);
        posted += gws.len() as u64;
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            held = pg::query("e2e_two_instances", &held_sql)
                .parse()
                .expect("count");
            if held > 0 {
                a.kill();
                break 'rounds;
            }
        }
    }
    assert!(
        held > 0,
        "instance a never held anchoring work to be killed with"
    );
    let in_flight_at_kill: u64 = pg::query(
        "e2e_two_instances",
        "SELECT count(*) FROM batches WHERE state = 'in_flight'",
    )
    .parse()
    .expect("count");
    // The gateways carry on with b alone.
    post_round(&b, &net, &mut gws);
    posted += gws.len() as u64;
    let (pending, in_flight, anchored, failed) = b.drained(Duration::from_secs(120));
    assert_eq!((pending, in_flight, failed), (0, 0, 0));
    assert_eq!(anchored, posted, "every acknowledged batch anchored");
    assert_eq!(
        tiled_on_chain(&net, &gws),
        posted,
        "each batch on chain exactly once"
    );
    let left: u64 = pg::query(
        "e2e_two_instances",
        &format!("SELECT count(*) FROM device_claims WHERE owner = '{first}'"),
    )
    .parse()
    .expect("count");
    assert_eq!(left, 0, "the killed instance's claims were all taken over");
    println!(
        "two instances: {posted} batches acknowledged, a killed holding claims on {held} \
         device(s) ({in_flight_at_kill} batch(es) in flight), b anchored everything: \
         {anchored} anchored, 0 failed, each once on chain"
    );
}

#[test]
#[ignore = "needs the e2e network and its PostgreSQL server: scripts/e2e.sh runs it"]
fn postgres_crashed_under_load_answers_503_and_loses_nothing() {
    let (net, _guard) = chain();
    let url = pg::fresh_database("e2e_pg_restart");
    let dir = work_dir(&net, "pg-restart");
    let exports = dir.with_extension("exports").display().to_string();
    let r = Relayer::start(&net, &dir, net.relayer_port(6), &pg_args(&url, &exports));
    let mut gws = gateways(&net, &run_tag(), 8, "patient");
    let dom = domain(&net);
    let mut codes: BTreeMap<u16, u64> = BTreeMap::new();
    let (mut acked, mut refused_while_down) = (0u64, 0u64);
    // Ten rounds 2.5 s apart (a batch holds 24 s of readings: the gateways stay within the
    // clock skew the chain allows); the server crashes after round 2 and is back after round
    // 5. A gateway whose batch got 503 sends the same batch again next round.
    for round in 0..10 {
        for g in gws.iter_mut() {
            let (seq, time) = (g.next_seq, g.next_time);
            let batch = g.next_batch(&dom);
            let (code, answer) = r.post(&batch);
            *codes.entry(code).or_default() += 1;
            match code {
                200 | 201 => acked += 1,
                503 => {
                    assert_eq!(answer["error"], "store_unavailable", "{answer}");
                    refused_while_down += 1;
                    (g.next_seq, g.next_time) = (seq, time);
                }
                other => panic!("POST answered {other}: {answer}"),
            }
        }
        match round {
            2 => pg::crash(),
            5 => pg::start(),
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(2_500));
    }
    assert!(
        refused_while_down > 0,
        "no 503 while the server was down: {codes:?}"
    );
    let (pending, in_flight, anchored, failed) = r.drained(Duration::from_secs(120));
    assert_eq!((pending, in_flight, failed), (0, 0, 0));
    assert_eq!(
        anchored, acked,
        "every acknowledged batch is stored and anchored"
    );
    assert_eq!(
        tiled_on_chain(&net, &gws),
        acked,
        "each batch on chain exactly once"
    );
    println!(
        "PostgreSQL crashed for three rounds (7.5 s) under load: answers {codes:?}; {acked} batches acknowledged, \
         {refused_while_down} refused with 503 store_unavailable and sent again, all {anchored} \
         anchored once, none lost"
    );
}

#[test]
#[ignore = "needs the e2e network and its PostgreSQL server: scripts/e2e.sh runs it"]
fn a_custodian_moves_from_the_embedded_store_to_postgres_without_losing_a_reading() {
    let (net, _guard) = chain();
    let dir = work_dir(&net, "pg-move");
    let mut r = Relayer::start(&net, &dir, net.relayer_port(6), &[]);
    let mut gws = gateways(&net, &run_tag(), 4, "patient");
    for _ in 0..3 {
        post_round(&r, &net, &mut gws);
    }
    // Some anchored, perhaps some still queued: both move.
    let before = r.counts();
    r.stop().expect("the relayer was running");
    let url = pg::fresh_database("e2e_pg_move");
    let store = dir.join("store/relayer.redb").display().to_string();
    let key = dir.join("master.key").display().to_string();
    let out = Relayer::command(&[
        "export-store",
        "--store-path",
        &store,
        "--master-key-file",
        &key,
        "--database-url",
        &url,
    ]);
    assert!(out.status.success(), "export-store: {out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["batches"], 12, "{report}");
    assert_eq!(report["readings"], 12 * 12, "{report}");
    // The same relayer, now on PostgreSQL with the same master key.
    let moved = work_dir(&net, "pg-moved");
    let exports = moved.with_extension("exports").display().to_string();
    let r = Relayer::start_as(
        &net,
        &moved,
        net.relayer_port(7),
        "relayer",
        Some(&dir.join("master.key")),
        &pg_args(&url, &exports),
    );
    let after = r.counts();
    assert_eq!(
        after.0 + after.1 + after.2 + after.3,
        before.0 + before.1 + before.2 + before.3,
        "every batch moved: {before:?} -> {after:?}"
    );
    post_round(&r, &net, &mut gws);
    let (_, _, anchored, failed) = r.drained(Duration::from_secs(120));
    assert_eq!((anchored, failed), (16, 0));
    assert_eq!(
        tiled_on_chain(&net, &gws),
        16,
        "each batch on chain exactly once"
    );
    println!("moved to PostgreSQL: {report}; then 4 more batches; 16 anchored, each once");
}
