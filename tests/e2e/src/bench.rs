//! Anchoring gas, measured from `gas_used` of real `SubmitBatches` transactions.
//!
//! Every benchmark device belongs to its own patient (a derived address that never signs; the
//! `bench` key is named its guardian by the consortium and binds the device for it), so each
//! batch of a transaction touches its own device, cursor, coverage and contribution entries,
//! as a relayer serving many patients would. Devices are anchored once before measuring, so the
//! numbers are the steady state of a device that has anchored before (its cursor and today's
//! coverage entry exist); the first anchoring of each device is reported apart.
//!
//! [`claims_by_devices`] measures the data union's `Claim` for a patient with 1 device and one
//! with 20 (issue 11: a claim must not cost more for a patient with more devices). Claims are
//! signed by the patient, so those two patients are new keys the harness generates
//! ([`Network::add_key`](crate::Network::add_key)) and the `bench` key funds.

use cosmwasm_std::{Timestamp, Uint128};
use diachain_std::anchors;
use diachain_std::consent::{self, Expiry};
use diachain_std::device::{Device, DeviceKind, KeyAlgorithm, KeyCustody};
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::encoding::ReadingKind;
use diachain_std::registry::{self, NewDevice, MAX_DEVICES_PER_REGISTRATION};
use diachain_std::testing::{signed_batch, signed_batch_v2, submission, SignedBatch, TestKey};
use diachain_std::union::{self, ContributionResponse, Eligibility, NewStudy};
use diachain_std::{DataScope, Domain, Page, Purpose};

use crate::{derived_address, run_tag, Exec, Network, TxResult, DEFAULT_GAS_LIMIT};

/// `n` with thousands separators: 4769666 → "4,769,666".
pub fn fmt_int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Gas limit of benchmark transactions: the block gas limit (10,000,000), so a transaction that
/// does not fit in a block fails instead of being measured.
pub const BENCH_GAS_LIMIT: u64 = 10_000_000;
/// Gas limit of setup transactions (registration, guardians, binding).
const SETUP_GAS_LIMIT: u64 = 9_000_000;

pub struct BenchDevice {
    pub id: String,
    pub key: TestKey,
    pub patient: String,
    /// Next sequence number to anchor.
    pub next_seq: u64,
    /// Earliest measurement time of its next batch (its last reading + the CGM's 60 s limit).
    pub next_time: u64,
}

/// One measured transaction.
#[derive(Clone, Debug)]
pub struct Measure {
    pub label: String,
    pub version: HeaderVersion,
    pub algorithm: &'static str,
    pub batches: usize,
    pub readings_per_batch: u32,
    pub gas_used: u64,
    pub tx_bytes: usize,
    pub ok: bool,
    pub raw_log: String,
}

impl Measure {
    pub fn readings(&self) -> u64 {
        self.batches as u64 * u64::from(self.readings_per_batch)
    }
    pub fn per_reading(&self) -> f64 {
        self.gas_used as f64 / self.readings() as f64
    }
    pub fn per_batch(&self) -> f64 {
        self.gas_used as f64 / self.batches as f64
    }
}

/// Gas of the setup steps, per device.
#[derive(Clone, Debug, Default)]
pub struct SetupCost {
    pub register_per_device: Vec<(usize, u64)>,
    pub guardian_per_patient: Vec<(usize, u64)>,
    pub bind_per_device: Vec<(usize, u64)>,
}

fn alg_name(a: KeyAlgorithm) -> &'static str {
    match a {
        KeyAlgorithm::Ed25519 => "ed25519",
        KeyAlgorithm::Secp256k1 => "secp256k1",
        KeyAlgorithm::Secp256r1 => "secp256r1",
    }
}

/// Sends `msgs` in transactions of at most `per_tx` messages; returns (messages, gas) per tx.
fn send_chunks(
    net: &Network,
    from: &str,
    msgs: Vec<Exec>,
    per_tx: usize,
    what: &str,
) -> Vec<(usize, u64)> {
    let mut out = vec![];
    let mut msgs = msgs.into_iter().peekable();
    while msgs.peek().is_some() {
        let chunk: Vec<Exec> = msgs.by_ref().take(per_tx).collect();
        let n = chunk.len();
        let tx = net.send(from, &chunk, SETUP_GAS_LIMIT).expect_ok(what);
        eprintln!("  setup: {what}: {n} messages, gas_used {}", tx.gas_used);
        out.push((n, tx.gas_used));
    }
    out
}

