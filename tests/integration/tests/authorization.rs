//! The authorization matrix: every execute message of every contract, sent by every actor who
//! must not send it, is refused with the right error.
//!
//! The matrix is generated from one table per contract:
//!
//! - `*_samples` gives at least one concrete message per variant (a message the allowed actors
//!   could send in the fixture's state);
//! - `*_rule` says, by an exhaustive `match` over the contract's `ExecuteMsg` (no wildcard arm),
//!   who may send it and the exact error everyone else gets.
//!
//! A new message variant without a rule does not compile; one without a sample fails
//! `every_execute_message_of_every_contract_has_a_row`, which compares the samples with the
//! variants listed in the message's JSON schema.

use std::collections::{BTreeMap, BTreeSet};

use cosmwasm_schema::schemars::schema::Schema;
use cosmwasm_schema::schemars::JsonSchema;
use cosmwasm_std::{to_json_binary, Addr, Binary, Timestamp, Uint128};
use diachain_integration::journey::{self, *};
use diachain_integration::*;
use diachain_std::admin::AdminError;
use diachain_std::consent::{self as consent_msg, ConsentRole, Expiry, NewAccess};
use diachain_std::device::RevocationReason;
use diachain_std::hooks::Contribution;
use diachain_std::registry::{self, NewDevice};
use diachain_std::testing::TestKey;
use diachain_std::union::{self, Cw20ReceiveMsg, ReceiveMsg};
use diachain_std::{DataScope, DeviceKind, KeyAlgorithm, Purpose, Role};
use serde::de::IgnoredAny;
use serde::Serialize;

type AnchorsError = reading_anchors::ContractError;
type RegistryError = device_registry::ContractError;
type ConsentError = consent::ContractError;
type UnionError = data_union::ContractError;

/// Who may send a message, and the error everyone else must get.
struct Rule {
    allowed: Vec<Addr>,
    refusal: Box<dyn Fn(&Addr) -> String>,
}

/// Only `allowed` may send it; anyone else gets `refusal(sender)`.
fn only<E: ToString>(allowed: &[&Addr], refusal: impl Fn(&Addr) -> E + 'static) -> Rule {
    Rule {
        allowed: allowed.iter().map(|a| (*a).clone()).collect(),
        refusal: Box::new(move |sender| refusal(sender).to_string()),
    }
}

/// Anyone may send it (there is nobody to refuse).
fn anyone(a: &Actors) -> Rule {
    Rule {
        allowed: a.all().into_iter().map(|(_, addr)| addr).collect(),
        refusal: Box::new(|_| unreachable!("nobody is refused")),
    }
}

/// The fixture: the journey up to the study's first contributions (devices bound, a clinician
/// grant, a break-glass session, a study with two members), plus a pending admin transfer to an
/// address that is none of the actors, in each contract that has one, and the patient's pen
/// offered to the other patient (a pending device transfer).
fn fixture() -> Suite {
    let mut s = journey::through(7);
    let (patient, other) = (s.actors.patient.clone(), s.actors.other_patient.clone());
    s.offer_transfer(&patient, PEN, &other, None)
        .accepted("pending device transfer");
    let (admin, successor) = (s.actors.consortium.clone(), successor(&s));
    for contract in [s.registry.clone(), s.anchors.clone(), s.consent.clone()] {
        s.exec(
            &admin,
            &contract,
            &registry::ExecuteMsg::TransferAdmin {
                new_admin: successor.to_string(),
            },
        )
        .accepted("pending transfer");
    }
    s
}

fn successor(s: &Suite) -> Addr {
    s.app.api().addr_make("successor-consortium")
}

// ------------------------------------------------------------------------------ registry

