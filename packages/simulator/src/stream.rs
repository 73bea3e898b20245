//! Streaming: one task per person measures and logs in real time (see `person`), cuts batches
//! and delivers them (see `deliver`); the run stops after `--duration-secs`, after `--batches`
//! batches, or on SIGINT/SIGTERM. A device finishes the batch it is delivering; glucose readings
//! not yet in a batch are dropped (their sequence numbers are reused next run), a pump's, pen's
//! or app's are posted. The state file is saved every few seconds and at the end.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diachain_std::crypto::sha256;
use diachain_std::Reading;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinSet;

use diachain_relayer_types::gateway::HeaderVersion;

use super::acks::AckLog;
use super::deliver::Shared;
use super::fleet::{Profile, Role, SimDevice};
use super::http::RelayerClient;
use super::person::{FeedConfig, FeedStart, PersonSim};
use super::state::SimState;
use super::summary::Tally;
use super::SimError;

/// How often the state file is saved while streaming.
const SAVE_EVERY: Duration = Duration::from_secs(5);
/// How long devices get to finish the batch they are delivering once stopped.
const DRAIN: Duration = Duration::from_secs(30);

/// Streaming settings.
pub struct StreamConfig {
    pub relayer_url: String,
    pub chain_id: String,
    pub anchors: String,
    pub seed: String,
    pub interval: u64,
    pub header_version: HeaderVersion,
    pub batch_readings: usize,
    /// A pump, pen or app posts its readings once the first is this old (seconds).
    pub event_batch_secs: u64,
    pub max_batches: Option<u64>,
    pub duration: Option<Duration>,
    pub state_path: Option<PathBuf>,
    /// The acknowledgement log (`--acks`): a line per batch the relayer answered 201.
    pub acks_path: Option<PathBuf>,
    /// Seconds the chain's clock runs ahead of this machine's (a local network moved with
    /// `chain.sh advance-clock`): readings are timed by the chain's clock, which the contract
    /// judges them by.
    pub clock_offset: i64,
}

/// A device ready to stream and its bind time.
pub struct Streamer {
    pub device: SimDevice,
    pub bind_time: u64,
}

/// A person ready to stream: the id of their glucose sensor (their seed), their profile and
/// those of their devices that stream (the sensor first, if it does).
pub struct PersonStreamer {
    pub glucose_id: String,
    pub profile: Profile,
    pub devices: Vec<(Role, Streamer)>,
}

impl PersonStreamer {
    /// A person with their CGM only.
    pub fn cgm_only(s: Streamer) -> Self {
        PersonStreamer {
            glucose_id: s.device.id.clone(),
            profile: Profile::CgmOnly,
            devices: vec![(Role::Glucose, s)],
        }
    }
}

/// Streams until a stop condition; returns the tally and the final state.
pub async fn stream(
    people: Vec<PersonStreamer>,
    cfg: StreamConfig,
    state: SimState,
) -> Result<(Tally, SimState), SimError> {
    let (stop, _) = watch::channel(false);
    let acks = match &cfg.acks_path {
        Some(path) => Some(Mutex::new(AckLog::open(path)?)),
        None => None,
    };
    let shared = Arc::new(Shared {
        relayer: RelayerClient::new(&cfg.relayer_url).await?,
        chain_id: cfg.chain_id.clone(),
        anchors: cfg.anchors.clone(),
        tally: Mutex::new(Tally::default()),
        state: Mutex::new(state),
        batches: AtomicU64::new(0),
        max_batches: cfg.max_batches,
        stop,
        clock_offset: cfg.clock_offset,
        acks,
    });
    if cfg.max_batches == Some(0) {
        shared.stop.send_replace(true);
    }
    let feeds = FeedConfig {
        interval: cfg.interval,
        glucose_header: cfg.header_version,
        batch_readings: cfg.batch_readings,
        event_batch_secs: cfg.event_batch_secs,
    };
    let mut tasks = JoinSet::new();
    for person in people {
        let mut starts = Vec::with_capacity(person.devices.len());
        for (role, s) in person.devices {
            let previous = shared.state.lock().await.devices.get(&s.device.id).cloned();
            starts.push(FeedStart {
                device: s.device,
                role,
                bind_time: s.bind_time,
                previous,
            });
        }
        let sim = PersonSim::new(
            value_seed(&cfg.seed, &person.glucose_id),
            person.profile,
            starts,
            shared.chain_now(),
            feeds,
        )?;
        let task = PersonTask {
            sim,
            shared: shared.clone(),
        };
        tasks.spawn(task.run());
    }
    supervise(&shared, &mut tasks, &cfg).await;
    let tally = std::mem::take(&mut *shared.tally.lock().await);
    let state = shared.state.lock().await.clone();
    if let Some(path) = &cfg.state_path {
        state.save(path)?;
    }
    Ok((tally, state))
}

