//! The governance part of a deployment (`--governance`, or a deployment file that records
//! one): the cw4-group of member organisations and the cw3-flex-multisig over it, then the
//! handover ([`crate::handover`]) and the proposal by which the multisig accepts the admin role
//! of the contracts that have a two-step transfer. With `--vote-as` the named members vote it
//! through and execute it; without, the deployment says what members must do.
//!
//! Idempotent: the group and multisig recorded in the deployment file are kept when the chain
//! has them (their members, threshold and voting period change by proposal, never by a
//! redeployment: flags that disagree with the chain are refused); the handover plans only what
//! is left; an open handover proposal is reused.

use std::path::Path;

use diachain_chain_client::{
    instantiate_msg, store_code_msg, update_instantiate_config_msg, ChainClient, CodeInfo, Gas,
    TxSender,
};
use diachain_governance::chain as gov;
use diachain_governance::cw::{
    Duration, Executor, GroupInstantiateMsg, Member, MultisigInstantiateMsg, Threshold,
};
use diachain_governance::deployment::{ContractRecord, GovernanceRecord};
use sha2::{Digest, Sha256};

use crate::settings::{Settings, DEFAULT_VOTING_PERIOD};
use crate::{fail, log, Result};

mod accept;
mod transfer;

pub use transfer::hand_over;

/// The group's wasm in the artifacts folder, and its label on chain.
pub const GROUP_WASM: &str = "cw4-group";
pub const GROUP_LABEL: &str = "diachain-group";
/// The multisig's wasm in the artifacts folder, and its label on chain.
pub const MULTISIG_WASM: &str = "cw3-flex-multisig";
pub const MULTISIG_LABEL: &str = "diachain-multisig";

pub(crate) fn gov_err(e: diachain_governance::Failure) -> crate::Failure {
    fail(e.to_string())
}

/// The recorded multisig's address if the chain has it (the deployment is governed, or being
/// handed over).
pub async fn live_multisig(
    client: &ChainClient,
    recorded: Option<&GovernanceRecord>,
) -> Result<Option<String>> {
    let Some(g) = recorded else { return Ok(None) };
    let info = client
        .contract_info(&g.multisig.address)
        .await
        .map_err(|e| fail(format!("asking the chain for the multisig failed: {e}")))?;
    Ok(info.map(|i| i.address))
}

/// Refuses governance flags that disagree with the recorded group and multisig on chain,
/// before the deployment sends anything.
pub async fn preflight(
    client: &ChainClient,
    s: &Settings,
    recorded: Option<&GovernanceRecord>,
) -> Result<()> {
    let Some(g) = recorded else { return Ok(()) };
    let quiet = |r: &ContractRecord| {
        let addr = r.address.clone();
        async move {
            client
                .contract_info(&addr)
                .await
                .map_err(|e| fail(format!("asking the chain for {addr} failed: {e}")))
                .map(|i| i.is_some())
        }
    };
    if quiet(&g.group).await? {
        check_members(client, &g.group.address, s.governance.members.as_deref()).await?;
    }
    if quiet(&g.multisig).await? {
        check_multisig(client, &g.multisig.address, &g.group.address, s).await?;
    }
    Ok(())
}

/// The group and the multisig, instantiated if the chain does not have the recorded ones.
pub async fn set_up(
    sender: &TxSender,
    s: &Settings,
    recorded: Option<&GovernanceRecord>,
    codes: &[CodeInfo],
) -> Result<GovernanceRecord> {
    let client = sender.client();
    let group = match live(client, recorded.map(|g| &g.group)).await? {
        Some(addr) => {
            check_members(client, &addr, s.governance.members.as_deref()).await?;
            addr
        }
        None => {
            let members = s
                .governance
                .members
                .clone()
                .or_else(|| recorded.map(|g| g.members.clone()))
                .ok_or_else(|| fail("--governance needs --members on the first deployment"))?;
            let msg = GroupInstantiateMsg {
                admin: Some(sender.address().to_string()),
                members,
            };
            instantiate(sender, s, codes, GROUP_WASM, GROUP_LABEL, &msg).await?
        }
    };
    let multisig = match live(client, recorded.map(|g| &g.multisig)).await? {
        Some(addr) => {
            check_multisig(client, &addr, &group, s).await?;
            addr
        }
        None => {
            let threshold = s
                .governance
                .threshold
                .or(recorded.map(|g| g.threshold))
                .ok_or_else(|| fail("--governance needs --threshold on the first deployment"))?;
            let members = gov::members(client, &group).await.map_err(gov_err)?;
            crate::settings::check_threshold(&members, threshold)?;
            let period = s
                .governance
                .voting_period
                .or(recorded.map(|g| g.max_voting_period_secs))
                .unwrap_or(DEFAULT_VOTING_PERIOD);
            let msg = MultisigInstantiateMsg {
                group_addr: group.clone(),
                threshold: Threshold::AbsoluteCount { weight: threshold },
                max_voting_period: Duration::Time(period),
                executor: Some(Executor::Member),
                proposal_deposit: None,
            };
            instantiate(sender, s, codes, MULTISIG_WASM, MULTISIG_LABEL, &msg).await?
        }
    };
    record(client, &group, &multisig).await
}

