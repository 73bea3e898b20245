//! The CGM metrics on fixed traces; every expected number is worked out by hand in the comments
//! (the same traces as clients/ts/test/unit/cgm.test.ts where they exist there), and the shared
//! vectors of `docs/vectors/cgm-metrics.json`, which the TypeScript client's tests read too.

use diachain_std::encoding::{flags, ReadingKind, Trend, Unit};
use diachain_std::Reading;

use super::*;

/// 2026-01-15T00:00:00Z.
const T0: u64 = 1_768_435_200;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b), "{} = {a}, expected {b}", stringify!($a));
    }};
}

/// A stored reading of `device`: `value` in thousandths.
fn reading(device: &str, seq: u64, at: u64, unit: Unit, value: i64, fl: u16) -> Reading {
    Reading {
        salt: [0; 16],
        device_id: device.to_string(),
        seq,
        measured_at: at,
        kind: ReadingKind::Glucose,
        unit,
        value,
        trend: Trend::Flat,
        flags: fl,
    }
}

fn mgdl(device: &str, seq: u64, at: u64, v: i64) -> Reading {
    reading(device, seq, at, Unit::MgPerDl, v * 1000, 0)
}

/// One glucose reading per value, `step` seconds apart from `start`.
fn trace(start: u64, step: u64, values: &[f64], device: &str) -> Vec<GlucoseReading> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| GlucoseReading {
            time: start + i as u64 * step,
            mgdl: v,
            device: device.to_string(),
        })
        .collect()
}

/// Readings at the given minutes after T0 (a 5-minute sensor's trace written out).
fn at_minutes(points: &[(u64, f64)]) -> Vec<GlucoseReading> {
    points
        .iter()
        .map(|&(m, v)| GlucoseReading {
            time: T0 + m * 60,
            mgdl: v,
            device: "cgm-a".into(),
        })
        .collect()
}

/// `count` readings of `value` from minute `from`, every `step` minutes.
fn run(from: u64, count: u64, value: f64, step: u64) -> Vec<(u64, f64)> {
    (0..count).map(|i| (from + i * step, value)).collect()
}

#[test]
fn mean_sd_cv_gmi_and_active_time_of_a_five_minute_sensor() {
    // 100, 120, 140, 160, 180 every 5 min; the period is 50 min (T0 … T0 + 2999, inclusive).
    let rs = trace(T0, 300, &[100.0, 120.0, 140.0, 160.0, 180.0], "cgm-a");
    let m = cgm_metrics(&rs, T0, T0 + 2_999).unwrap();
    assert_eq!(m.readings, 5);
    assert_eq!(m.period_minutes, 50.0);
    // Gaps 300 × 4: median 300.
    assert_eq!(
        m.devices,
        [DeviceInterval {
            device: "cgm-a".into(),
            readings: 5,
            interval_seconds: 300.0
        }]
    );
    // 5 readings × 5 min = 25 min of 50 = 50 %.
    assert_eq!((m.active_minutes, m.active_percent), (25.0, 50.0));
    // Mean 700 / 5 = 140; squares of deviations 1600 + 400 + 0 + 400 + 1600 = 4000;
    // SD = √(4000 / 4) = √1000 = 31.6227766.
    assert_eq!(m.mean, Some(140.0));
    assert_eq!(m.sd, Some(1000f64.sqrt()));
    assert_close!(m.sd.unwrap(), 31.622_776_601_683_793);
    // CV = 100 × 31.6227766 / 140 = 22.5876976 %.
    assert_close!(m.cv.unwrap(), 22.587_697_572_631_28);
    // GMI = 3.31 + 0.02392 × 140 = 3.31 + 3.3488 = 6.6588 %;
    // 140 / 18.016 = 7.7708703 mmol/L; 12.71 + 4.70587 × 7.7708703 = 12.71 + 36.5687057
    // = 49.2787057 mmol/mol.
    assert_close!(m.gmi_percent.unwrap(), 6.6588);
    assert_close!(m.gmi_mmol_mol.unwrap(), 49.278_705_594_982_24);
    // 180 is in range: all five are; 100 % is 1,440 minutes a day.
    let tir = m.time_in_ranges.unwrap();
    assert_eq!(
        (tir.very_low, tir.low, tir.in_range, tir.high, tir.very_high),
        (0.0, 0.0, 100.0, 0.0, 0.0)
    );
    assert_eq!(m.minutes_per_day.unwrap().in_range, 1_440.0);
    assert!(m.hypo_events.is_empty());
}

