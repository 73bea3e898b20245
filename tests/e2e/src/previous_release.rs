//! The migration of a network running the release of 2026-12-01 (device-registry 0.3.2,
//! reading-anchors 0.2.2, consent 0.4.0, data-union 0.2.2, whose wasm is kept in
//! `tests/e2e/legacy/2026-12-01/`) to the current code, on a real node.
//!
//! `scripts/e2e.sh` migrates the seeded 0.1.0 network to that release and runs [`seed`], which
//! leaves the kinds of record the release of 2026-12-06 reads in a new way: a Nightscout-style
//! gateway whose key a custodian relayer holds (registered before the registry recorded key
//! holders), a study of the old book (no `earned` totals) with a member and an anchored
//! contribution, the coverage those readings made (segments without a scope), and an open
//! transfer offer (stored before the `transfers_from` index). It writes what it did to
//! `.chain/<chain-id>/seed-2026-12-01.json` and the two new accounts' keys beside it. After the
//! current build is deployed (every contract migrates in place), [`verify`] checks that each
//! record reads as before and follows the current rules: custody ends with the custodian, the
//! old study pays what the old rule promised, coverage is unchanged, the offer is still open.

use std::path::PathBuf;

use cosmwasm_std::Uint128;
use diachain_std::anchors::{self, CoverageResponse};
use diachain_std::device::{DeviceKind, KeyAlgorithm, KeyCustody, Role};
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::{
    self, AnchoringInfoResponse, NewDevice, PendingTransfer, MAX_TRANSFER_EXPIRY_SECONDS,
};
use diachain_std::testing::{signed_batch, submission, SignedBatch, TestKey};
use diachain_std::union::{self, ContributionResponse, StudyResponse};
use diachain_std::{Domain, Page};
use serde::{Deserialize, Serialize};

use crate::{repo_root, run_tag, Network, TxResult};

const DAY: u64 = 86_400;
/// The release the network runs while [`seed`] runs.
pub const RELEASE: &str = "2026-12-01";
/// The custodian relayer and the patient of the seeded records: new accounts, saved beside the
/// seed file (`key-<name>.hex`), which no other test uses.
const CUSTODIAN: &str = "prev-custodian";
const PATIENT: &str = "prev-patient";
/// Funds for each new account's fees.
const ACCOUNT_FUNDS: u128 = 10_000_000;
const BANK_SEND_GAS: u64 = 200_000;

/// What [`seed`] left on chain, for [`verify`].
#[derive(Serialize, Deserialize, Debug)]
pub struct Seeded {
    pub patient: String,
    pub custodian: String,
    pub cgm_id: String,
    pub gateway_id: String,
    pub pen_id: String,
    /// The gateway's last anchored reading: seq and measured time.
    pub gateway_last: (u64, u64),
    pub study_id: u64,
    pub closes_at: u64,
    pub day: u64,
    /// The release's answers, to compare after the migration.
    pub coverage: CoverageResponse,
    pub offer: PendingTransfer,
    pub counted_units: u64,
    pub projected_payout: Uint128,
}

pub fn seed_file(net: &Network) -> PathBuf {
    repo_root().join(format!(".chain/{}/seed-{RELEASE}.json", net.chain_id))
}

fn cgm_key() -> TestKey {
    TestKey::new(KeyAlgorithm::Secp256k1, 51)
}

fn gateway_key() -> TestKey {
    TestKey::new(KeyAlgorithm::Ed25519, 52)
}

fn pen_key() -> TestKey {
    TestKey::new(KeyAlgorithm::Secp256r1, 53)
}

fn new_device(id: &str, kind: DeviceKind, key: &TestKey, custody: KeyCustody) -> NewDevice {
    NewDevice {
        id: id.to_string(),
        kind,
        model: "e2e-model-1".into(),
        public_key: key.public_key(),
        key_custody: custody,
    }
}

/// `bind_sign_bytes`-style proof of `key` for giving device `id` to `to` (a bind or a transfer
/// offer), at the device's current nonce.
fn possession(net: &Network, id: &str, key: &TestKey, to: &str) -> cosmwasm_std::Binary {
    let c = &net.contracts;
    let device: diachain_std::device::Device = net
        .query(&c.registry, &registry::QueryMsg::Device { id: id.into() })
        .expect("device query");
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.registry,
    };
    key.sign(&bind_sign_bytes(&domain, id, to, device.nonce).expect("bind sign bytes"))
}

