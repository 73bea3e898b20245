//! The Nightscout-compatible endpoints in process: an uploader created by the patient, bound,
//! then fed xDrip+-shaped uploads; per-patient secrets; LOW/HIGH markers; duplicates and
//! re-sent uploads stored once; refusals that store nothing; 10,000 entries in one body.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::nightscout::*;
use common::{send, Answer};
use diachain_relayer_api::nightscout::uploader::api_secret_header_512;
use diachain_std::encoding::flags;
use serde_json::{json, Value};

#[tokio::test]
async fn status_json_answers_uploaders_without_a_secret() {
    let w = world();
    let a = send(
        &w.relayer,
        Request::get("/api/v1/status.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status.as_u16(), 200);
    assert_eq!(a.json["status"], "ok");
    assert_eq!(a.json["apiEnabled"], true);
    assert!(a.json["serverTimeEpoch"].as_u64().is_some());
    // What uploaders and followers read (cgm-remote-monitor `lib/api/status.js`).
    let t = &a.json["settings"]["thresholds"];
    assert_eq!(
        (
            &t["bgHigh"],
            &t["bgTargetTop"],
            &t["bgTargetBottom"],
            &t["bgLow"]
        ),
        (&json!(260), &json!(180), &json!(70), &json!(55))
    );
    assert_eq!(a.json["settings"]["units"], "mg/dl");
    assert!(a.json["version"].is_string() && a.json["authorized"].is_null());
}

/// `status.json` tells an uploader the relayer's real health, as `/healthz` does: with a chain
/// it has never reached, uploads are still stored (anchored later), so the status is
/// `degraded`, not `ok`.
#[tokio::test]
async fn status_json_reports_the_relayers_health() {
    use diachain_relayer_core::chain::ChainHealth;
    use diachain_relayer_core::health::Health;
    let w = world();
    let unreached = Arc::new(ChainHealth::new(std::time::Duration::from_secs(30)));
    let relayer = w.relayer.with_health(Health {
        chain: Some(unreached),
        anchoring: None,
    });
    let get = || {
        Request::get("/api/v1/status.json")
            .body(Body::empty())
            .unwrap()
    };
    let a = send(&relayer, get()).await;
    assert_eq!(a.status.as_u16(), 200);
    assert_eq!(a.json["status"], "degraded", "{}", a.json);
    assert_eq!(a.json["apiEnabled"], true);
    let health = send(
        &relayer,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(health.json["status"], "degraded");
}

#[tokio::test]
async fn only_the_patient_creates_their_uploader_and_gets_a_bind_proof_and_a_secret() {
    let w = world();
    let (patient, stranger) = (signer(1), signer(2));
    let a = w.create(&stranger, patient.address()).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "not_patient_or_guardian")
    );
    let a = w.create(&patient, patient.address()).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    let device = a.json["device_id"].as_str().unwrap();
    assert!(device.starts_with("ns-"));
    assert_eq!(a.json["bind_device"]["bind_device"]["device_id"], device);
    assert!(a.json["bind_device"]["bind_device"]["signature"].is_string());
    assert_eq!(a.json["api_secret"].as_str().unwrap().len(), 32);
    // A refused registration stores no uploader.
    let chain = w.relayer.uploader_chain.as_ref().unwrap();
    chain
        .refuse
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let a = w.create(&patient, patient.address()).await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "registration_refused"));
    assert_eq!(w.relayer.store.uploader_ids().unwrap().len(), 1);
    chain
        .refuse
        .store(false, std::sync::atomic::Ordering::SeqCst);
    // Each uploader is a registration the relayer pays for: at most two wait to be bound.
    for _ in 1..diachain_relayer_api::routes::MAX_UNBOUND_UPLOADERS {
        assert_eq!(
            w.create(&patient, patient.address()).await.status.as_u16(),
            201
        );
    }
    let a = w.create(&patient, patient.address()).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (409, "too_many_unbound_uploaders")
    );
    // Another patient is not held back by that.
    let other = signer(5);
    assert_eq!(w.create(&other, other.address()).await.status.as_u16(), 201);
}

