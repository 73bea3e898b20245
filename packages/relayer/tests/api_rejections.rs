//! Every refusal of `POST /v1/batches`: its status, machine code, sentence and details, and
//! that nothing is stored.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::{assert_refused, post, send};
use cosmwasm_std::{Addr, Binary, Timestamp};
use diachain_relayer_testkit::{self as testkit, body, request, TestRelayer, DAY0, PATIENT};
use diachain_std::encoding::{ReadingKind, ScopeCount};
use diachain_std::registry::{KeyHolder, Lapse, HELD_KEY_QUEUE_SECONDS};
use diachain_std::testing::{signed_batch, signed_batch_v2, SignedBatch, TestKey};
use diachain_std::{DataScope, DeviceKind, Domain, KeyAlgorithm};

const DEV: &str = "cgm-7f3a9c2e51d04b88";
const LIMIT: usize = 64 * 1024;

fn relayer_with_device() -> (TestRelayer, TestKey) {
    let r = TestRelayer::new(LIMIT).expect("relayer");
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    r.register(DEV, &key);
    (r, key)
}

fn json_body(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("json")
}

#[tokio::test]
async fn body_that_is_not_json_is_refused_400_bad_encoding() {
    let (r, _) = relayer_with_device();
    let a = post(&r, b"{not json".to_vec()).await;
    assert_refused(&r, &a, 400, "bad_encoding", 0);
    assert!(a.json["reason"].is_string());
}

#[tokio::test]
async fn unknown_field_is_refused_400_bad_encoding() {
    let (r, key) = relayer_with_device();
    let mut v = serde_json::to_value(request(&testkit::batch(&key, DEV, 1, 12, DAY0))).unwrap();
    v["extra"] = serde_json::json!(1);
    assert_refused(&r, &post(&r, json_body(&v)).await, 400, "bad_encoding", 0);
}

#[tokio::test]
async fn salt_of_15_bytes_is_refused_400_bad_encoding() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.readings[3].salt = Binary::new(vec![7; 15]);
    let a = post(&r, serde_json::to_vec(&req).unwrap()).await;
    assert_refused(&r, &a, 400, "bad_encoding", 0);
    assert!(a.json["reason"].as_str().unwrap().contains("reading 3"));
}

#[tokio::test]
async fn signature_of_63_bytes_is_refused_400_bad_encoding() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.signature = Binary::new(vec![1; 63]);
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        400,
        "bad_encoding",
        0,
    );
}

#[tokio::test]
async fn root_of_31_bytes_is_refused_400_bad_encoding() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.header.root = Binary::new(vec![0; 31]);
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        400,
        "bad_encoding",
        0,
    );
}

#[tokio::test]
async fn invalid_device_id_is_refused_400_bad_encoding() {
    let (r, key) = relayer_with_device();
    let b = testkit::batch(&key, "bad id with spaces", 1, 3, DAY0);
    assert_refused(&r, &post(&r, body(&b)).await, 400, "bad_encoding", 0);
}

#[tokio::test]
async fn tampered_value_does_not_rebuild_the_root_422_root_mismatch() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.readings[5].value += 1_000;
    let a = post(&r, serde_json::to_vec(&req).unwrap()).await;
    assert_refused(&r, &a, 422, "root_mismatch", 0);
    assert!(a.json["computed_root"].is_string());
}

#[tokio::test]
async fn changed_salt_does_not_rebuild_the_root_422_root_mismatch() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.readings[0].salt = Binary::new(vec![9; 16]);
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        422,
        "root_mismatch",
        0,
    );
}

#[tokio::test]
async fn reading_of_another_device_is_refused_422_readings_mismatch() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.readings[2].device_id = "cgm-other-device-01".into();
    let a = post(&r, serde_json::to_vec(&req).unwrap()).await;
    assert_refused(&r, &a, 422, "readings_mismatch", 0);
    assert_eq!(a.json["index"], 2);
}

#[tokio::test]
async fn readings_out_of_sequence_are_refused_422_readings_mismatch() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.readings.swap(4, 5);
    let a = post(&r, serde_json::to_vec(&req).unwrap()).await;
    assert_refused(&r, &a, 422, "readings_mismatch", 0);
    assert_eq!(a.json["index"], 4);
}

