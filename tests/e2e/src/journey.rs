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

/// Chapter 1: the manufacturer registers a CGM (Ed25519) and an insulin pen (P-256); the
/// patient binds both.
pub fn ch01_devices_registered_and_bound(net: &Network, j: &mut Journey) {
    j.begin(1);
    register_and_bind(
        net,
        &mut j.rec,
        &[
            (&j.cgm_id, DeviceKind::Cgm, &j.cgm_key),
            (&j.pen_id, DeviceKind::Pen, &j.pen_key),
        ],
        "patient",
    );
}

/// Chapter 2: a sponsor opens a study on today's glucose data and funds it. A study closes no
/// earlier than the end of its data period's last day, and the registry refuses data measured
/// before a device was bound, so the study closes at the next UTC midnight; chapter 11 moves
/// the network's clock there (scripts/chain.sh advance-clock).
pub fn ch02_sponsor_opens_and_funds_a_study(net: &Network, j: &mut Journey) {
    j.begin(2);
    let c = &net.contracts;
    let today = j.today;
    j.closes_at = (today + 1) * DAY;
    j.pool = 1_000_000u128;
    let tx = net.send(
        "sponsor",
        &[crate::Exec::new(
            &c.union,
            &union::ExecuteMsg::CreateStudy {
                study: NewStudy {
                    title: format!("e2e glucose study {}", j.tag),
                    description_url: "https://example.invalid/protocol".into(),
                    scopes: vec![DataScope::Glucose],
                    data_from_day: today,
                    data_to_day: today,
                    closes_at: Some(ts(j.closes_at)),
                    eligibility: Eligibility {
                        min_readings_per_day: 1,
                        min_days: 1,
                        device_kinds: vec![DeviceKind::Cgm],
                    },
                    cap_per_patient: Uint128::new(500_000),
                },
                denom: net.denom.clone(),
            },
        )
        .with_funds(j.pool)],
        crate::DEFAULT_GAS_LIMIT,
    );
    let tx = tx.expect_ok("create study");
    j.rec.record(
        "sponsor creates and funds a study",
        "CreateStudy",
        "sponsor",
        &tx,
    );
    j.study_id = tx
        .attr("wasm", "study_id")
        .expect("study_id attribute")
        .parse()
        .unwrap();
    let study = j.study_state(net);
    assert_eq!(study.study.sponsor.as_str(), j.sponsor);
    assert_eq!(study.study.pool.funded, Uint128::new(j.pool));
}

/// Chapter 3: both patients give research consent for the study and join it.
pub fn ch03_patients_consent_and_join(net: &Network, j: &mut Journey) {
    j.begin(3);
    let c = &net.contracts;
    let (today, now, study_id) = (j.today, j.now, j.study_id);
    for (key, who) in [
        ("patient", j.patient.clone()),
        ("patient2", j.patient2.clone()),
    ] {
        let tx = net
            .execute(
                key,
                &c.consent,
                &consent::ExecuteMsg::Grant {
                    patient: None,
                    grantee: j.sponsor.clone(),
                    scopes: vec![DataScope::Glucose],
                    purpose: Purpose::Research,
                    study_id: Some(study_id),
                    data_from: ts(today * DAY),
                    data_to: ts(today * DAY + DAY - 1),
                    expires: Expiry::AtTime(ts(now + 30 * DAY)),
                },
            )
            .expect_ok("research consent");
        j.rec.record(
            "research consent for the study",
            "Grant",
            key_static(key),
            &tx,
        );
        let rc: consent::ResearchConsentResponse = net
            .query(
                &c.consent,
                &consent::QueryMsg::ResearchConsent {
                    patient: who.to_string(),
                    study_id,
                },
            )
            .unwrap();
        let grant_id = rc.consent.expect("live research consent").grant_id;
        j.research_grants.push(grant_id);
        let tx = net
            .execute(key, &c.union, &union::ExecuteMsg::Join { study_id })
            .expect_ok("join study");
        j.rec.record("join the study", "Join", key_static(key), &tx);
    }
    let study = j.study_state(net);
    assert_eq!(study.study.active_members, 2);
}

