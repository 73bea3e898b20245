//! The journey's twelve chapters ([`super::Journey`] lists them), each a test in
//! `tests/e2e.rs`.

use super::*;

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
                        max_readings_per_day: None,
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

/// Chapter 12: after the grace period the sponsor takes back what no member earned: the net pool
/// less the payout (the only eligible member has claimed, so nothing stays reserved). A second
/// withdrawal finds nothing left.
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
    assert_eq!(
        study.reserved,
        Uint128::zero(),
        "no eligible member left unpaid"
    );
    let again = net
        .execute(
            "sponsor",
            &c.union,
            &union::ExecuteMsg::WithdrawUnearned { study_id },
        )
        .expect_err(
            "a second withdrawal",
            &format!("nothing of study {study_id} is left to withdraw"),
        );
    j.rec.record(
        "sponsor withdraws again with nothing left (refused)",
        "WithdrawUnearned",
        "sponsor",
        &again,
    );
    // Patient 2 left before contributing: nothing earned, nothing to claim (claims stay open
    // after the withdrawal for members who earned a share).
    let late = net
        .execute("patient2", &c.union, &union::ExecuteMsg::Claim { study_id })
        .expect_err(
            "claim by a member who earned nothing",
            "only 0 days meet the eligibility; 1 are required",
        );
    j.rec.record(
        "claim by a member who earned nothing (refused)",
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
