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

/// The committed seeds are the ones `seeds.rs` makes (a change of a target's input format must
/// come with its corpus); `DIACHAIN_WRITE_CORPUS=1 cargo test -p diachain-fuzz --test targets
/// seed_corpus` rewrites them.
#[test]
fn seed_corpus_is_up_to_date() {
    let root = diachain_fuzz::corpus_dir("");
    if std::env::var("DIACHAIN_WRITE_CORPUS").is_ok_and(|v| v == "1") {
        diachain_fuzz::seeds::write_all(&root).expect("writes the corpus");
    }
    for (target, seeds) in diachain_fuzz::seeds::all() {
        let dir = root.join(target);
        let committed = std::fs::read_dir(&dir)
            .expect("the target's corpus")
            .filter(|e| {
                let name = e.as_ref().expect("entry").file_name();
                name.to_string_lossy().starts_with("seed-")
            })
            .count();
        assert_eq!(
            committed,
            seeds.len(),
            "{target}: DIACHAIN_WRITE_CORPUS=1 rewrites it"
        );
        for (i, seed) in seeds.iter().enumerate() {
            let file = dir.join(diachain_fuzz::seeds::seed_name(i));
            let bytes = std::fs::read(&file).unwrap_or_default();
            assert!(
                bytes == *seed,
                "{} is stale: DIACHAIN_WRITE_CORPUS=1 rewrites it",
                file.display()
            );
        }
    }
}

/// What `Output` writes, `Input` reads back; past the end it reads zeros (the structured
/// targets' corpus format).
#[test]
fn input_reads_what_output_writes_and_zeros_past_the_end() {
    use diachain_fuzz::input::{Input, Output};
    let mut out = Output::default();
    out.u8(7)
        .u16(300)
        .u32(70_000)
        .u64(1 << 40)
        .i64(-5)
        .blob(b"abc");
    let mut input = Input::new(&out.0);
    assert_eq!(input.u8(), 7);
    assert_eq!(input.u16(), 300);
    assert_eq!(input.u32(), 70_000);
    assert_eq!(input.u64(), 1 << 40);
    assert_eq!(input.i64(), -5);
    assert_eq!(input.string(255), "abc");
    assert!(input.is_empty());
    assert_eq!(input.u64(), 0);
    assert_eq!(Input::new(&[1]).u16(), 256);
}
