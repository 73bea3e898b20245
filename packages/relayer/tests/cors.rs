//! Browser pages on other origins (the web dashboard): the relayer answers preflights and marks
//! answers readable only for the configured origins, and that grants nothing — a data request
//! from an allowed origin still needs its signature.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use common::send;
use diachain_relayer_api::cors::CorsOrigins;
use diachain_relayer_testkit::{TestRelayer, PATIENT};

const DASHBOARD: &str = "http://127.0.0.1:8650";

fn origins(list: &[&str]) -> CorsOrigins {
    CorsOrigins::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
}

fn relayer(list: &[&str]) -> TestRelayer {
    TestRelayer::new(1 << 20).unwrap().with_cors(origins(list))
}

fn preflight(path: &str, origin: &str) -> Request<Body> {
    Request::options(path)
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "x-diachain-signature",
        )
        .body(Body::empty())
        .unwrap()
}

fn get(path: &str, origin: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path);
    if let Some(o) = origin {
        r = r.header(header::ORIGIN, o);
    }
    r.body(Body::empty()).unwrap()
}

fn allowed_origin(a: &common::Answer) -> Option<&str> {
    a.headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn a_preflight_from_a_listed_origin_allows_the_signed_request_headers() {
    let r = relayer(&[DASHBOARD]);
    let path = format!("/v1/patients/{PATIENT}/readings");
    let a = send(&r, preflight(&path, DASHBOARD)).await;
    assert_eq!(a.status, 204);
    assert_eq!(allowed_origin(&a), Some(DASHBOARD));
    let h = |name| a.headers.get(name).unwrap().to_str().unwrap().to_string();
    // The dashboard renames (PATCH) and revokes (DELETE) uploaders.
    assert_eq!(
        h(header::ACCESS_CONTROL_ALLOW_METHODS),
        "GET, POST, PUT, PATCH, DELETE"
    );
    let allowed = h(header::ACCESS_CONTROL_ALLOW_HEADERS);
    for name in [
        "x-diachain-address",
        "x-diachain-pubkey",
        "x-diachain-timestamp",
        "x-diachain-nonce",
        "x-diachain-signature",
        "content-type",
        "api-secret",
    ] {
        assert!(allowed.contains(name), "{name} missing from {allowed}");
    }
    assert_eq!(h(header::VARY), "origin");
}

#[tokio::test]
async fn answers_are_marked_readable_only_for_listed_origins() {
    let r = relayer(&[DASHBOARD]);
    let listed = send(&r, get("/v1/status", Some(DASHBOARD))).await;
    assert_eq!(listed.status, 200);
    assert_eq!(allowed_origin(&listed), Some(DASHBOARD));
    // A dataset's file name and manifest root are readable by the page (the dashboard saves the
    // file under the server's name).
    let exposed = listed
        .headers
        .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    for name in ["content-disposition", "x-diachain-manifest-root"] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed:?}");
    }

    for other in [
        "http://127.0.0.1:8651",
        "https://127.0.0.1:8650",
        "http://evil.example",
    ] {
        let a = send(&r, get("/v1/status", Some(other))).await;
        assert_eq!(a.status, 200, "the request itself is served");
        assert_eq!(allowed_origin(&a), None, "{other} must not be allowed");
        assert!(a
            .headers
            .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
            .is_none());
        let p = send(&r, preflight("/v1/status", other)).await;
        assert_eq!(
            allowed_origin(&p),
            None,
            "{other}'s preflight must not be allowed"
        );
        assert_ne!(p.status, 204);
    }
    let none = send(&r, get("/v1/status", None)).await;
    assert_eq!(allowed_origin(&none), None);
}

#[tokio::test]
async fn by_default_no_origin_is_allowed_and_star_allows_every_origin() {
    let default = TestRelayer::new(1 << 20).unwrap();
    let a = send(&default, get("/v1/status", Some(DASHBOARD))).await;
    assert_eq!(allowed_origin(&a), None);

    let any = relayer(&["*"]);
    let a = send(&any, get("/healthz", Some("http://localhost:5173"))).await;
    assert_eq!(allowed_origin(&a), Some("http://localhost:5173"));
}

#[tokio::test]
async fn an_allowed_origin_grants_nothing_an_unsigned_data_request_is_still_refused() {
    let r = relayer(&["*"]);
    let a = send(
        &r,
        get(&format!("/v1/patients/{PATIENT}/readings"), Some(DASHBOARD)),
    )
    .await;
    assert!(
        a.status == 401 || a.status == 503,
        "unsigned request must be refused, got {} {}",
        a.status,
        a.json
    );
    assert_eq!(
        allowed_origin(&a),
        Some(DASHBOARD),
        "the refusal is readable by the page"
    );
}

#[test]
fn origins_are_star_or_scheme_host_port_and_nothing_else() {
    for good in [
        "*",
        "http://127.0.0.1:8650",
        "https://dashboard.example.org",
        "http://localhost",
        "http://[::1]:8650",
    ] {
        assert!(CorsOrigins::parse(&[good.to_string()]).is_ok(), "{good}");
    }
    for bad in [
        "http://127.0.0.1:8650/",
        "http://127.0.0.1:8650/path",
        "ftp://example.org",
        "127.0.0.1:8650",
        "http://",
        "http://host:",
        "http://host:123456",
        "http://ho st",
        "null",
    ] {
        let err = CorsOrigins::parse(&[bad.to_string()]).unwrap_err();
        assert!(err.to_string().contains(bad), "{err}");
    }
    assert!(CorsOrigins::parse(&[]).unwrap().is_empty());
    assert!(CorsOrigins::parse(&[" ".into()]).unwrap().is_empty());
}
