//! The consent contract's messages.
//!
//! Settled so far (the data union depends on it): the `ResearchConsent` query and its
//! response. The rest of the interface is added with the contract.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::Timestamp;

use crate::scopes::DataScope;

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The patient's live research consent for a data-union study, if any.
    #[returns(ResearchConsentResponse)]
    ResearchConsent { patient: String, study_id: u64 },
}

#[cw_serde]
pub struct ResearchConsentResponse {
    /// `None` when the patient has no live (unrevoked, unexpired) research grant for the study.
    pub consent: Option<ResearchConsent>,
}

#[cw_serde]
pub struct ResearchConsent {
    pub grant_id: u64,
    pub scopes: Vec<DataScope>,
    /// The period of data the consent covers.
    pub data_from: Timestamp,
    pub data_to: Timestamp,
}
