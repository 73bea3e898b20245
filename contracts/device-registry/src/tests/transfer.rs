//! Transfers in two steps: the owner offers, the recipient accepts. Each test is an attack or
//! a rejection path first.

use cosmwasm_std::{Addr, Binary, Response};
use diachain_std::device::{RevocationReason, SuspensionReason};
use diachain_std::registry::{
    PendingTransfer, DEFAULT_TRANSFER_EXPIRY_SECONDS, MAX_TRANSFER_EXPIRY_SECONDS,
};
use diachain_std::testing::TestKey;
use diachain_std::{Device, KeyAlgorithm, Page};

use super::{addr, Fx};
use crate::assert_err;
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;

const ID: &str = "cgm-transf01";

fn owned(fx: &Fx, owner: &Addr) -> Vec<String> {
    let page: Page<Device> = fx.query(QueryMsg::DevicesByOwner {
        owner: owner.to_string(),
        start_after: None,
        limit: None,
    });
    page.items.into_iter().map(|d| d.id).collect()
}

fn offer_msg(id: &str, to: &Addr, signature: Binary, expires: Option<u64>) -> ExecuteMsg {
    ExecuteMsg::TransferDevice {
        device_id: id.into(),
        new_owner: to.to_string(),
        signature,
        expires_in_seconds: expires,
    }
}

fn accept(id: &str) -> ExecuteMsg {
    ExecuteMsg::AcceptTransfer {
        device_id: id.into(),
    }
}

fn cancel(id: &str) -> ExecuteMsg {
    ExecuteMsg::CancelTransfer {
        device_id: id.into(),
    }
}

fn pending(fx: &Fx, id: &str) -> Option<PendingTransfer> {
    fx.query(QueryMsg::PendingTransfer {
        device_id: id.into(),
    })
}

fn to(fx: &Fx, recipient: &Addr) -> Vec<String> {
    let page: Page<PendingTransfer> = fx.query(QueryMsg::PendingTransfersTo {
        recipient: recipient.to_string(),
        start_after: None,
        limit: None,
    });
    page.items.into_iter().map(|t| t.device_id).collect()
}

fn from(fx: &Fx, owner: &Addr) -> Vec<String> {
    let page: Page<PendingTransfer> = fx.query(QueryMsg::PendingTransfersFrom {
        owner: owner.to_string(),
        start_after: None,
        limit: None,
    });
    page.items.into_iter().map(|t| t.device_id).collect()
}

fn attr<'a>(res: &'a Response, key: &str) -> &'a str {
    res.attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.as_str())
        .unwrap_or_else(|| panic!("no attribute {key}"))
}

/// The patient's bound device offered to `recipient` with a good proof.
fn offered(fx: &mut Fx, recipient: &Addr, expires: Option<u64>) -> TestKey {
    let key = fx.registered_and_bound(ID, KeyAlgorithm::Secp256r1, 11);
    let proof = fx.bind_proof(&key, ID, recipient);
    let patient = fx.patient.clone();
    fx.exec(&patient, offer_msg(ID, recipient, proof, expires))
        .unwrap();
    key
}

fn add_guardian(fx: &mut Fx, patient: &Addr, guardian: &Addr) {
    fx.exec(
        patient,
        ExecuteMsg::AddGuardian {
            patient: None,
            guardian: guardian.to_string(),
        },
    )
    .unwrap();
}

#[test]
fn a_leaked_device_key_cannot_attach_the_device_to_a_patient_who_never_accepted() {
    let mut fx = Fx::new();
    let (thief, victim) = (fx.stranger.clone(), addr("victim"));
    // The thief holds the device key: they bind the device to themselves and "transfer" it to
    // the victim with a perfectly good proof of possession.
    let key = fx.register("cgm-leaked01", KeyAlgorithm::Ed25519, 21);
    let to_thief = fx.bind_proof(&key, "cgm-leaked01", &thief);
    fx.exec(
        &thief,
        ExecuteMsg::BindDevice {
            device_id: "cgm-leaked01".into(),
            patient: None,
            signature: to_thief,
        },
    )
    .unwrap();
    let to_victim = fx.bind_proof(&key, "cgm-leaked01", &victim);
    fx.exec(&thief, offer_msg("cgm-leaked01", &victim, to_victim, None))
        .unwrap();
    // Nothing is attached to the victim: the device stays the thief's.
    assert!(owned(&fx, &victim).is_empty());
    assert_eq!(fx.device("cgm-leaked01").owner, Some(thief.clone()));
    // Neither the thief nor anyone else may accept in the victim's place.
    for sender in [thief.clone(), fx.guardian.clone(), fx.admin.clone()] {
        assert_err!(
            fx.exec(&sender, accept("cgm-leaked01")),
            ContractError::NotTransferRecipient
        );
    }
    // The victim sees the offer and declines it.
    assert_eq!(to(&fx, &victim), vec!["cgm-leaked01".to_string()]);
    let res = fx.exec(&victim, cancel("cgm-leaked01")).unwrap();
    assert_eq!(attr(&res, "action"), "decline_transfer");
    assert!(owned(&fx, &victim).is_empty());
    assert!(to(&fx, &victim).is_empty());
}

