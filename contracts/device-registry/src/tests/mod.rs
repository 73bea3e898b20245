//! Unit tests, one file per action, on a shared fixture with real device keys.

mod admin;
mod bind;
mod guardians;
mod migrate;
mod participants;
mod queries;
mod register;
mod rotate;
mod status;
mod transfer;

use cosmwasm_std::testing::{
    message_info, mock_dependencies, mock_env, MockApi, MockQuerier, MockStorage,
};
use cosmwasm_std::{from_json, Addr, Binary, Coin, Env, OwnedDeps, Response};
use diachain_std::device::Role;
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::NewDevice;
use diachain_std::testing::TestKey;
use diachain_std::{Device, DeviceKind, Domain, KeyAlgorithm, KeyCustody};
use serde::de::DeserializeOwned;

use crate::contract::{execute, instantiate, query};
use crate::msg::{ExecuteMsg, InstantiateMsg, QueryMsg};
use crate::ContractError;

/// Asserts that a result is an error matching a pattern, showing the error otherwise.
#[macro_export]
macro_rules! assert_err {
    ($result:expr, $pattern:pat if $guard:expr) => {
        match $result {
            Err(e) => assert!(
                matches!(e, $pattern if $guard),
                "unexpected error: {e:?}"
            ),
            Ok(r) => panic!("expected an error, got {r:?}"),
        }
    };
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e) => assert!(matches!(e, $pattern), "unexpected error: {e:?}"),
            Ok(r) => panic!("expected an error, got {r:?}"),
        }
    };
}

pub struct Fx {
    pub deps: OwnedDeps<MockStorage, MockApi, MockQuerier>,
    pub env: Env,
    pub admin: Addr,
    pub maker: Addr,
    pub relayer: Addr,
    pub patient: Addr,
    pub guardian: Addr,
    pub stranger: Addr,
}

pub fn addr(name: &str) -> Addr {
    MockApi::default().addr_make(name)
}

impl Fx {
    /// A registry whose admin admitted one manufacturer (`maker`) and one relayer.
    pub fn new() -> Self {
        let mut fx = Fx {
            deps: mock_dependencies(),
            env: mock_env(),
            admin: addr("consortium"),
            maker: addr("maker"),
            relayer: addr("relayer"),
            patient: addr("patient"),
            guardian: addr("guardian"),
            stranger: addr("stranger"),
        };
        let info = message_info(&fx.admin, &[]);
        instantiate(
            fx.deps.as_mut(),
            fx.env.clone(),
            info,
            InstantiateMsg { admin: None },
        )
        .unwrap();
        let (admin, maker, relayer) = (fx.admin.clone(), fx.maker.clone(), fx.relayer.clone());
        fx.exec(
            &admin,
            ExecuteMsg::AdmitParticipant {
                role: Role::Manufacturer,
                address: maker.to_string(),
                label: "Acme Medical".into(),
            },
        )
        .unwrap();
        fx.exec(
            &admin,
            ExecuteMsg::AdmitParticipant {
                role: Role::Relayer,
                address: relayer.to_string(),
                label: "Hub relayer".into(),
            },
        )
        .unwrap();
        fx
    }

    pub fn exec(&mut self, sender: &Addr, msg: ExecuteMsg) -> Result<Response, ContractError> {
        self.exec_funds(sender, &[], msg)
    }

    pub fn exec_funds(
        &mut self,
        sender: &Addr,
        funds: &[Coin],
        msg: ExecuteMsg,
    ) -> Result<Response, ContractError> {
        execute(
            self.deps.as_mut(),
            self.env.clone(),
            message_info(sender, funds),
            msg,
        )
    }

    pub fn try_query<T: DeserializeOwned>(&self, msg: QueryMsg) -> Result<T, ContractError> {
        query(self.deps.as_ref(), self.env.clone(), msg).map(|b| from_json(b).unwrap())
    }

    pub fn query<T: DeserializeOwned>(&self, msg: QueryMsg) -> T {
        self.try_query(msg).unwrap()
    }

    pub fn device(&self, id: &str) -> Device {
        self.query(QueryMsg::Device { id: id.to_string() })
    }

    pub fn advance(&mut self, seconds: u64) {
        self.env.block.time = self.env.block.time.plus_seconds(seconds);
        self.env.block.height += 1;
    }

    pub fn domain(&self) -> Domain<'_> {
        Domain {
            chain_id: &self.env.block.chain_id,
            contract: self.env.contract.address.as_str(),
        }
    }

    /// Registers one device of `maker` with a fresh test key.
    pub fn register(&mut self, id: &str, algorithm: KeyAlgorithm, seed: u8) -> TestKey {
        let key = TestKey::new(algorithm, seed);
        let maker = self.maker.clone();
        self.exec(
            &maker,
            ExecuteMsg::RegisterDevices {
                devices: vec![new_device(id, DeviceKind::Cgm, &key)],
            },
        )
        .unwrap();
        key
    }

    /// `relayer` registers a gateway whose key it holds (a Nightscout uploader key), with a
    /// fresh test key.
    pub fn register_relayer_gateway(
        &mut self,
        id: &str,
        algorithm: KeyAlgorithm,
        seed: u8,
    ) -> TestKey {
        let key = TestKey::new(algorithm, seed);
        let relayer = self.relayer.clone();
        self.exec(
            &relayer,
            ExecuteMsg::RegisterDevices {
                devices: vec![relayer_gateway(id, &key)],
            },
        )
        .unwrap();
        key
    }

    /// Admits `address` in `role`.
    pub fn admit(&mut self, role: Role, address: &Addr) {
        let admin = self.admin.clone();
        self.exec(
            &admin,
            ExecuteMsg::AdmitParticipant {
                role,
                address: address.to_string(),
                label: "Another".into(),
            },
        )
        .unwrap();
    }

    /// Suspends `address` in `role`.
    pub fn suspend_participant(&mut self, role: Role, address: &Addr) {
        let admin = self.admin.clone();
        self.exec(
            &admin,
            ExecuteMsg::SuspendParticipant {
                role,
                address: address.to_string(),
                reason: "audit".into(),
            },
        )
        .unwrap();
    }

    /// The device's signature over the bind message naming `patient` at the current nonce.
    pub fn bind_proof(&self, key: &TestKey, id: &str, patient: &Addr) -> Binary {
        let nonce = self.device(id).nonce;
        key.sign(&bind_sign_bytes(&self.domain(), id, patient.as_str(), nonce).unwrap())
    }

    /// Registers a device and binds it to `patient`.
    pub fn registered_and_bound(&mut self, id: &str, algorithm: KeyAlgorithm, seed: u8) -> TestKey {
        let key = self.register(id, algorithm, seed);
        let patient = self.patient.clone();
        let signature = self.bind_proof(&key, id, &patient);
        self.exec(
            &patient,
            ExecuteMsg::BindDevice {
                device_id: id.into(),
                patient: None,
                signature,
            },
        )
        .unwrap();
        key
    }
}

pub fn new_device(id: &str, kind: DeviceKind, key: &TestKey) -> NewDevice {
    NewDevice {
        id: id.to_string(),
        kind,
        model: "G7".to_string(),
        public_key: key.public_key(),
        key_custody: KeyCustody::Device,
    }
}

/// A gateway whose key the registering relayer holds.
pub fn relayer_gateway(id: &str, key: &TestKey) -> NewDevice {
    NewDevice {
        key_custody: KeyCustody::Relayer,
        model: "Nightscout uploader".to_string(),
        ..new_device(id, DeviceKind::Gateway, key)
    }
}
