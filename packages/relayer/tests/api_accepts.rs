//! What `POST /v1/batches` accepts: well-formed batches signed with ed25519 or P-256 keys,
//! gaps (shown in the receipt), exact resubmissions (same answer, stored once), and batches
//! signed with a device's previous key before a rotation.

mod common;

use common::{counts, post, send};
use cosmwasm_std::Timestamp;
use diachain_relayer_testkit::{self as testkit, body, TestRelayer, DAY0, PATIENT};
use diachain_relayer_types::REPLAY_HEADER;
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;

const DEV: &str = "cgm-7f3a9c2e51d04b88";

fn relayer_with(algorithm: KeyAlgorithm, seed: u8) -> (TestRelayer, TestKey) {
    let r = TestRelayer::new(1 << 20).expect("relayer");
    let key = TestKey::new(algorithm, seed);
    r.register(DEV, &key);
    (r, key)
}

#[tokio::test]
async fn ed25519_signed_batch_is_stored_and_acknowledged_201_with_its_receipt() {
    let (r, key) = relayer_with(KeyAlgorithm::Ed25519, 0x11);
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    let a = post(&r, body(&b)).await;
    assert_eq!(a.status, 201, "{}", a.json);
    assert_eq!(a.json["device_id"], DEV);
    assert_eq!(a.json["first_seq"], 1);
    assert_eq!(a.json["last_seq"], 12);
    assert_eq!(a.json["count"], 12);
    assert_eq!(a.json["gap"], serde_json::Value::Null);
    assert!(a.headers.get(REPLAY_HEADER).is_none());
    let stored = r.store.find_batch(DEV, 7).unwrap().expect("stored");
    assert_eq!(stored.header, b.header);
    assert_eq!(stored.patient, PATIENT);
    assert_eq!(r.store.readings(&stored).unwrap(), b.readings);
}

#[tokio::test]
async fn p256_signed_batch_is_stored_and_acknowledged_201() {
    let (r, key) = relayer_with(KeyAlgorithm::Secp256r1, 0x33);
    let a = post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0))).await;
    assert_eq!(a.status, 201, "{}", a.json);
    assert_eq!(counts(&r).pending, 1);
}

#[tokio::test]
async fn jump_forward_is_accepted_and_the_gap_is_shown_in_the_receipt() {
    let (r, key) = relayer_with(KeyAlgorithm::Ed25519, 0x11);
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0)))
            .await
            .status,
        201
    );
    let a = post(&r, body(&testkit::batch(&key, DEV, 20, 12, DAY0 + 7_200))).await;
    assert_eq!(a.status, 201, "{}", a.json);
    assert_eq!(
        a.json["gap"],
        serde_json::json!({ "first_seq": 13, "last_seq": 19 })
    );
    assert_eq!(counts(&r).pending, 2);
}

#[tokio::test]
async fn consecutive_batch_is_accepted_without_a_gap() {
    let (r, key) = relayer_with(KeyAlgorithm::Ed25519, 0x11);
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0)))
            .await
            .status,
        201
    );
    let a = post(&r, body(&testkit::batch(&key, DEV, 13, 12, DAY0 + 3_600))).await;
    assert_eq!(a.status, 201);
    assert_eq!(a.json["gap"], serde_json::Value::Null);
}

#[tokio::test]
async fn exact_resubmission_gets_the_same_answer_and_is_stored_once() {
    let (r, key) = relayer_with(KeyAlgorithm::Ed25519, 0x11);
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    let first = post(&r, body(&b)).await;
    let again = post(&r, body(&b)).await;
    assert_eq!(first.status, 201);
    assert_eq!(again.status, first.status);
    assert_eq!(again.json, first.json);
    assert_eq!(again.headers.get(REPLAY_HEADER).unwrap(), "true");
    assert_eq!(counts(&r).pending, 1);
    assert_eq!(r.store.pending(10).unwrap().len(), 1);
}

