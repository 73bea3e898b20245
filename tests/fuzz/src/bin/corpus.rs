//! Writes the seed corpus of every fuzz target (`tests/fuzz/corpus/<target>/`) from real
//! examples: readings and headers as devices encode them, a gateway's signed batch, xDrip+'s
//! and AndroidAPS's Nightscout uploads, a signed data request, FHIR Observations the relayer
//! writes, and the patient's journey as contract messages. `cargo run -p diachain-fuzz --bin
//! fuzz-corpus` rewrites it (deterministic: the same files every time).

fn main() {
    let root = diachain_fuzz::corpus_dir("");
    let written = diachain_fuzz::seeds::write_all(&root).unwrap_or_else(|e| {
        eprintln!("fuzz-corpus: {e}");
        std::process::exit(1);
    });
    println!("fuzz-corpus: {written} files under {}", root.display());
}
