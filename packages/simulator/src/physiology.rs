//! A simulated person with type 1 diabetes, as a CGM sees them: a glucose–insulin model of our
//! own in the spirit of the insulin-on-board models loop systems use (OpenAPS's exponential
//! activity curves), seeded and reproducible.
//!
//! Glucose changes each minute by:
//! - carbohydrates absorbed: `carbs × CSF × a(t; τc)` (CSF = ISF / CR, mg/dL per gram; meals
//!   τc = 35 min, hypo treatment τc = 15 min),
//! - insulin acting: `− units × ISF × a(t; τi)` (τi = 55 min, the activity peak),
//! - the dawn phenomenon (+0.15 mg/dL/min from 04:00 to 08:00 local time), a per-day basal
//!   mismatch (−0.03…+0.03 mg/dL/min), exercise (−1.5 mg/dL/min while it lasts, half the days),
//! - the body's own pull back to the person's baseline (0.15 % a minute, 1 % below 70 mg/dL:
//!   counter-regulation),
//!
//! with `a(t; τ) = t / τ² · e^(−t/τ)` (it integrates to 1). Each UTC day has its own meals
//! (breakfast, lunch, dinner, sometimes a snack), boluses (sometimes too large, sometimes
//! forgotten, sometimes late), and some days exercise; a reading above 250 mg/dL with no
//! bolus in three hours gets a correction bolus, and one below 65 gets 15 g of fast carbs ten
//! minutes later. The sensor adds AR(1) noise (σ ≈ 4 mg/dL) and reads 40–400 mg/dL.
//!
//! Everything follows from the seed and the time: the same device and seed give the same trace
//! whatever the sampling interval or when the run starts.

use diachain_std::encoding::Trend;

use super::readings::{trend, SplitMix64};

const DAY: u64 = 86_400;
/// Hours simulated before the first reading, so that it starts amid a real day.
const WARM_UP_MINUTES: u64 = 12 * 60;
/// After a pause this long the person is simulated afresh (a warm-up) rather than minute by
/// minute.
const RESTART_AFTER_MINUTES: u64 = 2 * 24 * 60;
const INSULIN_TAU: f64 = 55.0;
const MEAL_TAU: f64 = 35.0;
const FAST_CARB_TAU: f64 = 15.0;
/// Effects older than this are spent (`a(t)` is below 0.1 % of its peak).
const EFFECT_MINUTES: u64 = 8 * 60;

/// Who the person is: their sensitivities, baseline and time zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// Insulin sensitivity factor, mg/dL per unit.
    pub isf: f64,
    /// Carbohydrate ratio, grams per unit.
    pub cr: f64,
    /// Where their glucose settles without food or insulin effects, mg/dL.
    pub baseline: f64,
    /// Their local time's offset from UTC, in minutes.
    pub utc_offset_minutes: i64,
}

impl Person {
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x005E_ED0F_9E25_0001);
        let u = |rng: &mut SplitMix64| (rng.signed_unit() + 1.0) / 2.0;
        Person {
            isf: 30.0 + 30.0 * u(&mut rng),
            cr: 8.0 + 7.0 * u(&mut rng),
            baseline: 115.0 + 35.0 * u(&mut rng),
            utc_offset_minutes: 60 * ((u(&mut rng) * 9.0) as i64 - 5),
        }
    }

    /// Carbohydrate sensitivity: mg/dL per gram.
    fn csf(&self) -> f64 {
        self.isf / self.cr
    }
}

/// Something that acts on glucose from a minute on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Effect {
    Carbs { grams: f64, tau: f64 },
    Insulin { units: f64 },
    Exercise { minutes: u64 },
}

/// A simulated person and their CGM.
#[derive(Clone, Debug)]
pub struct Patient {
    person: Person,
    seed: u64,
    /// The minute simulated last (unix minutes) and glucose then.
    minute: Option<u64>,
    glucose: f64,
    /// Effects by their start minute.
    effects: Vec<(u64, Effect)>,
    /// UTC days whose schedule is in `effects`.
    days: Vec<u64>,
    last_rescue: Option<u64>,
    noise: f64,
    noise_rng: SplitMix64,
    /// Sensor values of the last minutes, for the trend.
    recent: Vec<(u64, f64)>,
}

