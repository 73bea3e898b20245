//! The webhook deliverer: takes due deliveries from the store's queue, checks consent for a
//! grantee's webhook (and queues the access for the chain), POSTs the alert signed with the
//! webhook's secret, and settles the delivery: done on 2xx, else tried again with backoff
//! (1 s, 2 s, 4 s … at most 10 minutes apart) up to [`MAX_ATTEMPTS`], then given up. A delivery
//! leaves the queue only when settled, so a relayer stopped mid-delivery delivers it again
//! after a restart: at least once, the alert's id (`x-diachain-alert-id`) for de-duplication.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use diachain_relayer_core::clock::now_ms;
use diachain_relayer_core::consent::AccessRequest;
use diachain_relayer_core::store::{Delivery, Settle, StoreError};
use diachain_relayer_types::alerts::{
    signed_payload, H_ALERT_ID, H_ALERT_SIGNATURE, H_ALERT_TIMESTAMP,
};
use diachain_relayer_types::ErrorCode;
use diachain_std::DataScope;
use ring::hmac;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::url::{check, GuardedResolver};
use super::AlertsApi;
use crate::reply::blocking;
use crate::routes::data::{decide, queue_access};
use crate::state::DataApi;

/// Attempts before a delivery is given up (about two hours of backoff).
pub const MAX_ATTEMPTS: u32 = 20;
/// How long one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts in flight at once, in all and per patient.
pub const POOL: usize = 32;
pub const PER_PATIENT: usize = 4;
/// Due deliveries looked at per pass (some may be held back: their webhook or patient is busy).
const SCAN: usize = 256;
/// The longest sleep while due deliveries are held back (each attempt's end wakes it sooner).
const HELD_BACK_WAIT: Duration = Duration::from_secs(1);

/// What is in flight: deliveries, webhooks, patients.
#[derive(Default)]
struct Busy {
    deliveries: HashSet<(u64, u64)>,
    webhooks: HashSet<String>,
    patients: HashMap<String, usize>,
}

impl Busy {
    /// Marks `d` in flight, unless it, its webhook or its patient's share is already.
    fn take(&mut self, d: &Delivery) -> bool {
        let per_patient = self.patients.get(&d.patient).copied().unwrap_or(0);
        if self.deliveries.contains(&(d.due_ms, d.no))
            || self.webhooks.contains(&d.webhook_id)
            || per_patient >= PER_PATIENT
        {
            return false;
        }
        self.deliveries.insert((d.due_ms, d.no));
        self.webhooks.insert(d.webhook_id.clone());
        self.patients.insert(d.patient.clone(), per_patient + 1);
        true
    }

    fn release(&mut self, d: &Delivery) {
        self.deliveries.remove(&(d.due_ms, d.no));
        self.webhooks.remove(&d.webhook_id);
        if let Some(n) = self.patients.get_mut(&d.patient) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.patients.remove(&d.patient);
            }
        }
    }
}

pub struct Deliverer {
    pub alerts: Arc<AlertsApi>,
    pub data: Arc<DataApi>,
    client: reqwest::Client,
}

/// The wait before attempt `n + 1` after `n` failed ones.
pub fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(1u64 << attempts.min(10)).min(Duration::from_secs(600))
}

