//! The main rejections seen as failed transactions, and the deployment's wiring.

use super::*;

/// The main rejections, each a transaction that fails in its block with the contract's error:
/// an unknown device, an implausibly dense batch, a replayed batch, a device transfer completed
/// by anyone but its recipient, an access recorded under an expired consent.
pub fn rejections(net: &Network) -> Vec<Step> {
    let mut rec = Recorder::default();
    let c = net.contracts.clone();
    let tag = run_tag();
    let (patient, clinician) = (net.addr("patient"), net.addr("clinician"));
    let now = net.avoid_midnight(5 * 60);
    let today = now / DAY;
    let domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.anchors,
    };
    let t0 = now;

    // Unknown device: never registered.
    let ghost_key = TestKey::new(KeyAlgorithm::Ed25519, 21);
    let ghost = signed_batch(&ghost_key, &format!("ghost-{tag}"), 1, 12, t0, 5, &domain);
    let tx = anchor(net, &[ghost]).expect_err("unknown device", "is not registered");
    rec.record(
        "anchor a batch of an unknown device",
        "SubmitBatches",
        "relayer",
        &tx,
    );

    // Replay: the same signed batch twice.
    let id = format!("replay-{tag}");
    let key = TestKey::new(KeyAlgorithm::Ed25519, 22);
    register_and_bind(net, &mut rec, &[(&id, DeviceKind::Cgm, &key)], "patient");
    let t1 = net.status().unwrap().1;
    // Implausible: 100 CGM readings measured at one instant, validly signed.
    let dense = signed_batch(&key, &id, 1, 100, t1, 0, &domain);
    let tx = anchor(net, &[dense]).expect_err(
        "implausible batch",
        "100 readings in 0 s exceed a Cgm device's limit of one reading every 60 s",
    );
    rec.record(
        "anchor 100 CGM readings measured at one instant",
        "SubmitBatches",
        "relayer",
        &tx,
    );
    let batch = signed_batch(&key, &id, 1, 6, t1, 60, &domain);
    let tx = anchor(net, std::slice::from_ref(&batch)).expect_ok("first submission");
    rec.record("anchor a batch", "SubmitBatches", "relayer", &tx);
    let tx = anchor(net, &[batch]).expect_err("replay", "replay or overlap");
    rec.record("replay the same batch", "SubmitBatches", "relayer", &tx);
    let cursor: CursorResponse = net
        .query(&c.anchors, &anchors::QueryMsg::Cursor { device_id: id })
        .unwrap();
    assert_eq!(cursor.last_seq, Some(6), "the replay changed nothing");

    // Unsolicited transfer: the owner, who holds the device key, offers the device to
    // patient2 and tries to complete the transfer itself. The device stays the owner's until
    // patient2 accepts.
    let gift = format!("gift-{tag}");
    let gift_key = TestKey::new(KeyAlgorithm::Ed25519, 23);
    register_and_bind(
        net,
        &mut rec,
        &[(&gift, DeviceKind::Cgm, &gift_key)],
        "patient",
    );
    let patient2 = net.addr("patient2");
    let gift_device = || -> Device {
        net.query(
            &c.registry,
            &registry::QueryMsg::Device { id: gift.clone() },
        )
        .unwrap()
    };
    let registry_domain = Domain {
        chain_id: &net.chain_id,
        contract: &c.registry,
    };
    let proof = gift_key
        .sign(&bind_sign_bytes(&registry_domain, &gift, &patient2, gift_device().nonce).unwrap());
    let tx = net
        .execute(
            "patient",
            &c.registry,
            &registry::ExecuteMsg::TransferDevice {
                device_id: gift.clone(),
                new_owner: patient2.clone(),
                signature: proof,
                expires_in_seconds: None,
            },
        )
        .expect_ok("offer transfer");
    rec.record(
        "offer a device to another patient",
        "TransferDevice",
        "patient",
        &tx,
    );
    let accept = registry::ExecuteMsg::AcceptTransfer {
        device_id: gift.clone(),
    };
    let tx = net
        .execute("patient", &c.registry, &accept)
        .expect_err("accept by the offerer", "only the recipient");
    rec.record(
        "accept a transfer offered to someone else",
        "AcceptTransfer",
        "patient",
        &tx,
    );
    assert_eq!(
        gift_device().owner.map(|a| a.to_string()),
        Some(patient.clone()),
        "an offer moves nothing"
    );
    let tx = net
        .execute("patient2", &c.registry, &accept)
        .expect_ok("accept transfer");
    rec.record("the recipient accepts", "AcceptTransfer", "patient2", &tx);
    assert_eq!(gift_device().owner.map(|a| a.to_string()), Some(patient2));

    // Expired consent: a grant that ends a few blocks from now, then an access under it.
    let (height, _) = net.status().unwrap();
    let tx = glucose_grant(net, &clinician, today, Expiry::AtHeight(height + 4))
        .expect_ok("short grant");
    rec.record("grant access until a near height", "Grant", "patient", &tx);
    let grant_id: u64 = tx
        .attr("wasm", "grant_id")
        .expect("grant_id attribute")
        .parse()
        .unwrap();
    net.wait_for_height(height + 5);
    let check = check_access(net, &patient, &clinician, DataScope::Glucose, t0);
    assert!(!check.allowed);
    let tx = record_access(net, &patient, &clinician, t0, grant_id)
        .expect_err("expired consent", &format!("grant {grant_id} has expired"));
    rec.record(
        "record an access under an expired grant",
        "RecordAccesses",
        "custodian",
        &tx,
    );
    rec.steps
}

/// Checks the deployment's wiring through queries.
pub fn check_wiring(net: &Network) {
    let c = &net.contracts;
    let anchors_cfg: anchors::ConfigResponse = net
        .query(&c.anchors, &anchors::QueryMsg::Config {})
        .unwrap();
    assert_eq!(anchors_cfg.registry.as_str(), c.registry);
    assert!(anchors_cfg.listeners.iter().any(|l| l.as_str() == c.union));
    let consent_cfg: consent::ConfigResponse = net
        .query(&c.consent, &consent::QueryMsg::Config {})
        .unwrap();
    assert_eq!(consent_cfg.listeners.len(), 1);
    assert_eq!(consent_cfg.listeners[0].as_str(), c.union);
    let union_cfg: union::ConfigResponse =
        net.query(&c.union, &union::QueryMsg::Config {}).unwrap();
    assert_eq!(union_cfg.anchors.as_str(), c.anchors);
    assert_eq!(union_cfg.consent.as_str(), c.consent);
    for (role, key) in [
        (Role::Manufacturer, "manufacturer"),
        (Role::Relayer, "relayer"),
    ] {
        let p: Option<diachain_std::device::Participant> = net
            .query(
                &c.registry,
                &registry::QueryMsg::Participant {
                    role,
                    address: net.addr(key),
                },
            )
            .unwrap();
        assert!(p.expect("admitted").is_active());
    }
    let consortium = net.addr("consortium");
    let reg_cfg: registry::ConfigResponse = net
        .query(&c.registry, &registry::QueryMsg::Config {})
        .unwrap();
    assert_eq!(reg_cfg.admin.as_str(), consortium);
}
