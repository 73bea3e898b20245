//! The patient's journey through DiaChain, one test per chapter, on the four real contracts
//! wired together. Each test replays the chapters before it (`journey::through`), plays its
//! own chapter, and proves what that chapter promises. The chapters' actions are in
//! `src/journey.rs`; the calendar is documented there.

use cosmwasm_std::{Timestamp, Uint128};
use diachain_integration::journey::{self, *};
use diachain_integration::*;
use diachain_std::anchors::{self, BatchInfo};
use diachain_std::consent::{self as consent_msg, Denial, Expiry, Grant, GrantStatus};
use diachain_std::device::RevocationReason;
use diachain_std::registry;
use diachain_std::union::{self, PoolToken, StudyPhase};
use diachain_std::{DataScope, Device, DeviceKind, DeviceStatus, Page, Purpose};

type AnchorsError = reading_anchors::ContractError;
type RegistryError = device_registry::ContractError;
type ConsentError = consent::ContractError;
type UnionError = data_union::ContractError;

/// Sequence number of the patient's first CGM reading on `day`. The CGM numbers its readings
/// from 1 and was worn all day on the days the relayer anchored it (288 readings a day); it was
/// not worn on `CLINIC_DAY`.
fn first_cgm_seq(day: u64) -> u64 {
    let worn_days_before = match day {
        FIRST_DAY => 0,
        GAP_DAY => 1,
        STUDY_FROM => 2,
        COMPROMISE_DAY => 3,
        other => panic!("the CGM was not worn all day on day {other}"),
    };
    worn_days_before * 288 + 1
}

/// Sequence number of the CGM reading measured at `hour:minute` of `day`.
fn cgm_seq(day: u64, hour: u64, minute: u64) -> u64 {
    first_cgm_seq(day) + hour * 12 + minute / 5
}

/// Chapter 1 — **A manufacturer registers a CGM and a smart pen.**
///
/// The admitted manufacturer registers devices in bulk, each with an opaque random id, its kind,
/// model and public key. They start active and owned by nobody, and the anchors contract refuses
/// readings of a device nobody owns: a device's data always belongs to a patient.
#[test]
fn ch01_a_manufacturer_registers_a_cgm_and_a_smart_pen() {
    let mut s = journey::through(0);
    journey::ch01_manufacturer_registers_devices(&mut s);
    let a = s.actors.clone();

    for (id, kind) in [(CGM, DeviceKind::Cgm), (PEN, DeviceKind::Pen)] {
        let device = s.device(id);
        assert_eq!(device.kind, kind);
        assert_eq!(device.manufacturer, a.manufacturer);
        assert_eq!(device.public_key, s.device_sim(id).key.public_key());
        assert_eq!(device.owner, None);
        assert_eq!(device.status, DeviceStatus::Active);
        assert_eq!(device.nonce, 0);
    }
    let listed: Page<Device> = s.query(
        &s.registry,
        &registry::QueryMsg::DevicesByManufacturer {
            manufacturer: a.manufacturer.to_string(),
            start_after: None,
            limit: None,
        },
    );
    let mut ids: Vec<_> = listed.items.iter().map(|d| d.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec![OTHER_CGM, CGM, PEN]);

    s.set_time(at(GENESIS_DAY, 8, 30));
    let unowned = s.batch(CGM, 1, 6, at(GENESIS_DAY, 8, 0));
    assert_refused(
        s.submit(&[unowned]),
        AnchorsError::DeviceNotBound {
            index: 0,
            device_id: CGM.to_string(),
        },
    );
}

