//! The `time_utc` column: RFC 3339 UTC to the second (`2026-12-06T10:15:00Z`), from 1970 to
//! the year 9999 (four-digit years); civil dates by Howard Hinnant's algorithms.

/// Seconds in a UTC day.
pub const SECONDS_PER_DAY: i64 = 86_400;
/// The latest time a row can have: `9999-12-31T23:59:59Z`.
pub const MAX_TIME: i64 = 253_402_300_799;
/// The UTC day of [`MAX_TIME`]: the largest day, and the largest `study_day` distance.
pub const MAX_DAY: i64 = MAX_TIME / SECONDS_PER_DAY;

/// The UTC day (days since 1970-01-01) of a unix time.
pub const fn utc_day(time: i64) -> i64 {
    time.div_euclid(SECONDS_PER_DAY)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `time` as `YYYY-MM-DDThh:mm:ssZ`. A time outside `0..=MAX_TIME` gives text that
/// [`parse_time`] refuses (a year that is not four digits).
pub fn format_time(time: i64) -> String {
    // Far outside the range the date arithmetic would overflow; such a time is refused anyway.
    let time = time.clamp(-MAX_TIME * 1000, MAX_TIME * 1000);
    let (days, rem) = (
        time.div_euclid(SECONDS_PER_DAY),
        time.rem_euclid(SECONDS_PER_DAY),
    );
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The unix time of `YYYY-MM-DDThh:mm:ssZ` exactly (20 characters, a real date, hours below
/// 24, no leap second, `T` and `Z` in capitals, no fraction, no offset), from 1970 on.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let punctuation = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ];
    if punctuation.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, min, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if y < 1970 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    if h > 23 || min > 59 || sec > 59 {
        return None;
    }
    Some(days_from_civil(y, m, d) * SECONDS_PER_DAY + h * 3600 + min * 60 + sec)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_and_parse_back() {
        for t in [
            0,
            1,
            86_399,
            86_400,
            951_782_400, // 2000-02-29
            1_767_225_600,
            1_796_552_100,
            MAX_TIME,
        ] {
            assert_eq!(parse_time(&format_time(t)), Some(t), "{t}");
        }
        assert_eq!(format_time(1_796_552_100), "2026-12-06T10:15:00Z");
        assert_eq!(format_time(MAX_TIME), "9999-12-31T23:59:59Z");
        assert_eq!(MAX_DAY, 2_932_896);
        let mut t = 0;
        while t < MAX_TIME {
            assert_eq!(parse_time(&format_time(t)), Some(t), "{t}");
            t += 7_777_777;
        }
    }

    #[test]
    fn anything_but_the_one_form_is_refused() {
        for s in [
            "2026-12-06T10:15:00.000Z",
            "2026-12-06T10:15:00+00:00",
            "2026-12-06t10:15:00Z",
            "2026-12-06T10:15:00z",
            "2026-12-06 10:15:00Z",
            "2026-12-6T10:15:00Z",
            "2026-02-29T10:15:00Z",
            "1900-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-12-00T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-12-06T24:00:00Z",
            "2026-12-06T10:60:00Z",
            "2026-12-06T10:15:60Z",
            "1969-12-31T23:59:59Z",
            "+026-12-06T10:15:00Z",
            "2026-12-06T10:15:0 Z",
            "",
        ] {
            assert_eq!(parse_time(s), None, "{s}");
        }
        assert_eq!(parse_time("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert!(parse_time(&format_time(-1)).is_none());
        assert!(parse_time(&format_time(MAX_TIME + 1)).is_none());
        assert!(parse_time(&format_time(i64::MIN)).is_none());
        assert!(parse_time(&format_time(i64::MAX)).is_none());
    }
}