#[tokio::test]
async fn missing_reading_is_refused_422_readings_mismatch() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.readings.pop();
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        422,
        "readings_mismatch",
        0,
    );
}

#[tokio::test]
async fn reading_measured_outside_header_times_is_refused_422_readings_mismatch() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.readings[6].measured_at = DAY0 + 86_000;
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        422,
        "readings_mismatch",
        0,
    );
}

#[tokio::test]
async fn count_that_does_not_match_the_range_is_refused_422_count_mismatch() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.header.count = 11;
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        422,
        "count_mismatch",
        0,
    );
}

#[tokio::test]
async fn empty_batch_is_refused_422_batch_size() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 1, DAY0));
    req.header.count = 0;
    req.readings.clear();
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        422,
        "batch_size",
        0,
    );
}

#[tokio::test]
async fn first_time_after_last_time_is_refused_422_times_inverted() {
    let (r, key) = relayer_with_device();
    let mut req = request(&testkit::batch(&key, DEV, 1, 12, DAY0));
    req.header.first_time = req.header.last_time + 1;
    assert_refused(
        &r,
        &post(&r, serde_json::to_vec(&req).unwrap()).await,
        422,
        "times_inverted",
        0,
    );
}

#[tokio::test]
async fn batch_spanning_midnight_is_refused_422_crosses_midnight() {
    let (r, key) = relayer_with_device();
    let b = testkit::batch(&key, DEV, 1, 12, DAY0 + 86_400 - 600);
    assert_refused(&r, &post(&r, body(&b)).await, 422, "crosses_midnight", 0);
}

#[tokio::test]
async fn batch_measured_in_the_future_is_refused_422_future_reading() {
    let (r, key) = relayer_with_device();
    let b = testkit::batch(&key, DEV, 1, 12, DAY0 + 40 * 86_400);
    assert_refused(&r, &post(&r, body(&b)).await, 422, "future_reading", 0);
}

#[tokio::test]
async fn unregistered_device_is_refused_403_unknown_device() {
    let (r, key) = relayer_with_device();
    let b = testkit::batch(&key, "cgm-never-registered", 1, 12, DAY0);
    assert_refused(&r, &post(&r, body(&b)).await, 403, "unknown_device", 0);
}

#[tokio::test]
async fn device_bound_to_no_patient_is_refused_403_device_not_bound() {
    let (r, key) = relayer_with_device();
    r.registry.put(DEV, testkit::device_record(&key, None));
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    assert_refused(&r, &post(&r, body(&b)).await, 403, "device_not_bound", 0);
}

#[tokio::test]
async fn data_measured_before_the_current_owner_is_refused_403_measured_before_owner() {
    let (r, key) = relayer_with_device();
    let mut record = testkit::device_record(&key, Some(PATIENT));
    record.owner_since = Timestamp::from_seconds(DAY0 + 3_600);
    r.registry.put(DEV, record);
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    assert_refused(
        &r,
        &post(&r, body(&b)).await,
        403,
        "measured_before_owner",
        0,
    );
}

#[tokio::test]
async fn device_revoked_before_the_batch_time_is_refused_403_device_revoked() {
    let (r, key) = relayer_with_device();
    r.registry
        .refuse_from(DEV, Timestamp::from_seconds(DAY0 + 1_800));
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    let a = post(&r, body(&b)).await;
    assert_refused(&r, &a, 403, "device_revoked", 0);
    assert_eq!(a.json["refuses_from"], DAY0 + 1_800);
}

#[tokio::test]
async fn revocation_seen_at_the_next_block_refuses_the_next_batch() {
    let (r, key) = relayer_with_device();
    let first = post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0))).await;
    assert_eq!(first.status, 201);
    r.registry
        .refuse_from(DEV, Timestamp::from_seconds(DAY0 + 3_600));
    // Until a block is seen the cached record stands; the block watcher starts a new epoch.
    r.cache.on_new_block(2);
    let b = testkit::batch(&key, DEV, 13, 12, DAY0 + 3_600);
    assert_refused(&r, &post(&r, body(&b)).await, 403, "device_revoked", 1);
}

