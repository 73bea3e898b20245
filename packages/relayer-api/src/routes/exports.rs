//! Research dataset exports (`docs/research-data.md`):
//! - `POST /v1/studies/{study_id}/exports` — the study's sponsor starts one (`ExportRequest`);
//!   202 with its status;
//! - `GET /v1/studies/{study_id}/exports` and `…/exports/{export_id}` — the sponsor follows them;
//! - `GET …/exports/{export_id}/data` — the sponsor downloads the dataset once its manifest is on
//!   chain (CSV or FHIR NDJSON, streamed; `x-diachain-manifest-root` names the root);
//! - `GET …/exports/{export_id}/rowmap` — an auditor whose grants cover participants gets, for
//!   each of their rows, the participant's address and shift and the anchored reading's proof
//!   (NDJSON); each participant so shown is an access recorded on chain;
//! - `GET /v1/datasets/dictionary` — the data dictionary (public).

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use diachain_relayer_core::consent::{AccessRequest, Decision};
use diachain_relayer_core::export::{Export, ExportService, Mapped, Refusal};
use diachain_relayer_core::proof::reading_proof_in;
use diachain_relayer_core::store::OutboxMsg;
use diachain_relayer_types::exports::{ExportRequest, RowMapEntry};
use diachain_relayer_types::ErrorCode;
use diachain_std::union::DatasetFormat;

use crate::reply::{blocking, ApiError};
use crate::signed::{DataRequest, Signed};
use crate::state::{AppState, DataApi};

fn from_refusal(r: Refusal) -> ApiError {
    ApiError::new(r.code, r.message)
}

fn service(data: &DataApi) -> Result<Arc<ExportService>, ApiError> {
    data.exports.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::ExportsDisabled,
            "This relayer has no data-union contract configured ([chain] union_contract), so it \
             exports no study datasets.",
        )
    })
}

fn study_id(req: &DataRequest) -> Result<u64, ApiError> {
    let raw = req.params.get("study_id").cloned().unwrap_or_default();
    raw.parse::<u64>().map_err(|_| {
        ApiError::new(
            ErrorCode::BadQuery,
            format!("{raw:?} is not a study id (a whole number)."),
        )
    })
}

fn export_id(req: &DataRequest) -> String {
    req.params.get("export_id").cloned().unwrap_or_default()
}

/// The signed caller, the service and the study id.
async fn open(
    req: DataRequest,
) -> Result<(Signed, Arc<DataApi>, Arc<ExportService>, u64, String), ApiError> {
    let data = req.data.clone();
    let svc = service(&data)?;
    let study = study_id(&req)?;
    let export = export_id(&req);
    let signed = req.verify_caller().await?;
    Ok((signed, data, svc, study, export))
}

