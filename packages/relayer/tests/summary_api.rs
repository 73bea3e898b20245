//! `GET /v1/patients/{patient}/summary` in process: who gets a summary (owner, guardian, a
//! `summaries_only` or `glucose` grantee) and who does not, the access queued for the chain with
//! the scope that allowed it, only anchored batches summarised (the others counted), no reading
//! ever in the answer, and the refusals of bad parameters (period edges, offsets, another
//! patient's path).

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::{send, Answer};
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_relayer_core::store::OutboxMsg;
use diachain_relayer_testkit::consent::{FakeConsent, FakeGrant};
use diachain_relayer_testkit::{self as testkit, device_record, TestRelayer, DAY0};
use diachain_std::testing::TestKey;
use diachain_std::{DataScope, KeyAlgorithm};

const NOW: u64 = DAY0 + 30 * 86_400;
/// The first reading's time: 12 readings, 300 s apart (T0 … T0 + 3300), 1 h before NOW.
const T0: u64 = NOW - 3_600 * 3;
const DEVICE: &str = "cgm-5d1e0c7b9a2f4e31";
const BLOCK_TIME_NS: u64 = (NOW - 2) * 1_000_000_000 + 123_456_789;
/// The batch's readings: 90 + (seq × 7919 mod 120000) / 1000 mg/dL for seq 1 … 12 (the
/// fixtures' values): 97.919, 105.838, 113.757, 121.676, 129.595, 137.514, 145.433, 153.352,
/// 161.271, 169.19, 177.109, 185.028. Σ = 12 × 90 + 7.919 × 78 = 1080 + 617.682 = 1697.682.
const MEAN: f64 = 1_697.682 / 12.0;

struct World {
    relayer: TestRelayer,
    consent: Arc<FakeConsent>,
    patient: Signer,
    insurer: Signer,
    nonce: std::sync::atomic::AtomicU64,
}

fn signer(seed: u8) -> Signer {
    Signer::from_secret(&[seed; 32], WASM_PREFIX).unwrap()
}

/// One pending batch of 12 readings of the patient's CGM.
async fn world() -> World {
    let consent = Arc::new(FakeConsent::default());
    consent
        .block_time
        .store(BLOCK_TIME_NS, std::sync::atomic::Ordering::SeqCst);
    let relayer = TestRelayer::with_data_api(1 << 20, Arc::new(|| NOW), consent.clone()).unwrap();
    let patient = signer(1);
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x42);
    relayer
        .registry
        .put(DEVICE, device_record(&key, Some(patient.address())));
    let batch = testkit::batch(&key, DEVICE, 1, 12, T0);
    let answer = common::post(&relayer, testkit::body(&batch)).await;
    assert_eq!(answer.status.as_u16(), 201, "{}", answer.json);
    World {
        relayer,
        consent,
        patient,
        insurer: signer(2),
        nonce: Default::default(),
    }
}

impl World {
    fn patient(&self) -> String {
        self.patient.address().to_string()
    }

    fn grant(&self, id: u64, scopes: &[DataScope]) {
        self.consent.grant(FakeGrant {
            id,
            patient: self.patient(),
            grantee: self.insurer.address().to_string(),
            scopes: scopes.to_vec(),
            data_from: T0 - 86_400,
            data_to: NOW,
            break_glass: false,
            revoked: false,
            expired: false,
            revoked_by: None,
        });
    }

    /// Anchors every pending batch at `height`.
    fn anchor(&self, height: u64) {
        let ids: Vec<u64> = self
            .relayer
            .store
            .pending(100)
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect();
        self.relayer
            .store
            .mark_anchored(&ids, "A1B2C3", height)
            .unwrap();
    }

    async fn get(&self, by: &Signer, patient: &str, path: &str, query: &str) -> Answer {
        let n = self.nonce.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let nonce = format!("summary-nonce-{n:08}");
        let path = format!("/v1/patients/{patient}/{path}");
        let r = common::signed_request(by, "GET", &path, Some(query), b"", NOW, &nonce);
        send(&self.relayer, r).await
    }

    async fn summary(&self, by: &Signer, query: &str) -> Answer {
        self.get(by, &self.patient(), "summary", query).await
    }

