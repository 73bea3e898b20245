//! The anchoring task's decisions against a scripted chain: what is anchored, failed, requeued
//! or left in flight, and that nothing is ever sent twice.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cosmwasm_std::Binary;
use diachain_chain_client::{Error, TxOutcome};
use diachain_std::anchors::{decode_submission, BatchInfo};
use diachain_std::testing::TestKey;
use diachain_std::BatchHeader;
use diachain_std::KeyAlgorithm;

use super::*;
use crate::store::crypto::MasterKey;
use crate::store::{AnchorState, BatchLookup, IngestStore, NewBatch, RedbStore, RedbStoreOptions};
use crate::BoxFuture;
use diachain_relayer_fixtures::{self as fixtures, DAY0, PATIENT};

/// What the chain does with the next submission.
#[derive(Clone, Debug)]
enum Next {
    /// Accepted; included in the next block.
    Land,
    /// Accepted by CheckTx but never included (dropped from the mempool).
    Drop,
    /// The simulation refuses it with this contract message (nothing is broadcast).
    Refuse(String),
    /// The node cannot be reached at all.
    Unreachable,
    /// Broadcast, then the answer is lost; the transaction lands.
    LostAnswerButLands,
    /// CheckTx refuses the signed transaction (e.g. insufficient fee).
    CheckTxRefuses,
    /// From now on CheckTx refuses transactions of more than this many batches (their gas
    /// exceeds a block's); this one is then handled as `Land`.
    GasCap(usize),
    /// Lands, but the node's transaction index never shows it.
    LandsUnindexed,
    /// The first signed copy is refused for its sequence, the re-signed one lands.
    ResignedThenLands,
    /// Included in a block but failed there with this contract message.
    FailsInBlock(String),
}

#[derive(Default)]
struct FakeChain {
    height: AtomicU64,
    script: Mutex<VecDeque<Next>>,
    txs: Mutex<HashMap<String, TxOutcome>>,
    /// Headers per broadcast transaction, in order.
    broadcast: Mutex<Vec<Vec<(String, u64)>>>,
    counter: AtomicUsize,
    /// What the contract holds: (device, first seq) → the anchored batch.
    anchored: Mutex<HashMap<(String, u64), BatchInfo>>,
    /// Hashes the pre-broadcast hook saw, in order.
    hooked: Mutex<Vec<String>>,
    /// Most batches a transaction may carry (see `Next::GasCap`).
    gas_cap: AtomicUsize,
}

impl FakeChain {
    fn script(&self, steps: &[Next]) {
        self.script.lock().unwrap().extend(steps.iter().cloned());
    }
    fn advance(&self, blocks: u64) {
        self.height.fetch_add(blocks, Ordering::SeqCst);
    }
    fn broadcast_count(&self) -> usize {
        self.broadcast.lock().unwrap().len()
    }
    fn anchor(&self, headers: &[BatchHeader]) {
        let height = self.height.load(Ordering::SeqCst) + 1;
        let mut held = self.anchored.lock().unwrap();
        for h in headers {
            held.insert(
                (h.device_id.clone(), h.first_seq),
                BatchInfo {
                    device_id: h.device_id.clone(),
                    first_seq: h.first_seq,
                    last_seq: h.last_seq,
                    root: h.root.clone(),
                    day: h.first_time / 86_400,
                    anchored_height: height,
                },
            );
        }
    }

    fn fail_in_block(&self, hash: &str, message: &str) {
        let mut tx = self.outcome(hash);
        tx.code = 5;
        tx.codespace = "wasm".into();
        tx.raw_log = format!(
            "failed to execute message; message index: 0: {message}: execute wasm contract failed"
        );
        self.txs.lock().unwrap().insert(hash.to_string(), tx);
    }

    fn outcome(&self, hash: &str) -> TxOutcome {
        TxOutcome {
            hash: hash.to_string(),
            height: self.height.load(Ordering::SeqCst) + 1,
            code: 0,
            codespace: String::new(),
            raw_log: String::new(),
            gas_wanted: 0,
            gas_used: 0,
            events: vec![],
        }
    }

