//! How both stores keep a held reading's time beside it (see [`super::HeldTime`]): the
//! uploader's millisecond in the low 16 bits, bit 16 for a meter reading, a record's kind code
//! in the top byte (0 for an entry's reading).

use diachain_std::encoding::{flags, ReadingKind};
use diachain_std::Reading;

use super::HeldTime;

const METER_BIT: u32 = 1 << 16;
const KIND_SHIFT: u32 = 24;

/// A record's kind: every kind but an entry's (glucose, a sensor's error code).
fn record_kind(r: &Reading) -> Option<ReadingKind> {
    (!matches!(r.kind, ReadingKind::Glucose | ReadingKind::DeviceEvent)).then_some(r.kind)
}

/// The value kept for reading `r` stamped with millisecond `millis`.
pub(crate) fn encode(millis: u16, r: &Reading) -> u32 {
    let meter = if r.flags & flags::METER != 0 {
        METER_BIT
    } else {
        0
    };
    let kind = record_kind(r).map_or(0, |k| u32::from(k.code()) << KIND_SHIFT);
    u32::from(millis) | meter | kind
}

/// The held time of the reading `seq` measured at `time` kept as `v`.
pub(crate) fn decode(time: u64, seq: u64, v: u32) -> HeldTime {
    HeldTime {
        time,
        seq,
        millis: (v & 0xFFFF) as u16,
        meter: v & METER_BIT != 0,
        record: ReadingKind::from_code((v >> KIND_SHIFT) as u8).ok(),
    }
}