#[test]
fn boundaries_54_in_low_70_and_180_in_range_250_in_high() {
    // Very low: 53; low: 54, 69; in range: 70, 180, 100, 100; high: 181, 250; very high: 251.
    let values = [
        53.0, 54.0, 69.0, 70.0, 180.0, 181.0, 250.0, 251.0, 100.0, 100.0,
    ];
    let m = cgm_metrics(&trace(T0, 300, &values, "cgm-a"), T0, T0 + 2_999).unwrap();
    // 1, 2, 4, 2, 1 of 10 readings.
    assert_eq!(
        m.time_in_ranges,
        Some(TimeInRanges {
            very_low: 10.0,
            low: 20.0,
            in_range: 40.0,
            high: 20.0,
            very_high: 10.0
        })
    );
    // % × 1440 / 100: 144, 288, 576, 288, 144 minutes a day.
    assert_eq!(
        m.minutes_per_day,
        Some(TimeInRanges {
            very_low: 144.0,
            low: 288.0,
            in_range: 576.0,
            high: 288.0,
            very_high: 144.0
        })
    );
    // 53 + 54 + 69 + 70 + 180 + 181 + 250 + 251 + 100 + 100 = 1308; / 10 = 130.8.
    assert_close!(m.mean.unwrap(), 130.8);
}

#[test]
fn no_readings_no_statistics() {
    // Readings at T0 … T0 + 600; the period is an hour later.
    let rs = trace(T0, 300, &[100.0, 100.0, 100.0], "cgm-a");
    let m = cgm_metrics(&rs, T0 + HOUR, T0 + 2 * HOUR - 1).unwrap();
    assert_eq!(
        (m.readings, m.active_minutes, m.active_percent),
        (0, 0.0, 0.0)
    );
    assert_eq!(m.period_minutes, 60.0);
    assert!(m.devices.is_empty() && m.hypo_events.is_empty());
    assert_eq!((m.mean, m.sd, m.cv), (None, None, None));
    assert_eq!((m.gmi_percent, m.gmi_mmol_mol), (None, None));
    assert_eq!((m.time_in_ranges, m.minutes_per_day), (None, None));
    // And of nothing at all.
    assert_eq!(cgm_metrics(&[], T0, T0).unwrap().readings, 0);
}

#[test]
fn one_reading_has_the_default_interval_and_no_sd() {
    // The period T0 + 300 … T0 + 599 (5 min) holds one reading (100 at T0 + 300): its device's
    // interval is the default 300 s, so 5 of 5 minutes are active: 100 %.
    let rs = trace(T0, 300, &[100.0, 100.0, 100.0], "cgm-a");
    let m = cgm_metrics(&rs, T0 + 300, T0 + 599).unwrap();
    assert_eq!(
        (m.readings, m.active_minutes, m.active_percent),
        (1, 5.0, 100.0)
    );
    assert_eq!(m.devices[0].interval_seconds, 300.0);
    // Mean 100; SD needs two readings, and CV the SD; GMI 3.31 + 2.392 = 5.702.
    assert_eq!((m.mean, m.sd, m.cv), (Some(100.0), None, None));
    assert_close!(m.gmi_percent.unwrap(), 5.702);
    // A default of 60 s: 1 of 5 minutes.
    let m = cgm_metrics_with(&rs, T0 + 300, T0 + 599, 60.0).unwrap();
    assert_eq!(m.active_minutes, 1.0);
}

