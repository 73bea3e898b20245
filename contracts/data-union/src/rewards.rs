//! The reward rule: an end-of-study pro-rata share, computed in O(1) per member (plus one
//! bounded pass over that member's own ≤ 366 credited days).
//!
//! `payout = min(cap, floor(net_pool × counted_units / total_units))`, where `total_units` is
//! every reading credited to any member while active (the sum of all members' `units`) and
//! `counted_units ≤ units` keeps only the member's days that the anchors contract's coverage
//! confirms (see [`assess`]). Since `Σ counted ≤ Σ units = total_units` and each share is rounded
//! down, the shares never add up to more than `net_pool`; whatever is not claimed (rounding
//! dust, capped excess, ineligible members' shares, unclaimed shares) stays in the pool and goes
//! back to the sponsor.

use std::collections::{BTreeMap, BTreeSet};

use cosmwasm_std::{Deps, Order, Uint128};
use diachain_std::anchors::{self, CoverageResponse};
use diachain_std::device::DeviceKind;
use diachain_std::union::{Member, Study};
use diachain_std::DataScope;

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

/// Counts the member's days from the anchors contract's coverage, never from what a caller
/// says: a credited day counts only if coverage shows at least `min_readings_per_day` readings
/// of the study's scopes that day (and at least one), and counts at most as many readings as
/// coverage shows. Checks the eligibility and computes the capped share.
pub fn assess(
    deps: Deps,
    config: &Config,
    study: &Study,
    member: &Member,
) -> Result<Assessment, ContractError> {
    let coverage: CoverageResponse = deps.querier.query_wasm_smart(
        &config.anchors_addr,
        &anchors::QueryMsg::Coverage {
            patient: member.patient.to_string(),
            from_day: study.data_from_day,
            to_day: study.data_to_day,
        },
    )?;
    // Readings of the wanted scopes per day, and every scope seen in the period.
    let mut per_day: BTreeMap<u64, u64> = BTreeMap::new();
    let mut seen: BTreeSet<DataScope> = BTreeSet::new();
    for day in &coverage.days {
        if day.day < study.data_from_day || day.day > study.data_to_day || day.readings == 0 {
            continue;
        }
        seen.insert(day.scope);
        if study.scopes.contains(&day.scope) {
            let entry = per_day.entry(day.day).or_default();
            *entry = entry.saturating_add(day.readings);
        }
    }

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
        let (day, credited) = item?;
        let covered = per_day.get(&day).copied().unwrap_or(0);
        if covered >= min_per_day {
            counting_days = counting_days.checked_add(1).ok_or_else(overflow)?;
            counted_units = counted_units
                .checked_add(credited.min(covered))
                .ok_or_else(overflow)?;
        }
    }

    let unmet = if counting_days < study.eligibility.min_days {
        Some(Unmet::NotEnoughDays {
            counting_days,
            min_days: study.eligibility.min_days,
        })
    } else {
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

fn overflow() -> ContractError {
    ContractError::Overflow(cosmwasm_std::OverflowError::new(
        cosmwasm_std::OverflowOperation::Add,
    ))
}