/// Chapter 4: the relayer anchors signed batches: an hour of 5-minute CGM readings (12) and 6
/// pen readings measured since the devices were bound, then CGM readings 20..=31 a minute apart,
/// which leaves a gap 13..=19. Data may not predate the bind and no reading may lie more than
/// 5 min in the future, so the clock first moves 4,000 s ahead.
pub fn ch04_relayer_anchors_with_a_gap(net: &Network, j: &mut Journey) {
    j.begin(4);
    let c = &net.contracts;
    let (cgm_id, pen_id) = (&j.cgm_id, &j.pen_id);
    let anchors_domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.anchors,
    };
    let t0 = net.status().unwrap().1;
    j.t0 = t0;
    net.advance_clock(4_000);
    let b1 = signed_batch(&j.cgm_key, cgm_id, 1, 12, t0, 300, &anchors_domain);
    let p1 = signed_batch(&j.pen_key, pen_id, 1, 6, t0, 10, &anchors_domain);
    let tx = anchor(net, &[b1.clone(), p1]).expect_ok("anchor batches");
    j.rec.record(
        "anchor 2 signed batches (12 CGM + 6 pen readings)",
        "SubmitBatches",
        "relayer",
        &tx,
    );
    let b2 = signed_batch(&j.cgm_key, cgm_id, 20, 12, t0 + 3_600, 60, &anchors_domain);
    let tx = anchor(net, &[b2]).expect_ok("anchor after a gap");
    j.rec.record(
        "anchor a CGM batch after a gap (seq 20..=31)",
        "SubmitBatches",
        "relayer",
        &tx,
    );
    let cursor: CursorResponse = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Cursor {
                device_id: cgm_id.clone(),
            },
        )
        .unwrap();
    assert_eq!(cursor.last_seq, Some(31));
    let gaps: Page<Gap> = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Gaps {
                device_id: cgm_id.clone(),
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    assert_eq!(gaps.items.len(), 1, "one gap recorded");
    assert_eq!((gaps.items[0].from_seq, gaps.items[0].to_seq), (13, 19));
    let batch: BatchInfo = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Batch {
                device_id: cgm_id.clone(),
                seq: 5,
            },
        )
        .unwrap();
    assert_eq!(batch.root, b1.header.root);
    assert_eq!((batch.first_seq, batch.last_seq), (1, 12));
    let proof = |seq: u64, leaf: Binary| -> ProofResponse {
        net.query(
            &c.anchors,
            &anchors::QueryMsg::VerifyProof {
                device_id: cgm_id.clone(),
                seq,
                leaf_hash: leaf,
                path: b1
                    .proof(seq)
                    .iter()
                    .map(|h| Binary::new(h.to_vec()))
                    .collect(),
            },
        )
        .unwrap()
    };
    assert!(proof(5, Binary::new(b1.leaves[4].to_vec())).valid);
    assert!(!proof(5, Binary::new(b1.leaves[5].to_vec())).valid);
    let cov: CoverageResponse = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Coverage {
                patient: j.patient.clone(),
                from_day: j.today,
                to_day: j.today,
            },
        )
        .unwrap();
    let per_scope: Vec<(DataScope, u64)> = cov.days.iter().map(|d| (d.scope, d.readings)).collect();
    assert_eq!(
        per_scope,
        vec![(DataScope::Glucose, 24), (DataScope::Insulin, 6)]
    );
    j.b1 = Some(b1);
}

/// Chapter 5: the union was told: the member's contribution counts the 24 glucose readings.
pub fn ch05_union_counts_the_contribution(net: &Network, j: &mut Journey) {
    j.begin(5);
    let contrib = j.contribution(net, &j.patient);
    assert_eq!(contrib.member.as_ref().unwrap().units, 24);
    assert!(contrib.eligible);
}

/// Chapter 6: consent check: a clinician's treatment grant allows glucose, not insulin.
pub fn ch06_clinician_grant_allows_glucose_not_insulin(net: &Network, j: &mut Journey) {
    j.begin(6);
    let (clinician, patient) = (&j.clinician, &j.patient);
    let tx = glucose_grant(net, clinician, j.today, Expiry::AtTime(ts(j.now + 7 * DAY)))
        .expect_ok("treatment grant");
    j.rec
        .record("grant a clinician glucose access", "Grant", "patient", &tx);
    let allowed = j.check(net, clinician, patient, DataScope::Glucose);
    assert!(allowed.allowed, "clinician may read glucose: {allowed:?}");
    let clinician_grant = allowed.grant.unwrap().id;
    let denied = j.check(net, clinician, patient, DataScope::Insulin);
    assert!(!denied.allowed);
    assert_eq!(
        denied.denial,
        Some(Denial::ScopeNotGranted {
            grant_id: clinician_grant
        })
    );
    j.clinician_grant = clinician_grant;
}

