//! Who is asking: data requests signed by the caller's chain key (ADR-036, as browser wallets
//! sign arbitrary data). Work in progress for issue 13 (not wired into the API yet).

pub mod adr036;
pub mod request;
