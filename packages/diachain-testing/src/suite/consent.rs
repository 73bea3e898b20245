//! The consent contract's helpers: grants, revocations, access checks and the access log.

use cosmwasm_std::{Addr, StdResult, Timestamp};
use cw_multi_test::AppResponse;
use diachain_std::consent::{self, CheckAccessResponse, Expiry, GrantInfo};
use diachain_std::{DataScope, Page, Purpose};

use super::Suite;
use crate::events::attribute;

impl Suite {
    /// `sender` grants `grantee` access to the patient's `scopes` data measured in
    /// `data_from..=data_to` until `expires`; returns the grant id.
    #[allow(clippy::too_many_arguments)]
    pub fn grant(
        &mut self,
        sender: &Addr,
        patient: &Addr,
        grantee: &Addr,
        scopes: &[DataScope],
        purpose: Purpose,
        study_id: Option<u64>,
        data: (u64, u64),
        expires: u64,
    ) -> StdResult<u64> {
        let consent = self.consent.clone();
        let res = self.exec(
            sender,
            &consent,
            &consent::ExecuteMsg::Grant {
                patient: (sender != patient).then(|| patient.to_string()),
                grantee: grantee.to_string(),
                scopes: scopes.to_vec(),
                purpose,
                study_id,
                data_from: Timestamp::from_seconds(data.0),
                data_to: Timestamp::from_seconds(data.1),
                expires: Expiry::AtTime(Timestamp::from_seconds(expires)),
            },
        )?;
        Ok(attribute(&res, "grant_id")
            .and_then(|id| id.parse().ok())
            .expect("grant_id attribute"))
    }

    pub fn revoke_grant(&mut self, sender: &Addr, grant_id: u64) -> StdResult<AppResponse> {
        let consent = self.consent.clone();
        self.exec(
            sender,
            &consent,
            &consent::ExecuteMsg::RevokeGrant { grant_id },
        )
    }

    /// `CheckAccess` at the current block.
    pub fn check_access(
        &self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        data: (u64, u64),
    ) -> CheckAccessResponse {
        self.query(
            &self.consent,
            &consent::QueryMsg::CheckAccess {
                patient: patient.to_string(),
                grantee: grantee.to_string(),
                scope,
                data_from: Timestamp::from_seconds(data.0),
                data_to: Timestamp::from_seconds(data.1),
                at: None,
            },
        )
    }

    /// The custodian records that it served `grantee` the patient's `scope` data of `data`
    /// under `grant_id`, now.
    pub fn record_access(
        &mut self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        data: (u64, u64),
        grant_id: u64,
    ) -> StdResult<AppResponse> {
        self.record_access_served_at(patient, grantee, scope, data, grant_id, None)
    }

    /// The custodian records that it served `grantee` the patient's `scope` data of `data`
    /// under `grant_id` at unix time `served_at` (default: now), queued until this block.
    pub fn record_access_served_at(
        &mut self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        data: (u64, u64),
        grant_id: u64,
        served_at: Option<u64>,
    ) -> StdResult<AppResponse> {
        let (custodian, consent) = (self.actors.custodian().clone(), self.consent.clone());
        self.exec(
            &custodian,
            &consent,
            &consent::ExecuteMsg::RecordAccesses {
                accesses: vec![consent::NewAccess {
                    patient: patient.to_string(),
                    grantee: grantee.to_string(),
                    scope,
                    data_from: Timestamp::from_seconds(data.0),
                    data_to: Timestamp::from_seconds(data.1),
                    grant_id,
                    served_at: served_at.map(Timestamp::from_seconds),
                }],
            },
        )
    }

    pub fn grant_info(&self, grant_id: u64) -> GrantInfo {
        self.query(&self.consent, &consent::QueryMsg::Grant { grant_id })
    }

    /// The patient's access log, oldest first (first page of 100).
    pub fn access_log(&self, patient: &Addr) -> Vec<consent::AccessRecord> {
        let page: Page<consent::AccessRecord> = self.query(
            &self.consent,
            &consent::QueryMsg::AccessLogByPatient {
                patient: patient.to_string(),
                start_after: None,
                limit: Some(100),
            },
        );
        page.items
    }
}
