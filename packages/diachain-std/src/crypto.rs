//! Signature helpers over the three device key algorithms, using the chain's host crypto
//! (`Api`), so that contracts pay host-function gas and native code (relayer, tests) runs the
//! very same checks through `cosmwasm_std::testing::MockApi` or any other `Api`.

use cosmwasm_std::Api;
use sha2::{Digest, Sha256};

use crate::device::{KeyAlgorithm, PublicKey};

/// Every supported signature is 64 bytes: Ed25519 `R || S`, ECDSA compact `r || s`.
pub const SIGNATURE_LEN: usize = 64;

#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum KeyError {
    #[error("{algorithm:?} public key has {len} bytes; expected {expected}")]
    Length {
        algorithm: KeyAlgorithm,
        len: usize,
        expected: &'static str,
    },
    #[error("{algorithm:?} public key is not a point on its curve")]
    NotOnCurve { algorithm: KeyAlgorithm },
}

/// Checks a public key's format and, for the ECDSA curves, that it is a valid curve point.
///
/// Ed25519 keys are checked by length only: the host offers no way to decompress a point
/// without a valid signature. An undecodable Ed25519 key can never verify a signature, so such
/// a device can never be bound (binding needs a proof of possession) nor anchor data.
pub fn validate_public_key(api: &dyn Api, key: &PublicKey) -> Result<(), KeyError> {
    let bytes = key.key.as_slice();
    let algorithm = key.algorithm;
    match algorithm {
        KeyAlgorithm::Ed25519 => {
            if bytes.len() != 32 {
                return Err(KeyError::Length {
                    algorithm,
                    len: bytes.len(),
                    expected: "32",
                });
            }
        }
        KeyAlgorithm::Secp256k1 | KeyAlgorithm::Secp256r1 => {
            let well_formed = matches!(
                (bytes.len(), bytes.first()),
                (33, Some(2 | 3)) | (65, Some(4))
            );
            if !well_formed {
                return Err(KeyError::Length {
                    algorithm,
                    len: bytes.len(),
                    expected: "33 (compressed, 0x02/0x03) or 65 (uncompressed, 0x04)",
                });
            }
            // The host parses the key before it checks the signature: an off-curve key is an
            // error, a valid key with this placeholder signature is a plain `false`.
            let mut placeholder = [0u8; SIGNATURE_LEN];
            placeholder[31] = 1;
            placeholder[63] = 1;
            let parsed = match algorithm {
                KeyAlgorithm::Secp256k1 => api.secp256k1_verify(&[0u8; 32], &placeholder, bytes),
                _ => api.secp256r1_verify(&[0u8; 32], &placeholder, bytes),
            };
            if parsed.is_err() {
                return Err(KeyError::NotOnCurve { algorithm });
            }
        }
    }
    Ok(())
}

/// SHA-256 of a message: what the ECDSA schemes sign.
pub fn sha256(message: &[u8]) -> [u8; 32] {
    Sha256::digest(message).into()
}

/// Verifies `signature` over `sign_bytes` with `key`: pure Ed25519 over the bytes, or ECDSA
/// over SHA-256 of the bytes. A malformed signature or key is simply not valid.
pub fn verify_signature(
    api: &dyn Api,
    key: &PublicKey,
    sign_bytes: &[u8],
    signature: &[u8],
) -> bool {
    if signature.len() != SIGNATURE_LEN {
        return false;
    }
    let pk = key.key.as_slice();
    let result = match key.algorithm {
        KeyAlgorithm::Ed25519 => api.ed25519_verify(sign_bytes, signature, pk),
        KeyAlgorithm::Secp256k1 => api.secp256k1_verify(&sha256(sign_bytes), signature, pk),
        KeyAlgorithm::Secp256r1 => api.secp256r1_verify(&sha256(sign_bytes), signature, pk),
    };
    result.unwrap_or(false)
}
