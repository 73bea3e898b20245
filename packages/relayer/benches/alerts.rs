//! Alert latency: from a low reading's acknowledgement (the gateway reads 201) to the alert at a
//! webhook and on the patient's event stream, over loopback HTTP with the real store, the real
//! raiser thread and the real deliverer.
//!
//! ```sh
//! cargo bench -p diachain-relayer --bench alerts -- [--patients N] [--streams S]
//!     [--quiet Q] [--connections C]
//! ```
//!
//! Every patient has one CGM (Ed25519) and one webhook (a receiver on loopback in this
//! process); the first S patients also have an event stream open (a signed request, as the
//! dashboard opens it). Each CGM first sends two in-range readings (10 and 5 minutes ago), then
//! one low (66 mg/dL, a minute ago): one `low` alert per patient. The lows are sent twice over:
//! the first Q one at a time (each waits for its alert: latency without load), the rest all at
//! once over C connections (latency under a burst). The relayer runs on its own 2-thread tokio
//! runtime, the gateways, the receiver and the streams on a 1-thread runtime: both share the
//! machine's cores. A latency below zero is an alert that arrived before its gateway read the
//! 201.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use cosmwasm_std::{Addr, Binary, Timestamp};
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_relayer_api::auth::request::{signed_headers, RequestParts};
use diachain_relayer_api::server;
use diachain_relayer_core::clock::{system_clock, unix_now};
use diachain_relayer_core::store::WebhookRecord;
use diachain_relayer_testkit::consent::FakeConsent;
use diachain_relayer_testkit::http::Client;
use diachain_relayer_testkit::{self as testkit, TestRelayer};
use diachain_relayer_types::alerts::AlertKind;
use diachain_relayer_types::gateway::{signed_request, DeviceKey, HeaderVersion};
use diachain_std::encoding::{ReadingKind, Trend, Unit};
use diachain_std::registry::AnchoringDevice;
use diachain_std::{DeviceKind, KeyAlgorithm, Reading};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

struct Options {
    patients: usize,
    streams: usize,
    quiet: usize,
    connections: usize,
}

fn options() -> Options {
    let mut o = Options {
        patients: 1_000,
        streams: 50,
        quiet: 100,
        connections: 16,
    };
    let args: Vec<String> = std::env::args().collect();
    for w in args.windows(2) {
        let v = &w[1];
        match w[0].as_str() {
            "--patients" => o.patients = v.parse().expect("--patients N"),
            "--streams" => o.streams = v.parse().expect("--streams S"),
            "--quiet" => o.quiet = v.parse().expect("--quiet Q"),
            "--connections" => o.connections = v.parse().expect("--connections C"),
            _ => {}
        }
    }
    o.streams = o.streams.min(o.patients);
    o.quiet = o.quiet.min(o.patients);
    o
}

/// When each patient's low was acknowledged, and when its alert reached the webhook and the
/// stream.
#[derive(Default)]
struct Clock {
    acked: HashMap<String, Instant>,
    webhook: HashMap<String, Instant>,
    stream: HashMap<String, Instant>,
}

type Shared = Arc<Mutex<Clock>>;

struct Patient {
    signer: Signer,
    device: String,
    key: DeviceKey,
}

fn reading(device: &str, seq: u64, at: u64, mgdl: i64) -> Reading {
    let mut salt = [0u8; 16];
    salt[..8].copy_from_slice(&seq.to_be_bytes());
    salt[8..].copy_from_slice(&at.to_be_bytes());
    Reading {
        salt,
        device_id: device.to_string(),
        seq,
        measured_at: at,
        kind: ReadingKind::Glucose,
        unit: Unit::MgPerDl,
        value: mgdl * 1000,
        trend: Trend::Flat,
        flags: 0,
    }
}

fn body(p: &Patient, readings: &[Reading]) -> Bytes {
    let r = signed_request(&p.key, readings, &testkit::domain(), HeaderVersion::V1).expect("sign");
    Bytes::from(serde_json::to_vec(&r).expect("json"))
}

