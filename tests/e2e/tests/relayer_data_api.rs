//! The data API on the real network: a clinician the patient granted access reads the
//! readings and checks every one against the chain; after the patient revokes, the same
//! request is refused; the served accesses (and not the refusal) are in the consent contract's
//! log; a break-glass read shows in the patient's log; erasure makes the data unreadable and is
//! recorded on chain. Skips unless `DIACHAIN_E2E_CHAIN_ID` names a running network with the
//! suite deployed (scripts/e2e.sh).
//!
//! Its name makes it run after `e2e.rs`, whose journey counts the keyring patient's anchored
//! readings of the day: these tests anchor more for that patient (as `relayer.rs` does).

use std::time::{Duration, Instant};

use cosmwasm_std::Binary;
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_e2e::nightscout::{self as ns, Aaps};
use diachain_e2e::relayer::{
    admit_relayer_as_custodian, chain, gateways, grant_by, keyring_signer, outbox_drained,
    post_round, work_dir, Relayer,
};
use diachain_e2e::Network;
use diachain_relayer_types::ReadingJson;
use diachain_std::anchors::{ProofResponse, QueryMsg as AnchorsQuery};
use diachain_std::consent::{self, AccessRecord, BreakGlassReason, ErasureRecord, GrantInfo};
use diachain_std::crypto::sha256;
use diachain_std::pagination::Page;
use diachain_std::{DataScope, Purpose};
use serde_json::Value;

fn start(net: &Network, name: &str, port: u16) -> Relayer {
    admit_relayer_as_custodian(net);
    let consent = net.contracts.consent.clone();
    Relayer::start(
        net,
        &work_dir(net, name),
        port,
        &["--consent-contract", &consent],
    )
}

/// The patient grants `grantee` treatment access to glucose measured in `from..=to`, for
/// `for_secs` from now; the grant's id.
fn grant_glucose(net: &Network, grantee: &str, from: u64, to: u64, for_secs: u64) -> u64 {
    grant(net, grantee, &[DataScope::Glucose], (from, to), for_secs)
}

/// The patient grants `grantee` treatment access to `scopes` measured in `from..=to`, for
/// `for_secs` from now; the grant's id.
fn grant(
    net: &Network,
    grantee: &str,
    scopes: &[DataScope],
    period: (u64, u64),
    for_secs: u64,
) -> u64 {
    grant_by(
        net,
        "patient",
        grantee,
        scopes,
        Purpose::Treatment,
        period,
        for_secs,
    )
}

fn readings_path(patient: &str) -> String {
    format!("/v1/patients/{patient}/readings")
}

