//! Nightscout documents the relayer keeps beside the readings: treatments, device statuses and
//! profiles as the uploader app sent them (their words, identifiers and every field), sealed
//! under the patient's data key like the readings (an erasure shreds them with the readings).
//!
//! A document's numbers that matter clinically (insulin, carbohydrates, temporary basal rates,
//! batteries, reservoir, pump and loop state, the event itself) are also readings, anchored on
//! chain: [`NsDoc::readings`] names them, and what is served back takes those numbers from the
//! readings. A profile has no reading: it is settings, kept here only.

use diachain_std::encoding::ReadingKind;
use serde::{Deserialize, Serialize};

/// A collection of documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NsCollection {
    Treatments,
    DeviceStatus,
    Profile,
}

impl NsCollection {
    pub const ALL: [NsCollection; 3] = [
        NsCollection::Treatments,
        NsCollection::DeviceStatus,
        NsCollection::Profile,
    ];

    pub const fn code(self) -> u8 {
        match self {
            NsCollection::Treatments => 1,
            NsCollection::DeviceStatus => 2,
            NsCollection::Profile => 3,
        }
    }

    /// Nightscout's name.
    pub const fn name(self) -> &'static str {
        match self {
            NsCollection::Treatments => "treatments",
            NsCollection::DeviceStatus => "devicestatus",
            NsCollection::Profile => "profile",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One reading that anchors a number of a document: the uploader's reading of this kind
/// measured at this second (its latest version).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocReading {
    pub time: u64,
    pub kind: ReadingKind,
}

/// A kept document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NsDoc {
    /// Unique in its collection for the patient: the app's (API v3 `identifier`, a v1 `_id`)
    /// or one derived from what identifies it (its time and event type, or device).
    pub identifier: String,
    /// The uploader that sent it.
    pub device_id: String,
    /// Its time, Unix milliseconds.
    pub date_ms: u64,
    /// When the relayer first kept it and last changed it, Unix milliseconds.
    pub srv_created: u64,
    pub srv_modified: u64,
    /// Deleted by the app (API v3 soft delete): kept, not served in searches, served in
    /// history.
    #[serde(default = "yes")]
    pub is_valid: bool,
    pub readings: Vec<DocReading>,
    /// The document as the app sent it.
    pub body: serde_json::Value,
}

fn yes() -> bool {
    true
}

/// What keeping a document did.
#[derive(Clone, Debug, PartialEq)]
pub enum PutOutcome {
    Created,
    /// A document with its identifier was kept: it is replaced.
    Replaced(Box<NsDoc>),
    /// Nothing: the document is measured at or before the patient's last erasure (Unix
    /// seconds), which may have happened while it was being uploaded.
    Erased(u64),
}
