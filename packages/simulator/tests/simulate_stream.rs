//! The simulator's streaming half against a real relayer over HTTP (in-process, a temporary
//! store, the in-memory registry holding the simulated devices): batches from ed25519, P-256
//! and secp256k1 devices are accepted, a rerun continues the sequence numbers from the state
//! file, and a rerun without the state file renumbers after the relayer's head.

use std::sync::Arc;
use std::time::Duration;

use cosmwasm_std::{Addr, Timestamp};
use diachain_relayer_testkit::{TestRelayer, ANCHORS, CHAIN_ID, PATIENT};
use diachain_relayer_types::gateway::HeaderVersion;
use diachain_simulate::fleet::{fleet, AlgorithmShares, SimDevice};
use diachain_simulate::state::SimState;
use diachain_simulate::stream::{stream, StreamConfig, Streamer};
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
    (r, url, stop)
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
        max_batches: Some(batches),
        duration: Some(Duration::from_secs(30)),
        state_path: Some(state.to_path_buf()),
        clock_offset: 0,
    }
}

fn streamers() -> Vec<Streamer> {
    devices()
        .into_iter()
        .map(|device| Streamer {
            device,
            bind_time: 0,
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

    // First run: every device's first batch.
    let (tally, state) = stream(streamers(), config(&url, &path, 6), SimState::default())
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
    let (tally, state) = stream(streamers(), config(&url, &path, 6), state)
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
    let (tally, state) = stream(streamers(), config(&url, &fresh, 6), SimState::default())
        .await
        .expect("fresh rerun");
    assert_eq!((tally.accepted, tally.renumbered), (6, 6), "{tally:?}");
    for d in devices() {
        assert_eq!(state.devices[&d.id].next_seq, 7);
    }
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
    use diachain_relayer_core::store::BatchLookup;
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
