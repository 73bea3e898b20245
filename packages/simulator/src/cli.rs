//! `diachain-simulate`: set up devices on chain, then stream batches to a relayer and print a
//! JSON summary (see the crate's docs and `docs/simulate-and-verify.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use diachain_chain_client::{ChainClient, ClientConfig, Signer, TxSender, WASM_PREFIX};
use diachain_relayer_types::gateway::HeaderVersion;
use diachain_std::anchors::{
    default_min_interval_seconds, scope_min_interval_seconds, ConfigResponse,
    QueryMsg as AnchorsQuery, MAX_READINGS_PER_BATCH,
};
use diachain_std::{DataScope, DeviceKind};

use crate::chain::{Setup, SetupReport};
use crate::fleet::{kind_name, people, AlgorithmShares, ProfileShares, Role, SimDevice, SimPerson};
use crate::state::SimState;
use crate::stream::{stream, PersonStreamer, StreamConfig, Streamer};
use crate::summary::{Summary, Tally};
use crate::SimError;

/// Gateway simulator for a local network: registers devices with keys derived from --seed (as
/// the manufacturer), binds them to a patient, then streams device-signed batches of CGM
/// readings in real time to a relayer's POST /v1/batches until --duration-secs, --batches or
/// SIGINT/SIGTERM, and prints a JSON summary. Each glucose device is a simulated person with
/// type 1 diabetes; --pump-share and --pen-share give some of them a pump, or a pen and an app,
/// that stream the insulin and carbohydrates the person's model applied.
#[derive(Parser, Debug)]
#[command(name = "diachain-simulate", version, about, long_about)]
pub struct SimulateArgs {
    /// Log filter on stderr, e.g. info or diachain_simulate=debug [default: info]
    #[arg(long = "log-level", env = "DIACHAIN_SIMULATE_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// The relayer's base URL (plain HTTP)
    #[arg(long, default_value = "http://127.0.0.1:8640")]
    pub relayer: String,
    /// CometBFT RPC URL of a node of the chain (e.g. http://127.0.0.1:26657)
    #[arg(long = "node", visible_alias = "rpc", env = "DIACHAIN_NODE")]
    pub node: String,
    /// The chain id the node must serve (default: the node's); part of every signature domain
    #[arg(long = "chain-id")]
    pub chain_id: Option<String>,
    /// A deployment file (deployments/<chain-id>.json) naming the device-registry and
    /// reading-anchors contracts
    #[arg(long)]
    pub deployment: Option<PathBuf>,
    /// The device-registry contract (overrides --deployment)
    #[arg(long)]
    pub registry_contract: Option<String>,
    /// The reading-anchors contract, the batches' signature domain (overrides --deployment)
    #[arg(long)]
    pub anchors_contract: Option<String>,
    /// Gas price of the setup transactions
    #[arg(long, env = "DIACHAIN_GAS_PRICE", default_value = "0.025udia")]
    pub gas_price: String,
    /// The admitted manufacturer's mnemonic: a plain file or a `wasmd keys add --output json`
    /// file (.chain/<id>/logs/key-manufacturer.json)
    #[arg(long, required_unless_present = "manufacturer_key_file")]
    pub manufacturer_mnemonic_file: Option<PathBuf>,
    /// The manufacturer's raw secp256k1 key file (64 hex digits), instead of a mnemonic
    #[arg(long, conflicts_with = "manufacturer_mnemonic_file")]
    pub manufacturer_key_file: Option<PathBuf>,
    /// The patient's mnemonic (plain or keyring JSON, e.g. .chain/<id>/logs/key-patient.json)
    #[arg(long, required_unless_present = "patient_key_file")]
    pub patient_mnemonic_file: Option<PathBuf>,
    /// The patient's raw secp256k1 key file, instead of a mnemonic
    #[arg(long, conflicts_with = "patient_mnemonic_file")]
    pub patient_key_file: Option<PathBuf>,
    /// Seed of the device ids and keys: the same seed finds the same devices again
    #[arg(long, default_value = "diachain-sim")]
    pub seed: String,
    /// How many glucose devices, one per simulated person (their pumps, pens and apps come on
    /// top)
    #[arg(long, default_value_t = 10)]
    pub devices: u32,
    /// Kind of the glucose devices: cgm, pump, pen, meter, wearable or gateway (their readings
    /// are glucose)
    #[arg(long, default_value = "cgm", value_parser = parse_kind)]
    pub kind: DeviceKind,
    /// Share of people on an insulin pump (a device of kind pump logging boluses, basal rates,
    /// temporary rates and the carbohydrates of its bolus calculator); drawn per person from the
    /// seed (keep it across reruns of a seed)
    #[arg(long, default_value_t = 0.0)]
    pub pump_share: f64,
    /// Share of people on injections with a connected pen (kind pen: boluses and long-acting
    /// doses) and a phone app (kind gateway: carbohydrates); the rest have their CGM only
    #[arg(long, default_value_t = 0.0)]
    pub pen_share: f64,
    /// A pump, pen or app posts the readings it holds once the first is this many seconds old
    /// (and at the end of the run)
    #[arg(long, default_value_t = 300)]
    pub event_batch_secs: u64,
    /// Model name registered for the devices
    #[arg(long, default_value = "diachain-sim-1")]
    pub model: String,
    /// Share of devices with P-256 keys (keep it across reruns of a seed)
    #[arg(long, default_value_t = 0.5)]
    pub p256_share: f64,
    /// Share of devices with secp256k1 keys; the rest are Ed25519
    #[arg(long, default_value_t = 0.0)]
    pub secp256k1_share: f64,
    /// Seconds between two readings of a device [default: the shortest the chain allows: the
    /// kind's minimum interval in force and, with version 2 headers, glucose's minute]; never
    /// below it
    #[arg(long)]
    pub interval_secs: Option<u64>,
    /// Batch header version of the glucose devices: 2 lists the readings' scope (glucose counts
    /// as glucose, at most one a minute); 1 counts them under the kind's scope at the kind's rate
    /// (e.g. for a throughput run of gateways at 1 s). Pumps, pens and apps sign version 2
    /// (their readings are a minute apart at least)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub header_version: u8,
    /// Readings per batch (a batch is also cut at midnight UTC)
    #[arg(long, default_value_t = 12)]
    pub batch_readings: usize,
    /// Stop after this many seconds of streaming
    #[arg(long)]
    pub duration_secs: Option<u64>,
    /// Stop after this many batches (all devices together)
    #[arg(long)]
    pub batches: Option<u64>,
    /// State file: each device's next seq and last reading time, for reruns
    #[arg(long, default_value = "simulate-state.json")]
    pub state: PathBuf,
    /// Append a JSON line per batch the relayer acknowledged (201) to this file: device,
    /// first_seq, last_seq, readings, replayed (fault tests compare it with the store and the
    /// chain)
    #[arg(long)]
    pub acks: Option<PathBuf>,
    /// Devices per RegisterDevices message (at most 200)
    #[arg(long, default_value_t = 50)]
    pub register_chunk: usize,
    /// BindDevice messages per transaction
    #[arg(long, default_value_t = 20)]
    pub bind_chunk: usize,
    /// Write the devices' registry view (a JSON map of id to AnchoringDevice) for
    /// `serve --registry-file`
    #[arg(long)]
    pub write_registry: Option<PathBuf>,
    /// Register and bind, then stop without streaming
    #[arg(long)]
    pub setup_only: bool,
}

