//! The device registry as the relayer sees it: the anchoring view of each device (key and
//! algorithm, previous key, bound owner, status as "refuses data from"), fetched through
//! [`RegistryView`] and cached by [`RegistryCache`].
//!
//! The production view, [`ChainRegistry`], queries the registry contract's `AnchoringInfo`
//! through the chain client; the block watcher (`chain::BlockWatcher`) calls
//! [`RegistryCache::on_new_block`] so that no cached entry is older than one block.

mod cache;
mod chain;
mod limits;
mod memory;

use std::future::Future;
use std::pin::Pin;

use diachain_std::registry::AnchoringDevice;

pub use cache::RegistryCache;
pub use chain::ChainRegistry;
pub use limits::SamplingLimits;
pub use memory::InMemoryRegistry;

/// A boxed future, so that [`RegistryView`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(thiserror::Error, Debug, Clone)]
pub enum RegistryError {
    #[error("the registry could not be queried: {0}")]
    Unavailable(String),
}

/// Where device records come from.
pub trait RegistryView: Send + Sync + 'static {
    /// The anchoring view of each device, in the order asked; `None` for an unknown id.
    fn anchoring_devices<'a>(
        &'a self,
        device_ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<AnchoringDevice>>, RegistryError>>;
}
