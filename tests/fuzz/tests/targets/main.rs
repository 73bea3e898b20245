//! One bolero target per decoder that takes outside input (`docs/fuzzing.md`). Under `cargo
//! test` each replays its committed corpus (`corpus/<target>/`) and then random inputs (a few
//! hundred, so the whole file stays within seconds); `scripts/fuzz.sh` runs each one
//! coverage-guided under libFuzzer (`cargo bolero test --engine libfuzzer --sanitizer NONE`).
//! The properties are in the crate's modules (`src/`).

use bolero::check;
use diachain_fuzz::{adr036, contracts, encoding, fhir, gateway, nightscout, replay, request};

#[test]
fn reading() {
    replay("reading", encoding::reading);
    check!().with_iterations(20_000).for_each(encoding::reading);
}

#[test]
fn batch_header() {
    replay("batch_header", encoding::batch_header);
    check!()
        .with_iterations(20_000)
        .for_each(encoding::batch_header);
}

#[test]
fn batch_json() {
    replay("batch_json", gateway::batch_json);
    check!()
        .with_iterations(20_000)
        .for_each(gateway::batch_json);
}

#[test]
fn signed_batch() {
    replay("signed_batch", gateway::signed_batch);
    check!()
        .with_iterations(100)
        .for_each(gateway::signed_batch);
}

#[test]
fn nightscout_entries() {
    replay("nightscout_entries", nightscout::nightscout_entries);
    check!()
        .with_iterations(10_000)
        .for_each(nightscout::nightscout_entries);
}

#[test]
fn nightscout_records() {
    replay("nightscout_records", nightscout::nightscout_records);
    check!()
        .with_iterations(10_000)
        .for_each(nightscout::nightscout_records);
}

#[test]
fn nightscout_query() {
    replay("nightscout_query", nightscout::nightscout_query);
    check!()
        .with_iterations(20_000)
        .for_each(nightscout::nightscout_query);
}

#[test]
fn signed_request() {
    replay("signed_request", request::signed_request);
    check!()
        .with_iterations(100)
        .for_each(request::signed_request);
}

#[test]
fn adr036() {
    replay("adr036", adr036::adr036);
    check!().with_iterations(100).for_each(adr036::adr036);
}

#[test]
fn fhir_bundle() {
    replay("fhir_bundle", fhir::fhir_bundle);
    check!().with_iterations(100).for_each(fhir::fhir_bundle);
}

#[test]
fn fhir_dataset_row() {
    replay("fhir_dataset_row", fhir::fhir_dataset_row);
    check!()
        .with_iterations(10_000)
        .for_each(fhir::fhir_dataset_row);
}

#[test]
fn contracts() {
    replay("contracts", contracts::contracts);
    check!().with_iterations(50).for_each(contracts::contracts);
}