/// Runs the simulator on its own runtime; the summary is printed as JSON on stdout.
pub fn run(args: SimulateArgs) -> Result<Summary, SimError> {
    init_logging(args.log_level.as_deref());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| SimError::Connect {
            addr: "the runtime".into(),
            source,
        })?;
    runtime.block_on(simulate(args))
}

/// Logs on stderr (text; colours only on a terminal).
fn init_logging(level: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_new(level.unwrap_or("info"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

async fn simulate(args: SimulateArgs) -> Result<Summary, SimError> {
    let started = Instant::now();
    check_args(&args)?;
    let (registry, anchors) = contracts(&args)?;
    let mut config = ClientConfig::new(&args.node, &args.gas_price)?;
    if let Some(id) = &args.chain_id {
        config = config.with_chain_id(id);
    }
    let client = ChainClient::connect(config).await?;
    let manufacturer = signer(
        &args.manufacturer_mnemonic_file,
        &args.manufacturer_key_file,
    )?;
    let patient = signer(&args.patient_mnemonic_file, &args.patient_key_file)?;
    let version = header_version(args.header_version);
    let limits: ConfigResponse = client
        .smart_query(&anchors, &AnchorsQuery::Config {})
        .await?;
    let interval = pick_interval(
        kind_minimum(&limits, args.kind),
        version,
        args.interval_secs,
    )?;
    let shares = AlgorithmShares::new(args.p256_share, args.secp256k1_share)?;
    let profiles = ProfileShares::new(args.pump_share, args.pen_share)?;
    let persons = people(&args.seed, args.kind, args.devices, shares, profiles)?;
    check_logging_kinds(&limits, &persons)?;
    let devices: Vec<&SimDevice> = persons
        .iter()
        .flat_map(|p| p.devices().map(|(_, d)| d))
        .collect();
    let count = devices.len();
    let (manufacturer, patient) = (
        TxSender::new(client.clone(), manufacturer),
        TxSender::new(client.clone(), patient),
    );
    let setup = Setup {
        client: &client,
        registry: &registry,
        manufacturer: &manufacturer,
        patient: &patient,
        model: &args.model,
        register_chunk: args.register_chunk,
        bind_chunk: args.bind_chunk,
    };
    let report = setup.run(&devices).await?;
    if let Some(path) = &args.write_registry {
        let ids: Vec<String> = report.ready.keys().cloned().collect();
        write_json(path, &setup.anchoring_view(&ids).await?)?;
    }
    let mut profile_counts = BTreeMap::new();
    for p in &persons {
        *profile_counts
            .entry(p.profile.name().to_string())
            .or_default() += 1;
    }
    let streamers = ready_people(persons, &report);
    let streaming = streamers.iter().map(|p| p.devices.len()).sum();
    let tally = if args.setup_only || streamers.is_empty() {
        Tally::default()
    } else {
        let cfg = StreamConfig {
            relayer_url: args.relayer.clone(),
            chain_id: client.chain_id().to_string(),
            anchors,
            seed: args.seed.clone(),
            interval,
            header_version: version,
            batch_readings: args.batch_readings,
            event_batch_secs: args.event_batch_secs,
            max_batches: args.batches,
            duration: args.duration_secs.map(Duration::from_secs),
            state_path: Some(args.state.clone()),
            acks_path: args.acks.clone(),
            clock_offset: clock_offset(&client).await?,
        };
        stream(streamers, cfg, SimState::load(&args.state)?)
            .await?
            .0
    };
    Ok(summary(
        profile_counts,
        count,
        streaming,
        report,
        &tally,
        started,
    ))
}

/// The people with the devices of theirs that can stream (bound to the patient, active); a
/// person none of whose devices can is left out.
fn ready_people(persons: Vec<SimPerson>, report: &SetupReport) -> Vec<PersonStreamer> {
    persons
        .into_iter()
        .filter_map(|p| {
            let glucose_id = p.glucose.id.clone();
            let profile = p.profile;
            let devices: Vec<_> = std::iter::once((Role::Glucose, p.glucose))
                .chain(p.companions)
                .filter_map(|(role, device)| {
                    let bind_time = *report.ready.get(&device.id)?;
                    Some((role, Streamer { device, bind_time }))
                })
                .collect();
            (!devices.is_empty()).then_some(PersonStreamer {
                glucose_id,
                profile,
                devices,
            })
        })
        .collect()
}

fn summary(
    people: BTreeMap<String, usize>,
    devices: usize,
    streaming: usize,
    report: SetupReport,
    t: &Tally,
    started: Instant,
) -> Summary {
    Summary {
        people,
        devices,
        registered: report.registered,
        bound: report.bound,
        streaming,
        skipped: report.skipped,
        batches_posted: t.posted,
        batches_accepted: t.accepted,
        batches_replayed: t.replayed,
        readings_accepted: t.readings_accepted,
        readings_by_kind: t.kinds.clone(),
        rejected: t.rejected.clone(),
        transport_errors: t.transport_errors,
        renumbered: t.renumbered,
        ack_latency_ms: t.latency_ms(),
        elapsed_secs: started.elapsed().as_secs_f64(),
    }
}

fn check_args(args: &SimulateArgs) -> Result<(), SimError> {
    let max = usize::try_from(MAX_READINGS_PER_BATCH).unwrap_or(usize::MAX);
    if args.batch_readings == 0 || args.batch_readings > max {
        return Err(SimError::Invalid(format!(
            "--batch-readings must be within 1..={max}"
        )));
    }
    if args.devices == 0 {
        return Err(SimError::Invalid("--devices must be at least 1".into()));
    }
    Ok(())
}

/// The registry and anchors contracts, from flags or the deployment file.
fn contracts(args: &SimulateArgs) -> Result<(String, String), SimError> {
    let deployed = match &args.deployment {
        Some(path) => deployment(path)?,
        None => BTreeMap::new(),
    };
    let pick = |flag: &Option<String>, name: &str| {
        flag.clone()
            .or_else(|| deployed.get(name).cloned())
            .ok_or_else(|| {
                SimError::Invalid(format!(
                    "the {name} contract: set --{name}-contract or --deployment"
                ))
            })
    };
    Ok((
        pick(&args.registry_contract, "registry")?,
        pick(&args.anchors_contract, "anchors")?,
    ))
}

/// `registry` and `anchors` addresses of a deployment file.
fn deployment(path: &Path) -> Result<BTreeMap<String, String>, SimError> {
    let bad = |reason: String| SimError::Invalid(format!("{}: {reason}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let mut out = BTreeMap::new();
    for (name, key) in [
        ("registry", "device-registry"),
        ("anchors", "reading-anchors"),
    ] {
        if let Some(a) = v["contracts"][key]["address"].as_str() {
            out.insert(name.to_string(), a.to_string());
        }
    }
    Ok(out)
}

/// A signer from a mnemonic file (plain, or JSON with a `mnemonic` field) or a raw key file.
fn signer(mnemonic: &Option<PathBuf>, key: &Option<PathBuf>) -> Result<Signer, SimError> {
    if let Some(path) = key {
        return Ok(Signer::from_key_file(path, WASM_PREFIX)?);
    }
    let path = mnemonic
        .as_ref()
        .ok_or_else(|| SimError::Invalid("a mnemonic file or key file is required".into()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| SimError::Invalid(format!("{}: {e}", path.display())))?;
    let phrase = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("mnemonic")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or(text);
    Ok(Signer::from_mnemonic(&phrase, WASM_PREFIX)?)
}

fn header_version(flag: u8) -> HeaderVersion {
    if flag == 1 {
        HeaderVersion::V1
    } else {
        HeaderVersion::V2
    }
}

/// The minimum interval in force on chain for `kind`.
fn kind_minimum(config: &ConfigResponse, kind: DeviceKind) -> u64 {
    u64::from(
        config
            .sampling_limits
            .iter()
            .find(|l| l.kind == kind)
            .map_or(default_min_interval_seconds(kind), |l| {
                l.min_interval_seconds
            }),
    )
}

/// A pump, pen or app logs a reading a minute at most: the chain must allow its kind that.
fn check_logging_kinds(config: &ConfigResponse, persons: &[SimPerson]) -> Result<(), SimError> {
    for p in persons {
        for (role, d) in p.devices() {
            if role == Role::Glucose {
                continue;
            }
            let minimum = kind_minimum(config, d.kind);
            if minimum > 60 {
                return Err(SimError::Invalid(format!(
                    "the chain spaces {} readings {minimum} s apart; simulated pumps, pens and apps log up to one a minute (set --pump-share and --pen-share to 0)",
                    kind_name(d.kind)
                )));
            }
        }
    }
    Ok(())
}

/// `requested`, or the floor: the kind's minimum and, for version 2, glucose's.
fn pick_interval(
    kind_minimum: u64,
    version: HeaderVersion,
    requested: Option<u64>,
) -> Result<u64, SimError> {
    let (minimum, what) = match version {
        HeaderVersion::V1 => (kind_minimum, "this kind"),
        HeaderVersion::V2 => {
            let glucose = u64::from(scope_min_interval_seconds(DataScope::Glucose));
            if glucose > kind_minimum {
                (
                    glucose,
                    "glucose in version 2 headers (or --header-version 1)",
                )
            } else {
                (kind_minimum, "this kind")
            }
        }
    };
    match requested {
        Some(s) if s < minimum => Err(SimError::Invalid(format!(
            "--interval-secs {s} is below the minimum interval of {minimum} s the chain enforces for {what}"
        ))),
        Some(s) => Ok(s),
        None => Ok(minimum),
    }
}

fn parse_kind(s: &str) -> Result<DeviceKind, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| format!("unknown device kind {s}: cgm, pump, pen, meter, wearable or gateway"))
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), SimError> {
    let text = serde_json::to_vec_pretty(value).map_err(|e| SimError::Invalid(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| SimError::Invalid(format!("{}: {e}", path.display())))
}

/// Seconds the chain's latest block time runs ahead of this machine's clock.
async fn clock_offset(client: &ChainClient) -> Result<i64, diachain_chain_client::Error> {
    let block = client.status().await?.latest_block_unix;
    let now = i64::try_from(crate::unix_now()).unwrap_or(i64::MAX);
    Ok(block.saturating_sub(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_keeps_the_kinds_minimum_and_with_version_2_glucoses_minute() {
        use HeaderVersion::{V1, V2};
        // A gateway (1 s): version 1 at the kind's rate, version 2 at glucose's.
        assert_eq!(pick_interval(1, V1, None).unwrap(), 1);
        assert_eq!(pick_interval(1, V2, None).unwrap(), 60);
        assert_eq!(pick_interval(1, V2, Some(300)).unwrap(), 300);
        let e = pick_interval(1, V2, Some(2)).unwrap_err().to_string();
        assert!(
            e.contains("60 s") && e.contains("--header-version 1"),
            "{e}"
        );
        // A meter (30 s) and a kind slower than glucose (a limit raised on chain).
        assert_eq!(pick_interval(30, V1, None).unwrap(), 30);
        assert_eq!(pick_interval(90, V2, None).unwrap(), 90);
        let e = pick_interval(90, V2, Some(60)).unwrap_err().to_string();
        assert!(e.contains("90 s") && e.contains("this kind"), "{e}");
    }

    /// Pumps, pens and apps log a reading a minute at most: a chain spacing their kind's
    /// readings further apart is refused before anything is registered.
    #[test]
    fn therapy_devices_need_their_kinds_minimum_within_a_minute() {
        use crate::fleet::{people, AlgorithmShares, ProfileShares};
        use diachain_std::anchors::SamplingLimit;
        let config = |pump: u32| ConfigResponse {
            admin: cosmwasm_std::Addr::unchecked("wasm1admin"),
            pending_admin: None,
            registry: cosmwasm_std::Addr::unchecked("wasm1registry"),
            listeners: vec![],
            sampling_limits: vec![SamplingLimit {
                kind: DeviceKind::Pump,
                min_interval_seconds: pump,
            }],
        };
        let keys = AlgorithmShares::new(0.5, 0.0).unwrap();
        let pumps = people(
            "c",
            DeviceKind::Cgm,
            3,
            keys,
            ProfileShares::new(1.0, 0.0).unwrap(),
        )
        .unwrap();
        assert!(check_logging_kinds(&config(60), &pumps).is_ok());
        let e = check_logging_kinds(&config(120), &pumps)
            .unwrap_err()
            .to_string();
        assert!(e.contains("pump readings 120 s apart"), "{e}");
        let cgm_only = people("c", DeviceKind::Cgm, 3, keys, ProfileShares::none()).unwrap();
        assert!(check_logging_kinds(&config(120), &cgm_only).is_ok());
        // Kinds the chain does not list keep their defaults (pens 5 s, gateways 1 s).
        let pens = people(
            "c",
            DeviceKind::Cgm,
            3,
            keys,
            ProfileShares::new(0.0, 1.0).unwrap(),
        )
        .unwrap();
        assert!(check_logging_kinds(&config(120), &pens).is_ok());
        assert_eq!(kind_minimum(&config(120), DeviceKind::Cgm), 60);
    }

    #[test]
    fn the_header_version_flag_takes_1_or_2_and_defaults_to_2() {
        let base = [
            "diachain-simulate",
            "--relayer",
            "http://127.0.0.1:1",
            "--node",
            "http://127.0.0.1:2",
            "--manufacturer-mnemonic-file",
            "m",
            "--patient-mnemonic-file",
            "p",
        ];
        let parse = |extra: &[&str]| {
            SimulateArgs::try_parse_from(base.iter().chain(extra).copied())
                .map(|a| a.header_version)
        };
        assert_eq!(parse(&[]).unwrap(), 2);
        assert_eq!(parse(&["--header-version", "1"]).unwrap(), 1);
        assert!(parse(&["--header-version", "3"]).is_err());
        assert!(parse(&["--header-version", "0"]).is_err());
        assert_eq!(header_version(1), HeaderVersion::V1);
        assert_eq!(header_version(2), HeaderVersion::V2);
    }
}
