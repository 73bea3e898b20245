//! `POST /api/v1/treatments`, `/api/v1/devicestatus` and `/api/v1/profile` bodies (and their
//! API v3 counterparts): Nightscout documents, each kept as the app sent it, with the numbers
//! that matter clinically as readings of the uploader (anchored like glucose):
//!
//! | document | readings (kind, unit, value) |
//! | --- | --- |
//! | treatment with `insulin` > 0 (Bolus, Meal Bolus, Correction Bolus, SMB, …) | insulin bolus, U |
//! | treatment with `carbs` > 0 (Meal Bolus, Carb Correction, …) | carbohydrates, g |
//! | `Temp Basal` (`absolute`, else `rate`, U/h; `duration` min or `durationInMilliseconds`) | temporary basal, U/h, packed with its minutes (`diachain_relayer_types::events`) |
//! | any other treatment (Note, Site Change, Sensor Start, Temporary Target, …) | therapy event, its `eventType`'s code |
//! | device status: `uploaderBattery` (or `uploader.battery`), `pump.battery.percent`, `pump.reservoir`, `pump.status`, `openaps` / `loop` | uploader battery %, pump battery %, reservoir U, pump status code, loop status code: at the document's second + 0, 1, 2, 3, 4 (one device event a second, as the chain spaces them) |
//! | profile | none: settings, kept by the relayer only |
//!
//! Shapes: cgm-remote-monitor `lib/server/treatments.js`, `lib/server/devicestatus.js`,
//! `lib/api3/generic/setup.js` (the fields that identify a document); AndroidAPS
//! `core/nssdk/.../mapper/TreatmentMapper.kt`, `DeviceStatusMapper.kt`,
//! `plugins/sync/.../nsclientV3/extensions/*`; xDrip+ `NightscoutUploader.java`; Loop
//! `NightscoutService`. Every document is read on its own: one that cannot be kept is skipped
//! with its reason and the others are kept.

use diachain_relayer_core::store::{DocReading, NsCollection};
use diachain_relayer_types::events::{self, loop_status, pump_status, MAX_TEMP_BASAL_MINUTES};
use diachain_std::encoding::{ReadingKind, Unit};
use serde_json::{Map, Value};

use super::entries::{EntriesError, SkipReason, Skipped, MAX_FUTURE_MS};

/// Most documents one request may carry.
pub const MAX_DOCUMENTS: usize = 5_000;
/// Largest document kept (AndroidAPS's device status with its predictions is about 10 kB).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Longest identifier kept.
pub const MAX_IDENTIFIER: usize = 100;
/// The most insulin one bolus may hold (U), carbohydrates one treatment (g), a basal rate
/// (U/h), a reservoir (U): above, the value is a typing error, not a dose.
pub const MAX_BOLUS_UNITS: f64 = 100.0;
pub const MAX_CARBS_GRAMS: f64 = 1_000.0;
pub const MAX_BASAL_RATE: f64 = 50.0;
pub const MAX_RESERVOIR_UNITS: f64 = 1_000.0;
/// A device status's readings lie at its second + 0..=4.
const STATUS_SPREAD_SECONDS: u64 = 4;
/// Identifiers that would read as another route (`/api/v3/{collection}/history`) or path.
const RESERVED_IDENTIFIERS: &[&str] = &["history", ".", ".."];
/// Below this a time is taken for seconds, not milliseconds (year 1973 in ms).
const SECONDS_LOOKALIKE: u64 = 100_000_000_000;

/// A reading a document's numbers become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    /// Measurement second.
    pub time: u64,
    pub kind: ReadingKind,
    pub unit: Unit,
    /// Thousandths (a temporary basal's packed value, a code × 1,000).
    pub value: i64,
}

impl Item {
    pub fn doc_reading(&self) -> DocReading {
        DocReading {
            time: self.time,
            kind: self.kind,
        }
    }
}

/// A document read from a body.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedDoc {
    /// Its position in the body.
    pub index: usize,
    pub identifier: String,
    pub date_ms: u64,
    pub items: Vec<Item>,
    /// Readings the document held before and no longer holds (it was changed or deleted):
    /// each is voided by a correction valued [`events::WITHDRAWN`].
    pub withdraw: Vec<Item>,
    /// The document as sent.
    pub body: Value,
}

/// What a body held.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedDocs {
    pub docs: Vec<ParsedDoc>,
    /// Documents left out, and values of kept documents left out (a device status's battery
    /// above 100 %), in body order.
    pub skipped: Vec<Skipped>,
}

