//! The consent interface lives in the shared package so that the relayer, the data union and
//! clients use the very same types.

pub use diachain_std::consent::*;
