//! The recorder's decisions against a scripted chain: every access and erasure recorded exactly
//! once, through drops, lost answers, restarts and refusals.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cosmwasm_std::Binary;
use diachain_chain_client::{Error, TxOutcome};
use diachain_std::consent::ExecuteMsg;

use super::RecordMsg;
use diachain_std::DataScope;

use super::*;
use crate::anchor::BeforeBroadcast;
use crate::store::crypto::MasterKey;
use crate::store::{OutboxMsg, RedbStore, RedbStoreOptions, Store};
use crate::BoxFuture;
use diachain_relayer_fixtures::{DAY0, PATIENT};

/// A grant id the fake contract never allows: any transaction recording it is refused.
const NEVER_ALLOWED: u64 = 666;

#[derive(Clone, Debug)]
enum Next {
    /// Included in the next block.
    Land,
    /// Accepted by CheckTx, never included.
    Drop,
    /// Broadcast and included, but the answer is lost.
    LostAnswerButLands,
    Unreachable,
}

#[derive(Default)]
struct FakeChain {
    height: AtomicU64,
    script: Mutex<VecDeque<Next>>,
    txs: Mutex<HashMap<String, TxOutcome>>,
    /// Every broadcast transaction's messages.
    broadcast: Mutex<Vec<Vec<RecordMsg>>>,
    counter: AtomicUsize,
}

fn refused_by_contract(msgs: &[RecordMsg]) -> bool {
    msgs.iter().any(|m| match m {
        RecordMsg::Consent(ExecuteMsg::RecordAccesses { accesses }) => {
            accesses.iter().any(|a| a.grant_id == NEVER_ALLOWED)
        }
        _ => false,
    })
}

impl FakeChain {
    fn script(&self, steps: &[Next]) {
        self.script.lock().unwrap().extend(steps.iter().cloned());
    }
    fn advance(&self, blocks: u64) {
        self.height.fetch_add(blocks, Ordering::SeqCst);
    }
    fn outcome(&self, hash: &str, failure: Option<&str>) -> TxOutcome {
        TxOutcome {
            hash: hash.to_string(),
            height: self.height.load(Ordering::SeqCst) + 1,
            code: if failure.is_some() { 5 } else { 0 },
            codespace: if failure.is_some() { "wasm".into() } else { String::new() },
            raw_log: failure.map_or(String::new(), |m| {
                format!("failed to execute message; message index: 0: {m}: execute wasm contract failed")
            }),
            gas_wanted: 0,
            gas_used: 0,
            events: vec![],
        }
    }
    /// Accesses recorded by landed, successful transactions: (grant id, data_from) pairs.
    fn recorded(&self) -> Vec<(u64, u64)> {
        let txs = self.txs.lock().unwrap();
        let sent = self.broadcast.lock().unwrap();
        let mut out = Vec::new();
        for (i, msgs) in sent.iter().enumerate() {
            let ok = txs.get(&format!("TX{i}")).is_some_and(|t| t.code == 0);
            for m in msgs.iter().filter(|_| ok) {
                if let RecordMsg::Consent(ExecuteMsg::RecordAccesses { accesses }) = m {
                    out.extend(accesses.iter().map(|a| (a.grant_id, a.data_from.seconds())));
                }
            }
        }
        out.sort_unstable();
        out
    }
}

impl RecordChain for Arc<FakeChain> {
    fn latest_height(&self) -> BoxFuture<'_, Result<u64, Error>> {
        Box::pin(async move { Ok(self.height.load(Ordering::SeqCst)) })
    }

    fn submit<'a>(
        &'a self,
        msgs: Vec<RecordMsg>,
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
            if matches!(next, Next::Unreachable) {
                return Err(Error::Transport {
                    reason: "connection refused".into(),
                    tx_hash: None,
                });
            }
            let n = self.counter.fetch_add(1, Ordering::SeqCst);
            let hash = format!("TX{n}");
            before_broadcast(&hash).map_err(Error::Aborted)?;
            let refused = refused_by_contract(&msgs);
            self.broadcast.lock().unwrap().push(msgs);
            match next {
                Next::Land | Next::LostAnswerButLands => {
                    let failure = refused.then_some("access not allowed by grant 666");
                    let tx = self.outcome(&hash, failure);
                    self.txs.lock().unwrap().insert(hash.clone(), tx);
                }
                Next::Drop | Next::Unreachable => {}
            }
            if matches!(next, Next::LostAnswerButLands) {
                return Err(Error::Transport {
                    reason: "connection reset".into(),
                    tx_hash: Some(hash),
                });
            }
            Ok(hash)
        })
    }

    fn find_tx<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<TxOutcome>, Error>> {
        Box::pin(async move { Ok(self.txs.lock().unwrap().get(hash).cloned()) })
    }
}

