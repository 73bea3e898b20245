//! Contributions reported by the anchors contract: only members' readings of wanted scopes,
//! inside the period, while the study is open, count; only the anchors contract may report.

use cosmwasm_std::coins;
use cw_multi_test::Executor;
use cw_utils::PaymentError;
use diachain_std::hooks::Contribution;
use diachain_std::DataScope;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;

fn c(patient: &cosmwasm_std::Addr, scope: DataScope, day: u64, readings: u64) -> Contribution {
    Contribution {
        patient: patient.clone(),
        scope,
        day,
        readings,
        first_time: None,
        last_time: None,
    }
}

#[test]
fn contributions_from_the_anchors_hook_are_credited_per_member_and_day() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite
        .anchor_all(
            vec![
                c(&alice, DataScope::Glucose, FROM_DAY, 12),
                c(&bob, DataScope::Glucose, FROM_DAY, 24),
                c(&alice, DataScope::Glucose, FROM_DAY + 1, 12),
            ],
            true,
        )
        .unwrap();
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 12);
    assert_eq!(suite.member(id, &alice).units, 36);
    assert_eq!(suite.member(id, &bob).units, 24);
    assert_eq!(suite.study_info(id).study.total_units, 60);
}

#[test]
fn contributions_from_anyone_but_the_anchors_contract_are_refused() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.consent_and_join(&alice, id);
    let msg = ExecuteMsg::ReadingsAnchored {
        contributions: vec![c(&alice, DataScope::Glucose, FROM_DAY, 1_000)],
    };
    let (consent, sponsor) = (suite.consent.clone(), suite.sponsor.clone());
    for sender in [&alice, &consent, &sponsor] {
        assert_refused(suite.execute(sender, &msg, &[]), ContractError::NotAnchors);
    }
    assert_eq!(suite.member(id, &alice).units, 0);
}

#[test]
fn contributions_with_funds_are_refused() {
    let mut suite = Suite::new();
    let anchors = suite.anchors.clone();
    // Give the anchors address coins to send.
    let sponsor = suite.sponsor.clone();
    suite
        .app
        .execute(
            sponsor,
            cosmwasm_std::BankMsg::Send {
                to_address: anchors.to_string(),
                amount: coins(5, DENOM),
            }
            .into(),
        )
        .unwrap();
    let msg = ExecuteMsg::ReadingsAnchored {
        contributions: vec![],
    };
    assert_refused(
        suite.execute(&anchors, &msg, &coins(5, DENOM)),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
}

#[test]
fn contributions_outside_the_period_or_scope_or_from_non_members_do_not_count() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let (alice, mallory) = (suite.addr("alice"), suite.addr("mallory"));
    suite.consent_and_join(&alice, id);
    suite
        .anchor_all(
            vec![
                c(&alice, DataScope::Glucose, FROM_DAY - 1, 10),
                c(&alice, DataScope::Glucose, TO_DAY + 1, 10),
                c(&alice, DataScope::Insulin, FROM_DAY, 10),
                c(&alice, DataScope::Glucose, FROM_DAY, 0),
                c(&mallory, DataScope::Glucose, FROM_DAY, 10),
                c(&alice, DataScope::Glucose, TO_DAY, 3),
            ],
            true,
        )
        .unwrap();
    assert_eq!(suite.member(id, &alice).units, 3);
    assert_eq!(suite.study_info(id).study.total_units, 3);
    assert!(suite.contribution(id, &mallory).member.is_none());
}

#[test]
fn contributions_before_joining_and_after_closing_do_not_count() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.grant(&alice, id, 1, vec![DataScope::Glucose]);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 10);
    suite.join(&alice, id).unwrap();
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 5);
    suite.close_study();
    suite.anchor(&alice, DataScope::Glucose, TO_DAY, 7);
    assert_eq!(suite.member(id, &alice).units, 5);
    // The closed study's entry was pruned from the patient's active list.
    let studies: Vec<u64> = suite
        .query(&crate::msg::QueryMsg::PatientStudies {
            patient: alice.to_string(),
        })
        .unwrap();
    assert!(studies.is_empty());
}

