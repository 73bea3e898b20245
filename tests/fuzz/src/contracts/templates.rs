//! Every execute message of every contract as a template: its default sender and contract, and
//! its parameters from the fuzzer's bytes. Messages that carry a proof carry a valid one for
//! the parameters chosen (a device's bind proof at its current nonce, a rotation signed by its
//! current key, batches signed by the device), so that the fuzzer reaches the handlers' later
//! steps, not only their signature checks.

use cosmwasm_std::{Addr, Binary};
use diachain_std::anchors::{CursorResponse, QueryMsg as AnchorsQuery};
use diachain_std::encoding::{bind_sign_bytes, rotate_sign_bytes, ReadingKind};
use diachain_std::registry::QueryMsg as RegistryQuery;
use diachain_std::testing::{signed_batch, signed_batch_v2, submission, TestKey};
use diachain_std::{Device, Domain, KeyAlgorithm};
use diachain_testing::{Suite, CGM, CGM_REPLACEMENT, DENOM, OTHER_CGM, PEN};
use serde_json::{json, Value};

use super::{actor, contract, mutate, Message};
use crate::input::Input;

/// A template: its default sender, the contract (0 registry, 1 anchors, 2 consent, 3 union),
/// the message and the funds sent with it.
type Template = fn(&Suite, &mut Input) -> (Addr, u8, Value, u128);

pub const TEMPLATES: &[(&str, Template)] = &[
    ("register_devices", register_devices),
    ("bind_device", bind_device),
    ("unbind_device", unbind_device),
    ("transfer_device", transfer_device),
    ("accept_or_cancel_transfer", accept_or_cancel_transfer),
    ("guardian", guardian),
    ("device_status", device_status),
    ("rotate_key", rotate_key),
    ("participant", participant),
    ("admin", admin),
    ("submit_batches", submit_batches),
    ("sampling_limits", sampling_limits),
    ("listener", listener),
    ("grant", grant),
    ("amend_or_revoke_grant", amend_or_revoke_grant),
    ("break_glass", break_glass),
    ("record_accesses", record_accesses),
    ("record_erasure", record_erasure),
    ("consent_member", consent_member),
    ("create_study", create_study),
    ("study_action", study_action),
    ("union_config", union_config),
    ("union_hooks", union_hooks),
];

/// A message from template bytes: template index, sender (0: the template's own, else an actor),
/// the template's parameters, then a mutation byte (1 in 4: one JSON leaf replaced).
pub fn message(s: &Suite, input: &mut Input) -> Message {
    let (_, template) = TEMPLATES[usize::from(input.u8()) % TEMPLATES.len()];
    let sender = input.u8();
    let (default_sender, which, mut msg, funds) = template(s, input);
    if input.u8() % 4 == 1 {
        mutate(&mut msg, input);
    }
    Message {
        sender: if sender == 0 {
            default_sender
        } else {
            actor(s, sender - 1)
        },
        contract: contract(s, which),
        msg: serde_json::to_vec(&msg).unwrap_or_default(),
        funds,
    }
}

const DEVICES: [&str; 4] = [CGM, PEN, CGM_REPLACEMENT, OTHER_CGM];

fn device_id(input: &mut Input) -> String {
    match input.u8() % 5 {
        4 => input.string(70),
        i => DEVICES[usize::from(i)].to_string(),
    }
}

fn registered(s: &Suite, id: &str) -> Option<Device> {
    s.try_query(&s.registry, &RegistryQuery::Device { id: id.to_string() })
        .ok()
}

fn registry_domain(s: &Suite) -> Domain<'_> {
    Domain {
        chain_id: &s.chain_id,
        contract: s.registry.as_str(),
    }
}

/// The device's proof of possession for `patient`, at its current nonce.
fn bind_proof(s: &Suite, id: &str, patient: &Addr) -> Binary {
    let (Some(device), Some(sim)) = (registered(s, id), s.devices.get(id)) else {
        return Binary::new(vec![7; 64]);
    };
    let bytes = bind_sign_bytes(&registry_domain(s), id, patient.as_str(), device.nonce)
        .unwrap_or_default();
    sim.key.sign(&bytes)
}

