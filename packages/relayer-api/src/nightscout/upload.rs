//! Turning a parsed Nightscout upload into signed batches of the patient's uploader device.
//!
//! Kept: entries measured since the uploader was bound (and after the patient's last erasure)
//! that are not held already. Before the newest held reading too: a CGM's backfill after a
//! signal loss, or the readings after a phone clock that ran fast, are data. A sensor reading is
//! kept at least a minute from every sensor reading held or kept (the chain spaces glucose a
//! minute apart; two sources in one queue would otherwise double it); a meter reading (a finger
//! stick) needs no spacing. An entry at the second of a held reading of its kind (sensor or
//! meter) with the same value is already stored; with another value it is a correction, kept
//! as a new version flagged `CORRECTION`. No day holds more readings than the chain counts for
//! it (one a minute up to the latest reading known). Every entry left out is reported with its
//! reason; none makes the others fail.
//!
//! Kept readings are numbered on from the uploader's last sequence number in time order (the
//! stream is sequenced by arrival), cut per UTC day, batch size and at the newest held reading
//! (so a backfill is a batch of its own); a meter reading and a correction each go in a batch of
//! their own (they may be less than a minute from their neighbours). Each reading is salted and
//! each header (version 2: the readings' scopes) signed with the uploader key the relayer holds
//! (relayer-attested readings).

use std::collections::BTreeMap;

use diachain_relayer_core::store::HeldTime;
use diachain_relayer_types::crypto::random_bytes;
use diachain_relayer_types::gateway::{signed_request, BatchError, DeviceKey, HeaderVersion};
use diachain_relayer_types::nightscout::StoredEntry;
use diachain_relayer_types::BatchRequest;
use diachain_std::anchors::scope_min_interval_seconds;
use diachain_std::encoding::{flags, utc_day, ReadingKind, Trend, Unit};
use diachain_std::{DataScope, Domain, Reading};

use super::entries::{Entries, Sgv, SkipReason, Skipped};

/// Most readings per batch of an upload.
pub const UPLOAD_BATCH_READINGS: usize = 1_000;
const DAY_SECONDS: u64 = 86_400;

/// The least time between two sensor readings of an uploader: glucose's minimum interval on
/// chain (a sensor error code in a glucose stream is spaced the same way).
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
    /// The readings held in the UTC days of the upload's entries (and a minute either side),
    /// by time.
    pub times: Vec<HeldTime>,
    /// The value (thousandths of mg/dL) of the latest version held at a second, for a sensor
    /// (`false`) or meter (`true`) reading, at the seconds of the upload's entries.
    pub latest: BTreeMap<(u64, bool), i64>,
    /// Readings measured at or before this time were erased at the patient's request: they are
    /// not stored again.
    pub erased_through: Option<u64>,
}

impl Held {
    /// The times whose held readings an upload of entries measured in `first..=last` (seconds)
    /// needs: their UTC days, and a minute either side.
    pub fn window(first: u64, last: u64) -> (u64, u64) {
        let spacing = min_spacing_seconds();
        let day_start = first - first % DAY_SECONDS;
        let day_end = (last - last % DAY_SECONDS).saturating_add(DAY_SECONDS - 1);
        (
            day_start.min(first.saturating_sub(spacing)),
            day_end.max(last.saturating_add(spacing)),
        )
    }
}

/// One batch to store: the signed request, and each reading's entry and millisecond.
#[derive(Debug)]
pub struct PlannedBatch {
    pub request: BatchRequest,
    /// The entries of its readings, with their sequence numbers, in reading order.
    pub entries: Vec<(u64, Sgv)>,
    /// The millisecond of each reading's `date`, in reading order.
    pub millis: Vec<u16>,
}

/// The batches to store, and what was left out.
#[derive(Debug, Default)]
pub struct Plan {
    pub batches: Vec<PlannedBatch>,
    /// The entries left out here (measured before the binding or the erasure, already held,
    /// too close to a sensor reading held or kept, past the day's count), in time order.
    pub skipped: Vec<Skipped>,
}

