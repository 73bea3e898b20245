//! Turning a parsed Nightscout upload into signed batches of the patient's uploader device:
//! only entries measured since the uploader was bound, after the latest reading already held
//! for it and at least a minute after the previous reading kept (the chain spaces glucose a
//! minute apart), numbered on from its last sequence number, cut per UTC day and batch size,
//! each reading salted, and each header (version 2: the readings' scopes) signed with the
//! uploader key the relayer holds (relayer-attested readings). Every entry left out is
//! reported with its reason; none makes the others fail.

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
    /// The entries left out here (measured before the binding, not after the latest reading
    /// held, too close to the previous reading), in time order.
    pub skipped: Vec<Skipped>,
}

#[derive(thiserror::Error, Debug)]
pub enum PlanError {
    #[error("the uploader's sequence numbers are exhausted")]
    SeqOverflow,
    #[error("cannot sign the batch: {0}")]
    Sign(#[from] BatchError),
}

/// Plans the batches of `entries` for uploader `device_id` at `head`, bound to its patient
/// since `bound_since` (Unix seconds, rounded up).
pub fn plan(
    entries: &Entries,
    head: Option<Head>,
    bound_since: u64,
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
    let spacing = min_spacing_seconds();
    let mut batcher = Batcher::new(UPLOAD_BATCH_READINGS);
    let mut cut: Vec<Vec<Reading>> = Vec::new();
    for sgv in &entries.sgv {
        let t = sgv.date_ms / 1000;
        if let Some(skipped) = left_out(sgv, t, bound_since, head, last_time, spacing) {
            out.skipped.push(skipped);
            continue;
        }
        last_time = Some(t);
        out.stored.push((seq, sgv.clone()));
        if let Some(done) = batcher.push(reading(device_id, seq, t, sgv)) {
            cut.push(done);
        }
        seq = seq.checked_add(1).ok_or(PlanError::SeqOverflow)?;
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

/// Why the entry measured at `t` is left out, if it is.
fn left_out(
    sgv: &Sgv,
    t: u64,
    bound_since: u64,
    head: Option<Head>,
    last_time: Option<u64>,
    spacing: u64,
) -> Option<Skipped> {
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
    if let Some(h) = head.filter(|h| t <= h.last_time) {
        return skip(
            SkipReason::NotAfterLatest,
            format!(
                "measured at {t}, not after the newest reading held for the uploader ({})",
                h.last_time
            ),
        );
    }
    match last_time {
        Some(l) if t < l.saturating_add(spacing) => skip(
            SkipReason::TooClose,
            format!(
                "measured at {t}, {} s after the previous reading kept ({l}); readings are at least {spacing} s apart",
                t.saturating_sub(l)
            ),
        ),
        _ => None,
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
        let head = Head {
            last_seq: 41,
            last_time: DAY - 900,
        };
        let p = plan(&e, Some(head), 0, ID, &key(), &domain()).unwrap();
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

    #[test]
    fn entries_at_or_before_the_latest_held_reading_store_nothing_twice() {
        let e = entries(&[DAY, DAY + 300, DAY + 600]);
        let head = Head {
            last_seq: 2,
            last_time: DAY + 300,
        };
        let p = plan(&e, Some(head), 0, ID, &key(), &domain()).unwrap();
        assert_eq!(
            reasons(&p),
            [
                (0, SkipReason::NotAfterLatest),
                (1, SkipReason::NotAfterLatest)
            ]
        );
        assert_eq!(p.stored.len(), 1);
        assert_eq!(p.stored[0].0, 3);
        // The same upload again after it was stored: nothing new.
        let head = Head {
            last_seq: 3,
            last_time: DAY + 600,
        };
        let again = plan(&e, Some(head), 0, ID, &key(), &domain()).unwrap();
        assert!(again.batches.is_empty());
        assert_eq!(again.skipped.len(), 3);
    }

    /// An app configured before its uploader was bound re-sends its old entries with every
    /// upload (xDrip+ keeps its queue until a 200): they are skipped, the new ones stored.
    #[test]
    fn entries_measured_before_the_binding_are_skipped_and_the_rest_stored() {
        let e = entries(&[DAY - 600, DAY - 1, DAY, DAY + 300]);
        let p = plan(&e, None, DAY, ID, &key(), &domain()).unwrap();
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
        let p = plan(&e, None, 0, ID, &key(), &domain()).unwrap();
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
        // Across uploads too: the next upload's first entry keeps its minute after the head.
        let head = Head {
            last_seq: 3,
            last_time: DAY + 300,
        };
        let next = plan(
            &entries(&[DAY + 330, DAY + 360]),
            Some(head),
            0,
            ID,
            &key(),
            &domain(),
        )
        .unwrap();
        assert_eq!(reasons(&next), [(0, SkipReason::TooClose)]);
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
        let p = plan(&e, None, 0, ID, &key(), &domain()).unwrap();
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
        let p = plan(&e, None, 0, ID, &key(), &domain()).unwrap();
        let r = &p.batches[0].readings;
        assert_eq!((r[0].seq, r[0].value), (1, 100_000));
        assert_eq!((r[1].value, r[1].flags), (401_000, flags::ABOVE_RANGE));
    }

    #[test]
    fn a_day_of_one_minute_readings_is_cut_into_batches_of_the_batch_size() {
        let times: Vec<u64> = (0..1_440).map(|i| DAY + i * 60).collect();
        let p = plan(&entries(&times), None, 0, ID, &key(), &domain()).unwrap();
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
            plan(&e, Some(head), 0, ID, &key(), &domain()),
            Err(PlanError::SeqOverflow)
        ));
    }
}
