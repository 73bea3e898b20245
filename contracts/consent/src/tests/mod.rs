//! Unit tests: one file per action, sharing the fixture below. The registry's `IsGuardian`
//! is answered by a mock querier naming `parent` the guardian of `child` (the cross-contract
//! path with the real registry is in `tests/urgent_care.rs`).

mod admin;
mod amend;
mod break_glass;
mod check_access;
mod erasure;
mod grant;
mod instantiate;
mod members;
mod migrate;
mod queries;
mod record_access;
mod revoke;

use cosmwasm_std::testing::{
    message_info, mock_dependencies, mock_env, MockApi, MockQuerier, MockStorage,
};
use cosmwasm_std::{
    coins, from_json, to_json_binary, Addr, ContractResult, Env, OwnedDeps, Response, SystemResult,
    Timestamp, WasmQuery,
};
use diachain_std::consent::{ConsentRole, ExecuteMsg, Expiry, InstantiateMsg, QueryMsg};
use diachain_std::registry::QueryMsg as RegistryQuery;
use diachain_std::{DataScope, Purpose};
use serde::de::DeserializeOwned;

use crate::contract::{execute, instantiate, query};
use crate::error::ContractError;

pub const HOUR: u64 = 3_600;
pub const DAY: u64 = 86_400;
/// The data period most tests grant: [DATA_FROM, DATA_TO] (unix seconds).
pub const DATA_FROM: u64 = 1_600_000_000;
pub const DATA_TO: u64 = 1_600_864_000;

pub fn ts(secs: u64) -> Timestamp {
    Timestamp::from_seconds(secs)
}

pub struct Suite {
    pub deps: OwnedDeps<MockStorage, MockApi, MockQuerier>,
    pub env: Env,
    pub admin: Addr,
    pub registry: Addr,
    pub listener: Addr,
    pub patient: Addr,
    pub child: Addr,
    pub parent: Addr,
    pub clinician: Addr,
    pub stranger: Addr,
    pub er_doc: Addr,
    pub custodian: Addr,
}

impl Suite {
    pub fn addr(&self, name: &str) -> Addr {
        self.deps.api.addr_make(name)
    }

    /// Instantiated with a 24-hour break-glass cap, one listener, one admitted emergency
    /// provider (`er_doc`) and one custodian.
    pub fn new() -> Self {
        let mut deps = mock_dependencies();
        let api = deps.api;
        let registry = api.addr_make("registry");
        let child = api.addr_make("child");
        let parent = api.addr_make("parent");
        let (reg, c, p) = (registry.to_string(), child.to_string(), parent.to_string());
        deps.querier.update_wasm(move |q| match q {
            WasmQuery::Smart { contract_addr, msg } if *contract_addr == reg => {
                let answer = match from_json(msg) {
                    Ok(RegistryQuery::IsGuardian { patient, guardian }) => {
                        patient == c && guardian == p
                    }
                    _ => panic!("unexpected registry query"),
                };
                SystemResult::Ok(ContractResult::Ok(to_json_binary(&answer).unwrap()))
            }
            _ => panic!("unexpected wasm query {q:?}"),
        });
        // "Now" is a month after the end of the data period most tests grant.
        let mut env = mock_env();
        env.block.time = ts(DATA_TO + 30 * DAY);
        let mut suite = Suite {
            env,
            admin: api.addr_make("admin"),
            registry,
            listener: api.addr_make("data-union"),
            patient: api.addr_make("patient"),
            child,
            parent,
            clinician: api.addr_make("clinician"),
            stranger: api.addr_make("stranger"),
            er_doc: api.addr_make("er-doc"),
            custodian: api.addr_make("custodian"),
            deps,
        };
        let msg = InstantiateMsg {
            admin: Some(suite.admin.to_string()),
            registry: suite.registry.to_string(),
            max_break_glass_hours: 24,
            listeners: vec![suite.listener.to_string()],
        };
        let admin = suite.admin.clone();
        instantiate(
            suite.deps.as_mut(),
            suite.env.clone(),
            message_info(&admin, &[]),
            msg,
        )
        .unwrap();
        let er_doc = suite.er_doc.to_string();
        let custodian = suite.custodian.to_string();
        suite
            .exec(
                &admin,
                ExecuteMsg::AdmitMember {
                    role: ConsentRole::EmergencyProvider,
                    address: er_doc,
                },
            )
            .unwrap();
        suite
            .exec(
                &admin,
                ExecuteMsg::AdmitMember {
                    role: ConsentRole::Custodian,
                    address: custodian,
                },
            )
            .unwrap();
        suite
    }

