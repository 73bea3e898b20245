//! Streaming: one task per device measures in real time (see `readings`), cuts batches (see
//! `batch`) and delivers them (see `deliver`); the run stops after `--duration-secs`, after
//! `--batches` batches, or on SIGINT/SIGTERM. A device finishes the batch it is delivering;
//! readings not yet in a batch are dropped (their sequence numbers are reused next run). The
//! state file is saved every few seconds and at the end.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diachain_std::crypto::sha256;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinSet;

use diachain_relayer_types::gateway::{Batcher, HeaderVersion};

use super::deliver::Shared;
use super::fleet::SimDevice;
use super::http::RelayerClient;
use super::physiology::Patient;
use super::readings::{glucose_reading, DeviceClock};
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
    pub max_batches: Option<u64>,
    pub duration: Option<Duration>,
    pub state_path: Option<PathBuf>,
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

/// Streams until a stop condition; returns the tally and the final state.
pub async fn stream(
    devices: Vec<Streamer>,
    cfg: StreamConfig,
    state: SimState,
) -> Result<(Tally, SimState), SimError> {
    let (stop, _) = watch::channel(false);
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
        header_version: cfg.header_version,
    });
    if cfg.max_batches == Some(0) {
        shared.stop.send_replace(true);
    }
    let mut tasks = JoinSet::new();
    for s in devices {
        let previous = shared.state.lock().await.devices.get(&s.device.id).cloned();
        let clock = DeviceClock::start(
            previous.as_ref(),
            s.bind_time,
            shared.chain_now(),
            cfg.interval,
        )?;
        // On injections: none of the person's therapy devices streams (yet).
        let patient = Patient::new(
            value_seed(&cfg.seed, &s.device.id),
            crate::therapy::Therapy::Injections,
        );
        let task = DeviceTask {
            device: s.device,
            clock,
            patient,
            batcher: Batcher::new(cfg.batch_readings),
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

/// One device's loop.
struct DeviceTask {
    device: SimDevice,
    clock: DeviceClock,
    patient: Patient,
    batcher: Batcher,
    shared: Arc<Shared>,
}

impl DeviceTask {
    async fn run(mut self) {
        let mut stop = self.shared.stop.subscribe();
        while !*stop.borrow() {
            if !self.measure().await {
                break;
            }
            let wait = until(self.clock.next_time, self.shared.clock_offset);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Takes every reading due now and delivers the batches they complete; `false` when the
    /// batch budget is spent.
    async fn measure(&mut self) -> bool {
        while let Some((seq, at)) = self.clock.due(self.shared.chain_now()) {
            let r = glucose_reading(&self.device.id, seq, at, &mut self.patient);
            let Some(readings) = self.batcher.push(r) else {
                continue;
            };
            if !self.shared.take_batch() {
                return false;
            }
            if let Some(next) = self.shared.deliver(&self.device, readings).await {
                let after = self.batcher.renumber_pending(next).unwrap_or(next);
                self.clock.next_seq = after;
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

/// A per-device seed for the values, from the run's seed.
fn value_seed(seed: &str, device_id: &str) -> u64 {
    let digest = sha256(format!("{seed}/{device_id}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(b)
}
