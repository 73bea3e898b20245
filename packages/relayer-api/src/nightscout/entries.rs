//! `POST /api/v1/entries` bodies: a JSON array of entries (or one entry), as Nightscout
//! uploaders send them. Sensor glucose (`type: "sgv"`) and meter glucose (`type: "mbg"`, a
//! finger stick: a glucose reading flagged `METER`) become readings; every other entry, and
//! every entry DiaChain cannot read, is skipped **on its own** with a reason
//! ([`SkipReason`]), so that one bad entry never blocks the rest of the upload: an uploader that
//! re-sends its queue until it is accepted would otherwise never get a new reading stored. Only
//! a body that is not entries at all (not JSON, not an array or object, too many) is refused.
//!
//! Conventions of the uploaders, kept here (cgm-remote-monitor `lib/server/entries.js`,
//! `lib/plugins/direction.js`; xDrip+ `NightscoutUploader.java`):
//! - `date` is milliseconds since the Unix epoch (a value that looks like seconds is skipped
//!   with that reason); `dateString` is informative and only used when `date` is missing.
//! - `sgv` is mg/dL; 39 is the sensor's "LOW" marker (below its range) and 401 its "HIGH"
//!   marker. Whole values 0..=38 are the sensor's error codes (Dexcom's 1 = sensor not active,
//!   5 = no antenna, 9 = absolute, 10 = power deviation, 12 = bad RF): kept as sensor-error
//!   events (a device event reading, value = the code, flag `SENSOR_ERROR`), never as glucose.
//! - `direction` names the trend arrow, in any case and with `_` or ` ` (`flat`,
//!   `NOT_COMPUTABLE`); missing, `NONE` or a name no uploader documents (`Sideways`) carry no
//!   arrow but keep the reading; `NOT COMPUTABLE` and `RATE OUT OF RANGE` are kept as such,
//!   each its own trend.
//! - `mbg` is mg/dL as a meter shows it (whole, or with decimals when converted from mmol/L),
//!   above 0 and at most 600 (the most a meter measures); its thousandths are kept. `cal`
//!   entries (a sensor calibration's slope and intercept) are not readings: skipped as
//!   `not_stored` and counted in the skipped entries like any other.
//! - Every other field (`_id`, `device`, `sysTime`, `delta`, `filtered`, `noise`, …) is
//!   accepted and ignored; an entry posted twice (same millisecond) is stored once.

use std::collections::BTreeMap;

use diachain_relayer_types::ErrorCode;
use diachain_std::encoding::{flags, Trend};
use serde_json::Value;

/// Most entries one request may carry.
pub const MAX_ENTRIES: usize = 20_000;
/// The sensor's LOW and HIGH markers (mg/dL).
pub const SGV_LOW: u64 = 39;
pub const SGV_HIGH: u64 = 401;
/// The most a blood glucose meter measures (mg/dL); above, meters show "HI".
pub const MBG_HIGH: u64 = 600;
/// How far in the future an entry may be stamped (uploader clock skew).
pub const MAX_FUTURE_MS: u64 = 5 * 60 * 1000;
/// Below this a `date` is taken for seconds, not milliseconds (year 1973 in ms).
const SECONDS_LOOKALIKE: u64 = 100_000_000_000;

/// One sensor glucose value (or a sensor error code in its place), or a meter's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sgv {
    /// The entry's position in the upload.
    pub index: usize,
    /// Measurement time, Unix milliseconds.
    pub date_ms: u64,
    /// Thousandths of mg/dL: sensor glucose (39 and 401 are the LOW/HIGH markers, flagged),
    /// the sensor's error code (below 39), or a meter's glucose (`flags::METER`).
    pub milli: i64,
    pub trend: Trend,
    /// `flags::BELOW_RANGE` or `flags::ABOVE_RANGE` for the markers, `flags::SENSOR_ERROR`
    /// for an error code, `flags::METER` for a meter's reading.
    pub flags: u16,
}

impl Sgv {
    /// A sensor error code, not glucose.
    pub fn is_sensor_error(&self) -> bool {
        self.flags & flags::SENSOR_ERROR != 0
    }

