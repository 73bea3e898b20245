//! Dataset manifests (`docs/research-data.md`, section 1): recorded by an admitted custodian of
//! the consent contract, checked field by field against the study and the block time, listed by
//! study and found by export id. Every refusal leaves the stored manifests and the study as they
//! were.

use cosmwasm_std::{
    coin, to_json_binary, to_json_vec, Addr, Binary, ContractResult, Empty, OverflowError,
    OverflowOperation, QueryRequest, SystemResult, Timestamp, WasmQuery,
};
use cw_multi_test::Executor;
use cw_utils::PaymentError;
use diachain_std::consent::ConsentRole;
use diachain_std::union::{
    DatasetFormat, Manifest, MigrateMsg, NewManifest, ScopeRows, StudyResponse, EXPORT_ID_LEN,
    MAX_MANIFESTS_PER_STUDY, MAX_MANIFEST_DELAY_SECONDS, ROOT_LEN,
};
use diachain_std::{DataScope, Page};
use diachain_testing::attribute;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::{ExecuteMsg, QueryMsg};

/// The study's data period, in seconds: its first and last second.
const STUDY_FROM: u64 = FROM_DAY * DAY;
const STUDY_TO: u64 = (TO_DAY + 1) * DAY - 1;
/// The block time of the tests: 10:00 on the day after the data period (the study is open).
const NOW: u64 = (TO_DAY + 1) * DAY + 10 * 3_600;
const NANOS: u64 = 1_000_000_000;
const SCOPES: [DataScope; 3] = [
    DataScope::Glucose,
    DataScope::Insulin,
    DataScope::DeviceEvents,
];

/// A study wanting glucose, insulin and device events, with three members (alice, bob, carol),
/// an admitted custodian, and the clock at `NOW`.
fn setup() -> (Suite, u64, Addr) {
    let mut suite = Suite::new();
    let id = create_study(&mut suite, &["alice", "bob", "carol"]);
    let custodian = suite.addr("custodian");
    suite.admit_consent_member(ConsentRole::Custodian, &custodian);
    suite.set_time(NOW);
    (suite, id, custodian)
}

/// A study of `SCOPES` joined by the named patients.
fn create_study(suite: &mut Suite, patients: &[&str]) -> u64 {
    let mut study = Suite::study();
    study.scopes = SCOPES.to_vec();
    let id = suite.create_native(study, 1_000_000).unwrap();
    for (grant_id, name) in (1..).zip(patients) {
        let patient = suite.addr(name);
        suite.grant(&patient, id, grant_id, SCOPES.to_vec());
        suite.join(&patient, id).unwrap();
    }
    id
}

fn export_id(n: u16) -> Binary {
    let mut id = vec![0x5a; EXPORT_ID_LEN];
    id[..2].copy_from_slice(&n.to_be_bytes());
    Binary::from(id)
}

/// A valid manifest of the whole data period, three members, three scopes.
fn manifest(study_id: u64) -> NewManifest {
    NewManifest {
        study_id,
        export_id: export_id(1),
        exported_at: Timestamp::from_seconds(NOW - 600),
        members: 3,
        rows: 350,
        scope_rows: vec![
            ScopeRows {
                scope: DataScope::Glucose,
                rows: 288,
            },
            ScopeRows {
                scope: DataScope::Insulin,
                rows: 50,
            },
            ScopeRows {
                scope: DataScope::DeviceEvents,
                rows: 12,
            },
        ],
        data_from: Timestamp::from_seconds(STUDY_FROM),
        data_to: Timestamp::from_seconds(STUDY_TO),
        format: DatasetFormat::FhirNdjson,
        time_shifted: true,
        root: Binary::from(vec![0xab; ROOT_LEN]),
    }
}

