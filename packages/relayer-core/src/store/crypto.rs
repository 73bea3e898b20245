//! Encryption at rest: XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`).
//!
//! * Each reading is sealed under its patient's 256-bit data key with a fresh random 192-bit
//!   nonce (so two equal readings never give equal ciphertext); the associated data binds the
//!   ciphertext to (patient, device, seq), so a blob moved to another key fails to open.
//! * Each data key is sealed (wrapped) under the master key, with the patient as associated data.
//! * A check value sealed under the master key tells a wrong master key apart from tampering.
//!
//! Sealed blob layout: version (1) || nonce (24) || ciphertext || tag (16).

use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use super::error::MasterKeyError;
use super::StoreError;

const BLOB_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
/// Bytes of a key (master or data key).
pub const KEY_LEN: usize = 32;

pub(crate) const READING_TAG: &[u8] = b"DIACHAIN/RELAYER/READING/v1";
pub(crate) const DATA_KEY_TAG: &[u8] = b"DIACHAIN/RELAYER/DATA-KEY/v1";
pub(crate) const MASTER_CHECK_TAG: &[u8] = b"DIACHAIN/RELAYER/MASTER-CHECK/v1";

/// The key that wraps every patient data key. Read from a file or an environment variable,
/// never stored in the database. Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct MasterKey(Key);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        MasterKey(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| MasterKeyError::Length {
            expected: KEY_LEN,
            got: bytes.len(),
        })?;
        Ok(MasterKey(Key::from(key)))
    }

    /// Parses 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, StoreError> {
        let bytes = hex::decode(text.trim()).map_err(|_| MasterKeyError::Hex {
            hex_chars: KEY_LEN * 2,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Reads a key file: 64 hex characters, or exactly 32 raw bytes.
    pub fn from_file(path: &Path) -> Result<Self, StoreError> {
        let bytes = std::fs::read(path).map_err(|source| MasterKeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if bytes.len() == KEY_LEN {
            return Self::from_bytes(&bytes);
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| MasterKeyError::Format {
            path: path.to_path_buf(),
        })?;
        Self::from_hex(text)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(&self.0[..])
    }

    pub(crate) fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0)
    }

    /// A 32-byte secret for one purpose (`label`), derived from this key by HMAC-SHA256, so
    /// that what it protects stays bound to the master key without the key itself leaving the
    /// store's side (the research exports' pseudonym secret is one).
    pub fn derive(&self, label: &[u8]) -> [u8; KEY_LEN] {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0[..]);
        let tag = ring::hmac::sign(&key, label);
        let mut out = [0u8; KEY_LEN];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

/// A fresh random data key, as raw bytes (to be wrapped) and as a cipher.
pub(crate) fn new_data_key() -> (Key, XChaCha20Poly1305) {
    let key = XChaCha20Poly1305::generate_key(&mut OsRng);
    let cipher = XChaCha20Poly1305::new(&key);
    (key, cipher)
}

pub(crate) fn cipher_from_key(bytes: &[u8]) -> Result<XChaCha20Poly1305, StoreError> {
    let key: [u8; KEY_LEN] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("an unwrapped data key has the wrong length".into()))?;
    Ok(XChaCha20Poly1305::new(&Key::from(key)))
}

/// Seals `plaintext` with a fresh random nonce.
pub(crate) fn seal(
    cipher: &XChaCha20Poly1305,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| StoreError::Corrupt("encryption failed".into()))?;
    let mut blob = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    blob.push(BLOB_VERSION);
    blob.extend_from_slice(&nonce[..]);
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// Opens a sealed blob; `None` when it fails authentication (wrong key, other associated data,
/// or altered bytes).
pub(crate) fn open(cipher: &XChaCha20Poly1305, aad: &[u8], blob: &[u8]) -> Option<Vec<u8>> {
    if blob.len() < 1 + NONCE_LEN || blob[0] != BLOB_VERSION {
        return None;
    }
    let nonce_bytes: [u8; NONCE_LEN] = blob[1..1 + NONCE_LEN].try_into().ok()?;
    let nonce = XNonce::from(nonce_bytes);
    let msg = &blob[1 + NONCE_LEN..];
    cipher.decrypt(&nonce, Payload { msg, aad }).ok()
}

/// Associated data of a reading: tag || str patient || str device || seq (8, big-endian).
pub(crate) fn reading_aad(patient: &str, device_id: &str, seq: u64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(READING_TAG.len() + 24 + patient.len() + device_id.len());
    aad.extend_from_slice(READING_TAG);
    push_str(&mut aad, patient);
    push_str(&mut aad, device_id);
    aad.extend_from_slice(&seq.to_be_bytes());
    aad
}

/// Associated data of a wrapped data key: tag || str patient.
pub(crate) fn data_key_aad(patient: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(DATA_KEY_TAG.len() + 8 + patient.len());
    aad.extend_from_slice(DATA_KEY_TAG);
    push_str(&mut aad, patient);
    aad
}

/// A length-prefixed string: length (8, big-endian) || bytes.
fn push_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}
