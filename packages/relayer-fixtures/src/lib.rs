//! Constants and signed test batches that every relayer crate's tests share: a chain id and
//! anchors contract (the signature domain), a patient, a day, CGM device records and batches of
//! readings signed as devices sign (`diachain_std::testing`). It depends on no relayer crate, so
//! the tests of every one of them may use it (`diachain-relayer-testkit`, which sits above the
//! API, re-exports it); a dev-dependency only.

use cosmwasm_std::{Addr, Timestamp};
use diachain_std::registry::AnchoringDevice;
use diachain_std::testing::{signed_batch, SignedBatch, TestKey};
use diachain_std::{DeviceKind, Domain};

pub const CHAIN_ID: &str = "diachain-local-1";
pub const ANCHORS: &str = "wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s0phg4d";
pub const PATIENT: &str = "wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr";
/// 2026-01-01 00:00 UTC.
pub const DAY0: u64 = 1_767_225_600;
/// CGM sampling interval.
pub const INTERVAL: u64 = 300;

pub fn domain() -> Domain<'static> {
    Domain {
        chain_id: CHAIN_ID,
        contract: ANCHORS,
    }
}

/// A CGM registered with `key`, bound to `owner` (unbound when `None`) since the epoch.
pub fn device_record(key: &TestKey, owner: Option<&str>) -> AnchoringDevice {
    AnchoringDevice {
        kind: DeviceKind::Cgm,
        owner: owner.map(Addr::unchecked),
        owner_since: Timestamp::from_seconds(0),
        owner_since_height: 1,
        public_key: key.public_key(),
        key_since: Timestamp::from_seconds(0),
        previous_key: None,
        refuses_from: None,
        key_holder: None,
    }
}

/// `count` CGM readings from `first_seq`, every 5 minutes from `first_time`, signed by `key`.
pub fn batch(
    key: &TestKey,
    device: &str,
    first_seq: u64,
    count: u32,
    first_time: u64,
) -> SignedBatch {
    signed_batch(
        key,
        device,
        first_seq,
        count,
        first_time,
        INTERVAL,
        &domain(),
    )
}
