//! Nightscout API v3 in process, replaying the calls AndroidAPS's NSClient v3 makes
//! (`core/nssdk/.../networking/NightscoutRemoteService.kt`, `NSAuthInterceptor.kt`,
//! `plugins/sync/.../nsclientV3/workers/*`), with the documents it sends
//! (`*Extension.kt`, `mapper/*`): sign in with the uploader's secret as access token, status,
//! lastModified, first loads, creates (and their de-duplication), history with its ETag,
//! patch, delete; a follower reads but does not write.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::nightscout::*;
use common::{send, Answer};
use diachain_std::encoding::flags;
use diachain_std::DataScope;
use serde_json::{json, Value};

fn ms(minutes_ago: u64) -> u64 {
    (NOW - minutes_ago * 60) * 1000
}

impl World {
    /// A v3 request as AndroidAPS sends it: `Date` and `Authorization: Bearer <jwt>`.
    async fn v3(&self, method: &str, path: &str, jwt: &str, body: Option<&Value>) -> Answer {
        let r = Request::builder()
            .method(method)
            .uri(path)
            .header("date", (NOW * 1000).to_string())
            .header("authorization", format!("Bearer {jwt}"))
            .header("content-type", "application/json; charset=UTF-8");
        let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
        send(&self.relayer, r.body(body).unwrap()).await
    }

    /// AndroidAPS's sign-in: the empty bearer is refused, the access token exchanged.
    async fn sign_in(&self, access_token: &str) -> String {
        let a = self.v3("GET", "/api/v3/status", "", None).await;
        assert_eq!(a.status.as_u16(), 401, "{}", a.json);
        assert_eq!(a.json["status"], 401);
        let a = self
            .get(
                &format!("/api/v2/authorization/request/{access_token}"),
                &[],
            )
            .await;
        assert_eq!(a.status.as_u16(), 200, "{}", a.json);
        assert!(a.json["exp"].as_u64().unwrap() > a.json["iat"].as_u64().unwrap());
        a.json["token"].as_str().unwrap().to_string()
    }
}

/// AndroidAPS `SvgMapper.kt` toRemoteEntry: no `dateString`, `sgv` a float.
fn aaps_sgv(minutes_ago: u64, sgv: f64) -> Value {
    json!({"type": "sgv", "sgv": sgv, "date": ms(minutes_ago), "utcOffset": 60,
           "device": "Dexcom G6", "direction": "Flat", "filtered": 0.0, "unfiltered": 0.0,
           "units": "mg/dl", "isValid": true, "isReadOnly": false, "app": "AAPS"})
}

fn etag(a: &Answer) -> u64 {
    let e = header(a, "etag");
    // AndroidAPS: eTag.substring(3, eTag.length - 1).toLong()
    assert!(e.starts_with("W/\"") && e.ends_with('"'), "{e:?}");
    e[3..e.len() - 1].parse().unwrap()
}

