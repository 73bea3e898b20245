//! Starting states: the journey played up to a chapter once per process, its storage (every
//! contract's state and the bank's balances) and block kept, and copied into a freshly built
//! suite for each input. The suite builder deploys the same contracts at the same addresses
//! every time, so the copied state is the journey's state.

use std::sync::OnceLock;

use cosmwasm_std::{BlockInfo, Order, Record, Storage};
use diachain_integration::journey;
use diachain_testing::{Suite, SuiteBuilder};

/// The chapters inputs start after: nothing yet (0), the devices bound (2), the study opened
/// and the patients joined with a day of readings anchored (7), the rewards claimed (10).
pub const STARTS: [u32; 4] = [0, 2, 7, 10];

struct Snapshot {
    storage: Vec<Record>,
    block: BlockInfo,
}

static SNAPSHOTS: [OnceLock<Snapshot>; STARTS.len()] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

fn snapshot(index: usize) -> &'static Snapshot {
    SNAPSHOTS[index].get_or_init(|| {
        let s = journey::through(STARTS[index]);
        Snapshot {
            storage: s
                .app
                .storage()
                .range(None, None, Order::Ascending)
                .collect(),
            block: s.app.block_info(),
        }
    })
}

/// A suite in the state after chapter `STARTS[pick % 4]`.
pub fn start(pick: u8) -> Suite {
    let snap = snapshot(usize::from(pick) % STARTS.len());
    let mut s = SuiteBuilder::default().build();
    let storage = s.app.storage_mut();
    let fresh: Vec<Vec<u8>> = storage
        .range(None, None, Order::Ascending)
        .map(|(k, _)| k)
        .collect();
    for key in fresh {
        storage.remove(&key);
    }
    for (key, value) in &snap.storage {
        storage.set(key, value);
    }
    s.app.set_block(snap.block.clone());
    s
}
