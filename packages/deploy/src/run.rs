//! The deployment against a chain: read the wasm, plan, store, migrate, instantiate, wire,
//! write the deployment file. Transactions batch what can go together (all migrations in one,
//! the wiring in one, the stores broadcast back to back); the lines printed are the ones
//! `scripts/deploy.sh` printed, one per contract and action (scripts/e2e.sh greps them).

use std::path::Path;

use diachain_chain_client::{
    execute_msg, instantiate_msg, migrate_msg, store_code_msg, ChainClient, ClientConfig, CodeInfo,
    Error, Gas, Signer, TxOutcome, TxSender, WASM_PREFIX,
};
use diachain_std::consent::ConsentRole;
use diachain_std::device::Role;
use diachain_std::{anchors, consent, registry};
use sha2::{Digest, Sha256};

use crate::govern;
use crate::msgs::{self, UnionTerms};
use crate::plan::{plan_contract, CodeStep, ContractPlan, ContractStep};
use crate::record::{self, ContractRecord, Contracts, Deployment, Previous, Roles, UnionSettings};
use crate::settings::{KeySource, Settings};
use crate::{fail, log, Result, CONTRACTS};

/// Gas limit = simulated gas × this (as `--gas-adjustment 1.4` did with the CLI).
const GAS_ADJUSTMENT: f64 = 1.4;

/// A wasm to deploy.
struct Wasm {
    bytes: Vec<u8>,
    checksum: String,
}

/// Reads `<dir>/<contract>.wasm` for every contract.
fn read_wasms(dir: &Path) -> Result<Vec<Wasm>> {
    CONTRACTS
        .iter()
        .map(|c| {
            let path = dir.join(format!("{c}.wasm"));
            let bytes = std::fs::read(&path).map_err(|_| {
                fail(format!(
                    "{} is missing (run scripts/build-wasm.sh)",
                    path.display()
                ))
            })?;
            let checksum = hex::encode(Sha256::digest(&bytes));
            Ok(Wasm { bytes, checksum })
        })
        .collect()
}

fn load_signer(key: &KeySource) -> Result<Signer> {
    match key {
        KeySource::Secret(p) => Signer::from_key_file(p, WASM_PREFIX),
        KeySource::Mnemonic(p) => Signer::from_mnemonic_file(p, WASM_PREFIX),
    }
    .map_err(|e| fail(format!("the deployer's key cannot be read: {e}")))
}

/// Connects to the node, checking it serves `settings.chain_id`.
async fn connect(s: &Settings) -> Result<ChainClient> {
    let mut config = ClientConfig::new(&s.node, &s.gas_prices)
        .map_err(|e| fail(format!("bad --node or --gas-prices: {e}")))?
        .with_chain_id(&s.chain_id);
    config.gas_multiplier = GAS_ADJUSTMENT;
    ChainClient::connect(config).await.map_err(|e| match e {
        Error::ChainIdMismatch { actual, expected } => fail(format!(
            "node {} serves chain {actual}, not {expected}",
            s.node
        )),
        Error::Transport { .. } => fail(format!(
            "node {} does not answer (is the network running? scripts/chain.sh status)",
            s.node
        )),
        e => fail(format!("node {}: {e}", s.node)),
    })
}

/// `what` failed with chain error `e`: one sentence.
fn tx_failure(what: &str, e: Error) -> crate::Failure {
    fail(format!("{what} failed: {e}"))
}

