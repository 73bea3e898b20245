//! Tests against a real PostgreSQL server: `DIACHAIN_TEST_PG_URL` names one (scripts/pg.sh
//! starts a private cluster; scripts/e2e.sh runs these tests with `--ignored` on it). Each test
//! gets a database of its own.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::{PgStore, PgStoreOptions};
use crate::store::crypto::MasterKey;

pub(crate) const NEEDS_PG: &str = "needs PostgreSQL (DIACHAIN_TEST_PG_URL): run by scripts/e2e.sh";

/// The server's URL.
pub(crate) fn server_url() -> String {
    std::env::var("DIACHAIN_TEST_PG_URL").unwrap_or_else(|_| {
        panic!("DIACHAIN_TEST_PG_URL is not set: start a server with `bash scripts/pg.sh start` and export the URL it prints")
    })
}

/// A new, empty database on the server; its URL.
pub(crate) fn fresh_database() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let url = server_url();
    let name = format!(
        "test_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let mut client =
        postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test server");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    let mut config: postgres::Config = url.parse().expect("DIACHAIN_TEST_PG_URL");
    config.dbname(&name);
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres");
    format!("postgres://{user}@{host}:{port}/{name}")
}

/// Options for instance `name` with a lease of `lease`.
pub(crate) fn options(name: &str, lease: Duration) -> PgStoreOptions {
    PgStoreOptions {
        instance: name.into(),
        lease,
        ..PgStoreOptions::default()
    }
}

/// A store on a new database, under a random master key.
pub(crate) fn fresh_store() -> PgStore {
    let url = fresh_database();
    PgStore::open(&url, &MasterKey::generate(), PgStoreOptions::default()).expect("open the store")
}
