//! The migration of a network running the previous release (0.1.0, whose wasm is kept in
//! `tests/e2e/legacy/0.1.0/`) to the current code, on a real node.
//!
//! [`seed`] runs against 0.1.0: it leaves every kind of record that release wrote — a device
//! suspended with a free-text reason, a guardian the consortium appointed, a treatment grant, a
//! break-glass session with a free-text reason, a study with a member, an anchored batch — and
//! writes what it did to `.chain/<chain-id>/seed-0.1.json`. `scripts/e2e.sh` then deploys the
//! current build, which migrates every contract in place, and [`verify`] checks that every
//! record is still there and reads as the current code reads it (reason codes, no free text),
//! and that the device anchors on under the current rules.

use std::path::PathBuf;

use cosmwasm_std::{Binary, Timestamp, Uint128};
use diachain_std::anchors::{self, BatchInfo, CursorResponse, ProofResponse};
use diachain_std::consent::{self, BreakGlassReason, CheckAccessResponse, Expiry, GrantInfo};
use diachain_std::device::{Device, DeviceKind, DeviceStatus, KeyAlgorithm, SuspensionReason};
use diachain_std::registry::{self, GuardianAppointer, GuardianInfo};
use diachain_std::testing::{signed_batch, TestKey};
use diachain_std::union::{self, ContributionResponse, Eligibility, NewStudy, StudyResponse};
use diachain_std::{DataScope, Domain, Page, Purpose};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::journey::{anchor, register_and_bind, Recorder};
use crate::{repo_root, run_tag, Exec, Network};

const DAY: u64 = 86_400;
/// The patient of the seeded records (a keyring account the other e2e tests leave alone).
const PATIENT: &str = "patient3";
/// Free text 0.1.0 stored beside the patient: after the migration no query may show it.
const SUSPEND_TEXT: &str = "in hospital after a severe hypo";
const BREAK_GLASS_TEXT: &str = "unconscious, suspected diabetic ketoacidosis";

/// What [`seed`] left on chain, for [`verify`].
#[derive(Serialize, Deserialize, Debug)]
pub struct Seeded {
    pub cgm_id: String,
    pub pen_id: String,
    pub patient: String,
    pub guardian: String,
    pub clinician_grant: u64,
    pub break_glass_grant: u64,
    pub study_id: u64,
    pub root: Binary,
    pub leaf_5: Binary,
    pub proof_5: Vec<Binary>,
    pub last_time: u64,
    pub day: u64,
}

pub fn seed_file(net: &Network) -> PathBuf {
    repo_root().join(format!(".chain/{}/seed-0.1.json", net.chain_id))
}

fn ts(s: u64) -> Timestamp {
    Timestamp::from_seconds(s)
}

fn cgm_key() -> TestKey {
    TestKey::new(KeyAlgorithm::Ed25519, 41)
}

/// Leaves 0.1.0's records on the network (the contracts must run 0.1.0) and writes the seed
/// file. Messages whose form changed since are sent as 0.1.0 took them (raw JSON).
pub fn seed(net: &Network) -> Seeded {
    let c = net.contracts.clone();
    let tag = run_tag();
    let mut rec = Recorder::default();
    let now = net.avoid_midnight(2 * 3_600);
    let day = now / DAY;
    let (patient, guardian) = (net.addr(PATIENT), net.addr("guardian"));
    let (cgm_id, pen_id) = (format!("cgm-v01-{tag}"), format!("pen-v01-{tag}"));
    let pen_key = TestKey::new(KeyAlgorithm::Secp256r1, 42);
    let cgm = cgm_key();
    register_and_bind(
        net,
        &mut rec,
        &[
            (&cgm_id, DeviceKind::Cgm, &cgm),
            (&pen_id, DeviceKind::Pen, &pen_key),
        ],
        PATIENT,
    );
    let bound_at = net.status().expect("status").1;
    net.execute(
        "consortium",
        &c.registry,
        &registry::ExecuteMsg::AddGuardian {
            patient: Some(patient.clone()),
            guardian: guardian.clone(),
        },
    )
    .expect_ok("0.1.0: the consortium appoints a guardian");
    net.execute(
        PATIENT,
        &c.registry,
        &json!({"suspend_device": {"device_id": pen_id, "reason": SUSPEND_TEXT}}),
    )
    .expect_ok("0.1.0: suspend a device with a free-text reason");
    let tx = net
        .execute(
            PATIENT,
            &c.consent,
            &consent::ExecuteMsg::Grant {
                patient: None,
                grantee: net.addr("clinician"),
                scopes: vec![DataScope::Glucose],
                purpose: Purpose::Treatment,
                study_id: None,
                data_from: ts(day * DAY),
                data_to: ts(day * DAY + DAY - 1),
                expires: Expiry::AtTime(ts(now + 30 * DAY)),
            },
        )
        .expect_ok("0.1.0: treatment grant");
    let clinician_grant = grant_id(&tx);
    let tx = net
        .execute(
            "emergency",
            &c.consent,
            &json!({"open_break_glass": {
                "patient": patient, "hours": 4, "reason": BREAK_GLASS_TEXT, "scopes": null
            }}),
        )
        .expect_ok("0.1.0: break-glass with a free-text reason");
    let break_glass_grant = grant_id(&tx);
    let study_id = seed_study(net, "0.1.0", PATIENT, day, now);

    // An hour's worth of readings a minute apart since the binding, anchored after joining.
    net.advance_clock(1_000);
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.anchors,
    };
    let batch = signed_batch(&cgm, &cgm_id, 1, 12, bound_at, 60, &domain);
    anchor(net, std::slice::from_ref(&batch)).expect_ok("0.1.0: anchor a batch");
    let seeded = Seeded {
        cgm_id,
        pen_id,
        patient,
        guardian,
        clinician_grant,
        break_glass_grant,
        study_id,
        root: batch.header.root.clone(),
        leaf_5: Binary::new(batch.leaves[4].to_vec()),
        proof_5: batch
            .proof(5)
            .iter()
            .map(|h| Binary::new(h.to_vec()))
            .collect(),
        last_time: batch.header.last_time,
        day,
    };
    let json = serde_json::to_vec_pretty(&seeded).expect("seed serializes");
    std::fs::write(seed_file(net), json).expect("write the seed file");
    seeded
}

