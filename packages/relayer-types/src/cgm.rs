//! CGM metrics after the international consensus on time in range (Battelino et al., Diabetes
//! Care 2019;42:1593–1603): the numbers of `GET /v1/patients/{patient}/summary`, computed by the
//! very rules of the TypeScript client's `clients/ts/src/cgm.ts` (its `glucoseReadings`,
//! `cgmMetrics`, `hypoEvents` and `dailyCgmMetrics`), operation for operation, so that both give
//! the same IEEE doubles for the same readings: `docs/vectors/cgm-metrics.json` holds readings
//! and the metrics this module computes from them, and both test suites compare with it.
//!
//! Why here, in the wire-types crate: the metrics are pure arithmetic on readings (no store, no
//! chain, no HTTP), their result is part of the API's answer (the types below are in
//! `schema/relayer-api.json`), and a client of this crate (the simulator, a verifier of exported
//! readings) can recompute them offline, as the TypeScript client does. The relayer's core
//! (`diachain_relayer_core::summary`) gathers the anchored readings from the store and calls
//! [`summarize`]; the API only decodes, checks consent and answers.
//!
//! The rules (also in `clients/ts/README.md`, "CGM metrics"):
//! - the glucose readings ([`glucose_readings`]): kind `glucose` in mg/dL or mmol/L
//!   (mmol/L × 18.016; the value is in thousandths); the latest version of each (device,
//!   second, meter or not) — the highest seq, so a correction replaces what it corrects; then
//!   meter readings (finger sticks), sensor errors and values ≤ 0 are left out;
//! - ranges as % of readings: very low < 54 ≤ low < 70 ≤ in range ≤ 180 < high ≤ 250 < very
//!   high (mg/dL, unrounded), and as minutes a day (% × 1,440 / 100);
//! - mean, sample SD (n − 1), CV = 100 × SD / mean, GMI % = 3.31 + 0.02392 × mean (mg/dL),
//!   GMI mmol/mol = 12.71 + 4.70587 × mean (mmol/L);
//! - % time CGM active: Σ over devices of readings × the device's median interval between
//!   consecutive readings (300 s with fewer than two), at most the period;
//! - hypoglycaemic events (level 1 < 70, level 2 < 54 mg/dL): see [`GlucoseMetrics::hypo_events`].

use std::collections::{BTreeMap, HashMap};

use diachain_std::encoding::{flags, ReadingKind, Unit};
use diachain_std::{DataScope, Reading};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// mg/dL per mmol/L (glucose, 180.16 g/mol).
pub const MGDL_PER_MMOL: f64 = 18.016;
/// The consensus thresholds, mg/dL.
pub const VERY_LOW: f64 = 54.0;
pub const LOW: f64 = 70.0;
pub const HIGH: f64 = 180.0;
pub const VERY_HIGH: f64 = 250.0;
/// A hypoglycaemic event begins, and ends, with this many consecutive minutes.
pub const HYPO_EVENT_MINUTES: u64 = 15;
/// The sampling interval of a device with fewer than two readings in the period (seconds).
pub const DEFAULT_INTERVAL_SECONDS: f64 = 300.0;
/// The UTC offsets days may be cut at (minutes): UTC−14:00 to UTC+14:00.
pub const MIN_UTC_OFFSET_MINUTES: i64 = -840;
pub const MAX_UTC_OFFSET_MINUTES: i64 = 840;
/// Most days [`offset_days`] cuts a period into.
pub const MAX_DAYS: usize = 400;

const SECONDS_PER_DAY: i128 = 86_400;

/// One glucose reading: measured at `time` (Unix seconds), `mgdl` unrounded, from `device`.
#[derive(Clone, Debug, PartialEq)]
pub struct GlucoseReading {
    pub time: u64,
    pub mgdl: f64,
    pub device: String,
}

/// What became of the glucose-scope readings given to [`glucose_readings`]: every one is
/// counted once, in the first of these that applies (in this order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GlucoseSelection {
    /// Readings given (every version of each).
    pub given: u64,
    /// Not a glucose value in mg/dL or mmol/L (ketones, another unit).
    pub other_kinds: u64,
    /// An earlier version of a reading (same device, second and meter flag) that a higher
    /// sequence number replaces: a corrected value.
    pub superseded: u64,
    /// Meter readings (finger sticks, flag `METER`): not CGM data.
    pub meter: u64,
    /// Sensor errors (flag `SENSOR_ERROR`: the value is an error code).
    pub sensor_error: u64,
    /// Values of 0 or below.
    pub not_positive: u64,
    /// The glucose readings the metrics are computed from.
    pub used: u64,
}

