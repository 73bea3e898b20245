use super::*;

const NOW: u64 = 1_800_000_000;

fn trace(start: u64, step: u64, values: &[f64]) -> Vec<Point> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Point {
            time: start + i as u64 * step,
            mgdl: *v,
        })
        .collect()
}

fn kinds(d: &[Draft]) -> Vec<(AlertKind, u64)> {
    d.iter().map(|d| (d.kind, d.at)).collect()
}

fn flat_rates() -> AlertSettings {
    AlertSettings {
        rising_mgdl_per_min: None,
        falling_mgdl_per_min: None,
        ..AlertSettings::default()
    }
}

#[test]
fn thresholds_are_strict_as_the_consensus_ranges() {
    let s = flat_rates();
    // 55 is not urgently low, 54 is; 70 is not low, 69 is; 250 is not high, 251 is.
    for (v, want) in [
        (55.0, Some(AlertKind::Low)),
        (54.0, Some(AlertKind::UrgentLow)),
        (70.0, None),
        (69.0, Some(AlertKind::Low)),
        (250.0, None),
        (251.0, Some(AlertKind::High)),
    ] {
        let points = trace(NOW - 300, 300, &[120.0, v]);
        let got = evaluate(&s, &points, 1, NOW);
        assert_eq!(got.first().map(|d| d.kind), want, "{v} mg/dL");
        assert!(got.len() <= 1);
    }
}

#[test]
fn an_episode_alerts_once_when_it_starts() {
    let s = flat_rates();
    let points = trace(NOW - 5 * 300, 300, &[90.0, 75.0, 65.0, 60.0, 58.0, 66.0]);
    // Only the reading entering the low alerts; staying low (60, 58, 66) does not.
    assert_eq!(
        kinds(&evaluate(&s, &points, 1, NOW)),
        vec![(AlertKind::Low, NOW - 3 * 300)]
    );
}

#[test]
fn straight_to_urgent_low_raises_the_urgent_one_only_and_back_up_into_low_nothing() {
    let s = flat_rates();
    let points = trace(NOW - 3 * 300, 300, &[100.0, 50.0, 60.0, 80.0]);
    assert_eq!(
        kinds(&evaluate(&s, &points, 1, NOW)),
        vec![(AlertKind::UrgentLow, NOW - 2 * 300)]
    );
    // Low first, then urgent low: both.
    let points = trace(NOW - 2 * 300, 300, &[100.0, 65.0, 50.0]);
    assert_eq!(
        kinds(&evaluate(&s, &points, 1, NOW)),
        vec![(AlertKind::Low, NOW - 300), (AlertKind::UrgentLow, NOW)]
    );
}

#[test]
fn history_decides_whether_an_episode_is_new() {
    let s = flat_rates();
    // The previous reading (history, not new) was already low: nothing new.
    let points = trace(NOW - 300, 300, &[60.0, 62.0]);
    assert!(evaluate(&s, &points, 1, NOW).is_empty());
    // The same history, but more than 15 minutes before: the episode starts again.
    let points = vec![
        Point {
            time: NOW - MAX_GAP_SECONDS - 1,
            mgdl: 60.0,
        },
        Point {
            time: NOW,
            mgdl: 62.0,
        },
    ];
    assert_eq!(
        kinds(&evaluate(&s, &points, 1, NOW)),
        vec![(AlertKind::Low, NOW)]
    );
    // A first reading ever that is low alerts.
    assert_eq!(
        kinds(&evaluate(&s, &points[1..], 0, NOW)),
        vec![(AlertKind::Low, NOW)]
    );
}

#[test]
fn old_readings_do_not_alert() {
    let s = flat_rates();
    let points = vec![
        Point {
            time: NOW - FRESH_SECONDS - 1,
            mgdl: 40.0,
        },
        Point {
            time: NOW - FRESH_SECONDS,
            mgdl: 300.0,
        },
    ];
    assert_eq!(
        kinds(&evaluate(&s, &points, 0, NOW)),
        vec![(AlertKind::High, NOW - FRESH_SECONDS)]
    );
}

