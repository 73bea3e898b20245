//! What holds after every step, whatever was sent: the coins are all still there (nothing is
//! created or lost, only moved), every contract answers its config query, the union holds at
//! least what its studies' pools say they hold, devices' nonces (their replay protection) never
//! go back, and neither does any device's anchored sequence.

use std::collections::BTreeMap;
use std::sync::Mutex;

use cosmwasm_std::Addr;
use diachain_std::anchors::{CursorResponse, QueryMsg as AnchorsQuery};
use diachain_std::registry::QueryMsg as RegistryQuery;
use diachain_std::Device;
use diachain_testing::{Suite, CGM, CGM_REPLACEMENT, OTHER_CGM, PEN};
use serde_json::{json, Value};

const DEVICES: [&str; 4] = [CGM, PEN, CGM_REPLACEMENT, OTHER_CGM];

/// What the invariants compare with: the coins at the start, and the last nonce and anchored
/// sequence seen of each device.
pub struct Totals {
    coins: u128,
    seen: Mutex<BTreeMap<&'static str, (u64, u64)>>,
}

fn holders(s: &Suite) -> Vec<Addr> {
    let mut all: Vec<Addr> = s.actors.all().into_iter().map(|(_, a)| a).collect();
    all.extend([
        s.registry.clone(),
        s.anchors.clone(),
        s.consent.clone(),
        s.union.clone(),
    ]);
    all
}

impl Totals {
    pub fn of(s: &Suite) -> Self {
        Totals {
            coins: holders(s).iter().map(|a| s.balance(a)).sum(),
            seen: Mutex::new(BTreeMap::new()),
        }
    }
}

/// Panics (fails the target) when an invariant does not hold.
pub fn check_invariants(s: &Suite, totals: &Totals) {
    let coins: u128 = holders(s).iter().map(|a| s.balance(a)).sum();
    assert_eq!(coins, totals.coins, "coins were created or lost");
    for contract in [&s.registry, &s.anchors, &s.consent, &s.union] {
        let config: Result<Value, _> = s.try_query(contract, &json!({ "config": {} }));
        assert!(config.is_ok(), "{contract} config: {config:?}");
    }
    let pools: u128 = (1..=4)
        .filter_map(|study_id| {
            s.try_query::<Value, _>(&s.union, &json!({ "pool": { "study_id": study_id } }))
                .ok()
        })
        .filter_map(|p| p["balance"].as_str().and_then(|b| b.parse::<u128>().ok()))
        .sum();
    assert!(
        pools <= s.balance(&s.union),
        "the pools hold more than the union"
    );
    let mut seen = totals.seen.lock().unwrap_or_else(|e| e.into_inner());
    for id in DEVICES {
        let nonce = s
            .try_query::<Device, _>(&s.registry, &RegistryQuery::Device { id: id.into() })
            .map_or(0, |d| d.nonce);
        let anchored = s
            .try_query::<CursorResponse, _>(
                &s.anchors,
                &AnchorsQuery::Cursor {
                    device_id: id.into(),
                },
            )
            .ok()
            .and_then(|c| c.last_seq)
            .unwrap_or(0);
        let (last_nonce, last_anchored) = seen.get(id).copied().unwrap_or((0, 0));
        assert!(nonce >= last_nonce, "{id}: nonce went back");
        assert!(
            anchored >= last_anchored,
            "{id}: anchored sequence went back"
        );
        seen.insert(id, (nonce, anchored));
    }
}
