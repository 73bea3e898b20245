//! The seed corpus: real examples of what each target's decoder receives, written in the
//! target's input format. The `seed_corpus_is_up_to_date` test compares `corpus/<target>/seed-*`
//! with them and, with `DIACHAIN_WRITE_CORPUS=1`, rewrites them (deterministic: the same files
//! every time); other files there (`crash-*`, inputs the fuzzer found) are left alone.

use std::io;
use std::path::Path;

use cosmwasm_std::Binary;
use diachain_relayer_api::auth::adr036::sign_with;
use diachain_relayer_types::dataset::observation;
use diachain_relayer_types::dataset::DatasetRow;
use diachain_relayer_types::gateway::{self, HeaderVersion};
use diachain_std::encoding::{flags, ReadingKind, Trend, Unit};
use diachain_std::testing::{signed_batch, signed_batch_v2, submission, TestKey};
use diachain_std::{DataScope, KeyAlgorithm, Reading};
use serde_json::json;

use crate::contracts::{write_template_step, STARTS, TEMPLATES};
use crate::encoding::{write_reading, DOMAIN};
use crate::gateway::device_key;
use crate::input::Output;
use crate::nightscout::NOW_MS;
use crate::request::caller;

/// 2026-01-01T00:00:00Z.
const DAY0: u64 = 1_767_225_600;
const DEVICE: &str = "cgm-7f3a9c2e51d04b88";

/// Every target's seeds, by target.
pub fn all() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    vec![
        ("reading", reading()),
        ("batch_header", batch_header()),
        ("batch_json", batch_json()),
        ("signed_batch", signed_batch_seeds()),
        ("nightscout_entries", nightscout_entries()),
        ("nightscout_records", nightscout_records()),
        ("nightscout_query", nightscout_query()),
        ("signed_request", signed_request()),
        ("adr036", adr036()),
        ("fhir_bundle", fhir_bundle()),
        ("fhir_dataset_row", fhir_dataset_row()),
        ("contracts", contracts()),
    ]
}

/// The file name of a target's `i`-th seed.
pub fn seed_name(i: usize) -> String {
    format!("seed-{i:03}")
}

/// Writes every target's seeds under `root`, replacing the old `seed-*` files; returns how many
/// it wrote.
pub fn write_all(root: &Path) -> io::Result<usize> {
    let mut written = 0;
    for (target, seeds) in all() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))
            {
                std::fs::remove_file(path)?;
            }
        }
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(dir.join(seed_name(i)), seed)?;
            written += 1;
        }
    }
    Ok(written)
}

fn readings(n: u64, kinds: &[ReadingKind], unit: Unit) -> Vec<Reading> {
    (0..n)
        .map(|i| Reading {
            salt: [i as u8 + 1; 16],
            device_id: DEVICE.into(),
            seq: 1 + i,
            measured_at: DAY0 + 8 * 3600 + i * 300,
            kind: kinds[i as usize % kinds.len()],
            unit,
            value: 98_000 + 1_000 * i as i64,
            trend: Trend::Flat,
            flags: if i == 2 { flags::BELOW_RANGE } else { 0 },
        })
        .collect()
}

fn reading() -> Vec<Vec<u8>> {
    let rs = [
        readings(3, &[ReadingKind::Glucose], Unit::MgPerDl),
        readings(2, &[ReadingKind::InsulinBolus], Unit::InsulinUnits),
        readings(1, &[ReadingKind::DeviceEvent], Unit::None),
    ]
    .concat();
    let mut out: Vec<Vec<u8>> = rs.iter().map(|r| r.encode().expect("encodes")).collect();
    for r in &rs[..3] {
        let mut o = Output::default();
        write_reading(&mut o, r);
        out.push(o.0);
    }
    out
}