fn time(seconds: u64) -> Value {
    json!(seconds.saturating_mul(1_000_000_000).to_string())
}

fn pick<'a>(input: &mut Input, items: &[&'a str]) -> &'a str {
    items[usize::from(input.u8()) % items.len()]
}

fn register_devices(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let n = 1 + usize::from(input.u8() % 3);
    let devices: Vec<Value> = (0..n)
        .map(|_| match input.u8() % 3 {
            0 | 1 => {
                let id = DEVICES[usize::from(input.u8()) % DEVICES.len()];
                serde_json::to_value(s.devices[id].registration()).unwrap_or_default()
            }
            _ => {
                let algorithm = *input.pick(KeyAlgorithm::ALL);
                let key = TestKey::new(algorithm, key_seed(input));
                json!({
                    "id": input.string(70),
                    "kind": pick(input, &["cgm", "pump", "pen", "meter", "wearable", "gateway"]),
                    "model": input.string(40),
                    "public_key": key.public_key(),
                    "key_custody": pick(input, &["device", "relayer"]),
                })
            }
        })
        .collect();
    let m = s.actors.manufacturer.clone();
    (
        m,
        0,
        json!({ "register_devices": { "devices": devices } }),
        0,
    )
}

fn bind_device(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let id = device_id(input);
    let patient = actor(s, input.u8());
    let by_guardian = input.bool();
    let sender = if by_guardian {
        s.actors.guardian.clone()
    } else {
        patient.clone()
    };
    let msg = json!({ "bind_device": {
        "device_id": id,
        "patient": by_guardian.then(|| patient.to_string()),
        "signature": bind_proof(s, &id, &patient),
    }});
    (sender, 0, msg, 0)
}

fn unbind_device(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let msg = json!({ "unbind_device": { "device_id": device_id(input) } });
    (s.actors.patient.clone(), 0, msg, 0)
}

fn transfer_device(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let id = device_id(input);
    let new_owner = actor(s, input.u8());
    let expires = (input.bool()).then(|| u64::from(input.u32()));
    let msg = json!({ "transfer_device": {
        "device_id": id,
        "new_owner": new_owner.to_string(),
        "signature": bind_proof(s, &id, &new_owner),
        "expires_in_seconds": expires,
    }});
    (s.actors.patient.clone(), 0, msg, 0)
}

fn accept_or_cancel_transfer(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let action = pick(input, &["accept_transfer", "cancel_transfer"]);
    let msg = json!({ action: { "device_id": device_id(input) } });
    (s.actors.other_patient.clone(), 0, msg, 0)
}

fn guardian(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let action = pick(input, &["add_guardian", "remove_guardian"]);
    let guardian = actor(s, input.u8());
    let patient = input.bool().then(|| actor(s, input.u8()).to_string());
    let msg = json!({ action: { "patient": patient, "guardian": guardian.to_string() } });
    (s.actors.patient.clone(), 0, msg, 0)
}

fn device_status(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let id = device_id(input);
    let msg = match input.u8() % 3 {
        0 => json!({ "suspend_device": { "device_id": id, "reason": pick(input, &[
            "suspected_fault", "suspected_compromise", "misplaced", "safety_notice", "owner_paused", "other", "legacy"]) } }),
        1 => json!({ "reactivate_device": { "device_id": id } }),
        _ => json!({ "revoke_device": {
            "device_id": id,
            "reason": pick(input, &["lost", "stolen", "compromised", "recalled", "retired"]),
            "effective_at": input.bool().then(|| time(s.now().saturating_sub(u64::from(input.u32())))),
        }}),
    };
    (s.actors.patient.clone(), 0, msg, 0)
}

