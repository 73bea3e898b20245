//! A simulated person with type 1 diabetes, as a CGM sees them and as their pump, pen or app
//! logs their therapy: a glucose–insulin model of our own in the spirit of the insulin-on-board
//! models loop systems use (OpenAPS's exponential activity curves), seeded and reproducible.
//!
//! Glucose changes each minute by:
//! - carbohydrates absorbed: `carbs × CSF × a(t; τc)` (CSF = ISF / CR, mg/dL per gram; meals
//!   τc = 35 min, hypo treatment τc = 15 min),
//! - rapid-acting insulin acting (boluses, and a pump's basal rate delivered minute by minute):
//!   `− units × ISF × a(t; τi)` (τi = 55 min, the activity peak),
//! - long-acting insulin (injections): `− units × ISF / 1440` a minute, from an hour after the
//!   injection for a day,
//! - the liver's output, which the person's basal insulin need balances: `need × ISF / 60`,
//!   where `need` (U/h) varies by ±6 % from day to day and rises by `9 / ISF` U/h from 04:00 to
//!   08:00 local time (the dawn phenomenon, +0.15 mg/dL/min uncovered),
//! - exercise (−1.5 mg/dL/min while it lasts, half the days),
//! - the body's own pull back to the person's baseline (0.15 % a minute, 1 % below 70 mg/dL:
//!   counter-regulation),
//!
//! with `a(t; τ) = t / τ² · e^(−t/τ)` (it integrates to 1). Each UTC day has its own meals
//! (breakfast, lunch, dinner, sometimes a snack), boluses (sometimes too large, sometimes
//! forgotten, sometimes late), and some days exercise. On a pump, the basal rate follows a daily
//! schedule of four segments (its dawn segment covers part of the dawn phenomenon), a pump user
//! sets a 50 % temporary rate an hour before most exercise, and the pump suspends (0 U/h for up
//! to an hour) when the CGM falls below 80 mg/dL, resuming once it rises past 100. On
//! injections, a long-acting dose each evening (sometimes late, rarely forgotten) covers the
//! basal need but not the dawn. A reading above 250 mg/dL with no bolus in three hours gets a
//! correction bolus, and one below 65 gets 15 g of fast carbs ten minutes later. The sensor
//! adds AR(1) noise (σ ≈ 4 mg/dL) and reads 40–400 mg/dL.
//!
//! Every action goes through the device that logs it (`therapy`): one a minute per device, the
//! model applying it when it is logged. With [`Patient::keep_log`], the model keeps what each
//! device logged from the first minute it is asked about, as readings' kinds, units and values.
//!
//! Everything follows from the seed, the therapy and the time: the same person gives the same
//! trace whatever the sampling interval or when the run starts (a pump's report of its state
//! when it starts streaming may delay its next action by a minute or two).

use std::collections::VecDeque;
use std::sync::OnceLock;

use diachain_std::encoding::Trend;

use super::readings::{trend, SplitMix64};
use super::therapy::{round_milli, Action, BasalSchedule, Logged, Logger, Therapy};

const DAY: u64 = 86_400;
const DAY_MINUTES: u64 = DAY / 60;
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
/// A long-acting dose acts evenly from an hour after the injection, for a day.
const LONG_ACTING_ONSET: u64 = 60;
const LONG_ACTING_MINUTES: u64 = 24 * 60;
/// The dawn phenomenon uncovered: mg/dL per minute, 04:00–08:00 local time.
const DAWN_RISE: f64 = 0.15;
/// A pump's schedule: (local minute it starts, share of the basal need, share of the dawn need
/// it covers × the person's dawn cover).
const PUMP_SEGMENTS: [(u64, f64, f64); 4] = [
    (0, 1.0, 0.0),
    (3 * 60, 1.0, 1.0),
    (7 * 60 + 30, 1.05, 0.0),
    (17 * 60, 0.95, 0.0),
];

/// Who the person is: their sensitivities, baseline, time zone and basal insulin.
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
    /// The basal insulin they need outside the dawn hours, U/h (45 % of a total daily dose
    /// of about 1800 / ISF).
    pub basal_need: f64,
    /// Their pump schedule's or long-acting dose's share of that need (0.95–1.05).
    pub basal_setting: f64,
    /// The share of the dawn phenomenon their pump's schedule covers (0.5–1.1).
    pub dawn_cover: f64,
}

