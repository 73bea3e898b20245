//! One relayer per member organisation, anchoring side by side: after `scripts/run.sh --orgs 3
//! --for S` (scripts/e2e.sh runs it on its consortium network), each organisation's relayer —
//! its own key, admitted by proposals its fellow members voted — anchored its own gateways'
//! batches while the others anchored theirs. Checked against the chain: the suite's codes are
//! pinned, no batch failed and no transaction was refused (no conflict between the relayers),
//! every batch a relayer accepted is on chain exactly once (each device's batches tile its
//! sequence from 1 with no gap, and their number equals the relayer's anchored count), and the
//! three relayers' anchoring heights overlap. Skips unless `DIACHAIN_E2E_CHAIN_ID` names that network.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use diachain_e2e::relayer::anchored_batches;
use diachain_e2e::{repo_root, Network};
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/run.sh --orgs writes it)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of every sample of metric `name` whose labels contain one of `labels`, summed.
fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && labels.iter().any(|x| l.contains(x)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
#[ignore = "needs the consortium network after scripts/run.sh --orgs 3 --for S: scripts/e2e.sh runs it"]
fn three_relayers_anchored_their_organisations_gateways_side_by_side_without_a_conflict() {
    let net = Network::from_env();
    let root = repo_root();
    let orgs = read_json(&root.join(".chain").join(&net.chain_id).join("orgs.json"));
    let orgs = orgs["orgs"].as_array().expect("orgs");
    assert_eq!(orgs.len(), 3, "three member organisations");

    // The consortium pinned the suite's codes by a gov proposal (scripts/run.sh --orgs).
    let pinned = std::process::Command::new(&net.wasmd)
        .args([
            "query", "wasm", "pinned", "--node", &net.node, "--output", "json",
        ])
        .output()
        .expect("wasmd query wasm pinned");
    let pinned: Value = serde_json::from_slice(&pinned.stdout).expect("pinned codes");
    let pinned: BTreeSet<u64> = pinned["code_ids"]
        .as_array()
        .expect("code_ids")
        .iter()
        .filter_map(|c| c.as_str().and_then(|c| c.parse().ok()).or(c.as_u64()))
        .collect();
    for c in [
        &net.contracts.anchors,
        &net.contracts.registry,
        &net.contracts.union,
    ] {
        let code = net
            .block_on(net.client().contract_info(c))
            .expect("contract info")
            .expect("contract")
            .code_id;
        assert!(
            pinned.contains(&code),
            "code {code} of {c} is pinned: {pinned:?}"
        );
    }

    let mut ranges = Vec::new();
    let mut heights: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    let mut relayers = BTreeSet::new();
    for org in orgs {
        let name = org["org"].as_str().expect("org").to_string();
        let dir = root.join(org["dir"].as_str().expect("dir"));
        assert!(relayers.insert(
            org["relayer_address"]
                .as_str()
                .expect("address")
                .to_string()
        ));

        // The relayer's own account of its work, once its gateways stopped and it settled.
        let status = read_json(&dir.join("final-status.json"));
        let n = |k: &str| {
            status[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: no {k}: {status}"))
        };
        assert_eq!(
            (n("pending"), n("in_flight"), n("failed")),
            (0, 0, 0),
            "{name}: {status}"
        );
        let metrics = std::fs::read_to_string(dir.join("final-metrics.txt")).expect("metrics");
        assert_eq!(
            metric(&metrics, "diachain_relayer_batches_failed_total", &["{"]),
            0.0,
            "{name}: batches failed"
        );
        assert_eq!(
            metric(
                &metrics,
                "diachain_relayer_chain_errors_total",
                &["kind=\"refused\"", "kind=\"submission_refused\""]
            ),
            0.0,
            "{name}: anchoring transactions refused"
        );

        // Against the chain: each device's batches tile 1..=its last sequence number.
        let state = read_json(&dir.join("simulate-state.json"));
        let devices = state["devices"].as_object().expect("devices");
        let mut on_chain = 0u64;
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        for (device, d) in devices {
            let next_seq = d["next_seq"].as_u64().expect("next_seq");
            let found = anchored_batches(&net, device);
            let mut expect = 1;
            for b in &found {
                assert_eq!(
                    b.first_seq, expect,
                    "{name}: {device}'s batches leave a gap or overlap"
                );
                expect = b.last_seq + 1;
                lo = lo.min(b.anchored_height);
                hi = hi.max(b.anchored_height);
                heights
                    .entry(b.anchored_height)
                    .or_default()
                    .insert(name.clone());
            }
            assert_eq!(
                expect,
                next_seq,
                "{name}: {device} sent up to seq {}",
                next_seq - 1
            );
            on_chain += found.len() as u64;
        }
        assert_eq!(
            on_chain,
            n("anchored"),
            "{name}: every batch its relayer holds is on chain, each once"
        );
        // Beyond the first round (one batch per gateway): the gateways streamed.
        let gateways = org["devices"].as_u64().expect("devices");
        assert!(
            on_chain > 2 * gateways,
            "{name}: {gateways} gateways streaming for minutes anchor more than {on_chain} batches"
        );
        ranges.push((name, lo, hi));
    }
    // Side by side: the three relayers' anchoring spans share a stretch of blocks, and blocks
    // hold batches of more than one organisation.
    let start = ranges.iter().map(|r| r.1).max().expect("ranges");
    let end = ranges.iter().map(|r| r.2).min().expect("ranges");
    assert!(
        start <= end,
        "the relayers' anchoring spans do not overlap: {ranges:?}"
    );
    let shared = heights.values().filter(|orgs| orgs.len() >= 2).count();
    assert!(
        shared >= 1,
        "no block anchored batches of two organisations: {ranges:?}"
    );
    eprintln!(
        "anchoring spans {ranges:?}; {shared} of {} blocks anchored batches of several organisations",
        heights.len()
    );
}
