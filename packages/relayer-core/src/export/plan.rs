//! Which of a member's data a study export may hold: the exact intersection of the study's data
//! period, the member's live research consent (its scopes, data period and time in force) and
//! the membership (nothing measured after the member left). Pure: the chain's answers in, the
//! windows out. The consent contract's `CheckAccess` then confirms each scope (see `chain.rs`).

use diachain_std::consent::{Expiry, ResearchConsent};
use diachain_std::union::{Member, Study};
use diachain_std::DataScope;
use serde::Serialize;

/// What an export may take of one member: `scopes` measured in `from..=to` (Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub scopes: Vec<DataScope>,
    pub from: u64,
    pub to: u64,
    /// The research grant that allows it.
    pub grant_id: u64,
}

/// Why a member gives nothing to an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// No live research consent for the study (revoked, expired, or never given).
    NoLiveConsent,
    /// The live consent names someone other than the study's sponsor.
    ConsentToAnother,
    /// The consent's scopes and the study's have nothing in common (summaries only gives no rows).
    NoCommonScope,
    /// The consent's data period, the study's and the membership do not meet.
    NoCommonPeriod,
    /// The consent contract's `CheckAccess` refused every scope.
    AccessRefused,
}

/// First and last second of a study's data period.
pub fn study_period(study: &Study) -> (u64, u64) {
    let from = study.data_from_day.saturating_mul(86_400);
    let to = study
        .data_to_day
        .saturating_add(1)
        .saturating_mul(86_400)
        .saturating_sub(1);
    (from, to)
}

