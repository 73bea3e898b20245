//! What an export reads from the chain about a study: the study, its members and each member's
//! live research consent. A trait, so that the planning is tested against a scripted chain;
//! [`ChainStudies`] asks the data-union and consent contracts.

use diachain_chain_client::{ChainClient, Rpc};
use diachain_std::consent::{QueryMsg as ConsentQuery, ResearchConsent, ResearchConsentResponse};
use diachain_std::pagination::Page;
use diachain_std::union::{Member, QueryMsg as UnionQuery, Study, StudyResponse};

use crate::BoxFuture;

type ChainResult<T> = Result<T, diachain_chain_client::Error>;

pub trait StudyView: Send + Sync + 'static {
    /// The study; `None` if there is none with that id.
    fn study(&self, study_id: u64) -> BoxFuture<'_, ChainResult<Option<Study>>>;
    /// A page of the study's members (active or not), by address.
    fn members(
        &self,
        study_id: u64,
        start_after: Option<String>,
    ) -> BoxFuture<'_, ChainResult<Page<Member>>>;
    /// The patient's live research consent for the study.
    fn research_consent<'a>(
        &'a self,
        patient: &'a str,
        study_id: u64,
    ) -> BoxFuture<'a, ChainResult<Option<ResearchConsent>>>;
}

pub struct ChainStudies<R> {
    pub client: ChainClient<R>,
    pub union_contract: String,
    pub consent_contract: String,
}

impl<R: Rpc + 'static> StudyView for ChainStudies<R> {
    fn study(&self, study_id: u64) -> BoxFuture<'_, ChainResult<Option<Study>>> {
        Box::pin(async move {
            let q = UnionQuery::Study { study_id };
            match self
                .client
                .smart_query::<_, StudyResponse>(&self.union_contract, &q)
                .await
            {
                Ok(r) => Ok(Some(r.study)),
                // The contract's refusal: `study N does not exist`.
                Err(diachain_chain_client::Error::Query { log, .. })
                    if log.contains(&format!("study {study_id} does not exist")) =>
                {
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        })
    }

    fn members(
        &self,
        study_id: u64,
        start_after: Option<String>,
    ) -> BoxFuture<'_, ChainResult<Page<Member>>> {
        Box::pin(async move {
            let q = UnionQuery::Members {
                study_id,
                start_after,
                limit: Some(diachain_std::pagination::MAX_LIMIT),
            };
            self.client.smart_query(&self.union_contract, &q).await
        })
    }

    fn research_consent<'a>(
        &'a self,
        patient: &'a str,
        study_id: u64,
    ) -> BoxFuture<'a, ChainResult<Option<ResearchConsent>>> {
        Box::pin(async move {
            let q = ConsentQuery::ResearchConsent {
                patient: patient.to_string(),
                study_id,
            };
            let r: ResearchConsentResponse =
                self.client.smart_query(&self.consent_contract, &q).await?;
            Ok(r.consent)
        })
    }
}