#[tokio::test]
async fn signature_by_another_key_is_refused_403_invalid_signature() {
    let (r, _) = relayer_with_device();
    let intruder = TestKey::new(KeyAlgorithm::Ed25519, 0x42);
    let b = testkit::batch(&intruder, DEV, 1, 12, DAY0);
    assert_refused(&r, &post(&r, body(&b)).await, 403, "invalid_signature", 0);
}

#[tokio::test]
async fn signature_for_another_anchors_contract_is_refused_403_invalid_signature() {
    let (r, key) = relayer_with_device();
    let other = Domain {
        chain_id: testkit::CHAIN_ID,
        contract: "wasm1otheranchorscontract",
    };
    let b = signed_batch(&key, DEV, 1, 12, DAY0, 300, &other);
    assert_refused(&r, &post(&r, body(&b)).await, 403, "invalid_signature", 0);
}

#[tokio::test]
async fn p256_signature_by_another_key_is_refused_403_invalid_signature() {
    let r = TestRelayer::new(LIMIT).expect("relayer");
    let key = TestKey::new(KeyAlgorithm::Secp256r1, 0x33);
    r.register(DEV, &key);
    let b = testkit::batch(
        &TestKey::new(KeyAlgorithm::Secp256r1, 0x34),
        DEV,
        1,
        12,
        DAY0,
    );
    assert_refused(&r, &post(&r, body(&b)).await, 403, "invalid_signature", 0);
}

#[tokio::test]
async fn range_overlapping_a_held_batch_is_refused_409_with_the_conflicting_range() {
    let (r, key) = relayer_with_device();
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0)))
            .await
            .status,
        201
    );
    let b = testkit::batch(&key, DEV, 10, 12, DAY0 + 3_600);
    let a = post(&r, body(&b)).await;
    assert_refused(&r, &a, 409, "overlap", 1);
    assert_eq!(
        a.json["conflict"],
        serde_json::json!({ "first_seq": 1, "last_seq": 12 })
    );
}

#[tokio::test]
async fn other_batch_with_the_same_range_is_refused_409_overlap() {
    let (r, key) = relayer_with_device();
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0)))
            .await
            .status,
        201
    );
    // Same range, other readings (other times): a replay of the range, not of the batch.
    let b = testkit::batch(&key, DEV, 1, 12, DAY0 + 60);
    let a = post(&r, body(&b)).await;
    assert_refused(&r, &a, 409, "overlap", 1);
    assert_eq!(a.json["conflict"]["first_seq"], 1);
}

#[tokio::test]
async fn range_below_the_latest_held_batch_is_refused_409_behind_head() {
    let (r, key) = relayer_with_device();
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 50, 12, DAY0 + 7_200)))
            .await
            .status,
        201
    );
    let b = testkit::batch(&key, DEV, 1, 12, DAY0);
    let a = post(&r, body(&b)).await;
    assert_refused(&r, &a, 409, "behind_head", 1);
    assert_eq!(
        a.json["held_head"],
        serde_json::json!({ "first_seq": 50, "last_seq": 61 })
    );
}

#[tokio::test]
async fn batch_on_an_earlier_day_than_the_held_head_is_refused_422_day_backwards() {
    let (r, key) = relayer_with_device();
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0 + 86_400)))
            .await
            .status,
        201
    );
    let b = testkit::batch(&key, DEV, 13, 12, DAY0);
    assert_refused(&r, &post(&r, body(&b)).await, 422, "day_backwards", 1);
}

#[tokio::test]
async fn declared_body_over_the_limit_is_refused_413_before_parsing() {
    let (r, _) = relayer_with_device();
    // Not JSON at all: a 413 (not a 400) shows it was refused before parsing.
    let a = post(&r, vec![b'x'; LIMIT + 1]).await;
    assert_refused(&r, &a, 413, "body_too_large", 0);
    assert_eq!(a.json["limit"], LIMIT);
}

#[tokio::test]
async fn streamed_body_without_length_over_the_limit_is_refused_413() {
    let (r, _) = relayer_with_device();
    let chunks = (0..20)
        .map(|_| axum::body::Bytes::from(vec![b'x'; 8 * 1024]))
        .collect();
    let request = axum::http::Request::post("/v1/batches")
        .body(axum::body::Body::new(Chunks(chunks)))
        .unwrap();
    let a = send(&r, request).await;
    assert_refused(&r, &a, 413, "body_too_large", 0);
}