/// The CGM glucose readings among `readings`, sorted by time then device, and what became of
/// the others (see [`GlucoseSelection`]). Port of cgm.ts's `glucoseReadings`.
pub fn glucose_readings<'a>(
    readings: impl IntoIterator<Item = &'a Reading>,
) -> (Vec<GlucoseReading>, GlucoseSelection) {
    let mut sel = GlucoseSelection::default();
    let mut latest: HashMap<(&'a str, u64, bool), &'a Reading> = HashMap::new();
    for r in readings {
        sel.given += 1;
        if r.kind != ReadingKind::Glucose || !matches!(r.unit, Unit::MgPerDl | Unit::MmolPerL) {
            sel.other_kinds += 1;
            continue;
        }
        let meter = r.flags & flags::METER != 0;
        let key = (r.device_id.as_str(), r.measured_at, meter);
        match latest.get(&key) {
            Some(held) if held.seq >= r.seq => sel.superseded += 1,
            Some(_) => {
                sel.superseded += 1;
                latest.insert(key, r);
            }
            None => {
                latest.insert(key, r);
            }
        }
    }
    let mut out = Vec::with_capacity(latest.len());
    for r in latest.into_values() {
        if r.flags & flags::METER != 0 {
            sel.meter += 1;
        } else if r.flags & flags::SENSOR_ERROR != 0 {
            sel.sensor_error += 1;
        } else if r.value <= 0 {
            sel.not_positive += 1;
        } else {
            let v = r.value as f64 / 1000.0;
            let mgdl = if r.unit == Unit::MmolPerL {
                v * MGDL_PER_MMOL
            } else {
                v
            };
            out.push(GlucoseReading {
                time: r.measured_at,
                mgdl,
                device: r.device_id.clone(),
            });
        }
    }
    sel.used = out.len() as u64;
    sort_readings(&mut out);
    (out, sel)
}

fn sort_readings(readings: &mut [GlucoseReading]) {
    readings.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.device.cmp(&b.device)));
}

/// A value in each of the five ranges.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimeInRanges {
    /// < 54 mg/dL.
    pub very_low: f64,
    /// 54 to < 70 mg/dL.
    pub low: f64,
    /// 70 to 180 mg/dL.
    pub in_range: f64,
    /// > 180 to 250 mg/dL.
    pub high: f64,
    /// > 250 mg/dL.
    pub very_high: f64,
}

impl TimeInRanges {
    fn map(self, f: impl Fn(f64) -> f64) -> TimeInRanges {
        TimeInRanges {
            very_low: f(self.very_low),
            low: f(self.low),
            in_range: f(self.in_range),
            high: f(self.high),
            very_high: f(self.very_high),
        }
    }
}

/// Which range a value (mg/dL, unrounded) is in: 0 very low … 4 very high.
fn range_of(mgdl: f64) -> usize {
    if mgdl < VERY_LOW {
        0
    } else if mgdl < LOW {
        1
    } else if mgdl <= HIGH {
        2
    } else if mgdl <= VERY_HIGH {
        3
    } else {
        4
    }
}

/// One device's sampling in the period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceInterval {
    pub device: String,
    pub readings: u64,
    /// The median gap between its consecutive readings in the period (seconds; 300 with fewer
    /// than two readings).
    pub interval_seconds: f64,
}

/// How a hypoglycaemic event ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HypoEnd {
    /// 15 minutes at or above the threshold followed.
    Recovered,
    /// The data broke off (a gap longer than twice the interval) before they did.
    Gap,
    /// The period's readings ended first.
    EndOfData,
}

/// A level 1 (< 70 mg/dL) or level 2 (< 54 mg/dL) hypoglycaemic event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HypoglycaemicEvent {
    pub level: u8,
    /// The first reading below the threshold (Unix seconds).
    pub start: u64,
    /// The last reading below the threshold plus its device's interval (Unix seconds; a median
    /// interval may hold a half second).
    pub end: f64,
    /// (end − start) / 60.
    pub minutes: f64,
    /// The lowest value (mg/dL) and when it was first read.
    pub nadir: f64,
    pub nadir_time: u64,
    pub end_reason: HypoEnd,
}