    fn queued(&self) -> Vec<OutboxMsg> {
        let store = &self.relayer.store;
        store
            .outbox(false, 100)
            .unwrap()
            .into_iter()
            .map(|i| i.msg)
            .collect()
    }
}

/// The batch's hour: T0 … T0 + 3599.
fn hour() -> String {
    format!("from={T0}&to={}", T0 + 3_599)
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

#[tokio::test]
async fn a_summaries_only_grantee_gets_the_metrics_and_the_access_is_queued_with_that_scope() {
    let w = world().await;
    w.grant(21, &[DataScope::SummariesOnly]);
    w.anchor(4_321);
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let j = &a.json;
    assert_eq!(j["scope"], "summaries_only");
    assert_eq!(j["access"]["basis"], "grant");
    assert_eq!(j["access"]["grant_id"], 21);
    assert_eq!(j["access"]["record"], 1);
    assert_eq!(j["chain_id"], testkit::CHAIN_ID);
    // 12 readings of 5 minutes in an hour: 100 % active.
    let m = &j["metrics"];
    assert_eq!(
        (m["from"].as_u64(), m["to"].as_u64()),
        (Some(T0), Some(T0 + 3_599))
    );
    assert_eq!(m["readings"], 12);
    assert_eq!(f(&m["active_percent"]), 100.0);
    assert!((f(&m["mean"]) - MEAN).abs() < 1e-9, "{}", m["mean"]);
    // 97.919 … 177.109 are in range (11), 185.028 is high (1): 91.67 % and 8.33 %.
    assert!((f(&m["time_in_ranges"]["in_range"]) - 1_100.0 / 12.0).abs() < 1e-9);
    assert!((f(&m["time_in_ranges"]["high"]) - 100.0 / 12.0).abs() < 1e-9);
    // GMI 3.31 + 0.02392 × 141.4735 = 6.6940 %.
    assert!((f(&m["gmi_percent"]) - (3.31 + 0.02392 * MEAN)).abs() < 1e-9);
    assert_eq!(j["selection"]["used"], 12);
    assert_eq!(j["days"].as_array().unwrap().len(), 1);
    assert_eq!(j["days"][0]["metrics"], *m);
    // The anchored batch it drew on, as the anchors contract holds it.
    assert_eq!(
        j["anchored_heights"],
        serde_json::json!({ "min": 4321, "max": 4321 })
    );
    let b = &j["batches"][0];
    assert_eq!(
        (
            b["device_id"].as_str(),
            b["first_seq"].as_u64(),
            b["last_seq"].as_u64()
        ),
        (Some(DEVICE), Some(1), Some(12))
    );
    assert_eq!(
        (b["height"].as_u64(), b["readings"].as_u64()),
        (Some(4_321), Some(12))
    );
    assert_eq!(b["tx_hash"], "A1B2C3");
    // No reading is served: no salt, value, proof or header in the answer.
    let text = a.json.to_string();
    for word in [
        "salt",
        "leaf_hash",
        "\"path\"",
        "\"value\"",
        "\"signature\"",
        "measured_at",
    ] {
        assert!(!text.contains(word), "{word} in {text}");
    }
    // Queued for the chain exactly as a read of readings is, with scope summaries_only.
    assert_eq!(
        w.queued(),
        [OutboxMsg::Access {
            patient: w.patient(),
            grantee: w.insurer.address().to_string(),
            scope: DataScope::SummariesOnly,
            data_from: T0,
            data_to: T0 + 3_599,
            grant_id: 21,
            served_at_ns: BLOCK_TIME_NS,
        }]
    );
}

#[tokio::test]
async fn a_summaries_only_grantee_is_refused_the_readings_and_the_readings_name_the_summary() {
    let w = world().await;
    w.grant(21, &[DataScope::SummariesOnly]);
    w.anchor(7);
    let q = format!("scope=glucose&{}", hour());
    let a = w.get(&w.insurer, &w.patient(), "readings", &q).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "scope_not_granted"),
        "{}",
        a.json
    );
    let q = format!("scope=summaries_only&{}", hour());
    let a = w.get(&w.insurer, &w.patient(), "readings", &q).await;
    assert_eq!((a.status.as_u16(), a.code()), (422, "summaries_only"));
    assert_eq!(a.json["summary"], "/v1/patients/{patient}/summary");
    assert!(a.json["message"].as_str().unwrap().contains("/summary"));
    // Nor as FHIR.
    let a = w
        .get(&w.insurer, &w.patient(), "fhir/Observation", &hour())
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "scope_not_granted"));
    assert!(w.queued().is_empty());
}