/// A body of chunks whose length is not known in advance (as with chunked encoding).
struct Chunks(Vec<axum::body::Bytes>);

impl hyper::body::Body for Chunks {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(
            self.get_mut()
                .0
                .pop()
                .map(|b| Ok(hyper::body::Frame::data(b))),
        )
    }
}

#[tokio::test]
async fn sequence_numbers_past_2_pow_53_are_refused_422_seq_out_of_range() {
    let (r, key) = relayer_with_device();
    let max = diachain_std::anchors::MAX_SEQ;
    let a = post(&r, body(&testkit::batch(&key, DEV, max - 5, 12, DAY0))).await;
    assert_refused(&r, &a, 422, "seq_out_of_range", 0);
    assert_eq!(a.json["max"], serde_json::json!(max));
    // Ending exactly at the limit is fine.
    let ok = post(&r, body(&testkit::batch(&key, DEV, max - 11, 12, DAY0))).await;
    assert_eq!(ok.status, 201, "{}", ok.json);
}

#[tokio::test]
async fn readings_denser_than_the_device_kind_allows_are_refused_422_too_dense() {
    let (r, key) = relayer_with_device();
    // A CGM measures at most once a minute; 12 readings 10 s apart span 110 s.
    let b = signed_batch(&key, DEV, 1, 12, DAY0, 10, &testkit::domain());
    let a = post(&r, body(&b)).await;
    assert_refused(&r, &a, 422, "too_dense", 0);
    assert_eq!(a.json["min_interval_seconds"], serde_json::json!(60));
    assert_eq!(a.json["max_count"], serde_json::json!(2));
}

#[tokio::test]
async fn a_batch_starting_too_soon_after_the_last_held_reading_is_refused_422() {
    let (r, key) = relayer_with_device();
    let first = testkit::batch(&key, DEV, 1, 12, DAY0);
    assert_eq!(post(&r, body(&first)).await.status, 201);
    let last_time = first.header.last_time;
    let soon = testkit::batch(&key, DEV, 13, 12, last_time + 30);
    let a = post(&r, body(&soon)).await;
    assert_refused(&r, &a, 422, "too_soon_after_last", 1);
    assert_eq!(a.json["held_last_time"], serde_json::json!(last_time));
    let on_time = testkit::batch(&key, DEV, 13, 12, last_time + 60);
    assert_eq!(post(&r, body(&on_time)).await.status, 201);
}

#[tokio::test]
async fn an_unreachable_registry_is_refused_503_without_internal_details_and_stores_nothing() {
    let (r, key) = relayer_with_device();
    r.registry.set_unreachable(true);
    let a = post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0))).await;
    assert_refused(&r, &a, 503, "registry_unavailable", 0);
    assert_eq!(
        a.json["reason"],
        "the chain's device registry could not be queried"
    );
    // Back: the same batch is taken.
    r.registry.set_unreachable(false);
    assert_eq!(
        post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0)))
            .await
            .status,
        201
    );
}

// ---- Version 2 headers: scope lists and per-scope rates ----

const GATEWAY: &str = "gw-5e0c2a9b77d14f03";

/// A gateway (kind interval 1 s) registered with `key`, bound to the test patient.
fn relayer_with_gateway() -> (TestRelayer, TestKey) {
    let r = TestRelayer::new(LIMIT).expect("relayer");
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x21);
    let mut record = testkit::device_record(&key, Some(PATIENT));
    record.kind = DeviceKind::Gateway;
    r.registry.put(GATEWAY, record);
    (r, key)
}

fn v2(
    key: &TestKey,
    first_seq: u64,
    count: u32,
    first_time: u64,
    interval: u64,
    kinds: &[ReadingKind],
) -> SignedBatch {
    signed_batch_v2(
        key,
        GATEWAY,
        first_seq,
        count,
        first_time,
        interval,
        &testkit::domain(),
        kinds,
    )
}

#[tokio::test]
async fn a_version_2_header_of_mixed_scopes_is_taken() {
    let (r, key) = relayer_with_gateway();
    let kinds = [
        ReadingKind::Glucose,
        ReadingKind::InsulinBolus,
        ReadingKind::Carbohydrates,
    ];
    // 12 readings 5 minutes apart: 4 of each scope in 55 minutes, under every scope's rate.
    let b = v2(&key, 1, 12, DAY0, 300, &kinds);
    let a = post(&r, body(&b)).await;
    assert_eq!(a.status, 201, "{}", a.json);
}

