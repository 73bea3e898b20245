//! The chain client against a real wasmd node with the suite deployed.
//!
//! These tests need `DIACHAIN_CHAIN_CLIENT_NETWORK` to name a running network started by
//! `scripts/chain.sh` and deployed by `scripts/deploy.sh`, so they are `#[ignore]`d: a plain
//! `cargo test` reports them as ignored, and `scripts/e2e.sh` runs them (`--ignored`) against
//! its own network. They sign with the network's test keyring mnemonics
//! (`.chain/<id>/logs/key-<role>.json`). Run them one at a time (`--test-threads=1`): they
//! share the consortium account.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use diachain_chain_client::cosmrs::rpc::client::CompatMode;
use diachain_chain_client::{
    coin, execute_msg, send_msg, ChainClient, ClientConfig, Error, Gas, Signer, TxSender,
    COMPAT_MODE,
};
use diachain_std::device::{Participant, Role};
use diachain_std::{anchors, consent, registry, union};
use serde_json::{json, Value};

/// The environment variable naming the network the live tests run against.
const NETWORK_ENV: &str = "DIACHAIN_CHAIN_CLIENT_NETWORK";

struct Live {
    chain_id: String,
    denom: String,
    client: ChainClient,
    contracts: HashMap<String, String>,
    keys: PathBuf,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl Live {
    /// The network named by the environment; a test run without it fails, saying why.
    async fn from_env() -> Live {
        let id = match std::env::var(NETWORK_ENV) {
            Ok(id) if !id.is_empty() => id,
            _ => panic!(
                "this test needs a running wasmd network with the suite deployed: run it through \
                 scripts/e2e.sh (which starts one and sets {NETWORK_ENV}), or set \
                 {NETWORK_ENV}=<chain-id>"
            ),
        };
        let root = repo_root();
        let net = root.join(".chain").join(&id);
        let env: HashMap<String, String> = read(&net.join("network.env"))
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let dep: Value =
            serde_json::from_str(&read(&root.join(format!("deployments/{id}.json")))).unwrap();
        let contracts = dep["contracts"]
            .as_object()
            .expect("deployment lists contracts")
            .iter()
            .map(|(k, v)| (k.clone(), v["address"].as_str().unwrap().to_string()))
            .collect();
        let config = ClientConfig::new(&env["DIACHAIN_NODE"], &env["DIACHAIN_GAS_PRICE"])
            .unwrap()
            .with_chain_id(&id);
        let client = ChainClient::connect(config).await.unwrap_or_else(|e| {
            panic!("{NETWORK_ENV}={id} is set but the node is not usable: {e}")
        });
        Live {
            chain_id: id,
            denom: env["DIACHAIN_DENOM"].clone(),
            client,
            contracts,
            keys: net.join("logs"),
        }
    }

    /// The test keyring's key `role`, from the mnemonic `wasmd keys add` printed.
    fn key_json(&self, role: &str) -> Value {
        serde_json::from_str(&read(&self.keys.join(format!("key-{role}.json")))).unwrap()
    }

    fn signer(&self, role: &str) -> Signer {
        let k = self.key_json(role);
        Signer::from_mnemonic(k["mnemonic"].as_str().expect("mnemonic"), "wasm").unwrap()
    }

    fn sender(&self, role: &str) -> TxSender {
        TxSender::new(self.client.clone(), self.signer(role))
    }

    fn contract(&self, name: &str) -> &str {
        &self.contracts[name]
    }
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn status_is_read_in_compat_mode_0_38_from_a_cometbft_0_39_node() {
    let live = Live::from_env().await;
    assert_eq!(COMPAT_MODE, CompatMode::V0_38);
    let s = live.client.status().await.unwrap();
    assert_eq!(s.chain_id, live.chain_id);
    assert_eq!(live.client.chain_id(), live.chain_id);
    assert!(s.node_version.starts_with("0.39"), "{s:?}");
    assert!(s.latest_height > 0 && !s.catching_up);
    assert!(s.latest_block_time.starts_with("20"), "{s:?}");
    // Why the mode is set by hand: tendermint-rpc's detection does not know this version.
    let version = serde_json::from_value(json!(s.node_version)).unwrap();
    let detected = CompatMode::from_version(version);
    eprintln!(
        "node {}: automatic compat detection says {detected:?}",
        s.node_version
    );
    // Another chain id is refused at connect time.
    let wrong = live.client.config().clone().with_chain_id("not-this-chain");
    assert!(matches!(
        ChainClient::connect(wrong).await,
        Err(Error::ChainIdMismatch { .. })
    ));
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn keyring_mnemonics_derive_the_keyring_addresses_and_accounts_are_read() {
    let live = Live::from_env().await;
    for role in ["consortium", "relayer", "patient"] {
        let k = live.key_json(role);
        let s = live.signer(role);
        assert_eq!(s.address(), k["address"].as_str().unwrap(), "{role}");
        let acct = live.client.account(s.address()).await.unwrap();
        eprintln!("{role} {}: {acct:?}", s.address());
        assert!(live.client.balance(s.address(), &live.denom).await.unwrap() > 0);
    }
    let nobody = Signer::generate("wasm").unwrap();
    assert!(matches!(
        live.client.account(nobody.address()).await,
        Err(Error::AccountNotFound(_))
    ));
    assert_eq!(
        live.client
            .balance(nobody.address(), &live.denom)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn each_deployed_contract_answers_its_config_query() {
    let live = Live::from_env().await;
    let admin = live.signer("consortium").address().to_string();
    let q = json!({ "config": {} });
    let reg: registry::ConfigResponse = live
        .client
        .smart_query(live.contract("device-registry"), &q)
        .await
        .unwrap();
    assert_eq!(reg.admin.as_str(), admin);
    let anc: anchors::ConfigResponse = live
        .client
        .smart_query(live.contract("reading-anchors"), &q)
        .await
        .unwrap();
    assert_eq!(anc.registry.as_str(), live.contract("device-registry"));
    let con: consent::ConfigResponse = live
        .client
        .smart_query(live.contract("consent"), &q)
        .await
        .unwrap();
    assert_eq!(con.registry.as_str(), live.contract("device-registry"));
    let uni: union::ConfigResponse = live
        .client
        .smart_query(live.contract("data-union"), &q)
        .await
        .unwrap();
    assert_eq!(uni.anchors.as_str(), live.contract("reading-anchors"));
    assert_eq!(uni.consent.as_str(), live.contract("consent"));

    // Raw state: every contract stores its cw2 version under "contract_info".
    let raw = live
        .client
        .raw_query(live.contract("device-registry"), b"contract_info")
        .await
        .unwrap()
        .expect("cw2 record");
    let info: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(info["contract"], "crates.io:diachain-device-registry");
    assert_eq!(
        live.client
            .raw_query(live.contract("device-registry"), b"no such key")
            .await
            .unwrap(),
        None
    );
    // A query the contract refuses is a query error with the contract's reason.
    let err = live
        .client
        .smart_query::<_, Value>(live.contract("device-registry"), &json!({ "nonsense": {} }))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Query { .. }), "{err:?}");
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn a_bank_send_is_simulated_signed_broadcast_included_and_found_by_hash() {
    let live = Live::from_env().await;
    let consortium = live.sender("consortium");
    let fresh = Signer::generate("wasm").unwrap();
    let amount = 5_000_000u128;
    let msg = send_msg(
        consortium.address(),
        fresh.address(),
        vec![coin(amount, &live.denom).unwrap()],
    )
    .unwrap();
    let tx = consortium
        .send(vec![msg], "chain-client live test", Gas::Auto)
        .await
        .unwrap();
    assert!(tx.is_ok() && tx.height > 0);
    assert!(tx.gas_used > 0 && tx.gas_wanted >= tx.gas_used, "{tx:?}");
    // The first transfer is the fee's (to the fee collector), then the send's.
    assert!(
        tx.attributes("transfer", "recipient")
            .any(|r| r == fresh.address()),
        "{:?}",
        tx.events
    );
    assert_eq!(
        live.client
            .balance(fresh.address(), &live.denom)
            .await
            .unwrap(),
        amount
    );

    // The new account signs too (its account number was assigned by this transfer).
    let back = TxSender::new(live.client.clone(), fresh.clone());
    let msg = send_msg(
        fresh.address(),
        consortium.address(),
        vec![coin(1, &live.denom).unwrap()],
    )
    .unwrap();
    let tx2 = back.send(vec![msg], "", Gas::Auto).await.unwrap();
    assert_eq!(back.sequence().await, Some(1));
    let left = live
        .client
        .balance(fresh.address(), &live.denom)
        .await
        .unwrap();
    assert!(left < amount - 1, "the fee was paid: {left}");

    let found = live
        .client
        .find_tx(&tx.hash)
        .await
        .unwrap()
        .expect("tx by hash");
    assert_eq!((found.height, found.gas_used), (tx.height, tx.gas_used));
    assert_eq!(
        live.client.find_tx(&tx2.hash.to_lowercase()).await.unwrap(),
        Some(tx2)
    );
    let unknown = "00".repeat(32);
    assert_eq!(live.client.find_tx(&unknown).await.unwrap(), None);
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn an_admin_execute_lands_and_its_effect_is_queryable() {
    let live = Live::from_env().await;
    let consortium = live.sender("consortium");
    let relayer = Signer::generate("wasm").unwrap();
    let registry = live.contract("device-registry");
    let msg = json!({ "admit_participant": {
        "role": "relayer", "address": relayer.address(), "label": "chain-client live test" } });
    let tx = consortium.execute(registry, &msg, 0).await.unwrap();
    assert!(tx.is_ok());
    assert!(
        tx.attribute("wasm", "_contract_address") == Some(registry),
        "{:?}",
        tx.events
    );
    let p: Option<Participant> = live
        .client
        .smart_query(
            registry,
            &json!({ "participant": { "role": "relayer", "address": relayer.address() } }),
        )
        .await
        .unwrap();
    let p = p.expect("admitted");
    assert_eq!(
        (p.role, p.address.as_str()),
        (Role::Relayer, relayer.address())
    );
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn a_wrong_local_sequence_is_resynchronised_and_the_tx_then_succeeds() {
    let live = Live::from_env().await;
    let sender = live.sender("consortium");
    let me = sender.address().to_string();
    let chain_seq = sender.resync().await.unwrap().sequence;
    for wrong in [chain_seq + 7, chain_seq.saturating_sub(1)] {
        sender.set_sequence(wrong).await.unwrap();
        let msg = send_msg(&me, &me, vec![coin(1, &live.denom).unwrap()]).unwrap();
        // Fixed gas: the mismatch comes from CheckTx itself (code 32), not the simulation.
        let tx = sender
            .send(vec![msg], "", Gas::Fixed(200_000))
            .await
            .unwrap();
        assert!(tx.is_ok());
    }
    // And once more with a simulation, whose ante handler reports the mismatch.
    sender.set_sequence(chain_seq + 100).await.unwrap();
    let msg = send_msg(&me, &me, vec![coin(1, &live.denom).unwrap()]).unwrap();
    sender.send(vec![msg], "", Gas::Auto).await.unwrap();
    let on_chain = live.client.account(&me).await.unwrap().sequence;
    assert_eq!(on_chain, chain_seq + 3);
    assert_eq!(sender.sequence().await, Some(on_chain));
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn a_contract_refusal_is_classified_as_the_contract_error() {
    let live = Live::from_env().await;
    let patient = live.sender("patient");
    let registry = live.contract("device-registry");
    let msg = json!({ "admit_participant": {
        "role": "relayer", "address": patient.address(), "label": "not allowed" } });
    // Simulated: refused before anything is broadcast.
    match patient.execute(registry, &msg, 0).await.unwrap_err() {
        Error::Contract {
            message, tx: None, ..
        } => {
            assert!(
                message.contains("only the consortium admin may do this"),
                "{message}"
            )
        }
        e => panic!("expected the contract's error from the simulation, got {e:?}"),
    }
    // With a fixed gas limit: refused in the block, charged, sequence used.
    let before = live
        .client
        .account(patient.address())
        .await
        .unwrap()
        .sequence;
    let any = execute_msg(patient.address(), registry, &msg, vec![]).unwrap();
    match patient
        .send(vec![any], "", Gas::Fixed(400_000))
        .await
        .unwrap_err()
    {
        Error::Contract {
            message,
            tx: Some(tx),
            ..
        } => {
            assert!(
                message.contains("only the consortium admin may do this"),
                "{message}"
            );
            assert!(tx.code != 0 && tx.height > 0 && tx.gas_used > 0, "{tx:?}");
            let found = live
                .client
                .find_tx(&tx.hash)
                .await
                .unwrap()
                .expect("failed tx by hash");
            assert_eq!(found.code, tx.code);
        }
        e => panic!("expected the contract's error from the block, got {e:?}"),
    }
    assert_eq!(
        live.client
            .account(patient.address())
            .await
            .unwrap()
            .sequence,
        before + 1
    );
    assert_eq!(patient.sequence().await, Some(before + 1));
}

#[tokio::test]
#[ignore = "needs a running wasmd network with the suite deployed: scripts/e2e.sh runs it"]
async fn a_tx_sent_right_after_a_node_restart_lands() {
    let live = Live::from_env().await;
    let sender = live.sender("consortium");
    let before = sender.resync().await.unwrap().sequence;
    let chain_sh = repo_root().join("scripts/chain.sh");
    for cmd in ["stop", "start"] {
        let out = std::process::Command::new("bash")
            .arg(&chain_sh)
            .args([cmd, "--chain-id", &live.chain_id])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chain.sh {cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Until its first new block the node checks signatures with account number 0 (code 4): the
    // sender retries that by itself. A connection the restart closed is the caller's to retry.
    let me = sender.address().to_string();
    let mut tries = 0;
    let tx = loop {
        let msg = send_msg(&me, &me, vec![coin(1, &live.denom).unwrap()]).unwrap();
        match sender.send(vec![msg], "", Gas::Auto).await {
            Err(e @ Error::Transport { .. }) if tries < 5 => {
                eprintln!("retrying after {e}");
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            other => break other.unwrap(),
        }
    };
    assert!(tx.is_ok());
    assert_eq!(sender.sequence().await, Some(before + 1));
}
