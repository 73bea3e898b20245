use diachain_std::device::{RevocationReason, Role};
use diachain_std::encoding::rotate_sign_bytes;
use diachain_std::registry::KeyRecord;
use diachain_std::testing::TestKey;
use diachain_std::{KeyAlgorithm, Page, PublicKey};

use super::Fx;
use crate::assert_err;
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;

const ID: &str = "pen-rotate01";

fn rotation_proof(fx: &Fx, old: &TestKey, new: &PublicKey) -> cosmwasm_std::Binary {
    let nonce = fx.device(ID).nonce;
    old.sign(
        &rotate_sign_bytes(&fx.domain(), ID, new.algorithm, new.key.as_slice(), nonce).unwrap(),
    )
}

fn rotate(new_key: &PublicKey, signature: Option<cosmwasm_std::Binary>) -> ExecuteMsg {
    ExecuteMsg::RotateKey {
        device_id: ID.into(),
        new_key: new_key.clone(),
        signature,
    }
}

#[test]
fn the_manufacturer_rotates_alone_and_history_keeps_the_old_key() {
    let mut fx = Fx::new();
    let old = fx.registered_and_bound(ID, KeyAlgorithm::Secp256r1, 1);
    let maker = fx.maker.clone();
    let new = TestKey::new(KeyAlgorithm::Ed25519, 2).public_key();
    let registered_at = fx.env.block.time;
    fx.advance(60);
    fx.exec(&maker, rotate(&new, None)).unwrap();
    let d = fx.device(ID);
    assert_eq!(
        (d.public_key, d.key_version, d.key_since),
        (new, 1, fx.env.block.time)
    );
    let history: Page<KeyRecord> = fx.query(QueryMsg::KeyHistory {
        device_id: ID.into(),
        start_after: None,
        limit: None,
    });
    assert_eq!(history.items.len(), 1);
    let r = &history.items[0];
    assert_eq!(
        (&r.public_key, r.version, r.valid_from, r.valid_until),
        (&old.public_key(), 0, registered_at, fx.env.block.time)
    );
}

#[test]
fn anyone_rotates_with_the_current_keys_signature_and_proofs_do_not_replay() {
    let mut fx = Fx::new();
    let old = fx.registered_and_bound(ID, KeyAlgorithm::Ed25519, 1);
    let relayer = fx.relayer.clone();
    let next = TestKey::new(KeyAlgorithm::Secp256k1, 2);
    assert_err!(
        fx.exec(&relayer, rotate(&next.public_key(), None)),
        ContractError::RotationSignatureRequired { .. }
    );
    let signed_by_new = rotation_proof(&fx, &next, &next.public_key());
    assert_err!(
        fx.exec(&relayer, rotate(&next.public_key(), Some(signed_by_new))),
        ContractError::InvalidRotationSignature { .. }
    );
    let proof = rotation_proof(&fx, &old, &next.public_key());
    // The proof binds the new key: it cannot install a different one.
    let third = TestKey::new(KeyAlgorithm::Secp256k1, 3).public_key();
    assert_err!(
        fx.exec(&relayer, rotate(&third, Some(proof.clone()))),
        ContractError::InvalidRotationSignature { .. }
    );
    fx.exec(&relayer, rotate(&next.public_key(), Some(proof.clone())))
        .unwrap();
    assert_eq!(fx.device(ID).public_key, next.public_key());
    // Rotating back with the old proof fails: the old key is no longer current and the nonce moved.
    assert_err!(
        fx.exec(&relayer, rotate(&old.public_key(), Some(proof))),
        ContractError::InvalidRotationSignature { .. }
    );
    let back = rotation_proof(&fx, &next, &old.public_key());
    fx.exec(&relayer, rotate(&old.public_key(), Some(back)))
        .unwrap();
    assert_eq!(fx.device(ID).key_version, 2);
}