#[test]
fn one_contribution_counts_in_every_study_the_patient_is_in_that_wants_it() {
    let mut suite = Suite::new();
    let a = suite.create_native(Suite::study(), 1_000).unwrap();
    let b = suite.create_native(Suite::study(), 1_000).unwrap();
    let mut insulin = Suite::study();
    insulin.scopes = vec![DataScope::Insulin];
    let c_id = suite.create_native(insulin, 1_000).unwrap();
    let alice = suite.addr("alice");
    for id in [a, b, c_id] {
        suite.grant(&alice, id, id, vec![DataScope::Glucose, DataScope::Insulin]);
        suite.join(&alice, id).unwrap();
    }
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 9);
    assert_eq!(suite.member(a, &alice).units, 9);
    assert_eq!(suite.member(b, &alice).units, 9);
    assert_eq!(suite.member(c_id, &alice).units, 0);
}

#[test]
fn the_union_execute_msg_deserializes_both_hook_messages() {
    use diachain_std::hooks::{AnchorsHookMsg, ConsentHookMsg};
    let alice = cosmwasm_std::Addr::unchecked("alice");
    let contributions = vec![c(&alice, DataScope::Glucose, 5, 6)];
    let bin = cosmwasm_std::to_json_binary(&AnchorsHookMsg::ReadingsAnchored {
        contributions: contributions.clone(),
    })
    .unwrap();
    assert_eq!(
        parse::<ExecuteMsg>(&bin),
        ExecuteMsg::ReadingsAnchored { contributions }
    );
    let bin = cosmwasm_std::to_json_binary(&ConsentHookMsg::ResearchConsentEnded {
        patient: alice.clone(),
        study_id: 3,
        grant_id: 4,
    })
    .unwrap();
    assert_eq!(
        parse::<ExecuteMsg>(&bin),
        ExecuteMsg::ResearchConsentEnded {
            patient: alice,
            study_id: 3,
            grant_id: 4
        }
    );
}

/// A contribution spanning `first..=last` (seconds) on `day`.
fn spanning(
    patient: &cosmwasm_std::Addr,
    day: u64,
    readings: u64,
    first: u64,
    last: u64,
) -> Contribution {
    Contribution {
        first_time: Some(first),
        last_time: Some(last),
        ..c(patient, DataScope::Glucose, day, readings)
    }
}

/// The member's window is the consent's data period within the study's, to the second: a
/// contribution counts only if its whole measured span lies in it. One that reaches a second
/// past either edge does not; one without times (from reading-anchors before 0.3.0) is taken
/// as its whole day.
#[test]
fn a_contribution_counts_only_if_its_whole_span_lies_in_the_members_window() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let alice = suite.addr("alice");
    let (from, to) = (FROM_DAY * DAY + 3_600, FROM_DAY * DAY + 7_199);
    suite.grant_window(&alice, id, 1, vec![DataScope::Glucose], from, to);
    suite.join(&alice, id).unwrap();
    let member = suite.member(id, &alice);
    assert_eq!(
        (member.counts_from, member.counts_to),
        (
            Some(cosmwasm_std::Timestamp::from_seconds(from)),
            Some(cosmwasm_std::Timestamp::from_seconds(to))
        )
    );
    suite
        .anchor_all(
            vec![
                spanning(&alice, FROM_DAY, 1, from, to),
                spanning(&alice, FROM_DAY, 10, from - 1, to),
                spanning(&alice, FROM_DAY, 100, from, to + 1),
                spanning(&alice, FROM_DAY, 1_000, to + 1, to + 600),
                c(&alice, DataScope::Glucose, FROM_DAY, 10_000),
            ],
            true,
        )
        .unwrap();
    assert_eq!(suite.member(id, &alice).units, 1);
    assert_eq!(suite.study_info(id).study.total_units, 1);
}

