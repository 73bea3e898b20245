//! The signed-request vectors of `docs/encoding.md` (```request-vectors block), checked against
//! the relayer's own signing and verification, so that the TypeScript client (which passes the
//! same lines) and the relayer cannot drift apart.

use cosmwasm_std::Binary;
use diachain_relayer_api::auth::adr036;
use diachain_relayer_api::auth::request::{canonical, RequestParts};

fn documented() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/encoding.md"
    ))
    .expect("docs/encoding.md is readable");
    let block = doc
        .split("```request-vectors\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/encoding.md has a ```request-vectors block");
    block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (name, value) = l.split_once(": ").expect("vector line is `name: value`");
            (name.trim().to_string(), value.trim().to_string())
        })
        .collect()
}

fn computed() -> Vec<(String, String)> {
    let key = diachain_chain_client::Signer::from_secret(&[0x22; 32], "wasm").unwrap();
    let public = key.public_key().to_bytes();
    let address = adr036::address_of(&public, "wasm").unwrap();
    assert_eq!(address, key.address());
    let request = RequestParts {
        method: "GET",
        path: "/v1/patients/wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr/readings",
        query: Some("scope=glucose&to=1767229200&from=1767225600"),
        body: b"",
    };
    let text = canonical(&request, 1_767_229_260, "diachain-vector-0001");
    let doc = String::from_utf8(adr036::sign_doc(&address, &text)).unwrap();
    let signature = adr036::sign_with(&key, &text).unwrap();
    adr036::verify(&address, "wasm", &public, &text, &signature).unwrap();
    vec![
        ("signer address".into(), address),
        ("canonical request (hex)".into(), hex::encode(&text)),
        ("sign doc".into(), doc),
        (
            "signature (base64)".into(),
            Binary::new(signature.to_vec()).to_base64(),
        ),
        (
            "public key (base64)".into(),
            Binary::new(public).to_base64(),
        ),
    ]
}

#[test]
fn documented_request_vectors_match_the_relayer() {
    let documented = documented();
    let computed = computed();
    for (name, value) in &computed {
        println!("{name}: {value}");
    }
    assert_eq!(
        documented, computed,
        "docs/encoding.md's request vectors differ"
    );
}