fn submit(net: &Network, from: &str, batches: &[SignedBatch]) -> TxResult {
    net.execute(
        from,
        &net.contracts.anchors,
        &anchors::ExecuteMsg::SubmitBatches {
            batches: submission(batches),
        },
    )
}

fn anchors_domain(net: &Network) -> Domain<'_> {
    Domain {
        chain_id: &net.chain_id,
        contract: &net.contracts.anchors,
    }
}

/// Leaves the release's records on the network (the contracts must run the release of
/// 2026-12-01) and writes the seed file.
pub fn seed(net: &Network) -> Seeded {
    let c = net.contracts.clone();
    let tag = run_tag();
    let now = net.avoid_midnight(2 * 3_600);
    let day = now / DAY;
    let custodian = net.add_saved_key(CUSTODIAN);
    let patient = net.add_saved_key(PATIENT);
    for to in [&custodian, &patient] {
        net.bank_send("bench", to, ACCOUNT_FUNDS, BANK_SEND_GAS)
            .expect_ok("fund a new account");
    }
    net.execute(
        "consortium",
        &c.registry,
        &registry::ExecuteMsg::AdmitParticipant {
            role: Role::Relayer,
            address: custodian.clone(),
            label: "custodian relayer of the previous release".into(),
        },
    )
    .expect_ok("2026-12-01: admit a custodian relayer");

    let (cgm_id, pen_id, gateway_id) = (
        format!("cgm-prev-{tag}"),
        format!("pen-prev-{tag}"),
        format!("ns-prev-{tag}"),
    );
    net.execute(
        "manufacturer",
        &c.registry,
        &registry::ExecuteMsg::RegisterDevices {
            devices: vec![
                new_device(&cgm_id, DeviceKind::Cgm, &cgm_key(), KeyCustody::Device),
                new_device(&pen_id, DeviceKind::Pen, &pen_key(), KeyCustody::Device),
            ],
        },
    )
    .expect_ok("2026-12-01: register a CGM and a pen");
    // A Nightscout uploader's gateway: the custodian relayer registers it and holds its key.
    net.execute(
        CUSTODIAN,
        &c.registry,
        &registry::ExecuteMsg::RegisterDevices {
            devices: vec![new_device(
                &gateway_id,
                DeviceKind::Gateway,
                &gateway_key(),
                KeyCustody::Relayer,
            )],
        },
    )
    .expect_ok("2026-12-01: the custodian registers a relayer-held gateway");
    for (id, key) in [
        (&cgm_id, cgm_key()),
        (&pen_id, pen_key()),
        (&gateway_id, gateway_key()),
    ] {
        let signature = possession(net, id, &key, &patient);
        net.execute(
            PATIENT,
            &c.registry,
            &registry::ExecuteMsg::BindDevice {
                device_id: id.clone(),
                patient: None,
                signature,
            },
        )
        .expect_ok("2026-12-01: bind a device");
    }
    let bound_at = net.status().expect("status").1;

    let study_id = crate::migration::seed_study(net, RELEASE, PATIENT, day, now);
    let closes_at = (day + 1) * DAY;
    // An open transfer offer of the pen to patient3, as long as offers may run.
    let signature = possession(net, &pen_id, &pen_key(), &net.addr("patient3"));
    net.execute(
        PATIENT,
        &c.registry,
        &registry::ExecuteMsg::TransferDevice {
            device_id: pen_id.clone(),
            new_owner: net.addr("patient3"),
            signature,
            expires_in_seconds: Some(MAX_TRANSFER_EXPIRY_SECONDS),
        },
    )
    .expect_ok("2026-12-01: offer the pen to patient3");

    // Twelve CGM readings a minute apart since the binding, and six gateway readings a second
    // apart, anchored once measured: the CGM's by the relayer, the gateway's by its custodian.
    net.advance_clock(800);
    let domain = anchors_domain(net);
    let cgm = signed_batch(&cgm_key(), &cgm_id, 1, 12, bound_at + 1, 60, &domain);
    submit(net, "relayer", &[cgm]).expect_ok("2026-12-01: anchor the CGM's batch");
    let gateway = signed_batch(&gateway_key(), &gateway_id, 1, 6, bound_at + 1, 1, &domain);
    let gateway_last = (6, gateway.header.last_time);
    submit(net, CUSTODIAN, &[gateway]).expect_ok("2026-12-01: anchor the gateway's batch");

    let coverage: CoverageResponse = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Coverage {
                patient: patient.clone(),
                from_day: day,
                to_day: day,
            },
        )
        .expect("coverage");
    assert!(
        coverage.days.iter().map(|d| d.readings).sum::<u64>() >= 18,
        "both batches are covered: {coverage:?}"
    );
    let offer: Option<PendingTransfer> = net
        .query(
            &c.registry,
            &registry::QueryMsg::PendingTransfer {
                device_id: pen_id.clone(),
            },
        )
        .expect("pending transfer");
    // The release answers Contribution in a form the current type reads (fields were added
    // since, each optional or defaulted).
    let contribution: serde_json::Value = net
        .query(
            &c.union,
            &union::QueryMsg::Contribution {
                study_id,
                patient: patient.clone(),
            },
        )
        .expect("contribution");
    let field = |k: &str| contribution[k].clone();
    let counted_units: u64 = serde_json::from_value(field("counted_units")).expect("units");
    let projected_payout: Uint128 =
        serde_json::from_value(field("projected_payout")).expect("projected payout");
    assert_eq!(
        counted_units, 12,
        "the CGM's readings count: {contribution}"
    );
    assert!(!projected_payout.is_zero(), "{contribution}");
    let seeded = Seeded {
        patient,
        custodian,
        cgm_id,
        gateway_id,
        pen_id,
        gateway_last,
        study_id,
        closes_at,
        day,
        coverage,
        offer: offer.expect("the offer is open"),
        counted_units,
        projected_payout,
    };
    let json = serde_json::to_vec_pretty(&seeded).expect("seed serializes");
    std::fs::write(seed_file(net), json).expect("write the seed file");
    seeded
}