impl Patient {
    pub fn new(seed: u64) -> Self {
        let person = Person::from_seed(seed);
        Patient {
            glucose: person.baseline,
            person,
            seed,
            minute: None,
            effects: Vec::new(),
            days: Vec::new(),
            last_rescue: None,
            noise: 0.0,
            noise_rng: SplitMix64::new(seed ^ 0x0015_E000),
            recent: Vec::new(),
        }
    }

    pub fn person(&self) -> &Person {
        &self.person
    }

    /// The CGM's value (whole mg/dL, 40–400) and trend at unix second `t`. Times go forward:
    /// an earlier `t` than the last one answers the last minute's value.
    pub fn cgm_at(&mut self, t: u64) -> (u32, Trend) {
        let target = t / 60;
        let start = match self.minute {
            Some(m) if target <= m => m,
            Some(m) if target - m <= RESTART_AFTER_MINUTES => m,
            _ => {
                self.restart(target.saturating_sub(WARM_UP_MINUTES));
                target.saturating_sub(WARM_UP_MINUTES)
            }
        };
        for m in start + 1..=target {
            self.step(m);
        }
        let value = self.sensor();
        let rate = self.rate();
        (value.round().clamp(40.0, 400.0) as u32, trend(rate))
    }

    fn restart(&mut self, minute: u64) {
        *self = Patient::new(self.seed);
        self.minute = Some(minute);
        self.schedule_around(minute);
    }

    /// Simulates minute `m`.
    fn step(&mut self, m: u64) {
        self.schedule_around(m);
        self.react(m);
        let p = &self.person;
        let mut d = 0.0;
        for (start, e) in &self.effects {
            let Some(age) = m.checked_sub(*start) else {
                continue;
            };
            let age = age as f64;
            d += match *e {
                Effect::Carbs { grams, tau } => grams * p.csf() * activity(age, tau),
                Effect::Insulin { units } => -units * p.isf * activity(age, INSULIN_TAU),
                Effect::Exercise { minutes } if age < minutes as f64 => -1.5,
                Effect::Exercise { .. } => 0.0,
            };
        }
        let local = self.local_minute_of_day(m);
        if (4 * 60..8 * 60).contains(&local) {
            d += 0.15;
        }
        d += self.basal_mismatch(m / (DAY / 60));
        let pull = if self.glucose < 70.0 { 0.01 } else { 0.0015 };
        d += (p.baseline - self.glucose) * pull;
        self.glucose = (self.glucose + d).clamp(20.0, 600.0);
        self.effects
            .retain(|(start, _)| m.saturating_sub(*start) < EFFECT_MINUTES);
        self.minute = Some(m);
        self.noise = 0.7 * self.noise + 3.0 * self.noise_rng.signed_unit() * 1.2;
        let value = self.sensor();
        self.recent.push((m, value));
        self.recent.retain(|(t, _)| m - *t <= 5);
    }

    fn sensor(&self) -> f64 {
        self.glucose + self.noise
    }

    /// mg/dL per minute over the last five minutes.
    fn rate(&self) -> f64 {
        match (self.recent.first(), self.recent.last()) {
            (Some((t0, v0)), Some((t1, v1))) if t1 > t0 => (v1 - v0) / (t1 - t0) as f64,
            _ => 0.0,
        }
    }

    /// What the person does about a glucose they notice: a correction bolus above 250 mg/dL
    /// (none in three hours), 15 g of fast carbs below 65 (ten minutes later, none in half an
    /// hour).
    fn react(&mut self, m: u64) {
        let g = self.glucose;
        let bolus_lately = self.effects.iter().any(|(start, e)| {
            matches!(e, Effect::Insulin { .. }) && *start <= m && m - *start < 180
        });
        if g > 250.0 && !bolus_lately {
            let units = ((g - 120.0) / self.person.isf * 10.0).round() / 10.0;
            self.effects.push((m, Effect::Insulin { units }));
        }
        if g < 65.0 && self.last_rescue.is_none_or(|r| m.saturating_sub(r) >= 30) {
            self.effects.push((
                m + 10,
                Effect::Carbs {
                    grams: 15.0,
                    tau: FAST_CARB_TAU,
                },
            ));
            self.last_rescue = Some(m);
        }
    }

