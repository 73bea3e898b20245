//! [`SuiteBuilder`]: deploys the four contracts and wires them.

use cosmwasm_std::testing::MockApi;
use cosmwasm_std::{coins, Addr, BlockInfo, Timestamp};
use cw_multi_test::{App, AppBuilder};
use diachain_std::consent::{self, ConsentRole};
use diachain_std::registry;
use diachain_std::union;
use diachain_std::{anchors, Role};

use super::devices::story_devices;
use super::{
    anchors_contract, consent_contract, registry_contract, union_contract, Actors, CodeIds, Story,
    Suite, CHAIN_ID, DENOM, FEE_BPS, GENESIS_TIME, GRACE_PERIOD, MAX_BREAK_GLASS_HOURS,
    SPONSOR_FUNDS,
};
use crate::contracts::instantiate;
use crate::refusal::Accepted;

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
        let actors = Actors::new(&MockApi::default());
        let mut app = self.genesis(&actors);
        let code_ids = store_codes(&mut app);
        let admin = actors.consortium.clone();
        let registry = instantiate_registry(&mut app, &admin, code_ids.registry);
        let anchors = instantiate_anchors(&mut app, &admin, code_ids.anchors, &registry);
        let consent = self.instantiate_consent(&mut app, &admin, code_ids.consent, &registry);
        let union = self.instantiate_union(&mut app, &actors, code_ids.union, &anchors, &consent);
        let mut suite = Suite {
            app,
            chain_id: CHAIN_ID.to_string(),
            code_ids,
            registry,
            anchors,
            consent,
            union,
            actors,
            devices: story_devices(),
            anchored: vec![],
            story: Story::default(),
        };
        suite.wire();
        suite
    }

    /// The chain at genesis: block 1 at the genesis time, the sponsor holding its funds.
    fn genesis(&self, actors: &Actors) -> App {
        let block = BlockInfo {
            height: 1,
            time: Timestamp::from_seconds(self.genesis_time),
            chain_id: CHAIN_ID.to_string(),
        };
        AppBuilder::new()
            .with_block(block)
            .build(|router, _api, storage| {
                router
                    .bank
                    .init_balance(storage, &actors.sponsor, coins(self.sponsor_funds, DENOM))
                    .expect("genesis balance");
            })
    }

    /// Consent, reading guardians from the registry, with this builder's break-glass limit.
    fn instantiate_consent(
        &self,
        app: &mut App,
        admin: &Addr,
        code_id: u64,
        registry: &Addr,
    ) -> Addr {
        let msg = consent::InstantiateMsg {
            admin: None,
            registry: registry.to_string(),
            max_break_glass_hours: self.max_break_glass_hours,
            listeners: vec![],
        };
        instantiate(app, admin, code_id, &msg, "consent")
    }

    /// The data union over anchors and consent, paying its fee to the treasury, with this
    /// builder's fee and grace period.
    fn instantiate_union(
        &self,
        app: &mut App,
        actors: &Actors,
        code_id: u64,
        anchors: &Addr,
        consent: &Addr,
    ) -> Addr {
        let msg = union::InstantiateMsg {
            admin: None,
            anchors: anchors.to_string(),
            consent: consent.to_string(),
            treasury: actors.treasury.to_string(),
            fee_bps: self.fee_bps,
            grace_period: self.grace_period,
        };
        instantiate(app, &actors.consortium, code_id, &msg, "data-union")
    }
}

/// Stores the four contracts' code, in this order: registry, anchors, consent, union.
fn store_codes(app: &mut App) -> CodeIds {
    CodeIds {
        registry: app.store_code(registry_contract()),
        anchors: app.store_code(anchors_contract()),
        consent: app.store_code(consent_contract()),
        union: app.store_code(union_contract()),
    }
}

/// The device registry.
fn instantiate_registry(app: &mut App, admin: &Addr, code_id: u64) -> Addr {
    let msg = registry::InstantiateMsg { admin: None };
    instantiate(app, admin, code_id, &msg, "device-registry")
}

/// The anchors contract, reading devices and relayers from the registry.
fn instantiate_anchors(app: &mut App, admin: &Addr, code_id: u64, registry: &Addr) -> Addr {
    let msg = anchors::InstantiateMsg {
        admin: None,
        registry: registry.to_string(),
    };
    instantiate(app, admin, code_id, &msg, "reading-anchors")
}

impl Suite {
    /// The wiring: the union listens to both contracts that have news for it; the consortium
    /// admits the manufacturer, the relayer, the custodian and the emergency provider.
    fn wire(&mut self) {
        self.listen_to_union();
        self.admit_participants();
        self.admit_members();
    }

    /// Anchors and consent tell the union of contributions and of ended research consents.
    fn listen_to_union(&mut self) {
        let consortium = self.actors.consortium.clone();
        let (anchors, consent, union) = (
            self.anchors.clone(),
            self.consent.clone(),
            self.union.to_string(),
        );
        self.exec(
            &consortium,
            &anchors,
            &anchors::ExecuteMsg::AddListener {
                address: union.clone(),
            },
        )
        .accepted("anchors listener");
        self.exec(
            &consortium,
            &consent,
            &consent::ExecuteMsg::SetListeners {
                listeners: vec![union],
            },
        )
        .accepted("consent listener");
    }

    /// The registry admits the manufacturer and the relayer.
    fn admit_participants(&mut self) {
        let (a, registry) = (self.actors.clone(), self.registry.clone());
        for (role, address, label) in [
            (Role::Manufacturer, &a.manufacturer, "GlucoSense Devices"),
            (Role::Relayer, &a.relayer, "Clinic data relay"),
        ] {
            self.exec(
                &a.consortium,
                &registry,
                &registry::ExecuteMsg::AdmitParticipant {
                    role,
                    address: address.to_string(),
                    label: label.to_string(),
                },
            )
            .accepted("admit participant");
        }
    }

    /// Consent admits the relayer as custodian and the urgent-care service as emergency
    /// provider.
    fn admit_members(&mut self) {
        let (a, consent) = (self.actors.clone(), self.consent.clone());
        for (role, address) in [
            (ConsentRole::Custodian, &a.relayer),
            (ConsentRole::EmergencyProvider, &a.emergency),
        ] {
            self.exec(
                &a.consortium,
                &consent,
                &consent::ExecuteMsg::AdmitMember {
                    role,
                    address: address.to_string(),
                },
            )
            .accepted("admit member");
        }
    }
}