    /// A meter's reading (a finger stick), not a sensor's.
    pub fn is_meter(&self) -> bool {
        self.flags & flags::METER != 0
    }

    /// Whole mg/dL (a sensor value is whole).
    pub fn mg_dl(&self) -> u64 {
        u64::try_from(self.milli / 1000).unwrap_or(0)
    }
}

/// Why an entry of an upload was not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// Not an entry DiaChain can read: not an object, no usable `type`, `date` or `sgv`.
    Malformed,
    /// Stamped more than five minutes after the relayer's (chain's) clock.
    InTheFuture,
    /// An entry type not stored as a reading (`mbg`, `cal`, …).
    NotStored,
    /// The same millisecond as an earlier entry of this upload (or, for two of one kind, the
    /// same second).
    Duplicate,
    /// Measured before the uploader was bound to the patient.
    BeforeBinding,
    /// Measured before the patient's last erasure.
    Erased,
    /// A reading measured at the same second is already stored for the uploader (apps re-send
    /// their queue).
    AlreadyStored,
    /// Less than a minute from a sensor reading held or kept (the chain spaces glucose a
    /// minute).
    TooClose,
    /// Its UTC day already holds as many readings of the uploader as the chain counts for it.
    DayFull,
    /// Another treatment or device status holds a reading of the same kind measured in the
    /// same second (a reading is one per device, kind and second).
    SameSecond,
    /// The document was uploaded by another of the patient's uploaders: it is changed from
    /// that one (its readings are that device's).
    OtherUploader,
    /// The pipeline refused the batch holding its readings (the refusal's code and sentence).
    Refused,
}

impl SkipReason {
    /// Whether the item is not held after the upload (what the patient's skip log shows): an
    /// entry already stored, or the twin of one stored by the same upload, is held.
    pub fn loses_data(self) -> bool {
        !matches!(self, SkipReason::AlreadyStored | SkipReason::Duplicate)
    }

    /// The reason's name in responses, logs and `/metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Malformed => "malformed",
            SkipReason::InTheFuture => "in_the_future",
            SkipReason::NotStored => "not_stored",
            SkipReason::Duplicate => "duplicate",
            SkipReason::BeforeBinding => "before_binding",
            SkipReason::Erased => "erased",
            SkipReason::AlreadyStored => "already_stored",
            SkipReason::TooClose => "too_close",
            SkipReason::DayFull => "day_full",
            SkipReason::SameSecond => "same_second",
            SkipReason::OtherUploader => "other_uploader",
            SkipReason::Refused => "refused",
        }
    }
}

/// An entry left out, with its position in the upload and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub index: usize,
    pub reason: SkipReason,
    pub detail: String,
}

/// What a body held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    /// Sensor glucose values (and sensor error codes), by time, one per millisecond.
    pub sgv: Vec<Sgv>,
    /// The entries left out, in upload order.
    pub skipped: Vec<Skipped>,
}

impl Entries {
    /// How many entries were left out for `reason`.
    pub fn skipped_for(&self, reason: SkipReason) -> usize {
        self.skipped.iter().filter(|s| s.reason == reason).count()
    }
}

/// Why a whole body is refused (it is not entries at all).
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum EntriesError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body must be an entry or an array of entries")]
    NotEntries,
    #[error("at most {max} entries per request")]
    TooMany { max: usize },
}

impl EntriesError {
    /// The refusal's code (and so its HTTP status).
    pub fn code(&self) -> ErrorCode {
        match self {
            EntriesError::NotJson(_) | EntriesError::NotEntries => ErrorCode::BadEncoding,
            EntriesError::TooMany { .. } => ErrorCode::TooManyEntries,
        }
    }
}

/// The items of a Nightscout upload: a JSON array, or one object; at most `max`.
pub fn items_of(body: &[u8], max: usize) -> Result<Vec<Value>, EntriesError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| EntriesError::NotJson(e.to_string()))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => vec![value],
        _ => return Err(EntriesError::NotEntries),
    };
    if items.len() > max {
        return Err(EntriesError::TooMany { max });
    }
    Ok(items)
}