fn grant_id(tx: &crate::TxResult) -> u64 {
    tx.attr("wasm", "grant_id")
        .expect("grant_id attribute")
        .parse()
        .expect("grant id")
}

/// A study of `day`'s glucose data from CGMs (pool 100,000, cap 500,000), closing at the end
/// of the day, that `patient_key` joins with research consent; `release` names the release the
/// network runs (for the messages). Returns the study's id.
pub(crate) fn seed_study(
    net: &Network,
    release: &str,
    patient_key: &str,
    day: u64,
    now: u64,
) -> u64 {
    let c = &net.contracts;
    let sponsor = net.addr("sponsor");
    let study = NewStudy {
        title: format!("migration study ({release})"),
        description_url: format!("https://example.invalid/{release}"),
        scopes: vec![DataScope::Glucose],
        data_from_day: day,
        data_to_day: day,
        closes_at: Some(ts((day + 1) * DAY)),
        eligibility: Eligibility {
            min_readings_per_day: 1,
            min_days: 1,
            device_kinds: vec![DeviceKind::Cgm],
            max_readings_per_day: None,
        },
        cap_per_patient: Uint128::new(500_000),
    };
    let tx = net
        .send(
            "sponsor",
            &[Exec::new(
                &c.union,
                &union::ExecuteMsg::CreateStudy {
                    study,
                    denom: net.denom.clone(),
                },
            )
            .with_funds(100_000)],
            crate::DEFAULT_GAS_LIMIT,
        )
        .expect_ok(&format!("{release}: create a study"));
    let study_id: u64 = tx
        .attr("wasm", "study_id")
        .expect("study_id attribute")
        .parse()
        .expect("study id");
    net.execute(
        patient_key,
        &c.consent,
        &consent::ExecuteMsg::Grant {
            patient: None,
            grantee: sponsor,
            scopes: vec![DataScope::Glucose],
            purpose: Purpose::Research,
            study_id: Some(study_id),
            data_from: ts(day * DAY),
            data_to: ts(day * DAY + DAY - 1),
            expires: Expiry::AtTime(ts(now + 30 * DAY)),
        },
    )
    .expect_ok(&format!("{release}: research consent"));
    net.execute(patient_key, &c.union, &union::ExecuteMsg::Join { study_id })
        .expect_ok(&format!("{release}: join the study"));
    study_id
}

/// Checks, after the migration, every record [`seed`] left.
pub fn verify(net: &Network, s: &Seeded) {
    verify_registry(net, s);
    verify_consent(net, s);
    verify_union(net, s);
    verify_anchors(net, s);
}

fn raw(net: &Network, contract: &str, msg: &impl Serialize) -> String {
    let v: Value = net.query(contract, msg).expect("query");
    v.to_string()
}

