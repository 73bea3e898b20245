//! DiaChain's fuzz targets: one module per decoder that takes outside input, each with the
//! properties its target asserts (`tests/targets/` runs them with bolero; `docs/fuzzing.md`).
//!
//! Every property takes the raw bytes the fuzzer made. Targets whose input is a structured value
//! (a reading, a request to sign, a sequence of contract messages) read it from the bytes with
//! [`input::Input`], so that the committed corpus (`corpus/<target>/`, written by the
//! `seed_corpus_is_up_to_date` test) is plain files the fuzzer mutates, replayed by `cargo test`.

pub mod adr036;
pub mod contracts;
pub mod encoding;
pub mod fhir;
pub mod gateway;
pub mod input;
pub mod nightscout;
pub mod request;
pub mod seeds;

use std::path::PathBuf;

/// The committed corpus of `target` (`tests/fuzz/corpus/<target>/`).
pub fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

/// Runs `property` on every file of `target`'s committed corpus (under `cargo test`; the
/// fuzzer reads the corpus itself). A missing or empty corpus is an error: every target has one.
pub fn replay(target: &str, property: impl Fn(&[u8])) {
    if cfg!(fuzzing) {
        return;
    }
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    for file in files {
        let bytes = std::fs::read(&file).expect("corpus file");
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| property(&bytes)));
        if let Err(panic) = run {
            eprintln!("{target}: the corpus file {} fails", file.display());
            std::panic::resume_unwind(panic);
        }
    }
}

/// Under `cargo bolero` cargo also builds this library's own test binary (despite `test = false`
/// in Cargo.toml), instrumented like every crate; a binary that runs no bolero target does not
/// link libFuzzer's runtime and fails to link. This target (which cargo bolero never selects)
/// makes it link.
#[cfg(all(test, fuzzing))]
#[test]
fn links_the_fuzzer_runtime() {
    bolero::check!().for_each(|_: &[u8]| {});
}