#[test]
fn two_devices_each_with_its_own_interval() {
    // cgm-a: 12 readings of 100 every 5 min from T0; cgm-b: 30 of 200 every minute from T0 + 1 h.
    // Active 12 × 300 + 30 × 60 = 3600 + 1800 = 5400 s = 90 min of 120 = 75 %.
    let mut rs = trace(T0 + HOUR, 60, &[200.0; 30], "cgm-b");
    rs.extend(trace(T0, 300, &[100.0; 12], "cgm-a"));
    let m = cgm_metrics(&rs, T0, T0 + 2 * HOUR - 1).unwrap();
    assert_eq!(m.readings, 42);
    let devices: Vec<_> = m
        .devices
        .iter()
        .map(|d| (d.device.as_str(), d.readings, d.interval_seconds))
        .collect();
    assert_eq!(devices, [("cgm-a", 12, 300.0), ("cgm-b", 30, 60.0)]);
    assert_eq!((m.active_minutes, m.active_percent), (90.0, 75.0));
    // Mean (12 × 100 + 30 × 200) / 42 = 7200 / 42 = 171.428571; in range 12 / 42 = 28.571 %,
    // high 30 / 42 = 71.429 %.
    assert_close!(m.mean.unwrap(), 7_200.0 / 42.0);
    let tir = m.time_in_ranges.unwrap();
    assert_close!(tir.in_range, 28.571_428_571_428_573);
    assert_close!(tir.high, 71.428_571_428_571_43);
}

#[test]
fn two_sensors_worn_together_cap_active_time_at_the_period() {
    // Two devices, 12 readings each every 5 min for an hour: 2 × 60 min, capped at 60: 100 %.
    let mut rs = trace(T0, 300, &[100.0; 12], "cgm-a");
    rs.extend(trace(T0 + 30, 300, &[100.0; 12], "cgm-b"));
    let m = cgm_metrics(&rs, T0, T0 + HOUR - 1).unwrap();
    assert_eq!((m.active_minutes, m.active_percent), (60.0, 100.0));
}

#[test]
fn the_interval_is_the_median_gap_not_the_mean() {
    // 12 readings from T0, then 12 from T0 + 2 h: gaps 11 × 300, one 3900, 11 × 300; median 300
    // (the mean, 10500 / 23 = 456.5, would give more). Active 24 × 5 = 120 min of 240 = 50 %.
    let mut rs = trace(T0, 300, &[100.0; 12], "cgm-a");
    rs.extend(trace(T0 + 2 * HOUR, 300, &[100.0; 12], "cgm-a"));
    let m = cgm_metrics(&rs, T0, T0 + 4 * HOUR - 1).unwrap();
    assert_eq!(m.devices[0].interval_seconds, 300.0);
    assert_eq!((m.active_minutes, m.active_percent), (120.0, 50.0));
    // An even count of gaps takes the mean of the middle two: gaps 60, 120, 180, 240 → 150.
    let rs = [0, 60, 180, 360, 600].map(|t| GlucoseReading {
        time: T0 + t,
        mgdl: 100.0,
        device: "cgm-a".into(),
    });
    let m = cgm_metrics(&rs, T0, T0 + HOUR - 1).unwrap();
    assert_eq!(m.devices[0].interval_seconds, 150.0);
}

