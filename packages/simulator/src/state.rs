//! The state file (`--state`): each device's next sequence number and last measurement time,
//! so a rerun continues where the last one stopped. Written to a temporary file and renamed, so
//! a crash leaves the previous version.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SimError;

/// One device's progress: what the relayer accepted so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    /// The sequence number of the device's next reading.
    pub next_seq: u64,
    /// Measurement time of the device's last accepted reading.
    pub last_time: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimState {
    pub devices: BTreeMap<String, DeviceState>,
}

impl SimState {
    /// The state in `path`; empty if the file does not exist.
    pub fn load(path: &Path) -> Result<Self, SimError> {
        let err = |reason: String| SimError::State {
            path: path.display().to_string(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| err(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SimState::default()),
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// Writes the state to `path` (through a temporary file beside it).
    pub fn save(&self, path: &Path) -> Result<(), SimError> {
        let err = |reason: String| SimError::State {
            path: path.display().to_string(),
            reason,
        };
        let text = serde_json::to_vec_pretty(self).map_err(|e| err(e.to_string()))?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
    }

    /// Records that the relayer holds `device_id`'s readings up to `last_seq`, measured up to
    /// `last_time`.
    pub fn accepted(&mut self, device_id: &str, last_seq: u64, last_time: u64) {
        let entry = self.devices.entry(device_id.to_string()).or_default();
        entry.next_seq = entry.next_seq.max(last_seq.saturating_add(1));
        entry.last_time = Some(entry.last_time.map_or(last_time, |t| t.max(last_time)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.json");
        assert_eq!(SimState::load(&path).unwrap(), SimState::default());
        let mut s = SimState::default();
        s.accepted("sim-cgm-1", 12, 1_000);
        s.accepted("sim-cgm-1", 24, 2_000);
        s.accepted("sim-cgm-1", 5, 500);
        s.save(&path).unwrap();
        let back = SimState::load(&path).unwrap();
        assert_eq!(
            back.devices["sim-cgm-1"],
            DeviceState {
                next_seq: 25,
                last_time: Some(2_000)
            }
        );
        std::fs::write(&path, "{").unwrap();
        assert!(SimState::load(&path).is_err());
    }
}
