//! Consent checks for the data API: whether a grantee may read a patient's data of a scope and
//! period now, as the consent contract's `CheckAccess` decides at the current block time, and
//! the refusal as an HTTP answer (403 with a machine-readable reason and a sentence); and
//! whether a caller is the patient's guardian (the device registry's `IsGuardian`).

use cosmwasm_std::Timestamp;
use diachain_chain_client::{ChainClient, Rpc};
use diachain_relayer_types::ErrorCode;
use diachain_std::consent::{CheckAccessResponse, Denial, GrantInfo, QueryMsg};
use diachain_std::DataScope;

use crate::BoxFuture;

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

/// The decision: the grant that allows it (recorded with the access), or why not. `at_ns` is
/// the block time (Unix nanoseconds) it was decided at: the access is recorded as served then,
/// so the contract checks the record at the very time the decision was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed {
        grant_id: u64,
        break_glass: bool,
        at_ns: u64,
    },
    Denied(Refusal),
}

/// Why an access is refused, as the API answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub grant_id: Option<u64>,
    /// For a revoked grant or a closed break-glass session: who ended it, when the relayer
    /// could tell.
    pub revoked_by: Option<Revoker>,
}

/// Who ended a grant or break-glass session early, relative to the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoker {
    Patient,
    Guardian,
    /// The grantee renouncing a grant, or the emergency provider closing its session.
    Grantee,
}

impl Revoker {
    /// The name the API answers with (`revoked_by`).
    pub fn as_str(self) -> &'static str {
        match self {
            Revoker::Patient => "patient",
            Revoker::Guardian => "guardian",
            Revoker::Grantee => "grantee",
        }
    }

    /// Who ended a grant of `patient` to `grantee`, from the revocation's sender.
    pub fn of(by: &str, patient: &str, grantee: &str) -> Revoker {
        if by == patient {
            Revoker::Patient
        } else if by == grantee {
            Revoker::Grantee
        } else {
            // Only the patient, a guardian or the grantee may revoke.
            Revoker::Guardian
        }
    }
}

impl Refusal {
    /// A revoked grant (or a session closed early), worded by who ended it and whether it was a
    /// break-glass session; `None`: not known.
    pub fn revoked(grant_id: u64, break_glass: bool, by: Option<Revoker>) -> Refusal {
        let message = match (break_glass, by) {
            (true, Some(Revoker::Grantee)) => {
                "The emergency provider closed its break-glass session.".to_string()
            }
            (true, Some(Revoker::Patient)) => {
                "The patient closed the break-glass session.".to_string()
            }
            (true, Some(Revoker::Guardian)) => {
                "A guardian of the patient closed the break-glass session.".to_string()
            }
            (true, None) => "The break-glass session was closed.".to_string(),
            (false, Some(Revoker::Grantee)) => "You renounced the grant.".to_string(),
            (false, Some(Revoker::Patient)) => "The patient revoked the grant.".to_string(),
            (false, Some(Revoker::Guardian)) => {
                "A guardian of the patient revoked the grant.".to_string()
            }
            (false, None) => "The grant was revoked.".to_string(),
        };
        Refusal {
            code: ErrorCode::GrantRevoked,
            message,
            grant_id: Some(grant_id),
            revoked_by: by,
        }
    }

    pub fn of(denial: Option<Denial>) -> Refusal {
        let (code, message, grant_id) = match denial {
            None | Some(Denial::NoGrant) => (
                ErrorCode::NoGrant,
                "The patient has not granted you access.",
                None,
            ),
            Some(Denial::Revoked { grant_id }) => return Refusal::revoked(grant_id, false, None),
            Some(Denial::Expired { grant_id }) => (
                ErrorCode::GrantExpired,
                "The grant has expired.",
                Some(grant_id),
            ),
            Some(Denial::ProviderNotAdmitted { grant_id }) => (
                ErrorCode::ProviderNotAdmitted,
                "The emergency provider of this break-glass session is no longer admitted.",
                Some(grant_id),
            ),
            Some(Denial::ScopeNotGranted { grant_id }) => (
                ErrorCode::ScopeNotGranted,
                "The grant does not cover this kind of data.",
                Some(grant_id),
            ),
            Some(Denial::PeriodNotCovered { grant_id }) => (
                ErrorCode::PeriodNotCovered,
                "The grant does not cover data measured in this period.",
                Some(grant_id),
            ),
        };
        Refusal {
            code,
            message: message.to_string(),
            grant_id,
            revoked_by: None,
        }
    }
}