#[test]
fn the_glucose_readings_latest_versions_without_meter_sensor_errors_or_non_positive_values() {
    let mmol = |device: &str, seq, at, v| reading(device, seq, at, Unit::MmolPerL, v, 0);
    let mut ketones = reading("cgm-a", 14, T0 + 900, Unit::MmolPerL, 1_200, 0);
    ketones.kind = ReadingKind::Ketones;
    let given = [
        // The correction (seq 11) comes before what it corrects (seq 10): it still wins.
        reading("cgm-a", 11, T0, Unit::MgPerDl, 160_000, flags::CORRECTION),
        mgdl("cgm-a", 10, T0, 150),
        // A meter reading (a finger stick) at the second of a sensor reading, with a higher seq,
        // replaces nothing: it is another reading, and left out.
        reading("cgm-a", 20, T0, Unit::MgPerDl, 300_000, flags::METER),
        reading("cgm-a", 12, T0 + 300, Unit::MgPerDl, 120_000, flags::METER),
        // A sensor error: the value is an error code.
        reading(
            "cgm-a",
            13,
            T0 + 600,
            Unit::MgPerDl,
            5_000,
            flags::SENSOR_ERROR,
        ),
        // 7.5 mmol/L from another device at T0.
        mmol("cgm-b", 1, T0, 7_500),
        ketones,
        // The sensor's LOW marker counts as 39.
        reading(
            "cgm-a",
            15,
            T0 + 1_200,
            Unit::MgPerDl,
            39_000,
            flags::BELOW_RANGE,
        ),
        mgdl("cgm-a", 16, T0 + 1_500, 0),
        reading("cgm-a", 17, T0 + 1_800, Unit::MgPerDl, -5_000, 0),
        // A reading corrected into a sensor error: its latest version is the error.
        mgdl("cgm-a", 18, T0 + 2_100, 110),
        reading(
            "cgm-a",
            19,
            T0 + 2_100,
            Unit::MgPerDl,
            3_000,
            flags::CORRECTION | flags::SENSOR_ERROR,
        ),
    ];
    let (got, sel) = glucose_readings(&given);
    // 12 given: ketones 1; superseded 2 (seq 10, seq 18); meter 2 (seq 20, 12); sensor errors 2
    // (seq 13, 19); ≤ 0: 2 (seq 16, 17); used 3 (seq 11, cgm-b's 1, seq 15).
    assert_eq!(
        sel,
        GlucoseSelection {
            given: 12,
            other_kinds: 1,
            superseded: 2,
            meter: 2,
            sensor_error: 2,
            not_positive: 2,
            used: 3
        }
    );
    let shown: Vec<_> = got
        .iter()
        .map(|r| (r.time - T0, r.device.as_str()))
        .collect();
    // By time, then device.
    assert_eq!(shown, [(0, "cgm-a"), (0, "cgm-b"), (1_200, "cgm-a")]);
    assert_eq!(got[0].mgdl, 160.0);
    // 7.5 × 18.016 = 135.12.
    assert_close!(got[1].mgdl, 135.12);
    assert_eq!(got[2].mgdl, 39.0);
}

#[test]
fn a_value_corrected_twice_keeps_the_highest_seq() {
    let (got, sel) = glucose_readings(&[
        mgdl("cgm-a", 1, T0, 150),
        reading("cgm-a", 3, T0, Unit::MgPerDl, 170_000, flags::CORRECTION),
        reading("cgm-a", 2, T0, Unit::MgPerDl, 160_000, flags::CORRECTION),
    ]);
    // Not the first given (150), not the last given (160): the highest seq (170).
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mgdl, 170.0);
    assert_eq!((sel.superseded, sel.used), (2, 1));
}

#[test]
fn mmol_readings_are_compared_in_unrounded_mg_per_dl() {
    // 2.9, 3.0, 3.9, 10.0, 13.9 mmol/L × 18.016 = 52.2464 (very low), 54.048 (low), 70.2624
    // (in range), 180.16 (high: above 180), 250.4224 (very high: above 250): 20 % each.
    let given: Vec<Reading> = [2_900, 3_000, 3_900, 10_000, 13_900]
        .iter()
        .enumerate()
        .map(|(i, &v)| reading("cgm-a", i as u64, T0 + i as u64 * 300, Unit::MmolPerL, v, 0))
        .collect();
    let (rs, _) = glucose_readings(&given);
    let m = cgm_metrics(&rs, T0, T0 + HOUR - 1).unwrap();
    assert_eq!(
        m.time_in_ranges,
        Some(TimeInRanges {
            very_low: 20.0,
            low: 20.0,
            in_range: 20.0,
            high: 20.0,
            very_high: 20.0
        })
    );
}