/// The governance section as the chain has it now.
pub async fn record(client: &ChainClient, group: &str, multisig: &str) -> Result<GovernanceRecord> {
    let codes = client
        .codes()
        .await
        .map_err(|e| fail(format!("listing the chain's codes failed: {e}")))?;
    let rec = |addr: &str, label: &str, code_id: u64| ContractRecord {
        code_id,
        checksum: codes
            .iter()
            .find(|c| c.code_id == code_id)
            .map(|c| c.checksum.to_ascii_lowercase())
            .unwrap_or_default(),
        address: addr.to_string(),
        label: label.to_string(),
    };
    let code_of = |addr: &str| {
        let addr = addr.to_string();
        async move {
            client
                .contract_info(&addr)
                .await
                .map_err(|e| fail(format!("asking the chain for {addr} failed: {e}")))?
                .map(|i| i.code_id)
                .ok_or_else(|| fail(format!("{addr} is not on this chain")))
        }
    };
    let cfg = gov::config(client, multisig).await.map_err(gov_err)?;
    let Threshold::AbsoluteCount { weight } = cfg.threshold;
    let Duration::Time(period) = cfg.max_voting_period else {
        return Err(fail(format!(
            "the multisig {multisig} has a voting period in blocks; DiaChain's is in seconds"
        )));
    };
    Ok(GovernanceRecord {
        group: rec(group, GROUP_LABEL, code_of(group).await?),
        multisig: rec(multisig, MULTISIG_LABEL, code_of(multisig).await?),
        members: gov::members(client, group).await.map_err(gov_err)?,
        threshold: weight,
        max_voting_period_secs: period,
    })
}

/// `recorded`'s address if the chain has a contract there.
async fn live(client: &ChainClient, recorded: Option<&ContractRecord>) -> Result<Option<String>> {
    let Some(r) = recorded else { return Ok(None) };
    match client.contract_info(&r.address).await {
        Ok(Some(i)) => Ok(Some(i.address)),
        Ok(None) => {
            log(&format!(
                "{}: recorded address {} is not on this chain; deploying afresh",
                r.label, r.address
            ));
            Ok(None)
        }
        Err(e) => Err(fail(format!(
            "asking the chain for {} failed: {e}",
            r.address
        ))),
    }
}

/// Refuses `--members` that differ from the group's members on chain.
async fn check_members(client: &ChainClient, group: &str, asked: Option<&[Member]>) -> Result<()> {
    let Some(asked) = asked else { return Ok(()) };
    let mut asked = asked.to_vec();
    asked.sort();
    let mut now = gov::members(client, group).await.map_err(gov_err)?;
    now.sort();
    if asked != now {
        let list = |m: &[Member]| {
            m.iter()
                .map(|m| format!("{}:{}", m.addr, m.weight))
                .collect::<Vec<_>>()
                .join(",")
        };
        return Err(fail(format!(
            "the group {group} has members {} on chain, not {}: members change by proposal (scripts/gov.sh propose add-member|remove-member|set-weight), not by redeploying",
            list(&now),
            list(&asked)
        )));
    }
    Ok(())
}

/// Refuses a threshold or voting period that differ from the multisig's on chain (cw3's flex
/// multisig cannot change them), or a multisig over another group.
async fn check_multisig(
    client: &ChainClient,
    multisig: &str,
    group: &str,
    s: &Settings,
) -> Result<()> {
    let cfg = gov::config(client, multisig).await.map_err(gov_err)?;
    if cfg.group_addr != group {
        return Err(fail(format!(
            "the multisig {multisig} votes over group {}, not the recorded group {group}",
            cfg.group_addr
        )));
    }
    let Threshold::AbsoluteCount { weight } = cfg.threshold;
    if let Some(t) = s.governance.threshold.filter(|t| *t != weight) {
        return Err(fail(format!(
            "the multisig {multisig} has threshold {weight}, not {t}: a cw3-flex-multisig's threshold is fixed; a new one means a new multisig, handed the contracts by proposal"
        )));
    }
    if let Some(p) = s
        .governance
        .voting_period
        .filter(|p| Duration::Time(*p) != cfg.max_voting_period)
    {
        let now = match cfg.max_voting_period {
            Duration::Time(t) => format!("{t} s"),
            Duration::Height(h) => format!("{h} blocks"),
        };
        return Err(fail(format!(
            "the multisig {multisig} has voting period {now}, not {p} s: it is fixed at instantiation"
        )));
    }
    Ok(())
}

