//! Why a batch is refused: one variant per reason, each with its code in the relayer's table
//! of refusals ([`ErrorCode`], which also gives its HTTP status).

use diachain_relayer_types::{ErrorCode, SeqRange};
use diachain_std::encoding::ScopeCount;
use diachain_std::DataScope;

/// A scope as the JSON names it.
fn scope_name(scope: DataScope) -> &'static str {
    match scope {
        DataScope::Glucose => "glucose",
        DataScope::Insulin => "insulin",
        DataScope::Nutrition => "nutrition",
        DataScope::DeviceEvents => "device_events",
        DataScope::SummariesOnly => "summaries_only",
    }
}
use serde_json::{json, Map, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    BodyTooLarge {
        limit: usize,
    },
    BadEncoding {
        reason: String,
    },
    BatchSize {
        count: u32,
        max: u32,
    },
    CountMismatch {
        first_seq: u64,
        last_seq: u64,
        count: u32,
    },
    TimesInverted {
        first_time: u64,
        last_time: u64,
    },
    SeqOutOfRange {
        first_seq: u64,
        last_seq: u64,
        max: u64,
    },
    TooDense {
        count: u32,
        span_seconds: u64,
        min_interval_seconds: u32,
        max_count: u64,
    },
    TooDenseForScope {
        scope: DataScope,
        readings: u32,
        span_seconds: u64,
        min_interval_seconds: u32,
        max_count: u64,
    },
    TooSoonAfterLast {
        first_time: u64,
        held_last_time: u64,
        min_interval_seconds: u32,
    },
    BadScopes {
        reason: String,
    },
    ScopesMismatch {
        header: Vec<ScopeCount>,
        readings: Vec<ScopeCount>,
    },
    CrossesMidnight,
    FutureReading {
        last_time: u64,
        now: u64,
    },
    ReadingsMismatch {
        index: usize,
        reason: String,
    },
    RootMismatch {
        computed: String,
    },
    UnknownDevice,
    DeviceNotBound,
    MeasuredBeforeOwner {
        first_time: u64,
        owner_since: u64,
    },
    DeviceRevoked {
        refuses_from: u64,
        last_time: u64,
    },
    KeyHolderNotInGoodStanding {
        holder: String,
        since: u64,
    },
    MeasuredWhileHolderLapsed {
        holder: String,
        from: u64,
        to: u64,
    },
    HeldKeyQueueClosed {
        holder: String,
        since: u64,
        window: u64,
    },
    InvalidSignature,
    Overlap {
        conflict: SeqRange,
    },
    BehindHead {
        head: SeqRange,
    },
    DayBackwards {
        day: u64,
        held_day: u64,
    },
    RegistryUnavailable {
        reason: String,
    },
    StoreFailed,
    /// The store's database is unreachable for now.
    StoreUnavailable,
    StoreFull,
    ShuttingDown,
}

impl Rejection {
    /// The refusal's code (the `error` field of the JSON answer; its HTTP status).
    pub fn code(&self) -> ErrorCode {
        use Rejection::*;
        match self {
            BodyTooLarge { .. } => ErrorCode::BodyTooLarge,
            BadEncoding { .. } => ErrorCode::BadEncoding,
            BatchSize { .. } => ErrorCode::BatchSize,
            CountMismatch { .. } => ErrorCode::CountMismatch,
            TimesInverted { .. } => ErrorCode::TimesInverted,
            SeqOutOfRange { .. } => ErrorCode::SeqOutOfRange,
            TooDense { .. } => ErrorCode::TooDense,
            TooDenseForScope { .. } => ErrorCode::TooDenseForScope,
            TooSoonAfterLast { .. } => ErrorCode::TooSoonAfterLast,
            BadScopes { .. } => ErrorCode::BadScopes,
            ScopesMismatch { .. } => ErrorCode::ScopesMismatch,
            CrossesMidnight => ErrorCode::CrossesMidnight,
            FutureReading { .. } => ErrorCode::FutureReading,
            ReadingsMismatch { .. } => ErrorCode::ReadingsMismatch,
            RootMismatch { .. } => ErrorCode::RootMismatch,
            UnknownDevice => ErrorCode::UnknownDevice,
            DeviceNotBound => ErrorCode::DeviceNotBound,
            MeasuredBeforeOwner { .. } => ErrorCode::MeasuredBeforeOwner,
            DeviceRevoked { .. } => ErrorCode::DeviceRevoked,
            KeyHolderNotInGoodStanding { .. } => ErrorCode::KeyHolderNotInGoodStanding,
            MeasuredWhileHolderLapsed { .. } => ErrorCode::MeasuredWhileHolderLapsed,
            HeldKeyQueueClosed { .. } => ErrorCode::HeldKeyQueueClosed,
            InvalidSignature => ErrorCode::InvalidSignature,
            Overlap { .. } => ErrorCode::Overlap,
            BehindHead { .. } => ErrorCode::BehindHead,
            DayBackwards { .. } => ErrorCode::DayBackwards,
            RegistryUnavailable { .. } => ErrorCode::RegistryUnavailable,
            StoreFailed => ErrorCode::StoreFailed,
            StoreUnavailable => ErrorCode::StoreUnavailable,
            StoreFull => ErrorCode::StoreFull,
            ShuttingDown => ErrorCode::ShuttingDown,
        }
    }

