//! The data-union contract's messages (added with the contract).
