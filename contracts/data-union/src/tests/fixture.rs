//! Shared fixture: the union in cw-multi-test, wired to test-only stand-ins of the
//! reading-anchors contract (coverage + contribution hook), the consent contract (research
//! consent + ended hook + admitted custodians) and a minimal cw20 token, all speaking the shared
//! diachain-std types.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    coin, from_json, to_json_binary, Addr, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Order,
    Response, StdError, StdResult, Timestamp, Uint128, WasmMsg,
};
use cw_multi_test::{App, AppResponse, ContractWrapper, Executor};
use cw_storage_plus::{Item, Map};
use diachain_std::anchors::{self, CoverageResponse, DayCoverage};
use diachain_std::consent::{self, ConsentRole, Expiry, ResearchConsent, ResearchConsentResponse};
use diachain_std::hooks::{hook_msgs, AnchorsHookMsg, ConsentHookMsg, Contribution};
use diachain_std::union::{
    ConfigResponse, ContributionResponse, Cw20ReceiveMsg, Eligibility, Member, NewManifest,
    NewStudy, PoolResponse, ReceiveMsg, StudyResponse,
};
use diachain_std::{DataScope, Page};
use diachain_testing::{attribute, contract_wrapper};

/// The one refusal assertion, for every test file of this crate.
pub use diachain_testing::assert_refused;

use crate::msg::{ExecuteMsg, InstantiateMsg, QueryMsg};

pub const DENOM: &str = "uusdc";
pub const DAY: u64 = 86_400;
/// The chain starts at the beginning of this UTC day.
pub const START_DAY: u64 = 20_000;
/// Default study: days 20_001..=20_010, closes one day after.
pub const FROM_DAY: u64 = 20_001;
pub const TO_DAY: u64 = 20_010;
pub const CLOSES_AT: u64 = (TO_DAY + 2) * DAY;
pub const GRACE: u64 = 7 * DAY;
pub const FEE_BPS: u16 = 250;
pub const SPONSOR_FUNDS: u128 = 1_000_000_000_000;

// ---------------------------------------------------------------- stand-in: reading-anchors

#[cw_serde]
pub enum AnchorsStandInMsg {
    SetListener {
        listener: String,
    },
    /// Records coverage for the contributions and, if `notify`, tells the listener.
    Anchor {
        contributions: Vec<Contribution>,
        notify: bool,
    },
    /// From now on, every `Coverage` query fails (shows that a caller never asks for it).
    FailCoverage {},
}

const COVERAGE_FAILS: Item<bool> = Item::new("coverage_fails");

const LISTENER: Item<Addr> = Item::new("listener");
/// (patient, day, scope code) → readings.
const COVERAGE: Map<(&Addr, u64, u8), u64> = Map::new("coverage");

fn anchors_execute(
    deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: AnchorsStandInMsg,
) -> StdResult<Response> {
    match msg {
        AnchorsStandInMsg::FailCoverage {} => {
            COVERAGE_FAILS.save(deps.storage, &true)?;
            Ok(Response::new())
        }
        AnchorsStandInMsg::SetListener { listener } => {
            LISTENER.save(deps.storage, &deps.api.addr_validate(&listener)?)?;
            Ok(Response::new())
        }
        AnchorsStandInMsg::Anchor {
            contributions,
            notify,
        } => {
            for c in &contributions {
                let key = (&c.patient, c.day, c.scope.code());
                let before = COVERAGE.may_load(deps.storage, key)?.unwrap_or(0);
                COVERAGE.save(deps.storage, key, &(before + c.readings))?;
            }
            let mut response = Response::new();
            if notify {
                let listeners: Vec<Addr> = LISTENER.may_load(deps.storage)?.into_iter().collect();
                response = response.add_messages(hook_msgs(
                    &listeners,
                    &AnchorsHookMsg::ReadingsAnchored { contributions },
                )?);
            }
            Ok(response)
        }
    }
}

