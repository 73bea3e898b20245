//! The patient journey on a real node, asserted through on-chain queries, and the main
//! rejections seen as failed transactions carrying the contract's error.
//!
//! Every step records the `gas_used` of its transaction, which `scripts/gas-report.sh` writes
//! to `docs/gas.md`.

use cosmwasm_std::{Binary, Timestamp, Uint128};
use diachain_std::anchors::{
    self, BatchInfo, CoverageResponse, CursorResponse, Gap, ProofResponse,
};
use diachain_std::consent::{
    self, CheckAccessResponse, ConsentRole, Denial, Expiry, GrantInfo, GrantStatus, NewAccess,
};
use diachain_std::device::{Device, DeviceKind, KeyAlgorithm, KeyCustody, Role};
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::{self, NewDevice};
use diachain_std::testing::{signed_batch, submission, SignedBatch, TestKey};
use diachain_std::union::{
    self, ContributionResponse, Eligibility, NewStudy, PoolResponse, StudyPhase, StudyResponse,
};
use diachain_std::{DataScope, Domain, Page, Purpose};

use std::sync::Mutex;

use crate::{run_tag, Network, TxResult};

mod chapters;
mod rejections;

pub use chapters::*;
pub use rejections::{check_wiring, rejections};

/// One transaction of the journey and what it cost.
#[derive(Clone, Debug)]
pub struct Step {
    pub step: String,
    /// The execute message's variant.
    pub message: &'static str,
    pub signer: &'static str,
    pub gas_used: u64,
    pub tx_bytes: usize,
    pub ok: bool,
}

#[derive(Default)]
pub struct Recorder {
    pub steps: Vec<Step>,
}

impl Recorder {
    fn record(
        &mut self,
        step: impl Into<String>,
        message: &'static str,
        signer: &'static str,
        tx: &TxResult,
    ) {
        let step = step.into();
        eprintln!(
            "  {step}: {message} by {signer}: code {} gas_used {} ({} tx bytes)",
            tx.code, tx.gas_used, tx.tx_bytes
        );
        self.steps.push(Step {
            step,
            message,
            signer,
            gas_used: tx.gas_used,
            tx_bytes: tx.tx_bytes,
            ok: tx.ok(),
        });
    }
}

const DAY: u64 = 86_400;

fn ts(s: u64) -> Timestamp {
    Timestamp::from_seconds(s)
}

/// Registers devices (as the manufacturer) and binds each to `patient_key` with a proof of
/// possession signed by the device key.
pub fn register_and_bind(
    net: &Network,
    rec: &mut Recorder,
    devices: &[(&str, DeviceKind, &TestKey)],
    patient_key: &'static str,
) {
    let c = &net.contracts;
    let new: Vec<NewDevice> = devices
        .iter()
        .map(|(id, kind, key)| NewDevice {
            id: id.to_string(),
            kind: *kind,
            model: "e2e-model-1".into(),
            public_key: key.public_key(),
            key_custody: KeyCustody::Device,
        })
        .collect();
    let tx = net
        .execute(
            "manufacturer",
            &c.registry,
            &registry::ExecuteMsg::RegisterDevices { devices: new },
        )
        .expect_ok("register devices");
    rec.record(
        format!("register {} devices", devices.len()),
        "RegisterDevices",
        "manufacturer",
        &tx,
    );
    let patient = net.addr(patient_key);
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.registry,
    };
    for (id, _, key) in devices {
        let device: Device = net
            .query(
                &c.registry,
                &registry::QueryMsg::Device { id: id.to_string() },
            )
            .expect("device query");
        assert_eq!(device.owner, None, "{id} starts unbound");
        let proof = key.sign(&bind_sign_bytes(&domain, id, &patient, device.nonce).unwrap());
        let tx = net
            .execute(
                patient_key,
                &c.registry,
                &registry::ExecuteMsg::BindDevice {
                    device_id: id.to_string(),
                    patient: None,
                    signature: proof,
                },
            )
            .expect_ok("bind device");
        rec.record(
            format!("bind {} device", key_name(key.algorithm())),
            "BindDevice",
            patient_key,
            &tx,
        );
        let device: Device = net
            .query(
                &c.registry,
                &registry::QueryMsg::Device { id: id.to_string() },
            )
            .unwrap();
        assert_eq!(device.owner.map(|a| a.to_string()), Some(patient.clone()));
    }
}

fn key_name(a: KeyAlgorithm) -> &'static str {
    match a {
        KeyAlgorithm::Ed25519 => "ed25519",
        KeyAlgorithm::Secp256k1 => "secp256k1",
        KeyAlgorithm::Secp256r1 => "secp256r1",
    }
}

