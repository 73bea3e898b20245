//! Glucose alerts: a patient's alert settings, the alerts the relayer raises from their
//! readings at ingest, the live stream and the webhooks that deliver them.
//!
//! Alerts are the relayer's alone: nothing of them goes on chain except, for an alert delivered
//! to a grantee, the access record of the reading it reports (scope `glucose`, its second).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What an alert says.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Glucose below the urgent-low threshold (default 55 mg/dL: 54 and below, the consensus's
    /// level 2 hypoglycaemia).
    UrgentLow,
    /// Glucose below the low threshold (default 70 mg/dL) but not urgently low.
    Low,
    /// Glucose above the high threshold (default 250 mg/dL).
    High,
    /// Glucose rising at least this fast over the last 15 minutes.
    RisingFast,
    /// Glucose falling at least this fast over the last 15 minutes.
    FallingFast,
    /// No glucose reading for the set number of minutes after the last one.
    NoData,
}

impl AlertKind {
    pub const ALL: [AlertKind; 6] = [
        AlertKind::UrgentLow,
        AlertKind::Low,
        AlertKind::High,
        AlertKind::RisingFast,
        AlertKind::FallingFast,
        AlertKind::NoData,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AlertKind::UrgentLow => "urgent_low",
            AlertKind::Low => "low",
            AlertKind::High => "high",
            AlertKind::RisingFast => "rising_fast",
            AlertKind::FallingFast => "falling_fast",
            AlertKind::NoData => "no_data",
        }
    }

    pub const fn code(self) -> u8 {
        match self {
            AlertKind::UrgentLow => 1,
            AlertKind::Low => 2,
            AlertKind::High => 3,
            AlertKind::RisingFast => 4,
            AlertKind::FallingFast => 5,
            AlertKind::NoData => 6,
        }
    }
}

/// A patient's alert settings (mg/dL; `null` turns an alert off; the urgent low is always on).
/// `PUT /v1/patients/{patient}/alerts/settings` replaces them whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Alert when glucose is below this (40..=70).
    pub urgent_low_mgdl: u16,
    /// Alert when glucose is below this and not urgently low (above the urgent low, at most 100).
    pub low_mgdl: Option<u16>,
    /// Alert when glucose is above this (120..=400, above the low).
    pub high_mgdl: Option<u16>,
    /// Alert when glucose rises at least this many mg/dL a minute over 15 minutes (1..=10).
    pub rising_mgdl_per_min: Option<u16>,
    /// Alert when glucose falls at least this many mg/dL a minute over 15 minutes (1..=10).
    pub falling_mgdl_per_min: Option<u16>,
    /// Alert when no glucose reading came for this many minutes (10..=1440).
    pub no_data_minutes: Option<u16>,
    /// After an alert, another of the same kind waits this many minutes (0..=240).
    pub snooze_minutes: u16,
}

impl Default for AlertSettings {
    /// The defaults most CGM apps ship with.
    fn default() -> Self {
        AlertSettings {
            urgent_low_mgdl: 55,
            low_mgdl: Some(70),
            high_mgdl: Some(250),
            rising_mgdl_per_min: Some(3),
            falling_mgdl_per_min: Some(3),
            no_data_minutes: Some(30),
            snooze_minutes: 30,
        }
    }
}

impl AlertSettings {
    /// Why these settings cannot be kept, if they cannot: one sentence naming the field.
    pub fn check(&self) -> Result<(), String> {
        let within = |name: &str, v: u16, lo: u16, hi: u16| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name} must be within {lo}..={hi}, not {v}."))
            }
        };
        within("urgent_low_mgdl", self.urgent_low_mgdl, 40, 70)?;
        if let Some(low) = self.low_mgdl {
            within("low_mgdl", low, self.urgent_low_mgdl.saturating_add(1), 100)?;
        }
        if let Some(high) = self.high_mgdl {
            let floor = self.low_mgdl.unwrap_or(self.urgent_low_mgdl).max(119) + 1;
            within("high_mgdl", high, floor, 400)?;
        }
        if let Some(r) = self.rising_mgdl_per_min {
            within("rising_mgdl_per_min", r, 1, 10)?;
        }
        if let Some(r) = self.falling_mgdl_per_min {
            within("falling_mgdl_per_min", r, 1, 10)?;
        }
        if let Some(m) = self.no_data_minutes {
            within("no_data_minutes", m, 10, 1440)?;
        }
        within("snooze_minutes", self.snooze_minutes, 0, 240)
    }

    /// Whether alerts of `kind` are on.
    pub fn enabled(&self, kind: AlertKind) -> bool {
        match kind {
            AlertKind::UrgentLow => true,
            AlertKind::Low => self.low_mgdl.is_some(),
            AlertKind::High => self.high_mgdl.is_some(),
            AlertKind::RisingFast => self.rising_mgdl_per_min.is_some(),
            AlertKind::FallingFast => self.falling_mgdl_per_min.is_some(),
            AlertKind::NoData => self.no_data_minutes.is_some(),
        }
    }
}

/// What `GET|PUT /v1/patients/{patient}/alerts/settings` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AlertSettingsView {
    pub patient: String,
    /// The patient never set any: these are the defaults.
    pub defaults: bool,
    pub settings: AlertSettings,
}