fn batch_header() -> Vec<Vec<u8>> {
    let key = TestKey::new(KeyAlgorithm::Secp256r1, 0x31);
    let v1 = signed_batch(&key, DEVICE, 1, 12, DAY0, 300, &DOMAIN);
    let v2 = signed_batch_v2(
        &key,
        DEVICE,
        13,
        6,
        DAY0 + 3600,
        300,
        &DOMAIN,
        &[ReadingKind::Glucose],
    );
    let mixed = signed_batch_v2(
        &key,
        DEVICE,
        19,
        4,
        DAY0 + 7200,
        300,
        &DOMAIN,
        &[
            ReadingKind::Glucose,
            ReadingKind::InsulinBolus,
            ReadingKind::Carbohydrates,
        ],
    );
    let mut out: Vec<Vec<u8>> = [&v1, &v2, &mixed]
        .iter()
        .map(|b| b.header.encode_body().expect("encodes"))
        .collect();
    out.push(submission(&[v1, v2, mixed]).to_vec());
    out
}

fn batch_json() -> Vec<Vec<u8>> {
    let mut out = vec![];
    for (alg, version, rs) in [
        (
            KeyAlgorithm::Secp256r1,
            HeaderVersion::V1,
            readings(12, &[ReadingKind::Glucose], Unit::MgPerDl),
        ),
        (
            KeyAlgorithm::Ed25519,
            HeaderVersion::V2,
            readings(3, &[ReadingKind::InsulinBolus], Unit::InsulinUnits),
        ),
        (
            KeyAlgorithm::Secp256k1,
            HeaderVersion::V2,
            readings(
                4,
                &[ReadingKind::Glucose, ReadingKind::Carbohydrates],
                Unit::MmolPerL,
            ),
        ),
    ] {
        let req = gateway::signed_request(&device_key(alg), &rs, &DOMAIN, version).expect("signs");
        out.push(serde_json::to_vec_pretty(&req).expect("serialises"));
    }
    out
}

/// `gateway::gateway_batch`'s format.
fn gateway_bytes(alg: u8, v2: bool, count: u8, kind: u8, unit: u8, value: i64) -> Vec<u8> {
    let mut o = Output::default();
    o.u8(alg)
        .u8(u8::from(v2))
        .u8(count - 1)
        .blob(DEVICE.as_bytes());
    o.u64(1).u16(20_454).u16(300).u32(8 * 3600);
    for i in 0..count {
        o.u8(kind)
            .u8(unit)
            .i64(value + 1000 * i64::from(i))
            .u8(4)
            .u16(0)
            .bytes(&[i + 1; 16]);
    }
    o.0
}

fn signed_batch_seeds() -> Vec<Vec<u8>> {
    vec![
        gateway_bytes(0, false, 12, 0, 1, 110_000),
        gateway_bytes(1, true, 3, 1, 3, 4_500),
        gateway_bytes(2, true, 5, 3, 5, 30_000),
    ]
}

fn nightscout_entries() -> Vec<Vec<u8>> {
    let ms = NOW_MS - 3_600_000;
    let directions = [
        "Flat",
        "FortyFiveUp",
        "SingleUp",
        "NOT COMPUTABLE",
        "RATE OUT OF RANGE",
        "DoubleDown",
    ];
    let xdrip: Vec<_> = (0..6u64)
        .map(|i| json!({
            "_id": format!("63f12345678901234567890{i}"), "device": "xDrip-DexcomG6", "type": "sgv",
            "date": ms + i * 300_000, "dateString": "2025-12-31T23:00:00.000Z",
            "sysTime": "2025-12-31T23:00:00.000Z", "sgv": 120 + i * 3, "delta": 3.0,
            "direction": directions[i as usize],
            "filtered": 142000, "unfiltered": 141500, "rssi": 100, "noise": 1
        }))
        .collect();
    let edge = json!([
        { "type": "sgv", "date": ms, "sgv": 39, "direction": "NONE" },
        { "type": "sgv", "date": ms + 60_000, "sgv": 401 },
        { "type": "sgv", "date": ms + 120_000, "sgv": 5 },
        { "type": "mbg", "date": ms + 150_000, "mbg": 104.5 },
        { "type": "cal", "date": ms + 160_000, "slope": 850, "intercept": 31000, "scale": 1 },
        { "type": "sgv", "dateString": "2025-12-31T23:40:00+01:00", "sgv": "133" }
    ]);
    let one = json!({ "type": "sgv", "date": ms, "sgv": 101, "direction": "flat" });
    [json!(xdrip), edge, one]
        .iter()
        .map(|v| serde_json::to_vec(v).expect("JSON"))
        .collect()
}