fn registry_samples(s: &Suite) -> Vec<registry::ExecuteMsg> {
    use registry::ExecuteMsg as M;
    let a = &s.actors;
    let spare = TestKey::new(KeyAlgorithm::Secp256r1, 0x41);
    vec![
        M::TransferAdmin {
            new_admin: a.stranger.to_string(),
        },
        M::AcceptAdmin {},
        M::CancelAdminTransfer {},
        M::AdmitParticipant {
            role: Role::Relayer,
            address: a.stranger.to_string(),
            label: "another relay".to_string(),
        },
        M::SuspendParticipant {
            role: Role::Relayer,
            address: a.relayer.to_string(),
            reason: "audit".to_string(),
        },
        M::ReinstateParticipant {
            role: Role::Relayer,
            address: a.relayer.to_string(),
        },
        M::RemoveParticipant {
            role: Role::Manufacturer,
            address: a.manufacturer.to_string(),
        },
        M::RegisterDevices {
            devices: vec![NewDevice {
                id: "cgm-00aa11bb22cc33dd".to_string(),
                kind: DeviceKind::Cgm,
                model: "GlucoSense G7".to_string(),
                public_key: spare.public_key(),
                key_custody: diachain_std::KeyCustody::Device,
            }],
        },
        // A gateway whose key the relayer holds (a Nightscout uploader key).
        M::RegisterDevices {
            devices: vec![NewDevice {
                id: "ns-00aa11bb22cc33dd".to_string(),
                kind: DeviceKind::Gateway,
                model: "Nightscout uploader".to_string(),
                public_key: spare.public_key(),
                key_custody: diachain_std::KeyCustody::Relayer,
            }],
        },
        M::BindDevice {
            device_id: CGM.to_string(),
            patient: Some(a.patient.to_string()),
            signature: s.bind_proof(CGM, &a.patient),
        },
        M::UnbindDevice {
            device_id: CGM.to_string(),
        },
        M::TransferDevice {
            device_id: CGM.to_string(),
            new_owner: a.other_patient.to_string(),
            signature: s.bind_proof(CGM, &a.other_patient),
            expires_in_seconds: None,
        },
        M::AcceptTransfer {
            device_id: PEN.to_string(),
        },
        M::CancelTransfer {
            device_id: PEN.to_string(),
        },
        M::AddGuardian {
            patient: Some(a.patient.to_string()),
            guardian: a.clinician.to_string(),
        },
        M::RemoveGuardian {
            patient: Some(a.patient.to_string()),
            guardian: a.guardian.to_string(),
        },
        M::SuspendDevice {
            device_id: CGM.to_string(),
            reason: diachain_std::device::SuspensionReason::SuspectedFault,
        },
        M::ReactivateDevice {
            device_id: CGM.to_string(),
        },
        M::RevokeDevice {
            device_id: CGM.to_string(),
            reason: RevocationReason::Stolen,
            effective_at: None,
        },
        // Without the current key's signature only the manufacturer may rotate...
        M::RotateKey {
            device_id: CGM.to_string(),
            new_key: spare.public_key(),
            signature: None,
        },
        // ...and with a signature that is not the current key's, nobody may.
        M::RotateKey {
            device_id: CGM.to_string(),
            new_key: spare.public_key(),
            signature: Some(Binary::new(vec![7; 64])),
        },
    ]
}

