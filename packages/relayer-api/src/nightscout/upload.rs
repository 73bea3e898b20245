//! Turning a parsed Nightscout upload into signed batches of the patient's uploader device:
//! only entries after the latest reading already held for it (one per second), numbered on from
//! its last sequence number, cut per UTC day and batch size, each reading salted, and each
//! header signed with the uploader key the relayer holds (relayer-attested readings).

use diachain_relayer_types::crypto::random_bytes;
use diachain_relayer_types::gateway::{
    signed_request, BatchError, Batcher, DeviceKey, HeaderVersion,
};
use diachain_relayer_types::nightscout::StoredEntry;
use diachain_relayer_types::BatchRequest;
use diachain_std::encoding::{ReadingKind, Unit};
use diachain_std::{Domain, Reading};

use super::entries::{Entries, Sgv};

/// Most readings per batch of an upload.
pub const UPLOAD_BATCH_READINGS: usize = 1_000;

/// Where the uploader device stands: its last sequence number and last reading's time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Head {
    pub last_seq: u64,
    pub last_time: u64,
}

/// The batches to store, and what was left out.
#[derive(Debug, Default)]
pub struct Plan {
    pub batches: Vec<BatchRequest>,
    /// The entries that become readings, with their sequence numbers.
    pub stored: Vec<(u64, Sgv)>,
    /// Entries at or before the latest reading held (sent again, or older: the device's
    /// readings only go forward, as on chain), or in a second already taken.
    pub not_after_latest: usize,
}

#[derive(thiserror::Error, Debug)]
pub enum PlanError {
    #[error("the uploader's sequence numbers are exhausted")]
    SeqOverflow,
    #[error("cannot sign the batch: {0}")]
    Sign(#[from] BatchError),
}

/// Plans the batches of `entries` for uploader `device_id` at `head`.
pub fn plan(
    entries: &Entries,
    head: Option<Head>,
    device_id: &str,
    key: &DeviceKey,
    domain: &Domain,
) -> Result<Plan, PlanError> {
    let mut out = Plan::default();
    let mut last_time = head.map(|h| h.last_time);
    let mut seq = match head {
        Some(h) => h.last_seq.checked_add(1).ok_or(PlanError::SeqOverflow)?,
        None => 1,
    };
    let mut batcher = Batcher::new(UPLOAD_BATCH_READINGS);
    let mut cut: Vec<Vec<Reading>> = Vec::new();
    for sgv in &entries.sgv {
        let t = sgv.date_ms / 1000;
        if last_time.is_some_and(|l| t <= l) {
            out.not_after_latest += 1;
            continue;
        }
        last_time = Some(t);
        let reading = Reading {
            salt: random_bytes(),
            device_id: device_id.to_string(),
            seq,
            measured_at: t,
            kind: ReadingKind::Glucose,
            unit: Unit::MgPerDl,
            value: i64::try_from(sgv.mg_dl)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000),
            trend: sgv.trend,
            flags: sgv.flags,
        };
        out.stored.push((seq, sgv.clone()));
        seq = seq.checked_add(1).ok_or(PlanError::SeqOverflow)?;
        if let Some(done) = batcher.push(reading) {
            cut.push(done);
        }
    }
    if let Some(rest) = batcher.take() {
        cut.push(rest);
    }
    for readings in cut {
        out.batches
            .push(signed_request(key, &readings, domain, HeaderVersion::V2)?);
    }
    Ok(out)
}

/// A stored entry as Nightscout answers it.
pub fn stored_entry(device_id: &str, seq: u64, s: &Sgv) -> StoredEntry {
    StoredEntry {
        id: format!("{device_id}-{seq}"),
        kind: "sgv".into(),
        sgv: s.mg_dl,
        date: s.date_ms,
        date_string: diachain_chain_client::time::rfc3339_ms(s.date_ms),
        direction: super::entries::direction(s.trend).into(),
        device: device_id.into(),
    }
}

#[cfg(test)]
mod tests {
    use diachain_relayer_core::ingest::checks;
    use diachain_std::encoding::{flags, utc_day, Trend};
    use diachain_std::KeyAlgorithm;

    use super::*;

    const DAY: u64 = 1_767_225_600;

    fn key() -> DeviceKey {
        DeviceKey::from_secret(KeyAlgorithm::Ed25519, &[0x55; 32]).unwrap()
    }

