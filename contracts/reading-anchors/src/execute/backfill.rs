//! A relayer-held key's stream: sequenced by arrival, bounded by what a day can hold.
//!
//! Only a key a relayer holds is concerned (a Nightscout uploader's gateway). Its uploads hold
//! a CGM's backfill after a signal loss (Dexcom and Libre send the missed readings once the
//! signal is back, after newer ones), corrections of a reading (the same time, another value),
//! finger sticks and doses between sensor readings, from a phone whose clock may run a few
//! minutes fast. So its sequence numbers still only go forward (`Overlap`, gaps as for any
//! device), but its measured times may go back, on the same UTC day or an earlier one, and a
//! batch may start less than an interval after the last one. A batch that does not reach past
//! the device's forward head (its batch with the latest reading) is a backfill; the others are
//! forward batches and become the forward head.
//!
//! What bounds it instead is the day: each scope's readings on a day, forward and backfilled,
//! anchored and planned in the message, this batch's included, stay at most the readings that
//! fit, one every minimum interval (the slower of the kind's and the scope's), from the day's
//! start to the latest reading known (the forward head's or this batch's, whichever is later;
//! the day's end for an earlier day). So whatever its holder signs, a held key anchors no more
//! per day than a forward stream of the device could have. A device-signed stream keeps the
//! strict rules (`DayBackwards`, `TooSoonAfterLast`): its device numbers its readings in time
//! order itself.

use std::collections::BTreeMap;

use cosmwasm_std::{Addr, StdResult, Storage};
use diachain_std::anchors::scope_min_interval_seconds;
use diachain_std::encoding::ScopeCount;
use diachain_std::{BatchHeader, DataScope, DeviceKind};

use crate::error::ContractError;
use crate::state::{day_readings, BatchRecord, Config, FORWARD_HEADS, PATIENT_DAYS};
use crate::state::{Backfilled, BackfilledDays};

const DAY_SECONDS: u64 = 86_400;

/// A batch of a relayer-held key is a backfill when it does not reach past its device's forward
/// head's last reading.
pub fn is_backfill(h: &BatchHeader, forward_head: &BatchRecord) -> bool {
    h.last_time <= forward_head.last_time
}

/// What a backfill is checked against.
pub struct Context<'s> {
    pub storage: &'s dyn Storage,
    pub config: &'s Config,
    pub kind: DeviceKind,
    /// The device's forward head, if it has anchored a batch.
    pub head: Option<&'s BatchRecord>,
}

/// The backfilled readings a message plans, and every reading it plans per device, day and
/// scope (a backfill later in the message counts those before it).
#[derive(Default)]
pub struct Backfill<'a> {
    planned: BTreeMap<(&'a str, u32, DataScope), u64>,
    /// (device, day, owner, scope, readings): few, as backfills are.
    backfilled: Vec<(&'a str, u32, &'a Addr, DataScope, u64)>,
    /// (device, last seq of its forward head).
    forward_heads: Vec<(&'a str, u64)>,
}

impl<'a> Backfill<'a> {
    /// Each scope of a held key's batch fits its day.
    #[inline(never)]
    pub fn check(
        &self,
        index: usize,
        h: &BatchHeader,
        day: u32,
        counts: &[ScopeCount],
        ctx: &Context,
    ) -> Result<(), ContractError> {
        let day_start = u64::from(day).saturating_mul(DAY_SECONDS);
        let latest = ctx
            .head
            .map_or(h.last_time, |head| head.last_time.max(h.last_time));
        let until = latest.min(day_start.saturating_add(DAY_SECONDS - 1));
        let held = day_readings(ctx.storage, &h.device_id, day, None, ctx.kind.scope())?;
        for c in counts {
            let min_interval_seconds = ctx
                .config
                .min_interval(ctx.kind)
                .max(scope_min_interval_seconds(c.scope))
                .max(1);
            let max = until.saturating_sub(day_start) / u64::from(min_interval_seconds) + 1;
            let planned = self
                .planned
                .get(&(h.device_id.as_str(), day, c.scope))
                .copied()
                .unwrap_or(0);
            let have = held.get(c.scope).saturating_add(planned);
            if have.saturating_add(u64::from(c.readings)) > max {
                return Err(ContractError::DayFull {
                    index,
                    device_id: h.device_id.clone(),
                    day: u64::from(day),
                    scope: c.scope,
                    held: have,
                    readings: c.readings,
                    max,
                    min_interval_seconds,
                });
            }
        }
        Ok(())
    }

    /// Plans a checked backfill of `owner`'s readings into `day`; `forward_seq` is the last
    /// seq of the device's forward head.
    #[inline(never)]
    pub fn add(
        &mut self,
        id: &'a str,
        day: u32,
        owner: &'a Addr,
        counts: &[ScopeCount],
        forward_seq: u64,
    ) {
        for c in counts {
            let readings = u64::from(c.readings);
            match self
                .backfilled
                .iter_mut()
                .find(|b| (b.0, b.1, b.2, b.3) == (id, day, owner, c.scope))
            {
                Some(b) => b.4 = b.4.saturating_add(readings),
                None => self.backfilled.push((id, day, owner, c.scope, readings)),
            }
        }
        self.count(id, day, counts);
        match self.forward_heads.iter_mut().find(|f| f.0 == id) {
            Some(f) => f.1 = forward_seq,
            None => self.forward_heads.push((id, forward_seq)),
        }
    }

    /// Counts a planned forward batch's readings.
    pub fn count(&mut self, id: &'a str, day: u32, counts: &[ScopeCount]) {
        for c in counts {
            let total = self.planned.entry((id, day, c.scope)).or_default();
            *total = total.saturating_add(u64::from(c.readings));
        }
    }

    /// Writes the backfilled counts, the forward heads, and the patient's day index where the
    /// day had no reading of the device yet (after the segments, which write it first).
    #[inline(never)]
    pub fn apply(self, storage: &mut dyn Storage) -> StdResult<()> {
        for (id, day, owner, scope, readings) in self.backfilled {
            let mut held = BackfilledDays::load(storage, id, day)?;
            match held
                .iter_mut()
                .find(|b| b.owner == *owner && b.scope == scope)
            {
                Some(b) => b.readings = b.readings.saturating_add(readings),
                None => held.push(Backfilled {
                    owner: owner.clone(),
                    scope,
                    readings,
                }),
            }
            BackfilledDays::save(storage, id, day, &held)?;
            if !PATIENT_DAYS.has(storage, (owner, day, id)) {
                PATIENT_DAYS.save(storage, (owner, day, id), &scope.code())?;
            }
        }
        for (id, seq) in self.forward_heads {
            FORWARD_HEADS.save(storage, id, &seq)?;
        }
        Ok(())
    }
}
