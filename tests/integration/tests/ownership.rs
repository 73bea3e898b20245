//! Devices change hands and keys: readings stay with the patient who owned the device when they
//! were measured, and batches signed before a key rotation stay valid after it.

use diachain_integration::journey::{self, *};
use diachain_integration::*;
use diachain_std::registry;
use diachain_std::DataScope;

/// The patient's CGM changes hands at 06:30 (transferred to the other patient). Readings measured
/// before belong to the patient, those after to the other patient, and coverage — which the union
/// trusts to confirm a member's days — says so. (The 06:00 batch straddles the hand-over and
/// is not credited to either; the new owner's relayer starts at 07:00.)
#[test]
fn coverage_follows_the_owner_when_a_device_changes_hands_during_a_day() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    s.anchor_hours(FIRST_DAY, 0..6, &[CGM], &[]);
    // Offered at 06:10, accepted at 06:30: the device changes hands when it is accepted.
    s.set_time(at(FIRST_DAY, 6, 10));
    s.offer_transfer(&a.patient, CGM, &a.other_patient, None)
        .unwrap();
    s.set_time(at(FIRST_DAY, 6, 30));
    s.accept_transfer(&a.other_patient, CGM).unwrap();
    s.anchor_hours(FIRST_DAY, 7..12, &[CGM], &[]);

    let mine = s.coverage(&a.patient, FIRST_DAY, DataScope::Glucose);
    let theirs = s.coverage(&a.other_patient, FIRST_DAY, DataScope::Glucose);
    assert_eq!((mine, theirs), (72, 60), "(patient, other patient)");
}

/// Readings measured while the patient owned the device, but delivered after it was handed to
/// someone else (the relayer was behind), are never credited to the new owner: the batch is
/// refused with the reason, and nobody's coverage changes.
#[test]
fn readings_measured_before_a_transfer_are_never_credited_to_the_new_owner() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    let measured = s.batch(CGM, 1, 12, at(FIRST_DAY, 0, 0));
    s.set_time(at(FIRST_DAY, 2, 0));
    s.transfer(&a.patient, CGM, &a.other_patient);
    let err = s.submit(&[measured]).unwrap_err().to_string();
    assert!(
        err.ends_with(&format!(
            "batch 0: device {CGM}: measured from {}, before the device was bound to its current owner at {}",
            at(FIRST_DAY, 0, 0),
            at(FIRST_DAY, 2, 0)
        )),
        "{err}"
    );
    assert_eq!(s.coverage(&a.patient, FIRST_DAY, DataScope::Glucose), 0);
    assert_eq!(
        s.coverage(&a.other_patient, FIRST_DAY, DataScope::Glucose),
        0
    );
}

/// A batch measured and signed before a routine key rotation, but delivered after it (the phone
/// was offline), verifies with the key that was the device's key when it was measured — the
/// registry keeps that key and its validity span in `KeyHistory`.
#[test]
fn a_batch_signed_before_a_key_rotation_is_accepted_after_it() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    let signed_with_old_key = s.batch(CGM, 1, 12, at(FIRST_DAY, 0, 0));
    s.set_time(at(FIRST_DAY, 1, 30));
    let new_key = diachain_std::testing::TestKey::new(diachain_std::KeyAlgorithm::Secp256r1, 0x51);
    let registry_addr = s.registry.clone();
    s.exec(
        &a.manufacturer,
        &registry_addr,
        &registry::ExecuteMsg::RotateKey {
            device_id: CGM.to_string(),
            new_key: new_key.public_key(),
            signature: None,
        },
    )
    .unwrap();
    s.set_time(at(FIRST_DAY, 2, 0));
    s.submit(&[signed_with_old_key])
        .accepted("measured and signed under the key valid then");
}