/// Where consent decisions come from.
pub trait ConsentView: Send + Sync + 'static {
    fn check_access<'a>(
        &'a self,
        request: &'a AccessRequest,
    ) -> BoxFuture<'a, Result<Decision, diachain_chain_client::Error>>;
    /// The latest block's time (Unix nanoseconds, exactly as the block has it).
    fn block_time(&self) -> BoxFuture<'_, Result<u64, diachain_chain_client::Error>>;
    /// Whether this relayer may record accesses (an admitted custodian).
    fn is_custodian(&self) -> BoxFuture<'_, Result<bool, diachain_chain_client::Error>>;
    /// The data period (Unix seconds, inclusive) grant `grant_id` covers, if it exists.
    fn data_period(
        &self,
        grant_id: u64,
    ) -> BoxFuture<'_, Result<Option<(u64, u64)>, diachain_chain_client::Error>>;
    /// Whether `address` is `patient`'s guardian now.
    fn is_guardian<'a>(
        &'a self,
        patient: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<bool, diachain_chain_client::Error>>;
}

/// The consent contract (and the device registry, for guardians) on chain, asked at the
/// latest block's time.
pub struct ChainConsent<R> {
    pub client: ChainClient<R>,
    pub consent_contract: String,
    pub registry_contract: String,
    /// The relayer's own address (the custodian that records accesses).
    pub custodian: String,
}

/// A decision from the contract's answer at block time `at_ns`.
pub fn decide(r: CheckAccessResponse, at_ns: u64) -> Decision {
    match (r.allowed, r.grant) {
        (true, Some(g)) => Decision::Allowed {
            grant_id: g.id,
            break_glass: g.break_glass.is_some(),
            at_ns,
        },
        _ => Decision::Denied(Refusal::of(r.denial)),
    }
}

/// How often, and how long apart, a query asked at the latest block's time is asked again while
/// the node's state is still at the block before it.
pub const STATE_CATCH_UP: (u32, std::time::Duration) = (20, std::time::Duration::from_millis(250));

/// Whether the contract refused a query because its `at` is after the block time of the state it
/// ran on: the node's status already named block H while its queryable state was still H-1 (it
/// stores a block before it commits its state; seen under load, a second behind).
pub fn state_behind(e: &diachain_chain_client::Error) -> bool {
    matches!(e, diachain_chain_client::Error::Query { log, .. }
        if log.contains("is after the current block time"))
}

/// Runs `ask` until the node's state has reached the block its time came from: a refusal that
/// says the state is behind ([`state_behind`]) is asked again up to `tries` more times, `wait`
/// apart; any other answer (or the last refusal) is returned as it is.
pub async fn until_state_reaches<T, F, Fut>(
    (tries, wait): (u32, std::time::Duration),
    mut ask: F,
) -> Result<T, diachain_chain_client::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, diachain_chain_client::Error>>,
{
    let mut left = tries;
    loop {
        match ask().await {
            Err(e) if left > 0 && state_behind(&e) => {
                left -= 1;
                tokio::time::sleep(wait).await;
            }
            answer => return answer,
        }
    }
}

/// The latest block's exact time: a decision at its seconds alone would not see a grant made in
/// that very block.
async fn block_time<R: Rpc>(client: &ChainClient<R>) -> Result<u64, diachain_chain_client::Error> {
    let s = client.status().await?;
    diachain_chain_client::time::rfc3339_nanos(&s.latest_block_time).ok_or_else(|| {
        diachain_chain_client::Error::Transport {
            tx_hash: None,
            reason: format!(
                "the node gave an unreadable block time {:?}",
                s.latest_block_time
            ),
        }
    })
}

