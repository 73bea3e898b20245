//! The device registry as the relayer sees it: the anchoring view of each device (key and
//! algorithm, previous key, bound owner, status as "refuses data from"), fetched through
//! [`RegistryView`] and cached by [`RegistryCache`].
//!
//! The production view, [`ChainRegistry`], queries the registry contract's `AnchoringInfo`
//! through the chain client; the block watcher (`chain::BlockWatcher`) calls
//! [`RegistryCache::on_new_block`] so that no cached entry is older than one block.
//! [`FileRegistry`] serves a development registry from a JSON file (no chain).

mod cache;
mod chain;
mod file;
mod limits;

use diachain_std::registry::AnchoringDevice;

pub use cache::RegistryCache;
pub use chain::ChainRegistry;
pub use file::{FileRegistry, FileRegistryError};
pub use limits::SamplingLimits;

use crate::BoxFuture;

/// Why the registry could not answer.
#[derive(thiserror::Error, Debug)]
pub enum RegistryError {
    #[error("the registry could not be queried: {0}")]
    Chain(#[from] diachain_chain_client::Error),
    #[error("the registry could not be queried: it answered {answered} devices for {asked} asked")]
    Answer { answered: usize, asked: usize },
    #[error("the registry could not be queried: it is unreachable")]
    Unreachable,
}

/// Where device records come from.
pub trait RegistryView: Send + Sync + 'static {
    /// The anchoring view of each device, in the order asked; `None` for an unknown id.
    fn anchoring_devices<'a>(
        &'a self,
        device_ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<AnchoringDevice>>, RegistryError>>;
}