/// The consensus metrics of the glucose readings measured in `from..=to`. Values are mg/dL,
/// unrounded; a statistic without enough readings is `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GlucoseMetrics {
    /// The period, Unix seconds, inclusive.
    pub from: u64,
    pub to: u64,
    /// (to − from + 1) / 60.
    pub period_minutes: f64,
    /// Glucose readings in the period.
    pub readings: u64,
    /// Each device's readings and interval, by device id.
    pub devices: Vec<DeviceInterval>,
    /// Σ per device readings × interval, at most the period (minutes).
    pub active_minutes: f64,
    /// % time CGM active.
    pub active_percent: f64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1); `null` with fewer than two readings.
    pub sd: Option<f64>,
    /// Coefficient of variation, % (100 × SD / mean).
    pub cv: Option<f64>,
    /// Glucose management indicator, %: 3.31 + 0.02392 × mean mg/dL.
    pub gmi_percent: Option<f64>,
    /// GMI, mmol/mol: 12.71 + 4.70587 × mean mmol/L.
    pub gmi_mmol_mol: Option<f64>,
    /// % of readings in each range.
    pub time_in_ranges: Option<TimeInRanges>,
    /// The same as minutes a day: % × 1,440 / 100.
    pub minutes_per_day: Option<TimeInRanges>,
    /// Level 1 and level 2 events, by start then level. The readings (every device merged, by
    /// time) are cut into segments where two consecutive readings are more than twice the
    /// earlier one's device interval apart; each reading stands for one interval. An event
    /// begins with a run below the threshold lasting ≥ 15 minutes and ends with a run at or
    /// above it lasting ≥ 15 minutes, or at the end of its segment.
    pub hypo_events: Vec<HypoglycaemicEvent>,
}

/// A period that cannot be measured.
#[derive(thiserror::Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    #[error("not a period: from {from} is after to {to}")]
    Inverted { from: u64, to: u64 },
    #[error("a UTC offset of {0} minutes is outside -840..=840")]
    Offset(i64),
    #[error("the period spans more than {MAX_DAYS} days")]
    TooManyDays,
}

fn check_period(from: u64, to: u64) -> Result<(), PeriodError> {
    if from > to {
        return Err(PeriodError::Inverted { from, to });
    }
    Ok(())
}

/// The metrics of the readings measured in `from..=to` (others are ignored). Port of cgm.ts's
/// `cgmMetrics`.
pub fn cgm_metrics(
    readings: &[GlucoseReading],
    from: u64,
    to: u64,
) -> Result<GlucoseMetrics, PeriodError> {
    cgm_metrics_with(readings, from, to, DEFAULT_INTERVAL_SECONDS)
}

/// [`cgm_metrics`] with another interval for devices with fewer than two readings.
pub fn cgm_metrics_with(
    readings: &[GlucoseReading],
    from: u64,
    to: u64,
    default_interval_seconds: f64,
) -> Result<GlucoseMetrics, PeriodError> {
    check_period(from, to)?;
    let s = prepare(readings, from, to, default_interval_seconds);
    let period_seconds = (to - from + 1) as f64;
    let n = s.readings.len();
    let mut active = 0.0;
    for d in &s.devices {
        active += d.readings as f64 * d.interval_seconds;
    }
    let active = active.min(period_seconds);
    let hypo_events = find_hypo_events(&s);
    let mut m = GlucoseMetrics {
        from,
        to,
        period_minutes: period_seconds / 60.0,
        readings: n as u64,
        devices: s.devices.clone(),
        active_minutes: active / 60.0,
        active_percent: (100.0 * active) / period_seconds,
        mean: None,
        sd: None,
        cv: None,
        gmi_percent: None,
        gmi_mmol_mol: None,
        time_in_ranges: None,
        minutes_per_day: None,
        hypo_events,
    };
    if n == 0 {
        return Ok(m);
    }
    let (mean, sd) = mean_sd(&s.readings);
    let tir = range_percents(&s.readings);
    m.mean = Some(mean);
    m.sd = sd;
    m.cv = sd.map(|sd| (100.0 * sd) / mean);
    m.gmi_percent = Some(3.31 + 0.02392 * mean);
    m.gmi_mmol_mol = Some(12.71 + 4.70587 * (mean / MGDL_PER_MMOL));
    m.time_in_ranges = Some(tir);
    m.minutes_per_day = Some(tir.map(|p| (p * 1440.0) / 100.0));
    Ok(m)
}

/// Mean and sample SD, summed in the readings' order (time, then device) as cgm.ts sums.
fn mean_sd(readings: &[GlucoseReading]) -> (f64, Option<f64>) {
    let n = readings.len() as f64;
    let mut sum = 0.0;
    for r in readings {
        sum += r.mgdl;
    }
    let mean = sum / n;
    if readings.len() < 2 {
        return (mean, None);
    }
    let mut sq = 0.0;
    for r in readings {
        let d = r.mgdl - mean;
        sq += d * d;
    }
    (mean, Some((sq / (n - 1.0)).sqrt()))
}