fn rotate_key(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let id = device_id(input);
    let new = TestKey::new(*input.pick(KeyAlgorithm::ALL), key_seed(input));
    let signed = input.bool();
    let signature = match (signed, registered(s, &id), s.devices.get(&id)) {
        (true, Some(device), Some(sim)) => {
            let public = new.public_key();
            rotate_sign_bytes(
                &registry_domain(s),
                &id,
                public.algorithm,
                public.key.as_slice(),
                device.nonce,
            )
            .ok()
            .map(|bytes| sim.key.sign(&bytes))
        }
        _ => None,
    };
    let msg = json!({ "rotate_key": {
        "device_id": id, "new_key": new.public_key(), "signature": signature,
    }});
    (s.actors.patient.clone(), 0, msg, 0)
}

fn participant(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let role = pick(input, &["manufacturer", "relayer"]);
    let address = actor(s, input.u8()).to_string();
    let msg = match input.u8() % 4 {
        0 => {
            json!({ "admit_participant": { "role": role, "address": address, "label": input.string(40) } })
        }
        1 => {
            json!({ "suspend_participant": { "role": role, "address": address, "reason": input.string(40) } })
        }
        2 => json!({ "reinstate_participant": { "role": role, "address": address } }),
        _ => json!({ "remove_participant": { "role": role, "address": address } }),
    };
    (s.actors.consortium.clone(), 0, msg, 0)
}

fn admin(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let which = input.u8() % 3;
    let msg = match input.u8() % 3 {
        0 => json!({ "transfer_admin": { "new_admin": actor(s, input.u8()).to_string() } }),
        1 => json!({ "accept_admin": {} }),
        _ => json!({ "cancel_admin_transfer": {} }),
    };
    // (contracts 0, 1, 2: the registry, anchors and consent share the two-step admin)
    (s.actors.consortium.clone(), which, msg, 0)
}

/// One to three batches of story devices, continuing (or not) each device's sequence, measured
/// before the block time, in version 1 or 2 headers (v2: glucose, insulin or both kinds).
fn submit_batches(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let domain = Domain {
        chain_id: &s.chain_id,
        contract: s.anchors.as_str(),
    };
    let n = 1 + input.u8() % 3;
    let batches: Vec<_> = (0..n)
        .map(|_| {
            let id = DEVICES[usize::from(input.u8()) % DEVICES.len()];
            let cursor: Option<CursorResponse> = s
                .try_query(
                    &s.anchors,
                    &AnchorsQuery::Cursor {
                        device_id: id.into(),
                    },
                )
                .ok();
            let next = cursor.and_then(|c| c.last_seq).map_or(1, |l| l + 1);
            let first_seq = next.saturating_add_signed(i64::from(input.u8() as i8 / 16));
            let count = 1 + u32::from(input.u8() % 24);
            let interval = u64::from(*input.pick(&[1u8, 60, 150, 255])).min(300);
            let span = interval * u64::from(count);
            let back = span + u64::from(input.u16());
            let first_time = s.now().saturating_sub(back);
            let key = &s.devices[id].key;
            if input.bool() {
                let kinds: &[ReadingKind] = match input.u8() % 3 {
                    0 => &[ReadingKind::Glucose],
                    1 => &[ReadingKind::InsulinBolus],
                    _ => &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
                };
                signed_batch_v2(
                    key,
                    id,
                    first_seq.max(1),
                    count,
                    first_time,
                    interval,
                    &domain,
                    kinds,
                )
            } else {
                signed_batch(
                    key,
                    id,
                    first_seq.max(1),
                    count,
                    first_time,
                    interval,
                    &domain,
                )
            }
        })
        .collect();
    let msg = json!({ "submit_batches": { "batches": submission(&batches) } });
    (s.actors.relayer.clone(), 1, msg, 0)
}

fn sampling_limits(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let n = usize::from(input.u8() % 4);
    let limits: Vec<Value> = (0..n)
        .map(|_| {
            json!({
                "kind": pick(input, &["cgm", "pump", "pen", "meter", "wearable", "gateway"]),
                "min_interval_seconds": input.u32() % 100_000,
            })
        })
        .collect();
    let msg = json!({ "set_sampling_limits": { "limits": limits } });
    (s.actors.consortium.clone(), 1, msg, 0)
}

