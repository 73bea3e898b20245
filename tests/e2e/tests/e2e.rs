//! End-to-end tests: the compiled contracts on a real wasmd node. They skip, printing why,
//! unless `DIACHAIN_E2E_CHAIN_ID` names a running network with the suite deployed
//! (`scripts/test.sh` starts one, deploys, sets it and stops the network afterwards).

use std::sync::MutexGuard;

use diachain_e2e::{journey, Network, CHAIN_LOCK};

fn chain() -> Option<(Network, MutexGuard<'static, ()>)> {
    let net = Network::from_env()?;
    let guard = CHAIN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    Some((net, guard))
}

#[test]
fn deployment_is_wired_and_roles_are_admitted_on_chain() {
    let Some((net, _g)) = chain() else { return };
    journey::check_wiring(&net);
}

// The patient journey, one test per chapter (`journey::Journey` lists them). The tests run one
// at a time in name order (scripts/e2e.sh: --test-threads=1), each chapter on the journey the
// previous one saved; a chapter's test run alone first plays the chapters before it.

/// Plays chapter `n` on the journey of chapters 1..n, saves it for the next chapter and returns
/// the journey's steps so far.
fn chapter(n: u32, play: fn(&Network, &mut journey::Journey)) -> Option<Vec<journey::Step>> {
    let (net, _g) = chain()?;
    let mut j = journey::through(&net, n - 1);
    play(&net, &mut j);
    let steps = j.rec.steps.clone();
    journey::save(j);
    Some(steps)
}

#[test]
fn patient_journey_ch01_a_manufacturer_registers_a_cgm_and_a_pen_and_the_patient_binds_both() {
    chapter(1, journey::ch01_devices_registered_and_bound);
}

#[test]
fn patient_journey_ch02_a_sponsor_opens_and_funds_a_study() {
    chapter(2, journey::ch02_sponsor_opens_and_funds_a_study);
}

#[test]
fn patient_journey_ch03_both_patients_give_research_consent_and_join() {
    chapter(3, journey::ch03_patients_consent_and_join);
}

#[test]
fn patient_journey_ch04_the_relayer_anchors_signed_batches_with_a_gap() {
    chapter(4, journey::ch04_relayer_anchors_with_a_gap);
}

#[test]
fn patient_journey_ch05_the_union_counts_the_contribution() {
    chapter(5, journey::ch05_union_counts_the_contribution);
}

#[test]
fn patient_journey_ch06_a_clinician_grant_allows_glucose_not_insulin() {
    chapter(6, journey::ch06_clinician_grant_allows_glucose_not_insulin);
}

#[test]
fn patient_journey_ch07_the_custodian_records_a_served_access() {
    chapter(7, journey::ch07_custodian_records_an_access);
}

#[test]
fn patient_journey_ch08_break_glass_opens_access_and_the_patient_closes_it() {
    chapter(8, journey::ch08_break_glass);
}

#[test]
fn patient_journey_ch09_research_consent_and_the_clinician_grant_are_revoked() {
    chapter(9, journey::ch09_consent_and_grant_revoked);
}

#[test]
fn patient_journey_ch10_claims_and_withdrawal_are_refused_before_the_study_closes() {
    chapter(10, journey::ch10_claim_refused_before_close);
}

#[test]
fn patient_journey_ch11_the_study_closes_and_the_patient_claims_once() {
    chapter(11, journey::ch11_study_closes_and_patient_claims);
}

#[test]
fn patient_journey_ch12_after_the_grace_period_the_sponsor_takes_back_the_rest() {
    let Some(steps) = chapter(12, journey::ch12_sponsor_withdraws_the_rest) else {
        return;
    };
    assert!(steps.iter().filter(|s| s.ok).count() >= 15);
}

#[test]
fn unknown_device_implausible_batch_replay_unaccepted_transfer_and_expired_consent_fail_on_chain() {
    let Some((net, _g)) = chain() else { return };
    let steps = journey::rejections(&net);
    assert_eq!(steps.iter().filter(|s| !s.ok).count(), 5);
}
