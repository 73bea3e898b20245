//! One simulated person's devices as they measure and log: the model (`physiology`) shared by
//! their glucose sensor and their pump, pen or app, so that what those devices log is what the
//! glucose the sensor reads went through.
//!
//! The glucose sensor measures every `interval` seconds (`readings::DeviceClock`). A pump, pen
//! or app sends what the model logged for it (`therapy`), at the minute it was logged, from
//! its start on: the latest of the run's start, its bind time and a minute after the last
//! reading of a previous run; a pump reports its state at its first minute. Readings are cut
//! into batches of `batch_readings` (and at midnight UTC); a pump's, pen's or app's batch is
//! also posted once its first reading is `event_batch_secs` old, and when the run stops. Time
//! is the caller's: [`PersonSim::produce`] is given the chain's time.

use diachain_relayer_types::gateway::{renumber, Batcher, HeaderVersion};
use diachain_std::encoding::{flags, ReadingKind, Trend};
use diachain_std::Reading;

use super::fleet::{Profile, Role, SimDevice};
use super::physiology::Patient;
use super::readings::{glucose_reading, random_salt, DeviceClock};
use super::state::DeviceState;
use super::therapy::Logged;
use super::SimError;

/// One device of the person, ready to stream.
pub struct FeedStart {
    pub device: SimDevice,
    pub role: Role,
    /// Its bind time (readings are refused before it).
    pub bind_time: u64,
    /// What a previous run's relayer accepted (the state file).
    pub previous: Option<DeviceState>,
}

/// How the person's devices measure and batch.
#[derive(Clone, Copy, Debug)]
pub struct FeedConfig {
    /// Seconds between two glucose readings.
    pub interval: u64,
    /// The glucose sensor's batch header version; a pump, pen or app always signs version 2
    /// (its readings are a minute apart at least, and count under their own scopes).
    pub glucose_header: HeaderVersion,
    pub batch_readings: usize,
    pub event_batch_secs: u64,
}

/// When a device's readings come.
enum Pace {
    /// Every interval (the glucose sensor).
    Every(DeviceClock),
    /// As the model logs them, from `from` on.
    Logged { next_seq: u64, from: u64 },
}

/// One device's readings in the making.
pub struct Feed {
    pub device: SimDevice,
    pub role: Role,
    pub header_version: HeaderVersion,
    pace: Pace,
    batcher: Batcher,
    /// The time of the first reading waiting for a batch.
    pending_since: Option<u64>,
}

impl Feed {
    fn push(&mut self, r: Reading) -> Option<Vec<Reading>> {
        let at = r.measured_at;
        let batch = self.batcher.push(r);
        if batch.is_some() {
            self.pending_since = (self.batcher.pending() > 0).then_some(at);
        } else if self.pending_since.is_none() {
            self.pending_since = Some(at);
        }
        batch
    }

    fn take(&mut self) -> Option<Vec<Reading>> {
        self.pending_since = None;
        self.batcher.take()
    }

    fn next_seq(&mut self) -> &mut u64 {
        match &mut self.pace {
            Pace::Every(clock) => &mut clock.next_seq,
            Pace::Logged { next_seq, .. } => next_seq,
        }
    }
}

/// A person: the model and their devices.
pub struct PersonSim {
    pub patient: Patient,
    pub feeds: Vec<Feed>,
    event_batch_secs: u64,
}

impl PersonSim {
    /// The person of `seed` with `profile`, their `devices` starting at `now`.
    pub fn new(
        seed: u64,
        profile: Profile,
        devices: Vec<FeedStart>,
        now: u64,
        cfg: FeedConfig,
    ) -> Result<Self, SimError> {
        let mut patient = Patient::new(seed, profile.therapy());
        let mut feeds = Vec::with_capacity(devices.len());
        for d in devices {
            let previous = d.previous.as_ref();
            let (pace, header_version) = match d.role {
                Role::Glucose => (
                    Pace::Every(DeviceClock::start(
                        previous,
                        d.bind_time,
                        now,
                        cfg.interval,
                    )?),
                    cfg.glucose_header,
                ),
                role => {
                    let after_previous = previous
                        .and_then(|p| p.last_time)
                        .map_or(0, |t| t.saturating_add(60));
                    let from = now.max(d.bind_time).max(after_previous);
                    if role == Role::Pump {
                        patient.report_pump_from(from);
                    }
                    patient.keep_log();
                    let next_seq = previous.map_or(1, |p| p.next_seq.max(1));
                    (Pace::Logged { next_seq, from }, HeaderVersion::V2)
                }
            };
            feeds.push(Feed {
                device: d.device,
                role: d.role,
                header_version,
                pace,
                batcher: Batcher::new(cfg.batch_readings),
                pending_since: None,
            });
        }
        Ok(PersonSim {
            patient,
            feeds,
            event_batch_secs: cfg.event_batch_secs,
        })
    }

