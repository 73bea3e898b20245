//! The gateway's JSON batch (`POST /v1/batches`): what the relayer's ingest does with an
//! untrusted body before it stores anything — `checks::parse` into the shared types, the header's
//! rules, the readings against the header, the scopes, the Merkle root, the density limits, and
//! the device signature (`Verifier`, with registered keys of every algorithm).

use cosmwasm_std::Binary;
use diachain_relayer_core::ingest::checks::{self, Parsed};
use diachain_relayer_core::ingest::{Rejection, Verifier};
use diachain_relayer_types::crypto::verify_device_signature;
use diachain_relayer_types::gateway::{signed_request, DeviceKey, HeaderVersion};
use diachain_relayer_types::{BatchRequest, ReadingJson};
use diachain_std::anchors::{scope_min_interval_seconds, MAX_SEQ};
use diachain_std::encoding::{ReadingKind, Trend, Unit, SECONDS_PER_DAY};
use diachain_std::{Domain, KeyAlgorithm, PublicKey, Reading};

use crate::encoding::DOMAIN;
use crate::input::Input;

/// The checks `Pipeline::submit` runs on a parsed request (the ones that need no store or
/// registry), judged at `now`, with `kind_interval` as the device kind's minimum interval.
pub fn checks(p: &Parsed, now: u64, kind_interval: u32) -> Result<(), Rejection> {
    let h = &p.header;
    checks::check_header(h, now)?;
    checks::check_readings(h, &p.readings)?;
    checks::check_scopes(h, &p.readings)?;
    checks::check_root(h, &p.readings)?;
    checks::check_density(h, kind_interval)?;
    checks::check_scope_density(h, kind_interval)?;
    Ok(())
}

/// Keys a device of each algorithm may have registered.
pub fn device_key(algorithm: KeyAlgorithm) -> DeviceKey {
    DeviceKey::from_secret(algorithm, &[0x42; 32]).expect("a valid secret scalar")
}

/// Target `batch_json`: any body is parsed or refused as `bad_encoding` (never a panic); a parsed
/// body re-serialises to one that parses to the same request; every check runs to a value, at
/// the header's own time and at a clock far from it; the signature is checked against keys of
/// every algorithm, and against key bytes taken from the body itself, and the relayer's verifier
/// agrees with the chain's host crypto on each.
pub fn batch_json(bytes: &[u8]) {
    let parsed = match checks::parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            assert!(matches!(e, Rejection::BadEncoding { .. }), "{e:?}");
            return;
        }
    };
    let again = BatchRequest {
        header: parsed.header.clone(),
        signature: Binary::new(parsed.signature.to_vec()),
        readings: parsed.readings.iter().map(ReadingJson::from).collect(),
    };
    let body = serde_json::to_vec(&again).expect("a request serialises");
    let reparsed = checks::parse(&body).expect("a re-serialised request parses");
    assert_eq!(reparsed.header, parsed.header);
    assert_eq!(reparsed.readings, parsed.readings);
    assert_eq!(reparsed.signature, parsed.signature);

    let h = &parsed.header;
    let _ = checks(&parsed, h.last_time, 60);
    let _ = checks(&parsed, 0, 0);
    let _ = checks(&parsed, u64::MAX, u32::MAX);
    let _ = checks::header_min_interval(h, 300);
    let Ok(sign_bytes) = h.sign_bytes(&DOMAIN) else {
        return;
    };
    let verifier = Verifier::default();
    for algorithm in KeyAlgorithm::ALL {
        // The relayer's verifier (ring for P-256) decides as the chain's host crypto does, for
        // a registered key and for key bytes of any length and content.
        let odd = PublicKey {
            algorithm: *algorithm,
            key: h.root.clone(),
        };
        for key in [device_key(*algorithm).public_key(), odd] {
            assert_eq!(
                verifier.verify(&key, &sign_bytes, &parsed.signature),
                verify_device_signature(&key, &sign_bytes, &parsed.signature),
                "{key:?}"
            );
        }
    }
}

/// A device's batch, as a gateway makes it: consecutive readings of one UTC day.
pub struct GatewayBatch {
    pub algorithm: KeyAlgorithm,
    pub version: HeaderVersion,
    pub readings: Vec<Reading>,
}

