//! Nightscout treatments, device statuses and profiles in process: AndroidAPS-, xDrip+- and
//! Loop-shaped uploads kept as documents with their numbers anchored as readings; re-sends
//! stored once, a changed value a correction; read back by the patient whole, and by a follower
//! only in the scopes its grantee's grant allows, each scope's read recorded.

mod common;

use common::nightscout::*;
use diachain_std::encoding::flags;
use diachain_std::DataScope;
use serde_json::{json, Value};

fn ms(minutes_ago: u64) -> u64 {
    (NOW - minutes_ago * 60) * 1000
}

/// AndroidAPS `TreatmentMapper.kt` / `*Extension.kt` shapes: an SMB, a meal bolus with carbs,
/// a temporary basal, a site change with a note.
fn aaps_treatments() -> Value {
    json!([
        {"eventType": "Correction Bolus", "insulin": 0.4, "type": "SMB", "date": ms(30),
         "utcOffset": 60, "isValid": true, "isReadOnly": false, "app": "AAPS", "pumpId": 7},
        {"eventType": "Meal Bolus", "insulin": 5.5, "carbs": 60, "date": ms(25), "app": "AAPS"},
        {"eventType": "Temp Basal", "rate": 1.5, "absolute": 1.5, "duration": 30,
         "durationInMilliseconds": 1_800_000, "type": "NORMAL", "date": ms(20), "app": "AAPS"},
        {"eventType": "Site Change", "notes": "new cannula, left side", "enteredBy": "AAPS",
         "date": ms(15), "app": "AAPS"},
    ])
}