impl Deliverer {
    pub fn new(alerts: Arc<AlertsApi>, data: Arc<DataApi>) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, past the guarded resolver.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow_internal: alerts.allow_private_webhooks,
            }))
            .user_agent(concat!("diachain-relayer/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Deliverer {
            alerts,
            data,
            client,
        })
    }

    /// Delivers until `stop` turns true (or its sender is gone): a pool of [`POOL`] attempts in
    /// flight, at most one per webhook and [`PER_PATIENT`] per patient, so that a slow or
    /// failing receiver holds up only its own deliveries. Finished attempts are settled together
    /// in one transaction. Attempts still in flight at the stop are made again at the next start.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let mut flying: JoinSet<(Delivery, Settle)> = JoinSet::new();
        let mut busy = Busy::default();
        let mut done: Vec<(Delivery, Settle)> = Vec::new();
        loop {
            if *stop.borrow() {
                return;
            }
            while let Some(r) = flying.try_join_next() {
                if let Ok(x) = r {
                    done.push(x);
                }
            }
            if !done.is_empty() {
                for (d, _) in &done {
                    busy.release(d);
                }
                let settled = std::mem::take(&mut done);
                let store = this.alerts.store.clone();
                if let Err(e) = blocking(move || store.settle_deliveries(&settled)).await {
                    tracing::error!(error = %e.message, "alert deliveries could not be settled");
                    // They are due again: not at once.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            // Due deliveries left waiting (their webhook or patient busy, or the pool full) can
            // only start when an attempt in flight ends, which wakes the loop below.
            let mut held_back = flying.len() >= POOL;
            if !held_back {
                this.alerts.metrics.alert_delivery_scans.inc();
                let store = this.alerts.store.clone();
                match blocking(move || store.due_deliveries(now_ms(), SCAN)).await {
                    Ok(due) => {
                        for d in due {
                            if flying.len() >= POOL {
                                held_back = true;
                                break;
                            }
                            if busy.take(&d) {
                                let this = this.clone();
                                flying.spawn(async move { this.attempt(d).await });
                            } else {
                                held_back = true;
                            }
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e.message, "alert deliveries could not be read")
                    }
                }
            }
            let mut wait = this.wait().await;
            if held_back && wait.is_zero() {
                // The earliest due delivery is one held back (or in flight: it stays queued
                // until settled), so "due now" would spin through the queue for as long as a
                // slow receiver holds its attempt (up to ATTEMPT_TIMEOUT). Sleep instead until
                // an attempt ends, an alert is queued, or a second has passed (a delivery
                // falling due meanwhile for a free webhook waits at most that second).
                wait = HELD_BACK_WAIT;
            }
            tokio::select! {
                Some(r) = flying.join_next(), if !flying.is_empty() => {
                    if let Ok(x) = r {
                        done.push(x);
                    }
                }
                () = this.alerts.hub.queued.notified() => {}
                () = tokio::time::sleep(wait) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// How long until the next delivery is due (at most a second: the queue is also notified).
    async fn wait(&self) -> Duration {
        let store = self.alerts.store.clone();
        let next = blocking(move || store.next_delivery_due())
            .await
            .ok()
            .flatten();
        next.map_or(Duration::from_secs(1), |due| {
            Duration::from_millis(due.saturating_sub(now_ms())).min(Duration::from_secs(1))
        })
    }

    /// One attempt at `d`, and how it ended (for the store).
    pub async fn attempt(&self, d: Delivery) -> (Delivery, Settle) {
        let outcome = self.try_once(&d).await;
        let label = match &outcome {
            Settle::Delivered => "delivered",
            Settle::Retry { .. } => "retry",
            Settle::Dropped { .. } => "dropped",
            Settle::Refused { .. } => "refused",
        };
        self.alerts
            .metrics
            .alert_deliveries
            .get_or_create(&diachain_relayer_core::metrics::ReasonLabel {
                reason: label.into(),
            })
            .inc();
        match &outcome {
            Settle::Delivered => {
                tracing::info!(webhook = %d.webhook_id, alert = d.alert_seq, "alert delivered")
            }
            Settle::Retry { why, .. } => {
                tracing::warn!(webhook = %d.webhook_id, alert = d.alert_seq, attempt = d.attempts + 1, why, "alert delivery failed; retrying")
            }
            Settle::Dropped { why } => {
                tracing::warn!(webhook = %d.webhook_id, alert = d.alert_seq, why, "alert delivery given up")
            }
            Settle::Refused { why, .. } => {
                tracing::warn!(webhook = %d.webhook_id, alert = d.alert_seq, why, "alert delivery refused by consent; webhook revoked")
            }
        }
        (d, outcome)
    }

    fn retry(d: &Delivery, why: String) -> Settle {
        let attempts = d.attempts.saturating_add(1);
        if attempts >= MAX_ATTEMPTS {
            return Settle::Dropped {
                why: format!("{why}; given up after {attempts} attempts"),
            };
        }
        let wait = u64::try_from(backoff(d.attempts).as_millis()).unwrap_or(u64::MAX);
        Settle::Retry {
            due_ms: now_ms().saturating_add(wait),
            why,
            recorded: d.recorded,
        }
    }

    async fn try_once(&self, d: &Delivery) -> Settle {
        let store = self.alerts.store.clone();
        let (id, patient, seq) = (d.webhook_id.clone(), d.patient.clone(), d.alert_seq);
        let found = blocking(move || {
            Ok::<_, StoreError>((store.webhook(&id)?, store.alert(&patient, seq)?))
        })
        .await;
        let (hook, alert) = match found {
            Ok(found) => found,
            Err(e) => return Self::retry(d, format!("store: {}", e.message)),
        };
        let mut recorded = d.recorded;
        let Some(hook) = hook.filter(|h| h.revoked_at.is_none()) else {
            return Settle::Dropped {
                why: "the webhook was revoked".into(),
            };
        };
        let Some(alert) = alert else {
            return Settle::Dropped {
                why: "the alert was erased with the patient's data".into(),
            };
        };
        if hook.owner != hook.patient {
            let request = AccessRequest {
                patient: alert.patient.clone(),
                grantee: hook.owner.clone(),
                scope: DataScope::Glucose,
                data_from: alert.at,
                data_to: alert.at,
            };
            match decide(&self.data, &request).await {
                Ok((_, Some((grant_id, at_ns)))) => {
                    // Recorded once per delivery (before its first attempt that gets this far).
                    if !d.recorded {
                        if let Err(e) = queue_access(&self.data, &request, grant_id, at_ns).await {
                            return Self::retry(
                                d,
                                format!("the access could not be queued: {}", e.message),
                            );
                        }
                    }
                    recorded = true;
                }
                Ok((_, None)) => {}
                Err(e)
                    if matches!(
                        e.code,
                        ErrorCode::ChainUnavailable | ErrorCode::NotACustodian
                    ) =>
                {
                    return Self::retry(d, format!("{}: {}", e.code, e.message));
                }
                Err(e) => {
                    // The owner may no longer receive the patient's alerts: the webhook ends.
                    return Settle::Refused {
                        why: format!("{}: {}", e.code, e.message),
                        at: (self.data.clock)(),
                    };
                }
            }
        }
        let url = match check(&hook.url, self.alerts.allow_private_webhooks) {
            Ok(u) => u,
            Err(why) => return Settle::Dropped { why },
        };
        let body = match serde_json::to_vec(&alert) {
            Ok(b) => b,
            Err(e) => {
                return Settle::Dropped {
                    why: format!("alert: {e}"),
                }
            }
        };
        let ts = now_ms() / 1000;
        let key = hmac::Key::new(hmac::HMAC_SHA256, hook.secret.as_slice());
        let tag = hmac::sign(&key, &signed_payload(ts, &body));
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(H_ALERT_ID, alert.id.as_str())
            .header(H_ALERT_TIMESTAMP, ts.to_string())
            .header(
                H_ALERT_SIGNATURE,
                format!("sha256={}", hex::encode(tag.as_ref())),
            )
            .body(body)
            .send()
            .await;
        let failed = match sent {
            Ok(r) if r.status().is_success() => return Settle::Delivered,
            Ok(r) => format!("HTTP {}", r.status().as_u16()),
            Err(e) => format!("{e}"),
        };
        match Self::retry(d, failed) {
            Settle::Retry { due_ms, why, .. } => Settle::Retry {
                due_ms,
                why,
                recorded,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_ten_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(9), Duration::from_secs(512));
        assert_eq!(backoff(10), Duration::from_secs(600));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(600));
    }
}
