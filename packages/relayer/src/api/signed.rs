//! Reading a signed request: its body (bounded), then the caller's address from the
//! `x-diachain-*` headers (see `auth::request`); 401 with the reason otherwise.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Limited};

use super::reply::ApiError;
use super::DataApi;
use crate::auth::request::{
    AuthHeaders, RequestParts, H_ADDRESS, H_NONCE, H_PUBLIC_KEY, H_SIGNATURE, H_TIMESTAMP,
};

/// A request whose signature checked out.
pub struct Signed {
    pub caller: String,
    pub body: Bytes,
    /// The canonical bytes the caller signed, and their SHA-256.
    pub canonical: Vec<u8>,
    pub digest: [u8; 32],
    /// The caller's public key and signature, as sent (base64).
    pub public_key: String,
    pub signature: String,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub async fn verify(
    data: &DataApi,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Signed, ApiError> {
    let body = match Limited::new(body, data.max_body_bytes).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("The request body exceeds {} bytes.", data.max_body_bytes),
            ))
        }
    };
    let h = AuthHeaders {
        address: header(headers, H_ADDRESS),
        public_key: header(headers, H_PUBLIC_KEY),
        timestamp: header(headers, H_TIMESTAMP),
        nonce: header(headers, H_NONCE),
        signature: header(headers, H_SIGNATURE),
    };
    let parts = RequestParts {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query(),
        body: &body,
    };
    let now = (data.clock)();
    match data.auth.check(&h, &parts, now) {
        Ok(caller) => {
            let ts = h.timestamp.as_deref().unwrap_or_default();
            let ts: u64 = ts.parse().unwrap_or_default();
            let canonical =
                crate::auth::request::canonical(&parts, ts, h.nonce.as_deref().unwrap_or_default());
            Ok(Signed {
                caller,
                digest: diachain_std::crypto::sha256(&canonical),
                canonical,
                public_key: h.public_key.unwrap_or_default(),
                signature: h.signature.unwrap_or_default(),
                body,
            })
        }
        Err(e) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            e.code(),
            e.to_string(),
        )),
    }
}
