//! `schema/relayer-api.json` describes the router: every route of `relayer_api::schema::ENDPOINTS`
//! is served (not 404 or 405), and what it answers without a chain (a development registry: the
//! data API and Nightscout are off) is its documented answer or one of its documented refusals.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::send;
use diachain_relayer_api::schema::ENDPOINTS;
use diachain_relayer_testkit::{TestRelayer, PATIENT};
use diachain_relayer_types::ErrorCode;

#[tokio::test]
async fn every_documented_route_is_served_with_a_documented_answer() {
    let r = TestRelayer::new(1 << 20).expect("relayer");
    for e in ENDPOINTS {
        let path = e.path.replace("{patient}", PATIENT);
        let request = Request::builder()
            .method(e.method.to_ascii_uppercase().as_str())
            .uri(&path)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .expect("request");
        let a = send(&r, request).await;
        let status = a.status.as_u16();
        assert!(
            status != 404 && status != 405,
            "{} {path}: {status}",
            e.method
        );
        if a.code().is_empty() {
            assert_eq!(status, e.response.0, "{} {path}: {}", e.method, a.json);
        } else {
            let code: ErrorCode = a.code().parse().expect("a code of the table");
            assert!(
                e.refusals().contains(&code),
                "{} {path}: {code} is not among its documented refusals",
                e.method
            );
        }
    }
}