#[test]
fn hypoglycaemic_events_level_2_inside_level_1_one_too_short_one_cut_by_a_gap() {
    // A 5-minute sensor (interval 300 s: every gap is 5 min but one of 15):
    //   0–25 min 100; 30, 35, 40: 65; 45: 50, 50: 45, 55: 50, 60: 52; 65: 60, 70: 65; 75–115: 80;
    //   120, 125: 60 (10 min: too short); 130–195: 100;
    //   200, 205: 60, a 15-min gap (> 2 × 5 min), 220, 225: 60 (10 min each side: no event);
    //   230–260: 100.
    let mut points = run(0, 6, 100.0, 5);
    points.extend(run(30, 3, 65.0, 5));
    points.extend([
        (45, 50.0),
        (50, 45.0),
        (55, 50.0),
        (60, 52.0),
        (65, 60.0),
        (70, 65.0),
    ]);
    points.extend(run(75, 9, 80.0, 5));
    points.extend(run(120, 2, 60.0, 5));
    points.extend(run(130, 14, 100.0, 5));
    points.extend(run(200, 2, 60.0, 5));
    points.extend(run(220, 2, 60.0, 5));
    points.extend(run(230, 7, 100.0, 5));
    let rs = at_minutes(&points);
    let m = cgm_metrics(&rs, T0, T0 + 6 * HOUR - 1).unwrap();
    assert_eq!(
        m.hypo_events,
        [
            // < 70 from 30 min to the last low reading (70 min) + 5 = 75 min: 45 min; then 80
            // for ≥ 15 min.
            HypoglycaemicEvent {
                level: 1,
                start: T0 + 30 * 60,
                end: (T0 + 75 * 60) as f64,
                minutes: 45.0,
                nadir: 45.0,
                nadir_time: T0 + 50 * 60,
                end_reason: HypoEnd::Recovered
            },
            // < 54 from 45 min to 60 + 5 = 65 min: 20 min; 60 and 65 are ≥ 54, and so on for
            // ≥ 15 min.
            HypoglycaemicEvent {
                level: 2,
                start: T0 + 45 * 60,
                end: (T0 + 65 * 60) as f64,
                minutes: 20.0,
                nadir: 45.0,
                nadir_time: T0 + 50 * 60,
                end_reason: HypoEnd::Recovered
            },
        ]
    );
    // Without the gap, the last run would be an event (200–225 min: 30 min below 70).
    points.extend([(210, 60.0), (215, 60.0)]);
    let m = cgm_metrics(&at_minutes(&points), T0, T0 + 6 * HOUR - 1).unwrap();
    assert_eq!(m.hypo_events.len(), 3);
    let e = &m.hypo_events[2];
    assert_eq!(
        (e.level, e.start, e.end, e.minutes),
        (1, T0 + 200 * 60, (T0 + 230 * 60) as f64, 30.0)
    );
}

#[test]
fn a_short_rise_does_not_end_an_event_a_gap_or_the_end_of_the_data_does() {
    // 0, 5, 10: 60 (15 min: an event); 15, 20: 80 (10 min: not a recovery); 25: 62; 30–40: 90
    // (15 min): the event ends at 25 + 5 = 30 min. 45–55: 60, then a 25-min gap: ends at
    // 55 + 5 = 60 min (gap). 80–90: 100; 95–105: 66: an event ending with the data at
    // 105 + 5 = 110 min.
    let mut points = run(0, 3, 60.0, 5);
    points.extend(run(15, 2, 80.0, 5));
    points.push((25, 62.0));
    points.extend(run(30, 3, 90.0, 5));
    points.extend(run(45, 3, 60.0, 5));
    points.extend(run(80, 3, 100.0, 5));
    points.extend(run(95, 3, 66.0, 5));
    let m = cgm_metrics(&at_minutes(&points), T0, T0 + 6 * HOUR - 1).unwrap();
    let got: Vec<_> = m
        .hypo_events
        .iter()
        .map(|e| ((e.start - T0) / 60, e.minutes, e.nadir, e.end_reason))
        .collect();
    assert_eq!(
        got,
        [
            (0, 30.0, 60.0, HypoEnd::Recovered),
            (45, 15.0, 60.0, HypoEnd::Gap),
            (95, 15.0, 66.0, HypoEnd::EndOfData),
        ]
    );
}

