//! Migration from 0.1.x: break-glass sessions stored with a free-text reason read after
//! `migrate`, without the text, and lose it for good when next saved. From 0.2.x: access
//! records stored without `served_at` read as served at their record time.

use cosmwasm_std::Storage;
use diachain_std::consent::{
    AccessRecord, BreakGlassReason, ExecuteMsg, GrantInfo, MigrateMsg, NewAccess, QueryMsg,
};
use diachain_std::{DataScope, Page};

use super::{attr, grant_id, ts, Suite, DATA_FROM, DATA_TO, HOUR};
use crate::contract::migrate;
use crate::state::{ACCESS_LOG, CONTRACT_NAME, CONTRACT_VERSION, GRANTS};

#[test]
fn a_break_glass_session_with_free_text_from_the_previous_version_reads_as_legacy_after_migrate() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let id = grant_id(
        &s.exec(
            &er,
            ExecuteMsg::OpenBreakGlass {
                patient: s.patient.to_string(),
                hours: 6,
                reason: BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .unwrap(),
    );
    // What 0.1.0 stored: `"break_glass":{"reason":<free text>,"hours":6}`.
    let key = GRANTS.key(id);
    let raw = String::from_utf8(s.deps.storage.get(&key).unwrap()).unwrap();
    let old = raw.replace(
        r#""reason":"patient_cannot_consent","note_hash":null,"#,
        r#""reason":"unconscious, suspected hypoglycaemia","#,
    );
    assert_ne!(raw, old);
    s.deps.storage.set(&key, old.as_bytes());
    cw2::set_contract_version(&mut s.deps.storage, CONTRACT_NAME, "0.1.0").unwrap();

    let env = s.env.clone();
    migrate(s.deps.as_mut(), env, MigrateMsg {}).unwrap();
    assert_eq!(
        cw2::get_contract_version(&s.deps.storage).unwrap().version,
        CONTRACT_VERSION
    );

    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: id });
    let bg = info.grant.break_glass.unwrap();
    assert_eq!(
        (bg.reason, bg.note_hash, bg.hours),
        (BreakGlassReason::Legacy, None, 6)
    );
    // The session still allows what it allowed.
    let check: diachain_std::consent::CheckAccessResponse =
        s.query(s.check_msg(&er, DataScope::Glucose, DATA_FROM, DATA_TO, None));
    assert!(check.allowed);

    // Closing it saves the record: the old text is gone from storage.
    let patient = s.patient.clone();
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    let text = String::from_utf8(s.deps.storage.get(&key).unwrap()).unwrap();
    assert!(text.contains(r#""reason":"legacy""#), "{text}");
    assert!(!text.contains("hypoglycaemia"));
}

#[test]
fn an_access_record_from_0_2_without_served_at_reads_as_served_at_its_record_time_after_migrate() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let custodian = s.custodian.clone();
    let access = NewAccess {
        patient: s.patient.to_string(),
        grantee: s.clinician.to_string(),
        scope: DataScope::Glucose,
        data_from: ts(DATA_FROM),
        data_to: ts(DATA_TO),
        grant_id: id,
        served_at: None,
    };
    s.exec(
        &custodian,
        ExecuteMsg::RecordAccesses {
            accesses: vec![access.clone()],
        },
    )
    .unwrap();
    let recorded_at = s.now();
    // What 0.2.0 stored: the record without `served_at`.
    let key = ACCESS_LOG.key(1);
    let raw = String::from_utf8(s.deps.storage.get(&key).unwrap()).unwrap();
    let old = raw.replace(&format!(r#","served_at":"{}""#, recorded_at.nanos()), "");
    assert_ne!(raw, old);
    assert!(!old.contains("served_at"));
    s.deps.storage.set(&key, old.as_bytes());
    cw2::set_contract_version(&mut s.deps.storage, CONTRACT_NAME, "0.2.0").unwrap();

    s.advance(HOUR);
    let env = s.env.clone();
    let res = migrate(s.deps.as_mut(), env, MigrateMsg {}).unwrap();
    assert_eq!(attr(&res, "from_version"), "0.2.0");
    assert_eq!(attr(&res, "to_version"), CONTRACT_VERSION);

    // Recorded under 0.3.0, an hour later, served half an hour ago.
    let served_at = s.now().minus_seconds(HOUR / 2);
    s.exec(
        &custodian,
        ExecuteMsg::RecordAccesses {
            accesses: vec![NewAccess {
                served_at: Some(served_at),
                ..access
            }],
        },
    )
    .unwrap();
    let log: Page<AccessRecord> = s.query(QueryMsg::AccessLogByPatient {
        patient: s.patient.to_string(),
        start_after: None,
        limit: None,
    });
    let times: Vec<_> = log.items.iter().map(|r| (r.at, r.served_at)).collect();
    assert_eq!(
        times,
        vec![(recorded_at, recorded_at), (s.now(), served_at)]
    );
}
