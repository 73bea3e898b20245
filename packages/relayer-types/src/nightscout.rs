//! The Nightscout-compatible endpoints' JSON, in Nightscout's own field names (what unchanged
//! uploader apps — xDrip+, AndroidAPS, Loop — send and read).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the patient gets once from `POST /v1/patients/{patient}/nightscout/uploaders`: the
/// secret to type into the uploader app, and the bind message to sign and broadcast with their
/// own key.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct NewUploader {
    pub device_id: String,
    /// The app's `API_SECRET` (Nightscout's name); it sends its SHA-1 as the `api-secret`
    /// header. Shown only now.
    pub api_secret: String,
    pub registered_tx: String,
    /// `BindDevice` for the patient to send to `registry_contract`.
    pub registry_contract: String,
    /// `{"bind_device": {"device_id", "patient": null, "signature"}}`.
    pub bind_device: serde_json::Value,
}

/// One of a patient's uploaders, as `GET /v1/patients/{patient}/nightscout/uploaders` lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct UploaderInfo {
    pub device_id: String,
    /// The patient's label, if they gave one (kept by the relayer, never on chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
    pub registered_tx: Option<String>,
    /// Bound to the patient on chain (it counts against the patient's 4).
    pub bound: bool,
    /// When the patient revoked it (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
    /// What its uploads left out, and why: the patient sees what their app sent that was not
    /// stored.
    #[serde(default)]
    pub skipped: SkipLog,
}

/// The entries, treatments and device statuses an uploader's uploads left out: counted by
/// reason since it was created, and the latest ones one by one.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct SkipLog {
    pub total: u64,
    /// Counts by reason (`too_close`, `day_full`, `malformed`, …, as in the upload's
    /// `x-diachain-skip-reasons` header).
    pub by_reason: std::collections::BTreeMap<String, u64>,
    /// The latest left out, newest first, at most [`SkipLog::RECENT`].
    pub recent: Vec<SkippedItem>,
}

/// One item an upload left out.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct SkippedItem {
    /// When the upload came (Unix seconds).
    pub at: u64,
    /// `entries`, `treatments` or `devicestatus`.
    pub collection: String,
    /// Its position in the upload's body (from 0).
    pub index: u64,
    pub reason: String,
    /// The sentence the uploader got.
    pub detail: String,
}

impl SkipLog {
    /// Most items kept one by one.
    pub const RECENT: usize = 50;

    /// Counts `items` (each already stamped) and keeps the newest one by one.
    pub fn add(&mut self, items: impl IntoIterator<Item = SkippedItem>) {
        let mut new: Vec<SkippedItem> = Vec::new();
        for item in items {
            self.total = self.total.saturating_add(1);
            let n = self.by_reason.entry(item.reason.clone()).or_default();
            *n = n.saturating_add(1);
            new.push(item);
        }
        new.reverse();
        new.truncate(Self::RECENT);
        new.append(&mut self.recent);
        new.truncate(Self::RECENT);
        self.recent = new;
    }
}

/// `PATCH /v1/patients/{patient}/nightscout/uploaders/{device_id}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameUploader {
    /// 1–40 characters, no control characters.
    pub name: String,
}

/// `POST /v1/patients/{patient}/nightscout/uploaders/{device_id}/secret`: the new secret,
/// shown only now; the old one no longer uploads.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct RotatedSecret {
    pub device_id: String,
    pub api_secret: String,
}

/// `DELETE /v1/patients/{patient}/nightscout/uploaders/{device_id}`: the uploader, revoked, and
/// the message with which the patient ends its binding on chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct RevokedUploader {
    pub uploader: UploaderInfo,
    pub registry_contract: String,
    /// `{"unbind_device": {"device_id"}}`, for the patient to send to `registry_contract`
    /// (only the owner may unbind); `null` when it is not bound.
    pub unbind_device: Option<serde_json::Value>,
}

/// `POST /v1/patients/{patient}/nightscout/followers`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFollower {
    /// The token's subject: lowercased, letters and digits only, at most 10 kept ("mum").
    pub name: String,
    /// The address whose grant (glucose) allows the reads and under which they are recorded.
    pub grantee: String,
}

/// A follower, as listed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct FollowerInfo {
    pub id: String,
    pub grantee: String,
    /// Unix seconds.
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
}

/// A new follower and its token (shown only now): the app's Nightscout access token
/// (`?token=`, `api-secret: token=<token>`, its SHA-1 hex as `api-secret`, or a bearer token
/// from `/api/v2/authorization/request/<token>`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct NewFollowerToken {
    pub follower: FollowerInfo,
    pub token: String,
}