/// Parses a body of `collection` received at `now_ms`.
pub fn parse(
    collection: NsCollection,
    body: &[u8],
    now_ms: u64,
) -> Result<ParsedDocs, EntriesError> {
    let items = super::entries::items_of(body, MAX_DOCUMENTS)?;
    let mut out = ParsedDocs::default();
    for (index, item) in items.into_iter().enumerate() {
        match read_doc(collection, index, item, now_ms, &mut out.skipped) {
            Ok(doc) if out.docs.iter().any(|d| d.identifier == doc.identifier) => {
                out.skipped.push(Skipped {
                    index,
                    reason: SkipReason::Duplicate,
                    detail: format!(
                        "another document of this upload has the identifier {:?}",
                        doc.identifier
                    ),
                })
            }
            Ok(doc) => out.docs.push(doc),
            Err((reason, detail)) => out.skipped.push(Skipped {
                index,
                reason,
                detail,
            }),
        }
    }
    out.skipped.sort_by_key(|s| s.index);
    Ok(out)
}

type Refusal = (SkipReason, String);

fn malformed(detail: impl Into<String>) -> Refusal {
    (SkipReason::Malformed, detail.into())
}

fn read_doc(
    collection: NsCollection,
    index: usize,
    item: Value,
    now_ms: u64,
    notes: &mut Vec<Skipped>,
) -> Result<ParsedDoc, Refusal> {
    let size = serde_json::to_vec(&item).map_or(usize::MAX, |b| b.len());
    if size > MAX_DOCUMENT_BYTES {
        return Err(malformed(format!(
            "the document is {size} bytes; at most {MAX_DOCUMENT_BYTES} are kept"
        )));
    }
    let doc = item.as_object().ok_or_else(|| malformed("not an object"))?;
    let date_ms = match (time_ms(doc)?, collection) {
        (Some(t), _) => t,
        // Nightscout stamps a device status or profile without a time with its own clock.
        (None, NsCollection::DeviceStatus | NsCollection::Profile) => now_ms,
        (None, NsCollection::Treatments) => {
            return Err(malformed(
                "no time: send `date` (ms), `created_at` (RFC 3339) or `mills`",
            ))
        }
    };
    // A device status's readings lie up to 4 s after its time: they too must be within the
    // chain's future tolerance.
    let last_ms = match collection {
        NsCollection::DeviceStatus => date_ms.saturating_add(STATUS_SPREAD_SECONDS * 1000),
        _ => date_ms,
    };
    if last_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        return Err((
            SkipReason::InTheFuture,
            format!(
                "its time {date_ms} is more than {} minutes after the relayer's clock ({now_ms})",
                MAX_FUTURE_MS / 60_000
            ),
        ));
    }
    let t = date_ms / 1000;
    let items = match collection {
        NsCollection::Treatments => treatment_items(doc, t)?,
        NsCollection::DeviceStatus => status_items(doc, t, index, notes),
        NsCollection::Profile => Vec::new(),
    };
    Ok(ParsedDoc {
        index,
        identifier: identifier(collection, doc, date_ms)?,
        date_ms,
        items,
        withdraw: Vec::new(),
        body: item,
    })
}

/// The document's time: `date` (ms), `mills`, `timestamp` or `created_at` (ms or RFC 3339),
/// in that order (AndroidAPS reads them so).
fn time_ms(doc: &Map<String, Value>) -> Result<Option<u64>, Refusal> {
    for field in ["date", "mills", "timestamp", "created_at"] {
        let ms = match doc.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .ok_or_else(|| malformed(format!("`{field}` {n} is not a time in milliseconds")))?,
            Some(Value::String(s)) => match s.trim().parse::<u64>() {
                Ok(ms) => ms,
                Err(_) => diachain_chain_client::time::rfc3339_nanos(s.trim())
                    .map(|ns| ns / 1_000_000)
                    .ok_or_else(|| malformed(format!("`{field}` {s:?} is not an RFC 3339 time")))?,
            },
            Some(_) => return Err(malformed(format!("`{field}` is not a time"))),
        };
        if ms < SECONDS_LOOKALIKE {
            return Err(malformed(format!(
                "`{field}` {ms} looks like seconds; Nightscout times are milliseconds"
            )));
        }
        return Ok(Some(ms));
    }
    Ok(None)
}

