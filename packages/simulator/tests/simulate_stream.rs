//! The simulator's streaming half against a real relayer over HTTP (in-process, a temporary
//! store, the in-memory registry holding the simulated devices): batches from ed25519, P-256
//! and secp256k1 devices are accepted, a rerun continues the sequence numbers from the state
//! file, a rerun without the state file renumbers after the relayer's head, and a person's pump
//! streams beside their glucose sensor.

use std::sync::Arc;
use std::time::Duration;

use cosmwasm_std::{Addr, Timestamp};
use diachain_relayer_testkit::{TestRelayer, ANCHORS, CHAIN_ID, PATIENT};
use diachain_relayer_types::gateway::HeaderVersion;
use diachain_simulate::acks::read_acks;
use diachain_simulate::fleet::{fleet, people, AlgorithmShares, Profile, ProfileShares, SimDevice};
use diachain_simulate::state::SimState;
use diachain_simulate::stream::{stream, PersonStreamer, StreamConfig, Streamer};
use diachain_simulate::therapy::Therapy;
use diachain_simulate::unix_now;
use diachain_std::encoding::ScopeCount;
use diachain_std::registry::AnchoringDevice;
use diachain_std::{DataScope, DeviceKind, KeyAlgorithm};
use tokio::net::TcpListener;

const SEED: &str = "simulate-stream-test";

fn devices() -> Vec<SimDevice> {
    // 0.4 / 0.3: the first devices of this seed hold each kind of key (checked below).
    let shares = AlgorithmShares::new(0.4, 0.3).expect("shares");
    fleet(SEED, DeviceKind::Cgm, 6, shares).expect("fleet")
}

/// A relayer on a loopback port with every simulated device bound to the test patient.
async fn relayer() -> (TestRelayer, String, tokio::sync::oneshot::Sender<()>) {
    let r = TestRelayer::with_clock(1 << 20, Arc::new(unix_now)).expect("relayer");
    for d in devices() {
        r.registry.put(
            &d.id,
            AnchoringDevice {
                // Gateways: readings may be 1 s apart (the stream below uses 1 s).
                kind: DeviceKind::Gateway,
                owner: Some(Addr::unchecked(PATIENT)),
                owner_since: Timestamp::from_seconds(0),
                owner_since_height: 1,
                public_key: d.key.public_key(),
                key_since: Timestamp::from_seconds(0),
                previous_key: None,
                refuses_from: None,
                key_holder: None,
            },
        );
    }
    let (url, stop) = serve(&r).await;
    (r, url, stop)
}

/// Serves `r` on a loopback port until the sender is used.
async fn serve(r: &TestRelayer) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = r.state.clone();
    let writer = r.writer.clone();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let _ = diachain_relayer_api::server::run(listener, state, writer, shutdown).await;
    });
    (url, stop)
}

fn config(url: &str, state: &std::path::Path, batches: u64) -> StreamConfig {
    StreamConfig {
        relayer_url: url.to_string(),
        chain_id: CHAIN_ID.into(),
        anchors: ANCHORS.into(),
        seed: SEED.into(),
        // Version 1: readings 1 s apart count under the gateway's kind (version 2 would hold
        // glucose to a minute; see `a_version_2_stream...`).
        interval: 1,
        header_version: HeaderVersion::V1,
        batch_readings: 2,
        event_batch_secs: 300,
        max_batches: Some(batches),
        duration: Some(Duration::from_secs(30)),
        state_path: Some(state.to_path_buf()),
        acks_path: None,
        clock_offset: 0,
    }
}

