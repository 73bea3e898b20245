//! A patient's CGM summary of a period (`GET /v1/patients/{patient}/summary`), from the store:
//! only readings of batches anchored on chain, each batch's Merkle root recomputed from the
//! readings the store gives back and compared with the root it holds (and anchored) before any
//! of them is counted; batches not anchored yet, or refused for good, are left out and counted.
//! The metrics themselves are `diachain_relayer_types::cgm`'s (the rules of the TypeScript
//! client's `cgm.ts`).

use cosmwasm_std::Binary;
use diachain_relayer_types::cgm::{summarize, PeriodError, Summary};
use diachain_relayer_types::data::{HeightRange, LeftOut, SummaryBatch};
use diachain_relayer_types::proof::leaves_of;
use diachain_std::{merkle, DataScope, Reading};

use crate::store::{AnchorState, DataStore, StoreError};

/// A summary and what it was computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientSummary {
    pub summary: Summary,
    pub left_out: LeftOut,
    /// The anchored batches drawn on (holding a glucose-scope reading of the period), by height
    /// then batch id.
    pub batches: Vec<SummaryBatch>,
    pub anchored_heights: Option<HeightRange>,
}

#[derive(thiserror::Error, Debug)]
pub enum SummaryError {
    /// The period holds more batches than one summary draws on.
    #[error("the period holds more than {0} batches")]
    TooManyBatches(usize),
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// The store failed, or gave back readings that do not rebuild their batch's root.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The summary of `patient`'s glucose readings measured in `from..=to`, days cut at
/// `utc_offset_minutes`, from at most `max_batches` batches.
pub fn patient_summary<S: DataStore + ?Sized>(
    store: &S,
    patient: &str,
    from: u64,
    to: u64,
    utc_offset_minutes: i64,
    max_batches: usize,
) -> Result<PatientSummary, SummaryError> {
    // The period and offset first: nothing is read for a request that cannot be answered.
    diachain_relayer_types::cgm::offset_days(from, to, utc_offset_minutes)?;
    let stored = store.patient_batches(patient, from, to, max_batches.saturating_add(1))?;
    if stored.len() > max_batches {
        return Err(SummaryError::TooManyBatches(max_batches));
    }
    let of_period =
        |r: &Reading| r.kind.scope() == DataScope::Glucose && (from..=to).contains(&r.measured_at);
    let mut left_out = LeftOut::default();
    let mut batches = Vec::new();
    let mut readings: Vec<Reading> = Vec::new();
    for b in stored {
        let all = store.readings(&b)?;
        let n = all.iter().filter(|r| of_period(r)).count() as u64;
        if n == 0 {
            continue;
        }
        let (tx_hash, height) = match &b.state {
            AnchorState::Anchored { tx_hash, height } => (tx_hash.clone(), *height),
            AnchorState::Failed { .. } => {
                left_out.failed_batches += 1;
                left_out.failed_readings += n;
                continue;
            }
            AnchorState::Pending | AnchorState::InFlight { .. } => {
                left_out.not_anchored_batches += 1;
                left_out.not_anchored_readings += n;
                continue;
            }
        };
        // The readings must be the ones the chain holds the root of: the store's root (signed
        // by the device, anchored) rebuilt from what the store decrypted.
        let leaves =
            leaves_of(&all).map_err(|e| StoreError::Corrupt(format!("batch {}: {e}", b.id)))?;
        if merkle::root(&leaves).as_slice() != b.header.root.as_slice() {
            return Err(StoreError::Corrupt(format!(
                "batch {}: its readings do not rebuild its root",
                b.id
            ))
            .into());
        }
        batches.push(SummaryBatch {
            batch_id: b.id,
            device_id: b.header.device_id.clone(),
            first_seq: b.header.first_seq,
            last_seq: b.header.last_seq,
            root: Binary::new(b.header.root.to_vec()),
            tx_hash,
            height,
            readings: n,
        });
        readings.extend(all.into_iter().filter(|r| of_period(r)));
    }
    batches.sort_by_key(|b| (b.height, b.batch_id));
    let anchored_heights = match (batches.first(), batches.iter().map(|b| b.height).max()) {
        (Some(first), Some(max)) => Some(HeightRange {
            min: first.height,
            max,
        }),
        _ => None,
    };
    let summary = summarize(&readings, from, to, utc_offset_minutes)?;
    Ok(PatientSummary {
        summary,
        left_out,
        batches,
        anchored_heights,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use diachain_relayer_fixtures::{self as fx, DAY0, PATIENT};
    use diachain_std::encoding::ReadingKind;
    use diachain_std::testing::{signed_batch_v2, TestKey};
    use diachain_std::KeyAlgorithm;

    use super::*;
    use crate::store::{BatchLookup, HeldTimes, StoredBatch};

    /// A data store in memory: batches with their readings (which a test may alter).
    #[derive(Default)]
    struct Fake {
        batches: Mutex<Vec<(StoredBatch, Vec<Reading>)>>,
    }

    impl Fake {
        /// Stores `count` 5-minute CGM readings of `device` from `seq` at `first_time`.
        fn add(&self, device: &str, seq: u64, count: u32, first_time: u64, state: AnchorState) {
            self.add_kinds(device, seq, count, first_time, state, &[]);
        }

        /// The same, of `kinds` in turn (glucose when empty).
        fn add_kinds(
            &self,
            device: &str,
            seq: u64,
            count: u32,
            first_time: u64,
            state: AnchorState,
            kinds: &[ReadingKind],
        ) {
            let key = TestKey::new(KeyAlgorithm::Ed25519, 0x21);
            let b = if kinds.is_empty() {
                fx::batch(&key, device, seq, count, first_time)
            } else {
                signed_batch_v2(
                    &key,
                    device,
                    seq,
                    count,
                    first_time,
                    fx::INTERVAL,
                    &fx::domain(),
                    kinds,
                )
            };
            let mut batches = self.batches.lock().unwrap();
            let id = batches.len() as u64 + 1;
            let stored = StoredBatch {
                id,
                header: b.header,
                signature: cosmwasm_std::Binary::new(b.signature.to_vec()),
                patient: PATIENT.into(),
                gap: None,
                received_at: first_time,
                received_at_ms: 0,
                state,
            };
            batches.push((stored, b.readings));
        }

        fn alter(&self, id: u64, f: impl Fn(&mut Reading)) {
            let mut batches = self.batches.lock().unwrap();
            batches[id as usize - 1].1.iter_mut().for_each(f);
        }
    }

    impl BatchLookup for Fake {
        fn batch(&self, id: u64) -> Result<Option<StoredBatch>, StoreError> {
            let batches = self.batches.lock().unwrap();
            Ok(batches.get(id as usize - 1).map(|(b, _)| b.clone()))
        }
        fn find_batch(&self, _: &str, _: u64) -> Result<Option<StoredBatch>, StoreError> {
            Ok(None)
        }
        fn device_head(&self, _: &str) -> Result<Option<StoredBatch>, StoreError> {
            Ok(None)
        }
        fn held_times(&self, _: &str, _: u64, _: u64) -> Result<HeldTimes, StoreError> {
            Ok(HeldTimes::default())
        }
    }

    impl DataStore for Fake {
        fn readings(&self, batch: &StoredBatch) -> Result<Vec<Reading>, StoreError> {
            let batches = self.batches.lock().unwrap();
            Ok(batches[batch.id as usize - 1].1.clone())
        }
        fn patient_batches(
            &self,
            patient: &str,
            from: u64,
            to: u64,
            limit: usize,
        ) -> Result<Vec<StoredBatch>, StoreError> {
            let batches = self.batches.lock().unwrap();
            Ok(batches
                .iter()
                .filter(|(b, _)| {
                    b.patient == patient && b.header.first_time <= to && b.header.last_time >= from
                })
                .take(limit)
                .map(|(b, _)| b.clone())
                .collect())
        }
    }

    fn anchored(height: u64) -> AnchorState {
        AnchorState::Anchored {
            tx_hash: format!("TX{height}"),
            height,
        }
    }

    const T0: u64 = DAY0 + 3_600;
    const DAY: u64 = 86_400;

    #[test]
    fn only_anchored_batches_count_and_the_others_are_counted_as_left_out() {
        let s = Fake::default();
        // Batch 1: 12 readings from T0 (anchored at 40); batch 2: 12 from T0 + 1 h (pending);
        // batch 3: 12 from T0 + 2 h (in flight); batch 4: 12 from T0 + 3 h (failed);
        // batch 5: 12 from T0 + 4 h, another device, anchored at 30.
        s.add("cgm-a", 1, 12, T0, anchored(40));
        s.add("cgm-a", 13, 12, T0 + 3_600, AnchorState::Pending);
        s.add(
            "cgm-a",
            25,
            12,
            T0 + 7_200,
            AnchorState::InFlight {
                tx_hash: "T".into(),
                timeout_height: 9,
            },
        );
        s.add(
            "cgm-a",
            37,
            12,
            T0 + 10_800,
            AnchorState::Failed {
                reason: "no".into(),
            },
        );
        s.add("cgm-b", 1, 12, T0 + 14_400, anchored(30));
        let p = patient_summary(&s, PATIENT, T0, T0 + DAY - 1, 0, 10).unwrap();
        // 2 anchored batches × 12 readings; 2 not anchored (24 readings), 1 failed (12).
        assert_eq!(p.summary.selection.given, 24);
        assert_eq!(p.summary.period.readings, 24);
        assert_eq!(
            p.left_out,
            LeftOut {
                not_anchored_batches: 2,
                not_anchored_readings: 24,
                failed_batches: 1,
                failed_readings: 12
            }
        );
        // By height: cgm-b's batch (30) before cgm-a's (40).
        let drawn: Vec<_> = p
            .batches
            .iter()
            .map(|b| {
                (
                    b.batch_id,
                    b.device_id.as_str(),
                    b.first_seq,
                    b.last_seq,
                    b.height,
                    b.readings,
                )
            })
            .collect();
        assert_eq!(
            drawn,
            [(5, "cgm-b", 1, 12, 30, 12), (1, "cgm-a", 1, 12, 40, 12)]
        );
        assert_eq!(p.anchored_heights, Some(HeightRange { min: 30, max: 40 }));
        assert_eq!(p.batches[1].tx_hash, "TX40");
        // The values: 90 + (seq × 7919 mod 120000) / 1000 mg/dL for seq 1…12 of each device;
        // the same seqs twice, so the mean is that of seq 1…12:
        // Σ (seq × 7919) for seq 1…12 = 7919 × 78 = 617682 (no term reaches 120000 but
        // seq ≥ 16), so Σ = 12 × 90000 + 617682 = 1697682 thousandths; mean 141.4735 mg/dL.
        assert!((p.summary.period.mean.unwrap() - 1_697.682 / 12.0).abs() < 1e-9);
    }

    #[test]
    fn only_the_period_and_the_glucose_scope_are_summarised() {
        let s = Fake::default();
        // 12 readings from T0, glucose and insulin in turn (seq 1, 3, … glucose): the period
        // T0 + 900 … T0 + 2400 holds seq 4 … 9, of which 5, 7, 9 are glucose.
        s.add_kinds(
            "cgm-a",
            1,
            12,
            T0,
            anchored(7),
            &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
        );
        let p = patient_summary(&s, PATIENT, T0 + 900, T0 + 2_400, 0, 10).unwrap();
        assert_eq!(p.summary.selection.given, 3);
        assert_eq!(p.summary.period.readings, 3);
        // The batch counts its glucose-scope readings of the period only.
        assert_eq!(p.batches[0].readings, 3);
        // A period of insulin only (seq 2 at T0 + 300): the batch is not drawn on.
        let p = patient_summary(&s, PATIENT, T0 + 300, T0 + 300, 0, 10).unwrap();
        assert!(p.batches.is_empty());
        assert_eq!(p.summary.selection.given, 0);
    }

    #[test]
    fn readings_that_do_not_rebuild_the_anchored_root_are_never_summarised() {
        let s = Fake::default();
        s.add("cgm-a", 1, 12, T0, anchored(7));
        // The store gives back one value changed by 1 mg/dL.
        s.alter(1, |r| {
            if r.seq == 3 {
                r.value += 1_000;
            }
        });
        let err = patient_summary(&s, PATIENT, T0, T0 + DAY - 1, 0, 10).unwrap_err();
        assert!(
            err.to_string()
                .contains("batch 1: its readings do not rebuild its root"),
            "{err}"
        );
        // A pending batch is not checked (nothing of it is summarised): its readings are only
        // counted.
        let s = Fake::default();
        s.add("cgm-a", 1, 12, T0, AnchorState::Pending);
        s.alter(1, |r| r.value += 1_000);
        let p = patient_summary(&s, PATIENT, T0, T0 + DAY - 1, 0, 10).unwrap();
        assert_eq!(p.left_out.not_anchored_readings, 12);
        assert_eq!(p.summary.period.readings, 0);
        assert_eq!(p.anchored_heights, None);
    }

    #[test]
    fn too_many_batches_a_bad_period_and_nothing_at_all() {
        let s = Fake::default();
        for i in 0..3u64 {
            s.add("cgm-a", 1 + i * 12, 12, T0 + i * 3_600, anchored(5));
        }
        assert!(matches!(
            patient_summary(&s, PATIENT, T0, T0 + DAY - 1, 0, 2),
            Err(SummaryError::TooManyBatches(2))
        ));
        assert!(patient_summary(&s, PATIENT, T0, T0 + DAY - 1, 0, 3).is_ok());
        assert!(matches!(
            patient_summary(&s, PATIENT, T0 + 1, T0, 0, 3),
            Err(SummaryError::Period(PeriodError::Inverted { .. }))
        ));
        assert!(matches!(
            patient_summary(&s, PATIENT, T0, T0 + 1, 900, 3),
            Err(SummaryError::Period(PeriodError::Offset(900)))
        ));
        // Another patient's: nothing, and every day of the period listed empty: T0 is 01:00
        // UTC, so two days from it touch three UTC days.
        let p = patient_summary(&s, "wasm1someoneelse", T0, T0 + 2 * DAY - 1, 0, 3).unwrap();
        assert_eq!(p.summary.period.readings, 0);
        assert!(p.batches.is_empty() && p.anchored_heights.is_none());
        assert_eq!(p.summary.days.len(), 3);
    }
}