fn manifests(
    suite: &Suite,
    study_id: u64,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Page<Manifest> {
    suite
        .query(&QueryMsg::Manifests {
            study_id,
            start_after,
            limit,
        })
        .unwrap()
}

fn by_export(suite: &Suite, study_id: u64, export_id: Binary) -> Option<Manifest> {
    suite
        .query(&QueryMsg::ManifestByExport {
            study_id,
            export_id,
        })
        .unwrap()
}

/// The union's answer to a query as raw bytes, unparsed.
fn raw_query(suite: &Suite, msg: &QueryMsg) -> Binary {
    let request: QueryRequest<Empty> = QueryRequest::Wasm(WasmQuery::Smart {
        contract_addr: suite.union.to_string(),
        msg: to_json_binary(msg).unwrap(),
    });
    match suite.app.wrap().raw_query(&to_json_vec(&request).unwrap()) {
        SystemResult::Ok(ContractResult::Ok(bytes)) => bytes,
        other => panic!("query failed: {other:?}"),
    }
}

/// What a refusal must leave as it was: the study's manifests and the study.
fn state(suite: &Suite, study_id: u64) -> (Page<Manifest>, StudyResponse) {
    (
        manifests(suite, study_id, None, Some(100)),
        suite.study_info(study_id),
    )
}

/// `manifest` from `sender` is refused with `expected`, and nothing changed.
#[track_caller]
fn refused(suite: &mut Suite, sender: &Addr, manifest: NewManifest, expected: ContractError) {
    let study_id = 1;
    let before = state(suite, study_id);
    assert_refused(suite.record_manifest(sender, manifest), expected);
    assert_eq!(state(suite, study_id), before);
}

// ------------------------------------------------------------------------------ recording

#[test]
fn a_custodian_records_a_manifest_with_its_id_custodian_and_block() {
    let (mut suite, id, custodian) = setup();
    let new = manifest(id);
    let res = suite.record_manifest(&custodian, new.clone()).unwrap();
    assert_eq!(
        attribute(&res, "action").as_deref(),
        Some("record_manifest")
    );
    assert_eq!(attribute(&res, "study_id"), Some(id.to_string()));
    assert_eq!(attribute(&res, "manifest_id").as_deref(), Some("1"));
    assert_eq!(attribute(&res, "custodian"), Some(custodian.to_string()));

    let block = suite.app.block_info();
    let expected = Manifest {
        id: 1,
        study_id: id,
        custodian: custodian.clone(),
        recorded_at: block.time,
        height: block.height,
        export_id: new.export_id,
        exported_at: new.exported_at,
        members: new.members,
        rows: new.rows,
        scope_rows: new.scope_rows,
        data_from: new.data_from,
        data_to: new.data_to,
        format: new.format,
        time_shifted: new.time_shifted,
        root: new.root,
    };
    let got: Manifest = suite
        .query(&QueryMsg::Manifest {
            study_id: id,
            manifest_id: 1,
        })
        .unwrap();
    assert_eq!(got, expected);
    // The answer is the record's JSON, byte for byte.
    let raw = raw_query(
        &suite,
        &QueryMsg::Manifest {
            study_id: id,
            manifest_id: 1,
        },
    );
    assert_eq!(raw.as_slice(), to_json_vec(&expected).unwrap());
}

#[test]
fn the_event_names_ids_and_the_custodian_only() {
    let (mut suite, id, custodian) = setup();
    let res = suite.record_manifest(&custodian, manifest(id)).unwrap();
    let mut keys: Vec<String> = res
        .events
        .iter()
        .filter(|e| e.ty == "wasm")
        .flat_map(|e| e.attributes.iter().map(|a| a.key.clone()))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "_contract_address",
            "action",
            "custodian",
            "manifest_id",
            "study_id"
        ]
    );
}

#[test]
fn the_whole_data_period_and_an_export_just_recorded_or_a_day_old_are_accepted() {
    let (mut suite, id, custodian) = setup();
    // The exact edges: the study's first and last second, and an export made now.
    let mut m = manifest(id);
    m.exported_at = Timestamp::from_seconds(NOW);
    suite.record_manifest(&custodian, m).unwrap();
    // A single second, a day at most before the block, csv, unshifted, one scope.
    let mut m = manifest(id);
    m.export_id = export_id(2);
    m.exported_at = Timestamp::from_seconds(NOW - MAX_MANIFEST_DELAY_SECONDS);
    m.data_from = Timestamp::from_seconds(STUDY_TO);
    m.data_to = Timestamp::from_seconds(STUDY_TO);
    m.format = DatasetFormat::Csv;
    m.time_shifted = false;
    m.members = 1;
    m.rows = 1;
    m.scope_rows = vec![ScopeRows {
        scope: DataScope::Insulin,
        rows: 1,
    }];
    suite.record_manifest(&custodian, m).unwrap();
    assert_eq!(manifests(&suite, id, None, None).items.len(), 2);
}

