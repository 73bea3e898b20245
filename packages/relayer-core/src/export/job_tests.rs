//! The export pass on a real store: what each window lets through (scopes, edges, days), what
//! is left out (unanchored batches), what never appears (addresses, device ids, salts), and that
//! the root is the tree over the lines written.

use std::sync::Arc;

use diachain_relayer_fixtures::domain;
use diachain_relayer_types::dataset::{row_leaf, MerkleBuilder};
use diachain_std::device::KeyAlgorithm;
use diachain_std::encoding::ReadingKind;
use diachain_std::testing::{signed_batch_v2, TestKey};
use diachain_std::union::DatasetFormat;
use diachain_std::DataScope;

use super::job::{run, JobSpec, Participant};
use super::plan::Window;
use crate::store::crypto::MasterKey;
use crate::store::{
    AnchoringStore, IngestOutcome, IngestStore, NewBatch, RedbStore, RedbStoreOptions,
};

const DAY: u64 = 86_400;
const FIRST_DAY: u64 = 20_000;
const ALICE: &str = "wasm1alicealicealicealicealicealicealic0";
const BOB: &str = "wasm1bobbobbobbobbobbobbobbobbobbobbobb0";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<RedbStore>,
    /// Every device id and salt (hex) stored.
    secrets: Vec<String>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(
        RedbStore::open(
            &dir.path().join("s.redb"),
            &MasterKey::generate(),
            RedbStoreOptions::default(),
        )
        .expect("store"),
    );
    Fixture {
        _dir: dir,
        store,
        secrets: Vec::new(),
    }
}

impl Fixture {
    /// Stores `count` readings alternating glucose and insulin every 5 minutes from `first`,
    /// anchored or not.
    fn put(
        &mut self,
        patient: &str,
        device: &str,
        first_seq: u64,
        count: u32,
        first: u64,
        anchored: bool,
    ) {
        let key = TestKey::new(KeyAlgorithm::Ed25519, 0x31);
        let b = signed_batch_v2(
            &key,
            device,
            first_seq,
            count,
            first,
            300,
            &domain(),
            &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
        );
        self.secrets.push(device.to_string());
        for r in &b.readings {
            self.secrets.push(hex::encode(r.salt));
        }
        let nb = NewBatch {
            header: b.header,
            signature: b.signature.as_slice().try_into().expect("sig"),
            patient: patient.to_string(),
            readings: b.readings,
            received_at: first,
            received_at_ms: first * 1000,
            min_interval_seconds: 0,
            backfill: false,
            millis: Vec::new(),
        };
        let stored = match self.store.ingest(&[nb]).expect("ingest").remove(0) {
            IngestOutcome::Stored(b) => b,
            other => panic!("not stored: {other:?}"),
        };
        if anchored {
            self.store
                .mark_anchored(&[stored.id], "TXHASH", 7)
                .expect("anchor");
        }
    }

    fn export(
        &self,
        format: DatasetFormat,
        participants: &[Participant],
    ) -> (String, super::job::JobOutcome, String) {
        let spec = JobSpec {
            study_id: 4,
            data_from_day: FIRST_DAY,
            format,
        };
        let mut data = Vec::new();
        let mut map = Vec::new();
        let mut calls = 0;
        let outcome = run(
            self.store.as_ref(),
            &spec,
            participants,
            &mut data,
            &mut map,
            &mut |_, _| {
                calls += 1;
                true
            },
        )
        .expect("export");
        assert_eq!(calls, participants.len());
        (
            String::from_utf8(data).expect("utf8"),
            outcome,
            String::from_utf8(map).expect("utf8"),
        )
    }
}

fn participant(
    patient: &str,
    pseudonym: &str,
    scopes: &[DataScope],
    from: u64,
    to: u64,
) -> Participant {
    Participant {
        patient: patient.to_string(),
        pseudonym: pseudonym.to_string(),
        shift_secs: 0,
        window: Window {
            scopes: scopes.to_vec(),
            from,
            to,
            grant_id: 1,
        },
    }
}

const P1: &str = "P-00000000000000a1";
const P2: &str = "P-00000000000000b2";

