//! The patient's journey, one function per chapter. Each function performs what happens in its
//! chapter (and panics if the system refuses any of it); the tests in `tests/journey.rs` replay
//! the chapters before theirs with [`through`] and prove what their chapter promises.
//!
//! The calendar (UTC days from the genesis day, 2026-02-16):
//!
//! | day | chapters |
//! | --- | --- |
//! | `GENESIS_DAY` | 1 devices registered, 2 devices bound |
//! | `FIRST_DAY` | 3 a day of readings anchored hour by hour |
//! | `GAP_DAY` | 4 a day with one reading lost on the way |
//! | `CLINIC_DAY` | 5 the clinician's 24 hours of glucose, 6 break-glass at urgent care, 7 the study opens and the patients join |
//! | `STUDY_FROM` ..= `STUDY_TO` | 7 contributions, 8 the CGM is compromised and replaced, 9 research consent revoked |
//! | `closes_at` (`STUDY_TO` + 2) | 10 rewards claimed |
//! | `closes_at` + grace | 11 the sponsor takes back the unearned rest |
//!
//! Claims open only when the study closes, so the claim (chapter 10) comes after the events that
//! happen while the study runs (chapters 8 and 9), and shows their effect on the payout.

use diachain_std::device::RevocationReason;
use diachain_std::union::{self, Eligibility};
use diachain_std::{DataScope, DeviceKind, Purpose};

use crate::*;

/// The day the relayer first anchors a full day of the patient's readings.
pub const FIRST_DAY: u64 = GENESIS_DAY + 1;
/// The day one CGM reading is lost between the sensor and the relayer.
pub const GAP_DAY: u64 = GENESIS_DAY + 2;
/// The hour, and the position within it, of the lost reading (10:25 UTC).
pub const LOST_HOUR: u64 = 10;
pub const LOST_POSITION: u64 = 5;
/// The clinic visit and the evening at urgent care.
pub const CLINIC_DAY: u64 = GENESIS_DAY + 3;
/// The study's data period.
pub const STUDY_FROM: u64 = GENESIS_DAY + 4;
pub const STUDY_TO: u64 = GENESIS_DAY + 6;
/// The day the CGM is found compromised (and replaced), and when.
pub const COMPROMISE_DAY: u64 = STUDY_FROM + 1;
pub const COMPROMISED_AT: u64 = COMPROMISE_DAY * DAY + 12 * HOUR + 10 * MINUTE;
/// When the patient revokes the research consent (after the first six hours are anchored).
pub const REVOKED_AT: u64 = STUDY_TO * DAY + 6 * HOUR + 10 * MINUTE;
/// The study closes one day after its data period (the default), then claims open.
pub const CLOSES_AT: u64 = (STUDY_TO + 2) * DAY;
/// The sponsor may take back the rest from here.
pub const REFUND_AFTER: u64 = CLOSES_AT + GRACE_PERIOD;

/// What the sponsor deposits, and the per-patient cap.
pub const STUDY_FUNDS: u128 = 1_000_000;
pub const STUDY_CAP: u128 = 500_000;
/// A day counts if the anchors contract shows at least this many glucose readings for it.
pub const MIN_READINGS_PER_DAY: u64 = 200;
pub const MIN_DAYS: u32 = 2;

/// The number of chapters.
pub const CHAPTERS: u32 = 11;

/// A fresh suite with chapters `1..=n` played.
pub fn through(n: u32) -> Suite {
    let mut s = SuiteBuilder::default().build();
    for chapter in 1..=n {
        play(&mut s, chapter);
    }
    s
}

/// Plays one chapter.
pub fn play(s: &mut Suite, chapter: u32) {
    match chapter {
        1 => ch01_manufacturer_registers_devices(s),
        2 => ch02_patient_binds_devices(s),
        3 => ch03_relayer_anchors_a_day(s),
        4 => ch04_a_reading_is_lost(s),
        5 => ch05_clinician_gets_24_hours_of_glucose(s),
        6 => ch06_break_glass_at_urgent_care(s),
        7 => ch07_patients_join_the_study_and_contribute(s),
        8 => ch08_cgm_compromised_and_replaced(s),
        9 => ch09_research_consent_revoked(s),
        10 => ch10_rewards_claimed(s),
        11 => ch11_sponsor_takes_back_the_rest(s),
        n => panic!("there is no chapter {n}"),
    }
}

/// Chapter 1. At 08:00 on the genesis day, the manufacturer registers, in one bulk message, the
/// patient's CGM (P-256 key) and smart pen (Ed25519 key), and the CGM of another patient of the
/// same clinic (secp256k1 key).
pub fn ch01_manufacturer_registers_devices(s: &mut Suite) {
    s.register_devices(&[CGM, PEN, OTHER_CGM])
        .accepted("registration");
}

