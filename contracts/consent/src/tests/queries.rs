use diachain_std::consent::{
    AccessRecord, ExecuteMsg, GrantInfo, GrantStatus, NewAccess, QueryMsg, ResearchConsentResponse,
};
use diachain_std::pagination::MAX_LIMIT;
use diachain_std::{DataScope, Page};

use super::{grant_id, ts, Suite, DATA_FROM, DATA_TO, DAY};
use crate::error::ContractError;

#[test]
fn grants_by_patient_and_by_grantee_are_capped_at_the_max_page_with_has_more() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let clinician = s.clinician.clone();
    let n = MAX_LIMIT as usize + 1;
    for i in 0..n {
        let grantee = s.addr(&format!("grantee-{i}"));
        s.exec(&patient, s.grant_msg(None, &grantee)).unwrap();
    }
    let page: Page<GrantInfo> = s.query(QueryMsg::GrantsByPatient {
        patient: patient.to_string(),
        start_after: None,
        limit: Some(10_000),
    });
    assert_eq!(
        (page.items.len(), page.has_more),
        (MAX_LIMIT as usize, true)
    );
    let last = page.items.last().unwrap().grant.id;
    let rest: Page<GrantInfo> = s.query(QueryMsg::GrantsByPatient {
        patient: patient.to_string(),
        start_after: Some(last),
        limit: Some(10_000),
    });
    assert_eq!((rest.items.len(), rest.has_more), (1, false));
    // default page size
    let default: Page<GrantInfo> = s.query(QueryMsg::GrantsByPatient {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(default.items.len(), 10);

    // by grantee: grants from several patients to the clinician
    let child = s.child.clone();
    let parent = s.parent.clone();
    s.exec(&patient, s.grant_msg(None, &clinician)).unwrap();
    s.exec(&parent, s.grant_msg(Some(&child), &clinician))
        .unwrap();
    let first: Page<GrantInfo> = s.query(QueryMsg::GrantsByGrantee {
        grantee: clinician.to_string(),
        start_after: None,
        limit: Some(1),
    });
    assert_eq!((first.items.len(), first.has_more), (1, true));
    let second: Page<GrantInfo> = s.query(QueryMsg::GrantsByGrantee {
        grantee: clinician.to_string(),
        start_after: Some(first.items[0].grant.id),
        limit: Some(1),
    });
    assert_eq!((second.items.len(), second.has_more), (1, false));
    assert_eq!(second.items[0].grant.patient, child);
}

#[test]
fn listed_grants_report_their_status_now() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let revoked = s.grant_clinician();
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: revoked })
        .unwrap();
    let active = s.grant_clinician();
    let page: Page<GrantInfo> = s.query(QueryMsg::GrantsByPatient {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    let statuses: Vec<_> = page.items.iter().map(|g| (g.grant.id, g.status)).collect();
    assert_eq!(
        statuses,
        vec![
            (revoked, GrantStatus::Revoked),
            (active, GrantStatus::Active)
        ]
    );
    s.advance(DAY);
    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: active });
    assert_eq!(info.status, GrantStatus::Expired);
    assert_eq!(
        s.query_err(QueryMsg::Grant { grant_id: 1234 }),
        ContractError::GrantNotFound { grant_id: 1234 }
    );
}

#[test]
fn access_log_pages_by_patient_and_by_grantee_with_caps() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let custodian = s.custodian.clone();
    let a = NewAccess {
        patient: s.patient.to_string(),
        grantee: s.clinician.to_string(),
        scope: DataScope::Glucose,
        data_from: ts(DATA_FROM),
        data_to: ts(DATA_TO),
        grant_id: id,
        served_at: None,
    };
    for _ in 0..3 {
        s.exec(
            &custodian,
            ExecuteMsg::RecordAccesses {
                accesses: vec![a.clone(); 50],
            },
        )
        .unwrap();
    }
    let page: Page<AccessRecord> = s.query(QueryMsg::AccessLogByPatient {
        patient: s.patient.to_string(),
        start_after: None,
        limit: Some(500),
    });
    assert_eq!(
        (page.items.len(), page.has_more),
        (MAX_LIMIT as usize, true)
    );
    let ids: Vec<u64> = page.items.iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=MAX_LIMIT as u64).collect::<Vec<_>>());
    let rest: Page<AccessRecord> = s.query(QueryMsg::AccessLogByGrantee {
        grantee: s.clinician.to_string(),
        start_after: Some(140),
        limit: Some(500),
    });
    assert_eq!(
        (
            rest.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            rest.has_more
        ),
        ((141..=150).collect(), false)
    );
    // nobody else's log holds them
    let other: Page<AccessRecord> = s.query(QueryMsg::AccessLogByPatient {
        patient: s.stranger.to_string(),
        start_after: None,
        limit: None,
    });
    assert!(other.items.is_empty());
}

#[test]
fn research_consent_reports_only_a_live_grant() {
    let mut s = Suite::new();
    let (patient, sponsor) = (s.patient.clone(), s.addr("sponsor"));
    let q = QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 9,
    };
    let none: ResearchConsentResponse = s.query(q.clone());
    assert_eq!(none.consent, None);
    let id = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 9)).unwrap());
    let live: ResearchConsentResponse = s.query(q.clone());
    assert_eq!(live.consent.unwrap().grant_id, id);
    s.advance(30 * DAY);
    let expired: ResearchConsentResponse = s.query(q);
    assert_eq!(expired.consent, None);
}

#[test]
fn research_consent_reports_the_grantee_of_the_one_live_research_grant_for_the_study() {
    let mut s = Suite::new();
    let (patient, sponsor, stranger) = (s.patient.clone(), s.addr("sponsor"), s.stranger.clone());
    let q = QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 9,
    };
    // A research grant naming the study, but to a stranger: the query says so.
    let to_stranger = grant_id(&s.exec(&patient, s.research_msg(&stranger, 9)).unwrap());
    let live: ResearchConsentResponse = s.query(q.clone());
    let consent = live.consent.unwrap();
    assert_eq!(
        (consent.grant_id, consent.grantee),
        (to_stranger, stranger.clone())
    );
    // While it is live, no second research grant for the study may go to anyone, so the
    // query never has to choose between grantees.
    assert_eq!(
        s.exec(&patient, s.research_msg(&sponsor, 9)).unwrap_err(),
        ContractError::ResearchConsentExists {
            grant_id: to_stranger
        }
    );
    // Revoked, it makes way for a grant to the sponsor, which the query then reports.
    s.exec(
        &patient,
        ExecuteMsg::RevokeGrant {
            grant_id: to_stranger,
        },
    )
    .unwrap();
    let to_sponsor = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 9)).unwrap());
    let live: ResearchConsentResponse = s.query(q);
    let consent = live.consent.unwrap();
    assert_eq!((consent.grant_id, consent.grantee), (to_sponsor, sponsor));
}