fn range_percents(readings: &[GlucoseReading]) -> TimeInRanges {
    let mut c = [0u64; 5];
    for r in readings {
        c[range_of(r.mgdl)] += 1;
    }
    let n = readings.len() as f64;
    let p = |k: u64| (100.0 * k as f64) / n;
    TimeInRanges {
        very_low: p(c[0]),
        low: p(c[1]),
        in_range: p(c[2]),
        high: p(c[3]),
        very_high: p(c[4]),
    }
}

/// The period's readings sorted, with each device's interval.
struct Prepared {
    readings: Vec<GlucoseReading>,
    devices: Vec<DeviceInterval>,
    interval: HashMap<String, f64>,
}

impl Prepared {
    fn interval_of(&self, r: &GlucoseReading) -> f64 {
        self.interval
            .get(&r.device)
            .copied()
            .unwrap_or(DEFAULT_INTERVAL_SECONDS)
    }
}

fn prepare(readings: &[GlucoseReading], from: u64, to: u64, fallback: f64) -> Prepared {
    let mut sorted: Vec<GlucoseReading> = readings
        .iter()
        .filter(|r| r.time >= from && r.time <= to)
        .cloned()
        .collect();
    sort_readings(&mut sorted);
    let mut times: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for r in &sorted {
        times.entry(r.device.as_str()).or_default().push(r.time);
    }
    let mut devices = Vec::with_capacity(times.len());
    let mut interval = HashMap::with_capacity(times.len());
    for (device, ts) in times {
        let mut gaps: Vec<f64> = ts
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|&g| g > 0)
            .map(|g| g as f64)
            .collect();
        let interval_seconds = if gaps.is_empty() {
            fallback
        } else {
            median(&mut gaps)
        };
        devices.push(DeviceInterval {
            device: device.to_string(),
            readings: ts.len() as u64,
            interval_seconds,
        });
        interval.insert(device.to_string(), interval_seconds);
    }
    Prepared {
        readings: sorted,
        devices,
        interval,
    }
}

/// The median; of an even count, the mean of the two middle values.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    }
}

fn find_hypo_events(s: &Prepared) -> Vec<HypoglycaemicEvent> {
    let mut events = events_below(s, LOW, 1);
    events.extend(events_below(s, VERY_LOW, 2));
    events.sort_by(|a, b| a.start.cmp(&b.start).then(a.level.cmp(&b.level)));
    events
}

struct Open {
    start: u64,
    last_below: usize,
    nadir: usize,
}

/// Events below `threshold` (see [`GlucoseMetrics::hypo_events`]). Port of cgm.ts's
/// `eventsBelow`.
fn events_below(s: &Prepared, threshold: f64, level: u8) -> Vec<HypoglycaemicEvent> {
    let min_seconds = (HYPO_EVENT_MINUTES * 60) as f64;
    let rs = &s.readings;
    let iv = |k: usize| s.interval_of(&rs[k]);
    let mut out = Vec::new();
    let mut i = 0;
    while i < rs.len() {
        // One segment: rs[i..j).
        let mut j = i + 1;
        while j < rs.len() && ((rs[j].time - rs[j - 1].time) as f64) <= 2.0 * iv(j - 1) {
            j += 1;
        }
        let mut open: Option<Open> = None;
        let mut k = i;
        while k < j {
            // One run: rs[k..m), all below or all at/above.
            let below = rs[k].mgdl < threshold;
            let mut m = k + 1;
            while m < j && (rs[m].mgdl < threshold) == below {
                m += 1;
            }
            let (first, last) = (k, m - 1);
            let lasts = rs[last].time as f64 + iv(last) - rs[first].time as f64 >= min_seconds;
            if below {
                let mut nadir = first;
                for x in k + 1..m {
                    if rs[x].mgdl < rs[nadir].mgdl {
                        nadir = x;
                    }
                }
                match &mut open {
                    Some(o) => {
                        o.last_below = last;
                        if rs[nadir].mgdl < rs[o.nadir].mgdl {
                            o.nadir = nadir;
                        }
                    }
                    None if lasts => {
                        open = Some(Open {
                            start: rs[first].time,
                            last_below: last,
                            nadir,
                        })
                    }
                    None => {}
                }
            } else if lasts {
                if let Some(o) = open.take() {
                    out.push(close_event(s, &o, level, HypoEnd::Recovered));
                }
            }
            k = m;
        }
        if let Some(o) = open {
            let reason = if j < rs.len() {
                HypoEnd::Gap
            } else {
                HypoEnd::EndOfData
            };
            out.push(close_event(s, &o, level, reason));
        }
        i = j;
    }
    out
}

