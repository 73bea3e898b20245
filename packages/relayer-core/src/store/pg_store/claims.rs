//! Work claimed by a relayer instance when several share the database: a device's anchoring
//! queue (its pending and in-flight batches), outbox items and webhook deliveries. A claim has
//! a lease its instance renews (the [`Heartbeat`]); one whose lease ran out is taken over by the
//! next instance that looks for work, so a dead instance's work is finished by another.
//!
//! Claiming a device's queue as a whole keeps its batches in sequence order on chain (the
//! anchors contract refuses a range behind the device's head) and makes sure a batch in flight
//! is settled, by its transaction's hash, before anything after it is sent.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::{Client, Transaction};

use super::PgStore;
use crate::store::StoreError;

/// The advisory lock that makes instances claim devices one at a time ("DIACLAIM").
pub(super) const CLAIM_LOCK: i64 = 0x4449_4143_4c41_494d;

/// A name for this process: host, process id and a few random bits.
pub(crate) fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "relayer".into());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{host}-{}-{nanos:08x}", std::process::id())
}

/// The lease as SQL takes it (seconds).
pub(super) fn lease_secs(store: &PgStore) -> f64 {
    store.options.lease.as_secs_f64()
}

pub(super) fn register(client: &mut Client, instance: &str) -> Result<(), StoreError> {
    client.execute(
        "INSERT INTO instances (id, started_at, seen_at) VALUES ($1, now(), now())
         ON CONFLICT (id) DO UPDATE SET seen_at = now()",
        &[&instance],
    )?;
    Ok(())
}

/// Renews every claim of this instance.
pub(super) fn renew(store: &PgStore) -> Result<(), StoreError> {
    let me = store.instance().to_string();
    let lease = lease_secs(store);
    store.with_tx(|tx| {
        tx.execute(
            "UPDATE device_claims SET until = now() + make_interval(secs => $2) WHERE owner = $1",
            &[&me, &lease],
        )?;
        tx.execute(
            "UPDATE outbox SET claimed_until = now() + make_interval(secs => $2)
             WHERE claimed_by = $1",
            &[&me, &lease],
        )?;
        tx.execute(
            "UPDATE deliveries SET claimed_until = now() + make_interval(secs => $2)
             WHERE claimed_by = $1",
            &[&me, &lease],
        )?;
        tx.execute("UPDATE instances SET seen_at = now() WHERE id = $1", &[&me])?;
        Ok(())
    })
}

/// Fails with [`StoreError::ClaimLost`] unless this instance holds a live claim on every device
/// of `devices`; renews them.
pub(super) fn ensure_devices(
    store: &PgStore,
    tx: &mut Transaction,
    devices: &[String],
) -> Result<(), StoreError> {
    let me = store.instance();
    let lease = lease_secs(store);
    let held: Vec<String> = tx
        .query(
            "UPDATE device_claims SET until = now() + make_interval(secs => $3)
             WHERE device_id = ANY($1) AND owner = $2 AND until > now()
             RETURNING device_id",
            &[&devices, &me, &lease],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    match devices.iter().find(|d| !held.contains(d)) {
        Some(lost) => Err(StoreError::ClaimLost(lost.clone())),
        None => Ok(()),
    }
}

/// Claims `devices` for this instance (the caller holds [`CLAIM_LOCK`] and chose devices that
/// are free, its own, or whose lease ran out).
pub(super) fn take_devices(
    store: &PgStore,
    tx: &mut Transaction,
    devices: &[String],
) -> Result<(), StoreError> {
    if devices.is_empty() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO device_claims (device_id, owner, until)
         SELECT d, $2, now() + make_interval(secs => $3) FROM unnest($1::text[]) AS d
         ON CONFLICT (device_id) DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until",
        &[&devices, &store.instance(), &lease_secs(store)],
    )?;
    Ok(())
}

/// Renews this instance's claims every third of the lease until dropped.
pub struct Heartbeat {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    pub(super) fn start(store: Arc<PgStore>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let every = (store.options.lease / 3).max(Duration::from_millis(100));
        let thread = std::thread::Builder::new()
            .name("pg-heartbeat".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    if let Err(e) = renew(&store) {
                        tracing::warn!(error = %e, "store: could not renew this instance's claims");
                    }
                    std::thread::park_timeout(every);
                }
            })
            .ok();
        Heartbeat { stop, thread }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
