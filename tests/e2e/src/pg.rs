//! The e2e network's PostgreSQL server (scripts/pg.sh, named by `DIACHAIN_E2E_PG`, which
//! scripts/e2e.sh sets), for the relayer's PostgreSQL store.

use std::process::Command;

use crate::repo_root;

/// The server's name for scripts/pg.sh.
pub fn name() -> String {
    std::env::var("DIACHAIN_E2E_PG")
        .expect("DIACHAIN_E2E_PG names the PostgreSQL server of the e2e step (scripts/e2e.sh)")
}

fn pg(args: &[&str]) -> String {
    let out = Command::new("bash")
        .arg(repo_root().join("scripts/pg.sh"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run scripts/pg.sh");
    assert!(
        out.status.success(),
        "scripts/pg.sh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// An empty database `db` on the server (dropped first if a run before left one); its URL.
pub fn fresh_database(db: &str) -> String {
    let name = name();
    pg(&[
        "psql",
        "--name",
        &name,
        "--db",
        "postgres",
        "--",
        "-qc",
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    ]);
    pg(&["start", "--name", &name, "--db", db])
}

/// One value of a query run in database `db`.
pub fn query(db: &str, sql: &str) -> String {
    pg(&["psql", "--name", &name(), "--db", db, "--", "-tAc", sql])
}

/// Stops the server as a crash would (`immediate`: no checkpoint, clients cut off).
pub fn crash() {
    pg(&["stop", "--name", &name(), "--mode", "immediate"]);
}

/// Starts it again (recovery replays its write-ahead log).
pub fn start() {
    pg(&["start", "--name", &name()]);
}
