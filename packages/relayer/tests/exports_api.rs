//! Study dataset exports in process: only the sponsor exports; each member gives exactly what
//! their consent allows (a glucose-only consent gives glucose, a member who left gives nothing
//! measured after leaving, a member without a live consent gives nothing); the manifest and
//! one access per participant and scope are queued for the chain together; the dataset is
//! served only once the manifest is recorded, and its rows give the manifest's root; an auditor
//! sees the row map of the participants their grants cover, and nothing without grants.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::{send, Answer};
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_relayer_api::router;
use diachain_relayer_core::store::{OutboxMsg, OutboxState};
use diachain_relayer_testkit::consent::{FakeConsent, FakeGrant};
use diachain_relayer_testkit::studies::{study, FakeStudies};
use diachain_relayer_testkit::{self as testkit, device_record, TestRelayer, DAY0};
use diachain_relayer_types::dataset::{self, ReadContext};
use diachain_relayer_types::exports::{ExportStatus, RowMapEntry};
use diachain_std::encoding::ReadingKind;
use diachain_std::testing::{signed_batch_v2, TestKey};
use diachain_std::{DataScope, KeyAlgorithm};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const NOW: u64 = DAY0 + 30 * 86_400;
const BLOCK_TIME_NS: u64 = (NOW - 2) * 1_000_000_000;
/// The study's data period: the 10 days before NOW's day.
const FIRST_DAY: u64 = NOW / 86_400 - 10;
const T0: u64 = FIRST_DAY * 86_400 + 3_600;
const STUDY: u64 = 7;

fn signer(seed: u8) -> Signer {
    Signer::from_secret(&[seed; 32], WASM_PREFIX).unwrap()
}

struct World {
    relayer: TestRelayer,
    consent: Arc<FakeConsent>,
    studies: Arc<FakeStudies>,
    sponsor: Signer,
    alice: Signer,
    bob: Signer,
    carol: Signer,
    dave: Signer,
    nonce: std::sync::atomic::AtomicU64,
}

impl World {
    /// 24 readings alternating glucose and insulin every 5 minutes from `first`, anchored.
    async fn readings(&self, patient: &Signer, device: &str, seed: u8, first: u64) {
        let key = TestKey::new(KeyAlgorithm::Ed25519, seed);
        self.relayer
            .registry
            .put(device, device_record(&key, Some(patient.address())));
        let b = signed_batch_v2(
            &key,
            device,
            1,
            24,
            first,
            300,
            &testkit::domain(),
            &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
        );
        let answer = common::post(&self.relayer, testkit::body(&b)).await;
        assert_eq!(answer.status.as_u16(), 201, "{}", answer.json);
        let pending = self.relayer.store.pending(100).unwrap();
        let ids: Vec<_> = pending.iter().map(|b| b.id).collect();
        self.relayer
            .store
            .mark_anchored(&ids, "ANCHORTX", 50)
            .unwrap();
    }

    fn signed(&self, by: &Signer, method: &str, path: &str, body: &[u8]) -> Request<Body> {
        let n = self.nonce.fetch_add(1, Ordering::SeqCst);
        let nonce = format!("test-nonce-{n:08}");
        common::signed_request(by, method, path, None, body, NOW, &nonce)
    }

    async fn call(&self, by: &Signer, method: &str, path: &str, body: &[u8]) -> Answer {
        send(&self.relayer, self.signed(by, method, path, body)).await
    }

