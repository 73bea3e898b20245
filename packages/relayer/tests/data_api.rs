//! The data API in process: who may read what (owner, guardian, grant, break-glass, every
//! refusal), signed-request checks, proofs that verify against the served header, the access
//! queued for the chain exactly once, and erasure.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::{send, Answer};
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_relayer_core::store::{OutboxMsg, OutboxState};
use diachain_relayer_testkit::consent::{FakeConsent, FakeGrant};
use diachain_relayer_testkit::{self as testkit, device_record, TestRelayer, DAY0};
use diachain_relayer_types::ReadingJson;
use diachain_std::crypto::sha256;
use diachain_std::merkle;
use diachain_std::testing::TestKey;
use diachain_std::{DataScope, KeyAlgorithm};

const NOW: u64 = DAY0 + 30 * 86_400;
/// The first reading's time: 12 readings, 300 s apart.
const T0: u64 = NOW - 86_400 + 600;
const DEVICE: &str = "cgm-5d1e0c7b9a2f4e31";
/// The latest block's time as the fake chain has it (nanoseconds, a little behind NOW).
const BLOCK_TIME_NS: u64 = (NOW - 2) * 1_000_000_000 + 123_456_789;

struct World {
    relayer: TestRelayer,
    consent: Arc<FakeConsent>,
    patient: Signer,
    clinician: Signer,
    nonce: std::sync::atomic::AtomicU64,
}

fn signer(seed: u8) -> Signer {
    Signer::from_secret(&[seed; 32], WASM_PREFIX).unwrap()
}

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
        clinician: signer(2),
        nonce: Default::default(),
    }
}

impl World {
    fn patient(&self) -> String {
        self.patient.address().to_string()
    }

    fn grant(&self, id: u64, scopes: &[DataScope], break_glass: bool) {
        self.consent.grant(FakeGrant {
            id,
            patient: self.patient(),
            grantee: self.clinician.address().to_string(),
            scopes: scopes.to_vec(),
            data_from: T0 - 86_400,
            data_to: NOW,
            break_glass,
            revoked: false,
            expired: false,
            revoked_by: None,
        });
    }

    fn signed(
        &self,
        by: &Signer,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: &[u8],
        at: u64,
    ) -> Request<Body> {
        let n = self.nonce.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let nonce = format!("test-nonce-{n:08}");
        common::signed_request(by, method, path, query, body, at, &nonce)
    }

