//! Creating and funding studies: native coins directly, cw20 tokens through `Receive`.

use cosmwasm_std::{
    from_json, Addr, DepsMut, Env, MessageInfo, Response, Timestamp, Uint128, Uint64,
};
use diachain_std::encoding::SECONDS_PER_DAY;
use diachain_std::union::{
    Cw20ReceiveMsg, Earned, NewStudy, Pool, PoolToken, ReceiveMsg, Study, DEFAULT_CLOSE_DELAY,
    MAX_CLOSE_DELAY, MAX_DAY, MAX_LINK_LEN, MAX_STUDY_DAYS, MAX_TITLE_LEN,
};

use super::{book_deposit, load_study, payment};
use crate::error::ContractError;
use crate::state::{CONFIG, LAST_STUDY_ID, STUDIES};

/// Sponsor: create a study funded with exactly one native coin of `denom`.
pub fn create_native(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    study: NewStudy,
    denom: String,
) -> Result<Response, ContractError> {
    let amount = Uint128::try_from(cw_utils::must_pay(&info, &denom)?)?;
    create(
        deps,
        env,
        info.sender,
        study,
        PoolToken::Native { denom },
        amount,
    )
}

/// Anyone: add native coins of the pool's denom to an open study.
pub fn top_up_native(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    study_id: u64,
) -> Result<Response, ContractError> {
    let study = load_study(deps.storage, study_id)?;
    let amount = match &study.pool.token {
        PoolToken::Native { denom } => Uint128::try_from(cw_utils::must_pay(&info, denom)?)?,
        PoolToken::Cw20 { address } => {
            return Err(ContractError::PoolIsCw20 {
                study_id,
                token: address.to_string(),
            })
        }
    };
    top_up(deps, env, info.sender, study, amount)
}

/// A cw20 token's `Send`: the token is `info.sender`, the depositor is `msg.sender`.
pub fn receive(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: Cw20ReceiveMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let depositor = deps.api.addr_validate(&msg.sender)?;
    if msg.amount.is_zero() {
        return Err(ContractError::ZeroAmount);
    }
    let token_addr = info.sender;
    match from_json::<ReceiveMsg>(&msg.msg)? {
        ReceiveMsg::CreateStudy { study } => create(
            deps,
            env,
            depositor,
            study,
            PoolToken::Cw20 {
                address: token_addr,
            },
            msg.amount,
        ),
        ReceiveMsg::TopUp { study_id } => {
            let study = load_study(deps.storage, study_id)?;
            match &study.pool.token {
                PoolToken::Cw20 { address } if *address == token_addr => {}
                PoolToken::Cw20 { address } => {
                    return Err(ContractError::WrongToken {
                        study_id,
                        expected: format!("cw20 token {address}"),
                        received: token_addr.to_string(),
                    })
                }
                PoolToken::Native { denom } => {
                    return Err(ContractError::WrongToken {
                        study_id,
                        expected: format!("native {denom}"),
                        received: token_addr.to_string(),
                    })
                }
            }
            top_up(deps, env, depositor, study, msg.amount)
        }
    }
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), ContractError> {
    if text.is_empty() || text.len() > max {
        return Err(ContractError::InvalidText { field, max });
    }
    Ok(())
}

