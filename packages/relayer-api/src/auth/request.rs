//! Signed data requests: the caller signs (ADR-036) a canonical form of the request — method,
//! path, sorted query, SHA-256 of the body, timestamp and nonce (`diachain_relayer_types::request`)
//! — and sends it with five headers. The relayer checks the signature, that the key is the
//! claimed address's, that the timestamp is within `MAX_SKEW_SECONDS` of its clock (and not
//! from before it started, so a restart cannot re-open old nonces), and that the nonce was not
//! used before.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use cosmwasm_std::Binary;
use diachain_relayer_types::ErrorCode;

pub use diachain_relayer_types::request::{
    canonical, RequestParts, H_ADDRESS, H_NONCE, H_PUBLIC_KEY, H_SIGNATURE, H_TIMESTAMP,
};

use super::adr036::{self, Adr036Error};

/// How far a request's timestamp may be from the relayer's clock, either way.
pub const MAX_SKEW_SECONDS: u64 = 60;
/// Bytes of the public key (compressed secp256k1) and of the signature (`r||s`) headers.
pub const PUBLIC_KEY_LEN: usize = 33;
pub const SIGNATURE_LEN: usize = 64;
/// Most nonces remembered at once (older ones expire after twice the window).
pub const MAX_NONCES: usize = 1_000_000;

/// Why a request's signature is refused (each answers 401).
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the {0} header is malformed")]
    Malformed(&'static str),
    #[error("the request's timestamp is more than {MAX_SKEW_SECONDS} s from the relayer's clock")]
    Stale,
    #[error("this nonce was used before")]
    Replayed,
    #[error("too many requests in flight; retry")]
    Busy,
    #[error(transparent)]
    Signature(#[from] Adr036Error),
}

impl AuthError {
    /// The refusal's code (all answer 401).
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::Missing(_) => ErrorCode::MissingAuthHeader,
            AuthError::Malformed(_) => ErrorCode::MalformedAuthHeader,
            AuthError::Stale => ErrorCode::StaleRequest,
            AuthError::Replayed => ErrorCode::ReplayedNonce,
            AuthError::Busy => ErrorCode::Busy,
            AuthError::Signature(Adr036Error::KeyNotAddress { .. }) => ErrorCode::KeyNotAddress,
            AuthError::Signature(_) => ErrorCode::BadSignature,
        }
    }
}

/// The five headers, as received.
#[derive(Clone, Debug, Default)]
pub struct AuthHeaders {
    pub address: Option<String>,
    pub public_key: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub signature: Option<String>,
}

