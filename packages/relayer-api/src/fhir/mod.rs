//! FHIR R4 export of served readings, after the HL7 CGM implementation guide (v1.0.0): a
//! `searchset` Bundle with one CGM sensor-reading Observation per glucose reading (LOINC
//! 99504-3 in mg/dL, 105272-9 in mmol/L, UCUM units, effective time, the device) and, included,
//! one Provenance per Observation that points at the reading's on-chain anchor: chain id,
//! contract, transaction, height, root, the reading's canonical bytes, leaf hash and audit
//! path, and whether the reading is device-signed or relayer-attested. A FHIR consumer can
//! recompute the leaf from the bytes, check the path against the root, and ask the contract
//! (`VerifyProof`) that the root is anchored.
//!
//! Only anchored readings are exported: every Observation can be verified now.

mod resources;

use serde_json::{json, Value};

use diachain_relayer_types::data::ReadingsResponse;
use diachain_relayer_types::state::AnchorState;

pub use resources::{observation, provenance, reading_id, Anchor, ANCHOR_EXTENSION};

/// The code systems and the CGM IG's profiles, shared with the research datasets' NDJSON.
pub use diachain_relayer_types::fhir::{LOINC, PROFILE_MASS, PROFILE_MOLAR, UCUM};

/// The served readings as a FHIR `searchset` Bundle: Observations (`match`) and their
/// Provenance (`include`); `now` is the Bundle's timestamp (Unix seconds), `self_url` the
/// request that produced it.
pub fn bundle(served: &ReadingsResponse, now: u64, self_url: &str) -> Value {
    let mut entries = Vec::new();
    let mut matches = 0u64;
    for batch in &served.batches {
        let AnchorState::Anchored { tx_hash, height } = &batch.anchoring else {
            continue;
        };
        for proven in &batch.readings {
            let Some(obs) = observation(&served.patient, &proven.reading) else {
                continue;
            };
            let anchor = Anchor {
                chain_id: &served.chain_id,
                contract: &served.anchors_contract,
                tx_hash,
                height: *height,
                batch,
            };
            let prov = provenance(&anchor, proven);
            entries.push(entry(obs, "match"));
            entries.push(entry(prov, "include"));
            matches += 1;
        }
    }
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": diachain_chain_client::time::rfc3339(now),
        "link": [{ "relation": "self", "url": self_url }],
        "total": matches,
        "entry": entries,
    })
}

/// A Bundle entry: its `fullUrl` is the resource's `urn:uuid:`, which the Provenance's target
/// names, so every reference resolves inside the Bundle.
fn entry(resource: Value, mode: &str) -> Value {
    let full_url = resources::full_url(
        resource["resourceType"].as_str().unwrap_or_default(),
        resource["id"].as_str().unwrap_or_default(),
    );
    json!({ "fullUrl": full_url, "resource": resource, "search": { "mode": mode } })
}

#[cfg(test)]
mod tests;