fn by_type(docs: &Value, event: &str) -> Value {
    docs.as_array()
        .unwrap()
        .iter()
        .find(|d| d["eventType"] == event)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn treatments_are_kept_anchored_served_back_and_corrected() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let a = w
        .post_to("/api/v1/treatments", &up.secret, &aaps_treatments())
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json.as_array().unwrap().len(), 4);
    assert_eq!(header(&a, "x-diachain-skipped"), "0");
    let ids: Vec<&str> = a
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["_id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|i| i.len() == 36), "{ids:?}");

    // Anchored as readings of the uploader, in their scopes.
    let insulin = w.readings_in(&patient, "insulin").await;
    assert_eq!(
        insulin["count"], 3,
        "two boluses and a temporary basal: {insulin}"
    );
    assert_eq!(w.readings_in(&patient, "nutrition").await["count"], 1);
    let events = w.readings_in(&patient, "device_events").await;
    assert_eq!(events["count"], 1);
    assert_eq!(
        events["batches"][0]["readings"][0]["reading"]["kind"],
        "therapy_event"
    );
    assert_eq!(
        events["batches"][0]["readings"][0]["reading"]["value"],
        4_000
    );
    let batches = w.stored_batches();

    // The patient reads them back whole, newest first, the numbers from the readings.
    let got = w
        .get(
            "/api/v1/treatments.json?count=10",
            &[("api-secret", &api(&up.secret))],
        )
        .await;
    assert_eq!(got.status.as_u16(), 200, "{}", got.json);
    let docs = got.json.as_array().unwrap();
    assert_eq!(docs.len(), 4);
    assert_eq!(docs[0]["eventType"], "Site Change");
    assert_eq!(docs[0]["notes"], "new cannula, left side");
    assert_eq!(docs[3]["type"], "SMB");
    let meal = by_type(&got.json, "Meal Bolus");
    assert_eq!(
        (&meal["insulin"], &meal["carbs"]),
        (&json!(5.5), &json!(60.0))
    );
    let temp = by_type(&got.json, "Temp Basal");
    assert_eq!(
        (
            &temp["absolute"],
            &temp["duration"],
            &temp["durationInMilliseconds"]
        ),
        (&json!(1.5), &json!(30), &json!(1_800_000))
    );
    assert_eq!(meal["date"], ms(25));
    assert!(meal["created_at"].as_str().unwrap().ends_with('Z'));

    // A re-send stores nothing; the same treatment with another dose is a correction.
    let a = w
        .post_to("/api/v1/treatments", &up.secret, &aaps_treatments())
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(w.stored_batches(), batches, "nothing stored twice");
    let mut fixed = aaps_treatments();
    fixed[1]["insulin"] = json!(5.0);
    let a = w.post_to("/api/v1/treatments", &up.secret, &fixed).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(w.stored_batches(), batches + 1);
    let insulin = w.readings_in(&patient, "insulin").await;
    assert_eq!(insulin["count"], 4, "the history stays: {insulin}");
    let corrected: Vec<&Value> = insulin["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["readings"].as_array().unwrap())
        .filter(|r| r["reading"]["flags"].as_u64().unwrap() & u64::from(flags::CORRECTION) != 0)
        .collect();
    assert_eq!(corrected.len(), 1);
    assert_eq!(corrected[0]["reading"]["value"], 5_000);
    let got = w
        .get("/api/v1/treatments", &[("api-secret", &api(&up.secret))])
        .await;
    assert_eq!(
        by_type(&got.json, "Meal Bolus")["insulin"],
        5.0,
        "the latest served"
    );
    assert_eq!(
        got.json.as_array().unwrap().len(),
        4,
        "replaced, not doubled"
    );
}

fn api(secret: &str) -> String {
    diachain_relayer_api::nightscout::uploader::api_secret_header(secret)
}

/// A follower sees only what its grantee's grant allows: with insulin, the boluses and the
/// temporary basal without carbohydrates or notes; each scope's read is recorded.
#[tokio::test]
async fn a_follower_reads_treatments_only_in_its_scopes() {
    let w = world();
    let (patient, mum) = (signer(1), signer(4));
    let up = w.uploader(&patient).await;
    let a = w
        .post_to("/api/v1/treatments", &up.secret, &aaps_treatments())
        .await;
    assert_eq!(a.status.as_u16(), 200);
    w.grant_scopes(
        1,
        &patient,
        &mum,
        (NOW - 86_400, NOW + 86_400),
        &[DataScope::Glucose],
    );
    let f = w.follow(&patient, "mum", mum.address()).await;
    assert_eq!(f.status.as_u16(), 201, "{}", f.json);
    let token = f.json["token"].as_str().unwrap().to_string();
    let path = format!("/api/v1/treatments.json?token={token}");
    let refused = w.get(&path, &[]).await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (403, "scope_not_granted"),
        "{}",
        refused.json
    );

    w.consent.update(1, |g| {
        g.scopes = vec![DataScope::Glucose, DataScope::Insulin]
    });
    let before = w.accesses_recorded();
    let got = w.get(&path, &[]).await;
    assert_eq!(got.status.as_u16(), 200, "{}", got.json);
    let docs = got.json.as_array().unwrap();
    let types: Vec<&str> = docs
        .iter()
        .map(|d| d["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Temp Basal", "Meal Bolus", "Correction Bolus"]);
    let meal = by_type(&got.json, "Meal Bolus");
    assert_eq!(meal["insulin"], 5.5);
    assert!(
        meal.get("carbs").is_none(),
        "nutrition is not granted: {meal}"
    );
    assert!(
        meal.get("app").is_none() && meal.get("pumpId").is_none(),
        "{meal}"
    );
    assert_eq!(
        w.accesses_recorded(),
        before + 1,
        "one scope served, one access"
    );

    w.consent.update(1, |g| {
        g.scopes = vec![
            DataScope::Insulin,
            DataScope::Nutrition,
            DataScope::DeviceEvents,
        ]
    });
    let got = w.get(&path, &[]).await;
    assert_eq!(got.json.as_array().unwrap().len(), 4);
    assert_eq!(by_type(&got.json, "Meal Bolus")["carbs"], 60.0);
    assert_eq!(
        by_type(&got.json, "Site Change")["notes"],
        "new cannula, left side"
    );
    assert_eq!(w.accesses_recorded(), before + 4);
}