fn listener(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let action = pick(input, &["add_listener", "remove_listener"]);
    let address = match input.u8() % 3 {
        0 => s.union.to_string(),
        1 => s.consent.to_string(),
        _ => actor(s, input.u8()).to_string(),
    };
    let msg = json!({ action: { "address": address } });
    (s.actors.consortium.clone(), 1, msg, 0)
}

fn scopes(input: &mut Input) -> Vec<&'static str> {
    let n = usize::from(input.u8() % 4);
    (0..n)
        .map(|_| {
            pick(
                input,
                &[
                    "glucose",
                    "insulin",
                    "nutrition",
                    "device_events",
                    "summaries_only",
                ],
            )
        })
        .collect()
}

fn grant(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let now = s.now();
    let grantee = match input.u8() % 3 {
        0 => s.union.to_string(),
        _ => actor(s, input.u8()).to_string(),
    };
    let purpose = pick(input, &["treatment", "research", "insurance", "emergency"]);
    let study_id = input.bool().then(|| u64::from(input.u8() % 4));
    let from = now.saturating_sub(u64::from(input.u32() % (60 * 86_400)));
    let to = from.saturating_add(u64::from(input.u32() % (60 * 86_400)));
    let expires = if input.bool() {
        json!({ "at_time": time(now.saturating_add(u64::from(input.u32()))) })
    } else {
        json!({ "at_height": input.u64() % 1_000_000 })
    };
    let msg = json!({ "grant": {
        "patient": input.bool().then(|| s.actors.patient.to_string()),
        "grantee": grantee, "scopes": scopes(input), "purpose": purpose, "study_id": study_id,
        "data_from": time(from), "data_to": time(to), "expires": expires,
    }});
    (s.actors.patient.clone(), 2, msg, 0)
}

fn amend_or_revoke_grant(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let grant_id = u64::from(input.u8() % 8);
    let msg = if input.bool() {
        json!({ "revoke_grant": { "grant_id": grant_id } })
    } else {
        let now = s.now();
        json!({ "amend_grant": {
            "grant_id": grant_id,
            "scopes": input.bool().then(|| scopes(input)),
            "data_from": input.bool().then(|| time(now.saturating_sub(u64::from(input.u32())))),
            "data_to": input.bool().then(|| time(now.saturating_add(u64::from(input.u16())))),
            "expires": input.bool().then(|| json!({ "at_time": time(now.saturating_add(u64::from(input.u32()))) })),
        }})
    };
    (s.actors.patient.clone(), 2, msg, 0)
}

fn break_glass(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let msg = json!({ "open_break_glass": {
        "patient": actor(s, input.u8()).to_string(),
        "hours": input.u8() % 40,
        "reason": pick(input, &["patient_cannot_consent", "guardian_unreachable", "legal_order", "other", "legacy"]),
        "note_hash": input.bool().then(|| Binary::new(input.blob(40).to_vec())),
        "scopes": input.bool().then(|| scopes(input)),
    }});
    (s.actors.emergency.clone(), 2, msg, 0)
}

fn record_accesses(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let now = s.now();
    let n = usize::from(input.u8() % 4);
    let accesses: Vec<Value> = (0..n)
        .map(|_| {
            let from = now.saturating_sub(u64::from(input.u32() % (30 * 86_400)));
            json!({
                "patient": actor(s, input.u8()).to_string(),
                "grantee": actor(s, input.u8()).to_string(),
                "scope": pick(input, &["glucose", "insulin", "nutrition", "device_events", "summaries_only"]),
                "data_from": time(from),
                "data_to": time(from.saturating_add(u64::from(input.u16()))),
                "grant_id": u64::from(input.u8() % 8),
                "served_at": input.bool().then(|| time(now.saturating_sub(u64::from(input.u16())))),
            })
        })
        .collect();
    let msg = json!({ "record_accesses": { "accesses": accesses } });
    (s.actors.relayer.clone(), 2, msg, 0)
}

fn record_erasure(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let msg = json!({ "record_erasure": {
        "patient": actor(s, input.u8()).to_string(),
        "request_hash": Binary::new(input.blob(40).to_vec()),
        "requested_at": time(s.now().saturating_sub(u64::from(input.u32()))),
    }});
    (s.actors.relayer.clone(), 2, msg, 0)
}

