//! The suite builder: the four contracts, wired, with named actors and simulated devices.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::ops::Range;

use cosmwasm_std::testing::MockApi;
use cosmwasm_std::{coins, Addr, Binary, BlockInfo, Coin, StdResult, Timestamp, Uint128};
use cw_multi_test::{App, AppBuilder, AppResponse, Executor};
use diachain_std::anchors::{self, BatchInfo, CoverageResponse, Gap, ProofResponse};
use diachain_std::consent::{self, CheckAccessResponse, ConsentRole, Expiry, GrantInfo};
use diachain_std::device::RevocationReason;
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::{self, NewDevice, MAX_DEVICES_PER_REGISTRATION};
use diachain_std::testing::{signed_batch, submission, SignedBatch, TestKey};
use diachain_std::union::{
    self, ContributionResponse, Eligibility, NewStudy, PoolResponse, StudyResponse,
};
use diachain_std::{DataScope, Device, DeviceKind, Domain, KeyAlgorithm, Page, Purpose, Role};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::contracts::instantiate;
pub use crate::contracts::{anchors_contract, consent_contract, registry_contract, union_contract};
use crate::events::attribute;
use crate::refusal::Accepted;

// ------------------------------------------------------------------------------ constants

/// The chain id of the simulated chain; every batch and proof of possession is signed for it.
pub const CHAIN_ID: &str = "diachain-local-1";
/// The native coin research pools are funded with.
pub const DENOM: &str = "udia";
/// What the sponsor holds at genesis.
pub const SPONSOR_FUNDS: u128 = 10_000_000;
/// The union's fee on every deposit (2.5 %), paid to the treasury.
pub const FEE_BPS: u16 = 250;
/// The claim window after a study closes, before the sponsor may take back the rest.
pub const GRACE_PERIOD: u64 = 7 * DAY;
/// The longest break-glass session the consent contract allows.
pub const MAX_BREAK_GLASS_HOURS: u32 = 24;

pub const MINUTE: u64 = 60;
pub const HOUR: u64 = 3_600;
pub const DAY: u64 = 86_400;
/// The UTC day the chain starts on (2026-02-16); the story's days are counted from it.
pub const GENESIS_DAY: u64 = 20_500;
/// The chain starts at 08:00 UTC on `GENESIS_DAY`.
pub const GENESIS_TIME: u64 = GENESIS_DAY * DAY + 8 * HOUR;

/// Unix seconds of `hour:minute` UTC on UTC day `day`.
pub const fn at(day: u64, hour: u64, minute: u64) -> u64 {
    day * DAY + hour * HOUR + minute * MINUTE
}

/// A CGM measures every five minutes: twelve readings an hour, 288 a day.
pub const CGM_INTERVAL: u64 = 5 * MINUTE;
pub const CGM_READINGS_PER_HOUR: u64 = 12;
/// The smart pen records a dose at breakfast, lunch and dinner: (hour, minute).
pub const PEN_DOSES: [(u64, u64); 3] = [(7, 30), (12, 15), (19, 0)];

/// The patient's CGM: a P-256 key, as its secure element holds it.
pub const CGM: &str = "cgm-7f3a9c2e51d04b88";
/// The patient's smart pen: an Ed25519 key.
pub const PEN: &str = "pen-0c4e1b9a77d2f310";
/// The CGM the manufacturer ships when the first one is reported compromised.
pub const CGM_REPLACEMENT: &str = "cgm-b52e08d1c9a4f6e7";
/// Another patient's CGM: a secp256k1 key.
pub const OTHER_CGM: &str = "cgm-3d9a61f0e2b8c745";

/// Every device the manufacturer makes in the story: id, kind, model, key algorithm, key seed.
const DEVICE_SPECS: [(&str, DeviceKind, &str, KeyAlgorithm, u8); 4] = [
    (
        CGM,
        DeviceKind::Cgm,
        "GlucoSense G7",
        KeyAlgorithm::Secp256r1,
        0x31,
    ),
    (
        PEN,
        DeviceKind::Pen,
        "DoseTrack Pen",
        KeyAlgorithm::Ed25519,
        0x32,
    ),
    (
        CGM_REPLACEMENT,
        DeviceKind::Cgm,
        "GlucoSense G7",
        KeyAlgorithm::Secp256r1,
        0x33,
    ),
    (
        OTHER_CGM,
        DeviceKind::Cgm,
        "GlucoSense G6",
        KeyAlgorithm::Secp256k1,
        0x34,
    ),
];