#[test]
fn a_one_minute_sensor_15_readings_below_are_15_minutes_14_are_not() {
    // 15 × 65 then 15 × 100: below from 0 to 14 min + 1 = 15 min; 15 min at 100 end it.
    let mut v = vec![65.0; 15];
    v.extend([100.0; 15]);
    let m = cgm_metrics(&trace(T0, 60, &v, "cgm-a"), T0, T0 + HOUR - 1).unwrap();
    assert_eq!(m.hypo_events.len(), 1);
    assert_eq!(m.hypo_events[0].minutes, 15.0);
    let mut v = vec![65.0; 14];
    v.extend([100.0; 16]);
    let m = cgm_metrics(&trace(T0, 60, &v, "cgm-a"), T0, T0 + HOUR - 1).unwrap();
    assert!(m.hypo_events.is_empty());
}

#[test]
fn dates_of_day_numbers() {
    // Days since 1970-01-01 (Python's date arithmetic gives the same).
    for (day, date) in [
        (0, "1970-01-01"),
        (-1, "1969-12-31"),
        (11_017, "2000-03-01"),
        (19_782, "2024-02-29"),
        (20_468, "2026-01-15"),
        (47_541, "2100-03-01"),
    ] {
        assert_eq!(date_of_day(day), date);
    }
}

/// 15 Jan 10:00Z 100, 12:00Z 200, 23:30Z 60; 16 Jan 10:00Z 150 (dailyProfiles' readings in
/// cgm.test.ts).
fn four_readings() -> Vec<GlucoseReading> {
    [
        (10 * HOUR, 100.0),
        (12 * HOUR, 200.0),
        (23 * HOUR + 1_800, 60.0),
        (34 * HOUR, 150.0),
    ]
    .iter()
    .map(|&(t, v)| GlucoseReading {
        time: T0 + t,
        mgdl: v,
        device: "cgm-a".into(),
    })
    .collect()
}

fn day_rows(days: &[DayMetrics]) -> Vec<(&str, u64, u64, u64, Option<f64>)> {
    days.iter()
        .map(|d| {
            let m = &d.metrics;
            (d.date.as_str(), m.from, m.to, m.readings, m.mean)
        })
        .collect()
}

#[test]
fn days_in_utc() {
    // Three whole UTC days: 15th: 100, 200, 60 → mean 120, one each low / in range / high;
    // 16th: 150; 17th: none.
    let days = daily_metrics(&four_readings(), T0, T0 + 3 * DAY - 1, 0).unwrap();
    assert_eq!(
        day_rows(&days),
        [
            ("2026-01-15", T0, T0 + DAY - 1, 3, Some(120.0)),
            ("2026-01-16", T0 + DAY, T0 + 2 * DAY - 1, 1, Some(150.0)),
            ("2026-01-17", T0 + 2 * DAY, T0 + 3 * DAY - 1, 0, None),
        ]
    );
    let tir = days[0].metrics.time_in_ranges.unwrap();
    assert_close!(tir.low, 100.0 / 3.0);
    assert_close!(tir.in_range, 100.0 / 3.0);
    assert_close!(tir.high, 100.0 / 3.0);
    // Each day its own active time: on the 15th the gaps are 7200 and 41400 s, their median
    // (7200 + 41400) / 2 = 24300 s, so 3 × 24300 = 72900 s = 1215 min; the 16th's one reading
    // has the default 300 s: 5 min.
    assert_eq!(days[0].metrics.devices[0].interval_seconds, 24_300.0);
    assert_close!(days[0].metrics.active_minutes, 1_215.0);
    assert_eq!(days[1].metrics.active_minutes, 5.0);
}

