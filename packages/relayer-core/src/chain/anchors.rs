//! reading-anchors queries shared by the anchoring task and `verify`.

use diachain_chain_client::{ChainClient, Error, Rpc};
use diachain_std::anchors::{BatchInfo, QueryMsg};

/// reading-anchors' error text when no anchored batch holds a seq.
pub const NOT_ANCHORED: &str = "has no anchored batch holding seq";

/// The batch of `device_id` anchored on chain that holds `seq`, if any.
pub async fn anchored_batch<R: Rpc>(
    client: &ChainClient<R>,
    anchors_contract: &str,
    device_id: &str,
    seq: u64,
) -> Result<Option<BatchInfo>, Error> {
    let q = QueryMsg::Batch {
        device_id: device_id.to_string(),
        seq,
    };
    match client.smart_query(anchors_contract, &q).await {
        Ok(info) => Ok(Some(info)),
        Err(Error::Query { log, .. }) if log.contains(NOT_ANCHORED) => Ok(None),
        Err(e) => Err(e),
    }
}