fn patients(o: &Options, relayer: &TestRelayer) -> Vec<Patient> {
    (0..o.patients)
        .map(|i| {
            let mut secret = [7u8; 32];
            secret[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
            let signer = Signer::from_secret(&secret, WASM_PREFIX).expect("signer");
            let key = DeviceKey::from_secret(KeyAlgorithm::Ed25519, &secret).expect("key");
            let device = format!("cgm-alert-{i:06}");
            relayer.registry.put(
                &device,
                AnchoringDevice {
                    kind: DeviceKind::Cgm,
                    owner: Some(Addr::unchecked(signer.address())),
                    owner_since: Timestamp::from_seconds(0),
                    owner_since_height: 1,
                    public_key: key.public_key(),
                    key_since: Timestamp::from_seconds(0),
                    previous_key: None,
                    refuses_from: None,
                    key_holder: None,
                },
            );
            Patient {
                signer,
                device,
                key,
            }
        })
        .collect()
}

/// The webhook receiver: notes when each patient's alert arrived.
async fn receiver(clock: Shared) -> SocketAddr {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |b: axum::body::Bytes| {
            let clock = clock.clone();
            async move {
                let at = Instant::now();
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&b) {
                    let p = v["patient"].as_str().unwrap_or_default().to_string();
                    clock.lock().expect("clock").webhook.entry(p).or_insert(at);
                }
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Opens the patient's event stream (signed, as the dashboard does) and notes each alert.
async fn stream(addr: SocketAddr, p: &Patient, n: usize, clock: Shared) {
    let path = format!("/v1/patients/{}/alerts/stream", p.signer.address());
    let parts = RequestParts {
        method: "GET",
        path: &path,
        query: None,
        body: b"",
    };
    let headers = signed_headers(
        &p.signer,
        &parts,
        unix_now(),
        &format!("alert-bench-stream-{n:08}"),
    )
    .expect("sign");
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut req = hyper::Request::get(&path).header("host", "relayer");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let response = sender
        .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
        .await
        .expect("stream opened");
    if response.status() != 200 {
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        panic!(
            "the stream is refused: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    let patient = p.signer.address().to_string();
    tokio::spawn(async move {
        let mut body = response.into_body();
        let mut buf = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(bytes) = frame.into_data() else {
                continue;
            };
            buf.push_str(&String::from_utf8_lossy(&bytes));
            if buf.contains("event: alert") {
                let at = Instant::now();
                clock
                    .lock()
                    .expect("clock")
                    .stream
                    .entry(patient)
                    .or_insert(at);
                return;
            }
        }
    });
}

async fn send(addr: SocketAddr, bodies: Vec<(String, Bytes)>, clock: Shared) {
    let mut client = Client::connect(addr).await.expect("connect");
    for (patient, b) in bodies {
        let (status, answer) = client.post("/v1/batches", b).await.expect("answer");
        let acked = Instant::now();
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
        clock.lock().expect("clock").acked.insert(patient, acked);
    }
}

async fn wait_for(clock: &Shared, patients: &[String], streams: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        {
            let c = clock.lock().expect("clock");
            let hooks = patients
                .iter()
                .filter(|p| c.webhook.contains_key(*p))
                .count();
            let streamed = patients
                .iter()
                .filter(|p| c.stream.contains_key(*p))
                .count();
            if hooks == patients.len() && streamed >= streams {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "alerts missing after 120 s: {hooks}/{} webhooks, {streamed}/{streams} streams",
                patients.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn report(name: &str, clock: &Clock, patients: &[String], arrivals: &HashMap<String, Instant>) {
    let mut ms: Vec<f64> = patients
        .iter()
        .filter_map(|p| {
            let acked = clock.acked.get(p)?;
            let at = arrivals.get(p)?;
            Some(if at >= acked {
                at.duration_since(*acked).as_secs_f64() * 1e3
            } else {
                -(acked.duration_since(*at).as_secs_f64() * 1e3)
            })
        })
        .collect();
    if ms.is_empty() {
        return;
    }
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{name:<34} n={:<5} p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        ms.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        ms[ms.len() - 1]
    );
}

fn main() {
    let o = options();
    let consent = Arc::new(FakeConsent::default());
    let relayer = TestRelayer::with_data_api(1 << 20, system_clock(), consent).expect("relayer");
    let people = patients(&o, &relayer);
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server_rt.spawn(server::run(
        listener,
        relayer.state.clone(),
        relayer.writer.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let deliverer = {
        let _guard = server_rt.enter();
        relayer.start_deliverer()
    };
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let clock: Shared = Arc::default();
    let now = unix_now();
    client_rt.block_on(async {
        let hook = receiver(clock.clone()).await;
        for p in &people {
            relayer
                .store
                .put_webhook(&WebhookRecord {
                    id: format!("wh-{}", p.device),
                    patient: p.signer.address().to_string(),
                    owner: p.signer.address().to_string(),
                    url: format!("http://{hook}/hook"),
                    kinds: AlertKind::ALL.to_vec(),
                    secret: Binary::new(vec![9; 32]),
                    created_at: now,
                    revoked_at: None,
                    delivered: 0,
                    failed: 0,
                    last_outcome: None,
                    failures_in_a_row: 0,
                })
                .expect("webhook");
        }
        // In range first (not timed).
        let firsts: Vec<(String, Bytes)> = people
            .iter()
            .map(|p| {
                let r = [
                    reading(&p.device, 1, now - 600, 120),
                    reading(&p.device, 2, now - 300, 110),
                ];
                (String::new(), body(p, &r))
            })
            .collect();
        send(addr, firsts, Arc::default()).await;
        for (n, p) in people.iter().take(o.streams).enumerate() {
            stream(addr, p, n, clock.clone()).await;
        }
        let lows: Vec<(String, Bytes)> = people
            .iter()
            .map(|p| {
                let r = [reading(&p.device, 3, now - 60, 66)];
                (p.signer.address().to_string(), body(p, &r))
            })
            .collect();
        let names: Vec<String> = lows.iter().map(|(p, _)| p.clone()).collect();
        // One at a time.
        for (i, low) in lows.iter().take(o.quiet).enumerate() {
            send(addr, vec![low.clone()], clock.clone()).await;
            wait_for(&clock, &names[i..=i], usize::from(i < o.streams)).await;
        }
        // The rest at once.
        let mut plans: Vec<Vec<(String, Bytes)>> = vec![Vec::new(); o.connections];
        for (i, low) in lows.iter().enumerate().skip(o.quiet) {
            plans[i % o.connections].push(low.clone());
        }
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for plan in plans {
            tasks.spawn(send(addr, plan, clock.clone()));
        }
        tasks.join_all().await;
        wait_for(&clock, &names, o.streams).await;
        let burst = o.patients - o.quiet;
        println!(
            "patients: {}, streams: {}, one at a time: {}, burst: {burst} over {} connections ({:.0} lows/s acknowledged)",
            o.patients,
            o.streams,
            o.quiet,
            o.connections,
            burst as f64 / started.elapsed().as_secs_f64()
        );
        let c = clock.lock().expect("clock");
        let (quiet, rest) = names.split_at(o.quiet);
        let streamed = &names[..o.streams];
        let quiet_streamed: Vec<String> = streamed.iter().filter(|p| quiet.contains(p)).cloned().collect();
        let burst_streamed: Vec<String> = streamed.iter().filter(|p| rest.contains(p)).cloned().collect();
        report("ack → webhook, one at a time", &c, quiet, &c.webhook);
        report("ack → event stream, one at a time", &c, &quiet_streamed, &c.stream);
        report("ack → webhook, burst", &c, rest, &c.webhook);
        report("ack → event stream, burst", &c, &burst_streamed, &c.stream);
    });
    let alerts: usize = people
        .iter()
        .map(|p| {
            relayer
                .store
                .alerts(p.signer.address(), 0, 10)
                .expect("alerts")
                .len()
        })
        .sum();
    println!("alerts kept: {alerts} (one per patient: {})", o.patients);
    assert_eq!(alerts, o.patients, "one low alert per patient");
    drop(deliverer);
    let _ = stop.send(());
    let _ = server_rt.block_on(server);
}