fn nightscout_records() -> Vec<Vec<u8>> {
    let ms = NOW_MS - 3_600_000;
    let treatments = json!([
        { "eventType": "Meal Bolus", "created_at": "2025-12-31T23:00:00.000Z", "insulin": 4.5, "carbs": 45, "enteredBy": "AndroidAPS", "identifier": "a1b2c3d4-0001" },
        { "eventType": "Temp Basal", "date": ms + 60_000, "absolute": 0.8, "duration": 30, "identifier": "a1b2c3d4-0002" },
        { "eventType": "Correction Bolus", "mills": ms + 120_000, "insulin": 1.2, "_id": "65a0000000000000000000aa" },
        { "eventType": "Note", "timestamp": ms + 180_000, "notes": "sensor change" },
        { "eventType": "Site Change", "date": ms + 240_000 }
    ]);
    let status = json!([{
        "device": "openaps://samsung SM-G970F", "created_at": "2025-12-31T23:05:00Z",
        "uploaderBattery": 87,
        "pump": { "battery": { "percent": 75 }, "reservoir": 123.4, "status": { "status": "normal", "bolusing": false, "suspended": false } },
        "openaps": { "suggested": { "bg": 120, "eventualBG": 110, "reason": "in range" }, "enacted": { "rate": 0.9, "duration": 30 } }
    }]);
    let profile = json!({
        "defaultProfile": "Default", "startDate": "2025-12-01T00:00:00.000Z", "date": ms,
        "store": { "Default": { "dia": 5, "carbratio": [{ "time": "00:00", "value": 10 }], "sens": [{ "time": "00:00", "value": 40 }],
            "basal": [{ "time": "00:00", "value": 0.8 }], "target_low": [{ "time": "00:00", "value": 100 }],
            "target_high": [{ "time": "00:00", "value": 120 }], "units": "mg/dl", "timezone": "UTC" } }
    });
    [(0u8, treatments), (1, status), (2, profile)]
        .iter()
        .map(|(c, v)| [vec![*c], serde_json::to_vec(v).expect("JSON")].concat())
        .collect()
}

fn nightscout_query() -> Vec<Vec<u8>> {
    [
        "count=10",
        "count=288&find[date][$gte]=1767139200000&find[date][$lt]=1767225600000",
        "find[dateString][$gte]=2025-12-31T00:00:00.000Z&count=5",
        "find[created_at][$gte]=2025-12-31T00:00:00%2B01:00&find[type]=mbg",
        "find[mills][$gt]=1767200000000&token=follower-0123456789abcdef",
    ]
    .iter()
    .map(|q| q.as_bytes().to_vec())
    .collect()
}

fn signed_request() -> Vec<Vec<u8>> {
    let patient = "wasm1patient0000000000000000000000000000";
    let cases: [(&str, String, Option<&str>, &[u8]); 3] = [
        (
            "GET",
            format!("v1/patients/{patient}/readings"),
            Some("from=1767139200&to=1767225599&scope=glucose"),
            b"",
        ),
        (
            "POST",
            format!("v1/patients/{patient}/exports"),
            None,
            br#"{"format":"fhir","from":1767139200,"to":1767225599}"#,
        ),
        (
            "get",
            "v1/studies/3/dataset".into(),
            Some("format=csv&b=2&a=1"),
            b"",
        ),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, (method, path, query, body))| {
            let mut o = Output::default();
            o.blob(method.as_bytes()).blob(path.as_bytes());
            match query {
                Some(q) => o.u8(1).blob(q.as_bytes()),
                None => o.u8(0),
            };
            o.blob(body).bytes(&(i as i16 * 20).to_be_bytes()).u8(16);
            o.bytes(&[
                7, 30, 11, 4, 52, 0, 9, 14, 33, 21, 5, 60, 2, 8, 41, 17, 3, 22, 19, 12,
            ]);
            // raw headers: a stranger's address only, the rest missing
            o.u8(1).blob(b"wasm1stranger").u8(0).u8(0).u8(0).u8(0);
            o.0
        })
        .collect()
}