    async fn read(&self, by: &Signer, query: &str) -> Answer {
        let path = format!("/v1/patients/{}/readings", self.patient());
        let req = self.signed(by, "GET", &path, Some(query), b"", NOW);
        send(&self.relayer, req).await
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

fn whole_day() -> String {
    format!("scope=glucose&from={}&to={}", T0 - 600, NOW)
}

/// Checks every served reading against the served header's root, as a client would.
fn verify_all(json: &serde_json::Value) -> usize {
    let mut n = 0;
    for b in json["batches"].as_array().unwrap() {
        let root: merkle::Hash = b64(&b["header"]["root"]).try_into().unwrap();
        let size = b["header"]["count"].as_u64().unwrap();
        for r in b["readings"].as_array().unwrap() {
            let reading: ReadingJson = serde_json::from_value(r["reading"].clone()).unwrap();
            let leaf = reading.to_reading().unwrap().leaf_hash().unwrap();
            assert_eq!(leaf.to_vec(), b64(&r["leaf_hash"]));
            let path: Vec<merkle::Hash> = r["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| b64(h).try_into().unwrap())
                .collect();
            let index = r["index"].as_u64().unwrap();
            assert!(merkle::verify_inclusion(&leaf, index, size, &path, &root));
            n += 1;
        }
    }
    n
}

fn b64(v: &serde_json::Value) -> Vec<u8> {
    cosmwasm_std::Binary::from_base64(v.as_str().unwrap())
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn the_patient_reads_their_readings_and_every_one_verifies_against_its_root() {
    let w = world().await;
    let a = w.read(&w.patient, &whole_day()).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["access"]["basis"], "owner");
    assert_eq!(a.json["count"], 12);
    assert_eq!(verify_all(&a.json), 12);
    let b = &a.json["batches"][0];
    assert_eq!(b["attestation"], "device_signed");
    assert_eq!(b["anchoring"]["state"], "pending");
    assert_eq!(a.json["chain_id"], testkit::CHAIN_ID);
    // The owner's own reads are not recorded on chain (no grant).
    assert!(w.queued().is_empty());
}

#[tokio::test]
async fn only_readings_of_the_period_asked_for_are_served_each_with_its_own_proof() {
    let w = world().await;
    let q = format!("scope=glucose&from={}&to={}", T0 + 600, T0 + 1_200);
    let a = w.read(&w.patient, &q).await;
    assert_eq!(a.json["count"], 3, "{}", a.json);
    assert_eq!(verify_all(&a.json), 3);
    // Another scope holds nothing of a CGM.
    let q = format!("scope=insulin&from={}&to={}", T0, NOW);
    let a = w.read(&w.patient, &q).await;
    assert_eq!(
        (a.status.as_u16(), a.json["count"].as_u64()),
        (200, Some(0))
    );
}

#[tokio::test]
async fn a_grantee_is_served_what_the_grant_allows_and_the_access_is_queued_once() {
    let w = world().await;
    w.grant(7, &[DataScope::Glucose], false);
    let a = w.read(&w.clinician, &whole_day()).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["access"]["basis"], "grant");
    assert_eq!(a.json["access"]["grant_id"], 7);
    assert_eq!(verify_all(&a.json), 12);
    let queued = w.queued();
    assert_eq!(
        queued,
        [OutboxMsg::Access {
            patient: w.patient(),
            grantee: w.clinician.address().to_string(),
            scope: DataScope::Glucose,
            data_from: T0 - 600,
            data_to: NOW,
            grant_id: 7,
            // The block time CheckAccess was asked at, not the relayer's clock.
            served_at_ns: BLOCK_TIME_NS,
        }]
    );
    assert_eq!(a.json["access"]["record"], 1);
}

#[tokio::test]
async fn a_break_glass_read_says_so_and_is_queued_for_the_patients_log() {
    let w = world().await;
    w.grant(9, &[DataScope::Glucose], true);
    let a = w.read(&w.clinician, &whole_day()).await;
    assert_eq!(a.json["access"]["basis"], "break_glass", "{}", a.json);
    assert!(matches!(
        w.queued()[..],
        [OutboxMsg::Access { grant_id: 9, .. }]
    ));
}

#[tokio::test]
async fn every_refusal_by_the_consent_contract_is_a_403_with_its_reason_and_nothing_is_queued() {
    type Change = fn(&mut FakeGrant);
    let cases: [(&str, Change); 4] = [
        ("grant_revoked", |g| g.revoked = true),
        ("grant_expired", |g| g.expired = true),
        ("scope_not_granted", |g| g.scopes = vec![DataScope::Insulin]),
        ("period_not_covered", |g| g.data_to = T0),
    ];
    for (code, change) in cases {
        let w = world().await;
        w.grant(5, &[DataScope::Glucose], false);
        w.consent.update(5, change);
        let a = w.read(&w.clinician, &whole_day()).await;
        assert_eq!((a.status.as_u16(), a.code()), (403, code), "{}", a.json);
        assert_eq!(a.json["grant_id"], 5);
        assert!(a.json["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(w.queued().is_empty());
    }
    let w = world().await;
    let a = w.read(&w.clinician, &whole_day()).await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "no_grant"));
    assert!(w.queued().is_empty());
}

/// A grant ended early is answered with who ended it: a break-glass session its emergency
/// provider closed is reported as closed by the provider (not as a revocation by the patient),
/// and a grant the patient or a guardian revoked says so (`revoked_by` in the body).
#[tokio::test]
async fn a_revoked_grant_or_closed_session_says_who_ended_it() {
    let guardian = signer(3).address().to_string();
    for (break_glass, by, revoked_by, message) in [
        (
            true,
            "grantee",
            "grantee",
            "The emergency provider closed its break-glass session.",
        ),
        (
            true,
            "patient",
            "patient",
            "The patient closed the break-glass session.",
        ),
        (
            false,
            "patient",
            "patient",
            "The patient revoked the grant.",
        ),
        (
            false,
            "guardian",
            "guardian",
            "A guardian of the patient revoked the grant.",
        ),
        (false, "grantee", "grantee", "You renounced the grant."),
    ] {
        let w = world().await;
        w.grant(5, &[DataScope::Glucose], break_glass);
        let address = match by {
            "patient" => w.patient(),
            "grantee" => w.clinician.address().to_string(),
            _ => guardian.clone(),
        };
        w.consent.update(5, |g| {
            g.revoked = true;
            g.revoked_by = Some(address.clone());
        });
        let a = w.read(&w.clinician, &whole_day()).await;
        assert_eq!((a.status.as_u16(), a.code()), (403, "grant_revoked"));
        assert_eq!(a.json["message"], message, "{}", a.json);
        assert_eq!(a.json["revoked_by"], revoked_by);
        assert_eq!(a.json["grant_id"], 5);
    }
}

#[tokio::test]
async fn a_relayer_that_cannot_record_the_access_does_not_serve_it() {
    let w = world().await;
    w.grant(7, &[DataScope::Glucose], false);
    w.consent
        .not_custodian
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let a = w.read(&w.clinician, &whole_day()).await;
    assert_eq!((a.status.as_u16(), a.code()), (503, "not_a_custodian"));
    assert!(w.queued().is_empty());
    // The patient's own reads are not recorded, so they are still served.
    assert_eq!(w.read(&w.patient, &whole_day()).await.json["count"], 12);
}

#[tokio::test]
async fn a_guardian_reads_without_a_grant_and_a_stranger_does_not() {
    let w = world().await;
    let guardian = signer(3);
    w.consent.add_guardian(&w.patient(), guardian.address());
    let a = w.read(&guardian, &whole_day()).await;
    assert_eq!(a.json["access"]["basis"], "guardian", "{}", a.json);
    assert_eq!(a.json["count"], 12);
    let a = w.read(&signer(4), &whole_day()).await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "no_grant"));
}