#[tokio::test]
async fn a_glucose_grantee_gets_the_summary_recorded_with_scope_glucose() {
    let w = world().await;
    w.grant(5, &[DataScope::Glucose]);
    w.anchor(7);
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["scope"], "glucose");
    assert_eq!(a.json["metrics"]["readings"], 12);
    assert!(matches!(
        &w.queued()[..],
        [OutboxMsg::Access {
            scope: DataScope::Glucose,
            grant_id: 5,
            ..
        }]
    ));
}

#[tokio::test]
async fn a_grantee_without_a_grant_that_allows_it_is_refused_with_the_scopes_that_would() {
    // No grant at all.
    let w = world().await;
    w.anchor(7);
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "no_grant"),
        "{}",
        a.json
    );
    assert_eq!(
        a.json["scopes"],
        serde_json::json!(["summaries_only", "glucose"])
    );
    // A grant of insulin only.
    w.grant(3, &[DataScope::Insulin]);
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "scope_not_granted"));
    assert_eq!(a.json["grant_id"], 3);
    assert!(w.queued().is_empty());

    // summaries_only, but not for this period (it ends at T0): the contract's later check.
    let w = world().await;
    w.grant(4, &[DataScope::SummariesOnly]);
    w.consent.update(4, |g| g.data_to = T0);
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "period_not_covered"));
    // Revoked and expired grants.
    type Change = fn(&mut FakeGrant);
    let cases: [(&str, Change); 2] = [
        ("grant_revoked", |g| g.revoked = true),
        ("grant_expired", |g| g.expired = true),
    ];
    for (code, change) in cases {
        let w = world().await;
        w.grant(6, &[DataScope::SummariesOnly]);
        w.consent.update(6, change);
        let a = w.summary(&w.insurer, &hour()).await;
        assert_eq!((a.status.as_u16(), a.code()), (403, code));
        assert!(w.queued().is_empty());
    }
    // A chain that cannot be asked, or a relayer that cannot record: 503, nothing guessed.
    let w = world().await;
    w.grant(7, &[DataScope::SummariesOnly]);
    w.consent
        .not_custodian
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!((a.status.as_u16(), a.code()), (503, "not_a_custodian"));
    w.consent
        .unreachable
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!((a.status.as_u16(), a.code()), (503, "chain_unavailable"));
    assert!(w.queued().is_empty());
}

#[tokio::test]
async fn the_patient_and_their_guardian_get_it_without_a_grant_and_nothing_is_recorded() {
    let w = world().await;
    w.anchor(7);
    let a = w.summary(&w.patient, &hour()).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["access"]["basis"], "owner");
    assert_eq!(a.json["scope"], "summaries_only");
    assert_eq!(a.json["access"]["record"], serde_json::Value::Null);
    assert_eq!(a.json["metrics"]["readings"], 12);
    let guardian = signer(3);
    w.consent.add_guardian(&w.patient(), guardian.address());
    let a = w.summary(&guardian, &hour()).await;
    assert_eq!(a.json["access"]["basis"], "guardian", "{}", a.json);
    assert!(w.queued().is_empty());
}

