use diachain_std::device::RevocationReason;
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::{Device, Domain, KeyAlgorithm, Page};

use super::{addr, Fx};
use crate::assert_err;
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;

fn owned(fx: &Fx, owner: &cosmwasm_std::Addr) -> Vec<String> {
    let page: Page<Device> = fx.query(QueryMsg::DevicesByOwner {
        owner: owner.to_string(),
        start_after: None,
        limit: None,
    });
    page.items.into_iter().map(|d| d.id).collect()
}

#[test]
fn a_patient_binds_a_device_of_each_algorithm_with_proof_of_possession() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    for (i, alg) in KeyAlgorithm::ALL.iter().enumerate() {
        let id = format!("dev-bind000{i}");
        let key = fx.register(&id, *alg, 10 + i as u8);
        let signature = fx.bind_proof(&key, &id, &patient);
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: id.clone(),
                patient: None,
                signature,
            },
        )
        .unwrap();
        let d = fx.device(&id);
        assert_eq!((d.owner, d.nonce), (Some(patient.clone()), 1));
    }
    assert_eq!(owned(&fx, &patient).len(), 3);
}

#[test]
fn a_guardian_binds_for_their_patient_but_a_stranger_cannot() {
    let mut fx = Fx::new();
    let (patient, guardian, stranger) =
        (fx.patient.clone(), fx.guardian.clone(), fx.stranger.clone());
    let key = fx.register("cgm-child001", KeyAlgorithm::Secp256r1, 3);
    let signature = fx.bind_proof(&key, "cgm-child001", &patient);
    let msg = |signature| ExecuteMsg::BindDevice {
        device_id: "cgm-child001".into(),
        patient: Some(patient.to_string()),
        signature,
    };
    assert_err!(
        fx.exec(&stranger, msg(signature.clone())),
        ContractError::NotGuardian { .. }
    );
    assert_err!(
        fx.exec(&guardian, msg(signature.clone())),
        ContractError::NotGuardian { .. }
    );
    fx.exec(
        &patient,
        ExecuteMsg::AddGuardian {
            patient: None,
            guardian: guardian.to_string(),
        },
    )
    .unwrap();
    fx.exec(&guardian, msg(signature)).unwrap();
    assert_eq!(fx.device("cgm-child001").owner, Some(patient));
}

#[test]
fn bad_proofs_of_possession_are_refused() {
    let mut fx = Fx::new();
    let (patient, stranger) = (fx.patient.clone(), fx.stranger.clone());
    let key = fx.register("cgm-proof001", KeyAlgorithm::Ed25519, 4);
    let other_key = diachain_std::testing::TestKey::new(KeyAlgorithm::Ed25519, 5);
    let bind = |signature| ExecuteMsg::BindDevice {
        device_id: "cgm-proof001".into(),
        patient: None,
        signature,
    };
    // Signed by another key.
    let sig = fx.bind_proof(&other_key, "cgm-proof001", &patient);
    assert_err!(
        fx.exec(&patient, bind(sig)),
        ContractError::InvalidProofOfPossession { .. }
    );
    // Naming another patient: the stranger cannot use the patient's proof, and vice versa.
    let sig = fx.bind_proof(&key, "cgm-proof001", &stranger);
    assert_err!(
        fx.exec(&patient, bind(sig)),
        ContractError::InvalidProofOfPossession { .. }
    );
    // For another chain or another contract.
    let sign = |chain_id: &str, contract: &str| {
        key.sign(
            &bind_sign_bytes(
                &Domain { chain_id, contract },
                "cgm-proof001",
                patient.as_str(),
                0,
            )
            .unwrap(),
        )
    };
    let here = fx.env.contract.address.to_string();
    let sig = sign("other-chain", &here);
    assert_err!(
        fx.exec(&patient, bind(sig)),
        ContractError::InvalidProofOfPossession { .. }
    );
    let sig = sign(
        &fx.env.block.chain_id.clone(),
        addr("other-registry").as_str(),
    );
    assert_err!(
        fx.exec(&patient, bind(sig)),
        ContractError::InvalidProofOfPossession { .. }
    );
    // Garbage.
    assert_err!(
        fx.exec(&patient, bind(cosmwasm_std::Binary::new(vec![1; 10]))),
        ContractError::InvalidProofOfPossession { .. }
    );
    assert_eq!(fx.device("cgm-proof001").owner, None);
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: "cgm-missing1".into(),
                patient: None,
                signature: sign("x", "y")
            }
        ),
        ContractError::DeviceNotFound { .. }
    );
}

