//! The records' planner: every batch is one the chain takes, documents kept or skipped whole.

use diachain_relayer_core::ingest::checks;
use diachain_std::KeyAlgorithm;
use serde_json::json;

use super::*;
use crate::nightscout::records::{parse, ParsedDocs};
use diachain_relayer_core::store::NsCollection;

const DAY: u64 = 1_767_225_600;
const NOW_MS: u64 = (DAY + 20 * 3600) * 1000;
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

fn docs(collection: NsCollection, body: serde_json::Value) -> ParsedDocs {
    let p = parse(collection, body.to_string().as_bytes(), NOW_MS).unwrap();
    assert!(p.skipped.is_empty(), "{:?}", p.skipped);
    p
}

fn at(h: u64, m: u64, s: u64) -> u64 {
    (DAY + h * 3600 + m * 60 + s) * 1000
}

/// Every batch passes the relayer's (and so the chain's) checks: one day, the gateway's one
/// reading a second, each scope's rate.
fn valid(p: &RecordPlan) -> Vec<Vec<(u64, ReadingKind, u16)>> {
    p.batches
        .iter()
        .map(|b| {
            let body = serde_json::to_vec(&b.request).unwrap();
            let parsed = checks::parse(&body).unwrap();
            let h = &parsed.header;
            assert_eq!(utc_day(h.first_time), utc_day(h.last_time));
            checks::check_readings(h, &parsed.readings).unwrap();
            checks::check_scopes(h, &parsed.readings).unwrap();
            checks::check_root(h, &parsed.readings).unwrap();
            checks::check_density(h, 1).unwrap();
            checks::check_scope_density(h, 1).unwrap();
            parsed
                .readings
                .iter()
                .map(|r| (r.measured_at, r.kind, r.flags))
                .collect()
        })
        .collect()
}

fn run(p: &ParsedDocs, held: &RecordsHeld) -> RecordPlan {
    plan(p, held, DAY, ID, &key(), &domain()).unwrap()
}

/// A meal bolus holds insulin and carbohydrates measured in the same second: two readings the
/// chain takes only in two batches (a gateway's one reading a second).
#[test]
fn a_meal_bolus_is_two_batches_and_smbs_share_one() {
    let p = docs(
        NsCollection::Treatments,
        json!([
            {"eventType": "Meal Bolus", "insulin": 4, "carbs": 40, "date": at(12, 0, 0)},
            {"eventType": "Correction Bolus", "insulin": 0.2, "date": at(12, 5, 0)},
            {"eventType": "Correction Bolus", "insulin": 0.3, "date": at(12, 10, 0)},
            {"eventType": "Correction Bolus", "insulin": 0.1, "date": at(12, 10, 3)},
        ]),
    );
    let plan = run(
        &p,
        &RecordsHeld {
            last_seq: Some(9),
            ..RecordsHeld::default()
        },
    );
    let t = at(12, 0, 0) / 1000;
    let b = valid(&plan);
    assert_eq!(
        b,
        [
            vec![(t, ReadingKind::InsulinBolus, 0)],
            vec![
                (t, ReadingKind::Carbohydrates, 0),
                (t + 300, ReadingKind::InsulinBolus, 0),
                (t + 600, ReadingKind::InsulinBolus, 0),
                (t + 603, ReadingKind::InsulinBolus, 0)
            ],
        ],
        "the chain counts a scope's readings against the batch's span: 3 s apart fit"
    );
    assert_eq!(plan.batches[0].request.header.first_seq, 10);
    assert_eq!(plan.batches[1].request.header.last_seq, 14);
    assert_eq!(plan.kept.len(), 4);
    assert_eq!(plan.kept[0].readings.len(), 2);
}

#[test]
fn a_device_status_is_one_batch_of_five_seconds() {
    let p = docs(
        NsCollection::DeviceStatus,
        json!({"date": at(8, 0, 0) + 123, "uploaderBattery": 50, "pump": {"reservoir": 100, "battery": {"percent": 80},
               "status": {"status": "normal"}}, "openaps": {"suggested": {}}}),
    );
    let plan = run(&p, &RecordsHeld::default());
    let b = valid(&plan);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].len(), 5);
    assert_eq!(plan.batches[0].millis, [123; 5]);
}

