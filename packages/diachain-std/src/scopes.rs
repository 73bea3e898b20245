//! Data scopes and purposes: what a consent covers and why, and which scope each device's
//! readings fall under.

use crate::wire;

use crate::device::DeviceKind;

/// A kind of patient data that access can be granted to.
#[wire]
#[derive(Copy, Eq, Hash, PartialOrd, Ord)]
pub enum DataScope {
    Glucose,
    Insulin,
    Nutrition,
    DeviceEvents,
    /// Aggregates only (time in range, daily averages), never individual readings.
    SummariesOnly,
}

impl DataScope {
    pub const ALL: &'static [DataScope] = &[
        DataScope::Glucose,
        DataScope::Insulin,
        DataScope::Nutrition,
        DataScope::DeviceEvents,
        DataScope::SummariesOnly,
    ];
    /// One-byte storage code.
    pub const fn code(self) -> u8 {
        match self {
            DataScope::Glucose => 1,
            DataScope::Insulin => 2,
            DataScope::Nutrition => 3,
            DataScope::DeviceEvents => 4,
            DataScope::SummariesOnly => 5,
        }
    }

    /// The scope of a one-byte code.
    pub fn from_code(code: u8) -> Result<Self, crate::encoding::EncodingError> {
        DataScope::ALL
            .iter()
            .copied()
            .find(|s| s.code() == code)
            .ok_or(crate::encoding::EncodingError::UnknownCode {
                field: "scope",
                code,
            })
    }
}

/// Why access is granted.
#[wire]
#[derive(Copy, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    Treatment,
    Research,
    Insurance,
    Emergency,
}

impl DeviceKind {
    /// The scope a device's anchored readings count under: CGMs and meters measure glucose,
    /// pumps and pens deliver insulin, gateways (phone apps) log meals, wearables report
    /// device events (activity, heart rate).
    pub const fn scope(self) -> DataScope {
        match self {
            DeviceKind::Cgm | DeviceKind::Meter => DataScope::Glucose,
            DeviceKind::Pump | DeviceKind::Pen => DataScope::Insulin,
            DeviceKind::Gateway => DataScope::Nutrition,
            DeviceKind::Wearable => DataScope::DeviceEvents,
        }
    }
}
