//! Test fixture: a fresh database for each test on the PostgreSQL server that
//! `DIACHAIN_TEST_PG_URL` names (the tests using it are ignored unless run with `--ignored`,
//! which `scripts/e2e.sh` does after starting a server).

use std::time::Duration;

use super::{PgStore, PgStoreOptions};
use crate::store::crypto::MasterKey;

/// The variable naming the test server (`postgres://user@host:port/db`).
pub(crate) const URL_VAR: &str = "DIACHAIN_TEST_PG_URL";

/// A new, empty database on the test server: its URL.
pub(crate) fn fresh_database() -> String {
    let server = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{URL_VAR} is not set: this test needs a PostgreSQL server \
             (scripts/e2e.sh starts one and sets it)"
        )
    });
    let name = format!(
        "test_{}",
        hex::encode(&MasterKey::generate().derive(b"test database")[..8])
    );
    let mut admin = postgres::Client::connect(&server, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {URL_VAR} ({server}): {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    with_database(&server, &name)
}

/// `url` with its database replaced by `name` (URL or key=value form).
fn with_database(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return format!("{url} dbname={name}");
    };
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = scheme_end + 3;
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Options of a test store: `instance` named, a short connect timeout, `lease` as given.
pub(crate) fn options(instance: &str, lease: Duration) -> PgStoreOptions {
    PgStoreOptions {
        pool_size: 4,
        connect_timeout: Duration::from_secs(5),
        lease,
        instance: instance.to_string(),
    }
}

/// Opens a store on `url` under `master`.
pub(crate) fn open(url: &str, master: &MasterKey, options: PgStoreOptions) -> PgStore {
    PgStore::open(url, master, options).unwrap_or_else(|e| panic!("PgStore::open: {e}"))
}

/// A store on a fresh database under a random master key (always `Some`: panics when
/// `DIACHAIN_TEST_PG_URL` is not set or the server refuses).
pub(crate) fn fresh_store() -> Option<PgStore> {
    let url = fresh_database();
    Some(open(
        &url,
        &MasterKey::generate(),
        options("test-instance", Duration::from_secs(30)),
    ))
}

#[test]
fn a_database_name_replaces_the_urls() {
    assert_eq!(
        with_database("postgres://u@h:1/db", "t"),
        "postgres://u@h:1/t"
    );
    assert_eq!(with_database("postgres://u@h:1", "t"), "postgres://u@h:1/t");
    assert_eq!(
        with_database("postgresql://u@h/db?sslmode=disable", "t"),
        "postgresql://u@h/t?sslmode=disable"
    );
    assert_eq!(
        with_database("host=h user=u", "t"),
        "host=h user=u dbname=t"
    );
}