#[tokio::test]
async fn an_xdrip_upload_is_stored_as_relayer_attested_readings_and_resending_stores_nothing_twice()
{
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let entries = [
        sgv(30, 120, Some("Flat")),
        sgv(25, 39, Some("NOT COMPUTABLE")),
        sgv(20, 401, None),
        sgv(20, 401, None), // the same entry twice
        json!({"type": "mbg", "mbg": 130, "date": (NOW - 15 * 60) * 1000}),
        sgv(10, 98, Some("FortyFiveDown")),
    ];
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let stored = a.json.as_array().unwrap();
    assert_eq!(stored.len(), 5);
    assert_eq!(stored[0]["_id"], format!("{}-1", up.device_id));
    // The finger stick is a meter reading, in a batch of its own between the sensor's.
    assert_eq!(
        (&stored[3]["type"], &stored[3]["mbg"], stored[3].get("sgv")),
        (&json!("mbg"), &json!(130.0), None)
    );
    assert_eq!(w.stored_batches(), 3);

    let served = w.readings_of(&patient).await;
    assert_eq!(served["count"], 5, "{served}");
    let b = &served["batches"][0];
    assert_eq!(b["attestation"], "relayer_attested");
    assert_eq!(b["header"]["device_id"], up.device_id.as_str());
    let r = &b["readings"];
    assert_eq!(r[1]["reading"]["value"], 39_000);
    assert_eq!(r[1]["reading"]["flags"], flags::BELOW_RANGE);
    assert_eq!(r[2]["reading"]["flags"], flags::ABOVE_RANGE);
    assert_eq!(r[2]["reading"]["trend"], "unknown");

    // The uploader re-sends the same entries (it does): nothing is stored twice.
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(
        (a.status.as_u16(), a.json.as_array().map(Vec::len)),
        (200, Some(0))
    );
    assert_eq!(w.stored_batches(), 3);
    // New entries continue the device's sequence.
    let a = w
        .post(Some(&up.secret), body(&[sgv(5, 101, Some("Flat"))]))
        .await;
    assert_eq!(a.json[0]["_id"], format!("{}-6", up.device_id));
}

#[tokio::test]
async fn secrets_are_per_patient_and_wrong_or_missing_ones_store_nothing() {
    let w = world();
    let (alice, bob) = (signer(1), signer(3));
    let up_a = w.uploader(&alice).await;
    let up_b = w.uploader(&bob).await;
    assert_ne!(up_a.secret, up_b.secret);
    let a = w
        .post(Some(&up_b.secret), body(&[sgv(10, 110, None)]))
        .await;
    assert_eq!(a.status.as_u16(), 200);
    assert_eq!(w.readings_of(&bob).await["count"], 1);
    assert_eq!(w.readings_of(&alice).await["count"], 0);

    let a = w.post(None, body(&[sgv(9, 110, None)])).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "missing_api_secret"));
    let a = w
        .post(Some("not-the-secret"), body(&[sgv(9, 110, None)]))
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_api_secret"));
    assert_eq!(w.stored_batches(), 1);
}

/// Nightscout takes `api-secret` as the SHA-1 or the SHA-512 hex of the secret
/// (cgm-remote-monitor `lib/server/enclave.js` isApiKey); so does the relayer, in any case, and
/// a rotated secret's SHA-512 goes with its SHA-1.
#[tokio::test]
async fn the_api_secret_may_be_the_sha512_hex_of_the_secret() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let post = |header: String, t: u64| {
        let r = Request::post("/api/v1/entries")
            .header("content-type", "application/json")
            .header("api-secret", header)
            .body(Body::from(body(&[sgv(t, 110, None)])))
            .unwrap();
        send(&w.relayer, r)
    };
    let sha512 = api_secret_header_512(&up.secret);
    assert_eq!(sha512.len(), 128);
    let a = post(sha512.to_uppercase(), 20).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json.as_array().unwrap().len(), 1);

    let rotated = w
        .manage(
            &patient,
            "POST",
            &format!("{}/{}/secret", uploaders_path(&patient), up.device_id),
            b"",
        )
        .await;
    assert_eq!(rotated.status.as_u16(), 200, "{}", rotated.json);
    let a = post(sha512, 15).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_api_secret"));
    let new = rotated.json["api_secret"].as_str().unwrap();
    let a = post(api_secret_header_512(new), 10).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(w.readings_of(&patient).await["count"], 2);
}