#[test]
fn an_offer_leaves_the_device_with_its_owner_until_the_recipient_accepts() {
    let mut fx = Fx::new();
    let (patient, recipient) = (fx.patient.clone(), addr("new-owner"));
    let key = fx.registered_and_bound(ID, KeyAlgorithm::Secp256r1, 11);
    let nonce_bound = fx.device(ID).nonce;
    let proof = fx.bind_proof(&key, ID, &recipient);
    let res = fx
        .exec(&patient, offer_msg(ID, &recipient, proof, None))
        .unwrap();
    // The event names the device and the addresses, nothing else.
    assert_eq!(attr(&res, "action"), "offer_transfer");
    assert_eq!(
        res.attributes
            .iter()
            .map(|a| a.key.as_str())
            .collect::<Vec<_>>(),
        vec!["action", "device_id", "from", "to"]
    );
    let offer = pending(&fx, ID).unwrap();
    assert_eq!(
        offer,
        PendingTransfer {
            device_id: ID.into(),
            from: patient.clone(),
            to: recipient.clone(),
            offered_at: fx.env.block.time,
            expires_at: fx
                .env
                .block
                .time
                .plus_seconds(DEFAULT_TRANSFER_EXPIRY_SECONDS),
            nonce: nonce_bound + 1,
        }
    );
    assert_eq!(fx.device(ID).owner, Some(patient.clone()));
    assert_eq!(to(&fx, &recipient), vec![ID.to_string()]);

    fx.advance(60);
    let res = fx.exec(&recipient, accept(ID)).unwrap();
    assert_eq!(attr(&res, "action"), "accept_transfer");
    assert_eq!(
        (attr(&res, "from"), attr(&res, "to")),
        (patient.as_str(), recipient.as_str())
    );
    let d = fx.device(ID);
    assert_eq!(d.owner, Some(recipient.clone()));
    assert_eq!(d.owner_since, fx.env.block.time);
    assert!(owned(&fx, &patient).is_empty());
    assert_eq!(owned(&fx, &recipient), vec![ID.to_string()]);
    assert_eq!(pending(&fx, ID), None);
    assert!(to(&fx, &recipient).is_empty());
    // Accepted once: there is nothing left to accept.
    assert_err!(
        fx.exec(&recipient, accept(ID)),
        ContractError::NoPendingTransfer { .. }
    );
}