/// Reads the seed file and the two saved keys (after the migration, in a new process).
pub fn load(net: &Network) -> Seeded {
    let path = seed_file(net);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (scripts/e2e.sh seeds the release of {RELEASE} first)",
            path.display()
        )
    });
    let seeded: Seeded = serde_json::from_slice(&bytes).expect("seed file");
    assert_eq!(net.load_saved_key(CUSTODIAN), seeded.custodian);
    assert_eq!(net.load_saved_key(PATIENT), seeded.patient);
    seeded
}

/// Checks, after the migration, every record [`seed`] left.
pub fn verify(net: &Network, s: &Seeded) {
    verify_coverage_and_offer(net, s);
    verify_old_study_pays_as_promised(net, s);
    verify_custody_ends_with_the_custodian(net, s);
}

fn verify_coverage_and_offer(net: &Network, s: &Seeded) {
    let c = &net.contracts;
    let coverage: CoverageResponse = net
        .query(
            &c.anchors,
            &anchors::QueryMsg::Coverage {
                patient: s.patient.clone(),
                from_day: s.day,
                to_day: s.day,
            },
        )
        .expect("coverage");
    assert_eq!(coverage, s.coverage, "coverage read as the release read it");
    let offer: Option<PendingTransfer> = net
        .query(
            &c.registry,
            &registry::QueryMsg::PendingTransfer {
                device_id: s.pen_id.clone(),
            },
        )
        .expect("pending transfer");
    assert_eq!(offer.as_ref(), Some(&s.offer), "the offer is still open");
    let to: Page<PendingTransfer> = net
        .query(
            &c.registry,
            &registry::QueryMsg::PendingTransfersTo {
                recipient: net.addr("patient3"),
                start_after: None,
                limit: None,
            },
        )
        .expect("transfers to");
    assert!(
        to.items.contains(&s.offer),
        "the recipient still finds the offer: {to:?}"
    );
    // As the CHANGELOG says (device-registry 0.4.0): offers stored before 0.4.0 are not in the
    // new index of offers by owner.
    let from: Page<PendingTransfer> = net
        .query(
            &c.registry,
            &registry::QueryMsg::PendingTransfersFrom {
                owner: s.patient.clone(),
                start_after: None,
                limit: None,
            },
        )
        .expect("transfers from");
    assert!(from.items.is_empty(), "{from:?}");
}

