//! cw-multi-test tests with the real device-registry contract and real device signatures.

mod admin;
mod coverage;
mod extremes;
mod ownership;
mod plausibility;
mod proofs;
mod property;
mod rejections;
mod scopes;
mod sequence;
mod submit;

use cosmwasm_std::{Addr, Binary, Empty, StdResult};
use cw_multi_test::{App, AppResponse, Executor};
use diachain_std::device::Role;
use diachain_std::hooks::{AnchorsHookMsg, Contribution};
use diachain_std::registry::{self, NewDevice};
use diachain_std::testing::{signed_batch, submission, SignedBatch, TestKey};
use diachain_std::{DeviceKind, Domain, KeyAlgorithm};
use diachain_testing::contracts::instantiate_registry;
use diachain_testing::{contract_wrapper, heard, hook_listener};
use serde::de::DeserializeOwned;

use crate::msg::{ExecuteMsg, InstantiateMsg, QueryMsg};

/// 2026-01-01 00:00:00 UTC: the start of day 20454.
pub const DAY0: u64 = 1_767_225_600;
pub const DAY: u64 = 86_400;

pub struct Suite {
    pub app: App,
    pub registry: Addr,
    pub anchors: Addr,
    pub admin: Addr,
    pub maker: Addr,
    pub relayer: Addr,
    pub patient: Addr,
    pub stranger: Addr,
}

pub struct Device {
    pub id: String,
    pub key: TestKey,
}

impl Suite {
    pub fn new() -> Self {
        let api = cosmwasm_std::testing::MockApi::default();
        let relayer_addr = api.addr_make("relayer");
        let mut app = App::new(|router, _, storage| {
            router
                .bank
                .init_balance(storage, &relayer_addr, cosmwasm_std::coins(1_000, "udia"))
                .unwrap();
        });
        let (admin, maker, relayer, patient, stranger) = (
            api.addr_make("consortium"),
            api.addr_make("maker"),
            api.addr_make("relayer"),
            api.addr_make("patient"),
            api.addr_make("stranger"),
        );
        app.update_block(|b| {
            b.time = cosmwasm_std::Timestamp::from_seconds(DAY0 + 3 * DAY);
        });
        let registry = instantiate_registry(&mut app, &admin);
        let anchors_code = app.store_code(contract_wrapper!(crate::contract));
        let anchors = app
            .instantiate_contract(
                anchors_code,
                admin.clone(),
                &InstantiateMsg {
                    admin: None,
                    registry: registry.to_string(),
                },
                &[],
                "anchors",
                Some(admin.to_string()),
            )
            .unwrap();
        for (role, who) in [(Role::Manufacturer, &maker), (Role::Relayer, &relayer)] {
            app.execute_contract(
                admin.clone(),
                registry.clone(),
                &registry::ExecuteMsg::AdmitParticipant {
                    role,
                    address: who.to_string(),
                    label: "x".into(),
                },
                &[],
            )
            .unwrap();
        }
        Suite {
            app,
            registry,
            anchors,
            admin,
            maker,
            relayer,
            patient,
            stranger,
        }
    }

    pub fn set_time(&mut self, unix_seconds: u64) {
        self.app.update_block(|b| {
            b.time = cosmwasm_std::Timestamp::from_seconds(unix_seconds);
            b.height += 1;
        });
    }

    pub fn registry_domain(&self) -> (String, String) {
        (self.app.block_info().chain_id, self.registry.to_string())
    }

    pub fn anchors_domain(&self) -> (String, String) {
        (self.app.block_info().chain_id, self.anchors.to_string())
    }

    /// Registers a device and, unless `owner` is `None`, binds it to that patient — an hour
    /// before the first data day `DAY0`, so that the tests' readings (from `DAY0` on) are all
    /// measured while the patient owns it. The block time is put back afterwards.
    pub fn device(
        &mut self,
        id: &str,
        algorithm: KeyAlgorithm,
        kind: DeviceKind,
        owner: Option<&Addr>,
    ) -> Device {
        let now = self.app.block_info().time.seconds();
        self.set_time(DAY0 - 3_600);
        let device = self.register_and_bind(id, algorithm, kind, owner);
        self.set_time(now);
        device
    }

