//! Sustained ingest over loopback HTTP with real device signatures and the real store.
//!
//! ```sh
//! cargo bench -p diachain-relayer --bench ingest -- [--devices N] [--batches N]
//!     [--connections N] [--algorithm mixed|ed25519|p256] [--stages]
//!     [--database-url URL [--instances N]]
//! ```
//!
//! With `--database-url` (a PostgreSQL server; the bench makes a new database on it) the store
//! is the PostgreSQL one, shared by `--instances` relayers (each its own pipeline, group commit
//! and connection pool, on the same server runtime); connections are spread over them.
//!
//! Devices send hourly batches of 12 CGM readings (5-minute sampling). Every body is built and
//! signed before the clock starts; each connection sends its devices' batches in order, one
//! request at a time (keep-alive). The relayer runs in this process on its own 2-thread tokio
//! runtime, the clients on a 1-thread runtime: both share the machine's cores. Acknowledgement
//! latency is measured by the client (request sent → 201 read), so it includes HTTP and the
//! fsync of the group commit that holds the batch.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use diachain_relayer_api::server;
use diachain_relayer_testkit::http::Client;
use diachain_relayer_testkit::{self as testkit, TestRelayer, DAY0};
use diachain_std::testing::TestKey;
use diachain_std::KeyAlgorithm;
use hyper::body::Bytes;

struct Options {
    devices: usize,
    batches: usize,
    connections: usize,
    algorithm: String,
    database_url: Option<String>,
    instances: usize,
}