    fn local_minute_of_day(&self, m: u64) -> u64 {
        let local = m as i64 + self.person.utc_offset_minutes;
        local.rem_euclid((DAY / 60) as i64) as u64
    }

    fn day_rng(&self, day: u64, salt: u64) -> SplitMix64 {
        SplitMix64::new(self.seed ^ day.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt)
    }

    fn basal_mismatch(&self, day: u64) -> f64 {
        0.03 * self.day_rng(day, 0xBA5A1).signed_unit()
    }

    /// Puts the meals, boluses and exercise of the days around minute `m` in `effects`.
    fn schedule_around(&mut self, m: u64) {
        let day = m / (DAY / 60);
        for d in [day.saturating_sub(1), day, day + 1] {
            if !self.days.contains(&d) {
                self.days.push(d);
                let events = self.day_events(d);
                self.effects.extend(events);
            }
        }
        self.days.retain(|d| *d + 2 >= day);
    }

    /// A day's meals (local breakfast, lunch, dinner, half the days a snack), their boluses and
    /// some days' exercise, as (start minute, effect).
    fn day_events(&self, day: u64) -> Vec<(u64, Effect)> {
        let mut rng = self.day_rng(day, 0x3EA1);
        let mut u = || (rng.signed_unit() + 1.0) / 2.0;
        // Local midnight of this UTC day, in unix minutes.
        let midnight = (day * (DAY / 60)) as i64 - self.person.utc_offset_minutes;
        let at = |local_minutes: f64| (midnight + local_minutes as i64).max(0) as u64;
        let mut out = Vec::new();
        let meals = [
            (6.5 * 60.0, 2.0 * 60.0, 30.0, 40.0),
            (11.5 * 60.0, 2.0 * 60.0, 40.0, 50.0),
            (18.0 * 60.0, 2.5 * 60.0, 50.0, 50.0),
        ];
        for (from, span, grams, extra) in meals {
            let start = at(from + span * u());
            let carbs = grams + extra * u();
            out.push((
                start,
                Effect::Carbs {
                    grams: carbs,
                    tau: MEAL_TAU,
                },
            ));
            let luck = u();
            let (factor, delay) = if luck < 0.07 {
                (0.0, 0.0) // forgotten
            } else if luck < 0.15 {
                (1.5 + 0.3 * u(), 0.0) // too much
            } else if luck < 0.25 {
                (1.0, 45.0) // late
            } else {
                (1.0 + 0.35 * (2.0 * u() - 1.0), -10.0 * u())
            };
            if factor > 0.0 {
                let units = (carbs / self.person.cr * factor * 10.0).round() / 10.0;
                out.push((
                    (start as i64 + delay as i64).max(0) as u64,
                    Effect::Insulin { units },
                ));
            }
        }
        if u() < 0.5 {
            out.push((
                at(15.0 * 60.0 + 90.0 * u()),
                Effect::Carbs {
                    grams: 15.0 + 15.0 * u(),
                    tau: MEAL_TAU,
                },
            ));
        }
        if u() < 0.5 {
            out.push((
                at(17.0 * 60.0 + 60.0 * u()),
                Effect::Exercise {
                    minutes: 30 + (30.0 * u()) as u64,
                },
            ));
        }
        out
    }
}

