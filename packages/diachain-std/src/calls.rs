//! Typed calls from one DiaChain contract to another: each wrapper names the contract by its
//! address, builds the query message and returns the type that query answers with, so no caller
//! annotates a response type by hand.
//!
//! ```
//! # use cosmwasm_std::{Addr, Deps, StdResult};
//! # use diachain_std::Registry;
//! # fn anchor(deps: Deps, registry: &Addr, sender: &Addr, ids: Vec<String>) -> StdResult<()> {
//! let info = Registry(registry).anchoring_info(&deps.querier, sender.as_str(), ids)?;
//! # let _ = info.relayer_active;
//! # Ok(())
//! # }
//! ```

use cosmwasm_std::{Addr, QuerierWrapper, StdResult, Timestamp};

use crate::anchors::{self, CoverageResponse};
use crate::consent::{self, CheckAccessResponse, ResearchConsentResponse};
use crate::registry::{self, AnchoringInfoResponse};
use crate::DataScope;

/// The device registry at this address.
#[derive(Clone, Copy, Debug)]
pub struct Registry<'a>(pub &'a Addr);

impl Registry<'_> {
    /// `AnchoringInfo`: whether `relayer` is an active relayer, and the anchoring view of each
    /// device.
    #[inline]
    pub fn anchoring_info(
        &self,
        querier: &QuerierWrapper,
        relayer: &str,
        device_ids: Vec<String>,
    ) -> StdResult<AnchoringInfoResponse> {
        querier.query_wasm_smart(
            self.0,
            &registry::QueryMsg::AnchoringInfo {
                relayer: relayer.to_string(),
                device_ids,
            },
        )
    }

    /// `IsGuardian`: whether the registry names `guardian` a guardian of `patient`.
    #[inline]
    pub fn is_guardian(
        &self,
        querier: &QuerierWrapper,
        patient: &str,
        guardian: &str,
    ) -> StdResult<bool> {
        querier.query_wasm_smart(
            self.0,
            &registry::QueryMsg::IsGuardian {
                patient: patient.to_string(),
                guardian: guardian.to_string(),
            },
        )
    }
}

/// The consent contract at this address.
#[derive(Clone, Copy, Debug)]
pub struct Consent<'a>(pub &'a Addr);

impl Consent<'_> {
    /// `ResearchConsent`: the patient's live research consent for the study, if any.
    #[inline]
    pub fn research_consent(
        &self,
        querier: &QuerierWrapper,
        patient: &str,
        study_id: u64,
    ) -> StdResult<ResearchConsentResponse> {
        querier.query_wasm_smart(
            self.0,
            &consent::QueryMsg::ResearchConsent {
                patient: patient.to_string(),
                study_id,
            },
        )
    }

    /// `CheckAccess`: whether `grantee` may read `scope` of `patient`'s data over the period,
    /// now (`at: None`) or at a past time.
    #[inline]
    pub fn check_access(
        &self,
        querier: &QuerierWrapper,
        request: AccessRequest<'_>,
    ) -> StdResult<CheckAccessResponse> {
        querier.query_wasm_smart(
            self.0,
            &consent::QueryMsg::CheckAccess {
                patient: request.patient.to_string(),
                grantee: request.grantee.to_string(),
                scope: request.scope,
                data_from: request.data_from,
                data_to: request.data_to,
                at: request.at,
            },
        )
    }
}

/// The question `Consent::check_access` asks.
#[derive(Clone, Copy, Debug)]
pub struct AccessRequest<'a> {
    pub patient: &'a str,
    pub grantee: &'a str,
    pub scope: DataScope,
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    pub at: Option<Timestamp>,
}

/// The reading-anchors contract at this address.
#[derive(Clone, Copy, Debug)]
pub struct Anchors<'a>(pub &'a Addr);

impl Anchors<'_> {
    /// `Coverage`: the patient's anchored readings per UTC day and scope, `from_day..=to_day`.
    #[inline]
    pub fn coverage(
        &self,
        querier: &QuerierWrapper,
        patient: &str,
        from_day: u64,
        to_day: u64,
    ) -> StdResult<CoverageResponse> {
        querier.query_wasm_smart(
            self.0,
            &anchors::QueryMsg::Coverage {
                patient: patient.to_string(),
                from_day,
                to_day,
            },
        )
    }
}