/// Registers `count` CGMs with keys of `algorithm`, names `bench` the guardian of one derived
/// patient per device, and binds each device to its patient.
pub fn setup_devices(
    net: &Network,
    algorithm: KeyAlgorithm,
    count: usize,
    cost: &mut SetupCost,
) -> Vec<BenchDevice> {
    let c = &net.contracts;
    let tag = run_tag();
    let devices: Vec<BenchDevice> = (0..count)
        .map(|i| BenchDevice {
            id: format!("b{}-{tag}-{i:04}", alg_name(algorithm)),
            key: TestKey::new(algorithm, (i % 250) as u8 + 1),
            patient: derived_address(&format!("bench-patient-{tag}-{i}")),
            next_seq: 1,
            next_time: 0,
        })
        .collect();
    let register: Vec<Exec> = devices
        .chunks(MAX_DEVICES_PER_REGISTRATION)
        .map(|chunk| {
            Exec::new(
                &c.registry,
                &registry::ExecuteMsg::RegisterDevices {
                    devices: chunk
                        .iter()
                        .map(|d| NewDevice {
                            id: d.id.clone(),
                            kind: DeviceKind::Cgm,
                            model: "bench-cgm".into(),
                            public_key: d.key.public_key(),
                            key_custody: KeyCustody::Device,
                        })
                        .collect(),
                },
            )
        })
        .collect();
    let per_msg = MAX_DEVICES_PER_REGISTRATION.min(count);
    for (n, gas) in send_chunks(net, "manufacturer", register, 1, "register devices") {
        let _ = n;
        cost.register_per_device.push((per_msg, gas));
    }
    let guardian = net.addr("bench");
    let guardians: Vec<Exec> = devices
        .iter()
        .map(|d| {
            Exec::new(
                &c.registry,
                &registry::ExecuteMsg::AddGuardian {
                    patient: Some(d.patient.clone()),
                    guardian: guardian.clone(),
                },
            )
        })
        .collect();
    cost.guardian_per_patient.extend(send_chunks(
        net,
        "consortium",
        guardians,
        100,
        "name guardians",
    ));
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.registry,
    };
    // A freshly registered device's nonce is 0.
    let binds: Vec<Exec> = devices
        .iter()
        .map(|d| {
            let proof = d
                .key
                .sign(&bind_sign_bytes(&domain, &d.id, &d.patient, 0).unwrap());
            Exec::new(
                &c.registry,
                &registry::ExecuteMsg::BindDevice {
                    device_id: d.id.clone(),
                    patient: Some(d.patient.clone()),
                    signature: proof,
                },
            )
        })
        .collect();
    cost.bind_per_device
        .extend(send_chunks(net, "bench", binds, 40, "bind devices"));
    devices
}

/// Readings of the benchmark are a minute apart, the fastest a CGM may plausibly sample (the
/// anchors contract refuses denser batches), so that every device's measured batches fit in one
/// UTC day and each measures the steady state (the device's coverage entry for the day exists).
/// Times are fixed-width fields of the signed header: the gas does not depend on them.
const READING_INTERVAL: u64 = 60;
const DAY: u64 = 86_400;

/// Gives every device its data day: the UTC day after the last binding, which must be over
/// (data may not lie more than 5 minutes ahead of the chain), so the clock moves past it.
pub fn start_data_day(net: &Network, devices: &mut [&mut [BenchDevice]]) -> u64 {
    let (_, now) = net.status().expect("status");
    let day_start = (now / DAY + 1) * DAY;
    net.advance_clock_to(day_start + DAY + 60);
    for d in devices.iter_mut().flat_map(|set| set.iter_mut()) {
        d.next_time = day_start;
    }
    day_start
}

/// Anchors one batch of `readings` readings for each of `devices` in one transaction, with
/// version 1 headers.
pub fn anchor_once(
    net: &Network,
    devices: &mut [BenchDevice],
    readings: u32,
    label: &str,
) -> Measure {
    anchor_headers(net, devices, readings, label, HeaderVersion::V1)
}

/// The header version a measurement uses: 1, or 2 listing the readings' scope (glucose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderVersion {
    V1,
    V2,
}

