//! The data API's refusals: an HTTP status, a machine-readable code and a sentence, as
//! `{ "error": "<code>", "message": "<sentence>", ...details }`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::store::StoreError;
use crate::wire::ErrorBody;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn chain_unavailable(e: &diachain_chain_client::Error) -> Self {
        tracing::warn!(error = %e, "data API: the chain could not be asked");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "chain_unavailable",
            "The chain could not be asked whether this access is allowed; retry shortly.",
        )
    }

    pub fn store_failed(e: &crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "data API: store failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store_failed",
            "The relayer could not read or write its store.",
        )
    }
}

/// Runs store work off the executor; a store failure becomes 500 `store_failed`.
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
        let body = ErrorBody {
            error: self.code.to_string(),
            message: self.message,
            details: self.details,
        };
        (self.status, Json(body)).into_response()
    }
}
