//! Nightscout API v3 (the subset AndroidAPS's NSClient v3 uses): its query parameters and its
//! reply envelope (cgm-remote-monitor `lib/api3`: `generic/search/input.js`,
//! `shared/operationTools.js`, `generic/collection.js`; AndroidAPS
//! `core/nssdk/.../networking/NightscoutRemoteService.kt`, `remotemodel/*`).
//!
//! Every JSON reply is `{"status": <http code>, "result": …}`; a create answers
//! `{"status": 201, "identifier", "lastModified"}` (200 with `"isDeduplication": true` for a
//! document already kept); an error `{"status", "message"}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::read::{self, EntriesQuery, EntryType};
use crate::reply::ApiError;

/// API v3's version string, as cgm-remote-monitor 15 answers it.
pub const API_VERSION: &str = "3.0.3-alpha";
/// The largest `limit` (cgm-remote-monitor's `API3_MAX_LIMIT`), and the default.
pub const MAX_LIMIT: usize = 1_000;

/// A parsed search: the window and count, and the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    pub q: EntriesQuery,
    pub newest_first: bool,
}

/// Parses a v3 search at `now_ms`: `limit`, `sort` / `sort$desc` (by time, whatever the
/// field), `date`, `created_at` and `mills` filters with `$eq|$gt|$gte|$lt|$lte`
/// (a bare `field=value` is `$eq`), `type` for entries; `token`, `now` and `fields=_all` are
/// taken and ignored. Anything else is refused.
pub fn parse_search(query: &str, now_ms: u64) -> Result<Search, String> {
    let mut v1: Vec<String> = Vec::new();
    let mut newest_first = true;
    let mut sorted = false;
    let mut limit = MAX_LIMIT;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = k.replace("%24", "$");
        match k.as_str() {
            "token" | "now" => {}
            "fields" if v == "_all" => {}
            "limit" => {
                limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| format!("limit {v:?} is not a number in 1..={MAX_LIMIT}"))?;
            }
            "sort" | "sort$desc" => {
                if sorted {
                    return Err("sort and sort$desc cannot be combined".into());
                }
                sorted = true;
                newest_first = k == "sort$desc";
            }
            "skip" if v == "0" => {}
            "type" | "type$eq" => v1.push(format!("find[type]={v}")),
            _ => {
                let (field, op) = k.split_once('$').unwrap_or((k.as_str(), "eq"));
                let field = match field {
                    "date" | "created_at" | "mills" => field,
                    _ => return Err(format!("{k:?} is not a filter this server answers (date, created_at, mills, type; limit, sort, sort$desc; changes are read with /history)")),
                };
                if !matches!(op, "eq" | "gt" | "gte" | "lt" | "lte") {
                    return Err(format!("{k:?}: the operator ${op} is not taken here"));
                }
                v1.push(format!("find[{field}][${op}]={v}"));
            }
        }
    }
    v1.push(format!("count={limit}"));
    let q = read::parse(&v1.join("&"), now_ms, None)?;
    Ok(Search { q, newest_first })
}

/// The entry type a v3 entries search asks for.
pub fn entry_type(search: &Search) -> Option<EntryType> {
    search.q.kind
}

/// `{"status": 200, "result": result}`.
pub fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        Json(json!({"status": 200, "result": result})),
    )
        .into_response()
}

/// A history page: its documents, and `ETag: W/"<last change>"` when it has any (AndroidAPS
/// reads the bookmark of the next page from it).
pub fn history(result: Vec<Value>, last_modified: Option<u64>) -> Response {
    let mut r = ok(Value::Array(result));
    if let Some(last) = last_modified {
        if let Ok(v) = HeaderValue::from_str(&format!("W/\"{last}\"")) {
            r.headers_mut().insert(header::ETAG, v);
        }
    }
    r
}

/// What a create did.
pub enum Created {
    New { identifier: String, modified: u64 },
    Deduplicated { identifier: String, modified: u64 },
}

pub fn created(c: Created) -> Response {
    match c {
        Created::New {
            identifier,
            modified,
        } => (
            StatusCode::CREATED,
            Json(json!({"status": 201, "identifier": identifier, "lastModified": modified})),
        )
            .into_response(),
        Created::Deduplicated {
            identifier,
            modified,
        } => (
            StatusCode::OK,
            Json(
                json!({"status": 200, "identifier": identifier, "lastModified": modified,
                        "isDeduplication": true}),
            ),
        )
            .into_response(),
    }
}

/// An error in v3's shape, with DiaChain's reason code beside Nightscout's fields.
pub fn error(e: ApiError) -> Response {
    let status = e.status();
    let mut body = serde_json::Map::new();
    body.insert("status".into(), json!(status.as_u16()));
    body.insert("message".into(), json!(e.message));
    body.insert("error".into(), json!(e.code.as_str()));
    for (k, v) in e.details {
        body.entry(k).or_insert(v);
    }
    (status, Json(Value::Object(body))).into_response()
}

/// A plain v3 error.
pub fn status(code: StatusCode, message: &str) -> Response {
    (
        code,
        Json(json!({"status": code.as_u16(), "message": message})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_767_225_600_000;

    /// The searches AndroidAPS sends (`NightscoutRemoteService.kt`).
    #[test]
    fn aaps_searches_are_read() {
        let s = parse_search("sort=date&date$gt=1767139200000&limit=500", NOW).unwrap();
        assert_eq!(
            (s.q.count, s.q.from_ms, s.newest_first),
            (500, 1_767_139_200_001, false)
        );
        let s = parse_search("sort$desc=date&type=sgv", NOW).unwrap();
        assert_eq!((s.newest_first, s.q.kind), (true, Some(EntryType::Sgv)));
        assert_eq!(s.q.count, MAX_LIMIT);
        let s = parse_search(
            "sort=created_at&created_at%24gt=2025-12-31T00:00:00.000Z&limit=500",
            NOW,
        )
        .unwrap();
        assert_eq!(s.q.from_ms, 1_767_139_200_001);
        let s = parse_search("sort$desc=date&limit=1", NOW).unwrap();
        assert_eq!(s.q.count, 1);
    }

    #[test]
    fn what_is_not_understood_is_refused() {
        for bad in [
            "limit=0",
            "limit=1001",
            "sort=date&sort$desc=date",
            "sgv$gt=100",
            "srvModified$gt=1",
            "date$re=1",
            "fields=sgv",
            "skip=10",
        ] {
            assert!(parse_search(bad, NOW).is_err(), "{bad}");
        }
    }
}
