//! Turning parsed treatments and device statuses into signed batches of the patient's uploader
//! (the records' counterpart of `upload`, which plans glucose entries).
//!
//! A reading is one per uploader, kind and second. A document's reading already held with the
//! same value is not stored again; with another value, for the same document, it is a
//! correction (a new version flagged `CORRECTION`, in a batch of its own); held for another
//! document, the new document is skipped (`same_second`). No day holds more readings of a scope
//! than the chain counts for it. Documents measured before the binding or the patient's last
//! erasure are skipped. A document is kept whole or skipped whole.
//!
//! Kept readings are numbered on from the uploader's last sequence number in time order, and
//! cut into batches the chain takes: one UTC day each, the device's one reading a second and
//! each scope's rate within the batch's span (insulin 5 s, nutrition 60 s, device events 1 s),
//! a backfill before the newest held reading apart, a correction alone.

use std::collections::{BTreeMap, BTreeSet};

use diachain_relayer_core::store::{DocReading, HeldTime};
use diachain_relayer_types::crypto::random_bytes;
use diachain_relayer_types::gateway::{signed_request, DeviceKey, HeaderVersion};
use diachain_relayer_types::BatchRequest;
use diachain_std::anchors::{default_min_interval_seconds, scope_min_interval_seconds};
use diachain_std::encoding::{flags, utc_day, ReadingKind, Trend};
use diachain_std::{DataScope, DeviceKind, Domain, Reading};

use super::entries::{SkipReason, Skipped};
use super::records::{Item, ParsedDoc, ParsedDocs};
use super::upload::{PlanError, UPLOAD_BATCH_READINGS};
use diachain_relayer_types::events;

const DAY_SECONDS: u64 = 86_400;

/// What the relayer holds for the uploader around an upload's documents.
#[derive(Clone, Debug, Default)]
pub struct RecordsHeld {
    pub last_seq: Option<u64>,
    /// The newest measured time held (the chain's forward head once anchored).
    pub newest: Option<u64>,
    /// The readings held in the documents' UTC days, every stream.
    pub times: Vec<HeldTime>,
    /// The value of the latest version of each record reading held at the documents' seconds.
    pub latest: BTreeMap<(u64, ReadingKind), i64>,
    /// Which document holds each of those readings.
    pub owners: BTreeMap<(u64, ReadingKind), String>,
    pub erased_through: Option<u64>,
}

impl RecordsHeld {
    /// The seconds whose held readings an upload of documents measured in `first..=last`
    /// needs: their UTC days.
    pub fn window(first: u64, last: u64) -> (u64, u64) {
        (
            first - first % DAY_SECONDS,
            (last - last % DAY_SECONDS).saturating_add(DAY_SECONDS - 1),
        )
    }
}

/// One batch to store, each reading's millisecond, and the documents whose readings it holds.
#[derive(Debug)]
pub struct RecordBatch {
    pub request: BatchRequest,
    pub millis: Vec<u16>,
    pub docs: BTreeSet<usize>,
}

/// A document kept: its position among the parsed ones and its readings (held or new).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptDoc {
    pub doc: usize,
    pub readings: Vec<DocReading>,
}

#[derive(Debug, Default)]
pub struct RecordPlan {
    pub batches: Vec<RecordBatch>,
    pub kept: Vec<KeptDoc>,
    pub skipped: Vec<Skipped>,
}

/// A new reading: its item, millisecond, whether it corrects a held one, and its document.
struct New {
    item: Item,
    millis: u16,
    correction: bool,
    doc: usize,
}

pub fn plan(
    parsed: &ParsedDocs,
    held: &RecordsHeld,
    bound_since: u64,
    device_id: &str,
    key: &DeviceKey,
    domain: &Domain,
) -> Result<RecordPlan, PlanError> {
    let mut out = RecordPlan::default();
    let new = choose(parsed, held, bound_since, &mut out);
    let mut seq = match held.last_seq {
        Some(last) => last.checked_add(1).ok_or(PlanError::SeqOverflow)?,
        None => 1,
    };
    for group in groups(new, held.newest) {
        let mut readings = Vec::with_capacity(group.len());
        for n in &group {
            readings.push(Reading {
                salt: random_bytes(),
                device_id: device_id.to_string(),
                seq,
                measured_at: n.item.time,
                kind: n.item.kind,
                unit: n.item.unit,
                value: n.item.value,
                trend: Trend::Unknown,
                flags: if n.correction { flags::CORRECTION } else { 0 },
            });
            seq = seq.checked_add(1).ok_or(PlanError::SeqOverflow)?;
        }
        out.batches.push(RecordBatch {
            request: signed_request(key, &readings, domain, HeaderVersion::V2)?,
            millis: group.iter().map(|n| n.millis).collect(),
            docs: group.iter().map(|n| n.doc).collect(),
        });
    }
    Ok(out)
}

