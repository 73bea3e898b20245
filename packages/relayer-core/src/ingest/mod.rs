//! Gateway ingest: everything a batch must pass before it is stored and acknowledged.
//!
//! Order: decode → the header's own rules → readings against the header → Merkle root →
//! (an exact resubmission of a stored batch is answered from the store here) → registry:
//! known, bound, accepting at the batch's time → signature → the store places the range against
//! what it holds (overlap, backwards) and writes it durably.

pub mod checks;
pub mod device;
mod pipeline;
mod rejection;
mod verifier;

pub use pipeline::{Accepted, Pipeline};
pub use rejection::Rejection;
pub use verifier::Verifier;