// ------------------------------------------------------------------------------ actors

/// Everyone in the story, as cw-multi-test addresses (`MockApi::addr_make`).
#[derive(Clone, Debug)]
pub struct Actors {
    /// Runs the chain: admin of every contract; admits manufacturers, relayers, custodians and
    /// emergency providers.
    pub consortium: Addr,
    /// Registers device keys at manufacturing time.
    pub manufacturer: Addr,
    /// Anchors batches (an admitted relayer in the registry) and serves data, logging every
    /// access (an admitted custodian in consent).
    pub relayer: Addr,
    /// Owns the devices and the data.
    pub patient: Addr,
    /// A parent acting for the patient (named in the registry).
    pub guardian: Addr,
    /// The patient's diabetologist.
    pub clinician: Addr,
    /// The urgent-care service (an admitted emergency provider).
    pub emergency: Addr,
    /// Funds a research study.
    pub sponsor: Addr,
    /// Receives the union's fee.
    pub treasury: Addr,
    /// A second patient of the same clinic and study.
    pub other_patient: Addr,
    /// An address with no role at all.
    pub stranger: Addr,
}

impl Actors {
    fn new(api: &MockApi) -> Self {
        Actors {
            consortium: api.addr_make("consortium"),
            manufacturer: api.addr_make("manufacturer"),
            relayer: api.addr_make("relayer"),
            patient: api.addr_make("patient"),
            guardian: api.addr_make("guardian"),
            clinician: api.addr_make("clinician"),
            emergency: api.addr_make("emergency"),
            sponsor: api.addr_make("sponsor"),
            treasury: api.addr_make("treasury"),
            other_patient: api.addr_make("other-patient"),
            stranger: api.addr_make("stranger"),
        }
    }

    /// The relayer is also the data custodian that serves the data and logs each access.
    pub fn custodian(&self) -> &Addr {
        &self.relayer
    }

    /// Every actor who can send a message, by name (the authorization matrix tries each).
    pub fn all(&self) -> Vec<(&'static str, Addr)> {
        vec![
            ("consortium", self.consortium.clone()),
            ("manufacturer", self.manufacturer.clone()),
            ("relayer/custodian", self.relayer.clone()),
            ("patient", self.patient.clone()),
            ("guardian", self.guardian.clone()),
            ("clinician", self.clinician.clone()),
            ("emergency provider", self.emergency.clone()),
            ("sponsor", self.sponsor.clone()),
            ("treasury", self.treasury.clone()),
            ("other patient", self.other_patient.clone()),
            ("stranger", self.stranger.clone()),
        ]
    }
}

// ------------------------------------------------------------------------------ devices

/// A simulated device: its registered identity, its signing key and its reading counter.
pub struct SimDevice {
    pub id: String,
    pub kind: DeviceKind,
    pub model: String,
    pub key: TestKey,
    /// The sequence number of the device's next reading.
    pub next_seq: u64,
}

impl SimDevice {
    /// What the manufacturer sends to register it.
    pub fn registration(&self) -> NewDevice {
        NewDevice {
            id: self.id.clone(),
            kind: self.kind,
            model: self.model.clone(),
            public_key: self.key.public_key(),
            key_custody: diachain_std::KeyCustody::Device,
        }
    }
}

// ------------------------------------------------------------------------------ the suite

/// The code ids of the four contracts (to instantiate more copies, e.g. an impostor).
#[derive(Clone, Copy, Debug)]
pub struct CodeIds {
    pub registry: u64,
    pub anchors: u64,
    pub consent: u64,
    pub union: u64,
}

/// What the journey remembers between chapters (ids handed out by the contracts).
#[derive(Clone, Debug, Default)]
pub struct Story {
    pub clinician_grant: Option<u64>,
    pub break_glass: Option<u64>,
    pub study: Option<u64>,
    pub research_grant: Option<u64>,
    pub other_research_grant: Option<u64>,
}