/// The documents kept and their new readings in time order; the others go to `out.skipped`.
fn choose(
    parsed: &ParsedDocs,
    held: &RecordsHeld,
    bound_since: u64,
    out: &mut RecordPlan,
) -> Vec<New> {
    let mut order: Vec<usize> = (0..parsed.docs.len()).collect();
    order.sort_by_key(|i| (parsed.docs[*i].date_ms, parsed.docs[*i].index));
    let mut state = State {
        held,
        per_day: BTreeMap::new(),
        taken: BTreeSet::new(),
    };
    for h in &held.times {
        let scope = h.record.map_or(DataScope::Glucose, ReadingKind::scope);
        *state.per_day.entry((scope, utc_day(h.time))).or_default() += 1;
    }
    let mut new = Vec::new();
    for i in order {
        let doc = &parsed.docs[i];
        let skip = |reason: SkipReason, detail: String| Skipped {
            index: doc.index,
            reason,
            detail,
        };
        let t = doc.date_ms / 1000;
        if t < bound_since {
            out.skipped.push(skip(
                SkipReason::BeforeBinding,
                format!("its time {t} is before the uploader was bound at {bound_since}"),
            ));
            continue;
        }
        if let Some(erased) = held.erased_through.filter(|e| t <= *e) {
            out.skipped.push(skip(
                SkipReason::Erased,
                format!("its time {t} is before the patient's erasure at {erased}: erased data is not stored again"),
            ));
            continue;
        }
        match state.doc_readings(doc) {
            Err((reason, detail)) => out.skipped.push(skip(reason, detail)),
            Ok((fresh, placed)) => {
                for (item, correction) in fresh {
                    *state
                        .per_day
                        .entry((item.kind.scope(), utc_day(item.time)))
                        .or_default() += 1;
                    new.push(New {
                        item,
                        millis: (doc.date_ms % 1000) as u16,
                        correction,
                        doc: i,
                    });
                }
                state.taken.extend(placed.iter().map(|i| (i.time, i.kind)));
                out.kept.push(KeptDoc {
                    doc: i,
                    readings: placed.iter().map(Item::doc_reading).collect(),
                });
            }
        }
    }
    new.sort_by_key(|n| (n.item.time, n.item.kind.code()));
    new
}

/// What the planning has seen so far.
struct State<'h> {
    held: &'h RecordsHeld,
    /// Readings per scope and UTC day, held and kept.
    per_day: BTreeMap<(DataScope, u64), u64>,
    /// The (second, kind) of the readings of the documents kept by this upload.
    taken: BTreeSet<(u64, ReadingKind)>,
}

/// How far a therapy event moves to find a free second (AndroidAPS writes a bolus wizard, a
/// note and a profile switch in one second).
pub const THERAPY_SHIFT_SECONDS: u64 = 59;