// Below the wrappers other contracts compile, so that it moved none of their lines.
impl Consent<'_> {
    /// `Member`: the consent contract's record of an admitted emergency provider or custodian;
    /// `None` if `address` is not admitted in that role (or was removed).
    #[inline]
    pub fn member(
        &self,
        querier: &QuerierWrapper,
        role: consent::ConsentRole,
        address: &str,
    ) -> StdResult<Option<consent::Member>> {
        querier.query_wasm_smart(
            self.0,
            &consent::QueryMsg::Member {
                role,
                address: address.to_string(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::testing::MockQuerier;
    use cosmwasm_std::{
        from_json, to_json_binary, Binary, ContractResult, Empty, QuerierWrapper, SystemError,
        SystemResult, WasmQuery,
    };

    use super::*;
    use crate::anchors::DayCoverage;
    use crate::consent::ResearchConsent;

    /// A querier whose only contract, `target`, answers with `answer` when it receives exactly
    /// `expected`, and refuses anything else (another address, another message).
    fn querier_expecting<Q, R>(target: &str, expected: Q, answer: R) -> MockQuerier
    where
        Q: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + 'static,
        R: serde::Serialize,
    {
        let target = target.to_string();
        let answer: Binary = to_json_binary(&answer).unwrap();
        let mut querier = MockQuerier::<Empty>::new(&[]);
        querier.update_wasm(move |query| match query {
            WasmQuery::Smart { contract_addr, msg } if *contract_addr == target => {
                let got: Q = from_json(msg).unwrap();
                assert_eq!(got, expected);
                SystemResult::Ok(ContractResult::Ok(answer.clone()))
            }
            other => SystemResult::Err(SystemError::UnsupportedRequest {
                kind: format!("{other:?}"),
            }),
        });
        querier
    }

    #[test]
    fn registry_calls_send_anchoring_info_and_is_guardian() {
        let registry = Addr::unchecked("registry");
        let expected = registry::QueryMsg::AnchoringInfo {
            relayer: "relayer".into(),
            device_ids: vec!["d1".into(), "d2".into()],
        };
        let answer = AnchoringInfoResponse {
            relayer_active: true,
            devices: vec![None, None],
        };
        let mock = querier_expecting("registry", expected, answer.clone());
        let querier = QuerierWrapper::<Empty>::new(&mock);
        let got = Registry(&registry)
            .anchoring_info(&querier, "relayer", vec!["d1".into(), "d2".into()])
            .unwrap();
        assert_eq!(got, answer);

        let expected = registry::QueryMsg::IsGuardian {
            patient: "patient".into(),
            guardian: "guardian".into(),
        };
        let mock = querier_expecting("registry", expected, true);
        let querier = QuerierWrapper::<Empty>::new(&mock);
        assert!(Registry(&registry)
            .is_guardian(&querier, "patient", "guardian")
            .unwrap());
        // Another address is not asked.
        let elsewhere = Addr::unchecked("elsewhere");
        assert!(Registry(&elsewhere)
            .is_guardian(&querier, "patient", "guardian")
            .is_err());
    }

    #[test]
    fn consent_calls_send_research_consent_and_check_access() {
        let consent_addr = Addr::unchecked("consent");
        let expected = consent::QueryMsg::ResearchConsent {
            patient: "patient".into(),
            study_id: 7,
        };
        let answer = ResearchConsentResponse {
            consent: Some(ResearchConsent {
                grant_id: 3,
                grantee: Addr::unchecked("sponsor"),
                scopes: vec![DataScope::Glucose],
                data_from: Timestamp::from_seconds(1),
                data_to: Timestamp::from_seconds(2),
                expires: consent::Expiry::AtHeight(9),
            }),
        };
        let mock = querier_expecting("consent", expected, answer.clone());
        let querier = QuerierWrapper::<Empty>::new(&mock);
        let got = Consent(&consent_addr)
            .research_consent(&querier, "patient", 7)
            .unwrap();
        assert_eq!(got, answer);

        let request = AccessRequest {
            patient: "patient",
            grantee: "clinic",
            scope: DataScope::Glucose,
            data_from: Timestamp::from_seconds(10),
            data_to: Timestamp::from_seconds(20),
            at: Some(Timestamp::from_seconds(15)),
        };
        let expected = consent::QueryMsg::CheckAccess {
            patient: "patient".into(),
            grantee: "clinic".into(),
            scope: DataScope::Glucose,
            data_from: Timestamp::from_seconds(10),
            data_to: Timestamp::from_seconds(20),
            at: Some(Timestamp::from_seconds(15)),
        };
        let answer = CheckAccessResponse {
            allowed: false,
            grant: None,
            denial: None,
        };
        let mock = querier_expecting("consent", expected, answer.clone());
        let querier = QuerierWrapper::<Empty>::new(&mock);
        let got = Consent(&consent_addr)
            .check_access(&querier, request)
            .unwrap();
        assert_eq!(got, answer);
    }

    #[test]
    fn anchors_coverage_sends_the_day_range() {
        let anchors_addr = Addr::unchecked("anchors");
        let expected = anchors::QueryMsg::Coverage {
            patient: "patient".into(),
            from_day: 20_000,
            to_day: 20_006,
        };
        let answer = CoverageResponse {
            days: vec![DayCoverage {
                day: 20_001,
                scope: DataScope::Glucose,
                readings: 12,
            }],
        };
        let mock = querier_expecting("anchors", expected, answer.clone());
        let querier = QuerierWrapper::<Empty>::new(&mock);
        let got = Anchors(&anchors_addr)
            .coverage(&querier, "patient", 20_000, 20_006)
            .unwrap();
        assert_eq!(got, answer);
    }

    #[test]
    fn consent_member_sends_the_role_and_address() {
        let consent_addr = Addr::unchecked("consent");
        let expected = consent::QueryMsg::Member {
            role: consent::ConsentRole::Custodian,
            address: "relayer".into(),
        };
        let answer = Some(consent::Member {
            address: Addr::unchecked("relayer"),
            role: consent::ConsentRole::Custodian,
            admitted_at: Timestamp::from_seconds(5),
        });
        let mock = querier_expecting("consent", expected, answer.clone());
        let querier = QuerierWrapper::<Empty>::new(&mock);
        let got = Consent(&consent_addr)
            .member(&querier, consent::ConsentRole::Custodian, "relayer")
            .unwrap();
        assert_eq!(got, answer);

        let expected = consent::QueryMsg::Member {
            role: consent::ConsentRole::Custodian,
            address: "stranger".into(),
        };
        let mock = querier_expecting("consent", expected, None::<consent::Member>);
        let querier = QuerierWrapper::<Empty>::new(&mock);
        assert_eq!(
            Consent(&consent_addr)
                .member(&querier, consent::ConsentRole::Custodian, "stranger")
                .unwrap(),
            None
        );
    }
}
