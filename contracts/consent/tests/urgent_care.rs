//! Multi-contract scenarios (cw-multi-test) with the real device registry answering
//! `IsGuardian` and a listener contract receiving the consent hooks.

use consent::error::ContractError;
use consent::msg::{
    AccessRecord, CheckAccessResponse, ConsentRole, Denial, ExecuteMsg, Expiry, Grant, GrantInfo,
    InstantiateMsg, MigrateMsg, NewAccess, QueryMsg, ResearchConsentResponse,
};
use cosmwasm_std::{Addr, Empty, StdResult, Timestamp};
use cw_multi_test::{App, Executor};
use diachain_std::hooks::ConsentHookMsg;
use diachain_std::registry;
use diachain_std::{DataScope, Page, Purpose};
use diachain_testing::contracts::{consent_contract, instantiate_registry};
use diachain_testing::{assert_refused, attribute, failing_listener, heard, hook_listener};

const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

struct Chain {
    app: App,
    consent: Addr,
    registry: Addr,
    listener: Addr,
    broken_listener: Addr,
    admin: Addr,
    custodian: Addr,
}

impl Chain {
    fn new() -> Self {
        let mut app = App::default();
        let admin = app.api().addr_make("consortium");
        let custodian = app.api().addr_make("relayer");
        let registry = instantiate_registry(&mut app, &admin);
        let consent_code = app.store_code(consent_contract());
        let listener_code = app.store_code(hook_listener::<ConsentHookMsg>());
        let broken_code = app.store_code(failing_listener::<ConsentHookMsg>());
        let listener = app
            .instantiate_contract(listener_code, admin.clone(), &Empty {}, &[], "union", None)
            .unwrap();
        let broken_listener = app
            .instantiate_contract(broken_code, admin.clone(), &Empty {}, &[], "broken", None)
            .unwrap();
        let consent = app
            .instantiate_contract(
                consent_code,
                admin.clone(),
                &InstantiateMsg {
                    admin: None,
                    registry: registry.to_string(),
                    max_break_glass_hours: 24,
                    listeners: vec![listener.to_string()],
                },
                &[],
                "consent",
                Some(admin.to_string()),
            )
            .unwrap();
        let mut chain = Chain {
            app,
            consent,
            registry,
            listener,
            broken_listener,
            admin,
            custodian,
        };
        let custodian = chain.custodian.to_string();
        chain
            .exec(
                &chain.admin.clone(),
                &ExecuteMsg::AdmitMember {
                    role: ConsentRole::Custodian,
                    address: custodian,
                },
            )
            .unwrap();
        chain
    }

    fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    fn now(&self) -> Timestamp {
        self.app.block_info().time
    }

    /// The next block, `seconds` later.
    fn next_block(&mut self, seconds: u64) {
        self.app.update_block(|b| {
            b.time = b.time.plus_seconds(seconds);
            b.height += 1;
        });
    }

    fn exec(&mut self, sender: &Addr, msg: &ExecuteMsg) -> StdResult<cw_multi_test::AppResponse> {
        let consent = self.consent.clone();
        self.app.execute_contract(sender.clone(), consent, msg, &[])
    }

    fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> T {
        self.app
            .wrap()
            .query_wasm_smart(&self.consent, msg)
            .unwrap()
    }

    fn check(
        &self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        from: Timestamp,
        to: Timestamp,
    ) -> CheckAccessResponse {
        self.query(&QueryMsg::CheckAccess {
            patient: patient.to_string(),
            grantee: grantee.to_string(),
            scope,
            data_from: from,
            data_to: to,
            at: None,
        })
    }

    fn record(
        &mut self,
        patient: &Addr,
        grantee: &Addr,
        scope: DataScope,
        from: Timestamp,
        to: Timestamp,
        grant_id: u64,
    ) -> StdResult<cw_multi_test::AppResponse> {
        let custodian = self.custodian.clone();
        self.exec(
            &custodian,
            &ExecuteMsg::RecordAccesses {
                accesses: vec![NewAccess {
                    patient: patient.to_string(),
                    grantee: grantee.to_string(),
                    scope,
                    data_from: from,
                    data_to: to,
                    grant_id,
                    served_at: None,
                }],
            },
        )
    }
}

fn grant_id(res: &cw_multi_test::AppResponse) -> u64 {
    attribute(res, "grant_id").unwrap().parse().unwrap()
}

