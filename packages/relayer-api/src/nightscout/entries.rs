//! `POST /api/v1/entries` bodies: a JSON array of entries (or one entry), as Nightscout
//! uploaders send them. Sensor glucose (`type: "sgv"`) becomes readings; finger-stick (`mbg`)
//! and calibration (`cal`) entries are counted and skipped; anything malformed refuses the
//! whole body with the entry's index and a reason, so nothing is half-stored.
//!
//! Conventions of the uploaders, kept here:
//! - `date` is milliseconds since the Unix epoch (a value that looks like seconds is refused
//!   with that reason); `dateString` is informative and only used when `date` is missing.
//! - `sgv` is mg/dL; 39 is the sensor's "LOW" marker (below its range) and 401 its "HIGH"
//!   marker; values below 39 are the sensor's error codes, not glucose.
//! - `direction` names the trend arrow; missing, `NONE`, `NOT COMPUTABLE` or
//!   `RATE OUT OF RANGE` carry no arrow.
//! - Every other field (`_id`, `device`, `sysTime`, `delta`, `filtered`, `noise`, …) is
//!   accepted and ignored; an entry posted twice (same time) is stored once.

use std::collections::BTreeMap;

use diachain_relayer_types::ErrorCode;
use diachain_std::encoding::{flags, Trend};
use serde_json::Value;

/// Most entries one request may carry.
pub const MAX_ENTRIES: usize = 20_000;
/// The sensor's LOW and HIGH markers (mg/dL).
pub const SGV_LOW: u64 = 39;
pub const SGV_HIGH: u64 = 401;
/// How far in the future an entry may be stamped (uploader clock skew).
pub const MAX_FUTURE_MS: u64 = 5 * 60 * 1000;
/// Below this a `date` is taken for seconds, not milliseconds (year 1973 in ms).
const SECONDS_LOOKALIKE: u64 = 100_000_000_000;

/// One sensor glucose value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sgv {
    /// Measurement time, Unix milliseconds.
    pub date_ms: u64,
    /// mg/dL (39 and 401 are the LOW/HIGH markers, flagged).
    pub mg_dl: u64,
    pub trend: Trend,
    /// `flags::BELOW_RANGE` or `flags::ABOVE_RANGE` for the markers.
    pub flags: u16,
}

/// What a body held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    /// Sensor glucose values, by time, one per time.
    pub sgv: Vec<Sgv>,
    /// Entries posted more than once in this body.
    pub duplicates: usize,
    /// Entries of other types, by type (`mbg`, `cal`, …), not stored.
    pub skipped: BTreeMap<String, usize>,
}

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum EntriesError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body must be an entry or an array of entries")]
    NotEntries,
    #[error("at most {max} entries per request")]
    TooMany { max: usize },
    #[error("entry {index}: {reason}")]
    Entry { index: usize, reason: String },
}

impl EntriesError {
    /// The refusal's code (and so its HTTP status).
    pub fn code(&self) -> ErrorCode {
        match self {
            EntriesError::NotJson(_) | EntriesError::NotEntries => ErrorCode::BadEncoding,
            EntriesError::TooMany { .. } => ErrorCode::TooManyEntries,
            EntriesError::Entry { .. } => ErrorCode::BadEntry,
        }
    }
}

/// Parses a body received at `now_ms`.
pub fn parse(body: &[u8], now_ms: u64) -> Result<Entries, EntriesError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| EntriesError::NotJson(e.to_string()))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => vec![value],
        _ => return Err(EntriesError::NotEntries),
    };
    if items.len() > MAX_ENTRIES {
        return Err(EntriesError::TooMany { max: MAX_ENTRIES });
    }
    let mut out = Entries::default();
    let mut by_time: BTreeMap<u64, Sgv> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let bad = |reason: String| EntriesError::Entry { index, reason };
        let entry = item
            .as_object()
            .ok_or_else(|| bad("not an object".into()))?;
        let kind = match entry.get("type") {
            None => "sgv",
            Some(Value::String(t)) => t.as_str(),
            Some(_) => return Err(bad("`type` is not a string".into())),
        };
        if kind != "sgv" {
            *out.skipped.entry(kind.to_string()).or_default() += 1;
            continue;
        }
        let sgv = parse_sgv(entry, now_ms).map_err(bad)?;
        if by_time.contains_key(&sgv.date_ms) {
            out.duplicates += 1;
            continue;
        }
        by_time.insert(sgv.date_ms, sgv);
    }
    out.sgv = by_time.into_values().collect();
    Ok(out)
}

