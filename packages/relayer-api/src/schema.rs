//! The relayer's HTTP API as an OpenAPI 3.1 document, generated from the Rust types the
//! handlers use (`diachain-relayer-types`, JSON Schema by `schemars`) and the table of routes
//! below. `relayer-api-schema` writes it to `schema/relayer-api.json`; `scripts/schema.sh
//! --check` fails when the committed file is stale, and the TypeScript client's relayer types
//! (`clients/ts/src/relayer-types.ts`) are generated from it.

use diachain_relayer_types::alerts::{
    AlertSettings, AlertSettingsView, AlertsQuery, AlertsResponse, NewWebhook, NewWebhookSecret,
    StreamQuery, WebhookInfo,
};
use diachain_relayer_types::data::{
    ErasureRequest, ErasureView, ErasuresResponse, FhirQuery, ReadingsQuery, ReadingsResponse,
    SummaryQuery, SummaryResponse,
};
use diachain_relayer_types::exports::{ExportRequest, ExportStatus};
use diachain_relayer_types::nightscout::{
    AuthorizationToken, FollowerInfo, NewFollower, NewFollowerToken, NewUploader, NightscoutStatus,
    RenameUploader, RevokedUploader, RotatedSecret, StoredEntry, UploadedEntry, UploaderInfo,
    VerifyAuth,
};
use diachain_relayer_types::proof::ReadingProof;
use diachain_relayer_types::request::SIGNED_REQUEST_HEADERS;
use diachain_relayer_types::status::{HealthReport, StatusResponse};
use diachain_relayer_types::verify::Verdict;
use diachain_relayer_types::{BatchRequest, ErrorBody, ErrorCode, Receipt, REPLAY_HEADER};
use schemars::gen::{SchemaGenerator, SchemaSettings};
use schemars::schema::{Schema, SchemaObject};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use crate::routes::API_SECRET_HEADER;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Anyone (gateways prove themselves by the device signature in the body).
    Anyone,
    /// A signed request (ADR-036): the patient, their guardian, or a grantee.
    Signed,
    /// A Nightscout uploader app, with the `api-secret` header of one patient's uploader.
    Uploader,
    /// A Nightscout reader: a follower's token (`?token=`, `api-secret: token=…` or its SHA-1
    /// hex, a bearer JWT) or the patient's uploader secret.
    Reader,
}