#[tokio::test]
async fn an_unreachable_chain_is_a_503_not_a_decision() {
    let w = world().await;
    w.grant(7, &[DataScope::Glucose], false);
    w.consent
        .unreachable
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let a = w.read(&w.clinician, &whole_day()).await;
    assert_eq!((a.status.as_u16(), a.code()), (503, "chain_unavailable"));
    assert!(w.queued().is_empty());
}

#[tokio::test]
async fn bad_signatures_are_refused_with_401_and_their_reason() {
    let w = world().await;
    let path = format!("/v1/patients/{}/readings", w.patient());
    let q = whole_day();

    let unsigned = Request::get(format!("{path}?{q}"))
        .body(Body::empty())
        .unwrap();
    let a = send(&w.relayer, unsigned).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "missing_auth_header"));

    // The query changed after signing.
    let mut req = w.signed(&w.patient, "GET", &path, Some(&q), b"", NOW);
    *req.uri_mut() = format!("{path}?scope=glucose&from=0&to={NOW}")
        .parse()
        .unwrap();
    let a = send(&w.relayer, req).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "bad_signature"));

    // Someone else's key claiming the patient's address.
    let mut req = w.signed(&w.clinician, "GET", &path, Some(&q), b"", NOW);
    req.headers_mut()
        .insert("x-diachain-address", w.patient().parse().unwrap());
    let a = send(&w.relayer, req).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "key_not_address"));

    // Stale, and from the future.
    for at in [NOW - 61, NOW + 61] {
        let req = w.signed(&w.patient, "GET", &path, Some(&q), b"", at);
        let a = send(&w.relayer, req).await;
        assert_eq!((a.status.as_u16(), a.code()), (401, "stale_request"));
    }

    // A replayed request: the very same headers twice.
    let req = w.signed(&w.patient, "GET", &path, Some(&q), b"", NOW);
    let (parts, _) = req.into_parts();
    let again = |p: &axum::http::request::Parts| {
        let mut r = Request::builder().method("GET").uri(p.uri.clone());
        for (k, v) in &p.headers {
            r = r.header(k, v);
        }
        r.body(Body::empty()).unwrap()
    };
    assert_eq!(send(&w.relayer, again(&parts)).await.status.as_u16(), 200);
    let a = send(&w.relayer, again(&parts)).await;
    assert_eq!((a.status.as_u16(), a.code()), (401, "replayed_nonce"));
}

