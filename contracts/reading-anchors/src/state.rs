//! Storage. The hot path (one write per anchored batch) uses a raw, fixed-size binary record
//! instead of JSON: every stored byte costs 30 gas. See `docs/gas.md`.

use cosmwasm_std::{Addr, Order, StdError, StdResult, Storage};
use cw_storage_plus::{Item, Map};
use diachain_std::anchors::{default_min_interval_seconds, SamplingLimit};
use diachain_std::device::device_tag;
use diachain_std::encoding::utc_day;
use diachain_std::wire;
use diachain_std::{DataScope, DeviceKind};

/// The cw2 name, stored at instantiate and compared by `migrate`: never change it.
pub const CONTRACT_NAME: &str = "crates.io:diachain-reading-anchors";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[wire]
pub struct Config {
    pub registry: Addr,
    /// The consortium's minimum reading intervals, where they differ from the defaults (absent
    /// in configs stored by 0.1.x, which therefore keep the defaults).
    #[serde(default)]
    pub sampling: Vec<SamplingLimit>,
}

impl Config {
    /// The shortest plausible interval between two readings of a `kind` device.
    pub fn min_interval(&self, kind: DeviceKind) -> u32 {
        self.sampling.iter().find(|l| l.kind == kind).map_or_else(
            || default_min_interval_seconds(kind),
            |l| l.min_interval_seconds,
        )
    }

    /// The limit in force for every kind.
    pub fn effective_sampling(&self) -> Vec<SamplingLimit> {
        DeviceKind::ALL
            .iter()
            .map(|kind| SamplingLimit {
                kind: *kind,
                min_interval_seconds: self.min_interval(*kind),
            })
            .collect()
    }
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const LISTENERS: Item<Vec<Addr>> = Item::new("listeners");

/// A gap: `from_seq..=to_seq` were never anchored.
#[wire]
pub struct GapRecord {
    pub to_seq: u64,
    pub noticed_height: u64,
    pub noticed_time: u64,
}

/// (device id, from seq) → gap.
pub const GAPS: Map<(&str, u64), GapRecord> = Map::new("g");
/// Only used to build keys: (device id, UTC day, readings the device had anchored before) → a
/// coverage segment ([`Segment`], raw). A segment starts with a device's first batch of a day,
/// again if the device changed owner since its last batch, and again where its readings change
/// scope. Coverage subtracts consecutive segment starts, so a segment costs one write per
/// device and day (not one per batch) for a device whose readings keep one scope, and a device
/// that changes hands during a day is counted for each owner exactly. Read and written only
/// through [`Segments`].
const SEGMENTS: Map<(&str, u32, u64), ()> = Map::new("s");
/// (patient, UTC day, device id) → scope code: which devices contributed to a patient's day,
/// and the scope of the first segment there (the scope of segments written before 0.3.0,
/// which did not record their own).
pub const PATIENT_DAYS: Map<(&Addr, u32, &str), u8> = Map::new("p");

/// A coverage segment: whose readings they are and of which scope (`None` for segments written
/// before 0.3.0: the scope in `PATIENT_DAYS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: u64,
    pub owner: Addr,
    pub scope: Option<DataScope>,
}

/// The raw segment store. A segment is stored as its scope code then the owner's address;
/// segments written before 0.3.0 hold the owner as a JSON string (they start with `"`, never a
/// scope code).
pub struct Segments;

impl Segments {
    pub fn save(
        storage: &mut dyn Storage,
        device_id: &str,
        day: u32,
        start: u64,
        owner: &Addr,
        scope: DataScope,
    ) {
        let mut value = Vec::with_capacity(1 + owner.as_str().len());
        value.push(scope.code());
        value.extend_from_slice(owner.as_bytes());
        storage.set(&SEGMENTS.key((device_id, day, start)), &value);
    }

    fn decode(key: &[u8], value: &[u8]) -> StdResult<Segment> {
        let corrupt = || StdError::msg("corrupt coverage segment");
        let start = key
            .get(key.len().saturating_sub(8)..)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(corrupt)?;
        let (scope, owner) = match value.split_first() {
            Some((b'"', _)) => (None, cosmwasm_std::from_json::<Addr>(value)?),
            Some((code, rest)) => {
                let scope = DataScope::from_code(*code).map_err(|_| corrupt())?;
                let owner = String::from_utf8(rest.to_vec()).map_err(|_| corrupt())?;
                (Some(scope), Addr::unchecked(owner))
            }
            None => return Err(corrupt()),
        };
        Ok(Segment {
            start,
            owner,
            scope,
        })
    }