/// A body: its media type and its schema (`None`: no schema, e.g. Prometheus text).
type BodySchema = (&'static str, Option<fn(&mut SchemaGenerator) -> Schema>);

/// One route of the API, as the schema describes it.
pub struct Endpoint {
    pub method: &'static str,
    /// The path as OpenAPI writes it (`{patient}` is a path parameter).
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub caller: Caller,
    /// The query string's fields.
    pub query: Option<fn(&mut SchemaGenerator) -> Schema>,
    pub request: Option<BodySchema>,
    /// The status and body of the answer (also given by a resubmission or an empty upload).
    pub response: (u16, &'static str, BodySchema),
    /// The refusals of this route's own (a signed request's come first: [`SIGNED`]; an
    /// upload's batches may get any of [`INGEST`]'s).
    pub errors: &'static [ErrorCode],
}

impl Endpoint {
    /// Every refusal this route may answer (`ErrorBody` with one of these codes).
    pub fn refusals(&self) -> Vec<ErrorCode> {
        let before: &[ErrorCode] = match self.caller {
            Caller::Signed => SIGNED,
            _ => &[],
        };
        let after: &[ErrorCode] = match self.caller {
            Caller::Uploader => INGEST,
            _ => &[],
        };
        let mut all: Vec<ErrorCode> = Vec::new();
        for c in before.iter().chain(self.errors).chain(after) {
            if !all.contains(c) {
                all.push(*c);
            }
        }
        all
    }
}

fn schema<T: JsonSchema>(gen: &mut SchemaGenerator) -> Schema {
    gen.subschema_for::<T>()
}

const JSON: &str = "application/json";

use ErrorCode::*;

/// Every refusal of `POST /v1/batches`, in the order its checks run.
const INGEST: &[ErrorCode] = &[
    BodyTooLarge,
    BadEncoding,
    BatchSize,
    CountMismatch,
    TimesInverted,
    CrossesMidnight,
    SeqOutOfRange,
    FutureReading,
    TooDense,
    TooDenseForScope,
    TooSoonAfterLast,
    BadScopes,
    ScopesMismatch,
    ReadingsMismatch,
    RootMismatch,
    DayBackwards,
    UnknownDevice,
    DeviceNotBound,
    MeasuredBeforeOwner,
    DeviceRevoked,
    KeyHolderNotInGoodStanding,
    MeasuredWhileHolderLapsed,
    HeldKeyQueueClosed,
    InvalidSignature,
    Overlap,
    BehindHead,
    RegistryUnavailable,
    ShuttingDown,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

/// A signed request's refusals before its route's own.
const SIGNED: &[ErrorCode] = &[
    DataApiDisabled,
    BodyTooLarge,
    MissingAuthHeader,
    MalformedAuthHeader,
    StaleRequest,
    ReplayedNonce,
    Busy,
    KeyNotAddress,
    BadSignature,
    BadPatient,
];

const READINGS: &[ErrorCode] = &[
    BadQuery,
    BadPeriod,
    PeriodTooLong,
    SummariesOnly,
    TooMuchData,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const FHIR: &[ErrorCode] = &[
    BadQuery,
    BadPeriod,
    PeriodTooLong,
    TooMuchData,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const SUMMARY: &[ErrorCode] = &[
    BadQuery,
    BadPeriod,
    PeriodTooLong,
    BadUtcOffset,
    TooMuchData,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const ERASE: &[ErrorCode] = &[
    BadBody,
    NotConfirmed,
    NotPatientOrGuardian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const ERASURES: &[ErrorCode] = &[
    NotPatientOrGuardian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
];

const UPLOADERS: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    TooManyUploaders,
    TooManyUnboundUploaders,
    RegistrationRefused,
    RegistryUnavailable,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const LIST_UPLOADERS: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    RegistryUnavailable,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
];

const RENAME_UPLOADER: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    BadBody,
    BadUploaderName,
    UnknownUploader,
    UploaderRevoked,
    RegistryUnavailable,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const ROTATE_UPLOADER: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    UnknownUploader,
    UploaderRevoked,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const REVOKE_UPLOADER: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    UnknownUploader,
    RegistryUnavailable,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const FOLLOWERS: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    BadBody,
    BadFollower,
    TooManyFollowers,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ScopeNotGranted,
    PeriodNotCovered,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const LIST_FOLLOWERS: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
];

const REVOKE_FOLLOWER: &[ErrorCode] = &[
    NightscoutDisabled,
    NotPatientOrGuardian,
    UnknownFollower,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

/// Alert settings: the patient or their guardian.
const ALERT_SETTINGS: &[ErrorCode] = &[
    NotPatientOrGuardian,
    BadAlertSettings,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

/// Research dataset exports: the sponsor's start, list and status.
const EXPORT: &[ErrorCode] = &[
    ExportsDisabled,
    BadQuery,
    BadExportRequest,
    UnknownStudy,
    NotTheSponsor,
    NotACustodian,
    TooManyMembers,
    TooManyExports,
    ExportBusy,
    ChainUnavailable,
];
const EXPORT_STATUS: &[ErrorCode] = &[ExportsDisabled, BadQuery, UnknownExport, NotTheSponsor];
const EXPORT_DATA: &[ErrorCode] = &[
    ExportsDisabled,
    BadQuery,
    UnknownExport,
    NotTheSponsor,
    ExportNotReady,
    ExportFailed,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];
const ROW_MAP: &[ErrorCode] = &[
    ExportsDisabled,
    BadQuery,
    UnknownExport,
    ExportNotReady,
    ExportFailed,
    NoAuditGrant,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

/// Reading alerts (a list, a stream): the patient, their guardian, or a grantee whose grant
/// allows glucose now.
const READ_ALERTS: &[ErrorCode] = &[
    BadQuery,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const ALERT_STREAM: &[ErrorCode] = &[
    BadQuery,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    TooManyStreams,
    NoPatientData,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const NEW_WEBHOOK: &[ErrorCode] = &[
    BadWebhook,
    TooManyWebhooks,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const LIST_WEBHOOKS: &[ErrorCode] = &[ChainUnavailable, StoreFailed, StoreUnavailable];

const REVOKE_WEBHOOK: &[ErrorCode] = &[
    UnknownWebhook,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

/// A Nightscout read's refusals.
const READ_ENTRIES: &[ErrorCode] = &[
    NightscoutDisabled,
    DataApiDisabled,
    MissingApiSecret,
    BadApiSecret,
    BadToken,
    BadQuery,
    TooMuchData,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

const AUTHORIZATION: &[ErrorCode] = &[NightscoutDisabled, BadToken, StoreFailed, StoreUnavailable];

/// Deleting a document (its withdrawals are batches: [`INGEST`]'s refusals too).
const DELETE_DOCUMENT: &[ErrorCode] = &[
    NightscoutDisabled,
    MissingApiSecret,
    BadApiSecret,
    BadQuery,
    RegistryUnavailable,
    UploaderExhausted,
    StoreFailed,
    StoreUnavailable,
    StoreFull,
];

/// An API v3 read's refusals (`{status, message, error}`), beside 401 and 403 without a code
/// (Nightscout's own answers to a missing or bad JWT and a missing permission).
const V3_READ: &[ErrorCode] = &[
    NightscoutDisabled,
    DataApiDisabled,
    BadToken,
    TooMuchData,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    ProviderNotAdmitted,
    ScopeNotGranted,
    PeriodNotCovered,
    NotACustodian,
    ChainUnavailable,
    StoreFailed,
    StoreUnavailable,
];

/// An API v3 write's refusals (a document that cannot be kept is 400 without a code).
const V3_WRITE: &[ErrorCode] = &[
    NightscoutDisabled,
    BodyTooLarge,
    BadEncoding,
    UnsupportedContentEncoding,
    RegistryUnavailable,
    UploaderExhausted,
    StoreFailed,
    StoreUnavailable,
];

/// An upload's own refusals; each batch it becomes may also get any of [`INGEST`]'s (with
/// `stored_entries`).
const ENTRIES: &[ErrorCode] = &[
    NightscoutDisabled,
    MissingApiSecret,
    BadApiSecret,
    TooManyEntries,
    UnsupportedContentEncoding,
    UploaderExhausted,
];

/// Every route of the API; `routes::router` serves exactly these (a test checks it).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "post",
        path: "/v1/studies/{study_id}/exports",
        operation_id: "startExport",
        summary: "The study's sponsor starts a de-identified dataset export (202: its status; \
                  poll it until `ready`)",
        caller: Caller::Signed,
        query: None,
        request: Some((JSON, Some(schema::<ExportRequest>))),
        response: (202, "The export's status", (JSON, Some(schema::<ExportStatus>))),
        errors: EXPORT,
    },
    Endpoint {
        method: "get",
        path: "/v1/studies/{study_id}/exports",
        operation_id: "listExports",
        summary: "The sponsor's exports of the study this relayer holds, newest first",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "Their statuses", (JSON, Some(schema::<Vec<ExportStatus>>))),
        errors: EXPORT_STATUS,
    },
    Endpoint {
        method: "get",
        path: "/v1/studies/{study_id}/exports/{export_id}",
        operation_id: "getExport",
        summary: "An export's status: progress, exclusions, manifest and its record on chain",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The status", (JSON, Some(schema::<ExportStatus>))),
        errors: EXPORT_STATUS,
    },
    Endpoint {
        method: "get",
        path: "/v1/studies/{study_id}/exports/{export_id}/data",
        operation_id: "downloadExport",
        summary: "The dataset (CSV or FHIR NDJSON, streamed), once its manifest is on chain",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The dataset file", ("text/csv", None)),
        errors: EXPORT_DATA,
    },
    Endpoint {
        method: "get",
        path: "/v1/studies/{study_id}/exports/{export_id}/rowmap",
        operation_id: "exportRowMap",
        summary: "For an auditor whose grants cover participants: each of their rows with the \
                  participant's address and shift and the anchored reading's proof (NDJSON; \
                  recorded on chain as accesses)",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "One RowMapEntry per line", ("application/x-ndjson", None)),
        errors: ROW_MAP,
    },
    Endpoint {
        method: "get",
        path: "/v1/datasets/dictionary",
        operation_id: "datasetDictionary",
        summary: "The study datasets' data dictionary: columns, values, the FHIR mapping",
        caller: Caller::Anyone,
        query: None,
        request: None,
        response: (
            200,
            "The dictionary",
            (JSON, Some(schema::<diachain_relayer_types::dataset::Dictionary>)),
        ),
        errors: &[],
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/alerts/settings",
        operation_id: "getAlertSettings",
        summary: "The patient's alert settings (the defaults until they set any)",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The settings", (JSON, Some(schema::<AlertSettingsView>))),
        errors: ALERT_SETTINGS,
    },
    Endpoint {
        method: "put",
        path: "/v1/patients/{patient}/alerts/settings",
        operation_id: "putAlertSettings",
        summary: "Replaces the patient's alert settings (the patient or their guardian)",
        caller: Caller::Signed,
        query: None,
        request: Some((JSON, Some(schema::<AlertSettings>))),
        response: (200, "The settings kept", (JSON, Some(schema::<AlertSettingsView>))),
        errors: ALERT_SETTINGS,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/alerts",
        operation_id: "listAlerts",
        summary: "The alerts raised from the patient's readings, oldest first (a grantee's read \
                  is recorded on chain)",
        caller: Caller::Signed,
        query: Some(schema::<AlertsQuery>),
        request: None,
        response: (200, "The alerts", (JSON, Some(schema::<AlertsResponse>))),
        errors: READ_ALERTS,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/alerts/stream",
        operation_id: "streamAlerts",
        summary: "Server-sent events: `ready`, `alert` (an Alert; its number as the event id), \
                  `reading` (a ReadingEvent, no value), `end` (a grantee's grant stopped \
                  allowing glucose); each alert to a grantee is recorded on chain",
        caller: Caller::Signed,
        query: Some(schema::<StreamQuery>),
        request: None,
        response: (200, "The event stream", ("text/event-stream", None)),
        errors: ALERT_STREAM,
    },
    Endpoint {
        method: "post",
        path: "/v1/patients/{patient}/alerts/webhooks",
        operation_id: "createWebhook",
        summary: "A webhook the caller receives the patient's alerts at (signed with its secret, \
                  shown once; at least once, de-duplicated by the alert id)",
        caller: Caller::Signed,
        query: None,
        request: Some((JSON, Some(schema::<NewWebhook>))),
        response: (201, "Created", (JSON, Some(schema::<NewWebhookSecret>))),
        errors: NEW_WEBHOOK,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/alerts/webhooks",
        operation_id: "listWebhooks",
        summary: "The patient's webhooks (to a grantee: their own)",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The webhooks", (JSON, Some(schema::<Vec<WebhookInfo>>))),
        errors: LIST_WEBHOOKS,
    },
    Endpoint {
        method: "delete",
        path: "/v1/patients/{patient}/alerts/webhooks/{id}",
        operation_id: "revokeWebhook",
        summary: "Revokes a webhook (its owner, the patient or their guardian); what it was owed \
                  is not delivered",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The webhook, revoked", (JSON, Some(schema::<WebhookInfo>))),
        errors: REVOKE_WEBHOOK,
    },
    Endpoint {
        method: "post",
        path: "/v1/batches",
        operation_id: "postBatch",
        summary: "A device-signed batch of readings (idempotent: an exact resubmission gets the \
                  same answer with `idempotent-replayed: true`)",
        caller: Caller::Anyone,
        query: None,
        request: Some((JSON, Some(schema::<BatchRequest>))),
        response: (
            201,
            "Stored now, or found stored before",
            (JSON, Some(schema::<Receipt>)),
        ),
        errors: INGEST,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/readings",
        operation_id: "getReadings",
        summary: "A patient's readings of a scope and period, each with its salt, inclusion \
                  proof, signed header and anchor, after consent checks (a grant's access is \
                  recorded on chain)",
        caller: Caller::Signed,
        query: Some(schema::<ReadingsQuery>),
        request: None,
        response: (
            200,
            "The readings",
            (JSON, Some(schema::<ReadingsResponse>)),
        ),
        errors: READINGS,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/summary",
        operation_id: "getSummary",
        summary: "A period's CGM metrics (time in ranges, mean, SD, CV, GMI, % time active, \
                  hypoglycaemic events) and each day's, computed by the relayer from the glucose \
                  readings of anchored batches, never a reading; to the patient, their guardian, \
                  or a grantee allowed summaries_only (or glucose) for the period (recorded on \
                  chain with that scope)",
        caller: Caller::Signed,
        query: Some(schema::<SummaryQuery>),
        request: None,
        response: (
            200,
            "The summary",
            (JSON, Some(schema::<SummaryResponse>)),
        ),
        errors: SUMMARY,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/fhir/Observation",
        operation_id: "getFhirObservations",
        summary: "The anchored glucose readings of a period as a FHIR R4 searchset Bundle \
                  (CGM IG Observations, each with a Provenance naming its on-chain anchor)",
        caller: Caller::Signed,
        query: Some(schema::<FhirQuery>),
        request: None,
        response: (
            200,
            "A FHIR R4 Bundle (type searchset)",
            ("application/fhir+json", Some(fhir_bundle)),
        ),
        errors: FHIR,
    },
    Endpoint {
        method: "post",
        path: "/v1/patients/{patient}/erasure",
        operation_id: "postErasure",
        summary: "Crypto-shredding of the patient's data held so far, recorded on chain",
        caller: Caller::Signed,
        query: None,
        request: Some((JSON, Some(schema::<ErasureRequest>))),
        response: (200, "Erased", (JSON, Some(schema::<ErasureView>))),
        errors: ERASE,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/erasures",
        operation_id: "getErasures",
        summary: "The patient's erasures and whether the chain has recorded them",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (
            200,
            "The erasures",
            (JSON, Some(schema::<ErasuresResponse>)),
        ),
        errors: ERASURES,
    },
    Endpoint {
        method: "post",
        path: "/v1/patients/{patient}/nightscout/uploaders",
        operation_id: "createUploader",
        summary: "A Nightscout uploader for the patient's app: a key the relayer holds, \
                  registered on chain, and the secret for the app (shown once)",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (201, "Created", (JSON, Some(schema::<NewUploader>))),
        errors: UPLOADERS,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/nightscout/uploaders",
        operation_id: "listUploaders",
        summary: "The patient's Nightscout uploaders (revoked ones too), oldest first, each \
                  with its name and whether it is bound on chain",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (
            200,
            "The uploaders",
            (JSON, Some(schema::<Vec<UploaderInfo>>)),
        ),
        errors: LIST_UPLOADERS,
    },
    Endpoint {
        method: "patch",
        path: "/v1/patients/{patient}/nightscout/uploaders/{device_id}",
        operation_id: "renameUploader",
        summary: "Names one of the patient's uploaders (kept by the relayer, never on chain)",
        caller: Caller::Signed,
        query: None,
        request: Some((JSON, Some(schema::<RenameUploader>))),
        response: (200, "The uploader", (JSON, Some(schema::<UploaderInfo>))),
        errors: RENAME_UPLOADER,
    },
    Endpoint {
        method: "delete",
        path: "/v1/patients/{patient}/nightscout/uploaders/{device_id}",
        operation_id: "revokeUploader",
        summary: "Revokes one of the patient's uploaders: its secret no longer uploads and the \
                  relayer signs nothing more with its key; the answer has the `unbind_device` \
                  message the patient sends to end its binding on chain",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (
            200,
            "The uploader, revoked",
            (JSON, Some(schema::<RevokedUploader>)),
        ),
        errors: REVOKE_UPLOADER,
    },
    Endpoint {
        method: "post",
        path: "/v1/patients/{patient}/nightscout/uploaders/{device_id}/secret",
        operation_id: "rotateUploaderSecret",
        summary: "A new secret for one of the patient's uploaders (shown once); the old one no \
                  longer uploads",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The new secret", (JSON, Some(schema::<RotatedSecret>))),
        errors: ROTATE_UPLOADER,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/entries",
        operation_id: "postEntries",
        summary: "Nightscout entries (an array, or one), stored as relayer-attested readings",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(entries_body))),
        response: (
            200,
            "The entries stored now; entries left out are counted in the `x-diachain-skipped` \
             header, by reason in `x-diachain-skip-reasons` (`reason=count,…`), and the first \
             20 described in `x-diachain-skipped-entries` (`index reason: sentence; …`)",
            (JSON, Some(schema::<Vec<StoredEntry>>)),
        ),
        errors: ENTRIES,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/entries.json",
        operation_id: "postEntriesJson",
        summary: "The same as `POST /api/v1/entries`",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(entries_body))),
        response: (
            200,
            "The entries stored now; entries left out are counted in the `x-diachain-skipped` \
             header, by reason in `x-diachain-skip-reasons` (`reason=count,…`), and the first \
             20 described in `x-diachain-skipped-entries` (`index reason: sentence; …`)",
            (JSON, Some(schema::<Vec<StoredEntry>>)),
        ),
        errors: ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/entries",
        operation_id: "getEntries",
        summary: "The patient's glucose as Nightscout entries (`count`, `find[date][$gte]`, …), for a follower (consent-checked, recorded on chain) or the patient",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (
            200,
            "The entries, newest first: the latest version of each reading",
            (JSON, Some(schema::<Vec<StoredEntry>>)),
        ),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/entries.json",
        operation_id: "getEntriesJson",
        summary: "The same as `GET /api/v1/entries`",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (
            200,
            "The entries, newest first: the latest version of each reading",
            (JSON, Some(schema::<Vec<StoredEntry>>)),
        ),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/entries/{spec}",
        operation_id: "getEntriesOf",
        summary: "`sgv`, `mbg` or `current` entries (with or without `.json`)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (
            200,
            "The entries, newest first: the latest version of each reading",
            (JSON, Some(schema::<Vec<StoredEntry>>)),
        ),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/verifyauth",
        operation_id: "verifyAuth",
        summary: "What the credentials may do (always 200, as Nightscout)",
        caller: Caller::Anyone,
        query: None,
        request: None,
        response: (200, "What they may do", (JSON, Some(schema::<VerifyAuth>))),
        errors: &[],
    },
    Endpoint {
        method: "get",
        path: "/api/v2/authorization/request/{token}",
        operation_id: "authorizationRequest",
        summary: "A JWT (8 hours) for a follower's token or an uploader's secret (its access token)",
        caller: Caller::Anyone,
        query: None,
        request: None,
        response: (200, "The JWT", (JSON, Some(schema::<AuthorizationToken>))),
        errors: AUTHORIZATION,
    },
    Endpoint {
        method: "post",
        path: "/v1/patients/{patient}/nightscout/followers",
        operation_id: "createFollower",
        summary: "A Nightscout access token for a follower app (shown once), bound to a grantee \
                  whose grant allows glucose",
        caller: Caller::Signed,
        query: None,
        request: Some((JSON, Some(schema::<NewFollower>))),
        response: (201, "Created", (JSON, Some(schema::<NewFollowerToken>))),
        errors: FOLLOWERS,
    },
    Endpoint {
        method: "get",
        path: "/v1/patients/{patient}/nightscout/followers",
        operation_id: "listFollowers",
        summary: "The patient's followers (revoked ones too)",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The followers", (JSON, Some(schema::<Vec<FollowerInfo>>))),
        errors: LIST_FOLLOWERS,
    },
    Endpoint {
        method: "delete",
        path: "/v1/patients/{patient}/nightscout/followers/{id}",
        operation_id: "revokeFollower",
        summary: "Revokes a follower's token (revoking the grant on chain stops it too)",
        caller: Caller::Signed,
        query: None,
        request: None,
        response: (200, "The follower, revoked", (JSON, Some(schema::<FollowerInfo>))),
        errors: REVOKE_FOLLOWER,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/treatments",
        operation_id: "postTreatments",
        summary: "Nightscout treatments documents (an array, or one): kept as sent, their numbers anchored as readings (docs/data-api.md); skips in the `x-diachain-skip*` headers",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (200, "The documents kept now", (JSON, Some(any_json))),
        errors: ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/treatments",
        operation_id: "getTreatments",
        summary: "The patient's treatments, newest first, for the patient or a follower (per scope, consent-checked and recorded on chain)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "The documents", (JSON, Some(any_json))),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/treatments.json",
        operation_id: "postTreatmentsJson",
        summary: "Nightscout treatments documents (an array, or one): kept as sent, their numbers anchored as readings (docs/data-api.md); skips in the `x-diachain-skip*` headers",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (200, "The documents kept now", (JSON, Some(any_json))),
        errors: ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/treatments.json",
        operation_id: "getTreatmentsJson",
        summary: "The patient's treatments, newest first, for the patient or a follower (per scope, consent-checked and recorded on chain)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "The documents", (JSON, Some(any_json))),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/devicestatus",
        operation_id: "postDeviceStatus",
        summary: "Nightscout devicestatus documents (an array, or one): kept as sent, their numbers anchored as readings (docs/data-api.md); skips in the `x-diachain-skip*` headers",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (200, "The documents kept now", (JSON, Some(any_json))),
        errors: ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/devicestatus",
        operation_id: "getDeviceStatus",
        summary: "The patient's devicestatus, newest first, for the patient or a follower (per scope, consent-checked and recorded on chain)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "The documents", (JSON, Some(any_json))),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/devicestatus.json",
        operation_id: "postDeviceStatusJson",
        summary: "Nightscout devicestatus documents (an array, or one): kept as sent, their numbers anchored as readings (docs/data-api.md); skips in the `x-diachain-skip*` headers",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (200, "The documents kept now", (JSON, Some(any_json))),
        errors: ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/devicestatus.json",
        operation_id: "getDeviceStatusJson",
        summary: "The patient's devicestatus, newest first, for the patient or a follower (per scope, consent-checked and recorded on chain)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "The documents", (JSON, Some(any_json))),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/profile",
        operation_id: "postProfile",
        summary: "Nightscout profile documents (an array, or one): kept as sent, their numbers anchored as readings (docs/data-api.md); skips in the `x-diachain-skip*` headers",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (200, "The documents kept now", (JSON, Some(any_json))),
        errors: ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/profile",
        operation_id: "getProfile",
        summary: "The patient's profile, newest first, for the patient or a follower (per scope, consent-checked and recorded on chain)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "The documents", (JSON, Some(any_json))),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "post",
        path: "/api/v1/profile.json",
        operation_id: "postProfileJson",
        summary: "Nightscout profile documents (an array, or one): kept as sent, their numbers anchored as readings (docs/data-api.md); skips in the `x-diachain-skip*` headers",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (200, "The documents kept now", (JSON, Some(any_json))),
        errors: ENTRIES,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/profile.json",
        operation_id: "getProfileJson",
        summary: "The patient's profile, newest first, for the patient or a follower (per scope, consent-checked and recorded on chain)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "The documents", (JSON, Some(any_json))),
        errors: READ_ENTRIES,
    },
    Endpoint {
        method: "delete",
        path: "/api/v1/{collection}/{identifier}",
        operation_id: "deleteDocument",
        summary: "Deletes one of the patient's treatments, device statuses or profiles (xDrip+): its readings withdrawn by anchored corrections",
        caller: Caller::Uploader,
        query: None,
        request: None,
        response: (200, "`{n, ok, deleted}`", (JSON, Some(any_json))),
        errors: DELETE_DOCUMENT,
    },
    Endpoint {
        method: "get",
        path: "/api/v3/status",
        operation_id: "v3Status",
        summary: "API v3 status (AndroidAPS): permissions of all six collections",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "`{status, result}`", (JSON, Some(any_json))),
        errors: V3_READ,
    },
    Endpoint {
        method: "get",
        path: "/api/v3/version",
        operation_id: "v3Version",
        summary: "The same as `/api/v3/status`",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "`{status, result}`", (JSON, Some(any_json))),
        errors: V3_READ,
    },
    Endpoint {
        method: "get",
        path: "/api/v3/lastModified",
        operation_id: "v3LastModified",
        summary: "The last change of each collection the caller may read",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "`{status, result}`", (JSON, Some(any_json))),
        errors: V3_READ,
    },
    Endpoint {
        method: "get",
        path: "/api/v3/{collection}",
        operation_id: "v3Search",
        summary: "A search of entries, treatments, devicestatus or profile (`limit`, `sort`, `date$gt`, …)",
        caller: Caller::Reader,
        query: None,
        request: None,
        response: (200, "`{status, result}`", (JSON, Some(any_json))),
        errors: V3_READ,
    },
    Endpoint {
        method: "post",
        path: "/api/v3/{collection}",
        operation_id: "v3Create",
        summary: "One document created (201) or found already kept (200, `isDeduplication`); 400 for one that cannot be kept",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (201, "`{status, identifier, lastModified}`", (JSON, Some(any_json))),
        errors: V3_WRITE,
    },
    Endpoint {
        method: "get",
        path: "/api/v3/{collection}/history",
        operation_id: "v3HistoryAll",
        summary: "Every change of the uploader's patient's collection, oldest first",
        caller: Caller::Uploader,
        query: None,
        request: None,
        response: (200, "`{status, result}` and `ETag: W/\"<last change>\"`", (JSON, Some(any_json))),
        errors: V3_READ,
    },
    Endpoint {
        method: "get",
        path: "/api/v3/{collection}/history/{from}",
        operation_id: "v3History",
        summary: "The changes after `from` (ms), oldest first, deleted ones included",
        caller: Caller::Uploader,
        query: None,
        request: None,
        response: (200, "`{status, result}` and `ETag: W/\"<last change>\"`", (JSON, Some(any_json))),
        errors: V3_READ,
    },
    Endpoint {
        method: "get",
        path: "/api/v3/{collection}/{identifier}",
        operation_id: "v3Read",
        summary: "One of the patient's documents",
        caller: Caller::Uploader,
        query: None,
        request: None,
        response: (200, "`{status, result}`", (JSON, Some(any_json))),
        errors: V3_READ,
    },
    Endpoint {
        method: "patch",
        path: "/api/v3/{collection}/{identifier}",
        operation_id: "v3Patch",
        summary: "Changes fields of a kept document (a changed dose is an anchored correction)",
        caller: Caller::Uploader,
        query: None,
        request: Some((JSON, Some(any_json))),
        response: (200, "`{status}`", (JSON, Some(any_json))),
        errors: V3_WRITE,
    },
    Endpoint {
        method: "delete",
        path: "/api/v3/{collection}/{identifier}",
        operation_id: "v3Delete",
        summary: "Marks a document deleted and withdraws its readings",
        caller: Caller::Uploader,
        query: None,
        request: None,
        response: (200, "`{status}`", (JSON, Some(any_json))),
        errors: V3_WRITE,
    },
    Endpoint {
        method: "get",
        path: "/api/v1/status.json",
        operation_id: "getNightscoutStatus",
        summary: "What Nightscout uploaders check before they upload: `status` is the relayer's \
                  health (`ok`, `degraded`, or `failing`, then answered with 503 and the same \
                  body)",
        caller: Caller::Anyone,
        query: None,
        request: None,
        response: (200, "The status", (JSON, Some(schema::<NightscoutStatus>))),
        errors: &[],
    },
    Endpoint {
        method: "get",
        path: "/v1/status",
        operation_id: "getStatus",
        summary: "Batches per anchoring state, the anchoring task, records owed to the chain",
        caller: Caller::Anyone,
        query: None,
        request: None,
        response: (200, "The status", (JSON, Some(schema::<StatusResponse>))),
        errors: &[StoreFailed, StoreUnavailable],
    },
    Endpoint {
        method: "get",
        path: "/healthz",
        operation_id: "getHealth",
        summary: "200 while the store takes a durable write, else 503 (with the same body); \
                  a failing chain or anchoring lag makes it `degraded`",
        caller: Caller::Anyone,
        query: None,
        request: None,
        response: (
            200,
            "Healthy or degraded",
            (JSON, Some(schema::<HealthReport>)),
        ),
        errors: &[],
    },
    Endpoint {
        method: "get",
        path: "/metrics",
        operation_id: "getMetrics",
        summary: "Prometheus metrics, prefix `diachain_relayer_`",
        caller: Caller::Anyone,
        query: None,
        request: None,
        response: (
            200,
            "OpenMetrics text",
            (
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                None,
            ),
        ),
        errors: &[],
    },
];

fn fhir_bundle(_: &mut SchemaGenerator) -> Schema {
    serde_json::from_value(json!({
        "type": "object",
        "description": "A FHIR R4 Bundle of type searchset: one Observation (mode match) and one \
                        Provenance (mode include) per anchored glucose reading",
        "required": ["resourceType", "type", "entry"],
        "properties": { "resourceType": { "const": "Bundle" }, "type": { "const": "searchset" } }
    }))
    .unwrap_or(Schema::Bool(true))
}

/// Any JSON: Nightscout documents are kept as the apps send them.
fn any_json(gen: &mut SchemaGenerator) -> Schema {
    schema::<serde_json::Value>(gen)
}

fn entries_body(gen: &mut SchemaGenerator) -> Schema {
    let one = gen.subschema_for::<UploadedEntry>();
    let many = gen.subschema_for::<Vec<UploadedEntry>>();
    Schema::Object(SchemaObject {
        subschemas: Some(Box::new(schemars::schema::SubschemaValidation {
            one_of: Some(vec![many, one]),
            ..Default::default()
        })),
        ..Default::default()
    })
}

fn generator() -> SchemaGenerator {
    SchemaSettings::draft07()
        .with(|s| {
            s.definitions_path = "#/components/schemas/".into();
            s.meta_schema = None;
        })
        .into_generator()
}

fn to_value(s: Schema) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// Query parameters of a query-string type (its properties).
fn parameters(query: fn(&mut SchemaGenerator) -> Schema, gen: &mut SchemaGenerator) -> Vec<Value> {
    let Schema::Object(reference) = query(gen) else {
        return Vec::new();
    };
    // A named type comes back as a `$ref`: its definition holds the properties.
    let name = reference
        .reference
        .as_deref()
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string);
    let object = match name.and_then(|n| gen.definitions().get(&n).cloned()) {
        Some(Schema::Object(o)) => o,
        _ => reference,
    };
    let Some(obj) = object.object else {
        return Vec::new();
    };
    obj.properties
        .into_iter()
        .map(|(name, s)| {
            let mut p = json!({
                "name": name,
                "in": "query",
                "required": obj.required.contains(&name),
                "schema": to_value(s.clone()),
            });
            if let Schema::Object(o) = &s {
                if let Some(d) = o.metadata.as_ref().and_then(|m| m.description.clone()) {
                    p["description"] = json!(d);
                }
            }
            p
        })
        .collect()
}

