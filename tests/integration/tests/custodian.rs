//! The relayer as custodian and attester: access records sent after the fact (queued while
//! the chain was busy or the relayer was down) are judged as of when the data was served;
//! erasures it carried out are recorded once; an uploader key it holds for a patient is a
//! gateway like any device.

use consent::ContractError as ConsentError;
use diachain_integration::journey::{self, *};
use diachain_integration::*;
use diachain_std::consent::MAX_ACCESS_RECORD_DELAY_SECONDS;
use diachain_std::{DataScope, Purpose};

/// The custodian serves the clinician at 09:05 and queues the record; the patient revokes the
/// grant at 09:30; the queued record arrives at 10:00. It is recorded as served at 09:05 (the
/// grant allowed it then), while a fresh request is refused, and an access the grant never
/// allowed is refused whenever it was served.
#[test]
fn a_queued_access_record_is_kept_after_the_patient_revokes_and_a_never_allowed_one_is_not() {
    let mut s = journey::through(0);
    let a = s.actors.clone();
    s.set_time(at(CLINIC_DAY, 9, 0));
    let grant = s
        .grant(
            &a.patient,
            &a.patient,
            &a.clinician,
            &[DataScope::Glucose],
            Purpose::Treatment,
            None,
            CLINICIAN_DATA,
            at(CLINIC_DAY + 7, 9, 0),
        )
        .accepted("grant");
    s.set_time(at(CLINIC_DAY, 9, 5));
    let served_at = s.now();
    assert!(
        s.check_access(&a.patient, &a.clinician, DataScope::Glucose, CLINICIAN_DATA)
            .allowed
    );
    s.set_time(at(CLINIC_DAY, 9, 30));
    s.revoke_grant(&a.patient, grant).accepted("revoke");
    s.set_time(at(CLINIC_DAY, 10, 0));

    // Served now, it would be refused.
    assert_refused(
        s.record_access(
            &a.patient,
            &a.clinician,
            DataScope::Glucose,
            CLINICIAN_DATA,
            grant,
        ),
        ConsentError::GrantRevoked { grant_id: grant },
    );
    // Never allowed: insulin was not granted.
    assert_refused(
        s.record_access_served_at(
            &a.patient,
            &a.clinician,
            DataScope::Insulin,
            CLINICIAN_DATA,
            grant,
            Some(served_at),
        ),
        ConsentError::ScopeNotGranted {
            grant_id: grant,
            scope: DataScope::Insulin,
        },
    );
    s.record_access_served_at(
        &a.patient,
        &a.clinician,
        DataScope::Glucose,
        CLINICIAN_DATA,
        grant,
        Some(served_at),
    )
    .accepted("late record");
    let log = s.access_log(&a.patient);
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].served_at.seconds(),
            log[0].at.seconds(),
            log[0].grant_id
        ),
        (served_at, s.now(), grant)
    );

    // A record queued for longer than the bound is refused for good (the relayer drops it).
    s.set_time(served_at + MAX_ACCESS_RECORD_DELAY_SECONDS + 1);
    let now = s.now();
    assert_refused(
        s.record_access_served_at(
            &a.patient,
            &a.clinician,
            DataScope::Glucose,
            CLINICIAN_DATA,
            grant,
            Some(served_at),
        ),
        ConsentError::ServedTooLongAgo {
            served_at: cosmwasm_std::Timestamp::from_seconds(served_at),
            now: cosmwasm_std::Timestamp::from_seconds(now),
            max_delay_seconds: MAX_ACCESS_RECORD_DELAY_SECONDS,
        },
    );
    assert_eq!(s.access_log(&a.patient).len(), 1);
}

