//! Property: for random joins, leaves, revocations, contributions, top-ups and claims (before,
//! late, and after the sponsor's withdrawal), what the members were paid plus the fee plus the
//! sponsor's refunds plus what the union still holds equals what was funded, exactly; no member
//! is paid more than the cap; a withdrawal never lowers what any member may claim; and what the
//! union still holds at the end is the reserve of the members who never claimed.

use cosmwasm_std::Uint128;
use diachain_std::hooks::Contribution;
use diachain_std::DataScope;
use proptest::prelude::*;

use super::fixture::*;

const PATIENTS: usize = 5;

#[derive(Debug, Clone)]
enum Op {
    Join(usize),
    Leave(usize),
    Revoke(usize),
    /// patient, scope (0 glucose, 1 insulin), day offset from FROM_DAY - 2, readings, notify.
    Anchor(usize, u8, u64, u64, bool),
    TopUp(u128),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..PATIENTS).prop_map(Op::Join),
        1 => (0..PATIENTS).prop_map(Op::Leave),
        1 => (0..PATIENTS).prop_map(Op::Revoke),
        6 => (0..PATIENTS, 0u8..2, 0u64..14, 0u64..300, prop::bool::weighted(0.9))
            .prop_map(|(p, s, d, r, n)| Op::Anchor(p, s, d, r, n)),
        1 => (1u128..1_000_000).prop_map(Op::TopUp),
    ]
}

#[derive(Debug, Clone)]
struct Params {
    cw20: bool,
    fee_bps: u16,
    funded: u128,
    cap: u128,
    min_per_day: u64,
    min_days: u32,
    ops: Vec<Op>,
    claimers: Vec<bool>,
    late_claimers: Vec<bool>,
    after_claimers: Vec<bool>,
}

fn params() -> impl Strategy<Value = Params> {
    (
        any::<bool>(),
        0u16..=1_000,
        1u128..10_000_000,
        1u128..5_000_000,
        0u64..60,
        0u32..3,
        prop::collection::vec(op(), 0..40),
        prop::collection::vec(any::<bool>(), PATIENTS),
        prop::collection::vec(any::<bool>(), PATIENTS),
        prop::collection::vec(any::<bool>(), PATIENTS),
    )
        .prop_map(
            |(
                cw20,
                fee_bps,
                funded,
                cap,
                min_per_day,
                min_days,
                ops,
                claimers,
                late_claimers,
                after_claimers,
            )| {
                Params {
                    cw20,
                    fee_bps,
                    funded,
                    cap,
                    min_per_day,
                    min_days,
                    ops,
                    claimers,
                    late_claimers,
                    after_claimers,
                }
            },
        )
}