fn streamers() -> Vec<PersonStreamer> {
    devices()
        .into_iter()
        .map(|device| {
            PersonStreamer::cgm_only(Streamer {
                device,
                bind_time: 0,
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_batches_of_every_key_kind_are_accepted_and_reruns_continue_the_sequence() {
    let algorithms: Vec<KeyAlgorithm> = devices().iter().map(|d| d.key.algorithm()).collect();
    for a in [
        KeyAlgorithm::Ed25519,
        KeyAlgorithm::Secp256r1,
        KeyAlgorithm::Secp256k1,
    ] {
        assert!(algorithms.contains(&a), "{algorithms:?}");
    }
    let (_relayer, url, stop) = relayer().await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("state.json");
    let acks = dir.path().join("acks.jsonl");
    let logged = |cfg: StreamConfig| StreamConfig {
        acks_path: Some(acks.clone()),
        ..cfg
    };

    // First run: every device's first batch.
    let (tally, state) = stream(
        streamers(),
        logged(config(&url, &path, 6)),
        SimState::default(),
    )
    .await
    .expect("stream");
    assert_eq!((tally.posted, tally.accepted), (6, 6), "{tally:?}");
    assert!(
        tally.rejected.is_empty() && tally.transport_errors == 0,
        "{tally:?}"
    );
    assert_eq!(tally.readings_accepted, 12);
    assert!(tally.latency_ms().p99.is_some());
    for d in devices() {
        assert_eq!(state.devices[&d.id].next_seq, 3, "{}", d.id);
    }
    assert_eq!(SimState::load(&path).expect("saved"), state);

    // Rerun with the state file: sequence numbers continue, nothing refused.
    let (tally, state) = stream(streamers(), logged(config(&url, &path, 6)), state)
        .await
        .expect("rerun");
    assert_eq!((tally.accepted, tally.renumbered), (6, 0), "{tally:?}");
    for d in devices() {
        assert_eq!(state.devices[&d.id].next_seq, 5);
    }

    // Rerun without it: the relayer's 409 names its head and the batch is renumbered after it.
    // (Its first reading must also come an interval after the last one held: a gateway without
    // its state starts at "now", so let a couple of 1-s intervals pass.)
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fresh = dir.path().join("fresh.json");
    let (tally, state) = stream(
        streamers(),
        logged(config(&url, &fresh, 6)),
        SimState::default(),
    )
    .await
    .expect("fresh rerun");
    assert_eq!((tally.accepted, tally.renumbered), (6, 6), "{tally:?}");
    for d in devices() {
        assert_eq!(state.devices[&d.id].next_seq, 7);
    }
    // The acknowledgement log (--acks) names every batch answered 201, as finally numbered:
    // each device's three batches tile 1..=6.
    let logged = read_acks(&acks).expect("acks");
    assert_eq!(logged.len(), 18, "{logged:?}");
    for d in devices() {
        let ranges: Vec<(u64, u64, u64)> = logged
            .iter()
            .filter(|a| a.device == d.id)
            .map(|a| (a.first_seq, a.last_seq, a.readings))
            .collect();
        assert_eq!(ranges, vec![(1, 2, 2), (3, 4, 2), (5, 6, 2)], "{}", d.id);
    }
    assert!(logged.iter().all(|a| !a.replayed));
    let _ = stop.send(());
}

fn v2_config(url: &str, state: &std::path::Path, batches: u64, interval: u64) -> StreamConfig {
    StreamConfig {
        interval,
        header_version: HeaderVersion::V2,
        batch_readings: 1,
        ..config(url, state, batches)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_2_stream_counts_glucose_as_glucose_and_keeps_glucoses_minute() {
    let (first, url, stop) = relayer().await;
    let dir = tempfile::tempdir().expect("dir");

    // Readings 60 s apart, one per batch: every header lists glucose, every batch is taken.
    let path = dir.path().join("state.json");
    let (tally, _) = stream(
        streamers(),
        v2_config(&url, &path, 6, 60),
        SimState::default(),
    )
    .await
    .expect("stream");
    assert_eq!((tally.posted, tally.accepted), (6, 6), "{tally:?}");
    for d in devices() {
        let head = first
            .store
            .device_head(&d.id)
            .expect("store")
            .expect("a batch of every device");
        assert_eq!(
            head.header.scopes,
            Some(vec![ScopeCount {
                scope: DataScope::Glucose,
                readings: 1
            }]),
            "{}",
            d.id
        );
    }

    let _ = stop.send(());

    // The same gateways at 1 s (on a fresh relayer): the relayer holds glucose to a minute, as
    // the contract does.
    let (_relayer, url, stop) = relayer().await;
    let dense = StreamConfig {
        batch_readings: 2,
        ..v2_config(&url, &dir.path().join("dense.json"), 6, 1)
    };
    let (tally, _) = stream(streamers(), dense, SimState::default())
        .await
        .expect("dense stream");
    assert_eq!(tally.accepted, 0, "{tally:?}");
    assert_eq!(
        tally.rejected.get("too_dense_for_scope"),
        Some(&tally.posted),
        "{tally:?}"
    );
    let _ = stop.send(());
}

/// A person on a pump, streaming: their pump reports its state at the first whole minute (the
/// chain's clock is set two seconds before one) beside their glucose, signs a version 2 header
/// counting it as insulin, and posts what it holds when the run stops; the reading is the one
/// the person's model logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_pump_streams_its_state_beside_their_glucose_and_posts_it_when_the_run_stops() {
    use diachain_simulate::fleet::Role;
    use diachain_simulate::physiology::Patient;
    use diachain_simulate::stream::value_seed;
    use std::sync::atomic::{AtomicI64, Ordering};

    let keys = AlgorithmShares::new(0.5, 0.0).expect("shares");
    let pumps = ProfileShares::new(1.0, 0.0).expect("shares");
    let mut person = people(SEED, DeviceKind::Gateway, 1, keys, pumps)
        .expect("people")
        .remove(0);
    assert_eq!(person.profile, Profile::Pump);
    let (role, pump) = person.companions.remove(0);
    assert_eq!((role, pump.kind), (Role::Pump, DeviceKind::Pump));

    let offset = Arc::new(AtomicI64::new(0));
    let chain_clock = {
        let offset = offset.clone();
        Arc::new(move || unix_now().saturating_add_signed(offset.load(Ordering::SeqCst)))
    };
    let r = TestRelayer::with_clock(1 << 20, chain_clock).expect("relayer");
    for (d, kind) in [
        (&person.glucose, DeviceKind::Gateway),
        (&pump, DeviceKind::Pump),
    ] {
        r.registry.put(
            &d.id,
            AnchoringDevice {
                kind,
                owner: Some(Addr::unchecked(PATIENT)),
                owner_since: Timestamp::from_seconds(0),
                owner_since_height: 1,
                public_key: d.key.public_key(),
                key_since: Timestamp::from_seconds(0),
                previous_key: None,
                refuses_from: None,
                key_holder: None,
            },
        );
    }
    let (url, stop) = serve(&r).await;
    let dir = tempfile::tempdir().expect("dir");
    let glucose_id = person.glucose.id.clone();
    let pump_id = pump.id.clone();
    let streamer = PersonStreamer {
        glucose_id: glucose_id.clone(),
        profile: Profile::Pump,
        devices: vec![
            (
                Role::Glucose,
                Streamer {
                    device: person.glucose,
                    bind_time: 0,
                },
            ),
            (
                Role::Pump,
                Streamer {
                    device: pump,
                    bind_time: 0,
                },
            ),
        ],
    };
    // The chain's clock three seconds before a whole minute.
    let now = unix_now();
    let start = now - now % 60 - 3;
    offset.store(start as i64 - now as i64, Ordering::SeqCst);
    let cfg = StreamConfig {
        max_batches: None,
        duration: Some(Duration::from_secs(8)),
        event_batch_secs: 1,
        clock_offset: start as i64 - now as i64,
        ..config(&url, &dir.path().join("state.json"), 0)
    };
    let (tally, state) = stream(vec![streamer], cfg, SimState::default())
        .await
        .expect("stream");
    assert!(
        tally.rejected.is_empty() && tally.transport_errors == 0,
        "{tally:?}"
    );
    assert!(
        tally.kinds.get("glucose").is_some_and(|n| *n >= 2),
        "{tally:?}"
    );

    // Every batch the pump posted, from its first sequence number: the run may post the
    // pump's state in one batch or several (a reading that falls in the next event window).
    let mut stored = Vec::new();
    let mut seq = 1;
    let mut last_time = 0;
    while let Some(batch) = r.store.find_batch(&pump_id, seq).expect("store") {
        let scopes = batch.header.scopes.clone().expect("a version 2 header");
        assert_eq!(
            scopes.iter().map(|c| c.scope).collect::<Vec<_>>(),
            vec![DataScope::Insulin]
        );
        stored.extend(r.store.readings(&batch).expect("readings"));
        last_time = batch.header.last_time;
        seq = batch.header.last_seq + 1;
    }
    assert!(seq > 1, "the pump posted no batch");
    // The person's model, asked from the same second, logs the same.
    let mut model = Patient::new(value_seed(SEED, &glucose_id), Therapy::Pump);
    model.keep_log();
    model.report_pump_from(start);
    model.advance_to(start);
    model.advance_to(start + 10);
    let expected: Vec<_> = model
        .take_log()
        .into_iter()
        .filter(|l| l.at <= last_time)
        .map(|l| (l.at, l.kind, l.unit, l.value))
        .collect();
    let got: Vec<_> = stored
        .iter()
        .map(|r| (r.measured_at, r.kind, r.unit, r.value))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(got[0].0, start + 3, "at the whole minute");
    assert_eq!(state.devices[&pump_id].next_seq, seq);
    let _ = stop.send(());
}
