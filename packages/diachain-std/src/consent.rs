//! The consent contract's messages: grants, amendments and revocations, break-glass sessions,
//! the custodians' access log and research consent. See `docs/consent.md`.
//!
//! The `ResearchConsent` query and its response are what the data union depends on.

use crate::wire;
use cosmwasm_schema::QueryResponses;
use cosmwasm_std::{Addr, Binary, BlockInfo, Timestamp};

// Named only in `#[returns]`, which `QueryResponses` reads off the wasm target.
#[cfg(not(target_arch = "wasm32"))]
use crate::pagination::Page;
use crate::scopes::{DataScope, Purpose};

/// Highest break-glass cap (hours) an instantiation may set.
pub const MAX_BREAK_GLASS_HOURS: u32 = 72;
/// Most grants one (patient, grantee) pair may hold at once that are neither revoked nor
/// pruned after expiry; keeps `CheckAccess` and every execute on the pair bounded.
pub const MAX_GRANTS_PER_PAIR: usize = 16;
/// Most listeners (contracts told when a research consent ends).
pub const MAX_LISTENERS: usize = 8;
/// Most accesses one `RecordAccesses` may carry.
pub const MAX_ACCESSES_PER_RECORD: usize = 50;
/// Bytes of a break-glass `note_hash` (a SHA-256 of a salted off-chain note).
pub const NOTE_HASH_LEN: usize = 32;
/// How long before the block a custodian may say an access was served (`NewAccess::served_at`):
/// one day. A relayer that serves data queues the record and sends it later; a record older
/// than this is refused (`ServedTooLongAgo`), so the log cannot be back-filled at will.
pub const MAX_ACCESS_RECORD_DELAY_SECONDS: u64 = 86_400;
/// Bytes of an erasure's `request_hash` (a SHA-256 of the patient's signed request, kept off
/// chain).
pub const REQUEST_HASH_LEN: usize = 32;
/// How long before the block an erasure recorded with `RecordErasure` may have been requested
/// (`requested_at`): 30 days, the month a controller has to act on an erasure request (GDPR
/// art. 12(3)). Older requests are refused (`RequestTooOld`).
pub const MAX_ERASURE_RECORD_DELAY_SECONDS: u64 = 30 * 86_400;

crate::reason::reason_code!(
    /// Why a break-glass session was opened: the access situation, never the patient's clinical
    /// state. Details belong in an off-chain note, committed to by `note_hash`.
    BreakGlassReason {
        /// The patient cannot give or refuse consent themselves right now.
        PatientCannotConsent = "patient_cannot_consent",
        /// The patient acts through a guardian (a child) and no guardian can be reached.
        GuardianUnreachable = "guardian_unreachable",
        /// A court or other legal authority ordered the access.
        LegalOrder = "legal_order",
        /// Any other situation; the session must then carry a `note_hash`.
        Other = "other",
    }
);

/// When a grant ends by itself: at a block height (expired from that height on) or a time
/// (expired from that time on). The JSON is that of `cw_utils::Expiration`'s `at_height` and
/// `at_time` (its `never` is not accepted: every grant ends).
#[wire]
#[derive(Copy, Eq)]
pub enum Expiry {
    AtHeight(u64),
    AtTime(Timestamp),
}

impl Expiry {
    /// Whether the grant has ended at this block.
    pub fn is_expired(&self, block: &BlockInfo) -> bool {
        match *self {
            Expiry::AtHeight(h) => block.height >= h,
            Expiry::AtTime(t) => block.time >= t,
        }
    }
}

#[wire]
pub struct InstantiateMsg {
    /// The consortium's address; the sender when omitted.
    pub admin: Option<String>,
    /// The device-registry contract, asked whether an address is a patient's guardian.
    pub registry: String,
    /// Longest break-glass session, in hours (1..=`MAX_BREAK_GLASS_HOURS`).
    pub max_break_glass_hours: u32,
    /// Contracts told when a research consent ends early (at most `MAX_LISTENERS`).
    #[serde(default)]
    pub listeners: Vec<String>,
}