    fn land(&self, hash: &str) {
        let height = self.height.load(Ordering::SeqCst) + 1;
        self.txs.lock().unwrap().insert(
            hash.to_string(),
            TxOutcome {
                hash: hash.to_string(),
                height,
                code: 0,
                codespace: String::new(),
                raw_log: String::new(),
                gas_wanted: 0,
                gas_used: 0,
                events: vec![],
            },
        );
    }
}

fn transport(hash: Option<String>) -> Error {
    Error::Transport {
        reason: "connection refused".into(),
        tx_hash: hash,
    }
}

impl AnchorChain for Arc<FakeChain> {
    fn latest_height(&self) -> BoxFuture<'_, Result<u64, Error>> {
        Box::pin(async move {
            if matches!(self.script.lock().unwrap().front(), Some(Next::Unreachable)) {
                self.script.lock().unwrap().pop_front();
                return Err(transport(None));
            }
            Ok(self.height.load(Ordering::SeqCst))
        })
    }

    fn submit<'a>(
        &'a self,
        payload: Binary,
        _timeout_height: u64,
        before_broadcast: BeforeBroadcast<'a>,
    ) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            let next = self
                .script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Next::Land);
            if let Next::Refuse(message) = &next {
                return Err(Error::Contract {
                    message: message.clone(),
                    log: message.clone(),
                    tx: None,
                });
            }
            if let Next::Unreachable = next {
                return Err(transport(None));
            }
            let headers: Vec<BatchHeader> = decode_submission(payload.as_slice())
                .unwrap()
                .into_iter()
                .map(|(h, _)| h)
                .collect();
            let mut hash = self.sign();
            before_broadcast(&hash).map_err(Error::Aborted)?;
            self.hooked.lock().unwrap().push(hash.clone());
            let refused = Error::Rejected {
                code: 13,
                codespace: "sdk".into(),
                log: "insufficient fee".into(),
            };
            match &next {
                Next::CheckTxRefuses => return Err(refused),
                Next::GasCap(max) => self.gas_cap.store(*max, Ordering::SeqCst),
                _ => {}
            }
            let cap = self.gas_cap.load(Ordering::SeqCst);
            if cap != 0 && headers.len() > cap {
                return Err(refused);
            }
            if let Next::ResignedThenLands = &next {
                hash = self.sign();
                before_broadcast(&hash).map_err(Error::Aborted)?;
                self.hooked.lock().unwrap().push(hash.clone());
            }
            self.broadcast.lock().unwrap().push(
                headers
                    .iter()
                    .map(|h| (h.device_id.clone(), h.first_seq))
                    .collect(),
            );
            match next {
                Next::Drop => Ok(hash),
                Next::LandsUnindexed => {
                    self.anchor(&headers);
                    Ok(hash)
                }
                Next::FailsInBlock(message) => {
                    self.fail_in_block(&hash, &message);
                    Ok(hash)
                }
                Next::LostAnswerButLands => {
                    self.anchor(&headers);
                    self.land(&hash);
                    Err(transport(Some(hash)))
                }
                _ => {
                    self.anchor(&headers);
                    self.land(&hash);
                    Ok(hash)
                }
            }
        })
    }

    fn find_tx<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<TxOutcome>, Error>> {
        Box::pin(async move { Ok(self.txs.lock().unwrap().get(hash).cloned()) })
    }

    fn anchored_batch<'a>(
        &'a self,
        device_id: &'a str,
        seq: u64,
    ) -> BoxFuture<'a, Result<Option<BatchInfo>, Error>> {
        Box::pin(async move {
            let held = self.anchored.lock().unwrap();
            Ok(held
                .values()
                .find(|b| b.device_id == device_id && b.first_seq <= seq && seq <= b.last_seq)
                .cloned())
        })
    }
}