/// Chapter 2 — **The patient binds them.**
///
/// A device is bound only with its own proof of possession: a signature by the device key over
/// the chain id, the registry address, the device id, the patient and the device's nonce. A
/// proof made out for another patient is refused. The patient names a guardian (a parent), who
/// binds the pen for them; both devices end up owned by the patient, and every bind moves the
/// nonce so no proof can be used twice.
#[test]
fn ch02_the_patient_binds_them() {
    let mut s = journey::through(1);
    let a = s.actors.clone();
    s.set_time(at(GENESIS_DAY, 8, 45));
    let proof_for_someone_else = s.bind_proof(CGM, &a.other_patient);
    let registry_addr = s.registry.clone();
    assert_refused(
        s.exec(
            &a.patient,
            &registry_addr,
            &registry::ExecuteMsg::BindDevice {
                device_id: CGM.to_string(),
                patient: None,
                signature: proof_for_someone_else,
            },
        ),
        RegistryError::InvalidProofOfPossession {
            id: CGM.to_string(),
        },
    );

    journey::ch02_patient_binds_devices(&mut s);

    let is_guardian: bool = s.query(
        &s.registry,
        &registry::QueryMsg::IsGuardian {
            patient: a.patient.to_string(),
            guardian: a.guardian.to_string(),
        },
    );
    assert!(is_guardian);
    for id in [CGM, PEN] {
        let device = s.device(id);
        assert_eq!(device.owner.as_ref(), Some(&a.patient), "{id} owner");
        assert_eq!(device.nonce, 1, "{id} nonce moved");
    }
    let owned: Page<Device> = s.query(
        &s.registry,
        &registry::QueryMsg::DevicesByOwner {
            owner: a.patient.to_string(),
            start_after: None,
            limit: None,
        },
    );
    let ids: Vec<_> = owned.items.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, vec![CGM, PEN]);
    assert_eq!(s.device(OTHER_CGM).owner, Some(a.other_patient.clone()));
}

/// Chapter 3 — **The relayer anchors a day of readings in hourly signed batches.**
///
/// Every hour the relayer submits the CGM's twelve readings of the hour (and the pen's dose, if
/// any) as batch headers signed by the devices. The anchors contract checks each signature with
/// the key in the registry and keeps one root per batch: the whole day is there (288 glucose
/// readings, 3 doses, no gap), the patient's daily coverage counts them per scope, any reading
/// can be proven against its root — and a reading altered after the fact cannot. Submitting an
/// hour again is refused as a replay.
#[test]
fn ch03_the_relayer_anchors_a_day_of_readings_in_hourly_signed_batches() {
    let mut s = journey::through(2);
    journey::ch03_relayer_anchors_a_day(&mut s);
    let a = s.actors.clone();

    let batches = s.batches(CGM);
    assert_eq!(batches.len(), 24);
    for (hour, b) in batches.iter().enumerate() {
        assert_eq!(b.first_seq, 1 + 12 * hour as u64);
        assert_eq!(b.last_seq, 12 + 12 * hour as u64);
        assert_eq!(b.day, FIRST_DAY);
    }
    let heights: std::collections::BTreeSet<u64> =
        batches.iter().map(|b| b.anchored_height).collect();
    assert_eq!(heights.len(), 24, "one submission per hour");
    assert_eq!(s.batches(PEN).len(), 3);
    assert_eq!(s.cursor(CGM), Some(288));
    assert!(s.gaps(CGM).is_empty());
    assert_eq!(s.coverage(&a.patient, FIRST_DAY, DataScope::Glucose), 288);
    assert_eq!(s.coverage(&a.patient, FIRST_DAY, DataScope::Insulin), 3);
    assert_eq!(
        s.coverage(&a.other_patient, FIRST_DAY, DataScope::Glucose),
        0
    );

    // The 13:25 reading is provable against the root anchored at 14:00.
    let seq = cgm_seq(FIRST_DAY, 13, 25);
    let reading = s.stored_reading(CGM, at(FIRST_DAY, 13, 25)).clone();
    assert_eq!(reading.seq, seq);
    let proof = s.verify_reading(CGM, seq);
    assert!(proof.valid);
    assert_eq!((proof.batch.first_seq, proof.batch.last_seq), (157, 168));

    // The same reading with another value does not match the root.
    let mut altered = reading.clone();
    altered.value += 40_000;
    let batch = s.stored_batch(CGM, seq).clone();
    let forged: anchors::ProofResponse = s.query(
        &s.anchors,
        &anchors::QueryMsg::VerifyProof {
            device_id: CGM.to_string(),
            seq,
            leaf_hash: cosmwasm_std::Binary::new(altered.leaf_hash().unwrap().to_vec()),
            path: batch
                .proof(seq)
                .iter()
                .map(|h| cosmwasm_std::Binary::new(h.to_vec()))
                .collect(),
        },
    );
    assert!(!forged.valid);

    // A replayed hour is refused.
    assert_refused(
        s.submit(&[batch]),
        AnchorsError::Overlap {
            index: 0,
            device_id: CGM.to_string(),
            first_seq: 157,
            anchored: 288,
        },
    );
}

