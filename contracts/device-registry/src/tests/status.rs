use cosmwasm_std::Timestamp;
use diachain_std::device::{Authority, RevocationReason, Role, SuspensionReason};
use diachain_std::{DeviceStatus, KeyAlgorithm};

use super::{addr, Fx};
use crate::assert_err;
use crate::msg::ExecuteMsg;
use crate::ContractError;

fn suspend() -> ExecuteMsg {
    ExecuteMsg::SuspendDevice {
        device_id: "cgm-status01".into(),
        reason: SuspensionReason::SuspectedFault,
    }
}
fn reactivate() -> ExecuteMsg {
    ExecuteMsg::ReactivateDevice {
        device_id: "cgm-status01".into(),
    }
}
fn revoke(effective_at: Option<Timestamp>) -> ExecuteMsg {
    ExecuteMsg::RevokeDevice {
        device_id: "cgm-status01".into(),
        reason: RevocationReason::Compromised,
        effective_at,
    }
}

#[test]
fn owner_guardian_manufacturer_and_admin_may_suspend_but_others_may_not() {
    let mut fx = Fx::new();
    fx.registered_and_bound("cgm-status01", KeyAlgorithm::Ed25519, 1);
    let (patient, guardian, maker, admin) = (
        fx.patient.clone(),
        fx.guardian.clone(),
        fx.maker.clone(),
        fx.admin.clone(),
    );
    fx.exec(
        &patient,
        ExecuteMsg::AddGuardian {
            patient: None,
            guardian: guardian.to_string(),
        },
    )
    .unwrap();
    let other_maker = addr("other-maker");
    fx.exec(
        &admin,
        ExecuteMsg::AdmitParticipant {
            role: Role::Manufacturer,
            address: other_maker.to_string(),
            label: "Other".into(),
        },
    )
    .unwrap();
    for sender in [fx.stranger.clone(), fx.relayer.clone(), other_maker] {
        assert_err!(
            fx.exec(&sender, suspend()),
            ContractError::NoAuthorityOverDevice
        );
        assert_err!(
            fx.exec(&sender, revoke(None)),
            ContractError::NoAuthorityOverDevice
        );
    }
    for (sender, by) in [
        (patient, Authority::Owner),
        (guardian, Authority::Owner),
        (maker, Authority::Manufacturer),
        (admin, Authority::Consortium),
    ] {
        fx.exec(&sender, suspend()).unwrap();
        assert!(
            matches!(fx.device("cgm-status01").status, DeviceStatus::Suspended { by: b, .. } if b == by)
        );
        assert_err!(
            fx.exec(&sender, suspend()),
            ContractError::DeviceNotActive { .. }
        );
        fx.exec(&sender, reactivate()).unwrap();
        assert_eq!(fx.device("cgm-status01").status, DeviceStatus::Active);
    }
    let patient = fx.patient.clone();
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::SuspendDevice {
                device_id: "cgm-status01".into(),
                reason: SuspensionReason::Legacy
            }
        ),
        ContractError::LegacyReason
    );
    // The code is what the device's status shows, and what the event names: never free text.
    let res = fx.exec(&patient, suspend()).unwrap();
    assert!(res
        .attributes
        .iter()
        .any(|a| a.key == "reason" && a.value == "suspected_fault"));
    assert!(matches!(
        fx.device("cgm-status01").status,
        DeviceStatus::Suspended {
            reason: SuspensionReason::SuspectedFault,
            ..
        }
    ));
}

#[test]
fn a_suspension_is_lifted_only_by_equal_or_higher_authority() {
    let mut fx = Fx::new();
    fx.registered_and_bound("cgm-status01", KeyAlgorithm::Ed25519, 1);
    let (patient, maker, admin) = (fx.patient.clone(), fx.maker.clone(), fx.admin.clone());
    assert_err!(
        fx.exec(&patient, reactivate()),
        ContractError::DeviceNotSuspended { .. }
    );
    fx.exec(&maker, suspend()).unwrap();
    assert_err!(
        fx.exec(&patient, reactivate()),
        ContractError::SuspensionAuthority {
            placed_by: Authority::Manufacturer,
            caller: Authority::Owner
        }
    );
    fx.exec(&admin, reactivate()).unwrap();
    fx.exec(&admin, suspend()).unwrap();
    assert_err!(
        fx.exec(&maker, reactivate()),
        ContractError::SuspensionAuthority {
            placed_by: Authority::Consortium,
            ..
        }
    );
    fx.exec(&admin, reactivate()).unwrap();
    fx.exec(&patient, suspend()).unwrap();
    fx.exec(&maker, reactivate()).unwrap();
}

#[test]
fn suspension_refuses_data_from_its_start_and_revocation_from_its_effective_time() {
    let mut fx = Fx::new();
    fx.registered_and_bound("cgm-status01", KeyAlgorithm::Ed25519, 1);
    let patient = fx.patient.clone();
    fx.advance(3_600);
    let now = fx.env.block.time;
    fx.exec(&patient, suspend()).unwrap();
    let status = fx.device("cgm-status01").status;
    assert!(status.accepts_data_at(now.minus_seconds(1)));
    assert!(!status.accepts_data_at(now));
    fx.exec(&patient, reactivate()).unwrap();
    fx.advance(3_600);
    let lost_at = fx.env.block.time.minus_seconds(1_800);
    fx.exec(&patient, revoke(Some(lost_at))).unwrap();
    let status = fx.device("cgm-status01").status;
    assert_eq!(
        status,
        DeviceStatus::Revoked {
            effective_at: lost_at,
            reason: RevocationReason::Compromised
        }
    );
    assert!(status.accepts_data_at(lost_at.minus_seconds(1)));
    assert!(!status.accepts_data_at(lost_at));
}

