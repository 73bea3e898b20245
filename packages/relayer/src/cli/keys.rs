//! `generate-master-key` and `keys create|show`.

use std::io::Write;
use std::path::Path;

use diachain_chain_client::{Signer, WASM_PREFIX};

use diachain_relayer_core::store::crypto::MasterKey;

use super::{load_signer, CliError, CliResult};
use crate::config::ChainSection;

pub fn generate(out: &Path) -> CliResult {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(out).map_err(|source| CliError::Create {
        path: out.to_path_buf(),
        source,
    })?;
    writeln!(file, "{}", MasterKey::generate().to_hex())?;
    file.sync_all()?;
    println!("wrote a new master key to {}", out.display());
    Ok(())
}

/// `keys create --out FILE`: a new secp256k1 chain key in a new file (mode 0600); prints its
/// address as JSON.
pub fn create(out: &Path) -> CliResult {
    let signer = Signer::generate(WASM_PREFIX)?;
    signer.write_key_file(out)?;
    print_key(&signer, Some(out))
}

/// `keys show`: the address of the configured key.
pub fn show(chain: &ChainSection) -> CliResult {
    let signer = load_signer(chain)?;
    print_key(
        &signer,
        chain.key_file.as_deref().or(chain.mnemonic_file.as_deref()),
    )
}

fn print_key(signer: &Signer, file: Option<&Path>) -> CliResult {
    let out = serde_json::json!({
        "address": signer.address(),
        "public_key": hex::encode(signer.public_key().to_bytes()),
        "file": file.map(|f| f.display().to_string()),
    });
    println!("{out}");
    Ok(())
}
