//! Per-patient transaction locks: writes under a patient's data key (skip logs, Nightscout
//! documents, alerts, webhooks) and the patient's erasure take turns, so that what one writes
//! is either erased with the rest or sees the erasure (and a new key), and counts or orders
//! kept per patient (webhook limits, alert numbers, `srv_modified`) hold across instances.
//!
//! PostgreSQL advisory locks, held until the transaction ends; the two-key form keeps them
//! apart from the single-key locks of claims and migrations. Two patients whose names hash
//! alike merely take turns.

use postgres::Transaction;

use crate::store::StoreError;

/// The first key of a patient's lock ("DIAP").
const PATIENT_SPACE: i32 = 0x4449_4150;

/// Locks `patients` (in one order, so that transactions locking several never deadlock) until the transaction ends.
pub(super) fn lock_patients<'a>(
    tx: &mut Transaction,
    patients: impl IntoIterator<Item = &'a str>,
) -> Result<(), StoreError> {
    let names: Vec<&str> = patients.into_iter().collect();
    // One statement, whatever the number of patients, taking the locks in hash order: the
    // order every transaction locks in (should two ever lock in another order, the deadlock
    // PostgreSQL detects makes `with_tx` run the transaction again).
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, h)
         FROM (SELECT DISTINCT hashtext(p) AS h FROM unnest($2::text[]) AS p ORDER BY h) AS s",
        &[&PATIENT_SPACE, &names],
    )?;
    Ok(())
}

/// Locks one patient until the transaction ends.
pub(super) fn lock_patient(tx: &mut Transaction, patient: &str) -> Result<(), StoreError> {
    lock_patients(tx, [patient])
}