impl Plan {
    /// The entries that become readings, with their sequence numbers, in batch order.
    pub fn stored(&self) -> impl Iterator<Item = &(u64, Sgv)> {
        self.batches.iter().flat_map(|b| b.entries.iter())
    }
}

#[derive(thiserror::Error, Debug)]
pub enum PlanError {
    #[error("the uploader's sequence numbers are exhausted")]
    SeqOverflow,
    #[error("cannot sign the batch: {0}")]
    Sign(#[from] BatchError),
}

/// An entry kept: a correction of a held reading, or not.
struct Kept<'e> {
    sgv: &'e Sgv,
    correction: bool,
}

impl Kept<'_> {
    fn time(&self) -> u64 {
        self.sgv.date_ms / 1000
    }

    /// A meter reading or a correction: in a batch of its own.
    fn alone(&self) -> bool {
        self.correction || self.sgv.is_meter()
    }
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
    let kept = choose(entries, held, bound_since, &mut out.skipped);
    let mut seq = match held.last_seq {
        Some(last) => last.checked_add(1).ok_or(PlanError::SeqOverflow)?,
        None => 1,
    };
    let mut groups: Vec<Vec<(u64, &Kept)>> = Vec::new();
    let mut group: Vec<(u64, &Kept)> = Vec::new();
    for k in &kept {
        let t = k.time();
        let cut = group.last().is_some_and(|(_, last)| {
            let last = last.time();
            k.alone()
                || utc_day(last) != utc_day(t)
                || group.len() >= UPLOAD_BATCH_READINGS
                // A backfill ends before the newest held reading: a batch of its own.
                || held.newest.is_some_and(|n| last <= n && n < t)
        });
        if cut {
            groups.push(std::mem::take(&mut group));
        }
        group.push((seq, k));
        if k.alone() {
            // A meter reading or a correction may be less than a minute from its neighbours.
            groups.push(std::mem::take(&mut group));
        }
        seq = seq.checked_add(1).ok_or(PlanError::SeqOverflow)?;
    }
    if !group.is_empty() {
        groups.push(group);
    }
    for group in groups {
        let readings: Vec<Reading> = group
            .iter()
            .map(|(seq, k)| reading(device_id, *seq, k.time(), k))
            .collect();
        out.batches.push(PlannedBatch {
            request: signed_request(key, &readings, domain, HeaderVersion::V2)?,
            entries: group.iter().map(|(seq, k)| (*seq, k.sgv.clone())).collect(),
            millis: group
                .iter()
                .map(|(_, k)| (k.sgv.date_ms % 1000) as u16)
                .collect(),
        });
    }
    Ok(out)
}

/// The entries kept, in time order; the others are added to `skipped` with their reason.
fn choose<'e>(
    entries: &'e Entries,
    held: &Held,
    bound_since: u64,
    skipped: &mut Vec<Skipped>,
) -> Vec<Kept<'e>> {
    let mut sorted: Vec<&Sgv> = entries.sgv.iter().collect();
    sorted.sort_by_key(|s| (s.date_ms / 1000, s.index));
    let mut per_day: BTreeMap<u64, u64> = BTreeMap::new();
    for h in &held.times {
        *per_day.entry(utc_day(h.time)).or_default() += 1;
    }
    let sensor_held: Vec<u64> = held
        .times
        .iter()
        .filter(|h| !h.meter)
        .map(|h| h.time)
        .collect();
    let mut kept: Vec<Kept> = Vec::with_capacity(sorted.len());
    for s in sorted {
        let t = s.date_ms / 1000;
        let day = per_day.get(&utc_day(t)).copied().unwrap_or(0);
        match left_out(s, bound_since, held, &sensor_held, &kept, day) {
            Err(skip) => skipped.push(skip),
            Ok(correction) => {
                *per_day.entry(utc_day(t)).or_default() += 1;
                kept.push(Kept { sgv: s, correction });
            }
        }
    }
    kept
}

