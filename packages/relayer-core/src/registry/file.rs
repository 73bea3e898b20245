//! A development registry without a chain (`serve --registry-file devices.json`): the devices
//! of a JSON file of `{ "<device id>": AnchoringDevice }`, as the registry's `AnchoringInfo`
//! would answer for them. Nothing is anchored with it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use diachain_std::registry::AnchoringDevice;

use super::{RegistryError, RegistryView};
use crate::BoxFuture;

/// Why a registry file cannot be used.
#[derive(thiserror::Error, Debug)]
pub enum FileRegistryError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a device map: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The devices of a registry file.
#[derive(Default)]
pub struct FileRegistry {
    devices: HashMap<String, AnchoringDevice>,
}

impl FileRegistry {
    /// Reads `{ "<device id>": AnchoringDevice, ... }` (the registry's JSON types).
    pub fn from_json_file(path: &Path) -> Result<Self, FileRegistryError> {
        let text = std::fs::read_to_string(path).map_err(|source| FileRegistryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let devices = serde_json::from_str(&text).map_err(|source| FileRegistryError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(FileRegistry { devices })
    }
}

impl RegistryView for FileRegistry {
    fn anchoring_devices<'a>(
        &'a self,
        device_ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<AnchoringDevice>>, RegistryError>> {
        let found = device_ids
            .iter()
            .map(|id| self.devices.get(id).cloned())
            .collect();
        Box::pin(std::future::ready(Ok(found)))
    }
}
