//! Registration and binding on chain, skipping what an earlier run did: devices already
//! registered (with the same key) are not registered again, devices already bound to the
//! patient are not bound again. RegisterDevices goes out in chunks as the manufacturer; the
//! patient binds devices with the device's signature over `bind_sign_bytes` (domain: chain id
//! and the registry contract), several BindDevice messages per transaction.

use std::collections::BTreeMap;

use diachain_chain_client::{execute_msg, ChainClient, Gas, TxSender};
use diachain_std::device::{Device, DeviceStatus, KeyCustody};
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::{
    AnchoringDevice, AnchoringInfoResponse, DevicesResponse, ExecuteMsg, NewDevice, QueryMsg,
    MAX_DEVICES_PER_QUERY, MAX_DEVICES_PER_REGISTRATION,
};
use diachain_std::Domain;

use super::fleet::SimDevice;
use super::SimError;

/// The accounts and contract the setup uses.
pub struct Setup<'a> {
    pub client: &'a ChainClient,
    pub registry: &'a str,
    pub manufacturer: &'a TxSender,
    pub patient: &'a TxSender,
    pub model: &'a str,
    /// Devices per RegisterDevices message.
    pub register_chunk: usize,
    /// BindDevice messages per transaction.
    pub bind_chunk: usize,
}

/// What the setup did and which devices can stream (bound to the patient, active).
#[derive(Debug, Default)]
pub struct SetupReport {
    pub registered: usize,
    pub bound: usize,
    /// Device id → its bind time (owner_since, whole seconds rounded up).
    pub ready: BTreeMap<String, u64>,
    /// Device id → why it does not stream.
    pub skipped: BTreeMap<String, String>,
}

impl Setup<'_> {
    /// Registers and binds `devices` as needed.
    pub async fn run(&self, devices: &[&SimDevice]) -> Result<SetupReport, SimError> {
        let mut report = SetupReport::default();
        let records = self.records(devices).await?;
        let missing: Vec<&SimDevice> = devices
            .iter()
            .zip(&records)
            .filter(|(_, r)| r.is_none())
            .map(|(d, _)| *d)
            .collect();
        report.registered = self.register(&missing).await?;
        let records = self.records(devices).await?;
        let mut to_bind = vec![];
        for (d, r) in devices.iter().zip(&records) {
            match unusable(d, r.as_ref(), self.patient.address()) {
                Some(Unusable::Skip(why)) => {
                    report.skipped.insert(d.id.clone(), why);
                }
                Some(Unusable::Unbound(nonce)) => to_bind.push((*d, nonce)),
                None => {}
            }
        }
        report.bound = self.bind(&to_bind).await?;
        let records = self.records(devices).await?;
        for (d, r) in devices.iter().zip(&records) {
            if report.skipped.contains_key(&d.id) {
                continue;
            }
            match r {
                Some(r) if r.owner.as_ref().map(|o| o.as_str()) == Some(self.patient.address()) => {
                    report
                        .ready
                        .insert(d.id.clone(), ceil_seconds(r.owner_since.nanos()));
                }
                _ => {
                    report.skipped.insert(
                        d.id.clone(),
                        "not bound to the patient after binding".into(),
                    );
                }
            }
        }
        Ok(report)
    }

    /// The registry's records of `devices`, in order (`None` for unregistered ones).
    async fn records(&self, devices: &[&SimDevice]) -> Result<Vec<Option<Device>>, SimError> {
        let mut out = Vec::with_capacity(devices.len());
        for chunk in devices.chunks(MAX_DEVICES_PER_QUERY) {
            let ids = chunk.iter().map(|d| d.id.clone()).collect();
            let r: DevicesResponse = self
                .client
                .smart_query(self.registry, &QueryMsg::Devices { ids })
                .await?;
            out.extend(r.devices);
        }
        Ok(out)
    }

    async fn register(&self, devices: &[&SimDevice]) -> Result<usize, SimError> {
        let chunk = self.register_chunk.clamp(1, MAX_DEVICES_PER_REGISTRATION);
        for part in devices.chunks(chunk) {
            let new = part
                .iter()
                .map(|d| NewDevice {
                    id: d.id.clone(),
                    kind: d.kind,
                    model: self.model.to_string(),
                    public_key: d.key.public_key(),
                    key_custody: KeyCustody::Device,
                })
                .collect();
            let msg = ExecuteMsg::RegisterDevices { devices: new };
            let tx = self.manufacturer.execute(self.registry, &msg, 0).await?;
            tracing::info!(devices = part.len(), tx = %tx.hash, height = tx.height, "registered");
        }
        Ok(devices.len())
    }

    async fn bind(&self, devices: &[(&SimDevice, u64)]) -> Result<usize, SimError> {
        let chain_id = self.client.chain_id().to_string();
        let domain = Domain {
            chain_id: &chain_id,
            contract: self.registry,
        };
        let patient = self.patient.address();
        for part in devices.chunks(self.bind_chunk.max(1)) {
            let msgs = part
                .iter()
                .map(|(d, nonce)| {
                    let proof = d
                        .key
                        .sign(&bind_sign_bytes(&domain, &d.id, patient, *nonce)?);
                    let msg = ExecuteMsg::BindDevice {
                        device_id: d.id.clone(),
                        patient: None,
                        signature: proof,
                    };
                    Ok(execute_msg(patient, self.registry, &msg, vec![])?)
                })
                .collect::<Result<Vec<_>, SimError>>()?;
            let tx = self.patient.send(msgs, "", Gas::Auto).await?;
            tracing::info!(devices = part.len(), tx = %tx.hash, height = tx.height, "bound");
        }
        Ok(devices.len())
    }

    /// The registry's anchoring view of `ids` (what `serve --registry-file` reads).
    pub async fn anchoring_view(
        &self,
        ids: &[String],
    ) -> Result<BTreeMap<String, AnchoringDevice>, SimError> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(diachain_std::registry::MAX_ANCHORING_IDS) {
            let msg = QueryMsg::AnchoringInfo {
                relayer: self.patient.address().to_string(),
                device_ids: chunk.to_vec(),
            };
            let r: AnchoringInfoResponse = self.client.smart_query(self.registry, &msg).await?;
            for (id, d) in chunk.iter().zip(r.devices) {
                if let Some(d) = d {
                    out.insert(id.clone(), d);
                }
            }
        }
        Ok(out)
    }
}