/// The window never reaches past the study's own period, whatever the consent covers.
#[test]
fn the_window_is_cut_to_the_study_period() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.consent_and_join(&alice, id);
    let member = suite.member(id, &alice);
    assert_eq!(
        (member.counts_from, member.counts_to),
        (
            Some(cosmwasm_std::Timestamp::from_seconds(FROM_DAY * DAY)),
            Some(cosmwasm_std::Timestamp::from_seconds(
                (TO_DAY + 1) * DAY - 1
            ))
        )
    );
    let last = (TO_DAY + 1) * DAY - 1;
    suite
        .anchor_all(
            vec![
                spanning(&alice, TO_DAY, 2, last - 60, last),
                spanning(
                    &alice,
                    FROM_DAY - 1,
                    20,
                    FROM_DAY * DAY - 60,
                    FROM_DAY * DAY - 1,
                ),
            ],
            true,
        )
        .unwrap();
    assert_eq!(suite.member(id, &alice).units, 2);
}

/// Nothing anchored once the consent has expired counts, whether it expires at a time or at a
/// height; nor does a reading measured at or after an expiry time (a device clock may run up to
/// five minutes ahead of the block).
#[test]
fn nothing_counts_once_the_research_consent_has_expired() {
    use diachain_std::consent::{Expiry, ResearchConsent};
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    let sponsor = suite.sponsor.clone();
    let expires_at = FROM_DAY * DAY + 12 * 3_600;
    let consent = |grant_id, expires| ResearchConsent {
        grant_id,
        grantee: sponsor.clone(),
        scopes: vec![DataScope::Glucose],
        data_from: cosmwasm_std::Timestamp::from_seconds(0),
        data_to: cosmwasm_std::Timestamp::from_seconds((TO_DAY + 1) * DAY),
        expires,
    };
    suite.grant_consent(
        &alice,
        id,
        consent(
            1,
            Expiry::AtTime(cosmwasm_std::Timestamp::from_seconds(expires_at)),
        ),
    );
    suite.join(&alice, id).unwrap();
    let height = suite.app.block_info().height;
    suite.grant_consent(&bob, id, consent(2, Expiry::AtHeight(height + 2)));
    suite.join(&bob, id).unwrap();

    suite.set_time(expires_at - 300);
    let before_expiry = FROM_DAY * DAY + 11 * 3_600;
    suite
        .anchor_all(
            vec![
                spanning(&alice, FROM_DAY, 1, before_expiry, expires_at - 1),
                spanning(&alice, FROM_DAY, 10, before_expiry, expires_at),
                spanning(&bob, FROM_DAY, 100, before_expiry, expires_at - 1),
            ],
            true,
        )
        .unwrap();
    assert_eq!(suite.member(id, &alice).units, 1);
    assert_eq!(suite.member(id, &bob).units, 100);
    // At Bob's expiry height and Alice's expiry time, both consents have expired.
    suite.set_time(expires_at);
    suite.app.update_block(|b| b.height = height + 2);
    suite
        .anchor_all(
            vec![
                spanning(&alice, FROM_DAY, 1_000, before_expiry, before_expiry + 60),
                spanning(&bob, FROM_DAY, 1_000, before_expiry, before_expiry + 60),
            ],
            true,
        )
        .unwrap();
    assert_eq!(suite.member(id, &alice).units, 1);
    assert_eq!(suite.member(id, &bob).units, 100);
}