/// Roles the consent admin admits.
#[wire]
#[derive(Copy, Eq, PartialOrd, Ord, Hash)]
pub enum ConsentRole {
    /// May open break-glass sessions.
    EmergencyProvider,
    /// Serves data to grantees and records each access it serves.
    Custodian,
}

impl ConsentRole {
    pub const ALL: &'static [ConsentRole] =
        &[ConsentRole::EmergencyProvider, ConsentRole::Custodian];
    /// One-byte storage key prefix.
    pub const fn code(self) -> u8 {
        match self {
            ConsentRole::EmergencyProvider => 1,
            ConsentRole::Custodian => 2,
        }
    }
}

/// One access a custodian served.
#[wire]
pub struct NewAccess {
    pub patient: String,
    pub grantee: String,
    pub scope: DataScope,
    /// The range of data (measurement times, inclusive) served.
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    /// The grant that allowed it (as `CheckAccess` returned it); it must have allowed the
    /// access at `served_at`.
    pub grant_id: u64,
    /// When the custodian served the data (default: this block's time). Not in the future and
    /// at most `MAX_ACCESS_RECORD_DELAY_SECONDS` before the block. The grant is judged as
    /// `CheckAccess` with `at: served_at` judges it, so an access served before the patient
    /// revoked the grant (or before a break-glass session ended) is still recorded.
    pub served_at: Option<Timestamp>,
}

#[wire]
pub enum ExecuteMsg {
    /// Admin: propose a new admin; it takes effect when they accept.
    TransferAdmin { new_admin: String },
    /// Proposed admin: accept the transfer.
    AcceptAdmin {},
    /// Admin: withdraw a pending transfer.
    CancelAdminTransfer {},
    /// Admin: admit an emergency provider or custodian.
    AdmitMember { role: ConsentRole, address: String },
    /// Admin: remove one. A removed emergency provider's open sessions stop allowing access at
    /// once; a removed custodian may no longer record accesses.
    RemoveMember { role: ConsentRole, address: String },
    /// Admin: replace the listener list (at most `MAX_LISTENERS`, no duplicates).
    SetListeners { listeners: Vec<String> },

    /// Patient (or their guardian, naming the patient): grant `grantee` access to `scopes` of
    /// data measured in `data_from..=data_to`, for `purpose`, until `expires` (a time or a
    /// height, not yet passed). A research grant names the data-union `study_id`; a patient
    /// holds at most one live research grant per study.
    Grant {
        patient: Option<String>,
        grantee: String,
        scopes: Vec<DataScope>,
        purpose: Purpose,
        study_id: Option<u64>,
        data_from: Timestamp,
        data_to: Timestamp,
        expires: Expiry,
    },
    /// Patient or guardian: change a live consent grant's scopes, data period or expiry, in
    /// effect from this block. Narrowing a research grant tells the listeners.
    AmendGrant {
        grant_id: u64,
        scopes: Option<Vec<DataScope>>,
        data_from: Option<Timestamp>,
        data_to: Option<Timestamp>,
        expires: Option<Expiry>,
    },
    /// Patient, guardian, or the grantee itself (renouncing): end a live grant or break-glass
    /// session now. A research grant only the patient or a guardian may end (its grantee is the
    /// study's sponsor, who pays its members); revoking one tells the listeners.
    RevokeGrant { grant_id: u64 },

    /// Admitted emergency provider: open access to `patient` without a prior grant, for
    /// `hours` (at most the configured cap), to `scopes` (all when omitted), with a reason code
    /// (never free text; `legacy` is refused) and, optionally, `note_hash`: the 32-byte SHA-256
    /// of a salted note kept off chain (required with reason `other`). Covers the patient's
    /// data measured up to the session's end. Ends by itself; the patient (or guardian) may
    /// close it early with `RevokeGrant`.
    OpenBreakGlass {
        patient: String,
        hours: u32,
        reason: BreakGlassReason,
        note_hash: Option<Binary>,
        scopes: Option<Vec<DataScope>>,
    },

    /// Admitted custodian: record accesses it served (all or none). Each must have been allowed
    /// by the named grant at its `served_at` (default: this block), which may lie up to
    /// `MAX_ACCESS_RECORD_DELAY_SECONDS` in the past.
    RecordAccesses { accesses: Vec<NewAccess> },