/// Anchors one batch of `readings` readings for each of `devices` in one transaction.
pub fn anchor_headers(
    net: &Network,
    devices: &mut [BenchDevice],
    readings: u32,
    label: &str,
    version: HeaderVersion,
) -> Measure {
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &net.contracts.anchors,
    };
    let span = u64::from(readings.saturating_sub(1)) * READING_INTERVAL;
    let batches: Vec<SignedBatch> = devices
        .iter()
        .map(|d| {
            assert_eq!(
                d.next_time / DAY,
                (d.next_time + span) / DAY,
                "a benchmark device ran out of its data day"
            );
            match version {
                HeaderVersion::V1 => signed_batch(
                    &d.key,
                    &d.id,
                    d.next_seq,
                    readings,
                    d.next_time,
                    READING_INTERVAL,
                    &domain,
                ),
                HeaderVersion::V2 => signed_batch_v2(
                    &d.key,
                    &d.id,
                    d.next_seq,
                    readings,
                    d.next_time,
                    READING_INTERVAL,
                    &domain,
                    &[ReadingKind::Glucose],
                ),
            }
        })
        .collect();
    let tx: TxResult = net.send(
        "relayer",
        &[Exec::new(
            &net.contracts.anchors,
            &anchors::ExecuteMsg::SubmitBatches {
                batches: submission(&batches),
            },
        )],
        BENCH_GAS_LIMIT,
    );
    if tx.ok() {
        // A failed submission anchors nothing: the devices' next batches start where they were.
        for d in devices.iter_mut() {
            d.next_seq += u64::from(readings);
            d.next_time += span + READING_INTERVAL;
        }
    }
    let m = Measure {
        label: label.to_string(),
        version,
        algorithm: alg_name(devices[0].key.algorithm()),
        batches: devices.len(),
        readings_per_batch: readings,
        gas_used: tx.gas_used,
        tx_bytes: tx.tx_bytes,
        ok: tx.ok(),
        raw_log: tx.raw_log.clone(),
    };
    eprintln!(
        "  {label}: {} x {} readings ({}): ok={} gas_used {} = {:.0}/reading, {:.0}/batch, {} tx bytes",
        m.batches,
        m.readings_per_batch,
        m.algorithm,
        m.ok,
        m.gas_used,
        m.per_reading(),
        m.per_batch(),
        m.tx_bytes
    );
    if !m.ok {
        eprintln!("    failed: {}", m.raw_log);
    }
    m
}

/// All measurements of the gas report.
pub struct Report {
    pub setup: SetupCost,
    pub first: Vec<Measure>,
    pub batch_sizes: Vec<Measure>,
    pub batches_per_tx: Vec<Measure>,
    /// Hourly 12-reading batches with version 2 headers (one scope: glucose).
    pub v2_batches_per_tx: Vec<Measure>,
    pub block_fit: Measure,
    pub secp256r1: Vec<Measure>,
    pub claims: ClaimReport,
}

pub fn run(net: &Network) -> Report {
    let mut setup = SetupCost::default();
    let mut ed = setup_devices(net, KeyAlgorithm::Ed25519, 800, &mut setup);
    let mut r1 = setup_devices(net, KeyAlgorithm::Secp256r1, 100, &mut setup);
    start_data_day(net, &mut [&mut ed, &mut r1]);

    // First anchoring of every device (creates its cursor and coverage entries), in
    // transactions of 200 batches (what the contract accepts today, see docs/gas.md).
    let mut first = vec![];
    for chunk in ed.chunks_mut(200) {
        first.push(anchor_once(net, chunk, 12, "first batch of each device"));
    }
    first.push(anchor_once(net, &mut r1, 12, "first batch of each device"));

    let mut batch_sizes = vec![];
    for n in [1u32, 12, 48, 60, 288] {
        batch_sizes.push(anchor_once(net, &mut ed[..100], n, "batch size"));
    }
    let mut batches_per_tx = vec![];
    for k in [1usize, 10, 100, 250, 400] {
        batches_per_tx.push(anchor_once(
            net,
            &mut ed[100..100 + k],
            12,
            "batches per tx",
        ));
    }
    batches_per_tx.push(anchor_once(net, &mut ed[100..350], 60, "batches per tx"));
    let mut v2_batches_per_tx = vec![];
    for k in [100usize, 400] {
        v2_batches_per_tx.push(anchor_headers(
            net,
            &mut ed[400..400 + k],
            12,
            "batches per tx, version 2 headers",
            HeaderVersion::V2,
        ));
    }
    let block_fit = anchor_once(net, &mut ed[..800], 12, "800 hourly batches in one tx");
    let mut secp256r1 = vec![];
    for n in [12u32, 60] {
        secp256r1.push(anchor_once(net, &mut r1[..100], n, "secp256r1"));
    }
    Report {
        setup,
        first,
        batch_sizes,
        batches_per_tx,
        v2_batches_per_tx,
        block_fit,
        secp256r1,
        claims: claims_by_devices(net, &CLAIM_DEVICES),
    }
}

