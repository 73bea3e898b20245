//! Turning a parsed Nightscout upload into signed batches of the patient's uploader device:
//! only entries measured since the uploader was bound (and after the patient's last erasure),
//! not already held, and at least a minute from every reading held or kept (the chain spaces
//! glucose a minute apart) — before the newest held reading too: a CGM's backfill after a
//! signal loss, or the readings after a phone clock that ran fast, are data. Kept readings are
//! numbered on from the uploader's last sequence number in time order, cut per UTC day, batch
//! size and at the newest held reading (a backfill batch ends before it, as reading-anchors
//! requires), each reading salted, and each header (version 2: the readings' scopes) signed
//! with the uploader key the relayer holds (relayer-attested readings). Every entry left out
//! is reported with its reason; none makes the others fail.

use diachain_relayer_types::crypto::random_bytes;
use diachain_relayer_types::gateway::{
    signed_request, BatchError, Batcher, DeviceKey, HeaderVersion,
};
use diachain_relayer_types::nightscout::StoredEntry;
use diachain_relayer_types::BatchRequest;
use diachain_std::anchors::scope_min_interval_seconds;
use diachain_std::encoding::{ReadingKind, Trend, Unit};
use diachain_std::{DataScope, Domain, Reading};

use super::entries::{Entries, Sgv, SkipReason, Skipped};

/// Most readings per batch of an upload.
pub const UPLOAD_BATCH_READINGS: usize = 1_000;

/// The least time between two readings of an uploader: glucose's minimum interval on chain
/// (a sensor error code in a glucose stream is spaced the same way).
pub fn min_spacing_seconds() -> u64 {
    u64::from(scope_min_interval_seconds(DataScope::Glucose))
}

/// What the relayer holds for the uploader device, around an upload's entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Held {
    /// The device's last sequence number, if it has readings.
    pub last_seq: Option<u64>,
    /// The newest measured time held (the chain's forward head once anchored).
    pub newest: Option<u64>,
    /// The measured times held within a minute of the upload's entries, ascending.
    pub times: Vec<u64>,
    /// Readings measured at or before this time were erased at the patient's request: they are
    /// not stored again.
    pub erased_through: Option<u64>,
}

impl Held {
    /// The window of held times an upload of entries measured in `first..=last` (seconds)
    /// needs: a minute either side.
    pub fn window(first: u64, last: u64) -> (u64, u64) {
        let spacing = min_spacing_seconds();
        (first.saturating_sub(spacing), last.saturating_add(spacing))
    }
}

/// The batches to store, and what was left out.
#[derive(Debug, Default)]
pub struct Plan {
    pub batches: Vec<BatchRequest>,
    /// The entries that become readings, with their sequence numbers, in batch order.
    pub stored: Vec<(u64, Sgv)>,
    /// The entries left out here (measured before the binding or the erasure, already held,
    /// too close to a reading held or kept), in time order.
    pub skipped: Vec<Skipped>,
}

