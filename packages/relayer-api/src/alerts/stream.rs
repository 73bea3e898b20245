//! `GET /v1/patients/{patient}/alerts/stream`: server-sent events for the dashboard, on a
//! signed request by the patient, their guardian or a grantee whose grant allows glucose now.
//!
//! Events: `ready` (`{patient, basis}`) first; `alert` (an [`Alert`], its `seq` as the event id:
//! the alerts after `?since=` or `Last-Event-ID` are sent first, from the store); `reading` (a
//! [`ReadingEvent`]: new readings to read, no value); `end` (`{error, message}`: a grantee's
//! grant no longer allows glucose; the stream closes). A grantee's alerts are each consent
//! checked and recorded on chain as an access; anyone but the patient (a grantee, a guardian)
//! is checked again at each alert and every minute.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::Event;
use diachain_relayer_core::alerts::HubEvent;
use diachain_relayer_core::consent::AccessRequest;
use diachain_relayer_types::alerts::Alert;
use diachain_std::DataScope;
use futures_util::Stream;
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use super::{AlertsApi, StreamSlot};
use crate::reply::{blocking, ApiError};
use crate::routes::data::{decide, queue_access};
use crate::state::DataApi;

/// How often a grantee's grant is checked again on an open stream.
pub const RECHECK: Duration = Duration::from_secs(60);
/// Most alerts replayed at the start (or after the stream fell behind).
pub const REPLAY_LIMIT: usize = 100;

pub struct AlertStream {
    pub alerts: Arc<AlertsApi>,
    pub data: Arc<DataApi>,
    pub patient: String,
    pub caller: String,
    /// The caller is not the patient: their basis (a grant, a guardianship) is checked again at
    /// each alert and every [`RECHECK`], and a grant's alerts recorded.
    pub checked: bool,
    pub rx: broadcast::Receiver<HubEvent>,
    pub replay: VecDeque<Alert>,
    pub last_seq: u64,
    /// The chain's time, which grants' periods are judged by.
    pub chain_clock: diachain_relayer_core::clock::Clock,
    pub ready: Option<Event>,
    pub next_check: Instant,
    pub ended: bool,
    pub slot: StreamSlot,
}

fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(value)
        .unwrap_or_else(|_| Event::default().event(name))
}

fn end_event(e: &ApiError) -> Event {
    json_event(
        "end",
        &json!({"error": e.code.as_str(), "message": e.message}),
    )
}

impl AlertStream {
    /// The stream's events until it ends.
    pub fn events(self) -> impl Stream<Item = Result<Event, Infallible>> + Send {
        futures_util::stream::unfold(self, |mut s| async move {
            let e = s.next().await?;
            Some((Ok(e), s))
        })
    }

    fn request(&self, from: u64, to: u64) -> AccessRequest {
        AccessRequest {
            patient: self.patient.clone(),
            grantee: self.caller.clone(),
            scope: DataScope::Glucose,
            data_from: from,
            data_to: to,
        }
    }

    async fn next(&mut self) -> Option<Event> {
        if self.ended {
            return None;
        }
        if let Some(e) = self.ready.take() {
            return Some(e);
        }
        loop {
            if let Some(a) = self.replay.pop_front() {
                if a.seq > self.last_seq {
                    return Some(self.alert_event(a).await);
                }
                continue;
            }
            if self.checked && Instant::now() >= self.next_check {
                self.next_check = Instant::now() + RECHECK;
                let now = (self.chain_clock)();
                if let Err(e) = decide(&self.data, &self.request(now, now)).await {
                    self.ended = true;
                    return Some(end_event(&e));
                }
            }
            let check_at = self.next_check;
            let checked = self.checked;
            tokio::select! {
                got = self.rx.recv() => match got {
                    Ok(HubEvent::Alert(a)) if a.patient == self.patient && a.seq > self.last_seq => {
                        return Some(self.alert_event(a).await);
                    }
                    Ok(HubEvent::Reading(r)) if r.patient == self.patient => {
                        return Some(json_event("reading", &r));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => self.refill().await,
                    Err(RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(check_at), if checked => {}
            }
        }
    }

    /// The alerts after the last one sent, from the store (the stream fell behind).
    pub async fn refill(&mut self) {
        let store = self.alerts.store.clone();
        let (patient, since) = (self.patient.clone(), self.last_seq);
        if let Ok(found) = blocking(move || store.alerts(&patient, since, REPLAY_LIMIT)).await {
            self.replay.extend(found);
        }
    }

    async fn alert_event(&mut self, a: Alert) -> Event {
        if self.checked {
            let request = self.request(a.at, a.at);
            match decide(&self.data, &request).await {
                Ok((_, Some((grant_id, at_ns)))) => {
                    if let Err(e) = queue_access(&self.data, &request, grant_id, at_ns).await {
                        self.ended = true;
                        return end_event(&e);
                    }
                }
                Ok((_, None)) => {}
                Err(e) => {
                    self.ended = true;
                    return end_event(&e);
                }
            }
        }
        self.last_seq = self.last_seq.max(a.seq);
        json_event("alert", &a).id(a.seq.to_string())
    }
}