    /// Registers a device and, unless `owner` is `None`, binds it to that patient, now.
    pub fn register_and_bind(
        &mut self,
        id: &str,
        algorithm: KeyAlgorithm,
        kind: DeviceKind,
        owner: Option<&Addr>,
    ) -> Device {
        let key = TestKey::new(
            algorithm,
            (id.bytes().map(u32::from).sum::<u32>() % 250 + 1) as u8,
        );
        self.app
            .execute_contract(
                self.maker.clone(),
                self.registry.clone(),
                &registry::ExecuteMsg::RegisterDevices {
                    devices: vec![NewDevice {
                        id: id.into(),
                        kind,
                        model: "m".into(),
                        public_key: key.public_key(),
                        key_custody: diachain_std::KeyCustody::Device,
                    }],
                },
                &[],
            )
            .unwrap();
        if let Some(owner) = owner {
            let (chain_id, contract) = self.registry_domain();
            let bytes = diachain_std::encoding::bind_sign_bytes(
                &Domain {
                    chain_id: &chain_id,
                    contract: &contract,
                },
                id,
                owner.as_str(),
                0,
            )
            .unwrap();
            self.app
                .execute_contract(
                    owner.clone(),
                    self.registry.clone(),
                    &registry::ExecuteMsg::BindDevice {
                        device_id: id.into(),
                        patient: None,
                        signature: key.sign(&bytes),
                    },
                    &[],
                )
                .unwrap();
        }
        Device {
            id: id.to_string(),
            key,
        }
    }

    /// A bound ed25519 CGM of the suite's patient.
    pub fn cgm(&mut self, id: &str) -> Device {
        let patient = self.patient.clone();
        self.device(id, KeyAlgorithm::Ed25519, DeviceKind::Cgm, Some(&patient))
    }

    /// A batch signed for this suite's anchors contract, readings every 5 minutes.
    pub fn batch(
        &self,
        device: &Device,
        first_seq: u64,
        count: u32,
        first_time: u64,
    ) -> SignedBatch {
        let (chain_id, contract) = self.anchors_domain();
        signed_batch(
            &device.key,
            &device.id,
            first_seq,
            count,
            first_time,
            300,
            &Domain {
                chain_id: &chain_id,
                contract: &contract,
            },
        )
    }

    /// A version 2 batch: readings of `kinds` in turn, every 5 minutes, the header listing
    /// their scopes.
    pub fn batch_v2(
        &self,
        device: &Device,
        first_seq: u64,
        count: u32,
        first_time: u64,
        kinds: &[diachain_std::encoding::ReadingKind],
    ) -> SignedBatch {
        let (chain_id, contract) = self.anchors_domain();
        diachain_std::testing::signed_batch_v2(
            &device.key,
            &device.id,
            first_seq,
            count,
            first_time,
            300,
            &Domain {
                chain_id: &chain_id,
                contract: &contract,
            },
            kinds,
        )
    }

    pub fn submit_as(&mut self, sender: &Addr, batches: &[SignedBatch]) -> StdResult<AppResponse> {
        self.submit_raw(sender, submission(batches))
    }

    pub fn submit(&mut self, batches: &[SignedBatch]) -> StdResult<AppResponse> {
        let relayer = self.relayer.clone();
        self.submit_as(&relayer, batches)
    }

    pub fn submit_raw(&mut self, sender: &Addr, batches: Binary) -> StdResult<AppResponse> {
        self.exec(sender, ExecuteMsg::SubmitBatches { batches })
    }

    pub fn exec(&mut self, sender: &Addr, msg: ExecuteMsg) -> StdResult<AppResponse> {
        self.exec_funds(sender, msg, &[])
    }

    pub fn exec_funds(
        &mut self,
        sender: &Addr,
        msg: ExecuteMsg,
        funds: &[cosmwasm_std::Coin],
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.anchors.clone(), &msg, funds)
    }

    pub fn query<T: DeserializeOwned>(&self, msg: QueryMsg) -> T {
        self.app
            .wrap()
            .query_wasm_smart(self.anchors.clone(), &msg)
            .unwrap()
    }

    pub fn try_query<T: DeserializeOwned>(&self, msg: QueryMsg) -> Result<T, String> {
        self.app
            .wrap()
            .query_wasm_smart(self.anchors.clone(), &msg)
            .map_err(|e| e.to_string())
    }

    pub fn registry_exec(&mut self, sender: &Addr, msg: registry::ExecuteMsg) {
        self.app
            .execute_contract(sender.clone(), self.registry.clone(), &msg, &[])
            .unwrap();
    }

    /// Instantiates a listener stand-in and adds it to the anchors contract.
    pub fn listener(&mut self) -> Addr {
        let code = self.app.store_code(hook_listener::<AnchorsHookMsg>());
        let addr = self
            .app
            .instantiate_contract(code, self.admin.clone(), &Empty {}, &[], "listener", None)
            .unwrap();
        let admin = self.admin.clone();
        self.exec(
            &admin,
            ExecuteMsg::AddListener {
                address: addr.to_string(),
            },
        )
        .unwrap();
        addr
    }

    pub fn received(&self, listener: &Addr) -> Vec<Vec<Contribution>> {
        heard::<AnchorsHookMsg>(&self.app.wrap(), listener)
            .into_iter()
            .map(|AnchorsHookMsg::ReadingsAnchored { contributions }| contributions)
            .collect()
    }
}

pub fn submission_bytes(batches: &[SignedBatch]) -> Vec<u8> {
    submission(batches).to_vec()
}