/// Chapter 7: the custodian records the access it served under that grant.
pub fn ch07_custodian_records_an_access(net: &Network, j: &mut Journey) {
    j.begin(7);
    let (clinician, clinician_grant) = (&j.clinician, j.clinician_grant);
    let tx =
        record_access(net, &j.patient, clinician, j.t0, clinician_grant).expect_ok("record access");
    j.rec.record(
        "custodian records a served access",
        "RecordAccesses",
        "custodian",
        &tx,
    );
    let log: Page<consent::AccessRecord> = net
        .query(
            &net.contracts.consent,
            &consent::QueryMsg::AccessLogByGrantee {
                grantee: clinician.clone(),
                start_after: None,
                limit: Some(100),
            },
        )
        .unwrap();
    assert!(log.items.iter().any(|r| r.grant_id == clinician_grant));
}

/// Chapter 8: break-glass: the emergency provider opens access to patient 2, who granted
/// nothing; patient 2 closes the session.
pub fn ch08_break_glass(net: &Network, j: &mut Journey) {
    j.begin(8);
    let c = &net.contracts;
    let (emergency, patient2) = (&j.emergency, &j.patient2);
    assert!(
        !j.check(net, emergency, patient2, DataScope::Glucose)
            .allowed
    );
    let member: Option<consent::Member> = net
        .query(
            &c.consent,
            &consent::QueryMsg::Member {
                role: ConsentRole::EmergencyProvider,
                address: emergency.clone(),
            },
        )
        .unwrap();
    assert!(member.is_some(), "deploy admitted the emergency provider");
    let tx = net
        .execute(
            "emergency",
            &c.consent,
            &consent::ExecuteMsg::OpenBreakGlass {
                patient: patient2.clone(),
                hours: 2,
                // A code for the access situation; clinical details stay in the hospital's
                // records, committed to (if at all) by a salted hash.
                reason: consent::BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .expect_ok("break-glass");
    j.rec.record(
        "open break-glass access",
        "OpenBreakGlass",
        "emergency",
        &tx,
    );
    let bg = j.check(net, emergency, patient2, DataScope::Glucose);
    assert!(bg.allowed, "break-glass allows access: {bg:?}");
    let session = bg.grant.unwrap();
    assert_eq!(
        session.break_glass.as_ref().map(|b| b.reason),
        Some(consent::BreakGlassReason::PatientCannotConsent)
    );
    let sessions: Page<consent::Grant> = net
        .query(
            &c.consent,
            &consent::QueryMsg::BreakGlassSessions {
                patient: patient2.clone(),
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    assert!(sessions.items.iter().any(|g| g.id == session.id));
    let tx = net
        .execute(
            "patient2",
            &c.consent,
            &consent::ExecuteMsg::RevokeGrant {
                grant_id: session.id,
            },
        )
        .expect_ok("close break-glass");
    j.rec.record(
        "patient closes the break-glass session",
        "RevokeGrant",
        "patient2",
        &tx,
    );
    assert!(
        !j.check(net, emergency, patient2, DataScope::Glucose)
            .allowed
    );
}

/// Chapter 9: revoke: patient 2 withdraws research consent, which ends their study membership;
/// the patient revokes the clinician's grant.
pub fn ch09_consent_and_grant_revoked(net: &Network, j: &mut Journey) {
    j.begin(9);
    let c = &net.contracts;
    let tx = net
        .execute(
            "patient2",
            &c.consent,
            &consent::ExecuteMsg::RevokeGrant {
                grant_id: j.research_grants[1],
            },
        )
        .expect_ok("revoke research consent");
    j.rec.record(
        "revoke research consent (the union is told)",
        "RevokeGrant",
        "patient2",
        &tx,
    );
    let c2 = j.contribution(net, &j.patient2);
    assert!(
        !c2.member.unwrap().active,
        "revoking research consent ends membership"
    );
    let clinician_grant = j.clinician_grant;
    let tx = net
        .execute(
            "patient",
            &c.consent,
            &consent::ExecuteMsg::RevokeGrant {
                grant_id: clinician_grant,
            },
        )
        .expect_ok("revoke clinician grant");
    j.rec.record(
        "revoke the clinician's grant",
        "RevokeGrant",
        "patient",
        &tx,
    );
    let revoked = j.check(net, &j.clinician, &j.patient, DataScope::Glucose);
    assert!(!revoked.allowed);
    assert_eq!(
        revoked.denial,
        Some(Denial::Revoked {
            grant_id: clinician_grant
        })
    );
    let g: GrantInfo = net
        .query(
            &c.consent,
            &consent::QueryMsg::Grant {
                grant_id: clinician_grant,
            },
        )
        .unwrap();
    assert_eq!(g.status, GrantStatus::Revoked);
}

/// Chapter 10: claim: refused until the study closes (next UTC midnight, see chapter 2); the
/// union already shows the patient's share, capped at 500,000 of the 980,000 net pool
/// (1,000,000 less the deployment's 2 % fee). The sponsor may not withdraw yet either.
pub fn ch10_claim_refused_before_close(net: &Network, j: &mut Journey) {
    j.begin(10);
    let c = &net.contracts;
    let study_id = j.study_id;
    let contrib = j.contribution(net, &j.patient);
    assert!(contrib.eligible);
    assert_eq!(contrib.projected_payout, Uint128::new(500_000));
    assert_eq!(
        contrib.claimable,
        Uint128::zero(),
        "nothing is claimable before close"
    );
    let early = net
        .execute("patient", &c.union, &union::ExecuteMsg::Claim { study_id })
        .expect_err(
            "claim before close",
            &format!("claims for study {study_id} open at"),
        );
    j.rec.record(
        "claim before the study closes (refused)",
        "Claim",
        "patient",
        &early,
    );
    let early = net
        .execute(
            "sponsor",
            &c.union,
            &union::ExecuteMsg::WithdrawUnearned { study_id },
        )
        .expect_err("withdraw before close", "may withdraw from");
    j.rec.record(
        "sponsor withdraws before close (refused)",
        "WithdrawUnearned",
        "sponsor",
        &early,
    );
}

/// Chapter 11: the study closes: the network's clock moves past the next UTC midnight, and the
/// patient claims the capped share, paid in the pool's coin, once.
pub fn ch11_study_closes_and_patient_claims(net: &Network, j: &mut Journey) {
    j.begin(11);
    let c = &net.contracts;
    let (study_id, patient) = (j.study_id, &j.patient);
    net.advance_clock_to(j.closes_at + 5);
    let study = j.study_state(net);
    assert_eq!(study.phase, StudyPhase::Claiming);
    let net_pool = study.study.pool.net();
    assert_eq!(net_pool, Uint128::new(980_000), "1,000,000 less a 2 % fee");
    let contrib = j.contribution(net, patient);
    assert_eq!(contrib.claimable, Uint128::new(500_000), "the capped share");
    let before = net.balance(patient);
    let tx = net
        .execute("patient", &c.union, &union::ExecuteMsg::Claim { study_id })
        .expect_ok("claim after close");
    j.rec
        .record("claim the share after close", "Claim", "patient", &tx);
    assert_eq!(
        net.balance(patient),
        before + 500_000 - net.fee(crate::DEFAULT_GAS_LIMIT),
        "the patient received 500,000 (and paid the transaction's fee)"
    );
    let contrib = j.contribution(net, patient);
    assert_eq!(contrib.member.unwrap().claimed, Some(Uint128::new(500_000)));
    assert_eq!(contrib.claimable, Uint128::zero());
    let again = net
        .execute("patient", &c.union, &union::ExecuteMsg::Claim { study_id })
        .expect_err(
            "second claim",
            &format!("already claimed from study {study_id}"),
        );
    j.rec
        .record("claim a second time (refused)", "Claim", "patient", &again);
}

/// Chapter 12: after the grace period the sponsor takes back what was not earned: the net pool
/// less the payout. The study is closed; nothing more moves.
pub fn ch12_sponsor_withdraws_the_rest(net: &Network, j: &mut Journey) {
    j.begin(12);
    let c = &net.contracts;
    let (study_id, sponsor) = (j.study_id, &j.sponsor);
    let study = j.study_state(net);
    net.advance_clock_to(study.study.refund_after.seconds() + 5);
    let before = net.balance(sponsor);
    let tx = net
        .execute(
            "sponsor",
            &c.union,
            &union::ExecuteMsg::WithdrawUnearned { study_id },
        )
        .expect_ok("withdraw after the grace period");
    j.rec.record(
        "sponsor withdraws the unearned rest after the grace period",
        "WithdrawUnearned",
        "sponsor",
        &tx,
    );
    assert_eq!(
        net.balance(sponsor),
        before + 480_000 - net.fee(crate::DEFAULT_GAS_LIMIT),
        "the sponsor got back 980,000 - 500,000"
    );
    let pool: PoolResponse = net
        .query(&c.union, &union::QueryMsg::Pool { study_id })
        .unwrap();
    assert_eq!(pool.balance, Uint128::zero());
    assert_eq!(pool.pool.paid, Uint128::new(500_000));
    assert_eq!(pool.pool.refunded, Some(Uint128::new(480_000)));
    assert_eq!(
        pool.pool.fees + pool.pool.paid + pool.pool.refunded.unwrap(),
        pool.pool.funded,
        "fee + paid + refund = funded"
    );
    let study = j.study_state(net);
    assert_eq!(study.phase, StudyPhase::Closed);
    let late = net
        .execute("patient2", &c.union, &union::ExecuteMsg::Claim { study_id })
        .expect_err(
            "claim after the withdrawal",
            &format!("study {study_id} is closed"),
        );
    j.rec.record(
        "claim after the sponsor withdrew (refused)",
        "Claim",
        "patient2",
        &late,
    );
}

fn key_static(key: &str) -> &'static str {
    match key {
        "patient" => "patient",
        "patient2" => "patient2",
        _ => "?",
    }
}

/// The main rejections, each a transaction that fails in its block with the contract's error:
/// an unknown device, an implausibly dense batch, a replayed batch, a device transfer completed
/// by anyone but its recipient, an access recorded under an expired consent.
pub fn rejections(net: &Network) -> Vec<Step> {
    let mut rec = Recorder::default();
    let c = net.contracts.clone();
    let tag = run_tag();
    let (patient, clinician) = (net.addr("patient"), net.addr("clinician"));
    let now = net.avoid_midnight(5 * 60);
    let today = now / DAY;
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.anchors,
    };
    let t0 = now;

    // Unknown device: never registered.
    let ghost_key = TestKey::new(KeyAlgorithm::Ed25519, 21);
    let ghost = signed_batch(&ghost_key, &format!("ghost-{tag}"), 1, 12, t0, 5, &domain);
    let tx = anchor(net, &[ghost]).expect_err("unknown device", "is not registered");
    rec.record(
        "anchor a batch of an unknown device",
        "SubmitBatches",
        "relayer",
        &tx,
    );

    // Replay: the same signed batch twice.
    let id = format!("replay-{tag}");
    let key = TestKey::new(KeyAlgorithm::Ed25519, 22);
    register_and_bind(net, &mut rec, &[(&id, DeviceKind::Cgm, &key)], "patient");
    let t1 = net.status().unwrap().1;
    // Implausible: 100 CGM readings measured at one instant, validly signed.
    let dense = signed_batch(&key, &id, 1, 100, t1, 0, &domain);
    let tx = anchor(net, &[dense]).expect_err(
        "implausible batch",
        "100 readings in 0 s exceed a Cgm device's limit of one reading every 60 s",
    );
    rec.record(
        "anchor 100 CGM readings measured at one instant",
        "SubmitBatches",
        "relayer",
        &tx,
    );
    let batch = signed_batch(&key, &id, 1, 6, t1, 60, &domain);
    let tx = anchor(net, std::slice::from_ref(&batch)).expect_ok("first submission");
    rec.record("anchor a batch", "SubmitBatches", "relayer", &tx);
    let tx = anchor(net, &[batch]).expect_err("replay", "replay or overlap");
    rec.record("replay the same batch", "SubmitBatches", "relayer", &tx);
    let cursor: CursorResponse = net
        .query(&c.anchors, &anchors::QueryMsg::Cursor { device_id: id })
        .unwrap();
    assert_eq!(cursor.last_seq, Some(6), "the replay changed nothing");

    // Unsolicited transfer: the owner, who holds the device key, offers the device to
    // patient2 and tries to complete the transfer itself. The device stays the owner's until
    // patient2 accepts.
    let gift = format!("gift-{tag}");
    let gift_key = TestKey::new(KeyAlgorithm::Ed25519, 23);
    register_and_bind(
        net,
        &mut rec,
        &[(&gift, DeviceKind::Cgm, &gift_key)],
        "patient",
    );
    let patient2 = net.addr("patient2");
    let gift_device = || -> Device {
        net.query(
            &c.registry,
            &registry::QueryMsg::Device { id: gift.clone() },
        )
        .unwrap()
    };
    let registry_domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.registry,
    };
    let proof = gift_key
        .sign(&bind_sign_bytes(&registry_domain, &gift, &patient2, gift_device().nonce).unwrap());
    let tx = net
        .execute(
            "patient",
            &c.registry,
            &registry::ExecuteMsg::TransferDevice {
                device_id: gift.clone(),
                new_owner: patient2.clone(),
                signature: proof,
                expires_in_seconds: None,
            },
        )
        .expect_ok("offer transfer");
    rec.record(
        "offer a device to another patient",
        "TransferDevice",
        "patient",
        &tx,
    );
    let accept = registry::ExecuteMsg::AcceptTransfer {
        device_id: gift.clone(),
    };
    let tx = net
        .execute("patient", &c.registry, &accept)
        .expect_err("accept by the offerer", "only the recipient");
    rec.record(
        "accept a transfer offered to someone else",
        "AcceptTransfer",
        "patient",
        &tx,
    );
    assert_eq!(
        gift_device().owner.map(|a| a.to_string()),
        Some(patient.clone()),
        "an offer moves nothing"
    );
    let tx = net
        .execute("patient2", &c.registry, &accept)
        .expect_ok("accept transfer");
    rec.record("the recipient accepts", "AcceptTransfer", "patient2", &tx);
    assert_eq!(gift_device().owner.map(|a| a.to_string()), Some(patient2));

    // Expired consent: a grant that ends a few blocks from now, then an access under it.
    let (height, _) = net.status().unwrap();
    let tx = glucose_grant(net, &clinician, today, Expiry::AtHeight(height + 4))
        .expect_ok("short grant");
    rec.record("grant access until a near height", "Grant", "patient", &tx);
    let grant_id: u64 = tx
        .attr("wasm", "grant_id")
        .expect("grant_id attribute")
        .parse()
        .unwrap();
    net.wait_for_height(height + 5);
    let check = check_access(net, &patient, &clinician, DataScope::Glucose, t0);
    assert!(!check.allowed);
    let tx = record_access(net, &patient, &clinician, t0, grant_id)
        .expect_err("expired consent", &format!("grant {grant_id} has expired"));
    rec.record(
        "record an access under an expired grant",
        "RecordAccesses",
        "custodian",
        &tx,
    );
    rec.steps
}

/// Checks the deployment's wiring through queries.
pub fn check_wiring(net: &Network) {
    let c = &net.contracts;
    let anchors_cfg: anchors::ConfigResponse = net
        .query(&c.anchors, &anchors::QueryMsg::Config {})
        .unwrap();
    assert_eq!(anchors_cfg.registry.as_str(), c.registry);
    assert!(anchors_cfg.listeners.iter().any(|l| l.as_str() == c.union));
    let consent_cfg: consent::ConfigResponse = net
        .query(&c.consent, &consent::QueryMsg::Config {})
        .unwrap();
    assert_eq!(consent_cfg.listeners.len(), 1);
    assert_eq!(consent_cfg.listeners[0].as_str(), c.union);
    let union_cfg: union::ConfigResponse =
        net.query(&c.union, &union::QueryMsg::Config {}).unwrap();
    assert_eq!(union_cfg.anchors.as_str(), c.anchors);
    assert_eq!(union_cfg.consent.as_str(), c.consent);
    for (role, key) in [
        (Role::Manufacturer, "manufacturer"),
        (Role::Relayer, "relayer"),
    ] {
        let p: Option<diachain_std::device::Participant> = net
            .query(
                &c.registry,
                &registry::QueryMsg::Participant {
                    role,
                    address: net.addr(key),
                },
            )
            .unwrap();
        assert!(p.expect("admitted").is_active());
    }
    let consortium = net.addr("consortium");
    let reg_cfg: registry::ConfigResponse = net
        .query(&c.registry, &registry::QueryMsg::Config {})
        .unwrap();
    assert_eq!(reg_cfg.admin.as_str(), consortium);
}
