//! Devices change hands only when the recipient accepts, and guardians the consortium appoints
//! are the patient's to see and remove. Each test is the attack first, against the four
//! contracts wired together.

use cosmwasm_std::{Addr, Timestamp};
use diachain_integration::journey::{self, *};
use diachain_integration::*;
use diachain_std::registry::{self, GuardianAppointer, GuardianInfo, PendingTransfer};
use diachain_std::{DataScope, Page, Purpose};

type RegistryError = device_registry::ContractError;
type ConsentError = consent::ContractError;

/// A thief holds a device's key (leaked from the factory, or read out of a stolen sensor). With
/// it they bind the device to themselves and "transfer" it to a victim with a valid proof of
/// possession. The victim never accepts: the device never becomes theirs, the relayer's
/// readings from it are never credited to them, and once the offer lapses nobody can complete
/// it — not even the victim.
#[test]
fn a_leaked_device_key_and_its_holder_cannot_attach_a_device_to_a_victim_who_never_accepted() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    let (thief, victim) = (a.stranger.clone(), s.app.api().addr_make("victim"));
    s.register_devices(&[CGM_REPLACEMENT])
        .accepted("registration");
    s.bind(&thief, CGM_REPLACEMENT, &thief)
        .accepted("thief binds the device to themselves");
    s.offer_transfer(&thief, CGM_REPLACEMENT, &victim, Some(6 * HOUR))
        .accepted("offer");
    // The thief cannot accept in the victim's place; nor can anyone who does not act for them.
    for intruder in [&thief, &a.guardian, &a.consortium, &a.manufacturer] {
        assert_refused(
            s.accept_transfer(intruder, CGM_REPLACEMENT),
            RegistryError::NotTransferRecipient,
        );
    }
    // The relayer anchors the device's readings: they are the thief's, never the victim's.
    s.anchor_hours(FIRST_DAY, 0..3, &[CGM_REPLACEMENT], &[]);
    assert_eq!(s.device(CGM_REPLACEMENT).owner, Some(thief.clone()));
    assert_eq!(s.coverage(&victim, FIRST_DAY, DataScope::Glucose), 0);
    assert_eq!(s.coverage(&thief, FIRST_DAY, DataScope::Glucose), 36);
    let victims: Page<diachain_std::Device> = s.query(
        &s.registry,
        &registry::QueryMsg::DevicesByOwner {
            owner: victim.to_string(),
            start_after: None,
            limit: None,
        },
    );
    assert!(victims.items.is_empty());
    // The victim can see the offer addressed to them...
    let offers: Page<PendingTransfer> = s.query(
        &s.registry,
        &registry::QueryMsg::PendingTransfersTo {
            recipient: victim.to_string(),
            start_after: None,
            limit: None,
        },
    );
    assert_eq!(offers.items.len(), 1);
    assert_eq!(offers.items[0].from, thief);
    // ...and after it lapses, it cannot be completed by anyone.
    s.set_time(at(FIRST_DAY, 23, 0));
    let expired_at = offers.items[0].expires_at;
    assert_refused(
        s.accept_transfer(&victim, CGM_REPLACEMENT),
        RegistryError::TransferExpired {
            id: CGM_REPLACEMENT.to_string(),
            expired_at,
        },
    );
    s.anchor_hours(FIRST_DAY, 3..4, &[CGM_REPLACEMENT], &[]);
    assert_eq!(s.coverage(&victim, FIRST_DAY, DataScope::Glucose), 0);
}

/// The patient offers their CGM to the other patient for an hour; the other patient comes back
/// too late. The expired offer is refused with its expiry, and the patient's readings stay the
/// patient's.
#[test]
fn an_expired_transfer_offer_cannot_be_accepted_and_readings_stay_with_the_owner() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    s.set_time(at(FIRST_DAY, 0, 30));
    s.offer_transfer(&a.patient, CGM, &a.other_patient, Some(HOUR))
        .accepted("offer");
    s.set_time(at(FIRST_DAY, 1, 30));
    assert_refused(
        s.accept_transfer(&a.other_patient, CGM),
        RegistryError::TransferExpired {
            id: CGM.to_string(),
            expired_at: Timestamp::from_seconds(at(FIRST_DAY, 1, 30)),
        },
    );
    s.anchor_hours(FIRST_DAY, 1..3, &[CGM], &[]);
    assert_eq!(s.coverage(&a.patient, FIRST_DAY, DataScope::Glucose), 24);
    assert_eq!(
        s.coverage(&a.other_patient, FIRST_DAY, DataScope::Glucose),
        0
    );
}