#[tokio::test]
async fn batches_not_anchored_are_left_out_and_counted_and_failed_ones_never_count() {
    let w = world().await;
    w.grant(21, &[DataScope::SummariesOnly]);
    // Pending: nothing summarised, 12 readings left out; the access is still served (and
    // recorded): what was asked was answered.
    let a = w.summary(&w.insurer, &hour()).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["metrics"]["readings"], 0);
    assert_eq!(a.json["metrics"]["mean"], serde_json::Value::Null);
    assert_eq!(a.json["metrics"]["active_percent"].as_f64(), Some(0.0));
    assert_eq!(
        a.json["left_out"],
        serde_json::json!({ "not_anchored_batches": 1, "not_anchored_readings": 12,
                            "failed_batches": 0, "failed_readings": 0 })
    );
    assert_eq!(a.json["anchored_heights"], serde_json::Value::Null);
    assert_eq!(a.json["batches"], serde_json::json!([]));
    // A second batch (seq 13 … 24, the hour after), then the first anchored, the second refused
    // by the chain for good: 12 summarised, 12 failed.
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x42);
    let next = testkit::batch(&key, DEVICE, 13, 12, T0 + 3_600);
    assert_eq!(
        common::post(&w.relayer, testkit::body(&next))
            .await
            .status
            .as_u16(),
        201
    );
    let ids: Vec<u64> = w
        .relayer
        .store
        .pending(10)
        .unwrap()
        .iter()
        .map(|b| b.id)
        .collect();
    w.relayer.store.mark_anchored(&ids[..1], "A1", 50).unwrap();
    w.relayer.store.mark_failed(ids[1], "refused").unwrap();
    let q = format!("from={T0}&to={}", T0 + 7_199);
    let a = w.summary(&w.insurer, &q).await;
    assert_eq!(a.json["metrics"]["readings"], 12, "{}", a.json);
    assert_eq!(a.json["left_out"]["failed_batches"], 1);
    assert_eq!(a.json["left_out"]["failed_readings"], 12);
    assert_eq!(a.json["left_out"]["not_anchored_readings"], 0);
    assert_eq!(a.json["batches"].as_array().unwrap().len(), 1);
    assert_eq!(w.queued().len(), 2);
}

#[tokio::test]
async fn the_period_edges_are_inclusive_to_the_second() {
    let w = world().await;
    w.anchor(7);
    // Readings at T0 + 300 k. [T0 + 300, T0 + 600]: 2 readings; one second narrower at either
    // end: 1; a single second holding a reading: 1; one holding none: 0.
    for (from, to, n) in [
        (T0 + 300, T0 + 600, 2),
        (T0 + 301, T0 + 600, 1),
        (T0 + 300, T0 + 599, 1),
        (T0 + 600, T0 + 600, 1),
        (T0 + 601, T0 + 601, 0),
    ] {
        let a = w.summary(&w.patient, &format!("from={from}&to={to}")).await;
        assert_eq!(a.status.as_u16(), 200, "{}", a.json);
        assert_eq!(a.json["metrics"]["readings"], n, "{from}..={to}");
        // The period is to the second: (to − from + 1) / 60 minutes.
        assert_eq!(
            a.json["metrics"]["period_minutes"].as_f64(),
            Some((to - from + 1) as f64 / 60.0)
        );
    }
    // 31 days exactly is allowed; a second more is not.
    let q = format!("from={}&to={NOW}", NOW - 31 * 86_400);
    let a = w.summary(&w.patient, &q).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["days"].as_array().unwrap().len(), 32);
    let q = format!("from={}&to={NOW}", NOW - 31 * 86_400 - 1);
    let a = w.summary(&w.patient, &q).await;
    assert_eq!((a.status.as_u16(), a.code()), (400, "period_too_long"));
    assert_eq!(a.json["max_seconds"], 31 * 86_400);
}