impl Person {
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x005E_ED0F_9E25_0001);
        let u = |rng: &mut SplitMix64| (rng.signed_unit() + 1.0) / 2.0;
        let isf = 30.0 + 30.0 * u(&mut rng);
        let cr = 8.0 + 7.0 * u(&mut rng);
        let baseline = 115.0 + 35.0 * u(&mut rng);
        let utc_offset_minutes = 60 * ((u(&mut rng) * 9.0) as i64 - 5);
        let total_daily = 1800.0 / isf * (0.85 + 0.3 * u(&mut rng));
        Person {
            isf,
            cr,
            baseline,
            utc_offset_minutes,
            basal_need: 0.45 * total_daily / 24.0,
            basal_setting: 0.95 + 0.1 * u(&mut rng),
            dawn_cover: 0.5 + 0.6 * u(&mut rng),
        }
    }

    /// Carbohydrate sensitivity: mg/dL per gram.
    fn csf(&self) -> f64 {
        self.isf / self.cr
    }

    /// The extra basal insulin the dawn phenomenon needs, U/h.
    fn dawn_need(&self) -> f64 {
        DAWN_RISE * 60.0 / self.isf
    }

    /// Their pump's basal schedule (0.05 U/h steps, at least 0.05 U/h).
    pub fn pump_schedule(&self) -> BasalSchedule {
        let base = self.basal_need * self.basal_setting;
        BasalSchedule(
            PUMP_SEGMENTS
                .iter()
                .map(|(from, share, dawn)| {
                    let rate = base * share + self.dawn_need() * dawn * self.dawn_cover;
                    (*from, round_milli(rate, 50).max(50))
                })
                .collect(),
        )
    }

    /// Their evening long-acting dose, in thousandths of a unit (whole units): the day's basal
    /// need and half the dawn's.
    pub fn long_acting_milli(&self) -> i64 {
        let units = 24.0 * self.basal_need * self.basal_setting + 0.5 * 4.0 * self.dawn_need();
        round_milli(units, 1_000).max(1_000)
    }
}

/// Something that acts on glucose from a minute on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Effect {
    Carbs {
        grams: f64,
        tau: f64,
    },
    /// A rapid-acting bolus.
    Insulin {
        units: f64,
    },
    LongActing {
        units: f64,
    },
    Exercise {
        minutes: u64,
    },
}

impl Effect {
    /// Minutes after its start until it is spent.
    fn lasts(&self) -> u64 {
        match self {
            Effect::LongActing { .. } => LONG_ACTING_ONSET + LONG_ACTING_MINUTES,
            _ => EFFECT_MINUTES,
        }
    }
}

/// A temporary basal rate in force.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Temp {
    milli_per_hour: i64,
    since: u64,
    /// The first minute it is no longer in force.
    until: u64,
    suspend: bool,
    cancelling: bool,
}

/// The insulin the model gave from the first minute it was asked about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsulinGiven {
    /// Boluses and long-acting doses, in thousandths of a unit.
    pub doses_milli: i64,
    /// A pump's basal rate in force summed over every minute, in thousandths of a unit per hour
    /// (÷ 60,000: units delivered).
    pub basal_rate_minutes: i64,
}

impl InsulinGiven {
    pub fn units(&self) -> f64 {
        self.doses_milli as f64 / 1_000.0 + self.basal_rate_minutes as f64 / 60_000.0
    }
}

/// A simulated person and their CGM.
#[derive(Clone, Debug)]
pub struct Patient {
    person: Person,
    therapy: Therapy,
    seed: u64,
    /// The minute simulated last (unix minutes) and glucose then.
    minute: Option<u64>,
    glucose: f64,
    /// Effects by their start minute.
    effects: Vec<(u64, Effect)>,
    /// Actions of the days scheduled so far, by the minute they are due.
    planned: Vec<(u64, Action)>,
    /// Actions due, waiting for their device (`Logger::index`).
    queues: [VecDeque<Action>; 3],
    /// UTC days whose schedule is in `effects` and `planned`.
    days: Vec<u64>,
    last_rescue: Option<u64>,
    last_correction: Option<u64>,
    last_suspend: Option<u64>,
    schedule: BasalSchedule,
    scheduled_rate: i64,
    temp: Option<Temp>,
    /// A pump's basal insulin delivered in each of the last minutes (units), oldest first.
    basal_units: VecDeque<f64>,
    noise: f64,
    noise_rng: SplitMix64,
    /// Sensor values of the last minutes, for the trend.
    recent: Vec<(u64, f64)>,
    /// Whether the devices' readings are kept (`keep_log`), from which minute, and those not
    /// taken yet.
    logging: bool,
    live_from: u64,
    log: Vec<Logged>,
    /// The minute the pump reports its state (it starts streaming), and whether it streams.
    pump_report: Option<u64>,
    pump_reporting: bool,
    given: InsulinGiven,
    carbs_grams: u64,
}

impl Patient {
    pub fn new(seed: u64, therapy: Therapy) -> Self {
        let person = Person::from_seed(seed);
        Patient {
            glucose: person.baseline,
            schedule: person.pump_schedule(),
            person,
            therapy,
            seed,
            minute: None,
            effects: Vec::new(),
            planned: Vec::new(),
            queues: Default::default(),
            days: Vec::new(),
            last_rescue: None,
            last_correction: None,
            last_suspend: None,
            scheduled_rate: 0,
            temp: None,
            basal_units: VecDeque::new(),
            noise: 0.0,
            noise_rng: SplitMix64::new(seed ^ 0x0015_E000),
            recent: Vec::new(),
            logging: false,
            live_from: 0,
            log: Vec::new(),
            pump_report: None,
            pump_reporting: false,
            given: InsulinGiven::default(),
            carbs_grams: 0,
        }
    }

