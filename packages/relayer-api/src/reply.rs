//! Refusals as HTTP answers: `{ "error": "<code>", "message": "<sentence>", ...details }` with
//! the status of the code in the relayer's table ([`ErrorCode`]). A handler cannot answer a
//! refusal that is not in the table, nor with another status than the table's.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::ingest::Rejection;
use diachain_relayer_core::store::StoreError;
use diachain_relayer_types::{ErrorBody, ErrorCode};

/// A refusal: its code, a sentence, and details that depend on the code.
#[derive(thiserror::Error, Debug)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// The HTTP status of a code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    pub fn status(&self) -> StatusCode {
        status_of(self.code)
    }

    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn chain_unavailable(e: &diachain_chain_client::Error) -> Self {
        tracing::warn!(error = %e, "data API: the chain could not be asked");
        Self::new(
            ErrorCode::ChainUnavailable,
            "The chain could not be asked whether this access is allowed; retry shortly.",
        )
    }

    pub fn store_failed(e: &StoreError) -> Self {
        if e.is_storage_full() {
            return Self::new(
                ErrorCode::StoreFull,
                "The relayer's disk is full, so nothing was written; what it holds can still be \
                 read. Retry later: writes resume by themselves once space is freed.",
            );
        }
        if e.is_transient() {
            tracing::warn!(error = %e, "store unavailable");
            return Self::new(
                ErrorCode::StoreUnavailable,
                "The relayer's database is unreachable for now; retry shortly.",
            );
        }
        tracing::error!(error = %e, "data API: store failure");
        Self::new(
            ErrorCode::StoreFailed,
            "The relayer could not read or write its store.",
        )
    }

    pub fn data_api_disabled() -> Self {
        Self::new(
            ErrorCode::DataApiDisabled,
            "This relayer runs without a chain (a development registry), so it cannot check \
             consent and serves no data.",
        )
    }
}

impl From<&Rejection> for ApiError {
    fn from(r: &Rejection) -> Self {
        ApiError {
            code: r.code(),
            message: r.message(),
            details: r.details(),
        }
    }
}

/// Runs store work off the executor; a store failure becomes 500 `store_failed` (507
/// `store_full` when the disk is full).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::store_failed(&StoreError::Closed))?
        .map_err(|e| ApiError::store_failed(&e))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: self.code,
            message: self.message,
            details: self.details,
        };
        (status, Json(body)).into_response()
    }
}

/// A handler's answer: 200 with the JSON of what it computed, or its refusal.
pub async fn json_or_refusal<T: serde::Serialize>(
    f: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Response {
    match f.await {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}
