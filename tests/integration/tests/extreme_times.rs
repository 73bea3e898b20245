//! Every message and query that takes a time, a day or a duration, sent with the extremes (0,
//! the largest value its type holds, a time in the year 2554 and beyond): each is answered, with
//! a precise error or a result, and none traps (a contract panic fails this test). The union's
//! day numbers are in `economy.rs`; the anchors contract's header times in its own
//! `tests/extremes.rs`.

use cosmwasm_std::{Addr, Binary, Timestamp};
use diachain_integration::journey;
use diachain_integration::*;
use diachain_std::anchors;
use diachain_std::consent::{self, Expiry, NewAccess};
use diachain_std::registry;
use diachain_std::{DataScope, Purpose};

type ConsentError = ::consent::ContractError;
type RegistryError = device_registry::ContractError;

const MAX_TIME: Timestamp = Timestamp::from_nanos(u64::MAX);

fn consent_exec(s: &mut Suite, sender: &Addr, msg: consent::ExecuteMsg) -> Result<(), String> {
    let consent_addr = s.consent.clone();
    s.exec(sender, &consent_addr, &msg)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn grant_msg(data_from: Timestamp, data_to: Timestamp, expires: Expiry) -> consent::ExecuteMsg {
    consent::ExecuteMsg::Grant {
        patient: None,
        grantee: Addr::unchecked("placeholder").to_string(),
        scopes: vec![DataScope::Glucose],
        purpose: Purpose::Treatment,
        study_id: None,
        data_from,
        data_to,
        expires,
    }
}

/// Grants and amendments take any data period (it bounds what may be read, nothing is computed
/// from it) and any expiry in the future, up to the largest time and height; a past expiry is
/// refused. Access checks and records over the whole range of times answer.
#[test]
fn grants_amendments_and_access_checks_take_the_extreme_times() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    let grant = |from, to, expires| {
        let mut msg = grant_msg(from, to, expires);
        if let consent::ExecuteMsg::Grant { grantee, .. } = &mut msg {
            *grantee = a.clinician.to_string();
        }
        msg
    };
    consent_exec(
        &mut s,
        &a.patient,
        grant(Timestamp::from_nanos(0), MAX_TIME, Expiry::AtTime(MAX_TIME)),
    )
    .expect("the widest grant");
    let err = consent_exec(
        &mut s,
        &a.patient,
        grant(MAX_TIME, MAX_TIME, Expiry::AtTime(Timestamp::from_nanos(0))),
    )
    .unwrap_err();
    assert!(refused_with(&err, &ConsentError::ExpiryInPast), "{err}");
    let err = consent_exec(
        &mut s,
        &a.patient,
        grant(
            MAX_TIME,
            Timestamp::from_nanos(0),
            Expiry::AtHeight(u64::MAX),
        ),
    )
    .unwrap_err();
    let inverted = ConsentError::InvalidDataPeriod {
        from: MAX_TIME,
        to: Timestamp::from_nanos(0),
    };
    assert!(refused_with(&err, &inverted), "{err}");
    let amend = consent::ExecuteMsg::AmendGrant {
        grant_id: 1,
        scopes: None,
        data_from: Some(MAX_TIME),
        data_to: Some(MAX_TIME),
        expires: Some(Expiry::AtHeight(u64::MAX)),
    };
    consent_exec(&mut s, &a.patient, amend).expect("amended to the extremes");

    for (from, to) in [(0, u64::MAX), (u64::MAX, u64::MAX), (0, 0)] {
        let check: consent::CheckAccessResponse = s.query(
            &s.consent,
            &consent::QueryMsg::CheckAccess {
                patient: a.patient.to_string(),
                grantee: a.clinician.to_string(),
                scope: DataScope::Glucose,
                data_from: Timestamp::from_nanos(from),
                data_to: Timestamp::from_nanos(to),
                at: None,
            },
        );
        assert_eq!(check.allowed, from == u64::MAX && to == u64::MAX);
    }
    let err = s
        .try_query::<consent::CheckAccessResponse, _>(
            &s.consent,
            &consent::QueryMsg::CheckAccess {
                patient: a.patient.to_string(),
                grantee: a.clinician.to_string(),
                scope: DataScope::Glucose,
                data_from: MAX_TIME,
                data_to: MAX_TIME,
                at: Some(MAX_TIME),
            },
        )
        .unwrap_err();
    let now = Timestamp::from_seconds(s.now());
    let expected = ConsentError::AtInFuture { at: MAX_TIME, now };
    assert!(err.to_string().ends_with(&expected.to_string()), "{err}");
}

