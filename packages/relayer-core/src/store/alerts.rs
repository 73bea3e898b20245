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
    /// Failed attempts since the last delivery; at [`SUSPEND_AFTER`] the webhook is revoked.
    #[serde(default)]
    pub failures_in_a_row: u32,
}

/// How many webhooks a patient may have: live per owner, live in all, and kept in all (revoked
/// ones too, so that creating and revoking cannot grow the store without end).
#[derive(Clone, Copy, Debug)]
pub struct WebhookLimits {
    pub live_per_owner: usize,
    pub live_per_patient: usize,
    pub kept_per_patient: usize,
}

/// Failed attempts in a row after which a webhook is revoked (it no longer queues deliveries).
pub const SUSPEND_AFTER: u32 = 50;

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
    /// The access it serves (to a grantee) is queued for the chain already.
    #[serde(default)]
    pub recorded: bool,
}

/// How a delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    /// The webhook answered 2xx: done.
    Delivered,
    /// Try again at `due_ms`; `why` is what went wrong; `recorded`: its access is queued.
    Retry {
        due_ms: u64,
        why: String,
        recorded: bool,
    },
    /// Given up (too many attempts, the webhook revoked, the alert erased): `why`.
    Dropped { why: String },
    /// The webhook's owner may no longer receive the patient's alerts (the consent refusal in
    /// `why`): given up, and the webhook revoked at `at` (Unix seconds).
    Refused { why: String, at: u64 },
}
