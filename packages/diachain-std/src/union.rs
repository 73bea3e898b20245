//! The data-union contract's messages: research studies with funded reward pools, patient
//! membership, contributions reported by reading-anchors, and claims. See `docs/data-union.md`.
//!
//! The union also listens to two hooks: its `ExecuteMsg` carries variants of the same name and
//! shape as [`crate::hooks::AnchorsHookMsg::ReadingsAnchored`] and
//! [`crate::hooks::ConsentHookMsg::ResearchConsentEnded`], so those serialize straight into it.
//!
//! cw20 pools are funded through the token's `Send` (the union's `Receive` variant); the cw20
//! wire types it needs ([`Cw20ReceiveMsg`], [`Cw20ExecuteMsg::Transfer`]) are defined here because
//! the `cw20` crate is still on cosmwasm-std 2.

use crate::wire;
use cosmwasm_schema::QueryResponses;
use cosmwasm_std::{Addr, Binary, Timestamp, Uint128};

use crate::anchors::MAX_COVERAGE_DAYS;
use crate::device::DeviceKind;
use crate::hooks::Contribution;
// Named only in `#[returns]`, which `QueryResponses` reads off the wasm target.
#[cfg(not(target_arch = "wasm32"))]
use crate::pagination::Page;
use crate::scopes::DataScope;

/// Highest union fee, in basis points of every deposit (10 %).
pub const MAX_FEE_BPS: u16 = 1_000;
/// Basis points in a whole.
pub const BPS_DENOMINATOR: u128 = 10_000;
/// Shortest and longest grace period (the claim window after a study closes), in seconds.
pub const MIN_GRACE_PERIOD: u64 = 86_400;
pub const MAX_GRACE_PERIOD: u64 = 366 * 86_400;
/// Longest data period of a study, in UTC days: one anchors `Coverage` query must span it.
pub const MAX_STUDY_DAYS: u64 = MAX_COVERAGE_DAYS;
/// Latest a study may close after the end of its data period (room for late anchoring).
pub const MAX_CLOSE_DELAY: u64 = 30 * 86_400;
/// Closing delay used when a study gives none: one day after its data period ends.
pub const DEFAULT_CLOSE_DELAY: u64 = 86_400;
/// Most studies a patient may be an active member of at once (bounds the contribution hook's
/// work per contribution).
pub const MAX_ACTIVE_STUDIES_PER_PATIENT: usize = 16;
/// The last UTC day a study's data period may reach: a `Timestamp` (nanoseconds in a u64) holds
/// times up to day 213,503 (year 2554); this leaves room after it for the latest closing time
/// and the longest grace period, so no time the union derives can overflow.
pub const MAX_DAY: u64 =
    u64::MAX / 1_000_000_000 / 86_400 - 1 - (MAX_CLOSE_DELAY + MAX_GRACE_PERIOD) / 86_400;
// The end of the last day, the latest closing time after it and the longest grace period fit
// in a `Timestamp`.
const _: () = assert!(
    (MAX_DAY + 1) * 86_400 + MAX_CLOSE_DELAY + MAX_GRACE_PERIOD <= u64::MAX / 1_000_000_000
);
/// Longest study title, in bytes.
pub const MAX_TITLE_LEN: usize = 128;
/// Longest description link, in bytes.
pub const MAX_LINK_LEN: usize = 256;

#[wire]
pub struct InstantiateMsg {
    /// May update the wiring (anchors, consent, treasury, admin); the sender when omitted.
    pub admin: Option<String>,
    /// The reading-anchors contract: the only sender of `ReadingsAnchored`, and the source of
    /// coverage for eligibility.
    pub anchors: String,
    /// The consent contract: asked for research consent on join, the only sender of
    /// `ResearchConsentEnded`.
    pub consent: String,
    /// Receives the union fee of every deposit.
    pub treasury: String,
    /// Fee on every deposit, in basis points, at most `MAX_FEE_BPS`. Fixed for good.
    pub fee_bps: u16,
    /// Seconds after a study closes during which members claim; then the sponsor may withdraw
    /// what is left. `MIN_GRACE_PERIOD..=MAX_GRACE_PERIOD`. Fixed for good.
    pub grace_period: u64,
}