/// `GET /api/v2/authorization/request/{token}`: a JWT (HS256, 8 hours), as Nightscout issues.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct AuthorizationToken {
    pub token: String,
    pub sub: String,
    #[serde(rename = "permissionGroups")]
    pub permission_groups: Vec<Vec<String>>,
    pub iat: u64,
    pub exp: u64,
}

/// `GET /api/v1/verifyauth` (always 200).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct VerifyAuth {
    pub status: u16,
    pub message: VerifyAuthMessage,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct VerifyAuthMessage {
    #[serde(rename = "canRead")]
    pub can_read: bool,
    #[serde(rename = "canWrite")]
    pub can_write: bool,
    #[serde(rename = "isAdmin")]
    pub is_admin: bool,
    /// `OK` or `UNAUTHORIZED`.
    pub message: String,
    /// `FOUND` or `NOTFOUND`.
    pub rolefound: String,
    /// `ROLE` or `DEFAULT`.
    pub permissions: String,
}

/// One entry of a `POST /api/v1/entries` body (an array of them, or one), for the schema (the
/// relayer reads bodies field by field, `nightscout::entries`). Only `type`, `sgv`, `date`,
/// `dateString` and `direction` are read; every other field is accepted and ignored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct UploadedEntry {
    /// `sgv` (sensor glucose; the default) becomes a reading; `mbg`, `cal` and other types are
    /// counted and skipped.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// mg/dL, a whole number in 39..=401 (39 and 401 are the sensor's LOW and HIGH markers).
    #[serde(default)]
    pub sgv: Option<SgvValue>,
    /// Measurement time, Unix milliseconds.
    #[serde(default)]
    pub date: Option<u64>,
    /// RFC 3339; read only when `date` is missing.
    #[serde(rename = "dateString", default)]
    pub date_string: Option<String>,
    /// The trend arrow: `DoubleUp` … `DoubleDown`, `NOT COMPUTABLE`, `RATE OUT OF RANGE`, `NONE`.
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// `sgv` as uploaders send it: a number, or the number as text.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum SgvValue {
    Number(f64),
    Text(String),
}

/// A stored entry, as Nightscout answers it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct StoredEntry {
    /// `<device id>-<seq>`.
    #[serde(rename = "_id")]
    pub id: String,
    pub date: u64,
    #[serde(rename = "dateString")]
    pub date_string: String,
    pub device: String,
    /// The trend arrow (`NONE` for a meter reading).
    pub direction: String,
    /// Sensor glucose, mg/dL (or the sensor's error code), for `type: "sgv"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sgv: Option<u64>,
    /// Meter glucose (a finger stick), mg/dL, for `type: "mbg"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mbg: Option<f64>,
    /// `sgv` or `mbg`.
    #[serde(rename = "type")]
    pub kind: String,
    /// In entries read back: `dateString` again (Nightscout's `sysTime`).
    #[serde(rename = "sysTime", default, skip_serializing_if = "Option::is_none")]
    pub sys_time: Option<String>,
    /// In sensor entries read back: mg/dL since the device's previous reading, if it is at most
    /// 15 minutes older.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
    /// In entries read back: 0 (times are UTC).
    #[serde(rename = "utcOffset", default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<i32>,
}

/// `GET /api/v1/status.json`: what uploaders check before they upload.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct NightscoutStatus {
    #[serde(rename = "apiEnabled")]
    pub api_enabled: bool,
    #[serde(rename = "careportalEnabled")]
    pub careportal_enabled: bool,
    pub name: String,
    #[serde(rename = "serverTime")]
    pub server_time: String,
    #[serde(rename = "serverTimeEpoch")]
    pub server_time_epoch: u64,
    pub settings: NightscoutSettings,
    pub status: String,
    pub version: String,
    /// Nightscout answers the caller's roles here; this relayer checks credentials per request
    /// (`/api/v1/verifyauth`), so it is always `null`.
    pub authorized: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct NightscoutSettings {
    pub enable: Vec<String>,
    pub units: String,
    /// The glucose thresholds apps colour readings by (mg/dL; Nightscout's defaults, with the
    /// consensus 70 mg/dL as the low target).
    pub thresholds: NightscoutThresholds,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct NightscoutThresholds {
    #[serde(rename = "bgHigh")]
    pub bg_high: u32,
    #[serde(rename = "bgTargetTop")]
    pub bg_target_top: u32,
    #[serde(rename = "bgTargetBottom")]
    pub bg_target_bottom: u32,
    #[serde(rename = "bgLow")]
    pub bg_low: u32,
}
