//! Research dataset exports (`docs/research-data.md`): a study's de-identified dataset for its
//! sponsor, restricted to what each member's research consent allows, with a manifest recorded
//! on chain that anyone can check the published file against.
//!
//! | file | concern |
//! | --- | --- |
//! | `identity.rs` | per-study pseudonyms and time shifts |
//! | `plan.rs` | a member's window: study × consent × membership (pure) |
//! | `study.rs` | the study, its members and their consents, from the chain |
//! | `planner.rs` | every member's window, confirmed scope by scope by `CheckAccess` |
//! | `records.rs` | the manifest and the accesses the export owes the chain |
//! | `job.rs` | the pass over the store that writes the rows |
//! | `format.rs` | rows as CSV or FHIR NDJSON lines |
//! | `sealed.rs` | the export's files, sealed in chunks |
//! | `service.rs` | the exports held: start, status, download, expiry |

mod format;
pub mod identity;
pub mod job;
pub mod plan;
pub mod planner;
pub mod records;
pub mod sealed;
pub mod service;
pub mod study;

pub use identity::PseudonymSecret;
pub use service::{Export, ExportService, ExportSettings, Mapped, Refusal};
pub use study::{ChainStudies, StudyView};

#[cfg(test)]
mod job_tests;
