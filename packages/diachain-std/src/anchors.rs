//! The reading-anchors contract's messages.
//!
//! Only the coverage query is settled so far (the data union depends on it); the rest of the
//! interface is added with the contract.

use cosmwasm_schema::{cw_serde, QueryResponses};

use crate::scopes::DataScope;

/// Widest day range one `Coverage` query may span.
pub const MAX_COVERAGE_DAYS: u64 = 366;

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// Readings anchored for `patient` per UTC day and scope, for days `from_day..=to_day`
    /// (at most `MAX_COVERAGE_DAYS`); days and scopes with no readings are left out.
    #[returns(CoverageResponse)]
    Coverage {
        patient: String,
        from_day: u64,
        to_day: u64,
    },
}

#[cw_serde]
pub struct CoverageResponse {
    /// Ordered by day, then scope.
    pub days: Vec<DayCoverage>,
}

#[cw_serde]
pub struct DayCoverage {
    pub day: u64,
    pub scope: DataScope,
    pub readings: u64,
}
