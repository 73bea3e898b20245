//! Nightscout-compatible upload: what unchanged uploaders (xDrip+, AndroidAPS, Loop, Spike)
//! post to `POST /api/v1/entries` is parsed (`entries`), turned into batches of the patient's
//! uploader device signed with the key the relayer holds for it (`upload`), and stored like any
//! gateway's batch; `uploader` creates those devices.

pub mod entries;
pub mod follower;
pub mod read;
pub mod record_plan;
pub mod records;
pub mod served;
pub mod upload;
pub mod uploader;
pub mod v3;
