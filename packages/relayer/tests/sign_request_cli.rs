//! `diachain-relayer sign-request` prints headers that the relayer's own check accepts, for
//! exactly the request that was signed.

use std::process::Command;

use diachain_relayer_api::auth::request::{AuthHeaders, RequestAuth, RequestParts};

fn relayer(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_diachain-relayer"))
        .args(args)
        .output()
        .expect("run the binary")
}

#[test]
fn signed_headers_pass_the_relayers_check_for_that_request_only() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("caller.key");
    let key = key.to_str().unwrap();
    assert!(relayer(&["keys", "create", "--out", key]).status.success());
    let body = dir.path().join("body.json");
    std::fs::write(&body, br#"{"scopes":["glucose"]}"#).unwrap();
    let out = relayer(&[
        "sign-request",
        "--key-file",
        key,
        "--method",
        "POST",
        "--path",
        "/v1/export",
        "--query",
        "to=2&from=1",
        "--body-file",
        body.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = |k: &str| h[k].as_str().map(str::to_string);
    let headers = AuthHeaders {
        address: get("x-diachain-address"),
        public_key: get("x-diachain-pubkey"),
        timestamp: get("x-diachain-timestamp"),
        nonce: get("x-diachain-nonce"),
        signature: get("x-diachain-signature"),
    };
    let now: u64 = headers.timestamp.as_deref().unwrap().parse().unwrap();
    let body = std::fs::read(&body).unwrap();
    let request = RequestParts {
        method: "POST",
        path: "/v1/export",
        query: Some("from=1&to=2"),
        body: &body,
    };
    let auth = RequestAuth::new("wasm", now - 10);
    assert_eq!(
        auth.check(&headers, &request, now).unwrap(),
        headers.address.clone().unwrap()
    );
    let other = RequestParts {
        path: "/v1/export/all",
        ..request
    };
    let fresh = RequestAuth::new("wasm", now - 10);
    assert!(fresh.check(&headers, &other, now).is_err());
}