#[test]
fn same_invalid_or_revoked_rotations_are_refused() {
    let mut fx = Fx::new();
    let old = fx.registered_and_bound(ID, KeyAlgorithm::Ed25519, 1);
    let (maker, patient) = (fx.maker.clone(), fx.patient.clone());
    assert_err!(
        fx.exec(&maker, rotate(&old.public_key(), None)),
        ContractError::SameKey { .. }
    );
    let mut bad = old.public_key();
    bad.key = cosmwasm_std::Binary::new(vec![1; 5]);
    assert_err!(
        fx.exec(&maker, rotate(&bad, None)),
        ContractError::InvalidKey { .. }
    );
    fx.exec(
        &patient,
        ExecuteMsg::RevokeDevice {
            device_id: ID.into(),
            reason: RevocationReason::Lost,
            effective_at: None,
        },
    )
    .unwrap();
    let new = TestKey::new(KeyAlgorithm::Ed25519, 2).public_key();
    assert_err!(
        fx.exec(&maker, rotate(&new, None)),
        ContractError::DeviceRevoked { .. }
    );
}

// ------------------------------------------------------------- relayer-held keys (gateways)

const GW: &str = "ns-rotate-0001";

fn rotate_gw(new_key: &PublicKey, signature: Option<cosmwasm_std::Binary>) -> ExecuteMsg {
    ExecuteMsg::RotateKey {
        device_id: GW.into(),
        new_key: new_key.clone(),
        signature,
    }
}

#[test]
fn the_relayer_holding_a_gateways_key_rotates_it_alone_as_its_manufacturer_would() {
    let mut fx = Fx::new();
    let old = fx.register_relayer_gateway(GW, KeyAlgorithm::Secp256r1, 1);
    let relayer = fx.relayer.clone();
    let new = TestKey::new(KeyAlgorithm::Secp256r1, 2).public_key();
    fx.advance(60);
    fx.exec(&relayer, rotate_gw(&new, None)).unwrap();
    let d = fx.device(GW);
    assert_eq!((d.public_key, d.key_version), (new, 1));
    let history: Page<KeyRecord> = fx.query(QueryMsg::KeyHistory {
        device_id: GW.into(),
        start_after: None,
        limit: None,
    });
    assert_eq!(history.items[0].public_key, old.public_key());
}

#[test]
fn nobody_else_rotates_a_relayer_held_key_alone_nor_the_relayer_anothers_device() {
    let mut fx = Fx::new();
    let key = fx.register_relayer_gateway(GW, KeyAlgorithm::Ed25519, 1);
    fx.register(ID, KeyAlgorithm::Ed25519, 3);
    let (maker, relayer, admin) = (fx.maker.clone(), fx.relayer.clone(), fx.admin.clone());
    let other_relayer = super::addr("other-relayer");
    fx.admit(Role::Relayer, &other_relayer);
    let new = TestKey::new(KeyAlgorithm::Ed25519, 2).public_key();
    // The manufacturer did not register the gateway; another relayer does not hold its key.
    for sender in [maker.clone(), other_relayer, admin, fx.patient.clone()] {
        assert_err!(
            fx.exec(&sender, rotate_gw(&new, None)),
            ContractError::RotationSignatureRequired { .. }
        );
    }
    // The relayer is not the manufacturer of the manufacturer's device.
    assert_err!(
        fx.exec(&relayer, rotate(&new, None)),
        ContractError::RotationSignatureRequired { .. }
    );
    // A suspended relayer loses the manufacturer's authority over its gateways, even if it is
    // also an admitted manufacturer.
    fx.admit(Role::Manufacturer, &relayer);
    fx.suspend_participant(Role::Relayer, &relayer);
    assert_err!(
        fx.exec(&relayer, rotate_gw(&new, None)),
        ContractError::RotationSignatureRequired { .. }
    );
    // With the current key's signature anyone may, as for any device.
    let nonce = fx.device(GW).nonce;
    let sig = key.sign(
        &rotate_sign_bytes(&fx.domain(), GW, new.algorithm, new.key.as_slice(), nonce).unwrap(),
    );
    fx.exec(&maker, rotate_gw(&new, Some(sig))).unwrap();
    assert_eq!(fx.device(GW).public_key, new);
}