/// A re-sent document stores nothing; the same document with another value is a correction,
/// alone in its batch; another document's reading in the same second skips the newcomer.
#[test]
fn resent_corrected_and_colliding_documents() {
    let t = at(12, 0, 0) / 1000;
    let body = |id: &str, insulin: f64| {
        docs(
            NsCollection::Treatments,
            json!([{"eventType": "Bolus", "insulin": insulin, "date": t * 1000, "identifier": id}]),
        )
    };
    let held = RecordsHeld {
        last_seq: Some(3),
        newest: Some(t),
        latest: [((t, ReadingKind::InsulinBolus), 2_000)].into(),
        owners: [((t, ReadingKind::InsulinBolus), "a".to_string())].into(),
        ..RecordsHeld::default()
    };
    let again = run(&body("a", 2.0), &held);
    assert!(again.batches.is_empty() && again.skipped.is_empty());
    assert_eq!(
        again.kept.len(),
        1,
        "kept: its document is stored again (a no-op)"
    );

    let corrected = run(&body("a", 2.5), &held);
    assert_eq!(
        valid(&corrected),
        [vec![(t, ReadingKind::InsulinBolus, flags::CORRECTION)]]
    );

    let other = run(&body("b", 1.0), &held);
    assert!(other.batches.is_empty() && other.kept.is_empty());
    assert_eq!(other.skipped[0].reason, SkipReason::SameSecond);
}

#[test]
fn before_the_binding_after_an_erasure_and_a_full_day_are_skipped_whole() {
    let p = docs(
        NsCollection::Treatments,
        json!([
            {"eventType": "Meal Bolus", "insulin": 1, "carbs": 10, "date": (DAY - 60) * 1000},
            {"eventType": "Meal Bolus", "insulin": 1, "carbs": 10, "date": at(0, 5, 0)},
            {"eventType": "Carb Correction", "carbs": 10, "date": at(0, 20, 0)},
            {"eventType": "Carb Correction", "carbs": 10, "date": at(0, 20, 30)},
        ]),
    );
    let held = RecordsHeld {
        erased_through: Some(DAY + 600),
        ..RecordsHeld::default()
    };
    let plan = run(&p, &held);
    let reasons: Vec<(usize, SkipReason)> =
        plan.skipped.iter().map(|s| (s.index, s.reason)).collect();
    assert_eq!(
        reasons,
        [(0, SkipReason::BeforeBinding), (1, SkipReason::Erased)]
    );
    // Two carb entries 30 s apart fit the day's count (one a minute up to the newest)?
    // Up to 00:20:30 the day counts 21 nutrition readings: both are kept, in two batches.
    let b = valid(&plan);
    assert_eq!(b.len(), 2, "{b:?}");

    // A day whose nutrition count is reached: skipped as day_full, nothing of it stored.
    let full = RecordsHeld {
        newest: Some(DAY + 120),
        times: (0..3)
            .map(|i| HeldTime {
                time: DAY + i * 60,
                seq: i + 1,
                millis: 0,
                meter: false,
                record: Some(ReadingKind::Carbohydrates),
            })
            .collect(),
        ..RecordsHeld::default()
    };
    let p = docs(
        NsCollection::Treatments,
        json!([{"eventType": "Meal Bolus", "insulin": 1, "carbs": 10, "date": at(0, 1, 30)}]),
    );
    let plan = run(&p, &full);
    assert_eq!(
        plan.skipped[0].reason,
        SkipReason::DayFull,
        "{:?}",
        plan.skipped
    );
    assert!(
        plan.batches.is_empty() && plan.kept.is_empty(),
        "whole or nothing"
    );
}

