//! Research datasets on the real network: a sponsor's study with three members — one who
//! narrowed their consent to glucose only, one who left early — is exported by the real relayer
//! binary (the `export` command, signed by the sponsor's key); the manifest is on chain; an
//! independent `verify-dataset` run passes, and fails on a copy with one edited row; an
//! auditor's row map checks every one of a participant's rows against its anchored reading; a
//! summary-only grantee receives CGM metrics, is refused the readings, and the on-chain access log says a
//! summary was served. Leaves the dataset in `.chain/<chain-id>/research-dataset/` for the
//! TypeScript client's live test, which verifies it again on its own. Skips unless
//! `DIACHAIN_E2E_CHAIN_ID` names a running network with the suite deployed (scripts/e2e.sh).

use std::path::Path;
use std::process::Output;

use cosmwasm_std::{Timestamp, Uint128};
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_e2e::journey::{register_and_bind, Recorder};
use diachain_e2e::relayer::{
    admit_relayer_as_custodian, binary, chain, domain, grant_by, keyring_signer, outbox_drained,
    work_dir, Relayer,
};
use diachain_e2e::{repo_root, run_tag, Exec, Network, DEFAULT_GAS_LIMIT};
use diachain_std::consent::{self, AccessRecord, Expiry};
use diachain_std::encoding::ReadingKind;
use diachain_std::pagination::Page;
use diachain_std::testing::{signed_batch_v2, TestKey};
use diachain_std::union::{
    self, ContributionResponse, Eligibility, Manifest, NewStudy, StudyResponse,
};
use diachain_std::{DataScope, DeviceKind, KeyAlgorithm, Purpose};
use serde_json::Value;

const DAY: u64 = 86_400;
/// Each member's device sends one batch: glucose and insulin in turn, 30 s apart (each scope a
/// minute apart, as the chain allows glucose).
const READINGS: u32 = 6;
const SPACING: u64 = 30;

fn ts(s: u64) -> Timestamp {
    Timestamp::from_seconds(s)
}

/// The sponsor's study of today's glucose and insulin; its id.
fn create_study(net: &Network, today: u64, tag: &str) -> u64 {
    let tx = net
        .send(
            "sponsor",
            &[Exec::new(
                &net.contracts.union,
                &union::ExecuteMsg::CreateStudy {
                    study: NewStudy {
                        title: format!("e2e dataset study {tag}"),
                        description_url: "https://example.invalid/dataset-protocol".into(),
                        scopes: vec![DataScope::Glucose, DataScope::Insulin],
                        data_from_day: today,
                        data_to_day: today,
                        closes_at: None,
                        eligibility: Eligibility {
                            min_readings_per_day: 0,
                            min_days: 0,
                            device_kinds: vec![],
                            max_readings_per_day: None,
                        },
                        cap_per_patient: Uint128::new(10_000),
                    },
                    denom: net.denom.clone(),
                },
            )
            .with_funds(100_000)],
            DEFAULT_GAS_LIMIT,
        )
        .expect_ok("create the study");
    tx.attr("wasm", "study_id")
        .expect("study_id")
        .parse()
        .expect("a study id")
}

/// `key` gives the sponsor research consent to `scopes` of today's data, and joins.
fn consent_and_join(
    net: &Network,
    key: &str,
    study_id: u64,
    scopes: &[DataScope],
    today: u64,
    now: u64,
) {
    net.execute(
        key,
        &net.contracts.consent,
        &consent::ExecuteMsg::Grant {
            patient: None,
            grantee: net.addr("sponsor"),
            scopes: scopes.to_vec(),
            purpose: Purpose::Research,
            study_id: Some(study_id),
            data_from: ts(today * DAY),
            data_to: ts(today * DAY + DAY - 1),
            expires: Expiry::AtTime(ts(now + 30 * DAY)),
        },
    )
    .expect_ok("research consent");
    net.execute(
        key,
        &net.contracts.union,
        &union::ExecuteMsg::Join { study_id },
    )
    .expect_ok("join");
}

