//! Migration from 0.1.x: break-glass sessions stored with a free-text reason read after
//! `migrate`, without the text, and lose it for good when next saved.

use cosmwasm_std::Storage;
use diachain_std::consent::{BreakGlassReason, ExecuteMsg, GrantInfo, MigrateMsg, QueryMsg};
use diachain_std::DataScope;

use super::{grant_id, Suite, DATA_FROM, DATA_TO};
use crate::contract::migrate;
use crate::state::{CONTRACT_NAME, CONTRACT_VERSION, GRANTS};

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