    /// One sentence for a person.
    pub fn message(&self) -> String {
        use Rejection::*;
        match self {
            BodyTooLarge { limit } => format!("The request body is larger than {limit} bytes."),
            BadEncoding { reason } => format!("The batch is not well formed: {reason}."),
            BatchSize { count, max } => {
                format!("A batch holds 1 to {max} readings; this header says {count}.")
            }
            CountMismatch {
                first_seq,
                last_seq,
                count,
            } => format!(
                "The header's count {count} does not match its range {first_seq}..={last_seq}."
            ),
            TimesInverted { .. } => "The header's first time is after its last time.".into(),
            SeqOutOfRange { max, .. } => {
                format!("Sequence numbers must lie in 0..={max}.")
            }
            TooDense {
                count,
                span_seconds,
                min_interval_seconds,
                ..
            } => format!(
                "{count} readings in {span_seconds} s are more than this kind of device can \
                 measure (one every {min_interval_seconds} s)."
            ),
            TooDenseForScope {
                scope,
                readings,
                span_seconds,
                min_interval_seconds,
                ..
            } => format!(
                "{readings} {} readings in {span_seconds} s are more than any device may send \
                 (one every {min_interval_seconds} s).",
                scope_name(*scope)
            ),
            BadScopes { reason } => format!("The header's scope list is not valid: {reason}."),
            ScopesMismatch { .. } => "The header's scope list is not that of its readings.".into(),
            TooSoonAfterLast {
                min_interval_seconds,
                ..
            } => format!(
                "The batch starts less than {min_interval_seconds} s after the device's last \
                 reading held here."
            ),
            CrossesMidnight => "The readings span more than one UTC day.".into(),
            FutureReading { .. } => "The readings are measured in the future.".into(),
            ReadingsMismatch { index, reason } => {
                format!("Reading {index} does not match the header: {reason}.")
            }
            RootMismatch { .. } => "The readings do not rebuild the header's Merkle root.".into(),
            UnknownDevice => "The device is not registered.".into(),
            DeviceNotBound => "The device is not bound to a patient.".into(),
            MeasuredBeforeOwner { .. } => {
                "The readings were measured before the device was bound to its owner.".into()
            }
            DeviceRevoked { .. } => {
                "The device is revoked or suspended for data measured at this batch's time.".into()
            }
            KeyHolderNotInGoodStanding { holder, since } => format!(
                "The device's key is held by relayer {holder}, out of good standing since \
                 {since}: nothing it attested measured from then on is accepted."
            ),
            MeasuredWhileHolderLapsed { holder, from, to } => format!(
                "The device's key is held by relayer {holder}, which was out of good standing \
                 from {from} to {to}: nothing it attested measured then is accepted."
            ),
            HeldKeyQueueClosed {
                holder,
                since,
                window,
            } => format!(
                "The device's key is held by relayer {holder}, out of good standing since \
                 {since}: what it attested before could be anchored for {window} s after, no \
                 longer."
            ),
            InvalidSignature => {
                "The signature does not verify with the device's registered key.".into()
            }
            Overlap { .. } => "The batch overlaps readings already held for this device.".into(),
            BehindHead { .. } => "The batch lies below the device's latest batch held here; \
                 sequence numbers never go backwards."
                .into(),
            DayBackwards { .. } => {
                "The batch is measured on a day before the device's latest batch held here.".into()
            }
            RegistryUnavailable { .. } => {
                "The device registry cannot be reached; retry later.".into()
            }
            StoreFailed => "The batch could not be stored; retry later.".into(),
            StoreUnavailable => {
                "The relayer's database is unreachable for now; nothing was stored; retry \
                 shortly."
                    .into()
            }
            StoreFull => "The relayer's disk is full, so the batch was not stored; what it holds \
                          can still be read. Retry later: writes resume by themselves once space \
                          is freed."
                .into(),
            ShuttingDown => "The relayer is shutting down; retry later.".into(),
        }
    }