#[test]
fn members_who_left_still_count_toward_the_study_members() {
    let (mut suite, id, custodian) = setup();
    let bob = suite.addr("bob");
    suite.leave(&bob, id).unwrap();
    assert_eq!(suite.study_info(id).study.active_members, 2);
    suite.record_manifest(&custodian, manifest(id)).unwrap();
}

#[test]
fn manifests_may_be_recorded_after_the_study_closed() {
    let (mut suite, id, custodian) = setup();
    suite.pass_grace();
    let mut m = manifest(id);
    m.exported_at = Timestamp::from_seconds(CLOSES_AT + GRACE);
    suite.record_manifest(&custodian, m).unwrap();
}

#[test]
fn the_message_reads_and_writes_snake_case_json() {
    let m = manifest(3);
    let json = String::from_utf8(
        to_json_vec(&ExecuteMsg::RecordManifest {
            manifest: m.clone(),
        })
        .unwrap(),
    )
    .unwrap();
    assert!(json.starts_with(r#"{"record_manifest":{"manifest":{"study_id":3,"export_id":""#));
    assert!(json.contains(r#""scope_rows":[{"scope":"glucose","rows":288},"#));
    assert!(json.contains(r#""format":"fhir_ndjson","time_shifted":true,"root":""#));
    let back: ExecuteMsg = cosmwasm_std::from_json(json.as_bytes()).unwrap();
    assert_eq!(back, ExecuteMsg::RecordManifest { manifest: m });
    assert_eq!(
        to_json_vec(&DatasetFormat::Csv).unwrap(),
        br#""csv""#.to_vec()
    );
}

// ------------------------------------------------------------------------------ queries

#[test]
fn manifests_are_numbered_per_study_and_paginated_by_id() {
    let (mut suite, id, custodian) = setup();
    let other = create_study(&mut suite, &["alice"]);
    for n in 1..=5 {
        let mut m = manifest(id);
        m.export_id = export_id(n);
        suite.record_manifest(&custodian, m).unwrap();
    }
    // The other study's first manifest is its number 1, whatever the first study holds.
    let mut m = manifest(other);
    m.members = 1;
    suite.record_manifest(&custodian, m).unwrap();
    assert_eq!(manifests(&suite, other, None, None).items[0].id, 1);

    let ids = |page: &Page<Manifest>| page.items.iter().map(|m| m.id).collect::<Vec<_>>();
    let first = manifests(&suite, id, None, Some(2));
    assert_eq!((ids(&first), first.has_more), (vec![1, 2], true));
    let next = manifests(&suite, id, Some(2), Some(2));
    assert_eq!((ids(&next), next.has_more), (vec![3, 4], true));
    let last = manifests(&suite, id, Some(4), Some(2));
    assert_eq!((ids(&last), last.has_more), (vec![5], false));
    let all = manifests(&suite, id, None, None);
    assert_eq!((ids(&all), all.has_more), (vec![1, 2, 3, 4, 5], false));
    assert!(all.items.iter().all(|m| m.study_id == id));
    let none = manifests(&suite, id, Some(5), None);
    assert_eq!((ids(&none), none.has_more), (vec![], false));
    // A limit of 0 still gives one item, as every list of the crate.
    let one = manifests(&suite, id, None, Some(0));
    assert_eq!((ids(&one), one.has_more), (vec![1], true));

    // Each page is written as `to_json_binary(&page)` would write it.
    for (start_after, limit) in [(None, Some(2)), (Some(4), Some(2)), (Some(5), None)] {
        let msg = QueryMsg::Manifests {
            study_id: id,
            start_after,
            limit,
        };
        let typed: Page<Manifest> = suite.query(&msg).unwrap();
        assert_eq!(
            raw_query(&suite, &msg).as_slice(),
            to_json_vec(&typed).unwrap()
        );
    }
}

#[test]
fn a_page_of_manifests_holds_at_most_the_crates_largest_page() {
    let (mut suite, id, custodian) = setup();
    for n in 1..=101 {
        let mut m = manifest(id);
        m.export_id = export_id(n);
        suite.record_manifest(&custodian, m).unwrap();
    }
    let page = manifests(&suite, id, None, Some(1_000));
    assert_eq!(
        page.items.len(),
        diachain_std::pagination::MAX_LIMIT as usize
    );
    assert!(page.has_more);
    assert_eq!(page.items.last().unwrap().id, 100);
}

#[test]
fn manifest_by_export_finds_the_recorded_manifest_and_none_otherwise() {
    let (mut suite, id, custodian) = setup();
    suite.record_manifest(&custodian, manifest(id)).unwrap();
    let found = by_export(&suite, id, export_id(1)).unwrap();
    assert_eq!((found.id, found.export_id), (1, export_id(1)));
    assert_eq!(by_export(&suite, id, export_id(2)), None);
    // Another study, an unknown study, an id of another length: nothing recorded.
    assert_eq!(by_export(&suite, id + 1, export_id(1)), None);
    assert_eq!(by_export(&suite, 99, export_id(1)), None);
    assert_eq!(by_export(&suite, id, Binary::from(vec![0x5a; 3])), None);
    let raw = raw_query(
        &suite,
        &QueryMsg::ManifestByExport {
            study_id: id,
            export_id: export_id(2),
        },
    );
    assert_eq!(raw.as_slice(), b"null");
}

#[test]
fn an_unknown_manifest_or_study_is_an_error() {
    let (mut suite, id, custodian) = setup();
    suite.record_manifest(&custodian, manifest(id)).unwrap();
    assert_refused(
        suite.query::<Manifest>(&QueryMsg::Manifest {
            study_id: id,
            manifest_id: 2,
        }),
        ContractError::ManifestNotFound {
            study_id: id,
            manifest_id: 2,
        },
    );
    assert_refused(
        suite.query::<Manifest>(&QueryMsg::Manifest {
            study_id: 99,
            manifest_id: 1,
        }),
        ContractError::ManifestNotFound {
            study_id: 99,
            manifest_id: 1,
        },
    );
    assert_refused(
        suite.query::<Page<Manifest>>(&QueryMsg::Manifests {
            study_id: 99,
            start_after: None,
            limit: None,
        }),
        ContractError::StudyNotFound { study_id: 99 },
    );
}

// ------------------------------------------------------------------------------ who may record

#[test]
fn record_manifest_refuses_funds() {
    let (mut suite, id, custodian) = setup();
    let before = state(&suite, id);
    assert_refused(
        suite.execute_paid(
            &custodian,
            &ExecuteMsg::RecordManifest {
                manifest: manifest(id),
            },
            &[coin(1, DENOM)],
        ),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
    assert_eq!(state(&suite, id), before);
}

#[test]
fn someone_not_admitted_as_custodian_is_refused() {
    let (mut suite, id, _) = setup();
    let sponsor = suite.sponsor.clone();
    refused(
        &mut suite,
        &sponsor,
        manifest(id),
        ContractError::NotCustodian,
    );
    let stranger = suite.addr("stranger");
    refused(
        &mut suite,
        &stranger,
        manifest(id),
        ContractError::NotCustodian,
    );
    // Asked before the study: a stranger learns nothing about study ids.
    let mut unknown = manifest(id);
    unknown.study_id = 99;
    refused(&mut suite, &stranger, unknown, ContractError::NotCustodian);
}

#[test]
fn an_emergency_provider_is_not_a_custodian() {
    let (mut suite, id, _) = setup();
    let urgent_care = suite.addr("urgent-care");
    suite.admit_consent_member(ConsentRole::EmergencyProvider, &urgent_care);
    refused(
        &mut suite,
        &urgent_care,
        manifest(id),
        ContractError::NotCustodian,
    );
}

#[test]
fn a_removed_custodian_is_refused() {
    let (mut suite, id, custodian) = setup();
    suite.record_manifest(&custodian, manifest(id)).unwrap();
    suite.remove_consent_member(ConsentRole::Custodian, &custodian);
    let mut m = manifest(id);
    m.export_id = export_id(2);
    refused(
        &mut suite,
        &custodian,
        m.clone(),
        ContractError::NotCustodian,
    );
    // Admitted again, it records again.
    suite.admit_consent_member(ConsentRole::Custodian, &custodian);
    suite.record_manifest(&custodian, m).unwrap();
}

#[test]
fn a_manifest_of_an_unknown_study_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.study_id = 99;
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::StudyNotFound { study_id: 99 },
    );
}

// ------------------------------------------------------------------------------ the export

#[test]
fn an_export_id_of_another_length_is_refused() {
    let (mut suite, id, custodian) = setup();
    for len in [0, 1, EXPORT_ID_LEN - 1, EXPORT_ID_LEN + 1, 32] {
        let mut m = manifest(id);
        m.export_id = Binary::from(vec![7; len]);
        refused(
            &mut suite,
            &custodian,
            m,
            ContractError::InvalidExportId {
                len,
                expected: EXPORT_ID_LEN,
            },
        );
    }
}

#[test]
fn an_export_recorded_for_the_study_is_refused_as_already_recorded() {
    let (mut suite, id, custodian) = setup();
    suite.record_manifest(&custodian, manifest(id)).unwrap();
    let expected = ContractError::ManifestAlreadyRecorded {
        study_id: id,
        manifest_id: 1,
    };
    assert!(expected
        .to_string()
        .starts_with("manifest already recorded"));
    refused(&mut suite, &custodian, manifest(id), expected);
    // A retry is told so whatever else it says (here: an export now too old, other counts).
    suite.set_time(NOW + 2 * MAX_MANIFEST_DELAY_SECONDS);
    let mut retry = manifest(id);
    retry.rows = 1;
    refused(
        &mut suite,
        &custodian,
        retry,
        ContractError::ManifestAlreadyRecorded {
            study_id: id,
            manifest_id: 1,
        },
    );
    // Another custodian's export with the same id is the same export of the study.
    let other = suite.addr("other-custodian");
    suite.admit_consent_member(ConsentRole::Custodian, &other);
    let mut late = manifest(id);
    late.exported_at = Timestamp::from_seconds(NOW + 2 * MAX_MANIFEST_DELAY_SECONDS);
    refused(
        &mut suite,
        &other,
        late,
        ContractError::ManifestAlreadyRecorded {
            study_id: id,
            manifest_id: 1,
        },
    );
}

#[test]
fn the_same_export_id_may_be_recorded_for_another_study() {
    let (mut suite, id, custodian) = setup();
    let other = create_study(&mut suite, &["alice"]);
    suite.record_manifest(&custodian, manifest(id)).unwrap();
    let mut m = manifest(other);
    m.members = 1;
    suite.record_manifest(&custodian, m).unwrap();
    assert_eq!(
        by_export(&suite, other, export_id(1)).unwrap().study_id,
        other
    );
    assert_eq!(by_export(&suite, id, export_id(1)).unwrap().study_id, id);
}

#[test]
fn a_root_of_another_length_is_refused() {
    let (mut suite, id, custodian) = setup();
    for len in [0, 20, ROOT_LEN - 1, ROOT_LEN + 1, 64] {
        let mut m = manifest(id);
        m.root = Binary::from(vec![1; len]);
        refused(
            &mut suite,
            &custodian,
            m,
            ContractError::InvalidManifestRoot {
                len,
                expected: ROOT_LEN,
            },
        );
    }
}

// ------------------------------------------------------------------------------ rows and scopes

#[test]
fn a_dataset_without_rows_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.rows = 0;
    m.scope_rows = vec![];
    refused(&mut suite, &custodian, m, ContractError::ZeroManifestRows);
}

#[test]
fn rows_that_are_not_the_sum_of_the_scope_rows_are_refused() {
    let (mut suite, id, custodian) = setup();
    for rows in [349, 351, 1] {
        let mut m = manifest(id);
        m.rows = rows;
        refused(
            &mut suite,
            &custodian,
            m,
            ContractError::ManifestRowsMismatch { rows, sum: 350 },
        );
    }
    // No scope rows at all count nothing.
    let mut m = manifest(id);
    m.scope_rows = vec![];
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::ManifestRowsMismatch { rows: 350, sum: 0 },
    );
}

#[test]
fn scope_rows_that_overflow_are_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.scope_rows[0].rows = u64::MAX;
    m.rows = u64::MAX;
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::Overflow(OverflowError::new(OverflowOperation::Add)),
    );
}

#[test]
fn a_scope_the_study_does_not_want_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    // Glucose, insulin, nutrition: in order, but the study does not want nutrition.
    m.scope_rows[2].scope = DataScope::Nutrition;
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::ScopeNotInStudy {
            study_id: id,
            scope: DataScope::Nutrition,
        },
    );
}

