//! Test fixtures both stores' tests use.

use diachain_relayer_fixtures as fixtures;
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;

use super::{IngestOutcome, NewBatch};

pub(crate) const DEV: &str = "cgm-7f3a9c2e51d04b88";
pub(crate) const DEV2: &str = "cgm-00aa11bb22cc33dd";
pub(crate) const OTHER_PATIENT: &str = "wasm1otherpatientaddress00000000000000000";

pub(crate) fn new_batch(device: &str, patient: &str, first_seq: u64, first_time: u64) -> NewBatch {
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    let b = fixtures::batch(&key, device, first_seq, 12, first_time);
    NewBatch {
        header: b.header,
        signature: b.signature.as_slice().try_into().expect("64 bytes"),
        patient: patient.to_string(),
        readings: b.readings,
        received_at: first_time + 60,
        received_at_ms: 0,
        min_interval_seconds: 60,
        backfill: false,
        millis: Vec::new(),
    }
}

pub(crate) fn stored(outcome: &IngestOutcome) -> u64 {
    match outcome {
        IngestOutcome::Stored(b) => b.id,
        other => panic!("not stored: {other:?}"),
    }
}
