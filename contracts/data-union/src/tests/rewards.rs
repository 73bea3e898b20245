//! Pure arithmetic: the pro-rata share, the fee, and study validation edge cases.

use cosmwasm_std::{Timestamp, Uint128};

use super::fixture::*;
use crate::execute::{fee_of, fund::validate};
use crate::rewards::pro_rata;

#[test]
fn pro_rata_rounds_down_and_applies_the_cap() {
    let n = Uint128::new;
    assert_eq!(pro_rata(n(100), 1, 3, n(u128::MAX)).unwrap(), n(33));
    assert_eq!(pro_rata(n(100), 2, 3, n(u128::MAX)).unwrap(), n(66));
    assert_eq!(pro_rata(n(100), 2, 3, n(50)).unwrap(), n(50));
    assert_eq!(pro_rata(n(100), 0, 3, n(50)).unwrap(), n(0));
    assert_eq!(pro_rata(n(100), 0, 0, n(50)).unwrap(), n(0));
    // No overflow on the largest pool and unit counts.
    assert_eq!(
        pro_rata(Uint128::MAX, u64::MAX, u64::MAX, Uint128::MAX).unwrap(),
        Uint128::MAX
    );
    assert_eq!(
        pro_rata(Uint128::MAX, 1, u64::MAX, Uint128::MAX).unwrap(),
        Uint128::MAX / n(u64::MAX as u128)
    );
}

#[test]
fn fee_rounds_down_in_the_treasurys_disfavour() {
    let n = Uint128::new;
    assert_eq!(fee_of(n(1_000), 250).unwrap(), n(25));
    assert_eq!(fee_of(n(39), 250).unwrap(), n(0));
    assert_eq!(fee_of(n(41), 250).unwrap(), n(1));
    assert_eq!(fee_of(Uint128::MAX, 1_000).unwrap(), Uint128::MAX / n(10));
}

#[test]
fn default_closing_time_is_one_day_after_the_data_period() {
    let closes = validate(&Suite::study(), Timestamp::from_seconds(START_DAY * DAY)).unwrap();
    assert_eq!(closes, Timestamp::from_seconds((TO_DAY + 2) * DAY));
}