fn registry_rule(a: &Actors, msg: &registry::ExecuteMsg) -> Rule {
    use registry::ExecuteMsg as M;
    let not_admin = || RegistryError::Admin(AdminError::NotAdmin);
    let patient = a.patient.clone();
    let owner_side = [&a.patient, &a.guardian];
    let device_authorities = [&a.patient, &a.guardian, &a.manufacturer, &a.consortium];
    match msg {
        M::TransferAdmin { .. }
        | M::CancelAdminTransfer {}
        | M::AdmitParticipant { .. }
        | M::SuspendParticipant { .. }
        | M::ReinstateParticipant { .. }
        | M::RemoveParticipant { .. } => only(&[&a.consortium], move |_| not_admin()),
        M::AcceptAdmin {} => only(&[], |_| RegistryError::Admin(AdminError::NotPendingAdmin)),
        M::RegisterDevices { devices }
            if devices
                .iter()
                .any(|d| d.key_custody == diachain_std::KeyCustody::Relayer) =>
        {
            only(&[&a.relayer], |sender| RegistryError::NotAdmitted {
                role: Role::Relayer,
                address: sender.to_string(),
            })
        }
        M::RegisterDevices { .. } => {
            only(&[&a.manufacturer], |sender| RegistryError::NotAdmitted {
                role: Role::Manufacturer,
                address: sender.to_string(),
            })
        }
        M::BindDevice { .. } => only(&owner_side, move |sender| RegistryError::NotGuardian {
            patient: patient.to_string(),
            guardian: sender.to_string(),
        }),
        M::UnbindDevice { .. } | M::TransferDevice { .. } => {
            only(&owner_side, |_| RegistryError::NotOwnerOrGuardian)
        }
        // The fixture's pen is offered to the other patient: only they may take it...
        M::AcceptTransfer { .. } => {
            only(&[&a.other_patient], |_| RegistryError::NotTransferRecipient)
        }
        // ...and only the owner's side or theirs may withdraw or decline the offer.
        M::CancelTransfer { .. } => only(&[&a.patient, &a.guardian, &a.other_patient], |_| {
            RegistryError::NotTransferParty
        }),
        M::AddGuardian { .. } => only(&[&a.patient, &a.consortium], move |sender| {
            RegistryError::NotPatientOrAdmin {
                sender: sender.to_string(),
                patient: patient.to_string(),
            }
        }),
        M::RemoveGuardian { .. } => only(&[&a.patient, &a.guardian, &a.consortium], |_| {
            RegistryError::CannotRemoveGuardian
        }),
        M::SuspendDevice { .. } | M::ReactivateDevice { .. } | M::RevokeDevice { .. } => {
            only(&device_authorities, |_| {
                RegistryError::NoAuthorityOverDevice
            })
        }
        M::RotateKey {
            device_id,
            signature: None,
            ..
        } => {
            let id = device_id.clone();
            only(&[&a.manufacturer], move |_| {
                RegistryError::RotationSignatureRequired { id: id.clone() }
            })
        }
        M::RotateKey {
            device_id,
            signature: Some(_),
            ..
        } => {
            let id = device_id.clone();
            only(&[], move |_| RegistryError::InvalidRotationSignature {
                id: id.clone(),
            })
        }
    }
}

// ------------------------------------------------------------------------------ anchors

fn anchors_samples(s: &Suite) -> Vec<reading_anchors::msg::ExecuteMsg> {
    use reading_anchors::msg::ExecuteMsg as M;
    // The CGM's next reading, validly signed: only the submitter's role is wrong.
    let next = s.cursor(CGM).unwrap() + 1;
    let batch = s.batch(CGM, next, 1, at(STUDY_FROM + 1, 0, 0));
    vec![
        M::SubmitBatches {
            batches: diachain_std::testing::submission(&[batch]),
        },
        M::AddListener {
            address: s.actors.stranger.to_string(),
        },
        M::RemoveListener {
            address: s.union.to_string(),
        },
        M::SetSamplingLimits {
            limits: vec![diachain_std::anchors::SamplingLimit {
                kind: diachain_std::DeviceKind::Cgm,
                min_interval_seconds: 1,
            }],
        },
        M::TransferAdmin {
            new_admin: s.actors.stranger.to_string(),
        },
        M::AcceptAdmin {},
        M::CancelAdminTransfer {},
    ]
}

fn anchors_rule(a: &Actors, msg: &reading_anchors::msg::ExecuteMsg) -> Rule {
    use reading_anchors::msg::ExecuteMsg as M;
    match msg {
        M::SubmitBatches { .. } => only(&[&a.relayer], |sender| AnchorsError::NotRelayer {
            address: sender.to_string(),
        }),
        M::AddListener { .. }
        | M::RemoveListener { .. }
        | M::SetSamplingLimits { .. }
        | M::TransferAdmin { .. }
        | M::CancelAdminTransfer {} => only(&[&a.consortium], |_| {
            AnchorsError::Admin(AdminError::NotAdmin)
        }),
        M::AcceptAdmin {} => only(&[], |_| AnchorsError::Admin(AdminError::NotPendingAdmin)),
    }
}

// ------------------------------------------------------------------------------ consent