#[tokio::test]
async fn malformed_queries_get_400_with_their_reason() {
    let w = world().await;
    let cases = [
        ("from=1&to=2", "bad_query"),
        ("scope=glucose&from=x&to=2", "bad_query"),
        ("scope=sugar&from=1&to=2", "bad_query"),
        ("scope=glucose&from=1&to=2&extra=1", "bad_query"),
        ("scope=glucose&from=3&to=2", "bad_period"),
        ("scope=glucose&from=0&to=2678401", "period_too_long"),
    ];
    for (q, code) in cases {
        let a = w.read(&w.patient, q).await;
        assert_eq!(
            (a.status.as_u16(), a.code()),
            (400, code),
            "{q}: {}",
            a.json
        );
    }
    let a = w.read(&w.patient, "scope=summaries_only&from=1&to=2").await;
    assert_eq!((a.status.as_u16(), a.code()), (422, "summaries_only"));

    let path = "/v1/patients/cosmos1notthischain/readings";
    let req = w.signed(&w.patient, "GET", path, Some(&whole_day()), b"", NOW);
    let a = send(&w.relayer, req).await;
    assert_eq!((a.status.as_u16(), a.code()), (400, "bad_patient"));
}

/// bech32 allows an address written all in upper case; the contracts refuse it, so the relayer
/// reads it as the same (lower-case) account: the patient's readings, not a 503 from the chain.
/// A mixed-case address is not bech32 at all: 400 `bad_patient`.
#[tokio::test]
async fn an_upper_case_patient_address_reads_as_the_same_account_and_a_mixed_case_one_is_refused() {
    let w = world().await;
    let upper = w.patient().to_uppercase();
    let path = format!("/v1/patients/{upper}/readings");
    let req = w.signed(&w.patient, "GET", &path, Some(&whole_day()), b"", NOW);
    let a = send(&w.relayer, req).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(a.json["patient"], w.patient());
    assert_eq!(verify_all(&a.json), 12);

    let mut mixed = w.patient();
    let letter = mixed
        .char_indices()
        .skip(5)
        .find(|(_, c)| c.is_ascii_lowercase())
        .map(|(i, _)| i)
        .unwrap();
    mixed.replace_range(
        letter..letter + 1,
        &mixed[letter..letter + 1].to_uppercase(),
    );
    assert_ne!(mixed, w.patient());
    let path = format!("/v1/patients/{mixed}/readings");
    let req = w.signed(&w.patient, "GET", &path, Some(&whole_day()), b"", NOW);
    let a = send(&w.relayer, req).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (400, "bad_patient"),
        "{}",
        a.json
    );
}

#[tokio::test]
async fn without_a_chain_the_data_api_answers_503() {
    let relayer = TestRelayer::new(1 << 20).unwrap();
    let req = Request::get("/v1/patients/wasm1x/readings?scope=glucose&from=1&to=2")
        .body(Body::empty())
        .unwrap();
    let a = send(&relayer, req).await;
    assert_eq!((a.status.as_u16(), a.code()), (503, "data_api_disabled"));
}