    /// Everything measured or logged by `now` (the chain's time): the batches it completes, as
    /// (feed index, readings), in the order they were cut.
    pub fn produce(&mut self, now: u64) -> Vec<(usize, Vec<Reading>)> {
        let mut out = Vec::new();
        let PersonSim { patient, feeds, .. } = self;
        for (i, feed) in feeds.iter_mut().enumerate() {
            let Pace::Every(clock) = &mut feed.pace else {
                continue;
            };
            let due: Vec<(u64, u64)> = std::iter::from_fn(|| clock.due(now)).collect();
            for (seq, at) in due {
                let r = glucose_reading(&feed.device.id, seq, at, patient);
                if let Some(batch) = feed.push(r) {
                    out.push((i, batch));
                }
            }
        }
        patient.advance_to(now);
        for logged in patient.take_log() {
            let found = feeds
                .iter_mut()
                .enumerate()
                .find(|(_, f)| f.role.logger() == Some(logged.logger));
            let Some((i, feed)) = found else {
                continue; // a device that does not stream (skipped at setup)
            };
            let Pace::Logged { next_seq, from } = &mut feed.pace else {
                continue;
            };
            if logged.at < *from {
                continue;
            }
            let r = therapy_reading(&feed.device.id, *next_seq, &logged);
            *next_seq = next_seq.saturating_add(1);
            if let Some(batch) = feed.push(r) {
                out.push((i, batch));
            }
        }
        let after = self.event_batch_secs;
        for (i, feed) in self.feeds.iter_mut().enumerate() {
            let due = matches!(feed.pace, Pace::Logged { .. })
                && feed
                    .pending_since
                    .is_some_and(|t| now >= t.saturating_add(after));
            if let Some(batch) = due.then(|| feed.take()).flatten() {
                out.push((i, batch));
            }
        }
        out
    }

    /// The batches of the pump, pen or app that are still collecting (when the run stops).
    pub fn flush_logged(&mut self) -> Vec<(usize, Vec<Reading>)> {
        self.feeds
            .iter_mut()
            .enumerate()
            .filter(|(_, f)| matches!(f.pace, Pace::Logged { .. }))
            .filter_map(|(i, f)| f.take().map(|b| (i, b)))
            .collect()
    }

    /// Feed `i`'s batch was renumbered and its next sequence number is `next`: its batches not
    /// sent yet (in `later`) and its pending readings follow.
    pub fn renumbered(&mut self, i: usize, next: u64, later: &mut [(usize, Vec<Reading>)]) {
        let Some(feed) = self.feeds.get_mut(i) else {
            return;
        };
        let mut next = next;
        for (_, batch) in later.iter_mut().filter(|(j, _)| *j == i) {
            if let Some(moved) = renumber(batch, next) {
                next = next.saturating_add(moved.len() as u64);
                *batch = moved;
            }
        }
        let after = feed.batcher.renumber_pending(next).unwrap_or(next);
        *feed.next_seq() = after;
    }

    /// When something may next be due, after `now` (the chain's time): the next glucose
    /// reading, the next minute a pump, pen or app may log, or a batch of theirs to post.
    pub fn next_wake(&self, now: u64) -> u64 {
        let mut wake = u64::MAX;
        for feed in &self.feeds {
            match &feed.pace {
                Pace::Every(clock) => wake = wake.min(clock.next_time),
                Pace::Logged { .. } => {
                    wake = wake.min((now / 60 + 1) * 60);
                    if let Some(t) = feed.pending_since {
                        wake = wake.min(t.saturating_add(self.event_batch_secs));
                    }
                }
            }
        }
        wake.max(now)
    }
}

/// A pump's, pen's or app's reading of what the model logged, with a fresh salt; carbohydrates
/// are entered by hand (`MANUAL_ENTRY`).
pub fn therapy_reading(device_id: &str, seq: u64, logged: &Logged) -> Reading {
    Reading {
        salt: random_salt(),
        device_id: device_id.to_string(),
        seq,
        measured_at: logged.at,
        kind: logged.kind,
        unit: logged.unit,
        value: logged.value,
        trend: Trend::Unknown,
        flags: if logged.kind == ReadingKind::Carbohydrates {
            flags::MANUAL_ENTRY
        } else {
            0
        },
    }
}
