//! A secp256k1 account key: from a BIP-39 mnemonic (Cosmos HD path `m/44'/118'/0'/0/0`), from a
//! raw key file, or freshly generated; its bech32 address; SIGN_MODE_DIRECT signatures.

use std::fmt;
use std::io::Write as _;
use std::path::Path;

use bip32::{DerivationPath, XPrv};
use cosmrs::crypto::PublicKey;
use cosmrs::AccountId;
use k256::ecdsa::SigningKey as K256Key;

use crate::error::Error;

/// The Cosmos HD path of the first account (coin type 118), as `wasmd keys add` derives it.
pub const COSMOS_HD_PATH: &str = "m/44'/118'/0'/0/0";
/// wasmd's bech32 account prefix.
pub const WASM_PREFIX: &str = "wasm";

/// A secp256k1 signing key with its public key and address.
///
/// `Debug` shows the address only; the secret never leaves except through
/// [`Signer::write_key_file`].
#[derive(Clone)]
pub struct Signer {
    key: K256Key,
    public_key: PublicKey,
    address: AccountId,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("address", &self.address.as_ref())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// The key of a BIP-39 mnemonic (English, 12 to 24 words, no passphrase) on
    /// [`COSMOS_HD_PATH`], with
    /// addresses under `prefix` (`wasm`).
    pub fn from_mnemonic(phrase: &str, prefix: &str) -> Result<Self, Error> {
        Self::from_mnemonic_path(phrase, COSMOS_HD_PATH, prefix)
    }

    /// The key of a mnemonic file: the phrase as plain text, or JSON with a `mnemonic` field
    /// (as `wasmd keys add --output json` prints it, which `scripts/chain.sh` keeps in
    /// `.chain/<chain-id>/logs/key-<name>.json`).
    pub fn from_mnemonic_file(path: impl AsRef<Path>, prefix: &str) -> Result<Self, Error> {
        let path = path.as_ref();
        let invalid = |why: String| Error::Key(format!("{}: {why}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        let phrase = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => v
                .get("mnemonic")
                .and_then(|m| m.as_str())
                .map(str::to_string)
                .ok_or_else(|| invalid("JSON without a \"mnemonic\" field".into()))?,
            Err(_) => text.trim().to_string(),
        };
        Self::from_mnemonic(&phrase, prefix).map_err(|e| invalid(e.to_string()))
    }

    /// The key of a BIP-39 mnemonic (English, no passphrase) on the HD path `path`.
    pub fn from_mnemonic_path(phrase: &str, path: &str, prefix: &str) -> Result<Self, Error> {
        // Normalise whitespace: key files and environment variables often carry newlines.
        let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, phrase)
            .map_err(|e| Error::Key(format!("invalid mnemonic: {e}")))?;
        let path: DerivationPath = path
            .parse()
            .map_err(|e| Error::Key(format!("invalid HD path {path}: {e}")))?;
        let seed = mnemonic.to_seed("");
        let xprv = XPrv::derive_from_path(seed, &path)
            .map_err(|e| Error::Key(format!("HD derivation: {e}")))?;
        Self::from_key(xprv.private_key().clone(), prefix)
    }

    /// The key whose 32-byte secret scalar (big endian) is `secret`.
    pub fn from_secret(secret: &[u8], prefix: &str) -> Result<Self, Error> {
        let key = K256Key::from_slice(secret)
            .map_err(|_| Error::Key("not a valid 32-byte secp256k1 secret key".into()))?;
        Self::from_key(key, prefix)
    }

