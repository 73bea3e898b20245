//! `backup` and `restore` with the real binary: an online backup taken through the running
//! relayer's operator socket while gateways post batches holds whole batches only; restored
//! into a new store, a relayer serves the same data; with the relayer stopped, `backup` reads
//! the store file itself.

mod relayer_bin;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use diachain_relayer_testkit::http::Client;
use relayer_bin::{get, post, stop, Setup};

const DEVICES: usize = 4;

#[test]
fn an_online_backup_during_ingest_restores_to_a_relayer_serving_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(dir.path(), &dir.path().join("data/relayer.redb"), DEVICES);
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let (child, addr) = setup.serve(&[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // Gateways post until told to stop; `acked[i]` counts device i's acknowledged batches.
    let stop_posting = Arc::new(AtomicBool::new(false));
    let acked: Arc<Vec<AtomicU64>> = Arc::new((0..DEVICES).map(|_| AtomicU64::new(0)).collect());
    let total = |acked: &[AtomicU64]| acked.iter().map(|a| a.load(Ordering::Acquire)).sum::<u64>();
    let posters: Vec<_> = (0..DEVICES)
        .map(|i| {
            let (stop_posting, acked) = (stop_posting.clone(), acked.clone());
            let batches: Vec<_> = (0..400).map(|n| setup.batch(i, n)).collect();
            runtime.spawn(async move {
                let mut client = Client::connect(addr).await.unwrap();
                for b in &batches {
                    if stop_posting.load(Ordering::Acquire) {
                        break;
                    }
                    let (status, answer) = post(&mut client, b).await;
                    assert_eq!(status, 201, "{answer}");
                    acked[i].fetch_add(1, Ordering::AcqRel);
                }
            })
        })
        .collect();
    while total(&acked) < 40 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let before = total(&acked);
    let backup = dir.path().join("online.backup");
    let out = setup.json(&["backup", "--to", backup.to_str().unwrap()]);
    let after = total(&acked);
    stop_posting.store(true, Ordering::Release);
    for p in posters {
        runtime.block_on(p).unwrap();
    }
    assert_eq!(out["mode"], "online", "{out}");
    let held = out["marker"]["counts"]["batches"].as_u64().unwrap();
    assert!(
        before <= held && held <= after,
        "{before} <= {held} <= {after}"
    );
    assert_eq!(
        out["marker"]["counts"]["readings"].as_u64().unwrap(),
        held * 12
    );
    let posted = total(&acked);
    eprintln!("online backup: {held} batches while {before}..{after} were acknowledged");

    let verified = setup.json(&["backup", "--verify", backup.to_str().unwrap()]);
    assert_eq!(verified["batches"].as_u64().unwrap(), held);
    assert_eq!(
        verified["readings"].as_u64().unwrap(),
        held * 12,
        "every reading decrypts"
    );
    stop(child);

    // Offline: the relayer is stopped, so the CLI reads the store file itself.
    let offline = dir.path().join("offline.backup");
    let out = setup.json(&["backup", "--to", offline.to_str().unwrap()]);
    assert_eq!(out["mode"], "offline", "{out}");
    assert_eq!(out["marker"]["counts"]["batches"].as_u64().unwrap(), posted);

    // Restored into a new store, a relayer serves exactly the backup's batches.
    let restored_dir = dir.path().join("restored");
    std::fs::create_dir_all(&restored_dir).unwrap();
    let restored = Setup {
        store: restored_dir.join("relayer.redb"),
        ..setup
    };
    let out = restored.json(&["restore", "--from", backup.to_str().unwrap()]);
    assert_eq!(out["report"]["batches"].as_u64().unwrap(), held);
    let again = restored.output(&["restore", "--from", backup.to_str().unwrap()]);
    assert!(
        !again.status.success(),
        "a restore never replaces a store unless forced"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let (child, addr) = restored.serve(&[]);
    runtime.block_on(async {
        let mut client = Client::connect(addr).await.unwrap();
        let (status, counts) = get(&mut client, "/v1/status").await;
        assert_eq!(status, 200);
        assert_eq!(counts["pending"].as_u64().unwrap(), held, "{counts}");
    });
    stop(child);
    // Every batch held is one the gateways had acknowledged, as it was sent: a batch's
    // readings come back through export-proof from the restored store.
    let proof = restored.json(&[
        "export-proof",
        "--device",
        &restored.devices[0],
        "--seq",
        "5",
    ]);
    let sent = restored.batch(0, 0);
    assert_eq!(
        proof["header"]["root"],
        serde_json::to_value(&sent.header.root).unwrap()
    );
    let counts = restored.json(&["status"]);
    assert_eq!(counts["pending"].as_u64().unwrap(), held);
}
