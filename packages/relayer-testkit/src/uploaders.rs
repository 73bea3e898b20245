//! An uploader chain for API tests: registering puts the device, unbound, in the in-memory
//! registry; `bind` is what the patient's `BindDevice` would do.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cosmwasm_std::{Addr, Timestamp};
use diachain_std::registry::{AnchoringDevice, KeyHolder};
use diachain_std::{DeviceKind, PublicKey};

use diachain_relayer_core::chain::UploaderChain;
use diachain_relayer_core::BoxFuture;

use crate::registry::TestRegistry;

pub const REGISTRY: &str = "wasm1registrycontractfortests";
/// The relayer that registers uploader keys and holds them.
pub const HOLDER: &str = "wasm1relayerholdinguploaderkeys";

pub struct FakeUploaderChain {
    pub registry: Arc<TestRegistry>,
    pub refuse: AtomicBool,
}

impl FakeUploaderChain {
    /// The patient binds the device (from the epoch on).
    pub fn bind(&self, device_id: &str, patient: &str, public_key: PublicKey) {
        self.bind_at(device_id, patient, public_key, 0);
    }

    /// The patient binds the device at `since` (Unix seconds).
    pub fn bind_at(&self, device_id: &str, patient: &str, public_key: PublicKey, since: u64) {
        let mut device = record(public_key, Some(patient));
        device.owner_since = Timestamp::from_seconds(since);
        self.registry.put(device_id, device);
    }
}

fn record(public_key: PublicKey, owner: Option<&str>) -> AnchoringDevice {
    AnchoringDevice {
        kind: DeviceKind::Gateway,
        owner: owner.map(Addr::unchecked),
        owner_since: Timestamp::from_seconds(0),
        owner_since_height: 1,
        public_key,
        key_since: Timestamp::from_seconds(0),
        previous_key: None,
        refuses_from: None,
        // The relayer registered the key, so it holds it (as device-registry records).
        key_holder: Some(KeyHolder {
            relayer: Addr::unchecked(HOLDER),
            refuses_from: None,
            lapses: Vec::new(),
        }),
    }
}

impl UploaderChain for FakeUploaderChain {
    fn register<'a>(
        &'a self,
        device_id: &'a str,
        public_key: PublicKey,
    ) -> BoxFuture<'a, Result<String, diachain_chain_client::Error>> {
        Box::pin(async move {
            if self.refuse.load(Ordering::SeqCst) {
                return Err(diachain_chain_client::Error::Contract {
                    message: "relayer is suspended".into(),
                    log: String::new(),
                    tx: None,
                });
            }
            self.registry.put(device_id, record(public_key, None));
            Ok(format!("REGISTER-{device_id}"))
        })
    }

    fn nonce<'a>(
        &'a self,
        _device_id: &'a str,
    ) -> BoxFuture<'a, Result<u64, diachain_chain_client::Error>> {
        Box::pin(async { Ok(0) })
    }

    fn bind_domain(&self) -> (String, String) {
        (crate::CHAIN_ID.to_string(), REGISTRY.to_string())
    }
}