    async fn raw(&self, by: &Signer, path: &str) -> (u16, Vec<u8>) {
        let response = router(self.relayer.state.clone())
            .oneshot(self.signed(by, "GET", path, b""))
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, bytes.to_vec())
    }

    async fn start(&self, by: &Signer, body: &str) -> Answer {
        let path = format!("/v1/studies/{STUDY}/exports");
        self.call(by, "POST", &path, body.as_bytes()).await
    }

    /// Polls the export until it leaves planning and writing.
    async fn written(&self, id: &str) -> ExportStatus {
        let path = format!("/v1/studies/{STUDY}/exports/{id}");
        for _ in 0..200 {
            let a = self.call(&self.sponsor, "GET", &path, b"").await;
            assert_eq!(a.status.as_u16(), 200, "{}", a.json);
            let s: ExportStatus = serde_json::from_value(a.json).unwrap();
            if !matches!(
                s.phase,
                diachain_relayer_types::exports::ExportPhase::Planning
                    | diachain_relayer_types::exports::ExportPhase::Writing
            ) {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the export did not finish");
    }

    fn queued(&self) -> Vec<(u64, OutboxMsg)> {
        self.relayer
            .store
            .outbox(false, 100)
            .unwrap()
            .into_iter()
            .map(|i| (i.id, i.msg))
            .collect()
    }

    fn record_all(&self) {
        let ids: Vec<u64> = self.queued().into_iter().map(|(id, _)| id).collect();
        self.relayer
            .store
            .set_outbox_state(
                &ids,
                &OutboxState::Recorded {
                    tx_hash: "RECORDTX".into(),
                    height: 60,
                },
            )
            .unwrap();
    }
}

/// A member: who, their research grant, its scopes, when they left, whether it is live.
type MemberSpec<'a> = (&'a Signer, u64, &'a [DataScope], Option<u64>, bool);

async fn world() -> World {
    let consent = Arc::new(FakeConsent::default());
    consent.block_time.store(BLOCK_TIME_NS, Ordering::SeqCst);
    let studies = Arc::new(FakeStudies::default());
    let relayer = TestRelayer::with_data_api(1 << 20, Arc::new(|| NOW), consent.clone())
        .unwrap()
        .with_exports(studies.clone());
    let w = World {
        relayer,
        consent,
        studies,
        sponsor: signer(10),
        alice: signer(11),
        bob: signer(12),
        carol: signer(13),
        dave: signer(14),
        nonce: Default::default(),
    };
    let period_end = (FIRST_DAY + 10) * 86_400 - 1;
    w.studies.add_study(study(
        STUDY,
        w.sponsor.address(),
        &[DataScope::Glucose, DataScope::Insulin],
        FIRST_DAY,
        FIRST_DAY + 9,
    ));
    let both = [DataScope::Glucose, DataScope::Insulin];
    let members: [MemberSpec<'_>; 4] = [
        // Alice: glucose and insulin, all period.
        (&w.alice, 1, &both, None, true),
        // Bob: glucose only.
        (&w.bob, 2, &[DataScope::Glucose], None, true),
        // Carol left 50 minutes after her first reading.
        (&w.carol, 3, &both, Some(T0 + 3_000), true),
        // Dave's consent is no longer live.
        (&w.dave, 4, &both, None, false),
    ];
    for (i, (who, grant, scopes, left, live)) in members.into_iter().enumerate() {
        w.studies.join(
            STUDY,
            who.address(),
            grant,
            scopes,
            FIRST_DAY * 86_400,
            period_end,
            left,
            live,
        );
        if live {
            w.consent.grant(FakeGrant {
                id: grant,
                patient: who.address().to_string(),
                grantee: w.sponsor.address().to_string(),
                scopes: scopes.to_vec(),
                data_from: FIRST_DAY * 86_400,
                data_to: period_end,
                break_glass: false,
                revoked: false,
                expired: false,
                revoked_by: None,
            });
        }
        w.readings(who, &format!("dev-{i}-aaaaaaaa"), 0x50 + i as u8, T0)
            .await;
    }
    w
}

#[tokio::test]
async fn the_sponsor_exports_exactly_what_each_consent_allows_and_the_rows_give_the_root() {
    let w = world().await;
    let a = w.start(&w.sponsor, r#"{"format":"csv"}"#).await;
    assert_eq!(a.status.as_u16(), 202, "{}", a.json);
    let id = a.json["export_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    let s = w.written(&id).await;
    assert!(s.error.is_none(), "{:?}", s.error);
    // Alice 24 rows, Bob his 12 glucose rows, Carol the 11 readings up to her leaving (+0 … +3,000 s,
    // the one at the very second she left included): 6 glucose, 5 insulin.
    assert_eq!(s.rows, 24 + 12 + 11);
    assert_eq!(s.participants, 3);
    assert_eq!(s.members, 4);
    assert_eq!(s.excluded.get("no_live_consent"), Some(&1));
    let manifest = s.manifest.clone().expect("manifest");
    assert_eq!(manifest.members, 3);
    assert_eq!(manifest.rows, 47);
    assert_eq!(manifest.scope_rows.len(), 2);
    assert_eq!(manifest.scope_rows[0].rows, 12 + 12 + 6);
    assert_eq!(manifest.scope_rows[1].rows, 12 + 5);
    assert_eq!(manifest.exported_at.nanos(), BLOCK_TIME_NS);
    // The manifest and one access per participant and scope given, queued together.
    let queued = w.queued();
    assert!(matches!(&queued[0].1, OutboxMsg::Manifest { manifest: m } if *m == manifest));
    let accesses: Vec<(String, DataScope)> = queued[1..]
        .iter()
        .map(|(_, m)| match m {
            OutboxMsg::Access {
                patient,
                grantee,
                scope,
                ..
            } => {
                assert_eq!(grantee, w.sponsor.address());
                (patient.clone(), *scope)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(accesses.len(), 5);
    assert!(!accesses.contains(&(w.bob.address().to_string(), DataScope::Insulin)));
    assert!(!accesses.iter().any(|(p, _)| p == w.dave.address()));
    // Not downloadable before the manifest is on chain.
    let data_path = format!("/v1/studies/{STUDY}/exports/{id}/data");
    let early = w.call(&w.sponsor, "GET", &data_path, b"").await;
    assert_eq!(early.code(), "export_not_ready");
    w.record_all();
    let (status, bytes) = w.raw(&w.sponsor, &data_path).await;
    assert_eq!(status, 200);
    let summary = dataset::summarize_csv(
        &bytes[..],
        ReadContext {
            data_from_day: Some(FIRST_DAY),
            study_id: Some(STUDY),
        },
    )
    .unwrap();
    assert_eq!(summary.root.to_vec(), manifest.root.to_vec());
    assert_eq!(summary.rows, 47);
    assert_eq!(summary.participants, 3);
    let text = String::from_utf8(bytes).unwrap();
    for who in [&w.alice, &w.bob, &w.carol, &w.dave] {
        assert!(!text.contains(who.address()));
    }
    assert!(!text.contains("dev-"));
    // Nothing of Carol's after she left.
    let last_allowed = T0 + 3_000;
    let late = text
        .lines()
        .skip(1)
        .filter_map(|l| dataset::parse_csv_line(l, Some(FIRST_DAY)).ok())
        .filter(|r| r.time as u64 > last_allowed)
        .count();
    // Alice's readings 11..=23 and Bob's glucose readings 12, 14, …, 22.
    assert_eq!(late, 13 + 6, "only Alice's and Bob's later rows");
    let s: ExportStatus = serde_json::from_value(
        w.call(
            &w.sponsor,
            "GET",
            &format!("/v1/studies/{STUDY}/exports/{id}"),
            b"",
        )
        .await
        .json,
    )
    .unwrap();
    assert_eq!(s.phase, diachain_relayer_types::exports::ExportPhase::Ready);
}

#[tokio::test]
async fn ndjson_exports_give_the_same_root_as_csv() {
    let w = world().await;
    let csv = w.start(&w.sponsor, r#"{"format":"csv"}"#).await;
    let csv = w.written(csv.json["export_id"].as_str().unwrap()).await;
    let nd = w.start(&w.sponsor, r#"{"format":"fhir_ndjson"}"#).await;
    assert_eq!(nd.status.as_u16(), 202, "{}", nd.json);
    let nd = w.written(nd.json["export_id"].as_str().unwrap()).await;
    assert_eq!(
        csv.manifest.unwrap().root,
        nd.manifest.clone().unwrap().root
    );
    w.record_all();
    let (status, bytes) = w
        .raw(
            &w.sponsor,
            &format!("/v1/studies/{STUDY}/exports/{}/data", nd.export_id),
        )
        .await;
    assert_eq!(status, 200);
    let summary = dataset::summarize_ndjson(
        &bytes[..],
        ReadContext {
            data_from_day: Some(FIRST_DAY),
            study_id: Some(STUDY),
        },
    )
    .unwrap();
    assert_eq!(summary.root.to_vec(), nd.manifest.unwrap().root.to_vec());
}

#[tokio::test]
async fn only_the_sponsor_exports_and_bad_requests_are_refused() {
    let w = world().await;
    assert_eq!(
        w.start(&w.alice, r#"{"format":"csv"}"#).await.code(),
        "not_the_sponsor"
    );
    assert_eq!(
        w.start(&w.sponsor, r#"{"format":"xlsx"}"#).await.code(),
        "bad_export_request"
    );
    assert_eq!(
        w.start(&w.sponsor, r#"{"format":"csv","extra":1}"#)
            .await
            .code(),
        "bad_export_request"
    );
    let unknown = w
        .call(
            &w.sponsor,
            "POST",
            "/v1/studies/99/exports",
            br#"{"format":"csv"}"#,
        )
        .await;
    assert_eq!(unknown.code(), "unknown_study");
    let bad_id = w
        .call(
            &w.sponsor,
            "POST",
            "/v1/studies/x/exports",
            br#"{"format":"csv"}"#,
        )
        .await;
    assert_eq!(bad_id.code(), "bad_query");
    w.consent.not_custodian.store(true, Ordering::SeqCst);
    assert_eq!(
        w.start(&w.sponsor, r#"{"format":"csv"}"#).await.code(),
        "not_a_custodian"
    );
    w.consent.not_custodian.store(false, Ordering::SeqCst);
    // Another caller can neither follow nor download the sponsor's export.
    let a = w.start(&w.sponsor, r#"{"format":"csv"}"#).await;
    let id = a.json["export_id"].as_str().unwrap().to_string();
    w.written(&id).await;
    w.record_all();
    let path = format!("/v1/studies/{STUDY}/exports/{id}");
    assert_eq!(
        w.call(&w.alice, "GET", &path, b"").await.code(),
        "not_the_sponsor"
    );
    assert_eq!(
        w.call(&w.alice, "GET", &format!("{path}/data"), b"")
            .await
            .code(),
        "not_the_sponsor"
    );
    let other = format!("/v1/studies/{STUDY}/exports/{}", "0".repeat(32));
    assert_eq!(
        w.call(&w.sponsor, "GET", &other, b"").await.code(),
        "unknown_export"
    );
    // The chain down: refused, nothing queued.
    let before = w.queued().len();
    w.studies.unreachable.store(true, Ordering::SeqCst);
    assert_eq!(
        w.start(&w.sponsor, r#"{"format":"csv"}"#).await.code(),
        "chain_unavailable"
    );
    assert_eq!(w.queued().len(), before);
}

#[tokio::test]
async fn an_auditor_sees_the_row_map_of_the_participants_their_grants_cover() {
    let w = world().await;
    let a = w
        .start(&w.sponsor, r#"{"format":"csv","shift_times":true}"#)
        .await;
    let id = a.json["export_id"].as_str().unwrap().to_string();
    let s = w.written(&id).await;
    assert!(s.shift_times);
    w.record_all();
    let auditor = signer(20);
    let map_path = format!("/v1/studies/{STUDY}/exports/{id}/rowmap");
    assert_eq!(
        w.call(&auditor, "GET", &map_path, b"").await.code(),
        "no_audit_grant"
    );
    // Bob grants the ethics board glucose over the study period.
    w.consent.grant(FakeGrant {
        id: 40,
        patient: w.bob.address().to_string(),
        grantee: auditor.address().to_string(),
        scopes: vec![DataScope::Glucose],
        data_from: FIRST_DAY * 86_400,
        data_to: (FIRST_DAY + 10) * 86_400 - 1,
        break_glass: false,
        revoked: false,
        expired: false,
        revoked_by: None,
    });
    let before = w.relayer.store.outbox(false, 100).unwrap().len();
    let (status, bytes) = w.raw(&auditor, &map_path).await;
    assert_eq!(status, 200);
    let entries: Vec<RowMapEntry> = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 12, "Bob's 12 glucose rows");
    assert!(entries.iter().all(|e| e.patient == w.bob.address()));
    assert!(entries
        .iter()
        .all(|e| e.shift_secs % 86_400 == 0 && e.shift_secs.abs() <= 7 * 86_400));
    // The rows they point at are Bob's readings, shifted.
    let (_, data) = w
        .raw(
            &w.sponsor,
            &format!("/v1/studies/{STUDY}/exports/{id}/data"),
        )
        .await;
    let lines: Vec<&str> = std::str::from_utf8(&data)
        .unwrap()
        .lines()
        .skip(1)
        .collect();
    for e in &entries {
        let row = dataset::parse_csv_line(lines[e.row as usize], Some(FIRST_DAY)).unwrap();
        assert_eq!(row.participant, e.participant);
        assert_eq!(row.time, e.proof.reading.measured_at as i64 + e.shift_secs);
        assert_eq!(row.value, e.proof.reading.value);
    }
    // One access (Bob's glucose, to the auditor) queued.
    let after = w.relayer.store.outbox(false, 100).unwrap();
    assert_eq!(after.len(), before + 1);
    assert!(
        matches!(&after.last().unwrap().msg, OutboxMsg::Access { grantee, .. } if grantee == auditor.address())
    );
}

#[tokio::test]
async fn exports_are_off_without_a_union_contract_empty_studies_fail_and_a_study_keeps_ten() {
    // No union contract: the routes answer 503 exports_disabled.
    let consent = Arc::new(FakeConsent::default());
    consent.block_time.store(BLOCK_TIME_NS, Ordering::SeqCst);
    let bare = TestRelayer::with_data_api(1 << 20, Arc::new(|| NOW), consent).unwrap();
    let sponsor = signer(10);
    let path = format!("/v1/studies/{STUDY}/exports");
    let req = common::signed_request(
        &sponsor,
        "POST",
        &path,
        None,
        br#"{"format":"csv"}"#,
        NOW,
        "off-nonce-0000000001",
    );
    assert_eq!(send(&bare, req).await.code(), "exports_disabled");

    let w = world().await;
    // A study with no member gives nothing: the export fails, nothing is queued.
    w.studies.add_study(study(
        8,
        w.sponsor.address(),
        &[DataScope::Glucose],
        FIRST_DAY,
        FIRST_DAY + 9,
    ));
    let before = w.queued().len();
    let a = w
        .call(
            &w.sponsor,
            "POST",
            "/v1/studies/8/exports",
            br#"{"format":"csv"}"#,
        )
        .await;
    let id = a.json["export_id"].as_str().unwrap().to_string();
    let mut status = Value::Null;
    for _ in 0..200 {
        status = w
            .call(
                &w.sponsor,
                "GET",
                &format!("/v1/studies/8/exports/{id}"),
                b"",
            )
            .await
            .json;
        if status["phase"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status["phase"], "failed", "{status}");
    assert_eq!(status["error"]["error"], "export_failed");
    assert_eq!(w.queued().len(), before);
    // Study 7 keeps ten exports; the eleventh is refused.
    for _ in 0..10 {
        let a = w.start(&w.sponsor, r#"{"format":"csv"}"#).await;
        assert_eq!(a.status.as_u16(), 202, "{}", a.json);
        w.written(a.json["export_id"].as_str().unwrap()).await;
    }
    assert_eq!(
        w.start(&w.sponsor, r#"{"format":"csv"}"#).await.code(),
        "too_many_exports"
    );
}
