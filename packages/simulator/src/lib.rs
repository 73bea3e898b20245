//! The gateway simulator (`diachain-simulate`), a development and benchmarking tool kept out
//! of the relayer's binary: a fleet of devices with keys derived from a seed, registered by the
//! manufacturer and bound to a patient on chain, streaming device-signed batches of readings
//! in real time to a relayer's `POST /v1/batches`. It speaks to the relayer only through the
//! wire types of `diachain-relayer-types` (as any gateway would) and to the chain through the
//! chain client.
//!
//! | module | concern |
//! | --- | --- |
//! | `acks` | the acknowledgement log (`--acks`): a line per batch answered 201 |
//! | `cli` | the command line and the run: set up, stream, summary |
//! | `keys` | device keys derived from the seed |
//! | `fleet` | the people and devices of a seed: ids, kinds, algorithms, profiles (pump, pens and app, CGM only) |
//! | `chain` | registration (RegisterDevices) and binding (BindDevice) on chain, skipping what is done |
//! | `physiology` | the simulated person: glucose, insulin and carbohydrates, minute by minute |
//! | `therapy` | pumps and injections, the actions a pump, pen or app logs and their readings |
//! | `person` | one person's devices: glucose every interval, what their pump, pen or app logged |
//! | `readings` | the timing rules and plausible CGM values |
//! | `state` | the state file: each device's next seq and last measurement time |
//! | `http` | a small HTTP/1.1 client for `POST /v1/batches` |
//! | `deliver` | one batch to the relayer: retries, renumbering after a 409, the tally |
//! | `stream` | one task per person, stop conditions, the summary |
//! | `signal` | SIGINT and SIGTERM |

pub mod acks;
pub mod chain;
pub mod cli;
pub mod deliver;
pub mod fleet;
pub mod http;
pub mod keys;
pub mod person;
pub mod physiology;
pub mod readings;
pub mod signal;
pub mod state;
pub mod stream;
pub mod summary;
pub mod therapy;

use diachain_std::KeyAlgorithm;

/// Everything that can stop the simulator.
#[derive(thiserror::Error, Debug)]
pub enum SimError {
    #[error(transparent)]
    Chain(#[from] diachain_chain_client::Error),
    #[error("device key: no valid {algorithm:?} key for {label}")]
    Key {
        algorithm: KeyAlgorithm,
        label: String,
    },
    #[error("state file {path}: {reason}")]
    State { path: String, reason: String },
    #[error("relayer {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("relayer: {0}")]
    Http(#[from] hyper::Error),
    #[error("relayer: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("relayer: {code}")]
    Unavailable { code: String },
    #[error("relayer: not sent")]
    NotSent,
    /// A setting the simulator cannot use (the message names it).
    #[error("{0}")]
    Invalid(String),
    #[error("encoding: {0}")]
    Encoding(#[from] diachain_std::encoding::EncodingError),
    #[error("batch: {0}")]
    Batch(#[from] diachain_relayer_types::gateway::BatchError),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// This machine's clock in Unix seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
