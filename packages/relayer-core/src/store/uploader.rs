//! Nightscout uploaders: a key the relayer holds for one patient (registered on chain as a
//! gateway whose key custody is the relayer's) and the upload secret their app sends.

use cosmwasm_std::Binary;
use serde::{Deserialize, Serialize};

/// One uploader, as kept (its secret key sealed under the master key on disk).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploaderRecord {
    pub device_id: String,
    pub patient: String,
    /// The Ed25519 secret key (32 bytes).
    pub secret_key: Binary,
    /// SHA-256 of the `api-secret` header value (itself the SHA-1 hex of the upload secret):
    /// the upload secret is never kept.
    pub token_hash: Binary,
    /// SHA-256 of the SHA-512 hex of the upload secret (Nightscout takes either hash as
    /// `api-secret`); absent for uploaders made before it was kept, until their secret is
    /// rotated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret512_hash: Option<Binary>,
    /// Unix seconds.
    pub created_at: u64,
    /// The registration transaction, once the chain has it.
    pub registered_tx: Option<String>,
    /// The patient's label for it ("Lena's phone"); kept by the relayer only, never on chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the patient revoked it (Unix seconds): its secret no longer uploads and the relayer
    /// signs nothing more with its key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
}

impl std::fmt::Display for UploaderRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "uploader {} of {}", self.device_id, self.patient)
    }
}