/// Parses a body received at `now_ms`.
pub fn parse(body: &[u8], now_ms: u64) -> Result<Entries, EntriesError> {
    let items = items_of(body, MAX_ENTRIES)?;
    let mut out = Entries::default();
    let mut by_time: BTreeMap<u64, Sgv> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let skip = |reason: SkipReason, detail: String| Skipped {
            index,
            reason,
            detail,
        };
        match read_entry(index, item, now_ms) {
            Ok(sgv) if by_time.contains_key(&sgv.date_ms) => out.skipped.push(skip(
                SkipReason::Duplicate,
                format!("another entry of this upload has `date` {}", sgv.date_ms),
            )),
            Ok(sgv) => {
                by_time.insert(sgv.date_ms, sgv);
            }
            Err((reason, detail)) => out.skipped.push(skip(reason, detail)),
        }
    }
    out.sgv = by_time.into_values().collect();
    Ok(out)
}

fn read_entry(index: usize, item: &Value, now_ms: u64) -> Result<Sgv, (SkipReason, String)> {
    let malformed = |detail: String| (SkipReason::Malformed, detail);
    let entry = item
        .as_object()
        .ok_or_else(|| malformed("not an object".into()))?;
    let kind = match entry.get("type") {
        None => "sgv",
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(malformed("`type` is not a string".into())),
    };
    if kind != "sgv" && kind != "mbg" {
        return Err((
            SkipReason::NotStored,
            format!("entries of type {kind:?} are not stored"),
        ));
    }
    let date_ms = date_ms(entry).map_err(malformed)?;
    if date_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        return Err((
            SkipReason::InTheFuture,
            format!(
                "`date` {date_ms} is more than {} minutes after the relayer's clock ({now_ms})",
                MAX_FUTURE_MS / 60_000
            ),
        ));
    }
    if kind == "mbg" {
        return Ok(Sgv {
            index,
            date_ms,
            milli: mbg_value(entry).map_err(malformed)?,
            trend: Trend::Unknown,
            flags: flags::METER,
        });
    }
    let mg_dl = sgv_value(entry).map_err(malformed)?;
    let flags = match mg_dl {
        0..SGV_LOW => flags::SENSOR_ERROR,
        SGV_LOW => flags::BELOW_RANGE,
        SGV_HIGH => flags::ABOVE_RANGE,
        _ => 0,
    };
    let trend = match entry.get("direction") {
        None | Some(Value::Null) => Trend::Unknown,
        Some(Value::String(d)) => trend(d),
        Some(_) => return Err(malformed("`direction` is not a string".into())),
    };
    Ok(Sgv {
        index,
        date_ms,
        // At most 401 (sgv_value): the product fits.
        milli: i64::try_from(mg_dl).unwrap_or(0).saturating_mul(1000),
        trend,
        flags,
    })
}

/// The `mbg` field: mg/dL above 0 and at most `MBG_HIGH`, in thousandths (rounded).
fn mbg_value(entry: &serde_json::Map<String, Value>) -> Result<i64, String> {
    let text = match entry.get("mbg") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => return Err("`mbg` is missing".into()),
        Some(_) => return Err("`mbg` is not a number".into()),
    };
    let value: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`mbg` {text:?} is not a number"))?;
    if value <= 0.0 {
        return Err(format!("`mbg` {text} is not above 0 mg/dL"));
    }
    if value > MBG_HIGH as f64 {
        return Err(format!(
            "`mbg` {text} is above {MBG_HIGH} mg/dL, the most a meter measures"
        ));
    }
    // In (0, 600] mg/dL: the thousandths fit an i64 exactly enough.
    Ok((value * 1000.0).round() as i64)
}

/// The `sgv` field: a whole number of mg/dL in `0..=SGV_HIGH` (below 39: an error code).
fn sgv_value(entry: &serde_json::Map<String, Value>) -> Result<u64, String> {
    let text = match entry.get("sgv") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => return Err("`sgv` is missing".into()),
        Some(_) => return Err("`sgv` is not a number".into()),
    };
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`sgv` {text:?} is not a number"))?;
    if value < 0.0 {
        return Err(format!("`sgv` {text} is negative"));
    }
    if value.fract() != 0.0 {
        return Err(format!(
            "`sgv` {text} is not a whole number of mg/dL (sensor glucose is)"
        ));
    }
    if value > SGV_HIGH as f64 {
        return Err(format!(
            "`sgv` {text} is above {SGV_HIGH}, the sensors' HIGH marker"
        ));
    }
    // A whole number in 0..=401: the cast is exact.
    Ok(value as u64)
}