#[test]
fn rows_follow_each_window_scopes_and_edges_and_skip_unanchored_batches() {
    let mut f = fixture();
    let t0 = FIRST_DAY * DAY;
    // Alice: 24 readings (12 glucose, 12 insulin) over two hours either side of midnight.
    f.put(ALICE, "dev-alice-1", 1, 24, t0 + DAY - 3600, true);
    // and a batch not anchored yet.
    f.put(ALICE, "dev-alice-1", 25, 12, t0 + DAY + 3 * 3600, false);
    // Bob: 12 readings on day 0.
    f.put(BOB, "dev-bob-1", 1, 12, t0 + 600, true);
    let alice = participant(
        ALICE,
        P1,
        &[DataScope::Glucose, DataScope::Insulin],
        t0,
        t0 + 2 * DAY - 1,
    );
    // Bob consented to glucose only, and his consent's data period ends mid-batch: the reading
    // at exactly its end is in, the next one out.
    let bob = participant(BOB, P2, &[DataScope::Glucose], t0, t0 + 600 + 5 * 300);
    let (csv, outcome, map) = f.export(DatasetFormat::Csv, &[alice, bob]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], diachain_relayer_types::dataset::CSV_HEADER);
    // Alice: all 24 anchored readings; the unanchored batch left out.
    assert_eq!(outcome.per_participant[0].rows, 24);
    assert_eq!(
        outcome.per_participant[0].scopes,
        [DataScope::Glucose, DataScope::Insulin]
    );
    // Bob: glucose at +600, +1200, +1800 (seqs 1, 3, 5; 2, 4, 6 are insulin) within the window.
    assert_eq!(outcome.per_participant[1].rows, 3);
    assert_eq!(outcome.per_participant[1].scopes, [DataScope::Glucose]);
    assert_eq!(outcome.rows, 27);
    assert_eq!(lines.len(), 28);
    assert_eq!(outcome.scope_rows.get(&DataScope::Glucose), Some(&15));
    assert_eq!(outcome.scope_rows.get(&DataScope::Insulin), Some(&12));
    assert_eq!(outcome.unanchored_batches, 1);
    assert_eq!(
        outcome.measured,
        Some((t0 + 600, t0 + DAY - 3600 + 23 * 300))
    );
    assert_eq!(outcome.bytes, csv.len() as u64);
    // Study days follow the study's grid: Alice's readings after midnight are day 1.
    assert!(lines[1..]
        .iter()
        .any(|l| l.starts_with(&format!("{P1},0,"))));
    assert!(lines[1..]
        .iter()
        .any(|l| l.starts_with(&format!("{P1},1,"))));
    assert!(lines[1..25].iter().all(|l| l.starts_with(P1)));
    assert!(lines[25..]
        .iter()
        .all(|l| l.starts_with(&format!("{P2},0,")) && l.contains(",glucose,")));
    // The root is the tree over the lines written, in order.
    let mut tree = MerkleBuilder::new();
    for l in &lines[1..] {
        tree.push(row_leaf(l));
    }
    assert_eq!(outcome.root, tree.finish());
    // The row map has one line per row, naming the device and seq.
    let map: Vec<&str> = map.lines().collect();
    assert_eq!(map.len(), 27);
    assert_eq!(map[0], "dev-alice-1 1");
    assert_eq!(map[26], "dev-bob-1 5");
}

#[test]
fn no_address_device_id_or_salt_appears_in_either_format() {
    let mut f = fixture();
    let t0 = FIRST_DAY * DAY;
    f.put(ALICE, "dev-alice-1", 1, 24, t0 + 3600, true);
    f.put(BOB, "dev-bob-1", 1, 24, t0 + 7200, true);
    let both = [
        participant(
            ALICE,
            P1,
            &[DataScope::Glucose, DataScope::Insulin],
            t0,
            t0 + DAY - 1,
        ),
        participant(
            BOB,
            P2,
            &[DataScope::Glucose, DataScope::Insulin],
            t0,
            t0 + DAY - 1,
        ),
    ];
    for format in [DatasetFormat::Csv, DatasetFormat::FhirNdjson] {
        let (text, outcome, _) = f.export(format, &both);
        assert_eq!(outcome.rows, 48);
        for secret in f
            .secrets
            .iter()
            .chain([ALICE.to_string(), BOB.to_string()].iter())
        {
            assert!(!text.contains(secret.as_str()), "{format:?} holds {secret}");
        }
        assert!(!text.contains("wasm1"), "{format:?} holds an address");
        assert!(!text.contains("dev-"), "{format:?} holds a device id");
    }
}

#[test]
fn the_same_rows_give_the_same_root_in_csv_and_ndjson() {
    let mut f = fixture();
    let t0 = FIRST_DAY * DAY;
    f.put(ALICE, "dev-alice-1", 1, 30, t0 + 60, true);
    let p = [participant(
        ALICE,
        P1,
        &[DataScope::Glucose, DataScope::Insulin],
        t0,
        t0 + DAY - 1,
    )];
    let (_, csv, _) = f.export(DatasetFormat::Csv, &p);
    let (ndjson, nd, _) = f.export(DatasetFormat::FhirNdjson, &p);
    assert_eq!(csv.root, nd.root);
    assert_eq!(ndjson.lines().count(), 30);
}

#[test]
fn a_time_shift_moves_every_time_and_study_day_by_whole_days() {
    let mut f = fixture();
    let t0 = FIRST_DAY * DAY;
    f.put(ALICE, "dev-alice-1", 1, 2, t0 + 3600, true);
    let mut p = participant(
        ALICE,
        P1,
        &[DataScope::Glucose, DataScope::Insulin],
        t0,
        t0 + DAY - 1,
    );
    let (plain, _, _) = f.export(DatasetFormat::Csv, std::slice::from_ref(&p));
    p.shift_secs = -3 * DAY as i64;
    let (shifted, outcome, _) = f.export(DatasetFormat::Csv, &[p]);
    let first = |text: &str| text.lines().nth(1).expect("row").to_string();
    assert!(first(&plain).starts_with(&format!("{P1},0,")));
    assert!(first(&shifted).starts_with(&format!("{P1},-3,")));
    // The same time of day, three days earlier; the manifest's period stays unshifted.
    assert!(first(&plain).contains("T01:00:00Z"));
    assert!(first(&shifted).contains("T01:00:00Z"));
    assert_eq!(outcome.measured.map(|m| m.0), Some(t0 + 3600));
}
