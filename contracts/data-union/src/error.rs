use cosmwasm_std::{
    Addr, CheckedMultiplyRatioError, ConversionOverflowError, OverflowError, StdError, Timestamp,
    Uint128,
};
use cw_utils::PaymentError;
use diachain_std::device::DeviceKind;
use diachain_std::version::MigrateError;
use diachain_std::DataScope;
use thiserror::Error;

#[derive(Error, Debug)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error(transparent)]
    Overflow(#[from] OverflowError),
    #[error(transparent)]
    MultiplyRatio(#[from] CheckedMultiplyRatioError),
    #[error("amount does not fit in 128 bits: {0}")]
    AmountTooLarge(#[from] ConversionOverflowError),

    // Configuration.
    #[error("only the union admin may do this")]
    NotAdmin,
    #[error("fee of {fee_bps} bps is above the cap of {max} bps")]
    FeeTooHigh { fee_bps: u16, max: u16 },
    #[error("grace period must be {min}..={max} seconds")]
    InvalidGracePeriod { min: u64, max: u64 },

    // Hooks.
    #[error("only the reading-anchors contract may report contributions")]
    NotAnchors,
    #[error("only the consent contract may report ended research consents")]
    NotConsent,

    // Study creation.
    #[error("{field} must be 1..={max} bytes")]
    InvalidText { field: &'static str, max: usize },
    #[error("a study must want at least one data scope")]
    NoScopes,
    #[error("scope {scope:?} is listed twice")]
    DuplicateScope { scope: DataScope },
    #[error("device kind {kind:?} is listed twice")]
    DuplicateDeviceKind { kind: DeviceKind },
    #[error("the data period must run from a day to the same or a later day")]
    InvalidDataPeriod,
    #[error("the data period spans {days} days; at most {max} are allowed")]
    DataPeriodTooLong { days: u64, max: u64 },
    #[error("closing time must lie between the end of the data period ({earliest}) and {latest}")]
    InvalidClosingTime {
        earliest: Timestamp,
        latest: Timestamp,
    },
    #[error("the study would close at {closes_at}, which is not in the future")]
    ClosingTimeInPast { closes_at: Timestamp },
    #[error("the per-patient cap must not be zero")]
    ZeroCap,
    #[error("the most readings credited per day must be at least 1 and at least the minimum per day ({min}), got {max}")]
    InvalidMaxReadingsPerDay { max: u64, min: u64 },
    #[error("eligibility asks for {min_days} days but the data period has only {days}")]
    MinDaysExceedPeriod { min_days: u32, days: u64 },

    // Funding.
    #[error("deposit amount must not be zero")]
    ZeroAmount,
    #[error("study {study_id} is held in cw20 token {token}: fund it through the token's Send")]
    PoolIsCw20 { study_id: u64, token: String },
    #[error("study {study_id} is held in {expected}, not in cw20 token {received}")]
    WrongToken {
        study_id: u64,
        expected: String,
        received: String,
    },
    #[error("study {study_id} is closed to funding")]
    FundingClosed { study_id: u64 },

    // Studies and membership.
    #[error("study {study_id} does not exist")]
    StudyNotFound { study_id: u64 },
    #[error("study {study_id} is closed to new members")]
    JoiningClosed { study_id: u64 },
    #[error("already an active member of study {study_id}")]
    AlreadyMember { study_id: u64 },
    #[error("already an active member of {max} studies; leave one first")]
    TooManyStudies { max: usize },
    #[error("no live research consent for study {study_id} on the consent contract")]
    NoResearchConsent { study_id: u64 },
    #[error(
        "the research consent for study {study_id} is granted to {grantee}, not to the study's sponsor {sponsor}"
    )]
    ConsentNotToSponsor {
        study_id: u64,
        grantee: Addr,
        sponsor: Addr,
    },
    #[error("the research consent does not cover the study's scopes {missing:?}")]
    ConsentScopesInsufficient { missing: Vec<DataScope> },
    #[error("the research consent's data period does not overlap study {study_id}'s")]
    ConsentPeriodOutsideStudy { study_id: u64 },
    #[error("not a member of study {study_id}")]
    NotMember { study_id: u64 },
    #[error("not an active member of study {study_id}")]
    NotActiveMember { study_id: u64 },

    // Claims and refunds.
    #[error("claims for study {study_id} open at {opens_at}")]
    ClaimNotOpen { study_id: u64, opens_at: Timestamp },
    #[error("already claimed from study {study_id}")]
    AlreadyClaimed { study_id: u64 },
    #[error("only {counting_days} days meet the eligibility; {min_days} are required")]
    NotEnoughDays { counting_days: u32, min_days: u32 },
    #[error("no readings of a {kind:?} device's scope in the data period")]
    MissingDeviceKind { kind: DeviceKind },
    #[error("nothing to claim from study {study_id}")]
    NothingToClaim { study_id: u64 },
    #[error("the pool of study {study_id} holds {balance}, less than {amount}")]
    PoolExhausted {
        study_id: u64,
        balance: Uint128,
        amount: Uint128,
    },
    #[error("study {study_id} is closed: the sponsor has withdrawn")]
    StudyClosed { study_id: u64 },
    #[error("only the study's sponsor may do this")]
    NotSponsor,
    #[error("nothing of study {study_id} is left to withdraw: what remains is members' unclaimed earnings")]
    NothingToWithdraw { study_id: u64 },
    #[error("day {day} is past the last day a time can represent ({max})")]
    DayOutOfRange { day: u64, max: u64 },
    #[error("the sponsor may withdraw from {available_at}")]
    WithdrawTooEarly { available_at: Timestamp },

    // Dataset manifests.
    #[error("only an admitted custodian of the consent contract may record a manifest")]
    NotCustodian,
    #[error("the export id is {len} bytes; it must be {expected}")]
    InvalidExportId { len: usize, expected: usize },
    #[error(
        "manifest already recorded: this export of study {study_id} is its manifest {manifest_id}"
    )]
    ManifestAlreadyRecorded { study_id: u64, manifest_id: u64 },
    #[error("the dataset root is {len} bytes; it must be {expected}")]
    InvalidManifestRoot { len: usize, expected: usize },
    #[error("a dataset must hold at least one row")]
    ZeroManifestRows,
    #[error("scope {scope:?} is counted with no rows; list only scopes with rows")]
    ZeroScopeRows { scope: DataScope },
    #[error("a dataset never holds {scope:?} rows: summaries are not rows")]
    SummariesOnlyRows { scope: DataScope },
    #[error("scope {scope:?} is not one of study {study_id}'s scopes")]
    ScopeNotInStudy { study_id: u64, scope: DataScope },
    #[error("scope rows must be sorted by scope: {scope:?} comes after {previous:?}")]
    ScopeRowsUnsorted {
        previous: DataScope,
        scope: DataScope,
    },
    #[error("the dataset holds {rows} rows but its scopes count {sum}")]
    ManifestRowsMismatch { rows: u64, sum: u64 },
    #[error("the dataset's period must run from a time to the same or a later time ({data_from} > {data_to})")]
    InvalidManifestPeriod {
        data_from: Timestamp,
        data_to: Timestamp,
    },
    #[error("the dataset's period {data_from}..={data_to} is not inside study {study_id}'s data period {study_from}..={study_to}")]
    ManifestPeriodOutsideStudy {
        study_id: u64,
        data_from: Timestamp,
        data_to: Timestamp,
        study_from: Timestamp,
        study_to: Timestamp,
    },
    #[error("exported_at ({exported_at}) is after the current block time ({now})")]
    ExportedInFuture {
        exported_at: Timestamp,
        now: Timestamp,
    },
    #[error("exported_at ({exported_at}) is more than {max_delay_seconds} seconds before the current block time ({now})")]
    ExportTooOld {
        exported_at: Timestamp,
        now: Timestamp,
        max_delay_seconds: u64,
    },
    #[error("a dataset must hold the data of at least one member")]
    ZeroManifestMembers,
    #[error("the dataset claims {members} members; study {study_id} has had {study_members}")]
    TooManyManifestMembers {
        study_id: u64,
        members: u64,
        study_members: u64,
    },
    #[error("study {study_id} already holds the most manifests a study may ({max})")]
    TooManyManifests { study_id: u64, max: u64 },
    #[error("study {study_id} has no manifest {manifest_id}")]
    ManifestNotFound { study_id: u64, manifest_id: u64 },
}