fn anchors_query(deps: Deps, _env: Env, msg: anchors::QueryMsg) -> StdResult<Binary> {
    match msg {
        anchors::QueryMsg::Coverage {
            patient,
            from_day,
            to_day,
        } => {
            if COVERAGE_FAILS.may_load(deps.storage)?.unwrap_or(false) {
                return Err(StdError::msg("coverage was queried"));
            }
            if to_day < from_day || to_day - from_day + 1 > anchors::MAX_COVERAGE_DAYS {
                return Err(StdError::msg("coverage range too wide"));
            }
            let patient_addr = deps.api.addr_validate(&patient)?;
            let days = COVERAGE
                .sub_prefix(&patient_addr)
                .range(deps.storage, None, None, Order::Ascending)
                .filter_map(|item| {
                    let ((day, code), readings) = match item {
                        Ok(v) => v,
                        Err(e) => return Some(Err(e)),
                    };
                    if day < from_day || day > to_day {
                        return None;
                    }
                    let scope = *DataScope::ALL.iter().find(|s| s.code() == code)?;
                    Some(Ok(DayCoverage {
                        day,
                        scope,
                        readings,
                    }))
                })
                .collect::<StdResult<Vec<_>>>()?;
            to_json_binary(&CoverageResponse { days })
        }
        #[allow(unreachable_patterns)]
        _ => Err(StdError::msg("not answered by the stand-in")),
    }
}

// ---------------------------------------------------------------- stand-in: consent

#[cw_serde]
pub enum ConsentStandInMsg {
    SetListener {
        listener: String,
    },
    Grant {
        patient: String,
        study_id: u64,
        consent: ResearchConsent,
    },
    /// Removes the grant and tells the listener.
    Revoke {
        patient: String,
        study_id: u64,
    },
    /// Admits an emergency provider or custodian, as consent's `AdmitMember` does.
    AdmitMember {
        role: ConsentRole,
        address: String,
    },
    /// Removes one, as consent's `RemoveMember` does.
    RemoveMember {
        role: ConsentRole,
        address: String,
    },
}

const GRANTS: Map<(&Addr, u64), ResearchConsent> = Map::new("grants");
/// (role code, address) → the admitted member, as the consent contract keeps them.
const CONSENT_MEMBERS: Map<(u8, &Addr), consent::Member> = Map::new("members");

fn consent_execute(
    deps: DepsMut,
    env: Env,
    _info: MessageInfo,
    msg: ConsentStandInMsg,
) -> StdResult<Response> {
    match msg {
        ConsentStandInMsg::AdmitMember { role, address } => {
            let address = deps.api.addr_validate(&address)?;
            let member = consent::Member {
                address: address.clone(),
                role,
                admitted_at: env.block.time,
            };
            CONSENT_MEMBERS.save(deps.storage, (role.code(), &address), &member)?;
            Ok(Response::new())
        }
        ConsentStandInMsg::RemoveMember { role, address } => {
            let address = deps.api.addr_validate(&address)?;
            CONSENT_MEMBERS.remove(deps.storage, (role.code(), &address));
            Ok(Response::new())
        }
        ConsentStandInMsg::SetListener { listener } => {
            LISTENER.save(deps.storage, &deps.api.addr_validate(&listener)?)?;
            Ok(Response::new())
        }
        ConsentStandInMsg::Grant {
            patient,
            study_id,
            consent,
        } => {
            let patient_addr = deps.api.addr_validate(&patient)?;
            GRANTS.save(deps.storage, (&patient_addr, study_id), &consent)?;
            Ok(Response::new())
        }
        ConsentStandInMsg::Revoke { patient, study_id } => {
            let patient_addr = deps.api.addr_validate(&patient)?;
            let grant = GRANTS.load(deps.storage, (&patient_addr, study_id))?;
            GRANTS.remove(deps.storage, (&patient_addr, study_id));
            let listeners: Vec<Addr> = LISTENER.may_load(deps.storage)?.into_iter().collect();
            Ok(Response::new().add_messages(hook_msgs(
                &listeners,
                &ConsentHookMsg::ResearchConsentEnded {
                    patient: patient_addr,
                    study_id,
                    grant_id: grant.grant_id,
                },
            )?))
        }
    }
}