fn content(body: BodySchema, gen: &mut SchemaGenerator) -> Value {
    let (media, schema) = body;
    let schema = schema.map_or(json!({ "type": "string" }), |f| to_value(f(gen)));
    json!({ media: { "schema": schema } })
}

fn security(caller: Caller) -> Value {
    match caller {
        Caller::Anyone => json!([]),
        Caller::Uploader => json!([{ "apiSecret": [] }]),
        Caller::Reader => json!([{ "apiSecret": [] }, { "token": [] }, { "bearer": [] }]),
        Caller::Signed => {
            let all: Map<String, Value> = SIGNED_REQUEST_HEADERS
                .iter()
                .map(|h| (h.to_string(), json!([])))
                .collect();
            json!([all])
        }
    }
}

fn operation(e: &Endpoint, gen: &mut SchemaGenerator) -> Value {
    let mut op = json!({
        "operationId": e.operation_id,
        "summary": e.summary,
        "security": security(e.caller),
    });
    let mut params = Vec::new();
    if e.path.contains("{patient}") {
        params.push(json!({
            "name": "patient", "in": "path", "required": true,
            "description": "The patient's account address (bech32, this chain's prefix)",
            "schema": { "type": "string" },
        }));
    }
    if let Some(q) = e.query {
        params.extend(parameters(q, gen));
    }
    if !params.is_empty() {
        op["parameters"] = json!(params);
    }
    if let Some(body) = e.request {
        op["requestBody"] = json!({ "required": true, "content": content(body, gen) });
    }
    let (status, description, body) = e.response;
    let mut responses = Map::new();
    let mut ok = json!({ "description": description, "content": content(body, gen) });
    if e.operation_id == "postBatch" {
        ok["headers"] = json!({ REPLAY_HEADER: {
            "description": "`true` on the answer to an exact resubmission",
            "schema": { "type": "string", "enum": ["true"] },
        }});
    }
    responses.insert(status.to_string(), ok);
    if e.operation_id == "getHealth" {
        responses.insert(
            "503".into(),
            json!({ "description": "The store is failing", "content": content(body, gen) }),
        );
    }
    let error_body = to_value(gen.subschema_for::<ErrorBody>());
    let refusals = e.refusals();
    let mut statuses: Vec<u16> = refusals.iter().map(|c| c.status()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    for s in statuses {
        let codes: Vec<&str> = refusals
            .iter()
            .filter(|c| c.status() == s)
            .map(|c| c.as_str())
            .collect();
        responses.insert(
            s.to_string(),
            json!({
                "description": format!("Refused: {}", codes.join(", ")),
                "content": { JSON: { "schema": error_body } },
                "x-error-codes": codes,
            }),
        );
    }
    op["responses"] = Value::Object(responses);
    op
}

/// The table of every refusal, as `docs/relayer.md` shows it (a test holds the docs to it).
pub fn refusal_table() -> String {
    let mut out = String::from("| status | `error` | when |\n| --- | --- | --- |\n");
    for c in ErrorCode::ALL {
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            c.status(),
            c.as_str(),
            c.when()
        ));
    }
    out
}