impl FakeChain {
    fn sign(&self) -> String {
        format!("{:064X}", self.counter.fetch_add(1, Ordering::SeqCst))
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    chain: Arc<FakeChain>,
    store: Arc<RedbStore>,
    metrics: Arc<Metrics>,
}

impl Fixture {
    /// A store holding `per_device` consecutive 12-reading batches of each of `devices`.
    fn new(devices: usize, per_device: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(
            &dir.path().join("s.redb"),
            &MasterKey::generate(),
            RedbStoreOptions::default(),
        )
        .unwrap();
        let key = TestKey::new(KeyAlgorithm::Ed25519, 0x21);
        let mut batches = vec![];
        for n in 0..per_device {
            for d in 0..devices {
                let b = fixtures::batch(
                    &key,
                    &format!("cgm-{d:016x}"),
                    1 + n * 12,
                    12,
                    DAY0 + n * 3_600,
                );
                batches.push(NewBatch {
                    header: b.header,
                    signature: b.signature.as_slice().try_into().unwrap(),
                    patient: PATIENT.into(),
                    readings: b.readings,
                    received_at: DAY0,
                    received_at_ms: 0,
                    min_interval_seconds: 60,
                    backfill: false,
                    millis: Vec::new(),
                });
            }
        }
        store.ingest(&batches).unwrap();
        let chain = Arc::new(FakeChain::default());
        chain.height.store(100, Ordering::SeqCst);
        Fixture {
            _dir: dir,
            chain,
            store: Arc::new(store),
            metrics: Arc::new(Metrics::new()),
        }
    }

    /// A fresh task on the same store and chain (as after a restart).
    fn anchorer(&self, max_batches_per_tx: usize) -> Anchorer<Arc<FakeChain>> {
        Anchorer {
            chain: self.chain.clone(),
            store: self.store.clone(),
            metrics: self.metrics.clone(),
            status: Arc::default(),
            settings: AnchorSettings {
                max_batches_per_tx,
                ..AnchorSettings::default()
            },
            tuning: Tuning::default(),
        }
    }

    fn states(&self) -> Vec<AnchorState> {
        let mut out = vec![];
        let mut id = 1;
        while let Some(b) = self.store.batch(id).unwrap() {
            out.push(b.state);
            id += 1;
        }
        out
    }

    fn count(&self, name: &str) -> usize {
        self.states().iter().filter(|s| s.name() == name).count()
    }
}

async fn drain(a: &Anchorer<Arc<FakeChain>>) {
    for _ in 0..50 {
        if a.step().await.unwrap() == Step::Idle {
            return;
        }
    }
    panic!("the queue did not drain");
}

#[tokio::test]
async fn pending_batches_are_anchored_with_their_transaction_and_height() {
    let f = Fixture::new(3, 2);
    let a = f.anchorer(4);
    drain(&a).await;
    assert_eq!(f.chain.broadcast_count(), 2, "6 batches, 4 per transaction");
    let states = f.states();
    assert!(
        states
            .iter()
            .all(|s| matches!(s, AnchorState::Anchored { height: 101, .. })),
        "{states:?}"
    );
    assert_eq!(f.metrics.batches_anchored.get(), 6);
    let snapshot = a.status.snapshot();
    assert_eq!(snapshot.last_anchor.unwrap().batches, 2);
}

#[tokio::test]
async fn a_refused_header_is_failed_with_the_contracts_reason_and_does_not_block_the_others() {
    let f = Fixture::new(3, 1);
    let reason = "batch 1: device cgm-0000000000000001 does not accept data measured at 1767225600 (suspended or revoked)";
    f.chain.script(&[Next::Refuse(reason.into())]);
    let a = f.anchorer(10);
    drain(&a).await;
    let states = f.states();
    assert_eq!(
        states[1],
        AnchorState::Failed {
            reason: reason.into()
        }
    );
    assert!(matches!(states[0], AnchorState::Anchored { .. }));
    assert!(matches!(states[2], AnchorState::Anchored { .. }));
    // The refused header was never broadcast; the others once.
    let sent = f.chain.broadcast.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].len(), 2);
    assert!(f
        .metrics
        .encode()
        .contains("batches_failed_total{reason=\"device_not_accepting\"} 1"));
    assert_eq!(a.status.snapshot().recent_failures[0].batch_id, 2);
}

