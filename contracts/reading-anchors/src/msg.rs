//! The anchors contract's messages live in the shared package.
pub use diachain_std::anchors::*;