/// Checks a new study and returns its closing time.
pub(crate) fn validate(study: &NewStudy, now: Timestamp) -> Result<Timestamp, ContractError> {
    check_text("title", &study.title, MAX_TITLE_LEN)?;
    check_text("description_url", &study.description_url, MAX_LINK_LEN)?;
    if study.scopes.is_empty() {
        return Err(ContractError::NoScopes);
    }
    for (i, scope) in study.scopes.iter().enumerate() {
        if study.scopes[..i].contains(scope) {
            return Err(ContractError::DuplicateScope { scope: *scope });
        }
    }
    for (i, kind) in study.eligibility.device_kinds.iter().enumerate() {
        if study.eligibility.device_kinds[..i].contains(kind) {
            return Err(ContractError::DuplicateDeviceKind { kind: *kind });
        }
    }
    if study.data_from_day > study.data_to_day {
        return Err(ContractError::InvalidDataPeriod);
    }
    if study.data_to_day > MAX_DAY {
        return Err(ContractError::DayOutOfRange {
            day: study.data_to_day,
            max: MAX_DAY,
        });
    }
    let days = study.data_to_day - study.data_from_day + 1;
    if days > MAX_STUDY_DAYS {
        return Err(ContractError::DataPeriodTooLong {
            days,
            max: MAX_STUDY_DAYS,
        });
    }
    if u64::from(study.eligibility.min_days) > days {
        return Err(ContractError::MinDaysExceedPeriod {
            min_days: study.eligibility.min_days,
            days,
        });
    }
    if let Some(max) = study.eligibility.max_readings_per_day {
        let min = study.eligibility.min_readings_per_day;
        if max == 0 || max < min {
            return Err(ContractError::InvalidMaxReadingsPerDay { max, min });
        }
    }
    if study.cap_per_patient.is_zero() {
        return Err(ContractError::ZeroCap);
    }
    // End of the data period and the latest closing time. `MAX_DAY` leaves room for both, and
    // for the grace period after them, within what a `Timestamp` holds.
    let period_end = (study.data_to_day + 1) * SECONDS_PER_DAY;
    let earliest = Timestamp::from_seconds(period_end);
    let latest = Timestamp::from_seconds(period_end + MAX_CLOSE_DELAY);
    let closes_at = study
        .closes_at
        .unwrap_or_else(|| earliest.plus_seconds(DEFAULT_CLOSE_DELAY));
    if closes_at < earliest || closes_at > latest {
        return Err(ContractError::InvalidClosingTime { earliest, latest });
    }
    if closes_at <= now {
        return Err(ContractError::ClosingTimeInPast { closes_at });
    }
    Ok(closes_at)
}

fn create(
    deps: DepsMut,
    env: Env,
    sponsor_addr: Addr,
    new: NewStudy,
    token: PoolToken,
    amount: Uint128,
) -> Result<Response, ContractError> {
    let now = env.block.time;
    let closes_at = validate(&new, now)?;
    let config = CONFIG.load(deps.storage)?;
    let id = Uint64::new(LAST_STUDY_ID.load(deps.storage)?)
        .checked_add(Uint64::one())?
        .u64();
    let mut study = Study {
        id,
        sponsor: sponsor_addr,
        title: new.title,
        description_url: new.description_url,
        scopes: new.scopes,
        data_from_day: new.data_from_day,
        data_to_day: new.data_to_day,
        closes_at,
        refund_after: closes_at.plus_seconds(config.grace_period),
        eligibility: new.eligibility,
        cap_per_patient: new.cap_per_patient,
        fee_bps: config.fee_bps,
        pool: Pool {
            token,
            funded: Uint128::zero(),
            fees: Uint128::zero(),
            paid: Uint128::zero(),
            refunded: None,
        },
        members: 0,
        active_members: 0,
        total_units: 0,
        created_at: now,
        earned: Some(Earned::default()),
    };
    let fee = book_deposit(&mut study, amount)?;
    LAST_STUDY_ID.save(deps.storage, &id)?;
    STUDIES.save(deps.storage, id, &study)?;
    let mut response = Response::new()
        .add_attribute("action", "create_study")
        .add_attribute("study_id", id.to_string())
        .add_attribute("sponsor", study.sponsor.as_str())
        .add_attribute("amount", amount)
        .add_attribute("fee", fee);
    if !fee.is_zero() {
        response = response.add_message(payment(&study.pool.token, &config.treasury_addr, fee)?);
    }
    Ok(response)
}

fn top_up(
    deps: DepsMut,
    env: Env,
    depositor: Addr,
    mut study: Study,
    amount: Uint128,
) -> Result<Response, ContractError> {
    if env.block.time >= study.closes_at || study.pool.refunded.is_some() {
        return Err(ContractError::FundingClosed { study_id: study.id });
    }
    let config = CONFIG.load(deps.storage)?;
    let fee = book_deposit(&mut study, amount)?;
    STUDIES.save(deps.storage, study.id, &study)?;
    let mut response = Response::new()
        .add_attribute("action", "top_up")
        .add_attribute("study_id", study.id.to_string())
        .add_attribute("depositor", depositor)
        .add_attribute("amount", amount)
        .add_attribute("fee", fee);
    if !fee.is_zero() {
        response = response.add_message(payment(&study.pool.token, &config.treasury_addr, fee)?);
    }
    Ok(response)
}