fn run(p: Params) {
    let funding = if p.cw20 {
        Funding::Cw20
    } else {
        Funding::Native
    };
    let mut suite = SuiteBuilder::default().with_fee(p.fee_bps).build();
    let mut study = Suite::study();
    study.cap_per_patient = Uint128::new(p.cap);
    study.eligibility.min_readings_per_day = p.min_per_day;
    study.eligibility.min_days = p.min_days;
    let id = suite.create(funding, study, p.funded).unwrap();
    let patients: Vec<_> = (0..PATIENTS)
        .map(|i| suite.addr(&format!("patient{i}")))
        .collect();
    let mut granted = [false; PATIENTS];
    let mut next_grant = 1;
    let mut total_funded = p.funded;

    for op in &p.ops {
        match *op {
            Op::Join(i) => {
                if !granted[i] {
                    suite.grant(&patients[i], id, next_grant, vec![DataScope::Glucose]);
                    next_grant += 1;
                    granted[i] = true;
                }
                let _ = suite.join(&patients[i], id);
            }
            Op::Leave(i) => {
                let _ = suite.leave(&patients[i], id);
            }
            Op::Revoke(i) => {
                if granted[i] {
                    suite.revoke(&patients[i], id).unwrap();
                    granted[i] = false;
                }
            }
            Op::Anchor(i, scope, offset, readings, notify) => {
                let scope = if scope == 0 {
                    DataScope::Glucose
                } else {
                    DataScope::Insulin
                };
                suite
                    .anchor_all(
                        vec![Contribution {
                            patient: patients[i].clone(),
                            scope,
                            day: FROM_DAY - 2 + offset,
                            readings,
                            first_time: None,
                            last_time: None,
                        }],
                        notify,
                    )
                    .unwrap();
            }
            Op::TopUp(amount) => {
                suite.top_up(funding, id, amount).unwrap();
                total_funded += amount;
            }
        }
    }

    // Members' units add up to the study's denominator.
    let members = suite.members(id, None, Some(100)).items;
    let units: u64 = members.iter().map(|m| m.units).sum();
    assert_eq!(units, suite.study_info(id).study.total_units);

    suite.close_study();
    let mut paid = vec![0u128; PATIENTS];
    for (i, who) in patients.iter().enumerate() {
        if p.claimers[i] {
            let expected = suite.contribution(id, who).claimable.u128();
            let before = suite.balance(funding, who);
            let res = suite.claim(who, id);
            paid[i] = suite.balance(funding, who) - before;
            assert_eq!(paid[i], expected, "claim pays what the query announced");
            assert_eq!(res.is_ok(), paid[i] > 0);
            assert!(suite.claim(who, id).is_err(), "a second claim must fail");
        }
    }
    suite.pass_grace();
    for (i, who) in patients.iter().enumerate() {
        if !p.claimers[i] && p.late_claimers[i] {
            let before = suite.balance(funding, who);
            let _ = suite.claim(who, id);
            paid[i] += suite.balance(funding, who) - before;
        }
    }
    let sponsor = suite.sponsor.clone();
    let shares = |suite: &Suite| -> Vec<u128> {
        patients
            .iter()
            .map(|who| suite.contribution(id, who).claimable.u128())
            .collect()
    };
    let before_withdrawal = shares(&suite);
    let before = suite.balance(funding, &sponsor);
    suite.withdraw(&sponsor, id).unwrap();
    let mut refund = suite.balance(funding, &sponsor) - before;
    assert_eq!(
        shares(&suite),
        before_withdrawal,
        "the withdrawal leaves every share claimable"
    );
    for (i, who) in patients.iter().enumerate() {
        if p.after_claimers[i] {
            let before = suite.balance(funding, who);
            let _ = suite.claim(who, id);
            let got = suite.balance(funding, who) - before;
            assert_eq!(
                got, before_withdrawal[i],
                "a claim after the withdrawal pays the share"
            );
            paid[i] += got;
        }
    }
    // What the late claims freed (capped excess, rounding) goes back too.
    let before = suite.balance(funding, &sponsor);
    let _ = suite.withdraw(&sponsor, id);
    refund += suite.balance(funding, &sponsor) - before;

    let fee = suite.balance(funding, &suite.treasury.clone());
    let total_paid: u128 = paid.iter().sum();
    let held = suite.balance(funding, &suite.union.clone());
    assert_eq!(total_paid + fee + refund + held, total_funded);
    for amount in &paid {
        assert!(*amount <= p.cap, "paid {amount} above cap {}", p.cap);
    }
    let pool = suite.pool(id);
    assert_eq!(pool.pool.paid.u128(), total_paid);
    assert_eq!(pool.pool.fees.u128(), fee);
    assert_eq!(pool.pool.refunded.unwrap().u128(), refund);
    assert_eq!(pool.balance.u128(), held);
    // The union keeps exactly the reserve, which covers every share still unclaimed.
    assert_eq!(suite.study_info(id).reserved.u128(), held);
    let unclaimed: u128 = shares(&suite).iter().sum();
    assert!(held >= unclaimed, "holds {held}, owes {unclaimed}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn paid_plus_fee_plus_refund_equals_funded_and_no_payout_exceeds_the_cap(p in params()) {
        run(p);
    }
}