    /// The key in a raw key file: the 32-byte secret as 64 hex digits (an optional `0x` and
    /// surrounding whitespace are allowed), as [`Signer::write_key_file`] writes it.
    pub fn from_key_file(path: impl AsRef<Path>, prefix: &str) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Key(format!("{}: {e}", path.display())))?;
        let hex_text = text.trim();
        let hex_text = hex_text.strip_prefix("0x").unwrap_or(hex_text);
        let secret = hex::decode(hex_text).map_err(|_| {
            Error::Key(format!(
                "{}: expected the secret key as 64 hex digits",
                path.display()
            ))
        })?;
        Self::from_secret(&secret, prefix)
            .map_err(|e| Error::Key(format!("{}: {e}", path.display())))
    }

    /// A new random key.
    pub fn generate(prefix: &str) -> Result<Self, Error> {
        Self::from_key(K256Key::random(&mut rand_core::OsRng), prefix)
    }

    /// Writes the secret as 64 hex digits and a newline to a new file readable by its owner only
    /// (mode 0600 on Unix). Refuses to overwrite an existing file.
    pub fn write_key_file(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(path)
            .map_err(|e| Error::Key(format!("{}: {e}", path.display())))?;
        let mut text = hex::encode(self.key.to_bytes());
        text.push('\n');
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::Key(format!("{}: {e}", path.display())))
    }

    fn from_key(key: K256Key, prefix: &str) -> Result<Self, Error> {
        let public_key = PublicKey::from(*key.verifying_key());
        let address = public_key
            .account_id(prefix)
            .map_err(|e| Error::Key(format!("address with prefix {prefix}: {e}")))?;
        Ok(Signer {
            key,
            public_key,
            address,
        })
    }

    /// The bech32 address (`wasm1…`).
    pub fn address(&self) -> &str {
        self.address.as_ref()
    }

    /// The address as cosmrs's type.
    pub fn account_id(&self) -> &AccountId {
        &self.address
    }

    /// The public key (compressed secp256k1).
    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    /// A low-S ECDSA signature (r‖s) over a 32-byte digest: for off-chain signatures such as
    /// ADR-036 arbitrary data, whose digest the caller computes.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; 64], Error> {
        use k256::ecdsa::signature::hazmat::PrehashSigner;
        let sig: k256::ecdsa::Signature = self
            .key
            .sign_prehash(digest)
            .map_err(|e| Error::Key(format!("signing: {e}")))?;
        let sig = sig.normalize_s().unwrap_or(sig);
        Ok(sig.to_bytes().into())
    }

    /// The key as cosmrs's signing key (for `SignDoc::sign`).
    pub(crate) fn cosmrs_key(&self) -> cosmrs::crypto::secp256k1::SigningKey {
        cosmrs::crypto::secp256k1::SigningKey::new(Box::new(self.key.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The BIP-39 test mnemonic (all "abandon" and "about").
    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                           abandon abandon abandon about";

    #[test]
    fn mnemonic_derives_the_address_wasmd_derives() {
        // `wasmd keys add x --recover` with this mnemonic shows this address.
        let s = Signer::from_mnemonic(ABANDON, "wasm").unwrap();
        assert_eq!(s.address(), ABANDON_WASM_ADDRESS);
        assert_eq!(hex::encode(s.public_key().to_bytes()), ABANDON_PUBKEY_HEX);
    }

    #[test]
    fn the_same_key_gives_the_same_account_under_another_prefix() {
        let s = Signer::from_mnemonic(ABANDON, "cosmos").unwrap();
        assert_eq!(s.address(), "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4");
    }

    #[test]
    fn mnemonic_whitespace_is_normalised() {
        let messy = format!("  {}\n", ABANDON.replace(' ', "\n"));
        let a = Signer::from_mnemonic(&messy, "wasm").unwrap();
        assert_eq!(a.address(), ABANDON_WASM_ADDRESS);
    }

    #[test]
    fn a_bad_mnemonic_is_a_key_error() {
        let bad = ABANDON.replace("about", "abandon");
        assert!(matches!(
            Signer::from_mnemonic(&bad, "wasm"),
            Err(Error::Key(_))
        ));
    }

    #[test]
    fn secret_key_one_has_the_generator_as_public_key() {
        let mut secret = [0u8; 32];
        secret[31] = 1;
        let s = Signer::from_secret(&secret, "wasm").unwrap();
        assert_eq!(
            hex::encode(s.public_key().to_bytes()),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        );
        assert!(Signer::from_secret(&[0u8; 32], "wasm").is_err());
    }

    #[test]
    fn key_files_round_trip_and_are_private() {
        let dir = std::env::temp_dir().join(format!("cc-signer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("relayer.key");
        let _ = std::fs::remove_file(&path);
        let s = Signer::generate("wasm").unwrap();
        s.write_key_file(&path).unwrap();
        assert_eq!(
            Signer::from_key_file(&path, "wasm").unwrap().address(),
            s.address()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(s.write_key_file(&path).is_err(), "overwrote a key file");
        std::fs::write(&path, "0x not hex").unwrap();
        assert!(matches!(
            Signer::from_key_file(&path, "wasm"),
            Err(Error::Key(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let mut secret = [0u8; 32];
        secret[31] = 1;
        let s = Signer::from_secret(&secret, "wasm").unwrap();
        let dbg = format!("{s:?}");
        assert!(dbg.contains(s.address()));
        assert!(!dbg.contains("0000000000000001"));
    }

    // `wasm` form of the well-known cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4; address and
    // public key as `wasmd keys add --recover` (v0.70.3) shows them for this mnemonic.
    const ABANDON_WASM_ADDRESS: &str = "wasm19rl4cm2hmr8afy4kldpxz3fka4jguq0akuugk7";
    const ABANDON_PUBKEY_HEX: &str =
        "024f4e2ad99c34d60b9ba6283c9431a8418af8673212961f97a77b6377fcd05b62";
}