/// The four contracts wired together in one simulated chain.
pub struct Suite {
    pub app: App,
    pub chain_id: String,
    pub code_ids: CodeIds,
    pub registry: Addr,
    pub anchors: Addr,
    pub consent: Addr,
    pub union: Addr,
    pub actors: Actors,
    /// The simulated devices, by id.
    pub devices: BTreeMap<String, SimDevice>,
    /// Every batch anchored so far, with its readings and leaves (the relayer's store).
    pub anchored: Vec<SignedBatch>,
    pub story: Story,
}

/// Builds a [`Suite`]: `SuiteBuilder::default().build()` is the system as deployed in the
/// story; each `with_*` changes one setting of it, e.g.
/// `SuiteBuilder::default().with_fee(0).build()`.
#[derive(Clone, Debug)]
pub struct SuiteBuilder {
    fee_bps: u16,
    grace_period: u64,
    max_break_glass_hours: u32,
    sponsor_funds: u128,
    genesis_time: u64,
}

impl Default for SuiteBuilder {
    fn default() -> Self {
        SuiteBuilder {
            fee_bps: FEE_BPS,
            grace_period: GRACE_PERIOD,
            max_break_glass_hours: MAX_BREAK_GLASS_HOURS,
            sponsor_funds: SPONSOR_FUNDS,
            genesis_time: GENESIS_TIME,
        }
    }
}

impl SuiteBuilder {
    /// The union's fee on every deposit, in basis points (default `FEE_BPS`).
    pub fn with_fee(mut self, fee_bps: u16) -> Self {
        self.fee_bps = fee_bps;
        self
    }

    /// The union's claim window after a study closes (default `GRACE_PERIOD`).
    pub fn with_grace_period(mut self, seconds: u64) -> Self {
        self.grace_period = seconds;
        self
    }

    /// The longest break-glass session consent allows (default `MAX_BREAK_GLASS_HOURS`).
    pub fn with_max_break_glass_hours(mut self, hours: u32) -> Self {
        self.max_break_glass_hours = hours;
        self
    }

    /// What the sponsor holds at genesis, in `DENOM` (default `SPONSOR_FUNDS`).
    pub fn with_sponsor_funds(mut self, amount: u128) -> Self {
        self.sponsor_funds = amount;
        self
    }

    /// The block time the chain starts at (default `GENESIS_TIME`).
    pub fn with_genesis_time(mut self, unix: u64) -> Self {
        self.genesis_time = unix;
        self
    }

    /// Instantiates the registry, the anchors contract, consent and the data union, all
    /// administered by the consortium, and wires them:
    ///
    /// - anchors → registry (devices, keys, owners, relayer admission in one query);
    /// - consent → registry (guardians);
    /// - union → anchors (coverage) and consent (research consent), and listens to both:
    ///   anchors tells it of contributions, consent of ended research consents;
    /// - the manufacturer and the relayer are admitted in the registry, the relayer as custodian
    ///   and the urgent-care service as emergency provider in consent;
    /// - the sponsor holds the sponsor funds of `DENOM`.
    pub fn build(self) -> Suite {
        let mut suite = self.deploy();
        suite.wire();
        suite
    }