fn verify_registry(net: &Network, s: &Seeded) {
    let c = &net.contracts;
    let device = |id: &str| -> Device {
        net.query(&c.registry, &registry::QueryMsg::Device { id: id.into() })
            .expect("device")
    };
    assert_eq!(
        device(&s.cgm_id).owner.map(|a| a.to_string()),
        Some(s.patient.clone())
    );
    match device(&s.pen_id).status {
        DeviceStatus::Suspended { reason, .. } => assert_eq!(reason, SuspensionReason::Legacy),
        other => panic!("the pen should still be suspended, is {other:?}"),
    }
    let pen_json = raw(
        net,
        &c.registry,
        &registry::QueryMsg::Device {
            id: s.pen_id.clone(),
        },
    );
    assert!(
        !pen_json.contains(SUSPEND_TEXT),
        "free text survived: {pen_json}"
    );
    let guardians: Page<GuardianInfo> = net
        .query(
            &c.registry,
            &registry::QueryMsg::Guardians {
                patient: s.patient.clone(),
                start_after: None,
                limit: None,
            },
        )
        .expect("guardians");
    let g = guardians
        .items
        .iter()
        .find(|g| g.guardian.as_str() == s.guardian)
        .expect("the consortium's guardian is still there");
    assert_eq!(g.appointed_by, GuardianAppointer::Unrecorded);
}

fn verify_consent(net: &Network, s: &Seeded) {
    let c = &net.contracts;
    let check: CheckAccessResponse = net
        .query(
            &c.consent,
            &consent::QueryMsg::CheckAccess {
                patient: s.patient.clone(),
                grantee: net.addr("clinician"),
                scope: DataScope::Glucose,
                data_from: ts(s.day * DAY + 60),
                data_to: ts(s.day * DAY + 120),
                at: None,
            },
        )
        .expect("check access");
    assert!(check.allowed, "the treatment grant survived: {check:?}");
    // The session expired long ago (the journey moved the clock days ahead): read it by id.
    let query = consent::QueryMsg::Grant {
        grant_id: s.break_glass_grant,
    };
    let session: GrantInfo = net
        .query(&c.consent, &query)
        .expect("the break-glass session survived");
    let bg = session
        .grant
        .break_glass
        .as_ref()
        .expect("a break-glass grant");
    assert_eq!(bg.reason, BreakGlassReason::Legacy);
    let json = raw(net, &c.consent, &query);
    assert!(
        !json.contains(BREAK_GLASS_TEXT),
        "free text survived: {json}"
    );
}

fn verify_union(net: &Network, s: &Seeded) {
    let c = &net.contracts;
    let study: StudyResponse = net
        .query(
            &c.union,
            &union::QueryMsg::Study {
                study_id: s.study_id,
            },
        )
        .expect("the study survived");
    assert_eq!(study.study.active_members, 1);
    let contribution: ContributionResponse = net
        .query(
            &c.union,
            &union::QueryMsg::Contribution {
                study_id: s.study_id,
                patient: s.patient.clone(),
            },
        )
        .expect("contribution");
    let member = contribution
        .member
        .clone()
        .expect("the membership survived");
    assert!(member.active);
    assert_eq!(member.units, 12);
    assert_eq!(member.scopes_seen, None, "0.1.0 did not record scopes");
    assert_eq!(contribution.counted_units, 12);
    assert!(contribution.eligible, "{contribution:?}");
}

fn verify_anchors(net: &Network, s: &Seeded) {
    let c = &net.contracts;
    let cursor: CursorResponse = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Cursor {
                device_id: s.cgm_id.clone(),
            },
        )
        .expect("cursor");
    assert_eq!(cursor.last_seq, Some(12));
    let batch: BatchInfo = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Batch {
                device_id: s.cgm_id.clone(),
                seq: 5,
            },
        )
        .expect("batch");
    assert_eq!((batch.root.clone(), batch.day), (s.root.clone(), s.day));
    let proof: ProofResponse = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::VerifyProof {
                device_id: s.cgm_id.clone(),
                seq: 5,
                leaf_hash: s.leaf_5.clone(),
                path: s.proof_5.clone(),
            },
        )
        .expect("verify proof");
    assert!(proof.valid, "the 0.1.0 batch still proves its readings");

    // The device anchors on after its 0.1.0 record, under the current rules.
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.anchors,
    };
    let dense = signed_batch(&cgm_key(), &s.cgm_id, 13, 12, s.last_time + 60, 0, &domain);
    anchor(net, &[dense]).expect_err(
        "a dense batch after the migration",
        "exceed a Cgm device's limit",
    );
    let next = signed_batch(&cgm_key(), &s.cgm_id, 13, 4, s.last_time + 60, 60, &domain);
    anchor(net, &[next]).expect_ok("anchor on after the migration");
}