/// Waits for a stop condition (or every device to end), saving the state now and then, then
/// lets the devices finish their deliveries.
async fn supervise(shared: &Shared, tasks: &mut JoinSet<()>, cfg: &StreamConfig) {
    let deadline = async {
        match cfg.duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let signal = crate::signal::stop();
    tokio::pin!(signal);
    let mut stopped = shared.stop.subscribe();
    let mut save = tokio::time::interval(SAVE_EVERY);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            _ = &mut signal => { tracing::info!("signal: stopping"); break }
            _ = stopped.wait_for(|s| *s) => break,
            _ = save.tick() => save_state(shared, cfg).await,
            done = tasks.join_next() => if done.is_none() { break },
        }
    }
    shared.stop.send_replace(true);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN, drain).await.is_err() {
        tracing::warn!("devices still delivering after {DRAIN:?}; leaving them");
        tasks.abort_all();
    }
}

async fn save_state(shared: &Shared, cfg: &StreamConfig) {
    if let Some(path) = &cfg.state_path {
        let state = shared.state.lock().await.clone();
        if let Err(e) = state.save(path) {
            tracing::warn!(error = %e, "state not saved");
        }
    }
}

/// One person's loop: their devices measure, log and deliver.
struct PersonTask {
    sim: PersonSim,
    shared: Arc<Shared>,
}

impl PersonTask {
    async fn run(mut self) {
        let mut stop = self.shared.stop.subscribe();
        while !*stop.borrow() {
            let now = self.shared.chain_now();
            let batches = self.sim.produce(now);
            if !self.deliver(batches).await {
                return;
            }
            let wait = until(self.sim.next_wake(now), self.shared.clock_offset);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
        // Stopped: a pump, pen or app posts what it holds (unless the batch budget is spent).
        let held = self.sim.flush_logged();
        self.deliver(held).await;
    }

    /// Delivers `batches` in order; `false` when the batch budget is spent.
    async fn deliver(&mut self, batches: Vec<(usize, Vec<Reading>)>) -> bool {
        let mut batches = batches;
        let mut i = 0;
        while i < batches.len() {
            if !self.shared.take_batch() {
                return false;
            }
            let (feed, readings) = std::mem::take(&mut batches[i]);
            i += 1;
            let Some(f) = self.sim.feeds.get(feed) else {
                continue;
            };
            let renumbered = self
                .shared
                .deliver(&f.device, readings, f.header_version)
                .await;
            if let Some(next) = renumbered {
                self.sim.renumbered(feed, next, &mut batches[i..]);
            }
        }
        true
    }
}

/// How long until the chain's unix second `t` (zero if past).
fn until(t: u64, clock_offset: i64) -> Duration {
    let target = UNIX_EPOCH + Duration::from_secs(t.saturating_add_signed(-clock_offset));
    target
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}

/// A person's seed (that of their glucose sensor's values), from the run's seed.
pub fn value_seed(seed: &str, device_id: &str) -> u64 {
    let digest = sha256(format!("{seed}/{device_id}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(b)
}
