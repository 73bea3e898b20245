//! The FHIR mapping: codes and units per the CGM IG, sensor-range markers, ids FHIR accepts,
//! and a Provenance from which the reading can be verified without the relayer.

use cosmwasm_std::Binary;
use diachain_std::encoding::{flags, ReadingKind, Unit};
use diachain_std::merkle;
use diachain_std::testing::TestKey;
use diachain_std::{DataScope, KeyAlgorithm, Reading};
use serde_json::Value;

use diachain_relayer_fixtures::{self as fixtures, ANCHORS, CHAIN_ID, DAY0, PATIENT};
use diachain_relayer_types::data::{
    AccessBasis, Attestation, Basis, ReadingsResponse, ServedBatch,
};
use diachain_relayer_types::proof::prove_selected;
use diachain_relayer_types::state::AnchorState;

use super::*;

fn served(unit: Unit, values: &[(i64, u16)], anchored: bool) -> ReadingsResponse {
    let key = TestKey::new(KeyAlgorithm::Ed25519, 3);
    let mut b = fixtures::batch(&key, "cgm_under_score-01", 1, values.len() as u32, DAY0);
    for (r, (v, f)) in b.readings.iter_mut().zip(values) {
        r.unit = unit;
        r.value = *v;
        r.flags = *f;
    }
    let readings: Vec<Reading> = b.readings.clone();
    let leaves: Vec<merkle::Hash> = readings.iter().map(|r| r.leaf_hash().unwrap()).collect();
    let mut header = b.header.clone();
    header.root = Binary::new(merkle::root(&leaves).to_vec());
    let proven = prove_selected(&readings, |_| true).unwrap();
    ReadingsResponse {
        patient: PATIENT.into(),
        scope: DataScope::Glucose,
        from: DAY0,
        to: DAY0 + 86_399,
        chain_id: CHAIN_ID.into(),
        anchors_contract: ANCHORS.into(),
        access: AccessBasis {
            basis: Basis::Grant,
            grant_id: Some(4),
            record: Some(1),
        },
        count: proven.len() as u64,
        batches: vec![ServedBatch {
            batch_id: 1,
            received_at: DAY0 + 3_600,
            received_at_ms: (DAY0 + 3_600) * 1000,
            header,
            signature: b.signature,
            attestation: Attestation::DeviceSigned,
            anchoring: if anchored {
                AnchorState::Anchored {
                    tx_hash: "ABCD".into(),
                    height: 77,
                }
            } else {
                AnchorState::Pending
            },
            readings: proven,
        }],
    }
}

fn export(s: &ReadingsResponse) -> Value {
    bundle(s, DAY0, "/v1/patients/x/fhir/Observation?from=1&to=2")
}

fn observations(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["search"]["mode"] == "match")
        .map(|e| &e["resource"])
        .collect()
}

fn provenances(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["search"]["mode"] == "include")
        .map(|e| &e["resource"])
        .collect()
}

#[test]
fn mg_per_dl_readings_are_cgm_mass_observations_with_loinc_99504_3_and_ucum() {
    let b = export(&served(Unit::MgPerDl, &[(142_000, 0), (98_500, 0)], true));
    assert_eq!(
        (b["resourceType"].as_str(), b["type"].as_str()),
        (Some("Bundle"), Some("searchset"))
    );
    assert_eq!(b["total"], 2);
    let o = observations(&b);
    assert_eq!(o[0]["code"]["coding"][0]["code"], "99504-3");
    assert_eq!(o[0]["code"]["coding"][0]["system"], LOINC);
    assert_eq!(o[0]["meta"]["profile"][0], PROFILE_MASS);
    assert_eq!(o[0]["category"][0]["coding"][0]["code"], "laboratory");
    assert_eq!(o[0]["valueQuantity"]["value"], serde_json::json!(142));
    assert_eq!(o[1]["valueQuantity"]["value"], serde_json::json!(98.5));
    assert_eq!(o[0]["valueQuantity"]["code"], "mg/dL");
    assert_eq!(o[0]["valueQuantity"]["system"], UCUM);
    assert_eq!(o[0]["status"], "final");
    assert_eq!(o[0]["effectiveDateTime"], "2026-01-01T00:00:00Z");
    assert_eq!(o[0]["device"]["identifier"]["value"], "cgm_under_score-01");
    assert_eq!(o[0]["subject"]["identifier"]["value"], PATIENT);
}

#[test]
fn mmol_per_l_readings_use_loinc_105272_9() {
    let b = export(&served(Unit::MmolPerL, &[(5_550, 0)], true));
    let o = observations(&b);
    assert_eq!(o[0]["code"]["coding"][0]["code"], "105272-9");
    assert_eq!(o[0]["meta"]["profile"][0], PROFILE_MOLAR);
    assert_eq!(o[0]["valueQuantity"]["value"], serde_json::json!(5.55));
    assert_eq!(o[0]["valueQuantity"]["unit"], "mmol/L");
}

/// A finger stick (a meter reading, Nightscout's `mbg`) is capillary blood glucose by a meter,
/// not a CGM sensor reading: its own LOINC code, and not the CGM profile.
#[test]
fn meter_readings_are_capillary_glucose_observations_without_the_cgm_profile() {
    let b = export(&served(Unit::MgPerDl, &[(99_099, flags::METER)], true));
    let o = observations(&b);
    assert_eq!(o[0]["code"]["coding"][0]["code"], "41653-7");
    assert!(o[0].get("meta").is_none(), "{}", o[0]);
    assert_eq!(o[0]["valueQuantity"]["value"], serde_json::json!(99.099));
    let b = export(&served(Unit::MmolPerL, &[(5_500, flags::METER)], true));
    assert_eq!(observations(&b)[0]["code"]["coding"][0]["code"], "14743-9");
}