    /// Fields added to the JSON answer besides `error` and `message`.
    pub fn details(&self) -> Map<String, Value> {
        use Rejection::*;
        let v = match self {
            BodyTooLarge { limit } => json!({ "limit": limit }),
            BadEncoding { reason } => json!({ "reason": reason }),
            BatchSize { count, max } => json!({ "count": count, "max": max }),
            CountMismatch {
                first_seq,
                last_seq,
                count,
            } => {
                json!({ "first_seq": first_seq, "last_seq": last_seq, "count": count })
            }
            TimesInverted {
                first_time,
                last_time,
            } => {
                json!({ "first_time": first_time, "last_time": last_time })
            }
            SeqOutOfRange {
                first_seq,
                last_seq,
                max,
            } => json!({ "first_seq": first_seq, "last_seq": last_seq, "max": max }),
            TooDense {
                count,
                span_seconds,
                min_interval_seconds,
                max_count,
            } => json!({
                "count": count,
                "span_seconds": span_seconds,
                "min_interval_seconds": min_interval_seconds,
                "max_count": max_count,
            }),
            TooDenseForScope {
                scope,
                readings,
                span_seconds,
                min_interval_seconds,
                max_count,
            } => json!({
                "scope": scope,
                "readings": readings,
                "span_seconds": span_seconds,
                "min_interval_seconds": min_interval_seconds,
                "max_count": max_count,
            }),
            BadScopes { reason } => json!({ "reason": reason }),
            ScopesMismatch { header, readings } => {
                json!({ "header_scopes": header, "reading_scopes": readings })
            }
            KeyHolderNotInGoodStanding { holder, since } => {
                json!({ "holder": holder, "since": since })
            }
            MeasuredWhileHolderLapsed { holder, from, to } => {
                json!({ "holder": holder, "from": from, "to": to })
            }
            HeldKeyQueueClosed {
                holder,
                since,
                window,
            } => json!({ "holder": holder, "since": since, "window": window }),
            TooSoonAfterLast {
                first_time,
                held_last_time,
                min_interval_seconds,
            } => json!({
                "first_time": first_time,
                "held_last_time": held_last_time,
                "min_interval_seconds": min_interval_seconds,
            }),
            FutureReading { last_time, now } => json!({ "last_time": last_time, "now": now }),
            ReadingsMismatch { index, reason } => json!({ "index": index, "reason": reason }),
            RootMismatch { computed } => json!({ "computed_root": computed }),
            MeasuredBeforeOwner {
                first_time,
                owner_since,
            } => {
                json!({ "first_time": first_time, "owner_since": owner_since })
            }
            DeviceRevoked {
                refuses_from,
                last_time,
            } => {
                json!({ "refuses_from": refuses_from, "last_time": last_time })
            }
            Overlap { conflict } => json!({ "conflict": conflict }),
            BehindHead { head } => json!({ "held_head": head }),
            DayBackwards { day, held_day } => json!({ "day": day, "held_day": held_day }),
            RegistryUnavailable { reason } => json!({ "reason": reason }),
            _ => json!({}),
        };
        match v {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Rejection {}
