//! The relayer's chain key, from a key file or a mnemonic file.

use std::path::Path;

use diachain_chain_client::{Signer, WASM_PREFIX};

use crate::config::{ChainSection, ConfigError};

/// The signer `[chain] key_file` or `mnemonic_file` names (exactly one of them).
pub fn load_signer(chain: &ChainSection) -> Result<Signer, ConfigError> {
    match (&chain.key_file, &chain.mnemonic_file) {
        (Some(_), Some(_)) => Err(ConfigError::BothKeys),
        (Some(path), None) => {
            Signer::from_key_file(path, WASM_PREFIX).map_err(ConfigError::ChainKey)
        }
        (None, Some(path)) => signer_from_mnemonic_file(path),
        (None, None) => Err(ConfigError::Missing(
            "the relayer's chain key: --key-file or --mnemonic-file (create one with `keys create`)",
        )),
    }
}

/// A mnemonic file ([`Signer::from_mnemonic_file`]), its error as a configuration error.
pub fn signer_from_mnemonic_file(path: &Path) -> Result<Signer, ConfigError> {
    Signer::from_mnemonic_file(path, WASM_PREFIX).map_err(ConfigError::ChainKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHRASE: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    #[test]
    fn mnemonic_files_in_text_and_json_give_the_same_key_and_others_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("m.txt");
        std::fs::write(&text, format!("{PHRASE}\n")).unwrap();
        let json = dir.path().join("m.json");
        std::fs::write(
            &json,
            serde_json::json!({ "name": "relayer", "mnemonic": PHRASE }).to_string(),
        )
        .unwrap();
        let a = signer_from_mnemonic_file(&text).unwrap();
        let b = signer_from_mnemonic_file(&json).unwrap();
        assert_eq!(a.address(), b.address());
        assert!(a.address().starts_with("wasm1"));
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"name\":\"x\"}").unwrap();
        assert!(signer_from_mnemonic_file(&bad)
            .unwrap_err()
            .to_string()
            .contains("mnemonic"));
        let both = ChainSection {
            key_file: Some(text.clone()),
            mnemonic_file: Some(text),
            ..Default::default()
        };
        assert!(load_signer(&both).is_err());
        assert!(load_signer(&ChainSection::default())
            .unwrap_err()
            .to_string()
            .contains("keys create"));
    }
}
