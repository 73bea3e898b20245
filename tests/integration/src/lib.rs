//! Cross-contract test support: the four DiaChain contracts (device registry, reading anchors,
//! consent, data union) wired together in cw-multi-test, with named actors, simulated devices
//! that sign exactly as real ones do, and helpers for what each actor does.
//!
//! - The suite is the test kit's (`diachain_testing`, feature `suite`), re-exported here:
//!   `SuiteBuilder::default().build()` instantiates the contracts with every wiring (the anchors
//!   contract asks the registry, consent asks the registry for guardians, the union listens to
//!   anchors and consent and asks them back), admits the participants, and funds the sponsor.
//! - [`journey`] is the patient's story, one function per chapter; each chapter test in
//!   `tests/journey.rs` replays the chapters before it with [`journey::through`] and then
//!   proves what its own chapter promises.
//!
//! See `docs/integration-tests.md`.

pub mod journey;

pub use diachain_testing::*;
