//! Adversarial tests: what an attacker with a role (or a contract of their own) tries, and how
//! the wired system refuses it without losing anything already anchored, granted or earned.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    to_json_binary, Addr, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdResult,
    Uint128, WasmMsg,
};
use cw_multi_test::{ContractWrapper, Executor};
use diachain_integration::journey::{self, *};
use diachain_integration::*;
use diachain_std::anchors;
use diachain_std::hooks::{AnchorsHookMsg, ConsentHookMsg, Contribution};
use diachain_std::registry;
use diachain_std::testing::signed_batch;
use diachain_std::union;
use diachain_std::{DataScope, Domain, Purpose};
use serde::Serialize;

type AnchorsError = reading_anchors::ContractError;
type RegistryError = device_registry::ContractError;
type UnionError = data_union::ContractError;

/// Instantiates another reading-anchors contract from the same code, administered by the
/// consortium and reading the same registry.
fn second_anchors(s: &mut Suite) -> Addr {
    let admin = s.actors.consortium.clone();
    s.app
        .instantiate_contract(
            s.code_ids.anchors,
            admin.clone(),
            &anchors::InstantiateMsg {
                admin: None,
                registry: s.registry.to_string(),
            },
            &[],
            "reading-anchors (second)",
            None,
        )
        .unwrap()
}

/// A batch replayed from another chain (same contract address, another chain id), or taken to
/// another anchors contract, does not verify: the device signed the chain id and the contract
/// address. A message holding one such batch is refused whole, naming the batch; the genuine
/// batch is accepted once, and never twice.
#[test]
fn a_batch_replayed_from_another_chain_id_or_contract_is_refused() {
    let mut s = journey::through(2);
    s.set_time(at(FIRST_DAY, 2, 0) + 30);
    let first_time = at(FIRST_DAY, 0, 0);

    // Signed on a testnet that uses the same contract address.
    let anchors_addr = s.anchors.clone();
    let testnet = Domain {
        chain_id: "diachain-testnet-1",
        contract: anchors_addr.as_str(),
    };
    let from_testnet = s.batch_for(&testnet, CGM, 1, 12, first_time);
    let invalid = |index| AnchorsError::InvalidSignature {
        index,
        device_id: CGM.to_string(),
    };
    assert_refused(s.submit(std::slice::from_ref(&from_testnet)), invalid(0));

    // Signed for another anchors contract on this chain.
    let other_anchors = second_anchors(&mut s);
    let elsewhere = Domain {
        chain_id: CHAIN_ID,
        contract: other_anchors.as_str(),
    };
    let for_elsewhere = s.batch_for(&elsewhere, CGM, 1, 12, first_time);
    assert_refused(s.submit(&[for_elsewhere]), invalid(0));

    // One replayed batch spoils the whole message, and the contract names it.
    let genuine = s.batch(CGM, 1, 12, first_time);
    let replayed_next = s.batch_for(&testnet, CGM, 13, 12, first_time + HOUR);
    assert_refused(s.submit(&[genuine.clone(), replayed_next]), invalid(1));
    assert_eq!(
        s.cursor(CGM),
        None,
        "nothing of the refused message was kept"
    );

    // The genuine batch is accepted, once.
    assert_eq!(
        from_testnet.header, genuine.header,
        "same readings, other domain"
    );
    s.submit(std::slice::from_ref(&genuine))
        .accepted("genuine batch");
    assert_eq!(s.cursor(CGM), Some(12));
    assert_refused(
        s.submit(&[genuine]),
        AnchorsError::Overlap {
            index: 0,
            device_id: CGM.to_string(),
            first_seq: 1,
            anchored: 12,
        },
    );
}