fn verify_old_study_pays_as_promised(net: &Network, s: &Seeded) {
    let c = &net.contracts;
    net.advance_clock_to(s.closes_at + 5);
    let study: StudyResponse = net
        .query(
            &c.union,
            &union::QueryMsg::Study {
                study_id: s.study_id,
            },
        )
        .expect("the study survived");
    assert_eq!(study.study.earned, None, "a study of the old book has none");
    assert_eq!(study.reserved, Uint128::zero());
    let contribution: ContributionResponse = net
        .query(
            &c.union,
            &union::QueryMsg::Contribution {
                study_id: s.study_id,
                patient: s.patient.clone(),
            },
        )
        .expect("contribution");
    assert_eq!(contribution.counted_units, s.counted_units);
    assert!(contribution.eligible, "{contribution:?}");
    assert_eq!(contribution.projected_payout, s.projected_payout);
    assert_eq!(
        contribution.claimable, s.projected_payout,
        "{contribution:?}"
    );
    let tx = net
        .execute(
            PATIENT,
            &c.union,
            &union::ExecuteMsg::Claim {
                study_id: s.study_id,
            },
        )
        .expect_ok("claim from the old study after the migration");
    assert_eq!(
        tx.attr("wasm", "amount"),
        Some(s.projected_payout.to_string()),
        "the old rule pays what the release projected"
    );
}

/// The custodian is suspended: what it attested before may still be anchored (for a day), what
/// its key signs for readings measured since is refused, whoever submits it, and after its
/// reinstatement the lapse stays closed.
fn verify_custody_ends_with_the_custodian(net: &Network, s: &Seeded) {
    let c = &net.contracts;
    let info: AnchoringInfoResponse = net
        .query(
            &c.registry,
            &registry::QueryMsg::AnchoringInfo {
                relayer: net.addr("relayer"),
                device_ids: vec![s.gateway_id.clone()],
            },
        )
        .expect("anchoring info");
    let holder = info.devices[0]
        .as_ref()
        .and_then(|d| d.key_holder.clone())
        .expect("the old gateway's holder is read from its device record");
    assert_eq!(
        (holder.relayer.as_str(), holder.refuses_from),
        (s.custodian.as_str(), None)
    );

    let participant = |msg| {
        net.execute("consortium", &c.registry, &msg)
            .expect_ok("suspend or reinstate the custodian")
    };
    participant(registry::ExecuteMsg::SuspendParticipant {
        role: Role::Relayer,
        address: s.custodian.clone(),
        reason: "audit".into(),
    });
    let suspended = net.status().expect("status").1;
    let domain = anchors_domain(net);
    let (last_seq, last_time) = s.gateway_last;
    // Measured before the suspension: anchored by another relayer within the day.
    let before = signed_batch(
        &gateway_key(),
        &s.gateway_id,
        last_seq + 1,
        3,
        last_time + 1,
        1,
        &domain,
    );
    submit(net, "relayer", &[before]).expect_ok("anchor what the custodian attested before");
    // Measured after it: refused.
    net.wait_until_time(suspended + 5);
    let after = || {
        signed_batch(
            &gateway_key(),
            &s.gateway_id,
            last_seq + 4,
            3,
            suspended + 1,
            1,
            &domain,
        )
    };
    submit(net, "relayer", &[after()]).expect_err(
        "a held key's readings measured after its holder's suspension",
        "not in good standing since",
    );
    participant(registry::ExecuteMsg::ReinstateParticipant {
        role: Role::Relayer,
        address: s.custodian.clone(),
    });
    submit(net, CUSTODIAN, &[after()]).expect_err(
        "readings measured while the holder was suspended, after its reinstatement",
        "which was out of good standing from",
    );
}