fn access(grant_id: u64, data_from: u64) -> OutboxMsg {
    OutboxMsg::Access {
        patient: PATIENT.into(),
        grantee: "wasm1clinician".into(),
        scope: DataScope::Glucose,
        data_from,
        data_to: data_from + 3_600,
        grant_id,
        served_at_ns: DAY0 * 1_000_000_000,
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    master: MasterKey,
    chain: Arc<FakeChain>,
    recorder: Recorder<Arc<FakeChain>>,
}

fn recorder_over(store: Arc<dyn Store>, chain: Arc<FakeChain>) -> Recorder<Arc<FakeChain>> {
    Recorder::new(
        chain,
        store,
        Arc::new(Metrics::new()),
        RecorderSettings::default(),
    )
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    let master = MasterKey::generate();
    let store: Arc<dyn Store> =
        Arc::new(RedbStore::open(&path, &master, RedbStoreOptions::default()).unwrap());
    let chain = Arc::new(FakeChain::default());
    chain.advance(100);
    Rig {
        recorder: recorder_over(store, chain.clone()),
        _dir: dir,
        path,
        master,
        chain,
    }
}

impl Rig {
    fn store(&self) -> &Arc<dyn OutboxStore> {
        &self.recorder.store
    }
    async fn until_idle(&self) {
        for _ in 0..50 {
            if self.recorder.step().await.unwrap() == Step::Idle {
                return;
            }
        }
        panic!("the recorder never became idle");
    }
    fn state(&self, id: OutboxId) -> OutboxState {
        self.store().outbox_item(id).unwrap().unwrap().state
    }
}

#[tokio::test]
async fn accesses_and_an_erasure_go_in_one_transaction_and_are_recorded_once() {
    let r = rig();
    let erasure = OutboxMsg::Erasure {
        patient: PATIENT.into(),
        request_hash: Binary::new(vec![1; 32]),
        requested_at: DAY0,
    };
    let ids = r
        .store()
        .enqueue(&[access(1, 10), access(1, 20), erasure], DAY0)
        .unwrap();
    r.until_idle().await;
    let sent = r.chain.broadcast.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(
        matches!(&sent[0][..], [RecordMsg::Consent(ExecuteMsg::RecordAccesses { accesses }), RecordMsg::Consent(ExecuteMsg::RecordErasure { .. })] if accesses.len() == 2)
    );
    for id in ids {
        assert_eq!(
            r.state(id),
            OutboxState::Recorded {
                tx_hash: "TX0".into(),
                height: 101
            }
        );
    }
    r.until_idle().await;
    assert_eq!(r.chain.broadcast.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_dropped_transaction_is_resent_only_after_its_timeout_has_passed() {
    let r = rig();
    r.chain.script(&[Next::Drop]);
    let ids = r.store().enqueue(&[access(1, 10)], DAY0).unwrap();
    assert_eq!(r.recorder.step().await.unwrap(), Step::Progress);
    // While the chain may still include it, it waits.
    for _ in 0..3 {
        assert_eq!(r.recorder.step().await.unwrap(), Step::Waiting);
    }
    r.chain.advance(20 + 2);
    assert_eq!(r.recorder.step().await.unwrap(), Step::Waiting);
    r.chain.advance(1);
    r.until_idle().await;
    assert_eq!(r.chain.broadcast.lock().unwrap().len(), 2);
    assert_eq!(r.chain.recorded(), [(1, 10)]);
    assert!(
        matches!(r.state(ids[0]), OutboxState::Recorded { ref tx_hash, .. } if tx_hash == "TX1")
    );
}

#[tokio::test]
async fn a_lost_answer_is_settled_from_the_chain_after_a_restart_not_sent_again() {
    let r = rig();
    r.chain.script(&[Next::LostAnswerButLands]);
    let ids = r.store().enqueue(&[access(1, 10)], DAY0).unwrap();
    assert!(r.recorder.step().await.is_err());
    assert!(matches!(r.state(ids[0]), OutboxState::InFlight { .. }));
    // A new process over the same file.
    let Rig {
        _dir,
        path,
        master,
        chain,
        recorder,
    } = r;
    drop(recorder);
    let store: Arc<dyn Store> =
        Arc::new(RedbStore::open(&path, &master, RedbStoreOptions::default()).unwrap());
    let again = recorder_over(store.clone(), chain.clone());
    assert_eq!(again.step().await.unwrap(), Step::Progress);
    assert_eq!(again.step().await.unwrap(), Step::Idle);
    assert_eq!(chain.broadcast.lock().unwrap().len(), 1);
    assert!(matches!(
        store.outbox_item(ids[0]).unwrap().unwrap().state,
        OutboxState::Recorded { .. }
    ));
}

#[tokio::test]
async fn one_refused_access_fails_alone_and_the_others_are_recorded() {
    let r = rig();
    let ids = r
        .store()
        .enqueue(
            &[access(1, 10), access(NEVER_ALLOWED, 20), access(2, 30)],
            DAY0,
        )
        .unwrap();
    r.until_idle().await;
    assert_eq!(r.chain.recorded(), [(1, 10), (2, 30)]);
    assert!(matches!(r.state(ids[0]), OutboxState::Recorded { .. }));
    assert!(
        matches!(r.state(ids[1]), OutboxState::Failed { ref reason } if reason.contains("grant 666"))
    );
    assert!(matches!(r.state(ids[2]), OutboxState::Recorded { .. }));
    assert_eq!(r.recorder.metrics.outbox_failed.get(), 1);
}

#[tokio::test]
async fn an_unreachable_chain_keeps_everything_queued() {
    let r = rig();
    r.chain.script(&[Next::Unreachable]);
    let ids = r.store().enqueue(&[access(1, 10)], DAY0).unwrap();
    assert!(r.recorder.step().await.is_err());
    assert_eq!(r.state(ids[0]), OutboxState::Queued);
    r.until_idle().await;
    assert_eq!(r.chain.recorded(), [(1, 10)]);
}