/// `patient` grants `grantee` `scopes` of today's data (not research) for a day.
fn grant(
    net: &Network,
    patient: &str,
    grantee: &str,
    scopes: &[DataScope],
    purpose: Purpose,
    today: u64,
) {
    grant_by(
        net,
        patient,
        grantee,
        scopes,
        purpose,
        (today * DAY, today * DAY + DAY - 1),
        DAY,
    );
}

fn run(args: &[&str]) -> Output {
    std::process::Command::new(binary())
        .args(args)
        .output()
        .expect("run the relayer binary")
}

fn verdict(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON verdict ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `verify-dataset FILE` against this network, with `extra` arguments.
fn verify_dataset(net: &Network, file: &Path, study_id: u64, extra: &[&str]) -> Output {
    let study = study_id.to_string();
    let file = file.display().to_string();
    let mut args = vec![
        "verify-dataset",
        file.as_str(),
        "--study",
        study.as_str(),
        "--node",
        net.node.as_str(),
        "--chain-id",
        net.chain_id.as_str(),
        "--union-contract",
        net.contracts.union.as_str(),
        "--consent-contract",
        net.contracts.consent.as_str(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// A copy of `file` with the value of its first data row changed (still in canonical form).
fn edited_copy(file: &Path, out: &Path) {
    let text = std::fs::read_to_string(file).expect("dataset");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    let value: f64 = fields[5].parse().expect("a value");
    fields[5] = format!("{}", value as i64 + 1);
    lines[1] = fields.join(",");
    std::fs::write(out, lines.join("\n") + "\n").expect("write the edited copy");
}

fn access_log_of(net: &Network, grantee: &str) -> Vec<AccessRecord> {
    let mut out: Vec<AccessRecord> = Vec::new();
    loop {
        let page: Page<AccessRecord> = net
            .query(
                &net.contracts.consent,
                &consent::QueryMsg::AccessLogByGrantee {
                    grantee: grantee.to_string(),
                    start_after: out.last().map(|r| r.id),
                    limit: Some(100),
                },
            )
            .expect("access log");
        out.extend(page.items);
        if !page.has_more {
            return out;
        }
    }
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn a_study_dataset_is_exported_anchored_verified_by_anyone_and_summary_grantees_get_metrics_only() {
    let (net, _guard) = chain();
    let tag = run_tag();
    let now = net.avoid_midnight(3 * 3_600);
    let today = now / DAY;
    admit_relayer_as_custodian(&net);
    let dir = work_dir(&net, "research-dataset");
    let r = Relayer::start(
        &net,
        &dir,
        net.relayer_port(5),
        &[
            "--consent-contract",
            &net.contracts.consent,
            "--union-contract",
            &net.contracts.union,
        ],
    );

    // The study and its members, each consenting to both scopes (the union admits only a
    // consent that covers the study's): Alice stays; Bob narrows his consent to glucose only
    // after his readings (the union then counts him as having left); Carol leaves early.
    let study_id = create_study(&net, today, &tag);
    let both = [DataScope::Glucose, DataScope::Insulin];
    let members: [&'static str; 3] = ["patient", "patient2", "patient3"];
    for key in members {
        consent_and_join(&net, key, study_id, &both, today, now);
    }
    // Each binds a phone gateway that relays glucose and insulin.
    let devices: Vec<(String, TestKey)> = (0..3)
        .map(|i| {
            (
                format!("rd-{tag}-{i}"),
                TestKey::new(KeyAlgorithm::Ed25519, 0x90 + i as u8),
            )
        })
        .collect();
    for (key, (id, k)) in members.iter().zip(&devices) {
        register_and_bind(
            &net,
            &mut Recorder { steps: vec![] },
            &[(id.as_str(), DeviceKind::Gateway, k)],
            key,
        );
    }
    let (_, bound) = net.status().expect("status");
    let first = bound + 1;
    for (id, k) in &devices {
        let b = signed_batch_v2(
            k,
            id,
            1,
            READINGS,
            first,
            SPACING,
            &domain(&net),
            &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
        );
        r.post_ok(&b);
    }
    // Carol leaves after her first three readings (glucose, insulin, glucose).
    net.wait_until_time(first + 2 * SPACING + 5);
    net.execute(
        "patient3",
        &net.contracts.union,
        &union::ExecuteMsg::Leave { study_id },
    )
    .expect_ok("leave");
    let carol: ContributionResponse = net
        .query(
            &net.contracts.union,
            &union::QueryMsg::Contribution {
                study_id,
                patient: net.addr("patient3"),
            },
        )
        .expect("contribution");
    let left_at = carol
        .member
        .expect("member")
        .left_at
        .expect("left")
        .seconds();
    assert!(
        left_at < first + 3 * SPACING,
        "Carol left before her fourth reading"
    );
    // Bob narrows his research consent to glucose once all his readings are measured: the
    // sponsor may no longer read his insulin, whenever it was measured.
    net.wait_until_time(first + u64::from(READINGS - 1) * SPACING + 2);
    let bob: consent::ResearchConsentResponse = net
        .query(
            &net.contracts.consent,
            &consent::QueryMsg::ResearchConsent {
                patient: net.addr("patient2"),
                study_id,
            },
        )
        .expect("research consent");
    let bob_grant = bob.consent.expect("Bob's consent").grant_id;
    net.execute(
        "patient2",
        &net.contracts.consent,
        &consent::ExecuteMsg::AmendGrant {
            grant_id: bob_grant,
            scopes: Some(vec![DataScope::Glucose]),
            data_from: None,
            data_to: None,
            expires: None,
        },
    )
    .expect_ok("narrow to glucose");
    r.drained(std::time::Duration::from_secs(90));

    // The sponsor exports (the real binary, signing with the sponsor's key).
    let out_dir = repo_root()
        .join(".chain")
        .join(&net.chain_id)
        .join("research-dataset");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).expect("dataset dir");
    let file = out_dir.join("dataset.csv");
    let sponsor_key = net.keyring_dir.join("logs/key-sponsor.json");
    let relayer_url = format!("http://{}", r.addr);
    let study = study_id.to_string();
    let out = run(&[
        "export",
        "--relayer",
        &relayer_url,
        "--study",
        &study,
        "--format",
        "csv",
        "--out",
        &file.display().to_string(),
        "--mnemonic-file",
        &sponsor_key.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Value = serde_json::from_slice(&out.stdout).expect("export status");
    // Alice 6 rows, Bob his 3 glucose rows, Carol the 3 readings before she left.
    assert_eq!(status["rows"], 12, "{status}");
    assert_eq!(status["participants"], 3, "{status}");
    assert_eq!(status["phase"], "ready");

    // The manifest is on chain, as the relayer reported it.
    let page: Page<Manifest> = net
        .query(
            &net.contracts.union,
            &union::QueryMsg::Manifests {
                study_id,
                start_after: None,
                limit: None,
            },
        )
        .expect("manifests");
    assert_eq!(page.items.len(), 1);
    let m = &page.items[0];
    assert_eq!(m.custodian.as_str(), net.addr("relayer"));
    assert_eq!((m.members, m.rows), (3, 12));
    let per_scope: Vec<(DataScope, u64)> = m.scope_rows.iter().map(|s| (s.scope, s.rows)).collect();
    assert_eq!(
        per_scope,
        [(DataScope::Glucose, 3 + 3 + 2), (DataScope::Insulin, 3 + 1)]
    );
    assert_eq!(
        serde_json::to_value(&m.root).unwrap(),
        status["manifest"]["root"],
        "the root on chain is the one served"
    );
    let text = std::fs::read_to_string(&file).expect("dataset");
    for key in ["patient", "patient2", "patient3", "sponsor"] {
        assert!(!text.contains(&net.addr(key)), "the dataset names {key}");
    }
    for (id, _) in &devices {
        assert!(!text.contains(id.as_str()), "the dataset names a device");
    }
    let study_state: StudyResponse = net
        .query(&net.contracts.union, &union::QueryMsg::Study { study_id })
        .expect("study");
    assert_eq!(study_state.study.members, 3);

    // Anyone verifies it against the chain; one edited row fails.
    let ok = verify_dataset(&net, &file, study_id, &[]);
    let v = verdict(&ok);
    assert!(
        ok.status.success(),
        "verify-dataset: {v}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(v["verified"], true);
    let edited = out_dir.join("edited.csv");
    edited_copy(&file, &edited);
    let bad = verify_dataset(
        &net,
        &edited,
        study_id,
        &["--manifest-id", &m.id.to_string()],
    );
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let v = verdict(&bad);
    assert_eq!(v["verified"], false);
    let check = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == "file matches manifest")
        .expect("the manifest check");
    assert_eq!(check["ok"], false, "{v}");
    assert!(
        check["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("root"),
        "{v}"
    );
    std::fs::remove_file(&edited).ok();

    // An auditor whom Alice granted both scopes checks each of her rows against its anchor.
    let auditor_name: &'static str = Box::leak(format!("rd-auditor-{tag}").into_boxed_str());
    let auditor = net.add_saved_key(auditor_name);
    grant(
        &net,
        "patient",
        &auditor,
        &[DataScope::Glucose, DataScope::Insulin],
        Purpose::Treatment,
        today,
    );
    let map = out_dir.join("rowmap.ndjson");
    let auditor_key = repo_root().join(format!(".chain/{}/key-{auditor_name}.hex", net.chain_id));
    let export_id = status["export_id"].as_str().expect("export id");
    let out = run(&[
        "row-map",
        "--relayer",
        &relayer_url,
        "--study",
        &study,
        "--export",
        export_id,
        "--out",
        &map.display().to_string(),
        "--key-file",
        &auditor_key.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "row-map: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mapped = std::fs::read_to_string(&map).expect("row map");
    assert_eq!(mapped.lines().count(), 6, "Alice's six rows");
    assert!(mapped.contains(&net.addr("patient")));
    let audited = verify_dataset(
        &net,
        &file,
        study_id,
        &[
            "--row-map",
            &map.display().to_string(),
            "--anchors-contract",
            &net.contracts.anchors,
        ],
    );
    let v = verdict(&audited);
    assert!(audited.status.success(), "verify-dataset --row-map: {v}");
    let row_check = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == "row map")
        .expect("the row map check");
    assert_eq!(row_check["ok"], true, "{v}");
    std::fs::remove_file(&map).ok();

    // A summary-only grantee (an insurer) gets metrics, never readings.
    let insurer = Signer::generate(WASM_PREFIX).expect("insurer key");
    grant(
        &net,
        "patient",
        insurer.address(),
        &[DataScope::SummariesOnly],
        Purpose::Insurance,
        today,
    );
    let alice = keyring_signer(&net, "patient");
    let path = format!("/v1/patients/{}/summary", alice.address());
    let query = format!("from={}&to={}", first - 1, first + DAY / 2);
    let (code, summary) = r.signed(&insurer, "GET", &path, Some(&query), b"");
    assert_eq!(code, 200, "{summary}");
    assert_eq!(summary["scope"], "summaries_only");
    assert_eq!(
        summary["metrics"]["readings"], 3,
        "Alice's three glucose readings: {summary}"
    );
    assert!(summary["metrics"]["mean"].as_f64().is_some());
    assert!(!summary.to_string().contains("\"salt\""));
    let readings = format!("/v1/patients/{}/readings", alice.address());
    let q = format!("scope=glucose&from={}&to={}", first - 1, first + DAY / 2);
    let (code, refused) = r.signed(&insurer, "GET", &readings, Some(&q), b"");
    assert_eq!(code, 403, "{refused}");
    assert_eq!(refused["error"], "scope_not_granted");
    outbox_drained(&r);
    let log = access_log_of(&net, insurer.address());
    assert_eq!(log.len(), 1, "one access: the summary");
    assert_eq!(log[0].scope, DataScope::SummariesOnly);
    // The export is in the sponsor's access log: one record per participant and scope given,
    // recorded with the manifest.
    let exported: Vec<(String, DataScope)> = access_log_of(&net, &net.addr("sponsor"))
        .into_iter()
        .filter(|a| a.height == m.height)
        .map(|a| (a.patient.to_string(), a.scope))
        .collect();
    assert_eq!(exported.len(), 5, "{exported:?}");
    assert!(!exported.contains(&(net.addr("patient2"), DataScope::Insulin)));

    // For the TypeScript client's live test.
    std::fs::write(
        out_dir.join("study.json"),
        serde_json::json!({
            "study_id": study_id,
            "union": net.contracts.union,
            "consent": net.contracts.consent,
        })
        .to_string(),
    )
    .expect("study.json");
}