#[tokio::test]
async fn a_scope_list_that_is_not_the_readings_is_refused_422_scopes_mismatch() {
    let (r, key) = relayer_with_gateway();
    let b = v2(
        &key,
        1,
        12,
        DAY0,
        300,
        &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
    );
    // The same total, all declared glucose: a valid list, but not that of the readings (the
    // insulin would count as glucose for a glucose study).
    let mut req = request(&b);
    req.header.scopes = Some(vec![ScopeCount {
        scope: DataScope::Glucose,
        readings: 12,
    }]);
    let a = post(&r, serde_json::to_vec(&req).unwrap()).await;
    assert_refused(&r, &a, 422, "scopes_mismatch", 0);
    assert_eq!(
        a.json["header_scopes"],
        serde_json::json!([{"scope": "glucose", "readings": 12}])
    );
    assert_eq!(
        a.json["reading_scopes"],
        serde_json::json!([{"scope": "glucose", "readings": 6}, {"scope": "insulin", "readings": 6}])
    );
}

#[tokio::test]
async fn invalid_scope_lists_are_refused_422_bad_scopes() {
    let (r, key) = relayer_with_gateway();
    let b = v2(
        &key,
        1,
        12,
        DAY0,
        300,
        &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
    );
    let cases = [
        (serde_json::json!([]), "empty"),
        (
            serde_json::json!([{"scope": "insulin", "readings": 6}, {"scope": "glucose", "readings": 6}]),
            "order",
        ),
        (
            serde_json::json!([{"scope": "glucose", "readings": 6}, {"scope": "glucose", "readings": 6}]),
            "order",
        ),
        (
            serde_json::json!([{"scope": "glucose", "readings": 12}, {"scope": "insulin", "readings": 0}]),
            "no readings",
        ),
        (
            serde_json::json!([{"scope": "glucose", "readings": 6}, {"scope": "insulin", "readings": 7}]),
            "13",
        ),
        (
            serde_json::json!([{"scope": "summaries_only", "readings": 12}]),
            "\"summaries_only\" is not a scope",
        ),
    ];
    for (scopes, says) in cases {
        let mut v = serde_json::to_value(request(&b)).unwrap();
        v["header"]["scopes"] = scopes.clone();
        let a = post(&r, json_body(&v)).await;
        assert_refused(&r, &a, 422, "bad_scopes", 0);
        let reason = a.json["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(says), "{scopes}: {reason}");
    }
}

#[tokio::test]
async fn glucose_denser_than_a_minute_from_a_gateway_is_refused_422_too_dense_for_scope() {
    let (r, key) = relayer_with_gateway();
    // A gateway may send every second, but no glucose source measures more often than once a
    // minute: 12 glucose readings 10 s apart span 110 s, room for 2.
    let b = v2(&key, 1, 12, DAY0, 10, &[ReadingKind::Glucose]);
    let a = post(&r, body(&b)).await;
    assert_refused(&r, &a, 422, "too_dense_for_scope", 0);
    assert_eq!(a.json["scope"], "glucose");
    assert_eq!(a.json["readings"], 12);
    assert_eq!(a.json["span_seconds"], 110);
    assert_eq!(a.json["min_interval_seconds"], 60);
    assert_eq!(a.json["max_count"], 2);
    // Insulin doses 10 s apart are within insulin's 5 s.
    let doses = v2(&key, 1, 12, DAY0, 10, &[ReadingKind::InsulinBolus]);
    assert_eq!(post(&r, body(&doses)).await.status, 201);
}

#[tokio::test]
async fn glucose_right_after_a_gateways_last_reading_keeps_the_scopes_gap() {
    let (r, key) = relayer_with_gateway();
    let first = v2(&key, 1, 12, DAY0, 300, &[ReadingKind::Glucose]);
    assert_eq!(post(&r, body(&first)).await.status, 201);
    let last_time = first.header.last_time;
    // The gateway's own interval is 1 s; a glucose batch keeps glucose's minute.
    let soon = v2(&key, 13, 12, last_time + 30, 300, &[ReadingKind::Glucose]);
    let a = post(&r, body(&soon)).await;
    assert_refused(&r, &a, 422, "too_soon_after_last", 1);
    assert_eq!(a.json["min_interval_seconds"], 60);
    let on_time = v2(&key, 13, 12, last_time + 60, 300, &[ReadingKind::Glucose]);
    assert_eq!(post(&r, body(&on_time)).await.status, 201);
}

// ---- Keys held by a relayer: the holder's standing ----

const CUSTODIAN: &str = "wasm1custodianrelayer";

/// The test device, its key held by `CUSTODIAN` in the standing given.
fn held_by(r: &TestRelayer, key: &TestKey, refuses_from: Option<u64>, lapses: &[(u64, u64)]) {
    let mut record = testkit::device_record(key, Some(PATIENT));
    record.key_holder = Some(KeyHolder {
        relayer: Addr::unchecked(CUSTODIAN),
        refuses_from: refuses_from.map(Timestamp::from_seconds),
        lapses: lapses
            .iter()
            .map(|&(from, to)| Lapse {
                from: Timestamp::from_seconds(from),
                to: Timestamp::from_seconds(to),
            })
            .collect(),
    });
    r.registry.put(DEV, record);
}

#[tokio::test]
async fn data_measured_after_the_holder_was_suspended_is_refused_403() {
    let (r, key) = relayer_with_device();
    held_by(&r, &key, Some(DAY0 + 1_800), &[]);
    let a = post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0))).await;
    assert_refused(&r, &a, 403, "key_holder_not_in_good_standing", 0);
    assert_eq!(a.json["holder"], CUSTODIAN);
    assert_eq!(a.json["since"], DAY0 + 1_800);
}