    /// The segments of a device's day, in order.
    pub fn of_day<'a>(
        storage: &'a dyn Storage,
        device_id: &str,
        day: u32,
    ) -> impl Iterator<Item = StdResult<Segment>> + 'a {
        let start = SEGMENTS.key((device_id, day, 0)).to_vec();
        let mut end = SEGMENTS.key((device_id, day, u64::MAX)).to_vec();
        end.push(0);
        storage
            .range(Some(&start), Some(&end), Order::Ascending)
            .map(|(k, v)| Self::decode(&k, &v))
    }

    /// The start of the device's next segment after `(day, start)`, on that day or a later one.
    pub fn next_start(
        storage: &dyn Storage,
        device_id: &str,
        day: u32,
        start: u64,
    ) -> StdResult<Option<u64>> {
        let mut from = SEGMENTS.key((device_id, day, start)).to_vec();
        from.push(0);
        let mut end = SEGMENTS.key((device_id, u32::MAX, u64::MAX)).to_vec();
        end.push(0);
        storage
            .range(Some(&from), Some(&end), Order::Ascending)
            .next()
            .map(|(k, v)| Self::decode(&k, &v).map(|s| s.start))
            .transpose()
    }
}

/// device id → last seq of its forward head, written with each backfilled batch (when the
/// device's last batch is a backfill, its forward head is an earlier one).
pub const FORWARD_HEADS: Map<&str, u64> = Map::new("f");

/// Readings of one owner and scope backfilled into a device's day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backfilled {
    pub owner: Addr,
    pub scope: DataScope,
    pub readings: u64,
}

/// Only used to build keys: (device id, UTC day) → the readings backfilled into that day, per
/// owner and scope, raw: for each, its scope code (1 byte), readings (8, big-endian), the
/// owner's length (2, big-endian) and address. Coverage adds them to the day's segments (which
/// count forward batches only). Read and written through [`BackfilledDays`].
const BACKFILLED: Map<(&str, u32), ()> = Map::new("k");

/// The raw store of backfilled readings per device and day.
pub struct BackfilledDays;

impl BackfilledDays {
    pub fn load(storage: &dyn Storage, device_id: &str, day: u32) -> StdResult<Vec<Backfilled>> {
        let corrupt = || StdError::msg("corrupt backfill record");
        let Some(value) = storage.get(&BACKFILLED.key((device_id, day))) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut rest = value.as_slice();
        while let Some((code, tail)) = rest.split_first() {
            let scope = DataScope::from_code(*code).map_err(|_| corrupt())?;
            let readings = tail
                .get(..8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .ok_or_else(corrupt)?;
            let len = tail
                .get(8..10)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(|b| usize::from(u16::from_be_bytes(b)))
                .ok_or_else(corrupt)?;
            let owner = tail.get(10..10 + len).ok_or_else(corrupt)?;
            let owner = String::from_utf8(owner.to_vec()).map_err(|_| corrupt())?;
            out.push(Backfilled {
                owner: Addr::unchecked(owner),
                scope,
                readings,
            });
            rest = &tail[10 + len..];
        }
        Ok(out)
    }

    pub fn save(
        storage: &mut dyn Storage,
        device_id: &str,
        day: u32,
        entries: &[Backfilled],
    ) -> StdResult<()> {
        let mut value = Vec::new();
        for b in entries {
            let owner = b.owner.as_bytes();
            let len = u16::try_from(owner.len()).map_err(|_| StdError::msg("owner too long"))?;
            value.push(b.scope.code());
            value.extend_from_slice(&b.readings.to_be_bytes());
            value.extend_from_slice(&len.to_be_bytes());
            value.extend_from_slice(owner);
        }
        storage.set(&BACKFILLED.key((device_id, day)), &value);
        Ok(())
    }
}

/// Readings per scope (indexed by scope code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScopeTotals([u64; 8]);

impl ScopeTotals {
    pub fn add(&mut self, scope: DataScope, readings: u64) {
        if let Some(total) = self.0.get_mut(usize::from(scope.code())) {
            *total = total.saturating_add(readings);
        }
    }

    pub fn get(&self, scope: DataScope) -> u64 {
        self.0.get(usize::from(scope.code())).copied().unwrap_or(0)
    }

    /// The scopes with readings, and their readings.
    pub fn iter(&self) -> impl Iterator<Item = (DataScope, u64)> + '_ {
        DataScope::ALL
            .iter()
            .map(|s| (*s, self.get(*s)))
            .filter(|(_, n)| *n > 0)
    }
}