/// The token a study's pool is held in.
#[wire]
pub enum PoolToken {
    Native { denom: String },
    Cw20 { address: Addr },
}

/// Who may earn from a study.
#[wire]
pub struct Eligibility {
    /// A day counts only if the anchors contract's coverage shows at least this many readings
    /// of the study's scopes for the patient that day (0: any day with contributions counts).
    pub min_readings_per_day: u64,
    /// A member must have at least this many counting days to claim anything.
    pub min_days: u32,
    /// A member must have anchored readings in the data period from a device of each of these
    /// kinds. Coverage is kept per scope, so a kind is checked as its scope
    /// (`DeviceKind::scope`): a meter counts as a CGM. Empty: no device requirement.
    pub device_kinds: Vec<DeviceKind>,
    /// The most readings of one day a member is credited (`None`: no limit; at least
    /// `min_readings_per_day` and 1). A sponsor that wants 5-minute CGM data sets 288, so that
    /// a device sampling faster does not earn more for the same day.
    #[serde(default)]
    pub max_readings_per_day: Option<u64>,
}

/// What a sponsor fills in to create a study.
#[wire]
pub struct NewStudy {
    /// 1..=`MAX_TITLE_LEN` bytes.
    pub title: String,
    /// Link to the protocol / description (off chain), 1..=`MAX_LINK_LEN` bytes.
    pub description_url: String,
    /// Scopes wanted: only readings of these scopes count. At least one, no duplicates.
    pub scopes: Vec<DataScope>,
    /// First and last UTC day (unix seconds / 86400) of the data period, inclusive; at most
    /// `MAX_STUDY_DAYS` days.
    pub data_from_day: u64,
    pub data_to_day: u64,
    /// When contributions stop counting and claims open: not before the end of the data
    /// period, at most `MAX_CLOSE_DELAY` after it; default `DEFAULT_CLOSE_DELAY` after it.
    pub closes_at: Option<Timestamp>,
    pub eligibility: Eligibility,
    /// The most one patient may be paid from this pool (non-zero).
    pub cap_per_patient: Uint128,
}

#[wire]
pub enum ExecuteMsg {
    /// Create a study funded with native coins: exactly one coin, of `denom`. The sender is the
    /// sponsor. (cw20 pools are created through `Receive`.)
    CreateStudy { study: NewStudy, denom: String },
    /// Anyone: add native coins of the pool's denom to an open study's pool.
    TopUp { study_id: u64 },
    /// A cw20 token's `Send` to the union; `msg` is a [`ReceiveMsg`].
    Receive(Cw20ReceiveMsg),
    /// Patient: join a study (needs a live research consent for it on the consent contract).
    Join { study_id: u64 },
    /// Member: stop accruing; what was accrued stays claimable.
    Leave { study_id: u64 },
    /// Member (active or not): claim the share, once, after the study closes.
    Claim { study_id: u64 },
    /// Sponsor: take back what is left in the pool, after the study closes and the grace period.
    WithdrawUnearned { study_id: u64 },
    /// Admin: rewire the union. Fee and grace period cannot change.
    UpdateConfig {
        admin: Option<String>,
        anchors: Option<String>,
        consent: Option<String>,
        treasury: Option<String>,
    },
    /// reading-anchors only (`AnchorsHookMsg`): readings anchored in one submit.
    ReadingsAnchored { contributions: Vec<Contribution> },
    /// consent only (`ConsentHookMsg`): a research consent ended before its expiry.
    ResearchConsentEnded {
        patient: Addr,
        study_id: u64,
        grant_id: u64,
    },
    /// An admitted custodian of the consent contract: record the manifest of a research
    /// dataset export of a study (`docs/research-data.md`, section 1).
    RecordManifest { manifest: NewManifest },
}

/// The `msg` a cw20 `Send` to the union carries.
#[wire]
pub enum ReceiveMsg {
    /// Create a study whose pool is the sent token; the cw20 sender is the sponsor.
    CreateStudy { study: NewStudy },
    /// Add the sent tokens to an open study's pool (must be the pool's token).
    TopUp { study_id: u64 },
}