fn close_event(s: &Prepared, e: &Open, level: u8, end_reason: HypoEnd) -> HypoglycaemicEvent {
    let last = &s.readings[e.last_below];
    let end = last.time as f64 + s.interval_of(last);
    let nadir = &s.readings[e.nadir];
    HypoglycaemicEvent {
        level,
        start: e.start,
        end,
        minutes: (end - e.start as f64) / 60.0,
        nadir: nadir.mgdl,
        nadir_time: nadir.time,
        end_reason,
    }
}

/// One day of a fixed UTC offset, cut to a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayPeriod {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// The day's part of the period, Unix seconds, inclusive.
    pub from: u64,
    pub to: u64,
}

/// The days (of the clock `utc_offset_minutes` ahead of UTC) that `from..=to` touches, first
/// and last cut to the period. Port of cgm.ts's `offsetDays`.
pub fn offset_days(
    from: u64,
    to: u64,
    utc_offset_minutes: i64,
) -> Result<Vec<DayPeriod>, PeriodError> {
    check_period(from, to)?;
    if !(MIN_UTC_OFFSET_MINUTES..=MAX_UTC_OFFSET_MINUTES).contains(&utc_offset_minutes) {
        return Err(PeriodError::Offset(utc_offset_minutes));
    }
    let off = i128::from(utc_offset_minutes) * 60;
    let (from_i, to_i) = (i128::from(from), i128::from(to));
    let first = (from_i + off).div_euclid(SECONDS_PER_DAY);
    let last = (to_i + off).div_euclid(SECONDS_PER_DAY);
    if last - first >= MAX_DAYS as i128 {
        return Err(PeriodError::TooManyDays);
    }
    let mut out = Vec::new();
    for day in first..=last {
        let start = day * SECONDS_PER_DAY - off;
        let end = start + SECONDS_PER_DAY - 1;
        // Both within from..=to, so within u64.
        let (f, t) = (start.max(from_i), end.min(to_i));
        out.push(DayPeriod {
            date: date_of_day(day),
            from: u64::try_from(f).unwrap_or(from),
            to: u64::try_from(t).unwrap_or(to),
        });
    }
    Ok(out)
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01), proleptic Gregorian (H. Hinnant's
/// `civil_from_days`).
pub fn date_of_day(day: i128) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// One day's metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DayMetrics {
    /// The local date (of the answer's UTC offset), `YYYY-MM-DD`; `metrics.from..=metrics.to`
    /// is its part of the period.
    pub date: String,
    pub metrics: GlucoseMetrics,
}

/// The metrics of each day (of the fixed UTC offset) of `from..=to`, days without readings
/// included. Port of cgm.ts's `dailyCgmMetrics`.
pub fn daily_metrics(
    readings: &[GlucoseReading],
    from: u64,
    to: u64,
    utc_offset_minutes: i64,
) -> Result<Vec<DayMetrics>, PeriodError> {
    offset_days(from, to, utc_offset_minutes)?
        .into_iter()
        .map(|d| {
            Ok(DayMetrics {
                metrics: cgm_metrics(readings, d.from, d.to)?,
                date: d.date,
            })
        })
        .collect()
}

/// A period's summary: what became of its glucose-scope readings, the period's metrics and each
/// day's.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub selection: GlucoseSelection,
    pub period: GlucoseMetrics,
    pub days: Vec<DayMetrics>,
}

/// The summary of the glucose-scope readings among `readings` measured in `from..=to` (others
/// are not counted), with days of the clock `utc_offset_minutes` ahead of UTC.
pub fn summarize<'a>(
    readings: impl IntoIterator<Item = &'a Reading>,
    from: u64,
    to: u64,
    utc_offset_minutes: i64,
) -> Result<Summary, PeriodError> {
    // Checked before any work.
    offset_days(from, to, utc_offset_minutes)?;
    let in_scope = readings
        .into_iter()
        .filter(|r| r.kind.scope() == DataScope::Glucose && (from..=to).contains(&r.measured_at));
    let (glucose, selection) = glucose_readings(in_scope);
    Ok(Summary {
        selection,
        period: cgm_metrics(&glucose, from, to)?,
        days: daily_metrics(&glucose, from, to, utc_offset_minutes)?,
    })
}

#[cfg(test)]
#[path = "cgm_tests.rs"]
mod tests;
