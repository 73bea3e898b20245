//! Alerts the relayer raised, the patients' alert settings, the webhooks alerts go to and the
//! queue of their deliveries (at least once: a delivery leaves the queue only when the webhook
//! answered 2xx, or was given up).

use cosmwasm_std::Binary;
use diachain_relayer_types::alerts::{AlertKind, WebhookInfo};
use serde::{Deserialize, Serialize};

/// A webhook, as kept (sealed under the master key: its signing secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub id: String,
    pub patient: String,
    /// Who registered it: the patient, their guardian, or a grantee.
    pub owner: String,
    pub url: String,
    pub kinds: Vec<AlertKind>,
    /// The HMAC-SHA256 key of the deliveries' signatures.
    pub secret: Binary,
    /// Unix seconds.
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
    #[serde(default)]
    pub delivered: u64,
    #[serde(default)]
    pub failed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_outcome: Option<String>,
}

impl WebhookRecord {
    pub fn info(&self) -> WebhookInfo {
        WebhookInfo {
            id: self.id.clone(),
            patient: self.patient.clone(),
            owner: self.owner.clone(),
            url: self.url.clone(),
            kinds: self.kinds.clone(),
            created_at: self.created_at,
            revoked_at: self.revoked_at,
            delivered: self.delivered,
            failed: self.failed,
            last_outcome: self.last_outcome.clone(),
        }
    }

    /// Whether a new alert of `kind` goes to it.
    pub fn wants(&self, kind: AlertKind) -> bool {
        self.revoked_at.is_none() && self.kinds.contains(&kind)
    }
}

/// One alert owed to one webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Its place in the queue: when it is due (Unix milliseconds) and its number.
    pub due_ms: u64,
    pub no: u64,
    pub webhook_id: String,
    pub patient: String,
    pub alert_seq: u64,
    /// Attempts made so far.
    pub attempts: u32,
}

/// How a delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    /// The webhook answered 2xx: done.
    Delivered,
    /// Try again at `due_ms`; `why` is what went wrong.
    Retry { due_ms: u64, why: String },
    /// Given up (too many attempts, the webhook revoked, the grant gone): `why`.
    Dropped { why: String },
}
