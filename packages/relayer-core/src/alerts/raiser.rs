//! The raiser: evaluates each stored batch's glucose against the patient's settings and the
//! device's recent readings, keeps the alerts (snoozed ones left out), publishes them; every
//! few seconds, raises `no_data` for patients whose glucose went silent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diachain_relayer_types::alerts::{Alert, AlertKind, AlertSettings, ReadingEvent};

use super::evaluate::{self, Draft, Point, FRESH_SECONDS, HISTORY_SECONDS};
use super::{AlertFeed, AlertHub, HubEvent};
use crate::clock::{now_ms, unix_now, Clock};
use crate::metrics::{KindLabel, Metrics};
use crate::store::{AlertStore, StoreError, StoredBatch};

/// How often silent patients are looked for.
const SILENCE_CHECK: Duration = Duration::from_secs(15);
/// At start, batches received this long ago are looked at again (for `no_data`, and the fresh
/// ones evaluated again), at most [`RECOVER_BATCHES`] of them.
const RECOVER_SECONDS: u64 = 24 * 3600;
const RECOVER_BATCHES: usize = 20_000;
/// Most of a patient's batches read for a device's history.
const HISTORY_BATCHES: usize = 512;
/// Most batches evaluated together (their alerts kept in one transaction).
const DRAIN: usize = 256;

/// The latest alert of each (patient, kind) seen while evaluating: its time and id.
type Latest = HashMap<(String, AlertKind), (u64, String)>;

/// An alert's id: the same patient, kind and time give the same id.
pub fn alert_id(patient: &str, kind: AlertKind, at: u64) -> String {
    let digest = diachain_std::crypto::sha256(
        &[
            b"DIACHAIN/ALERT/v1".as_slice(),
            patient.as_bytes(),
            &[0, kind.code()],
            &at.to_be_bytes(),
        ]
        .concat(),
    );
    format!("al-{}", hex::encode(&digest[..16]))
}

pub struct Raiser {
    pub store: Arc<dyn AlertStore>,
    /// The chain's time: what "fresh" and "silent" are judged by.
    pub chain_clock: Clock,
    pub hub: Arc<AlertHub>,
    /// Counts what is raised (`None`: not counted).
    pub metrics: Option<Arc<Metrics>>,
    /// Each patient's latest glucose time, and the last time a silence was raised for.
    last_glucose: Mutex<HashMap<String, (u64, Option<u64>)>>,
}

impl Raiser {
    pub fn new(store: Arc<dyn AlertStore>, chain_clock: Clock, hub: Arc<AlertHub>) -> Self {
        Raiser {
            store,
            chain_clock,
            hub,
            metrics: None,
            last_glucose: Mutex::default(),
        }
    }

    /// The same raiser, counting what it raises in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Starts the raiser's thread; it stops when `stop` is set (within a second).
    pub fn start(
        self,
        stop: Arc<AtomicBool>,
    ) -> std::io::Result<(AlertFeed, std::thread::JoinHandle<()>)> {
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("alerts".into())
            .spawn(move || self.run(&rx, &stop))?;
        Ok((AlertFeed(tx), handle))
    }

