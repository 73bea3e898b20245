//! All queries. Lists are paginated by `start_after` / `limit` and capped by `page_size`.

use cosmwasm_std::{to_json_binary, Addr, Binary, Deps, Env, Order, StdResult, Timestamp};
use cw_storage_plus::Bound;
use diachain_std::consent::{
    AccessRecord, CheckAccessResponse, ConfigResponse, ConsentRole, ErasureRecord, Grant,
    GrantInfo, Member, ResearchConsent, ResearchConsentResponse, SessionBound,
};
use diachain_std::{DataScope, Page};

use crate::access::{check_access, is_live, status};
use crate::error::ContractError;
use crate::msg::QueryMsg;
use crate::state::{
    load_access, ACCESS_BY_GRANTEE, ACCESS_BY_PATIENT, BREAK_GLASS, CONFIG, ERASURES, GRANTS,
    GRANTS_BY_GRANTEE, GRANTS_BY_PATIENT, LISTENERS, MEMBERS, RESEARCH,
};

pub fn dispatch(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::ResearchConsent { patient, study_id } => {
            to_json_binary(&research_consent(deps, env, patient, study_id)?)
        }
        QueryMsg::Config {} => to_json_binary(&config(deps)?),
        QueryMsg::CheckAccess {
            patient,
            grantee,
            scope,
            data_from,
            data_to,
            at,
        } => to_json_binary(&check(
            deps, env, patient, grantee, scope, data_from, data_to, at,
        )?),
        QueryMsg::Grant { grant_id } => to_json_binary(&grant(deps, env, grant_id)?),
        QueryMsg::GrantsByPatient {
            patient,
            start_after,
            limit,
        } => to_json_binary(&grants_by_patient(deps, env, patient, start_after, limit)?),
        QueryMsg::GrantsByGrantee {
            grantee,
            start_after,
            limit,
        } => to_json_binary(&grants_by_grantee(deps, env, grantee, start_after, limit)?),
        QueryMsg::BreakGlassSessions {
            patient,
            start_after,
            limit,
        } => to_json_binary(&break_glass_sessions(
            deps,
            env,
            patient,
            start_after,
            limit,
        )?),
        QueryMsg::AccessLogByPatient {
            patient,
            start_after,
            limit,
        } => to_json_binary(&access_log_by_patient(deps, patient, start_after, limit)?),
        QueryMsg::AccessLogByGrantee {
            grantee,
            start_after,
            limit,
        } => to_json_binary(&access_log_by_grantee(deps, grantee, start_after, limit)?),
        QueryMsg::Erasures {
            patient,
            start_after,
            limit,
        } => to_json_binary(&erasures(deps, patient, start_after, limit)?),
        QueryMsg::Member { role, address } => to_json_binary(&member(deps, role, address)?),
        QueryMsg::Members {
            role,
            start_after,
            limit,
        } => to_json_binary(&members(deps, role, start_after, limit)?),
    }?)
}

pub fn config(deps: Deps) -> StdResult<ConfigResponse> {
    let config = CONFIG.load(deps.storage)?;
    let admin = diachain_std::admin::ADMIN.load(deps.storage)?;
    Ok(ConfigResponse {
        admin: admin.admin,
        pending_admin: admin.pending_admin,
        registry: config.registry,
        max_break_glass_hours: config.max_break_glass_hours,
        listeners: LISTENERS.may_load(deps.storage)?.unwrap_or_default(),
    })
}

pub fn research_consent(
    deps: Deps,
    env: Env,
    patient: String,
    study_id: u64,
) -> StdResult<ResearchConsentResponse> {
    let patient_addr = deps.api.addr_validate(&patient)?;
    let consent = match RESEARCH.may_load(deps.storage, (&patient_addr, study_id))? {
        Some(id) => {
            let grant = GRANTS.load(deps.storage, id)?;
            is_live(&grant, &env.block).then_some(ResearchConsent {
                grant_id: grant.id,
                grantee: grant.grantee,
                scopes: grant.scopes,
                data_from: grant.data_from,
                data_to: grant.data_to,
                expires: grant.expires,
            })
        }
        None => None,
    };
    Ok(ResearchConsentResponse { consent })
}

#[allow(clippy::too_many_arguments)]
pub fn check(
    deps: Deps,
    env: Env,
    patient: String,
    grantee: String,
    scope: DataScope,
    data_from: Timestamp,
    data_to: Timestamp,
    at: Option<Timestamp>,
) -> Result<CheckAccessResponse, ContractError> {
    let patient_addr = deps.api.addr_validate(&patient)?;
    let grantee_addr = deps.api.addr_validate(&grantee)?;
    if data_to < data_from {
        return Err(ContractError::InvalidDataRange {
            from: data_from,
            to: data_to,
        });
    }
    let now = env.block.time;
    let at = at.unwrap_or(now);
    if at > now {
        return Err(ContractError::AtInFuture { at, now });
    }
    Ok(check_access(
        deps.storage,
        &patient_addr,
        &grantee_addr,
        scope,
        data_from,
        data_to,
        at,
        &env.block,
    )?)
}

