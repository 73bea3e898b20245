use cosmwasm_std::StdError;
use cw_utils::PaymentError;
use diachain_std::admin::AdminError;
use diachain_std::encoding::{EncodingError, ScopeError};
use diachain_std::version::MigrateError;
use diachain_std::{DataScope, DeviceKind};
use thiserror::Error;

/// Errors of a submission name the failing header by its position (`index`, from 0) and
/// device, so a relayer can fix or drop it and resubmit the rest.
#[derive(Error, Debug)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("malformed submission: {0}")]
    Malformed(EncodingError),

    #[error("{address} is not an active relayer in the registry")]
    NotRelayer { address: String },
    #[error("the submission holds no batch")]
    EmptySubmission,
    #[error("at most {max} batches per submission")]
    TooManyBatches { max: usize },
    #[error("batch {index}: device {device_id} is not registered")]
    UnknownDevice { index: usize, device_id: String },
    #[error("batch {index}: device {device_id} is not bound to a patient")]
    DeviceNotBound { index: usize, device_id: String },
    #[error("batch {index}: device {device_id} does not accept data measured at {at} (suspended or revoked)")]
    DeviceNotAccepting {
        index: usize,
        device_id: String,
        at: u64,
    },
    #[error(
        "batch {index}: device {device_id}: the signature does not verify with the registered key"
    )]
    InvalidSignature { index: usize, device_id: String },
    #[error("batch {index}: device {device_id}: its key is held by relayer {holder}, not in good standing since {since}: data measured from then on is refused")]
    KeyHolderNotInGoodStanding {
        index: usize,
        device_id: String,
        holder: String,
        since: u64,
    },
    #[error("batch {index}: device {device_id}: its key is held by relayer {holder}, which was out of good standing from {from} to {to}: data measured then is refused")]
    MeasuredWhileHolderLapsed {
        index: usize,
        device_id: String,
        holder: String,
        from: u64,
        to: u64,
    },
    #[error("batch {index}: device {device_id}: its key is held by relayer {holder}, out of good standing since {since}: what it attested before may be anchored for {window} s after, no longer")]
    HeldKeyQueueClosed {
        index: usize,
        device_id: String,
        holder: String,
        since: u64,
        window: u64,
    },
    #[error("batch {index}: device {device_id}: scopes: {reason}")]
    InvalidScopes {
        index: usize,
        device_id: String,
        reason: ScopeError,
    },
    #[error("batch {index}: device {device_id}: count {count} does not match seq {first_seq}..={last_seq}")]
    CountMismatch {
        index: usize,
        device_id: String,
        first_seq: u64,
        last_seq: u64,
        count: u32,
    },
    #[error("batch {index}: device {device_id}: a batch holds 1..={max} readings")]
    BatchSize {
        index: usize,
        device_id: String,
        max: u32,
    },
    #[error(
        "batch {index}: device {device_id}: first time {first_time} is after last time {last_time}"
    )]
    TimesInverted {
        index: usize,
        device_id: String,
        first_time: u64,
        last_time: u64,
    },
    #[error("batch {index}: device {device_id}: the readings span more than one UTC day")]
    CrossesMidnight { index: usize, device_id: String },
    #[error(
        "batch {index}: device {device_id}: readings are measured in the future ({last_time})"
    )]
    FutureReading {
        index: usize,
        device_id: String,
        last_time: u64,
    },
    #[error("batch {index}: device {device_id}: seq {first_seq} is at or below the anchored seq {anchored}: replay or overlap")]
    Overlap {
        index: usize,
        device_id: String,
        first_seq: u64,
        anchored: u64,
    },
    #[error("batch {index}: device {device_id}: measured from {first_time}, before the device was bound to its current owner at {owner_since}")]
    MeasuredBeforeOwner {
        index: usize,
        device_id: String,
        first_time: u64,
        owner_since: u64,
    },
    #[error(
        "batch {index}: device {device_id}: seq {first_seq}..={last_seq} is outside 0..={max}"
    )]
    SeqOutOfRange {
        index: usize,
        device_id: String,
        first_seq: u64,
        last_seq: u64,
        max: u64,
    },
    #[error("batch {index}: device {device_id}: {count} readings in {span_seconds} s exceed a {kind:?} device's limit of one reading every {min_interval_seconds} s ({max_count} at most)")]
    TooDense {
        index: usize,
        device_id: String,
        count: u32,
        span_seconds: u64,
        kind: DeviceKind,
        min_interval_seconds: u32,
        max_count: u64,
    },
    #[error("batch {index}: device {device_id}: {readings} {scope:?} readings in {span_seconds} s exceed the limit of one every {min_interval_seconds} s for that scope from a {kind:?} device ({max_count} at most)")]
    TooDenseForScope {
        index: usize,
        device_id: String,
        scope: DataScope,
        readings: u32,
        span_seconds: u64,
        kind: DeviceKind,
        min_interval_seconds: u32,
        max_count: u64,
    },
    #[error("batch {index}: device {device_id}: first reading at {first_time} is less than {min_interval_seconds} s (a {kind:?} device's limit) after the device's last anchored reading at {anchored_time}")]
    TooSoonAfterLast {
        index: usize,
        device_id: String,
        first_time: u64,
        anchored_time: u64,
        kind: DeviceKind,
        min_interval_seconds: u32,
    },
    #[error("batch {index}: device {device_id}: day {day} holds {held} {scope:?} readings; {readings} more exceed the {max} that fit it at one every {min_interval_seconds} s")]
    DayFull {
        index: usize,
        device_id: String,
        day: u64,
        scope: DataScope,
        held: u64,
        readings: u32,
        max: u64,
        min_interval_seconds: u32,
    },
    #[error("batch {index}: device {device_id}: measured on day {day}, before its last anchored day {anchored_day}")]
    DayBackwards {
        index: usize,
        device_id: String,
        day: u64,
        anchored_day: u64,
    },

    #[error(
        "a {kind:?} device's minimum reading interval must be {min}..={max} seconds, got {got}"
    )]
    InvalidSamplingLimit {
        kind: DeviceKind,
        got: u32,
        min: u32,
        max: u32,
    },
    #[error("sampling limits name {kind:?} twice")]
    DuplicateSamplingLimit { kind: DeviceKind },

    #[error("at most {max} listeners")]
    TooManyListeners { max: usize },
    #[error("{address} is already a listener")]
    ListenerExists { address: String },
    #[error("{address} is not a listener")]
    NotListener { address: String },

    #[error("device {device_id} has no anchored batch holding seq {seq}")]
    BatchNotFound { device_id: String, seq: u64 },
    #[error("day range {from_day}..={to_day} is empty or wider than {max} days")]
    InvalidDayRange {
        from_day: u64,
        to_day: u64,
        max: u64,
    },
    #[error("a hash must be 32 bytes")]
    InvalidHash,
}
