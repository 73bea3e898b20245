//! Versioned schema migrations: `packages/relayer-core/migrations/NNNN_name.sql`, applied in
//! order, each in its own transaction, recorded with its SHA-256 in `schema_migrations`. An
//! applied migration whose file changed since, or a database ahead of this binary, is refused.
//! Instances starting together take turns (an advisory lock).

use sha2::{Digest, Sha256};

use crate::store::StoreError;

/// Every migration, in order: (version, name, SQL).
pub(crate) const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "store",
    include_str!("../../../migrations/0001_store.sql"),
)];

/// The advisory lock key that serialises migrations ("DIAMIGR" in ASCII).
const MIGRATION_LOCK: i64 = 0x0044_4941_4d49_4752;

fn digest(sql: &str) -> Vec<u8> {
    Sha256::digest(sql.as_bytes()).to_vec()
}

/// Brings the schema up to date; returns the versions applied now.
pub(crate) fn migrate(client: &mut postgres::Client) -> Result<Vec<i32>, StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // (IF NOT EXISTS would make the server send a notice at every start.)
    let exists: bool = tx
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        tx.batch_execute(
            "CREATE TABLE schema_migrations (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             sha256     bytea NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now())",
        )?;
    }
    let applied: Vec<(i32, Vec<u8>)> = tx
        .query(
            "SELECT version, sha256 FROM schema_migrations ORDER BY version",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let known = MIGRATIONS.len();
    if applied.len() > known {
        return Err(StoreError::Schema(format!(
            "the database is at schema version {}, newer than this relayer knows ({known}): \
             run a newer relayer",
            applied.len()
        )));
    }
    for ((version, sum), (want, name, sql)) in applied.iter().zip(MIGRATIONS) {
        if version != want || *sum != digest(sql) {
            return Err(StoreError::Schema(format!(
                "migration {want} ({name}) applied to this database differs from this \
                 relayer's: the database was migrated by another build"
            )));
        }
    }
    let mut done = Vec::new();
    for (version, name, sql) in &MIGRATIONS[applied.len()..] {
        tx.batch_execute(sql)
            .map_err(|e| StoreError::Schema(format!("migration {version} ({name}): {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
            &[version, name, &digest(sql)],
        )?;
        done.push(*version);
    }
    tx.commit()?;
    Ok(done)
}
