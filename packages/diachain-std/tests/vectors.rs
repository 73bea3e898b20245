//! The test vectors of `docs/encoding.md`, checked byte for byte, and a check that the
//! document shows exactly these bytes.

use cosmwasm_std::testing::MockApi;
use cosmwasm_std::Binary;
use diachain_std::crypto::verify_signature;
use diachain_std::encoding::{
    bind_sign_bytes, rotate_sign_bytes, ReadingKind, ScopeCount, Trend, Unit,
};
use diachain_std::merkle::{inclusion_proof, root, verify_inclusion};
use diachain_std::testing::TestKey;
use diachain_std::{BatchHeader, DataScope, Domain, KeyAlgorithm, Reading};

const CHAIN_ID: &str = "diachain-local-1";
const CONTRACT: &str = "wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s0phg4d";
const PATIENT: &str = "wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr";
const DEVICE: &str = "cgm-7f3a9c2e51d04b88";

fn reading(i: u64) -> Reading {
    let mut salt = [0u8; 16];
    for (j, b) in salt.iter_mut().enumerate() {
        *b = (i as u8) * 16 + j as u8;
    }
    Reading {
        salt,
        device_id: DEVICE.to_string(),
        seq: 1042 + i,
        measured_at: 1_767_225_600 + 300 * i,
        kind: ReadingKind::Glucose,
        unit: Unit::MgPerDl,
        value: [142_000, 145_000, 151_000][i as usize],
        trend: Trend::Flat,
        flags: 0,
    }
}

fn header() -> BatchHeader {
    let leaves: Vec<_> = (0..3).map(|i| reading(i).leaf_hash().unwrap()).collect();
    BatchHeader {
        device_id: DEVICE.to_string(),
        first_seq: 1042,
        last_seq: 1044,
        count: 3,
        first_time: 1_767_225_600,
        last_time: 1_767_226_200,
        root: Binary::new(root(&leaves).to_vec()),
        scopes: None,
    }
}

/// The same header in version 2: its three glucose readings listed as one scope.
fn header_v2() -> BatchHeader {
    BatchHeader {
        scopes: Some(ScopeCount::of_kinds((0..3).map(|i| reading(i).kind))),
        ..header()
    }
}

/// The encoding of a list of several scopes: as if two readings were glucose and one an
/// insulin dose.
fn mixed_header_v2() -> BatchHeader {
    BatchHeader {
        scopes: Some(vec![
            ScopeCount {
                scope: DataScope::Glucose,
                readings: 2,
            },
            ScopeCount {
                scope: DataScope::Insulin,
                readings: 1,
            },
        ]),
        ..header()
    }
}

fn domain() -> Domain<'static> {
    Domain {
        chain_id: CHAIN_ID,
        contract: CONTRACT,
    }
}

/// (name, computed hex) for every vector in the document.
fn vectors() -> Vec<(&'static str, String)> {
    let leaves: Vec<_> = (0..3).map(|i| reading(i).leaf_hash().unwrap()).collect();
    let h = header();
    let sign_bytes = h.sign_bytes(&domain()).unwrap();
    let mut v = vec![
        (
            "reading[0] leaf bytes",
            hex::encode(reading(0).encode().unwrap()),
        ),
        ("reading[0] leaf hash", hex::encode(leaves[0])),
        (
            "device tag",
            hex::encode(diachain_std::device::device_tag(DEVICE)),
        ),
        ("reading[1] leaf hash", hex::encode(leaves[1])),
        ("reading[2] leaf hash", hex::encode(leaves[2])),
        ("batch root", hex::encode(h.root.as_slice())),
        (
            "proof of reading[1]",
            inclusion_proof(&leaves, 1)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("header body", hex::encode(h.encode_body().unwrap())),
        ("header sign-bytes", hex::encode(&sign_bytes)),
        (
            "header v2 body",
            hex::encode(header_v2().encode_body().unwrap()),
        ),
        (
            "header v2 sign-bytes",
            hex::encode(header_v2().sign_bytes(&domain()).unwrap()),
        ),
        (
            "ed25519 header v2 signature",
            hex::encode(
                TestKey::new(KeyAlgorithm::Ed25519, 0x11)
                    .sign(&header_v2().sign_bytes(&domain()).unwrap())
                    .as_slice(),
            ),
        ),
        (
            "mixed header v2 body",
            hex::encode(mixed_header_v2().encode_body().unwrap()),
        ),
        (
            "bind sign-bytes",
            hex::encode(bind_sign_bytes(&domain(), DEVICE, PATIENT, 0).unwrap()),
        ),
    ];
    for (alg, seed, name_pk, name_sig, name_rot) in [
        (
            KeyAlgorithm::Ed25519,
            0x11,
            "ed25519 public key",
            "ed25519 header signature",
            "ed25519 rotate sign-bytes",
        ),
        (
            KeyAlgorithm::Secp256k1,
            0x22,
            "secp256k1 public key",
            "secp256k1 header signature",
            "secp256k1 rotate sign-bytes",
        ),
        (
            KeyAlgorithm::Secp256r1,
            0x33,
            "secp256r1 public key",
            "secp256r1 header signature",
            "secp256r1 rotate sign-bytes",
        ),
    ] {
        let k = TestKey::new(alg, seed);
        v.push((name_pk, hex::encode(k.public_key().key.as_slice())));
        v.push((name_sig, hex::encode(k.sign(&sign_bytes).as_slice())));
        let next = TestKey::new(alg, seed + 1).public_key();
        v.push((
            name_rot,
            hex::encode(rotate_sign_bytes(&domain(), DEVICE, alg, next.key.as_slice(), 7).unwrap()),
        ));
    }
    v
}

/// The `name: hex` lines of the ```vectors block in docs/encoding.md.
fn documented_vectors() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/encoding.md"
    ))
    .expect("docs/encoding.md is readable");
    let block = doc
        .split("```vectors\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/encoding.md has a ```vectors block");
    block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (name, hex) = l.split_once(": ").expect("vector line is `name: hex`");
            (name.trim().to_string(), hex.trim().to_string())
        })
        .collect()
}