/// Deploys as `settings` say.
pub async fn deploy(s: &Settings) -> Result<()> {
    let wasms = read_wasms(&s.artifacts)?;
    let signer = load_signer(&s.key)?;
    let client = connect(s).await?;
    let deployer = signer.address().to_string();
    let prev = Previous::load(&s.deployment_file)?;
    let recorded_gov = prev.governance()?;
    let governed = s.governance.requested || recorded_gov.is_some();
    govern::preflight(&client, s, recorded_gov.as_ref()).await?;
    let multisig = govern::live_multisig(&client, recorded_gov.as_ref()).await?;
    let sender = TxSender::new(client.clone(), signer);

    let codes = client
        .codes()
        .await
        .map_err(|e| fail(format!("listing the chain's codes failed: {e}")))?;
    let mut plans = Vec::new();
    for (name, wasm) in CONTRACTS.iter().zip(&wasms) {
        let recorded = prev.recorded(name);
        let live = match &recorded.address {
            Some(a) => client
                .contract_info(a)
                .await
                .map_err(|e| fail(format!("asking the chain for {name} at {a} failed: {e}")))?,
            None => None,
        };
        plans.push(plan_contract(
            name,
            &wasm.checksum,
            &recorded,
            live.as_ref(),
            &codes,
            (&deployer, multisig.as_deref()),
        )?);
    }

    let code_ids = store_codes(&sender, s, &plans, &wasms).await?;
    migrate_all(&sender, &plans, &code_ids).await?;
    if let Some(ms) = &multisig {
        let awaiting: Vec<u64> = plans
            .iter()
            .zip(&code_ids)
            .filter(|(p, _)| matches!(p.contract, ContractStep::Propose { .. }))
            .map(|(_, id)| *id)
            .collect();
        govern::allow_multisig(&sender, ms, &awaiting).await?;
    }
    propose_hints(s, &plans, &code_ids);
    let treasury = s.roles.get("treasury").cloned().unwrap_or(deployer.clone());
    let terms = UnionTerms {
        fee_bps: s.fee_bps,
        grace_period: s.grace_period,
        treasury: treasury.clone(),
    };
    let addrs = instantiate_all(&sender, &plans, &code_ids, &terms).await?;
    wire(&sender, s, &addrs).await?;

    let record = |i: usize| {
        // A governed contract awaiting its migration proposal still runs its old code.
        let (code_id, checksum) = match &plans[i].contract {
            ContractStep::Propose { from, .. } => (*from, checksum_of(&codes, *from)),
            _ => (code_ids[i], plans[i].checksum.clone()),
        };
        ContractRecord {
            code_id,
            checksum,
            address: addrs[i].clone(),
            label: format!("diachain-{}", CONTRACTS[i]),
        }
    };
    let contracts = Contracts {
        device_registry: record(0),
        reading_anchors: record(1),
        consent: record(2),
        data_union: record(3),
    };
    let now = record::now_utc();
    let changed = plans.iter().any(ContractPlan::changes);
    let fresh = plans
        .iter()
        .all(|p| p.contract == ContractStep::Instantiate);
    let deployed_at = match prev.field("deployed_at") {
        Some(d) if !fresh && !d.is_empty() => d.to_string(),
        _ => now.clone(),
    };
    let updated_at = if !changed && prev.same_contracts(&contracts) {
        let since = prev.field("updated_at").unwrap_or("").to_string();
        log(&format!("contracts unchanged since {since}"));
        if since.is_empty() {
            now.clone()
        } else {
            since
        }
    } else {
        now.clone()
    };
    let role = |r: &str| s.roles.get(r).cloned();
    let mut deployment = Deployment {
        chain_id: s.chain_id.clone(),
        node: s.node.clone(),
        deployer,
        deployed_at,
        updated_at,
        wasmd_client: s.wasmd_client.clone(),
        data_union: UnionSettings {
            fee_bps: s.fee_bps,
            grace_period: s.grace_period,
        },
        contracts,
        roles: Roles {
            manufacturer: role("manufacturer"),
            relayer: role("relayer"),
            emergency: role("emergency"),
            custodian: role("custodian"),
            treasury: Some(treasury),
        },
        governance: recorded_gov.clone(),
    };
    if governed {
        // Recorded as soon as the group and multisig exist, so that an interrupted handover
        // resumes with them.
        let g = govern::set_up(&sender, s, recorded_gov.as_ref(), &codes).await?;
        deployment.governance = Some(g.clone());
        record::write(&s.deployment_file, &deployment)?;
        govern::hand_over(&sender, s, &g, &addrs).await?;
        let now = govern::record(&client, &g.group.address, &g.multisig.address).await?;
        deployment.governance = Some(now);
    }
    record::write(&s.deployment_file, &deployment)?;
    log(&format!("wrote {}", s.deployment_file.display()));
    for name in CONTRACTS {
        if let Some(c) = deployment.contracts.get(name) {
            eprintln!("  {name}: code {} at {}", c.code_id, c.address);
        }
    }
    if let Some(g) = &deployment.governance {
        eprintln!(
            "  group: code {} at {}; multisig: code {} at {} ({} of {} member weight)",
            g.group.code_id,
            g.group.address,
            g.multisig.code_id,
            g.multisig.address,
            g.threshold,
            g.members.iter().map(|m| m.weight).sum::<u64>()
        );
    }
    Ok(())
}