    fn domain() -> Domain<'static> {
        Domain {
            chain_id: "diachain-local-1",
            contract: "wasm1anchors",
        }
    }

    fn sgv(t: u64, mg_dl: u64) -> Sgv {
        Sgv {
            date_ms: t * 1000 + 123,
            mg_dl,
            trend: Trend::Flat,
            flags: 0,
        }
    }

    fn entries(times: &[u64]) -> Entries {
        Entries {
            sgv: times.iter().map(|&t| sgv(t, 100)).collect(),
            ..Entries::default()
        }
    }

    #[test]
    fn readings_continue_from_the_head_and_batches_are_cut_per_utc_day() {
        let e = entries(&[DAY - 600, DAY - 300, DAY + 10, DAY + 310]);
        let head = Head {
            last_seq: 41,
            last_time: DAY - 900,
        };
        let p = plan(&e, Some(head), "ns-0011223344556677", &key(), &domain()).unwrap();
        assert_eq!(p.batches.len(), 2);
        assert_eq!(
            (p.batches[0].header.first_seq, p.batches[0].header.last_seq),
            (42, 43)
        );
        assert_eq!(
            (p.batches[1].header.first_seq, p.batches[1].header.last_seq),
            (44, 45)
        );
        for b in &p.batches {
            assert_eq!(utc_day(b.header.first_time), utc_day(b.header.last_time));
            // Every batch is a valid signed request the pipeline checks like any other.
            let body = serde_json::to_vec(b).unwrap();
            let parsed = checks::parse(&body).unwrap();
            checks::check_readings(&parsed.header, &parsed.readings).unwrap();
            checks::check_root(&parsed.header, &parsed.readings).unwrap();
        }
        assert_eq!(p.stored.len(), 4);
    }

    #[test]
    fn entries_at_or_before_the_latest_held_reading_store_nothing_twice() {
        let e = entries(&[DAY, DAY + 300, DAY + 600]);
        let head = Head {
            last_seq: 2,
            last_time: DAY + 300,
        };
        let p = plan(&e, Some(head), "ns-0011223344556677", &key(), &domain()).unwrap();
        assert_eq!(p.not_after_latest, 2);
        assert_eq!(p.stored.len(), 1);
        assert_eq!(p.stored[0].0, 3);
        // The same upload again after it was stored: nothing new.
        let head = Head {
            last_seq: 3,
            last_time: DAY + 600,
        };
        let again = plan(&e, Some(head), "ns-0011223344556677", &key(), &domain()).unwrap();
        assert!(again.batches.is_empty());
        assert_eq!(again.not_after_latest, 3);
    }

    #[test]
    fn two_entries_in_one_second_keep_the_first_and_markers_keep_their_flags() {
        let mut e = entries(&[DAY]);
        e.sgv.push(Sgv {
            date_ms: DAY * 1000 + 900,
            mg_dl: 39,
            trend: Trend::Unknown,
            flags: flags::BELOW_RANGE,
        });
        e.sgv.push(Sgv {
            date_ms: (DAY + 60) * 1000,
            mg_dl: 401,
            trend: Trend::Unknown,
            flags: flags::ABOVE_RANGE,
        });
        let p = plan(&e, None, "ns-0011223344556677", &key(), &domain()).unwrap();
        assert_eq!(p.not_after_latest, 1);
        let r = &p.batches[0].readings;
        assert_eq!((r[0].seq, r[0].value), (1, 100_000));
        assert_eq!((r[1].value, r[1].flags), (401_000, flags::ABOVE_RANGE));
    }

    #[test]
    fn a_day_of_one_minute_readings_is_cut_into_batches_of_the_batch_size() {
        let times: Vec<u64> = (0..1_440).map(|i| DAY + i * 60).collect();
        let p = plan(
            &entries(&times),
            None,
            "ns-0011223344556677",
            &key(),
            &domain(),
        )
        .unwrap();
        let sizes: Vec<u32> = p.batches.iter().map(|b| b.header.count).collect();
        assert_eq!(sizes, [1_000, 440]);
    }

    #[test]
    fn an_exhausted_sequence_is_refused_not_wrapped() {
        let head = Head {
            last_seq: u64::MAX,
            last_time: 0,
        };
        let e = entries(&[DAY]);
        assert!(matches!(
            plan(&e, Some(head), "ns-0011223344556677", &key(), &domain()),
            Err(PlanError::SeqOverflow)
        ));
    }
}
