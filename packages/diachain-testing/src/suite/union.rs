//! The data union's helpers: studies, pools, contributions, members.

use cosmwasm_std::{coins, Addr, StdResult, Uint128};
use cw_multi_test::AppResponse;
use diachain_std::union::{
    self, ContributionResponse, Eligibility, NewStudy, PoolResponse, StudyResponse,
};
use diachain_std::DataScope;

use super::{Suite, DENOM};
use crate::events::attribute;

impl Suite {
    /// The sponsor creates a study funded with `funds` of `DENOM`; returns its id.
    pub fn create_study(&mut self, study: NewStudy, funds: u128) -> StdResult<u64> {
        let (sponsor, union) = (self.actors.sponsor.clone(), self.union.clone());
        let res = self.exec_with_funds(
            &sponsor,
            &union,
            &union::ExecuteMsg::CreateStudy {
                study,
                denom: DENOM.to_string(),
            },
            &coins(funds, DENOM),
        )?;
        Ok(attribute(&res, "study_id")
            .and_then(|id| id.parse().ok())
            .expect("study_id attribute"))
    }

    /// A union message without funds.
    pub fn union_exec(&mut self, sender: &Addr, msg: union::ExecuteMsg) -> StdResult<AppResponse> {
        let union = self.union.clone();
        self.exec(sender, &union, &msg)
    }

    pub fn study(&self, study_id: u64) -> StudyResponse {
        self.query(&self.union, &union::QueryMsg::Study { study_id })
    }

    pub fn contribution(&self, study_id: u64, patient: &Addr) -> ContributionResponse {
        self.query(
            &self.union,
            &union::QueryMsg::Contribution {
                study_id,
                patient: patient.to_string(),
            },
        )
    }

    /// A member's record (panics if not a member).
    pub fn member(&self, study_id: u64, patient: &Addr) -> union::Member {
        self.contribution(study_id, patient)
            .member
            .unwrap_or_else(|| panic!("{patient} is not a member of study {study_id}"))
    }

    pub fn pool(&self, study_id: u64) -> PoolResponse {
        self.query(&self.union, &union::QueryMsg::Pool { study_id })
    }

    pub fn patient_studies(&self, patient: &Addr) -> Vec<u64> {
        self.query(
            &self.union,
            &union::QueryMsg::PatientStudies {
                patient: patient.to_string(),
            },
        )
    }
}

/// A study wanting `scopes` over days `from_day..=to_day`, closing one day after (the default).
pub fn new_study(
    title: &str,
    scopes: &[DataScope],
    from_day: u64,
    to_day: u64,
    eligibility: Eligibility,
    cap_per_patient: u128,
) -> NewStudy {
    NewStudy {
        title: title.to_string(),
        description_url: "https://example.invalid/studies/protocol.pdf".to_string(),
        scopes: scopes.to_vec(),
        data_from_day: from_day,
        data_to_day: to_day,
        closes_at: None,
        eligibility,
        cap_per_patient: Uint128::new(cap_per_patient),
    }
}