fn consent_samples(s: &Suite) -> Vec<consent_msg::ExecuteMsg> {
    use consent_msg::ExecuteMsg as M;
    let a = &s.actors;
    let grant_id = s.story.clinician_grant.unwrap();
    let now = s.now();
    vec![
        M::TransferAdmin {
            new_admin: a.stranger.to_string(),
        },
        M::AcceptAdmin {},
        M::CancelAdminTransfer {},
        M::AdmitMember {
            role: ConsentRole::Custodian,
            address: a.stranger.to_string(),
        },
        M::RemoveMember {
            role: ConsentRole::EmergencyProvider,
            address: a.emergency.to_string(),
        },
        M::SetListeners { listeners: vec![] },
        M::Grant {
            patient: Some(a.patient.to_string()),
            grantee: a.stranger.to_string(),
            scopes: vec![DataScope::Glucose],
            purpose: Purpose::Insurance,
            study_id: None,
            data_from: Timestamp::from_seconds(FIRST_DAY * DAY),
            data_to: Timestamp::from_seconds(GAP_DAY * DAY),
            expires: Expiry::AtTime(Timestamp::from_seconds(now + DAY)),
        },
        M::AmendGrant {
            grant_id,
            scopes: Some(vec![DataScope::Glucose, DataScope::Insulin]),
            data_from: None,
            data_to: None,
            expires: None,
        },
        M::RevokeGrant { grant_id },
        M::OpenBreakGlass {
            patient: a.patient.to_string(),
            hours: 2,
            reason: consent_msg::BreakGlassReason::PatientCannotConsent,
            note_hash: None,
            scopes: None,
        },
        M::RecordAccesses {
            accesses: vec![NewAccess {
                patient: a.patient.to_string(),
                grantee: a.clinician.to_string(),
                scope: DataScope::Glucose,
                data_from: Timestamp::from_seconds(CLINICIAN_DATA.0),
                data_to: Timestamp::from_seconds(CLINICIAN_DATA.1),
                grant_id,
                served_at: None,
            }],
        },
        M::RecordErasure {
            patient: a.patient.to_string(),
            request_hash: Binary::new(vec![0xe5; consent_msg::REQUEST_HASH_LEN]),
            requested_at: Timestamp::from_seconds(now - HOUR),
        },
    ]
}

fn consent_rule(a: &Actors, msg: &consent_msg::ExecuteMsg) -> Rule {
    use consent_msg::ExecuteMsg as M;
    match msg {
        M::TransferAdmin { .. }
        | M::CancelAdminTransfer {}
        | M::AdmitMember { .. }
        | M::RemoveMember { .. }
        | M::SetListeners { .. } => only(&[&a.consortium], |_| ConsentError::NotAdmin),
        M::AcceptAdmin {} => only(&[], |_| ConsentError::NotPendingAdmin),
        M::Grant { .. } | M::AmendGrant { .. } => only(&[&a.patient, &a.guardian], |_| {
            ConsentError::NotPatientOrGuardian
        }),
        // The clinician is the grantee of the sampled grant and may renounce it.
        M::RevokeGrant { .. } => only(&[&a.patient, &a.guardian, &a.clinician], |_| {
            ConsentError::NotPatientGuardianOrGrantee
        }),
        M::OpenBreakGlass { .. } => only(&[&a.emergency], |sender| ConsentError::NotMember {
            role: ConsentRole::EmergencyProvider,
            address: sender.to_string(),
        }),
        M::RecordAccesses { .. } | M::RecordErasure { .. } => {
            only(&[a.custodian()], |sender| ConsentError::NotMember {
                role: ConsentRole::Custodian,
                address: sender.to_string(),
            })
        }
    }
}

// ------------------------------------------------------------------------------ data union