pub(crate) fn anchor(net: &Network, batches: &[SignedBatch]) -> TxResult {
    net.execute(
        "relayer",
        &net.contracts.anchors,
        &anchors::ExecuteMsg::SubmitBatches {
            batches: submission(batches),
        },
    )
}

/// The patient grants `grantee` treatment access to glucose data of UTC day `day` until
/// `expires`.
pub(crate) fn glucose_grant(net: &Network, grantee: &str, day: u64, expires: Expiry) -> TxResult {
    net.execute(
        "patient",
        &net.contracts.consent,
        &consent::ExecuteMsg::Grant {
            patient: None,
            grantee: grantee.to_string(),
            scopes: vec![DataScope::Glucose],
            purpose: Purpose::Treatment,
            study_id: None,
            data_from: ts(day * DAY),
            data_to: ts(day * DAY + DAY - 1),
            expires,
        },
    )
}

/// `CheckAccess` for one minute of data from `t0`, now.
pub(crate) fn check_access(
    net: &Network,
    patient: &str,
    grantee: &str,
    scope: DataScope,
    t0: u64,
) -> CheckAccessResponse {
    net.query(
        &net.contracts.consent,
        &consent::QueryMsg::CheckAccess {
            patient: patient.to_string(),
            grantee: grantee.to_string(),
            scope,
            data_from: ts(t0),
            data_to: ts(t0 + 60),
            at: None,
        },
    )
    .unwrap()
}

/// The custodian records serving `grantee` one minute of the patient's glucose data from `t0`
/// under `grant_id`.
fn record_access(net: &Network, patient: &str, grantee: &str, t0: u64, grant_id: u64) -> TxResult {
    net.execute(
        "custodian",
        &net.contracts.consent,
        &consent::ExecuteMsg::RecordAccesses {
            accesses: vec![NewAccess {
                patient: patient.to_string(),
                grantee: grantee.to_string(),
                scope: DataScope::Glucose,
                data_from: ts(t0),
                data_to: ts(t0 + 60),
                grant_id,
                served_at: None,
            }],
        },
    )
}

/// The patient journey's state from one chapter to the next: the actors, the devices, the study
/// and what the chapters before recorded. The journey, told in twelve chapters (each one a test
/// in `tests/e2e.rs`, played in order on the one network):
///
/// 1. A manufacturer registers a CGM (Ed25519) and an insulin pen (P-256); the patient binds both.
/// 2. A sponsor opens a study on today's glucose data and funds it.
/// 3. Both patients give research consent for the study and join it.
/// 4. The relayer anchors signed batches, with a gap; cursor, gap, batch, proofs and coverage.
/// 5. The union was told: the member's contribution counts the glucose readings.
/// 6. A clinician's treatment grant allows glucose, not insulin.
/// 7. The custodian records the access it served under that grant.
/// 8. Break-glass: the emergency provider opens access to patient 2; patient 2 closes it.
/// 9. Patient 2 withdraws research consent; the patient revokes the clinician's grant.
/// 10. Claims and the sponsor's withdrawal are refused before the study closes.
/// 11. The study closes (the network's clock moves past midnight); the patient claims once.
/// 12. After the grace period the sponsor takes back the unearned rest; the study is closed.
pub struct Journey {
    /// Chapters played so far.
    pub played: u32,
    /// Every transaction of the chapters played, with its gas.
    pub rec: Recorder,
    chain_id: String,
    tag: String,
    patient: String,
    patient2: String,
    clinician: String,
    emergency: String,
    sponsor: String,
    /// The chain's time when the journey started, and its UTC day.
    now: u64,
    today: u64,
    cgm_id: String,
    pen_id: String,
    cgm_key: TestKey,
    pen_key: TestKey,
    /// Set by chapter 2.
    study_id: u64,
    closes_at: u64,
    pool: u128,
    /// Set by chapter 3: the research grants of patient and patient 2.
    research_grants: Vec<u64>,
    /// Set by chapter 4: the time of the first readings and the first CGM batch.
    t0: u64,
    b1: Option<SignedBatch>,
    /// Set by chapter 6.
    clinician_grant: u64,
}

/// The number of chapters of the journey.
pub const CHAPTERS: u32 = 12;

/// Where a chapter's test leaves the journey for the next chapter's test.
static SAVED: Mutex<Option<Journey>> = Mutex::new(None);