#[tokio::test]
async fn a_refusal_naming_no_header_keeps_the_queue_and_reports_it() {
    let f = Fixture::new(2, 1);
    f.chain.script(&[Next::Refuse(
        "wasm1relayer is not an active relayer in the registry".into(),
    )]);
    let a = f.anchorer(10);
    assert!(matches!(a.step().await, Err(AnchorError::Refused(_))));
    assert_eq!(f.count("pending"), 2);
    drain(&a).await;
    assert_eq!(f.count("anchored"), 2);
}

#[tokio::test]
async fn after_a_crash_a_transaction_that_landed_is_found_and_nothing_is_sent_again() {
    let f = Fixture::new(2, 1);
    // The answer is lost after the broadcast (as if the relayer died right then).
    f.chain.script(&[Next::LostAnswerButLands]);
    assert!(f.anchorer(10).step().await.is_err());
    assert_eq!(f.count("in_flight"), 2);
    let restarted = f.anchorer(10);
    drain(&restarted).await;
    assert_eq!(f.count("anchored"), 2);
    assert_eq!(f.chain.broadcast_count(), 1, "anchored exactly once");
}

#[tokio::test]
async fn a_dropped_transaction_is_waited_for_until_its_timeout_then_sent_again_once() {
    let f = Fixture::new(2, 1);
    f.chain.script(&[Next::Drop]);
    let a = f.anchorer(10);
    assert_eq!(a.step().await.unwrap(), Step::Waiting);
    let settings = AnchorSettings::default();
    // Up to the timeout height and its margin the transaction may still land: keep waiting.
    f.chain
        .advance(settings.timeout_blocks + settings.lost_margin_blocks);
    assert_eq!(a.step().await.unwrap(), Step::Waiting);
    assert_eq!(f.count("in_flight"), 2);
    assert_eq!(f.chain.broadcast_count(), 1);
    f.chain.advance(1);
    drain(&a).await;
    assert_eq!(f.count("anchored"), 2);
    assert_eq!(f.chain.broadcast_count(), 2);
}

#[tokio::test]
async fn an_unreachable_chain_keeps_the_queue_and_it_drains_when_the_chain_is_back() {
    let f = Fixture::new(2, 2);
    f.chain.script(&[Next::Unreachable, Next::Unreachable]);
    let a = f.anchorer(10);
    assert!(matches!(a.step().await, Err(AnchorError::Chain(_))));
    assert!(matches!(a.step().await, Err(AnchorError::Chain(_))));
    assert_eq!(f.count("pending"), 4);
    drain(&a).await;
    assert_eq!(f.count("anchored"), 4);
}

#[tokio::test]
async fn a_transaction_refused_by_checktx_puts_its_batches_back_in_the_queue() {
    let f = Fixture::new(2, 1);
    f.chain.script(&[Next::CheckTxRefuses]);
    let a = f.anchorer(10);
    assert!(matches!(
        a.step().await,
        Err(AnchorError::Chain(Error::Rejected { .. }))
    ));
    assert_eq!(f.count("pending"), 2);
    drain(&a).await;
    assert_eq!(f.count("anchored"), 2);
}