/// The checksum the chain lists for code `id` (empty if it lists none).
fn checksum_of(codes: &[CodeInfo], id: u64) -> String {
    codes
        .iter()
        .find(|c| c.code_id == id)
        .map(|c| c.checksum.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Says how to migrate each governed contract whose build changed: by proposal.
fn propose_hints(s: &Settings, plans: &[ContractPlan], ids: &[u64]) {
    for (p, id) in plans.iter().zip(ids) {
        if let ContractStep::Propose { address, from } = &p.contract {
            log(&format!(
                "{}: the new build is code {id}, but {address} (code {from}) is governed by the multisig: \
                 a member proposes its migration: scripts/gov.sh propose migrate {} --code-id {id} --wasm {}",
                p.name,
                p.name,
                s.artifacts.join(format!("{}.wasm", p.name)).display()
            ));
        }
    }
}

/// Stores what must be stored (broadcast back to back, then awaited) and returns every
/// contract's code id.
async fn store_codes(
    sender: &TxSender,
    s: &Settings,
    plans: &[ContractPlan],
    wasms: &[Wasm],
) -> Result<Vec<u64>> {
    let deployer = sender.address().to_string();
    let mut ids = vec![0u64; plans.len()];
    let mut pending = Vec::new();
    for (i, (p, w)) in plans.iter().zip(wasms).enumerate() {
        if let Some(note) = &p.note {
            log(&format!("{}: {note}", p.name));
        }
        match p.code {
            CodeStep::Unchanged(id) => {
                ids[i] = id;
                log(&format!(
                    "{}: wasm unchanged (code {id}, {}…)",
                    p.name,
                    &p.checksum[..12]
                ));
            }
            CodeStep::Reuse(id) => {
                ids[i] = id;
                log(&format!(
                    "{}: this wasm is already stored as code {id}; reusing it",
                    p.name
                ));
            }
            CodeStep::Store => {
                let path = s.artifacts.join(format!("{}.wasm", p.name));
                log(&format!(
                    "{}: storing {} ({} bytes, {}…)",
                    p.name,
                    path.display(),
                    w.bytes.len(),
                    &p.checksum[..12]
                ));
                let what = format!("storing {}", path.display());
                let msg = store_code_msg(&deployer, w.bytes.clone(), &[&deployer])
                    .map_err(|e| tx_failure(&what, e))?;
                let signed = sender
                    .submit(vec![msg], "", Gas::Auto, |_| Ok(()))
                    .await
                    .map_err(|e| tx_failure(&what, e))?;
                pending.push((i, what, signed.hash));
            }
        }
    }
    for (i, what, hash) in pending {
        let tx = included(sender, &hash)
            .await
            .map_err(|e| tx_failure(&what, e))?;
        ids[i] = tx
            .attribute("store_code", "code_id")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| fail(format!("{what}: transaction {hash} reported no code id")))?;
        log(&format!(
            "{}: code id {} (gas used {})",
            plans[i].name, ids[i], tx.gas_used
        ));
    }
    Ok(ids)
}

/// Waits for `hash`'s block; `Ok` only if it succeeded there.
async fn included(sender: &TxSender, hash: &str) -> std::result::Result<TxOutcome, Error> {
    let tx = sender.client().wait_for_tx(hash).await?;
    diachain_chain_client::outcome_result(tx)
}

/// Migrates every contract whose code changed, in one transaction (all or none).
async fn migrate_all(sender: &TxSender, plans: &[ContractPlan], ids: &[u64]) -> Result<()> {
    let mut msgs = Vec::new();
    let mut moved = Vec::new();
    for (p, id) in plans.iter().zip(ids) {
        if let ContractStep::Migrate { address, .. } = &p.contract {
            let msg = msgs::migrate(&p.name)?;
            msgs.push(
                migrate_msg(sender.address(), address, *id, &msg)
                    .map_err(|e| tx_failure(&format!("migrating {}", p.name), e))?,
            );
            moved.push((p, address, *id));
        }
    }
    if msgs.is_empty() {
        return Ok(());
    }
    let names: Vec<_> = moved.iter().map(|(p, ..)| p.name.as_str()).collect();
    let tx = sender
        .send(msgs, "", Gas::Auto)
        .await
        .map_err(|e| tx_failure(&format!("migrating {}", names.join(", ")), e))?;
    for (p, address, id) in moved {
        log(&format!(
            "{}: migrated {address} to code {id} (gas used {} for {} migration(s) in one transaction)",
            p.name,
            tx.gas_used,
            names.len()
        ));
    }
    Ok(())
}

/// Instantiates what is missing: the registry, then anchors and consent (they name the
/// registry) in one transaction, then the data union (it names both). Returns every address.
async fn instantiate_all(
    sender: &TxSender,
    plans: &[ContractPlan],
    ids: &[u64],
    terms: &UnionTerms,
) -> Result<Vec<String>> {
    let me = sender.address().to_string();
    let mut addrs: Vec<Option<String>> = plans
        .iter()
        .map(|p| match &p.contract {
            ContractStep::Keep(a)
            | ContractStep::Migrate { address: a, .. }
            | ContractStep::Propose { address: a, .. } => Some(a.clone()),
            ContractStep::Instantiate => None,
        })
        .collect();
    let [reg, anc, con, uni] = [0usize, 1, 2, 3];
    let missing = |addrs: &[Option<String>], i: usize| addrs[i].is_none();

    if missing(&addrs, reg) {
        let m = msgs::registry_instantiate(&me);
        let any = instantiate_any(&me, ids[reg], reg, &m)?;
        instantiate_batch(sender, &mut addrs, vec![(reg, any)]).await?;
    }
    let registry = addrs[reg].clone().unwrap_or_default();
    let mut batch = Vec::new();
    if missing(&addrs, anc) {
        let m = msgs::anchors_instantiate(&me, &registry);
        batch.push((anc, instantiate_any(&me, ids[anc], anc, &m)?));
    }
    if missing(&addrs, con) {
        let m = msgs::consent_instantiate(&me, &registry);
        batch.push((con, instantiate_any(&me, ids[con], con, &m)?));
    }
    instantiate_batch(sender, &mut addrs, batch).await?;
    if missing(&addrs, uni) {
        let (a, c) = (
            addrs[anc].clone().unwrap_or_default(),
            addrs[con].clone().unwrap_or_default(),
        );
        let m = msgs::union_instantiate(&me, &a, &c, terms);
        let any = instantiate_any(&me, ids[uni], uni, &m)?;
        instantiate_batch(sender, &mut addrs, vec![(uni, any)]).await?;
    }
    addrs
        .into_iter()
        .zip(CONTRACTS)
        .map(|(a, c)| a.ok_or_else(|| fail(format!("{c} has no address after instantiation"))))
        .collect()
}

fn instantiate_any<M: serde::Serialize>(
    me: &str,
    code_id: u64,
    i: usize,
    msg: &M,
) -> Result<diachain_chain_client::cosmrs::Any> {
    let label = format!("diachain-{}", CONTRACTS[i]);
    instantiate_msg(me, Some(me), code_id, &label, msg)
        .map_err(|e| tx_failure(&format!("instantiating {}", CONTRACTS[i]), e))
}

/// Sends the instantiations in `batch` in one transaction and records their addresses (the
/// `instantiate` events come in message order).
async fn instantiate_batch(
    sender: &TxSender,
    addrs: &mut [Option<String>],
    batch: Vec<(usize, diachain_chain_client::cosmrs::Any)>,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let names: Vec<_> = batch.iter().map(|(i, _)| CONTRACTS[*i]).collect();
    let what = format!("instantiating {}", names.join(" and "));
    let (idx, anys): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    let tx = sender
        .send(anys, "", Gas::Auto)
        .await
        .map_err(|e| tx_failure(&what, e))?;
    let got: Vec<_> = tx.attributes("instantiate", "_contract_address").collect();
    if got.len() != idx.len() {
        return Err(fail(format!(
            "{what}: transaction {} reported {} contract address(es) for {} instantiation(s)",
            tx.hash,
            got.len(),
            idx.len()
        )));
    }
    for (i, a) in idx.iter().zip(got) {
        addrs[*i] = Some(a.to_string());
        log(&format!(
            "{}: instantiated at {a} (gas used {})",
            CONTRACTS[*i], tx.gas_used
        ));
    }
    Ok(())
}

/// The `listeners` of a contract's config.
async fn listeners(client: &ChainClient, contract: &str, name: &str) -> Result<Vec<String>> {
    let q = match name {
        "reading-anchors" => msgs::to_json(&anchors::QueryMsg::Config {})?,
        _ => msgs::to_json(&consent::QueryMsg::Config {})?,
    };
    let cfg: serde_json::Value = client
        .smart_query(contract, &q)
        .await
        .map_err(|e| fail(format!("asking {name} for its config failed: {e}")))?;
    serde_json::from_value(cfg["listeners"].clone())
        .map_err(|_| fail(format!("{name}'s config has no list of listeners: {cfg}")))
}

/// Whether a smart query answers `null` (a participant or member not admitted).
async fn absent(client: &ChainClient, contract: &str, q: serde_json::Value) -> Result<bool> {
    let v: serde_json::Value = client
        .smart_query(contract, &q)
        .await
        .map_err(|e| fail(format!("query {q} on {contract} failed: {e}")))?;
    Ok(v.is_null())
}

/// Wires what is not wired yet, in one transaction: anchors and consent tell the data union;
/// the registry admits the manufacturer and relayer; consent the emergency provider and
/// custodian.
async fn wire(sender: &TxSender, s: &Settings, addrs: &[String]) -> Result<()> {
    log("wiring");
    let client = sender.client();
    let (reg, anc, con, uni) = (&addrs[0], &addrs[1], &addrs[2], &addrs[3]);
    let mut todo: Vec<(&String, serde_json::Value)> = Vec::new();
    if !listeners(client, anc, "reading-anchors")
        .await?
        .contains(uni)
    {
        todo.push((anc, msgs::to_json(&msgs::add_listener(uni))?));
    }
    if !listeners(client, con, "consent").await?.contains(uni) {
        todo.push((con, msgs::to_json(&msgs::set_listeners(&[uni]))?));
    }
    for (name, role) in [
        ("manufacturer", Role::Manufacturer),
        ("relayer", Role::Relayer),
    ] {
        let Some(a) = s.roles.get(name) else { continue };
        let q = registry::QueryMsg::Participant {
            role,
            address: a.clone(),
        };
        if absent(client, reg, msgs::to_json(&q)?).await? {
            todo.push((reg, msgs::to_json(&msgs::admit_participant(role, a))?));
        }
    }
    for (name, role) in [
        ("emergency", ConsentRole::EmergencyProvider),
        ("custodian", ConsentRole::Custodian),
    ] {
        let Some(a) = s.roles.get(name) else { continue };
        let q = consent::QueryMsg::Member {
            role,
            address: a.clone(),
        };
        if absent(client, con, msgs::to_json(&q)?).await? {
            todo.push((con, msgs::to_json(&msgs::admit_member(role, a))?));
        }
    }
    let todo = deployer_may(sender, addrs, todo).await?;
    if todo.is_empty() {
        return Ok(());
    }
    let actions: Vec<_> = todo.iter().map(|(_, m)| msgs::action(m)).collect();
    let what = format!("wiring ({})", actions.join(", "));
    let anys = todo
        .iter()
        .map(|(c, m)| execute_msg(sender.address(), c, m, vec![]))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| tx_failure(&what, e))?;
    let tx = sender
        .send(anys, "", Gas::Auto)
        .await
        .map_err(|e| tx_failure(&what, e))?;
    for a in actions {
        log(&format!(
            "  executed {a} (gas used {} for the wiring)",
            tx.gas_used
        ));
    }
    Ok(())
}

