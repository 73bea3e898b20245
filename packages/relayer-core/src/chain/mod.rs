//! Chain adapters: the block watcher (registry freshness, chain health, sampling limits), the
//! anchors contract's `Batch` query, and registering Nightscout uploaders. Anchoring itself is
//! in `anchor/`, recording in `recorder/`, the registry view in `registry/`.

mod anchors;
mod uploaders;
mod watcher;

pub use anchors::{anchored_batch, NOT_ANCHORED};
pub use uploaders::{ChainUploaders, UploaderChain, UPLOADER_MODEL};

pub use watcher::{BlockWatcher, ChainHealth};
