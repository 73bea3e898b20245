//! Signed data requests, as a client makes them: the caller signs (ADR-036, as browser wallets
//! sign arbitrary data) a canonical form of the request — method, path, sorted query, SHA-256
//! of the body, timestamp and nonce — and sends it with five headers. `relayer-api`'s `auth`
//! checks them; the TypeScript client (`clients/ts/src/request.ts`) mirrors [`canonical`].

use diachain_std::crypto::sha256;

pub const H_ADDRESS: &str = "x-diachain-address";
pub const H_PUBLIC_KEY: &str = "x-diachain-pubkey";
pub const H_TIMESTAMP: &str = "x-diachain-timestamp";
pub const H_NONCE: &str = "x-diachain-nonce";
pub const H_SIGNATURE: &str = "x-diachain-signature";

/// The five headers, in the order clients list them.
pub const SIGNED_REQUEST_HEADERS: [&str; 5] =
    [H_ADDRESS, H_PUBLIC_KEY, H_TIMESTAMP, H_NONCE, H_SIGNATURE];

/// The request as signed.
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

/// The bytes the caller signs.
pub fn canonical(r: &RequestParts<'_>, timestamp: u64, nonce: &str) -> Vec<u8> {
    let mut query: Vec<&str> = r
        .query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    query.sort_unstable();
    format!(
        "DIACHAIN-REQUEST/v1\n{}\n{}\n{}\n{}\n{timestamp}\n{nonce}",
        r.method.to_ascii_uppercase(),
        r.path,
        query.join("&"),
        hex::encode(sha256(r.body)),
    )
    .into_bytes()
}