fn consent_query(deps: Deps, _env: Env, msg: consent::QueryMsg) -> StdResult<Binary> {
    match msg {
        consent::QueryMsg::ResearchConsent { patient, study_id } => {
            let patient_addr = deps.api.addr_validate(&patient)?;
            to_json_binary(&ResearchConsentResponse {
                consent: GRANTS.may_load(deps.storage, (&patient_addr, study_id))?,
            })
        }
        consent::QueryMsg::Member { role, address } => {
            let address = deps.api.addr_validate(&address)?;
            to_json_binary(&CONSENT_MEMBERS.may_load(deps.storage, (role.code(), &address))?)
        }
        #[allow(unreachable_patterns)]
        _ => Err(StdError::msg("not answered by the stand-in")),
    }
}

// ---------------------------------------------------------------- stand-in: cw20 token

#[cw_serde]
pub struct TokenInstantiate {
    pub balances: Vec<(String, Uint128)>,
}

#[cw_serde]
pub enum TokenExecute {
    Transfer {
        recipient: String,
        amount: Uint128,
    },
    Send {
        contract: String,
        amount: Uint128,
        msg: Binary,
    },
}

#[cw_serde]
pub enum TokenQuery {
    Balance { address: String },
}

#[cw_serde]
enum ReceiverExecute {
    Receive(Cw20ReceiveMsg),
}

const BALANCES: Map<&Addr, Uint128> = Map::new("balances");

fn token_instantiate(
    deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: TokenInstantiate,
) -> StdResult<Response> {
    for (address, amount) in msg.balances {
        BALANCES.save(deps.storage, &deps.api.addr_validate(&address)?, &amount)?;
    }
    Ok(Response::new())
}

fn move_tokens(deps: DepsMut, from: &Addr, to: &Addr, amount: Uint128) -> StdResult<()> {
    let from_balance = BALANCES.may_load(deps.storage, from)?.unwrap_or_default();
    BALANCES.save(deps.storage, from, &from_balance.checked_sub(amount)?)?;
    let to_balance = BALANCES.may_load(deps.storage, to)?.unwrap_or_default();
    BALANCES.save(deps.storage, to, &to_balance.checked_add(amount)?)?;
    Ok(())
}

fn token_execute(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: TokenExecute,
) -> StdResult<Response> {
    match msg {
        TokenExecute::Transfer { recipient, amount } => {
            let to = deps.api.addr_validate(&recipient)?;
            move_tokens(deps, &info.sender, &to, amount)?;
            Ok(Response::new())
        }
        TokenExecute::Send {
            contract,
            amount,
            msg,
        } => {
            let to = deps.api.addr_validate(&contract)?;
            move_tokens(deps, &info.sender, &to, amount)?;
            Ok(Response::new().add_message(WasmMsg::Execute {
                contract_addr: to.to_string(),
                msg: to_json_binary(&ReceiverExecute::Receive(Cw20ReceiveMsg {
                    sender: info.sender.to_string(),
                    amount,
                    msg,
                }))?,
                funds: vec![],
            }))
        }
    }
}

fn token_query(deps: Deps, _env: Env, msg: TokenQuery) -> StdResult<Binary> {
    match msg {
        TokenQuery::Balance { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&BALANCES.may_load(deps.storage, &addr)?.unwrap_or_default())
        }
    }
}

// ---------------------------------------------------------------- the suite

/// Which token a test pool is held in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Funding {
    Native,
    Cw20,
}

pub struct Suite {
    pub app: App,
    pub union: Addr,
    pub anchors: Addr,
    pub consent: Addr,
    pub token: Addr,
    pub other_token: Addr,
    pub admin: Addr,
    pub treasury: Addr,
    pub sponsor: Addr,
    pub union_code: u64,
}