/// The relayer cannot anchor readings of another patient's device for its own patient: readings
/// are attributed to the device's registered owner (there is no patient field to lie in), a
/// header naming the other device but signed with the patient's key does not verify, a device
/// nobody owns is refused, and the patient cannot take the other patient's device over.
#[test]
fn a_relayer_cannot_anchor_a_device_of_another_patient_for_its_own_patient() {
    let mut s = journey::through(7);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();
    let day = STUDY_FROM + 1;
    s.set_time(at(day, 1, 0) + 30);
    let (mine, theirs) = (
        s.member(study_id, &a.patient).units,
        s.member(study_id, &a.other_patient).units,
    );

    // The other patient's device id, signed with the patient's CGM key.
    let next = s.cursor(OTHER_CGM).unwrap() + 1;
    let forged = signed_batch(
        &s.device_sim(CGM).key,
        OTHER_CGM,
        next,
        12,
        at(day, 0, 0),
        CGM_INTERVAL,
        &s.anchors_domain(),
    );
    assert_refused(
        s.submit(&[forged]),
        AnchorsError::InvalidSignature {
            index: 0,
            device_id: OTHER_CGM.to_string(),
        },
    );

    // The other device's genuine readings count for their owner only.
    let genuine = s.batch(OTHER_CGM, next, 12, at(day, 0, 0));
    s.submit(&[genuine]).accepted("genuine batch");
    assert_eq!(s.coverage(&a.other_patient, day, DataScope::Glucose), 12);
    assert_eq!(s.coverage(&a.patient, day, DataScope::Glucose), 0);
    assert_eq!(s.member(study_id, &a.other_patient).units, theirs + 12);
    assert_eq!(s.member(study_id, &a.patient).units, mine);

    // A registered device nobody owns cannot be anchored at all.
    s.register_devices(&[CGM_REPLACEMENT]).unwrap();
    let unowned = s.batch(CGM_REPLACEMENT, 1, 12, at(day, 0, 0));
    assert_refused(
        s.submit(&[unowned]),
        AnchorsError::DeviceNotBound {
            index: 0,
            device_id: CGM_REPLACEMENT.to_string(),
        },
    );

    // Nor can the patient take the other patient's device.
    assert_refused(
        s.bind(&a.patient, OTHER_CGM, &a.patient),
        RegistryError::DeviceAlreadyBound {
            id: OTHER_CGM.to_string(),
        },
    );
    let proof = s.bind_proof(OTHER_CGM, &a.patient);
    let registry_addr = s.registry.clone();
    assert_refused(
        s.exec(
            &a.patient,
            &registry_addr,
            &registry::ExecuteMsg::TransferDevice {
                device_id: OTHER_CGM.to_string(),
                new_owner: a.patient.to_string(),
                signature: proof,
                expires_in_seconds: None,
            },
        ),
        RegistryError::NotOwnerOrGuardian,
    );
    assert_eq!(s.device(OTHER_CGM).owner, Some(a.other_patient.clone()));
}

/// A claim pays the sender's own share and nothing else: a guardian or a stranger is no member,
/// the message names no patient (naming one anyway changes nothing), and one member's claim
/// leaves the other's share untouched.
#[test]
fn a_patient_cannot_claim_another_patients_rewards() {
    let mut s = journey::through(9);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();
    s.set_time(CLAIM_AT);
    let mine = s.contribution(study_id, &a.patient).claimable;
    assert_eq!(mine, Uint128::new(385_084));

    // Acting for the patient elsewhere (a guardian) or not at all: no member, no claim.
    for intruder in [&a.guardian, &a.stranger, &a.sponsor] {
        assert_refused(
            s.union_exec(intruder, union::ExecuteMsg::Claim { study_id }),
            UnionError::NotMember { study_id },
        );
    }

    // `Claim` has no field to name whose rewards to take. A message that adds one anyway (JSON
    // fields the contract does not know are ignored) still pays the sender's own share: the
    // other patient gets their capped 500,000, not the patient's 385,084.
    #[derive(Serialize, Debug)]
    #[serde(rename_all = "snake_case")]
    enum Forged {
        Claim { study_id: u64, patient: String },
    }
    let union_addr = s.union.clone();
    let (patient_before, other_before) = (s.balance(&a.patient), s.balance(&a.other_patient));
    let res = s
        .exec(
            &a.other_patient,
            &union_addr,
            &Forged::Claim {
                study_id,
                patient: a.patient.to_string(),
            },
        )
        .accepted("an ordinary claim by the other patient");
    assert_eq!(
        attribute(&res, "patient"),
        Some(a.other_patient.to_string())
    );
    assert_eq!(s.balance(&a.other_patient) - other_before, STUDY_CAP);
    assert_eq!(s.balance(&a.patient), patient_before);
    assert_refused(
        s.union_exec(&a.other_patient, union::ExecuteMsg::Claim { study_id }),
        UnionError::AlreadyClaimed { study_id },
    );

    // The patient's share is intact and theirs alone.
    assert_eq!(s.contribution(study_id, &a.patient).claimable, mine);
    let before = s.balance(&a.patient);
    s.union_exec(&a.patient, union::ExecuteMsg::Claim { study_id })
        .unwrap();
    assert_eq!(s.balance(&a.patient) - before, mine.u128());
}