#[test]
fn summaries_only_rows_are_refused_even_when_the_study_wants_them() {
    let mut suite = Suite::new();
    let mut study = Suite::study();
    study.scopes = vec![DataScope::Glucose, DataScope::SummariesOnly];
    let id = suite.create_native(study, 1_000_000).unwrap();
    let alice = suite.addr("alice");
    suite.grant(
        &alice,
        id,
        1,
        vec![DataScope::Glucose, DataScope::SummariesOnly],
    );
    suite.join(&alice, id).unwrap();
    let custodian = suite.addr("custodian");
    suite.admit_consent_member(ConsentRole::Custodian, &custodian);
    suite.set_time(NOW);
    let mut m = manifest(id);
    m.members = 1;
    m.rows = 2;
    m.scope_rows = vec![
        ScopeRows {
            scope: DataScope::Glucose,
            rows: 1,
        },
        ScopeRows {
            scope: DataScope::SummariesOnly,
            rows: 1,
        },
    ];
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::SummariesOnlyRows {
            scope: DataScope::SummariesOnly,
        },
    );
}

#[test]
fn scope_rows_out_of_order_are_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.scope_rows.swap(0, 1);
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::ScopeRowsUnsorted {
            previous: DataScope::Insulin,
            scope: DataScope::Glucose,
        },
    );
}