/// The OpenAPI document of the relayer's HTTP API.
pub fn openapi() -> Value {
    let mut gen = generator();
    let mut paths = Map::new();
    for e in ENDPOINTS {
        let op = operation(e, &mut gen);
        let item = paths.entry(e.path.to_string()).or_insert_with(|| json!({}));
        item[e.method] = op;
    }
    // Types a client reads beside the routes': a proof (`export-proof`) and its verdict.
    gen.subschema_for::<ReadingProof>();
    gen.subschema_for::<Verdict>();
    // A row map's lines.
    gen.subschema_for::<diachain_relayer_types::exports::RowMapEntry>();
    // What the alert stream's `reading` events carry.
    gen.subschema_for::<diachain_relayer_types::alerts::ReadingEvent>();
    let schemas: Map<String, Value> = gen
        .take_definitions()
        .into_iter()
        .map(|(k, v)| (k, to_value(v)))
        .collect();
    let mut schemes = Map::new();
    for h in SIGNED_REQUEST_HEADERS {
        schemes.insert(
            h.to_string(),
            json!({ "type": "apiKey", "in": "header", "name": h,
                    "description": "One of the five headers of an ADR-036 signed request (docs/data-api.md)" }),
        );
    }
    schemes.insert(
        "apiSecret".into(),
        json!({ "type": "apiKey", "in": "header", "name": API_SECRET_HEADER,
                "description": "SHA-1 hex of a Nightscout uploader's secret" }),
    );
    schemes.insert(
        "token".into(),
        json!({ "type": "apiKey", "in": "query", "name": "token",
                "description": "A Nightscout follower's access token (docs/data-api.md)" }),
    );
    schemes.insert(
        "bearer".into(),
        json!({ "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "A JWT from /api/v2/authorization/request/{token}" }),
    );
    let table: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|c| json!({ "code": c.as_str(), "status": c.status(), "when": c.when() }))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "DiaChain relayer",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The relayer's HTTP API: gateways' device-signed batches, the data \
                            API (signed requests, consent-checked), Nightscout uploads, status. \
                            Generated by `relayer-api-schema` (scripts/schema.sh); do not edit.",
        },
        "paths": paths,
        "components": { "schemas": schemas, "securitySchemes": schemes },
        "x-error-codes": table,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_refusal_code_belongs_to_a_route_and_every_operation_id_is_unique() {
        let used: BTreeSet<ErrorCode> = ENDPOINTS.iter().flat_map(|e| e.refusals()).collect();
        let unused: Vec<&str> = ErrorCode::ALL
            .iter()
            .filter(|c| !used.contains(c))
            .map(|c| c.as_str())
            .collect();
        assert!(unused.is_empty(), "codes no route answers: {unused:?}");
        let ids: BTreeSet<&str> = ENDPOINTS.iter().map(|e| e.operation_id).collect();
        assert_eq!(ids.len(), ENDPOINTS.len());
    }

    fn doc(name: &str) -> String {
        let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    const TABLE_MARK: &str = "<!-- every refusal: relayer_api::schema::refusal_table() -->\n";

    #[test]
    fn the_docs_list_every_refusal_code_with_the_tables_status() {
        let relayer = doc("relayer.md");
        let listed = relayer
            .split(TABLE_MARK)
            .nth(1)
            .map(|rest| rest.split("\n\n").next().unwrap_or_default().to_string() + "\n")
            .expect("docs/relayer.md has the table of every refusal");
        let table = refusal_table();
        assert_eq!(
            listed, table,
            "docs/relayer.md's table of every refusal should be:\n{table}"
        );
        // The endpoints' own refusal tables (| status | `code`, … | …) agree with the table.
        for name in ["relayer.md", "data-api.md"] {
            for row in doc(name)
                .lines()
                .filter(|l| l.starts_with("| 4") || l.starts_with("| 5"))
            {
                let mut cells = row.split('|').map(str::trim).skip(1);
                let status: u16 = match cells.next().and_then(|s| s.parse().ok()) {
                    Some(s) => s,
                    None => continue,
                };
                let codes = cells.next().unwrap_or_default();
                for code in codes.split('`').skip(1).step_by(2) {
                    let c: ErrorCode = code
                        .parse()
                        .unwrap_or_else(|e| panic!("docs/{name}: {e} (row: {row})"));
                    assert_eq!(c.status(), status, "docs/{name}: {code} (row: {row})");
                }
            }
        }
    }

    #[test]
    fn the_document_refers_only_to_schemas_it_defines() {
        let doc = openapi();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "{name} is not defined");
        }
        for name in [
            "BatchRequest",
            "Receipt",
            "ErrorBody",
            "ErrorCode",
            "ReadingsResponse",
        ] {
            assert!(schemas.contains_key(name), "{name}");
        }
    }
}