/// A backfill (before the newest held reading) is a batch of its own; a profile has no
/// reading and is kept.
#[test]
fn a_backfill_is_cut_at_the_newest_held_reading_and_a_profile_has_no_reading() {
    let p = docs(
        NsCollection::Treatments,
        json!([
            {"eventType": "Note", "date": at(10, 0, 0)},
            {"eventType": "Site Change", "date": at(11, 0, 0)},
        ]),
    );
    let plan = run(
        &p,
        &RecordsHeld {
            newest: Some(at(10, 30, 0) / 1000),
            ..RecordsHeld::default()
        },
    );
    assert_eq!(valid(&plan).len(), 2);
    let p = docs(
        NsCollection::Profile,
        json!({"defaultProfile": "Default", "date": at(9, 0, 0), "store": {"Default": {"dia": 5}}}),
    );
    let plan = run(&p, &RecordsHeld::default());
    assert!(plan.batches.is_empty());
    assert_eq!(
        plan.kept,
        [KeptDoc {
            doc: 0,
            readings: vec![]
        }]
    );
}

/// AndroidAPS writes a bolus wizard, a note and a profile switch in one second: each therapy
/// event moves to the next free second (its document keeps its time), and a re-send finds
/// them where they went.
#[test]
fn therapy_events_in_one_second_move_to_the_next_free_one() {
    let t = at(9, 0, 0);
    let p = docs(
        NsCollection::Treatments,
        json!([
            {"eventType": "Note", "date": t, "identifier": "n"},
            {"eventType": "Profile Switch", "date": t, "identifier": "p"},
            {"eventType": "Temporary Target", "date": t, "identifier": "tt"},
        ]),
    );
    let plan = run(&p, &RecordsHeld::default());
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    let s = t / 1000;
    let placed: Vec<u64> = plan.kept.iter().map(|k| k.readings[0].time).collect();
    assert_eq!(placed, [s, s + 1, s + 2]);
    let b = valid(&plan);
    assert_eq!(b.concat().len(), 3);
    // Held as planned: sending them again stores nothing.
    let held = RecordsHeld {
        latest: [(s, 1_000), (s + 1, 13_000), (s + 2, 12_000)]
            .map(|(t, v)| ((t, ReadingKind::TherapyEvent), v))
            .into(),
        owners: [(s, "n"), (s + 1, "p"), (s + 2, "tt")]
            .map(|(t, o)| ((t, ReadingKind::TherapyEvent), o.to_string()))
            .into(),
        ..RecordsHeld::default()
    };
    let again = run(&p, &held);
    assert!(
        again.batches.is_empty() && again.skipped.is_empty(),
        "{:?}",
        again.skipped
    );
}

/// A changed document's reading it no longer holds is withdrawn: a correction valued
/// `WITHDRAWN`, alone in its batch; withdrawing what is withdrawn stores nothing.
#[test]
fn a_reading_a_document_no_longer_holds_is_withdrawn() {
    let t = at(12, 0, 0) / 1000;
    let mut p = docs(
        NsCollection::Treatments,
        json!([{"eventType": "Meal Bolus", "insulin": 4, "date": t * 1000, "identifier": "m"}]),
    );
    p.docs[0].withdraw = vec![Item {
        time: t,
        kind: ReadingKind::Carbohydrates,
        unit: diachain_std::encoding::Unit::Grams,
        value: 0,
    }];
    let held = |carbs: i64| RecordsHeld {
        latest: [
            ((t, ReadingKind::InsulinBolus), 4_000),
            ((t, ReadingKind::Carbohydrates), carbs),
        ]
        .into(),
        owners: [
            ((t, ReadingKind::InsulinBolus), "m".to_string()),
            ((t, ReadingKind::Carbohydrates), "m".to_string()),
        ]
        .into(),
        ..RecordsHeld::default()
    };
    let plan = run(&p, &held(40_000));
    assert_eq!(
        valid(&plan),
        [vec![(t, ReadingKind::Carbohydrates, flags::CORRECTION)]]
    );
    let body = serde_json::to_value(&plan.batches[0].request).unwrap();
    assert_eq!(body["readings"][0]["value"], events::WITHDRAWN, "{body}");
    assert_eq!(
        plan.kept[0].readings.len(),
        1,
        "the document holds its insulin only"
    );
    assert_eq!(plan.batches[0].docs, [0].into());
    assert!(run(&p, &held(events::WITHDRAWN)).batches.is_empty());
}
