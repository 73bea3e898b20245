//! The reward rule: an end-of-study pro-rata share, computed in O(1) per member (plus one
//! bounded pass over that member's own ≤ 366 credited days).
//!
//! `payout = min(cap, floor(net_pool × counted_units / total_units))`, where `total_units` is
//! every reading credited to any member while active (the sum of all members' `units`) and
//! `counted_units ≤ units` keeps only the member's days that meet the study's minimum of
//! readings per day (see [`assess`]). Since `Σ counted ≤ Σ units = total_units` and each share is rounded
//! down, the shares never add up to more than `net_pool`; whatever is not claimed (rounding
//! dust, capped excess, ineligible members' shares, unclaimed shares) stays in the pool and goes
//! back to the sponsor.

use std::collections::BTreeSet;

use cosmwasm_std::{Deps, Order, Uint128};
use diachain_std::device::DeviceKind;
use diachain_std::union::{Member, Study};
use diachain_std::{Anchors, DataScope};

use crate::error::ContractError;
use crate::state::{Config, DAY_UNITS};

/// A member's standing in a study, from their credited days and the anchors coverage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub counting_days: u32,
    pub counted_units: u64,
    /// `None` when eligible; otherwise the first unmet requirement.
    pub unmet: Option<Unmet>,
    /// The capped pro-rata share at the study's current totals (zero when not eligible).
    pub share: Uint128,
}

/// An eligibility requirement a member does not meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmet {
    NotEnoughDays { counting_days: u32, min_days: u32 },
    MissingDeviceKind { kind: DeviceKind },
}

impl From<Unmet> for ContractError {
    fn from(unmet: Unmet) -> Self {
        match unmet {
            Unmet::NotEnoughDays {
                counting_days,
                min_days,
            } => ContractError::NotEnoughDays {
                counting_days,
                min_days,
            },
            Unmet::MissingDeviceKind { kind } => ContractError::MissingDeviceKind { kind },
        }
    }
}

/// `min(cap, floor(net × units / total))`; zero when nothing was credited.
pub fn pro_rata(
    net: Uint128,
    units: u64,
    total_units: u64,
    cap: Uint128,
) -> Result<Uint128, ContractError> {
    if units == 0 || total_units == 0 {
        return Ok(Uint128::zero());
    }
    let share = net.checked_multiply_ratio(units, total_units)?;
    Ok(share.min(cap))
}

/// Counts the member's days from the readings credited to them by the anchors contract's hook
/// (`DAY_UNITS`: at most one entry per study day): a day counts if at least
/// `min_readings_per_day` readings (and at least one) of the study's scopes were credited on it.
/// Checks the eligibility and computes the capped share. The cost does not depend on how many
/// devices the patient has: nothing here walks them.
pub fn assess(
    deps: Deps,
    config: &Config,
    study: &Study,
    member: &Member,
) -> Result<Assessment, ContractError> {
    let min_per_day = study.eligibility.min_readings_per_day.max(1);
    let mut counting_days: u32 = 0;
    let mut counted_units: u64 = 0;
    // At most one entry per day of the study period (≤ MAX_STUDY_DAYS).
    for item in DAY_UNITS.prefix((study.id, &member.patient)).range(
        deps.storage,
        None,
        None,
        Order::Ascending,
    ) {
        let (_, credited) = item?;
        if credited >= min_per_day {
            counting_days = counting_days.checked_add(1).ok_or_else(overflow)?;
            counted_units = counted_units.checked_add(credited).ok_or_else(overflow)?;
        }
    }

    let unmet = if counting_days < study.eligibility.min_days {
        Some(Unmet::NotEnoughDays {
            counting_days,
            min_days: study.eligibility.min_days,
        })
    } else {
        let seen = scopes_seen(deps, config, study, member)?;
        study
            .eligibility
            .device_kinds
            .iter()
            .find(|kind| !seen.contains(&kind.scope()))
            .map(|kind| Unmet::MissingDeviceKind { kind: *kind })
    };
    let share = if unmet.is_none() {
        pro_rata(
            study.pool.net(),
            counted_units,
            study.total_units,
            study.cap_per_patient,
        )?
    } else {
        Uint128::zero()
    };
    Ok(Assessment {
        counting_days,
        counted_units,
        unmet,
        share,
    })
}

/// The scopes the member contributed in the study period. Memberships recorded before 0.2.0
/// did not keep them: for those (only), one `Coverage` query to the anchors contract.
fn scopes_seen(
    deps: Deps,
    config: &Config,
    study: &Study,
    member: &Member,
) -> Result<BTreeSet<DataScope>, ContractError> {
    if let Some(seen) = &member.scopes_seen {
        return Ok(seen.iter().copied().collect());
    }
    let coverage = Anchors(&config.anchors_addr).coverage(
        &deps.querier,
        member.patient.as_str(),
        study.data_from_day,
        study.data_to_day,
    )?;
    Ok(coverage
        .days
        .iter()
        .filter(|d| d.readings > 0)
        .map(|d| d.scope)
        .collect())
}

fn overflow() -> ContractError {
    ContractError::Overflow(cosmwasm_std::OverflowError::new(
        cosmwasm_std::OverflowOperation::Add,
    ))
}
