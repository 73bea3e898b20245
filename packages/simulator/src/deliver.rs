//! Delivering one batch to the relayer: sign, post, retry while the relayer is unreachable or
//! answers 503, renumber when the relayer holds those sequence numbers of the device (409), and
//! record the outcome.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diachain_std::{Domain, Reading};
use hyper::body::Bytes;
use tokio::sync::{watch, Mutex};

use diachain_relayer_types::gateway::{renumber, signed_request, HeaderVersion};

use super::acks::{Ack, AckLog};
use super::fleet::SimDevice;
use super::http::{Answer, RelayerClient};
use super::state::SimState;
use super::summary::Tally;
use super::SimError;

/// Attempts per batch while the relayer is unreachable or answers 503.
const TRANSPORT_ATTEMPTS: u32 = 4;
/// Renumberings per batch after 409s: each one jumps over one batch the relayer holds (a rerun
/// without the state file finds the head this way; with it, none is needed).
const MAX_RENUMBER: u32 = 32;
const BATCHES_PATH: &str = "/v1/batches";

/// What the device tasks share.
pub struct Shared {
    pub relayer: RelayerClient,
    pub chain_id: String,
    pub anchors: String,
    pub tally: Mutex<Tally>,
    pub state: Mutex<SimState>,
    /// Batches handed out so far, against `max_batches`.
    pub batches: AtomicU64,
    pub max_batches: Option<u64>,
    pub stop: watch::Sender<bool>,
    /// Seconds the chain's clock runs ahead of this machine's (negative: behind).
    pub clock_offset: i64,
    /// The acknowledgement log (`--acks`), if any.
    pub acks: Option<Mutex<AckLog>>,
}

impl Shared {
    /// The chain's time now, as this machine's clock and the offset measured at start tell.
    pub fn chain_now(&self) -> u64 {
        super::unix_now().saturating_add_signed(self.clock_offset)
    }
}

impl Shared {
    /// Takes one batch from the `--batches` budget; `false` (and stop) when it is spent.
    pub fn take_batch(&self) -> bool {
        let Some(max) = self.max_batches else {
            return true;
        };
        let taken = self.batches.fetch_add(1, Ordering::SeqCst);
        if taken.saturating_add(1) >= max {
            self.stop.send_replace(true);
        }
        taken < max
    }

    /// Posts `readings` of `device` as one signed batch with a header of `version`. Returns the
    /// device's next sequence number when the batch had to be renumbered.
    pub async fn deliver(
        &self,
        device: &SimDevice,
        readings: Vec<Reading>,
        version: HeaderVersion,
    ) -> Option<u64> {
        let domain = Domain {
            chain_id: &self.chain_id,
            contract: &self.anchors,
        };
        self.tally.lock().await.posted += 1;
        let mut readings = readings;
        let mut renumbered = None;
        for attempt in 0..=MAX_RENUMBER {
            let answer = match self.send(device, &readings, &domain, version).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(device = %device.id, error = %e, "batch not delivered");
                    self.tally.lock().await.transport_errors += 1;
                    return renumbered;
                }
            };
            if answer.status == 201 {
                self.accepted(&device.id, &readings, &answer).await;
                return renumbered;
            }
            let held = (answer.status == 409 && attempt < MAX_RENUMBER)
                .then(|| held_last_seq(&answer.body))
                .flatten();
            let moved = held
                .and_then(|h| h.checked_add(1))
                .and_then(|first| renumber(&readings, first));
            match moved {
                Some(moved) => {
                    tracing::info!(device = %device.id, first_seq = moved[0].seq, "renumbered after the relayer's head");
                    if renumbered.is_none() {
                        self.tally.lock().await.renumbered += 1;
                    }
                    renumbered = moved.last().and_then(|r| r.seq.checked_add(1));
                    readings = moved;
                }
                None => {
                    let code = error_code(&answer);
                    tracing::warn!(device = %device.id, status = answer.status, %code, "batch refused");
                    self.tally.lock().await.reject(&code);
                    return renumbered;
                }
            }
        }
        renumbered
    }

    async fn send(
        &self,
        device: &SimDevice,
        readings: &[Reading],
        domain: &Domain<'_>,
        version: HeaderVersion,
    ) -> Result<Answer, SimError> {
        let request = signed_request(&device.key, readings, domain, version)?;
        let body = Bytes::from(serde_json::to_vec(&request)?);
        let mut last = SimError::NotSent;
        for attempt in 0..TRANSPORT_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200u64 << attempt)).await;
            }
            match self.relayer.post(BATCHES_PATH, body.clone()).await {
                Ok(a) if a.status == 503 => {
                    last = SimError::Unavailable {
                        code: error_code(&a),
                    }
                }
                Ok(a) => return Ok(a),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn accepted(&self, device_id: &str, readings: &[Reading], answer: &Answer) {
        let (Some(first), Some(last)) = (readings.first(), readings.last()) else {
            return;
        };
        {
            let mut t = self.tally.lock().await;
            t.accepted += 1;
            t.replayed += u64::from(answer.replayed);
            t.readings_accepted += readings.len() as u64;
            for r in readings {
                t.kind(r.kind);
            }
            t.latency(answer.latency);
        }
        tracing::debug!(device = %device_id, first_seq = first.seq, last_seq = last.seq, "accepted");
        if let Some(log) = &self.acks {
            let ack = Ack {
                device: device_id.to_string(),
                first_seq: first.seq,
                last_seq: last.seq,
                readings: readings.len() as u64,
                replayed: answer.replayed,
            };
            if let Err(e) = log.lock().await.record(&ack) {
                // The batch stays acknowledged; a fault test then finds it stored but not
                // listed, which it reports apart from a loss.
                tracing::error!(device = %device_id, error = %e, "acknowledgement not logged");
            }
        }
        self.state
            .lock()
            .await
            .accepted(device_id, last.seq, last.measured_at);
    }
}

/// The relayer's error code, or `http_<status>`.
pub fn error_code(answer: &Answer) -> String {
    serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| format!("http_{}", answer.status))
}

/// The last sequence number the relayer holds, from a 409 body (`held_head` of `behind_head`,
/// `conflict` of `overlap`).
pub fn held_last_seq(body: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["held_head", "conflict"]
        .iter()
        .find_map(|k| v.get(k)?.get("last_seq")?.as_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relayers_head_is_read_from_both_409_bodies() {
        let behind =
            br#"{"error":"behind_head","message":"m","held_head":{"first_seq":1,"last_seq":24}}"#;
        let overlap =
            br#"{"error":"overlap","message":"m","conflict":{"first_seq":13,"last_seq":30}}"#;
        assert_eq!(held_last_seq(behind), Some(24));
        assert_eq!(held_last_seq(overlap), Some(30));
        assert_eq!(held_last_seq(b"{}"), None);
        let a = Answer {
            status: 403,
            body: Bytes::from_static(br#"{"error":"invalid_signature","message":"m"}"#),
            replayed: false,
            latency: Duration::ZERO,
        };
        assert_eq!(error_code(&a), "invalid_signature");
        let a = Answer {
            body: Bytes::from_static(b"oops"),
            ..a
        };
        assert_eq!(error_code(&a), "http_403");
    }
}