/// A contract that forwards whatever it is told: the impostor.
#[cw_serde]
enum ImpostorMsg {
    Forward { contract: String, msg: Binary },
}

fn impostor_execute(
    _deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: ImpostorMsg,
) -> StdResult<Response> {
    let ImpostorMsg::Forward { contract, msg } = msg;
    Ok(Response::new().add_message(WasmMsg::Execute {
        contract_addr: contract,
        msg,
        funds: vec![],
    }))
}

fn impostor_instantiate(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    Ok(Response::new())
}

fn impostor_query(_: Deps, _: Env, _: Empty) -> StdResult<Binary> {
    to_json_binary(&())
}

/// Only the configured anchors contract may report contributions (and only the configured consent
/// contract may end a membership): a contract sending the very same hook messages is refused,
/// even a genuine reading-anchors instance that is not the one the union was wired to, and the
/// members' credits and memberships stay as they were.
#[test]
fn a_contract_pretending_to_be_the_anchors_contract_is_refused() {
    let mut s = journey::through(7);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();
    let units = s.member(study_id, &a.patient).units;
    let total = s.study(study_id).study.total_units;

    let code = s.app.store_code(Box::new(ContractWrapper::new(
        impostor_execute,
        impostor_instantiate,
        impostor_query,
    )));
    let impostor = s
        .app
        .instantiate_contract(code, a.stranger.clone(), &Empty {}, &[], "impostor", None)
        .unwrap();
    let forward = |msg: Binary, to: &Addr| ImpostorMsg::Forward {
        contract: to.to_string(),
        msg,
    };
    let union_addr = s.union.clone();

    // The anchors hook, word for word, claiming 100,000 readings for the patient.
    let inflated = AnchorsHookMsg::ReadingsAnchored {
        contributions: vec![Contribution {
            patient: a.patient.clone(),
            scope: DataScope::Glucose,
            day: STUDY_FROM,
            readings: 100_000,
            first_time: None,
            last_time: None,
        }],
    };
    let msg = forward(to_json_binary(&inflated).unwrap(), &union_addr);
    assert_refused(s.exec(&a.stranger, &impostor, &msg), UnionError::NotAnchors);

    // The consent hook, ending the other patient's membership.
    let ended = ConsentHookMsg::ResearchConsentEnded {
        patient: a.other_patient.clone(),
        study_id,
        grant_id: s.story.other_research_grant.unwrap(),
    };
    let msg = forward(to_json_binary(&ended).unwrap(), &union_addr);
    assert_refused(s.exec(&a.stranger, &impostor, &msg), UnionError::NotConsent);

    // Nor can it rewire the union to itself.
    let rewire = union::ExecuteMsg::UpdateConfig {
        admin: None,
        anchors: Some(impostor.to_string()),
        consent: None,
        treasury: None,
    };
    let msg = forward(to_json_binary(&rewire).unwrap(), &union_addr);
    assert_refused(s.exec(&a.stranger, &impostor, &msg), UnionError::NotAdmin);

    // A genuine reading-anchors instance that is not the configured one fares no better: its
    // hook is refused, and with it the whole submission to that instance.
    let rogue = second_anchors(&mut s);
    let consortium = a.consortium.clone();
    s.exec(
        &consortium,
        &rogue,
        &anchors::ExecuteMsg::AddListener {
            address: union_addr.to_string(),
        },
    )
    .unwrap();
    let day = STUDY_FROM + 1;
    s.set_time(at(day, 1, 0) + 30);
    let rogue_domain = Domain {
        chain_id: CHAIN_ID,
        contract: rogue.as_str(),
    };
    let next = s.cursor(CGM).unwrap() + 1;
    let batch = s.batch_for(&rogue_domain, CGM, next, 12, at(day, 0, 0));
    assert_refused(
        s.exec(
            &a.relayer,
            &rogue,
            &anchors::ExecuteMsg::SubmitBatches {
                batches: diachain_std::testing::submission(&[batch]),
            },
        ),
        UnionError::NotAnchors,
    );

    let config: union::ConfigResponse = s.query(&union_addr, &union::QueryMsg::Config {});
    assert_eq!(config.anchors, s.anchors);
    assert_eq!(s.member(study_id, &a.patient).units, units);
    assert_eq!(s.study(study_id).study.total_units, total);
    assert!(s.member(study_id, &a.other_patient).active);
}