/// The wiring the deployer's key may still send: a contract whose admin is no longer the
/// deployer (a governed deployment) is left alone, and the proposal it needs is named.
async fn deployer_may<'a>(
    sender: &TxSender,
    addrs: &[String],
    todo: Vec<(&'a String, serde_json::Value)>,
) -> Result<Vec<(&'a String, serde_json::Value)>> {
    let mut mine = Vec::new();
    for (contract, msg) in todo {
        let i = addrs.iter().position(|a| a == contract).unwrap_or(0);
        let (admin, _) =
            diachain_governance::chain::contract_admin(sender.client(), CONTRACTS[i], contract)
                .await
                .map_err(|e| fail(e.to_string()))?;
        if admin == sender.address() {
            mine.push((contract, msg));
        } else {
            log(&format!(
                "{}: {} is missing, and only its admin {} may send it: {}",
                CONTRACTS[i],
                msgs::action(&msg),
                admin,
                proposal_hint(&msg)
            ));
        }
    }
    Ok(mine)
}

/// The `diachain-gov` command that proposes wiring message `msg`.
pub fn proposal_hint(msg: &serde_json::Value) -> String {
    let action = msgs::action(msg);
    let body = &msg[&action];
    let addr = body["address"].as_str().unwrap_or("ADDR");
    let verb = match (action.as_str(), body["role"].as_str()) {
        ("admit_participant", Some(role)) => format!("admit-{role}"),
        ("admit_member", Some("emergency_provider")) => "admit-emergency".to_string(),
        ("admit_member", Some(role)) => format!("admit-{role}"),
        _ => {
            return format!(
                "a proposal executing {msg} on it (diachain-gov has no action for {action})"
            )
        }
    };
    format!("scripts/gov.sh propose {verb} {addr} --from KEY")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wiring_a_governed_contract_needs_is_named_as_the_proposal_to_make() {
        let m = msgs::to_json(&msgs::admit_participant(Role::Relayer, "wasm1r")).unwrap();
        assert_eq!(
            proposal_hint(&m),
            "scripts/gov.sh propose admit-relayer wasm1r --from KEY"
        );
        let m = msgs::to_json(&msgs::admit_member(
            ConsentRole::EmergencyProvider,
            "wasm1e",
        ))
        .unwrap();
        assert_eq!(
            proposal_hint(&m),
            "scripts/gov.sh propose admit-emergency wasm1e --from KEY"
        );
        let m = msgs::to_json(&msgs::admit_member(ConsentRole::Custodian, "wasm1c")).unwrap();
        assert_eq!(
            proposal_hint(&m),
            "scripts/gov.sh propose admit-custodian wasm1c --from KEY"
        );
        let m = msgs::to_json(&msgs::add_listener("wasm1u")).unwrap();
        assert_eq!(
            proposal_hint(&m),
            format!(
                "a proposal executing {} on it (diachain-gov has no action for add_listener)",
                json!({"add_listener": {"address": "wasm1u"}})
            )
        );
    }

    #[test]
    fn a_recorded_code_checksum_is_the_chains_in_lower_case() {
        let codes = [CodeInfo {
            code_id: 3,
            creator: "wasm1d".into(),
            checksum: "AB12".into(),
        }];
        assert_eq!(checksum_of(&codes, 3), "ab12");
        assert_eq!(checksum_of(&codes, 4), "");
    }
}