fn answer<T: serde::Serialize>(status: StatusCode, r: Result<T, ApiError>) -> Response {
    match r {
        Ok(v) => (status, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn post_export(State(_app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let r = async {
        let (signed, _data, svc, study, _) = open(req).await?;
        let request: ExportRequest = serde_json::from_slice(&signed.body).map_err(|e| {
            ApiError::new(
                ErrorCode::BadExportRequest,
                format!(
                    "The body must be {{\"format\": \"csv\" | \"fhir_ndjson\", \"shift_times\": \
                     true | false}}: {e}"
                ),
            )
        })?;
        svc.start(&signed.caller, study, request)
            .await
            .map_err(from_refusal)
    }
    .await;
    answer(StatusCode::ACCEPTED, r)
}

/// The export, if the caller is its sponsor.
fn sponsors(
    svc: &ExportService,
    signed: &Signed,
    study: u64,
    id: &str,
) -> Result<Arc<Export>, ApiError> {
    let export = svc.get(study, id).map_err(from_refusal)?;
    if export.sponsor != signed.caller {
        return Err(ApiError::new(
            ErrorCode::NotTheSponsor,
            format!("Only study {study}'s sponsor may follow or download its exports."),
        ));
    }
    Ok(export)
}

pub(super) async fn list_exports(State(_app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let r = async {
        let (signed, _data, svc, study, _) = open(req).await?;
        let all = svc.list(study);
        let mine: Vec<_> = all
            .into_iter()
            .filter_map(|s| svc.get(study, &s.export_id).ok())
            .filter(|e| e.sponsor == signed.caller)
            .map(|e| svc.status(&e))
            .collect();
        Ok::<_, ApiError>(mine)
    }
    .await;
    answer(StatusCode::OK, r)
}

pub(super) async fn get_export(State(_app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let r = async {
        let (signed, _data, svc, study, id) = open(req).await?;
        let export = sponsors(&svc, &signed, study, &id)?;
        Ok::<_, ApiError>(svc.status(&export))
    }
    .await;
    answer(StatusCode::OK, r)
}

/// A sealed file's plaintext as a streamed body.
fn stream_body(mut reader: diachain_relayer_core::export::sealed::SealedReader) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || loop {
        match reader.next_chunk() {
            Ok(Some(chunk)) if chunk.is_empty() => continue,
            Ok(Some(chunk)) => {
                if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                // The body ends with an error: the client sees a broken download, not a short file.
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
                return;
            }
        }
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

pub(super) async fn get_export_data(
    State(_app): State<Arc<AppState>>,
    req: DataRequest,
) -> Response {
    let r = async {
        let (signed, _data, svc, study, id) = open(req).await?;
        let export = sponsors(&svc, &signed, study, &id)?;
        let reader = svc.open_data(&export).map_err(from_refusal)?;
        let status = svc.status(&export);
        let (content_type, ext) = match status.format {
            DatasetFormat::Csv => ("text/csv; charset=utf-8", "csv"),
            DatasetFormat::FhirNdjson => ("application/fhir+ndjson", "ndjson"),
        };
        let root = status
            .manifest
            .as_ref()
            .map(|m| hex::encode(m.root.as_slice()))
            .unwrap_or_default();
        tracing::info!(export = %id, study, "export downloaded by its sponsor");
        Ok::<_, ApiError>(
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, content_type.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"study-{study}-{id}.{ext}\""),
                    ),
                    (
                        header::HeaderName::from_static("x-diachain-manifest-root"),
                        root,
                    ),
                ],
                stream_body(reader),
            )
                .into_response(),
        )
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

/// The participants whose every exported scope the caller's grants cover now, and the
/// accesses to record for them.
async fn covered(
    data: &DataApi,
    caller: &str,
    mapped: Vec<Mapped>,
) -> Result<(Vec<Mapped>, Vec<OutboxMsg>), ApiError> {
    let mut out = Vec::new();
    let mut records = Vec::new();
    for m in mapped.into_iter().filter(|m| m.rows > 0) {
        let mut mine = Vec::new();
        for &scope in &m.scopes {
            let req = AccessRequest {
                patient: m.patient.clone(),
                grantee: caller.to_string(),
                scope,
                data_from: m.from,
                data_to: m.to,
            };
            match data
                .consent
                .check_access(&req)
                .await
                .map_err(|e| ApiError::chain_unavailable(&e))?
            {
                Decision::Allowed {
                    grant_id, at_ns, ..
                } => mine.push(OutboxMsg::Access {
                    patient: m.patient.clone(),
                    grantee: caller.to_string(),
                    scope,
                    data_from: m.from,
                    data_to: m.to,
                    grant_id,
                    served_at_ns: at_ns,
                }),
                Decision::Denied(_) => break,
            }
        }
        if mine.len() == m.scopes.len() {
            records.extend(mine);
            out.push(m);
        }
    }
    Ok((out, records))
}

pub(super) async fn get_row_map(State(_app): State<Arc<AppState>>, req: DataRequest) -> Response {
    let r = async {
        let (signed, data, svc, study, id) = open(req).await?;
        let export = svc.get(study, &id).map_err(from_refusal)?;
        // The row map names the devices behind the rows: it needs the data on chain first.
        let map = svc.open_row_map(&export).and_then(|m| svc.open_data(&export).map(|_| m));
        let map = map.map_err(from_refusal)?;
        let (shown, records) = covered(&data, &signed.caller, export.mapped()).await?;
        if shown.is_empty() {
            return Err(ApiError::new(
                ErrorCode::NoAuditGrant,
                "Your grants cover none of this export's participants (every scope of theirs in \
                 the export, over their whole window).",
            ));
        }
        let outbox = data.outbox.clone();
        let queued_at = data.consent.block_time().await.map_err(|e| ApiError::chain_unavailable(&e))?
            / 1_000_000_000;
        blocking(move || outbox.enqueue(&records, queued_at)).await?;
        tracing::info!(export = %id, study, participants = shown.len(), "row map served to an auditor");
        Ok((data, map, shown))
    }
    .await;
    match r {
        Ok((data, map, shown)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-ndjson")],
            row_map_body(data, map, shown),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The row map's lines for the shown participants, with each row's proof.
fn row_map_body(
    data: Arc<DataApi>,
    mut map: diachain_relayer_core::export::sealed::SealedReader,
    shown: Vec<Mapped>,
) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let fail = |tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>, e: String| {
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        };
        let mut row = 0u64;
        let mut held: HashMap<String, bool> = HashMap::new();
        // A line may run over a chunk's end: the rest waits for the next chunk.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let chunk = match map.next_chunk() {
                Ok(Some(c)) => c,
                Ok(None) => return,
                Err(e) => return fail(&tx, e.to_string()),
            };
            carry.extend_from_slice(&chunk);
            let complete = match carry.iter().rposition(|b| *b == b'\n') {
                Some(end) => carry.drain(..=end).collect::<Vec<u8>>(),
                None => continue,
            };
            let mut out = Vec::new();
            for line in complete.lines() {
                let Ok(line) = line else {
                    return fail(&tx, "the row map is not text".into());
                };
                let this = row;
                row += 1;
                let Some(p) = shown
                    .iter()
                    .find(|m| (m.first_row..m.first_row + m.rows).contains(&this))
                else {
                    continue;
                };
                let Some((device, seq)) = line.split_once(' ') else {
                    return fail(&tx, "a row map line is malformed".into());
                };
                let Ok(seq) = seq.parse::<u64>() else {
                    return fail(&tx, "a row map line is malformed".into());
                };
                let is_held = *held
                    .entry(device.to_string())
                    .or_insert_with(|| (data.relayer_held)(device));
                let proof = match reading_proof_in(data.data.as_ref(), device, seq, is_held) {
                    Ok(p) => p,
                    Err(e) => return fail(&tx, e.to_string()),
                };
                let entry = RowMapEntry {
                    row: this,
                    participant: p.pseudonym.clone(),
                    patient: p.patient.clone(),
                    shift_secs: p.shift_secs,
                    proof,
                };
                if serde_json::to_writer(&mut out, &entry).is_err() {
                    return fail(&tx, "a row map entry cannot be written".into());
                }
                out.push(b'\n');
            }
            if !out.is_empty() && tx.blocking_send(Ok(Bytes::from(out))).is_err() {
                return;
            }
        }
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

pub(super) async fn get_dictionary() -> Response {
    Json(diachain_relayer_types::dataset::Dictionary::v1()).into_response()
}