fn union_samples(s: &Suite) -> Vec<union::ExecuteMsg> {
    use union::ExecuteMsg as M;
    let a = &s.actors;
    let study_id = s.story.study.unwrap();
    vec![
        M::CreateStudy {
            study: the_study(),
            denom: DENOM.to_string(),
        },
        M::TopUp { study_id },
        M::Receive(Cw20ReceiveMsg {
            sender: a.sponsor.to_string(),
            amount: Uint128::new(1_000),
            msg: to_json_binary(&ReceiveMsg::TopUp { study_id }).unwrap(),
        }),
        M::Join { study_id },
        M::Leave { study_id },
        M::Claim { study_id },
        M::WithdrawUnearned { study_id },
        M::UpdateConfig {
            admin: None,
            anchors: Some(a.stranger.to_string()),
            consent: None,
            treasury: None,
        },
        M::ReadingsAnchored {
            contributions: vec![Contribution {
                patient: a.patient.clone(),
                scope: DataScope::Glucose,
                day: STUDY_FROM,
                readings: 10_000,
                first_time: None,
                last_time: None,
            }],
        },
        M::ResearchConsentEnded {
            patient: a.other_patient.clone(),
            study_id,
            grant_id: s.story.other_research_grant.unwrap(),
        },
        M::RecordManifest {
            manifest: union::NewManifest {
                study_id,
                export_id: Binary::new(vec![1; union::EXPORT_ID_LEN]),
                exported_at: Timestamp::from_seconds(s.now()),
                members: 2,
                rows: 1,
                scope_rows: vec![union::ScopeRows {
                    scope: DataScope::Glucose,
                    rows: 1,
                }],
                data_from: Timestamp::from_seconds(STUDY_FROM * DAY),
                data_to: Timestamp::from_seconds(STUDY_FROM * DAY),
                format: union::DatasetFormat::Csv,
                time_shifted: false,
                root: Binary::new(vec![0; union::ROOT_LEN]),
            },
        },
    ]
}

fn union_rule(a: &Actors, msg: &union::ExecuteMsg) -> Rule {
    use union::ExecuteMsg as M;
    let members = [&a.patient, &a.other_patient];
    match msg {
        // Sponsors are whoever funds a study; anyone may top a pool up; `Receive` comes from
        // whichever cw20 token is sent (the token is the sender, and it is the pool's token).
        M::CreateStudy { .. } | M::TopUp { .. } | M::Receive(_) => anyone(a),
        // Only patients holding a live research consent for the study (both members do).
        M::Join { study_id } => {
            let study_id = *study_id;
            only(&members, move |_| UnionError::NoResearchConsent {
                study_id,
            })
        }
        M::Leave { study_id } | M::Claim { study_id } => {
            let study_id = *study_id;
            only(&members, move |_| UnionError::NotMember { study_id })
        }
        M::WithdrawUnearned { .. } => only(&[&a.sponsor], |_| UnionError::NotSponsor),
        M::UpdateConfig { .. } => only(&[&a.consortium], |_| UnionError::NotAdmin),
        // Only the configured contracts, which are no actor.
        M::ReadingsAnchored { .. } => only(&[], |_| UnionError::NotAnchors),
        M::ResearchConsentEnded { .. } => only(&[], |_| UnionError::NotConsent),
        // Only an admitted custodian of the consent contract (the relayer).
        M::RecordManifest { .. } => only(&[&a.relayer], |_| UnionError::NotCustodian),
    }
}

// ------------------------------------------------------------------------------ the matrix

/// The variant names a message type's JSON schema lists (`oneOf[*].required[0]`).
fn schema_variants<T: JsonSchema>() -> BTreeSet<String> {
    let root = cosmwasm_schema::schema_for!(T);
    let one_of = root
        .schema
        .subschemas
        .as_ref()
        .and_then(|s| s.one_of.as_ref())
        .expect("an enum schema");
    one_of
        .iter()
        .map(|variant| match variant {
            Schema::Object(o) => o
                .object
                .as_ref()
                .and_then(|obj| obj.required.iter().next().cloned())
                .expect("an externally tagged variant"),
            Schema::Bool(_) => panic!("unexpected boolean schema"),
        })
        .collect()
}

/// The JSON name of a message's variant (its single key).
fn variant_name<T: Serialize>(msg: &T) -> String {
    let json = to_json_binary(msg).unwrap();
    let map: BTreeMap<String, IgnoredAny> = cosmwasm_std::from_json(&json).unwrap();
    assert_eq!(map.len(), 1, "an externally tagged message");
    map.into_keys().next().unwrap()
}

fn assert_rows_cover<T: JsonSchema + Serialize>(contract: &str, samples: &[T]) {
    let variants = schema_variants::<T>();
    let rows: BTreeSet<String> = samples.iter().map(variant_name).collect();
    let missing: Vec<_> = variants.difference(&rows).collect();
    let unknown: Vec<_> = rows.difference(&variants).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{contract}: execute messages without a row: {missing:?}; rows for no message: {unknown:?}"
    );
}

