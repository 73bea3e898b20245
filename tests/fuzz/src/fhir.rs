//! The FHIR mapping: served readings as a FHIR Bundle of Observations and their Provenance
//! (`relayer-api`'s `fhir::bundle`), and the research datasets' Observations read back
//! (`dataset::fhir::decode_observation`).

use cosmwasm_std::Binary;
use diachain_relayer_api::fhir::bundle;
use diachain_relayer_types::data::{
    AccessBasis, Attestation, Basis, ReadingsResponse, ServedBatch,
};
use diachain_relayer_types::dataset::{decode_observation, observation};
use diachain_relayer_types::proof::prove_selected;
use diachain_relayer_types::state::AnchorState;
use diachain_std::encoding::{ReadingKind, Unit};
use diachain_std::merkle::{self, Hash};
use diachain_std::{DataScope, Reading};
use serde_json::Value;

use crate::gateway::{device_key, gateway_batch};
use crate::input::Input;

const PATIENT: &str = "wasm1patient0000000000000000000000000000";

/// What the relayer serves for the batch the bytes describe (`gateway::gateway_batch`: any
/// kinds, units, values, flags and device ids), anchored at a height from the bytes.
pub fn served_of(input: &mut Input) -> (ReadingsResponse, Vec<Reading>) {
    let batch = gateway_batch(input);
    let height = input.u64();
    let attestation = if input.bool() {
        Attestation::RelayerAttested
    } else {
        Attestation::DeviceSigned
    };
    let key = device_key(batch.algorithm);
    let req = diachain_relayer_types::gateway::signed_request(
        &key,
        &batch.readings,
        &crate::encoding::DOMAIN,
        batch.version,
    )
    .expect("a batch of one device and day signs");
    let proven = prove_selected(&batch.readings, |_| true).expect("readings hash");
    let first = batch.readings[0].measured_at;
    let served = ReadingsResponse {
        patient: PATIENT.into(),
        scope: DataScope::Glucose,
        from: first,
        to: first + 86_399,
        chain_id: crate::encoding::DOMAIN.chain_id.into(),
        anchors_contract: crate::encoding::DOMAIN.contract.into(),
        access: AccessBasis {
            basis: Basis::Grant,
            grant_id: Some(1),
            record: Some(1),
        },
        count: proven.len() as u64,
        batches: vec![ServedBatch {
            batch_id: 1,
            received_at: first,
            received_at_ms: first.saturating_mul(1000),
            header: req.header,
            signature: req.signature,
            attestation,
            anchoring: AnchorState::Anchored {
                tx_hash: "A1B2C3".into(),
                height,
            },
            readings: proven,
        }],
    };
    (served, batch.readings)
}

fn is_fhir_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Target `fhir_bundle`: for readings of any kind, unit, value, flags and device id, the Bundle
/// is JSON that reads back to itself (exactly, for values of up to 15 significant digits); it holds one Observation and one Provenance for exactly
/// each glucose reading in mg/dL or mmol/L, and `total` counts them; every id is a valid FHIR
/// id, every Provenance's target is an entry of the Bundle; each Observation's value is the
/// reading's and its time the reading's second; each Provenance carries the reading's canonical
/// bytes and a path that rebuilds the anchored root.
pub fn fhir_bundle(bytes: &[u8]) {
    let (served, readings) = served_of(&mut Input::new(bytes));
    let b = bundle(&served, 1_767_225_600, "https://relayer.example/fhir");
    let text = serde_json::to_string(&b).expect("the bundle serialises");
    let reread: Value = serde_json::from_str(&text).expect("the bundle is JSON");
    // Values are exact up to 15 significant digits (`fhir::decimal`, a double's); beyond, JSON
    // numbers read back within a unit of the last place (serde_json's float parsing), so the
    // exact comparison holds for every reading a device could measure.
    if readings
        .iter()
        .all(|r| r.value.unsigned_abs() < 1_000_000_000_000_000)
    {
        assert_eq!(reread, b);
    }
    let glucose: Vec<&Reading> = readings
        .iter()
        .filter(|r| r.kind == ReadingKind::Glucose)
        .filter(|r| matches!(r.unit, Unit::MgPerDl | Unit::MmolPerL))
        .collect();
    let entries = b["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 2 * glucose.len());
    assert_eq!(b["total"].as_u64(), Some(glucose.len() as u64));
    let urls: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    let root = served.batches[0].header.root.as_slice();
    for (pair, r) in entries.chunks(2).zip(glucose) {
        let (obs, prov) = (&pair[0]["resource"], &pair[1]["resource"]);
        assert_eq!(obs["resourceType"], "Observation");
        assert_eq!(prov["resourceType"], "Provenance");
        assert!(is_fhir_id(obs["id"].as_str().expect("id")));
        assert!(is_fhir_id(prov["id"].as_str().expect("id")));
        let target = prov["target"][0]["reference"].as_str().expect("a target");
        assert!(urls.contains(&target));
        let value = obs["valueQuantity"]["value"].as_f64().expect("a number");
        let expected = r.value as f64 / 1000.0;
        assert!(
            (value - expected).abs() <= expected.abs() * 1e-15 + 1e-9,
            "{value} {expected}"
        );
        let time = obs["effectiveDateTime"].as_str().expect("a time");
        assert_eq!(
            diachain_chain_client::time::rfc3339_seconds(time),
            Some(r.measured_at)
        );
        check_provenance(prov, r, root);
    }
}

fn check_provenance(prov: &Value, r: &Reading, root: &[u8]) {
    let parts = prov["extension"][0]["extension"].as_array().expect("parts");
    let part = |name: &str| -> Vec<&Value> {
        parts
            .iter()
            .filter(|p| p["url"] == name)
            .map(|p| &p["valueBase64Binary"])
            .collect()
    };
    let b64 = |v: &Value| Binary::from_base64(v.as_str().expect("base64")).expect("base64");
    let reading = Reading::decode(&b64(part("reading")[0])).expect("canonical bytes");
    assert_eq!(&reading, r);
    let leaf: Hash = reading.leaf_hash().expect("hash");
    let path: Vec<Hash> = part("path")
        .into_iter()
        .map(|v| b64(v).as_slice().try_into().expect("32 bytes"))
        .collect();
    let index = parts
        .iter()
        .find(|p| p["url"] == "leafIndex")
        .expect("index")["valueUnsignedInt"]
        .as_u64()
        .expect("a number");
    let size = parts.iter().find(|p| p["url"] == "treeSize").expect("size")["valueUnsignedInt"]
        .as_u64()
        .expect("a number");
    let rebuilt = merkle::root_from_proof(&leaf, index, size, &path).expect("a valid path");
    assert_eq!(rebuilt.as_slice(), root);
}

/// Target `fhir_dataset_row`: any JSON is read as a research dataset's Observation or refused
/// with a `RowError`, never a panic; an Observation read back is written again as one that
/// reads back to the same row and study.
pub fn fhir_dataset_row(bytes: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let Ok((study, row)) = decode_observation(&value) else {
        return;
    };
    let again = observation(&row, study);
    match decode_observation(&again) {
        Ok(read) => assert_eq!(read, (study, row)),
        Err(e) => panic!("an Observation written from a row is refused: {e}"),
    }
}
