//! The commands: each returns what it prints, for people and for scripts.

use std::collections::BTreeMap;

use diachain_chain_client::{ChainClient, Gas, TxOutcome, TxSender};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::net::Net;
use super::{propose, Cli, Command, Output, ProposeArgs};
use crate::actions::Action;
use crate::chain::{self, chain_failure};
use crate::cw::{Duration, Expiration, ProposalResponse};
use crate::deployment::{Suite, SUITE};
use crate::describe::{describe, Context};
use crate::proposal::ProposalView;
use crate::{refused, usage, Failure, Result};

/// Runs the command `cli` names.
pub async fn run(cli: &Cli) -> Result<Output> {
    let net = Net::resolve(&cli.net)?;
    let suite = net.suite()?;
    let client = net.connect().await?;
    let ms = suite.multisig().to_string();
    match &cli.command {
        Command::Propose(p) => propose_cmd(p, &net, &client, &suite).await,
        Command::Vote { id, vote } => {
            let sender = net.sender(&client)?;
            let r = chain::vote(&sender, &ms, *id, *vote).await;
            let what = format!("voted {} on", vote.as_str());
            acted(r, &client, &suite, *id, sender.address(), &what).await
        }
        Command::Execute { id } => {
            let sender = net.sender(&client)?;
            let r = chain::execute(&sender, &ms, *id).await;
            acted(r, &client, &suite, *id, sender.address(), "executed").await
        }
        Command::Close { id } => {
            let sender = net.sender(&client)?;
            let r = chain::close(&sender, &ms, *id).await;
            acted(r, &client, &suite, *id, sender.address(), "closed").await
        }
        Command::List { all } => list(&client, &suite, *all).await,
        Command::Show { id } => {
            let v = view(&client, &suite, chain::proposal(&client, &ms, *id).await?).await?;
            Ok(Output {
                human: v.report(),
                json: json!(v),
            })
        }
        Command::Members => members(&client, &suite).await,
        Command::Upload { wasm } => upload(&net, &client, &suite, wasm).await,
    }
}

/// The context that describes this deployment's messages.
fn context<'a>(suite: &'a Suite, members: &'a [crate::cw::Member]) -> Context<'a> {
    Context {
        suite: Some(suite),
        members: Some(members),
        checksums: BTreeMap::new(),
    }
}

/// The checksums of the codes the migrations among `msgs` name.
async fn checksums(
    client: &ChainClient,
    msgs: &[serde_json::Value],
) -> Result<BTreeMap<u64, String>> {
    let mut out = BTreeMap::new();
    for m in msgs {
        if let Some(id) = m["wasm"]["migrate"]["new_code_id"].as_u64() {
            if let Some(code) = crate::verify::code_on_chain(client, id).await? {
                out.insert(id, code.checksum);
            }
        }
    }
    Ok(out)
}

/// The view of `p`, with the checksums of the codes its migrations name.
async fn view(client: &ChainClient, suite: &Suite, p: ProposalResponse) -> Result<ProposalView> {
    let members = chain::members(client, suite.group()).await?;
    let mut cx = context(suite, &members);
    cx.checksums = checksums(client, &p.msgs).await?;
    let now = chain::now(client).await?;
    chain::view(client, suite.multisig(), p, now, &cx).await
}

async fn propose_cmd(
    p: &ProposeArgs,
    net: &Net,
    client: &ChainClient,
    suite: &Suite,
) -> Result<Output> {
    let action = propose::build(&p.action, net, client, suite).await?;
    let msgs = action.messages(suite)?;
    let members = chain::members(client, suite.group()).await?;
    let json: Vec<serde_json::Value> = msgs
        .iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| usage(format!("cannot encode a message: {e}")))?;
    let mut cx = context(suite, &members);
    cx.checksums = checksums(client, &json).await?;
    let sentences: Vec<String> = json.iter().map(|v| describe(v, &cx)).collect();
    let title = p.title.clone().unwrap_or_else(|| sentences.join("; "));
    let latest = match p.expires_in {
        None => None,
        Some(secs) => Some(expires_after(chain::now(client).await?.1, secs)?),
    };
    let sender = net.sender(client)?;
    let ms = suite.multisig();
    let (id, tx) = chain::propose(&sender, ms, (&title, &p.description), msgs, latest)
        .await
        .map_err(|e| explain_propose(e, sender.address()))?;
    let mut out = after_tx(client, suite, id, &tx, "proposed").await?;
    if let Action::UpdateMembers { remove, .. } = &action {
        if !remove.is_empty() {
            removal_warning(client, suite, id, &mut out).await?;
        }
    }
    Ok(out)
}