#[test]
fn days_an_hour_ahead_of_utc() {
    // UTC+1: the period's first local day starts at 01:00 local (cut to the period), and 23:30Z
    // is 00:30 on the 16th; the 18th holds the period's last hour (00:00–00:59:59 local).
    // 15th: 100, 200 → 150; 16th: 60, 150 → 105; 17th, 18th: none.
    let days = daily_metrics(&four_readings(), T0, T0 + 3 * DAY - 1, 60).unwrap();
    assert_eq!(
        day_rows(&days),
        [
            ("2026-01-15", T0, T0 + DAY - HOUR - 1, 2, Some(150.0)),
            (
                "2026-01-16",
                T0 + DAY - HOUR,
                T0 + 2 * DAY - HOUR - 1,
                2,
                Some(105.0)
            ),
            (
                "2026-01-17",
                T0 + 2 * DAY - HOUR,
                T0 + 3 * DAY - HOUR - 1,
                0,
                None
            ),
            ("2026-01-18", T0 + 3 * DAY - HOUR, T0 + 3 * DAY - 1, 0, None),
        ]
    );
    // The first local day is 23 hours of the period: 1380 minutes.
    assert_eq!(days[0].metrics.period_minutes, 1_380.0);
}

#[test]
fn days_ten_hours_behind_utc_start_at_local_midnight_inclusive() {
    // UTC−10: 10:00Z on the 15th is 00:00 local on the 15th, so it opens the 15th; the period's
    // first ten hours are the 14th (local). 15th: 100, 200, 60 (13:30 local) → 120; 16th:
    // 150 (00:00 local on the 16th); 17th: the rest of the period (to 13:59:59 local).
    let days = daily_metrics(&four_readings(), T0, T0 + 3 * DAY - 1, -600).unwrap();
    let ten = 10 * HOUR;
    assert_eq!(
        day_rows(&days),
        [
            ("2026-01-14", T0, T0 + ten - 1, 0, None),
            ("2026-01-15", T0 + ten, T0 + ten + DAY - 1, 3, Some(120.0)),
            (
                "2026-01-16",
                T0 + ten + DAY,
                T0 + ten + 2 * DAY - 1,
                1,
                Some(150.0)
            ),
            ("2026-01-17", T0 + ten + 2 * DAY, T0 + 3 * DAY - 1, 0, None),
        ]
    );
}

#[test]
fn offsets_at_the_edges_and_beyond() {
    // ±14 h are allowed; one minute more is not.
    for off in [-840, 840] {
        assert!(offset_days(T0, T0 + DAY, off).is_ok());
    }
    for off in [-841, 841, i64::MIN, i64::MAX] {
        assert_eq!(
            offset_days(T0, T0 + DAY, off),
            Err(PeriodError::Offset(off))
        );
    }
    // Near the epoch at UTC−14: 0 s is 1969-12-31 10:00 local.
    let days = offset_days(0, 3_600, -840).unwrap();
    assert_eq!(
        days,
        [DayPeriod {
            date: "1969-12-31".into(),
            from: 0,
            to: 3_600
        }]
    );
    // At the end of u64 at UTC+14: no overflow, one or two days.
    let days = offset_days(u64::MAX - 10, u64::MAX, 840).unwrap();
    assert!(!days.is_empty() && days.last().unwrap().to == u64::MAX);
    // An inverted period, and one of too many days.
    assert_eq!(
        offset_days(2, 1, 0),
        Err(PeriodError::Inverted { from: 2, to: 1 })
    );
    assert_eq!(
        offset_days(0, MAX_DAYS as u64 * DAY, 0),
        Err(PeriodError::TooManyDays)
    );
    assert!(cgm_metrics(&[], 2, 1).is_err());
}

#[test]
fn a_two_hour_period_across_midnight_is_two_days_of_an_hour() {
    let days = offset_days(T0 - HOUR, T0 + HOUR - 1, 0).unwrap();
    let got: Vec<_> = days
        .iter()
        .map(|d| (d.date.as_str(), d.from, d.to))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-01-14", T0 - HOUR, T0 - 1),
            ("2026-01-15", T0, T0 + HOUR - 1)
        ]
    );
}