    pub fn now(&self) -> Timestamp {
        self.env.block.time
    }

    /// Moves to a later block: `seconds` later and one block higher.
    pub fn advance(&mut self, seconds: u64) {
        self.env.block.time = self.env.block.time.plus_seconds(seconds);
        self.env.block.height += 1;
    }

    pub fn exec(&mut self, sender: &Addr, msg: ExecuteMsg) -> Result<Response, ContractError> {
        execute(
            self.deps.as_mut(),
            self.env.clone(),
            message_info(sender, &[]),
            msg,
        )
    }

    pub fn exec_paid(&mut self, sender: &Addr, msg: ExecuteMsg) -> Result<Response, ContractError> {
        execute(
            self.deps.as_mut(),
            self.env.clone(),
            message_info(sender, &coins(5, "ustake")),
            msg,
        )
    }

    pub fn query<T: DeserializeOwned>(&self, msg: QueryMsg) -> T {
        from_json(query(self.deps.as_ref(), self.env.clone(), msg).unwrap()).unwrap()
    }

    pub fn query_err(&self, msg: QueryMsg) -> ContractError {
        query(self.deps.as_ref(), self.env.clone(), msg).unwrap_err()
    }

    /// A treatment grant of glucose over the standard data period, for a day.
    pub fn grant_msg(&self, patient: Option<&Addr>, grantee: &Addr) -> ExecuteMsg {
        ExecuteMsg::Grant {
            patient: patient.map(|p| p.to_string()),
            grantee: grantee.to_string(),
            scopes: vec![DataScope::Glucose],
            purpose: Purpose::Treatment,
            study_id: None,
            data_from: ts(DATA_FROM),
            data_to: ts(DATA_TO),
            expires: Expiry::AtTime(self.now().plus_seconds(DAY)),
        }
    }

    /// The patient grants the clinician the standard grant; returns its id.
    pub fn grant_clinician(&mut self) -> u64 {
        let msg = self.grant_msg(None, &self.clinician.clone());
        let patient = self.patient.clone();
        grant_id(&self.exec(&patient, msg).unwrap())
    }

    /// A research grant by the patient for `study_id` to `grantee`.
    pub fn research_msg(&self, grantee: &Addr, study_id: u64) -> ExecuteMsg {
        ExecuteMsg::Grant {
            patient: None,
            grantee: grantee.to_string(),
            scopes: vec![DataScope::Glucose, DataScope::Insulin],
            purpose: Purpose::Research,
            study_id: Some(study_id),
            data_from: ts(DATA_FROM),
            data_to: ts(DATA_TO),
            expires: Expiry::AtTime(self.now().plus_seconds(30 * DAY)),
        }
    }

    pub fn check_msg(
        &self,
        grantee: &Addr,
        scope: DataScope,
        from: u64,
        to: u64,
        at: Option<Timestamp>,
    ) -> QueryMsg {
        QueryMsg::CheckAccess {
            patient: self.patient.to_string(),
            grantee: grantee.to_string(),
            scope,
            data_from: ts(from),
            data_to: ts(to),
            at,
        }
    }
}

/// The `grant_id` attribute of a response.
pub fn grant_id(res: &Response) -> u64 {
    attr(res, "grant_id").parse().unwrap()
}

pub fn attr(res: &Response, key: &str) -> String {
    res.attributes
        .iter()
        .find(|a| a.key == key)
        .unwrap_or_else(|| panic!("no attribute {key}"))
        .value
        .clone()
}
