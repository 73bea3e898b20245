//! The relayer's link to the chain: the block watcher (registry freshness, chain health) and
//! the connection settings. Anchoring itself is in `anchor/`.

mod anchors;
mod key;
mod uploaders;
mod watcher;

pub use anchors::{anchored_batch, NOT_ANCHORED};
pub use key::{load_signer, signer_from_mnemonic_file};
pub use uploaders::ChainUploaders;

pub use watcher::{BlockWatcher, ChainHealth};
