//! Reading entries back as Nightscout serves them (`GET /api/v1/entries…`): the query follower
//! apps send, and the patient's glucose readings as entries.
//!
//! Query (cgm-remote-monitor `lib/server/query.js`): `count` (default 10, at most
//! [`MAX_COUNT`]), `find[date][$gte|$gt|$lte|$lt|$eq]` and `find[mills][…]` (milliseconds),
//! `find[dateString][…]` and `find[created_at][…]` (RFC 3339, or milliseconds; treatments and
//! device statuses are searched by `created_at`), `find[type]` (`sgv`, `mbg`); without a date bound, the
//! last [`DEFAULT_DAYS`] days, as Nightscout. Other `find` fields are refused (400) rather than
//! ignored: an app would otherwise get more than it asked for.
//!
//! Entries: the latest version of each reading (a correction replaces the value it corrects),
//! newest first; `sgv` whole mg/dL (mmol/L readings converted), `mbg` for a meter's readings,
//! the uploader's millisecond in `date` where the relayer kept it, `delta` from the sensor's
//! previous reading when it is at most 15 minutes older.

use std::collections::BTreeMap;

use diachain_relayer_types::data::ServedBatch;
use diachain_relayer_types::nightscout::StoredEntry;
use diachain_std::encoding::{flags, ReadingKind, Unit};

use super::entries::direction;

/// Most entries one request may ask for.
pub const MAX_COUNT: usize = 10_000;
/// Entries answered when `count` is not given.
pub const DEFAULT_COUNT: usize = 10;
/// The period searched when the query has no lower date bound (Nightscout's).
pub const DEFAULT_DAYS: u64 = 4;
/// The longest period one read searches (the data API's): an older lower bound is raised to
/// it, so no query walks a patient's whole history.
pub const MAX_DAYS: u64 = 31;
/// The most a previous reading may be older for a `delta`.
const DELTA_WINDOW_SECONDS: u64 = 15 * 60;
/// mg/dL per mmol/L of glucose (molar mass 180.16 g/mol).
const MG_PER_MMOL: f64 = 18.016;

/// Which entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryType {
    Sgv,
    Mbg,
}

/// A parsed entries query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntriesQuery {
    pub count: usize,
    /// Unix milliseconds, inclusive.
    pub from_ms: u64,
    pub to_ms: u64,
    /// `None`: both.
    pub kind: Option<EntryType>,
}

impl EntriesQuery {
    /// The measurement seconds to read, inclusive, widened at the start for `delta`.
    pub fn seconds(&self) -> (u64, u64) {
        (
            (self.from_ms / 1000).saturating_sub(DELTA_WINDOW_SECONDS),
            self.to_ms / 1000,
        )
    }

    /// The measurement seconds the answer covers (what the access is recorded for).
    pub fn period(&self) -> (u64, u64) {
        (self.from_ms / 1000, self.to_ms / 1000)
    }
}

/// Parses a query string at `now_ms`; `kind` is the path's (`/entries/sgv.json`).
pub fn parse(query: &str, now_ms: u64, kind: Option<EntryType>) -> Result<EntriesQuery, String> {
    let mut q = EntriesQuery {
        count: DEFAULT_COUNT,
        from_ms: 0,
        to_ms: now_ms,
        kind,
    };
    let mut lower = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k), decode(v));
        match k.as_str() {
            "count" => {
                q.count = v
                    .parse::<usize>()
                    .ok()
                    .filter(|c| (1..=MAX_COUNT).contains(c))
                    .ok_or_else(|| format!("count {v:?} is not a number in 1..={MAX_COUNT}"))?;
            }
            "find[type]" => {
                q.kind = Some(match v.as_str() {
                    "sgv" => EntryType::Sgv,
                    "mbg" => EntryType::Mbg,
                    other => {
                        return Err(format!("find[type] {other:?}: only sgv and mbg are served"))
                    }
                });
            }
            "token" | "secret" => {}
            _ => {
                let (field, op) = find(&k).ok_or_else(|| {
                    format!("{k:?} is not a query this server answers (count, find[date], find[dateString], find[created_at], find[mills], find[type], token)")
                })?;
                let ms = match field {
                    "date" | "mills" => v
                        .parse::<u64>()
                        .map_err(|_| format!("{k} {v:?} is not a time in milliseconds"))?,
                    _ => diachain_chain_client::time::rfc3339_nanos(&v)
                        .map(|ns| ns / 1_000_000)
                        .or_else(|| v.parse::<u64>().ok())
                        .ok_or_else(|| format!("{k} {v:?} is not an RFC 3339 time"))?,
                };
                match op {
                    "$gte" => q.from_ms = q.from_ms.max(ms),
                    "$gt" => q.from_ms = q.from_ms.max(ms.saturating_add(1)),
                    "$lte" => q.to_ms = q.to_ms.min(ms),
                    "$lt" => q.to_ms = q.to_ms.min(ms.saturating_sub(1)),
                    _ => {
                        q.from_ms = q.from_ms.max(ms);
                        q.to_ms = q.to_ms.min(ms);
                    }
                }
                lower |= op != "$lte" && op != "$lt";
            }
        }
    }
    let days = if lower { MAX_DAYS } else { DEFAULT_DAYS };
    q.from_ms = q.to_ms.saturating_sub(days * 86_400_000).max(q.from_ms);
    Ok(q)
}