fn options() -> Options {
    let mut o = Options {
        devices: 4_000,
        batches: 6,
        connections: 64,
        algorithm: "mixed".into(),
        database_url: None,
        instances: 1,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i + 1 < args.len() {
        let v = &args[i + 1];
        match args[i].as_str() {
            "--devices" => o.devices = v.parse().expect("--devices N"),
            "--batches" => o.batches = v.parse().expect("--batches N"),
            "--connections" => o.connections = v.parse().expect("--connections N"),
            "--algorithm" => o.algorithm = v.clone(),
            "--database-url" => o.database_url = Some(v.clone()),
            "--instances" => o.instances = v.parse().expect("--instances N"),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn key_for(o: &Options, device: usize) -> TestKey {
    let seed = 1 + (device % 200) as u8;
    let p256 = match o.algorithm.as_str() {
        "ed25519" => false,
        "p256" => true,
        _ => device % 2 == 1,
    };
    let algorithm = if p256 {
        KeyAlgorithm::Secp256r1
    } else {
        KeyAlgorithm::Ed25519
    };
    TestKey::new(algorithm, seed)
}

/// A new database on the server of `url`; its URL.
fn fresh_database(url: &str) -> String {
    let mut client =
        postgres::Client::connect(url, postgres::NoTls).expect("connect to PostgreSQL");
    let name = format!(
        "bench_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis()
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create the bench database");
    let (base, _) = url.rsplit_once('/').expect("a URL ending in /database");
    format!("{base}/{name}")
}

/// The relayers under test: one on a fresh redb file, or `--instances` on one new PostgreSQL
/// database.
fn relayers(o: &Options) -> Vec<TestRelayer> {
    use diachain_relayer_core::store::crypto::MasterKey;
    use diachain_relayer_core::store::{PgStore, PgStoreOptions};
    let Some(url) = &o.database_url else {
        return vec![TestRelayer::new(1 << 20).expect("relayer")];
    };
    let url = fresh_database(url);
    let master = MasterKey::generate();
    (0..o.instances.max(1))
        .map(|i| {
            let options = PgStoreOptions {
                instance: format!("bench-{i}"),
                pool_size: 4,
                ..PgStoreOptions::default()
            };
            let store = PgStore::open(&url, &master, options).expect("open the PostgreSQL store");
            TestRelayer::on_store(1 << 20, master.clone(), std::sync::Arc::new(store))
                .expect("relayer")
        })
        .collect()
}

/// Per connection, the bodies it sends, in order.
fn prepare(o: &Options, relayers: &[TestRelayer]) -> Vec<Vec<Bytes>> {
    let mut plans: Vec<Vec<Bytes>> = vec![Vec::new(); o.connections];
    let keys: Vec<TestKey> = (0..o.devices).map(|d| key_for(o, d)).collect();
    for relayer in relayers {
        for (d, key) in keys.iter().enumerate() {
            relayer.register(&format!("cgm-bench-{d:06}"), key);
        }
    }
    for n in 0..o.batches {
        for (d, key) in keys.iter().enumerate() {
            let id = format!("cgm-bench-{d:06}");
            let b = testkit::batch(key, &id, 1 + 12 * n as u64, 12, DAY0 + 3_600 * n as u64);
            plans[d % o.connections].push(Bytes::from(testkit::body(&b)));
        }
    }
    plans
}

async fn drive(addrs: Vec<SocketAddr>, plans: Vec<Vec<Bytes>>) -> (Vec<Duration>, usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for (c, plan) in plans.into_iter().enumerate() {
        let addr = addrs[c % addrs.len()];
        tasks.spawn(async move {
            let mut client = Client::connect(addr).await.expect("connect");
            let mut latencies = Vec::with_capacity(plan.len());
            let mut refused = 0;
            for body in plan {
                let sent = Instant::now();
                let (status, _) = client.post("/v1/batches", body).await.expect("answer");
                latencies.push(sent.elapsed());
                if status != 201 {
                    refused += 1;
                }
            }
            (latencies, refused)
        });
    }
    let mut all = Vec::new();
    let mut refused = 0;
    for (l, r) in tasks.join_all().await {
        all.extend(l);
        refused += r;
    }
    (all, refused)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Where the time goes: each ingest stage run alone on one thread over the same bodies.
fn stages(o: &Options) {
    use diachain_relayer_core::ingest::{checks, device};
    use diachain_relayer_core::store::NewBatch;
    let relayer = relayers(o).remove(0);
    let bodies: Vec<Bytes> = prepare(o, std::slice::from_ref(&relayer))
        .into_iter()
        .flatten()
        .collect();
    let n = bodies.len() as f64;
    let per = |t: Instant| t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let parsed: Vec<checks::Parsed> = bodies
        .iter()
        .map(|b| checks::parse(b).expect("parse"))
        .collect();
    println!("decode JSON:            {:>8.1} µs/batch", per(t));
    let t = Instant::now();
    for p in &parsed {
        checks::check_header(&p.header, DAY0 + 30 * 86_400).expect("header");
        checks::check_readings(&p.header, &p.readings).expect("readings");
    }
    println!("header + readings:      {:>8.1} µs/batch", per(t));
    let t = Instant::now();
    for p in &parsed {
        checks::check_root(&p.header, &p.readings).expect("root");
    }
    println!("leaves + Merkle root:   {:>8.1} µs/batch", per(t));
    let verifier = diachain_relayer_core::ingest::Verifier::default();
    let t = Instant::now();
    for p in &parsed {
        let d: usize = p.header.device_id["cgm-bench-".len()..]
            .parse()
            .expect("bench id");
        let key = key_for(o, d).public_key();
        device::verify(&verifier, &p.header, &testkit::domain(), &key, &p.signature)
            .expect("signature");
    }
    println!("signature ({}):  {:>8.1} µs/batch", o.algorithm, per(t));
    let batches: Vec<NewBatch> = parsed
        .into_iter()
        .map(|p| NewBatch {
            header: p.header,
            signature: p.signature,
            patient: testkit::PATIENT.into(),
            readings: p.readings,
            received_at: DAY0,
            received_at_ms: 0,
            min_interval_seconds: 60,
            backfill: false,
            millis: Vec::new(),
        })
        .collect();
    let t = Instant::now();
    let mut commits = 0;
    let group_size: usize = std::env::var("BENCH_GROUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    for group in batches.chunks(group_size) {
        relayer.store.ingest(group).expect("ingest");
        commits += 1;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "store, groups of {group_size}:   {:>8.1} µs/batch ({commits} commits, {:.1} ms/commit)",
        secs * 1e6 / n,
        secs * 1e3 / f64::from(commits)
    );
}

fn main() {
    let o = options();
    if std::env::args().any(|a| a == "--stages") {
        stages(&o);
        return;
    }
    let relayers = relayers(&o);
    let started = Instant::now();
    let plans = prepare(&o, &relayers);
    let batches: usize = plans.iter().map(Vec::len).sum();
    println!(
        "prepared {batches} signed batches in {:.1?}",
        started.elapsed()
    );

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let mut addrs = Vec::new();
    let mut stops = Vec::new();
    let mut servers = Vec::new();
    for relayer in &relayers {
        let listener = server_rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        addrs.push(listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        let state = relayer.state.clone();
        let writer = relayer.writer.clone();
        servers.push(server_rt.spawn(server::run(listener, state, writer, async {
            let _ = stopped.await;
        })));
    }

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let t0 = Instant::now();
    let (mut latencies, refused) = client_rt.block_on(drive(addrs, plans));
    let elapsed = t0.elapsed();
    for stop in stops {
        let _ = stop.send(());
    }
    for server in servers {
        let _ = server_rt.block_on(server);
    }
    let relayer = &relayers[0];

    latencies.sort();
    let readings = batches * 12;
    println!(
        "algorithm: {}, devices: {}, batches/device: {}, connections: {}, store: {}",
        o.algorithm,
        o.devices,
        o.batches,
        o.connections,
        match &o.database_url {
            None => "redb".to_string(),
            Some(_) => format!("postgres, {} instance(s)", relayers.len()),
        }
    );
    println!(
        "batches: {batches} ({refused} refused), readings: {readings}, elapsed: {elapsed:.2?}"
    );
    println!(
        "throughput: {:.0} readings/s ({:.0} batches/s)",
        readings as f64 / elapsed.as_secs_f64(),
        batches as f64 / elapsed.as_secs_f64()
    );
    println!(
        "ack latency: p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    let stored = diachain_relayer_core::store::AnchoringStore::counts(relayer.store.as_ref())
        .expect("counts");
    println!("stored batches pending anchoring: {}", stored.pending);
    assert_eq!(refused, 0, "every batch is accepted");
    assert_eq!(
        stored.pending as usize, batches,
        "every batch is stored once"
    );
}