#[tokio::test]
async fn resubmission_after_the_device_was_revoked_still_gets_the_stored_answer() {
    let (r, key) = relayer_with(KeyAlgorithm::Ed25519, 0x11);
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    let first = post(&r, body(&b)).await;
    r.registry.refuse_from(DEV, Timestamp::from_seconds(DAY0));
    r.cache.on_new_block(2);
    let again = post(&r, body(&b)).await;
    assert_eq!((again.status, &again.json), (first.status, &first.json));
    assert_eq!(counts(&r).pending, 1);
}

#[tokio::test]
async fn concurrent_identical_submissions_store_the_batch_once() {
    let (r, key) = relayer_with(KeyAlgorithm::Secp256r1, 0x33);
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    let answers = futures_join(&r, body(&b), 8).await;
    for a in &answers {
        assert_eq!(a.status, 201);
        assert_eq!(a.json, answers[0].json);
    }
    assert_eq!(counts(&r).pending, 1);
}

async fn futures_join(r: &TestRelayer, body: Vec<u8>, n: usize) -> Vec<common::Answer> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let state = r.state.clone();
        let body = body.clone();
        tasks.spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post("/v1/batches")
                .body(axum::body::Body::from(body))
                .unwrap();
            let response = diachain_relayer_api::router(state)
                .oneshot(request)
                .await
                .unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            common::Answer {
                status,
                headers,
                json: serde_json::from_slice(&bytes).unwrap(),
            }
        });
    }
    tasks.join_all().await
}

#[tokio::test]
async fn batch_closed_before_a_key_rotation_verifies_with_the_previous_key() {
    let old = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    let new = TestKey::new(KeyAlgorithm::Secp256r1, 0x33);
    let r = TestRelayer::new(1 << 20).expect("relayer");
    let mut record = testkit::device_record(&new, Some(PATIENT));
    record.previous_key = Some(old.public_key());
    record.key_since = Timestamp::from_seconds(DAY0 + 86_400);
    r.registry.put(DEV, record);
    let before = post(&r, body(&testkit::batch(&old, DEV, 1, 12, DAY0))).await;
    assert_eq!(before.status, 201, "{}", before.json);
    let after = post(&r, body(&testkit::batch(&new, DEV, 13, 12, DAY0 + 86_400))).await;
    assert_eq!(after.status, 201, "{}", after.json);
}

#[tokio::test]
async fn registry_is_asked_once_per_device_while_no_block_is_seen() {
    let (r, key) = relayer_with(KeyAlgorithm::Ed25519, 0x11);
    for i in 0..3u64 {
        let b = testkit::batch(&key, DEV, 1 + 12 * i, 12, DAY0 + 3_600 * i);
        assert_eq!(post(&r, body(&b)).await.status, 201);
    }
    assert_eq!(r.registry.queries(), 1);
    r.cache.on_new_block(7);
    let b = testkit::batch(&key, DEV, 37, 12, DAY0 + 3 * 3_600);
    assert_eq!(post(&r, body(&b)).await.status, 201);
    assert_eq!(r.registry.queries(), 2);
}

#[tokio::test]
async fn healthz_reports_a_writable_store_and_metrics_count_ingest_and_refusals() {
    let (r, key) = relayer_with(KeyAlgorithm::Ed25519, 0x11);
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0)))
            .await
            .status,
        201
    );
    assert_eq!(post(&r, b"nope".to_vec()).await.status, 400);
    let health = send(
        &r,
        axum::http::Request::get("/healthz")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json["status"], "ok");
    assert_eq!(health.json["store"]["writable"], true);
    let request = axum::http::Request::get("/metrics")
        .body(axum::body::Body::empty())
        .unwrap();
    use tower::ServiceExt;
    let response = diachain_relayer_api::router(r.state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        text.contains("diachain_relayer_readings_ingested_total 12"),
        "{text}"
    );
    assert!(
        text.contains("diachain_relayer_batches_rejected_total{reason=\"bad_encoding\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("diachain_relayer_ack_latency_seconds_count 1"),
        "{text}"
    );
}