    pub fn person(&self) -> &Person {
        &self.person
    }

    pub fn therapy(&self) -> Therapy {
        self.therapy
    }

    /// Keep what the person's devices log (taken with [`Patient::take_log`]).
    pub fn keep_log(&mut self) {
        self.logging = true;
    }

    /// The pump starts streaming at unix second `t`: it reports its state (the temporary rate
    /// in force, if any, with its remaining minutes, then the scheduled rate) at the first whole
    /// minute from `t`, so that its readings from then on tell every unit it delivers.
    pub fn report_pump_from(&mut self, t: u64) {
        let mut minute = t.div_ceil(60);
        if let Some(m) = self.minute {
            minute = minute.max(m + 1);
        }
        self.pump_reporting = true;
        self.pump_report = Some(minute);
    }

    /// What the devices logged since the last call, in time order.
    pub fn take_log(&mut self) -> Vec<Logged> {
        std::mem::take(&mut self.log)
    }

    /// The insulin given from the first minute the model was asked about.
    pub fn insulin_given(&self) -> InsulinGiven {
        self.given
    }

    /// Carbohydrates eaten from the first minute the model was asked about, in grams.
    pub fn carbs_eaten(&self) -> u64 {
        self.carbs_grams
    }

    /// Simulates up to unix second `t` (an earlier `t` than the last one does nothing).
    pub fn advance_to(&mut self, t: u64) {
        let target = t / 60;
        let start = match self.minute {
            Some(m) if target <= m => return,
            Some(m) if target - m <= RESTART_AFTER_MINUTES => m,
            _ => {
                let from = target.saturating_sub(WARM_UP_MINUTES);
                self.restart(from, target);
                from
            }
        };
        for m in start + 1..=target {
            self.step(m);
        }
    }

    /// The CGM's value (whole mg/dL, 40–400) and trend at unix second `t`. Times go forward:
    /// an earlier `t` than the last one answers the last minute's value.
    pub fn cgm_at(&mut self, t: u64) -> (u32, Trend) {
        self.advance_to(t);
        let value = self.sensor();
        let rate = self.rate();
        (value.round().clamp(40.0, 400.0) as u32, trend(rate))
    }

    /// Starts afresh at minute `from`, as if the person's day had gone on before it: effects
    /// of earlier meals, boluses and doses act, a pump has run its schedule; devices log from
    /// minute `live`.
    fn restart(&mut self, from: u64, live: u64) {
        let mut fresh = Patient::new(self.seed, self.therapy);
        fresh.logging = self.logging;
        fresh.log = std::mem::take(&mut self.log);
        fresh.live_from = live;
        fresh.pump_reporting = self.pump_reporting;
        if self.pump_reporting {
            fresh.pump_report = Some(self.pump_report.map_or(live, |r| r.max(live)));
        }
        *self = fresh;
        self.minute = Some(from);
        self.scheduled_rate = self.schedule.rate_at(self.local_minute_of_day(from));
        if self.therapy == Therapy::Pump {
            for k in (0..EFFECT_MINUTES).rev() {
                let m = from.saturating_sub(k);
                let rate = self.schedule.rate_at(self.local_minute_of_day(m));
                self.basal_units.push_back(rate as f64 / 60_000.0);
            }
        }
        self.schedule_around(from);
        // What was due before `from` has happened: meals, boluses and doses act (unlogged).
        let (past, planned): (Vec<_>, Vec<_>) = std::mem::take(&mut self.planned)
            .into_iter()
            .partition(|(t, _)| *t <= from);
        self.planned = planned;
        for (t, action) in past {
            match action {
                Action::Carbs { grams, fast } => {
                    self.effects.push((t, carbs_effect(grams, fast)));
                }
                Action::Bolus { milli_units } => self.effects.push((
                    t,
                    Effect::Insulin {
                        units: milli_units as f64 / 1_000.0,
                    },
                )),
                Action::LongActing { milli_units } => self.effects.push((
                    t,
                    Effect::LongActing {
                        units: milli_units as f64 / 1_000.0,
                    },
                )),
                _ => {}
            }
        }
    }