/// `find[date][$gte]` → (`date`, `$gte`); `find[date]` → (`date`, `$eq`).
fn find(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("find[")?;
    let (field, rest) = rest.split_once(']')?;
    if !matches!(field, "date" | "dateString" | "created_at" | "mills") {
        return None;
    }
    let op = match rest {
        "" => "$eq",
        _ => rest.strip_prefix('[')?.strip_suffix(']')?,
    };
    matches!(op, "$gte" | "$gt" | "$lte" | "$lt" | "$eq").then_some((field, op))
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or(""),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The entries of `batches` the query asks for, newest first. `millis(device, seq)` is the
/// uploader's millisecond of a reading, where the relayer kept it.
pub fn entries(
    batches: &[ServedBatch],
    q: &EntriesQuery,
    millis: &dyn Fn(&str, u64) -> u16,
) -> Vec<StoredEntry> {
    // The latest version of each (device, second, meter or sensor) reading.
    let mut latest: BTreeMap<
        (&str, u64, bool),
        (u64, f64, &diachain_relayer_types::wire::ReadingJson),
    > = BTreeMap::new();
    for r in batches
        .iter()
        .flat_map(|b| b.readings.iter())
        .map(|p| &p.reading)
    {
        if r.kind != ReadingKind::Glucose {
            continue;
        }
        let mg_dl = match r.unit {
            Unit::MgPerDl => r.value as f64 / 1000.0,
            Unit::MmolPerL => r.value as f64 / 1000.0 * MG_PER_MMOL,
            _ => continue,
        };
        let key = (
            r.device_id.as_str(),
            r.measured_at,
            r.flags & flags::METER != 0,
        );
        if latest.get(&key).is_none_or(|(seq, _, _)| *seq < r.seq) {
            latest.insert(key, (r.seq, mg_dl, r));
        }
    }
    // Deltas: each sensor reading against its device's previous one (the map is in time order
    // per device).
    let mut previous: BTreeMap<&str, (u64, f64)> = BTreeMap::new();
    let mut out: Vec<StoredEntry> = Vec::new();
    for ((device, t, meter), (seq, mg_dl, r)) in &latest {
        let delta = if *meter {
            None
        } else {
            let d = previous
                .get(device)
                .filter(|(pt, _)| t.saturating_sub(*pt) <= DELTA_WINDOW_SECONDS)
                .map(|(_, pv)| ((mg_dl - pv) * 1000.0).round() / 1000.0);
            previous.insert(device, (*t, *mg_dl));
            d
        };
        let date = t.saturating_mul(1000) + u64::from(millis(device, *seq));
        let wanted = match q.kind {
            Some(EntryType::Sgv) => !meter,
            Some(EntryType::Mbg) => *meter,
            None => true,
        };
        if !wanted || date < q.from_ms || date > q.to_ms {
            continue;
        }
        let (kind, sgv, mbg) = if *meter {
            ("mbg", None, Some((mg_dl * 1000.0).round() / 1000.0))
        } else {
            ("sgv", Some(mg_dl.round() as u64), None)
        };
        let date_string = diachain_chain_client::time::rfc3339_ms(date);
        out.push(StoredEntry {
            id: format!("{device}-{seq}"),
            kind: kind.into(),
            sgv,
            mbg,
            date,
            date_string: date_string.clone(),
            sys_time: Some(date_string),
            direction: direction(r.trend).into(),
            device: (*device).to_string(),
            delta,
            utc_offset: Some(0),
        });
    }
    out.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
    out.truncate(q.count);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_767_225_600_000;

    #[test]
    fn without_a_date_bound_the_last_four_days_and_ten_entries() {
        let q = parse("", NOW, None).unwrap();
        assert_eq!(
            (q.count, q.from_ms, q.to_ms),
            (10, NOW - 4 * 86_400_000, NOW)
        );
    }

    /// Queries as followers send them (Nightguard `find[date][$gt]`, xDrip+ `count` and
    /// `find[date][$gte]`, the web client's `find[dateString][$gte]`), percent-encoded or not.
    #[test]
    fn the_queries_followers_send_are_read() {
        let q = parse(
            "count=288&find%5Bdate%5D%5B%24gt%5D=1767139200000",
            NOW,
            None,
        )
        .unwrap();
        assert_eq!((q.count, q.from_ms, q.to_ms), (288, 1_767_139_200_001, NOW));
        let q = parse(
            "find[dateString][$gte]=2025-12-31T00:00:00.000Z&find[date][$lte]=1767200000000&find[type]=mbg",
            NOW,
            None,
        )
        .unwrap();
        assert_eq!(
            (q.from_ms, q.to_ms, q.kind),
            (1_767_139_200_000, 1_767_200_000_000, Some(EntryType::Mbg))
        );
        let q = parse("find[date][$lt]=1767200000000", NOW, Some(EntryType::Sgv)).unwrap();
        assert_eq!(q.to_ms, 1_767_199_999_999);
        assert_eq!(
            q.from_ms,
            1_767_199_999_999 - 4 * 86_400_000,
            "still 4 days"
        );
    }

    /// `find[date][$gte]=0` searches the last 31 days, not the patient's whole history.
    #[test]
    fn no_read_searches_more_than_31_days() {
        let q = parse("find[date][$gte]=0", NOW, None).unwrap();
        assert_eq!(q.from_ms, NOW - 31 * 86_400_000);
    }

    #[test]
    fn what_is_not_understood_is_refused_not_ignored() {
        for bad in [
            "count=0",
            "count=10001",
            "count=ten",
            "find[sgv][$gte]=100",
            "find[date][$regex]=1",
            "find[date][$gte]=soon",
            "find[type]=cal",
            "sort=date",
        ] {
            assert!(parse(bad, NOW, None).is_err(), "{bad}");
        }
    }
}