fn consent_member(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let msg = match input.u8() % 3 {
        0 => {
            json!({ "admit_member": { "role": pick(input, &["emergency_provider", "custodian"]), "address": actor(s, input.u8()).to_string() } })
        }
        1 => {
            json!({ "remove_member": { "role": pick(input, &["emergency_provider", "custodian"]), "address": actor(s, input.u8()).to_string() } })
        }
        _ => {
            let n = usize::from(input.u8() % 3);
            let listeners: Vec<String> = (0..n)
                .map(|_| match input.u8() % 2 {
                    0 => s.union.to_string(),
                    _ => actor(s, input.u8()).to_string(),
                })
                .collect();
            json!({ "set_listeners": { "listeners": listeners } })
        }
    };
    (s.actors.consortium.clone(), 2, msg, 0)
}

fn create_study(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let today = s.now() / 86_400;
    let from_day = today
        .saturating_add(u64::from(input.u8() % 8))
        .saturating_sub(4);
    let to_day = from_day.saturating_add(u64::from(input.u8() % 8));
    let msg = json!({ "create_study": {
        "denom": if input.u8().is_multiple_of(8) { input.string(10) } else { DENOM.to_string() },
        "study": {
            "title": input.string(40),
            "description_url": "https://example.invalid/protocol.pdf",
            "scopes": scopes(input),
            "data_from_day": from_day,
            "data_to_day": to_day,
            "closes_at": input.bool().then(|| time(s.now().saturating_add(u64::from(input.u32())))),
            "eligibility": {
                "min_readings_per_day": input.u16() % 300,
                "min_days": input.u8() % 4,
                "device_kinds": if input.bool() { vec!["cgm"] } else { vec![] },
                "max_readings_per_day": input.bool().then(|| input.u16() % 400),
            },
            "cap_per_patient": (u128::from(input.u32()) % 1_000_000).to_string(),
        },
    }});
    let funds = u128::from(input.u32()) % 2_000_000;
    (s.actors.sponsor.clone(), 3, msg, funds)
}

fn study_action(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let action = pick(
        input,
        &["join", "leave", "claim", "withdraw_unearned", "top_up"],
    );
    let study_id = u64::from(input.u8() % 4);
    let (sender, funds) = match action {
        "top_up" => (s.actors.sponsor.clone(), u128::from(input.u16())),
        "withdraw_unearned" => (s.actors.sponsor.clone(), 0),
        _ => (s.actors.patient.clone(), 0),
    };
    (
        sender,
        3,
        json!({ action: { "study_id": study_id } }),
        funds,
    )
}

fn union_config(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let mut field = || input.bool().then(|| actor(s, input.u8()).to_string());
    let msg = json!({ "update_config": {
        "admin": field(), "anchors": field(), "consent": field(), "treasury": field(),
    }});
    (s.actors.consortium.clone(), 3, msg, 0)
}

/// The hooks the union listens to, sent by anyone (only the anchors and consent contracts may).
fn union_hooks(s: &Suite, input: &mut Input) -> (Addr, u8, Value, u128) {
    let msg = if input.bool() {
        json!({ "readings_anchored": { "contributions": [{
            "patient": s.actors.patient.to_string(),
            "scope": "glucose",
            "day": s.now() / 86_400,
            "readings": input.u32(),
        }]}})
    } else {
        json!({ "research_consent_ended": {
            "patient": s.actors.patient.to_string(),
            "study_id": u64::from(input.u8() % 4),
            "grant_id": u64::from(input.u8() % 8),
        }})
    };
    (s.actors.stranger.clone(), 3, msg, 0)
}

/// A test key's seed from the input: 1 to 254, each a valid secret on every curve (see
/// `TestKey::new`; 255 made the secp256k1 and P-256 secret exceed the curve order, a crash the
/// random engine found in CI: `corpus/contracts/crash-key-seed-255`).
fn key_seed(input: &mut Input) -> u8 {
    input.u8().clamp(1, 254)
}
