//! Refusals as HTTP answers: a status per reason and the JSON body
//! `{ "error": "<code>", "message": "<sentence>", ...details }`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::ingest::Rejection;
use crate::wire::ErrorBody;

/// The HTTP status of each refusal.
pub fn status_of(r: &Rejection) -> StatusCode {
    use Rejection::*;
    match r {
        BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        BadEncoding { .. } => StatusCode::BAD_REQUEST,
        BatchSize { .. }
        | CountMismatch { .. }
        | TimesInverted { .. }
        | CrossesMidnight
        | SeqOutOfRange { .. }
        | TooDense { .. }
        | TooSoonAfterLast { .. }
        | FutureReading { .. }
        | ReadingsMismatch { .. }
        | RootMismatch { .. }
        | DayBackwards { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        UnknownDevice
        | DeviceNotBound
        | MeasuredBeforeOwner { .. }
        | DeviceRevoked { .. }
        | InvalidSignature => StatusCode::FORBIDDEN,
        Overlap { .. } | BehindHead { .. } => StatusCode::CONFLICT,
        RegistryUnavailable { .. } | ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        StoreFailed => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub(super) fn rejection_response(r: &Rejection) -> Response {
    let body = ErrorBody {
        error: r.code().to_string(),
        message: r.message(),
        details: r.details(),
    };
    (status_of(r), Json(body)).into_response()
}