/// Chapter 4 — **A lost reading shows up as a gap.**
///
/// The 10:25 reading of `GAP_DAY` never reaches the relayer. Batches must hold consecutive
/// sequence numbers, so hour 10 is anchored as two batches around it, and the anchors contract
/// records the missing number as a gap, with when it noticed. The gap is permanent: the reading
/// turning up later is refused (sequence numbers never go backwards), so a missing reading can
/// never be quietly filled in after the fact.
#[test]
fn ch04_a_lost_reading_shows_up_as_a_gap() {
    let mut s = journey::through(3);
    journey::ch04_a_reading_is_lost(&mut s);
    let a = s.actors.clone();

    let lost_seq = cgm_seq(GAP_DAY, LOST_HOUR, LOST_POSITION * 5);
    assert_eq!(lost_seq, 414);
    let gaps = s.gaps(CGM);
    assert_eq!(gaps.len(), 1);
    assert_eq!((gaps[0].from_seq, gaps[0].to_seq), (lost_seq, lost_seq));
    assert_eq!(gaps[0].noticed_time, at(GAP_DAY, LOST_HOUR + 1, 0) + 30);
    assert_eq!(s.cursor(CGM), Some(576));
    assert_eq!(s.coverage(&a.patient, GAP_DAY, DataScope::Glucose), 287);

    let around = |s: &Suite, seq: u64| -> BatchInfo {
        s.query(
            &s.anchors,
            &anchors::QueryMsg::Batch {
                device_id: CGM.to_string(),
                seq,
            },
        )
    };
    assert_eq!(around(&s, lost_seq - 1).last_seq, lost_seq - 1);
    assert_eq!(around(&s, lost_seq + 1).first_seq, lost_seq + 1);
    let missing: cosmwasm_std::StdResult<BatchInfo> = s.try_query(
        &s.anchors,
        &anchors::QueryMsg::Batch {
            device_id: CGM.to_string(),
            seq: lost_seq,
        },
    );
    assert!(missing.unwrap_err().to_string().contains(
        &AnchorsError::BatchNotFound {
            device_id: CGM.to_string(),
            seq: lost_seq,
        }
        .to_string()
    ));

    let late = s.batch(CGM, lost_seq, 1, at(GAP_DAY, LOST_HOUR, 25));
    assert_refused(
        s.submit(&[late]),
        AnchorsError::Overlap {
            index: 0,
            device_id: CGM.to_string(),
            first_seq: lost_seq,
            anchored: 576,
        },
    );
}

/// Chapter 5 — **The clinician is granted 24 hours of glucose and a custodian logs the access.**
///
/// The grant covers exactly one scope and one period: `CheckAccess` allows the clinician the
/// glucose of `FIRST_DAY` (or any part of it) and names the grant, but not insulin, nor the next
/// day. The custodian's record of what it served is in the patient's audit log; it cannot record
/// an access the grant does not allow. When the grant expires, access ends by itself.
#[test]
fn ch05_the_clinician_is_granted_24_hours_of_glucose_and_a_custodian_logs_the_access() {
    let mut s = journey::through(4);
    journey::ch05_clinician_gets_24_hours_of_glucose(&mut s);
    let a = s.actors.clone();
    let grant_id = s.story.clinician_grant.unwrap();

    let allowed = s.check_access(&a.patient, &a.clinician, DataScope::Glucose, CLINICIAN_DATA);
    assert!(allowed.allowed);
    assert_eq!(allowed.grant.as_ref().map(|g| g.id), Some(grant_id));
    let one_hour = (at(FIRST_DAY, 13, 0), at(FIRST_DAY, 14, 0) - 1);
    assert!(
        s.check_access(&a.patient, &a.clinician, DataScope::Glucose, one_hour)
            .allowed
    );
    let insulin = s.check_access(&a.patient, &a.clinician, DataScope::Insulin, CLINICIAN_DATA);
    assert_eq!(insulin.denial, Some(Denial::ScopeNotGranted { grant_id }));
    let next_day = (GAP_DAY * DAY, GAP_DAY * DAY + DAY - 1);
    let later = s.check_access(&a.patient, &a.clinician, DataScope::Glucose, next_day);
    assert_eq!(later.denial, Some(Denial::PeriodNotCovered { grant_id }));

    let log = s.access_log(&a.patient);
    assert_eq!(log.len(), 1);
    let record = &log[0];
    assert_eq!(record.grantee, a.clinician);
    assert_eq!(&record.custodian, a.custodian());
    assert_eq!(record.scope, DataScope::Glucose);
    assert_eq!(record.grant_id, grant_id);
    assert_eq!(
        (record.data_from, record.data_to),
        (
            Timestamp::from_seconds(CLINICIAN_DATA.0),
            Timestamp::from_seconds(CLINICIAN_DATA.1)
        )
    );
    assert_eq!(record.at, Timestamp::from_seconds(at(CLINIC_DAY, 9, 5)));

    assert_refused(
        s.record_access(
            &a.patient,
            &a.clinician,
            DataScope::Glucose,
            next_day,
            grant_id,
        ),
        ConsentError::PeriodNotCovered { grant_id },
    );

    s.set_time(at(CLINIC_DAY + 7, 9, 0));
    let expired = s.check_access(&a.patient, &a.clinician, DataScope::Glucose, CLINICIAN_DATA);
    assert_eq!(expired.denial, Some(Denial::Expired { grant_id }));
    assert_eq!(s.grant_info(grant_id).status, GrantStatus::Expired);
}