#[derive(thiserror::Error, Debug)]
pub enum PlanError {
    #[error("the uploader's sequence numbers are exhausted")]
    SeqOverflow,
    #[error("cannot sign the batch: {0}")]
    Sign(#[from] BatchError),
}

/// Plans the batches of `entries` for uploader `device_id`, given what is `held` for it, bound
/// to its patient since `bound_since` (Unix seconds, rounded up).
pub fn plan(
    entries: &Entries,
    held: &Held,
    bound_since: u64,
    device_id: &str,
    key: &DeviceKey,
    domain: &Domain,
) -> Result<Plan, PlanError> {
    let mut out = Plan::default();
    let mut sgv: Vec<&Sgv> = entries.sgv.iter().collect();
    sgv.sort_by_key(|s| (s.date_ms / 1000, s.index));
    let mut kept: Vec<&Sgv> = Vec::with_capacity(sgv.len());
    for s in sgv {
        match left_out(s, bound_since, held, kept.last().map(|k| k.date_ms / 1000)) {
            Some(skipped) => out.skipped.push(skipped),
            None => kept.push(s),
        }
    }
    let mut seq = match held.last_seq {
        Some(last) => last.checked_add(1).ok_or(PlanError::SeqOverflow)?,
        None => 1,
    };
    let mut batcher = Batcher::new(UPLOAD_BATCH_READINGS);
    let mut cut: Vec<Vec<Reading>> = Vec::new();
    let mut backfill = true;
    for s in kept {
        let t = s.date_ms / 1000;
        // A backfill batch ends before the newest held reading: the forward ones start after.
        if backfill && held.newest.is_none_or(|n| t > n) {
            backfill = false;
            cut.extend(batcher.take());
        }
        out.stored.push((seq, s.clone()));
        cut.extend(batcher.push(reading(device_id, seq, t, s)));
        seq = seq.checked_add(1).ok_or(PlanError::SeqOverflow)?;
    }
    cut.extend(batcher.take());
    for readings in cut {
        out.batches
            .push(signed_request(key, &readings, domain, HeaderVersion::V2)?);
    }
    Ok(out)
}

/// Why the entry is left out, if it is: `previous` is the time of the last entry kept before
/// it (entries are taken in time order).
fn left_out(sgv: &Sgv, bound_since: u64, held: &Held, previous: Option<u64>) -> Option<Skipped> {
    let t = sgv.date_ms / 1000;
    let skip = |reason: SkipReason, detail: String| {
        Some(Skipped {
            index: sgv.index,
            reason,
            detail,
        })
    };
    if t < bound_since {
        return skip(
            SkipReason::BeforeBinding,
            format!("measured at {t}, before the uploader was bound at {bound_since}"),
        );
    }
    if let Some(erased) = held.erased_through.filter(|e| t <= *e) {
        return skip(
            SkipReason::Erased,
            format!("measured at {t}, before the patient's erasure at {erased}: erased data is not stored again"),
        );
    }
    if held.times.binary_search(&t).is_ok() {
        return skip(
            SkipReason::AlreadyStored,
            format!("a reading measured at {t} is already stored for the uploader"),
        );
    }
    let spacing = min_spacing_seconds();
    let after = held.times.partition_point(|h| *h < t);
    let neighbours = [
        after
            .checked_sub(1)
            .and_then(|i| held.times.get(i))
            .copied(),
        held.times.get(after).copied(),
        previous,
    ];
    match neighbours.into_iter().flatten().find(|n| n.abs_diff(t) < spacing) {
        Some(n) => skip(
            SkipReason::TooClose,
            format!(
                "measured at {t}, {} s from the reading at {n}; readings are at least {spacing} s apart",
                n.abs_diff(t)
            ),
        ),
        None => None,
    }
}

/// The reading of an entry: glucose, or a sensor error code as a device event.
fn reading(device_id: &str, seq: u64, t: u64, sgv: &Sgv) -> Reading {
    let (kind, unit, trend) = if sgv.is_sensor_error() {
        (ReadingKind::DeviceEvent, Unit::None, Trend::Unknown)
    } else {
        (ReadingKind::Glucose, Unit::MgPerDl, sgv.trend)
    };
    Reading {
        salt: random_bytes(),
        device_id: device_id.to_string(),
        seq,
        measured_at: t,
        kind,
        unit,
        // At most 401 (entries.rs): the product fits.
        value: i64::try_from(sgv.mg_dl)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000),
        trend,
        flags: sgv.flags,
    }
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
    const ID: &str = "ns-0011223344556677";

    fn key() -> DeviceKey {
        DeviceKey::from_secret(KeyAlgorithm::Ed25519, &[0x55; 32]).unwrap()
    }