#[test]
fn only_the_owner_or_their_guardian_may_offer_and_the_proof_must_name_the_recipient() {
    let mut fx = Fx::new();
    let (patient, stranger, guardian) =
        (fx.patient.clone(), fx.stranger.clone(), fx.guardian.clone());
    let recipient = addr("new-owner");
    let key = fx.registered_and_bound(ID, KeyAlgorithm::Secp256r1, 11);
    let good = fx.bind_proof(&key, ID, &recipient);
    assert_err!(
        fx.exec(&stranger, offer_msg(ID, &recipient, good.clone(), None)),
        ContractError::NotOwnerOrGuardian
    );
    let to_patient = fx.bind_proof(&key, ID, &patient);
    assert_err!(
        fx.exec(&patient, offer_msg(ID, &patient, to_patient, None)),
        ContractError::SameOwner { .. }
    );
    let wrong = fx.bind_proof(&key, ID, &stranger);
    assert_err!(
        fx.exec(&patient, offer_msg(ID, &recipient, wrong, None)),
        ContractError::InvalidProofOfPossession { .. }
    );
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::TransferDevice {
                device_id: ID.into(),
                new_owner: "bad".into(),
                signature: good.clone(),
                expires_in_seconds: None,
            }
        ),
        ContractError::Std(_)
    );
    assert_err!(
        fx.exec(
            &patient,
            offer_msg("cgm-unknown1", &recipient, good.clone(), None)
        ),
        ContractError::DeviceNotFound { .. }
    );
    let loose = fx.register("cgm-unbound1", KeyAlgorithm::Ed25519, 12);
    let loose_proof = fx.bind_proof(&loose, "cgm-unbound1", &recipient);
    assert_err!(
        fx.exec(
            &patient,
            offer_msg("cgm-unbound1", &recipient, loose_proof, None)
        ),
        ContractError::DeviceNotBound { .. }
    );
    assert!(pending(&fx, ID).is_none());
    // A guardian of the owner may offer it; the recipient's guardian may accept it.
    add_guardian(&mut fx, &patient, &guardian);
    fx.exec(&guardian, offer_msg(ID, &recipient, good, None))
        .unwrap();
    let recipients_parent = addr("recipients-parent");
    add_guardian(&mut fx, &recipient, &recipients_parent);
    assert_err!(
        fx.exec(&guardian, accept(ID)),
        ContractError::NotTransferRecipient
    );
    fx.exec(&recipients_parent, accept(ID)).unwrap();
    assert_eq!(fx.device(ID).owner, Some(recipient.clone()));
    // The former owner's guardian has no say any more.
    let back = fx.bind_proof(&key, ID, &patient);
    assert_err!(
        fx.exec(&guardian, offer_msg(ID, &patient, back, None)),
        ContractError::NotOwnerOrGuardian
    );
}

#[test]
fn an_offer_must_lapse_within_the_cap_and_defaults_to_seven_days() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    let key = fx.registered_and_bound(ID, KeyAlgorithm::Secp256r1, 11);
    let proof = fx.bind_proof(&key, ID, &recipient);
    for seconds in [0, MAX_TRANSFER_EXPIRY_SECONDS + 1, u64::MAX] {
        assert_err!(
            fx.exec(&patient, offer_msg(ID, &recipient, proof.clone(), Some(seconds))),
            ContractError::InvalidTransferExpiry { seconds: s, max } if s == seconds && max == MAX_TRANSFER_EXPIRY_SECONDS
        );
    }
    fx.exec(
        &patient,
        offer_msg(ID, &recipient, proof, Some(MAX_TRANSFER_EXPIRY_SECONDS)),
    )
    .unwrap();
    assert_eq!(
        pending(&fx, ID).unwrap().expires_at,
        fx.env.block.time.plus_seconds(MAX_TRANSFER_EXPIRY_SECONDS)
    );
    assert_eq!(DEFAULT_TRANSFER_EXPIRY_SECONDS, 7 * 24 * 3_600);
    assert_eq!(MAX_TRANSFER_EXPIRY_SECONDS, 30 * 24 * 3_600);
}

#[test]
fn an_expired_offer_cannot_be_accepted() {
    let mut fx = Fx::new();
    let recipient = addr("new-owner");
    offered(&mut fx, &recipient, Some(3_600));
    let expires_at = pending(&fx, ID).unwrap().expires_at;
    fx.advance(3_600);
    assert_err!(
        fx.exec(&recipient, accept(ID)),
        ContractError::TransferExpired { expired_at, .. } if expired_at == expires_at
    );
    assert_eq!(fx.device(ID).owner, Some(fx.patient.clone()));
    assert!(owned(&fx, &recipient).is_empty());
    // An expired offer may still be cleared by either side.
    fx.exec(&recipient, cancel(ID)).unwrap();
    assert!(pending(&fx, ID).is_none());
}

#[test]
fn a_second_offer_is_refused_while_one_is_open_and_replaces_an_expired_one() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let (first, second) = (addr("first-recipient"), addr("second-recipient"));
    let key = offered(&mut fx, &first, Some(3_600));
    let proof = fx.bind_proof(&key, ID, &second);
    assert_err!(
        fx.exec(&patient, offer_msg(ID, &second, proof.clone(), None)),
        ContractError::TransferPending { to: ref t, .. } if *t == first.to_string()
    );
    fx.advance(3_600);
    fx.exec(&patient, offer_msg(ID, &second, proof, None))
        .unwrap();
    assert_eq!(pending(&fx, ID).unwrap().to, second);
    assert!(to(&fx, &first).is_empty());
    assert_eq!(to(&fx, &second), vec![ID.to_string()]);
}

