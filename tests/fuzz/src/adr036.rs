//! ADR-036 signatures (`auth::adr036`), as browser wallets make them with `signArbitrary`.

use cosmwasm_std::Binary;
use diachain_relayer_api::auth::adr036::{address_of, sign_doc, sign_with, verify, Adr036Error};
use serde_json::Value;

use crate::input::Input;
use crate::request::caller;

/// secp256k1's group order n: `n - s` is the high-S twin of a signature's `s`.
const ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
];

/// Target `adr036`: the sign doc for any signer and data is JSON that names exactly that signer
/// and data, with its keys sorted; any key, signer, prefix and signature is checked to an
/// `Adr036Error`, never a panic; the caller's own signature verifies, and not for other data nor
/// as its high-S twin (which the Cosmos SDK refuses).
pub fn adr036(bytes: &[u8]) {
    let mut input = Input::new(bytes);
    let signer = input.string(100);
    let prefix = input.string(10);
    let data = input.blob(255).to_vec();
    let public_key = input.blob(65).to_vec();
    let signature = input.blob(64).to_vec();

    let doc: Value = serde_json::from_slice(&sign_doc(&signer, &data)).expect("the doc is JSON");
    let msg = &doc["msgs"][0]["value"];
    assert_eq!(msg["signer"].as_str(), Some(signer.as_str()));
    assert_eq!(
        msg["data"].as_str(),
        Some(Binary::new(data.clone()).to_base64().as_str())
    );
    let keys: Vec<&String> = doc.as_object().expect("an object").keys().collect();
    assert!(keys.windows(2).all(|k| k[0] < k[1]));

    if let Ok(address) = address_of(&public_key, &prefix) {
        assert_eq!(public_key.len(), 33);
        assert!(address.starts_with(&format!("{prefix}1")));
    }
    let refused = verify(&signer, &prefix, &public_key, &data, &signature);
    assert!(refused.is_err() || signature.len() == 64);

    let me = caller();
    let key = me.public_key().to_bytes();
    let sig = sign_with(&me, &data).expect("signs");
    assert_eq!(verify(me.address(), "wasm", &key, &data, &sig), Ok(()));
    let mut other = data.clone();
    other.push(1);
    assert_eq!(
        verify(me.address(), "wasm", &key, &other, &sig),
        Err(Adr036Error::Invalid)
    );
    let high = high_s(&sig);
    assert_eq!(
        verify(me.address(), "wasm", &key, &data, &high),
        Err(Adr036Error::Invalid)
    );
}

/// The same signature with `s` replaced by `n - s`.
fn high_s(sig: &[u8; 64]) -> [u8; 64] {
    let mut out = *sig;
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(ORDER[i]) - i16::from(sig[32 + i]) - borrow;
        borrow = i16::from(d < 0);
        out[32 + i] = d.rem_euclid(256) as u8;
    }
    out
}
