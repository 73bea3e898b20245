//! Nightscout followers in process: the patient gives a follower app a token bound to a
//! grantee; the app reads glucose back as Nightscout entries with the credentials apps send
//! (`?token=`, `api-secret` as the token's SHA-1 or `token=…`, a bearer JWT), each read checked
//! against the grant and recorded; revoking the grant or the token stops it.

mod common;

use common::nightscout::*;
use common::send;
use diachain_chain_client::Signer;
use diachain_relayer_api::nightscout::uploader::{api_secret_header, api_secret_header_512};
use serde_json::json;

/// The patient's uploads: sensor readings 20, 15, 10 and 5 minutes ago (the last stamped
/// with a millisecond), and a finger stick 12 minutes ago.
async fn uploaded(w: &World, patient: &Signer) -> Uploader {
    let up = w.uploader(patient).await;
    let mut last = sgv(5, 131, Some("FortyFiveUp"));
    last["date"] = json!((NOW - 300) * 1000 + 456);
    let entries = [
        sgv(20, 120, Some("Flat")),
        sgv(15, 124, Some("Flat")),
        sgv(10, 127, Some("FortyFiveUp")),
        last,
        json!({ "type": "mbg", "mbg": 133.5, "date": (NOW - 720) * 1000 }),
    ];
    let a = w.post(Some(&up.secret), body(&entries)).await;
    assert_eq!(a.json.as_array().map(Vec::len), Some(5), "{}", a.json);
    up
}

#[tokio::test]
async fn a_follower_reads_glucose_back_as_nightscout_entries_and_each_read_is_recorded() {
    let w = world();
    let (patient, mum) = (signer(1), signer(2));
    let up = uploaded(&w, &patient).await;
    w.grant(7, &patient, &mum, NOW - 30 * 86_400, NOW + 30 * 86_400);
    let a = w.follow(&patient, "Mum", mum.address()).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    let token = a.json["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("mum-"), "{token}");
    let before = w.accesses_recorded();

    // xDrip+ follower / Nightguard: the newest sensor entries, newest first.
    let a = w
        .get(
            &format!("/api/v1/entries/sgv.json?count=3&token={token}"),
            &[],
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let e = a.json.as_array().unwrap();
    let sgvs: Vec<u64> = e.iter().map(|x| x["sgv"].as_u64().unwrap()).collect();
    assert_eq!(sgvs, [131, 127, 124]);
    assert_eq!(
        e[0]["date"],
        (NOW - 300) * 1000 + 456,
        "the uploader's millisecond"
    );
    assert_eq!(e[0]["direction"], "FortyFiveUp");
    assert_eq!(e[0]["type"], "sgv");
    assert_eq!((&e[0]["delta"], &e[2]["delta"]), (&json!(4.0), &json!(4.0)));
    assert_eq!(e[0]["_id"], format!("{}-5", up.device_id));
    assert_eq!(w.accesses_recorded(), before + 1, "the read is recorded");

    // The same through every credential apps send.
    let sha1 = api_secret_header(&token);
    let sha512 = api_secret_header_512(&token).to_uppercase();
    let bearer = w
        .get(&format!("/api/v2/authorization/request/{token}"), &[])
        .await;
    assert_eq!(bearer.status.as_u16(), 200, "{}", bearer.json);
    assert_eq!(bearer.json["sub"], "mum");
    let jwt = format!("Bearer {}", bearer.json["token"].as_str().unwrap());
    let token_secret = format!("token={token}");
    for headers in [
        vec![("api-secret", sha1.as_str())],
        vec![("api-secret", sha512.as_str())],
        vec![("api-secret", token_secret.as_str())],
        vec![("authorization", jwt.as_str())],
    ] {
        let a = w.get("/api/v1/entries/current.json", &headers).await;
        assert_eq!(a.status.as_u16(), 200, "{headers:?}: {}", a.json);
        assert_eq!(a.json.as_array().unwrap().len(), 1);
        assert_eq!(a.json[0]["sgv"], 131);
    }
    assert_eq!(w.accesses_recorded(), before + 5);

    // Finger sticks, and both kinds.
    let a = w
        .get(&format!("/api/v1/entries/mbg.json?token={token}"), &[])
        .await;
    assert_eq!(
        (&a.json[0]["type"], &a.json[0]["mbg"]),
        (&json!("mbg"), &json!(133.5))
    );
    let a = w
        .get(&format!("/api/v1/entries.json?count=10&token={token}"), &[])
        .await;
    assert_eq!(a.json.as_array().unwrap().len(), 5);

    // What the credentials may do.
    let a = w
        .get("/api/v1/verifyauth", &[("api-secret", sha1.as_str())])
        .await;
    assert_eq!(
        (
            &a.json["message"]["canRead"],
            &a.json["message"]["canWrite"]
        ),
        (&json!(true), &json!(false))
    );
    let a = w.get("/api/v1/verifyauth", &[]).await;
    assert_eq!(
        (a.status.as_u16(), &a.json["message"]["message"]),
        (200, &json!("UNAUTHORIZED"))
    );
}

/// The patient's own uploader secret reads their data too: nothing to record.
#[tokio::test]
async fn the_patient_reads_with_their_uploader_secret_and_nothing_is_recorded() {
    let w = world();
    let patient = signer(1);
    let up = uploaded(&w, &patient).await;
    let before = w.accesses_recorded();
    let secret = api_secret_header(&up.secret);
    let a = w
        .get("/api/v1/entries.json", &[("api-secret", secret.as_str())])
        .await;
    assert_eq!(a.json.as_array().map(Vec::len), Some(5), "{}", a.json);
    assert_eq!(w.accesses_recorded(), before);
    let a = w
        .get("/api/v1/verifyauth", &[("api-secret", secret.as_str())])
        .await;
    assert_eq!(a.json["message"]["canWrite"], json!(true));
}

/// A grant that covers only the last 10 minutes: the default window (4 days) is narrowed to
/// it, not refused; revoking the grant stops the token at once; a revoked token reads nothing.
#[tokio::test]
async fn the_grant_bounds_every_read_and_revoking_it_or_the_token_stops_the_follower() {
    let w = world();
    let (patient, mum) = (signer(1), signer(2));
    uploaded(&w, &patient).await;
    w.grant(9, &patient, &mum, NOW - 600, NOW + 86_400);
    let a = w.follow(&patient, "mum", mum.address()).await;
    let token = a.json["token"].as_str().unwrap().to_string();
    let id = a.json["follower"]["id"].as_str().unwrap().to_string();
    let a = w
        .get(&format!("/api/v1/entries.json?token={token}"), &[])
        .await;
    let sgvs: Vec<u64> = a
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["sgv"].as_u64())
        .collect();
    assert_eq!(sgvs, [131, 127], "only what the grant covers");

    w.consent.update(9, |g| g.revoked = true);
    let a = w
        .get(&format!("/api/v1/entries.json?token={token}"), &[])
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "grant_revoked"));
    w.consent.update(9, |g| g.revoked = false);

    let path = format!(
        "/v1/patients/{}/nightscout/followers/{id}",
        patient.address()
    );
    let a = send(&w.relayer, w.signed(&patient, "DELETE", &path, b"")).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert!(a.json["revoked_at"].is_u64());
    let a = w
        .get(&format!("/api/v1/entries.json?token={token}"), &[])
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_token"));
    let a = w
        .get(&format!("/api/v2/authorization/request/{token}"), &[])
        .await;
    assert_eq!(a.code(), "bad_token");
}

