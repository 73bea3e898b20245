//! One module per action; shared role checks and grant bookkeeping here.

pub mod admin;
pub mod break_glass;
pub mod erasure;
pub mod grant;
pub mod instantiate;
pub mod members;
pub mod record_access;
pub mod revoke;

use cosmwasm_std::{Addr, Deps, StdResult, Storage, SubMsg};
use diachain_std::consent::Grant;
use diachain_std::hooks::{hook_msgs, ConsentHookMsg};
use diachain_std::{Purpose, Registry};

use crate::access::PairGrants;
use crate::error::ContractError;
use crate::state::{
    next_id, Config, BREAK_GLASS, GRANTS, GRANTS_BY_GRANTEE, GRANTS_BY_PATIENT, GRANT_SEQ,
    LISTENERS, PAIR_GRANTS, PAIR_LAST_ENDED, RESEARCH,
};

/// `reply` id of a listener hook: a failing listener is logged, never allowed to undo the
/// patient's revocation or amendment.
pub const HOOK_REPLY_ID: u64 = 1;
/// Gas (SDK units) a listener may use to handle one hook; beyond it the hook fails (and is
/// logged) rather than the patient's message.
pub const HOOK_GAS_LIMIT: u64 = 1_000_000;

/// Tells every listener that a research consent ended, each as a sub-message whose failure is
/// caught by `reply` (see `HOOK_REPLY_ID`).
pub fn research_ended_hooks(
    storage: &dyn Storage,
    patient: &Addr,
    study_id: u64,
    grant_id: u64,
) -> StdResult<Vec<SubMsg>> {
    let listeners = LISTENERS.may_load(storage)?.unwrap_or_default();
    let hook = ConsentHookMsg::ResearchConsentEnded {
        patient: patient.clone(),
        study_id,
        grant_id,
    };
    Ok(hook_msgs(&listeners, &hook)?
        .into_iter()
        .map(|msg| SubMsg::reply_on_error(msg, HOOK_REPLY_ID).with_gas_limit(HOOK_GAS_LIMIT))
        .collect())
}

/// Whether the registry names `sender` a guardian of `patient`.
pub fn is_guardian(deps: Deps, config: &Config, patient: &Addr, sender: &Addr) -> StdResult<bool> {
    Registry(&config.registry).is_guardian(&deps.querier, patient.as_str(), sender.as_str())
}

/// The sender is the patient, or a guardian the registry names for them.
pub fn ensure_patient_or_guardian(
    deps: Deps,
    config: &Config,
    patient: &Addr,
    sender: &Addr,
) -> Result<(), ContractError> {
    if sender == patient || is_guardian(deps, config, patient, sender)? {
        Ok(())
    } else {
        Err(ContractError::NotPatientOrGuardian)
    }
}

/// Refuses a new grant for the pair when `MAX_GRANTS_PER_PAIR` live grants already exist
/// (expired ones do not count: they are pruned when the new grant is stored).
pub fn ensure_pair_room(pair: &PairGrants) -> Result<(), ContractError> {
    let max = diachain_std::consent::MAX_GRANTS_PER_PAIR;
    if pair.live.len() >= max {
        return Err(ContractError::TooManyGrants { max });
    }
    Ok(())
}

/// Stores a new grant (its `id` is assigned here) with every index, and prunes the pair's
/// expired grants. Call only after every check has passed.
pub fn store_new_grant(
    storage: &mut dyn Storage,
    mut grant: Grant,
    pair: &PairGrants,
) -> Result<u64, ContractError> {
    let id = next_id(storage, &GRANT_SEQ)?;
    grant.id = id;
    let (patient, grantee) = (&grant.patient, &grant.grantee);
    for expired in &pair.expired {
        PAIR_GRANTS.remove(storage, (patient, grantee, *expired));
    }
    if let Some(last) = pair.expired.iter().max() {
        PAIR_LAST_ENDED.save(storage, (patient, grantee), last)?;
    }
    GRANTS.save(storage, id, &grant)?;
    GRANTS_BY_PATIENT.save(storage, (patient, id), &())?;
    GRANTS_BY_GRANTEE.save(storage, (grantee, id), &())?;
    PAIR_GRANTS.save(storage, (patient, grantee, id), &())?;
    if grant.break_glass.is_some() {
        BREAK_GLASS.save(storage, (patient, break_glass_end(&grant), id), &())?;
    }
    if let (Purpose::Research, Some(study_id)) = (grant.purpose, grant.study_id) {
        RESEARCH.save(storage, (patient, study_id), &id)?;
    }
    Ok(id)
}

/// The end (unix nanos) under which a break-glass session is indexed.
pub fn break_glass_end(grant: &Grant) -> u64 {
    match grant.expires {
        diachain_std::consent::Expiry::AtTime(t) => t.nanos(),
        // Sessions always end at a time; a height would never be indexed.
        diachain_std::consent::Expiry::AtHeight(_) => 0,
    }
}
