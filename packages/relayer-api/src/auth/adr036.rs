//! ADR-036 arbitrary-data signatures, as browser wallets (Keplr, Leap, cosmjs) make them with
//! `signArbitrary`: the secp256k1 signature over SHA-256 of an amino-JSON `StdSignDoc` holding
//! one `sign/MsgSignData { signer, data }` message, with every other field empty or zero, keys
//! sorted and `<`, `>`, `&` escaped as wallets serialise it.

use cosmwasm_std::Binary;
use diachain_chain_client::cosmrs::crypto::PublicKey as CosmosKey;
use diachain_std::crypto::sha256;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, VerifyingKey};

/// Why a signature is refused.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum Adr036Error {
    #[error("the public key is not a 33-byte compressed secp256k1 key")]
    BadPublicKey,
    #[error("the public key belongs to {derived}, not to {claimed}")]
    KeyNotAddress { claimed: String, derived: String },
    #[error("the signature is not 64 bytes (r||s)")]
    BadSignature,
    #[error("the signature does not verify")]
    Invalid,
}

/// The bytes a wallet signs for `data` on behalf of `signer`.
pub fn sign_doc(signer: &str, data: &[u8]) -> Vec<u8> {
    // Keys in sorted order; the only free-form strings are the bech32 signer and base64 data,
    // neither of which can hold `"`, `\`, `<`, `>` or `&`, so no escaping is ever needed —
    // checked anyway, so that a changed caller cannot slip past it.
    let signer = escape(signer);
    let data = Binary::new(data.to_vec()).to_base64();
    format!(
        concat!(
            r#"{{"account_number":"0","chain_id":"","fee":{{"amount":[],"gas":"0"}},"memo":"","#,
            r#""msgs":[{{"type":"sign/MsgSignData","value":{{"data":"{}","signer":"{}"}}}}],"sequence":"0"}}"#
        ),
        data, signer
    )
    .into_bytes()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The bech32 address (with `prefix`) of a compressed secp256k1 key.
pub fn address_of(public_key: &[u8], prefix: &str) -> Result<String, Adr036Error> {
    if public_key.len() != 33 {
        return Err(Adr036Error::BadPublicKey);
    }
    let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| Adr036Error::BadPublicKey)?;
    CosmosKey::from(key)
        .account_id(prefix)
        .map(|a| a.to_string())
        .map_err(|_| Adr036Error::BadPublicKey)
}

/// Checks that `public_key` is `signer`'s and signed `data` with ADR-036.
pub fn verify(
    signer: &str,
    prefix: &str,
    public_key: &[u8],
    data: &[u8],
    signature: &[u8],
) -> Result<(), Adr036Error> {
    let derived = address_of(public_key, prefix)?;
    if derived != signer {
        return Err(Adr036Error::KeyNotAddress {
            claimed: signer.to_string(),
            derived,
        });
    }
    let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| Adr036Error::BadPublicKey)?;
    let sig = Signature::from_slice(signature).map_err(|_| Adr036Error::BadSignature)?;
    // Cosmos SDK accepts only low-S signatures; so do we.
    if sig.normalize_s().is_some() {
        return Err(Adr036Error::Invalid);
    }
    key.verify_prehash(&sha256(&sign_doc(signer, data)), &sig)
        .map_err(|_| Adr036Error::Invalid)
}

/// Signs `data` with a chain key, as a wallet's `signArbitrary` would.
pub fn sign_with(
    signer: &diachain_chain_client::Signer,
    data: &[u8],
) -> Result<[u8; 64], diachain_chain_client::Error> {
    signer.sign_digest(&sha256(&sign_doc(signer.address(), data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Vec<u8> {
        Binary::from_base64(s).unwrap().to_vec()
    }

    /// A signature Keplr made (`signArbitrary("cosmoshub-4", addr, addr)`), published with
    /// `@keplr-wallet/cosmos`'s `verifyADR36Amino` usage: it must verify here unchanged.
    #[test]
    fn a_signature_made_by_keplr_verifies() {
        let address = "cosmos1m9l358xunhhwds0568za49mzhvuxx9uxre5tud";
        let key = b64("A/MdHVpitzHNSdD1Zw3kY+L5PEIPyd9l6sD5i4aIfXp9");
        let sig = b64("vb78/y129cOiWyQkeFF8wCKZsOyzjpILnpEVZ72o5YUhEOmQZzVPcbUqWPLR7aZQ20j6vnYhIuCQN0HEG3igFg==");
        assert_eq!(address_of(&key, "cosmos").unwrap(), address);
        verify(address, "cosmos", &key, address.as_bytes(), &sig).unwrap();
        assert_eq!(
            verify(address, "cosmos", &key, b"something else", &sig),
            Err(Adr036Error::Invalid)
        );
    }

    #[test]
    fn signatures_made_here_verify_and_every_change_is_refused() {
        let signer = diachain_chain_client::Signer::from_secret(&[7u8; 32], "wasm").unwrap();
        let public = signer.public_key().to_bytes();
        let addr = address_of(&public, "wasm").unwrap();
        assert_eq!(addr, signer.address());
        let sig = sign_with(&signer, b"GET /v1/readings").unwrap();
        verify(&addr, "wasm", &public, b"GET /v1/readings", &sig).unwrap();
        assert_eq!(
            verify(&addr, "wasm", &public, b"GET /v1/readingz", &sig),
            Err(Adr036Error::Invalid)
        );
        let other = k256::ecdsa::SigningKey::from_slice(&[8u8; 32]).unwrap();
        let other_public = other
            .verifying_key()
            .to_encoded_point(true)
            .as_bytes()
            .to_vec();
        assert!(matches!(
            verify(&addr, "wasm", &other_public, b"GET /v1/readings", &sig),
            Err(Adr036Error::KeyNotAddress { .. })
        ));
        assert_eq!(
            verify(&addr, "wasm", &public[..32], b"x", &sig),
            Err(Adr036Error::BadPublicKey)
        );
        assert_eq!(
            verify(&addr, "wasm", &public, b"x", &sig[..63]),
            Err(Adr036Error::BadSignature)
        );
    }

    #[test]
    fn the_sign_doc_is_the_wallets_byte_for_byte() {
        let doc = String::from_utf8(sign_doc("cosmos1abc", b"hi")).unwrap();
        assert_eq!(
            doc,
            r#"{"account_number":"0","chain_id":"","fee":{"amount":[],"gas":"0"},"memo":"","msgs":[{"type":"sign/MsgSignData","value":{"data":"aGk=","signer":"cosmos1abc"}}],"sequence":"0"}"#
        );
        assert_eq!(escape("a<b>&\"c"), "a\\u003cb\\u003e\\u0026\\\"c");
    }
}