/// cw20 wire type: what a token sends to a contract on `Send`.
#[wire]
pub struct Cw20ReceiveMsg {
    /// Who sent the tokens.
    pub sender: String,
    pub amount: Uint128,
    pub msg: Binary,
}

/// cw20 wire type: the one token message the union sends.
#[wire]
pub enum Cw20ExecuteMsg {
    Transfer { recipient: String, amount: Uint128 },
}

#[wire]
pub struct MigrateMsg {}

#[wire]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
    /// One study; an error if there is none.
    #[returns(StudyResponse)]
    Study { study_id: u64 },
    /// Studies by id.
    #[returns(Page<StudyResponse>)]
    Studies {
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// Members of a study (active or not), by address.
    #[returns(Page<Member>)]
    Members {
        study_id: u64,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// A patient's contribution to a study and what they can claim (asks the anchors contract
    /// for coverage).
    #[returns(ContributionResponse)]
    Contribution { study_id: u64, patient: String },
    /// Ids of the studies a patient is an active member of (at most
    /// `MAX_ACTIVE_STUDIES_PER_PATIENT`).
    #[returns(Vec<u64>)]
    PatientStudies { patient: String },
    /// A study's pool accounting.
    #[returns(PoolResponse)]
    Pool { study_id: u64 },
    /// One manifest of a study; an error if there is none.
    #[returns(Manifest)]
    Manifest { study_id: u64, manifest_id: u64 },
    /// A study's manifests, by id (an error if the study does not exist).
    #[returns(Page<Manifest>)]
    Manifests {
        study_id: u64,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// The manifest of a study recorded for an export id, if any.
    #[returns(Option<Manifest>)]
    ManifestByExport { study_id: u64, export_id: Binary },
}

#[wire]
pub struct ConfigResponse {
    pub admin: Addr,
    pub anchors: Addr,
    pub consent: Addr,
    pub treasury: Addr,
    pub fee_bps: u16,
    pub grace_period: u64,
}

/// Pool accounting, in the pool's token. Always `funded = fees + paid + refunded + balance`.
#[wire]
pub struct Pool {
    pub token: PoolToken,
    /// Everything deposited (creation and top-ups), fee included.
    pub funded: Uint128,
    /// Sent to the treasury.
    pub fees: Uint128,
    /// Paid to members.
    pub paid: Uint128,
    /// Sent back to the sponsor by `WithdrawUnearned`, all withdrawals together (`None` until
    /// the first).
    pub refunded: Option<Uint128>,
}

impl Pool {
    /// What members share: deposits less fees.
    pub fn net(&self) -> Uint128 {
        self.funded.saturating_sub(self.fees)
    }
    /// What the union holds for this study now.
    pub fn balance(&self) -> Uint128 {
        self.net()
            .saturating_sub(self.paid)
            .saturating_sub(self.refunded.unwrap_or_default())
    }
}

/// A study as stored and reported.
#[wire]
pub struct Study {
    pub id: u64,
    pub sponsor: Addr,
    pub title: String,
    pub description_url: String,
    pub scopes: Vec<DataScope>,
    pub data_from_day: u64,
    pub data_to_day: u64,
    /// Contributions count until then; claims open then.
    pub closes_at: Timestamp,
    /// `closes_at` + the union's grace period: the sponsor may withdraw from then on.
    pub refund_after: Timestamp,
    pub eligibility: Eligibility,
    pub cap_per_patient: Uint128,
    /// The union fee at creation (later deposits pay the same).
    pub fee_bps: u16,
    pub pool: Pool,
    /// Members ever joined, and those active now.
    pub members: u64,
    pub active_members: u64,
    /// Readings credited to all members: the denominator of every share.
    pub total_units: u64,
    pub created_at: Timestamp,
    /// What eligible members earned, kept as they earn it, so that `WithdrawUnearned` leaves
    /// their shares in the pool. `None` for studies created before 0.3.0, whose sponsor still
    /// withdraws the whole balance (and closes claims).
    #[serde(default)]
    pub earned: Option<Earned>,
}

/// The book of what eligible members earned. `units` = Σ of their counted readings: the
/// denominator of every share (`payout = min(cap, floor(net × counted / units))`);
/// `members` = how many are eligible; `claimed_units` and `claimed_members` = the part of each
/// already claimed. What members may still claim is at most
/// `min(floor(net × (units − claimed_units) / units), cap × (members − claimed_members))`.
#[wire]
#[derive(Copy, Default, Eq)]
pub struct Earned {
    pub units: u64,
    pub members: u32,
    pub claimed_units: u64,
    pub claimed_members: u32,
}

/// Where a study stands, from the block time and its refund.
#[wire]
#[derive(Copy, Eq)]
pub enum StudyPhase {
    /// Before `closes_at`: joining, funding and contributions count.
    Open,
    /// From `closes_at`: members claim.
    Claiming,
    /// From `refund_after`: the sponsor may withdraw what no member earned; members may still
    /// claim.
    Refundable,
    /// The sponsor has withdrawn. Eligible members who have not claimed yet still may (their
    /// shares stayed in the pool), except in studies created before 0.3.0.
    Closed,
}

#[wire]
pub struct StudyResponse {
    pub study: Study,
    pub phase: StudyPhase,
    /// What eligible members may still claim: kept in the pool when the sponsor withdraws.
    pub reserved: Uint128,
}

#[wire]
pub struct PoolResponse {
    pub study_id: u64,
    pub pool: Pool,
    /// What the union holds for the study now.
    pub balance: Uint128,
}

/// A patient's membership of a study.
#[wire]
pub struct Member {
    pub patient: Addr,
    pub study_id: u64,
    /// The research grant the membership rests on.
    pub grant_id: u64,
    /// Joined and neither left nor had the consent end.
    pub active: bool,
    pub joined_at: Timestamp,
    pub left_at: Option<Timestamp>,
    /// Days whose contributions count: the study period within the consent's data period.
    pub from_day: u64,
    pub to_day: u64,
    /// The exact window of measurement times that counts (inclusive): the study period within
    /// the consent's data period. A batch counts only if all its readings lie in it. `None` for
    /// memberships recorded before 0.3.0, which count by `from_day..=to_day`.
    #[serde(default)]
    pub counts_from: Option<Timestamp>,
    #[serde(default)]
    pub counts_to: Option<Timestamp>,
    /// When the research consent the membership rests on expires: nothing anchored from then
    /// on counts. `None` for memberships recorded before 0.3.0.
    #[serde(default)]
    pub consent_expires: Option<crate::consent::Expiry>,
    /// The days meeting the study's minimum per day and the readings credited on them (the
    /// share's numerator), kept as readings are credited (0 for memberships of studies created
    /// before 0.3.0, which are assessed from their day counters at claim time).
    #[serde(default)]
    pub counting_days: u32,
    #[serde(default)]
    pub counted_units: u64,
    /// Readings credited from the anchors contract while active.
    pub units: u64,
    /// What was paid, once claimed.
    pub claimed: Option<Uint128>,
    /// Scopes the member contributed readings of on days of their window while active (any
    /// scope, wanted or not: the `device_kinds` eligibility reads it). `None` for memberships
    /// recorded before 0.2.0, whose scopes are then read from the anchors contract's coverage.
    #[serde(default)]
    pub scopes_seen: Option<Vec<DataScope>>,
}

#[wire]
pub struct ContributionResponse {
    pub study_id: u64,
    /// `None` if the patient never joined.
    pub member: Option<Member>,
    /// Days that meet the eligibility's minimum per day (per coverage) with credited readings.
    pub counting_days: u32,
    /// Credited readings on counting days, each day at most its coverage: the share's numerator.
    pub counted_units: u64,
    /// Whether the member meets the eligibility (minimum days and device kinds) now.
    pub eligible: bool,
    /// The share at the current totals (capped); final once the study closes.
    pub projected_payout: Uint128,
    /// What a `Claim` would pay now (zero before the study closes, once claimed, or when not
    /// eligible).
    pub claimable: Uint128,
}

/// The manifests of research dataset exports: declared in [`crate::manifests`] (see there why
/// not here), part of the union's messages.
pub use crate::manifests::{
    DatasetFormat, Manifest, NewManifest, ScopeRows, EXPORT_ID_LEN, MAX_MANIFESTS_PER_STUDY,
    MAX_MANIFEST_DELAY_SECONDS, ROOT_LEN,
};
