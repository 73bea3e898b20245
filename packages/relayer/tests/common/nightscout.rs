//! The Nightscout test world: a relayer in process with a consent view, a patient's uploader,
//! signed requests, xDrip+-shaped entries.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_relayer_api::auth::request::{signed_headers, RequestParts};
use diachain_relayer_api::nightscout::uploader::api_secret_header;
use diachain_relayer_testkit::consent::FakeConsent;
use diachain_relayer_testkit::consent::FakeGrant;
use diachain_relayer_testkit::{TestRelayer, DAY0};
use diachain_std::DataScope;
use serde_json::{json, Value};

use super::{send, Answer};

pub const NOW: u64 = DAY0 + 30 * 86_400;

pub struct World {
    pub relayer: TestRelayer,
    pub consent: Arc<FakeConsent>,
    pub n: std::sync::atomic::AtomicU64,
}

pub fn signer(seed: u8) -> Signer {
    Signer::from_secret(&[seed; 32], WASM_PREFIX).unwrap()
}

pub fn world() -> World {
    let consent = Arc::new(FakeConsent::default());
    World {
        relayer: TestRelayer::with_data_api(1 << 20, Arc::new(|| NOW), consent.clone()).unwrap(),
        consent,
        n: Default::default(),
    }
}

/// What an uploader created for a patient gives back.
pub struct Uploader {
    pub device_id: String,
    pub secret: String,
}

impl World {
    pub fn signed(&self, by: &Signer, method: &str, path: &str, body: &[u8]) -> Request<Body> {
        let n = self.n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let nonce = format!("nightscout-nonce-{n:06}");
        super::signed_request(by, method, path, None, body, NOW, &nonce)
    }

    pub async fn create(&self, by: &Signer, patient: &str) -> Answer {
        let path = format!("/v1/patients/{patient}/nightscout/uploaders");
        send(&self.relayer, self.signed(by, "POST", &path, b"")).await
    }

    /// The patient's uploader, created and bound.
    pub async fn uploader(&self, patient: &Signer) -> Uploader {
        let a = self.create(patient, patient.address()).await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.json);
        let device_id = a.json["device_id"].as_str().unwrap().to_string();
        let chain = self.relayer.uploader_chain.as_ref().unwrap();
        let record = self.relayer.registry.get(&device_id).expect("registered");
        chain.bind(&device_id, patient.address(), record.public_key);
        Uploader {
            device_id,
            secret: a.json["api_secret"].as_str().unwrap().to_string(),
        }
    }

    pub async fn post(&self, secret: Option<&str>, body: Vec<u8>) -> Answer {
        self.post_encoded(secret, body, None).await
    }

    pub async fn post_encoded(
        &self,
        secret: Option<&str>,
        body: Vec<u8>,
        encoding: Option<&str>,
    ) -> Answer {
        let mut r = Request::post("/api/v1/entries").header("content-type", "application/json");
        if let Some(e) = encoding {
            r = r.header("content-encoding", e);
        }
        if let Some(s) = secret {
            r = r.header("api-secret", api_secret_header(s));
        }
        send(&self.relayer, r.body(Body::from(body)).unwrap()).await
    }

    /// `POST path` with the uploader secret's SHA-1 as `api-secret`.
    pub async fn post_to(&self, path: &str, secret: &str, body: &Value) -> Answer {
        let r = Request::post(path)
            .header("content-type", "application/json")
            .header("api-secret", api_secret_header(secret));
        send(&self.relayer, r.body(Body::from(body.to_string())).unwrap()).await
    }

    pub fn stored_batches(&self) -> u64 {
        self.relayer.store.counts().unwrap().pending
    }

    pub async fn readings_of(&self, patient: &Signer) -> Value {
        self.readings_in(patient, "glucose").await
    }

    pub async fn readings_in(&self, patient: &Signer, scope: &str) -> Value {
        let path = format!("/v1/patients/{}/readings", patient.address());
        let q = format!("scope={scope}&from={}&to={NOW}", NOW - 20 * 86_400);
        let n = self.n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let parts = RequestParts {
            method: "GET",
            path: &path,
            query: Some(&q),
            body: b"",
        };
        let mut r = Request::get(format!("{path}?{q}"));
        for (k, v) in
            signed_headers(patient, &parts, NOW, &format!("nightscout-nonce-{n:06}")).unwrap()
        {
            r = r.header(k, v);
        }
        send(&self.relayer, r.body(Body::empty()).unwrap())
            .await
            .json
    }
}

/// An xDrip+-shaped entry `minutes` before now.
pub fn sgv(minutes: u64, value: u64, direction: Option<&str>) -> Value {
    let ms = (NOW - minutes * 60) * 1000;
    let mut e = json!({
        "type": "sgv", "sgv": value, "date": ms,
        "dateString": diachain_chain_client::time::rfc3339_ms(ms),
        "sysTime": diachain_chain_client::time::rfc3339_ms(ms),
        "device": "xDrip-DexcomG6", "filtered": 0, "unfiltered": 0, "rssi": 100, "noise": 1,
        "delta": -1.5
    });
    if let Some(d) = direction {
        e["direction"] = json!(d);
    }
    e
}

pub fn body(entries: &[Value]) -> Vec<u8> {
    serde_json::to_vec(entries).unwrap()
}

pub fn header<'a>(a: &'a Answer, name: &str) -> &'a str {
    a.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

impl World {
    pub async fn manage(&self, by: &Signer, method: &str, path: &str, body: &[u8]) -> Answer {
        send(&self.relayer, self.signed(by, method, path, body)).await
    }

    /// A new block: the registry's cached views are read again (as the relayer does on each
    /// block it sees).
    pub fn new_block(&self) {
        self.relayer.cache.on_new_block(0);
    }
}

pub fn uploaders_path(patient: &Signer) -> String {
    format!("/v1/patients/{}/nightscout/uploaders", patient.address())
}

impl World {
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut r = Request::get(path);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        send(&self.relayer, r.body(Body::empty()).unwrap()).await
    }

    /// A grant of glucose from `patient` to `grantee` over `from..=to`.
    pub fn grant(&self, id: u64, patient: &Signer, grantee: &Signer, from: u64, to: u64) {
        self.grant_scopes(id, patient, grantee, (from, to), &[DataScope::Glucose]);
    }

    /// A grant of `scopes` from `patient` to `grantee` over `period`.
    pub fn grant_scopes(
        &self,
        id: u64,
        patient: &Signer,
        grantee: &Signer,
        (from, to): (u64, u64),
        scopes: &[DataScope],
    ) {
        self.consent.grant(FakeGrant {
            id,
            patient: patient.address().to_string(),
            grantee: grantee.address().to_string(),
            scopes: scopes.to_vec(),
            data_from: from,
            data_to: to,
            break_glass: false,
            revoked: false,
            expired: false,
            revoked_by: None,
        });
    }

    pub async fn follow(&self, patient: &Signer, name: &str, grantee: &str) -> Answer {
        let path = format!("/v1/patients/{}/nightscout/followers", patient.address());
        let body = json!({ "name": name, "grantee": grantee }).to_string();
        send(
            &self.relayer,
            self.signed(patient, "POST", &path, body.as_bytes()),
        )
        .await
    }

    pub fn accesses_recorded(&self) -> usize {
        self.relayer.store.outbox(false, 1_000).unwrap().len()
    }
}
