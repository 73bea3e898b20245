//! Research dataset export at scale: a study of P participants with N readings each (default
//! 100 × 10,000 = 1,000,000), stored in the relayer's real store as hourly 12-reading batches
//! (glucose and insulin in turn, 5 minutes apart), all anchored. The sponsor's signed requests
//! go through the relayer's router in this process, as over HTTP: the export is planned
//! (a scripted chain answers the study, the members, their consents and `CheckAccess`), written
//! (rows, root, sealed files), its manifest queued; the download is then streamed and only
//! counted. Measured: rows per second written and downloaded, and the process's resident memory
//! (the peak since the export began, `VmHWM` after `clear_refs`, and the current `VmRSS`).
//!
//! ```sh
//! cargo bench -p diachain-relayer --bench export -- [--participants P] [--readings N]
//!     [--format csv|fhir_ndjson]
//! ```

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use diachain_chain_client::{Signer, WASM_PREFIX};
use diachain_relayer_api::auth::request::{signed_headers, RequestParts};
use diachain_relayer_api::router;
use diachain_relayer_core::store::{IngestOutcome, NewBatch, OutboxState};
use diachain_relayer_testkit::consent::{FakeConsent, FakeGrant};
use diachain_relayer_testkit::studies::{study, FakeStudies};
use diachain_relayer_testkit::{self as testkit, TestRelayer};
use diachain_relayer_types::exports::{ExportPhase, ExportStatus};
use diachain_std::encoding::ReadingKind;
use diachain_std::testing::{signed_batch_v2, TestKey};
use diachain_std::{DataScope, KeyAlgorithm};
use http_body_util::BodyExt;
use tower::ServiceExt;

const DAY: u64 = 86_400;
const STUDY: u64 = 1;
const PER_BATCH: u32 = 12;

struct Options {
    participants: usize,
    readings: u64,
    format: &'static str,
}

fn options() -> Options {
    let mut o = Options {
        participants: 100,
        readings: 10_000,
        format: "csv",
    };
    let args: Vec<String> = std::env::args().collect();
    for w in args.windows(2) {
        let v = &w[1];
        match w[0].as_str() {
            "--participants" => o.participants = v.parse().expect("--participants P"),
            "--readings" => o.readings = v.parse().expect("--readings N"),
            "--format" => {
                o.format = match v.as_str() {
                    "csv" => "csv",
                    "fhir_ndjson" => "fhir_ndjson",
                    _ => panic!("--format csv|fhir_ndjson"),
                }
            }
            _ => {}
        }
    }
    o
}

