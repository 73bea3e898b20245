//! Creating a patient's Nightscout uploader: a fresh Ed25519 key the relayer holds, registered
//! on chain as a gateway whose key custody is the relayer's, an upload secret for the
//! patient's app (shown once; only a hash of what the app sends is kept), and the device's
//! signed proof of possession for the patient to bind it (binding stays the patient's act).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use cosmwasm_std::Binary;
use diachain_relayer_core::store::UploaderRecord;
use diachain_relayer_types::crypto::random_bytes;
use diachain_relayer_types::gateway::DeviceKey;
use diachain_std::crypto::sha256;
use diachain_std::Domain;

/// One upload at a time per uploader. An app's retry racing its first attempt would otherwise
/// plan the same entries from the same head twice and number them twice; the second batch then
/// overlaps the first and the upload is refused (409) although its entries are stored. Planned
/// one after the other, the second upload finds them held and stores nothing twice. Holds one
/// lock per uploader ever used (at most `MAX_UPLOADERS_PER_PATIENT` per patient).
#[derive(Default)]
pub struct UploadLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl UploadLocks {
    /// Waits until no other upload of `device_id` runs; the upload runs while the guard lives.
    pub async fn lock(&self, device_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(device_id.to_string())
            .or_default()
            .clone();
        lock.lock_owned().await
    }
}

/// The device ids of the uploaders, shared by the Nightscout endpoints and the data API (which
/// labels their readings relayer-attested).
#[derive(Clone, Default)]
pub struct UploaderIds(Arc<RwLock<HashSet<String>>>);

impl UploaderIds {
    pub fn new(ids: impl IntoIterator<Item = String>) -> Self {
        UploaderIds(Arc::new(RwLock::new(ids.into_iter().collect())))
    }
    pub fn insert(&self, id: &str) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_string());
    }
    pub fn contains(&self, id: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(id)
    }
}

/// The `api-secret` header value for a secret (lowercase SHA-1 hex), as uploaders compute it.
pub fn api_secret_header(secret: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, secret.as_bytes());
    hex::encode(d.as_ref())
}

/// The SHA-512 hex of a secret: the other `api-secret` form Nightscout takes.
pub fn api_secret_header_512(secret: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA512, secret.as_bytes()).as_ref())
}

/// The stored hash of an `api-secret` header value (case-insensitive hex).
pub fn token_hash(header: &str) -> [u8; 32] {
    sha256(header.trim().to_ascii_lowercase().as_bytes())
}

/// A new upload secret (shown once).
pub struct NewSecret {
    pub api_secret: String,
    /// The hash the relayer keeps of its `api-secret` header as SHA-1 hex.
    pub token_hash: Binary,
    /// The same, as SHA-512 hex.
    pub secret512_hash: Binary,
}

/// A new upload secret and the hashes the relayer keeps of its two `api-secret` forms.
pub fn new_secret() -> NewSecret {
    let api_secret = hex::encode(random_bytes::<16>());
    NewSecret {
        token_hash: Binary::new(token_hash(&api_secret_header(&api_secret)).to_vec()),
        secret512_hash: Binary::new(token_hash(&api_secret_header_512(&api_secret)).to_vec()),
        api_secret,
    }
}

/// A new uploader for `patient`: its record (to keep) and key.
pub fn generate(patient: &str, now: u64) -> (UploaderRecord, String) {
    let device_id = format!("ns-{}", hex::encode(random_bytes::<8>()));
    let secret: [u8; 32] = random_bytes();
    let NewSecret {
        api_secret,
        token_hash,
        secret512_hash,
    } = new_secret();
    let record = UploaderRecord {
        device_id,
        patient: patient.to_string(),
        secret_key: Binary::new(secret.to_vec()),
        token_hash,
        secret512_hash: Some(secret512_hash),
        created_at: now,
        registered_tx: None,
        name: None,
        revoked_at: None,
    };
    (record, api_secret)
}

/// Longest uploader name.
pub const MAX_UPLOADER_NAME: usize = 40;

/// An uploader's name: 1–40 characters, none a control character, trimmed.
pub fn uploader_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("The name is empty.".into());
    }
    if name.chars().count() > MAX_UPLOADER_NAME {
        return Err(format!(
            "A name has at most {MAX_UPLOADER_NAME} characters."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("A name holds no control characters.".into());
    }
    Ok(name.to_string())
}

/// The uploader's signing key.
pub fn key_of(record: &UploaderRecord) -> Option<DeviceKey> {
    let secret: [u8; 32] = record.secret_key.as_slice().try_into().ok()?;
    DeviceKey::from_secret(diachain_std::KeyAlgorithm::Ed25519, &secret)
}

/// The `BindDevice` message proving possession of the uploader key for `patient`.
pub fn bind_message(
    key: &DeviceKey,
    record: &UploaderRecord,
    domain: &Domain,
    nonce: u64,
) -> Result<serde_json::Value, diachain_std::encoding::EncodingError> {
    let bytes =
        diachain_std::encoding::bind_sign_bytes(domain, &record.device_id, &record.patient, nonce)?;
    Ok(serde_json::json!({
        "bind_device": {
            "device_id": record.device_id,
            "patient": null,
            "signature": key.sign(&bytes),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_secret_header_is_the_sha1_hex_uploaders_send() {
        // SHA-1("test") as Nightscout clients compute it.
        assert_eq!(
            api_secret_header("test"),
            "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
        );
        assert_eq!(
            token_hash("A94A8FE5CCB19BA61C4C0873D391E987982FBBD3"),
            token_hash("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3")
        );
    }

    #[test]
    fn every_uploader_gets_its_own_id_key_and_secret() {
        let (a, sa) = generate("wasm1p", 1);
        let (b, sb) = generate("wasm1p", 1);
        assert_ne!(a.device_id, b.device_id);
        assert_ne!(a.secret_key, b.secret_key);
        assert_ne!(sa, sb);
        assert_eq!(sa.len(), 32);
        assert!(a.device_id.len() >= 8 && a.device_id.len() <= 64);
        // The secret itself is not kept, only the hash of its header value.
        let stored = serde_json::to_string(&a).unwrap();
        assert!(!stored.contains(&sa));
        assert!(!stored.contains(&api_secret_header(&sa)));
        assert!(!stored.contains(&api_secret_header_512(&sa)));
    }

    #[test]
    fn the_sha512_form_is_the_hex_nightscout_compares() {
        // SHA-512("test"), as Nightscout's enclave.isApiKey compares it
        // (cgm-remote-monitor lib/server/enclave.js).
        assert_eq!(
            api_secret_header_512("test"),
            "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff"
        );
        let (r, secret) = generate("wasm1p", 1);
        assert_eq!(
            r.secret512_hash.as_ref().map(Binary::as_slice),
            Some(token_hash(&api_secret_header_512(&secret).to_uppercase()).as_slice())
        );
    }
}