#[test]
fn revocation_is_final_and_checks_its_effective_time() {
    let mut fx = Fx::new();
    fx.registered_and_bound("cgm-status01", KeyAlgorithm::Ed25519, 1);
    let (patient, admin, maker) = (fx.patient.clone(), fx.admin.clone(), fx.maker.clone());
    fx.advance(100);
    let future = fx.env.block.time.plus_seconds(1);
    assert_err!(
        fx.exec(&patient, revoke(Some(future))),
        ContractError::EffectiveTimeInFuture
    );
    let before_registration = fx.env.block.time.minus_seconds(101);
    assert_err!(
        fx.exec(&patient, revoke(Some(before_registration))),
        ContractError::EffectiveTimeBeforeRegistration
    );
    fx.exec(&maker, suspend()).unwrap();
    // A suspended device can still be revoked.
    fx.exec(&patient, revoke(None)).unwrap();
    assert_err!(
        fx.exec(&patient, revoke(None)),
        ContractError::DeviceRevoked { .. }
    );
    // Re-activation of a revoked device is refused, even for the consortium.
    assert_err!(
        fx.exec(&admin, reactivate()),
        ContractError::DeviceRevoked { .. }
    );
    assert_err!(
        fx.exec(&admin, suspend()),
        ContractError::DeviceRevoked { .. }
    );
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::SuspendDevice {
                device_id: "cgm-unknown1".into(),
                reason: SuspensionReason::Other
            }
        ),
        ContractError::DeviceNotFound { .. }
    );
}

// ------------------------------------------------------------- relayer-held keys (gateways)

const GW: &str = "ns-status-0001";

fn on(id: &str, msg: ExecuteMsg) -> ExecuteMsg {
    match msg {
        ExecuteMsg::SuspendDevice { reason, .. } => ExecuteMsg::SuspendDevice {
            device_id: id.into(),
            reason,
        },
        ExecuteMsg::ReactivateDevice { .. } => ExecuteMsg::ReactivateDevice {
            device_id: id.into(),
        },
        ExecuteMsg::RevokeDevice {
            reason,
            effective_at,
            ..
        } => ExecuteMsg::RevokeDevice {
            device_id: id.into(),
            reason,
            effective_at,
        },
        other => other,
    }
}

#[test]
fn the_relayer_holds_the_manufacturers_authority_over_its_gateways_and_no_other_device() {
    let mut fx = Fx::new();
    fx.register_relayer_gateway(GW, KeyAlgorithm::Ed25519, 1);
    fx.registered_and_bound("cgm-status01", KeyAlgorithm::Ed25519, 2);
    let (maker, relayer, patient) = (fx.maker.clone(), fx.relayer.clone(), fx.patient.clone());
    // Neither the manufacturer over the relayer's gateway, nor the relayer over the
    // manufacturer's device.
    assert_err!(
        fx.exec(&maker, on(GW, suspend())),
        ContractError::NoAuthorityOverDevice
    );
    assert_err!(
        fx.exec(&relayer, suspend()),
        ContractError::NoAuthorityOverDevice
    );
    fx.exec(&relayer, on(GW, suspend())).unwrap();
    assert!(matches!(
        fx.device(GW).status,
        DeviceStatus::Suspended {
            by: Authority::Manufacturer,
            ..
        }
    ));
    fx.exec(&relayer, on(GW, reactivate())).unwrap();
    assert_eq!(fx.device(GW).status, DeviceStatus::Active);
    // Once the relayer is suspended it has no authority over the gateway; the admin has.
    fx.suspend_participant(Role::Relayer, &relayer);
    assert_err!(
        fx.exec(&relayer, on(GW, suspend())),
        ContractError::NoAuthorityOverDevice
    );
    assert_err!(
        fx.exec(&patient, on(GW, suspend())),
        ContractError::NoAuthorityOverDevice
    );
    let admin = fx.admin.clone();
    fx.exec(&admin, on(GW, revoke(None))).unwrap();
    assert!(matches!(fx.device(GW).status, DeviceStatus::Revoked { .. }));
}

#[test]
fn a_relayer_suspension_of_its_bound_gateway_binds_the_owner_like_a_manufacturers() {
    let mut fx = Fx::new();
    let key = fx.register_relayer_gateway(GW, KeyAlgorithm::Ed25519, 1);
    let (relayer, patient) = (fx.relayer.clone(), fx.patient.clone());
    let signature = fx.bind_proof(&key, GW, &patient);
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: GW.into(),
            patient: None,
            signature,
        },
    )
    .unwrap();
    fx.exec(&relayer, on(GW, suspend())).unwrap();
    assert_err!(
        fx.exec(&patient, on(GW, reactivate())),
        ContractError::SuspensionAuthority {
            placed_by: Authority::Manufacturer,
            caller: Authority::Owner
        }
    );
    // The owner may still revoke it (e.g. they stop using the uploader).
    fx.exec(&patient, on(GW, revoke(None))).unwrap();
}