#[tokio::test]
async fn days_follow_the_offset_asked_for_up_to_fourteen_hours_each_way() {
    let w = world().await;
    w.anchor(7);
    // T0 is 21:00 UTC (NOW is midnight UTC, T0 three hours before): the hour T0 … T0 + 3599 is
    // one UTC day; at UTC+3 it is 00:00–00:59 of the next day; at UTC+2:30, 23:30–00:29: two
    // days, 6 readings each (T0 … T0 + 1500 before local midnight, T0 + 1800 … after).
    assert_eq!(T0 % 86_400, 21 * 3_600);
    let days = |a: &Answer| -> Vec<(String, u64)> {
        a.json["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["date"].as_str().unwrap().to_string(),
                    d["metrics"]["readings"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let at = |off: i64| format!("{}&utc_offset_minutes={off}", hour());
    let utc = w.summary(&w.patient, &at(0)).await;
    let plus3 = w.summary(&w.patient, &at(180)).await;
    let plus230 = w.summary(&w.patient, &at(150)).await;
    let (d0, d1) = (utc_date(T0), utc_date(T0 + 86_400));
    assert_eq!(days(&utc), [(d0.clone(), 12)]);
    assert_eq!(days(&plus3), [(d1.clone(), 12)]);
    assert_eq!(days(&plus230), [(d0.clone(), 6), (d1.clone(), 6)]);
    assert_eq!(plus230.json["utc_offset_minutes"], 150);
    // The whole period's metrics do not depend on the offset.
    assert_eq!(utc.json["metrics"], plus230.json["metrics"]);
    for off in [-840, 840] {
        let a = w.summary(&w.patient, &at(off)).await;
        assert_eq!(a.status.as_u16(), 200, "{off}: {}", a.json);
    }
    for off in ["841", "-841", "100000", "-9223372036854775808"] {
        let a = w
            .summary(&w.patient, &format!("{}&utc_offset_minutes={off}", hour()))
            .await;
        assert_eq!(
            (a.status.as_u16(), a.code()),
            (400, "bad_utc_offset"),
            "{off}"
        );
        assert_eq!(
            (a.json["min"].as_i64(), a.json["max"].as_i64()),
            (Some(-840), Some(840))
        );
    }
    // Not an integer of 64 bits at all: the query cannot be read.
    for off in ["1.5", "x", "", "99999999999999999999"] {
        let a = w
            .summary(&w.patient, &format!("{}&utc_offset_minutes={off}", hour()))
            .await;
        assert_eq!((a.status.as_u16(), a.code()), (400, "bad_query"), "{off:?}");
    }
}

/// `YYYY-MM-DD` of a Unix time, UTC (the relayer's own date function, checked in its crate).
fn utc_date(t: u64) -> String {
    diachain_relayer_types::cgm::date_of_day(i128::from(t / 86_400))
}

#[tokio::test]
async fn malformed_queries_and_other_patients_paths_are_refused_and_nothing_is_queued() {
    let w = world().await;
    w.grant(21, &[DataScope::SummariesOnly]);
    w.anchor(7);
    for (q, code) in [
        ("", "bad_query"),
        ("from=1", "bad_query"),
        ("to=2", "bad_query"),
        ("from=x&to=2", "bad_query"),
        ("from=-1&to=2", "bad_query"),
        ("from=1&to=2&scope=glucose", "bad_query"),
        ("from=1&to=2&extra=1", "bad_query"),
        ("from=3&to=2", "bad_period"),
        ("from=18446744073709551615&to=0", "bad_period"),
        ("from=0&to=2678401", "period_too_long"),
        ("from=0&to=18446744073709551615", "period_too_long"),
    ] {
        let a = w.summary(&w.insurer, q).await;
        assert_eq!(
            (a.status.as_u16(), a.code()),
            (400, code),
            "{q}: {}",
            a.json
        );
    }
    // The very end of time is a period like another (and holds nothing).
    let a = w
        .summary(
            &w.insurer,
            "from=18446744073709551000&to=18446744073709551615&utc_offset_minutes=840",
        )
        .await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "period_not_covered"),
        "{}",
        a.json
    );
    let a = w
        .summary(
            &w.patient,
            "from=18446744073709551000&to=18446744073709551615&utc_offset_minutes=840",
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["metrics"]["readings"], 0);
    // Another patient's path: the insurer's grant is the patient's, not theirs; the patient is
    // not the owner of someone else's data.
    let other = signer(9).address().to_string();
    let a = w.get(&w.insurer, &other, "summary", &hour()).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "no_grant"),
        "{}",
        a.json
    );
    let a = w.get(&w.patient, &other, "summary", &hour()).await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "no_grant"));
    let a = w
        .get(&w.patient, "cosmos1notthischain", "summary", &hour())
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (400, "bad_patient"));
    // Unsigned.
    let path = format!("/v1/patients/{}/summary?{}", w.patient(), hour());
    let a = send(&w.relayer, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "missing_auth_header"));
    assert!(w.queued().is_empty());
}
