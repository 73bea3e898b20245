//! Signed data requests: the canonical form a caller signs (`request::canonical`) and the
//! relayer's check of the five `x-diachain-*` headers (`auth::request::RequestAuth::check`).

use cosmwasm_std::Binary;
use diachain_chain_client::Signer;
use diachain_relayer_api::auth::adr036::Adr036Error;
use diachain_relayer_api::auth::request::{
    canonical, signed_headers, AuthError, AuthHeaders, RequestAuth, RequestParts,
};

use crate::input::Input;

/// The relayer's clock in these targets.
pub const NOW: u64 = 1_767_225_600;
const NONCE_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

/// The caller's chain key.
pub fn caller() -> Signer {
    Signer::from_secret(&[0x17; 32], "wasm").expect("a valid secret")
}

/// A request and the headers a caller or a stranger sent with it.
pub struct Case {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Vec<u8>,
    pub timestamp: u64,
    pub nonce: String,
    /// Headers as received, any text (the unsigned half of the target).
    pub raw: AuthHeaders,
}

/// The case the bytes describe: method, path, query (absent when its first byte is 0), body,
/// timestamp as an offset from `NOW` (i16 seconds), nonce (16..=64 characters of its
/// alphabet), then five raw header values (each absent when its first byte is 0).
pub fn case_of(input: &mut Input) -> Case {
    let method = input.string(16);
    let path = format!("/{}", input.string(120));
    let query = if input.u8() == 0 {
        None
    } else {
        Some(input.string(200))
    };
    let body = input.blob(255).to_vec();
    let offset = i64::from(i16::from_be_bytes(input.array()));
    let timestamp = NOW.saturating_add_signed(offset);
    let len = 16 + usize::from(input.u8()) % 49;
    let nonce = (0..len)
        .map(|_| char::from(*input.pick(NONCE_CHARS)))
        .collect();
    let mut header = || (input.u8() != 0).then(|| input.string(120));
    let raw = AuthHeaders {
        address: header(),
        public_key: header(),
        timestamp: header(),
        nonce: header(),
        signature: header(),
    };
    Case {
        method,
        path,
        query,
        body,
        timestamp,
        nonce,
        raw,
    }
}

fn parts(c: &Case) -> RequestParts<'_> {
    RequestParts {
        method: &c.method,
        path: &c.path,
        query: c.query.as_deref(),
        body: &c.body,
    }
}

/// Target `signed_request`: the canonical form is deterministic, ignores the order of the query's
/// pairs, empty pairs and the method's case, and commits to the body. Headers of any text are
/// refused with an `AuthError` (a 401 code), never a panic. A request signed by the caller within
/// the clock window is accepted once, as the caller's address; the same nonce again is a replay;
/// a changed body or query is a bad signature.
pub fn signed_request(bytes: &[u8]) {
    let c = case_of(&mut Input::new(bytes));
    let r = parts(&c);
    let canon = canonical(&r, c.timestamp, &c.nonce);
    assert_eq!(canon, canonical(&r, c.timestamp, &c.nonce));
    let mut pairs: Vec<&str> = c.query.as_deref().unwrap_or("").split('&').collect();
    pairs.reverse();
    let shuffled = format!("&{}&", pairs.join("&"));
    let method = c.method.to_ascii_lowercase();
    let same = RequestParts {
        method: &method,
        query: Some(&shuffled),
        ..parts(&c)
    };
    assert_eq!(canonical(&same, c.timestamp, &c.nonce), canon);
    let mut other_body = c.body.clone();
    other_body.push(0);
    let other = RequestParts {
        body: &other_body,
        ..parts(&c)
    };
    assert_ne!(canonical(&other, c.timestamp, &c.nonce), canon);

    let auth = RequestAuth::new("wasm", NOW - 3600);
    if let Err(e) = auth.check(&c.raw, &r, NOW) {
        let _ = e.code();
    }

    let signer = caller();
    let headers = signed_headers(&signer, &r, c.timestamp, &c.nonce).expect("signs");
    let [address, public_key, timestamp, nonce, signature] = headers.map(|(_, v)| Some(v));
    let h = AuthHeaders {
        address,
        public_key,
        timestamp,
        nonce,
        signature,
    };
    match auth.check(&h, &r, NOW) {
        Ok(who) => assert_eq!(who, signer.address()),
        Err(e) => {
            assert_eq!(e, AuthError::Stale);
            assert!(c.timestamp.abs_diff(NOW) > 60);
            return;
        }
    }
    assert_eq!(auth.check(&h, &r, NOW), Err(AuthError::Replayed));
    let fresh = RequestAuth::new("wasm", NOW - 3600);
    assert_eq!(
        fresh.check(&h, &other, NOW),
        Err(AuthError::Signature(Adr036Error::Invalid))
    );
    let sig = Binary::from_base64(h.signature.as_deref().unwrap_or_default()).expect("base64");
    assert_eq!(sig.len(), 64);
}
