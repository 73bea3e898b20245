//! [`RedbStore::export_snapshot`]: every table, in one read transaction, as typed records.

use redb::{ReadTransaction, ReadableTable};

use super::tables::{self, *};
use super::RedbStore;
use crate::store::snapshot::{SnapshotCounts, SnapshotRecord, SnapshotSink};
use crate::store::StoreError;

/// Every table an export reads (a test checks that a store has no other).
#[cfg(test)]
pub(crate) fn exported_tables() -> Vec<String> {
    use redb::{TableDefinition, TableHandle};
    fn n<K: redb::Key, V: redb::Value>(d: TableDefinition<'static, K, V>) -> String {
        d.name().to_string()
    }
    vec![
        n(META),
        n(DATA_KEYS),
        n(BATCHES),
        n(READINGS),
        n(ERASURES),
        n(OUTBOX),
        n(UPLOADERS),
        n(UPLOADER_SKIPS),
        n(NS_DOCS),
        n(FOLLOWERS),
        n(HELD_TIMES),
        n(ALERT_SETTINGS),
        n(ALERTS),
        n(WEBHOOKS),
        n(DELIVERIES),
        n(RANGES),
        n(PENDING),
        n(IN_FLIGHT),
        n(PATIENT_BATCHES),
        n(OUTBOX_QUEUED),
        n(OUTBOX_IN_FLIGHT),
        n(UPLOADER_TOKENS),
        n(FOLLOWER_TOKENS),
        n(NS_DOC_IDS),
        n(NS_DOC_MODIFIED),
        n(ALERT_IDS),
        n(ALERT_LAST),
        n(PATIENT_WEBHOOKS),
    ]
}

impl RedbStore {
    /// Hands every record of the store to `sink`, from one read snapshot taken now (writes go
    /// on meanwhile and are not in it), in the order `store::snapshot` documents. Values stay
    /// sealed; the master key is not among them. An error of the sink stops the export.
    pub fn export_snapshot(
        &self,
        sink: &mut dyn SnapshotSink,
    ) -> Result<SnapshotCounts, StoreError> {
        let txn = self.begin_read()?;
        export(&txn, sink)
    }
}

struct Emit<'s> {
    sink: &'s mut dyn SnapshotSink,
    counts: SnapshotCounts,
}

impl Emit<'_> {
    fn emit(&mut self, r: SnapshotRecord<'_>) -> Result<(), StoreError> {
        match r {
            SnapshotRecord::Batch { .. } => {
                self.counts.batches = self.counts.batches.saturating_add(1)
            }
            SnapshotRecord::Reading { .. } => {
                self.counts.readings = self.counts.readings.saturating_add(1)
            }
            _ => {}
        }
        self.counts.records = self.counts.records.saturating_add(1);
        self.sink.record(r)
    }
}

/// Calls `$emit` with the (key, value) of every row of `$def`.
macro_rules! each {
    ($txn:expr, $def:expr, |$k:pat_param, $v:pat_param| $body:expr) => {{
        for entry in $txn.open_table($def)?.iter()? {
            let (k, v) = entry?;
            let ($k, $v) = (k.value(), v.value());
            $body?;
        }
    }};
}

pub(super) fn export(
    txn: &ReadTransaction,
    sink: &mut dyn SnapshotSink,
) -> Result<SnapshotCounts, StoreError> {
    use SnapshotRecord as R;
    let mut out = Emit {
        sink,
        counts: SnapshotCounts::default(),
    };
    each!(txn, META, |name, value| out.emit(R::Meta { name, value }));
    each!(txn, DATA_KEYS, |patient, wrapped| out
        .emit(R::DataKey { patient, wrapped }));
    batches(txn, &mut out)?;
    each!(txn, ERASURES, |(patient, number), record| out.emit(
        R::Erasure {
            patient,
            number,
            record
        }
    ));
    each!(txn, OUTBOX, |id, record| out.emit(R::Outbox { id, record }));
    each!(txn, UPLOADERS, |device_id, sealed| out
        .emit(R::Uploader { device_id, sealed }));
    each!(txn, UPLOADER_SKIPS, |(patient, device_id), sealed| out
        .emit(R::UploaderSkips {
            patient,
            device_id,
            sealed
        }));
    each!(txn, NS_DOCS, |(patient, collection, time_ms, number),
                         sealed| out.emit(
        R::NsDoc {
            patient,
            collection,
            time_ms,
            number,
            sealed
        }
    ));
    each!(txn, FOLLOWERS, |id, sealed| out
        .emit(R::Follower { id, sealed }));
    each!(txn, HELD_TIMES, |(device_id, measured_at, seq), value| out
        .emit(R::HeldTime {
            device_id,
            measured_at,
            seq,
            value
        }));
    each!(txn, ALERT_SETTINGS, |patient, record| out
        .emit(R::AlertSettings { patient, record }));
    each!(txn, ALERTS, |(patient, number), sealed| out.emit(
        R::Alert {
            patient,
            number,
            sealed
        }
    ));
    each!(txn, WEBHOOKS, |id, sealed| out
        .emit(R::Webhook { id, sealed }));
    each!(txn, DELIVERIES, |(due_ms, number), record| out.emit(
        R::Delivery {
            due_ms,
            number,
            record
        }
    ));
    derived(txn, &mut out)?;
    Ok(out.counts)
}

