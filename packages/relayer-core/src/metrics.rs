//! Prometheus metrics (`/metrics`, text exposition format). The anchoring task updates the
//! anchoring, failure, chain-error and ingest-to-anchor metrics through the same struct.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

pub struct Metrics {
    registry: Registry,
    pub readings_ingested: Counter,
    pub batches_ingested: Counter,
    pub batches_resubmitted: Counter,
    pub batches_rejected: Family<ReasonLabel, Counter>,
    pub batches_pending: Gauge,
    /// Seconds from a request's arrival to its answer (accepted batches).
    pub ack_latency: Histogram,
    // Hooks for the anchoring task.
    pub batches_anchored: Counter,
    pub batches_failed: Family<ReasonLabel, Counter>,
    pub chain_errors: Family<KindLabel, Counter>,
    pub ingest_to_anchor: Histogram,
    // The data API and the recorder.
    pub data_served: Family<ReasonLabel, Counter>,
    pub data_refused: Family<ReasonLabel, Counter>,
    pub outbox_pending: Gauge,
    pub outbox_recorded: Counter,
    pub outbox_failed: Counter,
    pub erasures: Counter,
    // Nightscout uploads.
    pub nightscout_entries_stored: Counter,
    pub nightscout_entries_skipped: Family<ReasonLabel, Counter>,
    // Alerts.
    pub alerts_raised: Family<KindLabel, Counter>,
    /// Seconds from a batch's receipt to the alerts it raised being kept.
    pub alert_raise_latency: Histogram,
    /// Webhook delivery attempts, by outcome (`delivered`, `retry`, `dropped`).
    pub alert_deliveries: Family<ReasonLabel, Counter>,
    /// Passes the webhook deliverer made over its queue of due deliveries.
    pub alert_delivery_scans: Counter,
}

