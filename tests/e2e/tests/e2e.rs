//! End-to-end tests: the compiled contracts on a real wasmd node. They need a running network
//! with the suite deployed (`DIACHAIN_E2E_CHAIN_ID`), so a plain `cargo test` reports them as
//! ignored; `scripts/e2e.sh` (run by `scripts/test.sh`) starts one, deploys, runs them with
//! `--ignored` and stops the network afterwards.

use std::sync::MutexGuard;

use diachain_e2e::{journey, Network, CHAIN_LOCK};

fn chain() -> (Network, MutexGuard<'static, ()>) {
    let net = Network::from_env();
    let guard = CHAIN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    (net, guard)
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn deployment_is_wired_and_roles_are_admitted_on_chain() {
    let (net, _g) = chain();
    journey::check_wiring(&net);
}

/// The same check once scripts/e2e.sh has migrated every contract to a changed build (it runs
/// this test then, and only then).
#[test]
#[ignore = "needs a network whose contracts scripts/e2e.sh has just migrated to a changed build"]
fn deployment_is_still_wired_after_every_contract_is_migrated_to_a_changed_build() {
    let (net, _g) = chain();
    journey::check_wiring(&net);
}

// The patient journey, one test per chapter (`journey::Journey` lists them). Each chapter
// builds the state it depends on: it continues the journey the previous chapter's test saved
// when the tests run one at a time in name order (scripts/e2e.sh: --test-threads=1), and a
// chapter's test run alone first plays the chapters before it on a journey of its own.

/// Plays chapter `n` on the journey of chapters 1..n, saves it for the next chapter and returns
/// the journey's steps so far.
fn chapter(n: u32, play: fn(&Network, &mut journey::Journey)) -> Vec<journey::Step> {
    let (net, _g) = chain();
    let mut j = journey::through(&net, n - 1);
    play(&net, &mut j);
    let steps = j.rec.steps.clone();
    journey::save(j);
    steps
}

/// The names of the steps that succeeded (`ok`) or were refused on chain (`!ok`), in order.
fn names(steps: &[journey::Step], ok: bool) -> Vec<&str> {
    steps
        .iter()
        .filter(|s| s.ok == ok)
        .map(|s| s.step.as_str())
        .collect()
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch01_a_manufacturer_registers_a_cgm_and_a_pen_and_the_patient_binds_both() {
    chapter(1, journey::ch01_devices_registered_and_bound);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch02_a_sponsor_opens_and_funds_a_study() {
    chapter(2, journey::ch02_sponsor_opens_and_funds_a_study);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch03_both_patients_give_research_consent_and_join() {
    chapter(3, journey::ch03_patients_consent_and_join);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch04_the_relayer_anchors_signed_batches_with_a_gap() {
    chapter(4, journey::ch04_relayer_anchors_with_a_gap);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch05_the_union_counts_the_contribution() {
    chapter(5, journey::ch05_union_counts_the_contribution);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch06_a_clinician_grant_allows_glucose_not_insulin() {
    chapter(6, journey::ch06_clinician_grant_allows_glucose_not_insulin);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch07_the_custodian_records_a_served_access() {
    chapter(7, journey::ch07_custodian_records_an_access);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch08_break_glass_opens_access_and_the_patient_closes_it() {
    chapter(8, journey::ch08_break_glass);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch09_research_consent_and_the_clinician_grant_are_revoked() {
    chapter(9, journey::ch09_consent_and_grant_revoked);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch10_claims_and_withdrawal_are_refused_before_the_study_closes() {
    chapter(10, journey::ch10_claim_refused_before_close);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch11_the_study_closes_and_the_patient_claims_once() {
    chapter(11, journey::ch11_study_closes_and_patient_claims);
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn patient_journey_ch12_after_the_grace_period_the_sponsor_takes_back_the_rest() {
    let steps = chapter(12, journey::ch12_sponsor_withdraws_the_rest);
    // Every transaction of the twelve chapters, by name: these succeeded …
    assert_eq!(
        names(&steps, true),
        [
            "register 2 devices",
            "bind ed25519 device",
            "bind secp256r1 device",
            "sponsor creates and funds a study",
            "research consent for the study",
            "join the study",
            "research consent for the study",
            "join the study",
            "anchor 2 signed batches (12 CGM + 6 pen readings)",
            "anchor a CGM batch after a gap (seq 20..=31)",
            "grant a clinician glucose access",
            "custodian records a served access",
            "open break-glass access",
            "patient closes the break-glass session",
            "revoke research consent (the union is told)",
            "revoke the clinician's grant",
            "claim the share after close",
            "sponsor withdraws the unearned rest after the grace period",
        ]
    );
    // … and these were refused on chain, as they must be.
    assert_eq!(
        names(&steps, false),
        [
            "claim before the study closes (refused)",
            "sponsor withdraws before close (refused)",
            "claim a second time (refused)",
            "sponsor withdraws again with nothing left (refused)",
            "claim by a member who earned nothing (refused)",
        ]
    );
}

#[test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
fn unknown_device_implausible_batch_replay_unaccepted_transfer_and_expired_consent_fail_on_chain() {
    let (net, _g) = chain();
    let steps = journey::rejections(&net);
    assert_eq!(
        names(&steps, false),
        [
            "anchor a batch of an unknown device",
            "anchor 100 CGM readings measured at one instant",
            "replay the same batch",
            "accept a transfer offered to someone else",
            "record an access under an expired grant",
        ]
    );
}
