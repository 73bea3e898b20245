//! `generate-master-key`.

use std::io::Write;
use std::path::Path;

use super::CliResult;
use crate::store::crypto::MasterKey;

pub fn generate(out: &Path) -> CliResult {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(out)
        .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    writeln!(file, "{}", MasterKey::generate().to_hex())?;
    file.sync_all()?;
    println!("wrote a new master key to {}", out.display());
    Ok(())
}
