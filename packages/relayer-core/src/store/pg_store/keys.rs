//! Data keys in the `data_keys` table and the master-key check in `meta` (see
//! [`crate::store::keys`]: a key in memory is used only while its very wrapped form is still
//! in the table the caller's transaction reads).

use postgres::Transaction;

use crate::store::keys::{Cipher, DataKeys, Staged};
use crate::store::StoreError;

const MASTER_CHECK: &str = "master_check";

/// Stores the master-key check value in a new database, checks it in any other.
pub(super) fn check_master(keys: &DataKeys, tx: &mut Transaction) -> Result<(), StoreError> {
    let found = tx.query_opt("SELECT value FROM meta WHERE name = $1", &[&MASTER_CHECK])?;
    if let Some(row) = found {
        return keys.verify_master(row.get::<_, &[u8]>(0));
    }
    let holds_data: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM data_keys) OR EXISTS (SELECT 1 FROM batches)",
            &[],
        )?
        .get(0);
    if holds_data {
        return Err(StoreError::Corrupt(
            "the master-key check is missing".into(),
        ));
    }
    let check = keys.master_check()?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[&MASTER_CHECK, &check],
    )?;
    // Another instance may have made the database at the same moment, under its key.
    let stored = tx.query_one("SELECT value FROM meta WHERE name = $1", &[&MASTER_CHECK])?;
    keys.verify_master(stored.get::<_, &[u8]>(0))
}

/// The patient's key for reading, if they have one.
pub(super) fn for_read(
    keys: &DataKeys,
    tx: &mut Transaction,
    patient: &str,
) -> Result<Option<Cipher>, StoreError> {
    let row = tx.query_opt(
        "SELECT wrapped FROM data_keys WHERE patient = $1",
        &[&patient],
    )?;
    row.map(|r| keys.for_wrapped(patient, r.get::<_, &[u8]>(0)))
        .transpose()
}

/// The patient's key for writing; creates one (staged until the transaction commits) for a
/// patient seen for the first time.
pub(super) fn for_write(
    keys: &DataKeys,
    tx: &mut Transaction,
    staged: &mut Staged,
    patient: &str,
) -> Result<Cipher, StoreError> {
    if let Some((_, c)) = staged.get(patient) {
        return Ok(c.clone());
    }
    if let Some(c) = for_read(keys, tx, patient)? {
        return Ok(c);
    }
    let (wrapped, cipher) = keys.create(patient)?;
    let inserted = tx.execute(
        "INSERT INTO data_keys (patient, wrapped) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&patient, &wrapped],
    )?;
    if inserted == 0 {
        // Another instance made the patient's key first: use that one.
        return for_read(keys, tx, patient)?
            .ok_or_else(|| StoreError::Corrupt(format!("data key of patient {patient}")));
    }
    staged.insert(patient.to_string(), (wrapped, cipher.clone()));
    Ok(cipher)
}