#[test]
fn a_scope_counted_twice_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.scope_rows[1].scope = DataScope::Glucose;
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::DuplicateScope {
            scope: DataScope::Glucose,
        },
    );
}

#[test]
fn a_scope_counted_with_no_rows_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.scope_rows[1].rows = 0;
    m.rows = 300;
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::ZeroScopeRows {
            scope: DataScope::Insulin,
        },
    );
}

// ------------------------------------------------------------------------------ period and time

#[test]
fn a_period_that_ends_before_it_starts_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.data_from = Timestamp::from_seconds(STUDY_FROM + 2);
    m.data_to = Timestamp::from_seconds(STUDY_FROM + 1);
    refused(
        &mut suite,
        &custodian,
        m.clone(),
        ContractError::InvalidManifestPeriod {
            data_from: m.data_from,
            data_to: m.data_to,
        },
    );
}

#[test]
fn a_period_reaching_outside_the_studys_data_period_is_refused() {
    let (mut suite, id, custodian) = setup();
    let study_from = Timestamp::from_seconds(STUDY_FROM);
    let study_to = Timestamp::from_seconds(STUDY_TO);
    let cases = [
        // A second before the first day.
        (Timestamp::from_seconds(STUDY_FROM - 1), study_to),
        // A nanosecond after the last second.
        (study_from, Timestamp::from_nanos(STUDY_TO * NANOS + 1)),
        // The next day, wholly after.
        (
            Timestamp::from_seconds(STUDY_TO + 1),
            Timestamp::from_seconds(STUDY_TO + DAY),
        ),
        // Days before the study.
        (Timestamp::from_seconds(0), Timestamp::from_seconds(DAY)),
    ];
    for (data_from, data_to) in cases {
        let mut m = manifest(id);
        m.data_from = data_from;
        m.data_to = data_to;
        refused(
            &mut suite,
            &custodian,
            m,
            ContractError::ManifestPeriodOutsideStudy {
                study_id: id,
                data_from,
                data_to,
                study_from,
                study_to,
            },
        );
    }
}