    fn deploy(self) -> Suite {
        let api = MockApi::default();
        let actors = Actors::new(&api);
        let sponsor = actors.sponsor.clone();
        let block = BlockInfo {
            height: 1,
            time: Timestamp::from_seconds(self.genesis_time),
            chain_id: CHAIN_ID.to_string(),
        };
        let mut app = AppBuilder::new()
            .with_block(block)
            .build(|router, _api, storage| {
                router
                    .bank
                    .init_balance(storage, &sponsor, coins(self.sponsor_funds, DENOM))
                    .expect("genesis balance");
            });
        let code_ids = CodeIds {
            registry: app.store_code(registry_contract()),
            anchors: app.store_code(anchors_contract()),
            consent: app.store_code(consent_contract()),
            union: app.store_code(union_contract()),
        };
        let admin = actors.consortium.clone();
        let registry = instantiate(
            &mut app,
            &admin,
            code_ids.registry,
            &registry::InstantiateMsg { admin: None },
            "device-registry",
        );
        let anchors = instantiate(
            &mut app,
            &admin,
            code_ids.anchors,
            &anchors::InstantiateMsg {
                admin: None,
                registry: registry.to_string(),
            },
            "reading-anchors",
        );
        let consent = instantiate(
            &mut app,
            &admin,
            code_ids.consent,
            &consent::InstantiateMsg {
                admin: None,
                registry: registry.to_string(),
                max_break_glass_hours: self.max_break_glass_hours,
                listeners: vec![],
            },
            "consent",
        );
        let union = instantiate(
            &mut app,
            &admin,
            code_ids.union,
            &union::InstantiateMsg {
                admin: None,
                anchors: anchors.to_string(),
                consent: consent.to_string(),
                treasury: actors.treasury.to_string(),
                fee_bps: self.fee_bps,
                grace_period: self.grace_period,
            },
            "data-union",
        );

        let devices = DEVICE_SPECS
            .iter()
            .map(|(id, kind, model, algorithm, seed)| {
                let device = SimDevice {
                    id: id.to_string(),
                    kind: *kind,
                    model: model.to_string(),
                    key: TestKey::new(*algorithm, *seed),
                    next_seq: 1,
                };
                (id.to_string(), device)
            })
            .collect();
        Suite {
            app,
            chain_id: CHAIN_ID.to_string(),
            code_ids,
            registry,
            anchors,
            consent,
            union,
            actors,
            devices,
            anchored: vec![],
            story: Story::default(),
        }
    }
}

impl Suite {
    /// The wiring: the union listens to both contracts that have news for it; the consortium
    /// admits the manufacturer, the relayer, the custodian and the emergency provider.
    fn wire(&mut self) {
        let suite = self;
        let a = suite.actors.clone();
        suite
            .exec(
                &a.consortium,
                &suite.anchors.clone(),
                &anchors::ExecuteMsg::AddListener {
                    address: suite.union.to_string(),
                },
            )
            .accepted("anchors listener");
        suite
            .exec(
                &a.consortium,
                &suite.consent.clone(),
                &consent::ExecuteMsg::SetListeners {
                    listeners: vec![suite.union.to_string()],
                },
            )
            .accepted("consent listener");
        // Admissions.
        for (role, address, label) in [
            (Role::Manufacturer, &a.manufacturer, "GlucoSense Devices"),
            (Role::Relayer, &a.relayer, "Clinic data relay"),
        ] {
            suite
                .exec(
                    &a.consortium,
                    &suite.registry.clone(),
                    &registry::ExecuteMsg::AdmitParticipant {
                        role,
                        address: address.to_string(),
                        label: label.to_string(),
                    },
                )
                .accepted("admit participant");
        }
        for (role, address) in [
            (ConsentRole::Custodian, &a.relayer),
            (ConsentRole::EmergencyProvider, &a.emergency),
        ] {
            suite
                .exec(
                    &a.consortium,
                    &suite.consent.clone(),
                    &consent::ExecuteMsg::AdmitMember {
                        role,
                        address: address.to_string(),
                    },
                )
                .accepted("admit member");
        }
    }

    // -------------------------------------------------------------------------- chain

    /// The block time, in unix seconds.
    pub fn now(&self) -> u64 {
        self.app.block_info().time.seconds()
    }

    /// Moves to a later block at unix time `unix` (never back in time).
    pub fn set_time(&mut self, unix: u64) {
        let now = self.now();
        assert!(unix >= now, "time runs forward: {unix} < {now}");
        self.app.update_block(|b| {
            b.height += 1;
            b.time = Timestamp::from_seconds(unix);
        });
    }

    /// Moves to `unix` if the chain is earlier; otherwise stays.
    pub fn at_least(&mut self, unix: u64) {
        if self.now() < unix {
            self.set_time(unix);
        }
    }