    fn run(&self, rx: &mpsc::Receiver<StoredBatch>, stop: &AtomicBool) {
        if let Err(e) = self.recover() {
            tracing::error!(error = %e, "alerts: the recent batches could not be evaluated again");
        }
        let mut checked = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            match rx.recv_timeout(Duration::from_millis(500)) {
                Ok(b) => {
                    // What came meanwhile is evaluated with it: one store transaction for all.
                    let mut batches = vec![b];
                    while batches.len() < DRAIN {
                        match rx.try_recv() {
                            Ok(b) => batches.push(b),
                            Err(_) => break,
                        }
                    }
                    if let Err(e) = self.batches(&batches) {
                        tracing::error!(error = %e, batches = batches.len(), "alerts: batches not evaluated");
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if checked.elapsed() >= SILENCE_CHECK {
                checked = Instant::now();
                if let Err(e) = self.check_silence() {
                    tracing::error!(error = %e, "alerts: silence check failed");
                }
            }
        }
    }

    /// Looks at the batches of the last day again: each patient's latest glucose, and the
    /// alerts of the fresh ones (kept once: same ids).
    pub fn recover(&self) -> Result<(), StoreError> {
        let mut recent = self
            .store
            .received_since(unix_now().saturating_sub(RECOVER_SECONDS), RECOVER_BATCHES)?;
        recent.reverse();
        let fresh_after = (self.chain_clock)().saturating_sub(FRESH_SECONDS);
        let mut latest = Latest::new();
        let mut alerts = Vec::new();
        for b in &recent {
            // A batch that cannot be read (its patient erased it since) is skipped, not the rest.
            let points = match self.store.readings(b) {
                Ok(r) => points_of(&r),
                Err(e) => {
                    skipped(b, &e);
                    continue;
                }
            };
            if b.header.last_time >= fresh_after {
                match self.evaluate(b, &points, &mut latest) {
                    Ok(a) => alerts.extend(a),
                    Err(e) => skipped(b, &e),
                }
            } else {
                self.saw(&b.patient, &points);
            }
        }
        self.keep(alerts)?;
        Ok(())
    }

    /// Evaluates a stored batch; returns the alerts kept now.
    pub fn batch(&self, b: &StoredBatch) -> Result<Vec<Alert>, StoreError> {
        self.batches(std::slice::from_ref(b))
    }

    /// Evaluates stored batches (in order), keeps their alerts in one transaction; returns the
    /// alerts kept now.
    pub fn batches(&self, batches: &[StoredBatch]) -> Result<Vec<Alert>, StoreError> {
        let mut latest = Latest::new();
        let mut alerts = Vec::new();
        for b in batches {
            // One batch that cannot be read (erased since it was fed in) does not hold up the rest.
            let readings = match self.store.readings(b) {
                Ok(r) => r,
                Err(e) => {
                    skipped(b, &e);
                    continue;
                }
            };
            self.hub.publish(HubEvent::Reading(ReadingEvent {
                patient: b.patient.clone(),
                device_id: b.header.device_id.clone(),
                batch_id: b.id,
                last_time: b.header.last_time,
                count: u32::try_from(readings.len()).unwrap_or(u32::MAX),
            }));
            match self.evaluate(b, &points_of(&readings), &mut latest) {
                Ok(a) => alerts.extend(a),
                Err(e) => skipped(b, &e),
            }
        }
        self.keep(alerts)
    }

    fn points(&self, b: &StoredBatch) -> Result<Vec<Point>, StoreError> {
        Ok(points_of(&self.store.readings(b)?))
    }

    fn saw(&self, patient: &str, points: &[Point]) {
        let Some(last) = points.last() else { return };
        if let Ok(mut map) = self.last_glucose.lock() {
            let e = map.entry(patient.to_string()).or_insert((0, None));
            e.0 = e.0.max(last.time);
        }
    }

    /// The alerts a batch's glucose `points` raise (snoozed ones left out).
    fn evaluate(
        &self,
        b: &StoredBatch,
        points: &[Point],
        latest: &mut Latest,
    ) -> Result<Vec<Alert>, StoreError> {
        self.saw(&b.patient, points);
        let now = (self.chain_clock)();
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return Ok(Vec::new());
        };
        if last.time < now.saturating_sub(FRESH_SECONDS) {
            return Ok(Vec::new());
        }
        let settings = self.store.alert_settings(&b.patient)?.unwrap_or_default();
        let mut all = self.history(b, first.time)?;
        let new_from = all.len();
        all.extend(points.iter().copied());
        let drafts = evaluate::evaluate(&settings, &all, new_from, now);
        self.unsnoozed(&settings, b, drafts, latest)
    }

    /// The device's glucose in the [`HISTORY_SECONDS`] before `first`, from its other batches.
    fn history(&self, b: &StoredBatch, first: u64) -> Result<Vec<Point>, StoreError> {
        let from = first.saturating_sub(HISTORY_SECONDS);
        let to = first.saturating_sub(1);
        let mut points = Vec::new();
        for other in self
            .store
            .patient_batches(&b.patient, from, to, HISTORY_BATCHES)?
        {
            if other.id == b.id || other.header.device_id != b.header.device_id {
                continue;
            }
            points.extend(
                self.points(&other)?
                    .into_iter()
                    .filter(|p| (from..=to).contains(&p.time)),
            );
        }
        points.sort_by_key(|p| p.time);
        points.dedup_by_key(|p| p.time);
        Ok(points)
    }

    fn unsnoozed(
        &self,
        s: &AlertSettings,
        b: &StoredBatch,
        drafts: Vec<Draft>,
        last: &mut Latest,
    ) -> Result<Vec<Alert>, StoreError> {
        let snooze = u64::from(s.snooze_minutes) * 60;
        let mut out = Vec::new();
        for d in drafts {
            let id = alert_id(&b.patient, d.kind, d.at);
            let key = (b.patient.clone(), d.kind);
            if let std::collections::hash_map::Entry::Vacant(e) = last.entry(key.clone()) {
                if let Some(a) = self.store.last_alert(&b.patient, d.kind)? {
                    e.insert((a.at, a.id));
                }
            }
            if let Some((at, last_id)) = last.get(&key) {
                if *last_id != id && at.abs_diff(d.at) < snooze {
                    continue;
                }
            }
            last.insert(key, (d.at, id.clone()));
            out.push(Alert {
                id,
                seq: 0,
                patient: b.patient.clone(),
                kind: d.kind,
                at: d.at,
                device_id: Some(b.header.device_id.clone()),
                value_mgdl: Some(d.mgdl.round().clamp(0.0, f64::from(u16::MAX)) as u16),
                rate_mgdl_per_min: d.rate.map(|r| (r * 10.0).round() / 10.0),
                threshold: d.threshold,
                received_at_ms: b.received_at_ms,
                raised_at_ms: 0,
            });
        }
        Ok(out)
    }

    fn keep(&self, mut alerts: Vec<Alert>) -> Result<Vec<Alert>, StoreError> {
        if alerts.is_empty() {
            return Ok(alerts);
        }
        let now = now_ms();
        for a in &mut alerts {
            a.raised_at_ms = now;
        }
        let kept = self.store.raise_alerts(alerts, now)?;
        for a in &kept {
            if let Some(m) = &self.metrics {
                m.alerts_raised
                    .get_or_create(&KindLabel {
                        kind: a.kind.as_str().into(),
                    })
                    .inc();
                let ms = a.raised_at_ms.saturating_sub(a.received_at_ms);
                m.alert_raise_latency.observe(ms as f64 / 1000.0);
            }
            // Which kind (a low, a high) is health data: it is counted in the metrics, not logged by patient.
            tracing::info!(patient = %a.patient, id = %a.id, seq = a.seq, "alert raised");
            self.hub.publish(HubEvent::Alert(a.clone()));
        }
        if !kept.is_empty() {
            self.hub.queued.notify_one();
        }
        Ok(kept)
    }

    /// Raises `no_data` for each patient whose glucose has been silent for their setting.
    pub fn check_silence(&self) -> Result<Vec<Alert>, StoreError> {
        let now = (self.chain_clock)();
        let watched: Vec<(String, u64)> = match self.last_glucose.lock() {
            Ok(map) => map
                .iter()
                .filter(|(_, (last, raised))| *raised != Some(*last))
                .map(|(p, (last, _))| (p.clone(), *last))
                .collect(),
            Err(_) => return Ok(Vec::new()),
        };
        let mut raised = Vec::new();
        for (patient, last) in watched {
            let s = match self.store.alert_settings(&patient) {
                Ok(s) => s.unwrap_or_default(),
                Err(e) => {
                    tracing::error!(error = %e, patient, "alerts: settings unreadable; silence not checked");
                    continue;
                }
            };
            if !evaluate::silent(&s, last, now) {
                continue;
            }
            let at_ms = now_ms();
            let alert = Alert {
                id: alert_id(&patient, AlertKind::NoData, last),
                seq: 0,
                patient: patient.clone(),
                kind: AlertKind::NoData,
                at: last,
                device_id: None,
                value_mgdl: None,
                rate_mgdl_per_min: None,
                threshold: s.no_data_minutes.unwrap_or_default(),
                received_at_ms: at_ms,
                raised_at_ms: at_ms,
            };
            match self.keep(vec![alert]) {
                Ok(kept) => raised.extend(kept),
                Err(e) => {
                    tracing::error!(error = %e, patient, "alerts: no_data not kept");
                    continue;
                }
            }
            // Marked even when nothing was kept (a patient who erased their data): not tried
            // again until a new reading.
            if let Ok(mut map) = self.last_glucose.lock() {
                if let Some(e) = map.get_mut(&patient) {
                    if e.0 == last {
                        e.1 = Some(last);
                    }
                }
            }
        }
        Ok(raised)
    }
}

fn skipped(b: &StoredBatch, e: &StoreError) {
    match e {
        StoreError::Erased(_) => {}
        e => tracing::error!(error = %e, batch = b.id, "alerts: batch not evaluated"),
    }
}

/// A batch's sensor glucose that may alert, in time order.
fn points_of(readings: &[diachain_std::Reading]) -> Vec<Point> {
    let mut points: Vec<Point> = readings.iter().filter_map(evaluate::point).collect();
    points.sort_by_key(|p| p.time);
    points
}

#[cfg(test)]
#[path = "raiser_tests.rs"]
mod tests;