/// A line of /proc/self/status, in MB.
fn proc_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak resident set size (`VmHWM`) to the current one (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn signed(by: &Signer, method: &str, path: &str, body: &[u8], n: u64, now: u64) -> Request<Body> {
    let parts = RequestParts {
        method,
        path,
        query: None,
        body,
    };
    let mut r = Request::builder().method(method).uri(path);
    for (k, v) in signed_headers(by, &parts, now, &format!("bench-nonce-{n:010}")).expect("sign") {
        r = r.header(k, v);
    }
    r.body(Body::from(body.to_vec())).expect("request")
}

/// Fills the store: each participant's readings as anchored hourly batches.
fn fill(relayer: &TestRelayer, patients: &[Signer], o: &Options, first: u64) {
    let started = Instant::now();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 0x77);
    for (i, p) in patients.iter().enumerate() {
        let device = format!("cgm-bench-{i:05}");
        let mut seq = 1u64;
        let mut pending = Vec::new();
        while seq <= o.readings {
            let count = PER_BATCH.min(u32::try_from(o.readings - seq + 1).unwrap_or(PER_BATCH));
            let b = signed_batch_v2(
                &key,
                &device,
                seq,
                count,
                first + (seq - 1) * 300,
                300,
                &testkit::domain(),
                &[ReadingKind::Glucose, ReadingKind::InsulinBolus],
            );
            pending.push(NewBatch {
                header: b.header,
                signature: b.signature.as_slice().try_into().expect("signature"),
                patient: p.address().to_string(),
                readings: b.readings,
                received_at: first,
                received_at_ms: first * 1000,
                min_interval_seconds: 0,
                backfill: false,
                millis: Vec::new(),
            });
            seq += u64::from(count);
            if pending.len() == 200 || seq > o.readings {
                let ids: Vec<_> = relayer
                    .store
                    .ingest(&pending)
                    .expect("ingest")
                    .into_iter()
                    .map(|out| match out {
                        IngestOutcome::Stored(b) => b.id,
                        other => panic!("not stored: {other:?}"),
                    })
                    .collect();
                relayer
                    .store
                    .mark_anchored(&ids, "BENCHTX", 9)
                    .expect("anchor");
                pending.clear();
            }
        }
    }
    eprintln!(
        "stored {} readings of {} participants in {:.1} s",
        o.readings * patients.len() as u64,
        patients.len(),
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let o = options();
    let now = diachain_relayer_core::clock::unix_now();
    let days = (o.readings * 300).div_ceil(DAY) + 1;
    let first_day = now / DAY - days - 1;
    let first = first_day * DAY + 600;
    let consent = Arc::new(FakeConsent::default());
    consent
        .block_time
        .store(now * 1_000_000_000, Ordering::SeqCst);
    let studies = Arc::new(FakeStudies::default());
    let relayer = TestRelayer::with_data_api(1 << 20, Arc::new(move || now), consent.clone())
        .expect("relayer")
        .with_exports(studies.clone());
    let sponsor = Signer::from_secret(&[9; 32], WASM_PREFIX).expect("sponsor");
    studies.add_study(study(
        STUDY,
        sponsor.address(),
        &[DataScope::Glucose, DataScope::Insulin],
        first_day,
        first_day + days,
    ));
    let patients: Vec<Signer> = (0..o.participants)
        .map(|i| {
            let mut secret = [3u8; 32];
            secret[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
            Signer::from_secret(&secret, WASM_PREFIX).expect("signer")
        })
        .collect();
    let (from, to) = (first_day * DAY, (first_day + days + 1) * DAY - 1);
    for (i, p) in patients.iter().enumerate() {
        let grant = i as u64 + 1;
        studies.join(
            STUDY,
            p.address(),
            grant,
            &[DataScope::Glucose, DataScope::Insulin],
            from,
            to,
            None,
            true,
        );
        consent.grant(FakeGrant {
            id: grant,
            patient: p.address().to_string(),
            grantee: sponsor.address().to_string(),
            scopes: vec![DataScope::Glucose, DataScope::Insulin],
            data_from: from,
            data_to: to,
            break_glass: false,
            revoked: false,
            expired: false,
            revoked_by: None,
        });
    }
    fill(&relayer, &patients, &o, first);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let app = router(relayer.state.clone());
        let mut n = 0u64;
        let mut call = |method: &'static str, path: String, body: Vec<u8>| {
            n += 1;
            let req = signed(&sponsor, method, &path, &body, n, now);
            let app = app.clone();
            async move { app.oneshot(req).await.expect("answer") }
        };
        reset_peak();
        let rss_before = proc_mb("VmRSS:");
        let started = Instant::now();
        let body = format!("{{\"format\":\"{}\"}}", o.format).into_bytes();
        let r = call("POST", format!("/v1/studies/{STUDY}/exports"), body).await;
        assert_eq!(r.status().as_u16(), 202);
        let bytes = r.into_body().collect().await.expect("body").to_bytes();
        let s: ExportStatus = serde_json::from_slice(&bytes).expect("status");
        let id = s.export_id;
        let status_path = format!("/v1/studies/{STUDY}/exports/{id}");
        let mut peak_sampled = rss_before;
        let status = loop {
            let r = call("GET", status_path.clone(), Vec::new()).await;
            let bytes = r.into_body().collect().await.expect("body").to_bytes();
            let s: ExportStatus = serde_json::from_slice(&bytes).expect("status");
            peak_sampled = peak_sampled.max(proc_mb("VmRSS:"));
            match s.phase {
                ExportPhase::Recording | ExportPhase::Ready => break s,
                ExportPhase::Failed => panic!("the export failed: {:?}", s.error),
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        let written = started.elapsed().as_secs_f64();
        let ids: Vec<u64> = relayer
            .store
            .outbox(false, 1_000_000)
            .expect("outbox")
            .into_iter()
            .map(|i| i.id)
            .collect();
        relayer
            .store
            .set_outbox_state(&ids, &OutboxState::Recorded { tx_hash: "BENCHREC".into(), height: 10 })
            .expect("record");
        let download = Instant::now();
        let r = call("GET", format!("{status_path}/data"), Vec::new()).await;
        assert_eq!(r.status().as_u16(), 200);
        let mut body = r.into_body();
        let (mut bytes, mut lines) = (0u64, 0u64);
        while let Some(frame) = body.frame().await {
            let frame = frame.expect("frame");
            if let Some(data) = frame.data_ref() {
                bytes += data.len() as u64;
                lines += data.iter().filter(|b| **b == b'\n').count() as u64;
            }
        }
        let downloaded = download.elapsed().as_secs_f64();
        peak_sampled = peak_sampled.max(proc_mb("VmRSS:"));
        let header = u64::from(o.format == "csv");
        assert_eq!(lines - header, status.rows, "every row downloaded");
        println!(
            "export of {} rows ({} participants, {}): planned and written in {:.1} s ({:.0} rows/s), \
             downloaded {:.1} MB in {:.1} s ({:.0} rows/s, {:.1} MB/s); resident memory: {:.0} MB \
             before, peak {:.0} MB (VmHWM since the export began; sampled peak {:.0} MB), {:.0} MB \
             after",
            status.rows,
            status.participants,
            o.format,
            written,
            status.rows as f64 / written,
            bytes as f64 / 1e6,
            downloaded,
            status.rows as f64 / downloaded,
            bytes as f64 / 1e6 / downloaded,
            rss_before,
            proc_mb("VmHWM:"),
            peak_sampled,
            proc_mb("VmRSS:"),
        );
    });
}