#[tokio::test]
async fn androidaps_signs_in_loads_and_uploads_over_api_v3() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let jwt = w.sign_in(&up.secret).await;

    let a = w.v3("GET", "/api/v3/status", &jwt, None).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let perms = &a.json["result"]["apiPermissions"];
    for c in [
        "devicestatus",
        "entries",
        "food",
        "profile",
        "settings",
        "treatments",
    ] {
        assert_eq!(perms[c], "crud", "{c}: {}", a.json);
    }
    assert_eq!(a.json["result"]["storage"]["storage"], "diachain-relayer");
    assert_eq!(a.json["result"]["apiVersion"], "3.0.3-alpha");

    let a = w.v3("GET", "/api/v3/lastModified", &jwt, None).await;
    assert_eq!(a.json["result"]["collections"], json!({}), "{}", a.json);

    // First loads (LoadBgWorker, LoadTreatmentsWorker, LoadProfileStoreWorker): empty.
    let since = ms(100 * 24 * 60);
    for path in [
        format!("/api/v3/entries?sort=date&date$gt={since}&limit=500"),
        format!(
            "/api/v3/treatments?sort=created_at&created_at$gt={}&limit=500",
            diachain_chain_client::time::rfc3339_ms(since)
        ),
        "/api/v3/profile?sort$desc=date&limit=1".to_string(),
        "/api/v3/food?limit=100".to_string(),
        format!("/api/v3/devicestatus/history/{}", ms(7)),
    ] {
        let a = w.v3("GET", &path, &jwt, None).await;
        assert_eq!(a.status.as_u16(), 200, "{path}: {}", a.json);
        assert_eq!(a.json["result"], json!([]), "{path}");
    }

    // Uploads (DataSyncSelectorV3): a glucose value, once; a re-send is a de-duplication.
    let a = w
        .v3("POST", "/api/v3/entries", &jwt, Some(&aaps_sgv(10, 120.0)))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    let entry_id = a.json["identifier"].as_str().unwrap().to_string();
    assert!(entry_id.starts_with(&up.device_id));
    assert!(a.json["lastModified"].as_u64().is_some());
    let a = w
        .v3("POST", "/api/v3/entries", &jwt, Some(&aaps_sgv(10, 120.0)))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(
        (&a.json["isDeduplication"], &a.json["identifier"]),
        (&json!(true), &json!(entry_id))
    );
    assert_eq!(w.readings_of(&patient).await["count"], 1);

    let meal = json!({"eventType": "Meal Bolus", "insulin": 4.5, "carbs": 50, "date": ms(9),
        "utcOffset": 60, "isValid": true, "isReadOnly": false, "type": "NORMAL",
        "isBasalInsulin": false, "pumpId": 12, "pumpType": "OMNIPOD_DASH", "pumpSerial": "4711",
        "app": "AAPS"});
    let a = w.v3("POST", "/api/v3/treatments", &jwt, Some(&meal)).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    let meal_id = a.json["identifier"].as_str().unwrap().to_string();
    let a = w.v3("POST", "/api/v3/treatments", &jwt, Some(&meal)).await;
    assert_eq!(
        (a.status.as_u16(), &a.json["isDeduplication"]),
        (200, &json!(true))
    );
    assert_eq!(a.json["identifier"], json!(meal_id));

    let status = json!({"app": "AAPS", "date": ms(8), "device": "openaps://Google Pixel 8",
        "uploaderBattery": 64, "isCharging": true, "uploader": {},
        "pump": {"reservoir": 88.0, "battery": {"percent": 50}, "status": {"status": "normal"}},
        "openaps": {"suggested": {"bg": 120}, "enacted": {"received": true}}});
    let a = w
        .v3("POST", "/api/v3/devicestatus", &jwt, Some(&status))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    let profile = json!({"defaultProfile": "LocalProfile1", "date": ms(7), "app": "AAPS",
        "store": {"LocalProfile1": {"dia": 5.0, "units": "mg/dl", "timezone": "UTC",
                  "basal": [{"time": "00:00", "timeAsSeconds": 0, "value": 0.9}]}}});
    let a = w.v3("POST", "/api/v3/profile", &jwt, Some(&profile)).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    let a = w
        .v3(
            "POST",
            "/api/v3/food",
            &jwt,
            Some(&json!({"name": "apple"})),
        )
        .await;
    assert_eq!(
        a.status.as_u16(),
        404,
        "food is not kept; AndroidAPS passes over 404"
    );

    // A treatment that cannot be kept: 400 with its reason (AndroidAPS logs it and goes on).
    let bad = json!({"eventType": "Correction Bolus", "insulin": -1, "date": ms(6), "app": "AAPS"});
    let a = w.v3("POST", "/api/v3/treatments", &jwt, Some(&bad)).await;
    assert_eq!(a.status.as_u16(), 400, "{}", a.json);
    assert!(
        a.json["message"].as_str().unwrap().contains("negative"),
        "{}",
        a.json
    );

    // lastModified and history: what changed, with the bookmark in the ETag.
    let a = w.v3("GET", "/api/v3/lastModified", &jwt, None).await;
    let c = &a.json["result"]["collections"];
    for name in ["entries", "treatments", "devicestatus", "profile"] {
        assert!(c[name].as_u64().is_some(), "{name}: {}", a.json);
    }
    let a = w
        .v3("GET", "/api/v3/entries/history/0?limit=500", &jwt, None)
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let docs = a.json["result"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (&docs[0]["identifier"], &docs[0]["sgv"]),
        (&json!(entry_id), &json!(120))
    );
    assert_eq!(etag(&a), docs[0]["srvModified"].as_u64().unwrap());
    let bookmark = etag(&a);
    let a = w
        .v3(
            "GET",
            &format!("/api/v3/entries/history/{bookmark}"),
            &jwt,
            None,
        )
        .await;
    assert_eq!(a.json["result"], json!([]));
    assert_eq!(header(&a, "etag"), "", "no ETag on an empty page");

    let a = w
        .v3("GET", "/api/v3/treatments/history/0?limit=500", &jwt, None)
        .await;
    let t = &a.json["result"][0];
    assert_eq!(
        (&t["identifier"], &t["insulin"], &t["isValid"]),
        (&json!(meal_id), &json!(4.5), &json!(true))
    );
    let treatments_mark = etag(&a);

    // AndroidAPS changes the bolus (PATCH without date and utcOffset): a correction, anchored.
    let change = json!({"eventType": "Meal Bolus", "insulin": 4.0, "carbs": 50, "isValid": true,
                        "isReadOnly": false, "app": "AAPS"});
    let a = w
        .v3(
            "PATCH",
            &format!("/api/v3/treatments/{meal_id}"),
            &jwt,
            Some(&change),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let insulin = w.readings_in(&patient, "insulin").await;
    assert_eq!(insulin["count"], 2, "{insulin}");
    let last =
        insulin["batches"].as_array().unwrap().last().unwrap()["readings"][0]["reading"].clone();
    assert_eq!(
        (
            &last["value"],
            last["flags"].as_u64().unwrap() & u64::from(flags::CORRECTION) != 0
        ),
        (&json!(4_000), true)
    );
    let a = w
        .v3(
            "GET",
            &format!("/api/v3/treatments/history/{treatments_mark}"),
            &jwt,
            None,
        )
        .await;
    assert_eq!(a.json["result"][0]["insulin"], 4.0, "{}", a.json);
    let a = w
        .v3(
            "PATCH",
            &format!("/api/v3/treatments/{meal_id}"),
            &jwt,
            Some(&json!({"eventType": "Note"})),
        )
        .await;
    assert_eq!(a.status.as_u16(), 400, "an immutable field: {}", a.json);

    // Deleted (the record invalidated in AndroidAPS): no longer served, in the history as such.
    let a = w
        .v3(
            "DELETE",
            &format!("/api/v3/treatments/{meal_id}"),
            &jwt,
            None,
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let a = w
        .v3(
            "GET",
            "/api/v3/treatments?sort$desc=date&limit=10",
            &jwt,
            None,
        )
        .await;
    assert_eq!(a.json["result"], json!([]), "{}", a.json);
    let a = w
        .v3("GET", "/api/v3/treatments/history/0", &jwt, None)
        .await;
    assert_eq!(a.json["result"][0]["isValid"], false);
    // Its readings are withdrawn by anchored corrections (the history of what was uploaded
    // stays on chain).
    let carbs = w.readings_in(&patient, "nutrition").await;
    let last =
        carbs["batches"].as_array().unwrap().last().unwrap()["readings"][0]["reading"].clone();
    assert_eq!(last["value"], -1, "{carbs}");
    let a = w
        .v3(
            "PATCH",
            &format!("/api/v3/treatments/{meal_id}"),
            &jwt,
            Some(&change),
        )
        .await;
    assert_eq!(
        a.status.as_u16(),
        404,
        "a deleted document: 404, which AndroidAPS passes over"
    );
    let a = w
        .v3("DELETE", "/api/v3/treatments/no-such-thing", &jwt, None)
        .await;
    assert_eq!(a.status.as_u16(), 404);
    let a = w
        .v3(
            "PATCH",
            &format!("/api/v3/entries/{entry_id}"),
            &jwt,
            Some(&json!({"isValid": false})),
        )
        .await;
    assert_eq!(
        a.status.as_u16(),
        404,
        "entries are corrected by posting: {}",
        a.json
    );

    let a = w.v3("GET", "/api/v3/unicorns", &jwt, None).await;
    assert_eq!(
        (a.status.as_u16(), &a.json["message"]),
        (404, &json!("Bad operation or collection"))
    );
    let a = w
        .v3(
            "GET",
            "/api/v3/entries?sort=date&sort$desc=date",
            &jwt,
            None,
        )
        .await;
    assert_eq!(a.status.as_u16(), 400);
    let a = w.v3("GET", "/api/v3/status", "not-a-jwt", None).await;
    assert_eq!(a.status.as_u16(), 401);
}

/// A follower signs in with its token: it may read (under its grantee's grant), not write.
#[tokio::test]
async fn a_follower_reads_over_api_v3_and_cannot_write() {
    let w = world();
    let (patient, mum) = (signer(1), signer(4));
    let up = w.uploader(&patient).await;
    let uploader_jwt = w.sign_in(&up.secret).await;
    let a = w
        .v3(
            "POST",
            "/api/v3/entries",
            &uploader_jwt,
            Some(&aaps_sgv(5, 131.0)),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    w.grant_scopes(
        1,
        &patient,
        &mum,
        (NOW - 86_400, NOW + 86_400),
        &[DataScope::Glucose],
    );
    let f = w.follow(&patient, "mum", mum.address()).await;
    let token = f.json["token"].as_str().unwrap().to_string();
    let jwt = w.sign_in(&token).await;
    let a = w.v3("GET", "/api/v3/status", &jwt, None).await;
    assert_eq!(a.json["result"]["apiPermissions"]["entries"], "r");
    // When a collection changed is for those who may read it: glucose only here.
    let meal =
        json!({"eventType": "Meal Bolus", "insulin": 1, "carbs": 10, "date": ms(3), "app": "AAPS"});
    let a = w
        .v3("POST", "/api/v3/treatments", &uploader_jwt, Some(&meal))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.json);
    let a = w.v3("GET", "/api/v3/lastModified", &jwt, None).await;
    let c = a.json["result"]["collections"].as_object().unwrap();
    assert_eq!(c.keys().collect::<Vec<_>>(), ["entries"], "{}", a.json);
    let before = w.accesses_recorded();
    let a = w
        .v3("GET", "/api/v3/entries?sort$desc=date&type=sgv", &jwt, None)
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["result"][0]["sgv"], 131);
    assert_eq!(w.accesses_recorded(), before + 1, "recorded");
    let a = w
        .v3("POST", "/api/v3/entries", &jwt, Some(&aaps_sgv(4, 140.0)))
        .await;
    assert_eq!(
        (a.status.as_u16(), &a.json["message"]),
        (403, &json!("Missing permission api:entries:create"))
    );
    let a = w.v3("GET", "/api/v3/treatments?limit=10", &jwt, None).await;
    assert_eq!(
        (a.status.as_u16(), &a.json["error"]),
        (403, &json!("scope_not_granted")),
        "{}",
        a.json
    );
    let a = w.v3("GET", "/api/v3/entries/history/0", &jwt, None).await;
    assert_eq!(a.status.as_u16(), 403);

    // The uploader revoked: its JWT no longer works.
    let revoke = format!("{}/{}", uploaders_path(&patient), up.device_id);
    assert_eq!(
        w.manage(&patient, "DELETE", &revoke, b"")
            .await
            .status
            .as_u16(),
        200
    );
    let a = w.v3("GET", "/api/v3/status", &uploader_jwt, None).await;
    assert_eq!(a.status.as_u16(), 401);
}

/// The entries of one batch share its `srvModified`: a history page never ends inside them,
/// so the next page (after the ETag) misses none.
#[tokio::test]
async fn an_entries_history_page_never_splits_a_batch() {
    let w = world();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let six: Vec<Value> = (1..=6).map(|i| sgv(i * 5, 100 + i, Some("Flat"))).collect();
    let a = w.post(Some(&up.secret), body(&six)).await;
    assert_eq!(a.json.as_array().unwrap().len(), 6, "{}", a.json);
    let jwt = w.sign_in(&up.secret).await;
    let a = w
        .v3("GET", "/api/v3/entries/history/0?limit=4", &jwt, None)
        .await;
    let page = a.json["result"].as_array().unwrap();
    assert_eq!(page.len(), 6, "the whole batch: {}", a.json);
    let mark = etag(&a);
    let a = w
        .v3(
            "GET",
            &format!("/api/v3/entries/history/{mark}?limit=4"),
            &jwt,
            None,
        )
        .await;
    assert_eq!(a.json["result"], json!([]));
}
