//! Reading a signed request about a patient (`/v1/patients/{patient}/…`): [`DataRequest`]
//! takes it apart (503 when the data API is off), [`DataRequest::verify`] reads the body
//! (bounded), checks the `x-diachain-*` signature (see `auth::request`; 401 with the reason)
//! and that the patient is an address of this chain (400; one in upper case is lowered).

use std::str::FromStr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use diachain_chain_client::cosmrs::AccountId;
use http_body_util::{BodyExt, Limited};

use diachain_relayer_types::request::{
    canonical, RequestParts, H_ADDRESS, H_NONCE, H_PUBLIC_KEY, H_SIGNATURE, H_TIMESTAMP,
};
use diachain_relayer_types::ErrorCode;

use crate::auth::request::AuthHeaders;
use crate::reply::ApiError;
use crate::state::{AppState, DataApi};

/// A data request as received.
pub struct DataRequest {
    pub data: Arc<DataApi>,
    pub patient: String,
    /// The route's other path parameters (`device_id`, …).
    pub params: std::collections::HashMap<String, String>,
    pub method: Method,
    pub uri: Uri,
    headers: HeaderMap,
    body: Body,
}

impl FromRequest<Arc<AppState>> for DataRequest {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<AppState>) -> Result<Self, Response> {
        let data = app
            .data
            .clone()
            .ok_or_else(|| ApiError::data_api_disabled().into_response())?;
        let (mut parts, body) = req.into_parts();
        let Path(mut params) =
            Path::<std::collections::HashMap<String, String>>::from_request_parts(&mut parts, app)
                .await
                .map_err(IntoResponse::into_response)?;
        let patient = params.remove("patient").unwrap_or_default();
        Ok(DataRequest {
            data,
            patient,
            params,
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
        })
    }
}

impl DataRequest {
    /// The signed request of a route that names no patient (`/v1/studies/…`), once its
    /// signature checks out.
    pub async fn verify_caller(self) -> Result<Signed, ApiError> {
        let mut signed = verify(
            &self.data,
            &self.method,
            &self.uri,
            &self.headers,
            self.body,
        )
        .await?;
        signed.uri = self.uri;
        Ok(signed)
    }

    /// The signed request, once its signature and patient check out.
    pub async fn verify(self) -> Result<Signed, ApiError> {
        let mut signed = verify(
            &self.data,
            &self.method,
            &self.uri,
            &self.headers,
            self.body,
        )
        .await?;
        signed.patient = check_patient(&self.data, &self.patient)?;
        signed.uri = self.uri;
        Ok(signed)
    }
}

/// An account address of this chain in its canonical form (lowercase), or why it is not one.
pub fn canonical_address(data: &DataApi, address: &str) -> Result<String, String> {
    match AccountId::from_str(address.trim()) {
        Ok(a) if a.prefix() == data.prefix => Ok(a.to_string()),
        _ => Err(format!(
            "{address:?} is not an account address of this chain ({}1…).",
            data.prefix
        )),
    }
}

/// The patient's address in its canonical form (bech32 allows an address in upper case, which
/// the contracts refuse: it is lowered); refuses one that is not a bech32 account of this chain
/// (mixed case included).
fn check_patient(data: &DataApi, patient: &str) -> Result<String, ApiError> {
    match AccountId::from_str(patient) {
        Ok(a) if a.prefix() == data.prefix => Ok(a.to_string()),
        _ => Err(ApiError::new(
            ErrorCode::BadPatient,
            format!(
                "{patient:?} is not an account address of this chain ({}1…).",
                data.prefix
            ),
        )),
    }
}

/// A request whose signature checked out.
pub struct Signed {
    /// The patient the request is about, and the request's URI.
    pub patient: String,
    pub uri: Uri,
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

async fn verify(
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
                ErrorCode::BodyTooLarge,
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
            let canonical = canonical(&parts, ts, h.nonce.as_deref().unwrap_or_default());
            Ok(Signed {
                patient: String::new(),
                uri: uri.clone(),
                caller,
                digest: diachain_std::crypto::sha256(&canonical),
                canonical,
                public_key: h.public_key.unwrap_or_default(),
                signature: h.signature.unwrap_or_default(),
                body,
            })
        }
        Err(e) => Err(ApiError::new(e.code(), e.to_string())),
    }
}