/// Chapter 6 — **The patient at urgent care gets break-glass access from an emergency
/// provider.**
///
/// With no grant at all, the admitted emergency provider opens a short session with a reason.
/// It covers every scope of the patient's data, is listed among the patient's open sessions (the
/// patient sees it at once), every access under it is in the audit log, only one can be open per
/// provider, and it ends by itself after four hours.
#[test]
fn ch06_the_patient_at_urgent_care_gets_break_glass_access_from_an_emergency_provider() {
    let mut s = journey::through(5);
    let a = s.actors.clone();
    let recent = (FIRST_DAY * DAY, GAP_DAY * DAY + DAY - 1);
    s.set_time(BREAK_GLASS_AT - HOUR);
    assert_eq!(
        s.check_access(&a.patient, &a.emergency, DataScope::Glucose, recent)
            .denial,
        Some(Denial::NoGrant)
    );

    journey::ch06_break_glass_at_urgent_care(&mut s);
    let session_id = s.story.break_glass.unwrap();

    let info = s.grant_info(session_id);
    assert_eq!(info.status, GrantStatus::Active);
    let session = info.grant;
    assert_eq!(session.patient, a.patient);
    assert_eq!(session.grantee, a.emergency);
    assert_eq!(session.purpose, Purpose::Emergency);
    assert_eq!(session.scopes, DataScope::ALL.to_vec());
    let ends = BREAK_GLASS_AT + u64::from(BREAK_GLASS_HOURS) * HOUR;
    assert_eq!(
        session.expires,
        Expiry::AtTime(Timestamp::from_seconds(ends))
    );
    let bg = session.break_glass.expect("break-glass record");
    assert_eq!(bg.hours, BREAK_GLASS_HOURS);
    // A code for the situation, never the patient's state; no note was given.
    assert_eq!(
        (bg.reason, bg.note_hash),
        (consent_msg::BreakGlassReason::PatientCannotConsent, None)
    );

    let open: Page<Grant> = s.query(
        &s.consent,
        &consent_msg::QueryMsg::BreakGlassSessions {
            patient: a.patient.to_string(),
            start_after: None,
            limit: None,
        },
    );
    assert_eq!(
        open.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![session_id]
    );

    for scope in [DataScope::Glucose, DataScope::Insulin, DataScope::Nutrition] {
        let check = s.check_access(&a.patient, &a.emergency, scope, recent);
        assert!(check.allowed, "{scope:?}");
        assert_eq!(check.grant.map(|g| g.id), Some(session_id));
    }
    let log = s.access_log(&a.patient);
    let served: Vec<_> = log
        .iter()
        .filter(|r| r.grant_id == session_id)
        .map(|r| (r.grantee.clone(), r.scope))
        .collect();
    assert_eq!(
        served,
        vec![
            (a.emergency.clone(), DataScope::Glucose),
            (a.emergency.clone(), DataScope::Insulin)
        ]
    );

    let consent_addr = s.consent.clone();
    let again = consent_msg::ExecuteMsg::OpenBreakGlass {
        patient: a.patient.to_string(),
        hours: 2,
        reason: consent_msg::BreakGlassReason::PatientCannotConsent,
        note_hash: None,
        scopes: None,
    };
    assert_refused(
        s.exec(&a.emergency, &consent_addr, &again),
        ConsentError::BreakGlassAlreadyOpen {
            grant_id: session_id,
        },
    );

    // Four hours later the session has ended by itself.
    s.set_time(ends);
    assert_eq!(
        s.check_access(&a.patient, &a.emergency, DataScope::Glucose, recent)
            .denial,
        Some(Denial::Expired {
            grant_id: session_id
        })
    );
    let open: Page<Grant> = s.query(
        &s.consent,
        &consent_msg::QueryMsg::BreakGlassSessions {
            patient: a.patient.to_string(),
            start_after: None,
            limit: None,
        },
    );
    assert!(open.items.is_empty());
    assert_refused(
        s.record_access(
            &a.patient,
            &a.emergency,
            DataScope::Glucose,
            recent,
            session_id,
        ),
        ConsentError::GrantExpired {
            grant_id: session_id,
        },
    );
}

