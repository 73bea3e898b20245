//! Reading flag bits (the `flags` field of [`super::Reading`]).

pub const CALIBRATION: u16 = 0x0001;
pub const SENSOR_WARMUP: u16 = 0x0002;
pub const MANUAL_ENTRY: u16 = 0x0004;
pub const BELOW_RANGE: u16 = 0x0008;
pub const ABOVE_RANGE: u16 = 0x0010;
pub const BACKFILLED: u16 = 0x0020;
/// A device event valued a sensor's error code (Dexcom's 0–38 in a glucose stream).
pub const SENSOR_ERROR: u16 = 0x0040;
/// Glucose measured in capillary blood by a meter (a finger stick, Nightscout's `mbg`), not by
/// a sensor.
pub const METER: u16 = 0x0080;
/// A correction: it replaces the reading of the same device measured at the same time with the
/// next lower sequence number. The latest version of a reading is the one with the highest
/// sequence number at that time; the earlier ones stay anchored and served, as its history.
pub const CORRECTION: u16 = 0x0100;
