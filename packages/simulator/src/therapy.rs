//! What a simulated person does about their diabetes, as their devices log it: how they take
//! insulin (a pump, or injections), the actions they or their pump take (carbohydrates eaten,
//! boluses, long-acting doses, basal rates, temporary basal rates), and the readings a pump,
//! pen or app makes of them (`docs/encoding.md`'s kinds, units and coded values).
//!
//! Every action goes through the device that logs it, one reading a minute at most: an action
//! due while its device is busy waits for the next free minute, and the model applies it then,
//! so that a device's readings are exactly what the model applied, when it applied them (and a
//! device's readings are at least a minute apart, which every scope's and device kind's minimum
//! interval on chain allows).

use diachain_relayer_types::events::temp_basal_value;
use diachain_std::encoding::{ReadingKind, Unit};

/// How a person takes insulin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Therapy {
    /// An insulin pump: rapid-acting insulin as a basal rate (a daily schedule, temporary
    /// rates) and boluses in 0.05 U steps; the pump's bolus calculator records the carbohydrates.
    Pump,
    /// Multiple daily injections: a long-acting dose each evening (whole units) and
    /// rapid-acting boluses in 0.5 U steps; carbohydrates are logged in a phone app.
    Injections,
}

impl Therapy {
    /// The smallest bolus step, in thousandths of a unit.
    pub fn bolus_step_milli(self) -> i64 {
        match self {
            Therapy::Pump => 50,
            Therapy::Injections => 500,
        }
    }

    /// Which device logs an action under this therapy.
    pub fn logger(self, action: &Action) -> Logger {
        match (self, action) {
            (Therapy::Pump, _) => Logger::Pump,
            (Therapy::Injections, Action::Carbs { .. }) => Logger::App,
            (Therapy::Injections, _) => Logger::Pen,
        }
    }
}

/// The device that logs an action: a pump, a connected insulin pen, or a phone app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Logger {
    Pump,
    Pen,
    App,
}

impl Logger {
    pub const ALL: [Logger; 3] = [Logger::Pump, Logger::Pen, Logger::App];

    pub fn index(self) -> usize {
        match self {
            Logger::Pump => 0,
            Logger::Pen => 1,
            Logger::App => 2,
        }
    }
}

/// Something the person or their pump does, applied when its device logs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Carbohydrates eaten (whole grams); `fast` ones (hypo treatment) act sooner.
    Carbs {
        grams: u32,
        fast: bool,
    },
    /// A rapid-acting bolus, in thousandths of a unit.
    Bolus {
        milli_units: i64,
    },
    /// A long-acting (basal) injection, in thousandths of a unit (whole units).
    LongActing {
        milli_units: i64,
    },
    /// The pump's scheduled basal rate from now on, in thousandths of a unit per hour.
    BasalRate {
        milli_per_hour: i64,
    },
    /// A temporary basal rate for `minutes` (it overrides the schedule; `suspend` when the pump
    /// stops for a falling glucose).
    TempBasal {
        milli_per_hour: i64,
        minutes: u32,
        suspend: bool,
    },
    /// Ends the temporary basal rate in force.
    CancelTemp,
    /// The pump's state when it starts streaming: the temporary rate in force (if any) with
    /// its remaining minutes, then the scheduled rate.
    ReportTemp,
    ReportSchedule,
}

/// A reading a pump, pen or app makes: what the model applied at `at` (unix seconds, a whole
/// minute).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Logged {
    pub at: u64,
    pub logger: Logger,
    pub kind: ReadingKind,
    pub unit: Unit,
    /// Fixed point, three decimals (`docs/encoding.md`); a temporary basal's packed value.
    pub value: i64,
}

impl Logged {
    pub fn new(at: u64, logger: Logger, kind: ReadingKind, unit: Unit, value: i64) -> Self {
        Logged {
            at,
            logger,
            kind,
            unit,
            value,
        }
    }

    /// Carbohydrates in grams (`value / 1000`).
    pub fn carbs(at: u64, logger: Logger, grams: u32) -> Self {
        Logged::new(
            at,
            logger,
            ReadingKind::Carbohydrates,
            Unit::Grams,
            i64::from(grams) * 1_000,
        )
    }

    pub fn bolus(at: u64, logger: Logger, milli_units: i64) -> Self {
        Logged::new(
            at,
            logger,
            ReadingKind::InsulinBolus,
            Unit::InsulinUnits,
            milli_units,
        )
    }

