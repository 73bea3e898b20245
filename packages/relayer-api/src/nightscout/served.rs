//! Treatments, device statuses and profiles as Nightscout serves them, their numbers taken from
//! the anchored readings (the latest version of each), not from the kept document.
//!
//! The patient (their uploader's secret) gets each document as their app sent it, with those
//! numbers. A follower gets only the fields of the scopes its grantee's grant allows:
//!
//! | scope | treatment fields | device status fields |
//! | --- | --- | --- |
//! | always | `_id`, `identifier`, `eventType`, `created_at`, `date`, `mills`, `utcOffset` | `_id`, `identifier`, `device`, `created_at`, `date`, `mills` |
//! | insulin | `insulin`, `rate`, `absolute`, `duration`, `durationInMilliseconds`, `type` | |
//! | nutrition | `carbs` | |
//! | device events | `notes`, `enteredBy`, `reason`, `targetTop`, `targetBottom`, `units` | `uploaderBattery`, `uploader.battery`, `pump.battery.percent`, `pump.reservoir`, `pump.status.status` |
//!
//! A device status's `openaps` / `loop` record (predictions, insulin and carbohydrates on
//! board) is never served to a follower. The numbers readings back (`insulin`, `carbs`, the
//! temporary basal's, batteries, reservoir) come only from the anchored readings: a withdrawn
//! or refused reading's field is absent.
//! A follower is served a treatment only if it may read one of its readings' scopes, and a
//! profile (settings of insulin therapy) only with insulin.

use std::collections::{BTreeMap, BTreeSet};

use diachain_relayer_core::store::{NsCollection, NsDoc};
use diachain_relayer_types::events::{self, pump_status};
use diachain_relayer_types::wire::ReadingJson;
use diachain_std::encoding::ReadingKind;
use diachain_std::DataScope;
use serde_json::{json, Map, Value};

/// The anchored value of each (device, second, kind): its latest version.
#[derive(Clone, Debug, Default)]
pub struct Values(BTreeMap<(String, u64, ReadingKind), (u64, i64)>);

impl Values {
    pub fn add(&mut self, r: &ReadingJson) {
        self.insert(&r.device_id, r.measured_at, r.kind, r.seq, r.value);
    }

    /// The value of the latest version, with its sequence number.
    pub fn insert(&mut self, device: &str, time: u64, kind: ReadingKind, seq: u64, value: i64) {
        let key = (device.to_string(), time, kind);
        if self.0.get(&key).is_none_or(|(s, _)| *s < seq) {
            self.0.insert(key, (seq, value));
        }
    }

    /// The latest value; `None` when there is none or it was withdrawn.
    fn get(&self, device: &str, time: u64, kind: ReadingKind) -> Option<i64> {
        self.0
            .get(&(device.to_string(), time, kind))
            .map(|(_, v)| *v)
            .filter(|v| *v != events::WITHDRAWN)
    }
}

/// Whether a reader of `scopes` may be served the document.
pub fn readable(collection: NsCollection, doc: &NsDoc, scopes: &BTreeSet<DataScope>) -> bool {
    match collection {
        NsCollection::Treatments if !doc.readings.is_empty() => doc
            .readings
            .iter()
            .any(|r| scopes.contains(&r.kind.scope())),
        NsCollection::Treatments | NsCollection::DeviceStatus => {
            scopes.contains(&DataScope::DeviceEvents)
        }
        NsCollection::Profile => scopes.contains(&DataScope::Insulin),
    }
}

/// The scopes of what a reader of `scopes` is served of the document.
pub fn scopes_served(
    collection: NsCollection,
    doc: &NsDoc,
    scopes: &BTreeSet<DataScope>,
) -> Vec<DataScope> {
    match collection {
        NsCollection::Treatments if !doc.readings.is_empty() => doc
            .readings
            .iter()
            .map(|r| r.kind.scope())
            .filter(|s| scopes.contains(s))
            .collect(),
        NsCollection::Treatments | NsCollection::DeviceStatus => vec![DataScope::DeviceEvents],
        NsCollection::Profile => vec![DataScope::Insulin],
    }
}

fn milli(v: i64) -> Value {
    json!(v as f64 / 1000.0)
}

/// The fields every reader gets: identity and time.
fn base(collection: NsCollection, doc: &NsDoc, body: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let created_at = diachain_chain_client::time::rfc3339_ms(doc.date_ms);
    out.insert("_id".into(), json!(doc.identifier));
    out.insert("identifier".into(), json!(doc.identifier));
    out.insert(
        "created_at".into(),
        body.get("created_at").cloned().unwrap_or(json!(created_at)),
    );
    out.insert("date".into(), json!(doc.date_ms));
    out.insert("mills".into(), json!(doc.date_ms));
    out.insert("srvModified".into(), json!(doc.srv_modified));
    out.insert("srvCreated".into(), json!(doc.srv_created));
    let copy: &[&str] = match collection {
        NsCollection::Treatments => &["eventType", "utcOffset"],
        NsCollection::DeviceStatus => &["device", "utcOffset"],
        NsCollection::Profile => &[],
    };
    for f in copy {
        if let Some(v) = body.get(*f) {
            out.insert((*f).into(), v.clone());
        }
    }
    out
}

/// The document as the app sent it, with its anchored numbers.
pub fn owner_doc(collection: NsCollection, doc: &NsDoc, values: &Values) -> Value {
    let body = doc.body.as_object().cloned().unwrap_or_default();
    let mut out = body.clone();
    out.extend(base(collection, doc, &body));
    numbers(&mut out, doc, values, None);
    Value::Object(out)
}