/// One patient's claim in [`claims_by_devices`].
#[derive(Clone, Debug)]
pub struct ClaimMeasure {
    /// The patient's devices (all bound to them, all anchoring on the study's data day).
    pub devices: usize,
    /// Days of the study's data period with readings of the patient.
    pub days: u32,
    /// Readings credited to the patient by the union (its `Contribution` query).
    pub readings: u64,
    /// What the claim paid.
    pub payout: u128,
    pub gas_used: u64,
    pub tx_bytes: usize,
    pub ok: bool,
    pub raw_log: String,
}

/// The measurement of the claim's gas by devices per patient.
#[derive(Clone, Debug)]
pub struct ClaimReport {
    pub study_id: u64,
    /// The anchoring transactions of the patients' devices (one per patient).
    pub anchoring: Vec<Measure>,
    /// One claim per patient, in the order they were sent.
    pub claims: Vec<ClaimMeasure>,
}

/// Gas limit of the bank sends that fund the claiming patients.
const BANK_SEND_GAS: u64 = 200_000;

/// Devices of the patients of [`claims_by_devices`], in the order they claim.
pub const CLAIM_DEVICES: [usize; 2] = [1, 20];
/// The claim study's cap per patient (its pool: 1,000,000, 980,000 net of the union's fee).
const CLAIM_CAP: u128 = 400_000;