/// Why the entry is left out, if it is; else whether it corrects a held reading. `kept` are the
/// entries kept before it (in time order), `day` the readings held and kept on its UTC day.
fn left_out(
    sgv: &Sgv,
    bound_since: u64,
    held: &Held,
    sensor_held: &[u64],
    kept: &[Kept],
    day: u64,
) -> Result<bool, Skipped> {
    let t = sgv.date_ms / 1000;
    let skip = |reason: SkipReason, detail: String| Skipped {
        index: sgv.index,
        reason,
        detail,
    };
    if t < bound_since {
        return Err(skip(
            SkipReason::BeforeBinding,
            format!("measured at {t}, before the uploader was bound at {bound_since}"),
        ));
    }
    if let Some(erased) = held.erased_through.filter(|e| t <= *e) {
        return Err(skip(
            SkipReason::Erased,
            format!("measured at {t}, before the patient's erasure at {erased}: erased data is not stored again"),
        ));
    }
    let meter = sgv.is_meter();
    let what = if meter { "meter" } else { "sensor" };
    if kept
        .iter()
        .any(|k| k.time() == t && k.sgv.is_meter() == meter)
    {
        return Err(skip(
            SkipReason::Duplicate,
            format!("another {what} entry of this upload was measured in the same second ({t})"),
        ));
    }
    let correction = match held.latest.get(&(t, meter)) {
        Some(v) if *v == sgv.milli => {
            return Err(skip(
                SkipReason::AlreadyStored,
                format!("a {what} reading measured at {t} with this value is already stored for the uploader"),
            ))
        }
        Some(_) => true,
        None => false,
    };
    if !meter && !correction {
        too_close(t, sensor_held, kept).map_err(|d| skip(SkipReason::TooClose, d))?;
    }
    // The chain counts at most one reading a minute of a day, up to the latest reading known.
    let day_start = t - t % DAY_SECONDS;
    let until = held
        .newest
        .map_or(t, |n| n.max(t))
        .min(day_start + DAY_SECONDS - 1);
    let max = (until - day_start) / min_spacing_seconds() + 1;
    if day >= max {
        return Err(skip(
            SkipReason::DayFull,
            format!("its UTC day already holds {day} readings of the uploader, the most the chain counts up to {until} (one a minute)"),
        ));
    }
    Ok(correction)
}

/// A sensor reading at `t` keeps a minute from every sensor reading held or kept.
fn too_close(t: u64, sensor_held: &[u64], kept: &[Kept]) -> Result<(), String> {
    let spacing = min_spacing_seconds();
    let after = sensor_held.partition_point(|h| *h < t);
    let previous_kept = kept
        .iter()
        .rev()
        .find(|k| !k.sgv.is_meter())
        .map(Kept::time);
    let neighbours = [
        after
            .checked_sub(1)
            .and_then(|i| sensor_held.get(i))
            .copied(),
        sensor_held.get(after).copied(),
        previous_kept,
    ];
    match neighbours.into_iter().flatten().find(|n| n.abs_diff(t) < spacing) {
        Some(n) => Err(format!(
            "measured at {t}, {} s from the sensor reading at {n}; sensor readings are at least {spacing} s apart",
            n.abs_diff(t)
        )),
        None => Ok(()),
    }
}

/// The reading of an entry: sensor glucose, a sensor error code as a device event, or a
/// meter's glucose; a correction flagged so.
fn reading(device_id: &str, seq: u64, t: u64, k: &Kept) -> Reading {
    let sgv = k.sgv;
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
        value: sgv.milli,
        trend,
        flags: sgv.flags | if k.correction { flags::CORRECTION } else { 0 },
    }
}

/// A stored entry as Nightscout answers it.
pub fn stored_entry(device_id: &str, seq: u64, s: &Sgv) -> StoredEntry {
    let (kind, sgv, mbg) = if s.is_meter() {
        ("mbg", None, Some(s.milli as f64 / 1000.0))
    } else {
        ("sgv", Some(s.mg_dl()), None)
    };
    StoredEntry {
        id: format!("{device_id}-{seq}"),
        kind: kind.into(),
        sgv,
        mbg,
        date: s.date_ms,
        date_string: diachain_chain_client::time::rfc3339_ms(s.date_ms),
        direction: super::entries::direction(s.trend).into(),
        device: device_id.into(),
        sys_time: None,
        delta: None,
        utc_offset: None,
    }
}