#[test]
fn the_owner_cancels_and_the_recipient_declines_but_nobody_else_can() {
    let mut fx = Fx::new();
    let (patient, guardian, stranger) =
        (fx.patient.clone(), fx.guardian.clone(), fx.stranger.clone());
    let recipient = addr("new-owner");
    let key = offered(&mut fx, &recipient, None);
    for sender in [stranger.clone(), fx.admin.clone(), fx.maker.clone()] {
        assert_err!(
            fx.exec(&sender, cancel(ID)),
            ContractError::NotTransferParty
        );
    }
    add_guardian(&mut fx, &patient, &guardian);
    let res = fx.exec(&guardian, cancel(ID)).unwrap();
    assert_eq!(attr(&res, "action"), "cancel_transfer");
    assert!(pending(&fx, ID).is_none());
    assert_err!(
        fx.exec(&recipient, accept(ID)),
        ContractError::NoPendingTransfer { .. }
    );
    assert_err!(
        fx.exec(&patient, cancel(ID)),
        ContractError::NoPendingTransfer { .. }
    );
    let proof = fx.bind_proof(&key, ID, &recipient);
    fx.exec(&patient, offer_msg(ID, &recipient, proof, None))
        .unwrap();
    let res = fx.exec(&recipient, cancel(ID)).unwrap();
    assert_eq!(attr(&res, "action"), "decline_transfer");
    assert_eq!(fx.device(ID).owner, Some(patient));
}

#[test]
fn a_cancelled_offers_proof_cannot_make_a_second_offer() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    let key = fx.registered_and_bound(ID, KeyAlgorithm::Ed25519, 11);
    let proof = fx.bind_proof(&key, ID, &recipient);
    fx.exec(&patient, offer_msg(ID, &recipient, proof.clone(), None))
        .unwrap();
    fx.exec(&patient, cancel(ID)).unwrap();
    assert_err!(
        fx.exec(&patient, offer_msg(ID, &recipient, proof, None)),
        ContractError::InvalidProofOfPossession { .. }
    );
}

#[test]
fn an_offer_cannot_be_accepted_once_the_device_changed_key_or_status() {
    let mut fx = Fx::new();
    let (patient, maker) = (fx.patient.clone(), fx.maker.clone());
    let recipient = addr("new-owner");
    offered(&mut fx, &recipient, None);
    // The manufacturer rotates the key: the offer's proof was made with the old one.
    let new_key = TestKey::new(KeyAlgorithm::Ed25519, 99).public_key();
    fx.exec(
        &maker,
        ExecuteMsg::RotateKey {
            device_id: ID.into(),
            new_key,
            signature: None,
        },
    )
    .unwrap();
    assert_err!(
        fx.exec(&recipient, accept(ID)),
        ContractError::TransferStale { .. }
    );
    fx.exec(&patient, cancel(ID)).unwrap();

    let key = fx.register("cgm-transf02", KeyAlgorithm::Ed25519, 13);
    let bind = fx.bind_proof(&key, "cgm-transf02", &patient);
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: "cgm-transf02".into(),
            patient: None,
            signature: bind,
        },
    )
    .unwrap();
    let proof = fx.bind_proof(&key, "cgm-transf02", &recipient);
    fx.exec(&patient, offer_msg("cgm-transf02", &recipient, proof, None))
        .unwrap();
    fx.exec(
        &maker,
        ExecuteMsg::SuspendDevice {
            device_id: "cgm-transf02".into(),
            reason: SuspensionReason::SafetyNotice,
        },
    )
    .unwrap();
    assert_err!(
        fx.exec(&recipient, accept("cgm-transf02")),
        ContractError::DeviceNotActive { .. }
    );
    // A suspended device cannot be offered either.
    fx.exec(&patient, cancel("cgm-transf02")).unwrap();
    let proof = fx.bind_proof(&key, "cgm-transf02", &recipient);
    assert_err!(
        fx.exec(&patient, offer_msg("cgm-transf02", &recipient, proof, None)),
        ContractError::DeviceNotActive { .. }
    );
}