    /// Sends `msg` to `contract` from `sender`, without funds.
    pub fn exec<T: Serialize + Debug>(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &T,
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), contract.clone(), msg, &[])
    }

    /// Sends `msg` to `contract` from `sender` with `funds`.
    pub fn exec_with_funds<T: Serialize + Debug>(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &T,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), contract.clone(), msg, funds)
    }

    pub fn try_query<T: DeserializeOwned, Q: Serialize>(
        &self,
        contract: &Addr,
        msg: &Q,
    ) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(contract, msg)
    }

    /// A query that must succeed.
    pub fn query<T: DeserializeOwned, Q: Serialize + Debug>(&self, contract: &Addr, msg: &Q) -> T {
        self.try_query(contract, msg)
            .unwrap_or_else(|e| panic!("query {msg:?} failed: {e}"))
    }

    /// `addr`'s balance of `DENOM`.
    pub fn balance(&self, addr: &Addr) -> u128 {
        let coin = self
            .app
            .wrap()
            .query_balance(addr, DENOM)
            .expect("balance query");
        Uint128::try_from(coin.amount)
            .expect("balance fits in 128 bits")
            .u128()
    }

    pub fn device_sim(&self, id: &str) -> &SimDevice {
        self.devices
            .get(id)
            .unwrap_or_else(|| panic!("no simulated device {id}"))
    }

    // -------------------------------------------------------------------------- registry

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

    // -------------------------------------------------------------------------- anchors

    /// The anchors contract's signing domain: this chain id and the anchors address.
    pub fn anchors_domain(&self) -> Domain<'_> {
        Domain {
            chain_id: &self.chain_id,
            contract: self.anchors.as_str(),
        }
    }

    /// `count` readings of `device_id` from `first_seq`, measured every five minutes from
    /// `first_time`, signed by the device for this chain and anchors contract.
    pub fn batch(
        &self,
        device_id: &str,
        first_seq: u64,
        count: u32,
        first_time: u64,
    ) -> SignedBatch {
        self.batch_for(
            &self.anchors_domain(),
            device_id,
            first_seq,
            count,
            first_time,
        )
    }

    /// The same, signed for another domain (another chain or contract).
    pub fn batch_for(
        &self,
        domain: &Domain,
        device_id: &str,
        first_seq: u64,
        count: u32,
        first_time: u64,
    ) -> SignedBatch {
        let key = &self.device_sim(device_id).key;
        signed_batch(
            key,
            device_id,
            first_seq,
            count,
            first_time,
            CGM_INTERVAL,
            domain,
        )
    }

    /// What `device_id` measures in `hour` of `day`, as signed batches, continuing its sequence;
    /// readings at the positions in `lost` (0..12, CGMs only) never reach the relayer, so the
    /// hour splits into several batches around them. Returns the batches and how many readings
    /// the device numbered (lost ones included).
    pub fn hour_batches(
        &self,
        device_id: &str,
        day: u64,
        hour: u64,
        lost: &[u64],
    ) -> (Vec<SignedBatch>, u64) {
        let device = self.device_sim(device_id);
        let start = at(day, hour, 0);
        let mut batches = vec![];
        match device.kind {
            DeviceKind::Pen | DeviceKind::Pump => {
                let doses: Vec<_> = PEN_DOSES.iter().filter(|(h, _)| *h == hour).collect();
                for (i, (_, minute)) in doses.iter().enumerate() {
                    let seq = device.next_seq + i as u64;
                    batches.push(self.batch(device_id, seq, 1, start + minute * MINUTE));
                }
                (batches, doses.len() as u64)
            }
            _ => {
                // Runs of consecutive readings that did arrive.
                let mut run: Option<(u64, u32, u64)> = None;
                for i in 0..CGM_READINGS_PER_HOUR {
                    let seq = device.next_seq + i;
                    if lost.contains(&i) {
                        if let Some((first, count, time)) = run.take() {
                            batches.push(self.batch(device_id, first, count, time));
                        }
                        continue;
                    }
                    run = match run {
                        Some((first, count, time)) => Some((first, count + 1, time)),
                        None => Some((seq, 1, start + i * CGM_INTERVAL)),
                    };
                }
                if let Some((first, count, time)) = run {
                    batches.push(self.batch(device_id, first, count, time));
                }
                (batches, CGM_READINGS_PER_HOUR)
            }
        }
    }

    /// `sender` submits these batches in one `SubmitBatches`; on success they join the
    /// relayer's store and each device's counter moves past them.
    pub fn submit_as(&mut self, sender: &Addr, batches: &[SignedBatch]) -> StdResult<AppResponse> {
        let anchors = self.anchors.clone();
        let res = self.exec(
            sender,
            &anchors,
            &anchors::ExecuteMsg::SubmitBatches {
                batches: submission(batches),
            },
        )?;
        for b in batches {
            if let Some(device) = self.devices.get_mut(&b.header.device_id) {
                device.next_seq = device.next_seq.max(b.header.last_seq + 1);
            }
            self.anchored.push(b.clone());
        }
        Ok(res)
    }

    /// The relayer submits these batches.
    pub fn submit(&mut self, batches: &[SignedBatch]) -> StdResult<AppResponse> {
        let relayer = self.actors.relayer.clone();
        self.submit_as(&relayer, batches)
    }

    /// Just after `hour` of `day` ends, the relayer anchors what each device measured in that
    /// hour, all devices in one message. `lost` lists (device, position) of readings lost on
    /// the way.
    pub fn anchor_hour(
        &mut self,
        day: u64,
        hour: u64,
        devices: &[&str],
        lost: &[(&str, u64)],
    ) -> StdResult<AppResponse> {
        self.at_least(at(day, hour + 1, 0) + 30);
        let mut batches = vec![];
        let mut numbered = vec![];
        for id in devices {
            let lost_here: Vec<u64> = lost
                .iter()
                .filter(|(d, _)| d == id)
                .map(|(_, i)| *i)
                .collect();
            let (b, n) = self.hour_batches(id, day, hour, &lost_here);
            numbered.push((id.to_string(), self.device_sim(id).next_seq + n));
            batches.extend(b);
        }
        if batches.is_empty() {
            return Ok(AppResponse::default());
        }
        let res = self.submit(&batches)?;
        for (id, next) in numbered {
            if let Some(device) = self.devices.get_mut(&id) {
                device.next_seq = device.next_seq.max(next);
            }
        }
        Ok(res)
    }

    /// The relayer anchors `hours` of `day` for these devices, hour by hour; panics if any hour
    /// is refused.
    pub fn anchor_hours(
        &mut self,
        day: u64,
        hours: Range<u64>,
        devices: &[&str],
        lost: &[(&str, u64, u64)],
    ) {
        for hour in hours {
            let lost_now: Vec<(&str, u64)> = lost
                .iter()
                .filter(|(_, h, _)| *h == hour)
                .map(|(d, _, i)| (*d, *i))
                .collect();
            self.anchor_hour(day, hour, devices, &lost_now)
                .unwrap_or_else(|e| panic!("anchoring hour {hour} of day {day}: {e}"));
        }
    }

    /// The relayer anchors a whole UTC day of these devices in 24 hourly submissions.
    pub fn anchor_day(&mut self, day: u64, devices: &[&str]) {
        self.anchor_hours(day, 0..24, devices, &[]);
    }

    /// The anchored batch holding reading `seq` of `device_id`, from the relayer's store.
    pub fn stored_batch(&self, device_id: &str, seq: u64) -> &SignedBatch {
        self.anchored
            .iter()
            .find(|b| {
                b.header.device_id == device_id
                    && b.header.first_seq <= seq
                    && seq <= b.header.last_seq
            })
            .unwrap_or_else(|| panic!("no stored batch of {device_id} holds seq {seq}"))
    }

    /// The stored reading of `device_id` measured at `measured_at`.
    pub fn stored_reading(&self, device_id: &str, measured_at: u64) -> &diachain_std::Reading {
        self.anchored
            .iter()
            .filter(|b| b.header.device_id == device_id)
            .flat_map(|b| b.readings.iter())
            .find(|r| r.measured_at == measured_at)
            .unwrap_or_else(|| panic!("no stored reading of {device_id} at {measured_at}"))
    }

    /// Asks the anchors contract to check the inclusion proof of reading `seq` (leaf hash and
    /// audit path from the relayer's store) against the root it anchored.
    pub fn verify_reading(&self, device_id: &str, seq: u64) -> ProofResponse {
        let batch = self.stored_batch(device_id, seq);
        let index = (seq - batch.header.first_seq) as usize;
        self.query(
            &self.anchors,
            &anchors::QueryMsg::VerifyProof {
                device_id: device_id.to_string(),
                seq,
                leaf_hash: Binary::new(batch.leaves[index].to_vec()),
                path: batch
                    .proof(seq)
                    .iter()
                    .map(|h| Binary::new(h.to_vec()))
                    .collect(),
            },
        )
    }

    pub fn cursor(&self, device_id: &str) -> Option<u64> {
        let res: anchors::CursorResponse = self.query(
            &self.anchors,
            &anchors::QueryMsg::Cursor {
                device_id: device_id.to_string(),
            },
        );
        res.last_seq
    }

    pub fn gaps(&self, device_id: &str) -> Vec<Gap> {
        let page: Page<Gap> = self.query(
            &self.anchors,
            &anchors::QueryMsg::Gaps {
                device_id: device_id.to_string(),
                start_after: None,
                limit: Some(100),
            },
        );
        page.items
    }

    /// Every anchored batch of a device, in order (following pages).
    pub fn batches(&self, device_id: &str) -> Vec<BatchInfo> {
        let mut out: Vec<BatchInfo> = vec![];
        loop {
            let page: Page<BatchInfo> = self.query(
                &self.anchors,
                &anchors::QueryMsg::Batches {
                    device_id: device_id.to_string(),
                    start_after: out.last().map(|b| b.last_seq),
                    limit: Some(100),
                },
            );
            out.extend(page.items);
            if !page.has_more {
                return out;
            }
        }
    }

    /// Readings anchored for `patient` on `day` under `scope` (the anchors contract's coverage).
    pub fn coverage(&self, patient: &Addr, day: u64, scope: DataScope) -> u64 {
        let res: CoverageResponse = self.query(
            &self.anchors,
            &anchors::QueryMsg::Coverage {
                patient: patient.to_string(),
                from_day: day,
                to_day: day,
            },
        );
        res.days
            .iter()
            .filter(|d| d.scope == scope)
            .map(|d| d.readings)
            .sum()
    }

    // -------------------------------------------------------------------------- consent

    /// `sender` grants `grantee` access to the patient's `scopes` data measured in
    /// `data_from..=data_to` until `expires`; returns the grant id.
    #[allow(clippy::too_many_arguments)]
    pub fn grant(
        &mut self,
        sender: &Addr,
        patient: &Addr,
        grantee: &Addr,
        scopes: &[DataScope],
        purpose: Purpose,
        study_id: Option<u64>,
        data: (u64, u64),
        expires: u64,
    ) -> StdResult<u64> {
        let consent = self.consent.clone();
        let res = self.exec(
            sender,
            &consent,
            &consent::ExecuteMsg::Grant {
                patient: (sender != patient).then(|| patient.to_string()),
                grantee: grantee.to_string(),
                scopes: scopes.to_vec(),
                purpose,
                study_id,
                data_from: Timestamp::from_seconds(data.0),
                data_to: Timestamp::from_seconds(data.1),
                expires: Expiry::AtTime(Timestamp::from_seconds(expires)),
            },
        )?;
        Ok(attribute(&res, "grant_id")
            .and_then(|id| id.parse().ok())
            .expect("grant_id attribute"))
    }

    pub fn revoke_grant(&mut self, sender: &Addr, grant_id: u64) -> StdResult<AppResponse> {
        let consent = self.consent.clone();
        self.exec(
            sender,
            &consent,
            &consent::ExecuteMsg::RevokeGrant { grant_id },
        )
    }

    /// `CheckAccess` at the current block.
    pub fn check_access(
        &self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        data: (u64, u64),
    ) -> CheckAccessResponse {
        self.query(
            &self.consent,
            &consent::QueryMsg::CheckAccess {
                patient: patient.to_string(),
                grantee: grantee.to_string(),
                scope,
                data_from: Timestamp::from_seconds(data.0),
                data_to: Timestamp::from_seconds(data.1),
                at: None,
            },
        )
    }

    /// The custodian records that it served `grantee` the patient's `scope` data of `data`
    /// under `grant_id`, now.
    pub fn record_access(
        &mut self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        data: (u64, u64),
        grant_id: u64,
    ) -> StdResult<AppResponse> {
        self.record_access_served_at(patient, grantee, scope, data, grant_id, None)
    }

    /// The custodian records that it served `grantee` the patient's `scope` data of `data`
    /// under `grant_id` at unix time `served_at` (default: now), queued until this block.
    pub fn record_access_served_at(
        &mut self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        data: (u64, u64),
        grant_id: u64,
        served_at: Option<u64>,
    ) -> StdResult<AppResponse> {
        let (custodian, consent) = (self.actors.custodian().clone(), self.consent.clone());
        self.exec(
            &custodian,
            &consent,
            &consent::ExecuteMsg::RecordAccesses {
                accesses: vec![consent::NewAccess {
                    patient: patient.to_string(),
                    grantee: grantee.to_string(),
                    scope,
                    data_from: Timestamp::from_seconds(data.0),
                    data_to: Timestamp::from_seconds(data.1),
                    grant_id,
                    served_at: served_at.map(Timestamp::from_seconds),
                }],
            },
        )
    }

    pub fn grant_info(&self, grant_id: u64) -> GrantInfo {
        self.query(&self.consent, &consent::QueryMsg::Grant { grant_id })
    }

    /// The patient's access log, oldest first (first page of 100).
    pub fn access_log(&self, patient: &Addr) -> Vec<consent::AccessRecord> {
        let page: Page<consent::AccessRecord> = self.query(
            &self.consent,
            &consent::QueryMsg::AccessLogByPatient {
                patient: patient.to_string(),
                start_after: None,
                limit: Some(100),
            },
        );
        page.items
    }

    // -------------------------------------------------------------------------- data union

    /// The sponsor creates a study funded with `funds` of `DENOM`; returns its id.
    pub fn create_study(&mut self, study: NewStudy, funds: u128) -> StdResult<u64> {
        let (sponsor, union) = (self.actors.sponsor.clone(), self.union.clone());
        let res = self.exec_with_funds(
            &sponsor,
            &union,
            &union::ExecuteMsg::CreateStudy {
                study,
                denom: DENOM.to_string(),
            },
            &coins(funds, DENOM),
        )?;
        Ok(attribute(&res, "study_id")
            .and_then(|id| id.parse().ok())
            .expect("study_id attribute"))
    }

    /// A union message without funds.
    pub fn union_exec(&mut self, sender: &Addr, msg: union::ExecuteMsg) -> StdResult<AppResponse> {
        let union = self.union.clone();
        self.exec(sender, &union, &msg)
    }

    pub fn study(&self, study_id: u64) -> StudyResponse {
        self.query(&self.union, &union::QueryMsg::Study { study_id })
    }

    pub fn contribution(&self, study_id: u64, patient: &Addr) -> ContributionResponse {
        self.query(
            &self.union,
            &union::QueryMsg::Contribution {
                study_id,
                patient: patient.to_string(),
            },
        )
    }

    /// A member's record (panics if not a member).
    pub fn member(&self, study_id: u64, patient: &Addr) -> union::Member {
        self.contribution(study_id, patient)
            .member
            .unwrap_or_else(|| panic!("{patient} is not a member of study {study_id}"))
    }

    pub fn pool(&self, study_id: u64) -> PoolResponse {
        self.query(&self.union, &union::QueryMsg::Pool { study_id })
    }

    pub fn patient_studies(&self, patient: &Addr) -> Vec<u64> {
        self.query(
            &self.union,
            &union::QueryMsg::PatientStudies {
                patient: patient.to_string(),
            },
        )
    }
}

/// A study wanting `scopes` over days `from_day..=to_day`, closing one day after (the default).
pub fn new_study(
    title: &str,
    scopes: &[DataScope],
    from_day: u64,
    to_day: u64,
    eligibility: Eligibility,
    cap_per_patient: u128,
) -> NewStudy {
    NewStudy {
        title: title.to_string(),
        description_url: "https://example.invalid/studies/protocol.pdf".to_string(),
        scopes: scopes.to_vec(),
        data_from_day: from_day,
        data_to_day: to_day,
        closes_at: None,
        eligibility,
        cap_per_patient: Uint128::new(cap_per_patient),
    }
}