#[tokio::test]
async fn followers_need_a_grant_a_name_and_someone_else_and_reads_need_credentials() {
    let w = world();
    let (patient, mum) = (signer(1), signer(2));
    uploaded(&w, &patient).await;
    let a = w.follow(&patient, "mum", mum.address()).await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "no_grant"));
    w.grant(3, &patient, &mum, NOW - 86_400, NOW + 86_400);
    let a = w.follow(&patient, "--", mum.address()).await;
    assert_eq!((a.status.as_u16(), a.code()), (400, "bad_follower"));
    let a = w.follow(&patient, "me", patient.address()).await;
    assert_eq!(a.code(), "bad_follower");
    let a = w.follow(&patient, "x", "cosmos1notthischain").await;
    assert_eq!(a.code(), "bad_follower");
    // Only the patient (or their guardian) gives their data to a follower.
    let path = format!("/v1/patients/{}/nightscout/followers", patient.address());
    let body = json!({ "name": "mum", "grantee": mum.address() }).to_string();
    let a = send(&w.relayer, w.signed(&mum, "POST", &path, body.as_bytes())).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "not_patient_or_guardian")
    );

    let a = w.get("/api/v1/entries.json", &[]).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "missing_api_secret"));
    let a = w
        .get("/api/v1/entries.json?token=mum-0000000000000000", &[])
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_token"));
    let a = w
        .get("/api/v1/entries.json", &[("authorization", "Bearer a.b.c")])
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_token"));
    let a = w
        .get("/api/v1/entries.json", &[("api-secret", "0123")])
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_token"));
    let token = w.follow(&patient, "mum", mum.address()).await.json["token"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in ["count=0", "find[sgv][$gte]=100", "sort=date"] {
        let a = w
            .get(&format!("/api/v1/entries.json?{bad}&token={token}"), &[])
            .await;
        assert_eq!((a.status.as_u16(), a.code()), (400, "bad_query"), "{bad}");
    }
    let a = w
        .get(&format!("/api/v1/entries/cal.json?token={token}"), &[])
        .await;
    assert_eq!(a.code(), "bad_query");
}

/// A patient has at most 20 live followers; revoking one frees a place.
#[tokio::test]
async fn a_patient_has_at_most_twenty_live_followers() {
    let w = world();
    let (patient, mum) = (signer(1), signer(2));
    w.grant(4, &patient, &mum, NOW - 86_400, NOW + 86_400);
    let max = diachain_relayer_api::routes::MAX_FOLLOWERS_PER_PATIENT;
    let mut first = String::new();
    for i in 0..max {
        let a = w.follow(&patient, &format!("f{i}"), mum.address()).await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.json);
        if i == 0 {
            first = a.json["follower"]["id"].as_str().unwrap().to_string();
        }
    }
    let a = w.follow(&patient, "one-more", mum.address()).await;
    assert_eq!((a.status.as_u16(), a.code()), (409, "too_many_followers"));
    let path = format!(
        "/v1/patients/{}/nightscout/followers/{first}",
        patient.address()
    );
    let a = send(&w.relayer, w.signed(&patient, "DELETE", &path, b"")).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let a = w.follow(&patient, "one-more", mum.address()).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    // Someone else's follower is unknown to them.
    let theirs = format!(
        "/v1/patients/{}/nightscout/followers/{first}",
        mum.address()
    );
    let a = send(&w.relayer, w.signed(&mum, "DELETE", &theirs, b"")).await;
    assert_eq!((a.status.as_u16(), a.code()), (404, "unknown_follower"));
}
