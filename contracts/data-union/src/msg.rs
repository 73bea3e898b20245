//! The union's messages live in the shared package, so that the anchors and consent contracts,
//! the relayer and clients speak them with the same types.
pub use diachain_std::union::*;
