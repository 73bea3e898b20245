//! Every refusal a relayer answers, in one table: the machine-readable code (the `error` field
//! of the JSON answer), its HTTP status and when it is given. The HTTP handlers refuse only
//! with these codes (`relayer-api`'s `ApiError` takes an [`ErrorCode`] and answers with its
//! status), `docs/relayer.md` and `docs/data-api.md` list them (a test there compares the docs'
//! tables with [`ErrorCode::ALL`]), and `schema/relayer-api.json` carries the table for clients.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every refusal: a machine-readable code, a sentence, and details that depend on the code.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorCode,
    pub message: String,
    /// Details of the refusal (`limit`, `conflict`, `grant_id`, `stored_entries`, …).
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = ($code:literal, $status:literal), )+) => {
        /// A refusal's code; [`ErrorCode::status`] is its HTTP status.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ #[serde(rename = $code)] $variant, )+
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code as it appears in the `error` field.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// The HTTP status every refusal with this code answers with.
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),+ }
            }

            /// When it is given (one line).
            pub fn when(self) -> &'static str {
                match self { $(ErrorCode::$variant => concat!($($doc),+).trim_ascii()),+ }
            }
        }
    };
}

error_codes! {
    // The gateway API (`POST /v1/batches`), in the order its checks run.
    /// The declared `content-length`, or the bytes read so far, exceed the body limit; refused
    /// before parsing.
    BodyTooLarge = ("body_too_large", 413),
    /// Not JSON, an unknown field, a wrong type, an invalid device id, a salt, root or signature
    /// of the wrong length, or a field too long for the canonical encoding.
    BadEncoding = ("bad_encoding", 400),
    /// The header's `count` is 0 or above the most readings per batch.
    BatchSize = ("batch_size", 422),
    /// `count` is not `last_seq - first_seq + 1`.
    CountMismatch = ("count_mismatch", 422),
    /// `first_time` is after `last_time`.
    TimesInverted = ("times_inverted", 422),
    /// The first and last times are on different UTC days.
    CrossesMidnight = ("crosses_midnight", 422),
    /// A sequence number is above 2^53 - 1.
    SeqOutOfRange = ("seq_out_of_range", 422),
    /// `last_time` is more than 300 s after the chain's time.
    FutureReading = ("future_reading", 422),
    /// More readings than the device kind's minimum interval allows in the batch's time span.
    TooDense = ("too_dense", 422),
    /// A version 2 header's readings of a scope are more than the slower of the device kind's
    /// and the scope's rate allows in the batch's time span.
    TooDenseForScope = ("too_dense_for_scope", 422),
    /// The batch starts less than the kind's minimum interval after the last reading held for
    /// the device.
    TooSoonAfterLast = ("too_soon_after_last", 422),
    /// A version 2 header's scope list is not valid (empty, `summaries_only`, a scope twice or
    /// out of order, a zero, or not adding up to `count`).
    BadScopes = ("bad_scopes", 422),
    /// A version 2 header's scope list is not that of its readings.
    ScopesMismatch = ("scopes_mismatch", 422),
    /// The readings are not the header's (count, device, sequence, times).
    ReadingsMismatch = ("readings_mismatch", 422),
    /// The readings' leaves (salts included) do not rebuild the header's root.
    RootMismatch = ("root_mismatch", 422),
    /// Measured on an earlier UTC day than the device's latest batch held here.
    DayBackwards = ("day_backwards", 422),
    /// The registry does not know the device.
    UnknownDevice = ("unknown_device", 403),
    /// The device is bound to no patient.
    DeviceNotBound = ("device_not_bound", 403),
    /// Measured before the current owner took the device.
    MeasuredBeforeOwner = ("measured_before_owner", 403),
    /// The device is revoked or suspended for data measured at the batch's last time.
    DeviceRevoked = ("device_revoked", 403),
    /// The device's key is held by a relayer out of good standing since before the batch's
    /// last time.
    KeyHolderNotInGoodStanding = ("key_holder_not_in_good_standing", 403),
    /// The batch was measured, at least in part, while the relayer holding the device's key was
    /// out of good standing.
    MeasuredWhileHolderLapsed = ("measured_while_holder_lapsed", 403),
    /// The relayer holding the device's key left good standing more than a day ago: what it
    /// attested before may no longer be anchored.
    HeldKeyQueueClosed = ("held_key_queue_closed", 403),
    /// The signature does not verify with the device's key of the batch's time, for this chain
    /// and contract.
    InvalidSignature = ("invalid_signature", 403),
    /// The range overlaps a batch held for the device.
    Overlap = ("overlap", 409),
    /// The range lies below the device's latest batch held here.
    BehindHead = ("behind_head", 409),
    /// The registry could not be queried and no cached record is young enough; retry.
    RegistryUnavailable = ("registry_unavailable", 503),
    /// The relayer is stopping; retry.
    ShuttingDown = ("shutting_down", 503),
    /// The store could not be read or written; nothing was acknowledged; retry.
    StoreFailed = ("store_failed", 500),
    /// The store's database cannot be reached right now (restarting, unreachable); nothing
    /// was acknowledged; retry.
    StoreUnavailable = ("store_unavailable", 503),
    /// The relayer's disk is full: nothing was written; what it holds can still be read; retry later.
    StoreFull = ("store_full", 507),

    // Signed requests (`/v1/patients/{patient}/…`).
    /// The relayer runs without a chain to check consent on (a development registry).
    DataApiDisabled = ("data_api_disabled", 503),
    /// A signed-request header is missing.
    MissingAuthHeader = ("missing_auth_header", 401),
    /// A signed-request header is unreadable.
    MalformedAuthHeader = ("malformed_auth_header", 401),
    /// The request's time is more than 60 s off, or before the relayer started.
    StaleRequest = ("stale_request", 401),
    /// The nonce was used before.
    ReplayedNonce = ("replayed_nonce", 401),
    /// Too many nonces are remembered at once; retry.
    Busy = ("busy", 401),
    /// The public key is not the claimed address's.
    KeyNotAddress = ("key_not_address", 401),
    /// The signature does not cover this method, path, query, body, time and nonce.
    BadSignature = ("bad_signature", 401),
    /// The path's patient is not an account address of this chain.
    BadPatient = ("bad_patient", 400),

    // Reading data (`/readings`, `/fhir/Observation`, `/summary`).
    /// A missing, unknown or unparsable query parameter.
    BadQuery = ("bad_query", 400),
    /// `from` is after `to`.
    BadPeriod = ("bad_period", 400),
    /// The period is over 31 days.
    PeriodTooLong = ("period_too_long", 400),
    /// `utc_offset_minutes` is outside -840..=840 (UTC-14:00 to UTC+14:00).
    BadUtcOffset = ("bad_utc_offset", 400),
    /// The summaries-only scope gives aggregates, never readings: `/summary` serves them.
    SummariesOnly = ("summaries_only", 422),
    /// Over 2,000 batches in the period: ask for a shorter one.
    TooMuchData = ("too_much_data", 422),
    /// No grant or session for this grantee.
    NoGrant = ("no_grant", 403),
    /// The grant was revoked (or the break-glass session closed); `revoked_by` says by whom.
    GrantRevoked = ("grant_revoked", 403),
    /// The grant has expired.
    GrantExpired = ("grant_expired", 403),
    /// The emergency provider of the break-glass session is no longer admitted.
    ProviderNotAdmitted = ("provider_not_admitted", 403),
    /// The grant does not cover this kind of data.
    ScopeNotGranted = ("scope_not_granted", 403),
    /// The grant does not cover data measured in this period.
    PeriodNotCovered = ("period_not_covered", 403),
    /// This relayer is not an admitted custodian, so it cannot record the access.
    NotACustodian = ("not_a_custodian", 503),
    /// The chain could not be asked (consent, guardians, registration); no decision is guessed.
    ChainUnavailable = ("chain_unavailable", 503),

    // Erasure (`/erasure`, `/erasures`) and uploaders.
    /// Only the patient or their guardian may do this.
    NotPatientOrGuardian = ("not_patient_or_guardian", 403),
    /// The body is not `{"confirm": true}`.
    BadBody = ("bad_body", 400),
    /// `confirm` is not `true`.
    NotConfirmed = ("not_confirmed", 400),

    // Nightscout (`/api/v1/…`, `/nightscout/uploaders`).
    /// The relayer runs without a chain to register uploaders on.
    NightscoutDisabled = ("nightscout_disabled", 503),
    /// The `api-secret` header is missing.
    MissingApiSecret = ("missing_api_secret", 401),
    /// No uploader has this secret.
    BadApiSecret = ("bad_api_secret", 401),
    /// More than 20,000 entries in one upload.
    TooManyEntries = ("too_many_entries", 413),
    /// The body's `Content-Encoding` is neither `gzip` nor `identity`.
    UnsupportedContentEncoding = ("unsupported_content_encoding", 415),
    /// The uploader's sequence numbers are exhausted.
    UploaderExhausted = ("uploader_exhausted", 409),
    /// The patient already has the most bound uploaders allowed (4).
    TooManyUploaders = ("too_many_uploaders", 409),
    /// The registry refused to register the uploader (its reason is given).
    RegistrationRefused = ("registration_refused", 403),
    /// The patient already has the most uploaders created but not yet bound (2).
    TooManyUnboundUploaders = ("too_many_unbound_uploaders", 409),
    /// The patient has no uploader with this id.
    UnknownUploader = ("unknown_uploader", 404),
    /// The uploader was revoked: it can be listed, not renamed or given a secret.
    UploaderRevoked = ("uploader_revoked", 409),
    /// The uploader's name is empty, too long or holds control characters.
    BadUploaderName = ("bad_uploader_name", 400),
    /// The follower token (or bearer token) is unknown, revoked or expired.
    BadToken = ("bad_token", 401),
    /// The follower's name has no letter or digit, or its grantee is not an address of this
    /// chain (or is the patient).
    BadFollower = ("bad_follower", 400),
    /// The patient already has the most followers allowed (20).
    TooManyFollowers = ("too_many_followers", 409),
    /// The patient has no follower with this id.
    UnknownFollower = ("unknown_follower", 404),

    // Alerts (`/alerts…`).
    /// The alert settings are not valid (a threshold out of its range; the field is named).
    BadAlertSettings = ("bad_alert_settings", 400),
    /// The webhook's URL is not one alerts may be delivered to (not http(s), credentials in it,
    /// a private or loopback address where the operator does not allow them, too long), or its
    /// kinds are empty.
    BadWebhook = ("bad_webhook", 400),
    /// The caller already has the most live webhooks allowed for the patient (5; 20 in all).
    TooManyWebhooks = ("too_many_webhooks", 409),
    /// The patient has no webhook with this id that the caller may see.
    UnknownWebhook = ("unknown_webhook", 404),
    /// The caller (4) or the relayer (1,000) has the most event streams open at once.
    TooManyStreams = ("too_many_streams", 429),
    /// The relayer holds no readings of the patient (a stream of one's own alerts needs some).
    NoPatientData = ("no_patient_data", 404),
    // Research dataset exports (`/v1/studies/{study_id}/exports…`).
    /// The relayer has no data-union contract configured (`[chain] union_contract`), so it
    /// cannot export study datasets.
    ExportsDisabled = ("exports_disabled", 503),
    /// The export request's body is not `{"format": "csv" | "fhir_ndjson", "shift_times": bool}`.
    BadExportRequest = ("bad_export_request", 400),
    /// The data-union contract has no study with that id.
    UnknownStudy = ("unknown_study", 404),
    /// Only the study's sponsor may export its dataset and download it.
    NotTheSponsor = ("not_the_sponsor", 403),
    /// Another export is being written on this relayer (one at a time); try again shortly.
    ExportBusy = ("export_busy", 429),
    /// The study keeps the most exports this relayer holds for it; wait until one expires.
    TooManyExports = ("too_many_exports", 429),
    /// The study has more members than one export takes.
    TooManyMembers = ("too_many_members", 422),
    /// No export with that id for the study (never made, expired after its download window, or
    /// made before the relayer restarted: its files are unreadable then).
    UnknownExport = ("unknown_export", 404),
    /// The export is not ready: it is still being written, or its manifest is not on chain yet.
    ExportNotReady = ("export_not_ready", 409),
    /// The export failed (the `reason` says why); start a new one.
    ExportFailed = ("export_failed", 409),
    /// The caller's grants cover none of the export's participants: there is no row map to show.
    NoAuditGrant = ("no_audit_grant", 403),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code that is not in the table.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{0:?} is not a relayer error code")]
pub struct UnknownCode(pub String);

impl std::str::FromStr for ErrorCode {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serializes_as_its_name_is_unique_and_has_an_error_status() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(c.as_str().parse::<ErrorCode>(), Ok(c));
            assert!((400..600).contains(&c.status()), "{c}");
            assert!(!c.when().is_empty() && !c.when().starts_with(' '), "{c}");
            assert!(seen.insert(c.as_str()), "{c} twice");
        }
        assert!("no_such_code".parse::<ErrorCode>().is_err());
    }
}