/// Stores (or reuses) `<artifacts>/<wasm>.wasm` and instantiates it with `msg`, the deployer as
/// its wasm admin for now (the handover gives it to the multisig).
async fn instantiate<M: serde::Serialize>(
    sender: &TxSender,
    s: &Settings,
    codes: &[CodeInfo],
    wasm: &str,
    label: &str,
    msg: &M,
) -> Result<String> {
    let me = sender.address().to_string();
    let code_id = code_for(sender, &s.artifacts, codes, wasm).await?;
    let any = instantiate_msg(&me, Some(&me), code_id, label, msg)
        .map_err(|e| fail(format!("instantiating {wasm}: {e}")))?;
    let tx = sender
        .send(vec![any], "", Gas::Auto)
        .await
        .map_err(|e| fail(format!("instantiating {wasm} failed: {e}")))?;
    let addr = tx
        .attribute("instantiate", "_contract_address")
        .ok_or_else(|| {
            fail(format!(
                "instantiating {wasm}: transaction {} reported no address",
                tx.hash
            ))
        })?
        .to_string();
    log(&format!(
        "{wasm}: instantiated {label} at {addr} (gas used {})",
        tx.gas_used
    ));
    Ok(addr)
}

/// The code id of `<artifacts>/<wasm>.wasm`: one the deployer stored before, or stored now.
async fn code_for(
    sender: &TxSender,
    artifacts: &Path,
    codes: &[CodeInfo],
    wasm: &str,
) -> Result<u64> {
    let path = artifacts.join(format!("{wasm}.wasm"));
    let bytes = std::fs::read(&path).map_err(|_| {
        fail(format!(
            "{} is missing (run scripts/build-wasm.sh {wasm})",
            path.display()
        ))
    })?;
    let checksum = hex::encode(Sha256::digest(&bytes));
    let me = sender.address();
    if let Some(id) = codes
        .iter()
        .filter(|c| c.checksum.eq_ignore_ascii_case(&checksum) && c.creator == me)
        .map(|c| c.code_id)
        .max()
    {
        log(&format!(
            "{wasm}: this wasm is already stored as code {id}; reusing it"
        ));
        return Ok(id);
    }
    log(&format!(
        "{wasm}: storing {} ({} bytes, {}…)",
        path.display(),
        bytes.len(),
        &checksum[..12]
    ));
    let what = format!("storing {}", path.display());
    let msg = store_code_msg(me, bytes, &[me]).map_err(|e| fail(format!("{what}: {e}")))?;
    let tx = sender
        .send(vec![msg], "", Gas::Auto)
        .await
        .map_err(|e| fail(format!("{what} failed: {e}")))?;
    let id = tx
        .attribute("store_code", "code_id")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            fail(format!(
                "{what}: transaction {} reported no code id",
                tx.hash
            ))
        })?;
    log(&format!("{wasm}: code id {id} (gas used {})", tx.gas_used));
    Ok(id)
}

/// Lets `multisig` migrate contracts to the deployer's `codes` (wasmd requires a migration's
/// sender to be allowed to instantiate the new code; a permissioned chain stores a code for its
/// uploader only, and its uploader may then name more addresses). One transaction for the codes
/// that need it.
pub async fn allow_multisig(sender: &TxSender, multisig: &str, codes: &[u64]) -> Result<()> {
    let me = sender.address();
    let mut anys = Vec::new();
    let mut allowed = Vec::new();
    for id in codes {
        let code = diachain_governance::verify::code_on_chain(sender.client(), *id)
            .await
            .map_err(gov_err)?
            .ok_or_else(|| fail(format!("code {id} is not on this chain")))?;
        if code.permission.allows(multisig) || code.creator != me || allowed.contains(id) {
            continue;
        }
        anys.push(
            update_instantiate_config_msg(me, *id, &[me, multisig])
                .map_err(|e| fail(format!("allowing the multisig code {id}: {e}")))?,
        );
        allowed.push(*id);
    }
    if anys.is_empty() {
        return Ok(());
    }
    let tx = sender.send(anys, "", Gas::Auto).await.map_err(|e| {
        fail(format!(
            "letting the multisig use code(s) {allowed:?} failed: {e}"
        ))
    })?;
    log(&format!(
        "code(s) {allowed:?}: the multisig may now migrate contracts to them (tx {})",
        tx.hash
    ));
    Ok(())
}