/// Chapter 2. At 09:00 the patient names a parent as guardian, binds the CGM with the sensor's
/// proof of possession, and the guardian binds the pen for the patient. The other patient binds
/// their own CGM.
pub fn ch02_patient_binds_devices(s: &mut Suite) {
    s.set_time(at(GENESIS_DAY, 9, 0));
    let a = s.actors.clone();
    let registry = s.registry.clone();
    s.exec(
        &a.patient,
        &registry,
        &diachain_std::registry::ExecuteMsg::AddGuardian {
            patient: None,
            guardian: a.guardian.to_string(),
        },
    )
    .accepted("guardian named");
    s.bind(&a.patient, CGM, &a.patient).accepted("CGM bound");
    s.bind(&a.guardian, PEN, &a.patient).accepted("pen bound");
    s.bind(&a.other_patient, OTHER_CGM, &a.other_patient)
        .accepted("other CGM bound");
}

/// Chapter 3. On `FIRST_DAY` the relayer anchors the patient's day as it happens: every hour,
/// just after the hour, one `SubmitBatches` with the CGM's 12 signed readings of that hour and
/// any pen dose of that hour (24 messages, 288 glucose readings, 3 doses).
pub fn ch03_relayer_anchors_a_day(s: &mut Suite) {
    s.anchor_day(FIRST_DAY, &[CGM, PEN]);
}

/// Chapter 4. On `GAP_DAY` the reading of 10:25 never reaches the relayer (the phone was out of
/// Bluetooth range). The relayer anchors what it has: hour 10 goes as two batches around the
/// missing sequence number.
pub fn ch04_a_reading_is_lost(s: &mut Suite) {
    s.anchor_hours(
        GAP_DAY,
        0..24,
        &[CGM, PEN],
        &[(CGM, LOST_HOUR, LOST_POSITION)],
    );
}

/// The 24 hours of glucose the clinician is granted: all of `FIRST_DAY`.
pub const CLINICIAN_DATA: (u64, u64) = (FIRST_DAY * DAY, FIRST_DAY * DAY + DAY - 1);

/// Chapter 5. At 09:00 on `CLINIC_DAY` the patient grants the clinician treatment access to 24
/// hours of glucose data (`FIRST_DAY`) for a week; at 09:05 the custodian serves those readings
/// to the clinician and records the access.
pub fn ch05_clinician_gets_24_hours_of_glucose(s: &mut Suite) {
    s.set_time(at(CLINIC_DAY, 9, 0));
    let a = s.actors.clone();
    let grant_id = s
        .grant(
            &a.patient,
            &a.patient,
            &a.clinician,
            &[DataScope::Glucose],
            Purpose::Treatment,
            None,
            CLINICIAN_DATA,
            at(CLINIC_DAY + 7, 9, 0),
        )
        .accepted("grant");
    s.story.clinician_grant = Some(grant_id);
    s.set_time(at(CLINIC_DAY, 9, 5));
    s.record_access(
        &a.patient,
        &a.clinician,
        DataScope::Glucose,
        CLINICIAN_DATA,
        grant_id,
    )
    .accepted("access recorded");
}

/// How long the urgent-care session lasts.
pub const BREAK_GLASS_HOURS: u32 = 4;
pub const BREAK_GLASS_AT: u64 = CLINIC_DAY * DAY + 20 * HOUR;