fn date_ms(entry: &serde_json::Map<String, Value>) -> Result<u64, String> {
    let ms = match entry.get("date") {
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| format!("`date` {n} is not a time in milliseconds"))?,
        None => {
            let s = entry
                .get("dateString")
                .and_then(Value::as_str)
                .ok_or("`date` is missing")?;
            let secs = diachain_chain_client::time::rfc3339_seconds(s)
                .ok_or_else(|| format!("`dateString` {s:?} is not RFC 3339"))?;
            secs.saturating_mul(1000)
        }
        Some(_) => return Err("`date` is not a number".into()),
    };
    if ms < SECONDS_LOOKALIKE {
        return Err(format!(
            "`date` {ms} looks like seconds; Nightscout dates are milliseconds"
        ));
    }
    Ok(ms)
}

/// The Nightscout `direction` of a trend (what uploaders send for it).
pub fn direction(trend: Trend) -> &'static str {
    match trend {
        Trend::DoubleUp => "DoubleUp",
        Trend::SingleUp => "SingleUp",
        Trend::FortyFiveUp => "FortyFiveUp",
        Trend::Flat => "Flat",
        Trend::FortyFiveDown => "FortyFiveDown",
        Trend::SingleDown => "SingleDown",
        Trend::DoubleDown => "DoubleDown",
        Trend::NotComputable => "NOT COMPUTABLE",
        Trend::RateOutOfRange => "RATE OUT OF RANGE",
        Trend::Unknown => "NONE",
    }
}

