//! RFC 3339 times to and from Unix seconds (UTC): block times, the relayer's Nightscout and FHIR
//! formats, the deployment file's times; civil dates by Howard Hinnant's algorithms.

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

/// Seconds of an RFC 3339 time (`2023-02-19T10:30:12.345Z` or with a `+hh:mm` offset);
/// fractions are dropped. Every field must be in its RFC 3339 range (years 0000–9999, hours
/// 00–23, minutes 00–59, seconds 00–60, offsets up to 23:59), so no text can overflow the
/// arithmetic: out-of-range fields were an overflow panic, reachable from a follower's
/// `find[created_at]` query (found by `tests/fuzz`'s `nightscout_query` target), a Nightscout
/// `dateString` or a treatment's `created_at`.
pub fn rfc3339_seconds(s: &str) -> Option<u64> {
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some()
        || !(0..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
    {
        return None;
    }
    let (time, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => return None,
    };
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let min: i64 = t.next()?.parse().ok()?;
    let sec: f64 = t.next()?.parse().ok()?;
    if !(0..=23).contains(&h) || !(0..=59).contains(&min) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let off = match offset {
        "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o[1..].split_once(':')?;
            let (oh, om) = (oh.parse::<i64>().ok()?, om.parse::<i64>().ok()?);
            if !(0..=23).contains(&oh) || !(0..=59).contains(&om) {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    // In range: at most 10,000 years of seconds, far inside an i64.
    let secs = days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + sec as i64 - off;
    u64::try_from(secs).ok()
}

/// Nanoseconds of an RFC 3339 UTC time with up to nine fraction digits, as CometBFT gives
/// block times (`2026-11-30T20:55:01.123456789Z`).
pub fn rfc3339_nanos(s: &str) -> Option<u64> {
    let secs = rfc3339_seconds(s)?;
    let frac = match s.split_once('.') {
        Some((_, rest)) => {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() || digits.len() > 9 {
                return None;
            }
            format!("{digits:0<9}").parse::<u64>().ok()?
        }
        None => 0,
    };
    secs.checked_mul(1_000_000_000)?.checked_add(frac)
}

/// `secs` as `YYYY-MM-DDThh:mm:ssZ`.
pub fn rfc3339(secs: u64) -> String {
    let secs = i64::try_from(secs).unwrap_or(i64::MAX / 2);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Milliseconds as `YYYY-MM-DDThh:mm:ss.mmmZ`.
pub fn rfc3339_ms(ms: u64) -> String {
    let base = rfc3339(ms / 1000);
    format!("{}.{:03}Z", base.trim_end_matches('Z'), ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip_across_leap_years_and_epochs() {
        for secs in [0, 951_782_400, 1_709_164_800, 1_767_225_599, 4_102_444_800] {
            assert_eq!(rfc3339_seconds(&rfc3339(secs)), Some(secs));
        }
        assert_eq!(rfc3339(1_709_164_800), "2024-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(rfc3339_ms(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
        assert_eq!(
            rfc3339_seconds("2026-01-01T02:00:00+02:00"),
            Some(1_767_225_600)
        );
        assert_eq!(rfc3339_seconds("2026-13-01T00:00:00Z"), None);
        assert_eq!(
            rfc3339_nanos("2026-01-01T00:00:00.000123456Z"),
            Some(1_767_225_600_000_123_456)
        );
        assert_eq!(
            rfc3339_nanos("2026-01-01T00:00:00.5Z"),
            Some(1_767_225_600_500_000_000)
        );
        assert_eq!(
            rfc3339_nanos("2026-01-01T00:00:00Z"),
            Some(1_767_225_600_000_000_000)
        );
        assert_eq!(rfc3339_seconds("2026-01-01 00:00:00Z"), None);
    }

    /// Found by the fuzzer (`nightscout_query`: `find[created_at][$gte]=2025-12-31T00:00:` and
    /// 18 digits of seconds): fields out of their RFC 3339 range (those seconds, a year of 14
    /// digits, an hour of 16, an offset of 10^18 hours) overflowed the arithmetic and panicked;
    /// they are not times.
    #[test]
    fn fields_out_of_range_are_not_times_and_never_overflow() {
        for text in [
            "2025-12-31T00:00:666666666666666600+01:00",
            "99999999999999-01-01T00:00:00Z",
            "2026-01-01T9999999999999999:00:00Z",
            "2026-01-01T00:9999999999999999:00Z",
            "2026-01-01T00:00:1e300Z",
            "2026-01-01T00:00:NaNZ",
            "2026-01-01T00:00:00+999999999999999999:00",
            "2026-01-01T00:00:00-00:99999999999999999",
            "10000-01-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:61Z",
            "2026-01-01T00:00:00+24:00",
        ] {
            assert_eq!(rfc3339_seconds(text), None, "{text}");
            assert_eq!(rfc3339_nanos(text), None, "{text}");
        }
        assert_eq!(
            rfc3339_seconds("9999-12-31T23:59:60Z"),
            Some(253_402_300_800)
        );
        assert_eq!(rfc3339_seconds("0000-01-01T00:00:00-23:59"), None);
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(
            rfc3339_seconds("2026-01-01T01:00:00+01:00"),
            Some(1_767_225_600)
        );
    }
}
