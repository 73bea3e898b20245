//! What the values of coded readings mean: therapy events, pump and loop statuses, and the
//! packed value of a temporary basal rate (`docs/encoding.md`, with vectors).
//!
//! A reading holds one fixed-point value. Where a record has a name rather than a number (a
//! site change, a suspended pump), the value is its code here, times 1,000 like every value
//! (code 4 is stored as 4,000), and the unit is `none`. No text is ever a reading: a note's
//! words stay with the relayer, off chain.
//!
//! They live here, not in `diachain-std`, because the contracts never read a reading's value:
//! a module added to that crate changes every contract's wasm.

/// Therapy events (`ReadingKind::TherapyEvent`): the care events uploaders log, by code.
/// Nightscout's `eventType` names, as cgm-remote-monitor's careportal and AndroidAPS
/// (`core/nssdk/.../localmodel/treatment/EventType.kt`) send them.
pub const THERAPY_EVENTS: &[(u16, &str)] = &[
    (0, "Other"),
    (1, "Note"),
    (2, "Announcement"),
    (3, "Question"),
    (4, "Site Change"),
    (5, "Insulin Change"),
    (6, "Pump Battery Change"),
    (7, "Sensor Start"),
    (8, "Sensor Change"),
    (9, "Sensor Stop"),
    (10, "BG Check"),
    (11, "Exercise"),
    (12, "Temporary Target"),
    (13, "Profile Switch"),
    (14, "OpenAPS Offline"),
    (15, "Suspend Pump"),
    (16, "Resume Pump"),
    (17, "Bolus Wizard"),
    (18, "Temporary Override"),
    (19, "Pump Battery Low"),
    (20, "Cannula Change"),
    (21, "Combo Bolus"),
];

/// The code of a Nightscout `eventType` (case and spacing as sent are ignored); `Other` (0)
/// for a name not in [`THERAPY_EVENTS`].
pub fn therapy_event_code(event_type: &str) -> u16 {
    let wanted = normalise(event_type);
    THERAPY_EVENTS
        .iter()
        .find(|(_, name)| normalise(name) == wanted)
        .map_or(0, |(code, _)| *code)
}

/// The name of a therapy event's code, if it has one.
pub fn therapy_event_name(code: u16) -> Option<&'static str> {
    THERAPY_EVENTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A pump's state (`ReadingKind::PumpStatus`).
pub mod pump_status {
    pub const NORMAL: u16 = 1;
    pub const SUSPENDED: u16 = 2;
    pub const BOLUSING: u16 = 3;
}

/// A closed loop's last cycle (`ReadingKind::LoopStatus`).
pub mod loop_status {
    /// It set a new temporary basal or bolus on the pump.
    pub const ENACTED: u16 = 1;
    /// It suggested one that was not enacted (open loop, or nothing to change).
    pub const SUGGESTED: u16 = 2;
    /// The cycle failed (the loop reports a failure reason).
    pub const FAILED: u16 = 3;
}

/// Longest temporary basal rate: a day.
pub const MAX_TEMP_BASAL_MINUTES: u32 = 1_440;
/// Minutes occupy the value's last four decimal digits.
const MINUTES_RADIX: i64 = 10_000;

/// A temporary basal's value (`ReadingKind::TempBasal`, unit U/h): its rate in thousandths of
/// U/h and its duration in whole minutes, packed as `rate × 10,000 + minutes` (1.250 U/h for 30
/// minutes is 12,500,030), so that rate and duration are one reading, anchored together. A
/// duration of 0 cancels the temporary rate in force. `None` for a negative rate, a duration
/// longer than a day, or a rate too large to pack.
pub fn temp_basal_value(rate_milli: i64, minutes: u32) -> Option<i64> {
    if rate_milli < 0 || minutes > MAX_TEMP_BASAL_MINUTES {
        return None;
    }
    rate_milli
        .checked_mul(MINUTES_RADIX)?
        .checked_add(i64::from(minutes))
}

/// A temporary basal value's (rate in thousandths of U/h, minutes).
pub fn temp_basal_parts(value: i64) -> Option<(i64, u32)> {
    if value < 0 {
        return None;
    }
    let minutes = u32::try_from(value % MINUTES_RADIX).ok()?;
    (minutes <= MAX_TEMP_BASAL_MINUTES).then_some((value / MINUTES_RADIX, minutes))
}

/// The value of a correction that withdraws a record reading: its document was deleted, or
/// changed so that it no longer holds the reading (a meal bolus edited to no carbohydrates).
/// Every record kind's values are 0 or more, so it is never a measurement; served, the reading
/// is absent.
pub const WITHDRAWN: i64 = -1;

/// A coded value (a therapy event, a pump or loop status) as a reading's value.
pub const fn coded_value(code: u16) -> i64 {
    code as i64 * 1_000
}

/// The code of a coded reading's value.
pub fn code_of(value: i64) -> Option<u16> {
    if value % 1_000 != 0 {
        return None;
    }
    u16::try_from(value / 1_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_basal_vectors() {
        assert_eq!(temp_basal_value(1_250, 30), Some(12_500_030));
        assert_eq!(temp_basal_parts(12_500_030), Some((1_250, 30)));
        assert_eq!(temp_basal_value(0, 0), Some(0));
        assert_eq!(temp_basal_value(0, 120), Some(120));
        assert_eq!(temp_basal_parts(120), Some((0, 120)));
        assert_eq!(temp_basal_value(35_000, 1_440), Some(350_001_440));
        assert_eq!(temp_basal_value(-1, 30), None);
        assert_eq!(temp_basal_value(1_000, 1_441), None);
        assert_eq!(temp_basal_value(i64::MAX / 1_000, 30), None);
        assert_eq!(temp_basal_parts(-5), None);
        assert_eq!(temp_basal_parts(5_000), None, "5,000 minutes");
    }

    #[test]
    fn event_types_are_read_in_any_spelling_and_unknown_ones_are_other() {
        assert_eq!(therapy_event_code("Site Change"), 4);
        assert_eq!(therapy_event_code("site change"), 4);
        assert_eq!(therapy_event_code("SiteChange"), 4);
        assert_eq!(therapy_event_code("Sensor Start"), 7);
        assert_eq!(therapy_event_code("BG Check"), 10);
        assert_eq!(therapy_event_code("Something new"), 0);
        assert_eq!(therapy_event_name(12), Some("Temporary Target"));
        assert_eq!(therapy_event_name(999), None);
        let mut codes: Vec<u16> = THERAPY_EVENTS.iter().map(|(c, _)| *c).collect();
        codes.dedup();
        assert_eq!(
            codes.len(),
            THERAPY_EVENTS.len(),
            "codes are unique and in order"
        );
        assert_eq!(coded_value(4), 4_000);
        assert_eq!((code_of(4_000), code_of(4_001)), (Some(4), None));
    }
}