/// The patient asks the relayer (their custodian) to erase their data; the relayer shreds it off
/// chain and records the erasure. Its retry of the same record (it did not see the first
/// transaction's result) is refused with a text it recognises, and the record is listed once.
#[test]
fn the_custodian_records_an_erasure_once_and_a_retry_is_told_it_is_already_recorded() {
    use diachain_std::consent::{self, ErasureRecord, REQUEST_HASH_LEN};
    use diachain_std::Page;

    let mut s = journey::through(0);
    let a = s.actors.clone();
    let consent_addr = s.consent.clone();
    s.set_time(at(CLINIC_DAY, 9, 0));
    let requested_at = s.now() - 2 * HOUR;
    let msg = consent::ExecuteMsg::RecordErasure {
        patient: a.patient.to_string(),
        request_hash: cosmwasm_std::Binary::new(vec![0x5a; REQUEST_HASH_LEN]),
        requested_at: cosmwasm_std::Timestamp::from_seconds(requested_at),
    };
    // Nobody but an admitted custodian: not the patient, not the consortium.
    for who in [&a.patient, &a.consortium, &a.manufacturer] {
        assert_refused(
            s.exec(who, &consent_addr, &msg),
            ConsentError::NotMember {
                role: diachain_std::consent::ConsentRole::Custodian,
                address: who.to_string(),
            },
        );
    }
    let res = s
        .exec(a.custodian(), &consent_addr, &msg)
        .accepted("erasure");
    assert_eq!(attribute(&res, "action").as_deref(), Some("record_erasure"));
    assert_eq!(attribute(&res, "erasure_id").as_deref(), Some("1"));

    s.set_time(at(CLINIC_DAY, 9, 1));
    let err = s.exec(a.custodian(), &consent_addr, &msg).unwrap_err();
    assert!(
        refused_with(&err, &ConsentError::ErasureAlreadyRecorded { id: 1 }),
        "{err}"
    );
    assert!(
        err.to_string().contains("error: erasure already recorded"),
        "{err}"
    );

    let page: Page<ErasureRecord> = s.query(
        &consent_addr,
        &consent::QueryMsg::Erasures {
            patient: a.patient.to_string(),
            start_after: None,
            limit: None,
        },
    );
    assert_eq!(page.items.len(), 1);
    let record = &page.items[0];
    assert_eq!(
        (
            &record.custodian,
            record.requested_at.seconds(),
            record.at.seconds()
        ),
        (a.custodian(), requested_at, at(CLINIC_DAY, 9, 0))
    );
}

/// The patient uploads to the relayer's Nightscout-compatible endpoint; the readings arrive
/// unsigned and the relayer attests them with an uploader key it holds for the patient,
/// registered as a gateway whose key the relayer holds. The patient binds it with the key's
/// proof (produced by the relayer), the anchors contract accepts the attested batches for the
/// patient, and the relayer, as the gateway's "manufacturer", can rotate the key and revoke it.
#[test]
fn a_relayer_held_uploader_key_is_registered_bound_anchored_and_revoked_like_a_device() {
    use device_registry::ContractError as RegistryError;
    use diachain_std::registry::{self, NewDevice};
    use diachain_std::testing::TestKey;
    use diachain_std::{DeviceKind, KeyAlgorithm, KeyCustody};

    const UPLOADER: &str = "ns-9c1e44a0b7d2f351";
    let mut s = journey::through(0);
    let a = s.actors.clone();
    let registry_addr = s.registry.clone();
    let key = TestKey::new(KeyAlgorithm::Secp256r1, 0x51);
    let gateway = NewDevice {
        id: UPLOADER.to_string(),
        kind: DeviceKind::Gateway,
        model: "Nightscout uploader".to_string(),
        public_key: key.public_key(),
        key_custody: KeyCustody::Relayer,
    };
    let register = registry::ExecuteMsg::RegisterDevices {
        devices: vec![gateway],
    };
    // The manufacturer cannot claim a relayer holds the key.
    assert_refused(
        s.exec(&a.manufacturer, &registry_addr, &register),
        RegistryError::NotAdmitted {
            role: diachain_std::Role::Relayer,
            address: a.manufacturer.to_string(),
        },
    );
    s.exec(&a.relayer, &registry_addr, &register)
        .accepted("relayer registers its uploader key");
    let device = s.device(UPLOADER);
    assert_eq!(
        (device.key_custody, &device.manufacturer),
        (KeyCustody::Relayer, &a.relayer)
    );
    s.devices.insert(
        UPLOADER.to_string(),
        SimDevice {
            id: UPLOADER.to_string(),
            kind: DeviceKind::Gateway,
            model: "Nightscout uploader".to_string(),
            key,
            next_seq: 1,
        },
    );
    s.set_time(at(GENESIS_DAY, 9, 0));
    s.bind(&a.patient, UPLOADER, &a.patient)
        .accepted("patient binds the uploader key");

    // An hour of uploads, attested and anchored by the relayer, counts for the patient. The
    // anchors contract counts a device's readings under its kind's scope, and a gateway's is
    // nutrition (`DeviceKind::scope`), so uploaded glucose does not count as glucose coverage.
    s.anchor_hours(FIRST_DAY, 0..1, &[UPLOADER], &[]);
    assert_eq!(
        s.coverage(&a.patient, FIRST_DAY, diachain_std::DataScope::Nutrition),
        12
    );
    assert_eq!(
        s.coverage(&a.patient, FIRST_DAY, diachain_std::DataScope::Glucose),
        0
    );

    // The manufacturer has no say over the relayer's key; the relayer revokes it (say it
    // leaked), and later uploads attested with it are refused.
    let revoke = registry::ExecuteMsg::RevokeDevice {
        device_id: UPLOADER.to_string(),
        reason: diachain_std::device::RevocationReason::Compromised,
        effective_at: None,
    };
    assert_refused(
        s.exec(&a.manufacturer, &registry_addr, &revoke),
        RegistryError::NoAuthorityOverDevice,
    );
    s.exec(&a.relayer, &registry_addr, &revoke)
        .accepted("relayer revokes its key");
    let err = s
        .anchor_hour(FIRST_DAY, 1, &[UPLOADER], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "device {UPLOADER} does not accept data measured at"
        )),
        "{err}"
    );
    assert_eq!(
        s.coverage(&a.patient, FIRST_DAY, diachain_std::DataScope::Nutrition),
        12
    );
}

