//! Drives the router in process with tower's `oneshot`.
#![allow(dead_code)]

pub mod nightscout;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use diachain_relayer_api::router;
use diachain_relayer_core::store::StateCounts;
use diachain_relayer_testkit::TestRelayer;
use diachain_relayer_types::ErrorCode;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Answer {
    /// The refusal's code (empty for an answer that is not a refusal), checked against the
    /// relayer's table of refusals: every code a test sees is in `ErrorCode`'s table, answered
    /// with the table's status.
    pub fn code(&self) -> &str {
        let code = self.json["error"].as_str().unwrap_or("");
        if !code.is_empty() {
            let in_table: ErrorCode = code
                .parse()
                .unwrap_or_else(|e| panic!("{e}: the answer {}", self.json));
            assert_eq!(
                in_table.status(),
                self.status.as_u16(),
                "{code} is answered with another status than the table's"
            );
        }
        code
    }
}

pub async fn send(relayer: &TestRelayer, request: Request<Body>) -> Answer {
    let response = router(relayer.state.clone())
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        json,
    }
}

pub async fn post(relayer: &TestRelayer, body: Vec<u8>) -> Answer {
    let request = Request::post("/v1/batches")
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(Body::from(body))
        .expect("request");
    send(relayer, request).await
}

pub fn counts(relayer: &TestRelayer) -> StateCounts {
    relayer.store.counts().expect("counts")
}

/// Asserts a refusal: its status, its code, a sentence, and that the store still holds
/// exactly `stored` batches (nothing was half- or newly stored).
pub fn assert_refused(
    relayer: &TestRelayer,
    answer: &Answer,
    status: u16,
    code: &str,
    stored: u64,
) {
    assert_eq!(answer.status.as_u16(), status, "answer: {}", answer.json);
    assert_eq!(answer.code(), code, "answer: {}", answer.json);
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "a refusal carries a sentence"
    );
    assert_eq!(
        counts(relayer).pending,
        stored,
        "the store holds what it held before"
    );
}

/// A request signed by `by` (ADR-036, as a wallet signs) at `at` with `nonce`: `query` (without
/// its `?`) is signed and sent after the path.
pub fn signed_request(
    by: &diachain_chain_client::Signer,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: &[u8],
    at: u64,
    nonce: &str,
) -> Request<Body> {
    use diachain_relayer_api::auth::request::{signed_headers, RequestParts};
    let parts = RequestParts {
        method,
        path,
        query,
        body,
    };
    let uri = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let mut r = Request::builder().method(method).uri(uri);
    for (k, v) in signed_headers(by, &parts, at, nonce).expect("sign") {
        r = r.header(k, v);
    }
    r.body(Body::from(body.to_vec())).expect("request")
}
