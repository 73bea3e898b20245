//! The relayer's link to the chain: the block watcher (registry freshness, chain health) and
//! the connection settings. Anchoring itself is in `anchor/`.

mod key;
mod watcher;

pub use key::{load_signer, signer_from_mnemonic_file};

pub use watcher::{BlockWatcher, ChainHealth};