fn info(grant: Grant, env: &Env) -> GrantInfo {
    let status = status(&grant, &env.block);
    GrantInfo { grant, status }
}

pub fn grant(deps: Deps, env: Env, grant_id: u64) -> Result<GrantInfo, ContractError> {
    let grant = GRANTS
        .may_load(deps.storage, grant_id)?
        .ok_or(ContractError::GrantNotFound { grant_id })?;
    Ok(info(grant, &env))
}

/// A page of the ids an `(owner, id)` index holds for `owner`, each loaded with `load`.
fn page_by_owner<T>(
    deps: Deps,
    index: &cw_storage_plus::Map<(&Addr, u64), ()>,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
    load: impl Fn(u64) -> StdResult<T>,
) -> StdResult<Page<T>> {
    let owner_addr = deps.api.addr_validate(&owner)?;
    let iter = index
        .prefix(&owner_addr)
        .keys(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .map(|id| load(id?));
    Page::collect(iter, limit)
}

fn grants_by(
    deps: Deps,
    env: Env,
    index: &cw_storage_plus::Map<(&Addr, u64), ()>,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<GrantInfo>> {
    page_by_owner(deps, index, owner, start_after, limit, |id| {
        GRANTS.load(deps.storage, id).map(|g| info(g, &env))
    })
}

pub fn grants_by_patient(
    deps: Deps,
    env: Env,
    patient: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<GrantInfo>> {
    grants_by(deps, env, &GRANTS_BY_PATIENT, patient, start_after, limit)
}

pub fn grants_by_grantee(
    deps: Deps,
    env: Env,
    grantee: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<GrantInfo>> {
    grants_by(deps, env, &GRANTS_BY_GRANTEE, grantee, start_after, limit)
}

/// Open sessions are those indexed under an end later than now; the index is ordered by
/// (end, id), so the range starts right after now and never walks ended sessions.
/// `start_after` is a position in that order, an ordinary exclusive bound: it need not name an
/// existing session.
pub fn break_glass_sessions(
    deps: Deps,
    env: Env,
    patient: String,
    start_after: Option<SessionBound>,
    limit: Option<u32>,
) -> Result<Page<Grant>, ContractError> {
    let patient_addr = deps.api.addr_validate(&patient)?;
    let now_bound = (env.block.time.nanos(), u64::MAX);
    let min = match start_after {
        Some(b) => now_bound.max((b.ends_at.nanos(), b.grant_id)),
        None => now_bound,
    };
    let iter = BREAK_GLASS
        .sub_prefix(&patient_addr)
        .keys(
            deps.storage,
            Some(Bound::exclusive(min)),
            None,
            Order::Ascending,
        )
        .map(|key| GRANTS.load(deps.storage, key?.1));
    Ok(Page::collect(iter, limit)?)
}

fn access_log_by(
    deps: Deps,
    index: &cw_storage_plus::Map<(&Addr, u64), ()>,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<AccessRecord>> {
    page_by_owner(deps, index, owner, start_after, limit, |id| {
        load_access(deps.storage, id)
    })
}

pub fn access_log_by_patient(
    deps: Deps,
    patient: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<AccessRecord>> {
    access_log_by(deps, &ACCESS_BY_PATIENT, patient, start_after, limit)
}

pub fn access_log_by_grantee(
    deps: Deps,
    grantee: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<AccessRecord>> {
    access_log_by(deps, &ACCESS_BY_GRANTEE, grantee, start_after, limit)
}

/// A patient's erasure records, by id (oldest first).
pub fn erasures(
    deps: Deps,
    patient: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<ErasureRecord>> {
    let patient_addr = deps.api.addr_validate(&patient)?;
    let iter = ERASURES
        .prefix(&patient_addr)
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .map(|item| item.map(|(_, record)| record));
    Page::collect(iter, limit)
}

pub fn member(deps: Deps, role: ConsentRole, address: String) -> StdResult<Option<Member>> {
    let addr = deps.api.addr_validate(&address)?;
    MEMBERS.may_load(deps.storage, (role.code(), &addr))
}

pub fn members(
    deps: Deps,
    role: ConsentRole,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<Page<Member>> {
    let start = start_after
        .map(|s| deps.api.addr_validate(&s))
        .transpose()?;
    let iter = MEMBERS
        .prefix(role.code())
        .range(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .map(|item| item.map(|(_, m)| m));
    Page::collect(iter, limit)
}