#[test]
fn an_export_in_the_future_is_refused() {
    let (mut suite, id, custodian) = setup();
    for exported_at in [
        Timestamp::from_nanos(NOW * NANOS + 1),
        Timestamp::from_seconds(NOW + DAY),
    ] {
        let mut m = manifest(id);
        m.exported_at = exported_at;
        refused(
            &mut suite,
            &custodian,
            m,
            ContractError::ExportedInFuture {
                exported_at,
                now: Timestamp::from_seconds(NOW),
            },
        );
    }
}

#[test]
fn an_export_more_than_a_day_before_the_block_is_refused() {
    let (mut suite, id, custodian) = setup();
    for exported_at in [
        Timestamp::from_nanos((NOW - MAX_MANIFEST_DELAY_SECONDS) * NANOS - 1),
        Timestamp::from_seconds(STUDY_FROM),
    ] {
        let mut m = manifest(id);
        m.exported_at = exported_at;
        refused(
            &mut suite,
            &custodian,
            m,
            ContractError::ExportTooOld {
                exported_at,
                now: Timestamp::from_seconds(NOW),
                max_delay_seconds: MAX_MANIFEST_DELAY_SECONDS,
            },
        );
    }
}

// ------------------------------------------------------------------------------ members and capacity

#[test]
fn a_dataset_of_no_member_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.members = 0;
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::ZeroManifestMembers,
    );
}

