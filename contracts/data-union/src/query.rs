//! Queries. Every list is a capped page with `has_more`.

use cosmwasm_std::{to_json_binary, Binary, Deps, Env, Order, StdResult, Timestamp, Uint128};
use cw_storage_plus::Bound;
use diachain_std::pagination::page_size;
use diachain_std::union::{
    ConfigResponse, ContributionResponse, Member, PoolResponse, Study, StudyPhase, StudyResponse,
};
use diachain_std::Page;

use crate::error::ContractError;
use crate::msg::QueryMsg;
use crate::rewards::{assess, reserved};
use crate::state::{
    active_studies, load_study, manifest_json, manifest_json_by_export, manifests_json, phase,
    CONFIG, MEMBERS, STUDIES,
};

pub fn dispatch(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&config(deps)?)?,
        QueryMsg::Study { study_id } => {
            let study = load_study(deps.storage, study_id)?;
            to_json_binary(&study_response(study, env.block.time)?)?
        }
        QueryMsg::Studies { start_after, limit } => {
            let now = env.block.time;
            let page = Page::collect(
                STUDIES
                    .range(
                        deps.storage,
                        start_after.map(Bound::exclusive),
                        None,
                        Order::Ascending,
                    )
                    .map(|item| study_response(item?.1, now)),
                limit,
            )?;
            to_json_binary(&page)?
        }
        QueryMsg::Members {
            study_id,
            start_after,
            limit,
        } => to_json_binary(&members(deps, study_id, start_after, limit)?)?,
        QueryMsg::Contribution { study_id, patient } => {
            to_json_binary(&contribution(deps, env, study_id, patient)?)?
        }
        QueryMsg::PatientStudies { patient } => {
            let patient_addr = deps.api.addr_validate(&patient)?;
            to_json_binary(&active_studies(deps.storage, &patient_addr)?)?
        }
        QueryMsg::Pool { study_id } => {
            let study = load_study(deps.storage, study_id)?;
            to_json_binary(&PoolResponse {
                study_id,
                balance: study.pool.balance(),
                pool: study.pool,
            })?
        }
        // Answered with the stored JSON as it is (see `state::MANIFESTS`).
        QueryMsg::Manifest {
            study_id,
            manifest_id,
        } => manifest_json(deps.storage, study_id, manifest_id)
            .ok_or(ContractError::ManifestNotFound {
                study_id,
                manifest_id,
            })?
            .into(),
        QueryMsg::Manifests {
            study_id,
            start_after,
            limit,
        } => {
            load_study(deps.storage, study_id)?;
            json_page(manifests_json(deps.storage, study_id, start_after), limit).into()
        }
        QueryMsg::ManifestByExport {
            study_id,
            export_id,
        } => manifest_json_by_export(deps.storage, study_id, export_id.as_slice())?
            .unwrap_or_else(|| b"null".to_vec())
            .into(),
    })
}

/// A `Page` of items already serialized as JSON, as `Page::collect` and `to_json_binary` would
/// write it: `{"items":[..],"has_more":..}`.
fn json_page(items: impl Iterator<Item = Vec<u8>>, limit: Option<u32>) -> Vec<u8> {
    let size = page_size(limit);
    let mut out = b"{\"items\":[".to_vec();
    let mut has_more = false;
    for (i, item) in items.take(size.saturating_add(1)).enumerate() {
        if i == size {
            has_more = true;
            break;
        }
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&item);
    }
    out.extend_from_slice(if has_more {
        b"],\"has_more\":true}"
    } else {
        b"],\"has_more\":false}"
    });
    out
}

fn study_response(study: Study, now: Timestamp) -> StdResult<StudyResponse> {
    Ok(StudyResponse {
        phase: phase(&study, now),
        reserved: reserved(&study)?,
        study,
    })
}

fn config(deps: Deps) -> Result<ConfigResponse, ContractError> {
    let c = CONFIG.load(deps.storage)?;
    Ok(ConfigResponse {
        admin: c.admin_addr,
        anchors: c.anchors_addr,
        consent: c.consent_addr,
        treasury: c.treasury_addr,
        fee_bps: c.fee_bps,
        grace_period: c.grace_period,
    })
}

fn members(
    deps: Deps,
    study_id: u64,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<Page<Member>, ContractError> {
    load_study(deps.storage, study_id)?;
    let start_addr = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let page = Page::collect(
        MEMBERS
            .prefix(study_id)
            .range(
                deps.storage,
                start_addr.as_ref().map(Bound::exclusive),
                None,
                Order::Ascending,
            )
            .map(|item| item.map(|(_, member)| member)),
        limit,
    )?;
    Ok(page)
}

fn contribution(
    deps: Deps,
    env: Env,
    study_id: u64,
    patient: String,
) -> Result<ContributionResponse, ContractError> {
    let patient_addr = deps.api.addr_validate(&patient)?;
    let study = load_study(deps.storage, study_id)?;
    let Some(member) = MEMBERS.may_load(deps.storage, (study_id, &patient_addr))? else {
        return Ok(ContributionResponse {
            study_id,
            member: None,
            counting_days: 0,
            counted_units: 0,
            eligible: false,
            projected_payout: Uint128::zero(),
            claimable: Uint128::zero(),
        });
    };
    let config = CONFIG.load(deps.storage)?;
    let assessment = assess(deps, &config, &study, &member)?;
    let claims_open = match phase(&study, env.block.time) {
        StudyPhase::Claiming | StudyPhase::Refundable => true,
        StudyPhase::Closed => study.earned.is_some(),
        StudyPhase::Open => false,
    };
    let claimable = if claims_open && member.claimed.is_none() {
        assessment.share
    } else {
        Uint128::zero()
    };
    Ok(ContributionResponse {
        study_id,
        counting_days: assessment.counting_days,
        counted_units: assessment.counted_units,
        eligible: assessment.unmet.is_none(),
        projected_payout: member.claimed.unwrap_or(assessment.share),
        claimable,
        member: Some(member),
    })
}