#[tokio::test]
async fn an_unbound_uploader_is_refused_like_any_unbound_device() {
    let w = world();
    let patient = signer(1);
    let a = w.create(&patient, patient.address()).await;
    let secret = a.json["api_secret"].as_str().unwrap();
    let a = w.post(Some(secret), body(&[sgv(10, 110, None)])).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "device_not_bound"),
        "{}",
        a.json
    );
    assert_eq!(w.stored_batches(), 0);
}

#[tokio::test]
async fn bodies_that_are_not_entries_are_refused_400_and_store_nothing() {
    let w = world();
    let up = w.uploader(&signer(1)).await;
    for b in [b"{not json".to_vec(), b"42".to_vec()] {
        let a = w.post(Some(&up.secret), b).await;
        assert_eq!(
            (a.status.as_u16(), a.code()),
            (400, "bad_encoding"),
            "{}",
            a.json
        );
        assert!(a.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(w.stored_batches(), 0);
}

/// Each bad entry is skipped alone (an uploader re-sends its whole queue until it gets a 200,
/// so refusing the upload for one entry would block every later reading): a seconds-looking
/// date, a negative value, a date an hour ahead; an unknown direction keeps its reading, and
/// Dexcom's error code 10 between good readings is kept as a sensor-error event
/// (cgm-remote-monitor `lib/plugins/errorcodes.js`).
#[tokio::test]
async fn one_bad_entry_never_blocks_the_rest_of_the_upload() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let entries = [
        sgv(30, 120, Some("flat")),
        json!({"type": "sgv", "sgv": 100, "date": NOW - 29 * 60}),
        sgv(25, 10, None),
        json!({"type": "sgv", "sgv": -5, "date": (NOW - 22 * 60) * 1000}),
        sgv(20, 131, Some("Sideways")),
        json!({"type": "sgv", "sgv": 100, "date": (NOW + 3_600) * 1000}),
        sgv(15, 140, Some("NOT_COMPUTABLE")),
    ];
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let stored: Vec<u64> = a
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sgv"].as_u64().unwrap())
        .collect();
    assert_eq!(stored, [120, 10, 131, 140]);
    assert_eq!(header(&a, "x-diachain-skipped"), "3");
    assert_eq!(
        header(&a, "x-diachain-skip-reasons"),
        "in_the_future=1,malformed=2"
    );
    let detail = header(&a, "x-diachain-skipped-entries");
    assert!(detail.starts_with("1 malformed: `date` "), "{detail}");
    assert!(
        detail.contains("; 3 malformed: `sgv` -5 is negative; 5 in_the_future: "),
        "{detail}"
    );
    let served = w.readings_of(&patient).await;
    assert_eq!(served["count"], 3, "glucose only: {served}");
    let metrics = w.relayer.state.metrics.encode();
    assert!(
        metrics
            .contains(r#"diachain_relayer_nightscout_entries_skipped_total{reason="malformed"} 2"#),
        "{metrics}"
    );
    assert!(metrics.contains("diachain_relayer_nightscout_entries_stored_total 4"));
    // The sensor error is a device event with its code, flagged.
    let events = w.readings_in(&patient, "device_events").await;
    assert_eq!(events["count"], 1, "{events}");
    let r = &events["batches"][0]["readings"][0]["reading"];
    assert_eq!(
        (&r["kind"], &r["value"], &r["flags"]),
        (
            &json!("device_event"),
            &json!(10_000),
            &json!(flags::SENSOR_ERROR)
        )
    );

    // The patient sees what was left out in their uploader list; a re-sent queue adds
    // nothing there (what is already stored is held, not lost), a new bad entry does.
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(header(&a, "x-diachain-skipped"), "7");
    let a = w
        .post(
            Some(&up.secret),
            body(&[json!({"type": "sgv", "sgv": "x"})]),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let list = w
        .manage(&patient, "GET", &uploaders_path(&patient), b"")
        .await;
    let log = &list.json[0]["skipped"];
    assert_eq!(log["total"], 7, "{log}");
    assert_eq!(
        log["by_reason"],
        json!({"malformed": 5, "in_the_future": 2})
    );
    let recent = log["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 7);
    assert_eq!(
        (
            &recent[0]["index"],
            &recent[0]["collection"],
            &recent[0]["reason"]
        ),
        (&json!(0), &json!("entries"), &json!("malformed"))
    );
    assert_eq!(recent[1]["index"], 5, "newest first, then by position");
    assert!(recent[2]["detail"]
        .as_str()
        .unwrap()
        .contains("-5 is negative"));
    // Another patient does not see it.
    let other = signer(2);
    let theirs = w.manage(&other, "GET", &uploaders_path(&other), b"").await;
    assert_eq!(theirs.json, json!([]));
}

/// xDrip+ configured before its uploader was bound keeps those entries in its queue and sends
/// them with every upload: they are skipped, and what was measured since is stored.
#[tokio::test]
async fn entries_measured_before_the_binding_are_skipped_and_later_ones_stored() {
    let w = world();
    let patient = signer(1);
    let a = w.create(&patient, patient.address()).await;
    let device_id = a.json["device_id"].as_str().unwrap().to_string();
    let secret = a.json["api_secret"].as_str().unwrap().to_string();
    let record = w.relayer.registry.get(&device_id).expect("registered");
    let chain = w.relayer.uploader_chain.as_ref().unwrap();
    chain.bind_at(
        &device_id,
        patient.address(),
        record.public_key,
        NOW - 12 * 60,
    );
    let queue = [
        sgv(20, 110, None),
        sgv(15, 112, None),
        sgv(10, 114, None),
        sgv(5, 116, None),
    ];
    let a = w.post(Some(&secret), body(&queue)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json.as_array().unwrap().len(), 2);
    assert_eq!(header(&a, "x-diachain-skip-reasons"), "before_binding=2");
    // Sent again with a new entry: the old ones are skipped again, nothing refused.
    let mut again = queue.to_vec();
    again.push(sgv(0, 118, None));
    let a = w.post(Some(&secret), body(&again)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json[0]["sgv"], 118);
    assert_eq!(
        header(&a, "x-diachain-skip-reasons"),
        "already_stored=2,before_binding=2"
    );
}

/// The patient lists, names, re-keys and revokes their uploaders: a rotated secret or a revoked
/// uploader no longer uploads, a revoked one cannot be renamed, and no one else can touch them.
#[tokio::test]
async fn a_patient_lists_renames_rotates_and_revokes_their_uploaders() {
    let w = world();
    let (patient, other) = (signer(1), signer(2));
    let up = w.uploader(&patient).await;
    let a = w.create(&patient, patient.address()).await;
    let unbound = a.json["device_id"].as_str().unwrap().to_string();
    w.new_block();
    let base = uploaders_path(&patient);
    let list = w.manage(&patient, "GET", &base, b"").await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.json);
    let mut flags: Vec<(String, bool)> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["device_id"].as_str().unwrap().to_string(),
                u["bound"].as_bool().unwrap(),
            )
        })
        .collect();
    flags.sort();
    let mut expected = vec![(up.device_id.clone(), true), (unbound.clone(), false)];
    expected.sort();
    assert_eq!(flags, expected);

    let one = format!("{base}/{}", up.device_id);
    let a = w
        .manage(&patient, "PATCH", &one, br#"{"name": "  Lena's phone "}"#)
        .await;
    assert_eq!(
        (a.status.as_u16(), &a.json["name"]),
        (200, &json!("Lena's phone"))
    );
    for bad in [&br#"{"name": ""}"#[..], br#"{"name": "a\u0007b"}"#] {
        let a = w.manage(&patient, "PATCH", &one, bad).await;
        assert_eq!(
            (a.status.as_u16(), a.code()),
            (400, "bad_uploader_name"),
            "{}",
            a.json
        );
    }
    let long = format!(r#"{{"name": "{}"}}"#, "x".repeat(41));
    let a = w.manage(&patient, "PATCH", &one, long.as_bytes()).await;
    assert_eq!(a.code(), "bad_uploader_name");

    // Someone else's uploader is unknown to them, and a stranger may not ask.
    let theirs = format!("{}/{}", uploaders_path(&other), up.device_id);
    let a = w
        .manage(&other, "PATCH", &theirs, br#"{"name": "x"}"#)
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (404, "unknown_uploader"));
    let a = w.manage(&other, "GET", &base, b"").await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "not_patient_or_guardian")
    );

    // A new secret: the old one no longer uploads, the new one does.
    let a = w
        .manage(&patient, "POST", &format!("{one}/secret"), b"")
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let new_secret = a.json["api_secret"].as_str().unwrap().to_string();
    let old = w.post(Some(&up.secret), body(&[sgv(10, 120, None)])).await;
    assert_eq!((old.status.as_u16(), old.code()), (401, "bad_api_secret"));
    let new = w.post(Some(&new_secret), body(&[sgv(10, 120, None)])).await;
    assert_eq!(new.status.as_u16(), 200, "{}", new.json);

    // Revoked: nothing uploads, the answer carries the unbind message, renaming is refused.
    let a = w.manage(&patient, "DELETE", &one, b"").await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert!(a.json["uploader"]["revoked_at"].is_u64());
    assert_eq!(
        a.json["unbind_device"],
        json!({ "unbind_device": { "device_id": up.device_id } })
    );
    let after = w.post(Some(&new_secret), body(&[sgv(5, 121, None)])).await;
    assert_eq!(
        (after.status.as_u16(), after.code()),
        (401, "bad_api_secret")
    );
    let a = w.manage(&patient, "PATCH", &one, br#"{"name": "x"}"#).await;
    assert_eq!((a.status.as_u16(), a.code()), (409, "uploader_revoked"));
    let a = w
        .manage(&patient, "POST", &format!("{one}/secret"), b"")
        .await;
    assert_eq!(a.code(), "uploader_revoked");
    // What it stored stays.
    assert_eq!(w.readings_of(&patient).await["count"], 1);
}

/// The cap counts bound uploaders (4) and those waiting to be bound (2), not revoked ones.
#[tokio::test]
async fn the_uploader_cap_counts_bound_uploaders_and_revoking_frees_a_place() {
    let w = world();
    let patient = signer(1);
    let mut bound = Vec::new();
    for _ in 0..diachain_relayer_api::routes::MAX_UPLOADERS_PER_PATIENT {
        bound.push(w.uploader(&patient).await);
        w.new_block();
    }
    let a = w.create(&patient, patient.address()).await;
    assert_eq!((a.status.as_u16(), a.code()), (409, "too_many_uploaders"));
    let one = format!("{}/{}", uploaders_path(&patient), bound[0].device_id);
    assert_eq!(
        w.manage(&patient, "DELETE", &one, b"")
            .await
            .status
            .as_u16(),
        200
    );
    let a = w.create(&patient, patient.address()).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
}

/// A corrected value for a second already stored (an uploader re-sending a reading it fixed):
/// kept as a new version flagged `CORRECTION`, both served (the history), and the same value
/// again is a re-send.
#[tokio::test]
async fn a_corrected_value_is_a_new_version_and_the_history_is_served() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let a = w.post(Some(&up.secret), body(&[sgv(10, 120, None)])).await;
    assert_eq!(a.json.as_array().map(Vec::len), Some(1), "{}", a.json);
    let corrected = [sgv(10, 125, None)];
    let a = w.post(Some(&up.secret), body(&corrected)).await;
    assert_eq!(a.json.as_array().map(Vec::len), Some(1), "{}", a.json);
    assert_eq!(a.json[0]["_id"], format!("{}-2", up.device_id));
    let served = w.readings_of(&patient).await;
    let versions: Vec<(u64, u64)> = served["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["readings"].as_array().unwrap().iter())
        .map(|r| {
            let r = &r["reading"];
            (r["value"].as_u64().unwrap(), r["flags"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        versions,
        [(120_000, 0), (125_000, u64::from(flags::CORRECTION))]
    );
    let again = w.post(Some(&up.secret), body(&corrected)).await;
    assert_eq!(
        header(&again, "x-diachain-skip-reasons"),
        "already_stored=1"
    );
}

/// Dexcom backfill after a signal loss: xDrip+ posts the missed readings after newer ones. They
/// are stored in a batch of their own, numbered after everything held, served with the others
/// in time order; and sending them again stores nothing twice.
#[tokio::test]
async fn a_backfill_after_a_signal_loss_is_stored_and_served_in_time_order() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let a = w
        .post(
            Some(&up.secret),
            body(&[sgv(60, 150, None), sgv(0, 110, None)]),
        )
        .await;
    assert_eq!(a.json.as_array().map(Vec::len), Some(2), "{}", a.json);
    let before = w.stored_batches();
    let missed: Vec<Value> = (1..12)
        .map(|i| sgv(60 - 5 * i, 150 - 3 * i, None))
        .collect();
    let a = w.post(Some(&up.secret), body(&missed)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let stored = a.json.as_array().unwrap();
    assert_eq!(stored.len(), 11, "{}", a.json);
    assert_eq!(stored[0]["_id"], format!("{}-3", up.device_id));
    assert_eq!(w.stored_batches(), before + 1, "one backfill batch");
    let served = w.readings_of(&patient).await;
    assert_eq!(served["count"], 13, "{served}");
    let measured: Vec<u64> = served["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["readings"].as_array().unwrap().iter())
        .map(|r| r["reading"]["measured_at"].as_u64().unwrap())
        .collect();
    let mut sorted = measured.clone();
    sorted.sort_unstable();
    assert_eq!(measured, sorted, "served in time order");
    let again = w.post(Some(&up.secret), body(&missed)).await;
    assert_eq!(again.json.as_array().map(Vec::len), Some(0));
    assert_eq!(
        header(&again, "x-diachain-skip-reasons"),
        "already_stored=11"
    );
    assert_eq!(w.stored_batches(), before + 1);
}

/// Glucose less than a minute after the previous reading would make the chain refuse the
/// whole batch (`too_dense_for_scope`): such entries are skipped one by one.
#[tokio::test]
async fn glucose_less_than_a_minute_apart_is_skipped_not_refused() {
    let w = world();
    let up = w.uploader(&signer(1)).await;
    let ms = |secs_ago: u64| (NOW - secs_ago) * 1000;
    let entries = [
        json!({"type": "sgv", "sgv": 100, "date": ms(300)}),
        json!({"type": "sgv", "sgv": 101, "date": ms(270)}),
        json!({"type": "sgv", "sgv": 102, "date": ms(240)}),
        json!({"type": "sgv", "sgv": 103, "date": ms(239)}),
    ];
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json.as_array().unwrap().len(), 2);
    assert_eq!(header(&a, "x-diachain-skip-reasons"), "too_close=2");
    // An upload in which nothing can be stored is still a 200: the uploader drops it.
    let a = w
        .post(
            Some(&up.secret),
            body(&[json!({"type": "sgv", "sgv": 104, "date": ms(220)})]),
        )
        .await;
    assert_eq!(
        (a.status.as_u16(), a.json.as_array().map(Vec::len)),
        (200, Some(0))
    );
    assert_eq!(header(&a, "x-diachain-skip-reasons"), "too_close=1");
}

#[tokio::test]
async fn ten_thousand_entries_in_one_body_are_stored_in_day_batches() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let entries: Vec<Value> = (1..=10_000)
        .rev()
        .map(|m| sgv(m, 100 + m % 50, Some("Flat")))
        .collect();
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json.as_array().unwrap().len(), 10_000);
    let batches = w.relayer.store.pending(100).unwrap();
    assert!(batches.len() >= 10);
    assert!(batches.iter().all(|b| b.header.count <= 1_000));
    assert_eq!(
        batches
            .iter()
            .map(|b| u64::from(b.header.count))
            .sum::<u64>(),
        10_000
    );
}

#[tokio::test]
async fn an_oversized_upload_is_refused_413_before_it_is_parsed() {
    let w = world();
    let up = w.uploader(&signer(1)).await;
    let limit = diachain_relayer_api::routes::MAX_ENTRIES_BODY_BYTES;
    let a = w.post(Some(&up.secret), vec![b' '; limit + 1]).await;
    assert_eq!((a.status.as_u16(), a.code()), (413, "body_too_large"));
    assert_eq!(w.stored_batches(), 0);
    // A refused secret is answered before the body is read at all.
    let a = w.post(Some("wrong"), vec![b' '; limit + 1]).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_api_secret"));
}

/// An app's retry racing its first attempt (xDrip+ re-sends when an answer is slow): both
/// uploads answer 200, and every entry is stored once, not numbered twice and refused 409.
#[tokio::test]
async fn two_identical_uploads_at_once_both_succeed_and_store_each_entry_once() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let entries: Vec<Value> = (1..=300)
        .rev()
        .map(|m| sgv(m, 100 + m % 50, None))
        .collect();
    let (a, b) = tokio::join!(
        w.post(Some(&up.secret), body(&entries)),
        w.post(Some(&up.secret), body(&entries))
    );
    assert_eq!(
        (a.status.as_u16(), b.status.as_u16()),
        (200, 200),
        "{} / {}",
        a.code(),
        b.code()
    );
    let stored = |x: &Answer| x.json.as_array().map_or(0, Vec::len);
    assert_eq!(
        stored(&a) + stored(&b),
        300,
        "each entry stored by one of them"
    );
    assert_eq!(w.readings_of(&patient).await["count"], 300);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// xDrip+ compresses its uploads (`Content-Encoding: gzip`): stored like plain ones. A small
/// gzip body that expands past the body limit is refused 413 (the limit applies to what it
/// expands to), a body that is not gzip 400, an encoding the relayer does not take 415.
#[tokio::test]
async fn a_gzip_upload_is_stored_and_a_gzip_bomb_or_an_unknown_encoding_is_refused() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let entries = [sgv(20, 110, None), sgv(15, 112, None), sgv(10, 114, None)];
    let a = w
        .post_encoded(Some(&up.secret), gzip(&body(&entries)), Some("gzip"))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json.as_array().map(Vec::len), Some(3));

    let limit = diachain_relayer_api::routes::MAX_ENTRIES_BODY_BYTES;
    let bomb = gzip(&vec![b' '; limit + 1]);
    assert!(bomb.len() < limit / 100, "{} bytes compressed", bomb.len());
    let a = w.post_encoded(Some(&up.secret), bomb, Some("gzip")).await;
    assert_eq!((a.status.as_u16(), a.code()), (413, "body_too_large"));
    let a = w
        .post_encoded(Some(&up.secret), b"\x1f\x8bnot gzip".to_vec(), Some("gzip"))
        .await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (400, "bad_encoding"),
        "{}",
        a.json
    );
    let a = w
        .post_encoded(Some(&up.secret), body(&entries), Some("br"))
        .await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (415, "unsupported_content_encoding")
    );
    assert_eq!(a.json["encoding"], "br");
    assert_eq!(w.readings_of(&patient).await["count"], 3);
}

/// Thousands of skipped entries describe the first 20 in a header of at most 4 KB (proxies
/// refuse larger headers) and count all of them.
#[tokio::test]
async fn the_skipped_entries_header_stays_small_whatever_the_upload() {
    let w = world();
    let up = w.uploader(&signer(1)).await;
    let entries: Vec<Value> = (0..5_000)
        .map(|i| json!({"type": "sgv", "sgv": "x".repeat(300), "date": (NOW - i) * 1000}))
        .collect();
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(header(&a, "x-diachain-skipped"), "5000");
    let detail = header(&a, "x-diachain-skipped-entries");
    assert!(
        !detail.is_empty() && detail.len() <= 4_096,
        "{} bytes",
        detail.len()
    );
    assert!(detail.split("; ").count() <= 20);
}
