//! reading-anchors' sampling limits (the minimum interval between two readings per device
//! kind), mirrored so that the relayer refuses what the contract would refuse. The defaults
//! are the contract's; the block watcher refreshes them from the contract's `Config`.

use std::collections::BTreeMap;
use std::sync::{PoisonError, RwLock};

use diachain_std::anchors::{default_min_interval_seconds, SamplingLimit};
use diachain_std::DeviceKind;

#[derive(Default)]
pub struct SamplingLimits {
    set: RwLock<BTreeMap<DeviceKind, u32>>,
}

impl SamplingLimits {
    /// The minimum interval for `kind`: as last read from the contract, else its default.
    pub fn min_interval(&self, kind: DeviceKind) -> u32 {
        let set = self.set.read().unwrap_or_else(PoisonError::into_inner);
        set.get(&kind)
            .copied()
            .unwrap_or_else(|| default_min_interval_seconds(kind))
    }

    /// Replaces the limits with the contract's.
    pub fn update(&self, limits: &[SamplingLimit]) {
        let mut set = self.set.write().unwrap_or_else(PoisonError::into_inner);
        *set = limits
            .iter()
            .map(|l| (l.kind, l.min_interval_seconds))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_contracts_until_the_contract_says_otherwise() {
        let l = SamplingLimits::default();
        assert_eq!(l.min_interval(DeviceKind::Cgm), 60);
        l.update(&[SamplingLimit {
            kind: DeviceKind::Cgm,
            min_interval_seconds: 30,
        }]);
        assert_eq!(l.min_interval(DeviceKind::Cgm), 30);
        assert_eq!(l.min_interval(DeviceKind::Pump), 5);
    }
}