/// The readings a device anchored for one UTC day, per scope: of every owner, or of `owner`
/// only. Each segment of the day counts from its start to the next segment's (or to the
/// device's latest count), under its scope (`default_scope` for segments written before
/// 0.3.0); the day's backfilled readings are added.
pub fn day_readings(
    storage: &dyn Storage,
    device_id: &str,
    day: u32,
    owner: Option<&Addr>,
    default_scope: DataScope,
) -> StdResult<ScopeTotals> {
    let mut totals = ScopeTotals::default();
    let mut add = |scope: DataScope, readings: u64| totals.add(scope, readings);
    let segments: Vec<Segment> =
        Segments::of_day(storage, device_id, day).collect::<StdResult<_>>()?;
    for segment in segments {
        if owner.is_some_and(|o| segment.owner != *o) {
            continue;
        }
        let end = match Segments::next_start(storage, device_id, day, segment.start)? {
            Some(next_start) => next_start,
            None => Batches::latest(storage, device_id)?.map_or(segment.start, |b| b.cumulative),
        };
        add(
            segment.scope.unwrap_or(default_scope),
            end.saturating_sub(segment.start),
        );
    }
    for b in BackfilledDays::load(storage, device_id, day)? {
        if owner.is_none_or(|o| b.owner == *o) {
            add(b.scope, b.readings);
        }
    }
    Ok(totals)
}

/// Only used to build keys: device tag (8) ++ last seq (8, big-endian) → raw `BatchRecord`.
/// The tag (`diachain_std::device::device_tag`, unique per device by the registry) keeps the
/// key at 16 bytes whatever the id's length.
const BATCH_KEYS: Map<&[u8], ()> = Map::new("b");

/// One anchored batch, stored raw under (device id, last seq).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    pub first_seq: u64,
    pub last_seq: u64,
    /// The scope of the coverage segment the batch's readings end in: the segment a next batch
    /// of the same day continues if its readings are of the same scope. `None` in records
    /// written before 0.3.0 (their device kind's scope).
    pub scope: Option<DataScope>,
    pub root: [u8; 32],
    /// Readings the device has anchored so far in forward batches, this batch included if it
    /// is one (a backfilled batch leaves the count where its forward head left it: coverage
    /// counts its readings in [`BackfilledDays`]).
    pub cumulative: u64,
    /// UTC day the readings were measured on (a batch never crosses midnight).
    pub day: u32,
    /// Measurement time of the batch's last reading. Records written by 0.1.x kept only the
    /// day: for them this is the day's first second, a lower bound.
    pub last_time: u64,
    pub anchored_height: u64,
    /// Readings measured before the device's newest anchored reading, anchored after it (a
    /// relayer-held key's backfill, see `execute::submit`). Not the device's forward head.
    pub backfill: bool,
}

/// The scope byte's flag for a backfilled batch (scope codes are below it).
const BACKFILL_FLAG: u8 = 0x80;

/// Bytes of a stored record: scope code 1 (0: none; [`BACKFILL_FLAG`] set for a backfill) and
/// count 3, root 32, cumulative 8, last
/// time 8, height 8 (the last seq is in the key, the first seq is `last - count + 1`, the day
/// is the last time's). Records written before 0.3.0 hold the count in all 4 bytes: their
/// counts are at most `MAX_READINGS_PER_BATCH`, so their first byte is 0.
pub const BATCH_RECORD_LEN: usize = 60;
/// Records of 0.1.x: the same, with the 4-byte day in place of the last time.
const LEGACY_BATCH_RECORD_LEN: usize = 56;

impl BatchRecord {
    fn encode(&self) -> StdResult<[u8; BATCH_RECORD_LEN]> {
        let count = self
            .last_seq
            .checked_sub(self.first_seq)
            .and_then(|d| d.checked_add(1))
            .and_then(|c| u32::try_from(c).ok())
            .filter(|c| *c < 1 << 24)
            .ok_or_else(|| StdError::msg("batch range does not fit a record"))?;
        let mut v = [0u8; BATCH_RECORD_LEN];
        v[..4].copy_from_slice(&count.to_be_bytes());
        v[0] =
            self.scope.map_or(0, DataScope::code) | if self.backfill { BACKFILL_FLAG } else { 0 };
        v[4..36].copy_from_slice(&self.root);
        v[36..44].copy_from_slice(&self.cumulative.to_be_bytes());
        v[44..52].copy_from_slice(&self.last_time.to_be_bytes());
        v[52..60].copy_from_slice(&self.anchored_height.to_be_bytes());
        Ok(v)
    }

