//! Public-key validation at registration and the encoding round trips.

use cosmwasm_std::testing::MockApi;
use cosmwasm_std::Binary;
use diachain_std::crypto::{validate_public_key, KeyError};
use diachain_std::encoding::{EncodingError, ReadingKind, Trend, Unit};
use diachain_std::testing::TestKey;
use diachain_std::{validate_device_id, BatchHeader, KeyAlgorithm, PublicKey, Reading};

fn pk(algorithm: KeyAlgorithm, key: Vec<u8>) -> PublicKey {
    PublicKey {
        algorithm,
        key: Binary::new(key),
    }
}

#[test]
fn real_keys_of_every_algorithm_and_form_are_accepted() {
    let api = MockApi::default();
    for alg in KeyAlgorithm::ALL {
        let k = TestKey::new(*alg, 9);
        assert_eq!(
            validate_public_key(&api, &k.public_key()),
            Ok(()),
            "{alg:?}"
        );
        if let Some(u) = k.uncompressed_public_key() {
            assert_eq!(
                validate_public_key(&api, &pk(*alg, u)),
                Ok(()),
                "{alg:?} uncompressed"
            );
        }
    }
}

#[test]
fn keys_of_wrong_length_or_prefix_are_refused() {
    let api = MockApi::default();
    assert!(matches!(
        validate_public_key(&api, &pk(KeyAlgorithm::Ed25519, vec![1; 31])),
        Err(KeyError::Length { len: 31, .. })
    ));
    assert!(matches!(
        validate_public_key(&api, &pk(KeyAlgorithm::Ed25519, vec![1; 33])),
        Err(KeyError::Length { .. })
    ));
    for alg in [KeyAlgorithm::Secp256k1, KeyAlgorithm::Secp256r1] {
        let mut wrong_prefix = TestKey::new(alg, 9).public_key().key.to_vec();
        wrong_prefix[0] = 0x04;
        assert!(
            matches!(
                validate_public_key(&api, &pk(alg, wrong_prefix)),
                Err(KeyError::Length { .. })
            ),
            "{alg:?}"
        );
        assert!(matches!(
            validate_public_key(&api, &pk(alg, vec![2; 32])),
            Err(KeyError::Length { .. })
        ));
        assert!(matches!(
            validate_public_key(&api, &pk(alg, vec![])),
            Err(KeyError::Length { .. })
        ));
    }
}

#[test]
fn ecdsa_keys_off_the_curve_are_refused() {
    let api = MockApi::default();
    for alg in [KeyAlgorithm::Secp256k1, KeyAlgorithm::Secp256r1] {
        // x = 2^256 - 1 is larger than either field's modulus.
        let mut beyond_field = vec![0x02];
        beyond_field.extend([0xff; 32]);
        assert_eq!(
            validate_public_key(&api, &pk(alg, beyond_field)),
            Err(KeyError::NotOnCurve { algorithm: alg })
        );
        // A real point with its y coordinate changed is off the curve.
        let mut off = TestKey::new(alg, 9).uncompressed_public_key().unwrap();
        off[64] ^= 1;
        assert_eq!(
            validate_public_key(&api, &pk(alg, off)),
            Err(KeyError::NotOnCurve { algorithm: alg })
        );
    }
}

#[test]
fn device_ids_are_checked_for_length_and_charset() {
    assert!(validate_device_id("abcd1234").is_ok());
    assert!(validate_device_id(&"x".repeat(64)).is_ok());
    assert!(validate_device_id("abc1234").is_err());
    assert!(validate_device_id(&"x".repeat(65)).is_err());
    assert!(validate_device_id("abcd 1234").is_err());
    assert!(validate_device_id("abcd/1234").is_err());
}

fn sample() -> Reading {
    Reading {
        salt: [7; 16],
        device_id: "pump-00aa11bb".into(),
        seq: u64::MAX,
        measured_at: 1,
        kind: ReadingKind::InsulinBolus,
        unit: Unit::InsulinUnits,
        value: -1,
        trend: Trend::Unknown,
        flags: 0xffff,
    }
}

#[test]
fn readings_and_headers_round_trip_and_bad_bytes_are_refused() {
    let r = sample();
    let bytes = r.encode().unwrap();
    assert_eq!(Reading::decode(&bytes).unwrap(), r);
    assert_eq!(
        Reading::decode(&bytes[..bytes.len() - 1]),
        Err(EncodingError::Truncated { field: "flags" })
    );
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        Reading::decode(&long),
        Err(EncodingError::TrailingBytes { extra: 1 })
    );
    let mut v2 = bytes.clone();
    v2[0] = 2;
    assert_eq!(Reading::decode(&v2), Err(EncodingError::Version(2)));
    let mut bad_kind = bytes.clone();
    let kind_at = 1 + 16 + 1 + r.device_id.len() + 16;
    bad_kind[kind_at] = 99;
    assert_eq!(
        Reading::decode(&bad_kind),
        Err(EncodingError::UnknownCode {
            field: "reading kind",
            code: 99
        })
    );

    let h = BatchHeader {
        device_id: "pump-00aa11bb".into(),
        first_seq: 5,
        last_seq: 9,
        count: 5,
        first_time: 10,
        last_time: 20,
        root: Binary::new(vec![3; 32]),
        scopes: None,
    };
    let mut two = h.encode_body().unwrap();
    two.extend(h.encode_body().unwrap());
    let (first, rest) = BatchHeader::decode_body(&two).unwrap();
    let (second, rest) = BatchHeader::decode_body(rest).unwrap();
    assert_eq!((first, second, rest.len()), (h.clone(), h.clone(), 0));
    let mut short_root = h.clone();
    short_root.root = Binary::new(vec![3; 31]);
    assert_eq!(
        short_root.encode_body(),
        Err(EncodingError::Truncated { field: "root" })
    );
    let mut long_id = h;
    long_id.device_id = "x".repeat(256);
    assert!(matches!(
        long_id.encode_body(),
        Err(EncodingError::TooLong { len: 256, .. })
    ));
}

#[test]
fn every_coded_enum_round_trips_and_unknown_codes_are_refused() {
    for k in ReadingKind::ALL {
        assert_eq!(ReadingKind::from_code(k.code()), Ok(*k));
    }
    for u in Unit::ALL {
        assert_eq!(Unit::from_code(u.code()), Ok(*u));
    }
    for t in Trend::ALL {
        assert_eq!(Trend::from_code(t.code()), Ok(*t));
    }
    for a in KeyAlgorithm::ALL {
        assert_eq!(KeyAlgorithm::from_code(a.code()), Ok(*a));
    }
    assert!(KeyAlgorithm::from_code(0).is_err());
    assert!(Trend::from_code(10).is_err());
}