#[test]
fn documented_vectors_match_the_implementation_byte_for_byte() {
    let computed = vectors();
    let documented = documented_vectors();
    let names = |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let computed_owned: Vec<(String, String)> = computed
        .iter()
        .map(|(n, h)| (n.to_string(), h.clone()))
        .collect();
    assert_eq!(
        names(&documented),
        names(&computed_owned),
        "the document lists other vectors"
    );
    for ((name, doc_hex), (_, hex)) in documented.iter().zip(&computed_owned) {
        assert_eq!(
            doc_hex, hex,
            "vector `{name}` differs from docs/encoding.md"
        );
    }
}

#[test]
fn documented_proof_verifies_against_documented_root() {
    let leaves: Vec<_> = (0..3).map(|i| reading(i).leaf_hash().unwrap()).collect();
    let path = inclusion_proof(&leaves, 1).unwrap();
    let h = header();
    let root: [u8; 32] = h.root.as_slice().try_into().unwrap();
    assert!(verify_inclusion(&leaves[1], 1, 3, &path, &root));
    assert!(!verify_inclusion(&leaves[1], 0, 3, &path, &root));
}

#[test]
fn header_signatures_of_all_three_algorithms_verify_and_fail_on_another_chain_or_contract() {
    let api = MockApi::default();
    let h = header();
    let good = h.sign_bytes(&domain()).unwrap();
    let other_chain = h
        .sign_bytes(&Domain {
            chain_id: "diachain-2",
            contract: CONTRACT,
        })
        .unwrap();
    let other_contract = h
        .sign_bytes(&Domain {
            chain_id: CHAIN_ID,
            contract: "wasm1suhgf5svhu4usrurvxzlgn54ksxmn8gljarjtxqnapv8kjnp4nrss5maay",
        })
        .unwrap();
    let mut other_range = h.clone();
    other_range.last_seq += 1;
    let other_range = other_range.sign_bytes(&domain()).unwrap();
    for alg in KeyAlgorithm::ALL {
        let key = TestKey::new(*alg, 0x44);
        let sig = key.sign(&good);
        let pk = key.public_key();
        assert!(verify_signature(&api, &pk, &good, &sig), "{alg:?}");
        assert!(
            !verify_signature(&api, &pk, &other_chain, &sig),
            "{alg:?} other chain"
        );
        assert!(
            !verify_signature(&api, &pk, &other_contract, &sig),
            "{alg:?} other contract"
        );
        assert!(
            !verify_signature(&api, &pk, &other_range, &sig),
            "{alg:?} other range"
        );
        let stranger = TestKey::new(*alg, 0x45).public_key();
        assert!(
            !verify_signature(&api, &stranger, &good, &sig),
            "{alg:?} other key"
        );
        assert!(
            !verify_signature(&api, &pk, &good, &sig[..63]),
            "{alg:?} short signature"
        );
        if let Some(uncompressed) = key.uncompressed_public_key() {
            let pk65 = diachain_std::PublicKey {
                algorithm: *alg,
                key: Binary::new(uncompressed),
            };
            assert!(
                verify_signature(&api, &pk65, &good, &sig),
                "{alg:?} uncompressed key"
            );
        }
    }
}

#[test]
fn version_2_headers_round_trip_and_differ_from_version_1_in_body_and_sign_bytes() {
    for h in [header_v2(), mixed_header_v2()] {
        let body = h.encode_body().unwrap();
        assert_eq!(body[0], 2);
        let (decoded, rest) = BatchHeader::decode_body(&body).unwrap();
        assert!(rest.is_empty());
        assert_eq!(decoded, h);
        assert_ne!(
            h.sign_bytes(&domain()).unwrap(),
            header().sign_bytes(&domain()).unwrap()
        );
    }
    assert_eq!(header_v2().check_scopes(), Ok(()));
    assert_eq!(mixed_header_v2().check_scopes(), Ok(()));
    // One scope is written as its code alone: a body one byte longer than version 1's body
    // plus the version byte.
    assert_eq!(
        header_v2().encode_body().unwrap().len(),
        header().encode_body().unwrap().len() + 2
    );
}

/// Only valid scope lists encode: a one-scope list is written as its code alone (its count is
/// the header's), so a list whose count differs would otherwise encode, and be signed, like the
/// valid one.
#[test]
fn an_invalid_scope_list_neither_encodes_nor_signs() {
    let mut forged = header_v2();
    forged.scopes = Some(vec![ScopeCount {
        scope: DataScope::Glucose,
        readings: 1,
    }]);
    let invalid = diachain_std::encoding::EncodingError::InvalidScopes(
        diachain_std::encoding::ScopeError::CountMismatch {
            listed: 1,
            count: 3,
        },
    );
    assert_eq!(forged.encode_body(), Err(invalid.clone()));
    assert_eq!(forged.sign_bytes(&domain()), Err(invalid));
    let mut empty = header_v2();
    empty.scopes = Some(vec![]);
    assert!(empty.encode_body().is_err());
}