/// AndroidAPS `DeviceStatusExtension.kt`: the patient gets it whole; a follower with device
/// events gets batteries, reservoir and pump state, not the loop's predictions.
#[tokio::test]
async fn device_statuses_are_anchored_and_followers_see_the_device_fields() {
    let w = world();
    let (patient, mum) = (signer(1), signer(4));
    let up = w.uploader(&patient).await;
    let status = json!({"app": "AAPS", "date": ms(10), "device": "openaps://Pixel 8",
        "uploaderBattery": 85, "isCharging": false,
        "pump": {"reservoir": 120.5, "battery": {"percent": 75, "voltage": 1.4},
                 "status": {"status": "normal"}, "extended": {"ActiveProfile": "Lena"}},
        "openaps": {"suggested": {"bg": 142, "predBGs": {"IOB": [142, 140]}},
                    "enacted": {"received": true, "rate": 0.9}, "iob": {"iob": 1.2}}});
    let a = w.post_to("/api/v1/devicestatus", &up.secret, &status).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let events = w.readings_in(&patient, "device_events").await;
    assert_eq!(events["count"], 5, "{events}");

    let own = w
        .get(
            "/api/v1/devicestatus.json",
            &[("api-secret", &api(&up.secret))],
        )
        .await;
    let d = &own.json[0];
    assert_eq!(d["pump"]["reservoir"], 120.5);
    assert_eq!(d["openaps"]["iob"]["iob"], 1.2);
    assert_eq!(d["pump"]["extended"]["ActiveProfile"], "Lena");

    w.grant_scopes(
        1,
        &patient,
        &mum,
        (NOW - 86_400, NOW + 86_400),
        &[DataScope::DeviceEvents],
    );
    let f = w.follow(&patient, "mum", mum.address()).await;
    let token = f.json["token"].as_str().unwrap().to_string();
    let got = w
        .get(&format!("/api/v1/devicestatus?token={token}"), &[])
        .await;
    assert_eq!(got.status.as_u16(), 200, "{}", got.json);
    let d = &got.json[0];
    assert_eq!(
        (
            &d["uploaderBattery"],
            &d["pump"]["battery"]["percent"],
            &d["pump"]["reservoir"]
        ),
        (&json!(85.0), &json!(75.0), &json!(120.5))
    );
    assert_eq!(d["pump"]["status"]["status"], "normal");
    assert!(d.get("openaps").is_none(), "predictions are glucose: {d}");
    assert!(d["pump"].get("extended").is_none(), "{d}");
    assert!(d["pump"]["battery"].get("voltage").is_none(), "{d}");
}

/// A profile is kept (no reading: settings) and read back; a follower needs insulin for it.
#[tokio::test]
async fn profiles_are_kept_and_read_back() {
    let w = world();
    let (patient, mum) = (signer(1), signer(4));
    let up = w.uploader(&patient).await;
    let profile = json!({"defaultProfile": "LocalProfile1", "date": ms(60), "app": "AAPS",
        "created_at": diachain_chain_client::time::rfc3339_ms(ms(60)),
        "store": {"LocalProfile1": {"dia": 5.0, "carbratio": [{"time": "00:00", "timeAsSeconds": 0, "value": 10}],
                  "basal": [{"time": "00:00", "timeAsSeconds": 0, "value": 0.8}], "units": "mg/dl",
                  "timezone": "Europe/Amsterdam"}}});
    let batches = w.stored_batches();
    let a = w.post_to("/api/v1/profile", &up.secret, &profile).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(w.stored_batches(), batches, "a profile is no reading");
    let got = w
        .get("/api/v1/profile.json", &[("api-secret", &api(&up.secret))])
        .await;
    assert_eq!(
        got.json[0]["store"]["LocalProfile1"]["dia"], 5.0,
        "{}",
        got.json
    );
    assert_eq!(got.json[0]["defaultProfile"], "LocalProfile1");

    w.grant_scopes(
        1,
        &patient,
        &mum,
        (NOW - 86_400, NOW + 86_400),
        &[DataScope::Glucose],
    );
    let f = w.follow(&patient, "mum", mum.address()).await;
    let token = f.json["token"].as_str().unwrap().to_string();
    let refused = w
        .get(&format!("/api/v1/profile.json?token={token}"), &[])
        .await;
    assert_eq!(refused.code(), "scope_not_granted", "{}", refused.json);
}

/// One bad treatment never blocks the rest; what is left out is in the patient's skip log.
#[tokio::test]
async fn bad_treatments_are_skipped_on_their_own_and_logged_for_the_patient() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let body = json!([
        {"eventType": "Bolus", "insulin": -2, "date": ms(5)},
        {"eventType": "Bolus", "insulin": 2, "date": ms(4)},
        {"eventType": "Temp Basal", "percent": 120, "duration": 30, "date": ms(3)},
    ]);
    let a = w.post_to("/api/v1/treatments", &up.secret, &body).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json.as_array().unwrap().len(), 1);
    assert_eq!(header(&a, "x-diachain-skip-reasons"), "malformed=2");
    let list = w
        .manage(&patient, "GET", &uploaders_path(&patient), b"")
        .await;
    let log = &list.json[0]["skipped"];
    assert_eq!(log["total"], 2, "{log}");
    assert_eq!(log["recent"][0]["collection"], "treatments");
    assert!(log["recent"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("percent"));
    let a = w.post_to("/api/v1/treatments", "wrong", &body).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_api_secret"));
}