pub fn instantiate_msg(suite_anchors: &Addr, consent: &Addr, treasury: &Addr) -> InstantiateMsg {
    InstantiateMsg {
        admin: None,
        anchors: suite_anchors.to_string(),
        consent: consent.to_string(),
        treasury: treasury.to_string(),
        fee_bps: FEE_BPS,
        grace_period: GRACE,
    }
}

/// Builds the union's [`Suite`] the way the kit's `SuiteBuilder` builds the cross-contract one:
/// `SuiteBuilder::default().with_fee(0).build()`.
#[derive(Clone, Copy, Debug)]
pub struct SuiteBuilder {
    fee_bps: u16,
}

impl Default for SuiteBuilder {
    fn default() -> Self {
        SuiteBuilder { fee_bps: FEE_BPS }
    }
}

impl SuiteBuilder {
    /// The union's fee on every deposit, in basis points (default `FEE_BPS`).
    pub fn with_fee(mut self, fee_bps: u16) -> Self {
        self.fee_bps = fee_bps;
        self
    }

    /// The union wired to the anchors and consent stand-ins, with two cw20 tokens; the sponsor
    /// and the funder hold `SPONSOR_FUNDS` of each coin and token.
    pub fn build(self) -> Suite {
        let fee_bps = self.fee_bps;
        let mut app = App::default();
        app.update_block(|b| b.time = Timestamp::from_seconds(START_DAY * DAY));
        let api = *app.api();
        let admin = api.addr_make("admin");
        let treasury = api.addr_make("treasury");
        let sponsor = api.addr_make("sponsor");
        let funder = api.addr_make("funder");
        app.init_modules(|router, _, storage| {
            for who in [&sponsor, &funder] {
                router
                    .bank
                    .init_balance(
                        storage,
                        who,
                        vec![coin(SPONSOR_FUNDS, DENOM), coin(SPONSOR_FUNDS, "uother")],
                    )
                    .unwrap();
            }
        });

        let anchors_code = app.store_code(Box::new(ContractWrapper::new(
            anchors_execute,
            |_: DepsMut, _: Env, _: MessageInfo, _: Empty| -> StdResult<Response> {
                Ok(Response::new())
            },
            anchors_query,
        )));
        let consent_code = app.store_code(Box::new(ContractWrapper::new(
            consent_execute,
            |_: DepsMut, _: Env, _: MessageInfo, _: Empty| -> StdResult<Response> {
                Ok(Response::new())
            },
            consent_query,
        )));
        let token_code = app.store_code(Box::new(ContractWrapper::new(
            token_execute,
            token_instantiate,
            token_query,
        )));
        let union_code = app.store_code(contract_wrapper!(crate::contract));

        let anchors = app
            .instantiate_contract(anchors_code, admin.clone(), &Empty {}, &[], "anchors", None)
            .unwrap();
        let consent = app
            .instantiate_contract(consent_code, admin.clone(), &Empty {}, &[], "consent", None)
            .unwrap();
        let balances = vec![
            (sponsor.to_string(), Uint128::new(SPONSOR_FUNDS)),
            (funder.to_string(), Uint128::new(SPONSOR_FUNDS)),
        ];
        let token = app
            .instantiate_contract(
                token_code,
                admin.clone(),
                &TokenInstantiate {
                    balances: balances.clone(),
                },
                &[],
                "token",
                None,
            )
            .unwrap();
        let other_token = app
            .instantiate_contract(
                token_code,
                admin.clone(),
                &TokenInstantiate { balances },
                &[],
                "other-token",
                None,
            )
            .unwrap();
        let mut msg = instantiate_msg(&anchors, &consent, &treasury);
        msg.fee_bps = fee_bps;
        let union = app
            .instantiate_contract(
                union_code,
                admin.clone(),
                &msg,
                &[],
                "data-union",
                Some(admin.to_string()),
            )
            .unwrap();
        for (contract, set) in [
            (
                &anchors,
                to_json_binary(&AnchorsStandInMsg::SetListener {
                    listener: union.to_string(),
                })
                .unwrap(),
            ),
            (
                &consent,
                to_json_binary(&ConsentStandInMsg::SetListener {
                    listener: union.to_string(),
                })
                .unwrap(),
            ),
        ] {
            app.execute(
                admin.clone(),
                WasmMsg::Execute {
                    contract_addr: contract.to_string(),
                    msg: set,
                    funds: vec![],
                }
                .into(),
            )
            .unwrap();
        }
        Suite {
            app,
            union,
            anchors,
            consent,
            token,
            other_token,
            admin,
            treasury,
            sponsor,
            union_code,
        }
    }
}