    /// Admitted custodian: record that it erased (crypto-shredded, off chain) what it held of
    /// `patient`'s data at the patient's request. `request_hash` is the 32-byte SHA-256 of the
    /// patient's signed request, kept off chain (no free text on chain); `requested_at` is when
    /// the patient asked, not in the future and at most `MAX_ERASURE_RECORD_DELAY_SECONDS`
    /// before the block. The same (patient, custodian, request_hash) is recorded once: a repeat
    /// is refused with an error whose text starts with `erasure already recorded`.
    RecordErasure {
        patient: String,
        request_hash: Binary,
        requested_at: Timestamp,
    },
}

#[wire]
pub struct MigrateMsg {}

#[wire]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The patient's live research consent for a data-union study, if any. A patient holds at
    /// most one live research grant per study, so there is at most one, whoever its grantee.
    #[returns(ResearchConsentResponse)]
    ResearchConsent { patient: String, study_id: u64 },

    #[returns(ConfigResponse)]
    Config {},
    /// Whether `grantee` may read `patient`'s `scope` data measured in `data_from..=data_to`
    /// at time `at` (default: this block; never in the future), and which grant allows it.
    #[returns(CheckAccessResponse)]
    CheckAccess {
        patient: String,
        grantee: String,
        scope: DataScope,
        data_from: Timestamp,
        data_to: Timestamp,
        at: Option<Timestamp>,
    },
    /// One grant or break-glass session; an error if there is none with that id.
    #[returns(GrantInfo)]
    Grant { grant_id: u64 },
    /// Every grant and session of a patient (live or not), by id.
    #[returns(Page<GrantInfo>)]
    GrantsByPatient {
        patient: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Every grant and session held by a grantee (live or not), by id.
    #[returns(Page<GrantInfo>)]
    GrantsByGrantee {
        grantee: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// A patient's open break-glass sessions, soonest end first (then by id). `start_after` is
    /// an exclusive bound in that order: the end and id of the previous page's last session.
    #[returns(Page<Grant>)]
    BreakGlassSessions {
        patient: String,
        start_after: Option<SessionBound>,
        limit: Option<u32>,
    },
    /// Accesses served of a patient's data, oldest first.
    #[returns(Page<AccessRecord>)]
    AccessLogByPatient {
        patient: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Accesses served to a grantee, oldest first.
    #[returns(Page<AccessRecord>)]
    AccessLogByGrantee {
        grantee: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Erasures custodians recorded for a patient, oldest first (by id).
    #[returns(Page<ErasureRecord>)]
    Erasures {
        patient: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// A member's record; `None` if not admitted.
    #[returns(Option<Member>)]
    Member { role: ConsentRole, address: String },
    #[returns(Page<Member>)]
    Members {
        role: ConsentRole,
        start_after: Option<String>,
        limit: Option<u32>,
    },
}

#[wire]
pub struct ResearchConsentResponse {
    /// `None` when the patient has no live (unrevoked, unexpired) research grant for the study.
    pub consent: Option<ResearchConsent>,
}

#[wire]
pub struct ResearchConsent {
    pub grant_id: u64,
    /// Who the patient gave the research consent to: the only address it lets read the data.
    /// The data union admits the patient only if this is the study's sponsor.
    pub grantee: Addr,
    pub scopes: Vec<DataScope>,
    /// The period of data the consent covers.
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    /// When the consent ends by itself (unless revoked or narrowed earlier).
    pub expires: Expiry,
}

#[wire]
pub struct ConfigResponse {
    pub admin: Addr,
    pub pending_admin: Option<Addr>,
    pub registry: Addr,
    pub max_break_glass_hours: u32,
    pub listeners: Vec<Addr>,
}

/// A position in the `BreakGlassSessions` order: a session's end and its grant id.
#[wire]
#[derive(Copy, Eq)]
pub struct SessionBound {
    /// The session's end (its `expires` time).
    pub ends_at: Timestamp,
    pub grant_id: u64,
}

/// A break-glass session's own details.
#[wire]
pub struct BreakGlass {
    /// Sessions recorded before 0.2.0 carried free text here; it reads as `legacy`, without the
    /// text, and is rewritten so when the session is next saved.
    pub reason: BreakGlassReason,
    /// SHA-256 of a salted off-chain note (32 bytes), if the provider gave one.
    pub note_hash: Option<Binary>,
    pub hours: u32,
}

/// When and by whom a grant was ended early.
#[wire]
pub struct Revocation {
    pub at: Timestamp,
    pub height: u64,
    pub by: Addr,
}

/// A consent grant or (with `break_glass`) an emergency session.
#[wire]
pub struct Grant {
    pub id: u64,
    pub patient: Addr,
    pub grantee: Addr,
    /// Sorted, without duplicates, never empty.
    pub scopes: Vec<DataScope>,
    pub purpose: Purpose,
    /// The data-union study of a research grant.
    pub study_id: Option<u64>,
    /// The period of data (measurement times, inclusive) covered.
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    pub expires: Expiry,
    /// The patient, their guardian, or the emergency provider who opened the session.
    pub granted_by: Addr,
    pub granted_at: Timestamp,
    pub granted_height: u64,
    /// Time of the last amendment, if any.
    pub amended_at: Option<Timestamp>,
    pub revoked: Option<Revocation>,
    /// Set for a break-glass session.
    pub break_glass: Option<BreakGlass>,
}

impl Grant {
    /// Where this break-glass session sits in the `BreakGlassSessions` order: pass the last
    /// session of a page as the next page's `start_after`. `None` for a consent grant.
    pub fn session_bound(&self) -> Option<SessionBound> {
        match (&self.break_glass, self.expires) {
            (Some(_), Expiry::AtTime(ends_at)) => Some(SessionBound {
                ends_at,
                grant_id: self.id,
            }),
            _ => None,
        }
    }
}

/// A grant's standing at the current block.
#[wire]
#[derive(Copy, Eq)]
pub enum GrantStatus {
    Active,
    Expired,
    Revoked,
}

/// A grant as queries report it, with its standing now.
#[wire]
pub struct GrantInfo {
    pub grant: Grant,
    pub status: GrantStatus,
}

/// Why `CheckAccess` said no: for the grant that came closest to allowing the access (a grant
/// that failed a later check ranks higher), or `NoGrant`.
#[wire]
#[derive(Copy, Eq)]
pub enum Denial {
    /// No grant to this grantee exists (or existed at `at`).
    NoGrant,
    Revoked {
        grant_id: u64,
    },
    Expired {
        grant_id: u64,
    },
    /// A break-glass session whose provider has since been removed.
    ProviderNotAdmitted {
        grant_id: u64,
    },
    ScopeNotGranted {
        grant_id: u64,
    },
    PeriodNotCovered {
        grant_id: u64,
    },
}

#[wire]
pub struct CheckAccessResponse {
    pub allowed: bool,
    /// The grant that allows the access (a consent grant is preferred over a break-glass
    /// session, then the lowest id).
    pub grant: Option<Grant>,
    /// Why not, when not allowed.
    pub denial: Option<Denial>,
}

/// An emergency provider or custodian admitted by the consent admin.
#[wire]
pub struct Member {
    pub address: Addr,
    pub role: ConsentRole,
    pub admitted_at: Timestamp,
}

/// One access served, as a custodian recorded it.
#[wire]
pub struct AccessRecord {
    pub id: u64,
    pub patient: Addr,
    pub grantee: Addr,
    pub custodian: Addr,
    pub scope: DataScope,
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    /// When it was recorded (the block's time and height).
    pub at: Timestamp,
    pub height: u64,
    pub grant_id: u64,
    /// When the custodian served it (`NewAccess::served_at`, default `at`): the time the grant
    /// was judged at. Records written before 0.3.0 have none stored and read as served at `at`.
    #[serde(default)]
    pub served_at: Timestamp,
}

/// An erasure a custodian recorded (`RecordErasure`).
#[wire]
pub struct ErasureRecord {
    pub id: u64,
    pub patient: Addr,
    pub custodian: Addr,
    /// SHA-256 of the patient's signed erasure request (32 bytes), kept off chain.
    pub request_hash: Binary,
    /// When the patient asked.
    pub requested_at: Timestamp,
    /// When it was recorded (the block's time and height).
    pub at: Timestamp,
    pub height: u64,
}