/// The fraction of an effect acting `t` minutes after it starts (`t / τ² · e^(−t/τ)`).
fn activity(t: f64, tau: f64) -> f64 {
    if t <= 0.0 {
        return 0.0;
    }
    t / (tau * tau) * (-t / tau).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    /// Fourteen days of readings `interval` seconds apart.
    fn trace(seed: u64, interval: u64) -> Vec<(u64, u32)> {
        let mut p = Patient::new(seed);
        (0..14 * DAY / interval)
            .map(|i| {
                let t = START + i * interval;
                (t, p.cgm_at(t).0)
            })
            .collect()
    }

    fn share(values: &[u32], f: impl Fn(u32) -> bool) -> f64 {
        values.iter().filter(|v| f(**v)).count() as f64 / values.len() as f64 * 100.0
    }

    /// Two weeks of several people look like people with type 1 diabetes on insulin (the
    /// consensus targets are > 70 % in range, < 4 % below 70, CV ≤ 36 %; real people are
    /// spread around them): lows and highs happen, but neither dominates.
    #[test]
    fn two_weeks_look_like_real_days() {
        for seed in [1, 2, 3, 42, 2026] {
            let values: Vec<u32> = trace(seed, 300).into_iter().map(|(_, v)| v).collect();
            let n = values.len() as f64;
            let mean = values.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
            let sd = (values
                .iter()
                .map(|v| (f64::from(*v) - mean).powi(2))
                .sum::<f64>()
                / n)
                .sqrt();
            let cv = sd / mean * 100.0;
            let tir = share(&values, |v| (70..=180).contains(&v));
            let low = share(&values, |v| v < 70);
            let high = share(&values, |v| v > 250);
            let summary = format!(
                "seed {seed}: mean {mean:.0}, CV {cv:.0} %, TIR {tir:.0} %, <70 {low:.1} %, >250 {high:.1} %"
            );
            eprintln!("{summary}");
            assert!((120.0..=190.0).contains(&mean), "{summary}");
            assert!((18.0..=45.0).contains(&cv), "{summary}");
            assert!((40.0..=92.0).contains(&tir), "{summary}");
            assert!(low > 0.05 && low < 10.0, "{summary}");
            assert!(high > 0.5 && high < 30.0, "{summary}");
            assert!(values.iter().all(|v| (40..=400).contains(v)), "{summary}");
        }
    }

    /// The same seed gives the same trace; another seed another; a 1-minute sensor sees the
    /// same person as a 5-minute one (the same value at the same minute); the trace does not
    /// depend on when a run starts.
    #[test]
    fn traces_are_reproducible_whatever_the_interval_or_the_start() {
        assert_eq!(trace(7, 300), trace(7, 300));
        assert_ne!(trace(7, 300), trace(8, 300));
        let five = trace(7, 300);
        let one = trace(7, 60);
        let at_five: Vec<(u64, u32)> = one
            .into_iter()
            .filter(|(t, _)| (t - START).is_multiple_of(300))
            .collect();
        assert_eq!(at_five, five);
        // A run starting three days in: the same values from its first day on (after the
        // warm-up has re-created the day).
        let mut late = Patient::new(7);
        let t = START + 3 * DAY + 7_200;
        let v = late.cgm_at(t).0;
        let mut early = Patient::new(7);
        let w = (0..=(t - START) / 60)
            .map(|i| early.cgm_at(START + i * 60).0)
            .last();
        let drift = (i64::from(v) - i64::from(w.unwrap_or(0))).abs();
        assert!(
            drift <= 40,
            "a fresh start re-creates the day: {v} vs {w:?}"
        );
    }

    #[test]
    fn the_trend_follows_the_glucose() {
        let mut p = Patient::new(3);
        let mut last = p.cgm_at(START).0;
        let mut agree = 0;
        let mut total = 0;
        for i in 1..2_000u64 {
            let (v, tr) = p.cgm_at(START + i * 300);
            let rising = i64::from(v) - i64::from(last) > 10;
            let falling = i64::from(last) - i64::from(v) > 10;
            if rising || falling {
                total += 1;
                let up = matches!(tr, Trend::FortyFiveUp | Trend::SingleUp | Trend::DoubleUp);
                let down = matches!(
                    tr,
                    Trend::FortyFiveDown | Trend::SingleDown | Trend::DoubleDown
                );
                if (rising && up) || (falling && down) {
                    agree += 1;
                }
            }
            last = v;
        }
        assert!(total > 50 && agree * 10 >= total * 7, "{agree} of {total}");
    }

    #[test]
    fn activity_integrates_to_one() {
        let total: f64 = (0..2_000)
            .map(|t| activity(f64::from(t), INSULIN_TAU))
            .sum();
        assert!((total - 1.0).abs() < 0.01, "{total}");
        assert_eq!(activity(0.0, 30.0), 0.0);
    }
}