fn values_in(v: &Value) -> Vec<(i64, u64)> {
    v["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["readings"].as_array().unwrap())
        .map(|r| {
            (
                r["reading"]["value"].as_i64().unwrap(),
                r["reading"]["flags"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A meal bolus edited to no carbohydrates withdraws its carbohydrates reading (an anchored
/// correction), and xDrip+'s delete withdraws the rest: nothing of it is served any more.
#[tokio::test]
async fn an_edited_or_deleted_treatment_withdraws_its_readings() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let meal = json!({"eventType": "Meal Bolus", "insulin": 5, "carbs": 60, "date": ms(20),
                      "uuid": "c0ffee-xdrip"});
    let a = w.post_to("/api/v1/treatments", &up.secret, &meal).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let mut edited = meal.clone();
    edited.as_object_mut().unwrap().remove("carbs");
    let a = w.post_to("/api/v1/treatments", &up.secret, &edited).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let carbs = values_in(&w.readings_in(&patient, "nutrition").await);
    assert_eq!(
        carbs,
        [(60_000, 0), (-1, u64::from(flags::CORRECTION))],
        "withdrawn, history kept"
    );
    let got = w
        .get("/api/v1/treatments", &[("api-secret", &api(&up.secret))])
        .await;
    assert_eq!(got.json.as_array().unwrap().len(), 1);
    assert!(got.json[0].get("carbs").is_none(), "{}", got.json);
    assert_eq!(got.json[0]["insulin"], 5.0);

    // xDrip+ deletes it (`DELETE /api/v1/treatments/<uuid>`).
    let r = axum::http::Request::delete("/api/v1/treatments/c0ffee-xdrip")
        .header("api-secret", api(&up.secret))
        .body(axum::body::Body::empty())
        .unwrap();
    let a = common::send(&w.relayer, r).await;
    assert_eq!(
        (a.status.as_u16(), &a.json["deleted"]),
        (200, &json!(1)),
        "{}",
        a.json
    );
    let insulin = values_in(&w.readings_in(&patient, "insulin").await);
    assert_eq!(insulin.last(), Some(&(-1, u64::from(flags::CORRECTION))));
    let got = w
        .get("/api/v1/treatments", &[("api-secret", &api(&up.secret))])
        .await;
    assert_eq!(got.json, json!([]), "a deleted treatment is not served");
}

/// Another of the patient's uploaders cannot change a document it did not upload (its
/// readings are the first uploader's); a follower asking for an empty window gets nothing,
/// and nothing is recorded.
#[tokio::test]
async fn another_uploader_cannot_change_a_document_and_an_empty_window_is_empty() {
    let w = world();
    let (patient, mum) = (signer(1), signer(4));
    let (a_up, b_up) = (w.uploader(&patient).await, w.uploader(&patient).await);
    let bolus = json!({"eventType": "Bolus", "insulin": 2, "date": ms(10), "identifier": "x1"});
    let a = w.post_to("/api/v1/treatments", &a_up.secret, &bolus).await;
    assert_eq!(a.json.as_array().unwrap().len(), 1, "{}", a.json);
    let mut changed = bolus.clone();
    changed["insulin"] = json!(3);
    let a = w
        .post_to("/api/v1/treatments", &b_up.secret, &changed)
        .await;
    assert_eq!(a.status.as_u16(), 200);
    assert_eq!(header(&a, "x-diachain-skip-reasons"), "other_uploader=1");
    assert_eq!(w.readings_in(&patient, "insulin").await["count"], 1);

    w.grant_scopes(
        1,
        &patient,
        &mum,
        (NOW - 86_400, NOW + 86_400),
        &[DataScope::Insulin],
    );
    let f = w.follow(&patient, "mum", mum.address()).await;
    let token = f.json["token"].as_str().unwrap().to_string();
    let before = w.accesses_recorded();
    let future = (NOW + 60) * 1000;
    let got = w
        .get(
            &format!("/api/v1/treatments?token={token}&find[created_at][$gt]={future}"),
            &[],
        )
        .await;
    assert_eq!(
        (got.status.as_u16(), &got.json),
        (200, &json!([])),
        "{}",
        got.json
    );
    assert_eq!(w.accesses_recorded(), before);
}