/// A custodian's access record or erasure record served or requested at time 0 (too long ago)
/// or at the largest time (in the future) is refused with the reason; a break-glass session of
/// the most hours a `u32` holds is refused.
#[test]
fn records_and_break_glass_refuse_the_extreme_times() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    let custodian = a.custodian().clone();
    let access = |served_at| consent::ExecuteMsg::RecordAccesses {
        accesses: vec![NewAccess {
            patient: a.patient.to_string(),
            grantee: a.clinician.to_string(),
            scope: DataScope::Glucose,
            data_from: Timestamp::from_nanos(0),
            data_to: MAX_TIME,
            grant_id: 1,
            served_at: Some(served_at),
        }],
    };
    let now = Timestamp::from_seconds(s.now());
    for served_at in [Timestamp::from_nanos(0), MAX_TIME] {
        let err = consent_exec(&mut s, &custodian, access(served_at)).unwrap_err();
        let expected = if served_at == MAX_TIME {
            ConsentError::ServedInFuture { served_at, now }
        } else {
            ConsentError::ServedTooLongAgo {
                served_at,
                now,
                max_delay_seconds: consent::MAX_ACCESS_RECORD_DELAY_SECONDS,
            }
        };
        assert!(refused_with(&err, &expected), "{err}");
    }
    for requested_at in [Timestamp::from_nanos(0), MAX_TIME] {
        let msg = consent::ExecuteMsg::RecordErasure {
            patient: a.patient.to_string(),
            request_hash: Binary::new(vec![7; 32]),
            requested_at,
        };
        let err = consent_exec(&mut s, &custodian, msg).unwrap_err();
        let expected = if requested_at == MAX_TIME {
            ConsentError::RequestedInFuture { requested_at, now }
        } else {
            ConsentError::RequestTooOld {
                requested_at,
                now,
                max_delay_seconds: consent::MAX_ERASURE_RECORD_DELAY_SECONDS,
            }
        };
        assert!(refused_with(&err, &expected), "{err}");
    }
    let glass = consent::ExecuteMsg::OpenBreakGlass {
        patient: a.patient.to_string(),
        hours: u32::MAX,
        reason: consent::BreakGlassReason::PatientCannotConsent,
        note_hash: None,
        scopes: None,
    };
    let err = consent_exec(&mut s, &a.emergency, glass).unwrap_err();
    let too_long = ConsentError::InvalidBreakGlassHours {
        hours: u32::MAX,
        max: MAX_BREAK_GLASS_HOURS,
    };
    assert!(refused_with(&err, &too_long), "{err}");
}

/// The registry: a revocation effective at the largest time (in the future) or at time 0
/// (before the device was registered), and a transfer offer open for the most seconds a `u64`
/// holds, are refused; nothing changes.
#[test]
fn the_registry_refuses_revocations_and_offers_at_the_extremes() {
    let mut s = journey::through(2);
    let a = s.actors.clone();
    let registry_addr = s.registry.clone();
    let revoke = |at| registry::ExecuteMsg::RevokeDevice {
        device_id: CGM.to_string(),
        reason: diachain_std::device::RevocationReason::Lost,
        effective_at: Some(at),
    };
    assert_refused(
        s.exec(&a.patient, &registry_addr, &revoke(MAX_TIME)),
        RegistryError::EffectiveTimeInFuture,
    );
    let offer = registry::ExecuteMsg::TransferDevice {
        device_id: CGM.to_string(),
        new_owner: a.other_patient.to_string(),
        signature: s.bind_proof(CGM, &a.other_patient),
        expires_in_seconds: Some(u64::MAX),
    };
    assert_refused(
        s.exec(&a.patient, &registry_addr, &offer),
        RegistryError::InvalidTransferExpiry {
            seconds: u64::MAX,
            max: registry::MAX_TRANSFER_EXPIRY_SECONDS,
        },
    );
    assert_refused(
        s.exec(
            &a.patient,
            &registry_addr,
            &revoke(Timestamp::from_nanos(0)),
        ),
        RegistryError::EffectiveTimeBeforeRegistration,
    );
    assert!(s.device(CGM).status == diachain_std::DeviceStatus::Active);
}

/// Coverage over the largest day numbers answers (empty), and a range wider than a year or
/// inverted is refused.
#[test]
fn coverage_takes_the_extreme_days() {
    let s = journey::through(2);
    let patient = s.actors.patient.to_string();
    let coverage = |from_day, to_day| {
        s.try_query::<anchors::CoverageResponse, _>(
            &s.anchors,
            &anchors::QueryMsg::Coverage {
                patient: patient.clone(),
                from_day,
                to_day,
            },
        )
    };
    assert!(coverage(u64::MAX, u64::MAX).is_err());
    assert!(coverage(u64::from(u32::MAX), u64::from(u32::MAX))
        .unwrap()
        .days
        .is_empty());
    assert!(coverage(0, u64::MAX).is_err());
    assert!(coverage(5, 4).is_err());
}