#[test]
fn more_members_than_the_study_ever_had_is_refused() {
    let (mut suite, id, custodian) = setup();
    let mut m = manifest(id);
    m.members = 4;
    refused(
        &mut suite,
        &custodian,
        m,
        ContractError::TooManyManifestMembers {
            study_id: id,
            members: 4,
            study_members: 3,
        },
    );
}

#[test]
fn a_study_holds_at_most_max_manifests_per_study() {
    let (mut suite, id, custodian) = setup();
    let max = u16::try_from(MAX_MANIFESTS_PER_STUDY).unwrap();
    for n in 1..=max {
        let mut m = manifest(id);
        m.export_id = export_id(n);
        suite.record_manifest(&custodian, m).unwrap();
    }
    let last = manifests(&suite, id, Some(MAX_MANIFESTS_PER_STUDY - 1), None);
    assert_eq!(last.items[0].id, MAX_MANIFESTS_PER_STUDY);
    let mut m = manifest(id);
    m.export_id = export_id(max + 1);
    refused(
        &mut suite,
        &custodian,
        m.clone(),
        ContractError::TooManyManifests {
            study_id: id,
            max: MAX_MANIFESTS_PER_STUDY,
        },
    );
    // Another study has its own room.
    let other = create_study(&mut suite, &["alice", "bob", "carol"]);
    m.study_id = other;
    suite.record_manifest(&custodian, m).unwrap();
}

// ------------------------------------------------------------------------------ migration

#[test]
fn a_union_migrated_from_0_3_0_records_manifests_of_its_studies() {
    let (mut suite, id, custodian) = setup();
    let union = suite.union.clone();
    cw2::set_contract_version(
        suite.app.contract_storage_mut(&union).as_mut(),
        crate::contract::CONTRACT_NAME,
        "0.3.0",
    )
    .unwrap();
    let (admin, code) = (suite.admin.clone(), suite.union_code);
    let res = suite
        .app
        .migrate_contract(admin, union, &MigrateMsg {}, code)
        .unwrap();
    assert_eq!(attribute(&res, "from_version").as_deref(), Some("0.3.0"));
    assert_eq!(
        attribute(&res, "to_version").as_deref(),
        Some(crate::contract::CONTRACT_VERSION)
    );
    // The study created before the migration takes manifests, numbered from 1.
    suite.record_manifest(&custodian, manifest(id)).unwrap();
    assert_eq!(by_export(&suite, id, export_id(1)).unwrap().id, 1);
}