#[test]
fn unbinding_or_revoking_a_device_drops_its_offer() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    let key = offered(&mut fx, &recipient, None);
    fx.exec(
        &patient,
        ExecuteMsg::UnbindDevice {
            device_id: ID.into(),
        },
    )
    .unwrap();
    assert!(pending(&fx, ID).is_none());
    assert!(to(&fx, &recipient).is_empty());
    assert_err!(
        fx.exec(&recipient, accept(ID)),
        ContractError::NoPendingTransfer { .. }
    );

    let bind = fx.bind_proof(&key, ID, &patient);
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: ID.into(),
            patient: None,
            signature: bind,
        },
    )
    .unwrap();
    let proof = fx.bind_proof(&key, ID, &recipient);
    fx.exec(&patient, offer_msg(ID, &recipient, proof, None))
        .unwrap();
    fx.exec(
        &patient,
        ExecuteMsg::RevokeDevice {
            device_id: ID.into(),
            reason: RevocationReason::Lost,
            effective_at: None,
        },
    )
    .unwrap();
    assert!(pending(&fx, ID).is_none());
    assert!(to(&fx, &recipient).is_empty());
    assert_err!(
        fx.exec(&recipient, accept(ID)),
        ContractError::NoPendingTransfer { .. }
    );
}

#[test]
fn pending_transfers_are_listed_by_recipient_in_capped_pages() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    let mut ids = Vec::new();
    for i in 0..4u8 {
        let id = format!("cgm-list000{i}");
        let key = fx.register(&id, KeyAlgorithm::Ed25519, 30 + i);
        let bind = fx.bind_proof(&key, &id, &patient);
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: id.clone(),
                patient: None,
                signature: bind,
            },
        )
        .unwrap();
        let proof = fx.bind_proof(&key, &id, &recipient);
        fx.exec(&patient, offer_msg(&id, &recipient, proof, None))
            .unwrap();
        ids.push(id);
    }
    let page = |start_after: Option<String>, limit: Option<u32>| -> Page<PendingTransfer> {
        fx.query(QueryMsg::PendingTransfersTo {
            recipient: recipient.to_string(),
            start_after,
            limit,
        })
    };
    let first = page(None, Some(3));
    assert_eq!(
        first.items.iter().map(|t| &t.device_id).collect::<Vec<_>>(),
        ids[..3].iter().collect::<Vec<_>>()
    );
    assert!(first.has_more);
    // An ordinary exclusive bound: it need not be an id with an offer.
    let rest = page(Some("cgm-list0001x".into()), Some(3));
    assert_eq!(
        rest.items.iter().map(|t| &t.device_id).collect::<Vec<_>>(),
        ids[2..].iter().collect::<Vec<_>>()
    );
    assert!(!rest.has_more);
    // Capped like every list: a limit of 0 gives one, a huge limit at most 100.
    assert_eq!(page(None, Some(0)).items.len(), 1);
    assert_eq!(page(None, Some(u32::MAX)).items.len(), 4);
    assert_err!(
        fx.try_query::<Page<PendingTransfer>>(QueryMsg::PendingTransfersTo {
            recipient: "bad".into(),
            start_after: None,
            limit: None,
        }),
        ContractError::Std(_)
    );
}

// The owner's list (`PendingTransfersFrom`): every path that stores or removes an offer keeps
// it in step.

#[test]
fn an_offer_is_listed_under_its_owner_until_the_recipient_accepts_it() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    assert!(from(&fx, &patient).is_empty());
    offered(&mut fx, &recipient, None);
    assert_eq!(from(&fx, &patient), vec![ID.to_string()]);
    // Listed under who made it, not under the recipient.
    assert!(from(&fx, &recipient).is_empty());
    fx.exec(&recipient, accept(ID)).unwrap();
    assert!(from(&fx, &patient).is_empty());
    assert!(from(&fx, &recipient).is_empty());
}

#[test]
fn an_offer_a_guardian_makes_is_listed_under_the_owner_and_goes_when_cancelled() {
    let mut fx = Fx::new();
    let (patient, guardian) = (fx.patient.clone(), fx.guardian.clone());
    let recipient = addr("new-owner");
    let key = fx.registered_and_bound(ID, KeyAlgorithm::Secp256r1, 11);
    add_guardian(&mut fx, &patient, &guardian);
    let proof = fx.bind_proof(&key, ID, &recipient);
    fx.exec(&guardian, offer_msg(ID, &recipient, proof, None))
        .unwrap();
    assert_eq!(from(&fx, &patient), vec![ID.to_string()]);
    assert!(from(&fx, &guardian).is_empty());
    let res = fx.exec(&patient, cancel(ID)).unwrap();
    assert_eq!(attr(&res, "action"), "cancel_transfer");
    assert!(from(&fx, &patient).is_empty());
}