#[test]
fn a_summary_counts_the_glucose_scope_of_the_period_only() {
    let mut insulin = mgdl("pump-a", 1, T0, 2);
    insulin.kind = ReadingKind::InsulinBolus;
    insulin.unit = Unit::InsulinUnits;
    let mut ketones = mgdl("cgm-a", 9, T0 + 60, 1);
    ketones.kind = ReadingKind::Ketones;
    let given = [
        mgdl("cgm-a", 1, T0, 100),
        mgdl("cgm-a", 2, T0 + 300, 140),
        // Outside the period.
        mgdl("cgm-a", 3, T0 + HOUR, 300),
        insulin,
        ketones,
    ];
    let s = summarize(&given, T0, T0 + HOUR - 1, 0).unwrap();
    // Given: the two glucose readings and the ketones of the period (insulin is another scope,
    // 300 mg/dL another period). Mean (100 + 140) / 2 = 120.
    assert_eq!(
        (s.selection.given, s.selection.other_kinds, s.selection.used),
        (3, 1, 2)
    );
    assert_eq!(s.period.mean, Some(120.0));
    assert_eq!(s.days.len(), 1);
    assert_eq!(s.days[0].metrics, s.period);
    assert!(summarize(&given, T0, T0, 900).is_err());
}

// ---------------------------------------------------------------------------------------------
// The vectors shared with the TypeScript client

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/vectors/cgm-metrics.json"
);

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Vectors {
    about: String,
    readings: Vec<crate::wire::ReadingJson>,
    cases: Vec<VectorCase>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct VectorCase {
    name: String,
    from: u64,
    to: u64,
    utc_offset_minutes: i64,
    /// What [`summarize`] answers (absent before the first bless).
    #[serde(default)]
    selection: Option<GlucoseSelection>,
    #[serde(default)]
    metrics: Option<GlucoseMetrics>,
    #[serde(default)]
    days: Option<Vec<DayMetrics>>,
}

/// `docs/vectors/cgm-metrics.json`: this module's answer for each case. The file must be exactly
/// the text of the answers (the shortest text of each double, as serde_json and JavaScript
/// write it), compared as text: serde_json's default parser may read a double's shortest text
/// back one unit off, so the numbers are not parsed here (the TypeScript client's
/// `test/unit/cgm-vectors.test.ts` parses them exactly and compares them as numbers).
/// `DIACHAIN_BLESS_CGM_VECTORS=1` rewrites the answers (never the readings or cases).
#[test]
fn the_shared_vectors() {
    let text = std::fs::read_to_string(VECTORS).expect("docs/vectors/cgm-metrics.json");
    let mut v: Vectors = serde_json::from_str(&text).expect("the vectors parse");
    let readings: Vec<Reading> = v
        .readings
        .iter()
        .map(|r| r.to_reading().expect("a 16-byte salt"))
        .collect();
    assert!(v.cases.len() >= 5 && readings.len() >= 100);
    for c in &mut v.cases {
        let s = summarize(&readings, c.from, c.to, c.utc_offset_minutes).expect(&c.name);
        (c.selection, c.metrics, c.days) = (Some(s.selection), Some(s.period), Some(s.days));
    }
    let computed = vectors_text(&v);
    if std::env::var_os("DIACHAIN_BLESS_CGM_VECTORS").is_some() {
        std::fs::write(VECTORS, computed).expect("write the vectors");
        return;
    }
    for (i, (want, got)) in text.lines().zip(computed.lines()).enumerate() {
        assert_eq!(got, want, "docs/vectors/cgm-metrics.json line {}", i + 1);
    }
    assert_eq!(text.lines().count(), computed.lines().count());
}

fn json_line<T: Serialize>(x: &T) -> String {
    serde_json::to_string(x).unwrap_or_default()
}

/// Pretty JSON with one reading a line.
fn vectors_text(v: &Vectors) -> String {
    let rs: Vec<String> = v
        .readings
        .iter()
        .map(|r| format!("    {}", json_line(r)))
        .collect();
    let cases = serde_json::to_string_pretty(&v.cases).unwrap_or_default();
    format!(
        "{{\n  \"about\": {},\n  \"readings\": [\n{}\n  ],\n  \"cases\": {}\n}}\n",
        json_line(&v.about),
        rs.join(",\n"),
        cases.replace('\n', "\n  ")
    )
}