/// The relayer, an admitted custodian of the consent contract, exports a study's dataset and
/// records its manifest on the union, which asks the consent contract whether the sender is a
/// custodian. Its retry is refused with the text that starts "manifest already recorded", the
/// sponsor is no custodian, and once the consortium removes the relayer as custodian the union
/// refuses its next manifest.
#[test]
fn the_custodian_records_a_dataset_manifest_once_and_not_after_its_removal() {
    use data_union::ContractError as UnionError;
    use diachain_std::consent::{self, ConsentRole};
    use diachain_std::union::{self, DatasetFormat, Manifest, NewManifest, ScopeRows};

    let mut s = journey::through(7);
    let a = s.actors.clone();
    let study_id = s.story.study.unwrap();
    s.set_time(at(STUDY_TO + 1, 8, 0));
    let manifest = |export: u8, exported_at: u64| NewManifest {
        study_id,
        export_id: cosmwasm_std::Binary::new(vec![export; 16]),
        exported_at: cosmwasm_std::Timestamp::from_seconds(exported_at),
        members: 2,
        rows: 576,
        scope_rows: vec![ScopeRows {
            scope: DataScope::Glucose,
            rows: 576,
        }],
        data_from: cosmwasm_std::Timestamp::from_seconds(RESEARCH_DATA.0),
        data_to: cosmwasm_std::Timestamp::from_seconds(RESEARCH_DATA.1),
        format: DatasetFormat::Csv,
        time_shifted: true,
        root: cosmwasm_std::Binary::new(vec![0x42; 32]),
    };
    let exported_at = s.now() - HOUR;
    let record = |m: NewManifest| union::ExecuteMsg::RecordManifest { manifest: m };

    assert_refused(
        s.union_exec(&a.sponsor, record(manifest(1, exported_at))),
        UnionError::NotCustodian,
    );
    let res = s
        .union_exec(a.custodian(), record(manifest(1, exported_at)))
        .accepted("manifest");
    assert_eq!(
        attribute(&res, "action").as_deref(),
        Some("record_manifest")
    );
    assert_eq!(attribute(&res, "manifest_id").as_deref(), Some("1"));

    let err = s
        .union_exec(a.custodian(), record(manifest(1, exported_at)))
        .unwrap_err();
    assert!(
        refused_with(
            &err,
            &UnionError::ManifestAlreadyRecorded {
                study_id,
                manifest_id: 1
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("error: manifest already recorded"),
        "{err}"
    );
    let found: Option<Manifest> = s.query(
        &s.union,
        &union::QueryMsg::ManifestByExport {
            study_id,
            export_id: cosmwasm_std::Binary::new(vec![1; 16]),
        },
    );
    let found = found.expect("the manifest of export 1");
    assert_eq!(
        (found.id, &found.custodian, found.recorded_at.seconds()),
        (1, a.custodian(), s.now())
    );

    let consent_addr = s.consent.clone();
    s.exec(
        &a.consortium,
        &consent_addr,
        &consent::ExecuteMsg::RemoveMember {
            role: ConsentRole::Custodian,
            address: a.custodian().to_string(),
        },
    )
    .accepted("custodian removed");
    assert_refused(
        s.union_exec(a.custodian(), record(manifest(2, exported_at))),
        UnionError::NotCustodian,
    );
    let page: diachain_std::Page<Manifest> = s.query(
        &s.union,
        &union::QueryMsg::Manifests {
            study_id,
            start_after: None,
            limit: None,
        },
    );
    assert_eq!(page.items.len(), 1);
}
