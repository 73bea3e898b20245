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

#[test]
fn patient_journey_register_bind_anchor_gap_consent_break_glass_study_claim_revoke() {
    let Some((net, _g)) = chain() else { return };
    let steps = journey::run(&net);
    assert!(steps.iter().filter(|s| s.ok).count() >= 15);
}

#[test]
fn unknown_device_implausible_batch_replay_unaccepted_transfer_and_expired_consent_fail_on_chain() {
    let Some((net, _g)) = chain() else { return };
    let steps = journey::rejections(&net);
    assert_eq!(steps.iter().filter(|s| !s.ok).count(), 5);
}
