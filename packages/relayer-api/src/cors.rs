//! Cross-origin requests from browser frontends (the web dashboard, the TypeScript client in a
//! page): a browser only lets a page on another origin read the relayer's answers, or send the
//! signed-request headers at all, if the relayer names that origin. Origins are listed in
//! `[server] cors_origins` (`--cors-origin`, `DIACHAIN_RELAYER_CORS_ORIGINS`); none by default.
//! Nothing here grants access: every data request is still signed and consent-checked, and no
//! cookies or credentials are involved.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use diachain_relayer_types::request::SIGNED_REQUEST_HEADERS;

/// Headers a page may send: the signed-request headers, Nightscout's secret, JSON bodies.
const ALLOWED_HEADERS: &str = "content-type, api-secret";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE_SECONDS: &str = "600";
/// Answer headers a page may read besides the CORS-safelisted ones: a study dataset's file name
/// and the root of its manifest (`GET /v1/studies/{id}/exports/{export_id}/data`).
const EXPOSED_HEADERS: &str = "content-disposition, x-diachain-manifest-root";

/// An origin that is not `*` or `http(s)://host[:port]`.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error(
    "cors origin {origin:?} is not `*` or `http(s)://host[:port]` (no path, no trailing slash)"
)]
pub struct CorsError {
    pub origin: String,
}

/// The origins whose pages may call the API.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsOrigins {
    any: bool,
    origins: Vec<String>,
}

impl CorsOrigins {
    /// `*` (any origin) or exact origins `http(s)://host[:port]`, without a path or a
    /// trailing slash, as a browser sends them in `Origin`.
    pub fn parse(list: &[String]) -> Result<Self, CorsError> {
        let mut out = CorsOrigins::default();
        for origin in list.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            if origin == "*" {
                out.any = true;
            } else if well_formed(origin) {
                out.origins.push(origin.to_ascii_lowercase());
            } else {
                return Err(CorsError {
                    origin: origin.to_string(),
                });
            }
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        !self.any && self.origins.is_empty()
    }

    fn allows(&self, origin: &str) -> bool {
        self.any || self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

fn well_formed(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    // `[v6 address]` or a name / v4 address, then an optional `:port`.
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, tail))
                if !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') =>
            {
                (h, tail)
            }
            _ => return false,
        },
        None => match rest.find(':') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        },
    };
    let host_ok = rest.starts_with('[')
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
        });
    matches!(scheme, "http" | "https") && host_ok && port_ok
}

fn allowed_headers() -> String {
    SIGNED_REQUEST_HEADERS
        .iter()
        .fold(ALLOWED_HEADERS.to_string(), |acc, h| format!("{acc}, {h}"))
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(header::VARY, HeaderValue::from_static("origin"));
}

/// Answers preflights from allowed origins and marks their requests' answers readable.
/// Requests from other origins (or without one) pass through unchanged: the browser then
/// keeps the answer from the page.
pub async fn cors(
    State(origins): State<std::sync::Arc<CorsOrigins>>,
    req: Request,
    next: Next,
) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .filter(|o| o.to_str().is_ok_and(|o| origins.allows(o)))
        .cloned();
    let Some(origin) = origin else {
        return next.run(req).await;
    };
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        allow(h, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
        );
        if let Ok(v) = HeaderValue::from_str(&allowed_headers()) {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
        }
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE_SECONDS),
        );
        return res;
    }
    let mut res = next.run(req).await;
    allow(res.headers_mut(), origin);
    res.headers_mut().insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
    res
}
