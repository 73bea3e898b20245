//! Alerts in process: a low uploaded by xDrip+ reaches the dashboard's event stream and a
//! webhook (signed, de-duplicable, retried until it answers); settings by the patient or
//! guardian only, checked; a grantee's webhook and stream are consent-checked and recorded and
//! stop when the grant is revoked; webhook URLs, kinds and counts are bounded.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use common::nightscout::*;
use common::{send, Answer};
use diachain_chain_client::Signer;
use diachain_relayer_api::router;
use diachain_relayer_types::alerts::{
    signed_payload, H_ALERT_ID, H_ALERT_SIGNATURE, H_ALERT_TIMESTAMP,
};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// What a webhook receiver got: each request's headers and body.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Delivered>>>);

/// One request a webhook receiver got: its headers and body.
type Delivered = (HeaderMap, Vec<u8>);

impl Received {
    fn all(&self) -> Vec<Delivered> {
        self.0.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Delivered> {
        for _ in 0..100 {
            if self.all().len() >= n {
                return self.all();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the webhook got {} requests, not {n}", self.all().len());
    }
}

/// A webhook receiver on loopback answering `statuses` in turn (then 200).
async fn receiver(statuses: Vec<u16>) -> (String, Received) {
    slow_receiver(statuses, Duration::ZERO).await
}

/// As [`receiver`], each answer given `delay` after the request arrived (recorded on arrival).
async fn slow_receiver(statuses: Vec<u16>, delay: Duration) -> (String, Received) {
    let got = Received::default();
    let seen = got.clone();
    let statuses = Arc::new(Mutex::new(statuses.into_iter()));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let seen = seen.clone();
            let statuses = statuses.clone();
            async move {
                seen.0.lock().unwrap().push((headers, body.to_vec()));
                let s = statuses.lock().unwrap().next().unwrap_or(200);
                tokio::time::sleep(delay).await;
                StatusCode::from_u16(s).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), got)
}

impl World {
    fn signed_query(
        &self,
        by: &Signer,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: &[u8],
    ) -> Request<Body> {
        let n = self.n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        common::signed_request(
            by,
            method,
            path,
            query,
            body,
            NOW,
            &format!("alerts-nonce-{n:06}"),
        )
    }

    async fn alerts_call(
        &self,
        by: &Signer,
        method: &str,
        patient: &Signer,
        tail: &str,
        body: Value,
    ) -> Answer {
        let path = format!("/v1/patients/{}/alerts{tail}", patient.address());
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        send(
            &self.relayer,
            self.signed_query(by, method, &path, None, &bytes),
        )
        .await
    }

    async fn hook(&self, by: &Signer, patient: &Signer, url: &str, kinds: Option<Value>) -> Answer {
        let mut body = json!({ "url": url });
        if let Some(k) = kinds {
            body["kinds"] = k;
        }
        self.alerts_call(by, "POST", patient, "/webhooks", body)
            .await
    }

    /// Opens the patient's event stream as `by`.
    async fn stream(
        &self,
        by: &Signer,
        patient: &Signer,
        since: Option<u64>,
    ) -> Result<Events, Answer> {
        let path = format!("/v1/patients/{}/alerts/stream", patient.address());
        let q = since.map(|s| format!("since={s}"));
        let r = self.signed_query(by, "GET", &path, q.as_deref(), b"");
        let response = router(self.relayer.state.clone()).oneshot(r).await.unwrap();
        if response.status() != StatusCode::OK {
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            return Err(Answer {
                status,
                headers,
                json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            });
        }
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Ok(Events {
            body: response.into_body(),
            buf: String::new(),
        })
    }

    /// Uploads xDrip+ sensor entries (minutes ago, mg/dL).
    async fn upload(&self, up: &Uploader, entries: &[(u64, u64)]) {
        let e: Vec<Value> = entries
            .iter()
            .map(|(m, v)| sgv(*m, *v, Some("Flat")))
            .collect();
        let a = self.post(Some(&up.secret), body(&e)).await;
        assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    }
}

/// A server-sent events body, read event by event.
struct Events {
    body: Body,
    buf: String,
}

impl Events {
    /// The next event (name, data), skipping keep-alive comments.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if name.is_empty() {
                    continue;
                }
                return Some((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
            let frame = tokio::time::timeout(Duration::from_secs(10), self.body.frame())
                .await
                .expect("an event within 10 s")?
                .ok()?;
            if let Ok(bytes) = frame.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }

    /// The next event named `name` (others skipped).
    async fn next_named(&mut self, name: &str) -> Value {
        loop {
            match self.next().await {
                Some((n, v)) if n == name => return v,
                Some(_) => {}
                None => panic!("the stream ended before a {name} event"),
            }
        }
    }
}

fn hmac_ok(secret_hex: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let ts: u64 = headers[H_ALERT_TIMESTAMP]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &hex::decode(secret_hex).unwrap());
    let sig = headers[H_ALERT_SIGNATURE].to_str().unwrap();
    let tag = hex::decode(sig.strip_prefix("sha256=").unwrap()).unwrap();
    ring::hmac::verify(&key, &signed_payload(ts, body), &tag).is_ok()
}

#[tokio::test]
async fn a_low_uploaded_reaches_the_stream_and_a_signed_webhook_once() {
    let w = world();
    let _deliverer = w.relayer.start_deliverer();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let (url, got) = receiver(vec![]).await;
    let a = w.hook(&patient, &patient, &url, None).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let secret = a.json["secret"].as_str().unwrap().to_string();
    assert_eq!(a.json["webhook"]["kinds"].as_array().unwrap().len(), 6);
    // A stream of one's own alerts needs readings here first.
    w.upload(&up, &[(20, 105)]).await;
    let mut events = w.stream(&patient, &patient, None).await.unwrap();
    assert_eq!(
        events.next_named("ready").await["basis"],
        "owner_or_guardian"
    );

    // 15, 10 and 5 minutes ago in range, now 66 mg/dL: a low (falling 2.3 mg/dL a minute, not fast).
    w.upload(&up, &[(15, 100), (10, 95), (5, 90), (0, 66)])
        .await;
    let reading = events.next_named("reading").await;
    assert_eq!(reading["patient"], patient.address());
    assert!(
        reading.get("value").is_none(),
        "no value in a reading event"
    );
    let alert = events.next_named("alert").await;
    assert_eq!(alert["kind"], "low");
    assert_eq!(
        (alert["value_mgdl"].as_u64(), alert["threshold"].as_u64()),
        (Some(66), Some(70))
    );
    assert_eq!(alert["at"], NOW);
    assert_eq!(alert["rate_mgdl_per_min"], -2.3);

    let got = got.wait_for(1).await;
    let (headers, bytes) = &got[0];
    let delivered: Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(
        delivered, alert,
        "the webhook gets the alert the stream showed"
    );
    assert_eq!(
        headers[H_ALERT_ID].to_str().unwrap(),
        alert["id"].as_str().unwrap()
    );
    assert!(
        hmac_ok(&secret, headers, bytes),
        "signed with the webhook's secret"
    );
    assert!(!hmac_ok(&"00".repeat(32), headers, bytes));

    // The same upload again stores nothing new and raises nothing; the list has the one alert.
    w.upload(&up, &[(15, 100), (10, 95), (5, 90), (0, 66)])
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let listed = w
        .alerts_call(&patient, "GET", &patient, "", Value::Null)
        .await;
    assert_eq!(
        listed.json["alerts"].as_array().unwrap().len(),
        1,
        "{}",
        listed.json
    );
    let hooks = w
        .alerts_call(&patient, "GET", &patient, "/webhooks", Value::Null)
        .await;
    assert_eq!(hooks.json[0]["delivered"], 1, "{}", hooks.json);
    assert_eq!(
        hooks.json[0].get("secret"),
        None,
        "the secret is shown once"
    );

    // A stream opened after it, from `since=0`… nothing replayed; from the alert's number
    // minus one, the alert again (what a reconnecting dashboard asks for).
    let seq = alert["seq"].as_u64().unwrap();
    let mut again = w.stream(&patient, &patient, Some(seq - 1)).await.unwrap();
    again.next_named("ready").await;
    assert_eq!(again.next_named("alert").await["id"], alert["id"]);
}

#[tokio::test]
async fn settings_are_the_patients_or_guardians_checked_and_obeyed() {
    let w = world();
    let (patient, clinician, guardian) = (signer(1), signer(2), signer(3));
    w.grant(5, &patient, &clinician, NOW - 86_400, NOW + 86_400);
    w.consent
        .add_guardian(patient.address(), guardian.address());
    let a = w
        .alerts_call(&patient, "GET", &patient, "/settings", Value::Null)
        .await;
    assert_eq!(
        (a.status, &a.json["defaults"]),
        (StatusCode::OK, &json!(true))
    );
    assert_eq!(a.json["settings"]["urgent_low_mgdl"], 55);

    let mut s = a.json["settings"].clone();
    s["high_mgdl"] = Value::Null;
    let a = w
        .alerts_call(&clinician, "PUT", &patient, "/settings", s.clone())
        .await;
    assert_eq!(a.code(), "not_patient_or_guardian");
    let mut bad = s.clone();
    bad["urgent_low_mgdl"] = json!(30);
    let a = w
        .alerts_call(&patient, "PUT", &patient, "/settings", bad)
        .await;
    assert_eq!(a.code(), "bad_alert_settings");
    assert!(a.json["message"]
        .as_str()
        .unwrap()
        .contains("urgent_low_mgdl"));
    let mut unknown = s.clone();
    unknown["urgent_high"] = json!(300);
    assert_eq!(
        w.alerts_call(&patient, "PUT", &patient, "/settings", unknown)
            .await
            .code(),
        "bad_alert_settings"
    );
    // Nothing was kept by the refusals.
    assert_eq!(
        w.alerts_call(&patient, "GET", &patient, "/settings", Value::Null)
            .await
            .json["defaults"],
        true
    );

    let a = w
        .alerts_call(&guardian, "PUT", &patient, "/settings", s)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["defaults"], false);

