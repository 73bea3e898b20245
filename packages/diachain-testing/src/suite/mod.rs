//! The suite builder: the four contracts, wired, with named actors and simulated devices.
//!
//! This module holds the story's constants, the [`Suite`] and its generic helpers (time,
//! messages, queries, balances). [`SuiteBuilder`] builds it (`builder`); [`Actors`] and
//! [`SimDevice`] are the people and devices of the story (`actors`, `devices`); each contract's
//! helpers are an `impl Suite` of their own (`registry`, `anchors`, `consent`, `union`).

use std::collections::BTreeMap;
use std::fmt::Debug;

use cosmwasm_std::{Addr, Coin, StdResult, Timestamp, Uint128};
use cw_multi_test::{App, AppResponse, Executor};
use diachain_std::testing::SignedBatch;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use crate::contracts::{anchors_contract, consent_contract, registry_contract, union_contract};

mod actors;
mod anchors;
mod builder;
mod consent;
mod devices;
mod registry;
mod union;

pub use actors::Actors;
pub use builder::SuiteBuilder;
pub use devices::SimDevice;
pub use union::new_study;

// ------------------------------------------------------------------------------ constants

/// The chain id of the simulated chain; every batch and proof of possession is signed for it.
pub const CHAIN_ID: &str = "diachain-local-1";
/// The native coin research pools are funded with.
pub const DENOM: &str = "udia";
/// What the sponsor holds at genesis.
pub const SPONSOR_FUNDS: u128 = 10_000_000;
/// The union's fee on every deposit (2.5 %), paid to the treasury.
pub const FEE_BPS: u16 = 250;
/// The claim window after a study closes, before the sponsor may take back the rest.
pub const GRACE_PERIOD: u64 = 7 * DAY;
/// The longest break-glass session the consent contract allows.
pub const MAX_BREAK_GLASS_HOURS: u32 = 24;

pub const MINUTE: u64 = 60;
pub const HOUR: u64 = 3_600;
pub const DAY: u64 = 86_400;
/// The UTC day the chain starts on (2026-02-16); the story's days are counted from it.
pub const GENESIS_DAY: u64 = 20_500;
/// The chain starts at 08:00 UTC on `GENESIS_DAY`.
pub const GENESIS_TIME: u64 = GENESIS_DAY * DAY + 8 * HOUR;

/// Unix seconds of `hour:minute` UTC on UTC day `day`.
pub const fn at(day: u64, hour: u64, minute: u64) -> u64 {
    day * DAY + hour * HOUR + minute * MINUTE
}

/// A CGM measures every five minutes: twelve readings an hour, 288 a day.
pub const CGM_INTERVAL: u64 = 5 * MINUTE;
pub const CGM_READINGS_PER_HOUR: u64 = 12;
/// The smart pen records a dose at breakfast, lunch and dinner: (hour, minute).
pub const PEN_DOSES: [(u64, u64); 3] = [(7, 30), (12, 15), (19, 0)];

/// The patient's CGM: a P-256 key, as its secure element holds it.
pub const CGM: &str = "cgm-7f3a9c2e51d04b88";
/// The patient's smart pen: an Ed25519 key.
pub const PEN: &str = "pen-0c4e1b9a77d2f310";
/// The CGM the manufacturer ships when the first one is reported compromised.
pub const CGM_REPLACEMENT: &str = "cgm-b52e08d1c9a4f6e7";
/// Another patient's CGM: a secp256k1 key.
pub const OTHER_CGM: &str = "cgm-3d9a61f0e2b8c745";

// ------------------------------------------------------------------------------ the suite

/// The code ids of the four contracts (to instantiate more copies, e.g. an impostor).
#[derive(Clone, Copy, Debug)]
pub struct CodeIds {
    pub registry: u64,
    pub anchors: u64,
    pub consent: u64,
    pub union: u64,
}

/// What the journey remembers between chapters (ids handed out by the contracts).
#[derive(Clone, Debug, Default)]
pub struct Story {
    pub clinician_grant: Option<u64>,
    pub break_glass: Option<u64>,
    pub study: Option<u64>,
    pub research_grant: Option<u64>,
    pub other_research_grant: Option<u64>,
}

/// The four contracts wired together in one simulated chain.
pub struct Suite {
    pub app: App,
    pub chain_id: String,
    pub code_ids: CodeIds,
    pub registry: Addr,
    pub anchors: Addr,
    pub consent: Addr,
    pub union: Addr,
    pub actors: Actors,
    /// The simulated devices, by id.
    pub devices: BTreeMap<String, SimDevice>,
    /// Every batch anchored so far, with its readings and leaves (the relayer's store).
    pub anchored: Vec<SignedBatch>,
    pub story: Story,
}

impl Suite {
    /// The block time, in unix seconds.
    pub fn now(&self) -> u64 {
        self.app.block_info().time.seconds()
    }

    /// Moves to a later block at unix time `unix` (never back in time).
    pub fn set_time(&mut self, unix: u64) {
        let now = self.now();
        assert!(unix >= now, "time runs forward: {unix} < {now}");
        self.app.update_block(|b| {
            b.height += 1;
            b.time = Timestamp::from_seconds(unix);
        });
    }

    /// Moves to `unix` if the chain is earlier; otherwise stays.
    pub fn at_least(&mut self, unix: u64) {
        if self.now() < unix {
            self.set_time(unix);
        }
    }

    /// Sends `msg` to `contract` from `sender`, without funds.
    pub fn exec<T: Serialize + Debug>(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &T,
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), contract.clone(), msg, &[])
    }

    /// Sends `msg` to `contract` from `sender` with `funds`.
    pub fn exec_with_funds<T: Serialize + Debug>(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &T,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), contract.clone(), msg, funds)
    }

    pub fn try_query<T: DeserializeOwned, Q: Serialize>(
        &self,
        contract: &Addr,
        msg: &Q,
    ) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(contract, msg)
    }

    /// A query that must succeed.
    pub fn query<T: DeserializeOwned, Q: Serialize + Debug>(&self, contract: &Addr, msg: &Q) -> T {
        self.try_query(contract, msg)
            .unwrap_or_else(|e| panic!("query {msg:?} failed: {e}"))
    }

    /// `addr`'s balance of `DENOM`.
    pub fn balance(&self, addr: &Addr) -> u128 {
        let coin = self
            .app
            .wrap()
            .query_balance(addr, DENOM)
            .expect("balance query");
        Uint128::try_from(coin.amount)
            .expect("balance fits in 128 bits")
            .u128()
    }
}
