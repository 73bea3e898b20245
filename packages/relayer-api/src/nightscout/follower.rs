//! Followers' credentials, as Nightscout apps present them.
//!
//! A follower token has Nightscout's access-token form, `<subject>-<16 hex>` (the subject the
//! patient's name for the follower, lowercase, at most 10 characters). Apps present it as
//! `?token=`, as `api-secret: token=<token>` (py-nightscout), as `api-secret` = its SHA-1 hex
//! (xDrip+), or exchange it at `/api/v2/authorization/request/<token>` for a JWT they send as
//! `Authorization: Bearer` (AndroidAPS, Nightscout's own web client). The relayer keeps only
//! SHA-256 of the token and of its SHA-1 hex, and signs JWTs (HS256, 8 hours) with a key made
//! at start: after a restart apps get 401 and ask for a new JWT, as they do when one expires.

use cosmwasm_std::Binary;
use diachain_relayer_core::store::FollowerRecord;
use diachain_relayer_types::crypto::random_bytes;
use diachain_std::crypto::sha256;
use serde::{Deserialize, Serialize};

use super::uploader::{api_secret_header, api_secret_header_512};

/// Longest subject name in a token.
pub const MAX_SUBJECT: usize = 10;
/// How long a JWT lasts (Nightscout's default).
pub const JWT_SECONDS: u64 = 8 * 3600;

/// The subject of a follower's token: the name lowercased, letters and digits only, at most
/// `MAX_SUBJECT` characters.
pub fn subject(name: &str) -> Result<String, String> {
    let s: String = name
        .trim()
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(MAX_SUBJECT)
        .collect();
    if s.is_empty() {
        return Err("The name must hold at least one letter or digit (a-z, 0-9).".into());
    }
    Ok(s)
}

/// A new follower of `patient` for `grantee`: its record (to keep) and token (shown once).
pub fn generate(patient: &str, grantee: &str, subject: &str, now: u64) -> (FollowerRecord, String) {
    let token = format!("{subject}-{}", hex::encode(random_bytes::<8>()));
    let record = FollowerRecord {
        id: format!("{subject}-{}", hex::encode(random_bytes::<4>())),
        patient: patient.to_string(),
        grantee: grantee.to_string(),
        token_hash: Binary::new(sha256(token.as_bytes()).to_vec()),
        secret_hash: Binary::new(secret_hash(&api_secret_header(&token)).to_vec()),
        secret512_hash: Some(Binary::new(
            secret_hash(&api_secret_header_512(&token)).to_vec(),
        )),
        created_at: now,
        revoked_at: None,
    };
    (record, token)
}

/// The stored hash of a token as presented (`?token=`, `token=…`, the JWT's claim).
pub fn token_hash(token: &str) -> [u8; 32] {
    sha256(token.trim().as_bytes())
}

/// The stored hash of an `api-secret` value that is a SHA-1 or SHA-512 hex (any case).
pub fn secret_hash(hex: &str) -> [u8; 32] {
    sha256(hex.trim().to_ascii_lowercase().as_bytes())
}

/// A JWT's claims, as Nightscout issues them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    #[serde(rename = "accessToken")]
    pub access_token: String,
    pub iat: u64,
    pub exp: u64,
}

/// Signs and checks JWTs (HS256) with a key made when the relayer starts.
pub struct JwtKey(ring::hmac::Key);

impl Default for JwtKey {
    fn default() -> Self {
        JwtKey(ring::hmac::Key::new(
            ring::hmac::HMAC_SHA256,
            &random_bytes::<32>(),
        ))
    }
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKey(…)")
    }
}

const JWT_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

impl JwtKey {
    /// A JWT for `token`, issued at `now`.
    pub fn issue(&self, token: &str, now: u64) -> (String, Claims) {
        let claims = Claims {
            access_token: token.to_string(),
            iat: now,
            exp: now.saturating_add(JWT_SECONDS),
        };
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let signed = format!("{}.{}", b64url(JWT_HEADER.as_bytes()), b64url(&payload));
        let tag = ring::hmac::sign(&self.0, signed.as_bytes());
        (format!("{signed}.{}", b64url(tag.as_ref())), claims)
    }

    /// The claims of a JWT this key signed, if it is not expired at `now`.
    pub fn check(&self, jwt: &str, now: u64) -> Option<Claims> {
        let (signed, tag) = jwt.trim().rsplit_once('.')?;
        let (header, payload) = signed.split_once('.')?;
        ring::hmac::verify(&self.0, signed.as_bytes(), &b64url_decode(tag)?).ok()?;
        let header: serde_json::Value = serde_json::from_slice(&b64url_decode(header)?).ok()?;
        if header["alg"] != "HS256" {
            return None;
        }
        let claims: Claims = serde_json::from_slice(&b64url_decode(payload)?).ok()?;
        (now < claims.exp).then_some(claims)
    }
}

fn b64url(bytes: &[u8]) -> String {
    Binary::new(bytes.to_vec())
        .to_base64()
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let mut s = text.replace('-', "+").replace('_', "/");
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    Binary::from_base64(&s).ok().map(|b| b.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_nightscouts_lowercase_names() {
        assert_eq!(subject("  Mum's Watch ").unwrap(), "mumswatch");
        assert_eq!(subject("Grandmother Anne").unwrap(), "grandmothe");
        assert!(subject(" -- ").is_err());
    }

    #[test]
    fn a_token_has_nightscouts_form_and_only_its_hashes_are_kept() {
        let (r, token) = generate("wasm1p", "wasm1g", "mum", 5);
        let (name, rest) = token.split_once('-').unwrap();
        assert_eq!((name, rest.len()), ("mum", 16));
        assert_eq!(r.token_hash.as_slice(), token_hash(&token));
        assert_eq!(
            r.secret_hash.as_slice(),
            secret_hash(&api_secret_header(&token).to_uppercase())
        );
        assert!(!serde_json::to_string(&r).unwrap().contains(&token));
    }

    #[test]
    fn a_jwt_verifies_until_it_expires_and_not_with_another_key_or_a_changed_claim() {
        let key = JwtKey::default();
        let (jwt, claims) = key.issue("mum-0011223344556677", 100);
        assert_eq!(claims.exp, 100 + JWT_SECONDS);
        assert_eq!(key.check(&jwt, 101), Some(claims.clone()));
        assert_eq!(key.check(&jwt, 100 + JWT_SECONDS), None, "expired");
        assert_eq!(JwtKey::default().check(&jwt, 101), None, "another key");
        let (h, rest) = jwt.split_once('.').unwrap();
        let (_, tag) = rest.split_once('.').unwrap();
        let forged = Claims {
            access_token: "dad-0011223344556677".into(),
            ..claims
        };
        let payload = b64url(&serde_json::to_vec(&forged).unwrap());
        assert_eq!(key.check(&format!("{h}.{payload}.{tag}"), 101), None);
        assert_eq!(key.check("not.a.jwt", 101), None);
        assert_eq!(key.check("", 101), None);
    }
}
