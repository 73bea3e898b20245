//! The chain's signature checks, natively: [`HostCrypto`] answers the crypto calls of
//! `cosmwasm_std::Api` with `cosmwasm-crypto`, the library wasmvm runs behind a contract's
//! `ed25519_verify`, `secp256k1_verify` and `secp256r1_verify`. So
//! `diachain_std::crypto::verify_signature(&HostCrypto, ..)` — what [`verify_device_signature`]
//! calls — accepts exactly the signatures reading-anchors accepts on chain, with no test
//! double (`cosmwasm_std::testing::MockApi`) in a production build. It validates no addresses:
//! those calls fail.

use cosmwasm_std::{
    Addr, Api, CanonicalAddr, RecoverPubkeyError, StdError, StdResult, VerificationError,
};
use diachain_std::PublicKey;
use rand_core::RngCore;

/// `cosmwasm_std::Api`'s crypto through `cosmwasm-crypto`; no address handling.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostCrypto;

fn no_addresses() -> StdError {
    StdError::msg("HostCrypto verifies signatures only; it does not handle addresses")
}

impl Api for HostCrypto {
    fn addr_validate(&self, _human: &str) -> StdResult<Addr> {
        Err(no_addresses())
    }

    fn addr_canonicalize(&self, _human: &str) -> StdResult<CanonicalAddr> {
        Err(no_addresses())
    }

    fn addr_humanize(&self, _canonical: &CanonicalAddr) -> StdResult<Addr> {
        Err(no_addresses())
    }

    fn secp256k1_verify(
        &self,
        message_hash: &[u8],
        signature: &[u8],
        public_key: &[u8],
    ) -> Result<bool, VerificationError> {
        Ok(cosmwasm_crypto::secp256k1_verify(
            message_hash,
            signature,
            public_key,
        )?)
    }

    fn secp256k1_recover_pubkey(
        &self,
        message_hash: &[u8],
        signature: &[u8],
        recovery_param: u8,
    ) -> Result<Vec<u8>, RecoverPubkeyError> {
        let key =
            cosmwasm_crypto::secp256k1_recover_pubkey(message_hash, signature, recovery_param)?;
        Ok(key.to_vec())
    }

    fn secp256r1_verify(
        &self,
        message_hash: &[u8],
        signature: &[u8],
        public_key: &[u8],
    ) -> Result<bool, VerificationError> {
        Ok(cosmwasm_crypto::secp256r1_verify(
            message_hash,
            signature,
            public_key,
        )?)
    }

    fn secp256r1_recover_pubkey(
        &self,
        message_hash: &[u8],
        signature: &[u8],
        recovery_param: u8,
    ) -> Result<Vec<u8>, RecoverPubkeyError> {
        let key =
            cosmwasm_crypto::secp256r1_recover_pubkey(message_hash, signature, recovery_param)?;
        Ok(key.to_vec())
    }

    fn ed25519_verify(
        &self,
        message: &[u8],
        signature: &[u8],
        public_key: &[u8],
    ) -> Result<bool, VerificationError> {
        Ok(cosmwasm_crypto::ed25519_verify(
            message, signature, public_key,
        )?)
    }

    fn ed25519_batch_verify(
        &self,
        messages: &[&[u8]],
        signatures: &[&[u8]],
        public_keys: &[&[u8]],
    ) -> Result<bool, VerificationError> {
        Ok(cosmwasm_crypto::ed25519_batch_verify(
            &mut rand_core::OsRng,
            messages,
            signatures,
            public_keys,
        )?)
    }

    fn debug(&self, _message: &str) {}
}

/// Whether `signature` over `sign_bytes` verifies with `key`, as the chain's host crypto
/// decides: pure Ed25519 over the bytes, ECDSA over their SHA-256.
pub fn verify_device_signature(key: &PublicKey, sign_bytes: &[u8], signature: &[u8]) -> bool {
    diachain_std::crypto::verify_signature(&HostCrypto, key, sign_bytes, signature)
}

/// `N` random bytes from the operating system (salts, uploader keys and secrets).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rand_core::OsRng.fill_bytes(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use diachain_std::testing::TestKey;
    use diachain_std::KeyAlgorithm;

    use super::*;

    #[test]
    fn host_crypto_accepts_each_algorithms_signature_and_refuses_a_changed_message_or_key() {
        for alg in [
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::Secp256k1,
            KeyAlgorithm::Secp256r1,
        ] {
            let key = TestKey::new(alg, 0x21);
            let sig = key.sign(b"DIACHAIN/BATCH/v1 host");
            assert!(verify_device_signature(
                &key.public_key(),
                b"DIACHAIN/BATCH/v1 host",
                &sig
            ));
            assert!(!verify_device_signature(
                &key.public_key(),
                b"DIACHAIN/BATCH/v1 hosT",
                &sig
            ));
            let other = TestKey::new(alg, 0x22).public_key();
            assert!(!verify_device_signature(
                &other,
                b"DIACHAIN/BATCH/v1 host",
                &sig
            ));
            assert!(!verify_device_signature(
                &key.public_key(),
                b"x",
                &sig[..63]
            ));
        }
        assert!(HostCrypto.addr_validate("wasm1x").is_err());
        assert_ne!(random_bytes::<16>(), random_bytes::<16>());
    }
}