/// The batch the bytes describe: algorithm, header version, count (1..=32), device id (valid or
/// not), first seq, day and time of day, interval, then each reading's kind, unit, value, trend,
/// flags and salt.
pub fn gateway_batch(input: &mut Input) -> GatewayBatch {
    let algorithm = *input.pick(KeyAlgorithm::ALL);
    let version = if input.bool() {
        HeaderVersion::V2
    } else {
        HeaderVersion::V1
    };
    let count = u64::from(input.u8() % 32) + 1;
    let mut device_id = input.string(64);
    if device_id.is_empty() {
        device_id = "cgm-7f3a9c2e51d04b88".into();
    }
    let first_seq = input.u64() % (MAX_SEQ - 64);
    let day = u64::from(input.u16());
    let interval = 1 + u64::from(input.u16() % 600);
    let span = interval * (count - 1);
    let start = u64::from(input.u32()) % (SECONDS_PER_DAY - span);
    let first_time = day * SECONDS_PER_DAY + start;
    let readings = (0..count)
        .map(|i| Reading {
            device_id: device_id.clone(),
            seq: first_seq + i,
            measured_at: first_time + i * interval,
            kind: *input.pick(ReadingKind::ALL),
            unit: *input.pick(Unit::ALL),
            value: input.i64(),
            trend: *input.pick(Trend::ALL),
            flags: input.u16(),
            salt: input.array(),
        })
        .collect();
    GatewayBatch {
        algorithm,
        version,
        readings,
    }
}

/// Target `signed_batch`: a batch signed by a gateway (`signed_request`) is accepted by every
/// check the relayer runs before the store (with an interval its span allows) and its signature
/// verifies with the device's key for the domain it was signed for (and a version 2 header's
/// readings spaced at its scopes' intervals pass their density limit); the same batch with a
/// changed reading fails on its root, and its signature fails for another contract or with another
/// device's key. A device id the registry refuses is refused by `parse` as `bad_encoding`.
pub fn signed_batch(bytes: &[u8]) {
    let batch = gateway_batch(&mut Input::new(bytes));
    let key = device_key(batch.algorithm);
    let req = signed_request(&key, &batch.readings, &DOMAIN, batch.version)
        .expect("a batch of one device and day signs");
    let body = serde_json::to_vec(&req).expect("a request serialises");
    let parsed = match checks::parse(&body) {
        Ok(p) => p,
        Err(e) => {
            let id = &batch.readings[0].device_id;
            assert!(diachain_std::validate_device_id(id).is_err(), "{e:?}");
            assert!(matches!(e, Rejection::BadEncoding { .. }), "{e:?}");
            return;
        }
    };
    assert_eq!(parsed.readings, batch.readings);
    let h = &parsed.header;
    checks::check_header(h, h.last_time).expect("a gateway's header passes");
    checks::check_readings(h, &parsed.readings).expect("its readings are the header's");
    checks::check_scopes(h, &parsed.readings).expect("its scopes are its readings'");
    checks::check_root(h, &parsed.readings).expect("its root is its readings'");
    checks::check_density(h, 1).expect("one reading a second at most");
    // Each scope's rate: kept when the readings are at least the slowest scope's interval apart.
    let slowest = h
        .scopes
        .iter()
        .flatten()
        .map(|c| u64::from(scope_min_interval_seconds(c.scope)))
        .max()
        .unwrap_or(0);
    let spacing = match &parsed.readings[..] {
        [a, b, ..] => b.measured_at - a.measured_at,
        _ => u64::MAX,
    };
    let dense = checks::check_scope_density(h, 1);
    if spacing >= slowest {
        dense.expect("readings spaced at every scope's interval");
    }
    let sign_bytes = parsed.header.sign_bytes(&DOMAIN).expect("sign-bytes");
    let verifier = Verifier::default();
    assert!(verifier.verify(&key.public_key(), &sign_bytes, &parsed.signature));
    let elsewhere = Domain {
        contract: "wasm1elsewhere",
        ..DOMAIN
    };
    let other_bytes = parsed.header.sign_bytes(&elsewhere).expect("sign-bytes");
    assert!(!verifier.verify(&key.public_key(), &other_bytes, &parsed.signature));
    let other_key = DeviceKey::from_secret(batch.algorithm, &[0x43; 32]).expect("a valid secret");
    assert!(!verifier.verify(&other_key.public_key(), &sign_bytes, &parsed.signature));

    let mut changed = parsed.clone();
    changed.readings[0].value = changed.readings[0].value.wrapping_add(1);
    assert!(matches!(
        checks::check_root(&changed.header, &changed.readings),
        Err(Rejection::RootMismatch { .. })
    ));
}
