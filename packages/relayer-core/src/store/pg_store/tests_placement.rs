//! The set-based ingest places batches exactly as the embedded store does, one by one: the
//! same groups, drawn at random (same device several times in one group, duplicates, overlaps,
//! gaps, batches behind the head, days backwards, too soon, relayer-held backfill), ingested
//! into both stores give the same outcomes, ids included.

use diachain_relayer_fixtures as fixtures;
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;

use super::test_db::fresh_store;
use crate::store::crypto::MasterKey;
use crate::store::test_support::{DEV, DEV2, OTHER_PATIENT};
use crate::store::{BatchLookup, IngestStore, NewBatch, RedbStore, RedbStoreOptions};

const PATIENT: &str = "wasm1patientaddress0000000000000000000000";
const T0: u64 = 1_767_225_600; // 2026-01-01

/// A small deterministic generator (xorshift64*), so that a failure replays.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Where each device's stream has got to: its next seq and the time after its last reading.
#[derive(Clone, Copy)]
struct Cursor {
    seq: u64,
    time: u64,
}

/// Mostly the device's next batch (sometimes after a gap, sometimes too soon or a day back),
/// else one drawn anywhere in what it sent so far (behind the head, overlapping, the same start).
fn random_batch(d: &mut Draw, key: &TestKey, cursors: &mut [Cursor; 2]) -> NewBatch {
    let which = usize::from(d.below(3) == 0);
    let device = [DEV, DEV2][which];
    let c = cursors[which];
    let count = 1 + d.below(12) as u32;
    let (first_seq, first_time) = if d.below(3) > 0 {
        let gap = if d.below(4) == 0 { 1 + d.below(5) } else { 0 };
        let time = match d.below(6) {
            0 => c.time.saturating_sub(120), // too soon after the head for a 600 s kind
            1 => c.time.saturating_sub(86_400), // a day back
            _ => c.time + d.below(5) * 60,
        };
        cursors[which] = Cursor {
            seq: c.seq + gap + u64::from(count),
            time: time + u64::from(count) * 300,
        };
        (c.seq + gap, time)
    } else {
        (
            1 + d.below(c.seq),
            T0 + d.below(c.time.saturating_sub(T0).max(1)),
        )
    };
    let b = fixtures::batch(key, device, first_seq, count, first_time);
    let backfill = d.below(5) == 0;
    NewBatch {
        header: b.header,
        signature: b.signature.as_slice().try_into().expect("64 bytes"),
        patient: if d.below(4) == 0 {
            OTHER_PATIENT
        } else {
            PATIENT
        }
        .to_string(),
        readings: b.readings,
        received_at: first_time + 60,
        received_at_ms: 0,
        min_interval_seconds: [0, 60, 600][d.below(3) as usize],
        backfill,
        millis: if backfill {
            (0..count).map(|i| (i * 7 % 1000) as u16).collect()
        } else {
            Vec::new()
        },
    }
}

#[test]
#[ignore = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh"]
fn set_based_ingest_places_random_groups_exactly_as_the_embedded_store() {
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    for seed in [1u64, 0x5eed, 0xdead_beef] {
        let pg = fresh_store().expect("a store");
        let dir = tempfile::tempdir().expect("tempdir");
        let redb = RedbStore::open(
            &dir.path().join("s.redb"),
            &MasterKey::generate(),
            RedbStoreOptions::default(),
        )
        .expect("redb");
        let mut d = Draw(seed);
        let mut earlier: Vec<NewBatch> = Vec::new();
        let mut cursors = [Cursor { seq: 1, time: T0 }; 2];
        let mut stored = 0;
        let mut kinds = std::collections::BTreeSet::new();
        let mut in_group_repeats = 0;
        for round in 0..40 {
            let size = 1 + d.below(8) as usize;
            let mut group: Vec<NewBatch> = Vec::with_capacity(size);
            for _ in 0..size {
                // Sometimes one sent before again (a retry), from this group or an earlier one.
                let b = match d.below(6) {
                    0 if !group.is_empty() => group[d.below(group.len() as u64) as usize].clone(),
                    1 | 2 if !earlier.is_empty() => {
                        earlier[d.below(earlier.len() as u64) as usize].clone()
                    }
                    _ => random_batch(&mut d, &key, &mut cursors),
                };
                group.push(b);
            }
            let want = redb.ingest(&group).expect("redb ingest");
            let got = pg.ingest(&group).expect("pg ingest");
            assert_eq!(got, want, "seed {seed:#x}, round {round}: {group:#?}");
            for o in &want {
                let kind = format!("{o:?}");
                let kind = kind
                    .split(['(', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                stored += usize::from(kind == "Stored");
                kinds.insert(kind);
            }
            in_group_repeats += (1..group.len())
                .filter(|&i| group[..i].iter().any(|e| e.header == group[i].header))
                .count();
            earlier.extend(group);
        }
        // Every answer came up (what the generator is for), a group's own batches included.
        for kind in [
            "Stored",
            "Duplicate",
            "Overlap",
            "BehindHead",
            "DayBackwards",
            "TooSoonAfterLast",
        ] {
            assert!(
                kinds.contains(kind),
                "seed {seed:#x}: no {kind} among {kinds:?}"
            );
        }
        assert!(stored >= 20, "seed {seed:#x}: only {stored} stored");
        assert!(
            in_group_repeats > 0,
            "seed {seed:#x}: no batch repeated within a group"
        );
        for device in [DEV, DEV2] {
            assert_eq!(
                pg.device_head(device).unwrap(),
                redb.device_head(device).unwrap()
            );
            for seq in (1..cursors[0].seq.max(cursors[1].seq)).step_by(3) {
                assert_eq!(
                    pg.find_batch(device, seq).unwrap(),
                    redb.find_batch(device, seq).unwrap(),
                    "{device} seq {seq}"
                );
            }
            assert_eq!(
                pg.held_times(device, T0, T0 + 4 * 86_400).unwrap(),
                redb.held_times(device, T0, T0 + 4 * 86_400).unwrap()
            );
        }
    }
}