    /// A long-acting dose: basal insulin, in units (not a rate).
    pub fn long_acting(at: u64, logger: Logger, milli_units: i64) -> Self {
        Logged::new(
            at,
            logger,
            ReadingKind::InsulinBasal,
            Unit::InsulinUnits,
            milli_units,
        )
    }

    /// A scheduled basal rate in U/h.
    pub fn basal_rate(at: u64, logger: Logger, milli_per_hour: i64) -> Self {
        Logged::new(
            at,
            logger,
            ReadingKind::InsulinBasal,
            Unit::InsulinUnitsPerHour,
            milli_per_hour,
        )
    }

    /// A temporary basal rate (`minutes` 0: the one in force is cancelled).
    pub fn temp_basal(at: u64, logger: Logger, milli_per_hour: i64, minutes: u32) -> Self {
        // Rates are at most a few units an hour and minutes at most a day: always packable.
        let value = temp_basal_value(milli_per_hour, minutes).unwrap_or(0);
        Logged::new(
            at,
            logger,
            ReadingKind::TempBasal,
            Unit::InsulinUnitsPerHour,
            value,
        )
    }
}

/// `x` rounded to the nearest multiple of `step` (both in thousandths).
pub fn round_milli(x: f64, step: i64) -> i64 {
    let step = step.max(1);
    ((x * 1_000.0 / step as f64).round() as i64).max(0) * step
}

/// A pump's basal rate schedule: (local minute of the day it starts, rate in thousandths of a
/// unit per hour), in order, the first at midnight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasalSchedule(pub Vec<(u64, i64)>);

impl BasalSchedule {
    /// The rate at local minute of the day `minute`.
    pub fn rate_at(&self, minute: u64) -> i64 {
        self.0
            .iter()
            .take_while(|(from, _)| *from <= minute)
            .last()
            .or(self.0.first())
            .map_or(0, |(_, r)| *r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_round_to_the_devices_steps_and_never_below_zero() {
        assert_eq!(round_milli(1.26, 50), 1_250);
        assert_eq!(round_milli(1.28, 50), 1_300);
        assert_eq!(round_milli(3.74, 500), 3_500);
        assert_eq!(round_milli(3.76, 500), 4_000);
        assert_eq!(round_milli(-0.4, 50), 0);
    }

    #[test]
    fn logged_values_follow_the_coded_values_of_docs_encoding() {
        assert_eq!(Logged::carbs(60, Logger::App, 45).value, 45_000);
        let t = Logged::temp_basal(60, Logger::Pump, 1_250, 30);
        assert_eq!(
            (t.kind, t.unit, t.value),
            (
                ReadingKind::TempBasal,
                Unit::InsulinUnitsPerHour,
                12_500_030
            )
        );
        assert_eq!(
            Logged::temp_basal(60, Logger::Pump, 0, 0).value,
            0,
            "a cancel"
        );
        let l = Logged::long_acting(60, Logger::Pen, 18_000);
        assert_eq!(
            (l.kind, l.unit),
            (ReadingKind::InsulinBasal, Unit::InsulinUnits)
        );
        let b = Logged::basal_rate(60, Logger::Pump, 850);
        assert_eq!(
            (b.kind, b.unit),
            (ReadingKind::InsulinBasal, Unit::InsulinUnitsPerHour)
        );
    }

    #[test]
    fn a_schedule_gives_the_rate_of_the_segment_a_minute_is_in() {
        let s = BasalSchedule(vec![(0, 800), (180, 1_000), (450, 850)]);
        assert_eq!(s.rate_at(0), 800);
        assert_eq!(s.rate_at(179), 800);
        assert_eq!(s.rate_at(180), 1_000);
        assert_eq!(s.rate_at(1_439), 850);
    }

    #[test]
    fn each_therapy_logs_with_its_devices() {
        let carbs = Action::Carbs {
            grams: 30,
            fast: false,
        };
        let bolus = Action::Bolus { milli_units: 2_000 };
        assert_eq!(Therapy::Pump.logger(&carbs), Logger::Pump);
        assert_eq!(Therapy::Pump.logger(&bolus), Logger::Pump);
        assert_eq!(Therapy::Injections.logger(&carbs), Logger::App);
        assert_eq!(Therapy::Injections.logger(&bolus), Logger::Pen);
    }
}
