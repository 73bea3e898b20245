//! A full disk under the embedded store, with the real binary on a 16 MiB tmpfs: once a filler
//! file takes the last byte, batches are refused with 507 `store_full` and nothing
//! acknowledged is lost; reads go on (re-sent batches are recognised from the store,
//! `/v1/status` counts them); once the filler is deleted, batches are accepted again without
//! a restart. The free-space reserve is set to 0 so that redb itself meets the full disk (and
//! latches its I/O failure, which the store recovers from by reopening the file).
//!
//! Mounting needs root: run it with
//! `cargo test -p diachain-relayer --test disk_full -- --ignored` (as root); there it fails
//! loudly if the tmpfs cannot be mounted.

mod relayer_bin;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use diachain_relayer_testkit::http::Client;
use relayer_bin::{get, post, stop, Setup};

/// Unmounts the tmpfs when the test ends, passed or not.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
            .arg(at)
            .output()
            .expect("the mount command runs");
        assert!(
            out.status.success(),
            "cannot mount a tmpfs at {} (this test needs root): {}",
            at.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount").arg(&self.0).status();
        if !ok.is_ok_and(|s| s.success()) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// Writes zeros until the file system refuses one more byte.
fn fill(path: &Path) -> u64 {
    let mut f = std::fs::File::create(path).unwrap();
    let mut written = 0u64;
    for chunk in [1 << 20, 4096, 1] {
        let buf = vec![0u8; chunk];
        while f.write_all(&buf).is_ok() {
            written += chunk as u64;
        }
    }
    let _ = f.sync_all();
    written
}

#[test]
#[ignore = "mounts a 16 MiB tmpfs: needs root; run with --ignored"]
fn a_full_disk_refuses_ingest_keeps_reads_and_recovers_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    let tmpfs = Tmpfs::mount(&mnt);
    let setup = Setup::new(dir.path(), &mnt.join("relayer.redb"), 1);
    let (child, addr, logs) = setup.serve_logged(&["--store-min-free-bytes", "0"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut acked = Vec::new();
    let mut next = 0u64;
    let filler = mnt.join("filler");

    runtime.block_on(async {
        let mut client = Client::connect(addr).await.unwrap();
        for _ in 0..20 {
            let (status, answer) = post(&mut client, &setup.batch(0, next)).await;
            assert_eq!(status, 201, "{answer}");
            acked.push(next);
            next += 1;
        }
        let filled = fill(&filler);
        eprintln!("filler: {filled} bytes; the disk is full");

        // Batches until one is refused: redb may still fit a few in pages it freed before.
        let mut refused = None;
        for _ in 0..200 {
            let (status, answer) = post(&mut client, &setup.batch(0, next)).await;
            match status {
                201 => acked.push(next),
                507 => {
                    refused = Some(answer);
                    break;
                }
                other => panic!("neither stored nor refused as full: {other} {answer}"),
            }
            next += 1;
        }
        let refused = refused.expect("a batch is refused once the disk is full");
        eprintln!("refused: {refused}");
        assert_eq!(refused["error"], "store_full");
        assert!(refused["message"]
            .as_str()
            .unwrap()
            .contains("disk is full"));
        let (status, again) = post(&mut client, &setup.batch(0, next)).await;
        assert_eq!((status, again["error"].as_str()), (507, Some("store_full")));
        // redb met the full disk itself (the reserve is 0) and latched it; the store reopened.
        assert!(
            logs.has("the store's disk is full"),
            "the failed write is logged"
        );
        assert!(
            logs.has("the store was opened again after an I/O failure"),
            "redb's handle was reopened"
        );

        // Reads go on: every acknowledged batch is recognised from the store, counted too.
        for &n in &acked {
            let (status, receipt) = post(&mut client, &setup.batch(0, n)).await;
            assert_eq!(
                status, 201,
                "acknowledged batch {n} is still held: {receipt}"
            );
            assert_eq!(receipt["first_seq"].as_u64(), Some(1 + 12 * n));
        }
        let (status, counts) = get(&mut client, "/v1/status").await;
        assert_eq!(status, 200);
        assert_eq!(
            counts["pending"].as_u64(),
            Some(acked.len() as u64),
            "{counts}"
        );
        let (status, health) = get(&mut client, "/healthz").await;
        assert_eq!(status, 503, "{health}");
        assert_eq!(health["store"]["disk_full"], true, "{health}");

        // Space returns: batches are accepted again, without a restart.
        std::fs::remove_file(&filler).unwrap();
        let started = Instant::now();
        loop {
            let (status, answer) = post(&mut client, &setup.batch(0, next)).await;
            if status == 201 {
                acked.push(next);
                next += 1;
                break;
            }
            assert_eq!(status, 507, "{answer}");
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "never accepted again"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!(
            "accepted again {} ms after the filler was deleted",
            started.elapsed().as_millis()
        );
        for _ in 0..5 {
            let (status, answer) = post(&mut client, &setup.batch(0, next)).await;
            assert_eq!(status, 201, "{answer}");
            acked.push(next);
            next += 1;
        }
        let (status, health) = get(&mut client, "/healthz").await;
        assert_eq!(status, 200, "{health}");
    });
    stop(child);

    // Every acknowledged batch is in the store, each reading decrypting.
    let backup = dir.path().join("after.backup");
    let out = setup.json(&["backup", "--to", backup.to_str().unwrap()]);
    assert_eq!(
        out["marker"]["counts"]["batches"].as_u64(),
        Some(acked.len() as u64)
    );
    let verified = setup.json(&["backup", "--verify", backup.to_str().unwrap()]);
    assert_eq!(verified["readings"].as_u64(), Some(12 * acked.len() as u64));
    eprintln!(
        "acknowledged {} batches, all held and readable",
        acked.len()
    );
    drop(tmpfs);
}