/// The arrow of a `direction`: Nightscout's names in any case, with `_` or ` ` between words;
/// a name no uploader documents carries no arrow (the reading is kept).
fn trend(direction: &str) -> Trend {
    let name: String = direction
        .chars()
        .filter(|c| !matches!(c, '_' | ' ' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    match name.as_str() {
        "doubleup" | "tripleup" => Trend::DoubleUp,
        "singleup" => Trend::SingleUp,
        "fortyfiveup" => Trend::FortyFiveUp,
        "flat" => Trend::Flat,
        "fortyfivedown" => Trend::FortyFiveDown,
        "singledown" => Trend::SingleDown,
        "doubledown" | "tripledown" => Trend::DoubleDown,
        "notcomputable" => Trend::NotComputable,
        "rateoutofrange" => Trend::RateOutOfRange,
        _ => Trend::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_767_225_600_000;

    /// An entry as xDrip+ uploads it (`NightscoutUploader.java`, `populateV1APIBGEntry`: `_id`,
    /// `device`, `date`, `dateString`, `sysTime`, `sgv`, `delta`, `direction`, `type`,
    /// `filtered`, `unfiltered`, `rssi`, `noise`).
    fn entry(date: u64, sgv: Value, direction: Option<&str>) -> Value {
        let mut e = json!({
            "_id": "63f1234567890abcdef12345", "device": "xDrip-DexcomG6", "type": "sgv",
            "date": date, "dateString": "2026-01-01T00:00:00.000Z", "sysTime": "2026-01-01T00:00:00.000Z",
            "sgv": sgv, "delta": -5.2, "filtered": 142000, "unfiltered": 141500, "rssi": 100, "noise": 1
        });
        if let Some(d) = direction {
            e["direction"] = json!(d);
        }
        e
    }

    fn body(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    fn reasons(e: &Entries) -> Vec<(usize, SkipReason)> {
        e.skipped.iter().map(|s| (s.index, s.reason)).collect()
    }

    #[test]
    fn an_xdrip_upload_becomes_sorted_deduplicated_readings() {
        let b = body(json!([
            entry(NOW - 300_000, json!(142), Some("FortyFiveDown")),
            entry(NOW - 600_000, json!(150), None),
            entry(NOW - 300_000, json!(142), Some("FortyFiveDown")),
            {"type": "mbg", "mbg": 139, "date": NOW - 100_000},
            {"type": "cal", "date": NOW - 100_000, "slope": 1000, "intercept": 0},
        ]));
        let e = parse(&b, NOW).unwrap();
        assert_eq!(e.sgv.len(), 3);
        assert_eq!(e.sgv[0].date_ms, NOW - 600_000);
        assert_eq!(e.sgv[0].index, 1);
        assert_eq!(e.sgv[0].trend, Trend::Unknown, "missing direction");
        assert_eq!(e.sgv[1].trend, Trend::FortyFiveDown);
        // The finger stick is a meter reading; the calibration is not a reading.
        assert_eq!(
            (e.sgv[2].milli, e.sgv[2].flags, e.sgv[2].index),
            (139_000, flags::METER, 3)
        );
        assert_eq!(
            reasons(&e),
            [(2, SkipReason::Duplicate), (4, SkipReason::NotStored)]
        );
    }

    /// Meter values as apps send them (xDrip+ `mbg` in mg/dL, decimals when converted from
    /// mmol/L): kept to the thousandth; nothing, zero, negative or above a meter's 600 skipped
    /// with a sentence that names the value.
    #[test]
    fn meter_values_keep_their_decimals_and_impossible_ones_are_named() {
        let b = body(json!([
            {"type": "mbg", "mbg": 99.0991, "date": NOW - 60_000},
            {"type": "mbg", "mbg": "600", "date": NOW - 120_000},
            {"type": "mbg", "mbg": 0, "date": NOW - 180_000},
            {"type": "mbg", "mbg": -3, "date": NOW - 240_000},
            {"type": "mbg", "mbg": 601, "date": NOW - 300_000},
            {"type": "mbg", "date": NOW - 360_000},
        ]));
        let e = parse(&b, NOW).unwrap();
        let values: Vec<i64> = e.sgv.iter().map(|s| s.milli).collect();
        assert_eq!(values, [600_000, 99_099]);
        let details: Vec<&str> = e.skipped.iter().map(|s| s.detail.as_str()).collect();
        assert_eq!(
            details,
            [
                "`mbg` 0 is not above 0 mg/dL",
                "`mbg` -3 is not above 0 mg/dL",
                "`mbg` 601 is above 600 mg/dL, the most a meter measures",
                "`mbg` is missing",
            ]
        );
    }

    /// One bad entry among good ones: the good ones are kept, the bad one skipped with a
    /// sentence naming the value (`sgv: -5` is negative, not "not a whole number").
    #[test]
    fn each_bad_value_skips_its_entry_alone_with_a_precise_reason() {
        let cases = [
            (json!(402), "above 401"),
            (json!(-5), "is negative"),
            (json!(142.5), "not a whole number"),
            (json!("abc"), "\"abc\" is not a number"),
            (json!(null), "`sgv` is missing"),
            (json!([1]), "`sgv` is not a number"),
        ];
        for (v, want) in cases {
            let e = parse(
                &body(json!([
                    entry(NOW - 60_000, json!(100), None),
                    entry(NOW - 120_000, v.clone(), None),
                    entry(NOW - 180_000, json!(110), None),
                ])),
                NOW,
            )
            .unwrap();
            assert_eq!(e.sgv.len(), 2, "{v}");
            assert_eq!(reasons(&e), [(1, SkipReason::Malformed)], "{v}");
            assert!(
                e.skipped[0].detail.contains(want),
                "{v}: {}",
                e.skipped[0].detail
            );
        }
    }

    /// Dexcom sends error codes (e.g. 10, "power deviation") in place of glucose between two
    /// good readings (cgm-remote-monitor `lib/plugins/errorcodes.js`).
    #[test]
    fn the_sensors_markers_are_flagged_and_error_codes_kept_as_sensor_errors() {
        let e = parse(
            &body(json!([
                entry(NOW - 1, json!(39), None),
                entry(NOW - 2, json!(401), None),
                entry(NOW - 3, json!(10), None),
                entry(NOW - 4, json!(0), None),
            ])),
            NOW,
        )
        .unwrap();
        let by: Vec<(u64, u16)> = e.sgv.iter().map(|s| (s.mg_dl(), s.flags)).collect();
        assert_eq!(
            by,
            [
                (0, flags::SENSOR_ERROR),
                (10, flags::SENSOR_ERROR),
                (401, flags::ABOVE_RANGE),
                (39, flags::BELOW_RANGE)
            ]
        );
        assert!(e.sgv[1].is_sensor_error() && !e.sgv[2].is_sensor_error());
        assert!(e.skipped.is_empty());
    }

    /// Directions in other spellings keep their arrow; names no uploader documents keep the
    /// reading without one (cgm-remote-monitor `lib/plugins/direction.js` lists the names).
    #[test]
    fn directions_in_any_spelling_keep_the_reading() {
        let cases = [
            ("flat", Trend::Flat),
            ("FLAT", Trend::Flat),
            ("NOT_COMPUTABLE", Trend::NotComputable),
            ("NOT COMPUTABLE", Trend::NotComputable),
            ("RATE OUT OF RANGE", Trend::RateOutOfRange),
            ("TripleUp", Trend::DoubleUp),
            ("double_down", Trend::DoubleDown),
            ("Sideways", Trend::Unknown),
            ("NONE", Trend::Unknown),
            ("", Trend::Unknown),
        ];
        for (d, want) in cases {
            let e = parse(&body(json!([entry(NOW, json!(100), Some(d))])), NOW).unwrap();
            assert_eq!(e.sgv[0].trend, want, "{d:?}");
        }
        let e = parse(
            &body(json!([{"sgv": 100, "date": NOW, "direction": 3}])),
            NOW,
        )
        .unwrap();
        assert_eq!(reasons(&e), [(0, SkipReason::Malformed)]);
    }

    #[test]
    fn seconds_instead_of_milliseconds_and_future_dates_are_skipped_with_the_reason() {
        let e = parse(
            &body(json!([
                entry(NOW / 1000, json!(100), None),
                entry(NOW + MAX_FUTURE_MS + 1, json!(100), None),
                entry(NOW + MAX_FUTURE_MS, json!(100), None),
            ])),
            NOW,
        )
        .unwrap();
        assert_eq!(
            reasons(&e),
            [(0, SkipReason::Malformed), (1, SkipReason::InTheFuture)]
        );
        assert!(e.skipped[0].detail.contains("looks like seconds"));
        assert_eq!(e.sgv.len(), 1, "within the tolerance");
    }

    #[test]
    fn a_date_string_stands_in_for_a_missing_date() {
        let e = parse(
            &body(
                json!({"type": "sgv", "sgv": 120, "dateString": "2025-12-31T23:55:00.000+01:00"}),
            ),
            NOW,
        )
        .unwrap();
        assert_eq!(e.sgv[0].date_ms, (NOW / 1000 - 300 - 3600) * 1000);
    }

    #[test]
    fn ten_thousand_entries_parse_and_more_than_the_limit_is_refused() {
        let many: Vec<Value> = (0..10_000u64)
            .map(|i| entry(NOW - i * 60_000, json!(100 + i % 200), Some("Flat")))
            .collect();
        assert_eq!(parse(&body(json!(many)), NOW).unwrap().sgv.len(), 10_000);
        let too_many: Vec<Value> = (0..=MAX_ENTRIES as u64)
            .map(|i| json!({"sgv": 100, "date": NOW - i}))
            .collect();
        assert_eq!(
            parse(&body(json!(too_many)), NOW),
            Err(EntriesError::TooMany { max: MAX_ENTRIES })
        );
    }

    #[test]
    fn bodies_that_are_not_entries_are_refused_and_entries_that_are_not_objects_skipped() {
        assert_eq!(parse(b"42", NOW), Err(EntriesError::NotEntries));
        assert!(matches!(parse(b"[{", NOW), Err(EntriesError::NotJson(_))));
        let e = parse(b"[1, {\"type\": 7}]", NOW).unwrap();
        assert_eq!(
            reasons(&e),
            [(0, SkipReason::Malformed), (1, SkipReason::Malformed)]
        );
    }
}
