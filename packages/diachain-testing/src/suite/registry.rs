//! The device registry's helpers: register, bind, transfer and revoke devices.

use cosmwasm_std::{Addr, Binary, StdResult};
use cw_multi_test::AppResponse;
use diachain_std::device::RevocationReason;
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::{self, MAX_DEVICES_PER_REGISTRATION};
use diachain_std::{Device, Domain};

use super::Suite;

impl Suite {
    /// The manufacturer registers these simulated devices in one message.
    pub fn register_devices(&mut self, ids: &[&str]) -> StdResult<AppResponse> {
        assert!(ids.len() <= MAX_DEVICES_PER_REGISTRATION);
        let devices = ids
            .iter()
            .map(|id| self.device_sim(id).registration())
            .collect();
        let (manufacturer, registry) = (self.actors.manufacturer.clone(), self.registry.clone());
        self.exec(
            &manufacturer,
            &registry,
            &registry::ExecuteMsg::RegisterDevices { devices },
        )
    }

    pub fn device(&self, id: &str) -> Device {
        self.query(
            &self.registry,
            &registry::QueryMsg::Device { id: id.to_string() },
        )
    }

    /// What the registry tells reading-anchors of `device_id` when `relayer` submits it
    /// (panics if the device is unknown).
    pub fn anchoring_view(&self, relayer: &Addr, device_id: &str) -> registry::AnchoringDevice {
        let info: registry::AnchoringInfoResponse = self.query(
            &self.registry,
            &registry::QueryMsg::AnchoringInfo {
                relayer: relayer.to_string(),
                device_ids: vec![device_id.to_string()],
            },
        );
        info.devices
            .into_iter()
            .next()
            .flatten()
            .unwrap_or_else(|| panic!("{device_id} is not registered"))
    }

    /// The device's proof of possession for binding it to `patient` at its current nonce.
    pub fn bind_proof(&self, device_id: &str, patient: &Addr) -> Binary {
        let nonce = self.device(device_id).nonce;
        let domain = Domain {
            chain_id: &self.chain_id,
            contract: self.registry.as_str(),
        };
        let bytes = bind_sign_bytes(&domain, device_id, patient.as_str(), nonce)
            .expect("valid bind message");
        self.device_sim(device_id).key.sign(&bytes)
    }

    /// `sender` (the patient or their guardian) binds the device to `patient`, with the
    /// device's proof of possession.
    pub fn bind(
        &mut self,
        sender: &Addr,
        device_id: &str,
        patient: &Addr,
    ) -> StdResult<AppResponse> {
        let signature = self.bind_proof(device_id, patient);
        let registry = self.registry.clone();
        self.exec(
            sender,
            &registry,
            &registry::ExecuteMsg::BindDevice {
                device_id: device_id.to_string(),
                patient: (sender != patient).then(|| patient.to_string()),
                signature,
            },
        )
    }

    /// `sender` (the owner or their guardian) offers the device to `new_owner`, with the
    /// device's proof of possession naming `new_owner`. Nothing changes hands until accepted.
    pub fn offer_transfer(
        &mut self,
        sender: &Addr,
        device_id: &str,
        new_owner: &Addr,
        expires_in_seconds: Option<u64>,
    ) -> StdResult<AppResponse> {
        let signature = self.bind_proof(device_id, new_owner);
        let registry = self.registry.clone();
        self.exec(
            sender,
            &registry,
            &registry::ExecuteMsg::TransferDevice {
                device_id: device_id.to_string(),
                new_owner: new_owner.to_string(),
                signature,
                expires_in_seconds,
            },
        )
    }

    /// `sender` (the recipient or their guardian) accepts the device's transfer offer.
    pub fn accept_transfer(&mut self, sender: &Addr, device_id: &str) -> StdResult<AppResponse> {
        let registry = self.registry.clone();
        self.exec(
            sender,
            &registry,
            &registry::ExecuteMsg::AcceptTransfer {
                device_id: device_id.to_string(),
            },
        )
    }

    /// The owner offers the device to `new_owner`, who accepts at once.
    pub fn transfer(&mut self, owner: &Addr, device_id: &str, new_owner: &Addr) {
        self.offer_transfer(owner, device_id, new_owner, None)
            .expect("transfer offered");
        self.accept_transfer(new_owner, device_id)
            .expect("transfer accepted");
    }

    pub fn revoke_device(
        &mut self,
        sender: &Addr,
        device_id: &str,
        reason: RevocationReason,
    ) -> StdResult<AppResponse> {
        let registry = self.registry.clone();
        self.exec(
            sender,
            &registry,
            &registry::ExecuteMsg::RevokeDevice {
                device_id: device_id.to_string(),
                reason,
                effective_at: None,
            },
        )
    }
}
