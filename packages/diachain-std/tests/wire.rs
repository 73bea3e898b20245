//! `#[wire]` reads JSON objects exactly as `#[cw_serde]` does: every type below is declared
//! twice, once with each attribute, and both must give the same value or the same error text
//! (with its position) for hand-written inputs and for many generated ones. The one difference,
//! a struct given as an array of its fields, is asserted too.

use cosmwasm_std::{from_json, to_json_vec, Binary, Timestamp, Uint128};
use proptest::prelude::*;

macro_rules! twice {
    ($($item:item)*) => {
        mod by_serde {
            use super::*;
            $(#[cosmwasm_schema::cw_serde] $item)*
        }
        mod by_wire {
            use super::*;
            $(#[diachain_std::wire] $item)*
        }
    };
}

twice! {
    pub enum Kind {
        Cgm,
        InsulinPump,
        Pen,
    }

    pub struct Key {
        pub algorithm: Kind,
        pub key: Binary,
    }

    pub struct Record {
        pub id: String,
        pub count: u64,
        pub kind: Kind,
        pub owner: Option<String>,
        pub at: Option<Timestamp>,
        #[serde(default)]
        pub tags: Vec<String>,
        pub key: Key,
        pub amount: Uint128,
        pub r#type: u8,
    }

    pub struct Page<T> {
        pub items: Vec<T>,
        pub has_more: bool,
    }

    pub enum Expiry {
        AtHeight(u64),
        AtTime(Timestamp),
    }

    pub enum Msg {
        AcceptAdmin {},
        TransferAdmin { new_admin: String },
        Register { records: Vec<Record>, expiry: Option<Expiry> },
        Wrapped(Key),
        Paused,
        Revoke {
            id: String,
            reason: Kind,
            at: Option<Timestamp>,
            #[serde(default)]
            note: String,
        },
        Stop,
    }

    pub struct Empty {}

    pub struct Skipping {
        pub id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub holder: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub lapses: Vec<u64>,
    }
}

/// `skip_serializing_if` is serialization's (serde's derive writes it for both): an empty field
/// is left out, and reads back as its default; a present one is written and read as usual.
#[test]
fn skipped_fields_are_left_out_and_read_back_as_their_default() {
    for json in [
        r#"{"id":"a"}"#,
        r#"{"id":"a","holder":"h","lapses":[1,2]}"#,
        r#"{"id":"a","holder":null,"lapses":[]}"#,
    ] {
        same::<by_serde::Skipping, by_wire::Skipping>(json).unwrap();
    }
    let empty = by_wire::Skipping {
        id: "a".into(),
        holder: None,
        lapses: vec![],
    };
    assert_eq!(to_json_vec(&empty).unwrap(), br#"{"id":"a"}"#.to_vec());
}

/// Reads `json` as both twins: the same value (compared as re-serialized JSON) or the same
/// error text. The one accepted difference: where an array stands for a struct, `#[wire]`
/// refuses it (`invalid type: sequence, expected struct ..`) whatever serde's derive did with it.
fn same<A, B>(json: &str) -> Result<(), String>
where
    A: serde::de::DeserializeOwned + serde::Serialize,
    B: serde::de::DeserializeOwned + serde::Serialize,
{
    let a = from_json::<A>(json.as_bytes()).map(|v| to_json_vec(&v).unwrap());
    let b = from_json::<B>(json.as_bytes()).map(|v| to_json_vec(&v).unwrap());
    match (a, b) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (Err(a), Err(b)) if a.to_string() == b.to_string() => Ok(()),
        (_, Err(b))
            if b.to_string()
                .contains("invalid type: sequence, expected struct") =>
        {
            Ok(())
        }
        (a, b) => Err(format!(
            "{json}\n  serde: {:?}\n  wire:  {:?}",
            a.map(String::from_utf8).map_err(|e| e.to_string()),
            b.map(String::from_utf8).map_err(|e| e.to_string())
        )),
    }
}

fn assert_same_all(inputs: &[&str]) {
    let mut failures = Vec::new();
    for json in inputs {
        for r in [
            same::<by_serde::Record, by_wire::Record>(json),
            same::<by_serde::Msg, by_wire::Msg>(json),
            same::<by_serde::Kind, by_wire::Kind>(json),
            same::<by_serde::Expiry, by_wire::Expiry>(json),
            same::<by_serde::Empty, by_wire::Empty>(json),
            same::<by_serde::Page<by_serde::Key>, by_wire::Page<by_wire::Key>>(json),
        ] {
            if let Err(e) = r {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const RECORD: &str = r#"{"id":"cgm-1","count":7,"kind":"cgm","owner":"wasm1x","at":"1700000000000000000","tags":["a"],"key":{"algorithm":"pen","key":"AQID"},"amount":"5","type":3}"#;

#[test]
fn hand_written_inputs_read_the_same() {
    let record = RECORD;
    let register = format!(r#"{{"register":{{"records":[{record}],"expiry":{{"at_height":9}}}}}}"#);
    let inputs: Vec<String> = vec![
        record.into(),
        // Optional and defaulted fields left out, unknown fields, any order, whitespace.
        r#"{"type":1,"amount":"0","key":{"key":"","algorithm":"cgm"},"kind":"insulin_pump","count":0,"id":"x","extra":{"a":[1,2,{"b":null}]}}"#.into(),
        r#" { "id" : "x\u0041" , "count" : 1 , "kind" : "pen" , "key" : { "algorithm" : "cgm" , "key" : "AA==" } , "amount" : "1" , "type" : 0 , "owner" : null } "#.into(),
        // Errors: missing, duplicate, wrong types, unknown variants, bad base64 and numbers.
        r#"{"id":"x","count":1}"#.into(),
        r#"{"id":"x","id":"y","count":1,"kind":"cgm","key":{"algorithm":"cgm","key":""},"amount":"1","type":0}"#.into(),
        r#"{"id":1}"#.into(),
        r#"{"id":"x","count":-1}"#.into(),
        r#"{"id":"x","count":1.5}"#.into(),
        r#"{"id":"x","count":18446744073709551616}"#.into(),
        r#"{"id":"x","count":1,"kind":"meter"}"#.into(),
        r#"{"id":"x","count":1,"kind":{"cgm":{}}}"#.into(),
        r#"{"id":"x","count":1,"kind":"cgm","key":{"algorithm":"cgm","key":"!!"}}"#.into(),
        r#"{"id":"x","count":1,"kind":"cgm","key":{"algorithm":"cgm","key":""},"amount":5,"type":0}"#.into(),
        r#"{"id":"x","count":1,"kind":"cgm","key":{"algorithm":"cgm","key":""},"amount":"1","type":256}"#.into(),
        r#"{"id":"x","count":1,"kind":"cgm","key":[],"amount":"1","type":0}"#.into(),
        r#"{"id":"x",}"#.into(),
        r#"{"id":"x""#.into(),
        r#"{"id":"x"} trailing"#.into(),
        r#"{1:2}"#.into(),
        "".into(),
        "null".into(),
        "true".into(),
        "1.25".into(),
        "-3".into(),
        r#""cgm""#.into(),
        r#""stop""#.into(),
        r#""paused""#.into(),
        r#""accept_admin""#.into(),
        r#""transfer_admin""#.into(),
        r#""wrapped""#.into(),
        r#""nope""#.into(),
        // Enums in every form.
        r#"{"accept_admin":{}}"#.into(),
        r#"{"accept_admin":{"x":1}}"#.into(),
        r#"{"accept_admin":[]}"#.into(),
        r#"{"accept_admin":null}"#.into(),
        r#"{"transfer_admin":{"new_admin":"a"}}"#.into(),
        r#"{"transfer_admin":{"new_admin":"a","new_admin":"b"}}"#.into(),
        r#"{"transfer_admin":{}}"#.into(),
        r#"{"transfer_admin":"a"}"#.into(),
        r#"{"transfer_admin":{"new_admin":"a"},"stop":{}}"#.into(),
        r#"{"paused":null}"#.into(),
        r#"{"paused":{}}"#.into(),
        r#"{"stop":null}"#.into(),
        r#"{"wrapped":{"algorithm":"pen","key":"AQ=="}}"#.into(),
        r#"{"wrapped":{"algorithm":"pen"}}"#.into(),
        r#"{"wrapped":null}"#.into(),
        r#"{"revoke":{"id":"a","reason":"pen"}}"#.into(),
        r#"{"revoke":{"id":"a","reason":"pen","at":"5","note":"n","more":true}}"#.into(),
        r#"{"revoke":{"id":"a","reason":"lost"}}"#.into(),
        r#"{"revoke":{"reason":"pen"}}"#.into(),
        r#"{"unknown":{}}"#.into(),
        r#"{"Stop":null}"#.into(),
        r#"{}"#.into(),
        r#"[]"#.into(),
        r#"{"at_height":5}"#.into(),
        r#"{"at_time":"5"}"#.into(),
        r#"{"at_time":5}"#.into(),
        r#"{"at_height":"5"}"#.into(),
        r#"{"items":[{"algorithm":"cgm","key":""}],"has_more":false}"#.into(),
        r#"{"items":[{"algorithm":"cgm"}],"has_more":false}"#.into(),
        r#"{"items":null,"has_more":false}"#.into(),
        register,
    ];
    assert_same_all(&inputs.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn an_array_of_fields_is_read_by_serde_derive_only() {
    let json = r#"["x",1,"cgm",null,null,[],{"algorithm":"cgm","key":""},"1",0]"#;
    assert!(from_json::<by_serde::Record>(json).is_ok());
    let err = from_json::<by_wire::Record>(json).unwrap_err().to_string();
    assert!(
        err.contains("invalid type: sequence, expected struct Record"),
        "{err}"
    );
    // The same for a struct variant.
    let json = r#"{"transfer_admin":["a"]}"#;
    assert!(from_json::<by_serde::Msg>(json).is_ok());
    let err = from_json::<by_wire::Msg>(json).unwrap_err().to_string();
    assert!(
        err.contains("invalid type: sequence, expected struct variant Msg::TransferAdmin"),
        "{err}"
    );
}

/// Generated JSON: objects of known and unknown keys, in any order, with repeats, and values
/// of every JSON type, nested a few levels.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("0".to_string()),
        Just("7".to_string()),
        Just("-1".to_string()),
        Just("2.5".to_string()),
        Just(r#""""#.to_string()),
        Just(r#""5""#.to_string()),
        Just(r#""AQID""#.to_string()),
        Just(r#""cgm""#.to_string()),
        Just(r#""pen""#.to_string()),
        Just(r#""stop""#.to_string()),
        Just(r#""x\"y""#.to_string()),
        Just(RECORD.to_string()),
        Just(r#"{"algorithm":"cgm","key":""}"#.to_string()),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..6).prop_map(|kv| {
                let body: Vec<String> = kv
                    .into_iter()
                    .map(|(k, v)| format!(r#""{k}":{v}"#))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "id",
        "count",
        "kind",
        "owner",
        "at",
        "tags",
        "key",
        "algorithm",
        "amount",
        "type",
        "items",
        "has_more",
        "accept_admin",
        "transfer_admin",
        "new_admin",
        "register",
        "records",
        "expiry",
        "wrapped",
        "paused",
        "revoke",
        "reason",
        "note",
        "stop",
        "at_height",
        "at_time",
        "cgm",
        "pen",
        "unknown",
        "",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn generated_inputs_read_the_same(json in value()) {
        assert_same_all(&[&json]);
    }

    #[test]
    fn mutated_records_read_the_same(
        drop in prop::collection::vec(any::<bool>(), 9),
        repeat in prop::collection::vec((0usize..9, value()), 0..3),
        swap in prop::collection::vec((0usize..9, value()), 0..2),
        order in Just((0..9).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let fields = [
            ("id", r#""cgm-1""#.to_string()),
            ("count", "7".to_string()),
            ("kind", r#""cgm""#.to_string()),
            ("owner", r#""wasm1x""#.to_string()),
            ("at", r#""1700000000000000000""#.to_string()),
            ("tags", r#"["a"]"#.to_string()),
            ("key", r#"{"algorithm":"pen","key":"AQID"}"#.to_string()),
            ("amount", r#""5""#.to_string()),
            ("type", "3".to_string()),
        ];
        let mut kv: Vec<(&str, String)> = Vec::new();
        for i in order {
            if !drop[i] || i % 3 == 0 {
                let value = swap.iter().find(|(j, _)| *j == i).map(|(_, v)| v.clone());
                kv.push((fields[i].0, value.unwrap_or_else(|| fields[i].1.clone())));
            }
        }
        for (i, v) in repeat {
            kv.push((fields[i].0, v));
        }
        let body: Vec<String> = kv.iter().map(|(k, v)| format!(r#""{k}":{v}"#)).collect();
        let json = format!("{{{}}}", body.join(","));
        assert_same_all(&[&json]);
        let variant = format!(r#"{{"register":{{"records":[{json}]}}}}"#);
        assert_same_all(&[&variant]);
    }

    #[test]
    fn generated_objects_of_record_fields_read_the_same(
        fields in prop::collection::vec((key(), value()), 0..12),
    ) {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!(r#""{k}":{v}"#)).collect();
        let json = format!("{{{}}}", body.join(","));
        assert_same_all(&[&json]);
        let variant = format!(r#"{{"revoke":{json}}}"#);
        assert_same_all(&[&variant]);
    }
}
