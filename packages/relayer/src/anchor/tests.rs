//! The anchoring task's decisions against a scripted chain: what is anchored, failed, requeued
//! or left in flight, and that nothing is ever sent twice.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cosmwasm_std::Binary;
use diachain_chain_client::{Error, TxOutcome};
use diachain_std::anchors::decode_submission;
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;

use super::*;
use crate::registry::BoxFuture;
use crate::store::crypto::MasterKey;
use crate::store::{AnchorState, NewBatch, RedbStore, RedbStoreOptions, Store};
use crate::testkit::{self, DAY0, PATIENT};

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
}

#[derive(Default)]
struct FakeChain {
    height: AtomicU64,
    script: Mutex<VecDeque<Next>>,
    txs: Mutex<HashMap<String, TxOutcome>>,
    /// Headers per broadcast transaction, in order.
    broadcast: Mutex<Vec<Vec<(String, u64)>>>,
    counter: AtomicUsize,
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
            let n = self.counter.fetch_add(1, Ordering::SeqCst);
            let hash = format!("{n:064X}");
            before_broadcast(&hash).map_err(Error::Aborted)?;
            if let Next::CheckTxRefuses = next {
                return Err(Error::Rejected {
                    code: 13,
                    codespace: "sdk".into(),
                    log: "insufficient fee".into(),
                });
            }
            let headers = decode_submission(payload.as_slice())
                .unwrap()
                .into_iter()
                .map(|(h, _)| (h.device_id, h.first_seq))
                .collect();
            self.broadcast.lock().unwrap().push(headers);
            match next {
                Next::Land => {
                    self.land(&hash);
                    Ok(hash)
                }
                Next::LostAnswerButLands => {
                    self.land(&hash);
                    Err(transport(Some(hash)))
                }
                _ => Ok(hash),
            }
        })
    }

    fn find_tx<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<TxOutcome>, Error>> {
        Box::pin(async move { Ok(self.txs.lock().unwrap().get(hash).cloned()) })
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
                let b = testkit::batch(
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
