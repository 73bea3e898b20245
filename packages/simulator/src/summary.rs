//! What the simulator did, printed as JSON at the end.

use std::collections::BTreeMap;
use std::time::Duration;

use diachain_std::encoding::ReadingKind;
use serde::Serialize;

/// Counters kept while streaming.
#[derive(Debug, Default)]
pub struct Tally {
    pub posted: u64,
    pub accepted: u64,
    pub replayed: u64,
    pub readings_accepted: u64,
    /// Readings accepted by kind (`glucose`, `insulin_bolus`, …).
    pub kinds: BTreeMap<String, u64>,
    pub rejected: BTreeMap<String, u64>,
    pub transport_errors: u64,
    pub renumbered: u64,
    latencies_us: Vec<u64>,
}

impl Tally {
    pub fn latency(&mut self, d: Duration) {
        self.latencies_us
            .push(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Counts an accepted reading of `kind`.
    pub fn kind(&mut self, kind: ReadingKind) {
        let name = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("kind{}", kind.code()));
        let n = self.kinds.entry(name).or_default();
        *n = n.saturating_add(1);
    }

    pub fn reject(&mut self, code: &str) {
        let n = self.rejected.entry(code.to_string()).or_default();
        *n = n.saturating_add(1);
    }
}

/// The summary printed at the end.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Simulated people by profile (`cgm_only`, `pump`, `pens_and_app`).
    pub people: BTreeMap<String, usize>,
    /// Their devices: glucose sensors, pumps, pens and apps.
    pub devices: usize,
    pub registered: usize,
    pub bound: usize,
    pub streaming: usize,
    pub skipped: BTreeMap<String, String>,
    pub batches_posted: u64,
    pub batches_accepted: u64,
    /// Accepted answers that were the relayer's stored answer to an earlier identical batch.
    pub batches_replayed: u64,
    pub readings_accepted: u64,
    /// Accepted readings by kind.
    pub readings_by_kind: BTreeMap<String, u64>,
    /// Refused batches by the relayer's error code (`http_<status>` when the body has none).
    pub rejected: BTreeMap<String, u64>,
    /// Batches given up after connection failures or 503s.
    pub transport_errors: u64,
    /// Batches renumbered (once or more) after the relayer reported it held their sequence
    /// numbers (a rerun without the state file).
    pub renumbered: u64,
    pub ack_latency_ms: Latency,
    pub elapsed_secs: f64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Latency {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

impl Tally {
    /// Acknowledgement latency percentiles (nearest rank), in milliseconds.
    pub fn latency_ms(&self) -> Latency {
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let rank = |p: f64| -> Option<f64> {
            let last = v.len().checked_sub(1)?;
            let i = ((p * v.len() as f64).ceil() as usize)
                .saturating_sub(1)
                .min(last);
            v.get(i).map(|us| *us as f64 / 1_000.0)
        };
        Latency {
            p50: rank(0.50),
            p99: rank(0.99),
            max: v.last().map(|us| *us as f64 / 1_000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_in_milliseconds() {
        let mut t = Tally::default();
        assert_eq!(
            t.latency_ms(),
            Latency {
                p50: None,
                p99: None,
                max: None
            }
        );
        for ms in 1..=100u64 {
            t.latency(Duration::from_millis(ms));
        }
        let l = t.latency_ms();
        assert_eq!((l.p50, l.p99, l.max), (Some(50.0), Some(99.0), Some(100.0)));
    }
}