/// A research consent is what gives the sponsor the data it pays for. A "consent" for the
/// study granted to somebody else gives the sponsor nothing, so it does not let the patient
/// join and earn from the sponsor's pool (`ConsentNotToSponsor`, naming both). Consent keeps
/// one live research grant per study, so the patient must revoke that one before granting the
/// sponsor, and may then join.
#[test]
fn joining_needs_a_research_consent_that_gives_the_sponsor_access() {
    let mut s = journey::through(6);
    let a = s.actors.clone();
    s.set_time(at(CLINIC_DAY, 23, 0));
    let study_id = s.create_study(the_study(), STUDY_FUNDS).unwrap();
    let to_stranger = s
        .grant(
            &a.patient,
            &a.patient,
            &a.stranger,
            &[DataScope::Glucose],
            Purpose::Research,
            Some(study_id),
            RESEARCH_DATA,
            CLOSES_AT + 30 * DAY,
        )
        .unwrap();
    let sponsor_access = s.check_access(&a.patient, &a.sponsor, DataScope::Glucose, RESEARCH_DATA);
    assert!(!sponsor_access.allowed);

    let joined = s.union_exec(&a.patient, union::ExecuteMsg::Join { study_id });
    assert_refused(
        joined,
        UnionError::ConsentNotToSponsor {
            study_id,
            grantee: a.stranger.clone(),
            sponsor: a.sponsor.clone(),
        },
    );
    let contribution = s.contribution(study_id, &a.patient);
    assert!(contribution.member.is_none());
    assert_eq!(contribution.claimable, Uint128::zero());
    assert_eq!(s.study(study_id).study.members, 0);

    // The same consent given to the sponsor (after revoking the stranger's) admits her.
    s.revoke_grant(&a.patient, to_stranger).unwrap();
    let to_sponsor = s
        .grant(
            &a.patient,
            &a.patient,
            &a.sponsor,
            &[DataScope::Glucose],
            Purpose::Research,
            Some(study_id),
            RESEARCH_DATA,
            CLOSES_AT + 30 * DAY,
        )
        .unwrap();
    assert!(
        s.check_access(&a.patient, &a.sponsor, DataScope::Glucose, RESEARCH_DATA)
            .allowed
    );
    s.union_exec(&a.patient, union::ExecuteMsg::Join { study_id })
        .accepted("join with a research consent to the sponsor");
    let member = s.member(study_id, &a.patient);
    assert!(member.active);
    assert_eq!(member.grant_id, to_sponsor);
}

/// A research consent narrower than the study cannot buy membership: the union asks consent
/// for the patient's research grant and refuses a member whose grant leaves out a scope the
/// study wants, so no one joins (and later claims) on data they never agreed to share. Built
/// with a zero fee, so the whole deposit stays in the pool.
#[test]
fn a_research_consent_narrower_than_the_study_cannot_join_it() {
    let mut s = SuiteBuilder::default().with_fee(0).build();
    let a = s.actors.clone();
    let (from, to) = (GENESIS_DAY + 1, GENESIS_DAY + 2);
    let wanted = [DataScope::Glucose, DataScope::Insulin];
    let anyone = union::Eligibility {
        min_readings_per_day: 0,
        min_days: 0,
        device_kinds: vec![],
        max_readings_per_day: None,
    };
    let study = new_study("Basal-bolus", &wanted, from, to, anyone, 1_000);
    let study_id = s.create_study(study, 10_000).accepted("study");
    assert_eq!(s.pool(study_id).balance.u128(), 10_000);
    let data = (from * DAY, to * DAY + DAY - 1);
    let expires = (to + 30) * DAY;
    let glucose = [DataScope::Glucose];
    s.grant(
        &a.patient,
        &a.patient,
        &a.sponsor,
        &glucose,
        Purpose::Research,
        Some(study_id),
        data,
        expires,
    )
    .accepted("research consent for glucose only");

    let join = union::ExecuteMsg::Join { study_id };
    let missing = vec![DataScope::Insulin];
    assert_refused(
        s.union_exec(&a.patient, join),
        UnionError::ConsentScopesInsufficient { missing },
    );
    assert!(s.patient_studies(&a.patient).is_empty());
    assert!(s.contribution(study_id, &a.patient).member.is_none());
}
