//! The ingest pipeline shared by the HTTP handler, tests and benchmarks.

use std::sync::Arc;

use diachain_std::{BatchHeader, Domain};

use super::checks::{self, Parsed};
use super::{device, Rejection, Verifier};
use crate::alerts::AlertFeed;
use crate::clock::{now_ms, Clock};
use crate::registry::{RegistryCache, SamplingLimits};
use crate::store::{GroupCommit, IngestOutcome, IngestStore, NewBatch, StoreError, StoredBatch};

/// An accepted batch: stored now, or found stored before (`replay`).
#[derive(Clone, Debug)]
pub struct Accepted {
    pub batch: StoredBatch,
    pub replay: bool,
}

pub struct Pipeline {
    /// The chain id and anchors contract address the device signatures are bound to.
    pub chain_id: String,
    pub anchors_contract: String,
    pub registry: Arc<RegistryCache>,
    /// reading-anchors' minimum reading intervals per device kind.
    pub limits: Arc<SamplingLimits>,
    pub store: Arc<dyn IngestStore>,
    pub writer: Arc<GroupCommit>,
    /// This machine's clock: when a batch was received.
    pub clock: Clock,
    /// The chain's clock (block time), which the header rules are judged against, as the
    /// contract does.
    pub chain_clock: Clock,
    pub verifier: Verifier,
    /// Where stored batches go to be evaluated for alerts (`None`: no alerts).
    pub alerts: Option<AlertFeed>,
}

impl Pipeline {
    pub fn domain(&self) -> Domain<'_> {
        Domain {
            chain_id: &self.chain_id,
            contract: &self.anchors_contract,
        }
    }

    /// Checks a request body and stores the batch durably; see the module docs for the order.
    pub async fn submit(&self, body: &[u8]) -> Result<Accepted, Rejection> {
        self.submit_stamped(body, Vec::new()).await
    }

    /// The same, with the millisecond each reading was stamped with by its uploader (a
    /// Nightscout `date`; the chain proves the second), kept for a relayer-held key.
    pub async fn submit_stamped(
        &self,
        body: &[u8],
        millis: Vec<u16>,
    ) -> Result<Accepted, Rejection> {
        let parsed = checks::parse(body)?;
        let h = &parsed.header;
        checks::check_header(h, (self.chain_clock)())?;
        checks::check_readings(h, &parsed.readings)?;
        checks::check_scopes(h, &parsed.readings)?;
        checks::check_root(h, &parsed.readings)?;
        if let Some(batch) = self.stored_copy(&parsed)? {
            return Ok(Accepted {
                batch,
                replay: true,
            });
        }
        let (patient, min_interval_seconds, backfill) = self.authenticate(&parsed).await?;
        let Parsed {
            header,
            signature,
            readings,
        } = parsed;
        let batch = NewBatch {
            header,
            signature,
            patient,
            readings,
            received_at: (self.clock)(),
            received_at_ms: now_ms(),
            min_interval_seconds,
            backfill,
            millis,
        };
        let outcome = self.writer.submit(batch).await.map_err(store_rejection)?;
        if let (Some(feed), IngestOutcome::Stored(b)) = (&self.alerts, &outcome) {
            feed.stored(b);
        }
        outcome_to_result(outcome)
    }

    /// The stored batch if this is an exact resubmission (same header, same signature).
    fn stored_copy(&self, p: &Parsed) -> Result<Option<StoredBatch>, Rejection> {
        let found = self
            .store
            .find_batch(&p.header.device_id, p.header.first_seq)
            .map_err(store_rejection)?;
        Ok(found.filter(|b| same_batch(b, &p.header, &p.signature)))
    }

    /// Registry checks, the device kind's (and a version 2 header's scopes') sampling limits and
    /// the signature; returns the patient the batch belongs to, the gap the batch must keep
    /// after the device's last reading, and whether the device may backfill (a relayer-held
    /// key).
    async fn authenticate(&self, p: &Parsed) -> Result<(String, u32, bool), Rejection> {
        let h = &p.header;
        let device = self.registry.device(&h.device_id).await.map_err(|e| {
            tracing::warn!(error = %e, device = %h.device_id, "registry lookup failed");
            Rejection::RegistryUnavailable {
                reason: "the chain's device registry could not be queried".into(),
            }
        })?;
        let authorized = device::authorize(h, device.as_ref(), (self.chain_clock)())?;
        let kind_interval = self.limits.min_interval(authorized.kind);
        checks::check_density(h, kind_interval)?;
        checks::check_scope_density(h, kind_interval)?;
        let min_interval = checks::header_min_interval(h, kind_interval);
        device::verify(
            &self.verifier,
            h,
            &self.domain(),
            authorized.key,
            &p.signature,
        )?;
        Ok((
            authorized.patient.to_string(),
            min_interval,
            authorized.held,
        ))
    }
}

fn same_batch(stored: &StoredBatch, header: &BatchHeader, signature: &[u8]) -> bool {
    stored.header == *header && stored.signature.as_slice() == signature
}

fn outcome_to_result(outcome: IngestOutcome) -> Result<Accepted, Rejection> {
    match outcome {
        IngestOutcome::Stored(batch) => Ok(Accepted {
            batch,
            replay: false,
        }),
        IngestOutcome::Duplicate(batch) => Ok(Accepted {
            batch,
            replay: true,
        }),
        IngestOutcome::Overlap { conflict } => Err(Rejection::Overlap { conflict }),
        IngestOutcome::BehindHead { head } => Err(Rejection::BehindHead { head }),
        IngestOutcome::DayBackwards { day, held_day } => {
            Err(Rejection::DayBackwards { day, held_day })
        }
        IngestOutcome::TooSoonAfterLast {
            first_time,
            held_last_time,
            min_interval_seconds,
        } => Err(Rejection::TooSoonAfterLast {
            first_time,
            held_last_time,
            min_interval_seconds,
        }),
    }
}

fn store_rejection(e: StoreError) -> Rejection {
    match e {
        StoreError::Closed => Rejection::ShuttingDown,
        e if e.is_storage_full() => Rejection::StoreFull,
        StoreError::GroupFailed(e) if e.is_transient() => {
            tracing::warn!(error = %e, "store unavailable during ingest");
            Rejection::StoreUnavailable
        }
        e if e.is_transient() => {
            tracing::warn!(error = %e, "store unavailable during ingest");
            Rejection::StoreUnavailable
        }
        other => {
            tracing::error!(error = %other, "store failure during ingest");
            Rejection::StoreFailed
        }
    }
}
