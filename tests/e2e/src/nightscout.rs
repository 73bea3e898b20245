//! Nightscout clients for the e2e suites: the unchanged PyPI clients (nightscout-cli,
//! py-nightscout) that scripts/install-tools.sh installs, and AndroidAPS's API v3 calls
//! replayed as it makes them (no published client speaks v3).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

use crate::relayer::{http_with, Relayer};

/// Where scripts/install-tools.sh put the Nightscout clients (scripts/e2e.sh names it).
pub fn clients() -> PathBuf {
    std::env::var_os("DIACHAIN_NIGHTSCOUT_CLIENTS")
        .expect("DIACHAIN_NIGHTSCOUT_CLIENTS names .tools/py/bin (scripts/e2e.sh sets it)")
        .into()
}

/// `nightscout list --count 10` (nightscout-cli from PyPI, unchanged) against the relayer, with
/// `secret` as its API secret (it sends it as given: the SHA-1 hex).
pub fn cli_list(r: &Relayer, secret: &str) -> Output {
    let (host, port) = r.addr.rsplit_once(':').expect("host:port");
    let home = r.dir.join("nightscout-cli-home");
    std::fs::create_dir_all(&home).expect("a home for nightscout-cli");
    Command::new(clients().join("nightscout"))
        .env("HOME", &home)
        .env_remove("NIGHTSCOUT_HOST")
        .env_remove("NIGHTSCOUT_PORT")
        .env_remove("NIGHTSCOUT_API_SECRET")
        .args(["--host", host, "--port", port, "--api-secret", secret])
        .args(["list", "--count", "10"])
        .output()
        .expect("run nightscout-cli")
}

/// Runs one of the py-nightscout scripts in `tests/e2e/clients` against the relayer with
/// `secret`; what it printed, parsed.
pub fn py_nightscout(r: &Relayer, script: &str, secret: &str) -> Value {
    let script = format!("{}/clients/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(clients().join("python"))
        .arg(script)
        .arg(format!("http://{}", r.addr))
        .arg(secret)
        .output()
        .expect("run py-nightscout");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

/// AndroidAPS's API v3 client, replayed: it signs in with an access token and sends `Date`
/// and `Authorization: Bearer <jwt>` with every request (`NSAuthInterceptor.kt`).
pub struct Aaps<'r> {
    r: &'r Relayer,
    jwt: String,
}

impl<'r> Aaps<'r> {
    /// The sign-in as AndroidAPS does it: its first request goes out with an empty bearer and
    /// is refused 401; it then exchanges its access token for a JWT.
    pub fn sign_in(r: &'r Relayer, access_token: &str) -> Aaps<'r> {
        let mut a = Aaps {
            r,
            jwt: String::new(),
        };
        let (code, _) = a.call("GET", "/api/v3/status", None);
        assert_eq!(code, 401, "an empty bearer is refused");
        let (code, text) = http_with(
            &r.addr,
            "GET",
            &format!("/api/v2/authorization/request/{access_token}"),
            &[],
            b"",
        )
        .expect("authorization request");
        assert_eq!(code, 200, "{text}");
        let v: Value = serde_json::from_str(&text).expect("json");
        a.jwt = v["token"].as_str().expect("a token").to_string();
        a
    }

    /// One request; its status and body (JSON, or the text as a string).
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let (code, _, v) = self.call_with_etag(method, path, body);
        (code, v)
    }

    /// The same, with the `ETag` it answered, if any.
    pub fn call_with_etag(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Option<String>, Value) {
        let headers = [
            ("date", (crate::now_unix() * 1000).to_string()),
            ("authorization", format!("Bearer {}", self.jwt)),
        ];
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let (code, head, text) =
            crate::relayer::http_full(&self.r.addr, method, path, &headers, body.as_bytes())
                .expect("v3 request");
        let etag = head.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("etag")
                .then(|| value.trim().to_string())
        });
        (
            code,
            etag,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}