/// Chapter 7 — **The patient joins a sponsor's study and contributes.**
///
/// The sponsor's deposit funds the pool (less the union's fee, paid to the treasury at once).
/// Joining needs a live research consent for the study on the consent contract; the membership
/// records that grant and counts only the consented days. When the relayer anchors the patients'
/// day, the anchors contract tells the union once per message, and the union credits each
/// member's glucose readings — not the pen's insulin doses, which the study does not want.
#[test]
fn ch07_the_patient_joins_a_sponsors_study_and_contributes() {
    let mut s = journey::through(6);
    let a = s.actors.clone();
    journey::ch07_patients_join_the_study_and_contribute(&mut s);
    let study_id = s.story.study.unwrap();

    let study = s.study(study_id);
    assert_eq!(study.phase, StudyPhase::Open);
    assert_eq!(study.study.sponsor, a.sponsor);
    assert_eq!(study.study.closes_at, Timestamp::from_seconds(CLOSES_AT));
    assert_eq!(
        study.study.pool.token,
        PoolToken::Native {
            denom: DENOM.to_string()
        }
    );
    assert_eq!(study.study.pool.funded, Uint128::new(STUDY_FUNDS));
    assert_eq!(study.study.pool.fees, Uint128::new(25_000));
    assert_eq!(s.balance(&a.treasury), 25_000);
    assert_eq!(s.balance(&s.union.clone()), 975_000);
    assert_eq!(s.balance(&a.sponsor), SPONSOR_FUNDS - STUDY_FUNDS);

    let member = s.member(study_id, &a.patient);
    assert!(member.active);
    assert_eq!(member.grant_id, s.story.research_grant.unwrap());
    assert_eq!((member.from_day, member.to_day), (STUDY_FROM, STUDY_TO));
    assert_eq!(member.units, 288, "the CGM's day, not the pen's doses");
    assert_eq!(s.member(study_id, &a.other_patient).units, 288);
    assert_eq!(s.study(study_id).study.total_units, 576);
    assert_eq!(s.coverage(&a.patient, STUDY_FROM, DataScope::Insulin), 3);
    assert_eq!(s.patient_studies(&a.patient), vec![study_id]);

    let so_far = s.contribution(study_id, &a.patient);
    assert_eq!((so_far.counting_days, so_far.counted_units), (1, 288));
    assert!(!so_far.eligible, "two counting days are required");
    assert_eq!(so_far.claimable, Uint128::zero());

    // Without a research consent there is no joining.
    assert_refused(
        s.union_exec(&a.clinician, union::ExecuteMsg::Join { study_id }),
        UnionError::NoResearchConsent { study_id },
    );
}

