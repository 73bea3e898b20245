//! The measured times of readings of devices sequenced by arrival (see the embedded store's
//! `held_times`): times only, no value, no patient.

use diachain_std::Reading;
use postgres::Transaction;

use super::codec::{key, unkey};
use super::PgStore;
use crate::store::held_code;
use crate::store::{HeldTimes, StoreError, StoredBatch};

pub(super) fn record(
    tx: &mut Transaction,
    device: &str,
    readings: &[Reading],
    millis: &[u16],
) -> Result<(), StoreError> {
    let (mut times, mut seqs, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for (i, r) in readings.iter().enumerate() {
        let ms = millis.get(i).copied().unwrap_or(0);
        times.push(key(r.measured_at));
        seqs.push(key(r.seq));
        // Kept as the same 32 bits the embedded store keeps.
        values.push(held_code::encode(ms, r) as i32);
    }
    tx.execute(
        "INSERT INTO held_times (device_id, time, seq, value)
         SELECT $1, t, s, v FROM unnest($2::bigint[], $3::bigint[], $4::int[]) AS h(t, s, v)
         ON CONFLICT (device_id, time, seq) DO UPDATE SET value = EXCLUDED.value",
        &[&device, &times, &seqs, &values],
    )?;
    Ok(())
}

/// Forgets the times of an erased batch.
pub(super) fn forget(tx: &mut Transaction, batch: &StoredBatch) -> Result<(), StoreError> {
    let h = &batch.header;
    tx.execute(
        "DELETE FROM held_times WHERE device_id = $1 AND time BETWEEN $2 AND $3
         AND seq BETWEEN $4 AND $5",
        &[
            &h.device_id,
            &key(h.first_time),
            &key(h.last_time),
            &key(h.first_seq),
            &key(h.last_seq),
        ],
    )?;
    Ok(())
}

pub(super) fn read(
    store: &PgStore,
    device: &str,
    from: u64,
    to: u64,
) -> Result<HeldTimes, StoreError> {
    store.with_snapshot(|tx| {
        let times = tx
            .query(
                "SELECT time, seq, value FROM held_times
                 WHERE device_id = $1 AND time BETWEEN $2 AND $3 ORDER BY time, seq",
                &[&device, &key(from), &key(to)],
            )?
            .iter()
            .map(|r| held_code::decode(unkey(r.get(0)), unkey(r.get(1)), r.get::<_, i32>(2) as u32))
            .collect();
        let newest = tx
            .query_opt(
                "SELECT time FROM held_times WHERE device_id = $1 ORDER BY time DESC LIMIT 1",
                &[&device],
            )?
            .map(|r| unkey(r.get(0)));
        Ok(HeldTimes { newest, times })
    })
}
