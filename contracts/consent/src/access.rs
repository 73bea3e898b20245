//! How a grant is judged: shared by `CheckAccess`, `RecordAccesses` and the grant-making
//! executes. Everything here reads at most `MAX_GRANTS_PER_PAIR + 1` grants.

use cosmwasm_std::{Addr, BlockInfo, Order, StdResult, Storage, Timestamp};
use diachain_std::consent::{CheckAccessResponse, ConsentRole, Denial, Expiry, Grant, GrantStatus};
use diachain_std::DataScope;

use crate::error::ContractError;
use crate::state::{GRANTS, MEMBERS, PAIR_GRANTS, PAIR_LAST_ENDED};

/// Whether the grant's expiry has passed at time `at`. A height expiry can only be judged at
/// the current height: once the chain has reached it the grant counts as expired at any `at`.
pub fn expired_at(grant: &Grant, at: Timestamp, block: &BlockInfo) -> bool {
    match grant.expires {
        Expiry::AtTime(t) => at >= t,
        Expiry::AtHeight(h) => block.height >= h,
    }
}

/// The grant's standing at this block.
pub fn status(grant: &Grant, block: &BlockInfo) -> GrantStatus {
    if grant.revoked.is_some() {
        GrantStatus::Revoked
    } else if grant.expires.is_expired(block) {
        GrantStatus::Expired
    } else {
        GrantStatus::Active
    }
}

/// Whether the grant is neither revoked nor expired at this block.
pub fn is_live(grant: &Grant, block: &BlockInfo) -> bool {
    status(grant, block) == GrantStatus::Active
}

pub fn is_member(storage: &dyn Storage, role: ConsentRole, addr: &Addr) -> StdResult<bool> {
    Ok(MEMBERS.has(storage, (role.code(), addr)))
}

/// Whether `grant` allows reading `scope` data measured in `from..=to` at time `at`, checked
/// in this order: revoked, expired, break-glass provider still admitted, scope, data period.
pub fn evaluate(
    storage: &dyn Storage,
    grant: &Grant,
    scope: DataScope,
    from: Timestamp,
    to: Timestamp,
    at: Timestamp,
    block: &BlockInfo,
) -> StdResult<Result<(), Denial>> {
    let grant_id = grant.id;
    if grant.revoked.as_ref().is_some_and(|r| r.at <= at) {
        return Ok(Err(Denial::Revoked { grant_id }));
    }
    if expired_at(grant, at, block) {
        return Ok(Err(Denial::Expired { grant_id }));
    }
    if grant.break_glass.is_some()
        && !is_member(storage, ConsentRole::EmergencyProvider, &grant.grantee)?
    {
        return Ok(Err(Denial::ProviderNotAdmitted { grant_id }));
    }
    if !grant.scopes.contains(&scope) {
        return Ok(Err(Denial::ScopeNotGranted { grant_id }));
    }
    if from < grant.data_from || to > grant.data_to {
        return Ok(Err(Denial::PeriodNotCovered { grant_id }));
    }
    Ok(Ok(()))
}

/// How close a denial came to an allow: a grant that failed a later check ranks higher.
fn rank(denial: &Denial) -> u8 {
    match denial {
        Denial::NoGrant => 0,
        Denial::Revoked { .. } => 1,
        Denial::Expired { .. } => 2,
        Denial::ProviderNotAdmitted { .. } => 3,
        Denial::ScopeNotGranted { .. } => 4,
        Denial::PeriodNotCovered { .. } => 5,
    }
}

/// The ids of a pair's grants that `CheckAccess` looks at: the indexed ones (≤
/// `MAX_GRANTS_PER_PAIR`) and the one that ended last.
fn pair_grant_ids(storage: &dyn Storage, patient: &Addr, grantee: &Addr) -> StdResult<Vec<u64>> {
    let mut ids = PAIR_GRANTS
        .prefix((patient, grantee))
        .keys(storage, None, None, Order::Ascending)
        .collect::<StdResult<Vec<u64>>>()?;
    if let Some(last) = PAIR_LAST_ENDED.may_load(storage, (patient, grantee))? {
        if !ids.contains(&last) {
            ids.push(last);
        }
    }
    Ok(ids)
}

/// Decides an access. Grants made after `at` are not considered.
#[allow(clippy::too_many_arguments)]
pub fn check_access(
    storage: &dyn Storage,
    patient: &Addr,
    grantee: &Addr,
    scope: DataScope,
    from: Timestamp,
    to: Timestamp,
    at: Timestamp,
    block: &BlockInfo,
) -> StdResult<CheckAccessResponse> {
    let mut allowing: Option<Grant> = None;
    let mut denial = Denial::NoGrant;
    for id in pair_grant_ids(storage, patient, grantee)? {
        let grant = GRANTS.load(storage, id)?;
        if grant.granted_at > at {
            continue;
        }
        match evaluate(storage, &grant, scope, from, to, at, block)? {
            Ok(()) => {
                let better = match &allowing {
                    None => true,
                    Some(current) => {
                        (grant.break_glass.is_none(), std::cmp::Reverse(grant.id))
                            > (current.break_glass.is_none(), std::cmp::Reverse(current.id))
                    }
                };
                if better {
                    allowing = Some(grant);
                }
            }
            Err(d) => {
                if rank(&d) > rank(&denial) {
                    denial = d;
                }
            }
        }
    }
    Ok(match allowing {
        Some(grant) => CheckAccessResponse {
            allowed: true,
            grant: Some(grant),
            denial: None,
        },
        None => CheckAccessResponse {
            allowed: false,
            grant: None,
            denial: Some(denial),
        },
    })
}

/// A pair's indexed grants, split into those still live at this block and those expired
/// (to be pruned).
pub struct PairGrants {
    pub live: Vec<Grant>,
    pub expired: Vec<u64>,
}

pub fn load_pair(
    storage: &dyn Storage,
    patient: &Addr,
    grantee: &Addr,
    block: &BlockInfo,
) -> StdResult<PairGrants> {
    let mut pair = PairGrants {
        live: vec![],
        expired: vec![],
    };
    let ids = PAIR_GRANTS
        .prefix((patient, grantee))
        .keys(storage, None, None, Order::Ascending)
        .collect::<StdResult<Vec<u64>>>()?;
    for id in ids {
        let grant = GRANTS.load(storage, id)?;
        if grant.expires.is_expired(block) {
            pair.expired.push(id);
        } else {
            pair.live.push(grant);
        }
    }
    Ok(pair)
}

/// Sorts and de-duplicates scopes; refuses an empty list.
pub fn normalize_scopes(mut scopes: Vec<DataScope>) -> Result<Vec<DataScope>, ContractError> {
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ContractError::NoScopes);
    }
    Ok(scopes)
}
