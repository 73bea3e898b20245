//! The canonical binary encodings (`diachain_std::encoding`, `docs/encoding.md`): a reading's
//! leaf bytes, a batch header's body and its sign-bytes, and a `SubmitBatches` payload (what
//! reading-anchors decodes from any relayer).

use cosmwasm_std::Binary;
use diachain_std::anchors::{decode_submission, encode_submission};
use diachain_std::encoding::{
    EncodingError, ReadingKind, Trend, Unit, BATCH_TAG, BATCH_V2_TAG, SALT_LEN,
};
use diachain_std::{BatchHeader, Domain, Reading};

use crate::input::{Input, Output};

/// A domain as reading-anchors signs for it.
pub const DOMAIN: Domain<'static> = Domain {
    chain_id: "diachain-local-1",
    contract: "wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s4hmalr",
};

/// Target `reading`: any bytes that decode as a reading are its canonical encoding (they
/// re-encode to themselves, and hash); a reading made of any values encodes and decodes back to
/// itself. A refusal is an `EncodingError`, never a panic.
pub fn reading(bytes: &[u8]) {
    if let Ok(r) = Reading::decode(bytes) {
        assert_eq!(r.encode().expect("a decoded reading encodes"), bytes);
        r.leaf_hash().expect("a decoded reading hashes");
    }
    let r = reading_of(&mut Input::new(bytes));
    match r.encode() {
        Ok(encoded) => assert_eq!(Reading::decode(&encoded), Ok(r)),
        Err(e) => assert!(
            r.device_id.len() > 255 && matches!(e, EncodingError::TooLong { .. }),
            "{e}"
        ),
    }
}

/// A reading of any field values (the device id may exceed the 255 bytes a length byte holds).
pub fn reading_of(input: &mut Input) -> Reading {
    let salt: [u8; SALT_LEN] = input.array();
    let mut device_id = input.string(255);
    if input.u8() == 0xFF {
        device_id = device_id.repeat(2);
    }
    Reading {
        salt,
        device_id,
        seq: input.u64(),
        measured_at: input.u64(),
        kind: *input.pick(ReadingKind::ALL),
        unit: *input.pick(Unit::ALL),
        value: input.i64(),
        trend: *input.pick(Trend::ALL),
        flags: input.u16(),
    }
}

/// Writes what [`reading_of`] reads (the corpus generator).
pub fn write_reading(out: &mut Output, r: &Reading) {
    out.bytes(&r.salt).blob(r.device_id.as_bytes()).u8(0);
    out.u64(r.seq).u64(r.measured_at);
    out.u8(index_of(ReadingKind::ALL, &r.kind));
    out.u8(index_of(Unit::ALL, &r.unit));
    out.i64(r.value);
    out.u8(index_of(Trend::ALL, &r.trend));
    out.u16(r.flags);
}

fn index_of<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter()
        .position(|x| x == v)
        .and_then(|i| u8::try_from(i).ok())
        .expect("a listed value")
}

/// Target `batch_header`: a header body decoded from any bytes whose scope list is valid
/// re-encodes to exactly the bytes it was read from, and its sign-bytes are the version's tag,
/// the domain and that body; an invalid list is refused by `encode_body` and `sign_bytes`
/// alike. The same bytes as a `SubmitBatches` payload: a decoded payload re-encodes to itself.
pub fn batch_header(bytes: &[u8]) {
    if let Ok((header, rest)) = BatchHeader::decode_body(bytes) {
        let body = &bytes[..bytes.len() - rest.len()];
        match header.check_scopes() {
            Ok(()) => {
                assert_eq!(header.encode_body().expect("a valid header encodes"), body);
                let signed = header.sign_bytes(&DOMAIN).expect("a valid header signs");
                let tag = if header.scopes.is_some() {
                    BATCH_V2_TAG
                } else {
                    BATCH_TAG
                };
                assert!(signed.starts_with(tag) && signed.ends_with(body));
            }
            Err(e) => {
                let refused = Err(EncodingError::InvalidScopes(e));
                assert_eq!(header.encode_body(), refused);
                assert_eq!(header.sign_bytes(&DOMAIN), refused);
            }
        }
    }
    if let Ok(batches) = decode_submission(bytes) {
        let valid = batches.iter().all(|(h, _)| h.check_scopes().is_ok());
        let pairs: Vec<(BatchHeader, Binary)> = batches
            .into_iter()
            .map(|(h, s)| (h, Binary::new(s.to_vec())))
            .collect();
        let encoded = encode_submission(&pairs);
        if valid {
            assert_eq!(encoded.expect("valid headers encode"), bytes);
        } else {
            assert!(matches!(encoded, Err(EncodingError::InvalidScopes(_))));
        }
    }
}
