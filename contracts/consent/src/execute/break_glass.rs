//! Opening a break-glass session (closing one early is `RevokeGrant`).

use cosmwasm_std::{Binary, DepsMut, Env, MessageInfo, Response, Timestamp};
use diachain_std::consent::{
    BreakGlass, BreakGlassReason, ConsentRole, Expiry, Grant, NOTE_HASH_LEN,
};
use diachain_std::{DataScope, Purpose};

use crate::access::{is_member, load_pair, normalize_scopes};
use crate::error::ContractError;
use crate::execute::{ensure_pair_room, store_new_grant};
use crate::state::CONFIG;

const SECONDS_PER_HOUR: u64 = 3_600;

/// What `OpenBreakGlass` asks for.
pub struct NewSession {
    pub patient: String,
    pub hours: u32,
    pub reason: BreakGlassReason,
    pub note_hash: Option<Binary>,
    pub scopes: Option<Vec<DataScope>>,
}

pub fn open_break_glass(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    session: NewSession,
) -> Result<Response, ContractError> {
    let NewSession {
        patient,
        hours,
        reason,
        note_hash,
        scopes,
    } = session;
    if !is_member(deps.storage, ConsentRole::EmergencyProvider, &info.sender)? {
        return Err(ContractError::NotMember {
            role: ConsentRole::EmergencyProvider,
            address: info.sender.into_string(),
        });
    }
    cw_utils::nonpayable(&info)?;
    let config = CONFIG.load(deps.storage)?;
    let patient_addr = deps.api.addr_validate(&patient)?;
    if patient_addr == info.sender {
        return Err(ContractError::GranteeIsPatient);
    }
    let max = config.max_break_glass_hours;
    if hours == 0 || hours > max {
        return Err(ContractError::InvalidBreakGlassHours { hours, max });
    }
    check_reason(reason, note_hash.as_ref())?;
    let scopes = normalize_scopes(scopes.unwrap_or_else(|| DataScope::ALL.to_vec()))?;
    let pair = load_pair(deps.storage, &patient_addr, &info.sender, &env.block)?;
    if let Some(open) = pair.live.iter().find(|g| g.break_glass.is_some()) {
        return Err(ContractError::BreakGlassAlreadyOpen { grant_id: open.id });
    }
    ensure_pair_room(&pair)?;

    let seconds = u64::from(hours)
        .checked_mul(SECONDS_PER_HOUR)
        .ok_or(ContractError::InvalidBreakGlassHours { hours, max })?;
    let ends_at = env.block.time.plus_seconds(seconds);
    let grant = Grant {
        id: 0,
        patient: patient_addr.clone(),
        grantee: info.sender.clone(),
        scopes,
        purpose: Purpose::Emergency,
        study_id: None,
        // All the patient's history, and what is measured while the session lasts.
        data_from: Timestamp::from_nanos(0),
        data_to: ends_at,
        expires: Expiry::AtTime(ends_at),
        granted_by: info.sender.clone(),
        granted_at: env.block.time,
        granted_height: env.block.height,
        amended_at: None,
        revoked: None,
        break_glass: Some(BreakGlass {
            reason,
            note_hash,
            hours,
        }),
    };
    let id = store_new_grant(deps.storage, grant, &pair)?;
    Ok(Response::new()
        .add_attribute("action", "open_break_glass")
        .add_attribute("grant_id", id.to_string())
        .add_attribute("patient", patient_addr)
        .add_attribute("provider", info.sender)
        .add_attribute("hours", hours.to_string())
        .add_attribute("ends_at", ends_at.seconds().to_string())
        .add_attribute("reason", reason.as_str()))
}

/// A code, never free text; details stay off chain, committed to by the note's hash (required
/// for `Other`).
fn check_reason(reason: BreakGlassReason, note_hash: Option<&Binary>) -> Result<(), ContractError> {
    match (reason, note_hash) {
        (BreakGlassReason::Legacy, _) => Err(ContractError::LegacyReason),
        (_, Some(hash)) if hash.len() != NOTE_HASH_LEN => Err(ContractError::InvalidNoteHash {
            len: hash.len(),
            expected: NOTE_HASH_LEN,
        }),
        (BreakGlassReason::Other, None) => Err(ContractError::NoteRequired),
        _ => Ok(()),
    }
}