fn parse_sgv(entry: &serde_json::Map<String, Value>, now_ms: u64) -> Result<Sgv, String> {
    let date_ms = date_ms(entry)?;
    if date_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
        return Err(format!("`date` {date_ms} is in the future"));
    }
    let mg_dl = match entry.get("sgv") {
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| format!("`sgv` {n} is not a whole number of mg/dL"))?,
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("`sgv` {s:?} is not a whole number of mg/dL"))?,
        _ => return Err("`sgv` is missing".into()),
    };
    if !(SGV_LOW..=SGV_HIGH).contains(&mg_dl) {
        return Err(format!(
            "`sgv` {mg_dl} is outside {SGV_LOW}..={SGV_HIGH} mg/dL (values below {SGV_LOW} are sensor error codes)"
        ));
    }
    let flags = match mg_dl {
        SGV_LOW => flags::BELOW_RANGE,
        SGV_HIGH => flags::ABOVE_RANGE,
        _ => 0,
    };
    let trend = match entry.get("direction") {
        None | Some(Value::Null) => Trend::Unknown,
        Some(Value::String(d)) => trend(d).ok_or_else(|| format!("unknown `direction` {d:?}"))?,
        Some(_) => return Err("`direction` is not a string".into()),
    };
    Ok(Sgv {
        date_ms,
        mg_dl,
        trend,
        flags,
    })
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
        Trend::Unknown => "NONE",
    }
}

fn trend(direction: &str) -> Option<Trend> {
    Some(match direction {
        "DoubleUp" | "TripleUp" => Trend::DoubleUp,
        "SingleUp" => Trend::SingleUp,
        "FortyFiveUp" => Trend::FortyFiveUp,
        "Flat" => Trend::Flat,
        "FortyFiveDown" => Trend::FortyFiveDown,
        "SingleDown" => Trend::SingleDown,
        "DoubleDown" | "TripleDown" => Trend::DoubleDown,
        "NOT COMPUTABLE" | "RATE OUT OF RANGE" => Trend::NotComputable,
        "NONE" | "" => Trend::Unknown,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_767_225_600_000;

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
        assert_eq!(e.sgv.len(), 2);
        assert_eq!(e.sgv[0].date_ms, NOW - 600_000);
        assert_eq!(e.sgv[0].trend, Trend::Unknown, "missing direction");
        assert_eq!(e.sgv[1].trend, Trend::FortyFiveDown);
        assert_eq!(e.duplicates, 1);
        assert_eq!(e.skipped.get("mbg"), Some(&1));
        assert_eq!(e.skipped.get("cal"), Some(&1));
    }

    #[test]
    fn the_sensors_low_and_high_markers_are_flagged_and_error_codes_refused() {
        let e = parse(
            &body(json!([
                entry(NOW - 1, json!(39), None),
                entry(NOW - 2, json!(401), None)
            ])),
            NOW,
        )
        .unwrap();
        assert_eq!(e.sgv[0].flags, flags::ABOVE_RANGE);
        assert_eq!(e.sgv[1].flags, flags::BELOW_RANGE);
        for v in [json!(12), json!(402), json!(-5), json!(142.5), json!("abc")] {
            let err = parse(
                &body(json!([
                    entry(NOW - 1, json!(100), None),
                    entry(NOW - 2, v.clone(), None)
                ])),
                NOW,
            )
            .unwrap_err();
            assert!(
                matches!(err, EntriesError::Entry { index: 1, .. }),
                "{v}: {err}"
            );
        }
    }

    #[test]
    fn seconds_instead_of_milliseconds_and_future_dates_are_refused_with_the_reason() {
        let err = parse(&body(json!([entry(NOW / 1000, json!(100), None)])), NOW).unwrap_err();
        assert!(err.to_string().contains("looks like seconds"), "{err}");
        let err = parse(
            &body(json!([entry(NOW + MAX_FUTURE_MS + 1, json!(100), None)])),
            NOW,
        )
        .unwrap_err();
        assert!(err.to_string().contains("future"), "{err}");
        let err = parse(
            &body(json!([entry(NOW, json!(100), Some("Sideways"))])),
            NOW,
        )
        .unwrap_err();
        assert!(err.to_string().contains("direction"), "{err}");
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
    fn bodies_that_are_not_entries_are_refused() {
        assert_eq!(parse(b"42", NOW), Err(EntriesError::NotEntries));
        assert!(matches!(parse(b"[{", NOW), Err(EntriesError::NotJson(_))));
        assert!(matches!(
            parse(b"[1]", NOW),
            Err(EntriesError::Entry { index: 0, .. })
        ));
    }
}
