//! When a device measures and what: the timing rules, and a CGM reading of the simulated
//! person (`physiology`).
//!
//! Timing: readings are `interval` seconds apart; the first one is at the latest of now, the
//! device's bind time (the contract refuses data measured before `owner_since`) and the last
//! measurement time of a previous run plus the interval; a reading is only produced once its
//! time has come (never in the future). Sequence numbers continue from the state file.

use diachain_relayer_types::crypto::random_bytes;
use diachain_std::encoding::{ReadingKind, Trend, Unit, SALT_LEN};
use diachain_std::Reading;

use super::state::DeviceState;
use super::SimError;

/// A device's measurement clock: the next sequence number and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceClock {
    pub next_seq: u64,
    pub next_time: u64,
    pub interval: u64,
}

impl DeviceClock {
    /// The clock of a device bound at `bind_time`, continuing `previous` (from the state file)
    /// if any, at `now`.
    pub fn start(
        previous: Option<&DeviceState>,
        bind_time: u64,
        now: u64,
        interval: u64,
    ) -> Result<Self, SimError> {
        if interval == 0 {
            return Err(SimError::Invalid(
                "the interval must be at least 1 s".into(),
            ));
        }
        let after_previous = match previous.and_then(|p| p.last_time) {
            Some(t) => t
                .checked_add(interval)
                .ok_or_else(|| SimError::Invalid("last time out of range".into()))?,
            None => 0,
        };
        Ok(DeviceClock {
            next_seq: previous.map_or(1, |p| p.next_seq.max(1)),
            next_time: now.max(bind_time).max(after_previous),
            interval,
        })
    }

    /// The next (seq, time) if its time has come by `now`, advancing the clock.
    pub fn due(&mut self, now: u64) -> Option<(u64, u64)> {
        if self.next_time > now {
            return None;
        }
        let seq_after = self.next_seq.checked_add(1)?;
        let time_after = self.next_time.checked_add(self.interval)?;
        let due = (self.next_seq, self.next_time);
        self.next_seq = seq_after;
        self.next_time = time_after;
        Some(due)
    }
}

/// A small deterministic generator (SplitMix64) for the values; salts come from the OS.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `-1.0..1.0`.
    pub fn signed_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 / (1u64 << 52) as f64) - 1.0
    }
}

/// The CGM trend arrow of a rate of change in mg/dL per minute.
pub fn trend(rate: f64) -> Trend {
    match rate {
        r if r <= -3.0 => Trend::DoubleDown,
        r if r <= -2.0 => Trend::SingleDown,
        r if r <= -1.0 => Trend::FortyFiveDown,
        r if r < 1.0 => Trend::Flat,
        r if r < 2.0 => Trend::FortyFiveUp,
        r if r < 3.0 => Trend::SingleUp,
        _ => Trend::DoubleUp,
    }
}

/// A fresh random salt (the leaf commits to it so the value cannot be guessed from the hash).
pub fn random_salt() -> [u8; SALT_LEN] {
    random_bytes()
}

/// A glucose reading of `device_id` with a fresh salt: what the simulated person's CGM reads
/// at `measured_at`.
pub fn glucose_reading(
    device_id: &str,
    seq: u64,
    measured_at: u64,
    patient: &mut crate::physiology::Patient,
) -> Reading {
    let (mg_dl, trend) = patient.cgm_at(measured_at);
    Reading {
        salt: random_salt(),
        device_id: device_id.to_string(),
        seq,
        measured_at,
        kind: ReadingKind::Glucose,
        unit: Unit::MgPerDl,
        value: i64::from(mg_dl) * 1_000,
        trend,
        flags: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_767_225_600;

    fn state(next_seq: u64, last_time: Option<u64>) -> DeviceState {
        DeviceState {
            next_seq,
            last_time,
        }
    }

    #[test]
    fn a_new_device_starts_at_seq_1_now_and_never_produces_a_reading_in_the_future() {
        let mut c = DeviceClock::start(None, NOW - 1_000, NOW, 60).unwrap();
        assert_eq!(c.due(NOW), Some((1, NOW)));
        assert_eq!(c.due(NOW), None, "the next reading is due at NOW + 60");
        assert_eq!(c.due(NOW + 59), None);
        assert_eq!(c.due(NOW + 60), Some((2, NOW + 60)));
    }

    #[test]
    fn a_device_bound_after_the_local_clock_waits_for_its_bind_time() {
        // The block time of the bind may be ahead of this machine's clock.
        let mut c = DeviceClock::start(None, NOW + 5, NOW, 60).unwrap();
        assert_eq!(c.due(NOW), None);
        assert_eq!(c.due(NOW + 4), None);
        assert_eq!(c.due(NOW + 5), Some((1, NOW + 5)));
    }

    #[test]
    fn a_rerun_continues_the_sequence_and_keeps_the_interval_after_the_last_reading() {
        let prev = state(43, Some(NOW - 10));
        let mut c = DeviceClock::start(Some(&prev), NOW - 5_000, NOW, 60).unwrap();
        assert_eq!(c.due(NOW), None, "only 10 s since the last reading");
        assert_eq!(c.due(NOW + 50), Some((43, NOW + 50)));
        let old = state(7, Some(NOW - 86_400));
        let mut c = DeviceClock::start(Some(&old), 0, NOW, 300).unwrap();
        assert_eq!(c.due(NOW), Some((7, NOW)), "no backfill of the time away");
    }

    #[test]
    fn readings_due_after_a_stall_are_interval_apart_and_never_after_now() {
        let mut c = DeviceClock::start(None, 0, NOW, 60).unwrap();
        let mut times = vec![];
        while let Some((_, t)) = c.due(NOW + 250) {
            times.push(t);
        }
        assert_eq!(times, vec![NOW, NOW + 60, NOW + 120, NOW + 180, NOW + 240]);
        assert!(DeviceClock::start(None, 0, NOW, 0).is_err());
    }

    #[test]
    fn glucose_stays_plausible_with_fresh_salts_and_a_trend_matching_its_rate() {
        let mut patient = crate::physiology::Patient::new(9, crate::therapy::Therapy::Injections);
        let mut previous: Option<Reading> = None;
        for i in 0..2_000u64 {
            let r = glucose_reading("sim-cgm-1", i + 1, NOW + i * 300, &mut patient);
            assert!((40_000..=400_000).contains(&r.value), "{}", r.value);
            assert_eq!(r.value % 1_000, 0);
            if let Some(p) = &previous {
                assert_ne!(p.salt, r.salt);
                assert!((r.value - p.value).abs() <= 25_000, "a CGM does not jump");
            }
            previous = Some(r);
        }
        assert_eq!(trend(0.2), Trend::Flat);
        assert_eq!(trend(-2.5), Trend::SingleDown);
        assert_eq!(trend(3.4), Trend::DoubleUp);
    }
}