impl<R: Rpc + 'static> ConsentView for ChainConsent<R> {
    fn check_access<'a>(
        &'a self,
        request: &'a AccessRequest,
    ) -> BoxFuture<'a, Result<Decision, diachain_chain_client::Error>> {
        Box::pin(async move {
            // Decided at a known block time, so that the record names that very time.
            let at_ns = block_time(&self.client).await?;
            let q = QueryMsg::CheckAccess {
                patient: request.patient.clone(),
                grantee: request.grantee.clone(),
                scope: request.scope,
                data_from: Timestamp::from_seconds(request.data_from),
                data_to: Timestamp::from_seconds(request.data_to),
                at: Some(Timestamp::from_nanos(at_ns)),
            };
            let r: CheckAccessResponse = until_state_reaches(STATE_CATCH_UP, || {
                self.client.smart_query(&self.consent_contract, &q)
            })
            .await?;
            if let Some(Denial::Revoked { grant_id }) = r.denial {
                // Who ended it, and whether it was a break-glass session: the grant says.
                let g: GrantInfo = self
                    .client
                    .smart_query(&self.consent_contract, &QueryMsg::Grant { grant_id })
                    .await?;
                let by = g.grant.revoked.as_ref().map(|rev| {
                    Revoker::of(
                        rev.by.as_str(),
                        g.grant.patient.as_str(),
                        g.grant.grantee.as_str(),
                    )
                });
                let refusal = Refusal::revoked(grant_id, g.grant.break_glass.is_some(), by);
                return Ok(Decision::Denied(refusal));
            }
            Ok(decide(r, at_ns))
        })
    }

    fn block_time(&self) -> BoxFuture<'_, Result<u64, diachain_chain_client::Error>> {
        Box::pin(block_time(&self.client))
    }

    fn data_period(
        &self,
        grant_id: u64,
    ) -> BoxFuture<'_, Result<Option<(u64, u64)>, diachain_chain_client::Error>> {
        Box::pin(async move {
            let q = QueryMsg::Grant { grant_id };
            let found: Result<GrantInfo, _> =
                self.client.smart_query(&self.consent_contract, &q).await;
            match found {
                Ok(g) => Ok(Some((
                    g.grant.data_from.seconds(),
                    g.grant.data_to.seconds(),
                ))),
                Err(diachain_chain_client::Error::Contract { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn is_custodian(&self) -> BoxFuture<'_, Result<bool, diachain_chain_client::Error>> {
        Box::pin(async move {
            let q = QueryMsg::Member {
                role: diachain_std::consent::ConsentRole::Custodian,
                address: self.custodian.clone(),
            };
            let m: Option<serde_json::Value> =
                self.client.smart_query(&self.consent_contract, &q).await?;
            Ok(m.is_some())
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
        let codes: Vec<&str> = denials
            .iter()
            .map(|d| Refusal::of(*d).code.as_str())
            .collect();
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
        assert!(matches!(decide(r, 1), Decision::Denied(_)));
    }

    fn query_refused(log: &str) -> diachain_chain_client::Error {
        diachain_chain_client::Error::Query {
            path: "/cosmwasm.wasm.v1.Query/SmartContractState".into(),
            code: 6,
            codespace: "sdk".into(),
            log: log.into(),
        }
    }

    const BEHIND: &str = "`at` (1797984267.164744293) is after the current block time \
        (1797984266.114658380): query wasm contract failed: unknown request";

    #[tokio::test]
    async fn a_query_asked_while_the_state_is_a_block_behind_is_asked_again_until_it_answers() {
        let asked = std::cell::Cell::new(0u32);
        let answer = until_state_reaches((5, std::time::Duration::from_millis(1)), || {
            asked.set(asked.get() + 1);
            let n = asked.get();
            async move {
                if n <= 2 {
                    Err(query_refused(BEHIND))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(answer.expect("answered once the state caught up"), 3);
    }

    #[tokio::test]
    async fn a_state_that_never_catches_up_or_another_refusal_is_returned_as_it_is() {
        let asked = std::cell::Cell::new(0u32);
        let never: Result<(), _> =
            until_state_reaches((3, std::time::Duration::from_millis(1)), || {
                asked.set(asked.get() + 1);
                async { Err(query_refused(BEHIND)) }
            })
            .await;
        assert!(never.as_ref().is_err_and(state_behind), "{never:?}");
        assert_eq!(asked.get(), 4, "the first ask and three more");

        asked.set(0);
        let other: Result<(), _> =
            until_state_reaches((3, std::time::Duration::from_millis(1)), || {
                asked.set(asked.get() + 1);
                async { Err(query_refused("grant 7 not found")) }
            })
            .await;
        assert!(other.is_err_and(|e| !state_behind(&e)));
        assert_eq!(asked.get(), 1, "any other refusal is not asked again");
    }
}