/// Accepted by the recipient's guardian: the device is the recipient's from the acceptance on,
/// and the offer is gone from both lists.
#[test]
fn the_recipients_guardian_accepts_and_readings_follow_from_the_acceptance() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    // The other patient's parent is their guardian.
    let parent = s.app.api().addr_make("other-parent");
    let registry_addr = s.registry.clone();
    s.exec(
        &a.other_patient,
        &registry_addr,
        &registry::ExecuteMsg::AddGuardian {
            patient: None,
            guardian: parent.to_string(),
        },
    )
    .accepted("guardian named");
    s.set_time(at(FIRST_DAY, 2, 10));
    s.offer_transfer(&a.guardian, CGM, &a.other_patient, None)
        .accepted("offer by the patient's guardian");
    s.anchor_hours(FIRST_DAY, 0..2, &[CGM], &[]);
    s.set_time(at(FIRST_DAY, 2, 50));
    s.accept_transfer(&parent, CGM)
        .accepted("accepted by the recipient's guardian");
    s.anchor_hours(FIRST_DAY, 3..5, &[CGM], &[]);
    assert_eq!(s.coverage(&a.patient, FIRST_DAY, DataScope::Glucose), 24);
    assert_eq!(
        s.coverage(&a.other_patient, FIRST_DAY, DataScope::Glucose),
        24
    );
    let open: Option<PendingTransfer> = s.query(
        &s.registry,
        &registry::QueryMsg::PendingTransfer {
            device_id: CGM.to_string(),
        },
    );
    assert_eq!(open, None);
}

fn guardians(s: &Suite, patient: &Addr) -> Vec<GuardianInfo> {
    let page: Page<GuardianInfo> = s.query(
        &s.registry,
        &registry::QueryMsg::Guardians {
            patient: patient.to_string(),
            start_after: None,
            limit: None,
        },
    );
    page.items
}

/// The consortium names a guardian for the patient. The appointment is not silent: the patient
/// sees it, with who made it and when. The guardian's powers reach the consent contract (they
/// can grant access in the patient's name) until the patient removes them, which the patient
/// may always do.
#[test]
fn a_guardian_the_consortium_appointed_is_shown_to_the_patient_who_removes_them_and_their_powers_end(
) {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    let appointee = s.app.api().addr_make("appointed-by-consortium");
    s.set_time(at(FIRST_DAY, 10, 0));
    let registry_addr = s.registry.clone();
    s.exec(
        &a.consortium,
        &registry_addr,
        &registry::ExecuteMsg::AddGuardian {
            patient: Some(a.patient.to_string()),
            guardian: appointee.to_string(),
        },
    )
    .accepted("consortium appoints a guardian");
    let listed = guardians(&s, &a.patient);
    assert!(listed.contains(&GuardianInfo {
        guardian: appointee.clone(),
        appointed_by: GuardianAppointer::Consortium,
        appointed_at: Timestamp::from_seconds(at(FIRST_DAY, 10, 0)),
    }));
    assert!(listed.contains(&GuardianInfo {
        guardian: a.guardian.clone(),
        appointed_by: GuardianAppointer::Patient,
        appointed_at: Timestamp::from_seconds(at(GENESIS_DAY, 9, 0)),
    }));
    let data = (FIRST_DAY * DAY, FIRST_DAY * DAY + DAY - 1);
    let expires = at(FIRST_DAY, 20, 0);
    s.grant(
        &appointee,
        &a.patient,
        &a.clinician,
        &[DataScope::Glucose],
        Purpose::Treatment,
        None,
        data,
        expires,
    )
    .expect("the appointee acts for the patient");

    s.exec(
        &a.patient,
        &registry_addr,
        &registry::ExecuteMsg::RemoveGuardian {
            patient: None,
            guardian: appointee.to_string(),
        },
    )
    .accepted("the patient removes the consortium's appointee");
    assert!(guardians(&s, &a.patient)
        .iter()
        .all(|g| g.guardian != appointee));
    assert_refused(
        s.grant(
            &appointee,
            &a.patient,
            &a.stranger,
            &[DataScope::Glucose],
            Purpose::Treatment,
            None,
            data,
            expires,
        ),
        ConsentError::NotPatientOrGuardian,
    );
}