    fn domain() -> Domain<'static> {
        Domain {
            chain_id: "diachain-local-1",
            contract: "wasm1anchors",
        }
    }

    fn sgv(index: usize, t: u64, mg_dl: u64) -> Sgv {
        Sgv {
            index,
            date_ms: t * 1000 + 123,
            mg_dl,
            trend: Trend::Flat,
            flags: 0,
        }
    }

    fn entries(times: &[u64]) -> Entries {
        Entries {
            sgv: times
                .iter()
                .enumerate()
                .map(|(i, &t)| sgv(i, t, 100))
                .collect(),
            ..Entries::default()
        }
    }

    /// Held: the last seq and the held times (the newest is the last).
    fn held(last_seq: u64, times: &[u64]) -> Held {
        Held {
            last_seq: Some(last_seq),
            newest: times.last().copied(),
            times: times.to_vec(),
            erased_through: None,
        }
    }

    fn reasons(p: &Plan) -> Vec<(usize, SkipReason)> {
        p.skipped.iter().map(|s| (s.index, s.reason)).collect()
    }

    /// Every batch is a valid signed request that the pipeline's own checks accept.
    fn valid(p: &Plan) {
        for b in &p.batches {
            assert_eq!(utc_day(b.header.first_time), utc_day(b.header.last_time));
            let body = serde_json::to_vec(b).unwrap();
            let parsed = checks::parse(&body).unwrap();
            checks::check_readings(&parsed.header, &parsed.readings).unwrap();
            checks::check_scopes(&parsed.header, &parsed.readings).unwrap();
            checks::check_root(&parsed.header, &parsed.readings).unwrap();
            checks::check_scope_density(&parsed.header, 1).unwrap();
        }
    }

    #[test]
    fn readings_continue_from_the_head_and_batches_are_cut_per_utc_day() {
        let e = entries(&[DAY - 600, DAY - 300, DAY + 10, DAY + 310]);
        let p = plan(&e, &held(41, &[DAY - 900]), 0, ID, &key(), &domain()).unwrap();
        assert_eq!(p.batches.len(), 2);
        assert_eq!(
            (p.batches[0].header.first_seq, p.batches[0].header.last_seq),
            (42, 43)
        );
        assert_eq!(
            (p.batches[1].header.first_seq, p.batches[1].header.last_seq),
            (44, 45)
        );
        valid(&p);
        assert_eq!(p.stored.len(), 4);
        assert!(p.skipped.is_empty());
    }

    /// Apps re-send their queue until they get a 200: what is held is skipped, the rest stored.
    #[test]
    fn entries_already_held_are_skipped_and_the_rest_stored() {
        let e = entries(&[DAY, DAY + 300, DAY + 600]);
        let p = plan(&e, &held(2, &[DAY, DAY + 300]), 0, ID, &key(), &domain()).unwrap();
        assert_eq!(
            reasons(&p),
            [
                (0, SkipReason::AlreadyStored),
                (1, SkipReason::AlreadyStored)
            ]
        );
        assert_eq!(p.stored.len(), 1);
        assert_eq!(p.stored[0].0, 3);
        // The same upload again after it was stored: nothing new.
        let all = held(3, &[DAY, DAY + 300, DAY + 600]);
        let again = plan(&e, &all, 0, ID, &key(), &domain()).unwrap();
        assert!(again.batches.is_empty());
        assert_eq!(again.skipped.len(), 3);
    }

    /// A Dexcom backfill after a signal loss (xDrip+'s `Ob1G5StateMachine` backfills the missed
    /// readings once the transmitter is back, and `UtilityModels/NightscoutUploader.java` posts
    /// them with the next upload, after newer ones):
    /// stored in a batch of its own that ends before the newest held reading, numbered after
    /// everything held; a newer entry of the same upload goes in a forward batch after it.
    #[test]
    fn a_backfill_after_a_signal_loss_is_stored_in_batches_before_the_newest_reading() {
        let missed: Vec<u64> = (1..12).map(|i| DAY + i * 300).collect();
        let mut times = missed.clone();
        times.push(DAY + 3_900);
        let p = plan(
            &entries(&times),
            &held(2, &[DAY, DAY + 3_600]),
            0,
            ID,
            &key(),
            &domain(),
        )
        .unwrap();
        assert!(p.skipped.is_empty());
        assert_eq!(p.batches.len(), 2);
        let (backfill, forward) = (&p.batches[0].header, &p.batches[1].header);
        assert_eq!((backfill.first_seq, backfill.last_seq), (3, 13));
        assert_eq!(
            (backfill.first_time, backfill.last_time),
            (DAY + 300, DAY + 3_300)
        );
        assert!(backfill.last_time < DAY + 3_600);
        assert_eq!((forward.first_seq, forward.first_time), (14, DAY + 3_900));
        valid(&p);
    }

    /// A phone clock five minutes fast stamped a reading of 00:05 at 00:10. The next entries,
    /// stamped right, are kept — 00:05 as a backfill before it, 00:15 after it; only the one
    /// 30 s from it is too close.
    #[test]
    fn a_fast_phone_clock_does_not_swallow_the_next_readings() {
        let fast = DAY + 600;
        let e = entries(&[DAY + 300, fast - 30, DAY + 900]);
        let p = plan(&e, &held(7, &[fast]), 0, ID, &key(), &domain()).unwrap();
        assert_eq!(reasons(&p), [(1, SkipReason::TooClose)]);
        let kept: Vec<(u64, u64)> = p
            .batches
            .iter()
            .flat_map(|b| b.readings.iter().map(|r| (r.seq, r.measured_at)))
            .collect();
        assert_eq!(kept, [(8, DAY + 300), (9, DAY + 900)]);
        valid(&p);
    }

    /// What a patient erased is not stored again when their app re-sends it.
    #[test]
    fn entries_measured_before_the_patients_erasure_are_not_stored_again() {
        let e = entries(&[DAY, DAY + 300, DAY + 900]);
        let mut h = held(9, &[]);
        h.erased_through = Some(DAY + 300);
        let p = plan(&e, &h, 0, ID, &key(), &domain()).unwrap();
        assert_eq!(
            reasons(&p),
            [(0, SkipReason::Erased), (1, SkipReason::Erased)]
        );
        assert_eq!(p.stored[0].0, 10);
    }

    /// An app configured before its uploader was bound re-sends its old entries with every
    /// upload (xDrip+ keeps its queue until a 200): they are skipped, the new ones stored.
    #[test]
    fn entries_measured_before_the_binding_are_skipped_and_the_rest_stored() {
        let e = entries(&[DAY - 600, DAY - 1, DAY, DAY + 300]);
        let p = plan(&e, &Held::default(), DAY, ID, &key(), &domain()).unwrap();
        assert_eq!(
            reasons(&p),
            [
                (0, SkipReason::BeforeBinding),
                (1, SkipReason::BeforeBinding)
            ]
        );
        let stored: Vec<u64> = p.stored.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(stored, [1, 2]);
        valid(&p);
    }

    /// Glucose less than a minute after the previous reading (two sources in one queue, two
    /// entries in one second) would make the chain refuse the whole batch: such entries are
    /// skipped one by one, the first of each minute kept.
    #[test]
    fn entries_less_than_a_minute_apart_are_skipped_one_by_one() {
        let e = entries(&[DAY, DAY, DAY + 30, DAY + 59, DAY + 60, DAY + 300]);
        let p = plan(&e, &Held::default(), 0, ID, &key(), &domain()).unwrap();
        assert_eq!(
            reasons(&p),
            [
                (1, SkipReason::TooClose),
                (2, SkipReason::TooClose),
                (3, SkipReason::TooClose)
            ]
        );
        let times: Vec<u64> = p.batches[0]
            .readings
            .iter()
            .map(|r| r.measured_at)
            .collect();
        assert_eq!(times, [DAY, DAY + 60, DAY + 300]);
        valid(&p);
        // Across uploads too: the next upload's first entry keeps its minute from what is held,
        // before it as after it.
        let next = plan(
            &entries(&[DAY + 270, DAY + 330, DAY + 360]),
            &held(3, &[DAY, DAY + 60, DAY + 300]),
            0,
            ID,
            &key(),
            &domain(),
        )
        .unwrap();
        assert_eq!(
            reasons(&next),
            [(0, SkipReason::TooClose), (1, SkipReason::TooClose)]
        );
        assert_eq!(next.stored[0].0, 4);
    }

    /// Dexcom's error code 10 between two good readings is kept as a device event flagged
    /// `SENSOR_ERROR` (value = the code), in a version 2 header listing both scopes.
    #[test]
    fn a_sensor_error_code_is_kept_as_a_flagged_device_event() {
        let mut e = entries(&[DAY, DAY + 600]);
        e.sgv.insert(
            1,
            Sgv {
                index: 2,
                date_ms: (DAY + 300) * 1000,
                mg_dl: 10,
                trend: Trend::Unknown,
                flags: flags::SENSOR_ERROR,
            },
        );
        let p = plan(&e, &Held::default(), 0, ID, &key(), &domain()).unwrap();
        let r = &p.batches[0].readings;
        assert_eq!(r.len(), 3);
        assert_eq!(
            (r[1].kind, r[1].unit, r[1].value, r[1].flags),
            (
                ReadingKind::DeviceEvent,
                Unit::None,
                10_000,
                flags::SENSOR_ERROR
            )
        );
        let scopes = p.batches[0].header.scopes.clone().unwrap();
        let counts: Vec<(DataScope, u32)> = scopes.iter().map(|s| (s.scope, s.readings)).collect();
        assert_eq!(
            counts,
            [(DataScope::Glucose, 2), (DataScope::DeviceEvents, 1)]
        );
        valid(&p);
    }

    #[test]
    fn markers_keep_their_flags() {
        let mut e = entries(&[DAY]);
        e.sgv.push(Sgv {
            index: 1,
            date_ms: (DAY + 60) * 1000,
            mg_dl: 401,
            trend: Trend::Unknown,
            flags: flags::ABOVE_RANGE,
        });
        let p = plan(&e, &Held::default(), 0, ID, &key(), &domain()).unwrap();
        let r = &p.batches[0].readings;
        assert_eq!((r[0].seq, r[0].value), (1, 100_000));
        assert_eq!((r[1].value, r[1].flags), (401_000, flags::ABOVE_RANGE));
    }

    #[test]
    fn a_day_of_one_minute_readings_is_cut_into_batches_of_the_batch_size() {
        let times: Vec<u64> = (0..1_440).map(|i| DAY + i * 60).collect();
        let p = plan(&entries(&times), &Held::default(), 0, ID, &key(), &domain()).unwrap();
        let sizes: Vec<u32> = p.batches.iter().map(|b| b.header.count).collect();
        assert_eq!(sizes, [1_000, 440]);
    }

    #[test]
    fn an_exhausted_sequence_is_refused_not_wrapped() {
        let e = entries(&[DAY]);
        assert!(matches!(
            plan(&e, &held(u64::MAX, &[0]), 0, ID, &key(), &domain()),
            Err(PlanError::SeqOverflow)
        ));
    }
}