/// Chapter 6. At 20:00 on `CLINIC_DAY` the patient arrives at urgent care unable to consent.
/// With no prior grant, the emergency provider opens a 4-hour break-glass session — its reason
/// a code, the clinical details in the hospital's own records — and, at 20:05, the custodian serves the last two days of glucose and insulin under it,
/// recording both accesses.
pub fn ch06_break_glass_at_urgent_care(s: &mut Suite) {
    s.set_time(BREAK_GLASS_AT);
    let a = s.actors.clone();
    let consent = s.consent.clone();
    let res = s
        .exec(
            &a.emergency,
            &consent,
            &diachain_std::consent::ExecuteMsg::OpenBreakGlass {
                patient: a.patient.to_string(),
                hours: BREAK_GLASS_HOURS,
                reason: diachain_std::consent::BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .accepted("break-glass");
    let grant_id: u64 = attribute(&res, "grant_id")
        .and_then(|id| id.parse().ok())
        .expect("grant id");
    s.story.break_glass = Some(grant_id);
    s.set_time(BREAK_GLASS_AT + 5 * MINUTE);
    let recent = (FIRST_DAY * DAY, GAP_DAY * DAY + DAY - 1);
    for scope in [DataScope::Glucose, DataScope::Insulin] {
        s.record_access(&a.patient, &a.emergency, scope, recent, grant_id)
            .accepted("access recorded");
    }
}

/// The study the sponsor runs: glucose of `STUDY_FROM..=STUDY_TO`, from a CGM, at least 200
/// readings a day on at least 2 days, at most `STUDY_CAP` per patient.
pub fn the_study() -> union::NewStudy {
    new_study(
        "Time in range with closed-loop CGM",
        &[DataScope::Glucose],
        STUDY_FROM,
        STUDY_TO,
        Eligibility {
            min_readings_per_day: MIN_READINGS_PER_DAY,
            min_days: MIN_DAYS,
            device_kinds: vec![DeviceKind::Cgm],
            max_readings_per_day: None,
        },
        STUDY_CAP,
    )
}

/// The research consent's data period: the study's days.
pub const RESEARCH_DATA: (u64, u64) = (STUDY_FROM * DAY, STUDY_TO * DAY + DAY - 1);

/// Chapter 7. At 23:00 on `CLINIC_DAY` the sponsor creates the study with 1,000,000 udia
/// (2.5 % goes to the treasury). Both patients give the sponsor research consent for it (glucose,
/// the study's days) and join. Then, on `STUDY_FROM`, the relayer anchors both patients' day;
/// the anchors contract tells the union, which credits each member.
pub fn ch07_patients_join_the_study_and_contribute(s: &mut Suite) {
    s.set_time(at(CLINIC_DAY, 23, 0));
    let a = s.actors.clone();
    let study_id = s.create_study(the_study(), STUDY_FUNDS).accepted("study");
    s.story.study = Some(study_id);
    for patient in [&a.patient, &a.other_patient] {
        let grant_id = s
            .grant(
                patient,
                patient,
                &a.sponsor,
                &[DataScope::Glucose],
                Purpose::Research,
                Some(study_id),
                RESEARCH_DATA,
                CLOSES_AT + 30 * DAY,
            )
            .accepted("research consent");
        if *patient == a.patient {
            s.story.research_grant = Some(grant_id);
        } else {
            s.story.other_research_grant = Some(grant_id);
        }
        s.union_exec(patient, union::ExecuteMsg::Join { study_id })
            .accepted("join");
    }
    s.anchor_day(STUDY_FROM, &[CGM, PEN, OTHER_CGM]);
}

/// Chapter 8. On `COMPROMISE_DAY` the relayer anchors hours 0–11 as usual. At 12:10 the patient
/// reports the CGM compromised (its key was extracted): the registry revokes it from that
/// moment. The manufacturer registers a replacement at 12:20 and the patient binds it at 12:30.
/// Hour 12 goes without CGM data; from 13:00 the replacement's readings are anchored.
pub fn ch08_cgm_compromised_and_replaced(s: &mut Suite) {
    let a = s.actors.clone();
    s.anchor_hours(COMPROMISE_DAY, 0..12, &[CGM, PEN, OTHER_CGM], &[]);
    s.set_time(COMPROMISED_AT);
    s.revoke_device(&a.patient, CGM, RevocationReason::Compromised)
        .accepted("revoked");
    s.set_time(COMPROMISED_AT + 10 * MINUTE);
    s.register_devices(&[CGM_REPLACEMENT])
        .accepted("replacement registered");
    s.set_time(COMPROMISED_AT + 20 * MINUTE);
    s.bind(&a.patient, CGM_REPLACEMENT, &a.patient)
        .accepted("replacement bound");
    s.anchor_hours(COMPROMISE_DAY, 12..13, &[PEN, OTHER_CGM], &[]);
    s.anchor_hours(
        COMPROMISE_DAY,
        13..24,
        &[CGM_REPLACEMENT, PEN, OTHER_CGM],
        &[],
    );
}

/// Chapter 9. On `STUDY_TO` the relayer anchors hours 0–5; at 06:10 the patient revokes the
/// research consent. Consent tells the union at once, which stops the patient's accrual; the
/// rest of the day is still anchored (it is the patient's data), but no longer credited.
pub fn ch09_research_consent_revoked(s: &mut Suite) {
    let a = s.actors.clone();
    let devices = [CGM_REPLACEMENT, PEN, OTHER_CGM];
    s.anchor_hours(STUDY_TO, 0..6, &devices, &[]);
    s.set_time(REVOKED_AT);
    let grant_id = s.story.research_grant.expect("research grant");
    s.revoke_grant(&a.patient, grant_id).accepted("revoked");
    s.anchor_hours(STUDY_TO, 6..24, &devices, &[]);
}

/// When the members claim: 10:00 on the day the study closes.
pub const CLAIM_AT: u64 = CLOSES_AT + 10 * HOUR;

/// Chapter 10. The study closes at `CLOSES_AT`; at 10:00 that day both members claim.
pub fn ch10_rewards_claimed(s: &mut Suite) {
    s.set_time(CLAIM_AT);
    let a = s.actors.clone();
    let study_id = s.story.study.expect("study");
    for patient in [&a.patient, &a.other_patient] {
        s.union_exec(patient, union::ExecuteMsg::Claim { study_id })
            .accepted("claim");
    }
}

/// Chapter 11. Once the grace period has passed, the sponsor takes back what nobody earned.
pub fn ch11_sponsor_takes_back_the_rest(s: &mut Suite) {
    s.set_time(REFUND_AFTER + HOUR);
    let sponsor = s.actors.sponsor.clone();
    let study_id = s.story.study.expect("study");
    s.union_exec(&sponsor, union::ExecuteMsg::WithdrawUnearned { study_id })
        .accepted("withdraw");
}