#[test]
fn rates_are_over_ten_to_fifteen_minutes_and_alert_when_first_reached() {
    let s = AlertSettings::default();
    // 5-minute readings rising 10, 15, 20 mg/dL per 5 minutes: over 15 minutes at 180 the rate
    // is (180 - 135) / 15 = 3.0 mg/dL/min, the first to reach 3.
    let points = trace(
        NOW - 5 * 300,
        300,
        &[120.0, 125.0, 135.0, 150.0, 165.0, 180.0],
    );
    let got = evaluate(&s, &points, 0, NOW);
    let rising: Vec<_> = got
        .iter()
        .filter(|d| d.kind == AlertKind::RisingFast)
        .collect();
    assert_eq!(rising.len(), 1, "{got:?}");
    assert_eq!(rising[0].at, NOW);
    assert!((rising[0].rate.unwrap() - 3.0).abs() < 1e-9);
    // 1-minute readings falling 3.2 mg/dL a minute for 30 minutes, all received now: the fall
    // began in readings too old to alert, so the first fresh reading alerts, once.
    let values: Vec<f64> = (0..30).map(|i| 200.0 - 3.2 * f64::from(i)).collect();
    let points = trace(NOW - 29 * 60, 60, &values);
    let got = evaluate(&s, &points, 0, NOW);
    let falling: Vec<_> = got
        .iter()
        .filter(|d| d.kind == AlertKind::FallingFast)
        .collect();
    assert_eq!(falling.len(), 1, "{got:?}");
    assert_eq!(falling[0].at, NOW - FRESH_SECONDS);
    // Streamed as it happens, the fall alerts at the 11th minute (the first with a rate).
    let first_fast = (10..30)
        .find(|&n| {
            let now = NOW - 29 * 60 + n * 60;
            let d = evaluate(&s, &points[..=n as usize], n as usize, now);
            d.iter().any(|d| d.kind == AlertKind::FallingFast)
        })
        .unwrap();
    assert_eq!(first_fast, 10);
    // Nothing is computed over a gap: readings 20 minutes apart have no rate.
    let points = trace(NOW - 1200, 1200, &[100.0, 200.0]);
    assert!(evaluate(&s, &points, 0, NOW)
        .iter()
        .all(|d| d.rate.is_none()));
}

#[test]
fn alerts_turned_off_are_not_raised_but_urgent_low_always_is() {
    let s = AlertSettings {
        low_mgdl: None,
        high_mgdl: None,
        rising_mgdl_per_min: None,
        falling_mgdl_per_min: None,
        ..AlertSettings::default()
    };
    let points = trace(NOW - 600, 300, &[300.0, 65.0, 50.0]);
    assert_eq!(
        kinds(&evaluate(&s, &points, 0, NOW)),
        vec![(AlertKind::UrgentLow, NOW)]
    );
}

#[test]
fn readings_that_never_alert() {
    use diachain_std::encoding::Trend;
    let mut r = Reading {
        salt: [0; 16],
        device_id: "cgm".into(),
        seq: 1,
        measured_at: NOW,
        kind: ReadingKind::Glucose,
        unit: Unit::MmolPerL,
        value: 3_000,
        trend: Trend::Flat,
        flags: 0,
    };
    let p = point(&r).unwrap();
    assert!((p.mgdl - 54.048).abs() < 1e-9);
    for f in [
        flags::CALIBRATION,
        flags::SENSOR_WARMUP,
        flags::SENSOR_ERROR,
        flags::METER,
        flags::MANUAL_ENTRY,
    ] {
        r.flags = f;
        assert_eq!(point(&r), None, "flag {f:#x}");
    }
    r.flags = flags::BELOW_RANGE;
    assert!(point(&r).is_some());
    r.kind = ReadingKind::Ketones;
    assert_eq!(point(&r), None);
}

#[test]
fn silence_counts_whole_minutes_from_the_last_reading() {
    let s = AlertSettings::default();
    assert!(!silent(&s, NOW - 30 * 60 + 1, NOW));
    assert!(silent(&s, NOW - 30 * 60, NOW));
    let off = AlertSettings {
        no_data_minutes: None,
        ..s
    };
    assert!(!silent(&off, 0, NOW));
}