/// `--expires-in SECS` from the chain's time `now`: at least a second, and a time that exists
/// (a later one than the multisig's longest period is refused by the multisig itself).
fn expires_after(now: cosmwasm_std::Timestamp, secs: u64) -> Result<Expiration> {
    if secs == 0 {
        return Err(usage("--expires-in must be at least 1 second"));
    }
    now.seconds()
        .checked_add(secs)
        .filter(|t| t.checked_mul(1_000_000_000).is_some())
        .map(|t| Expiration::AtTime(cosmwasm_std::Timestamp::from_seconds(t)))
        .ok_or_else(|| {
            usage(format!(
                "--expires-in {secs} is past any time the chain can hold"
            ))
        })
}

/// cw4-group snapshots weights per height and the multisig counts a vote with the voter's
/// weight when the proposal opened: a removed member keeps its vote on proposals opened before
/// the removal executes. Names those proposals.
async fn removal_warning(
    client: &ChainClient,
    suite: &Suite,
    id: u64,
    out: &mut Output,
) -> Result<()> {
    let open: Vec<u64> = chain::proposals(client, suite.multisig())
        .await?
        .iter()
        .filter(|p| p.id != id && p.status == crate::cw::Status::Open)
        .map(|p| p.id)
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    let list = open
        .iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let w = format!(
        "warning: a removed member keeps its vote on proposals opened before the removal executes \
         (the group's weights are snapshotted per proposal): {list} are open; vote them down or let them expire if the key is compromised"
    );
    out.human.push('\n');
    out.human.push_str(&w);
    out.json["warnings"] = json!([w]);
    Ok(())
}

/// The proposal's state after transaction `tx` did `what` to it.
async fn after_tx(
    client: &ChainClient,
    suite: &Suite,
    id: u64,
    tx: &TxOutcome,
    what: &str,
) -> Result<Output> {
    let v = view(
        client,
        suite,
        chain::proposal(client, suite.multisig(), id).await?,
    )
    .await?;
    let human = format!(
        "{what} proposal {id} in tx {} (block {}, gas {})\n{}",
        tx.hash,
        tx.height,
        tx.gas_used,
        v.report()
    );
    Ok(Output {
        human,
        json: json!({
            "proposal_id": id,
            "tx": tx.hash,
            "height": tx.height,
            "gas_used": tx.gas_used,
            "status": v.status,
            "proposal": v,
        }),
    })
}

/// A refusal of propose, with what "Unauthorized" means there.
fn explain_propose(e: Failure, me: &str) -> Failure {
    if e.message()
        .ends_with("refused by the contract: Unauthorized")
    {
        return refused(format!(
            "{}: {me} is not a member of the group",
            e.message()
        ));
    }
    e
}

