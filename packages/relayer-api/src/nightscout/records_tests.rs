//! Treatments and device statuses of the shapes the apps send (sources next to each).

use diachain_relayer_types::events::{loop_status, pump_status};
use serde_json::json;

use super::*;

const NOW: u64 = 1_767_225_600_000;

fn one(collection: NsCollection, doc: Value) -> ParsedDocs {
    parse(collection, doc.to_string().as_bytes(), NOW).unwrap()
}

fn kinds(d: &ParsedDoc) -> Vec<(ReadingKind, i64)> {
    d.items.iter().map(|i| (i.kind, i.value)).collect()
}

/// AndroidAPS `BolusExtension.kt` / `TreatmentMapper.kt`: an SMB is a "Correction Bolus" with
/// `type: SMB`; a meal bolus; `CarbsExtension.kt`: "Carb Correction" under 12 g.
#[test]
fn aaps_boluses_and_carbs_are_insulin_and_nutrition_readings() {
    let p = one(
        NsCollection::Treatments,
        json!([
            {"eventType": "Correction Bolus", "insulin": 0.35, "type": "SMB", "date": NOW - 60_000,
             "utcOffset": 60, "isValid": true, "isReadOnly": false, "isBasalInsulin": false, "app": "AAPS",
             "pumpId": 4711, "pumpType": "ACCU_CHEK_COMBO", "pumpSerial": "X"},
            {"eventType": "Meal Bolus", "insulin": 4.2, "carbs": 45, "date": NOW - 120_000, "app": "AAPS"},
            {"eventType": "Carb Correction", "carbs": 8, "date": NOW - 180_000, "app": "AAPS"},
        ]),
    );
    assert!(p.skipped.is_empty(), "{:?}", p.skipped);
    assert_eq!(kinds(&p.docs[0]), [(ReadingKind::InsulinBolus, 350)]);
    assert_eq!(
        kinds(&p.docs[1]),
        [
            (ReadingKind::InsulinBolus, 4_200),
            (ReadingKind::Carbohydrates, 45_000)
        ]
    );
    assert_eq!(kinds(&p.docs[2]), [(ReadingKind::Carbohydrates, 8_000)]);
    assert_eq!(p.docs[0].items[0].time, (NOW - 60_000) / 1000);
    assert_eq!(
        p.docs[0].body["pumpSerial"], "X",
        "the document is kept as sent"
    );
}

/// AndroidAPS `TemporaryBasalExtension.kt`: `rate` always, `absolute` when absolute, `percent`
/// otherwise; `duration` minutes and `durationInMilliseconds`. Loop sends `absolute` and
/// `duration`. A percent alone cannot be stored.
#[test]
fn temp_basals_pack_rate_and_minutes() {
    let p = one(
        NsCollection::Treatments,
        json!([
            {"eventType": "Temp Basal", "rate": 1.25, "absolute": 1.25, "duration": 30,
             "durationInMilliseconds": 1_800_000, "type": "NORMAL", "date": NOW - 60_000},
            {"eventType": "Temp Basal", "rate": 0.8, "percent": -20, "durationInMilliseconds": 3_600_000,
             "date": NOW - 120_000},
            {"eventType": "Temp Basal", "absolute": 0, "duration": 0, "created_at": "2025-12-31T23:50:00Z"},
            {"eventType": "Temp Basal", "percent": 150, "duration": 30, "date": NOW - 240_000},
            {"eventType": "Temp Basal", "absolute": 1, "duration": 3000, "date": NOW - 300_000},
            {"eventType": "Temp Basal", "absolute": 1, "duration": 0, "durationInMilliseconds": 20_000,
             "date": NOW - 360_000},
        ]),
    );
    assert_eq!(
        kinds(&p.docs[3]),
        [(ReadingKind::TempBasal, 10_000_001)],
        "a rate that ran 20 s ran: a minute, not a cancel"
    );
    assert_eq!(kinds(&p.docs[0]), [(ReadingKind::TempBasal, 12_500_030)]);
    assert_eq!(kinds(&p.docs[1]), [(ReadingKind::TempBasal, 8_000_060)]);
    assert_eq!(kinds(&p.docs[2]), [(ReadingKind::TempBasal, 0)], "a cancel");
    assert_eq!(p.docs[2].date_ms, NOW - 600_000);
    assert_eq!(p.skipped.len(), 2);
    assert!(p.skipped[0].detail.contains("percent"), "{:?}", p.skipped);
    assert!(
        p.skipped[1].detail.contains("`duration` 3000"),
        "{:?}",
        p.skipped
    );
}