/// One alert. Its `id` is derived from the patient, the kind and the reading's time, so the
/// same alert raised twice (a relayer restarted mid-delivery) has the same id: a receiver drops
/// an id it has seen (delivery is at least once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alert {
    pub id: String,
    /// The relayer's order of alerts (a stream resumes after the last it delivered).
    pub seq: u64,
    pub patient: String,
    pub kind: AlertKind,
    /// The measured time of the reading that raised it (Unix seconds); for `no_data`, the time
    /// of the last reading.
    pub at: u64,
    /// The device whose reading raised it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The glucose value (mg/dL) of that reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_mgdl: Option<u16>,
    /// mg/dL a minute over the last 15 minutes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_mgdl_per_min: Option<f64>,
    /// The threshold that was crossed (mg/dL, mg/dL a minute, or minutes for `no_data`).
    pub threshold: u16,
    /// When the relayer received the reading's batch (Unix milliseconds; for `no_data`, when it
    /// noticed the gap).
    pub received_at_ms: u64,
    /// When the relayer raised the alert (Unix milliseconds).
    pub raised_at_ms: u64,
}

/// `GET /v1/patients/{patient}/alerts?since=<seq>&limit=<n>`: the patient's alerts numbered after
/// `since`; without `since`, the latest `limit` (100 by default, at most 500). Oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AlertsQuery {
    #[serde(default)]
    pub since: Option<u64>,
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `GET /v1/patients/{patient}/alerts/stream?since=<seq>`: the alerts numbered after `since`
/// are sent first (none without it; `Last-Event-ID` does the same).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct StreamQuery {
    #[serde(default)]
    pub since: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AlertsResponse {
    pub patient: String,
    pub alerts: Vec<Alert>,
}

/// A new reading arrived for the patient: the stream's `reading` event. It carries no value:
/// the dashboard reads the readings (with their proofs) again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReadingEvent {
    pub patient: String,
    pub device_id: String,
    pub batch_id: u64,
    /// The batch's last measured time (Unix seconds).
    pub last_time: u64,
    pub count: u32,
}

/// `POST /v1/patients/{patient}/alerts/webhooks`: where to deliver the patient's alerts. The
/// caller (the patient, their guardian, or a grantee whose grant allows glucose) receives them
/// there; a grantee's deliveries are consent-checked and recorded on chain one by one.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://…` (or `http://…`); a loopback or private address only where the relayer's
    /// operator allows it (`[server] allow_private_webhooks`).
    pub url: String,
    /// The kinds to deliver (all by default).
    #[serde(default)]
    pub kinds: Option<Vec<AlertKind>>,
}

/// A webhook as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WebhookInfo {
    pub id: String,
    pub patient: String,
    /// Who registered it, and receives under their own access.
    pub owner: String,
    pub url: String,
    pub kinds: Vec<AlertKind>,
    /// Unix seconds.
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
    /// Deliveries that reached it (2xx) and that were given up.
    pub delivered: u64,
    pub failed: u64,
    /// The last delivery's outcome, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_outcome: Option<String>,
}

/// `201` to `POST …/alerts/webhooks`: the webhook and its signing secret, shown once.
/// Each delivery is `POST url` with the [`Alert`] as its JSON body and the headers
/// `x-diachain-alert-id` (the alert's id, for de-duplication), `x-diachain-timestamp` (Unix
/// seconds) and `x-diachain-signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct NewWebhookSecret {
    pub webhook: WebhookInfo,
    /// Hex; the HMAC key of the deliveries' signatures.
    pub secret: String,
}

/// The headers of a webhook delivery.
pub const H_ALERT_ID: &str = "x-diachain-alert-id";
pub const H_ALERT_TIMESTAMP: &str = "x-diachain-timestamp";
pub const H_ALERT_SIGNATURE: &str = "x-diachain-signature";

/// The message a webhook delivery's HMAC covers.
pub fn signed_payload(timestamp: u64, body: &[u8]) -> Vec<u8> {
    [timestamp.to_string().as_bytes(), b".", body].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_their_own_check() {
        AlertSettings::default().check().unwrap();
    }

    #[test]
    fn settings_out_of_range_are_refused_with_the_field() {
        let base = AlertSettings::default();
        let cases: Vec<(AlertSettings, &str)> = vec![
            (
                AlertSettings {
                    urgent_low_mgdl: 39,
                    ..base.clone()
                },
                "urgent_low_mgdl",
            ),
            (
                AlertSettings {
                    urgent_low_mgdl: 71,
                    ..base.clone()
                },
                "urgent_low_mgdl",
            ),
            (
                AlertSettings {
                    low_mgdl: Some(55),
                    ..base.clone()
                },
                "low_mgdl",
            ),
            (
                AlertSettings {
                    high_mgdl: Some(119),
                    ..base.clone()
                },
                "high_mgdl",
            ),
            (
                AlertSettings {
                    high_mgdl: Some(401),
                    ..base.clone()
                },
                "high_mgdl",
            ),
            (
                AlertSettings {
                    rising_mgdl_per_min: Some(0),
                    ..base.clone()
                },
                "rising_mgdl_per_min",
            ),
            (
                AlertSettings {
                    falling_mgdl_per_min: Some(11),
                    ..base.clone()
                },
                "falling_mgdl_per_min",
            ),
            (
                AlertSettings {
                    no_data_minutes: Some(9),
                    ..base.clone()
                },
                "no_data_minutes",
            ),
            (
                AlertSettings {
                    snooze_minutes: 241,
                    ..base.clone()
                },
                "snooze_minutes",
            ),
        ];
        for (s, field) in cases {
            let why = s.check().expect_err(field);
            assert!(why.starts_with(field), "{why}");
        }
        // Every optional alert off is fine.
        AlertSettings {
            low_mgdl: None,
            high_mgdl: None,
            rising_mgdl_per_min: None,
            falling_mgdl_per_min: None,
            no_data_minutes: None,
            ..base
        }
        .check()
        .unwrap();
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = serde_json::to_value(AlertSettings::default()).unwrap();
        v["urgent_high"] = 300.into();
        assert!(serde_json::from_value::<AlertSettings>(v).is_err());
    }
}
