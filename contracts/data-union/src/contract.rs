//! Entry points: each one only dispatches.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};

use crate::error::ContractError;
use crate::execute;
use crate::execute::{claim, config, contribute, fund, manifest, membership, withdraw};
use crate::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use crate::query;

/// Re-exported from `state.rs`, where every contract keeps its cw2 name and version.
pub use crate::state::{CONTRACT_NAME, CONTRACT_VERSION};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    execute::instantiate::instantiate(deps, info, msg)
}

/// Every handler checks funds itself: `CreateStudy` and `TopUp` take coins, all others refuse
/// them.
#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::CreateStudy { study, denom } => {
            fund::create_native(deps, env, info, study, denom)
        }
        ExecuteMsg::TopUp { study_id } => fund::top_up_native(deps, env, info, study_id),
        ExecuteMsg::Receive(msg) => fund::receive(deps, env, info, msg),
        ExecuteMsg::Join { study_id } => membership::join(deps, env, info, study_id),
        ExecuteMsg::Leave { study_id } => membership::leave(deps, env, info, study_id),
        ExecuteMsg::Claim { study_id } => claim::claim(deps, env, info, study_id),
        ExecuteMsg::WithdrawUnearned { study_id } => {
            withdraw::withdraw_unearned(deps, env, info, study_id)
        }
        ExecuteMsg::UpdateConfig {
            admin,
            anchors,
            consent,
            treasury,
        } => config::update(deps, info, admin, anchors, consent, treasury),
        ExecuteMsg::ReadingsAnchored { contributions } => {
            contribute::readings_anchored(deps, env, info, contributions)
        }
        ExecuteMsg::ResearchConsentEnded {
            patient,
            study_id,
            grant_id,
        } => membership::consent_ended(deps, env, info, patient, study_id, grant_id),
        ExecuteMsg::RecordManifest { manifest } => {
            manifest::record_manifest(deps, env, info, manifest)
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    query::dispatch(deps, env, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    Ok(diachain_std::version::migrate(
        deps.storage,
        CONTRACT_NAME,
        CONTRACT_VERSION,
    )?)
}