/// Each batch, followed by its readings.
fn batches(txn: &ReadTransaction, out: &mut Emit<'_>) -> Result<(), StoreError> {
    let readings = txn.open_table(tables::READINGS)?;
    for entry in txn.open_table(tables::BATCHES)?.iter()? {
        let (k, v) = entry?;
        let id = k.value();
        let batch = tables::decode_batch(v.value())?;
        out.emit(SnapshotRecord::Batch {
            batch: &batch,
            record: v.value(),
        })?;
        for r in readings.range((id, 0u64)..=(id, u64::MAX))? {
            let (rk, rv) = r?;
            let (batch_id, seq) = rk.value();
            out.emit(SnapshotRecord::Reading {
                batch_id,
                seq,
                sealed: rv.value(),
            })?;
        }
    }
    Ok(())
}

fn derived(txn: &ReadTransaction, out: &mut Emit<'_>) -> Result<(), StoreError> {
    use SnapshotRecord as R;
    each!(
        txn,
        RANGES,
        |(device_id, first_seq), (last_seq, batch_id, day)| out.emit(R::Range {
            device_id,
            first_seq,
            last_seq,
            batch_id,
            day
        })
    );
    each!(txn, PENDING, |batch_id, ()| out
        .emit(R::Pending { batch_id }));
    each!(txn, IN_FLIGHT, |batch_id, ()| out
        .emit(R::InFlight { batch_id }));
    each!(
        txn,
        PATIENT_BATCHES,
        |(patient, first_time, batch_id), last_time| out.emit(R::PatientBatch {
            patient,
            first_time,
            batch_id,
            last_time
        })
    );
    each!(txn, OUTBOX_QUEUED, |id, ()| out
        .emit(R::OutboxQueued { id }));
    each!(txn, OUTBOX_IN_FLIGHT, |id, ()| out
        .emit(R::OutboxInFlight { id }));
    each!(txn, UPLOADER_TOKENS, |token_hash, device_id| out.emit(
        R::UploaderToken {
            token_hash,
            device_id
        }
    ));
    each!(txn, FOLLOWER_TOKENS, |token_hash, follower_id| out.emit(
        R::FollowerToken {
            token_hash,
            follower_id
        }
    ));
    each!(
        txn,
        NS_DOC_IDS,
        |(patient, collection, identifier), (time_ms, number)| out.emit(R::NsDocId {
            patient,
            collection,
            identifier,
            time_ms,
            number
        })
    );
    each!(
        txn,
        NS_DOC_MODIFIED,
        |(patient, collection, modified_ms, number), time_ms| out.emit(R::NsDocModified {
            patient,
            collection,
            modified_ms,
            number,
            time_ms
        })
    );
    each!(txn, ALERT_IDS, |(patient, alert_id), number| out.emit(
        R::AlertId {
            patient,
            alert_id,
            number
        }
    ));
    each!(txn, ALERT_LAST, |(patient, kind), number| out.emit(
        R::AlertLast {
            patient,
            kind,
            number
        }
    ));
    each!(txn, PATIENT_WEBHOOKS, |(patient, webhook_id), ()| out.emit(
        R::PatientWebhook {
            patient,
            webhook_id
        }
    ));
    Ok(())
}