/// The study's book of what eligible members earned follows the counting days as readings are
/// credited: a day counts once it reaches the minimum (with all its readings), the member
/// earns once they have enough such days, and every later reading of a counting day adds to it.
/// Readings of ineligible members, and of days below the minimum, earn nothing.
#[test]
fn the_book_of_earnings_follows_counting_days_and_eligibility() {
    let mut suite = Suite::new();
    let mut study = Suite::study();
    study.eligibility.min_readings_per_day = 10;
    study.eligibility.min_days = 2;
    let id = suite.create_native(study, 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    let earned = |suite: &Suite| suite.study_info(id).study.earned.unwrap().units;
    let standing = |suite: &Suite, who| {
        let m = suite.member(id, who);
        (m.counting_days, m.counted_units)
    };

    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 5);
    assert_eq!((standing(&suite, &alice), earned(&suite)), ((0, 0), 0));
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 5);
    assert_eq!((standing(&suite, &alice), earned(&suite)), ((1, 10), 0));
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 1, 12);
    assert_eq!((standing(&suite, &alice), earned(&suite)), ((2, 22), 22));
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 1, 3);
    assert_eq!((standing(&suite, &alice), earned(&suite)), ((2, 25), 25));
    // Bob has one counting day: not eligible, nothing earned.
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 50);
    assert_eq!((standing(&suite, &bob), earned(&suite)), ((1, 50), 25));
    // What the book says is what the claims count.
    suite.close_study();
    let alice_view = suite.contribution(id, &alice);
    assert_eq!(
        (alice_view.counting_days, alice_view.counted_units),
        (2, 25)
    );
    assert!(alice_view.eligible);
    assert!(!suite.contribution(id, &bob).eligible);
    // Only Alice earns: the net pool (1,000 less the 2.5 % fee) is reserved for her.
    assert_eq!(suite.study_info(id).reserved.u128(), 975);
    let book = suite.study_info(id).study.earned.unwrap();
    assert_eq!((book.units, book.members), (25, 1));
    assert_eq!(alice_view.claimable.u128(), 975);
}

/// A study may set the most readings credited per member and day: a device sampling faster
/// than the study wants earns no more for the day, across every message of that day.
#[test]
fn the_most_readings_per_day_caps_each_members_day() {
    let mut suite = Suite::new();
    let mut study = Suite::study();
    study.eligibility.max_readings_per_day = Some(288);
    let id = suite.create_native(study, 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite
        .anchor_all(
            vec![
                c(&alice, DataScope::Glucose, FROM_DAY, 1_000),
                c(&bob, DataScope::Glucose, FROM_DAY, 200),
            ],
            true,
        )
        .unwrap();
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 200);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY + 1, 100);
    assert_eq!(suite.member(id, &alice).units, 288);
    assert_eq!(suite.member(id, &bob).units, 288 + 100);
    assert_eq!(suite.study_info(id).study.total_units, 288 + 388);
}

/// The most readings per day is at least 1 and at least the minimum per day.
#[test]
fn a_most_readings_per_day_below_the_minimum_is_refused() {
    let mut suite = Suite::new();
    for (min, max) in [(0, 0), (100, 99)] {
        let mut study = Suite::study();
        study.eligibility.min_readings_per_day = min;
        study.eligibility.max_readings_per_day = Some(max);
        assert_refused(
            suite.create_native(study, 1_000),
            ContractError::InvalidMaxReadingsPerDay { max, min },
        );
    }
}

/// A consent whose data period starts or ends between two whole seconds: the window rounds
/// inward (a reading is measured at a whole second), so a batch starting at the second before
/// the consent's start is not credited.
#[test]
fn a_sub_second_consent_edge_rounds_the_window_inward() {
    use cosmwasm_std::Timestamp;
    use diachain_std::consent::{Expiry, ResearchConsent};
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let alice = suite.addr("alice");
    let noon = FROM_DAY * DAY + 12 * 3_600;
    let sponsor = suite.sponsor.clone();
    suite.grant_consent(
        &alice,
        id,
        ResearchConsent {
            grant_id: 1,
            grantee: sponsor,
            scopes: vec![DataScope::Glucose],
            data_from: Timestamp::from_nanos(noon * 1_000_000_000 + 500_000_000),
            data_to: Timestamp::from_nanos((noon + 3_600) * 1_000_000_000 + 500_000_000),
            expires: Expiry::AtTime(Timestamp::from_seconds((TO_DAY + 400) * DAY)),
        },
    );
    suite.join(&alice, id).unwrap();
    let member = suite.member(id, &alice);
    assert_eq!(
        (member.counts_from, member.counts_to),
        (
            Some(Timestamp::from_seconds(noon + 1)),
            Some(Timestamp::from_seconds(noon + 3_600))
        )
    );
    suite
        .anchor_all(
            vec![
                spanning(&alice, FROM_DAY, 1, noon, noon + 600),
                spanning(&alice, FROM_DAY, 10, noon + 1, noon + 3_600),
            ],
            true,
        )
        .unwrap();
    assert_eq!(suite.member(id, &alice).units, 10);
}
