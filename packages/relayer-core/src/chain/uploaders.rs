//! Registering Nightscout uploaders on chain: the relayer's account sends `RegisterDevices`
//! for a gateway whose key custody is the relayer's, and reads the device's nonce back.

use std::sync::Arc;

use diachain_chain_client::{Rpc, TxSender};
use diachain_std::device::{Device, KeyCustody};
use diachain_std::registry::{ExecuteMsg, NewDevice, QueryMsg};
use diachain_std::{DeviceKind, PublicKey};

use crate::BoxFuture;

/// The model every uploader is registered with (never a serial number).
pub const UPLOADER_MODEL: &str = "nightscout-uploader";

/// What creating a Nightscout uploader needs from the chain.
pub trait UploaderChain: Send + Sync + 'static {
    /// Registers `device_id` with `public_key` as a gateway whose key the relayer holds; the
    /// transaction's hash once it is in a block.
    fn register<'a>(
        &'a self,
        device_id: &'a str,
        public_key: PublicKey,
    ) -> BoxFuture<'a, Result<String, diachain_chain_client::Error>>;
    /// The device's nonce (signed in its proof of possession).
    fn nonce<'a>(
        &'a self,
        device_id: &'a str,
    ) -> BoxFuture<'a, Result<u64, diachain_chain_client::Error>>;
    /// The chain id and the registry contract: where bind proofs are valid.
    fn bind_domain(&self) -> (String, String);
}

pub struct ChainUploaders<R> {
    /// The relayer's account (shared with the other tasks: one sequence counter).
    pub sender: Arc<TxSender<R>>,
    pub registry_contract: String,
}

impl<R: Rpc + 'static> UploaderChain for ChainUploaders<R> {
    fn register<'a>(
        &'a self,
        device_id: &'a str,
        public_key: PublicKey,
    ) -> BoxFuture<'a, Result<String, diachain_chain_client::Error>> {
        Box::pin(async move {
            let msg = ExecuteMsg::RegisterDevices {
                devices: vec![NewDevice {
                    id: device_id.to_string(),
                    kind: DeviceKind::Gateway,
                    model: UPLOADER_MODEL.to_string(),
                    public_key,
                    // The relayer holds this key: the registry shows it, and only an admitted
                    // relayer may register such a gateway.
                    key_custody: KeyCustody::Relayer,
                }],
            };
            let tx = self
                .sender
                .execute(&self.registry_contract, &msg, 0)
                .await?;
            Ok(tx.hash)
        })
    }

    fn nonce<'a>(
        &'a self,
        device_id: &'a str,
    ) -> BoxFuture<'a, Result<u64, diachain_chain_client::Error>> {
        Box::pin(async move {
            let q = QueryMsg::Device {
                id: device_id.to_string(),
            };
            let d: Device = self
                .sender
                .client()
                .smart_query(&self.registry_contract, &q)
                .await?;
            Ok(d.nonce)
        })
    }

    fn bind_domain(&self) -> (String, String) {
        (
            self.sender.client().chain_id().to_string(),
            self.registry_contract.clone(),
        )
    }
}
