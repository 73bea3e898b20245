//! Who is asking: data requests signed by the caller's chain key (ADR-036, as browser wallets
//! sign arbitrary data): `adr036` makes and checks the signatures, `request` the canonical
//! request they cover and the nonce and clock checks (used by the data routes).

pub mod adr036;
pub mod request;