#[tokio::test]
async fn the_task_runs_until_stopped_and_backs_off_on_errors() {
    let f = Fixture::new(2, 3);
    f.chain.script(&[Next::Unreachable]);
    let mut a = f.anchorer(2);
    a.settings.backoff_min = std::time::Duration::from_millis(5);
    a.settings.poll = std::time::Duration::from_millis(5);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(a.run(stop));
    for _ in 0..200 {
        if f.count("anchored") == 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop_tx.send(true).unwrap();
    task.await.unwrap();
    assert_eq!(f.count("anchored"), 6);
    assert!(f
        .metrics
        .encode()
        .contains("diachain_relayer_chain_errors_total{kind=\"unreachable\"} 1"));
}

#[tokio::test]
async fn a_transaction_too_big_for_a_block_is_split_until_it_fits() {
    let f = Fixture::new(5, 2);
    f.chain.script(&[Next::GasCap(3)]);
    let a = f.anchorer(10);
    for _ in 0..20 {
        match a.step().await {
            Ok(Step::Idle) => break,
            Ok(_) | Err(AnchorError::Chain(Error::Rejected { .. })) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(f.count("anchored"), 10);
    let sent = f.chain.broadcast.lock().unwrap().clone();
    assert!(sent.iter().all(|t| t.len() <= 3), "{sent:?}");
}

#[tokio::test]
async fn a_batch_measured_after_the_last_block_is_deferred_not_failed() {
    let f = Fixture::new(2, 1);
    let future =
        "batch 0: device cgm-0000000000000000: readings are measured in the future (1767229200)";
    f.chain.script(&[Next::Refuse(future.into())]);
    let mut a = f.anchorer(10);
    // Long enough that a loaded machine does not reach it within the first steps.
    a.settings.defer_for = std::time::Duration::from_millis(1_000);
    // The other batch goes ahead; the deferred one waits, still pending.
    assert_eq!(a.step().await.unwrap(), Step::Progress);
    assert_eq!(a.step().await.unwrap(), Step::Progress);
    assert_eq!(
        (f.count("anchored"), f.count("pending"), f.count("failed")),
        (1, 1, 0)
    );
    assert_eq!(a.step().await.unwrap(), Step::Idle, "set aside for now");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    drain(&a).await;
    assert_eq!((f.count("anchored"), f.count("failed")), (2, 0));
}

#[tokio::test]
async fn a_landed_transaction_the_node_cannot_find_is_recognised_from_the_contracts_records() {
    let f = Fixture::new(2, 1);
    f.chain.script(&[Next::LandsUnindexed]);
    let a = f.anchorer(10);
    assert_eq!(a.step().await.unwrap(), Step::Waiting);
    let s = AnchorSettings::default();
    f.chain.advance(s.timeout_blocks + s.lost_margin_blocks + 1);
    drain(&a).await;
    assert_eq!((f.count("anchored"), f.count("failed")), (2, 0));
    assert_eq!(f.chain.broadcast_count(), 1, "not sent again");
}

#[tokio::test]
async fn an_overlap_with_the_very_batch_already_on_chain_marks_it_anchored() {
    let f = Fixture::new(1, 1);
    // Anchored on chain already (say by a transaction this relayer lost track of).
    let b = f.store.batch(1).unwrap().unwrap();
    f.chain.anchor(std::slice::from_ref(&b.header));
    let overlap = "batch 0: device cgm-0000000000000000: seq 1 is at or below the anchored seq 12: replay or overlap";
    f.chain.script(&[Next::Refuse(overlap.into())]);
    drain(&f.anchorer(10)).await;
    assert_eq!((f.count("anchored"), f.count("failed")), (1, 0));
}

#[tokio::test]
async fn a_re_signed_transaction_is_recorded_under_its_new_hash_and_settles() {
    let f = Fixture::new(2, 1);
    f.chain.script(&[Next::ResignedThenLands]);
    drain(&f.anchorer(10)).await;
    let hooked = f.chain.hooked.lock().unwrap().clone();
    assert_eq!(hooked.len(), 2);
    assert!(f
        .states()
        .iter()
        .all(|s| matches!(s, AnchorState::Anchored { tx_hash, .. } if *tx_hash == hooked[1])));
}

#[tokio::test]
async fn a_transaction_failing_in_its_block_fails_the_named_header_and_resends_the_rest() {
    let f = Fixture::new(3, 1);
    let reason = "batch 2: device cgm-0000000000000002: the signature does not verify with the registered key";
    f.chain.script(&[Next::FailsInBlock(reason.into())]);
    drain(&f.anchorer(10)).await;
    let states = f.states();
    assert_eq!(
        states[2],
        AnchorState::Failed {
            reason: reason.into()
        }
    );
    assert!(matches!(states[0], AnchorState::Anchored { .. }));
    assert_eq!(f.chain.broadcast_count(), 2);
}