#[test]
fn a_declined_offer_leaves_the_owners_list() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    offered(&mut fx, &recipient, None);
    let res = fx.exec(&recipient, cancel(ID)).unwrap();
    assert_eq!(attr(&res, "action"), "decline_transfer");
    assert!(from(&fx, &patient).is_empty());
}

#[test]
fn an_expired_offer_stays_listed_under_its_owner_until_cleared() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    offered(&mut fx, &recipient, Some(3_600));
    fx.advance(3_600);
    assert_eq!(from(&fx, &patient), vec![ID.to_string()]);
    fx.exec(&patient, cancel(ID)).unwrap();
    assert!(from(&fx, &patient).is_empty());
}

#[test]
fn an_expired_offer_replaced_by_a_new_one_is_listed_once_under_its_owner() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let (first, second) = (addr("first-recipient"), addr("second-recipient"));
    let key = offered(&mut fx, &first, Some(3_600));
    fx.advance(3_600);
    let proof = fx.bind_proof(&key, ID, &second);
    fx.exec(&patient, offer_msg(ID, &second, proof, None))
        .unwrap();
    let page: Page<PendingTransfer> = fx.query(QueryMsg::PendingTransfersFrom {
        owner: patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].to, second);
}

#[test]
fn unbinding_or_revoking_a_device_removes_its_offer_from_the_owners_list() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let recipient = addr("new-owner");
    let key = offered(&mut fx, &recipient, None);
    fx.exec(
        &patient,
        ExecuteMsg::UnbindDevice {
            device_id: ID.into(),
        },
    )
    .unwrap();
    assert!(from(&fx, &patient).is_empty());

    let bind = fx.bind_proof(&key, ID, &patient);
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: ID.into(),
            patient: None,
            signature: bind,
        },
    )
    .unwrap();
    let proof = fx.bind_proof(&key, ID, &recipient);
    fx.exec(&patient, offer_msg(ID, &recipient, proof, None))
        .unwrap();
    assert_eq!(from(&fx, &patient), vec![ID.to_string()]);
    fx.exec(
        &patient,
        ExecuteMsg::RevokeDevice {
            device_id: ID.into(),
            reason: RevocationReason::Lost,
            effective_at: None,
        },
    )
    .unwrap();
    assert!(from(&fx, &patient).is_empty());
}

#[test]
fn pending_transfers_are_listed_by_owner_in_capped_pages() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let mut ids = Vec::new();
    for i in 0..4u8 {
        let id = format!("cgm-from000{i}");
        let key = fx.register(&id, KeyAlgorithm::Ed25519, 40 + i);
        let bind = fx.bind_proof(&key, &id, &patient);
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: id.clone(),
                patient: None,
                signature: bind,
            },
        )
        .unwrap();
        // To different recipients: the owner's list gathers them all.
        let recipient = addr(&format!("recipient-{i}"));
        let proof = fx.bind_proof(&key, &id, &recipient);
        fx.exec(&patient, offer_msg(&id, &recipient, proof, None))
            .unwrap();
        ids.push(id);
    }
    let page = |start_after: Option<String>, limit: Option<u32>| -> Page<PendingTransfer> {
        fx.query(QueryMsg::PendingTransfersFrom {
            owner: patient.to_string(),
            start_after,
            limit,
        })
    };
    let first = page(None, Some(3));
    assert_eq!(
        first.items.iter().map(|t| &t.device_id).collect::<Vec<_>>(),
        ids[..3].iter().collect::<Vec<_>>()
    );
    assert!(first.has_more);
    assert!(first.items.iter().all(|t| t.from == patient));
    // An ordinary exclusive bound: it need not be an id with an offer.
    let rest = page(Some("cgm-from0001x".into()), Some(3));
    assert_eq!(
        rest.items.iter().map(|t| &t.device_id).collect::<Vec<_>>(),
        ids[2..].iter().collect::<Vec<_>>()
    );
    assert!(!rest.has_more);
    // Capped like every list: a limit of 0 gives one, a huge limit at most 100.
    assert_eq!(page(None, Some(0)).items.len(), 1);
    assert_eq!(page(None, Some(u32::MAX)).items.len(), 4);
    assert_eq!(page(None, None).items.len(), 4);
    assert_err!(
        fx.try_query::<Page<PendingTransfer>>(QueryMsg::PendingTransfersFrom {
            owner: "bad".into(),
            start_after: None,
            limit: None,
        }),
        ContractError::Std(_)
    );
}
