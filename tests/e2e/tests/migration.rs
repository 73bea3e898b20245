//! The in-place migrations from the previous releases on a real node. `scripts/e2e.sh` deploys
//! 0.1.0 first and runs its seeding test alone (`DIACHAIN_E2E_PHASE=seed-0.1`), migrates the
//! network to the release of 2026-12-01 and runs that release's seeding test alone
//! (`DIACHAIN_E2E_PHASE=seed-2026-12-01`); then deploys the current build — every contract
//! migrates — and runs the e2e tests, among them the two checks below, which find the seed files
//! and verify every record. Each needs a network in a given state, so a plain `cargo test`
//! reports them as ignored.

use std::sync::MutexGuard;

use diachain_e2e::migration::{seed, seed_file, verify, Seeded};
use diachain_e2e::{previous_release, Network, CHAIN_LOCK};

const PHASE_ENV: &str = "DIACHAIN_E2E_PHASE";
const SEED_PHASE: &str = "seed-0.1";
const SEED_PREVIOUS_PHASE: &str = "seed-2026-12-01";

fn chain() -> (Network, MutexGuard<'static, ()>) {
    let net = Network::from_env();
    let guard = CHAIN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    (net, guard)
}

fn phase() -> Option<String> {
    std::env::var(PHASE_ENV).ok()
}

fn seeding() -> bool {
    phase().is_some_and(|p| p == SEED_PHASE)
}

#[test]
#[ignore = "needs a network running the 0.1.0 release: scripts/e2e.sh runs it before migrating"]
fn a_network_running_0_1_is_seeded_with_every_kind_of_record() {
    assert!(
        seeding(),
        "seeding runs only against 0.1.0: scripts/e2e.sh runs it with {PHASE_ENV}={SEED_PHASE}"
    );
    let (net, _g) = chain();
    let seeded = seed(&net);
    assert!(seed_file(&net).exists());
    assert_eq!(seeded.proof_5.len(), 4, "a 12-leaf tree has 4 levels");
}

#[test]
#[ignore = "needs a network migrated from a seeded 0.1.0: scripts/e2e.sh runs it after migrating"]
fn every_device_grant_study_and_batch_of_0_1_survives_the_migration() {
    assert_eq!(
        phase(),
        None,
        "the contracts still run a previous release ({PHASE_ENV}): migrate them first"
    );
    let (net, _g) = chain();
    // scripts/e2e.sh always seeds before migrating: a missing seed file is a failure.
    let path = seed_file(&net);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/e2e.sh seeds 0.1.0 first)", path.display()));
    let seeded: Seeded = serde_json::from_slice(&bytes).expect("seed file");
    verify(&net, &seeded);
}

#[test]
#[ignore = "needs a network running the release of 2026-12-01: scripts/e2e.sh runs it before migrating"]
fn a_network_running_the_release_of_2026_12_01_is_seeded_with_custody_an_old_study_and_an_offer() {
    assert_eq!(
        phase().as_deref(),
        Some(SEED_PREVIOUS_PHASE),
        "seeding runs only against the release of 2026-12-01: scripts/e2e.sh runs it with {PHASE_ENV}={SEED_PREVIOUS_PHASE}"
    );
    let (net, _g) = chain();
    let seeded = previous_release::seed(&net);
    assert!(previous_release::seed_file(&net).exists());
    assert_eq!(seeded.gateway_last.0, 6);
}

#[test]
#[ignore = "needs a network migrated from a seeded release of 2026-12-01: scripts/e2e.sh runs it after migrating"]
fn custody_the_old_study_coverage_and_the_offer_of_2026_12_01_survive_the_migration() {
    assert_eq!(
        phase(),
        None,
        "the contracts still run a previous release ({PHASE_ENV}): migrate them first"
    );
    let (net, _g) = chain();
    let seeded = previous_release::load(&net);
    previous_release::verify(&net, &seeded);
}