/// The member's window at `now` (Unix seconds), or why there is none.
pub fn member_window(
    study: &Study,
    member: &Member,
    consent: Option<&ResearchConsent>,
    now: u64,
) -> Result<Window, Exclusion> {
    let consent = consent.ok_or(Exclusion::NoLiveConsent)?;
    if let Expiry::AtTime(t) = consent.expires {
        if t.seconds() <= now {
            return Err(Exclusion::NoLiveConsent);
        }
    }
    if consent.grantee != study.sponsor {
        return Err(Exclusion::ConsentToAnother);
    }
    let mut scopes: Vec<DataScope> = study
        .scopes
        .iter()
        .copied()
        .filter(|s| *s != DataScope::SummariesOnly && consent.scopes.contains(s))
        .collect();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(Exclusion::NoCommonScope);
    }
    let (study_from, study_to) = study_period(study);
    let from = study_from.max(consent.data_from.seconds());
    let mut to = study_to.min(consent.data_to.seconds()).min(now);
    if let Some(left) = member.left_at {
        to = to.min(left.seconds());
    }
    if from > to {
        return Err(Exclusion::NoCommonPeriod);
    }
    Ok(Window {
        scopes,
        from,
        to,
        grant_id: consent.grant_id,
    })
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::{Addr, Timestamp, Uint128};
    use diachain_std::union::{Eligibility, Pool, PoolToken};

    use super::*;

    const DAY: u64 = 86_400;
    const SPONSOR: &str = "wasm1sponsor";

    fn study() -> Study {
        Study {
            id: 1,
            sponsor: Addr::unchecked(SPONSOR),
            title: "t".into(),
            description_url: "https://example.org".into(),
            scopes: vec![DataScope::Glucose, DataScope::Insulin],
            data_from_day: 100,
            data_to_day: 129,
            closes_at: Timestamp::from_seconds(131 * DAY),
            refund_after: Timestamp::from_seconds(140 * DAY),
            eligibility: Eligibility {
                min_readings_per_day: 0,
                min_days: 0,
                device_kinds: vec![],
                max_readings_per_day: None,
            },
            cap_per_patient: Uint128::new(10),
            fee_bps: 0,
            pool: Pool {
                token: PoolToken::Native {
                    denom: "ustake".into(),
                },
                funded: Uint128::zero(),
                fees: Uint128::zero(),
                paid: Uint128::zero(),
                refunded: None,
            },
            members: 1,
            active_members: 1,
            total_units: 0,
            created_at: Timestamp::from_seconds(90 * DAY),
            earned: None,
        }
    }

    fn member(left_at: Option<u64>) -> Member {
        Member {
            patient: Addr::unchecked("wasm1p"),
            study_id: 1,
            grant_id: 5,
            active: left_at.is_none(),
            joined_at: Timestamp::from_seconds(100 * DAY),
            left_at: left_at.map(Timestamp::from_seconds),
            from_day: 100,
            to_day: 129,
            counts_from: None,
            counts_to: None,
            consent_expires: None,
            counting_days: 0,
            counted_units: 0,
            units: 0,
            claimed: None,
            scopes_seen: None,
        }
    }

    fn consent(scopes: &[DataScope], from: u64, to: u64, expires: u64) -> ResearchConsent {
        ResearchConsent {
            grant_id: 5,
            grantee: Addr::unchecked(SPONSOR),
            scopes: scopes.to_vec(),
            data_from: Timestamp::from_seconds(from),
            data_to: Timestamp::from_seconds(to),
            expires: Expiry::AtTime(Timestamp::from_seconds(expires)),
        }
    }

    const NOW: u64 = 135 * DAY;

    #[test]
    fn a_full_consent_gives_the_study_period_and_scopes() {
        let c = consent(
            &[DataScope::Glucose, DataScope::Insulin],
            0,
            200 * DAY,
            200 * DAY,
        );
        let w = member_window(&study(), &member(None), Some(&c), NOW).expect("window");
        assert_eq!(w.scopes, [DataScope::Glucose, DataScope::Insulin]);
        assert_eq!((w.from, w.to), (100 * DAY, 130 * DAY - 1));
        assert_eq!(w.grant_id, 5);
    }

    #[test]
    fn a_glucose_only_consent_gives_glucose_only() {
        let c = consent(
            &[DataScope::Glucose, DataScope::Nutrition],
            0,
            200 * DAY,
            200 * DAY,
        );
        let w = member_window(&study(), &member(None), Some(&c), NOW).expect("window");
        assert_eq!(w.scopes, [DataScope::Glucose]);
    }

    #[test]
    fn a_consent_ending_mid_day_ends_the_window_to_the_second() {
        let end = 110 * DAY + 13 * 3600 + 17;
        let c = consent(&[DataScope::Glucose], 105 * DAY + 1, end, 200 * DAY);
        let w = member_window(&study(), &member(None), Some(&c), NOW).expect("window");
        assert_eq!((w.from, w.to), (105 * DAY + 1, end));
    }

    #[test]
    fn a_member_who_left_gives_nothing_measured_after_leaving() {
        let left = 112 * DAY + 600;
        let c = consent(&[DataScope::Glucose], 0, 200 * DAY, 200 * DAY);
        let w = member_window(&study(), &member(Some(left)), Some(&c), NOW).expect("window");
        assert_eq!((w.from, w.to), (100 * DAY, left));
        // Left before the study's period began: nothing.
        let early = member(Some(99 * DAY));
        assert_eq!(
            member_window(&study(), &early, Some(&c), NOW),
            Err(Exclusion::NoCommonPeriod)
        );
    }

    #[test]
    fn a_consent_that_expired_mid_study_gives_nothing_after_its_expiry() {
        let c = consent(&[DataScope::Glucose], 0, 200 * DAY, 120 * DAY);
        // The export runs after the expiry: the sponsor may no longer read any of it.
        assert_eq!(
            member_window(&study(), &member(None), Some(&c), NOW),
            Err(Exclusion::NoLiveConsent)
        );
        // Before the expiry: the data measured so far.
        let before = 115 * DAY + 5;
        let w = member_window(&study(), &member(None), Some(&c), before).expect("window");
        assert_eq!((w.from, w.to), (100 * DAY, before));
    }

    #[test]
    fn no_consent_or_a_consent_to_another_gives_nothing() {
        assert_eq!(
            member_window(&study(), &member(None), None, NOW),
            Err(Exclusion::NoLiveConsent)
        );
        let mut c = consent(&[DataScope::Glucose], 0, 200 * DAY, 200 * DAY);
        c.grantee = Addr::unchecked("wasm1other");
        assert_eq!(
            member_window(&study(), &member(None), Some(&c), NOW),
            Err(Exclusion::ConsentToAnother)
        );
    }

    #[test]
    fn summaries_only_and_unwanted_scopes_give_no_rows() {
        let c = consent(
            &[DataScope::SummariesOnly, DataScope::Nutrition],
            0,
            200 * DAY,
            200 * DAY,
        );
        assert_eq!(
            member_window(&study(), &member(None), Some(&c), NOW),
            Err(Exclusion::NoCommonScope)
        );
    }

    #[test]
    fn a_consent_period_outside_the_study_gives_nothing() {
        let c = consent(&[DataScope::Glucose], 10 * DAY, 99 * DAY, 200 * DAY);
        assert_eq!(
            member_window(&study(), &member(None), Some(&c), NOW),
            Err(Exclusion::NoCommonPeriod)
        );
    }
}