impl State<'_> {
    /// Whether `key` belongs to another document than `identifier` (here, or held).
    fn someone_elses(&self, key: (u64, ReadingKind), identifier: &str) -> bool {
        self.taken.contains(&key)
            || (self.held.latest.contains_key(&key)
                && self.held.owners.get(&key).is_some_and(|o| o != identifier))
    }

    /// A document's new readings (each flagged a correction or not) and where each of its
    /// readings lies, or why it is skipped. A therapy event whose second another document holds
    /// moves to the next free one (its document keeps its own time); withdrawals void what the
    /// document held before and no longer holds.
    #[allow(clippy::type_complexity)]
    fn doc_readings(
        &self,
        doc: &ParsedDoc,
    ) -> Result<(Vec<(Item, bool)>, Vec<Item>), (SkipReason, String)> {
        let mut fresh = Vec::new();
        let mut placed = Vec::new();
        let mut adding: BTreeMap<(DataScope, u64), u64> = BTreeMap::new();
        for item in &doc.items {
            let mut item = *item;
            if item.kind == ReadingKind::TherapyEvent {
                if let Some(free) = (item.time..=item.time + THERAPY_SHIFT_SECONDS)
                    .find(|t| !self.someone_elses((*t, item.kind), &doc.identifier))
                {
                    item.time = free;
                }
            }
            let key = (item.time, item.kind);
            if self.someone_elses(key, &doc.identifier) {
                return Err((
                    SkipReason::SameSecond,
                    format!(
                        "another document holds a {:?} reading measured at {}; a reading is one per uploader, kind and second",
                        item.kind, item.time
                    ),
                ));
            }
            placed.push(item);
            let correction = match self.held.latest.get(&key) {
                Some(v) if *v == item.value => continue,
                Some(_) => true,
                None => false,
            };
            self.count(&item, &mut adding)?;
            fresh.push((item, correction));
        }
        for w in &doc.withdraw {
            let key = (w.time, w.kind);
            let held = self.held.latest.get(&key);
            if held.is_none_or(|v| *v == events::WITHDRAWN)
                || placed.iter().any(|p| (p.time, p.kind) == key)
            {
                continue;
            }
            let item = Item {
                value: events::WITHDRAWN,
                ..*w
            };
            self.count(&item, &mut adding)?;
            fresh.push((item, true));
        }
        Ok((fresh, placed))
    }

    /// Counts a new reading against its day's count for its scope.
    fn count(
        &self,
        item: &Item,
        adding: &mut BTreeMap<(DataScope, u64), u64>,
    ) -> Result<(), (SkipReason, String)> {
        let scope = item.kind.scope();
        let day = utc_day(item.time);
        let day_start = item.time - item.time % DAY_SECONDS;
        let until = self
            .held
            .newest
            .map_or(item.time, |n| n.max(item.time))
            .min(day_start + DAY_SECONDS - 1);
        let interval = u64::from(scope_interval(scope));
        let max = (until - day_start) / interval + 1;
        let count = self.per_day.get(&(scope, day)).copied().unwrap_or(0)
            + adding.get(&(scope, day)).copied().unwrap_or(0);
        if count >= max {
            return Err((
                SkipReason::DayFull,
                format!("its UTC day already holds {count} {scope:?} readings of the uploader, the most the chain counts up to {until}"),
            ));
        }
        *adding.entry((scope, day)).or_default() += 1;
        Ok(())
    }
}

/// The slower of the uploader's (a gateway's) rate and the scope's.
fn scope_interval(scope: DataScope) -> u32 {
    scope_min_interval_seconds(scope).max(default_min_interval_seconds(DeviceKind::Gateway))
}

/// Cuts the new readings (in time order) into batches the chain takes.
fn groups(new: Vec<New>, newest: Option<u64>) -> Vec<Vec<New>> {
    let mut out: Vec<Vec<New>> = Vec::new();
    let mut group: Vec<New> = Vec::new();
    for n in new {
        if !group.is_empty() && (n.correction || !fits(&group, &n, newest)) {
            out.push(std::mem::take(&mut group));
        }
        let alone = n.correction;
        group.push(n);
        if alone {
            out.push(std::mem::take(&mut group));
        }
    }
    if !group.is_empty() {
        out.push(group);
    }
    out
}

/// Whether `n` may join `group`: same UTC day, not across the newest held reading, within the
/// batch size, and every scope's readings (and all of them, at the gateway's rate) within the
/// span's count.
fn fits(group: &[New], n: &New, newest: Option<u64>) -> bool {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return true;
    };
    let (first, last, t) = (first.item.time, last.item.time, n.item.time);
    // A backfill ends before the newest held reading: a batch of its own.
    let crosses_head = newest.is_some_and(|h| last <= h && h < t);
    if crosses_head || utc_day(first) != utc_day(t) {
        return false;
    }
    if group.len() >= UPLOAD_BATCH_READINGS || group.iter().any(|g| g.correction) {
        return false;
    }
    let span = t - first;
    let gateway = u64::from(default_min_interval_seconds(DeviceKind::Gateway));
    if group.len() as u64 > span / gateway {
        return false;
    }
    let scope = n.item.kind.scope();
    let same = group
        .iter()
        .filter(|g| g.item.kind.scope() == scope)
        .count() as u64;
    same <= span / u64::from(scope_interval(scope))
}

#[cfg(test)]
#[path = "record_plan_tests.rs"]
mod tests;