fn access_log(net: &Network, patient: &str) -> Vec<AccessRecord> {
    let mut out: Vec<AccessRecord> = Vec::new();
    loop {
        let page: Page<AccessRecord> = net
            .query(
                &net.contracts.consent,
                &consent::QueryMsg::AccessLogByPatient {
                    patient: patient.to_string(),
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

/// Every served reading: its leaf is the reading's, and the chain's `VerifyProof` accepts its
/// path against the root it anchored. Returns how many were checked.
fn verify_against_chain(net: &Network, answer: &Value) -> usize {
    let mut n = 0;
    for b in answer["batches"].as_array().expect("batches") {
        let device = b["header"]["device_id"].as_str().unwrap().to_string();
        for r in b["readings"].as_array().unwrap() {
            let reading: ReadingJson = serde_json::from_value(r["reading"].clone()).unwrap();
            let leaf = reading.to_reading().unwrap().leaf_hash().unwrap();
            let served: Binary = serde_json::from_value(r["leaf_hash"].clone()).unwrap();
            assert_eq!(
                served.as_slice(),
                leaf.as_slice(),
                "the leaf is the reading's"
            );
            let path: Vec<Binary> = serde_json::from_value(r["path"].clone()).unwrap();
            let verdict: ProofResponse = net
                .query(
                    &net.contracts.anchors,
                    &AnchorsQuery::VerifyProof {
                        device_id: device.clone(),
                        seq: reading.seq,
                        leaf_hash: Binary::new(leaf.to_vec()),
                        path,
                    },
                )
                .expect("VerifyProof");
            assert!(
                verdict.valid,
                "the chain accepts reading {device}/{}",
                reading.seq
            );
            assert_eq!(
                verdict.batch.root,
                b["header"]["root"]
                    .as_str()
                    .map(|s| Binary::from_base64(s).unwrap())
                    .unwrap()
            );
            n += 1;
        }
    }
    n
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn a_granted_clinician_reads_and_verifies_then_is_refused_after_revocation_and_the_log_shows_only_the_served(
) {
    let (net, _g) = chain();
    let tag = diachain_e2e::run_tag();
    let mut gws = gateways(&net, &format!("da{tag}"), 2, "patient");
    let r = start(&net, "data-api", net.relayer_port(5));
    post_round(&r, &net, &mut gws);
    assert_eq!(
        r.drained(Duration::from_secs(90)).2,
        2,
        "both batches anchored"
    );

    let patient = keyring_signer(&net, "patient");
    let patient_addr = patient.address().to_string();
    // A clinician's wallet: it signs requests, it needs no account on chain.
    let clinician = Signer::generate(WASM_PREFIX).unwrap();
    let (from, to) = (gws[0].next_time - 3_600, gws[0].next_time);
    let query = format!("scope=glucose&from={from}&to={to}");
    let path = readings_path(&patient_addr);

    let (code, a) = r.signed(&clinician, "GET", &path, Some(&query), b"");
    assert_eq!((code, a["error"].as_str()), (403, Some("no_grant")), "{a}");

    let grant_id = grant_glucose(
        &net,
        clinician.address(),
        from - 86_400,
        to + 86_400,
        86_400,
    );

    let (code, a) = r.signed(&clinician, "GET", &path, Some(&query), b"");
    assert_eq!(code, 200, "{a}");
    assert_eq!(a["access"]["basis"], "grant");
    assert_eq!(a["access"]["grant_id"], grant_id);
    assert_eq!(verify_against_chain(&net, &a), 24);
    for b in a["batches"].as_array().unwrap() {
        assert_eq!(b["anchoring"]["state"], "anchored");
        assert_eq!(b["attestation"], "device_signed");
    }
    outbox_drained(&r);
    let served = |log: &[AccessRecord]| {
        log.iter()
            .filter(|x| x.grantee.as_str() == clinician.address())
            .count()
    };
    let log = access_log(&net, &patient_addr);
    assert_eq!(served(&log), 1, "the served access is on chain");
    let rec = log
        .iter()
        .find(|x| x.grantee.as_str() == clinician.address())
        .unwrap();
    assert_eq!(
        (
            rec.grant_id,
            rec.scope,
            rec.data_from.seconds(),
            rec.data_to.seconds()
        ),
        (grant_id, DataScope::Glucose, from, to)
    );
    assert_eq!(rec.custodian.as_str(), net.addr("relayer"));

    net.execute(
        "patient",
        &net.contracts.consent,
        &consent::ExecuteMsg::RevokeGrant { grant_id },
    )
    .expect_ok("revoke");
    let (code, a) = r.signed(&clinician, "GET", &path, Some(&query), b"");
    assert_eq!(
        (code, a["error"].as_str()),
        (403, Some("grant_revoked")),
        "{a}"
    );
    assert_eq!(a["grant_id"], grant_id);
    // The grant on chain says who ended it.
    assert_eq!(
        (a["message"].as_str(), a["revoked_by"].as_str()),
        (Some("The patient revoked the grant."), Some("patient")),
        "{a}"
    );
    outbox_drained(&r);
    assert_eq!(
        served(&access_log(&net, &patient_addr)),
        1,
        "the refusal is not logged"
    );

    // Break-glass: an admitted emergency provider reads without a grant; the patient sees it.
    let emergency = keyring_signer(&net, "emergency");
    let tx = net
        .execute(
            "emergency",
            &net.contracts.consent,
            &consent::ExecuteMsg::OpenBreakGlass {
                patient: patient_addr.clone(),
                hours: 1,
                reason: BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: Some(vec![DataScope::Glucose]),
            },
        )
        .expect_ok("break-glass");
    let session: u64 = tx.attr("wasm", "grant_id").unwrap().parse().unwrap();
    let (code, a) = r.signed(&emergency, "GET", &path, Some(&query), b"");
    assert_eq!(code, 200, "{a}");
    assert_eq!(a["access"]["basis"], "break_glass");
    assert_eq!(a["count"], 24);
    outbox_drained(&r);
    let log = access_log(&net, &patient_addr);
    let seen = log
        .iter()
        .find(|x| x.grant_id == session)
        .expect("the break-glass read is in the patient's log");
    assert_eq!(seen.grantee.as_str(), emergency.address());
    let info: GrantInfo = net
        .query(
            &net.contracts.consent,
            &consent::QueryMsg::Grant { grant_id: session },
        )
        .unwrap();
    assert!(
        info.grant.break_glass.is_some(),
        "the patient can tell it was break-glass"
    );
    // The provider closes its session early: its next read is refused as closed by the
    // provider, not as a revocation by the patient.
    net.execute(
        "emergency",
        &net.contracts.consent,
        &consent::ExecuteMsg::RevokeGrant { grant_id: session },
    )
    .expect_ok("the provider closes the session");
    let (code, a) = r.signed(&emergency, "GET", &path, Some(&query), b"");
    assert_eq!(
        (code, a["error"].as_str(), a["revoked_by"].as_str()),
        (403, Some("grant_revoked"), Some("grantee")),
        "{a}"
    );
    assert_eq!(
        a["message"],
        "The emergency provider closed its break-glass session."
    );
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn erasure_makes_the_data_unreadable_and_is_recorded_on_chain() {
    let (net, _g) = chain();
    let tag = diachain_e2e::run_tag();
    let mut gws = gateways(&net, &format!("er{tag}"), 1, "patient");
    let r = start(&net, "erasure", net.relayer_port(6));
    post_round(&r, &net, &mut gws);
    let patient = keyring_signer(&net, "patient");
    let patient_addr = patient.address().to_string();
    let query = format!(
        "scope=glucose&from={}&to={}",
        gws[0].next_time - 3_600,
        gws[0].next_time
    );
    let path = readings_path(&patient_addr);
    let (code, a) = r.signed(&patient, "GET", &path, Some(&query), b"");
    assert_eq!((code, a["count"].as_u64()), (200, Some(12)), "{a}");

    let erase = format!("/v1/patients/{patient_addr}/erasure");
    let (code, a) = r.signed(&patient, "POST", &erase, None, br#"{"confirm":true}"#);
    assert_eq!(code, 200, "{a}");
    assert_eq!(a["erasure"]["readings"], 12);
    let request = a["erasure"]["request"].as_str().unwrap().to_string();

    let (code, a) = r.signed(&patient, "GET", &path, Some(&query), b"");
    assert_eq!(
        (code, a["count"].as_u64()),
        (200, Some(0)),
        "nothing is served: {a}"
    );
    // The batch itself still reaches the chain: its salted root reveals nothing.
    r.drained(Duration::from_secs(90));
    outbox_drained(&r);
    let page: Page<ErasureRecord> = net
        .query(
            &net.contracts.consent,
            &consent::QueryMsg::Erasures {
                patient: patient_addr.clone(),
                start_after: None,
                limit: Some(100),
            },
        )
        .unwrap();
    let on_chain = page
        .items
        .iter()
        .find(|e| e.request_hash.as_slice() == sha256(request.as_bytes()))
        .expect("the erasure is recorded on chain");
    assert_eq!(on_chain.custodian.as_str(), net.addr("relayer"));

    // And the relayer shows it with its chain record.
    let list = format!("/v1/patients/{patient_addr}/erasures");
    let (code, a) = r.signed(&patient, "GET", &list, None, b"");
    assert_eq!(code, 200, "{a}");
    assert_eq!(a["erasures"][0]["chain_record"]["state"], "recorded", "{a}");

    // Stopped, the store still cannot open what was erased: export-proof says so.
    let mut r = r;
    assert!(r.stop().is_some_and(|s| s.success()));
    let out = Relayer::command(&[
        "export-proof",
        "--store-path",
        &r.dir.join("store/relayer.redb").display().to_string(),
        "--master-key-file",
        &r.dir.join("master.key").display().to_string(),
        "--device",
        &gws[0].id,
        "--seq",
        "1",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("erased"), "{err}");
}

/// Runs HAPI FHIR's validator (scripts/fhir-validate.sh, which scripts/e2e.sh names in
/// `DIACHAIN_FHIR_VALIDATOR`) on `bundle`: whether it passed, and its report.
fn hapi(bundle: &Value, dir: &std::path::Path, name: &str) -> (bool, String) {
    let script = std::env::var_os("DIACHAIN_FHIR_VALIDATOR")
        .expect("DIACHAIN_FHIR_VALIDATOR names scripts/fhir-validate.sh (scripts/e2e.sh sets it)");
    let file = dir.join(name);
    std::fs::write(&file, bundle.to_string()).unwrap();
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(&file)
        .output()
        .expect("run the FHIR validator");
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    (
        out.status.success() && report.contains(" 0 error(s)"),
        report,
    )
}

/// HAPI FHIR accepts `bundle` (panics with its report on any error); and the same Bundle with
/// a Provenance whose target names no entry, or whose chain anchor lacks its root, is refused:
/// references are checked, and the extension against its StructureDefinition (docs/fhir).
fn hapi_validates(bundle: &Value, dir: &std::path::Path) {
    let (ok, report) = hapi(bundle, dir, "nightscout-bundle.json");
    assert!(ok, "HAPI FHIR:\n{report}");
    let mut rootless = bundle.clone();
    let anchor = rootless["entry"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Provenance")
        .expect("a Provenance");
    anchor["resource"]["extension"][0]["extension"]
        .as_array_mut()
        .unwrap()
        .retain(|part| part["url"] != "root");
    let (ok, report) = hapi(&rootless, dir, "nightscout-bundle-rootless.json");
    assert!(
        !ok && report.contains("chain-anchor"),
        "an anchor without its root must fail:\n{report}"
    );
    let mut broken = bundle.clone();
    let provenance = broken["entry"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Provenance")
        .expect("a Provenance");
    provenance["resource"]["target"][0]["reference"] =
        serde_json::json!("urn:uuid:00000000-0000-8000-8000-000000000000");
    let (ok, report) = hapi(&broken, dir, "nightscout-bundle-broken.json");
    assert!(
        !ok && report.contains("does not resolve to an entry of the Bundle"),
        "a dangling reference must fail:\n{report}"
    );
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn a_nightscout_upload_and_its_backfill_are_anchored_and_served_back_as_fhir_that_hapi_accepts() {
    let (net, _g) = chain();
    let r = start(&net, "nightscout", net.relayer_port(7));
    let patient = keyring_signer(&net, "patient");
    let patient_addr = patient.address().to_string();

    // The patient creates their uploader; the relayer registers it (custody: relayer) ...
    let path = format!("/v1/patients/{patient_addr}/nightscout/uploaders");
    let (code, u) = r.signed(&patient, "POST", &path, None, b"");
    assert_eq!(code, 201, "{u}");
    let device = u["device_id"].as_str().unwrap().to_string();
    let on_chain: diachain_std::device::Device = net
        .query(
            &net.contracts.registry,
            &diachain_std::registry::QueryMsg::Device { id: device.clone() },
        )
        .unwrap();
    assert_eq!(
        on_chain.key_custody,
        diachain_std::device::KeyCustody::Relayer
    );
    assert_eq!(on_chain.kind, diachain_std::DeviceKind::Gateway);
    // ... and the patient binds it with the proof the relayer made with the key it holds.
    net.execute("patient", &net.contracts.registry, &u["bind_device"])
        .expect_ok("bind the uploader");
    let (_, bound_at) = net.status().unwrap();
    // Six readings a minute apart (glucose is spaced a minute on chain) are measured by the time
    // the relayer's view of the chain has moved 400 s on.
    net.advance_clock(400);
    let (height, _) = net.status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while relayer_height(&r) < height {
        assert!(
            Instant::now() < deadline,
            "the relayer never saw height {height}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // An unchanged uploader's request: api-secret is the SHA-1 hex of the secret.
    let secret = u["api_secret"].as_str().unwrap();
    let header = diachain_relayer_api::nightscout::uploader::api_secret_header(secret);
    let entries: Vec<Value> = (1..=6u64)
        .map(|i| {
            let ms = (bound_at + 60 * i) * 1000;
            serde_json::json!({
                "type": "sgv", "sgv": if i == 3 { 39 } else { 100 + i }, "date": ms,
                "dateString": diachain_chain_client::time::rfc3339_ms(ms), "direction": "Flat",
                "device": "xDrip-LimiTTer"
            })
        })
        .collect();
    let post = |entries: &[&Value]| {
        let body = serde_json::to_vec(entries).unwrap();
        let (code, text) = diachain_e2e::relayer::http_with(
            &r.addr,
            "POST",
            "/api/v1/entries",
            &[("api-secret", header.clone())],
            &body,
        )
        .unwrap();
        assert_eq!(code, 200, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()
    };
    // The sensor loses its signal for the third and fourth minute: the uploader posts the
    // others first, then the missed two as a backfill, after newer readings. Both uploads are
    // anchored: the backfill under reading-anchors' rule for relayer-held keys.
    let lost = |i: &usize| [2, 3].contains(i);
    let first: Vec<&Value> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| !lost(i))
        .map(|(_, e)| e)
        .collect();
    let missed: Vec<&Value> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| lost(i))
        .map(|(_, e)| e)
        .collect();
    assert_eq!(post(&first).as_array().unwrap().len(), 4);
    assert_eq!(r.drained(Duration::from_secs(90)).3, 0, "nothing failed");
    let backfill = post(&missed);
    assert_eq!(backfill[0]["_id"], format!("{device}-5"), "{backfill}");
    assert_eq!(backfill.as_array().unwrap().len(), 2);
    assert_eq!(
        r.drained(Duration::from_secs(90)).3,
        0,
        "the backfill anchored"
    );
    for seq in [5, 6] {
        let anchored: diachain_std::anchors::BatchInfo = net
            .query(
                &net.contracts.anchors,
                &diachain_std::anchors::QueryMsg::Batch {
                    device_id: device.clone(),
                    seq,
                },
            )
            .unwrap();
        assert!(anchored.first_seq <= seq && seq <= anchored.last_seq);
    }

    // A clinician granted glucose access gets it back as FHIR; HAPI FHIR accepts the Bundle.
    let clinician = Signer::generate(WASM_PREFIX).unwrap();
    grant_glucose(
        &net,
        clinician.address(),
        bound_at - 3_600,
        bound_at + 3_600,
        3_600,
    );
    let fhir = format!("/v1/patients/{patient_addr}/fhir/Observation");
    let q = format!("from={}&to={}", bound_at, bound_at + 400);
    let (code, bundle) = r.signed(&clinician, "GET", &fhir, Some(&q), b"");
    assert_eq!(code, 200, "{bundle}");
    assert_eq!(bundle["total"], 6, "{bundle}");
    let entries = bundle["entry"].as_array().unwrap();
    let low = entries
        .iter()
        .find(|e| e["resource"]["valueQuantity"]["comparator"] == "<=")
        .expect("the LOW marker");
    assert_eq!(low["resource"]["valueQuantity"]["value"], 39);
    for p in entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Provenance")
    {
        let parts = p["resource"]["extension"][0]["extension"]
            .as_array()
            .unwrap();
        let att = parts.iter().find(|x| x["url"] == "attestation").unwrap();
        assert_eq!(att["valueCode"], "relayer-attested");
    }
    hapi_validates(&bundle, &r.dir);

    // A follower reads it back: a family member's address gets a glucose grant, the patient
    // gives their app a token, and unchanged Nightscout clients from PyPI read through it.
    let mum = Signer::generate(WASM_PREFIX).unwrap();
    let grant = grant_glucose(
        &net,
        mum.address(),
        bound_at - 3_600,
        bound_at + 3_600,
        3_600,
    );
    let path = format!("/v1/patients/{patient_addr}/nightscout/followers");
    let body = serde_json::json!({ "name": "Mum", "grantee": mum.address() }).to_string();
    let (code, f) = r.signed(&patient, "POST", &path, None, body.as_bytes());
    assert_eq!(code, 201, "{f}");
    let token = f["token"].as_str().unwrap().to_string();
    let follower_secret = diachain_relayer_api::nightscout::uploader::api_secret_header(&token);
    let read = ns::cli_list(&r, &follower_secret);
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let listed = String::from_utf8_lossy(&read.stdout);
    let values: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next())
        .collect();
    assert_eq!(
        values,
        ["106", "105", "104", "39", "102", "101"],
        "{listed}"
    );
    let status = ns::py_nightscout(&r, "py_nightscout_status.py", &format!("token={token}"));
    assert_eq!(status["apiEnabled"], true, "{status}");
    assert_eq!(status["settings"]["units"], "mg/dl");
    // The follower's read is on chain, under its grant.
    outbox_drained(&r);
    let log = access_log(&net, &patient_addr);
    let reads: Vec<&AccessRecord> = log
        .iter()
        .filter(|x| x.grantee.as_str() == mum.address())
        .collect();
    assert_eq!(reads.len(), 1, "{log:?}");
    assert_eq!(
        (reads[0].grant_id, reads[0].scope),
        (grant, DataScope::Glucose)
    );
    // Revoking the grant stops the token.
    net.execute(
        "patient",
        &net.contracts.consent,
        &consent::ExecuteMsg::RevokeGrant { grant_id: grant },
    )
    .expect_ok("revoke the follower's grant");
    let refused = ns::cli_list(&r, &follower_secret);
    assert!(!refused.status.success(), "a revoked grant still reads");

    treatments_device_status_and_profiles(&net, &r, &patient, secret, bound_at);
}

/// The same uploader's treatments, device status and profile (API v1, as xDrip+ and Loop post
/// them) and AndroidAPS's API v3 calls replayed: anchored on chain, and read back through a
/// follower token by py-nightscout (unchanged), each scope's read recorded under the grant.
fn treatments_device_status_and_profiles(
    net: &Network,
    r: &Relayer,
    patient: &Signer,
    secret: &str,
    bound_at: u64,
) {
    let header = diachain_relayer_api::nightscout::uploader::api_secret_header(secret);
    let ms = |after: u64| (bound_at + after) * 1000;
    let post = |path: &str, body: Value| {
        let (code, text) = diachain_e2e::relayer::http_with(
            &r.addr,
            "POST",
            path,
            &[("api-secret", header.clone())],
            body.to_string().as_bytes(),
        )
        .unwrap();
        assert_eq!(code, 200, "{path}: {text}");
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let kept = post(
        "/api/v1/treatments",
        serde_json::json!([
            {"eventType": "Meal Bolus", "insulin": 5.5, "carbs": 60, "date": ms(90), "enteredBy": "xdrip"},
            {"eventType": "Temp Basal", "absolute": 1.5, "rate": 1.5, "duration": 30, "date": ms(150)},
            {"eventType": "Site Change", "notes": "left side", "date": ms(210), "enteredBy": "xdrip"},
        ]),
    );
    assert_eq!(kept.as_array().unwrap().len(), 3, "{kept}");
    post(
        "/api/v1/devicestatus",
        serde_json::json!({"device": "loop://iPhone", "date": ms(270), "uploader": {"battery": 64},
            "pump": {"reservoir": 120.5, "battery": {"percent": 75}, "status": {"suspended": false}}}),
    );
    post(
        "/api/v1/profile",
        serde_json::json!({"defaultProfile": "Default", "date": ms(30),
            "startDate": diachain_chain_client::time::rfc3339_ms(ms(30)),
            "store": {"Default": {"dia": 5.0, "units": "mg/dl", "timezone": "UTC",
                      "basal": [{"time": "00:00", "timeAsSeconds": 0, "value": 0.9}]}}}),
    );

    // AndroidAPS (NSClient v3), its access token the uploader's secret.
    let aaps = Aaps::sign_in(r, secret);
    let (code, status) = aaps.call("GET", "/api/v3/status", None);
    assert_eq!(code, 200, "{status}");
    assert_eq!(status["result"]["apiPermissions"]["settings"], "crud");
    let smb = serde_json::json!({"eventType": "Correction Bolus", "insulin": 0.4, "type": "SMB",
        "date": ms(330), "utcOffset": 0, "isValid": true, "isReadOnly": false, "app": "AAPS"});
    let (code, created) = aaps.call("POST", "/api/v3/treatments", Some(&smb));
    assert_eq!(code, 201, "{created}");
    let (code, again) = aaps.call("POST", "/api/v3/treatments", Some(&smb));
    assert_eq!(
        (code, &again["isDeduplication"]),
        (200, &serde_json::json!(true))
    );
    let (code, etag, page) =
        aaps.call_with_etag("GET", "/api/v3/treatments/history/0?limit=500", None);
    assert_eq!(code, 200, "{page}");
    assert_eq!(page["result"].as_array().unwrap().len(), 4, "{page}");
    let etag = etag.expect("an ETag");
    let last: u64 = etag[3..etag.len() - 1].parse().expect("W/\"<ms>\"");
    assert_eq!(
        Some(last),
        page["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["srvModified"].as_u64())
            .max()
    );
    let (code, changes) = aaps.call("GET", "/api/v3/lastModified", None);
    assert_eq!(code, 200);
    assert!(
        changes["result"]["collections"]["treatments"]
            .as_u64()
            .is_some(),
        "{changes}"
    );

    // Every reading anchored: the uploader's last batch is on chain.
    assert_eq!(r.drained(Duration::from_secs(120)).3, 0, "nothing failed");
    let insulin = {
        let q = format!("scope=insulin&from={}&to={}", bound_at, bound_at + 400);
        let (code, v) = r.signed(
            patient,
            "GET",
            &readings_path(patient.address()),
            Some(&q),
            b"",
        );
        assert_eq!(code, 200, "{v}");
        v
    };
    assert_eq!(
        insulin["count"], 3,
        "two boluses and a temporary basal: {insulin}"
    );
    for b in insulin["batches"].as_array().unwrap() {
        assert_eq!(b["anchoring"]["state"], "anchored", "{b}");
    }

    // A follower with a grant of every scope reads it all with py-nightscout.
    let dad = Signer::generate(WASM_PREFIX).unwrap();
    let scopes = [
        DataScope::Glucose,
        DataScope::Insulin,
        DataScope::Nutrition,
        DataScope::DeviceEvents,
    ];
    let grant_id = grant(
        net,
        dad.address(),
        &scopes,
        (bound_at - 3_600, bound_at + 3_600),
        3_600,
    );
    let path = format!("/v1/patients/{}/nightscout/followers", patient.address());
    let body = serde_json::json!({ "name": "Dad", "grantee": dad.address() }).to_string();
    let (code, f) = r.signed(patient, "POST", &path, None, body.as_bytes());
    assert_eq!(code, 201, "{f}");
    let token = f["token"].as_str().unwrap().to_string();
    let read = ns::py_nightscout(r, "py_nightscout_read.py", &format!("token={token}"));
    let t = read["treatments"].as_array().unwrap();
    let types: Vec<&str> = t.iter().map(|x| x["eventType"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "Correction Bolus",
            "Site Change",
            "Temp Basal",
            "Meal Bolus"
        ],
        "{read}"
    );
    assert_eq!(
        (&t[3]["insulin"], &t[3]["carbs"]),
        (&serde_json::json!(5.5), &serde_json::json!(60.0))
    );
    assert_eq!(
        (&t[2]["rate"], &t[2]["duration"]),
        (&serde_json::json!(1.5), &serde_json::json!(30))
    );
    let d = &read["devicestatus"][0];
    assert_eq!(
        (&d["reservoir"], &d["pumpBattery"], &d["uploaderBattery"]),
        (
            &serde_json::json!(120.5),
            &serde_json::json!(75.0),
            &serde_json::json!(64.0)
        ),
        "{read}"
    );
    assert_eq!(read["profiles"][0]["dia"], 5.0, "{read}");
    outbox_drained(r);
    let scopes_read: std::collections::BTreeSet<DataScope> = access_log(net, patient.address())
        .iter()
        .filter(|x| x.grantee.as_str() == dad.address() && x.grant_id == grant_id)
        .map(|x| x.scope)
        .collect();
    assert_eq!(
        scopes_read,
        [
            DataScope::Insulin,
            DataScope::Nutrition,
            DataScope::DeviceEvents
        ]
        .into(),
        "each scope's read is on chain"
    );
}

/// The latest height the relayer's block watcher has seen (`GET /healthz`), 0 if none.
fn relayer_height(r: &Relayer) -> u64 {
    diachain_e2e::relayer::http(&r.addr, "GET", "/healthz", b"")
        .ok()
        .and_then(|(_, text)| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v["chain"]["latest_height"].as_u64())
        .unwrap_or(0)
}