/// The app's identifier (`identifier`, `_id`, xDrip+'s `uuid`), or one derived from what
/// identifies the document in Nightscout (its time and event type, or its time and device).
fn identifier(
    collection: NsCollection,
    doc: &Map<String, Value>,
    date_ms: u64,
) -> Result<String, Refusal> {
    for field in ["identifier", "_id", "uuid"] {
        if let Some(v) = doc.get(field) {
            let Some(id) = v.as_str().map(str::trim).filter(|s| !s.is_empty()) else {
                return Err(malformed(format!("`{field}` is not a non-empty string")));
            };
            if id.len() > MAX_IDENTIFIER
                || id
                    .chars()
                    .any(|c| c.is_control() || c == '/' || c == '?' || c == '#')
                || RESERVED_IDENTIFIERS.contains(&id)
            {
                return Err(malformed(format!(
                    "`{field}` {id:?} is longer than {MAX_IDENTIFIER} bytes, holds `/`, `?`, `#` or control characters, or is a reserved name"
                )));
            }
            return Ok(id.to_string());
        }
    }
    let what = match collection {
        NsCollection::Treatments => text(doc, "eventType"),
        NsCollection::DeviceStatus => text(doc, "device"),
        NsCollection::Profile => String::new(),
    };
    let seed = format!("{}\n{date_ms}\n{what}", collection.name());
    let h = diachain_std::crypto::sha256(seed.as_bytes());
    let hex = hex::encode(&h[..16]);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

fn text(doc: &Map<String, Value>, field: &str) -> String {
    doc.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A number field: `None` when absent or null; numbers sent as text are read.
fn number(doc: &Map<String, Value>, field: &str) -> Result<Option<f64>, String> {
    let v = match doc.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    v.filter(|f| f.is_finite())
        .map(Some)
        .ok_or_else(|| format!("`{field}` is not a number"))
}

/// A quantity in `0..=max` (unit `what`), in thousandths.
fn quantity(
    doc: &Map<String, Value>,
    field: &str,
    max: f64,
    what: &str,
) -> Result<Option<i64>, String> {
    let Some(v) = number(doc, field)? else {
        return Ok(None);
    };
    if v < 0.0 {
        return Err(format!("`{field}` {v} is negative"));
    }
    if v > max {
        return Err(format!(
            "`{field}` {v} is above {max} {what}, the most taken"
        ));
    }
    // In 0..=1,000: the thousandths fit exactly enough.
    Ok(Some((v * 1000.0).round() as i64))
}

fn treatment_items(doc: &Map<String, Value>, t: u64) -> Result<Vec<Item>, Refusal> {
    let event_type = text(doc, "eventType");
    let insulin = quantity(doc, "insulin", MAX_BOLUS_UNITS, "U").map_err(malformed)?;
    let carbs = quantity(doc, "carbs", MAX_CARBS_GRAMS, "g").map_err(malformed)?;
    let mut items = Vec::new();
    let item = |kind, unit, value| Item {
        time: t,
        kind,
        unit,
        value,
    };
    if is_temp_basal(&event_type) {
        items.push(item(
            ReadingKind::TempBasal,
            Unit::InsulinUnitsPerHour,
            temp_basal(doc)?,
        ));
    }
    if let Some(u) = insulin.filter(|u| *u > 0) {
        items.push(item(ReadingKind::InsulinBolus, Unit::InsulinUnits, u));
    }
    if let Some(g) = carbs.filter(|g| *g > 0) {
        items.push(item(ReadingKind::Carbohydrates, Unit::Grams, g));
    }
    if items.is_empty() {
        let code = events::therapy_event_code(&event_type);
        items.push(item(
            ReadingKind::TherapyEvent,
            Unit::None,
            events::coded_value(code),
        ));
    }
    Ok(items)
}

/// The unit a reading of a record kind is in.
pub fn unit_of(kind: ReadingKind) -> Unit {
    match kind {
        ReadingKind::InsulinBolus | ReadingKind::PumpReservoir => Unit::InsulinUnits,
        ReadingKind::Carbohydrates => Unit::Grams,
        ReadingKind::TempBasal | ReadingKind::InsulinBasal => Unit::InsulinUnitsPerHour,
        ReadingKind::UploaderBattery | ReadingKind::PumpBattery => Unit::Percent,
        _ => Unit::None,
    }
}

/// The correction that withdraws a document's reading.
pub fn withdrawal(r: &DocReading) -> Item {
    Item {
        time: r.time,
        kind: r.kind,
        unit: unit_of(r.kind),
        value: events::WITHDRAWN,
    }
}

fn is_temp_basal(event_type: &str) -> bool {
    let name: String = event_type
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    name == "tempbasal"
}

/// A `Temp Basal`'s packed value: `absolute` (else `rate`) U/h for `duration` minutes (else
/// `durationInMilliseconds`); a percentage alone cannot be stored (the scheduled rate it
/// scales is in the pump, not here).
fn temp_basal(doc: &Map<String, Value>) -> Result<i64, Refusal> {
    let rate = match quantity(doc, "absolute", MAX_BASAL_RATE, "U/h").map_err(malformed)? {
        Some(r) => r,
        None => quantity(doc, "rate", MAX_BASAL_RATE, "U/h")
            .map_err(malformed)?
            .ok_or_else(|| {
                malformed("a Temp Basal needs its rate in U/h (`absolute` or `rate`); a `percent` alone is relative to a schedule the relayer does not have")
            })?,
    };
    // The milliseconds first: AndroidAPS's `duration` is rounded down to whole minutes.
    let minutes = match number(doc, "durationInMilliseconds").map_err(malformed)? {
        Some(ms) => ms / 60_000.0,
        None => number(doc, "duration")
            .map_err(malformed)?
            .ok_or_else(|| malformed("a Temp Basal needs its `duration` (minutes)"))?,
    };
    if !(0.0..=f64::from(MAX_TEMP_BASAL_MINUTES)).contains(&minutes) {
        return Err(malformed(format!(
            "`duration` {minutes} is not in 0..={MAX_TEMP_BASAL_MINUTES} minutes"
        )));
    }
    // A rate that runs at all runs at least a minute: 0 minutes is a cancel.
    let whole = if minutes > 0.0 {
        minutes.round().max(1.0)
    } else {
        0.0
    };
    // In 0..=1,440: the cast is exact.
    events::temp_basal_value(rate, whole as u32)
        .ok_or_else(|| malformed("the rate and duration cannot be stored together"))
}

/// A device status's readings, each at its own second after the document's; a value out of
/// its range is left out with a note, and the others are kept.
fn status_items(
    doc: &Map<String, Value>,
    t: u64,
    index: usize,
    notes: &mut Vec<Skipped>,
) -> Vec<Item> {
    let empty = Map::new();
    let pump = object(doc.get("pump"), &empty);
    let uploader = object(doc.get("uploader"), &empty);
    let mut out = Vec::new();
    let mut note = |detail: String| {
        notes.push(Skipped {
            index,
            reason: SkipReason::Malformed,
            detail: format!("{detail}; the rest of the device status is kept"),
        })
    };
    let mut push = |offset: u64,
                    kind: ReadingKind,
                    unit: Unit,
                    value: Result<Option<i64>, String>| {
        match value {
            Ok(Some(value)) => out.push(Item {
                time: t.saturating_add(offset),
                kind,
                unit,
                value,
            }),
            Ok(None) => {}
            Err(why) => note(why),
        }
    };
    let battery = match quantity(doc, "uploaderBattery", 100.0, "%") {
        Ok(None) => quantity(uploader, "battery", 100.0, "%"),
        other => other,
    };
    push(0, ReadingKind::UploaderBattery, Unit::Percent, battery);
    let pump_battery = quantity(object(pump.get("battery"), &empty), "percent", 100.0, "%");
    push(1, ReadingKind::PumpBattery, Unit::Percent, pump_battery);
    let reservoir = quantity(pump, "reservoir", MAX_RESERVOIR_UNITS, "U");
    push(2, ReadingKind::PumpReservoir, Unit::InsulinUnits, reservoir);
    let status = pump.get("status").and_then(Value::as_object).map(|s| {
        let named = s.get("status").and_then(Value::as_str).unwrap_or_default();
        if named.eq_ignore_ascii_case("suspended") || s.get("suspended") == Some(&Value::Bool(true))
        {
            pump_status::SUSPENDED
        } else if named.eq_ignore_ascii_case("bolusing")
            || s.get("bolusing") == Some(&Value::Bool(true))
        {
            pump_status::BOLUSING
        } else {
            pump_status::NORMAL
        }
    });
    push(
        3,
        ReadingKind::PumpStatus,
        Unit::None,
        Ok(status.map(events::coded_value)),
    );
    push(
        4,
        ReadingKind::LoopStatus,
        Unit::None,
        Ok(loop_state(doc).map(events::coded_value)),
    );
    out
}

fn object<'a>(v: Option<&'a Value>, empty: &'a Map<String, Value>) -> &'a Map<String, Value> {
    v.and_then(Value::as_object).unwrap_or(empty)
}

/// The loop's last cycle: OpenAPS/AndroidAPS (`openaps.enacted` received, else `suggested`) or
/// Loop (`loop.failureReason`, `loop.enacted`, else `loop.predicted`).
fn loop_state(doc: &Map<String, Value>) -> Option<u16> {
    if let Some(openaps) = doc.get("openaps").and_then(Value::as_object) {
        if let Some(enacted) = openaps.get("enacted").and_then(Value::as_object) {
            let received = ["received", "recieved"]
                .iter()
                .any(|f| enacted.get(*f) == Some(&Value::Bool(true)));
            return Some(if received {
                loop_status::ENACTED
            } else {
                loop_status::SUGGESTED
            });
        }
        return openaps
            .get("suggested")
            .filter(|s| s.is_object())
            .map(|_| loop_status::SUGGESTED);
    }
    let l = doc.get("loop").and_then(Value::as_object)?;
    if l.get("failureReason").is_some_and(|f| !f.is_null()) {
        Some(loop_status::FAILED)
    } else if l.get("enacted").is_some_and(Value::is_object) {
        Some(loop_status::ENACTED)
    } else {
        Some(loop_status::SUGGESTED)
    }
}

#[cfg(test)]
#[path = "records_tests.rs"]
mod tests;