/// Sends every sample from every actor its rule does not allow; returns the mismatches.
fn run<T: Serialize + std::fmt::Debug>(
    s: &mut Suite,
    contract: &Addr,
    samples: &[T],
    rule: impl Fn(&Actors, &T) -> Rule,
) -> (usize, Vec<String>) {
    let actors = s.actors.clone();
    let mut refused = 0;
    let mut mismatches = vec![];
    for msg in samples {
        let rule = rule(&actors, msg);
        for (name, sender) in actors.all() {
            if rule.allowed.contains(&sender) {
                continue;
            }
            let expected = (rule.refusal)(&sender);
            match s.exec(&sender, contract, msg) {
                Ok(_) => mismatches.push(format!(
                    "{} from {name}: accepted, expected `{expected}`",
                    variant_name(msg)
                )),
                Err(err) if refused_with(&err, &expected) => refused += 1,
                Err(err) => mismatches.push(format!(
                    "{} from {name}: expected `{expected}`, got: {err}",
                    variant_name(msg)
                )),
            }
        }
    }
    (refused, mismatches)
}

#[track_caller]
fn assert_matrix(contract: &str, (refused, mismatches): (usize, Vec<String>), at_least: usize) {
    assert!(
        mismatches.is_empty(),
        "{contract}: {} wrong answers:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(refused >= at_least, "{contract}: only {refused} refusals");
}

#[test]
fn every_execute_message_of_every_contract_has_a_row() {
    let s = fixture();
    assert_rows_cover("device-registry", &registry_samples(&s));
    assert_rows_cover("reading-anchors", &anchors_samples(&s));
    assert_rows_cover("consent", &consent_samples(&s));
    assert_rows_cover("data-union", &union_samples(&s));
}

#[test]
fn device_registry_refuses_every_message_from_every_actor_who_must_not_send_it() {
    let mut s = fixture();
    let samples = registry_samples(&s);
    let contract = s.registry.clone();
    let result = run(&mut s, &contract, &samples, registry_rule);
    assert_matrix("device-registry", result, samples.len());
    // Nothing the refused messages asked for happened.
    let cgm = s.device(CGM);
    assert_eq!(cgm.owner, Some(s.actors.patient.clone()));
    assert_eq!(cgm.status, diachain_std::DeviceStatus::Active);
}

#[test]
fn reading_anchors_refuses_every_message_from_every_actor_who_must_not_send_it() {
    let mut s = fixture();
    let samples = anchors_samples(&s);
    let contract = s.anchors.clone();
    let before = s.cursor(CGM);
    let result = run(&mut s, &contract, &samples, anchors_rule);
    assert_matrix("reading-anchors", result, samples.len());
    assert_eq!(s.cursor(CGM), before);
}

#[test]
fn consent_refuses_every_message_from_every_actor_who_must_not_send_it() {
    let mut s = fixture();
    let samples = consent_samples(&s);
    let contract = s.consent.clone();
    let result = run(&mut s, &contract, &samples, consent_rule);
    assert_matrix("consent", result, samples.len());
    let grant = s.grant_info(s.story.clinician_grant.unwrap());
    assert_eq!(grant.status, consent_msg::GrantStatus::Active);
    assert_eq!(grant.grant.scopes, vec![DataScope::Glucose]);
}

#[test]
fn data_union_refuses_every_message_from_every_actor_who_must_not_send_it() {
    let mut s = fixture();
    let samples = union_samples(&s);
    let contract = s.union.clone();
    let study_id = s.story.study.unwrap();
    let units_before = s.member(study_id, &s.actors.patient).units;
    let result = run(&mut s, &contract, &samples, union_rule);
    // Three messages are open to anyone; the eight others each refuse someone.
    assert_matrix("data-union", result, samples.len() - 3);
    assert_eq!(s.member(study_id, &s.actors.patient).units, units_before);
    assert!(s.member(study_id, &s.actors.other_patient).active);
    let manifests: diachain_std::Page<union::Manifest> = s.query(
        &s.union,
        &union::QueryMsg::Manifests {
            study_id,
            start_after: None,
            limit: None,
        },
    );
    assert!(manifests.items.is_empty());
}
