//! Values the store takes and returns.

use cosmwasm_std::Binary;
use diachain_relayer_types::state::{AnchorState, BatchId, SeqRange};
use diachain_relayer_types::wire::Receipt;
use diachain_std::crypto::SIGNATURE_LEN;
use diachain_std::{BatchHeader, Reading};
use serde::{Deserialize, Serialize};

/// A verified batch to store.
#[derive(Clone, Debug)]
pub struct NewBatch {
    pub header: BatchHeader,
    pub signature: [u8; SIGNATURE_LEN],
    /// The patient the device was bound to at the batch's time: whose data key encrypts it.
    pub patient: String,
    /// The readings, in sequence order (`first_seq..=last_seq`).
    pub readings: Vec<Reading>,
    /// Unix seconds when the relayer received it.
    pub received_at: u64,
    /// The same in milliseconds (this machine's clock), for the ingest-to-anchor latency.
    pub received_at_ms: u64,
    /// The device kind's minimum interval between readings (reading-anchors' sampling limit);
    /// a batch starting sooner after the device's last held reading is refused. 0: no check.
    pub min_interval_seconds: u32,
    /// The device's key is held by the relayer (a Nightscout uploader's): its stream is
    /// sequenced by arrival, so a batch may be measured before its newest held reading
    /// (reading-anchors' backfill; the uploader plans it within the contract's rules), and its
    /// readings' times are kept in `held_times`.
    pub backfill: bool,
    /// The millisecond of each reading's time as its uploader stamped it (Nightscout's `date`),
    /// in reading order; empty when there is none (then 0).
    pub millis: Vec<u16>,
}

/// One reading held for a device sequenced by arrival: when, which, the millisecond the
/// uploader stamped it with (the chain proves the second), whether a meter measured it, and
/// its kind when it is a record (a treatment's or device status's reading) rather than an
/// entry (glucose, or a sensor's error code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldTime {
    pub time: u64,
    pub seq: u64,
    pub millis: u16,
    pub meter: bool,
    pub record: Option<diachain_std::encoding::ReadingKind>,
}

impl HeldTime {
    /// An entry's reading (glucose, or a sensor's error code), not a record's.
    pub fn is_entry(&self) -> bool {
        self.record.is_none()
    }
}

/// The readings held for a device sequenced by arrival, around an upload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldTimes {
    /// Its newest reading's time.
    pub newest: Option<u64>,
    /// The readings in the window asked for, by time then sequence number.
    pub times: Vec<HeldTime>,
}

impl NewBatch {
    /// The record kept for this batch once stored as `id`, pending anchoring.
    pub(crate) fn stored(&self, id: BatchId, gap: Option<SeqRange>) -> StoredBatch {
        StoredBatch {
            id,
            header: self.header.clone(),
            signature: self.signature.to_vec().into(),
            patient: self.patient.clone(),
            gap,
            received_at: self.received_at,
            received_at_ms: self.received_at_ms,
            state: AnchorState::Pending,
        }
    }

    /// Each reading's seq and its encoding sealed under the patient's `cipher`, bound to the
    /// patient, the device and the seq (what both stores keep).
    pub(crate) fn sealed_readings<'a>(
        &'a self,
        cipher: &'a chacha20poly1305::XChaCha20Poly1305,
    ) -> impl Iterator<Item = Result<(u64, Vec<u8>), super::StoreError>> + 'a {
        self.readings.iter().map(move |r| {
            let plain = r
                .encode()
                .map_err(|e| super::StoreError::Corrupt(format!("reading encoding: {e}")))?;
            let aad = super::crypto::reading_aad(&self.patient, &self.header.device_id, r.seq);
            Ok((r.seq, super::crypto::seal(cipher, &aad, &plain)?))
        })
    }
}

/// A stored batch (its readings are read separately, see [`super::DataStore::readings`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBatch {
    pub id: BatchId,
    pub header: BatchHeader,
    pub signature: Binary,
    pub patient: String,
    /// Sequence numbers skipped between the device's previous batch and this one.
    pub gap: Option<SeqRange>,
    pub received_at: u64,
    /// Unix milliseconds when it was received (0 for batches stored before this was kept).
    #[serde(default)]
    pub received_at_ms: u64,
    pub state: AnchorState,
}

impl StoredBatch {
    pub fn range(&self) -> SeqRange {
        SeqRange {
            first_seq: self.header.first_seq,
            last_seq: self.header.last_seq,
        }
    }
}

/// What became of one batch given to [`super::IngestStore::ingest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Stored now.
    Stored(StoredBatch),
    /// The very same header was stored before; nothing was written.
    Duplicate(StoredBatch),
    /// The range overlaps a stored batch of the device (`conflict`).
    Overlap { conflict: SeqRange },
    /// The range lies below the device's latest stored batch (`head`): sequence numbers never
    /// go backwards, as on chain.
    BehindHead { head: SeqRange },
    /// Measured on an earlier UTC day than the device's latest stored batch.
    DayBackwards { day: u64, held_day: u64 },
    /// Starts less than `min_interval_seconds` after the last reading held for the device.
    TooSoonAfterLast {
        first_time: u64,
        held_last_time: u64,
        min_interval_seconds: u32,
    },
}

impl From<&StoredBatch> for Receipt {
    fn from(b: &StoredBatch) -> Self {
        Receipt {
            batch_id: b.id,
            device_id: b.header.device_id.clone(),
            first_seq: b.header.first_seq,
            last_seq: b.header.last_seq,
            count: b.header.count,
            root: b.header.root.clone(),
            gap: b.gap,
            received_at: b.received_at,
        }
    }
}
