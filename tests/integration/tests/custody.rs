//! Custody ends with its custodian: a key a relayer holds for a patient (a Nightscout
//! uploader's gateway) attests readings only while that relayer is in good standing, whoever
//! submits the batches; and a patient whose relayer is gone moves their uploader to another.

use cosmwasm_std::{Addr, Timestamp};
use diachain_integration::journey::FIRST_DAY;
use diachain_integration::*;
use diachain_std::registry;
use diachain_std::{DataScope, Role};

type AnchorsError = reading_anchors::ContractError;

const UPLOADER: &str = "ns-9c1e44a0b7d2f351";
const UPLOADER_AT_B: &str = "ns-2b7f90c4e1a85d36";

/// A suite with a second admitted relayer (B) and the patient's uploader registered by the
/// suite's relayer (A), which holds its key, bound to the patient at 09:00 on the genesis day.
fn uploader_suite() -> (Suite, Addr) {
    let mut s = SuiteBuilder::default().build();
    let relayer_b = s.app.api().addr_make("relayer-b");
    let consortium = s.actors.consortium.clone();
    let registry_addr = s.registry.clone();
    s.exec(
        &consortium,
        &registry_addr,
        &registry::ExecuteMsg::AdmitParticipant {
            role: Role::Relayer,
            address: relayer_b.to_string(),
            label: "Relayer B".to_string(),
        },
    )
    .accepted("admit relayer B");
    let relayer_a = s.actors.relayer.clone();
    s.register_held_key(&relayer_a, UPLOADER, 0x51);
    s.set_time(at(GENESIS_DAY, 9, 0));
    let patient = s.actors.patient.clone();
    s.bind(&patient, UPLOADER, &patient)
        .accepted("the patient binds the uploader");
    (s, relayer_b)
}

fn admin(s: &mut Suite, msg: registry::ExecuteMsg) {
    let (consortium, registry_addr) = (s.actors.consortium.clone(), s.registry.clone());
    s.exec(&consortium, &registry_addr, &msg)
        .accepted("consortium");
}

/// Relayer A is suspended at 02:00:10. Another active relayer still anchors the uploader's
/// batch measured before then, but not the next one (its last reading is after): the key was
/// A's, and A's word is worth nothing from its suspension on. Removing A keeps that moment
/// (it does not move to the removal). Admitting A again makes its keys attest again, but only
/// what is measured from then on: the time it was out stays a lapse for good.
#[test]
fn batches_signed_with_a_suspended_relayers_key_are_refused_whoever_submits_them() {
    let (mut s, relayer_b) = uploader_suite();
    let relayer_a = s.actors.relayer.clone();
    s.anchor_hours(FIRST_DAY, 0..1, &[UPLOADER], &[]);
    let suspended_at = at(FIRST_DAY, 2, 0) + 10;
    s.set_time(suspended_at);
    admin(
        &mut s,
        registry::ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: relayer_a.to_string(),
            reason: "audit".to_string(),
        },
    );

    s.set_time(at(FIRST_DAY, 3, 0) + 30);
    let before = s.batch(UPLOADER, 13, 12, at(FIRST_DAY, 1, 0));
    let after = s.batch(UPLOADER, 25, 12, at(FIRST_DAY, 2, 0));
    s.submit_as(&relayer_b, &[before])
        .accepted("a batch measured before the suspension");
    let refused = || AnchorsError::KeyHolderNotInGoodStanding {
        index: 0,
        device_id: UPLOADER.to_string(),
        holder: relayer_a.to_string(),
        since: suspended_at,
    };
    assert_refused(
        s.submit_as(&relayer_b, std::slice::from_ref(&after)),
        refused(),
    );

    // Removed while suspended: refused from the same moment.
    admin(
        &mut s,
        registry::ExecuteMsg::RemoveParticipant {
            role: Role::Relayer,
            address: relayer_a.to_string(),
        },
    );
    assert_refused(
        s.submit_as(&relayer_b, std::slice::from_ref(&after)),
        refused(),
    );

    // Admitted again at 04:00: the batch measured while it was out stays refused; one measured
    // after its return is anchored.
    let readmitted = at(FIRST_DAY, 4, 0);
    s.set_time(readmitted);
    admin(
        &mut s,
        registry::ExecuteMsg::AdmitParticipant {
            role: Role::Relayer,
            address: relayer_a.to_string(),
            label: "Relayer A".to_string(),
        },
    );
    assert_refused(
        s.submit_as(&relayer_b, &[after]),
        AnchorsError::MeasuredWhileHolderLapsed {
            index: 0,
            device_id: UPLOADER.to_string(),
            holder: relayer_a.to_string(),
            from: suspended_at,
            to: readmitted,
        },
    );
    s.set_time(at(FIRST_DAY, 5, 0) + 30);
    let back = s.batch(UPLOADER, 25, 12, at(FIRST_DAY, 4, 0));
    s.submit_as(&relayer_b, &[back])
        .accepted("measured after the holder came back");
    let patient = s.actors.patient.clone();
    assert_eq!(s.coverage(&patient, FIRST_DAY, DataScope::Nutrition), 36);
}