#[cfg(test)]
mod tests {
    use diachain_relayer_core::ingest::checks;
    use diachain_std::encoding::{flags, Trend};
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

    fn sgv(index: usize, t: u64, mg_dl: i64) -> Sgv {
        Sgv {
            index,
            date_ms: t * 1000 + 123,
            milli: mg_dl * 1000,
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

    /// Held: the last seq and the held sensor readings' times (the newest is the last).
    fn held(last_seq: u64, times: &[u64]) -> Held {
        Held {
            last_seq: Some(last_seq),
            newest: times.last().copied(),
            times: times
                .iter()
                .enumerate()
                .map(|(i, t)| HeldTime {
                    time: *t,
                    seq: i as u64 + 1,
                    millis: 0,
                    meter: false,
                    record: None,
                })
                .collect(),
            // The sensor readings `entries` makes: 100 mg/dL.
            latest: times.iter().map(|t| ((*t, false), 100_000)).collect(),
            ..Held::default()
        }
    }

    fn headers(p: &Plan) -> Vec<&diachain_std::BatchHeader> {
        p.batches.iter().map(|b| &b.request.header).collect()
    }

    fn seqs(p: &Plan) -> Vec<u64> {
        p.stored().map(|(seq, _)| *seq).collect()
    }

    fn reasons(p: &Plan) -> Vec<(usize, SkipReason)> {
        p.skipped.iter().map(|s| (s.index, s.reason)).collect()
    }

    /// Every batch is a valid signed request that the pipeline's own checks accept.
    fn valid(p: &Plan) {
        for b in p.batches.iter().map(|b| &b.request) {
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
            (
                p.batches[0].request.header.first_seq,
                p.batches[0].request.header.last_seq
            ),
            (42, 43)
        );
        assert_eq!(
            (
                p.batches[1].request.header.first_seq,
                p.batches[1].request.header.last_seq
            ),
            (44, 45)
        );
        valid(&p);
        assert_eq!(p.stored().count(), 4);
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
        assert_eq!(p.stored().count(), 1);
        assert_eq!(seqs(&p)[0], 3);
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
        let (backfill, forward) = (headers(&p)[0], headers(&p)[1]);
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
            .flat_map(|b| b.request.readings.iter().map(|r| (r.seq, r.measured_at)))
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
        assert_eq!(seqs(&p)[0], 10);
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
        assert_eq!(seqs(&p), [1, 2]);
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
                (1, SkipReason::Duplicate),
                (2, SkipReason::TooClose),
                (3, SkipReason::TooClose)
            ]
        );
        let times: Vec<u64> = p.batches[0]
            .request
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
        assert_eq!(seqs(&next)[0], 4);
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
                milli: 10_000,
                trend: Trend::Unknown,
                flags: flags::SENSOR_ERROR,
            },
        );
        let p = plan(&e, &Held::default(), 0, ID, &key(), &domain()).unwrap();
        let r = &p.batches[0].request.readings;
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
        let scopes = headers(&p)[0].scopes.clone().unwrap();
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
            milli: 401_000,
            trend: Trend::Unknown,
            flags: flags::ABOVE_RANGE,
        });
        let p = plan(&e, &Held::default(), 0, ID, &key(), &domain()).unwrap();
        let r = &p.batches[0].request.readings;
        assert_eq!((r[0].seq, r[0].value), (1, 100_000));
        assert_eq!((r[1].value, r[1].flags), (401_000, flags::ABOVE_RANGE));
    }

    #[test]
    fn a_day_of_one_minute_readings_is_cut_into_batches_of_the_batch_size() {
        let times: Vec<u64> = (0..1_440).map(|i| DAY + i * 60).collect();
        let p = plan(&entries(&times), &Held::default(), 0, ID, &key(), &domain()).unwrap();
        let sizes: Vec<u32> = headers(&p).iter().map(|h| h.count).collect();
        assert_eq!(sizes, [1_000, 440]);
    }

    fn meter(index: usize, t: u64, milli: i64) -> Sgv {
        Sgv {
            index,
            date_ms: t * 1000,
            milli,
            trend: Trend::Unknown,
            flags: flags::METER,
        }
    }

    /// A finger stick 20 s after a sensor reading (xDrip+ posts both as entries: `type: "mbg"`
    /// from its BloodTest records, `NightscoutUploader.java`): kept, as a meter-flagged glucose
    /// reading with its decimals, in a batch of its own (the chain's glucose spacing would
    /// refuse it beside the sensor's reading).
    #[test]
    fn a_finger_stick_beside_a_sensor_reading_is_kept_in_a_batch_of_its_own() {
        let mut e = entries(&[DAY + 3_600, DAY + 3_900]);
        e.sgv.push(meter(2, DAY + 3_620, 99_099));
        e.sgv.sort_by_key(|s| s.date_ms);
        let p = plan(&e, &Held::default(), 0, ID, &key(), &domain()).unwrap();
        assert!(p.skipped.is_empty());
        let counts: Vec<u32> = headers(&p).iter().map(|h| h.count).collect();
        assert_eq!(counts, [1, 1, 1]);
        let r = &p.batches[1].request.readings[0];
        assert_eq!(
            (r.kind, r.value, r.flags, r.measured_at),
            (ReadingKind::Glucose, 99_099, flags::METER, DAY + 3_620)
        );
        assert_eq!(seqs(&p), [1, 2, 3]);
        let entry = stored_entry(ID, 2, &p.batches[1].entries[0].1);
        assert_eq!(
            (entry.kind.as_str(), entry.mbg, entry.sgv),
            ("mbg", Some(99.099), None)
        );
        valid(&p);
    }

    /// A value sent again for a second already held is a re-send; another value is a correction:
    /// kept as a new version flagged `CORRECTION` (the history stays), in a batch of its own.
    #[test]
    fn a_new_value_for_a_held_second_is_a_correction_and_the_same_value_a_resend() {
        let mut h = held(2, &[DAY, DAY + 300]);
        h.latest.insert((DAY, false), 100_000);
        h.latest.insert((DAY + 300, false), 100_000);
        let e = Entries {
            sgv: vec![sgv(0, DAY, 100), sgv(1, DAY + 300, 112)],
            ..Entries::default()
        };
        let p = plan(&e, &h, 0, ID, &key(), &domain()).unwrap();
        assert_eq!(reasons(&p), [(0, SkipReason::AlreadyStored)]);
        let r = &p.batches[0].request.readings[0];
        assert_eq!((r.seq, r.measured_at, r.value), (3, DAY + 300, 112_000));
        assert_eq!(r.flags & flags::CORRECTION, flags::CORRECTION);
        valid(&p);
        // A meter reading at the second of a sensor reading is neither.
        let e = Entries {
            sgv: vec![meter(0, DAY, 100_000)],
            ..Entries::default()
        };
        let p = plan(&e, &h, 0, ID, &key(), &domain()).unwrap();
        assert!(p.skipped.is_empty());
        assert_eq!(p.batches[0].request.readings[0].flags, flags::METER);
    }

    /// The chain counts one reading a minute of a day up to the latest reading known: a day that
    /// is full keeps nothing more, and says so.
    #[test]
    fn a_full_day_keeps_no_more_readings() {
        // 10:00's minutes all held, one a minute from midnight.
        let times: Vec<u64> = (0..=600).map(|m| DAY + m * 60).collect();
        let h = held(601, &times);
        let e = Entries {
            sgv: vec![meter(0, DAY + 30, 100_000), meter(1, DAY + 36_060, 90_000)],
            ..Entries::default()
        };
        let p = plan(&e, &h, 0, ID, &key(), &domain()).unwrap();
        assert_eq!(reasons(&p), [(0, SkipReason::DayFull)]);
        assert_eq!(seqs(&p), [602]);
    }

    /// Two meter readings of one second in one upload: the second is a duplicate.
    #[test]
    fn two_meter_readings_of_one_second_keep_the_first() {
        let e = Entries {
            sgv: vec![meter(0, DAY, 100_000), meter(1, DAY, 101_000)],
            ..Entries::default()
        };
        let p = plan(&e, &Held::default(), 0, ID, &key(), &domain()).unwrap();
        assert_eq!(reasons(&p), [(1, SkipReason::Duplicate)]);
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
