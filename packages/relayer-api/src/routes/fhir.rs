//! `GET /v1/patients/{patient}/fhir/Observation?from=&to=`: the glucose readings of a period
//! as a FHIR R4 `searchset` Bundle (see `fhir`), under the same signature, consent checks and
//! access record as `/readings` (scope `glucose`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use diachain_relayer_types::data::{FhirQuery, ReadingsQuery};
use diachain_relayer_types::ErrorCode;
use diachain_std::DataScope;

use super::data::{check_query, readings};
use crate::reply::ApiError;
use crate::signed::DataRequest;
use crate::state::AppState;

fn parse(uri: &Uri) -> Result<ReadingsQuery, ApiError> {
    let q = Query::<FhirQuery>::try_from_uri(uri).map_err(|e| {
        ApiError::new(
            ErrorCode::BadQuery,
            format!(
                "The query must be from=<unix s>&to=<unix s>: {}",
                e.body_text()
            ),
        )
    })?;
    check_query(ReadingsQuery {
        scope: DataScope::Glucose,
        from: q.0.from,
        to: q.0.to,
    })
}

pub(super) async fn get_observations(
    State(app): State<Arc<AppState>>,
    req: DataRequest,
) -> Response {
    let (data, uri) = (req.data.clone(), req.uri.clone());
    match readings(req, parse).await {
        Ok(served) => {
            app.metrics.served(served.access.basis.as_str());
            let bundle = crate::fhir::bundle(&served, (data.clock)(), &uri.to_string());
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/fhir+json")],
                bundle.to_string(),
            )
                .into_response()
        }
        Err(e) => {
            app.metrics.refused(e.code.as_str());
            e.into_response()
        }
    }
}