    /// Decodes a record of either layout. Never traps: a malformed record is an error.
    fn decode(key: &[u8], value: &[u8]) -> StdResult<Self> {
        let corrupt = || StdError::msg("corrupt batch record");
        let legacy = match value.len() {
            BATCH_RECORD_LEN => false,
            LEGACY_BATCH_RECORD_LEN => true,
            _ => return Err(corrupt()),
        };
        let bytes = |at: usize, len: usize| value.get(at..at + len).ok_or_else(corrupt);
        let u64_at = |b: &[u8]| -> StdResult<u64> {
            Ok(u64::from_be_bytes(b.try_into().map_err(|_| corrupt())?))
        };
        let u32_at = |b: &[u8]| -> StdResult<u32> {
            Ok(u32::from_be_bytes(b.try_into().map_err(|_| corrupt())?))
        };
        let head = u32_at(bytes(0, 4)?)?;
        let count = u64::from(head & 0x00FF_FFFF);
        let scope_byte = (head >> 24) as u8;
        let backfill = scope_byte & BACKFILL_FLAG != 0;
        let scope = match scope_byte & !BACKFILL_FLAG {
            0 => None,
            code => Some(DataScope::from_code(code).map_err(|_| corrupt())?),
        };
        let last_seq = u64_at(key.get(key.len().saturating_sub(8)..).ok_or_else(corrupt)?)?;
        let first_seq = count
            .checked_sub(1)
            .and_then(|c| last_seq.checked_sub(c))
            .ok_or_else(corrupt)?;
        let (day, last_time, height_at) = if legacy {
            let day = u32_at(bytes(44, 4)?)?;
            (day, u64::from(day) * 86_400, 48)
        } else {
            let last_time = u64_at(bytes(44, 8)?)?;
            let day = u32::try_from(utc_day(last_time)).map_err(|_| corrupt())?;
            (day, last_time, 52)
        };
        Ok(BatchRecord {
            first_seq,
            last_seq,
            scope,
            root: bytes(4, 32)?.try_into().map_err(|_| corrupt())?,
            cumulative: u64_at(bytes(36, 8)?)?,
            day,
            last_time,
            anchored_height: u64_at(bytes(height_at, 8)?)?,
            backfill,
        })
    }

    /// Readings in the batch.
    pub fn count(&self) -> u64 {
        // Decoded and saved records always have first_seq <= last_seq.
        self.last_seq
            .saturating_sub(self.first_seq)
            .saturating_add(1)
    }
}

/// The raw batch store: save, latest, the batch holding a seq, and pages.
pub struct Batches;

impl Batches {
    pub(crate) fn key(device_id: &str, last_seq: u64) -> Vec<u8> {
        let mut composite = [0u8; 16];
        composite[..8].copy_from_slice(&device_tag(device_id));
        composite[8..].copy_from_slice(&last_seq.to_be_bytes());
        BATCH_KEYS.key(&composite).to_vec()
    }

    /// Every key of a device lies in `[key(id, 0), key(id, u64::MAX) ++ 0x00)`.
    fn device_end(device_id: &str) -> Vec<u8> {
        let mut end = Self::key(device_id, u64::MAX);
        end.push(0);
        end
    }

    pub fn save(storage: &mut dyn Storage, device_id: &str, record: &BatchRecord) -> StdResult<()> {
        storage.set(&Self::key(device_id, record.last_seq), &record.encode()?);
        Ok(())
    }

    fn scan<'a>(
        storage: &'a dyn Storage,
        device_id: &str,
        from_seq: u64,
        order: Order,
    ) -> impl Iterator<Item = StdResult<BatchRecord>> + 'a {
        let start = Self::key(device_id, from_seq);
        let end = Self::device_end(device_id);
        storage
            .range(Some(&start), Some(&end), order)
            .map(|(k, v)| BatchRecord::decode(&k, &v))
    }

    /// The device's forward head: its last anchored batch that is not a backfill (the one
    /// [`FORWARD_HEADS`] names when the last is a backfill).
    pub fn forward_head(storage: &dyn Storage, device_id: &str) -> StdResult<Option<BatchRecord>> {
        match Self::latest(storage, device_id)? {
            Some(latest) if latest.backfill => match FORWARD_HEADS.may_load(storage, device_id)? {
                Some(seq) => Self::containing(storage, device_id, seq),
                None => Err(StdError::msg("a backfilled batch without a forward head")),
            },
            other => Ok(other),
        }
    }

    /// The device's last anchored batch.
    pub fn latest(storage: &dyn Storage, device_id: &str) -> StdResult<Option<BatchRecord>> {
        Self::scan(storage, device_id, 0, Order::Descending)
            .next()
            .transpose()
    }

    /// The batch whose range holds `seq`.
    pub fn containing(
        storage: &dyn Storage,
        device_id: &str,
        seq: u64,
    ) -> StdResult<Option<BatchRecord>> {
        Ok(Self::scan(storage, device_id, seq, Order::Ascending)
            .next()
            .transpose()?
            .filter(|b| b.first_seq <= seq))
    }

    /// Batches with `last_seq >= from_seq`, in order.
    pub fn from<'a>(
        storage: &'a dyn Storage,
        device_id: &str,
        from_seq: u64,
    ) -> impl Iterator<Item = StdResult<BatchRecord>> + 'a {
        Self::scan(storage, device_id, from_seq, Order::Ascending)
    }
}
