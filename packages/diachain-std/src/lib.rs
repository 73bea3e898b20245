//! DiaChain's shared package: the types contracts use to call each other, the canonical
//! encodings (reading leaf, batch sign-bytes, bind and rotation proofs), the Merkle tree and
//! proofs, signature helpers, pagination and cw2 migration checks. One implementation, used by
//! the contracts, the relayer and clients alike. See `docs/encoding.md`.

// `#[wire]` expands to paths under `::diachain_std`, which must resolve inside this crate too.
extern crate self as diachain_std;

pub mod admin;
pub mod anchors;
pub mod calls;
pub mod consent;
pub mod crypto;
pub mod de;
pub mod device;
pub mod encoding;
pub mod hooks;
pub mod manifests;
pub mod merkle;
pub mod pagination;
pub mod reason;
pub mod registry;
pub mod schema;
pub mod scopes;
pub mod union;
pub mod version;

pub use calls::{Anchors, Consent, Registry};
pub use device::{
    validate_device_id, Device, DeviceKind, DeviceStatus, KeyAlgorithm, KeyCustody, PublicKey, Role,
};
pub use diachain_derive::wire;
pub use encoding::{BatchHeader, Domain, Reading};
pub use pagination::Page;
pub use scopes::{DataScope, Purpose};

#[cfg(feature = "testing")]
pub mod testing;