/// What a suspended relayer attested before its suspension may be anchored by another relayer
/// for a day, not later: a relayer out of good standing could otherwise go on signing batches
/// dated before its suspension.
#[test]
fn a_suspended_relayers_queue_closes_a_day_after_the_suspension() {
    let (mut s, relayer_b) = uploader_suite();
    let relayer_a = s.actors.relayer.clone();
    let suspended_at = at(FIRST_DAY, 2, 0);
    s.set_time(suspended_at);
    admin(
        &mut s,
        registry::ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: relayer_a.to_string(),
            reason: "audit".to_string(),
        },
    );
    let first = s.batch(UPLOADER, 1, 12, at(FIRST_DAY, 0, 0));
    let second = s.batch(UPLOADER, 13, 12, at(FIRST_DAY, 1, 0));
    s.set_time(suspended_at + registry::HELD_KEY_QUEUE_SECONDS);
    s.submit_as(&relayer_b, &[first])
        .accepted("anchored within a day of the suspension");
    s.set_time(suspended_at + registry::HELD_KEY_QUEUE_SECONDS + 1);
    assert_refused(
        s.submit_as(&relayer_b, &[second]),
        AnchorsError::HeldKeyQueueClosed {
            index: 0,
            device_id: UPLOADER.to_string(),
            holder: relayer_a.to_string(),
            since: suspended_at,
            window: registry::HELD_KEY_QUEUE_SECONDS,
        },
    );
}

/// A relayer removed while in good standing: its keys stop attesting at the removal.
#[test]
fn batches_signed_with_a_removed_relayers_key_are_refused_from_its_removal() {
    let (mut s, relayer_b) = uploader_suite();
    let relayer_a = s.actors.relayer.clone();
    let removed_at = at(FIRST_DAY, 1, 30);
    s.set_time(removed_at);
    admin(
        &mut s,
        registry::ExecuteMsg::RemoveParticipant {
            role: Role::Relayer,
            address: relayer_a.to_string(),
        },
    );
    s.set_time(at(FIRST_DAY, 2, 0) + 30);
    let first_hour = s.batch(UPLOADER, 1, 12, at(FIRST_DAY, 0, 0));
    let second_hour = s.batch(UPLOADER, 13, 12, at(FIRST_DAY, 1, 0));
    s.submit_as(&relayer_b, &[first_hour])
        .accepted("measured before the removal");
    assert_refused(
        s.submit_as(&relayer_b, &[second_hour]),
        AnchorsError::KeyHolderNotInGoodStanding {
            index: 0,
            device_id: UPLOADER.to_string(),
            holder: relayer_a.to_string(),
            since: removed_at,
        },
    );
    let view = s.anchoring_view(&relayer_b, UPLOADER);
    let holder = view
        .key_holder
        .expect("a relayer-held key names its holder");
    assert_eq!(holder.relayer, relayer_a);
    assert_eq!(
        holder.refuses_from,
        Some(Timestamp::from_seconds(removed_at))
    );
}

/// The patient of a suspended relayer moves their uploader: relayer B registers a new
/// uploader key it holds, the patient binds it (B signs the proof of possession with the new
/// key), and their uploads, attested by B, count again. The old uploader stays theirs, with
/// its anchored history provable; they unbind it.
#[test]
fn a_patient_moves_their_uploader_to_another_relayer() {
    let (mut s, relayer_b) = uploader_suite();
    let relayer_a = s.actors.relayer.clone();
    let patient = s.actors.patient.clone();
    s.anchor_hours(FIRST_DAY, 0..1, &[UPLOADER], &[]);
    s.set_time(at(FIRST_DAY, 1, 10));
    admin(
        &mut s,
        registry::ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: relayer_a.to_string(),
            reason: "audit".to_string(),
        },
    );
    s.register_held_key(&relayer_b, UPLOADER_AT_B, 0x52);
    s.bind(&patient, UPLOADER_AT_B, &patient)
        .accepted("the patient binds the uploader at relayer B");
    let registry_addr = s.registry.clone();
    s.exec(
        &patient,
        &registry_addr,
        &registry::ExecuteMsg::UnbindDevice {
            device_id: UPLOADER.to_string(),
        },
    )
    .accepted("the patient releases the old uploader");
    s.set_time(at(FIRST_DAY, 3, 0) + 30);
    let batch = s.batch(UPLOADER_AT_B, 1, 12, at(FIRST_DAY, 2, 0));
    s.submit_as(&relayer_b, &[batch])
        .accepted("uploads attested by relayer B");
    assert_eq!(s.coverage(&patient, FIRST_DAY, DataScope::Nutrition), 24);
    assert!(s.verify_reading(UPLOADER, 1).valid);
}
