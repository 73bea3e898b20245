//! One reading as a CGM Observation, and its Provenance with the on-chain anchor.

use cosmwasm_std::Binary;
use diachain_std::encoding::{flags, ReadingKind};
use serde_json::{json, Value};

use super::{LOINC, UCUM};
use diachain_relayer_types::data::{Attestation, ServedBatch};
use diachain_relayer_types::fhir::{decimal, glucose_code, GlucoseCode, OBSERVATION_CATEGORY};
use diachain_relayer_types::proof::ProvenReading;
use diachain_relayer_types::wire::ReadingJson;

/// The extension on each Provenance that carries the anchor and the proof.
pub const ANCHOR_EXTENSION: &str = "https://diachain.dev/fhir/StructureDefinition/chain-anchor";
const ACCOUNT_SYSTEM: &str = "urn:diachain:account";
const DEVICE_SYSTEM: &str = "urn:diachain:device";
const READING_SYSTEM: &str = "urn:diachain:reading";

/// Where a batch is anchored.
pub struct Anchor<'a> {
    pub chain_id: &'a str,
    pub contract: &'a str,
    pub tx_hash: &'a str,
    pub height: u64,
    pub batch: &'a ServedBatch,
}

/// A FHIR id for a reading (device ids may hold `_`, which FHIR ids may not): `r` and the
/// first 63 hex digits of its leaf hash (unique: the leaf commits to a random salt).
pub fn reading_id(leaf_hash: &Binary) -> String {
    let hex = hex::encode(leaf_hash.as_slice());
    format!("r{}", &hex[..hex.len().min(63)])
}

/// The `urn:uuid:` a Bundle gives a resource (its `fullUrl`, and what references to it say):
/// a UUID made from the resource's type and id (SHA-256, with the version 8 and RFC 4122
/// variant bits set), so the same resource always has the same one.
pub fn full_url(resource_type: &str, id: &str) -> String {
    let digest =
        diachain_std::crypto::sha256(format!("diachain-fhir:{resource_type}/{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0F) | 0x80;
    b[8] = (b[8] & 0x3F) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The anchor height: a FHIR `integer` (32-bit) while it fits one, as it will for decades of
/// blocks; a string past it.
fn height_extension(height: u64) -> Value {
    match i32::try_from(height) {
        Ok(h) => ext("height", "valueInteger", json!(h)),
        Err(_) => ext("height", "valueString", json!(height.to_string())),
    }
}

/// The CGM sensor-reading Observation of a glucose reading (`None` for other kinds or units).
/// A reading flagged below or above the sensor's range keeps its value with the comparator
/// `<=` or `>=`: the true glucose was at most (at least) that.
pub fn observation(patient: &str, r: &ReadingJson) -> Option<Value> {
    if r.kind != ReadingKind::Glucose {
        return None;
    }
    // The CGM IG's codes (a finger stick as capillary blood by a meter, without the CGM
    // profile), as the research datasets code glucose.
    let GlucoseCode {
        loinc,
        display,
        ucum,
        profile,
    } = glucose_code(r.unit, r.flags & flags::METER != 0)?;
    let leaf = r.to_reading().ok()?.leaf_hash().ok()?;
    let mut quantity = json!({
        "value": decimal(r.value),
        "unit": ucum,
        "system": UCUM,
        "code": ucum,
    });
    if r.flags & flags::BELOW_RANGE != 0 {
        quantity["comparator"] = json!("<=");
    } else if r.flags & flags::ABOVE_RANGE != 0 {
        quantity["comparator"] = json!(">=");
    }
    let mut observation = json!({
        "resourceType": "Observation",
        "id": reading_id(&Binary::new(leaf.to_vec())),
        "identifier": [{ "system": READING_SYSTEM, "value": format!("{}/{}", r.device_id, r.seq) }],
        "status": "final",
        "category": [{ "coding": [{
            "system": OBSERVATION_CATEGORY,
            "code": "laboratory",
            "display": "Laboratory"
        }] }],
        "code": { "coding": [{ "system": LOINC, "code": loinc, "display": display }] },
        "subject": { "identifier": { "system": ACCOUNT_SYSTEM, "value": patient } },
        "effectiveDateTime": diachain_chain_client::time::rfc3339(r.measured_at),
        "valueQuantity": quantity,
        "device": { "identifier": { "system": DEVICE_SYSTEM, "value": r.device_id } },
    });
    if let Some(profile) = profile {
        observation["meta"] = json!({ "profile": [profile] });
    }
    Some(observation)
}

fn ext(url: &str, kind: &str, value: Value) -> Value {
    let mut e = json!({ "url": url });
    e[kind] = value;
    e
}

/// The Provenance of one served reading: its anchor, its proof, and who vouches for it.
pub fn provenance(a: &Anchor<'_>, proven: &ProvenReading) -> Value {
    let r = &proven.reading;
    let id = reading_id(&proven.leaf_hash);
    let canonical = r
        .to_reading()
        .ok()
        .and_then(|x| x.encode().ok())
        .unwrap_or_default();
    let (attestation, who, role) = match a.batch.attestation {
        Attestation::DeviceSigned => ("device-signed", &r.device_id, "author"),
        Attestation::RelayerAttested => ("relayer-attested", &r.device_id, "assembler"),
    };
    let mut parts = vec![
        ext("chainId", "valueString", json!(a.chain_id)),
        ext("contract", "valueString", json!(a.contract)),
        ext("txHash", "valueString", json!(a.tx_hash)),
        height_extension(a.height),
        ext("deviceId", "valueString", json!(r.device_id)),
        ext("seq", "valueString", json!(r.seq.to_string())),
        ext(
            "root",
            "valueBase64Binary",
            json!(a.batch.header.root.to_base64()),
        ),
        ext(
            "reading",
            "valueBase64Binary",
            json!(Binary::new(canonical).to_base64()),
        ),
        ext(
            "leafHash",
            "valueBase64Binary",
            json!(proven.leaf_hash.to_base64()),
        ),
        ext("leafIndex", "valueUnsignedInt", json!(proven.index)),
        ext("treeSize", "valueUnsignedInt", json!(a.batch.header.count)),
    ];
    parts.extend(
        proven
            .path
            .iter()
            .map(|h| ext("path", "valueBase64Binary", json!(h.to_base64()))),
    );
    parts.push(ext("attestation", "valueCode", json!(attestation)));
    parts.push(ext(
        "batchSignature",
        "valueBase64Binary",
        json!(a.batch.signature.to_base64()),
    ));
    json!({
        "resourceType": "Provenance",
        "id": format!("p{}", &id[1..]),
        "target": [{ "reference": full_url("Observation", &id) }],
        "recorded": diachain_chain_client::time::rfc3339(a.batch.received_at),
        "agent": [{
            "type": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                "code": role
            }] },
            "who": { "identifier": { "system": DEVICE_SYSTEM, "value": who } }
        }],
        "entity": [{
            "role": "source",
            "what": { "identifier": {
                "system": "urn:diachain:anchor",
                "value": format!("{}/{}/{}", a.chain_id, a.contract, a.tx_hash)
            } }
        }],
        "extension": [{ "url": ANCHOR_EXTENSION, "extension": parts }],
    })
}