/// The five headers of a request signed by `signer` at `timestamp` with `nonce`.
pub fn signed_headers(
    signer: &diachain_chain_client::Signer,
    r: &RequestParts<'_>,
    timestamp: u64,
    nonce: &str,
) -> Result<[(&'static str, String); 5], diachain_chain_client::Error> {
    let signature = adr036::sign_with(signer, &canonical(r, timestamp, nonce))?;
    Ok([
        (H_ADDRESS, signer.address().to_string()),
        (
            H_PUBLIC_KEY,
            Binary::new(signer.public_key().to_bytes()).to_base64(),
        ),
        (H_TIMESTAMP, timestamp.to_string()),
        (H_NONCE, nonce.to_string()),
        (H_SIGNATURE, Binary::new(signature.to_vec()).to_base64()),
    ])
}

/// Checks signed requests and remembers their nonces.
pub struct RequestAuth {
    prefix: String,
    /// Requests stamped before this (the relayer's start) are refused.
    not_before: u64,
    seen: Mutex<HashMap<(String, String), u64>>,
}

fn well_formed_nonce(n: &str) -> bool {
    (16..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl RequestAuth {
    pub fn new(prefix: &str, started_at: u64) -> Self {
        RequestAuth {
            prefix: prefix.to_string(),
            not_before: started_at,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The caller's address, if the request is signed by it and fresh.
    pub fn check(
        &self,
        h: &AuthHeaders,
        r: &RequestParts<'_>,
        now: u64,
    ) -> Result<String, AuthError> {
        let address = h.address.as_deref().ok_or(AuthError::Missing(H_ADDRESS))?;
        let key = h
            .public_key
            .as_deref()
            .ok_or(AuthError::Missing(H_PUBLIC_KEY))?;
        let ts = h
            .timestamp
            .as_deref()
            .ok_or(AuthError::Missing(H_TIMESTAMP))?;
        let nonce = h.nonce.as_deref().ok_or(AuthError::Missing(H_NONCE))?;
        let sig = h
            .signature
            .as_deref()
            .ok_or(AuthError::Missing(H_SIGNATURE))?;
        // A header is malformed when it is not base64 or not the length its value has: a
        // compressed secp256k1 key (33 bytes) and an `r||s` signature (64).
        let key = Binary::from_base64(key)
            .ok()
            .filter(|k| k.len() == PUBLIC_KEY_LEN)
            .ok_or(AuthError::Malformed(H_PUBLIC_KEY))?;
        let sig = Binary::from_base64(sig)
            .ok()
            .filter(|s| s.len() == SIGNATURE_LEN)
            .ok_or(AuthError::Malformed(H_SIGNATURE))?;
        let ts: u64 = ts.parse().map_err(|_| AuthError::Malformed(H_TIMESTAMP))?;
        if !well_formed_nonce(nonce) {
            return Err(AuthError::Malformed(H_NONCE));
        }
        if ts.abs_diff(now) > MAX_SKEW_SECONDS || ts < self.not_before {
            return Err(AuthError::Stale);
        }
        adr036::verify(address, &self.prefix, &key, &canonical(r, ts, nonce), &sig)?;
        // Only a valid signature may use up a nonce.
        self.remember(address, nonce, now)?;
        Ok(address.to_string())
    }

    fn remember(&self, address: &str, nonce: &str, now: u64) -> Result<(), AuthError> {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() >= MAX_NONCES {
            seen.retain(|_, expires| *expires > now);
            if seen.len() >= MAX_NONCES {
                return Err(AuthError::Busy);
            }
        }
        let key = (address.to_string(), nonce.to_string());
        if seen.get(&key).is_some_and(|expires| *expires > now) {
            return Err(AuthError::Replayed);
        }
        seen.insert(key, now.saturating_add(2 * MAX_SKEW_SECONDS));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_767_225_600;

    struct Caller {
        key: diachain_chain_client::Signer,
        public: String,
        address: String,
    }

    fn caller(seed: u8) -> Caller {
        let key = diachain_chain_client::Signer::from_secret(&[seed; 32], "wasm").unwrap();
        let public = key.public_key().to_bytes();
        let address = adr036::address_of(&public, "wasm").unwrap();
        Caller {
            public: Binary::new(public).to_base64(),
            key,
            address,
        }
    }

    fn req<'a>(body: &'a [u8]) -> RequestParts<'a> {
        RequestParts {
            method: "get",
            path: "/v1/patients/wasm1x/readings",
            query: Some("to=2&from=1"),
            body,
        }
    }

    fn signed(c: &Caller, r: &RequestParts<'_>, ts: u64, nonce: &str) -> AuthHeaders {
        let sig = adr036::sign_with(&c.key, &canonical(r, ts, nonce)).unwrap();
        AuthHeaders {
            address: Some(c.address.clone()),
            public_key: Some(c.public.clone()),
            timestamp: Some(ts.to_string()),
            nonce: Some(nonce.into()),
            signature: Some(Binary::new(sig.to_vec()).to_base64()),
        }
    }

    const NONCE: &str = "n0nce-0000000001";

    #[test]
    fn a_fresh_signed_request_names_its_caller_once() {
        let auth = RequestAuth::new("wasm", NOW - 100);
        let c = caller(3);
        let h = signed(&c, &req(b""), NOW, NONCE);
        assert_eq!(auth.check(&h, &req(b""), NOW).unwrap(), c.address);
        assert_eq!(auth.check(&h, &req(b""), NOW + 1), Err(AuthError::Replayed));
        // The query's order does not matter; its content does.
        let reordered = RequestParts {
            query: Some("from=1&to=2"),
            ..req(b"")
        };
        let h2 = signed(&c, &req(b""), NOW, "n0nce-0000000002");
        auth.check(&h2, &reordered, NOW).unwrap();
    }

    #[test]
    fn an_altered_request_a_wrong_key_or_a_stale_timestamp_is_refused() {
        let auth = RequestAuth::new("wasm", NOW - 100);
        let c = caller(3);
        let h = signed(&c, &req(b"{}"), NOW, NONCE);
        for other in [
            RequestParts {
                body: b"{ }",
                ..req(b"{}")
            },
            RequestParts {
                path: "/v1/patients/wasm1y/readings",
                ..req(b"{}")
            },
            RequestParts {
                query: Some("from=0&to=2"),
                ..req(b"{}")
            },
            RequestParts {
                method: "POST",
                ..req(b"{}")
            },
        ] {
            assert!(matches!(
                auth.check(&h, &other, NOW),
                Err(AuthError::Signature(Adr036Error::Invalid))
            ));
        }
        // Someone else's key claiming this address.
        let mut stolen = h.clone();
        stolen.public_key = Some(caller(4).public);
        assert_eq!(
            auth.check(&stolen, &req(b"{}"), NOW)
                .unwrap_err()
                .code()
                .as_str(),
            "key_not_address"
        );
        // Out of the window, or from before the relayer started.
        assert_eq!(
            auth.check(&h, &req(b"{}"), NOW + MAX_SKEW_SECONDS + 1),
            Err(AuthError::Stale)
        );
        let late_start = RequestAuth::new("wasm", NOW + 1);
        assert_eq!(
            late_start.check(&h, &req(b"{}"), NOW),
            Err(AuthError::Stale)
        );
        // None of the refusals used the nonce up.
        auth.check(&h, &req(b"{}"), NOW).unwrap();
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        let auth = RequestAuth::new("wasm", 0);
        let c = caller(3);
        let h = signed(&c, &req(b""), NOW, NONCE);
        let mut no_sig = h.clone();
        no_sig.signature = None;
        assert_eq!(
            auth.check(&no_sig, &req(b""), NOW),
            Err(AuthError::Missing(H_SIGNATURE))
        );
        let mut short_nonce = h.clone();
        short_nonce.nonce = Some("short".into());
        assert_eq!(
            auth.check(&short_nonce, &req(b""), NOW),
            Err(AuthError::Malformed(H_NONCE))
        );
        let mut bad_ts = h.clone();
        bad_ts.timestamp = Some("17e8".into());
        assert_eq!(
            auth.check(&bad_ts, &req(b""), NOW),
            Err(AuthError::Malformed(H_TIMESTAMP))
        );
        let mut bad_key = h.clone();
        bad_key.public_key = Some("not base64!".into());
        assert_eq!(
            auth.check(&bad_key, &req(b""), NOW),
            Err(AuthError::Malformed(H_PUBLIC_KEY))
        );
    }

    /// A key or signature of the wrong length is a malformed header (`malformed_auth_header`),
    /// as documented, not a signature that fails to verify (`bad_signature`).
    #[test]
    fn a_key_or_signature_of_the_wrong_length_is_a_malformed_header() {
        let auth = RequestAuth::new("wasm", 0);
        let c = caller(3);
        let h = signed(&c, &req(b""), NOW, NONCE);
        let b64 = |b: Vec<u8>| Binary::new(b).to_base64();
        let key = Binary::from_base64(h.public_key.as_deref().unwrap()).unwrap();
        let sig = Binary::from_base64(h.signature.as_deref().unwrap()).unwrap();
        let cases = [
            (H_PUBLIC_KEY, b64(key[..32].to_vec())),
            (H_PUBLIC_KEY, b64([key.to_vec(), vec![0; 32]].concat())),
            (H_PUBLIC_KEY, String::new()),
            (H_SIGNATURE, b64(sig[..63].to_vec())),
            (H_SIGNATURE, b64([sig.to_vec(), vec![1]].concat())),
            (H_SIGNATURE, String::new()),
        ];
        for (header, value) in cases {
            let mut bad = h.clone();
            if header == H_PUBLIC_KEY {
                bad.public_key = Some(value);
            } else {
                bad.signature = Some(value);
            }
            let err = auth.check(&bad, &req(b""), NOW).unwrap_err();
            assert_eq!(err, AuthError::Malformed(header));
            assert_eq!(err.code(), ErrorCode::MalformedAuthHeader);
        }
        // The same headers, well formed, pass: none of the refusals used the nonce up.
        auth.check(&h, &req(b""), NOW).unwrap();
    }
}