impl Journey {
    /// A journey about to start on `net`: the actors' addresses and today's date, away from a
    /// UTC midnight (the journey's readings take the first 71 minutes after the binding,
    /// chapter 4).
    pub fn start(net: &Network) -> Journey {
        let now = net.avoid_midnight(2 * 3_600);
        let tag = run_tag();
        Journey {
            played: 0,
            rec: Recorder::default(),
            chain_id: net.chain_id.clone(),
            cgm_id: format!("cgm-{tag}"),
            pen_id: format!("pen-{tag}"),
            tag,
            patient: net.addr("patient"),
            patient2: net.addr("patient2"),
            clinician: net.addr("clinician"),
            emergency: net.addr("emergency"),
            sponsor: net.addr("sponsor"),
            now,
            today: now / DAY,
            cgm_key: TestKey::new(KeyAlgorithm::Ed25519, 11),
            pen_key: TestKey::new(KeyAlgorithm::Secp256r1, 12),
            study_id: 0,
            closes_at: 0,
            pool: 0,
            research_grants: vec![],
            t0: 0,
            b1: None,
            clinician_grant: 0,
        }
    }

    /// Chapter `n` starts: the chapters before it must have been played.
    fn begin(&mut self, n: u32) {
        assert_eq!(
            self.played + 1,
            n,
            "chapter {n} after chapter {}",
            self.played
        );
        self.played = n;
    }

    fn study_state(&self, net: &Network) -> StudyResponse {
        net.query(
            &net.contracts.union,
            &union::QueryMsg::Study {
                study_id: self.study_id,
            },
        )
        .unwrap()
    }

    fn contribution(&self, net: &Network, who: &str) -> ContributionResponse {
        net.query(
            &net.contracts.union,
            &union::QueryMsg::Contribution {
                study_id: self.study_id,
                patient: who.to_string(),
            },
        )
        .unwrap()
    }

    /// `CheckAccess` of `grantee` to `who`'s `scope` for the minute of data from `t0`.
    fn check(
        &self,
        net: &Network,
        grantee: &str,
        who: &str,
        scope: DataScope,
    ) -> CheckAccessResponse {
        check_access(net, who, grantee, scope, self.t0)
    }
}

/// Plays chapter `n` (1..=12) of the journey.
pub fn play(net: &Network, j: &mut Journey, n: u32) {
    match n {
        1 => ch01_devices_registered_and_bound(net, j),
        2 => ch02_sponsor_opens_and_funds_a_study(net, j),
        3 => ch03_patients_consent_and_join(net, j),
        4 => ch04_relayer_anchors_with_a_gap(net, j),
        5 => ch05_union_counts_the_contribution(net, j),
        6 => ch06_clinician_grant_allows_glucose_not_insulin(net, j),
        7 => ch07_custodian_records_an_access(net, j),
        8 => ch08_break_glass(net, j),
        9 => ch09_consent_and_grant_revoked(net, j),
        10 => ch10_claim_refused_before_close(net, j),
        11 => ch11_study_closes_and_patient_claims(net, j),
        12 => ch12_sponsor_withdraws_the_rest(net, j),
        other => panic!("the journey has chapters 1..={CHAPTERS}, not {other}"),
    }
}

/// The journey with chapters 1..=`n` played: the one the previous chapter's test saved (the
/// tests run one at a time, in order) if it is there, else a new journey played through them
/// (a chapter's test run alone).
pub fn through(net: &Network, n: u32) -> Journey {
    let saved = SAVED.lock().unwrap_or_else(|e| e.into_inner()).take();
    let mut j = match saved {
        Some(j) if j.played == n && j.chain_id == net.chain_id => j,
        _ => Journey::start(net),
    };
    while j.played < n {
        let next = j.played + 1;
        play(net, &mut j, next);
    }
    j
}

/// Keeps the journey for the next chapter's test.
pub fn save(j: Journey) {
    *SAVED.lock().unwrap_or_else(|e| e.into_inner()) = Some(j);
}

/// The whole patient journey, chapters 1 to 12: register, bind, join a study with research
/// consent, anchor signed batches (with a gap), check access under a grant, break-glass,
/// contribute, revoke, then move the network's clock past the study's close to claim, and past
/// its grace period for the sponsor's refund. Panics at the first step whose on-chain result is
/// not as expected.
///
/// The network's clock ends about 8 days ahead (the deployment's grace period is 7 days).
pub fn run(net: &Network) -> Vec<Step> {
    let mut j = Journey::start(net);
    for n in 1..=CHAPTERS {
        play(net, &mut j, n);
    }
    j.rec.steps
}
