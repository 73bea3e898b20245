//! A gateway simulator for local networks (`diachain-relayer simulate`): a fleet of devices
//! with keys derived from a seed, registered by the manufacturer and bound to a patient on
//! chain, streaming device-signed batches of readings in real time to a relayer.
//!
//! | module | concern |
//! | --- | --- |
//! | `keys` | device keys derived from the seed; signing as devices sign |
//! | `fleet` | the devices of a seed: ids, kinds, algorithms |
//! | `chain` | registration (RegisterDevices) and binding (BindDevice) on chain, skipping what is done |
//! | `readings` | the timing rules and plausible CGM values |
//! | `batch` | batches cut at `--batch-readings` or a UTC day boundary; root and signature |
//! | `state` | the state file: each device's next seq and last measurement time |
//! | `http` | a small HTTP/1.1 client for `POST /v1/batches` |
//! | `deliver` | one batch to the relayer: retries, renumbering after a 409, the tally |
//! | `stream` | one task per device, stop conditions, the summary |

pub mod batch;
pub mod chain;
pub mod deliver;
pub mod fleet;
pub mod http;
pub mod keys;
pub mod readings;
pub mod state;
pub mod stream;
pub mod summary;

/// Everything that can stop the simulator.
#[derive(thiserror::Error, Debug)]
pub enum SimError {
    #[error(transparent)]
    Chain(#[from] diachain_chain_client::Error),
    #[error("device key: {0}")]
    Key(String),
    #[error("state file {path}: {reason}")]
    State { path: String, reason: String },
    #[error("relayer: {0}")]
    Http(String),
    #[error("{0}")]
    Invalid(String),
    #[error("encoding: {0}")]
    Encoding(#[from] diachain_std::encoding::EncodingError),
}

pub use crate::ingest::unix_now;
