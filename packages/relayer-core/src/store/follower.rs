//! Nightscout followers: an access token a patient gives a follower app (a family member's
//! phone, a watch face, xDrip+ in follower mode), bound to a grantee whose grant on chain allows
//! the reads. The token itself is never kept: only its SHA-256, and the SHA-256 of its SHA-1 and SHA-512
//! hex (what apps send as `api-secret`).

use cosmwasm_std::Binary;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerRecord {
    /// The token's subject name (lowercase, at most 10 characters) and a random part:
    /// `<name>-<8 hex>`, unique.
    pub id: String,
    pub patient: String,
    /// The address whose grant allows the reads (and under which they are recorded).
    pub grantee: String,
    /// SHA-256 of the token.
    pub token_hash: Binary,
    /// SHA-256 of the token's SHA-1 hex.
    pub secret_hash: Binary,
    /// SHA-256 of the token's SHA-512 hex; absent for followers made before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret512_hash: Option<Binary>,
    /// Unix seconds.
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
}