    /// Simulates minute `m`.
    fn step(&mut self, m: u64) {
        self.schedule_around(m);
        if self.temp.is_some_and(|t| t.until <= m) {
            self.temp = None;
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.planned)
            .into_iter()
            .partition(|(t, _)| *t <= m);
        self.planned = later;
        let mut due = due;
        due.sort_by_key(|(t, _)| *t);
        for (_, action) in due {
            self.enqueue(action);
        }
        self.react(m);
        if self.therapy == Therapy::Pump && self.pump_report.is_some_and(|r| r <= m) {
            let q = &mut self.queues[Logger::Pump.index()];
            q.push_front(Action::ReportSchedule);
            q.push_front(Action::ReportTemp);
            self.pump_report = None;
        }
        self.release(m);
        let basal_acting = if self.therapy == Therapy::Pump {
            self.deliver_basal(m)
        } else {
            0.0
        };
        let p = &self.person;
        let mut d = -basal_acting * p.isf;
        for (start, e) in &self.effects {
            let Some(age) = m.checked_sub(*start) else {
                continue;
            };
            d += match *e {
                Effect::Carbs { grams, tau } => grams * p.csf() * activity(age as f64, tau),
                Effect::Insulin { units } => -units * p.isf * insulin_activity_at(age),
                Effect::LongActing { units } => {
                    if (LONG_ACTING_ONSET..LONG_ACTING_ONSET + LONG_ACTING_MINUTES).contains(&age) {
                        -units * p.isf / LONG_ACTING_MINUTES as f64
                    } else {
                        0.0
                    }
                }
                Effect::Exercise { minutes } if age < minutes => -1.5,
                Effect::Exercise { .. } => 0.0,
            };
        }
        d += self.basal_need(m) * p.isf / 60.0;
        let pull = if self.glucose < 70.0 { 0.01 } else { 0.0015 };
        d += (p.baseline - self.glucose) * pull;
        self.glucose = (self.glucose + d).clamp(20.0, 600.0);
        self.effects
            .retain(|(start, e)| m.saturating_sub(*start) < e.lasts());
        self.minute = Some(m);
        self.noise = 0.7 * self.noise + 3.0 * self.noise_rng.signed_unit() * 1.2;
        let value = self.sensor();
        self.recent.push((m, value));
        self.recent.retain(|(t, _)| m - *t <= 5);
    }

    /// A pump delivers minute `m`'s basal insulin (the temporary rate in force, else the
    /// scheduled one); the units of its basal insulin acting now.
    fn deliver_basal(&mut self, m: u64) -> f64 {
        let rate = self.temp.map_or(self.scheduled_rate, |t| t.milli_per_hour);
        self.basal_units.push_back(rate as f64 / 60_000.0);
        while self.basal_units.len() > EFFECT_MINUTES as usize {
            self.basal_units.pop_front();
        }
        if m >= self.live_from {
            self.given.basal_rate_minutes += rate;
        }
        let table = insulin_activity();
        // The newest minute is age 0.
        self.basal_units
            .iter()
            .rev()
            .zip(table)
            .map(|(units, a)| units * a)
            .sum()
    }

    /// The basal insulin the person needs at minute `m`, U/h: their need that day and the dawn's.
    fn basal_need(&self, m: u64) -> f64 {
        let p = &self.person;
        let day = 1.0 + 0.06 * self.day_rng(m / DAY_MINUTES, 0xBA5A1).signed_unit();
        let local = self.local_minute_of_day(m);
        let dawn = if (4 * 60..8 * 60).contains(&local) {
            p.dawn_need()
        } else {
            0.0
        };
        p.basal_need * day + dawn
    }

    /// Puts an action in the queue of the device that logs it.
    fn enqueue(&mut self, action: Action) {
        let logger = self.therapy.logger(&action);
        self.queues[logger.index()].push_back(action);
    }

    /// Each device logs (and the model applies) the first action in its queue that does
    /// something.
    fn release(&mut self, m: u64) {
        for logger in Logger::ALL {
            while let Some(action) = self.queues[logger.index()].pop_front() {
                if let Some(logged) = self.apply(m, action, logger) {
                    if self.logging && m >= self.live_from {
                        self.log.push(logged);
                    }
                    break;
                }
            }
        }
    }