/// AndroidAPS `TherapyEventExtension.kt` and the careportal: events are coded, never text.
#[test]
fn other_treatments_are_coded_therapy_events() {
    let p = one(
        NsCollection::Treatments,
        json!([
            {"eventType": "Site Change", "date": NOW - 60_000, "enteredBy": "AAPS", "notes": "left arm"},
            {"eventType": "Note", "notes": "went hiking with Anna", "created_at": "2025-12-31T23:00:00.000Z"},
            {"eventType": "Temporary Target", "targetTop": 140, "targetBottom": 140, "duration": 60,
             "reason": "Activity", "units": "mg/dl", "date": NOW - 180_000},
            {"eventType": "Something Custom", "date": NOW - 240_000},
        ]),
    );
    let codes: Vec<i64> = p.docs.iter().map(|d| d.items[0].value).collect();
    assert_eq!(codes, [4_000, 1_000, 12_000, 0]);
    assert!(p
        .docs
        .iter()
        .all(|d| d.items.len() == 1 && d.items[0].kind == ReadingKind::TherapyEvent));
}

#[test]
fn bad_values_skip_their_treatment_with_a_precise_sentence_and_keep_the_rest() {
    let p = one(
        NsCollection::Treatments,
        json!([
            {"eventType": "Bolus", "insulin": -1, "date": NOW},
            {"eventType": "Bolus", "insulin": 250, "date": NOW},
            {"eventType": "Bolus", "insulin": "lots", "date": NOW},
            {"eventType": "Meal Bolus", "carbs": 45},
            {"eventType": "Bolus", "insulin": 1, "date": 1_767_225_600},
            {"eventType": "Bolus", "insulin": 1, "date": NOW + 3_600_000},
            "not an object",
            {"eventType": "Bolus", "insulin": 2, "date": NOW - 1_000, "_id": "a/b"},
            {"eventType": "Bolus", "insulin": 2, "date": NOW - 1_500, "identifier": "history"},
            {"eventType": "Bolus", "insulin": 2, "date": NOW - 2_000},
        ]),
    );
    let details: Vec<String> = p
        .skipped
        .iter()
        .map(|s| format!("{} {}: {}", s.index, s.reason.as_str(), s.detail))
        .collect();
    assert_eq!(p.docs.len(), 1, "{details:?}");
    assert_eq!(p.docs[0].index, 9);
    let expect = [
        "0 malformed: `insulin` -1 is negative",
        "1 malformed: `insulin` 250 is above 100 U",
        "2 malformed: `insulin` is not a number",
        "3 malformed: no time",
        "4 malformed: `date` 1767225600 looks like seconds",
        "5 in_the_future: ",
        "6 malformed: not an object",
        "7 malformed: `_id` \"a/b\" is longer",
        "8 malformed: `identifier` \"history\" is longer",
    ];
    for (d, e) in details.iter().zip(expect) {
        assert!(d.starts_with(e), "{d} / {e}");
    }
    assert_eq!(details.len(), expect.len());
}

/// Nightscout's v1 treatments dedupe on `created_at` + `eventType`; API v3 on `identifier`:
/// the derived identifier is stable for the same document and differs for another.
#[test]
fn identifiers_are_the_apps_or_derived_from_time_and_event_type() {
    let p = one(
        NsCollection::Treatments,
        json!([
            {"eventType": "Note", "date": NOW - 1, "identifier": "5f1e-aaps"},
            {"eventType": "Note", "date": NOW - 2, "_id": "64b0c0ffee"},
            {"eventType": "Note", "date": NOW - 3, "uuid": "c0ffee-xdrip"},
            {"eventType": "Note", "date": NOW - 4},
            {"eventType": "Site Change", "date": NOW - 4},
            {"eventType": "Note", "date": NOW - 4},
        ]),
    );
    let ids: Vec<&str> = p.docs.iter().map(|d| d.identifier.as_str()).collect();
    assert_eq!(&ids[..3], ["5f1e-aaps", "64b0c0ffee", "c0ffee-xdrip"]);
    assert_ne!(ids[3], ids[4]);
    assert_eq!(ids[3].len(), 36);
    assert_eq!(p.docs.len(), 5);
    assert_eq!(p.skipped[0].reason, SkipReason::Duplicate);
    assert_eq!(p.skipped[0].index, 5);
}