impl Suite {
    /// The default union (`SuiteBuilder::default().build()`).
    pub fn new() -> Self {
        SuiteBuilder::default().build()
    }

    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    pub fn set_time(&mut self, seconds: u64) {
        self.app
            .update_block(|b| b.time = Timestamp::from_seconds(seconds));
    }

    pub fn close_study(&mut self) {
        self.set_time(CLOSES_AT);
    }

    pub fn pass_grace(&mut self) {
        self.set_time(CLOSES_AT + GRACE);
    }

    /// A study over the default period, wanting glucose, with no minimum per day.
    pub fn study() -> NewStudy {
        NewStudy {
            title: "CGM adherence 2024".into(),
            description_url: "https://example.invalid/protocol".into(),
            scopes: vec![DataScope::Glucose],
            data_from_day: FROM_DAY,
            data_to_day: TO_DAY,
            closes_at: None,
            eligibility: Eligibility {
                min_readings_per_day: 0,
                min_days: 0,
                device_kinds: vec![],
                max_readings_per_day: None,
            },
            cap_per_patient: Uint128::new(u128::MAX),
        }
    }

    pub fn execute(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[cosmwasm_std::Coin],
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.union.clone(), msg, funds)
    }

    /// Like `execute`, first giving `sender` the coins it attaches (from the funder).
    pub fn execute_paid(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[cosmwasm_std::Coin],
    ) -> StdResult<AppResponse> {
        let funder = self.addr("funder");
        self.app.execute(
            funder,
            cosmwasm_std::BankMsg::Send {
                to_address: sender.to_string(),
                amount: funds.to_vec(),
            }
            .into(),
        )?;
        self.execute(sender, msg, funds)
    }

    pub fn create_native(&mut self, study: NewStudy, amount: u128) -> StdResult<u64> {
        let sponsor = self.sponsor.clone();
        let res = self.execute(
            &sponsor,
            &ExecuteMsg::CreateStudy {
                study,
                denom: DENOM.into(),
            },
            &[coin(amount, DENOM)],
        )?;
        Ok(study_id_of(&res))
    }

    /// Sends `amount` of `token` from `from` to the union with `msg`.
    pub fn send_cw20(
        &mut self,
        token: &Addr,
        from: &Addr,
        amount: u128,
        msg: &ReceiveMsg,
    ) -> StdResult<AppResponse> {
        self.app.execute_contract(
            from.clone(),
            token.clone(),
            &TokenExecute::Send {
                contract: self.union.to_string(),
                amount: Uint128::new(amount),
                msg: to_json_binary(msg)?,
            },
            &[],
        )
    }

    pub fn create_cw20(&mut self, study: NewStudy, amount: u128) -> StdResult<u64> {
        let (token, sponsor) = (self.token.clone(), self.sponsor.clone());
        let res = self.send_cw20(&token, &sponsor, amount, &ReceiveMsg::CreateStudy { study })?;
        Ok(study_id_of(&res))
    }

    pub fn create(&mut self, funding: Funding, study: NewStudy, amount: u128) -> StdResult<u64> {
        match funding {
            Funding::Native => self.create_native(study, amount),
            Funding::Cw20 => self.create_cw20(study, amount),
        }
    }

    pub fn top_up(
        &mut self,
        funding: Funding,
        study_id: u64,
        amount: u128,
    ) -> StdResult<AppResponse> {
        let funder = self.addr("funder");
        match funding {
            Funding::Native => self.execute(
                &funder,
                &ExecuteMsg::TopUp { study_id },
                &[coin(amount, DENOM)],
            ),
            Funding::Cw20 => {
                let token = self.token.clone();
                self.send_cw20(&token, &funder, amount, &ReceiveMsg::TopUp { study_id })
            }
        }
    }

    /// Gives `patient` a live research consent for the study over the whole default period.
    pub fn grant(&mut self, patient: &Addr, study_id: u64, grant_id: u64, scopes: Vec<DataScope>) {
        self.grant_window(patient, study_id, grant_id, scopes, 0, (TO_DAY + 400) * DAY);
    }

    /// Gives `patient` a live research consent for the study over `from..=to` (seconds), granted
    /// to the sponsor.
    pub fn grant_window(
        &mut self,
        patient: &Addr,
        study_id: u64,
        grant_id: u64,
        scopes: Vec<DataScope>,
        from: u64,
        to: u64,
    ) {
        let sponsor = self.sponsor.clone();
        self.grant_consent(
            patient,
            study_id,
            ResearchConsent {
                grant_id,
                grantee: sponsor,
                scopes,
                data_from: Timestamp::from_seconds(from),
                data_to: Timestamp::from_seconds(to),
                expires: Expiry::AtTime(Timestamp::from_seconds((TO_DAY + 400) * DAY)),
            },
        );
    }

    /// Gives `patient` a live research consent for the study over the whole default period,
    /// granted to `grantee` (who need not be the sponsor).
    pub fn grant_to(
        &mut self,
        patient: &Addr,
        study_id: u64,
        grant_id: u64,
        grantee: &Addr,
        scopes: Vec<DataScope>,
    ) {
        self.grant_consent(
            patient,
            study_id,
            ResearchConsent {
                grant_id,
                grantee: grantee.clone(),
                scopes,
                data_from: Timestamp::from_seconds(0),
                data_to: Timestamp::from_seconds((TO_DAY + 400) * DAY),
                expires: Expiry::AtTime(Timestamp::from_seconds((TO_DAY + 400) * DAY)),
            },
        );
    }

    /// Stores `consent` as the patient's live research consent for the study, replacing any.
    pub fn grant_consent(&mut self, patient: &Addr, study_id: u64, consent: ResearchConsent) {
        let consent_addr = self.consent.clone();
        self.app
            .execute_contract(
                self.admin.clone(),
                consent_addr,
                &ConsentStandInMsg::Grant {
                    patient: patient.to_string(),
                    study_id,
                    consent,
                },
                &[],
            )
            .unwrap();
    }

    /// The consent stand-in revokes the grant and tells the union.
    pub fn revoke(&mut self, patient: &Addr, study_id: u64) -> StdResult<AppResponse> {
        let consent = self.consent.clone();
        self.app.execute_contract(
            self.admin.clone(),
            consent,
            &ConsentStandInMsg::Revoke {
                patient: patient.to_string(),
                study_id,
            },
            &[],
        )
    }

    pub fn join(&mut self, patient: &Addr, study_id: u64) -> StdResult<AppResponse> {
        self.execute(patient, &ExecuteMsg::Join { study_id }, &[])
    }

    /// Grants a glucose consent and joins.
    pub fn consent_and_join(&mut self, patient: &Addr, study_id: u64) {
        self.grant(patient, study_id, 1, vec![DataScope::Glucose]);
        self.join(patient, study_id).unwrap();
    }

    pub fn leave(&mut self, patient: &Addr, study_id: u64) -> StdResult<AppResponse> {
        self.execute(patient, &ExecuteMsg::Leave { study_id }, &[])
    }

    pub fn claim(&mut self, patient: &Addr, study_id: u64) -> StdResult<AppResponse> {
        self.execute(patient, &ExecuteMsg::Claim { study_id }, &[])
    }

    pub fn withdraw(&mut self, sender: &Addr, study_id: u64) -> StdResult<AppResponse> {
        self.execute(sender, &ExecuteMsg::WithdrawUnearned { study_id }, &[])
    }

    /// The anchors stand-in records coverage and (if `notify`) reports the contributions.
    pub fn anchor_all(
        &mut self,
        contributions: Vec<Contribution>,
        notify: bool,
    ) -> StdResult<AppResponse> {
        let anchors = self.anchors.clone();
        self.app.execute_contract(
            self.admin.clone(),
            anchors,
            &AnchorsStandInMsg::Anchor {
                contributions,
                notify,
            },
            &[],
        )
    }

    pub fn anchor(&mut self, patient: &Addr, scope: DataScope, day: u64, readings: u64) {
        self.anchor_all(
            vec![Contribution {
                patient: patient.clone(),
                scope,
                day,
                readings,
                first_time: None,
                last_time: None,
            }],
            true,
        )
        .unwrap();
    }

    /// The consent stand-in admits `address` in `role` (as the consent admin would).
    pub fn admit_consent_member(&mut self, role: ConsentRole, address: &Addr) {
        self.consent_admin(ConsentStandInMsg::AdmitMember {
            role,
            address: address.to_string(),
        });
    }

    /// The consent stand-in removes `address` from `role`.
    pub fn remove_consent_member(&mut self, role: ConsentRole, address: &Addr) {
        self.consent_admin(ConsentStandInMsg::RemoveMember {
            role,
            address: address.to_string(),
        });
    }

    fn consent_admin(&mut self, msg: ConsentStandInMsg) {
        let consent_addr = self.consent.clone();
        self.app
            .execute_contract(self.admin.clone(), consent_addr, &msg, &[])
            .unwrap();
    }

    /// `RecordManifest` from `sender`.
    pub fn record_manifest(
        &mut self,
        sender: &Addr,
        manifest: NewManifest,
    ) -> StdResult<AppResponse> {
        self.execute(sender, &ExecuteMsg::RecordManifest { manifest }, &[])
    }

    // Queries.

    pub fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(self.union.clone(), msg)
    }

    pub fn config(&self) -> ConfigResponse {
        self.query(&QueryMsg::Config {}).unwrap()
    }

    pub fn study_info(&self, study_id: u64) -> StudyResponse {
        self.query(&QueryMsg::Study { study_id }).unwrap()
    }

    pub fn pool(&self, study_id: u64) -> PoolResponse {
        self.query(&QueryMsg::Pool { study_id }).unwrap()
    }

    pub fn contribution(&self, study_id: u64, patient: &Addr) -> ContributionResponse {
        self.query(&QueryMsg::Contribution {
            study_id,
            patient: patient.to_string(),
        })
        .unwrap()
    }

    pub fn members(
        &self,
        study_id: u64,
        start_after: Option<String>,
        limit: Option<u32>,
    ) -> Page<Member> {
        self.query(&QueryMsg::Members {
            study_id,
            start_after,
            limit,
        })
        .unwrap()
    }

    pub fn member(&self, study_id: u64, patient: &Addr) -> Member {
        self.contribution(study_id, patient).member.unwrap()
    }

    /// `who`'s balance in the pool's token.
    pub fn balance(&self, funding: Funding, who: &Addr) -> u128 {
        match funding {
            Funding::Native => {
                let c = self.app.wrap().query_balance(who, DENOM).unwrap();
                Uint128::try_from(c.amount).unwrap().u128()
            }
            Funding::Cw20 => self.cw20_balance(&self.token, who),
        }
    }

    pub fn cw20_balance(&self, token: &Addr, who: &Addr) -> u128 {
        let b: Uint128 = self
            .app
            .wrap()
            .query_wasm_smart(
                token,
                &TokenQuery::Balance {
                    address: who.to_string(),
                },
            )
            .unwrap();
        b.u128()
    }
}

/// The `study_id` attribute of a create response.
pub fn study_id_of(res: &AppResponse) -> u64 {
    attribute(res, "study_id")
        .map(|id| id.parse().unwrap())
        .expect("a study_id attribute")
}

/// Parses JSON into a value (test helper for wire compatibility checks).
pub fn parse<T: serde::de::DeserializeOwned>(bin: &Binary) -> T {
    from_json(bin).unwrap()
}