/// Chapter 8 — **The CGM is reported compromised: later batches are refused, earlier ones stay
/// provable.**
///
/// Revocation is final and takes effect from its time: the compromised CGM's readings measured
/// after it are refused (whoever holds the extracted key), while readings measured before it are
/// still accepted and everything anchored before stays provable against its roots. The patient
/// carries on with a replacement, whose readings count towards the same day.
#[test]
fn ch08_the_cgm_is_reported_compromised_later_batches_are_refused_earlier_ones_stay_provable() {
    let mut s = journey::through(7);
    journey::ch08_cgm_compromised_and_replaced(&mut s);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();

    assert_eq!(
        s.device(CGM).status,
        DeviceStatus::Revoked {
            effective_at: Timestamp::from_seconds(COMPROMISED_AT),
            reason: RevocationReason::Compromised,
        }
    );
    let before = s.cursor(CGM).unwrap();
    assert_eq!(before, cgm_seq(COMPROMISE_DAY, 11, 55));

    // Hour 12, signed with the compromised key: refused.
    let hour_12 = s.batch(CGM, before + 1, 12, at(COMPROMISE_DAY, 12, 0));
    assert_refused(
        s.submit(&[hour_12]),
        AnchorsError::DeviceNotAccepting {
            index: 0,
            device_id: CGM.to_string(),
            at: at(COMPROMISE_DAY, 12, 55),
        },
    );
    // So is anything it signs later.
    s.set_time(at(COMPROMISE_DAY + 1, 1, 0) + 30);
    let tomorrow = s.batch(CGM, before + 100, 12, at(COMPROMISE_DAY + 1, 0, 0));
    assert_refused(
        s.submit(&[tomorrow]),
        AnchorsError::DeviceNotAccepting {
            index: 0,
            device_id: CGM.to_string(),
            at: at(COMPROMISE_DAY + 1, 0, 55),
        },
    );

    // Everything anchored before stays provable.
    for seq in [
        cgm_seq(FIRST_DAY, 13, 25),
        cgm_seq(STUDY_FROM, 0, 0),
        cgm_seq(COMPROMISE_DAY, 11, 55),
    ] {
        let proof = s.verify_reading(CGM, seq);
        assert!(proof.valid, "seq {seq}");
    }

    // Readings measured before the revocation (12:00 and 12:05), delivered late, still count.
    let straggler = s.batch(CGM, before + 1, 2, at(COMPROMISE_DAY, 12, 0));
    s.submit(&[straggler])
        .expect("measured before the revocation");

    // The replacement carried the day.
    assert_eq!(s.device(CGM_REPLACEMENT).owner, Some(a.patient.clone()));
    assert_eq!(s.batches(CGM_REPLACEMENT).len(), 11);
    assert_eq!(
        s.coverage(&a.patient, COMPROMISE_DAY, DataScope::Glucose),
        144 + 132 + 2
    );
    assert_eq!(s.member(study_id, &a.patient).units, 288 + 144 + 132 + 2);
}

/// Chapter 9 — **The patient revokes research consent and accrual stops.**
///
/// The revocation is immediate: consent reports it to the union in the same transaction, the
/// membership becomes inactive, and readings anchored afterwards — still anchored, they are the
/// patient's data — are no longer credited. Without a live consent, the patient cannot rejoin.
/// What was credited before stays claimable.
#[test]
fn ch09_the_patient_revokes_research_consent_and_accrual_stops() {
    let mut s = journey::through(8);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();
    let grant_id = s.story.research_grant.unwrap();
    journey::ch09_research_consent_revoked(&mut s);

    assert_eq!(s.grant_info(grant_id).status, GrantStatus::Revoked);
    let consent: consent_msg::ResearchConsentResponse = s.query(
        &s.consent,
        &consent_msg::QueryMsg::ResearchConsent {
            patient: a.patient.to_string(),
            study_id,
        },
    );
    assert_eq!(consent.consent, None);

    let member = s.member(study_id, &a.patient);
    assert!(!member.active);
    assert_eq!(member.left_at, Some(Timestamp::from_seconds(REVOKED_AT)));
    // 288 + 276 before, and the six hours of STUDY_TO anchored before 06:10.
    assert_eq!(member.units, 288 + 276 + 72);
    assert_eq!(s.coverage(&a.patient, STUDY_TO, DataScope::Glucose), 288);
    assert!(s.patient_studies(&a.patient).is_empty());
    assert_eq!(s.member(study_id, &a.other_patient).units, 3 * 288);
    assert_eq!(s.study(study_id).study.total_units, 636 + 864);

    assert_refused(
        s.union_exec(&a.patient, union::ExecuteMsg::Join { study_id }),
        UnionError::NoResearchConsent { study_id },
    );
}