/// Claim gas by devices per patient. Two patients who sign for themselves (fresh keys generated
/// by the harness, funded by `bench`) each bind their own CGMs — patient A 1, patient B 20 — give
/// research consent to a one-day study and join it. Every device anchors readings a minute apart
/// on the study's data day, the same number of readings per patient (A: one batch of 240
/// readings; B: 20 batches of 12, in one transaction), so that the two patients differ only in
/// their number of devices. Then the clock moves to the study's close and both claim; each
/// claim's `gas_used` is recorded.
pub fn claims_by_devices(net: &Network, devices_per_patient: &[usize]) -> ClaimReport {
    const READINGS_PER_PATIENT: u32 = 240;
    let c = &net.contracts;
    let tag = run_tag();
    // The devices are bound before the data day starts (data may not predate a bind): keep
    // the setup well away from a UTC midnight.
    net.avoid_midnight(3_600);

    let mut patients: Vec<(String, String)> = vec![];
    let mut sets: Vec<Vec<BenchDevice>> = vec![];
    for (p, &n) in devices_per_patient.iter().enumerate() {
        let key = format!("claim{p}-{n}dev-{tag}");
        let addr = net.add_key(&key);
        net.bank_send("bench", &addr, 10_000_000, BANK_SEND_GAS)
            .expect_ok("fund a claiming patient");
        sets.push(
            (0..n)
                .map(|i| BenchDevice {
                    id: format!("claim{p}-{tag}-{i:02}"),
                    key: TestKey::new(KeyAlgorithm::Ed25519, ((200 + 30 * p + i) % 250 + 1) as u8),
                    patient: addr.clone(),
                    next_seq: 1,
                    next_time: 0,
                })
                .collect(),
        );
        patients.push((key, addr));
    }
    net.send(
        "manufacturer",
        &[Exec::new(
            &c.registry,
            &registry::ExecuteMsg::RegisterDevices {
                devices: sets
                    .iter()
                    .flatten()
                    .map(|d| NewDevice {
                        id: d.id.clone(),
                        kind: DeviceKind::Cgm,
                        model: "bench-cgm".into(),
                        public_key: d.key.public_key(),
                        key_custody: KeyCustody::Device,
                    })
                    .collect(),
            },
        )],
        SETUP_GAS_LIMIT,
    )
    .expect_ok("register the claiming patients' devices");
    let registry_domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.registry,
    };
    for ((key, addr), set) in patients.iter().zip(&sets) {
        // Each patient binds their own devices (fresh devices: nonce 0), all in one tx.
        let binds: Vec<Exec> = set
            .iter()
            .map(|d| {
                let proof = d
                    .key
                    .sign(&bind_sign_bytes(&registry_domain, &d.id, addr, 0).unwrap());
                Exec::new(
                    &c.registry,
                    &registry::ExecuteMsg::BindDevice {
                        device_id: d.id.clone(),
                        patient: None,
                        signature: proof,
                    },
                )
            })
            .collect();
        net.send(key, &binds, SETUP_GAS_LIMIT)
            .expect_ok("a patient binds their devices");
        let owned: Page<Device> = net
            .query(
                &c.registry,
                &registry::QueryMsg::DevicesByOwner {
                    owner: addr.clone(),
                    start_after: None,
                    limit: Some(100),
                },
            )
            .expect("devices by owner");
        assert_eq!(
            owned.items.len(),
            set.len(),
            "{key} owns exactly its bench devices"
        );
    }

    // A study of tomorrow's glucose data, closing an hour after that day ends.
    let (_, now) = net.status().expect("status");
    let data_day = now / DAY + 1;
    let closes_at = (data_day + 1) * DAY + 3_600;
    let sponsor = net.addr("sponsor");
    let tx = net
        .send(
            "sponsor",
            &[Exec::new(
                &c.union,
                &union::ExecuteMsg::CreateStudy {
                    study: NewStudy {
                        title: format!("claim gas by devices {tag}"),
                        description_url: "https://example.invalid/protocol".into(),
                        scopes: vec![DataScope::Glucose],
                        data_from_day: data_day,
                        data_to_day: data_day,
                        closes_at: Some(Timestamp::from_seconds(closes_at)),
                        eligibility: Eligibility {
                            min_readings_per_day: 1,
                            min_days: 1,
                            device_kinds: vec![DeviceKind::Cgm],
                            max_readings_per_day: None,
                        },
                        // Below an equal share of the net pool (980,000), so that no claim
                        // empties the union's balance: a bank balance that drops to zero is
                        // deleted, which costs a few thousand gas less than updating it and
                        // would favour whichever claim comes last.
                        cap_per_patient: Uint128::new(CLAIM_CAP),
                    },
                    denom: net.denom.clone(),
                },
            )
            .with_funds(1_000_000)],
            DEFAULT_GAS_LIMIT,
        )
        .expect_ok("create the claim study");
    let study_id: u64 = tx
        .attr("wasm", "study_id")
        .expect("study_id attribute")
        .parse()
        .unwrap();
    for (key, _) in &patients {
        net.execute(
            key,
            &c.consent,
            &consent::ExecuteMsg::Grant {
                patient: None,
                grantee: sponsor.clone(),
                scopes: vec![DataScope::Glucose],
                purpose: Purpose::Research,
                study_id: Some(study_id),
                data_from: Timestamp::from_seconds(data_day * DAY),
                data_to: Timestamp::from_seconds(data_day * DAY + DAY - 1),
                expires: Expiry::AtTime(Timestamp::from_seconds(now + 30 * DAY)),
            },
        )
        .expect_ok("research consent");
        net.execute(key, &c.union, &union::ExecuteMsg::Join { study_id })
            .expect_ok("join the claim study");
    }

    // The data day passes; every device anchors its readings of that day.
    let mut all: Vec<&mut [BenchDevice]> = sets.iter_mut().map(|s| s.as_mut_slice()).collect();
    let day_start = start_data_day(net, &mut all);
    assert_eq!(day_start, data_day * DAY, "the data day is the study's");
    let mut anchoring = vec![];
    for set in sets.iter_mut() {
        let per_device = READINGS_PER_PATIENT / set.len() as u32;
        let label = format!("claim study: {} device(s) of one patient", set.len());
        let m = anchor_once(net, set, per_device, &label);
        assert!(m.ok, "anchoring for the claim study failed: {}", m.raw_log);
        anchoring.push(m);
    }
    let contribution = |who: &str| -> ContributionResponse {
        net.query(
            &c.union,
            &union::QueryMsg::Contribution {
                study_id,
                patient: who.to_string(),
            },
        )
        .expect("contribution query")
    };
    for (key, addr) in &patients {
        let cr = contribution(addr);
        assert!(cr.eligible, "{key} is eligible: {cr:?}");
        assert_eq!(cr.counted_units, u64::from(READINGS_PER_PATIENT), "{key}");
    }

    // The study closes; both patients claim.
    net.advance_clock_to(closes_at + 5);
    let mut claims = vec![];
    for ((key, addr), set) in patients.iter().zip(&sets) {
        let before = contribution(addr);
        let tx = net.execute(key, &c.union, &union::ExecuteMsg::Claim { study_id });
        let payout: u128 = tx
            .attr("wasm", "amount")
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        let m = ClaimMeasure {
            devices: set.len(),
            days: before.counting_days,
            readings: before.counted_units,
            payout,
            gas_used: tx.gas_used,
            tx_bytes: tx.tx_bytes,
            ok: tx.ok(),
            raw_log: tx.raw_log.clone(),
        };
        eprintln!(
            "  claim with {} device(s), {} day(s), {} readings: ok={} paid {} gas_used {}",
            m.devices, m.days, m.readings, m.ok, m.payout, m.gas_used
        );
        assert!(
            m.ok,
            "claim with {} devices failed: {}",
            m.devices, m.raw_log
        );
        assert_eq!(
            Uint128::new(payout),
            before.claimable,
            "the claim paid what the union showed as claimable"
        );
        claims.push(m);
    }
    ClaimReport {
        study_id,
        anchoring,
        claims,
    }
}