/// The outcome of a vote, execution or closing of proposal `id` by `me`: the proposal after it,
/// or the refusal with what explains it (the proposal's state now).
async fn acted(
    r: Result<TxOutcome>,
    client: &ChainClient,
    suite: &Suite,
    id: u64,
    me: &str,
    what: &str,
) -> Result<Output> {
    let e = match r {
        Ok(tx) => return after_tx(client, suite, id, &tx, what).await,
        Err(e) => e,
    };
    let mut m = e.message().to_string();
    if m.ends_with("refused by the contract: Unauthorized") {
        m.push_str(&format!(
            ": {me} may not do this on proposal {id} (a vote needs a voting member of the group when the proposal opened, an execution a member now)"
        ));
    }
    if let Ok(p) = chain::proposal(client, suite.multisig(), id).await {
        if let Ok(v) = view(client, suite, p).await {
            m.push_str(&format!(
                " (proposal {id} is {}: yes {} of {} needed)",
                v.status.as_str(),
                v.tally.yes,
                v.threshold
                    .map_or_else(|| "?".to_string(), |t| t.to_string())
            ));
        }
    }
    Err(match e {
        Failure::Refused(_) => refused(m),
        Failure::Usage(_) => usage(m),
    })
}

async fn list(client: &ChainClient, suite: &Suite, all: bool) -> Result<Output> {
    let members = chain::members(client, suite.group()).await?;
    let cx = context(suite, &members);
    let now = chain::now(client).await?;
    let mut views = Vec::new();
    for p in chain::proposals(client, suite.multisig()).await? {
        let v = chain::view(client, suite.multisig(), p, now, &cx).await?;
        if all || v.status.is_live() {
            views.push(v);
        }
    }
    let human = if views.is_empty() {
        if all {
            "no proposals".to_string()
        } else {
            "no open or passed proposals (--all lists every one)".to_string()
        }
    } else {
        views
            .iter()
            .map(ProposalView::line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(Output {
        human,
        json: json!({ "proposals": views }),
    })
}

/// The admin (per its config) and wasm admin of every contract of the deployment.
async fn holders(client: &ChainClient, suite: &Suite) -> Result<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    for name in SUITE {
        let addr = suite.address(name).unwrap_or_default();
        let admin = chain::contract_admin(client, name, addr).await?;
        let wasm_admin = wasm_admin(client, addr).await?;
        out.push(json!({"contract": name, "address": addr, "admin": admin.0,
                        "pending_admin": admin.1, "wasm_admin": wasm_admin}));
    }
    for name in ["group", "multisig"] {
        let addr = suite.address(name).unwrap_or_default();
        let admin = if name == "group" {
            chain::group_admin(client, addr).await?
        } else {
            None
        };
        out.push(json!({"contract": name, "address": addr, "admin": admin,
                        "pending_admin": null, "wasm_admin": wasm_admin(client, addr).await?}));
    }
    Ok(out)
}

async fn wasm_admin(client: &ChainClient, addr: &str) -> Result<Option<String>> {
    Ok(client
        .contract_info(addr)
        .await
        .map_err(|e| chain_failure(&format!("asking for the contract at {addr}"), e))?
        .and_then(|i| i.admin))
}

async fn members(client: &ChainClient, suite: &Suite) -> Result<Output> {
    let members = chain::members(client, suite.group()).await?;
    let total = chain::total_weight(client, suite.group()).await?;
    let cfg = chain::config(client, suite.multisig()).await?;
    let threshold = propose::threshold(client, suite).await?;
    let period = match cfg.max_voting_period {
        Duration::Time(s) => json!({"seconds": s}),
        Duration::Height(h) => json!({"blocks": h}),
    };
    let holders = holders(client, suite).await?;
    let name = |a: &str| {
        if a == suite.multisig() {
            "the multisig".to_string()
        } else {
            a.to_string()
        }
    };
    let mut human = vec![format!(
        "group {} — {} member(s), total weight {total}",
        suite.group(),
        members.len()
    )];
    human.extend(
        members
            .iter()
            .map(|m| format!("  {} weight {}", m.addr, m.weight)),
    );
    human.push(format!(
        "multisig {} — a proposal passes with yes weight {threshold} of {total}; voting period {}",
        suite.multisig(),
        match cfg.max_voting_period {
            Duration::Time(s) => format!("{s} s"),
            Duration::Height(h) => format!("{h} blocks"),
        }
    ));
    human.push("who holds what:".into());
    for h in &holders {
        let s = |k: &str| h[k].as_str().map(&name).unwrap_or_else(|| "nobody".into());
        let pending = h["pending_admin"]
            .as_str()
            .map(|p| format!(" (offered to {})", name(p)))
            .unwrap_or_default();
        human.push(format!(
            "  {}: admin {}{pending}, wasm admin {}",
            h["contract"].as_str().unwrap_or("?"),
            s("admin"),
            s("wasm_admin")
        ));
    }
    let governed = holders.iter().all(|h| {
        h["wasm_admin"] == suite.multisig()
            && (h["contract"] == "multisig" || h["admin"] == suite.multisig())
    });
    human.push(if governed {
        "every contract is governed by the multisig".into()
    } else {
        "NOT fully governed: some admin is not the multisig".into()
    });
    Ok(Output {
        human: human.join("\n"),
        json: json!({
            "group": suite.group(),
            "multisig": suite.multisig(),
            "members": members,
            "total_weight": total,
            "threshold": threshold,
            "max_voting_period": period,
            "executor": cfg.executor,
            "contracts": holders,
            "governed": governed,
        }),
    })
}

async fn upload(
    net: &Net,
    client: &ChainClient,
    suite: &Suite,
    wasm: &std::path::Path,
) -> Result<Output> {
    let bytes =
        std::fs::read(wasm).map_err(|e| usage(format!("cannot read {} ({e})", wasm.display())))?;
    if !bytes.starts_with(b"\0asm") {
        return Err(usage(format!("{} is not a wasm file", wasm.display())));
    }
    let checksum = hex::encode(Sha256::digest(&bytes));
    let sender: TxSender = net.sender(client)?;
    let me = sender.address().to_string();
    let what = format!("storing {}", wasm.display());
    // Stored for the uploader alone (what a permissioned chain's default allows), then opened to
    // the multisig by the uploader: a migration's sender must be allowed to instantiate the code.
    let msg = diachain_chain_client::store_code_msg(&me, bytes, &[&me])
        .map_err(|e| chain_failure(&what, e))?;
    let tx = sender
        .send(vec![msg], "", Gas::Auto)
        .await
        .map_err(|e| chain_failure(&what, e))?;
    let code_id: u64 = tx
        .attribute("store_code", "code_id")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            refused(format!(
                "{what}: transaction {} reported no code id",
                tx.hash
            ))
        })?;
    let what = format!("letting the multisig use code {code_id}");
    let allow = diachain_chain_client::update_instantiate_config_msg(
        &me,
        code_id,
        &[&me, suite.multisig()],
    )
    .map_err(|e| chain_failure(&what, e))?;
    let tx2 = sender
        .send(vec![allow], "", Gas::Auto)
        .await
        .map_err(|e| chain_failure(&what, e))?;
    Ok(Output {
        human: format!(
            "stored {} as code {code_id} (checksum {checksum}) in tx {}; the multisig may migrate to it (tx {})\n\
             next: scripts/gov.sh propose migrate CONTRACT --code-id {code_id} --wasm {}",
            wasm.display(),
            tx.hash,
            tx2.hash,
            wasm.display()
        ),
        json: json!({"code_id": code_id, "checksum": checksum, "tx": tx.hash, "allow_tx": tx2.hash}),
    })
}

/// The one JSON line printed for a failure with `--json`.
pub fn failure_json(e: &Failure) -> serde_json::Value {
    json!({"error": e.message(), "exit_code": e.exit_code()})
}

#[cfg(test)]
mod expiry_tests {
    use super::*;

    #[test]
    fn an_expiry_is_at_least_a_second_and_a_time_the_chain_can_hold() {
        let now = cosmwasm_std::Timestamp::from_seconds(1_800_000_000);
        assert!(matches!(
            expires_after(now, 60),
            Ok(Expiration::AtTime(t)) if t.seconds() == 1_800_000_060
        ));
        assert!(expires_after(now, 0).is_err());
        assert!(expires_after(now, u64::MAX).is_err());
        assert!(expires_after(now, u64::MAX / 1_000_000_000).is_err());
    }
}
