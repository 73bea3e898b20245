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
    execute_msg, instantiate_msg, store_code_msg, update_admin_msg, update_instantiate_config_msg,
    ChainClient, CodeInfo, Gas, Signer, TxSender, WASM_PREFIX,
};
use diachain_governance::actions::accept_admin;
use diachain_governance::chain as gov;
use diachain_governance::cw::{
    Duration, Executor, GroupExecuteMsg, GroupInstantiateMsg, Member, MultisigInstantiateMsg,
    Status, Threshold, Vote,
};
use diachain_governance::deployment::{ContractRecord, GovernanceRecord};
use diachain_std::{anchors, consent, registry, union};
use sha2::{Digest, Sha256};

use crate::handover::{plan_handover, Holder, Step};
use crate::settings::{Settings, DEFAULT_VOTING_PERIOD};
use crate::{fail, log, Result, CONTRACTS};

/// The group's wasm in the artifacts folder, and its label on chain.
pub const GROUP_WASM: &str = "cw4-group";
pub const GROUP_LABEL: &str = "diachain-group";
/// The multisig's wasm in the artifacts folder, and its label on chain.
pub const MULTISIG_WASM: &str = "cw3-flex-multisig";
pub const MULTISIG_LABEL: &str = "diachain-multisig";

fn gov_err(e: diachain_governance::Failure) -> crate::Failure {
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

/// The admin and pending admin of suite contract `name` at `addr`, from its config.
pub async fn contract_admin(
    client: &ChainClient,
    name: &str,
    addr: &str,
) -> Result<(Option<String>, Option<String>)> {
    let q = |e: diachain_governance::Failure| fail(e.to_string());
    Ok(match name {
        "device-registry" => {
            let c: registry::ConfigResponse =
                gov::query(client, addr, &registry::QueryMsg::Config {})
                    .await
                    .map_err(q)?;
            (
                Some(c.admin.to_string()),
                c.pending_admin.map(|a| a.to_string()),
            )
        }
        "reading-anchors" => {
            let c: anchors::ConfigResponse =
                gov::query(client, addr, &anchors::QueryMsg::Config {})
                    .await
                    .map_err(q)?;
            (
                Some(c.admin.to_string()),
                c.pending_admin.map(|a| a.to_string()),
            )
        }
        "consent" => {
            let c: consent::ConfigResponse =
                gov::query(client, addr, &consent::QueryMsg::Config {})
                    .await
                    .map_err(q)?;
            (
                Some(c.admin.to_string()),
                c.pending_admin.map(|a| a.to_string()),
            )
        }
        _ => {
            let c: union::ConfigResponse = gov::query(client, addr, &union::QueryMsg::Config {})
                .await
                .map_err(q)?;
            (Some(c.admin.to_string()), None)
        }
    })
}

/// Who holds each of the six contracts now.
async fn holders(
    client: &ChainClient,
    suite: &[String],
    g: &GovernanceRecord,
) -> Result<Vec<Holder>> {
    let wasm_admin = |addr: String| async move {
        client
            .contract_info(&addr)
            .await
            .map_err(|e| fail(format!("asking the chain for {addr} failed: {e}")))
            .map(|i| i.and_then(|i| i.admin))
    };
    let mut out = Vec::new();
    for (name, addr) in CONTRACTS.iter().zip(suite) {
        let (admin, pending_admin) = contract_admin(client, name, addr).await?;
        out.push(Holder {
            name,
            address: addr.clone(),
            wasm_admin: wasm_admin(addr.clone()).await?,
            admin,
            pending_admin,
        });
    }
    let group = &g.group.address;
    out.push(Holder {
        name: "group",
        address: group.clone(),
        wasm_admin: wasm_admin(group.clone()).await?,
        admin: gov::group_admin(client, group).await.map_err(gov_err)?,
        pending_admin: None,
    });
    let ms = &g.multisig.address;
    out.push(Holder {
        name: "multisig",
        address: ms.clone(),
        wasm_admin: wasm_admin(ms.clone()).await?,
        admin: None,
        pending_admin: None,
    });
    Ok(out)
}

/// Hands the contracts at `suite` (the four, in [`CONTRACTS`] order) to the multisig of `g`.
pub async fn hand_over(
    sender: &TxSender,
    s: &Settings,
    g: &GovernanceRecord,
    suite: &[String],
) -> Result<()> {
    let client = sender.client();
    let ms = g.multisig.address.as_str();
    let me = sender.address().to_string();
    let plan = plan_handover(&holders(client, suite, g).await?, &me, ms)?;
    if plan.is_done() {
        log(&format!(
            "governed: the multisig {ms} administers every contract; admin actions and migrations go through proposals (scripts/gov.sh)"
        ));
        return Ok(());
    }
    let addr_of = |name: &str| match name {
        "group" => g.group.address.clone(),
        "multisig" => ms.to_string(),
        n => CONTRACTS
            .iter()
            .position(|c| *c == n)
            .map(|i| suite[i].clone())
            .unwrap_or_default(),
    };
    if !plan.deployer.is_empty() {
        let mut anys = Vec::new();
        for (name, step) in &plan.deployer {
            let a = addr_of(name);
            let any = match step {
                Step::WasmAdmin => update_admin_msg(&me, &a, ms),
                Step::TransferAdmin => execute_msg(
                    &me,
                    &a,
                    &registry::ExecuteMsg::TransferAdmin {
                        new_admin: ms.to_string(),
                    },
                    vec![],
                ),
                Step::UnionAdmin => execute_msg(
                    &me,
                    &a,
                    &union::ExecuteMsg::UpdateConfig {
                        admin: Some(ms.to_string()),
                        anchors: None,
                        consent: None,
                        treasury: None,
                    },
                    vec![],
                ),
                Step::GroupAdmin => execute_msg(
                    &me,
                    &a,
                    &GroupExecuteMsg::UpdateAdmin {
                        admin: Some(ms.to_string()),
                    },
                    vec![],
                ),
            }
            .map_err(|e| fail(format!("handing {name} over: {e}")))?;
            anys.push(any);
        }
        let tx = sender
            .send(anys, "", Gas::Auto)
            .await
            .map_err(|e| fail(format!("handing the contracts to the multisig failed: {e}")))?;
        for (name, step) in &plan.deployer {
            let what = match step {
                Step::WasmAdmin => "wasm admin is now the multisig",
                Step::TransferAdmin => "admin role offered to the multisig",
                Step::UnionAdmin => "admin is now the multisig",
                Step::GroupAdmin => "the multisig now changes its members",
            };
            log(&format!("{name}: {what}"));
        }
        log(&format!(
            "handover sent by the deployer in tx {} (gas used {})",
            tx.hash, tx.gas_used
        ));
    }
    if plan.accept.is_empty() {
        log(&format!(
            "governed: the multisig {ms} administers every contract"
        ));
        return Ok(());
    }
    accept(sender, s, g, &plan.accept, &addr_of).await
}

/// Has the multisig accept the admin role of `names`: by the open proposal that does it, or a
/// new one; votes with the deployer (if a member) and `--vote-as`, and executes once passed.
async fn accept(
    sender: &TxSender,
    s: &Settings,
    g: &GovernanceRecord,
    names: &[&str],
    addr_of: &dyn Fn(&str) -> String,
) -> Result<()> {
    let client = sender.client();
    let ms = g.multisig.address.as_str();
    let msgs = names
        .iter()
        .map(|n| accept_admin(n, &addr_of(n)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(gov_err)?;
    let wanted: Vec<serde_json::Value> = msgs
        .iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| fail(format!("cannot encode a message: {e}")))?;
    let voters = voters(sender, s, &g.group.address).await?;
    let existing = gov::proposals(client, ms)
        .await
        .map_err(gov_err)?
        .into_iter()
        .find(|p| matches!(p.status, Status::Open | Status::Passed) && p.msgs == wanted)
        .map(|p| p.id);
    let id = match (existing, voters.first()) {
        (Some(id), _) => {
            log(&format!("the handover proposal {id} is open"));
            id
        }
        (None, Some((name, proposer))) => {
            let title = format!("Accept the admin role of {} (handover)", names.join(", "));
            let (id, tx) = gov::propose(proposer, ms, (&title, "The deployment handed these contracts to the multisig; accepting makes it their admin."), msgs, None)
                .await
                .map_err(gov_err)?;
            log(&format!(
                "proposal {id} opened by {name} (yes) in tx {}: {title}",
                tx.hash
            ));
            id
        }
        (None, None) => {
            log(&format!(
                "the multisig must accept the admin role of {}: a member proposes it (scripts/gov.sh propose accept-admin --from KEY), members vote (scripts/gov.sh vote ID yes), one executes it (scripts/gov.sh execute ID)",
                names.join(", ")
            ));
            return Ok(());
        }
    };
    for (name, voter) in &voters {
        let p = gov::proposal(client, ms, id).await.map_err(gov_err)?;
        if p.status != Status::Open {
            break;
        }
        if gov::vote_of(client, ms, id, voter.address())
            .await
            .map_err(gov_err)?
            .is_some()
        {
            continue;
        }
        let tx = gov::vote(voter, ms, id, Vote::Yes).await.map_err(gov_err)?;
        log(&format!(
            "proposal {id}: {name} voted yes in tx {}",
            tx.hash
        ));
    }
    let p = gov::proposal(client, ms, id).await.map_err(gov_err)?;
    match (p.status, voters.first()) {
        (Status::Passed, Some((name, executor))) => {
            let tx = gov::execute(executor, ms, id).await.map_err(gov_err)?;
            log(&format!(
                "proposal {id} executed by {name} in tx {}: governed, the multisig {ms} administers every contract",
                tx.hash
            ));
        }
        (Status::Passed, None) => log(&format!(
            "proposal {id} has passed: any member executes it (scripts/gov.sh execute {id} --from KEY)"
        )),
        (status, _) => log(&format!(
            "proposal {id} is {status:?} with yes weight short of the threshold {}: the other members vote (scripts/gov.sh vote {id} yes --from KEY), then one executes it (scripts/gov.sh execute {id})",
            g.threshold
        )),
    }
    Ok(())
}

/// A member's key that votes here: the deployer's sender, or a `--vote-as` key's own.
enum Voter<'a> {
    Deployer(&'a TxSender),
    Key(Box<TxSender>),
}

impl std::ops::Deref for Voter<'_> {
    type Target = TxSender;

    fn deref(&self) -> &TxSender {
        match self {
            Voter::Deployer(s) => s,
            Voter::Key(s) => s,
        }
    }
}

/// The members who vote here: the deployer if it is one, then each `--vote-as` key (each key
/// once, each a member of the group).
async fn voters<'a>(
    sender: &'a TxSender,
    s: &Settings,
    group: &str,
) -> Result<Vec<(String, Voter<'a>)>> {
    let client = sender.client();
    let mut out: Vec<(String, Voter<'a>)> = Vec::new();
    if gov::member_weight(client, group, sender.address())
        .await
        .map_err(gov_err)?
        .is_some()
    {
        out.push(("the deployer".into(), Voter::Deployer(sender)));
    }
    for (name, key) in &s.governance.vote_as {
        let signer = Signer::from_mnemonic_file(key, WASM_PREFIX)
            .map_err(|e| fail(format!("--vote-as {name}: {e}")))?;
        if out.iter().any(|(_, v)| v.address() == signer.address()) {
            continue;
        }
        if gov::member_weight(client, group, signer.address())
            .await
            .map_err(gov_err)?
            .is_none()
        {
            return Err(fail(format!(
                "--vote-as {name}: {} is not a member of the group",
                signer.address()
            )));
        }
        out.push((
            name.clone(),
            Voter::Key(Box::new(TxSender::new(client.clone(), signer))),
        ));
    }
    Ok(out)
}