#[tokio::test]
async fn data_measured_before_the_suspension_is_taken_for_a_day_then_refused_403() {
    let since = DAY0 + 1_800;
    let now = Arc::new(AtomicU64::new(since + 3_600));
    let clock = now.clone();
    let r = TestRelayer::with_clock(LIMIT, Arc::new(move || clock.load(Ordering::SeqCst)))
        .expect("relayer");
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x11);
    held_by(&r, &key, Some(since), &[]);
    // Six readings up to DAY0 + 1,500 s, measured while the holder stood.
    let a = post(&r, body(&testkit::batch(&key, DEV, 1, 6, DAY0))).await;
    assert_eq!(a.status, 201, "{}", a.json);
    // A day and a second after the suspension the queue is closed.
    now.store(since + HELD_KEY_QUEUE_SECONDS + 1, Ordering::SeqCst);
    let late = testkit::batch(&key, DEV, 7, 5, DAY0 + 1_800 - 5 * 300);
    let a = post(&r, body(&late)).await;
    assert_refused(&r, &a, 403, "held_key_queue_closed", 1);
    assert_eq!(a.json["holder"], CUSTODIAN);
    assert_eq!(a.json["since"], since);
    assert_eq!(a.json["window"], HELD_KEY_QUEUE_SECONDS);
}

#[tokio::test]
async fn data_measured_in_a_past_lapse_of_the_holder_is_refused_403_after_reinstatement() {
    let (r, key) = relayer_with_device();
    let (from, to) = (DAY0 + 3_301, DAY0 + 7_200);
    held_by(&r, &key, None, &[(from, to)]);
    let a = post(&r, body(&testkit::batch(&key, DEV, 1, 12, DAY0 + 600))).await;
    assert_refused(&r, &a, 403, "measured_while_holder_lapsed", 0);
    assert_eq!(a.json["holder"], CUSTODIAN);
    assert_eq!(
        (a.json["from"].as_u64(), a.json["to"].as_u64()),
        (Some(from), Some(to))
    );
    // Ending a second before the lapse, and starting at its end, are both fine.
    let before = testkit::batch(&key, DEV, 1, 12, DAY0);
    assert_eq!(before.header.last_time, from - 1);
    assert_eq!(post(&r, body(&before)).await.status, 201);
    let after = testkit::batch(&key, DEV, 13, 12, to);
    let a = post(&r, body(&after)).await;
    assert_eq!(a.status, 201, "{}", a.json);
}
