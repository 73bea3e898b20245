use cosmwasm_std::{StdError, Timestamp};
use cw_utils::PaymentError;
use diachain_std::admin::AdminError;
use diachain_std::consent::{ConsentRole, Denial};
use diachain_std::version::MigrateError;
use diachain_std::DataScope;
use thiserror::Error;

/// One variant per reason a message is refused.
#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(String),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    Migrate(#[from] MigrateError),

    // roles
    /// Reads as the shared admin's refusal (`diachain_std::admin::AdminError::NotAdmin`) in the
    /// registry and reading-anchors.
    #[error("only the consortium admin may do this")]
    NotAdmin,
    #[error("no admin transfer is pending")]
    NoPendingAdmin,
    #[error("only the proposed admin may accept the transfer")]
    NotPendingAdmin,
    #[error("only the patient or a guardian named for them may do this")]
    NotPatientOrGuardian,
    #[error("only the patient, a guardian or the grantee may revoke this grant")]
    NotPatientGuardianOrGrantee,
    #[error("{address} is not an admitted {role:?}")]
    NotMember { role: ConsentRole, address: String },
    #[error("{address} is already an admitted {role:?}")]
    AlreadyMember { role: ConsentRole, address: String },

    // configuration
    #[error("break-glass cap must be 1..={max} hours, got {hours}")]
    InvalidBreakGlassCap { hours: u32, max: u32 },
    #[error("at most {max} listeners")]
    TooManyListeners { max: usize },
    #[error("listener {0} is listed twice")]
    DuplicateListener(String),

    // grants
    #[error("a patient cannot grant access to themselves")]
    GranteeIsPatient,
    #[error("a grant needs at least one scope")]
    NoScopes,
    #[error("data period ends ({to}) before it starts ({from})")]
    InvalidDataPeriod { from: Timestamp, to: Timestamp },
    #[error("the expiry has already passed")]
    ExpiryInPast,
    #[error("a research grant must name the study")]
    StudyRequired,
    #[error("only a research grant names a study")]
    StudyNotAllowed,
    #[error("the patient already holds live research grant {grant_id} for this study; amend it")]
    ResearchConsentExists { grant_id: u64 },
    #[error("this grantee already holds {max} live grants from this patient")]
    TooManyGrants { max: usize },
    #[error("grant {grant_id} not found")]
    GrantNotFound { grant_id: u64 },
    #[error("grant {grant_id} is revoked")]
    GrantRevoked { grant_id: u64 },
    #[error("grant {grant_id} has expired")]
    GrantExpired { grant_id: u64 },
    #[error("grant {grant_id} is a break-glass session; it can only be closed")]
    BreakGlassNotAmendable { grant_id: u64 },
    #[error("grant {grant_id} is a research consent: only the patient or a guardian may end it")]
    ResearchConsentIsThePatients { grant_id: u64 },
    #[error("the amendment changes nothing")]
    NothingToAmend,

    // break-glass
    #[error("break-glass hours must be 1..={max}, got {hours}")]
    InvalidBreakGlassHours { hours: u32, max: u32 },
    #[error("reason `legacy` only marks sessions recorded before 0.2.0; give a reason code")]
    LegacyReason,
    #[error("note_hash must be {expected} bytes, got {len}")]
    InvalidNoteHash { len: usize, expected: usize },
    #[error("reason `other` needs a note_hash")]
    NoteRequired,
    #[error("break-glass session {grant_id} is already open for this patient")]
    BreakGlassAlreadyOpen { grant_id: u64 },

    // access log
    #[error("no accesses to record")]
    NoAccesses,
    #[error("at most {max} accesses per message")]
    TooManyAccesses { max: usize },
    #[error("data range ends ({to}) before it starts ({from})")]
    InvalidDataRange { from: Timestamp, to: Timestamp },
    #[error("grant {grant_id} is not for this patient and grantee")]
    GrantMismatch { grant_id: u64 },
    #[error("grant {grant_id}'s break-glass provider is no longer admitted")]
    ProviderNotAdmitted { grant_id: u64 },
    #[error("grant {grant_id} does not cover scope {scope:?}")]
    ScopeNotGranted { grant_id: u64, scope: DataScope },
    #[error("grant {grant_id} does not cover the data period asked")]
    PeriodNotCovered { grant_id: u64 },
    #[error("no grant allows this access")]
    NoGrant,
    #[error("served_at ({served_at}) is after the current block time ({now})")]
    ServedInFuture {
        served_at: Timestamp,
        now: Timestamp,
    },
    #[error("served_at ({served_at}) is more than {max_delay_seconds} seconds before the current block time ({now})")]
    ServedTooLongAgo {
        served_at: Timestamp,
        now: Timestamp,
        max_delay_seconds: u64,
    },
    #[error(
        "grant {grant_id} was made at {granted_at}, after the access was served ({served_at})"
    )]
    ServedBeforeGrant {
        grant_id: u64,
        granted_at: Timestamp,
        served_at: Timestamp,
    },

    // erasure records
    #[error("request_hash must be {expected} bytes, got {len}")]
    InvalidRequestHash { len: usize, expected: usize },
    #[error("requested_at ({requested_at}) is after the current block time ({now})")]
    RequestedInFuture {
        requested_at: Timestamp,
        now: Timestamp,
    },
    #[error("requested_at ({requested_at}) is more than {max_delay_seconds} seconds before the current block time ({now})")]
    RequestTooOld {
        requested_at: Timestamp,
        now: Timestamp,
        max_delay_seconds: u64,
    },
    /// The relayer retries and tells this refusal from others by its text: keep the prefix
    /// `erasure already recorded`.
    #[error("erasure already recorded as {id} for this patient, custodian and request_hash")]
    ErasureAlreadyRecorded { id: u64 },

    #[error("unexpected reply {id}")]
    UnknownReply { id: u64 },

    // queries
    #[error("`at` ({at}) is after the current block time ({now})")]
    AtInFuture { at: Timestamp, now: Timestamp },
}

impl From<AdminError> for ContractError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Std(e) => e.into(),
            AdminError::NotAdmin => ContractError::NotAdmin,
            AdminError::NoPendingAdmin => ContractError::NoPendingAdmin,
            AdminError::NotPendingAdmin => ContractError::NotPendingAdmin,
        }
    }
}

impl From<StdError> for ContractError {
    fn from(e: StdError) -> Self {
        ContractError::Std(e.to_string())
    }
}

impl ContractError {
    /// The refusal that matches a `CheckAccess` denial.
    pub fn from_denial(denial: Denial, scope: DataScope) -> Self {
        match denial {
            Denial::NoGrant => ContractError::NoGrant,
            Denial::Revoked { grant_id } => ContractError::GrantRevoked { grant_id },
            Denial::Expired { grant_id } => ContractError::GrantExpired { grant_id },
            Denial::ProviderNotAdmitted { grant_id } => {
                ContractError::ProviderNotAdmitted { grant_id }
            }
            Denial::ScopeNotGranted { grant_id } => {
                ContractError::ScopeNotGranted { grant_id, scope }
            }
            Denial::PeriodNotCovered { grant_id } => ContractError::PeriodNotCovered { grant_id },
        }
    }
}
