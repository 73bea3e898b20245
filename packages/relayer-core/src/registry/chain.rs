//! The production [`RegistryView`]: the registry contract's `AnchoringInfo` query, the very
//! view reading-anchors checks a submission against, through the chain client.

use diachain_chain_client::{ChainClient, Rpc};
use diachain_std::registry::{AnchoringInfoResponse, QueryMsg, MAX_ANCHORING_IDS};

use super::{RegistryError, RegistryView};
use crate::BoxFuture;
use diachain_std::registry::AnchoringDevice;

/// Queries the registry contract at `registry` on behalf of the relayer `relayer`.
pub struct ChainRegistry<R> {
    client: ChainClient<R>,
    registry: String,
    relayer: String,
}

impl<R: Rpc> ChainRegistry<R> {
    pub fn new(client: ChainClient<R>, registry: String, relayer: String) -> Self {
        ChainRegistry {
            client,
            registry,
            relayer,
        }
    }

    /// One query per [`MAX_ANCHORING_IDS`] devices, answers in the order asked.
    async fn fetch(&self, ids: &[String]) -> Result<Vec<Option<AnchoringDevice>>, RegistryError> {
        let mut devices = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_ANCHORING_IDS.max(1)) {
            let msg = QueryMsg::AnchoringInfo {
                relayer: self.relayer.clone(),
                device_ids: chunk.to_vec(),
            };
            let r: AnchoringInfoResponse = self.client.smart_query(&self.registry, &msg).await?;
            if r.devices.len() != chunk.len() {
                return Err(RegistryError::Answer {
                    answered: r.devices.len(),
                    asked: chunk.len(),
                });
            }
            devices.extend(r.devices);
        }
        Ok(devices)
    }

    /// Whether this relayer is admitted and not suspended (it cannot anchor otherwise).
    pub async fn relayer_active(&self) -> Result<bool, RegistryError> {
        let msg = QueryMsg::IsActiveRelayer {
            address: self.relayer.clone(),
        };
        Ok(self.client.smart_query(&self.registry, &msg).await?)
    }
}

impl<R: Rpc + 'static> RegistryView for ChainRegistry<R> {
    fn anchoring_devices<'a>(
        &'a self,
        device_ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<AnchoringDevice>>, RegistryError>> {
        Box::pin(self.fetch(device_ids))
    }
}