#[test]
fn a_bound_suspended_or_revoked_device_cannot_be_bound() {
    let mut fx = Fx::new();
    let (patient, stranger, maker) = (fx.patient.clone(), fx.stranger.clone(), fx.maker.clone());
    let key = fx.registered_and_bound("cgm-taken001", KeyAlgorithm::Ed25519, 6);
    let sig = fx.bind_proof(&key, "cgm-taken001", &stranger);
    assert_err!(
        fx.exec(
            &stranger,
            ExecuteMsg::BindDevice {
                device_id: "cgm-taken001".into(),
                patient: None,
                signature: sig
            }
        ),
        ContractError::DeviceAlreadyBound { .. }
    );
    let key = fx.register("cgm-susp0001", KeyAlgorithm::Ed25519, 7);
    fx.exec(
        &maker,
        ExecuteMsg::SuspendDevice {
            device_id: "cgm-susp0001".into(),
            reason: diachain_std::device::SuspensionReason::OwnerPaused,
        },
    )
    .unwrap();
    let sig = fx.bind_proof(&key, "cgm-susp0001", &patient);
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: "cgm-susp0001".into(),
                patient: None,
                signature: sig
            }
        ),
        ContractError::DeviceNotActive { .. }
    );
    let key = fx.register("cgm-revk0001", KeyAlgorithm::Ed25519, 8);
    fx.exec(
        &maker,
        ExecuteMsg::RevokeDevice {
            device_id: "cgm-revk0001".into(),
            reason: RevocationReason::Recalled,
            effective_at: None,
        },
    )
    .unwrap();
    let sig = fx.bind_proof(&key, "cgm-revk0001", &patient);
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: "cgm-revk0001".into(),
                patient: None,
                signature: sig
            }
        ),
        ContractError::DeviceRevoked { .. }
    );
}

#[test]
fn unbinding_releases_the_device_and_makes_old_proofs_useless() {
    let mut fx = Fx::new();
    let (patient, stranger) = (fx.patient.clone(), fx.stranger.clone());
    let key = fx.register("cgm-unbind01", KeyAlgorithm::Secp256k1, 9);
    let old_proof = fx.bind_proof(&key, "cgm-unbind01", &patient);
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: "cgm-unbind01".into(),
            patient: None,
            signature: old_proof.clone(),
        },
    )
    .unwrap();
    assert_err!(
        fx.exec(
            &stranger,
            ExecuteMsg::UnbindDevice {
                device_id: "cgm-unbind01".into()
            }
        ),
        ContractError::NotOwnerOrGuardian
    );
    fx.exec(
        &patient,
        ExecuteMsg::UnbindDevice {
            device_id: "cgm-unbind01".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (
            fx.device("cgm-unbind01").owner,
            fx.device("cgm-unbind01").nonce
        ),
        (None, 2)
    );
    assert!(owned(&fx, &patient).is_empty());
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::UnbindDevice {
                device_id: "cgm-unbind01".into()
            }
        ),
        ContractError::DeviceNotBound { .. }
    );
    // The proof used for the first bind signed nonce 0; replaying it now fails.
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: "cgm-unbind01".into(),
                patient: None,
                signature: old_proof
            }
        ),
        ContractError::InvalidProofOfPossession { .. }
    );
    let fresh = fx.bind_proof(&key, "cgm-unbind01", &patient);
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: "cgm-unbind01".into(),
            patient: None,
            signature: fresh,
        },
    )
    .unwrap();
}

#[test]
fn a_patient_binds_a_relayer_held_gateway_with_the_signature_of_the_key_the_relayer_holds() {
    let mut fx = Fx::new();
    let id = "ns-bind-00001";
    let key = fx.register_relayer_gateway(id, KeyAlgorithm::Secp256r1, 5);
    let (patient, relayer) = (fx.patient.clone(), fx.relayer.clone());
    // The relayer cannot bind the gateway to the patient itself.
    let signature = fx.bind_proof(&key, id, &patient);
    assert_err!(
        fx.exec(
            &relayer,
            ExecuteMsg::BindDevice {
                device_id: id.into(),
                patient: Some(patient.to_string()),
                signature: signature.clone(),
            },
        ),
        ContractError::NotGuardian { .. }
    );
    // A signature by another key does not prove possession.
    let wrong = diachain_std::testing::TestKey::new(KeyAlgorithm::Secp256r1, 6);
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: id.into(),
                patient: None,
                signature: fx.bind_proof(&wrong, id, &patient),
            },
        ),
        ContractError::InvalidProofOfPossession { .. }
    );
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: id.into(),
            patient: None,
            signature,
        },
    )
    .unwrap();
    assert_eq!(owned(&fx, &patient), vec![id.to_string()]);
    assert_eq!(fx.device(id).manufacturer, relayer);
}