    /// Applies `action` at minute `m`; what its device logs, or `None` if it does nothing.
    fn apply(&mut self, m: u64, action: Action, logger: Logger) -> Option<Logged> {
        let at = m * 60;
        let live = m >= self.live_from;
        match action {
            Action::Carbs { grams, fast } => {
                self.effects.push((m, carbs_effect(grams, fast)));
                if live {
                    self.carbs_grams += u64::from(grams);
                }
                Some(Logged::carbs(at, logger, grams))
            }
            Action::Bolus { milli_units } => {
                self.effects.push((
                    m,
                    Effect::Insulin {
                        units: milli_units as f64 / 1_000.0,
                    },
                ));
                if live {
                    self.given.doses_milli += milli_units;
                }
                Some(Logged::bolus(at, logger, milli_units))
            }
            Action::LongActing { milli_units } => {
                self.effects.push((
                    m,
                    Effect::LongActing {
                        units: milli_units as f64 / 1_000.0,
                    },
                ));
                if live {
                    self.given.doses_milli += milli_units;
                }
                Some(Logged::long_acting(at, logger, milli_units))
            }
            Action::BasalRate { milli_per_hour } => {
                self.scheduled_rate = milli_per_hour;
                Some(Logged::basal_rate(at, logger, milli_per_hour))
            }
            Action::TempBasal {
                milli_per_hour,
                minutes,
                suspend,
            } => {
                self.temp = Some(Temp {
                    milli_per_hour,
                    since: m,
                    until: m + u64::from(minutes),
                    suspend,
                    cancelling: false,
                });
                Some(Logged::temp_basal(at, logger, milli_per_hour, minutes))
            }
            Action::CancelTemp => self
                .temp
                .take()
                .map(|_| Logged::temp_basal(at, logger, 0, 0)),
            Action::ReportTemp => self.temp.map(|t| {
                let left = u32::try_from(t.until - m).unwrap_or(u32::MAX);
                Logged::temp_basal(at, logger, t.milli_per_hour, left)
            }),
            Action::ReportSchedule => Some(Logged::basal_rate(at, logger, self.scheduled_rate)),
        }
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
    /// hour); and what a pump does about a falling CGM.
    fn react(&mut self, m: u64) {
        let g = self.glucose;
        let bolus_lately = self.effects.iter().any(|(start, e)| {
            matches!(e, Effect::Insulin { .. }) && *start <= m && m - *start < 180
        }) || self.last_correction.is_some_and(|c| m - c < 180);
        if g > 250.0 && !bolus_lately {
            let milli_units = round_milli(
                (g - 120.0) / self.person.isf,
                self.therapy.bolus_step_milli(),
            );
            if milli_units > 0 {
                self.enqueue(Action::Bolus { milli_units });
                self.last_correction = Some(m);
            }
        }
        if g < 65.0 && self.last_rescue.is_none_or(|r| m.saturating_sub(r) >= 30) {
            self.planned.push((
                m + 10,
                Action::Carbs {
                    grams: 15,
                    fast: true,
                },
            ));
            self.last_rescue = Some(m);
        }
        if self.therapy == Therapy::Pump {
            self.suspend_before_low(m);
        }
    }

    /// A pump suspends for up to an hour when the CGM falls below 80 mg/dL, and resumes once it
    /// rises past 100 (after a quarter of an hour at least).
    fn suspend_before_low(&mut self, m: u64) {
        let (sensor, rate) = (self.sensor(), self.rate());
        match &mut self.temp {
            Some(t) if t.suspend => {
                if !t.cancelling && m >= t.since + 15 && sensor >= 100.0 && rate > 0.0 {
                    t.cancelling = true;
                    self.enqueue(Action::CancelTemp);
                }
            }
            _ => {
                if sensor < 80.0 && rate <= -1.0 && self.last_suspend.is_none_or(|s| m - s >= 60) {
                    self.enqueue(Action::TempBasal {
                        milli_per_hour: 0,
                        minutes: 60,
                        suspend: true,
                    });
                    self.last_suspend = Some(m);
                }
            }
        }
    }

    fn local_minute_of_day(&self, m: u64) -> u64 {
        let local = m as i64 + self.person.utc_offset_minutes;
        local.rem_euclid(DAY_MINUTES as i64) as u64
    }

    fn day_rng(&self, day: u64, salt: u64) -> SplitMix64 {
        SplitMix64::new(self.seed ^ day.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt)
    }

    /// Puts the meals, boluses, doses, basal rates and exercise of the days around minute `m`
    /// in `effects` and `planned`.
    fn schedule_around(&mut self, m: u64) {
        let day = m / DAY_MINUTES;
        for d in [day.saturating_sub(2), day.saturating_sub(1), day, day + 1] {
            if !self.days.contains(&d) {
                self.days.push(d);
                let (effects, actions) = self.day_events(d);
                self.effects.extend(effects);
                self.planned.extend(actions);
            }
        }
        self.days.retain(|d| *d + 3 >= day);
    }

    /// A day's exercise (as effects) and actions (by their minute): meals (local breakfast,
    /// lunch, dinner, half the days a snack) and their boluses; on a pump its schedule's rates
    /// and a temporary rate before most exercise; on injections the evening long-acting dose.
    #[allow(clippy::type_complexity)]
    fn day_events(&self, day: u64) -> (Vec<(u64, Effect)>, Vec<(u64, Action)>) {
        let mut rng = self.day_rng(day, 0x3EA1);
        let mut u = || (rng.signed_unit() + 1.0) / 2.0;
        // Local midnight of this UTC day, in unix minutes.
        let midnight = (day * DAY_MINUTES) as i64 - self.person.utc_offset_minutes;
        let at = |local_minutes: f64| (midnight + local_minutes as i64).max(0) as u64;
        let step = self.therapy.bolus_step_milli();
        let mut effects = Vec::new();
        let mut actions = Vec::new();
        let meals = [
            (6.5 * 60.0, 2.0 * 60.0, 30.0, 40.0),
            (11.5 * 60.0, 2.0 * 60.0, 40.0, 50.0),
            (18.0 * 60.0, 2.5 * 60.0, 50.0, 50.0),
        ];
        for (from, span, grams, extra) in meals {
            let start = at(from + span * u());
            let carbs = (grams + extra * u()).round() as u32;
            actions.push((
                start,
                Action::Carbs {
                    grams: carbs,
                    fast: false,
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
            let milli_units = round_milli(f64::from(carbs) / self.person.cr * factor, step);
            if milli_units > 0 {
                actions.push((
                    (start as i64 + delay as i64).max(0) as u64,
                    Action::Bolus { milli_units },
                ));
            }
        }
        if u() < 0.5 {
            let start = at(15.0 * 60.0 + 90.0 * u());
            let grams = (15.0 + 15.0 * u()).round() as u32;
            actions.push((start, Action::Carbs { grams, fast: false }));
        }
        let exercise = (u() < 0.5).then(|| {
            let start = at(17.0 * 60.0 + 60.0 * u());
            (start, 30 + (30.0 * u()) as u64)
        });
        if let Some((start, minutes)) = exercise {
            effects.push((start, Effect::Exercise { minutes }));
        }
        // The therapy's own draws, apart, so that meals are the same on a pump and on pens.
        let mut rng = self.day_rng(day, 0x7EE4_AB5A);
        let mut u = || (rng.signed_unit() + 1.0) / 2.0;
        match self.therapy {
            Therapy::Pump => {
                for (from, rate) in &self.schedule.0 {
                    actions.push((
                        at(*from as f64),
                        Action::BasalRate {
                            milli_per_hour: *rate,
                        },
                    ));
                }
                if let Some((start, minutes)) = exercise.filter(|_| u() < 0.7) {
                    let from = start.saturating_sub(60);
                    let rate = self.schedule.rate_at(self.local_minute_of_day(from));
                    actions.push((
                        from,
                        Action::TempBasal {
                            milli_per_hour: round_milli(rate as f64 / 2_000.0, 50),
                            minutes: u32::try_from(minutes + 60).unwrap_or(120),
                            suspend: false,
                        },
                    ));
                }
            }
            Therapy::Injections => {
                let luck = u();
                let late = if luck < 0.04 {
                    120.0 + 120.0 * u()
                } else {
                    0.0
                };
                if luck >= 0.01 {
                    let t = at(21.0 * 60.0 + 60.0 * (u() - 0.5) + late);
                    actions.push((
                        t,
                        Action::LongActing {
                            milli_units: self.person.long_acting_milli(),
                        },
                    ));
                }
            }
        }
        (effects, actions)
    }
}

fn carbs_effect(grams: u32, fast: bool) -> Effect {
    Effect::Carbs {
        grams: f64::from(grams),
        tau: if fast { FAST_CARB_TAU } else { MEAL_TAU },
    }
}

/// Rapid-acting insulin's activity at each minute of age, `0..EFFECT_MINUTES`.
fn insulin_activity() -> &'static [f64] {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..EFFECT_MINUTES)
            .map(|t| activity(t as f64, INSULIN_TAU))
            .collect()
    })
}

fn insulin_activity_at(age: u64) -> f64 {
    insulin_activity().get(age as usize).copied().unwrap_or(0.0)
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
    use std::collections::BTreeMap;

    use diachain_relayer_types::events::temp_basal_parts;
    use diachain_std::encoding::{ReadingKind, Unit};

    use super::*;

    const START: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
    const THERAPIES: [Therapy; 2] = [Therapy::Pump, Therapy::Injections];

    /// Fourteen days of readings `interval` seconds apart.
    fn trace(seed: u64, therapy: Therapy, interval: u64) -> Vec<(u64, u32)> {
        let mut p = Patient::new(seed, therapy);
        (0..14 * DAY / interval)
            .map(|i| {
                let t = START + i * interval;
                (t, p.cgm_at(t).0)
            })
            .collect()
    }

    /// A person followed minute by minute for `days` with their devices' log, the pump
    /// streaming from the start: the CGM each minute and what the devices logged.
    fn logged_days(seed: u64, therapy: Therapy, days: u64) -> (Patient, Vec<u32>, Vec<Logged>) {
        let mut p = Patient::new(seed, therapy);
        p.keep_log();
        p.report_pump_from(START);
        let cgm = (0..days * DAY_MINUTES)
            .map(|i| p.cgm_at(START + i * 60).0)
            .collect();
        let log = p.take_log();
        (p, cgm, log)
    }

    fn share(values: &[u32], f: impl Fn(u32) -> bool) -> f64 {
        values.iter().filter(|v| f(**v)).count() as f64 / values.len() as f64 * 100.0
    }

    /// Two weeks of several people, on a pump and on injections, look like people with type 1
    /// diabetes on insulin (the consensus targets are > 70 % in range, < 4 % below 70, CV ≤ 36 %;
    /// real people are spread around them): lows and highs happen, but neither dominates.
    #[test]
    fn two_weeks_look_like_real_days() {
        for therapy in THERAPIES {
            for seed in [1, 2, 3, 42, 2026] {
                let values: Vec<u32> = trace(seed, therapy, 300)
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
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
                    "{therapy:?} seed {seed}: mean {mean:.0}, CV {cv:.0} %, TIR {tir:.0} %, <70 {low:.1} %, >250 {high:.1} %"
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
    }

    /// The same seed gives the same trace; another seed another; a 1-minute sensor sees the
    /// same person as a 5-minute one (the same value at the same minute); the trace does not
    /// depend on when a run starts.
    #[test]
    fn traces_are_reproducible_whatever_the_interval_or_the_start() {
        for therapy in THERAPIES {
            assert_eq!(trace(7, therapy, 300), trace(7, therapy, 300));
            assert_ne!(trace(7, therapy, 300), trace(8, therapy, 300));
            let five = trace(7, therapy, 300);
            let one = trace(7, therapy, 60);
            let at_five: Vec<(u64, u32)> = one
                .into_iter()
                .filter(|(t, _)| (t - START).is_multiple_of(300))
                .collect();
            assert_eq!(at_five, five);
            // A run starting three days in: the same values from its first day on (after the
            // warm-up has re-created the day).
            let mut late = Patient::new(7, therapy);
            let t = START + 3 * DAY + 7_200;
            let v = late.cgm_at(t).0;
            let mut early = Patient::new(7, therapy);
            let w = (0..=(t - START) / 60)
                .map(|i| early.cgm_at(START + i * 60).0)
                .last();
            let drift = (i64::from(v) - i64::from(w.unwrap_or(0))).abs();
            assert!(
                drift <= 40,
                "{therapy:?}: a fresh start re-creates the day: {v} vs {w:?}"
            );
        }
    }

    /// The basal rate a pump's log says was in force, summed over minutes `from..=to`
    /// (thousandths of U/h × minutes): the last scheduled rate, or the temporary rate while it
    /// runs. Panics if the log does not tell the rate of some minute.
    fn basal_from_log(log: &[Logged], from: u64, to: u64) -> i64 {
        let mut scheduled = None;
        let mut temp: Option<(i64, u64)> = None;
        let mut total = 0;
        let mut entries = log.iter().peekable();
        for m in from..=to {
            while let Some(l) = entries.next_if(|l| l.at / 60 == m) {
                match (l.kind, l.unit) {
                    (ReadingKind::InsulinBasal, Unit::InsulinUnitsPerHour) => {
                        scheduled = Some(l.value)
                    }
                    (ReadingKind::TempBasal, Unit::InsulinUnitsPerHour) => {
                        let (rate, minutes) = temp_basal_parts(l.value).expect("a temp basal");
                        temp = (minutes > 0).then_some((rate, m + u64::from(minutes)));
                    }
                    _ => {}
                }
            }
            if temp.is_some_and(|(_, until)| until <= m) {
                temp = None;
            }
            total += temp.map_or_else(|| scheduled.expect("a rate in force"), |(r, _)| r);
        }
        total
    }

    /// Every dose and carbohydrate the model gave is logged, by the therapy's devices, at most
    /// one reading a minute each: the logged boluses and long-acting doses add up to the
    /// model's, the pump's rates (scheduled and temporary) to the basal it delivered, the
    /// carbohydrates to what was eaten.
    #[test]
    fn devices_log_every_dose_and_carbohydrate_the_model_gave() {
        for therapy in THERAPIES {
            for seed in [1, 2, 3] {
                let days = 14;
                let (p, _, log) = logged_days(seed, therapy, days);
                let what = format!("{therapy:?} seed {seed}");
                let mut last: BTreeMap<Logger, u64> = BTreeMap::new();
                for l in &log {
                    assert_eq!(l.at % 60, 0, "{what}: at a whole minute");
                    if let Some(prev) = last.insert(l.logger, l.at) {
                        assert!(l.at >= prev + 60, "{what}: {l:?} a minute after {prev}");
                    }
                    let expected = match therapy {
                        Therapy::Pump => vec![Logger::Pump],
                        Therapy::Injections if l.kind == ReadingKind::Carbohydrates => {
                            vec![Logger::App]
                        }
                        Therapy::Injections => vec![Logger::Pen],
                    };
                    assert!(expected.contains(&l.logger), "{what}: {l:?}");
                    assert!(l.value >= 0, "{what}: {l:?}");
                }
                let sum = |kind: ReadingKind, unit: Unit| -> i64 {
                    log.iter()
                        .filter(|l| l.kind == kind && l.unit == unit)
                        .map(|l| l.value)
                        .sum()
                };
                let doses = sum(ReadingKind::InsulinBolus, Unit::InsulinUnits)
                    + sum(ReadingKind::InsulinBasal, Unit::InsulinUnits);
                let given = p.insulin_given();
                assert_eq!(doses, given.doses_milli, "{what}");
                assert_eq!(
                    sum(ReadingKind::Carbohydrates, Unit::Grams),
                    p.carbs_eaten() as i64 * 1_000,
                    "{what}"
                );
                let first = START / 60;
                let last_minute = first + days * DAY_MINUTES - 1;
                match therapy {
                    Therapy::Pump => {
                        assert_eq!(
                            basal_from_log(&log, first, last_minute),
                            given.basal_rate_minutes,
                            "{what}"
                        );
                        let temps = log
                            .iter()
                            .filter(|l| l.kind == ReadingKind::TempBasal)
                            .count();
                        assert!(temps >= 3, "{what}: {temps} temporary rates");
                    }
                    Therapy::Injections => {
                        assert_eq!(given.basal_rate_minutes, 0);
                        let long = log
                            .iter()
                            .filter(|l| l.kind == ReadingKind::InsulinBasal)
                            .count() as u64;
                        assert!((days - 2..=days).contains(&long), "{what}: {long} doses");
                    }
                }
                // About a person's day: 40–100 U of insulin, 120–300 g of carbohydrates.
                let per_day = given.units() / days as f64;
                assert!(
                    (15.0..=100.0).contains(&per_day),
                    "{what}: {per_day} U a day"
                );
                let carbs = p.carbs_eaten() / days;
                assert!((120..=300).contains(&carbs), "{what}: {carbs} g a day");
            }
        }
    }

    /// A pump that starts streaming while a temporary rate runs reports it first, with the
    /// minutes left, then its schedule's rate: its log tells every unit it delivers from its
    /// first reading on.
    #[test]
    fn a_pump_starting_during_a_temporary_rate_reports_it_with_the_minutes_left() {
        let mut found = 0;
        for k in 0..3 * DAY / 1_200 {
            let s = START + k * 1_200;
            let mut p = Patient::new(21, Therapy::Pump);
            p.keep_log();
            p.report_pump_from(s);
            for i in 0..=180 {
                p.advance_to(s + i * 60);
            }
            let log = p.take_log();
            assert_eq!(log[0].at, s, "the state at the first minute");
            if log[0].kind != ReadingKind::TempBasal {
                assert_eq!(log[0].kind, ReadingKind::InsulinBasal);
                continue;
            }
            found += 1;
            let (_, minutes) = temp_basal_parts(log[0].value).expect("a temp basal");
            assert!(minutes > 0, "{:?}", log[0]);
            assert_eq!(
                (log[1].at, log[1].kind, log[1].unit),
                (s + 60, ReadingKind::InsulinBasal, Unit::InsulinUnitsPerHour)
            );
            assert_eq!(
                basal_from_log(&log, s / 60, s / 60 + 180),
                p.insulin_given().basal_rate_minutes
            );
        }
        assert!(found >= 2, "{found} starts during a temporary rate");
    }

    /// In the same seeded run, glucose rises after the carbohydrates logged and falls after
    /// the correction boluses (those with no carbohydrates logged from an hour before to two
    /// hours after).
    #[test]
    fn glucose_rises_after_logged_carbohydrates_and_falls_after_correction_boluses() {
        for therapy in THERAPIES {
            let mut rises = vec![];
            let mut falls = vec![];
            for seed in [1, 2, 3, 4, 5] {
                let (_, cgm, log) = logged_days(seed, therapy, 14);
                let at = |t: u64| cgm.get(((t - START) / 60) as usize).map(|v| f64::from(*v));
                let carbs: Vec<u64> = log
                    .iter()
                    .filter(|l| l.kind == ReadingKind::Carbohydrates)
                    .map(|l| l.at)
                    .collect();
                for l in &log {
                    let (Some(now), Some(later)) = (at(l.at), at(l.at + 3_600)) else {
                        continue;
                    };
                    match l.kind {
                        ReadingKind::Carbohydrates => rises.push(later - now),
                        ReadingKind::InsulinBolus
                            if !carbs
                                .iter()
                                .any(|c| *c + 3_600 >= l.at && *c <= l.at + 7_200) =>
                        {
                            if let Some(after) = at(l.at + 7_200) {
                                falls.push(after - now);
                            }
                        }
                        _ => {}
                    }
                }
            }
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            eprintln!(
                "{therapy:?}: {} carbohydrates, +{:.0} mg/dL an hour later; {} corrections, {:.0} mg/dL two hours later",
                rises.len(),
                mean(&rises),
                falls.len(),
                mean(&falls)
            );
            assert!(rises.len() > 100 && mean(&rises) > 15.0, "{therapy:?}");
            assert!(falls.len() >= 5 && mean(&falls) < -40.0, "{therapy:?}");
        }
    }

    /// The same seed logs the same readings whatever the CGM's interval; another seed or
    /// therapy other ones; a pump's log starts with its state, whose rate is its schedule's.
    #[test]
    fn logs_are_reproducible() {
        let log = |seed: u64, therapy: Therapy, interval: u64| {
            let mut p = Patient::new(seed, therapy);
            p.keep_log();
            p.report_pump_from(START);
            for i in 0..2 * DAY / interval {
                p.cgm_at(START + i * interval);
            }
            p.take_log()
        };
        for therapy in THERAPIES {
            let a = log(11, therapy, 60);
            assert!(!a.is_empty());
            assert_eq!(a, log(11, therapy, 60));
            assert_eq!(a, log(11, therapy, 300));
            assert_ne!(a, log(12, therapy, 60));
        }
        let pump = log(11, Therapy::Pump, 60);
        let schedule = Person::from_seed(11).pump_schedule();
        let first = pump
            .iter()
            .find(|l| l.kind == ReadingKind::InsulinBasal)
            .expect("the schedule reported");
        assert!(first.at <= START + 60, "{first:?}");
        assert!(
            schedule.0.iter().any(|(_, r)| *r == first.value),
            "{first:?}"
        );
        assert_ne!(pump, log(11, Therapy::Injections, 60));
    }

    #[test]
    fn the_trend_follows_the_glucose() {
        let mut p = Patient::new(3, Therapy::Pump);
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
        let table: f64 = insulin_activity().iter().sum();
        assert!((table - 1.0).abs() < 0.002, "{table}");
    }
}