fn adr036() -> Vec<Vec<u8>> {
    let me = caller();
    let data = b"DIACHAIN-REQUEST/v1\nGET\n/v1/patients/wasm1x/readings\n\n";
    let key = me.public_key().to_bytes();
    let sig = sign_with(&me, data).expect("signs");
    let mut own = Output::default();
    own.blob(me.address().as_bytes())
        .blob(b"wasm")
        .blob(data)
        .blob(&key)
        .blob(&sig);
    // Keplr's `signArbitrary("cosmoshub-4", addr, addr)` (packages/relayer-api auth tests).
    let b64 = |s: &str| Binary::from_base64(s).expect("base64").to_vec();
    let address = "cosmos1m9l358xunhhwds0568za49mzhvuxx9uxre5tud";
    let mut keplr = Output::default();
    keplr
        .blob(address.as_bytes())
        .blob(b"cosmos")
        .blob(address.as_bytes());
    keplr.blob(&b64("A/MdHVpitzHNSdD1Zw3kY+L5PEIPyd9l6sD5i4aIfXp9"));
    keplr.blob(&b64(
        "vb78/y129cOiWyQkeFF8wCKZsOyzjpILnpEVZ72o5YUhEOmQZzVPcbUqWPLR7aZQ20j6vnYhIuCQN0HEG3igFg==",
    ));
    vec![own.0, keplr.0]
}

fn fhir_bundle() -> Vec<Vec<u8>> {
    let height = |mut v: Vec<u8>, h: u64, relayer: bool| {
        v.extend_from_slice(&h.to_be_bytes());
        v.push(u8::from(relayer));
        v
    };
    vec![
        height(gateway_bytes(0, false, 12, 0, 1, 110_000), 77, false),
        height(gateway_bytes(2, true, 4, 0, 2, 6_100), 1 << 40, true),
        height(gateway_bytes(1, true, 3, 3, 5, 30_000), 5, false),
    ]
}

fn fhir_dataset_row() -> Vec<Vec<u8>> {
    let row = |kind, unit, value, flags, scope| DatasetRow {
        participant: "P-0123456789abcdef".into(),
        study_day: 2,
        time: (DAY0 + 8 * 3600) as i64,
        scope,
        kind,
        value,
        unit,
        trend: Trend::Flat,
        flags,
    };
    [
        row(
            ReadingKind::Glucose,
            Unit::MgPerDl,
            142_000,
            0,
            DataScope::Glucose,
        ),
        row(
            ReadingKind::Glucose,
            Unit::MmolPerL,
            5_550,
            flags::METER,
            DataScope::Glucose,
        ),
        row(
            ReadingKind::Glucose,
            Unit::MgPerDl,
            39_000,
            flags::BELOW_RANGE,
            DataScope::Glucose,
        ),
        row(
            ReadingKind::InsulinBolus,
            Unit::InsulinUnits,
            4_500,
            0,
            DataScope::Insulin,
        ),
        row(
            ReadingKind::Steps,
            Unit::Count,
            1_200_000,
            0,
            DataScope::DeviceEvents,
        ),
    ]
    .iter()
    .map(|r| serde_json::to_vec(&observation(r, 3)).expect("JSON"))
    .collect()
}

/// From each starting state, each template once with all-zero parameters (each template's
/// first choice: its story device, actor and values).
fn contracts() -> Vec<Vec<u8>> {
    let mut out = vec![];
    for start in 0..STARTS.len() as u8 {
        for t in 0..TEMPLATES.len() as u8 {
            let mut o = Output::default();
            o.u8(start);
            write_template_step(&mut o, t, &[]);
            out.push(o.0);
        }
    }
    out
}