fn anchor_buckets() -> impl Iterator<Item = f64> {
    let fine = (1..=40).map(|i| f64::from(i) * 0.25);
    fine.chain([15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0])
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut m = Metrics {
            registry: Registry::with_prefix("diachain_relayer"),
            readings_ingested: Counter::default(),
            batches_ingested: Counter::default(),
            batches_resubmitted: Counter::default(),
            batches_rejected: Family::default(),
            batches_pending: Gauge::default(),
            // 0.5 ms .. ~8 s
            ack_latency: Histogram::new(exponential_buckets(0.0005, 2.0, 15)),
            batches_anchored: Counter::default(),
            batches_failed: Family::default(),
            chain_errors: Family::default(),
            // 0.25 s steps up to 10 s (blocks are seconds apart), then coarser up to an hour.
            ingest_to_anchor: Histogram::new(anchor_buckets()),
            data_served: Family::default(),
            data_refused: Family::default(),
            outbox_pending: Gauge::default(),
            outbox_recorded: Counter::default(),
            outbox_failed: Counter::default(),
            erasures: Counter::default(),
            nightscout_entries_stored: Counter::default(),
            nightscout_entries_skipped: Family::default(),
            alerts_raised: Family::default(),
            // 0.5 ms .. ~8 s
            alert_raise_latency: Histogram::new(exponential_buckets(0.0005, 2.0, 15)),
            alert_deliveries: Family::default(),
            alert_delivery_scans: Counter::default(),
        };
        m.register_all();
        m
    }

    fn register_all(&mut self) {
        let r = &mut self.registry;
        r.register(
            "alerts_raised",
            "Alerts raised, by kind",
            self.alerts_raised.clone(),
        );
        r.register(
            "alert_raise_latency_seconds",
            "Time from a batch's receipt to its alerts being kept",
            self.alert_raise_latency.clone(),
        );
        r.register(
            "alert_deliveries",
            "Webhook delivery attempts, by outcome",
            self.alert_deliveries.clone(),
        );
        r.register(
            "alert_delivery_scans",
            "Passes of the webhook deliverer over its queue of due deliveries",
            self.alert_delivery_scans.clone(),
        );
        r.register(
            "readings_ingested",
            "Readings stored",
            self.readings_ingested.clone(),
        );
        r.register(
            "batches_ingested",
            "Batches stored",
            self.batches_ingested.clone(),
        );
        r.register(
            "batches_resubmitted",
            "Exact resubmissions answered from the store",
            self.batches_resubmitted.clone(),
        );
        r.register(
            "batches_rejected",
            "Batches refused, by reason",
            self.batches_rejected.clone(),
        );
        r.register(
            "batches_pending",
            "Batches waiting to be anchored",
            self.batches_pending.clone(),
        );
        r.register(
            "ack_latency_seconds",
            "Time from request to acknowledgement of accepted batches",
            self.ack_latency.clone(),
        );
        r.register(
            "batches_anchored",
            "Batches anchored on chain",
            self.batches_anchored.clone(),
        );
        r.register(
            "batches_failed",
            "Batches the chain refused, by reason",
            self.batches_failed.clone(),
        );
        r.register(
            "chain_errors",
            "Chain errors, by kind",
            self.chain_errors.clone(),
        );
        r.register(
            "ingest_to_anchor_seconds",
            "Time from acknowledgement to on-chain anchor",
            self.ingest_to_anchor.clone(),
        );
        r.register(
            "data_requests_served",
            "Data requests answered, by basis (owner, grant, break_glass)",
            self.data_served.clone(),
        );
        r.register(
            "data_requests_refused",
            "Data requests refused, by reason",
            self.data_refused.clone(),
        );
        r.register(
            "outbox_pending",
            "Accesses and erasures waiting to be recorded on chain",
            self.outbox_pending.clone(),
        );
        r.register(
            "outbox_recorded",
            "Accesses and erasures recorded on chain",
            self.outbox_recorded.clone(),
        );
        r.register(
            "outbox_failed",
            "Accesses and erasures the consent contract refused for good",
            self.outbox_failed.clone(),
        );
        r.register("erasures", "Patients' data erased", self.erasures.clone());
        r.register(
            "nightscout_entries_stored",
            "Nightscout entries stored as readings",
            self.nightscout_entries_stored.clone(),
        );
        r.register(
            "nightscout_entries_skipped",
            "Nightscout entries left out of an upload, by reason",
            self.nightscout_entries_skipped.clone(),
        );
    }

    fn label(family: &Family<ReasonLabel, Counter>, reason: &str) {
        family
            .get_or_create(&ReasonLabel {
                reason: reason.to_string(),
            })
            .inc();
    }

    /// A data request answered on `basis`.
    pub fn served(&self, basis: &str) {
        Self::label(&self.data_served, basis);
    }

    /// Entries of a Nightscout upload stored as readings.
    pub fn nightscout_stored(&self, n: usize) {
        self.nightscout_entries_stored
            .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }

    /// An entry of a Nightscout upload left out for `reason`.
    pub fn nightscout_skipped(&self, reason: &str) {
        Self::label(&self.nightscout_entries_skipped, reason);
    }

    /// A data request refused for `reason`.
    pub fn refused(&self, reason: &str) {
        Self::label(&self.data_refused, reason);
    }

    pub fn rejected(&self, reason: &str) {
        self.batches_rejected
            .get_or_create(&ReasonLabel {
                reason: reason.to_string(),
            })
            .inc();
    }

    /// A batch the chain refused, for `reason` (see `anchor::refusal_code`).
    pub fn failed(&self, reason: &str) {
        self.batches_failed
            .get_or_create(&ReasonLabel {
                reason: reason.to_string(),
            })
            .inc();
    }

    /// A chain error of `kind` (unreachable, refused, submission_refused, store).
    pub fn chain_error(&self, kind: &str) {
        self.chain_errors
            .get_or_create(&KindLabel {
                kind: kind.to_string(),
            })
            .inc();
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            tracing::error!("metrics encoding failed");
        }
        out
    }
}
