//! Which alerts a device's new glucose readings raise: a pure function of the settings, the
//! device's recent readings and the new ones, so that evaluating the same readings again (a
//! relayer restarted before it delivered) raises the same alerts with the same ids.
//!
//! Rules (mg/dL; every comparison strict, as the consensus ranges are: urgent low 55 alerts at
//! 54 and below, low 70 at 69 and below, high 250 at 251 and above):
//! * a level alert (urgent low, low, high) is raised by the reading that enters the level: the
//!   device's previous reading (at most [`MAX_GAP_SECONDS`] before) was not in it, or there is
//!   none. Going straight from in range to urgently low raises the urgent low only; from urgent
//!   low up into low raises nothing (the low episode started with the urgent one);
//! * the rate is the change from the device's earliest reading 10 to 15 minutes before, per
//!   minute; rising (falling) fast is raised by the reading whose rate first reaches the
//!   threshold (the previous reading's rate did not, or had none);
//! * only readings measured at most [`FRESH_SECONDS`] before now alert: a backfilled hour is
//!   history, not news; a condition that began in older readings and still holds alerts at the
//!   first fresh reading;
//! * calibrations, meter and manual entries, warm-up and sensor-error readings never alert.
//!
//! Snoozing (another alert of a kind within `snooze_minutes` of the last) is applied by the
//! caller, which knows the alerts already raised.

use diachain_relayer_types::alerts::{AlertKind, AlertSettings};
use diachain_std::encoding::{flags, ReadingKind, Unit};
use diachain_std::Reading;

/// Readings further apart than this start afresh (an episode needs a reading just before).
pub const MAX_GAP_SECONDS: u64 = 15 * 60;
/// The oldest a reading may be (by the chain's clock) to raise an alert.
pub const FRESH_SECONDS: u64 = 15 * 60;
/// How far back the rate looks: its reference reading is 10 to 15 minutes before.
pub const RATE_MIN_SPAN: u64 = 10 * 60;
pub const RATE_MAX_SPAN: u64 = 15 * 60;
/// How much of a device's history the rules need before its new readings.
pub const HISTORY_SECONDS: u64 = MAX_GAP_SECONDS + RATE_MAX_SPAN;

const MG_PER_MMOL: f64 = 18.016;
const NEVER_ALERT: u16 = flags::CALIBRATION
    | flags::SENSOR_WARMUP
    | flags::SENSOR_ERROR
    | flags::METER
    | flags::MANUAL_ENTRY;

/// A sensor glucose reading, in mg/dL.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub time: u64,
    pub mgdl: f64,
}

/// The sensor glucose of a reading that may alert, in mg/dL.
pub fn point(r: &Reading) -> Option<Point> {
    if r.kind != ReadingKind::Glucose || r.flags & NEVER_ALERT != 0 {
        return None;
    }
    let v = r.value as f64 / 1000.0;
    let mgdl = match r.unit {
        Unit::MgPerDl => v,
        Unit::MmolPerL => v * MG_PER_MMOL,
        _ => return None,
    };
    (mgdl > 0.0).then_some(Point {
        time: r.measured_at,
        mgdl,
    })
}

/// An alert to raise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Draft {
    pub kind: AlertKind,
    pub at: u64,
    pub mgdl: f64,
    pub rate: Option<f64>,
    pub threshold: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    UrgentLow,
    Low,
    InRange,
    High,
}

fn level(s: &AlertSettings, mgdl: f64) -> Level {
    if mgdl < f64::from(s.urgent_low_mgdl) {
        Level::UrgentLow
    } else if s.low_mgdl.is_some_and(|l| mgdl < f64::from(l)) {
        Level::Low
    } else if s.high_mgdl.is_some_and(|h| mgdl > f64::from(h)) {
        Level::High
    } else {
        Level::InRange
    }
}

/// mg/dL a minute at `points[i]`, from the earliest reading 10 to 15 minutes before it.
fn rate(points: &[Point], i: usize) -> Option<f64> {
    let p = points.get(i)?;
    let q = points[..i].iter().find(|q| {
        let span = p.time.saturating_sub(q.time);
        (RATE_MIN_SPAN..=RATE_MAX_SPAN).contains(&span)
    })?;
    let minutes = p.time.saturating_sub(q.time) as f64 / 60.0;
    Some((p.mgdl - q.mgdl) / minutes)
}

/// The alerts `points[new_from..]` raise; `points` is one device's glucose in time order, those
/// before `new_from` its history (what the rules look back at). `now` is the chain's time.
pub fn evaluate(s: &AlertSettings, points: &[Point], new_from: usize, now: u64) -> Vec<Draft> {
    let mut out = Vec::new();
    let fresh_after = now.saturating_sub(FRESH_SECONDS);
    for i in new_from..points.len() {
        let p = points[i];
        if p.time < fresh_after {
            continue;
        }
        let prev = i
            .checked_sub(1)
            .map(|j| points[j])
            .filter(|q| p.time.saturating_sub(q.time) <= MAX_GAP_SECONDS)
            // A condition that began in readings too old to alert alerts at the first fresh one.
            .filter(|q| q.time >= fresh_after);
        let was = prev.map(|q| level(s, q.mgdl));
        let now_level = level(s, p.mgdl);
        let draft = |kind, rate, threshold| Draft {
            kind,
            at: p.time,
            mgdl: p.mgdl,
            rate,
            threshold,
        };
        let r = rate(points, i);
        match now_level {
            Level::UrgentLow if was != Some(Level::UrgentLow) => {
                out.push(draft(AlertKind::UrgentLow, r, s.urgent_low_mgdl));
            }
            Level::Low if !matches!(was, Some(Level::Low | Level::UrgentLow)) => {
                out.push(draft(AlertKind::Low, r, s.low_mgdl.unwrap_or_default()));
            }
            Level::High if was != Some(Level::High) => {
                out.push(draft(AlertKind::High, r, s.high_mgdl.unwrap_or_default()));
            }
            _ => {}
        }
        let Some(r) = r else { continue };
        let r_prev = prev.and_then(|_| rate(points, i - 1));
        if let Some(t) = s.rising_mgdl_per_min {
            let t_f = f64::from(t);
            if r >= t_f && !r_prev.is_some_and(|x| x >= t_f) {
                out.push(draft(AlertKind::RisingFast, Some(r), t));
            }
        }
        if let Some(t) = s.falling_mgdl_per_min {
            let t_f = -f64::from(t);
            if r <= t_f && !r_prev.is_some_and(|x| x <= t_f) {
                out.push(draft(AlertKind::FallingFast, Some(r), t));
            }
        }
    }
    out
}

/// Whether the patient's glucose has been silent long enough for a `no_data` alert: the last
/// reading at `last`, the chain's time `now`.
pub fn silent(s: &AlertSettings, last: u64, now: u64) -> bool {
    s.no_data_minutes
        .is_some_and(|m| now.saturating_sub(last) >= u64::from(m) * 60)
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
