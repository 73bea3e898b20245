//! Consent checks for the data API: whether a grantee may read a patient's data of a scope and
//! period now, as the consent contract's `CheckAccess` decides at the current block time, and
//! the refusal as an HTTP answer (403 with a machine-readable reason and a sentence); and
//! whether a caller is the patient's guardian (the device registry's `IsGuardian`).

use cosmwasm_std::Timestamp;
use diachain_chain_client::{ChainClient, Rpc};
use diachain_std::consent::{CheckAccessResponse, Denial, QueryMsg};
use diachain_std::encoding::ReadingKind;
use diachain_std::DataScope;

use crate::registry::BoxFuture;

/// The scope a reading falls under: glucose and ketone measurements are `Glucose`, insulin
/// doses `Insulin`, carbohydrates `Nutrition`, device events, heart rate and steps
/// `DeviceEvents`.
pub fn scope_of(kind: ReadingKind) -> DataScope {
    match kind {
        ReadingKind::Glucose | ReadingKind::Ketones => DataScope::Glucose,
        ReadingKind::InsulinBolus | ReadingKind::InsulinBasal => DataScope::Insulin,
        ReadingKind::Carbohydrates => DataScope::Nutrition,
        ReadingKind::DeviceEvent | ReadingKind::HeartRate | ReadingKind::Steps => {
            DataScope::DeviceEvents
        }
    }
}

/// One access asked for: `grantee` reads `patient`'s `scope` data measured in
/// `data_from..=data_to` (Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRequest {
    pub patient: String,
    pub grantee: String,
    pub scope: DataScope,
    pub data_from: u64,
    pub data_to: u64,
}

/// The decision: the grant that allows it (recorded with the access), or why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed { grant_id: u64, break_glass: bool },
    Denied(Refusal),
}

/// Why an access is refused, as the API answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: &'static str,
    pub grant_id: Option<u64>,
}

impl Refusal {
    pub fn of(denial: Option<Denial>) -> Refusal {
        let (code, message, grant_id) = match denial {
            None | Some(Denial::NoGrant) => {
                ("no_grant", "The patient has not granted you access.", None)
            }
            Some(Denial::Revoked { grant_id }) => (
                "grant_revoked",
                "The patient revoked the grant.",
                Some(grant_id),
            ),
            Some(Denial::Expired { grant_id }) => {
                ("grant_expired", "The grant has expired.", Some(grant_id))
            }
            Some(Denial::ProviderNotAdmitted { grant_id }) => (
                "provider_not_admitted",
                "The emergency provider of this break-glass session is no longer admitted.",
                Some(grant_id),
            ),
            Some(Denial::ScopeNotGranted { grant_id }) => (
                "scope_not_granted",
                "The grant does not cover this kind of data.",
                Some(grant_id),
            ),
            Some(Denial::PeriodNotCovered { grant_id }) => (
                "period_not_covered",
                "The grant does not cover data measured in this period.",
                Some(grant_id),
            ),
        };
        Refusal {
            code,
            message,
            grant_id,
        }
    }
}

/// Where consent decisions come from.
pub trait ConsentView: Send + Sync + 'static {
    fn check_access<'a>(
        &'a self,
        request: &'a AccessRequest,
    ) -> BoxFuture<'a, Result<Decision, diachain_chain_client::Error>>;
    /// Whether `address` is `patient`'s guardian now.
    fn is_guardian<'a>(
        &'a self,
        patient: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<bool, diachain_chain_client::Error>>;
}

/// The consent contract (and the device registry, for guardians) on chain, asked at the
/// latest block.
pub struct ChainConsent<R> {
    pub client: ChainClient<R>,
    pub consent_contract: String,
    pub registry_contract: String,
}

/// A decision from the contract's answer.
pub fn decide(r: CheckAccessResponse) -> Decision {
    match (r.allowed, r.grant) {
        (true, Some(g)) => Decision::Allowed {
            grant_id: g.id,
            break_glass: g.break_glass.is_some(),
        },
        _ => Decision::Denied(Refusal::of(r.denial)),
    }
}

impl<R: Rpc + 'static> ConsentView for ChainConsent<R> {
    fn check_access<'a>(
        &'a self,
        request: &'a AccessRequest,
    ) -> BoxFuture<'a, Result<Decision, diachain_chain_client::Error>> {
        Box::pin(async move {
            let q = QueryMsg::CheckAccess {
                patient: request.patient.clone(),
                grantee: request.grantee.clone(),
                scope: request.scope,
                data_from: Timestamp::from_seconds(request.data_from),
                data_to: Timestamp::from_seconds(request.data_to),
                at: None,
            };
            let r: CheckAccessResponse =
                self.client.smart_query(&self.consent_contract, &q).await?;
            Ok(decide(r))
        })
    }

    fn is_guardian<'a>(
        &'a self,
        patient: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<bool, diachain_chain_client::Error>> {
        Box::pin(async move {
            let q = diachain_std::registry::QueryMsg::IsGuardian {
                patient: patient.to_string(),
                guardian: address.to_string(),
            };
            self.client.smart_query(&self.registry_contract, &q).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_denial_has_its_own_code_and_names_the_grant() {
        let denials = [
            None,
            Some(Denial::NoGrant),
            Some(Denial::Revoked { grant_id: 1 }),
            Some(Denial::Expired { grant_id: 2 }),
            Some(Denial::ProviderNotAdmitted { grant_id: 3 }),
            Some(Denial::ScopeNotGranted { grant_id: 4 }),
            Some(Denial::PeriodNotCovered { grant_id: 5 }),
        ];
        let codes: Vec<&str> = denials.iter().map(|d| Refusal::of(*d).code).collect();
        assert_eq!(
            codes,
            [
                "no_grant",
                "no_grant",
                "grant_revoked",
                "grant_expired",
                "provider_not_admitted",
                "scope_not_granted",
                "period_not_covered"
            ]
        );
        assert_eq!(
            Refusal::of(Some(Denial::Expired { grant_id: 2 })).grant_id,
            Some(2)
        );
    }

    #[test]
    fn allowed_without_a_grant_is_not_taken_for_allowed() {
        let r = CheckAccessResponse {
            allowed: true,
            grant: None,
            denial: None,
        };
        assert!(matches!(decide(r), Decision::Denied(_)));
    }
}