#[tokio::test]
async fn erasure_makes_the_data_unreadable_is_kept_with_the_signed_request_and_queued() {
    let w = world().await;
    let path = format!("/v1/patients/{}/erasure", w.patient());
    // Only the patient (or guardian), and only when confirmed.
    let req = w.signed(
        &w.clinician,
        "POST",
        &path,
        None,
        br#"{"confirm":true}"#,
        NOW,
    );
    let a = send(&w.relayer, req).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (403, "not_patient_or_guardian")
    );
    for (body, code) in [
        (&br#"{"confirm":false}"#[..], "not_confirmed"),
        (b"{}", "bad_body"),
        (b"", "bad_body"),
    ] {
        let req = w.signed(&w.patient, "POST", &path, None, body, NOW);
        let a = send(&w.relayer, req).await;
        assert_eq!((a.status.as_u16(), a.code()), (400, code));
    }
    assert_eq!(w.read(&w.patient, &whole_day()).await.json["count"], 12);

    let req = w.signed(&w.patient, "POST", &path, None, br#"{"confirm":true}"#, NOW);
    let a = send(&w.relayer, req).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    let e = &a.json["erasure"];
    assert_eq!(
        (e["batches"].as_u64(), e["readings"].as_u64()),
        (Some(1), Some(12))
    );
    let request = e["request"].as_str().unwrap();
    assert!(request.starts_with("DIACHAIN-REQUEST/v1\nPOST\n"));
    assert_eq!(b64(&e["request_hash"]), sha256(request.as_bytes()).to_vec());

    // Nothing is served any more; the headers stay for the chain.
    let a = w.read(&w.patient, &whole_day()).await;
    assert_eq!(
        (a.status.as_u16(), a.json["count"].as_u64()),
        (200, Some(0))
    );
    assert_eq!(w.relayer.store.counts().unwrap().pending, 1);
    assert!(matches!(
        &w.queued()[..],
        [OutboxMsg::Erasure { patient, .. }] if *patient == w.patient()
    ));

    let list = format!("/v1/patients/{}/erasures", w.patient());
    let req = w.signed(&w.patient, "GET", &list, None, b"", NOW);
    let a = send(&w.relayer, req).await;
    assert_eq!(
        a.json["erasures"][0]["chain_record"],
        serde_json::json!(OutboxState::Queued)
    );
}

/// Runs the independent FHIR validator (HAPI FHIR, `scripts/fhir-validate.sh`) on `bundle` when
/// `DIACHAIN_FHIR_VALIDATOR` names it (scripts/test.sh builds and sets it).
fn independently_valid(bundle: &serde_json::Value) {
    let Some(script) = std::env::var_os("DIACHAIN_FHIR_VALIDATOR") else {
        eprintln!("DIACHAIN_FHIR_VALIDATOR unset: the HAPI validation is left to scripts/test.sh");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(&file)
        .output()
        .expect("run the FHIR validator");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "HAPI FHIR found errors:\n{text}");
    assert!(text.contains("0 error(s)"), "{text}");
}

#[tokio::test]
async fn a_grantee_gets_anchored_glucose_as_a_fhir_bundle_that_an_independent_validator_accepts() {
    let w = world().await;
    w.grant(7, &[DataScope::Glucose], false);
    let path = format!("/v1/patients/{}/fhir/Observation", w.patient());
    let query = format!("from={}&to={}", T0 - 600, NOW);
    // Not anchored yet: nothing to export (every exported value must be verifiable).
    let a = send(
        &w.relayer,
        w.signed(&w.clinician, "GET", &path, Some(&query), b"", NOW),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json["total"].as_u64()),
        (200, Some(0)),
        "{}",
        a.json
    );

    let id = w.relayer.store.pending(10).unwrap()[0].id;
    w.relayer
        .store
        .mark_anchored(&[id], "5E1F00D", 4_321)
        .unwrap();
    let a = send(
        &w.relayer,
        w.signed(&w.clinician, "GET", &path, Some(&query), b"", NOW),
    )
    .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.json);
    assert_eq!(
        a.headers["content-type"].to_str().unwrap(),
        "application/fhir+json"
    );
    assert_eq!(a.json["resourceType"], "Bundle");
    assert_eq!(a.json["total"], 12);
    assert_eq!(a.json["entry"].as_array().unwrap().len(), 24);
    independently_valid(&a.json);
    // Both requests were served accesses, each queued for the chain.
    assert_eq!(w.queued().len(), 2);

    let a = send(
        &w.relayer,
        w.signed(&signer(4), "GET", &path, Some(&query), b"", NOW),
    )
    .await;
    assert_eq!((a.status.as_u16(), a.code()), (403, "no_grant"));
    let a = send(
        &w.relayer,
        w.signed(
            &w.clinician,
            "GET",
            &path,
            Some("scope=glucose&from=1&to=2"),
            b"",
            NOW,
        ),
    )
    .await;
    assert_eq!((a.status.as_u16(), a.code()), (400, "bad_query"));
}

#[tokio::test]
async fn a_period_holding_too_many_batches_is_refused_not_truncated() {
    use diachain_relayer_core::store::NewBatch;
    let w = world().await;
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x43);
    let start = NOW - 20 * 86_400;
    let batches: Vec<NewBatch> = (0..2_001u64)
        .map(|i| {
            let b = testkit::batch(&key, "cgm-many-small-batches", 1 + i, 1, start + i * 300);
            NewBatch {
                header: b.header,
                signature: b.signature.as_slice().try_into().unwrap(),
                patient: w.patient(),
                readings: b.readings,
                received_at: NOW,
                received_at_ms: 0,
                min_interval_seconds: 0,
                backfill: false,
                millis: Vec::new(),
            }
        })
        .collect();
    w.relayer.store.ingest(&batches).unwrap();
    let q = format!("scope=glucose&from={start}&to={}", start + 2_001 * 300);
    let a = w.read(&w.patient, &q).await;
    assert_eq!(
        (a.status.as_u16(), a.code()),
        (422, "too_much_data"),
        "{}",
        a.json
    );
    // A shorter period is served.
    let q = format!("scope=glucose&from={start}&to={}", start + 86_400);
    let a = w.read(&w.patient, &q).await;
    assert_eq!(
        (a.status.as_u16(), a.json["count"].as_u64()),
        (200, Some(289))
    );
}