    // High alerts are off now: a high raises nothing; an urgent low still does.
    let up = w.uploader(&patient).await;
    w.upload(&up, &[(0, 300)]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let store = w.relayer.store.clone();
    assert!(store.alerts(patient.address(), 0, 10).unwrap().is_empty());
}

#[tokio::test]
async fn a_grantees_webhook_and_stream_are_consent_checked_recorded_and_stop_at_revocation() {
    let w = world();
    let _deliverer = w.relayer.start_deliverer();
    let (patient, clinician, stranger) = (signer(1), signer(2), signer(4));
    w.grant(9, &patient, &clinician, NOW - 86_400, NOW + 86_400);
    let up = w.uploader(&patient).await;
    let (url, got) = receiver(vec![]).await;
    assert_eq!(
        w.hook(&stranger, &patient, &url, None).await.code(),
        "no_grant"
    );
    assert!(matches!(w.stream(&stranger, &patient, None).await, Err(a) if a.code() == "no_grant"));
    let a = w
        .hook(
            &clinician,
            &patient,
            &url,
            Some(json!(["urgent_low", "low"])),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let mut events = w.stream(&clinician, &patient, None).await.unwrap();
    assert_eq!(events.next_named("ready").await["basis"], "grant");
    let before = w.accesses_recorded();

    w.upload(&up, &[(20, 100), (15, 95), (10, 88), (5, 66)])
        .await;
    let alert = events.next_named("alert").await;
    assert_eq!(alert["kind"], "low");
    got.wait_for(1).await;
    // One access for the stream's alert, one for the webhook's.
    for _ in 0..50 {
        if w.accesses_recorded() >= before + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(w.accesses_recorded(), before + 2);

    // The patient revokes: the next alert ends the stream and is not delivered.
    w.consent.update(9, |g| g.revoked = true);
    w.upload(&up, &[(0, 52)]).await;
    let end = events.next_named("end").await;
    assert_eq!(end["error"], "grant_revoked");
    assert!(events.next().await.is_none(), "the stream closed");
    let store = w.relayer.store.clone();
    for _ in 0..100 {
        let hooks = store.webhooks_of(patient.address()).unwrap();
        if hooks[0].failed == 1 {
            assert!(
                hooks[0]
                    .last_outcome
                    .as_deref()
                    .unwrap()
                    .contains("grant_revoked"),
                "{:?}",
                hooks[0]
            );
            assert_eq!(got.all().len(), 1, "nothing more delivered");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the revoked grantee's delivery was not given up");
}

#[tokio::test]
async fn a_failing_webhook_is_tried_again_with_the_same_alert_id() {
    let w = world();
    let _deliverer = w.relayer.start_deliverer();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let (url, got) = receiver(vec![500]).await;
    assert_eq!(
        w.hook(&patient, &patient, &url, None).await.status,
        StatusCode::CREATED
    );
    w.upload(&up, &[(0, 50)]).await;
    let got = got.wait_for(2).await;
    assert_eq!(
        got[0].0[H_ALERT_ID], got[1].0[H_ALERT_ID],
        "at least once, one id"
    );
    assert_eq!(got[0].1, got[1].1);
    let store = w.relayer.store.clone();
    for _ in 0..50 {
        let h = &store.webhooks_of(patient.address()).unwrap()[0];
        if h.delivered == 1 {
            assert_eq!(h.failed, 0);
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the retried delivery was not counted");
}

#[tokio::test]
async fn a_slow_webhook_does_not_make_the_deliverer_spin_over_its_queue() {
    // A receiver that holds each attempt for 3 s (anyone may register such a tarpit as their
    // own webhook): while the attempt is in flight its delivery stays queued and due, which must
    // not turn into a pass over the queue after pass (CPU and store load for everyone).
    let w = world();
    let _deliverer = w.relayer.start_deliverer();
    let patient = signer(1);
    let up = w.uploader(&patient).await;
    let (url, got) = slow_receiver(vec![], Duration::from_secs(3)).await;
    assert_eq!(
        w.hook(&patient, &patient, &url, None).await.status,
        StatusCode::CREATED
    );
    w.upload(&up, &[(0, 50)]).await;
    got.wait_for(1).await;
    let scans = &w.relayer.state.metrics.alert_delivery_scans;
    let before = scans.get();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let during = scans.get() - before;
    assert!(
        during <= 6,
        "{during} passes over the queue in 2.5 s while one attempt was in flight"
    );
    let store = w.relayer.store.clone();
    for _ in 0..100 {
        let h = &store.webhooks_of(patient.address()).unwrap()[0];
        if h.delivered == 1 {
            assert_eq!(got.all().len(), 1, "delivered once");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the slow delivery was not settled");
}

#[tokio::test]
async fn webhooks_are_bounded_and_only_their_owner_or_the_patient_revokes_them() {
    let w = world();
    let (patient, clinician, other) = (signer(1), signer(2), signer(3));
    w.grant(1, &patient, &clinician, NOW - 86_400, NOW + 86_400);
    w.grant(2, &patient, &other, NOW - 86_400, NOW + 86_400);
    for (url, why) in [
        ("ftp://example.org/hook", "https://"),
        ("https://user:pw@example.org/hook", "user name"),
        ("nonsense", "not a URL"),
    ] {
        let a = w.hook(&patient, &patient, url, None).await;
        assert_eq!(a.code(), "bad_webhook", "{url}");
        assert!(
            a.json["message"].as_str().unwrap().contains(why),
            "{}",
            a.json
        );
    }
    assert_eq!(
        w.hook(&patient, &patient, "https://example.org/h", Some(json!([])))
            .await
            .code(),
        "bad_webhook"
    );
    assert_eq!(
        w.hook(
            &patient,
            &patient,
            "https://example.org/h",
            Some(json!(["very_low"]))
        )
        .await
        .code(),
        "bad_webhook"
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        let a = w
            .hook(
                &clinician,
                &patient,
                &format!("https://example.org/h{i}"),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
        ids.push(a.json["webhook"]["id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        w.hook(&clinician, &patient, "https://example.org/h6", None)
            .await
            .code(),
        "too_many_webhooks"
    );
    // Another grantee sees only their own, and cannot revoke the clinician's.
    let a = w
        .alerts_call(&other, "GET", &patient, "/webhooks", Value::Null)
        .await;
    assert_eq!(a.json, json!([]));
    let path = format!("/webhooks/{}", ids[0]);
    assert_eq!(
        w.alerts_call(&other, "DELETE", &patient, &path, Value::Null)
            .await
            .code(),
        "unknown_webhook"
    );
    // The patient sees all five and revokes one; the clinician may add one again.
    let a = w
        .alerts_call(&patient, "GET", &patient, "/webhooks", Value::Null)
        .await;
    assert_eq!(a.json.as_array().unwrap().len(), 5);
    let a = w
        .alerts_call(&patient, "DELETE", &patient, &path, Value::Null)
        .await;
    assert!(a.json["revoked_at"].is_u64(), "{}", a.json);
    assert_eq!(
        w.hook(&clinician, &patient, "https://example.org/h7", None)
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_caller_holds_at_most_four_streams_and_a_key_with_no_readings_here_none() {
    let w = world();
    let patient = signer(1);
    // A fresh key about itself: nothing to alert about, and no slot taken.
    let fresh = signer(77);
    let refused = w.stream(&fresh, &fresh, None).await.err().expect("refused");
    assert_eq!(refused.code(), "no_patient_data");
    let up = w.uploader(&patient).await;
    w.upload(&up, &[(5, 120)]).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(w.stream(&patient, &patient, None).await.unwrap());
    }
    let refused = w
        .stream(&patient, &patient, None)
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.code(), "too_many_streams");
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        w.stream(&patient, &patient, None).await.is_ok(),
        "a closed stream frees its slot"
    );
}

#[tokio::test]
async fn parallel_registrations_cannot_pass_the_webhook_limit() {
    let w = Arc::new(world());
    let patient = signer(1);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let w = w.clone();
        let patient = patient.clone();
        tasks.spawn(async move {
            w.hook(
                &patient,
                &patient,
                &format!("https://example.org/p{i}"),
                None,
            )
            .await
            .status
        });
    }
    let statuses = tasks.join_all().await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 5, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT));
}