#[test]
fn sensor_low_and_high_markers_keep_their_value_with_a_comparator() {
    let b = export(&served(
        Unit::MgPerDl,
        &[
            (39_000, flags::BELOW_RANGE),
            (401_000, flags::ABOVE_RANGE),
            (120_000, 0),
        ],
        true,
    ));
    let o = observations(&b);
    assert_eq!(o[0]["valueQuantity"]["comparator"], "<=");
    assert_eq!(o[0]["valueQuantity"]["value"], serde_json::json!(39));
    assert_eq!(o[1]["valueQuantity"]["comparator"], ">=");
    assert!(o[2]["valueQuantity"].get("comparator").is_none());
}

#[test]
fn ids_are_valid_fhir_ids_even_for_device_ids_with_underscores() {
    let b = bundle(
        &served(Unit::MgPerDl, &[(100_000, 0); 3], true),
        DAY0,
        "/v1/patients/x/fhir/Observation",
    );
    for e in b["entry"].as_array().unwrap() {
        let id = e["resource"]["id"].as_str().unwrap();
        assert!(
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.'),
            "{id}"
        );
    }
}

#[test]
fn readings_not_yet_anchored_and_other_kinds_are_left_out() {
    assert_eq!(
        export(&served(Unit::MgPerDl, &[(100_000, 0)], false))["total"],
        0
    );
    let mut s = served(Unit::MgPerDl, &[(100_000, 0)], true);
    s.batches[0].readings[0].reading.kind = ReadingKind::HeartRate;
    assert_eq!(export(&s)["total"], 0);
}

/// Every entry's `fullUrl` is a `urn:uuid:` (lowercase, RFC 4122 form), unique in the Bundle,
/// and every Provenance's target is the `fullUrl` of an Observation in it.
#[test]
fn every_reference_resolves_to_an_entry_of_the_bundle() {
    let b = export(&served(Unit::MgPerDl, &[(142_000, 0), (98_000, 0)], true));
    let entries = b["entry"].as_array().unwrap();
    let urls: Vec<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    for u in &urls {
        let uuid = u.strip_prefix("urn:uuid:").expect("a urn:uuid");
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{u}");
        assert!(uuid
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
    let unique: std::collections::BTreeSet<&&str> = urls.iter().collect();
    assert_eq!(unique.len(), urls.len());
    for p in provenances(&b) {
        let target = p["target"][0]["reference"].as_str().unwrap();
        let hit = entries
            .iter()
            .find(|e| e["fullUrl"] == target)
            .expect("resolves");
        assert_eq!(hit["resource"]["resourceType"], "Observation");
    }
}

/// What a FHIR consumer does with a Provenance: decode the reading, recompute the leaf, check
/// the path against the root, and see it matches the Observation.
#[test]
fn each_provenance_carries_what_verifies_its_observation_against_the_anchor() {
    let b = export(&served(
        Unit::MgPerDl,
        &[(142_000, 0), (98_000, 0), (77_000, 0)],
        true,
    ));
    let (obs, provs) = (observations(&b), provenances(&b));
    assert_eq!(provs.len(), 3);
    for (o, p) in obs.iter().zip(&provs) {
        assert_eq!(
            p["target"][0]["reference"],
            resources::full_url("Observation", o["id"].as_str().unwrap())
        );
        let parts = p["extension"][0]["extension"].as_array().unwrap();
        assert_eq!(p["extension"][0]["url"], ANCHOR_EXTENSION);
        let one = |url: &str| parts.iter().find(|e| e["url"] == url).unwrap();
        let b64 = |v: &Value| Binary::from_base64(v.as_str().unwrap()).unwrap();
        assert_eq!(one("txHash")["valueString"], "ABCD");
        assert_eq!(one("height")["valueInteger"], 77);
        assert_eq!(one("chainId")["valueString"], CHAIN_ID);
        assert_eq!(one("attestation")["valueCode"], "device-signed");
        let bytes = b64(&one("reading")["valueBase64Binary"]);
        let reading = Reading::decode(&bytes).unwrap();
        let leaf = merkle::leaf_hash(&bytes);
        assert_eq!(b64(&one("leafHash")["valueBase64Binary"]).as_slice(), leaf);
        let path: Vec<merkle::Hash> = parts
            .iter()
            .filter(|e| e["url"] == "path")
            .map(|e| b64(&e["valueBase64Binary"]).as_slice().try_into().unwrap())
            .collect();
        let root: merkle::Hash = b64(&one("root")["valueBase64Binary"])
            .as_slice()
            .try_into()
            .unwrap();
        let index = one("leafIndex")["valueUnsignedInt"].as_u64().unwrap();
        assert!(merkle::verify_inclusion(&leaf, index, 3, &path, &root));
        let value = o["valueQuantity"]["value"].as_f64().unwrap();
        assert_eq!((value * 1000.0).round() as i64, reading.value);
        assert_eq!(
            o["identifier"][0]["value"],
            format!("{}/{}", reading.device_id, reading.seq)
        );
    }
}
