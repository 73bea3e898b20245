//! The acknowledgement log (`--acks FILE`): one JSON line per batch the relayer answered 201
//! (stored, or the stored answer to an identical batch it already held), appended as the answer
//! arrives. A fault test (scripts/fault-kill.sh) compares it with the relayer's store and the
//! chain: every batch named here must be stored and anchored exactly once.
//!
//! A line: `{"device":"…","first_seq":13,"last_seq":24,"readings":12,"replayed":false}`.
//! Each line is written with one `write` call on a file opened for appending, so a line is
//! never interleaved with another, and is on disk before the next batch is posted (the
//! simulator is not the process a fault test kills; a crash of it may lose the last line).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SimError;

/// One acknowledged batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub device: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub readings: u64,
    /// The relayer answered with its stored answer (`idempotent-replayed: true`).
    pub replayed: bool,
}

/// The open log.
pub struct AckLog {
    path: PathBuf,
    file: File,
}

impl AckLog {
    /// Opens `path` for appending (created if missing; earlier lines are kept, so reruns of a
    /// fault test add to one log).
    pub fn open(path: &Path) -> Result<Self, SimError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| ack_error(path, &e))?;
        Ok(AckLog {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends `ack` as one line.
    pub fn record(&mut self, ack: &Ack) -> Result<(), SimError> {
        let mut line = serde_json::to_vec(ack)?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .map_err(|e| ack_error(&self.path, &e))
    }
}

/// Every acknowledgement in the log at `path`, in the order written.
pub fn read_acks(path: &Path) -> Result<Vec<Ack>, SimError> {
    let text = std::fs::read_to_string(path).map_err(|e| ack_error(path, &e))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(SimError::from))
        .collect()
}

fn ack_error(path: &Path, e: &std::io::Error) -> SimError {
    SimError::State {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_are_appended_one_line_each_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acks.jsonl");
        let a = Ack {
            device: "gw-1".into(),
            first_seq: 1,
            last_seq: 12,
            readings: 12,
            replayed: false,
        };
        let b = Ack {
            device: "gw-2".into(),
            first_seq: 13,
            last_seq: 24,
            readings: 12,
            replayed: true,
        };
        AckLog::open(&path).unwrap().record(&a).unwrap();
        // A second opening appends.
        AckLog::open(&path).unwrap().record(&b).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.starts_with(r#"{"device":"gw-1","first_seq":1,"last_seq":12"#));
        assert_eq!(read_acks(&path).unwrap(), vec![a, b]);
        std::fs::write(&path, "{\n").unwrap();
        assert!(read_acks(&path).is_err());
        assert!(AckLog::open(&dir.path().join("no/such/dir/acks")).is_err());
    }
}