/// Chapter 10 — **Rewards are claimed.**
///
/// Claims open when the study closes. Each member is paid once, pro rata to the readings
/// credited on days whose credited readings meet the study's minimum per day, capped per
/// patient:
///
/// - net pool = 1,000,000 − 2.5 % fee = 975,000; credited readings: patient 636, other 864;
/// - the patient's last day (72 readings credited before their consent ended) is under the
///   minimum, so 564 count; both are eligible, so the pool is shared among 564 + 864 = 1,428
///   counted readings: 975,000 × 564 / 1,428 = 385,084;
/// - other patient: 975,000 × 864 / 1,428 = 589,915, capped at 500,000.
#[test]
fn ch10_rewards_are_claimed() {
    let mut s = journey::through(9);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();
    assert_refused(
        s.union_exec(&a.patient, union::ExecuteMsg::Claim { study_id }),
        UnionError::ClaimNotOpen {
            study_id,
            opens_at: Timestamp::from_seconds(CLOSES_AT),
        },
    );

    s.set_time(CLAIM_AT);
    assert_eq!(s.study(study_id).phase, StudyPhase::Claiming);
    let mine = s.contribution(study_id, &a.patient);
    assert_eq!((mine.counting_days, mine.counted_units), (2, 564));
    assert!(mine.eligible);
    assert_eq!(mine.claimable, Uint128::new(385_084));
    let theirs = s.contribution(study_id, &a.other_patient);
    assert_eq!(theirs.claimable, Uint128::new(STUDY_CAP));

    let (patient_before, other_before) = (s.balance(&a.patient), s.balance(&a.other_patient));
    journey::ch10_rewards_claimed(&mut s);
    assert_eq!(s.balance(&a.patient) - patient_before, 385_084);
    assert_eq!(s.balance(&a.other_patient) - other_before, STUDY_CAP);
    assert_eq!(
        s.member(study_id, &a.patient).claimed,
        Some(Uint128::new(385_084))
    );
    assert_eq!(s.pool(study_id).pool.paid, Uint128::new(885_084));

    assert_refused(
        s.union_exec(&a.patient, union::ExecuteMsg::Claim { study_id }),
        UnionError::AlreadyClaimed { study_id },
    );
}

/// Chapter 11 — **The sponsor takes back the unearned rest.**
///
/// Not before the grace period has passed, and only the sponsor. Both members have claimed, so
/// nothing is reserved: the whole remainder — the other patient's capped excess, 89,916 — goes
/// back; the books balance exactly (funded = fee + paid + refunded), the union holds nothing
/// more for the study, and nothing is left to withdraw.
#[test]
fn ch11_the_sponsor_takes_back_the_unearned_rest() {
    let mut s = journey::through(10);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();
    assert_refused(
        s.union_exec(&a.sponsor, union::ExecuteMsg::WithdrawUnearned { study_id }),
        UnionError::WithdrawTooEarly {
            available_at: Timestamp::from_seconds(REFUND_AFTER),
        },
    );
    s.set_time(REFUND_AFTER);
    assert_refused(
        s.union_exec(&a.patient, union::ExecuteMsg::WithdrawUnearned { study_id }),
        UnionError::NotSponsor,
    );

    journey::ch11_sponsor_takes_back_the_rest(&mut s);

    assert_eq!(s.balance(&a.sponsor), SPONSOR_FUNDS - STUDY_FUNDS + 89_916);
    let pool = s.pool(study_id);
    assert_eq!(pool.pool.refunded, Some(Uint128::new(89_916)));
    assert_eq!(pool.balance, Uint128::zero());
    assert_eq!(
        pool.pool.funded,
        pool.pool.fees + pool.pool.paid + pool.pool.refunded.unwrap()
    );
    assert_eq!(s.balance(&s.union.clone()), 0);
    assert_eq!(s.balance(&a.treasury), 25_000);
    assert_eq!(s.study(study_id).phase, StudyPhase::Closed);

    assert_refused(
        s.union_exec(&a.sponsor, union::ExecuteMsg::WithdrawUnearned { study_id }),
        UnionError::NothingToWithdraw { study_id },
    );
    assert_refused(
        s.union_exec(&a.other_patient, union::ExecuteMsg::Claim { study_id }),
        UnionError::AlreadyClaimed { study_id },
    );
}