/// Why a registered device cannot simply stream.
#[derive(Debug, PartialEq, Eq)]
enum Unusable {
    /// Bound to no one yet: bind it with this nonce.
    Unbound(u64),
    Skip(String),
}

fn unusable(d: &SimDevice, record: Option<&Device>, patient: &str) -> Option<Unusable> {
    let Some(r) = record else {
        return Some(Unusable::Skip("not registered".into()));
    };
    if r.public_key != d.key.public_key() {
        return Some(Unusable::Skip(
            "registered with another key (another seed, or other --p256-share/--secp256k1-share?)"
                .into(),
        ));
    }
    if r.status != DeviceStatus::Active {
        return Some(Unusable::Skip(format!("status {:?}", r.status)));
    }
    match &r.owner {
        None => Some(Unusable::Unbound(r.nonce)),
        Some(o) if o.as_str() == patient => None,
        Some(o) => Some(Unusable::Skip(format!("bound to another patient {o}"))),
    }
}

/// Whole seconds at or after `nanos` (a reading at second `s` is at `s × 10^9` ns).
pub fn ceil_seconds(nanos: u64) -> u64 {
    nanos / 1_000_000_000 + u64::from(!nanos.is_multiple_of(1_000_000_000))
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::{Addr, Timestamp};
    use diachain_std::device::RevocationReason;
    use diachain_std::{DeviceKind, KeyAlgorithm};

    use super::*;
    use crate::keys::derive_key;

    fn device() -> SimDevice {
        SimDevice {
            id: "sim-cgm-0000000000000001".into(),
            kind: DeviceKind::Cgm,
            key: derive_key("seed", "sim-cgm-0000000000000001", KeyAlgorithm::Ed25519).unwrap(),
        }
    }

    fn record(d: &SimDevice, owner: Option<&str>) -> Device {
        Device {
            id: d.id.clone(),
            kind: d.kind,
            model: "m".into(),
            manufacturer: Addr::unchecked("wasm1maker"),
            public_key: d.key.public_key(),
            key_version: 0,
            key_since: Timestamp::from_seconds(1),
            owner: owner.map(Addr::unchecked),
            owner_since: Timestamp::from_seconds(1),
            owner_since_height: 1,
            status: DeviceStatus::Active,
            nonce: 7,
            registered_at: Timestamp::from_seconds(1),
            key_custody: KeyCustody::Device,
        }
    }

    #[test]
    fn only_unbound_active_devices_with_our_key_are_bound_and_others_are_skipped_with_a_reason() {
        let d = device();
        assert_eq!(
            unusable(&d, Some(&record(&d, None)), "wasm1patient"),
            Some(Unusable::Unbound(7)),
            "bound with the registry's current nonce"
        );
        assert_eq!(
            unusable(&d, Some(&record(&d, Some("wasm1patient"))), "wasm1patient"),
            None
        );
        let other_owner = unusable(&d, Some(&record(&d, Some("wasm1else"))), "wasm1patient");
        assert!(
            matches!(other_owner, Some(Unusable::Skip(why)) if why.contains("another patient"))
        );
        let mut other_key = record(&d, None);
        other_key.public_key = derive_key("x", &d.id, KeyAlgorithm::Ed25519)
            .unwrap()
            .public_key();
        let skipped = unusable(&d, Some(&other_key), "wasm1patient");
        assert!(matches!(skipped, Some(Unusable::Skip(why)) if why.contains("another key")));
        let mut revoked = record(&d, Some("wasm1patient"));
        revoked.status = DeviceStatus::Revoked {
            effective_at: Timestamp::from_seconds(2),
            reason: RevocationReason::Lost,
        };
        assert!(matches!(
            unusable(&d, Some(&revoked), "wasm1patient"),
            Some(Unusable::Skip(_))
        ));
        assert!(matches!(
            unusable(&d, None, "wasm1patient"),
            Some(Unusable::Skip(_))
        ));
    }

    #[test]
    fn the_bind_time_rounds_up_to_the_next_whole_second() {
        assert_eq!(ceil_seconds(5_000_000_000), 5);
        assert_eq!(ceil_seconds(5_000_000_001), 6);
        assert_eq!(ceil_seconds(0), 0);
    }
}