/// AndroidAPS `DeviceStatusExtension.kt` (LoopPlugin builds it): uploader and pump battery,
/// reservoir, pump status, OpenAPS enacted.
#[test]
fn an_aaps_device_status_is_five_readings_a_second_apart() {
    let p = one(
        NsCollection::DeviceStatus,
        json!({"app": "AAPS", "date": NOW - 60_000, "device": "openaps://samsung SM-G991B",
          "uploaderBattery": 85, "isCharging": false, "uploader": {},
          "pump": {"clock": "2025-12-31T23:59:00Z", "reservoir": 120.5,
                   "battery": {"percent": 75, "voltage": 1.4},
                   "status": {"status": "normal", "timestamp": "2025-12-31T23:59:00Z"},
                   "extended": {"Version": "3.4"}},
          "openaps": {"suggested": {"bg": 120, "reason": "…"}, "enacted": {"received": true, "rate": 0.9},
                      "iob": {"iob": 1.2}},
          "configuration": {"pump": "Combo", "version": "3.4.2.2"}}),
    );
    let d = &p.docs[0];
    let t = (NOW - 60_000) / 1000;
    let got: Vec<(u64, ReadingKind, i64)> =
        d.items.iter().map(|i| (i.time, i.kind, i.value)).collect();
    assert_eq!(
        got,
        [
            (t, ReadingKind::UploaderBattery, 85_000),
            (t + 1, ReadingKind::PumpBattery, 75_000),
            (t + 2, ReadingKind::PumpReservoir, 120_500),
            (
                t + 3,
                ReadingKind::PumpStatus,
                1_000 * i64::from(pump_status::NORMAL)
            ),
            (
                t + 4,
                ReadingKind::LoopStatus,
                1_000 * i64::from(loop_status::ENACTED)
            ),
        ]
    );
    assert_eq!(d.body["configuration"]["version"], "3.4.2.2");
}

/// xDrip+ sends only the uploader battery; Loop (`NightscoutService`) a `loop` object and a
/// pump status with `suspended`; a failure is a failed cycle. A battery above 100 % is left
/// out with a note and the rest kept.
#[test]
fn xdrip_and_loop_device_statuses_and_a_bad_battery() {
    let p = one(
        NsCollection::DeviceStatus,
        json!([
            {"device": "xDrip-LimiTTer", "uploader": {"battery": 64}, "created_at": "2025-12-31T23:55:00.000Z"},
            {"device": "loop://iPhone", "created_at": "2025-12-31T23:56:00Z",
             "pump": {"reservoir": 80, "battery": {"percent": 150}, "status": {"suspended": true, "bolusing": false}},
             "loop": {"failureReason": "pump communication", "timestamp": "2025-12-31T23:56:00Z"}},
            {"device": "loop://iPhone", "created_at": "2025-12-31T23:57:00Z",
             "loop": {"enacted": {"rate": 0.5, "duration": 30}}},
            {"device": "phone"},
        ]),
    );
    assert_eq!(kinds(&p.docs[0]), [(ReadingKind::UploaderBattery, 64_000)]);
    assert_eq!(
        kinds(&p.docs[1]),
        [
            (ReadingKind::PumpReservoir, 80_000),
            (ReadingKind::PumpStatus, 2_000),
            (ReadingKind::LoopStatus, 3_000)
        ]
    );
    assert_eq!(kinds(&p.docs[2]), [(ReadingKind::LoopStatus, 1_000)]);
    assert!(p.docs[3].items.is_empty());
    assert_eq!(p.docs[3].date_ms, NOW, "no time: the relayer's");
    // Its readings reach 4 s after its time: one stamped at the future limit is refused.
    let late = one(
        NsCollection::DeviceStatus,
        json!({"date": NOW + MAX_FUTURE_MS, "uploaderBattery": 50, "pump": {"reservoir": 100}}),
    );
    assert_eq!(late.skipped[0].reason, SkipReason::InTheFuture);
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].index, 1);
    assert!(
        p.skipped[0].detail.contains("`percent` 150 is above 100 %"),
        "{:?}",
        p.skipped
    );
}

#[test]
fn a_body_that_is_not_documents_is_refused() {
    for bad in [&b"nope"[..], b"42", b"\"x\""] {
        assert!(parse(NsCollection::Treatments, bad, NOW).is_err());
    }
    let many = format!("[{}]", vec!["{}"; MAX_DOCUMENTS + 1].join(","));
    assert_eq!(
        parse(NsCollection::Profile, many.as_bytes(), NOW),
        Err(EntriesError::TooMany { max: MAX_DOCUMENTS })
    );
    let big = json!({"eventType": "Note", "date": NOW, "notes": "x".repeat(MAX_DOCUMENT_BYTES)});
    let p = one(NsCollection::Treatments, big);
    assert!(p.skipped[0].detail.contains("bytes"));
}