#[test]
fn urgent_care_story_grant_break_glass_then_revocation_denies_from_the_next_block() {
    let mut chain = Chain::new();
    let patient = chain.addr("patient");
    let clinician = chain.addr("home-clinician");
    let er_doc = chain.addr("urgent-care-far-away");
    let admin = chain.admin.clone();
    chain
        .exec(
            &admin,
            &ExecuteMsg::AdmitMember {
                role: ConsentRole::EmergencyProvider,
                address: er_doc.to_string(),
            },
        )
        .unwrap();

    // 1. The patient gives the clinician 24 hours of access to the last 30 days of glucose.
    let start = chain.now();
    let (month_ago, now) = (start.minus_seconds(30 * DAY), start);
    let res = chain
        .exec(
            &patient,
            &ExecuteMsg::Grant {
                patient: None,
                grantee: clinician.to_string(),
                scopes: vec![DataScope::Glucose],
                purpose: Purpose::Treatment,
                study_id: None,
                data_from: month_ago,
                data_to: now,
                expires: Expiry::AtTime(start.plus_seconds(24 * HOUR)),
            },
        )
        .unwrap();
    let clinic_grant = grant_id(&res);
    chain.next_block(5);
    let ok = chain.check(&patient, &clinician, DataScope::Glucose, month_ago, now);
    assert!(ok.allowed);
    assert_eq!(ok.grant.as_ref().unwrap().id, clinic_grant);
    chain
        .record(
            &patient,
            &clinician,
            DataScope::Glucose,
            month_ago,
            now,
            clinic_grant,
        )
        .unwrap();
    // the clinician sees no insulin data
    let no = chain.check(&patient, &clinician, DataScope::Insulin, month_ago, now);
    assert_eq!(
        no.denial,
        Some(Denial::ScopeNotGranted {
            grant_id: clinic_grant
        })
    );

    // 2. Six hours later, in another city, the patient reaches urgent care unconscious.
    chain.next_block(6 * HOUR);
    let arrival = chain.now();
    let before = chain.check(&patient, &er_doc, DataScope::Insulin, month_ago, arrival);
    assert_eq!(before.denial, Some(Denial::NoGrant));
    let res = chain
        .exec(
            &er_doc,
            &ExecuteMsg::OpenBreakGlass {
                patient: patient.to_string(),
                hours: 12,
                reason: diachain_std::consent::BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .unwrap();
    let session = grant_id(&res);
    chain.next_block(5);
    let during = chain.check(&patient, &er_doc, DataScope::Insulin, month_ago, arrival);
    assert!(during.allowed);
    assert_eq!(during.grant.as_ref().unwrap().purpose, Purpose::Emergency);
    chain
        .record(
            &patient,
            &er_doc,
            DataScope::Insulin,
            month_ago,
            arrival,
            session,
        )
        .unwrap();
    chain
        .record(
            &patient,
            &er_doc,
            DataScope::Glucose,
            month_ago,
            arrival,
            session,
        )
        .unwrap();

    // The patient sees the open session and every access on the record.
    let open: Page<Grant> = chain.query(&QueryMsg::BreakGlassSessions {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(open.items.len(), 1);
    assert_eq!(open.items[0].grantee, er_doc);
    assert_eq!(
        open.items[0].break_glass.as_ref().unwrap().reason,
        diachain_std::consent::BreakGlassReason::PatientCannotConsent
    );
    let log: Page<AccessRecord> = chain.query(&QueryMsg::AccessLogByPatient {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    let entries: Vec<(Addr, u64)> = log
        .items
        .iter()
        .map(|r| (r.grantee.clone(), r.grant_id))
        .collect();
    assert_eq!(
        entries,
        vec![
            (clinician.clone(), clinic_grant),
            (er_doc.clone(), session),
            (er_doc.clone(), session)
        ]
    );

    // 3. The session ends by itself after its 12 hours.
    chain.next_block(12 * HOUR);
    let after = chain.check(&patient, &er_doc, DataScope::Insulin, month_ago, arrival);
    assert_eq!(after.denial, Some(Denial::Expired { grant_id: session }));
    let open: Page<Grant> = chain.query(&QueryMsg::BreakGlassSessions {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert!(open.items.is_empty());
    let err = chain
        .record(
            &patient,
            &er_doc,
            DataScope::Insulin,
            month_ago,
            arrival,
            session,
        )
        .unwrap_err();
    assert_refused(
        Err::<(), _>(err),
        ContractError::GrantExpired { grant_id: session },
    );

    // 4. Back home, still within the 24 hours, the patient revokes the clinician's access.
    assert!(
        chain
            .check(&patient, &clinician, DataScope::Glucose, month_ago, now)
            .allowed
    );
    chain
        .exec(
            &patient,
            &ExecuteMsg::RevokeGrant {
                grant_id: clinic_grant,
            },
        )
        .unwrap();
    chain.next_block(5);
    let denied = chain.check(&patient, &clinician, DataScope::Glucose, month_ago, now);
    assert_eq!(
        (denied.allowed, denied.denial),
        (
            false,
            Some(Denial::Revoked {
                grant_id: clinic_grant
            })
        )
    );
    let err = chain
        .record(
            &patient,
            &clinician,
            DataScope::Glucose,
            month_ago,
            now,
            clinic_grant,
        )
        .unwrap_err();
    assert_refused(
        Err::<(), _>(err),
        ContractError::GrantRevoked {
            grant_id: clinic_grant,
        },
    );
    let info: GrantInfo = chain.query(&QueryMsg::Grant {
        grant_id: clinic_grant,
    });
    assert_eq!(info.grant.revoked.unwrap().by, patient);
}

#[test]
fn guardian_named_in_the_real_registry_acts_for_the_child_and_others_cannot() {
    let mut chain = Chain::new();
    let child = chain.addr("child-with-t1d");
    let mother = chain.addr("mother");
    let clinician = chain.addr("paediatric-endo");
    let registry = chain.registry.clone();
    chain
        .app
        .execute_contract(
            child.clone(),
            registry,
            &registry::ExecuteMsg::AddGuardian {
                patient: None,
                guardian: mother.to_string(),
            },
            &[],
        )
        .unwrap();
    let grant = |patient: &Addr| ExecuteMsg::Grant {
        patient: Some(patient.to_string()),
        grantee: clinician.to_string(),
        scopes: vec![DataScope::Glucose, DataScope::Insulin],
        purpose: Purpose::Treatment,
        study_id: None,
        data_from: Timestamp::from_seconds(0),
        data_to: Timestamp::from_seconds(2_000_000_000),
        expires: Expiry::AtHeight(1_000_000),
    };
    // the clinician (grantee) and a stranger cannot grant for the child
    for who in [clinician.clone(), chain.addr("stranger")] {
        let err = chain.exec(&who, &grant(&child)).unwrap_err();
        assert_refused(Err::<(), _>(err), ContractError::NotPatientOrGuardian);
    }
    // the mother can, but not for another patient
    let id = grant_id(&chain.exec(&mother, &grant(&child)).unwrap());
    let other = chain.addr("other-child");
    let err = chain.exec(&mother, &grant(&other)).unwrap_err();
    assert_refused(Err::<(), _>(err), ContractError::NotPatientOrGuardian);
    // ... and revoke it
    chain
        .exec(&mother, &ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
}

#[test]
fn revoking_research_consent_reaches_the_listening_union_even_when_another_listener_fails() {
    let mut chain = Chain::new();
    let (admin, good, broken) = (
        chain.admin.clone(),
        chain.listener.to_string(),
        chain.broken_listener.to_string(),
    );
    chain
        .exec(
            &admin,
            &ExecuteMsg::SetListeners {
                listeners: vec![broken, good],
            },
        )
        .unwrap();
    let patient = chain.addr("patient");
    let sponsor = chain.addr("sponsor");
    let now = chain.now();
    let res = chain
        .exec(
            &patient,
            &ExecuteMsg::Grant {
                patient: None,
                grantee: sponsor.to_string(),
                scopes: vec![DataScope::Glucose],
                purpose: Purpose::Research,
                study_id: Some(4),
                data_from: now.minus_seconds(90 * DAY),
                data_to: now.plus_seconds(90 * DAY),
                expires: Expiry::AtTime(now.plus_seconds(180 * DAY)),
            },
        )
        .unwrap();
    let id = grant_id(&res);
    let live: ResearchConsentResponse = chain.query(&QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 4,
    });
    assert_eq!(live.consent.unwrap().grant_id, id);
    chain.next_block(5);
    let res = chain
        .exec(&patient, &ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    assert!(res.events.iter().any(|e| e
        .attributes
        .iter()
        .any(|a| a.key == "action" && a.value == "listener_hook_failed")));
    let heard: Vec<ConsentHookMsg> = heard(&chain.app.wrap(), &chain.listener);
    assert_eq!(
        heard,
        vec![ConsentHookMsg::ResearchConsentEnded {
            patient: patient.clone(),
            study_id: 4,
            grant_id: id
        }]
    );
    let gone: ResearchConsentResponse = chain.query(&QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 4,
    });
    assert_eq!(gone.consent, None);
}

#[test]
fn migrate_through_the_chain_keeps_grants() {
    let mut chain = Chain::new();
    let patient = chain.addr("patient");
    let clinician = chain.addr("clinician");
    let now = chain.now();
    chain
        .exec(
            &patient,
            &ExecuteMsg::Grant {
                patient: None,
                grantee: clinician.to_string(),
                scopes: vec![DataScope::SummariesOnly],
                purpose: Purpose::Insurance,
                study_id: None,
                data_from: now.minus_seconds(DAY),
                data_to: now,
                expires: Expiry::AtTime(now.plus_seconds(DAY)),
            },
        )
        .unwrap();
    let code_id = chain
        .app
        .wrap()
        .query_wasm_contract_info(&chain.consent)
        .unwrap()
        .code_id;
    let (admin, consent) = (chain.admin.clone(), chain.consent.clone());
    chain
        .app
        .migrate_contract(admin, consent, &MigrateMsg {}, code_id)
        .unwrap();
    let check = chain.check(
        &patient,
        &clinician,
        DataScope::SummariesOnly,
        now.minus_seconds(DAY),
        now,
    );
    assert!(check.allowed);
}
