//! Crash safety: a child process ingests through the group-commit writer and prints every
//! acknowledged batch; it is killed with SIGKILL mid-ingest. The store then reopens with every
//! acknowledged batch intact (all readings decrypt to what was sent) and nothing half-written
//! (every stored batch has all its readings, and no reading lacks its batch).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use diachain_relayer_core::store::crypto::MasterKey;
use diachain_relayer_core::store::{
    AnchoringStore, BatchLookup, DataStore, GroupCommit, IngestOutcome, NewBatch, RedbStore,
    RedbStoreOptions,
};
use diachain_relayer_testkit::{self as testkit, DAY0, PATIENT};
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;

const CHILD_ENV: &str = "DIACHAIN_CRASH_CHILD_DIR";
const KEY_ENV: &str = "DIACHAIN_CRASH_CHILD_KEY";
const DEVICES: u64 = 32;
/// The child stops by itself after this many batches per device if never killed.
const BATCHES_PER_DEVICE: u64 = 200;
const KILL_AFTER_ACKS: usize = 400;

fn device(i: u64) -> String {
    format!("cgm-crash-{i:04}")
}

fn new_batch(dev: &str, n: u64) -> NewBatch {
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    let b = testkit::batch(&key, dev, 1 + 12 * n, 12, DAY0 + (n % 20) * 3_600);
    NewBatch {
        header: b.header,
        signature: b.signature.as_slice().try_into().expect("64 bytes"),
        patient: PATIENT.into(),
        readings: b.readings,
        received_at: DAY0,
        received_at_ms: 0,
        min_interval_seconds: 60,
        backfill: false,
        millis: Vec::new(),
    }
}

/// Runs only as the re-executed child: ingests until killed.
#[test]
fn crash_child_ingests_until_killed() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let master = MasterKey::from_hex(&std::env::var(KEY_ENV).expect("key")).expect("hex");
    let path = std::path::Path::new(&dir).join("crash.redb");
    let store =
        Arc::new(RedbStore::open(&path, &master, RedbStoreOptions::default()).expect("open"));
    let writer = Arc::new(GroupCommit::start(store, 64).expect("writer"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..DEVICES {
            let writer = writer.clone();
            tasks.spawn(async move {
                let dev = device(i);
                for n in 0..BATCHES_PER_DEVICE {
                    let outcome = writer.submit(new_batch(&dev, n)).await.expect("stored");
                    assert!(matches!(outcome, IngestOutcome::Stored(_)));
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ACK {dev} {n}").expect("stdout");
                    out.flush().expect("flush");
                }
            });
        }
        tasks.join_all().await;
    });
}

#[test]
fn sigkill_mid_ingest_loses_no_acknowledged_batch_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let master = MasterKey::generate();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "crash_child_ingests_until_killed",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .env(KEY_ENV, master.to_hex())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut acked: Vec<(String, u64)> = Vec::new();
    let mut killed = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(rest) = line.strip_prefix("ACK ") {
            let (dev, n) = rest.split_once(' ').expect("ack line");
            acked.push((dev.to_string(), n.parse().expect("n")));
        }
        if !killed && acked.len() >= KILL_AFTER_ACKS {
            child.kill().expect("SIGKILL");
            killed = true;
        }
    }
    let status = child.wait().expect("wait");
    assert!(killed, "the child was killed mid-ingest");
    assert!(!status.success(), "the child died by the signal");

    let store = RedbStore::open(
        &dir.path().join("crash.redb"),
        &master,
        RedbStoreOptions::default(),
    )
    .expect("the store reopens after SIGKILL");
    for (dev, n) in &acked {
        let expected = new_batch(dev, *n);
        let batch = store
            .find_batch(dev, expected.header.first_seq)
            .expect("read")
            .unwrap_or_else(|| panic!("acknowledged batch {dev}/{n} is missing"));
        assert_eq!(batch.header, expected.header);
        assert_eq!(store.readings(&batch).expect("readings"), expected.readings);
    }
    let all = store.pending(usize::MAX).expect("pending");
    assert!(all.len() >= acked.len());
    let mut readings = 0u64;
    for batch in &all {
        readings += store
            .readings(batch)
            .expect("every stored batch is whole")
            .len() as u64;
    }
    drop(store);
    assert_eq!(
        count_reading_rows(&dir.path().join("crash.redb")),
        readings,
        "no orphan reading"
    );
}

fn count_reading_rows(path: &std::path::Path) -> u64 {
    use redb::{ReadableDatabase, ReadableTableMetadata, TableDefinition};
    const READINGS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("readings");
    let db = redb::Database::open(path).expect("open");
    let txn = db.begin_read().expect("read");
    txn.open_table(READINGS).expect("table").len().expect("len")
}