/// The fields of `scopes` only, with the anchored numbers.
pub fn follower_doc(
    collection: NsCollection,
    doc: &NsDoc,
    values: &Values,
    scopes: &BTreeSet<DataScope>,
) -> Value {
    let body = doc.body.as_object().cloned().unwrap_or_default();
    let mut out = base(collection, doc, &body);
    let fields: &[(DataScope, &[&str])] = match collection {
        NsCollection::Treatments => &[
            (
                DataScope::Insulin,
                &[
                    "insulin",
                    "rate",
                    "absolute",
                    "duration",
                    "durationInMilliseconds",
                    "type",
                ],
            ),
            (DataScope::Nutrition, &["carbs"]),
            (
                DataScope::DeviceEvents,
                &[
                    "notes",
                    "enteredBy",
                    "reason",
                    "targetTop",
                    "targetBottom",
                    "units",
                ],
            ),
        ],
        NsCollection::DeviceStatus => &[(
            DataScope::DeviceEvents,
            &["uploaderBattery", "uploader", "pump"],
        )],
        NsCollection::Profile => &[(
            DataScope::Insulin,
            &["defaultProfile", "store", "startDate", "units", "mills"],
        )],
    };
    for (scope, names) in fields {
        if scopes.contains(scope) {
            for f in *names {
                if let Some(v) = body.get(*f) {
                    out.insert((*f).into(), v.clone());
                }
            }
        }
    }
    if collection == NsCollection::DeviceStatus {
        trim_status(&mut out);
    }
    // The numbers a reading backs come from the anchored reading only: a value the chain does
    // not hold (its batch refused, its reading withdrawn) is not served.
    for f in BACKED {
        out.remove(*f);
    }
    if let Some(p) = out.get_mut("pump").and_then(Value::as_object_mut) {
        p.remove("reservoir");
        p.remove("battery");
    }
    numbers(&mut out, doc, values, Some(scopes));
    Value::Object(out)
}

/// The fields whose numbers readings hold.
const BACKED: &[&str] = &[
    "insulin",
    "carbs",
    "rate",
    "absolute",
    "duration",
    "durationInMilliseconds",
    "uploaderBattery",
];

/// A follower's device status keeps, of `uploader` and `pump`, only what is anchored.
fn trim_status(out: &mut Map<String, Value>) {
    out.remove("uploader");
    if let Some(p) = out.get_mut("pump").and_then(Value::as_object_mut) {
        p.retain(|k, _| k == "status");
        if let Some(st) = p.get_mut("status").and_then(Value::as_object_mut) {
            st.retain(|k, _| k == "status");
        }
    }
}

/// Writes each reading's anchored value into its field (where the reader may see it).
fn numbers(
    out: &mut Map<String, Value>,
    doc: &NsDoc,
    values: &Values,
    scopes: Option<&BTreeSet<DataScope>>,
) {
    for r in &doc.readings {
        if scopes.is_some_and(|s| !s.contains(&r.kind.scope())) {
            continue;
        }
        let Some(v) = values.get(&doc.device_id, r.time, r.kind) else {
            continue;
        };
        match r.kind {
            ReadingKind::InsulinBolus => {
                out.insert("insulin".into(), milli(v));
            }
            ReadingKind::Carbohydrates => {
                out.insert("carbs".into(), milli(v));
            }
            ReadingKind::TempBasal => {
                if let Some((rate, minutes)) = events::temp_basal_parts(v) {
                    out.insert("rate".into(), milli(rate));
                    out.insert("absolute".into(), milli(rate));
                    out.insert("duration".into(), json!(minutes));
                    out.insert(
                        "durationInMilliseconds".into(),
                        json!(u64::from(minutes) * 60_000),
                    );
                    out.remove("percent");
                }
            }
            ReadingKind::UploaderBattery => {
                out.insert("uploaderBattery".into(), milli(v));
                if let Some(u) = object_at(out, &["uploader"]) {
                    u.insert("battery".into(), milli(v));
                }
            }
            ReadingKind::PumpBattery => {
                if let Some(b) = object_at(out, &["pump", "battery"]) {
                    b.insert("percent".into(), milli(v));
                }
            }
            ReadingKind::PumpReservoir => {
                if let Some(p) = object_at(out, &["pump"]) {
                    p.insert("reservoir".into(), milli(v));
                }
            }
            ReadingKind::PumpStatus => {
                let name = match events::code_of(v) {
                    Some(pump_status::SUSPENDED) => "suspended",
                    Some(pump_status::BOLUSING) => "bolusing",
                    _ => "normal",
                };
                if let Some(s) = object_at(out, &["pump", "status"]) {
                    s.insert("status".into(), json!(name));
                }
            }
            // A therapy event's and a loop's document say it in Nightscout's words; the code
            // anchored is its summary (the event type; enacted, suggested or failed).
            _ => {}
        }
    }
}

/// The object at `out[path…]`, made one where it is missing or not an object.
fn object_at<'a>(
    out: &'a mut Map<String, Value>,
    path: &[&str],
) -> Option<&'a mut Map<String, Value>> {
    let (first, rest) = path.split_first()?;
    let v = out
        .entry(*first)
        .or_insert_with(|| Value::Object(Map::new()));
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    let m = v.as_object_mut()?;
    if rest.is_empty() {
        Some(m)
    } else {
        object_at(m, rest)
    }
}
