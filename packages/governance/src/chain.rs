//! Talking to the group and the multisig: paginated queries, a proposal's full view, and the
//! four transactions a member sends (propose, vote, execute, close).

use cosmwasm_std::{CosmosMsg, Timestamp};
use diachain_chain_client::{ChainClient, Error, Gas, TxOutcome, TxSender};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::cw::{
    AdminResponse, Expiration, GroupQueryMsg, Member, MemberListResponse, MemberResponse,
    MultisigConfig, MultisigExecuteMsg, MultisigQueryMsg, ProposalListResponse, ProposalResponse,
    TotalWeightResponse, Vote, VoteInfo, VoteListResponse, VoteResponse, PAGE_LIMIT,
};
use crate::describe::Context;
use crate::proposal::ProposalView;
use crate::{refused, Failure, Result};
use diachain_std::{anchors, consent, registry, union};

/// A chain error as one sentence: the contract's own error when a contract refused.
pub fn chain_failure(what: &str, e: Error) -> Failure {
    match e {
        Error::Contract { message, .. } => {
            refused(format!("{what}: refused by the contract: {message}"))
        }
        Error::Rejected { log, .. } => refused(format!("{what}: refused by the chain: {log}")),
        Error::Transport { reason, .. } => {
            refused(format!("{what}: the node does not answer ({reason})"))
        }
        Error::Query { log, .. } => refused(format!("{what}: {log}")),
        e => refused(format!("{what}: {e}")),
    }
}

/// Queries `contract` with `q` and decodes the answer.
pub async fn query<Q: Serialize, T: DeserializeOwned>(
    client: &ChainClient,
    contract: &str,
    q: &Q,
) -> Result<T> {
    client.smart_query(contract, q).await.map_err(|e| {
        let what = serde_json::to_value(q)
            .ok()
            .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
            .unwrap_or_else(|| "query".into());
        chain_failure(&format!("query {what} of {contract}"), e)
    })
}

/// The admin and the pending admin (offered the role, not yet accepted) of suite contract
/// `name` at `addr`, from its config (the data union has no pending admin). Read from the
/// config's JSON, not its current type, so that a contract of an earlier release answers too.
pub async fn contract_admin(
    client: &ChainClient,
    name: &str,
    addr: &str,
) -> Result<(String, Option<String>)> {
    let q = match name {
        "device-registry" => serde_json::to_value(registry::QueryMsg::Config {}),
        "reading-anchors" => serde_json::to_value(anchors::QueryMsg::Config {}),
        "consent" => serde_json::to_value(consent::QueryMsg::Config {}),
        "data-union" => serde_json::to_value(union::QueryMsg::Config {}),
        other => return Err(crate::usage(format!("{other} is not a suite contract"))),
    }
    .map_err(|e| crate::usage(format!("cannot encode a query: {e}")))?;
    let cfg: serde_json::Value = query(client, addr, &q).await?;
    admins_of(name, &cfg)
}

/// The `admin` and `pending_admin` of contract `name`'s config `cfg`.
pub fn admins_of(name: &str, cfg: &serde_json::Value) -> Result<(String, Option<String>)> {
    let admin = cfg["admin"]
        .as_str()
        .ok_or_else(|| refused(format!("{name}'s config names no admin: {cfg}")))?;
    Ok((
        admin.to_string(),
        cfg["pending_admin"].as_str().map(str::to_string),
    ))
}

/// Every member of the group at `group`, page by page.
pub async fn members(client: &ChainClient, group: &str) -> Result<Vec<Member>> {
    let mut out: Vec<Member> = Vec::new();
    loop {
        let q = GroupQueryMsg::ListMembers {
            start_after: out.last().map(|m| m.addr.clone()),
            limit: Some(PAGE_LIMIT),
        };
        let page: MemberListResponse = query(client, group, &q).await?;
        let n = page.members.len();
        out.extend(page.members);
        if n < PAGE_LIMIT as usize {
            return Ok(out);
        }
    }
}

/// The weight of `addr` in the group now (`None`: not a member).
pub async fn member_weight(client: &ChainClient, group: &str, addr: &str) -> Result<Option<u64>> {
    let q = GroupQueryMsg::Member {
        addr: addr.to_string(),
        at_height: None,
    };
    let r: MemberResponse = query(client, group, &q).await?;
    Ok(r.weight)
}

/// The group's total weight now.
pub async fn total_weight(client: &ChainClient, group: &str) -> Result<u64> {
    let r: TotalWeightResponse = query(
        client,
        group,
        &GroupQueryMsg::TotalWeight { at_height: None },
    )
    .await?;
    Ok(r.weight)
}

/// The group's admin (who may change its members).
pub async fn group_admin(client: &ChainClient, group: &str) -> Result<Option<String>> {
    let r: AdminResponse = query(client, group, &GroupQueryMsg::Admin {}).await?;
    Ok(r.admin)
}

/// The multisig's settings.
pub async fn config(client: &ChainClient, multisig: &str) -> Result<MultisigConfig> {
    query(client, multisig, &MultisigQueryMsg::Config {}).await
}

/// Proposal `id`.
pub async fn proposal(client: &ChainClient, multisig: &str, id: u64) -> Result<ProposalResponse> {
    client
        .smart_query(multisig, &MultisigQueryMsg::Proposal { proposal_id: id })
        .await
        .map_err(|e| match e {
            Error::Query { log, .. } if log.contains("not found") => {
                refused(format!("there is no proposal {id}"))
            }
            e => chain_failure(&format!("query proposal {id}"), e),
        })
}

/// Every vote on proposal `id`, page by page.
pub async fn votes(client: &ChainClient, multisig: &str, id: u64) -> Result<Vec<VoteInfo>> {
    let mut out: Vec<VoteInfo> = Vec::new();
    loop {
        let q = MultisigQueryMsg::ListVotes {
            proposal_id: id,
            start_after: out.last().map(|v| v.voter.clone()),
            limit: Some(PAGE_LIMIT),
        };
        let page: VoteListResponse = query(client, multisig, &q).await?;
        let n = page.votes.len();
        out.extend(page.votes);
        if n < PAGE_LIMIT as usize {
            return Ok(out);
        }
    }
}

/// `voter`'s vote on proposal `id`, if any.
pub async fn vote_of(
    client: &ChainClient,
    multisig: &str,
    id: u64,
    voter: &str,
) -> Result<Option<VoteInfo>> {
    let q = MultisigQueryMsg::Vote {
        proposal_id: id,
        voter: voter.to_string(),
    };
    let r: VoteResponse = query(client, multisig, &q).await?;
    Ok(r.vote)
}

/// Every proposal, newest first, page by page.
pub async fn proposals(client: &ChainClient, multisig: &str) -> Result<Vec<ProposalResponse>> {
    let mut out: Vec<ProposalResponse> = Vec::new();
    loop {
        let q = MultisigQueryMsg::ReverseProposals {
            start_before: out.last().map(|p| p.id),
            limit: Some(PAGE_LIMIT),
        };
        let page: ProposalListResponse = query(client, multisig, &q).await?;
        let n = page.proposals.len();
        out.extend(page.proposals);
        if n < PAGE_LIMIT as usize {
            return Ok(out);
        }
    }
}

/// The latest block's height and time: what the multisig judges expiry by.
pub async fn now(client: &ChainClient) -> Result<(u64, Timestamp)> {
    let s = client
        .status()
        .await
        .map_err(|e| chain_failure("reading the node's status", e))?;
    let secs = u64::try_from(s.latest_block_unix)
        .map_err(|_| refused("the latest block's time is before 1970"))?;
    Ok((s.latest_height, Timestamp::from_seconds(secs)))
}

/// The full view of proposal `p`.
pub async fn view(
    client: &ChainClient,
    multisig: &str,
    p: ProposalResponse,
    at: (u64, Timestamp),
    cx: &Context<'_>,
) -> Result<ProposalView> {
    let votes = votes(client, multisig, p.id).await?;
    Ok(ProposalView::new(p, votes, at, cx))
}

/// Opens a proposal executing `msgs` (its voting ends at `latest`, at most the multisig's
/// maximum period) and returns its id with the transaction.
pub async fn propose(
    sender: &TxSender,
    multisig: &str,
    (title, description): (&str, &str),
    msgs: Vec<CosmosMsg>,
    latest: Option<Expiration>,
) -> Result<(u64, TxOutcome)> {
    let msg = MultisigExecuteMsg::Propose {
        title: title.to_string(),
        description: description.to_string(),
        msgs,
        latest,
    };
    let tx = send(sender, multisig, &msg, "proposing").await?;
    let id = tx
        .attribute("wasm", "proposal_id")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| refused(format!("transaction {} reported no proposal id", tx.hash)))?;
    Ok((id, tx))
}

/// Votes `vote` on proposal `id`.
pub async fn vote(sender: &TxSender, multisig: &str, id: u64, vote: Vote) -> Result<TxOutcome> {
    let msg = MultisigExecuteMsg::Vote {
        proposal_id: id,
        vote,
    };
    send(
        sender,
        multisig,
        &msg,
        &format!("voting {} on proposal {id}", vote.as_str()),
    )
    .await
}

/// Executes passed proposal `id`.
pub async fn execute(sender: &TxSender, multisig: &str, id: u64) -> Result<TxOutcome> {
    let msg = MultisigExecuteMsg::Execute { proposal_id: id };
    send(sender, multisig, &msg, &format!("executing proposal {id}")).await
}

/// Closes expired proposal `id` (it did not pass).
pub async fn close(sender: &TxSender, multisig: &str, id: u64) -> Result<TxOutcome> {
    let msg = MultisigExecuteMsg::Close { proposal_id: id };
    send(sender, multisig, &msg, &format!("closing proposal {id}")).await
}

/// Sends `msg` to `multisig` with simulated gas: a refusal is found by the simulation and
/// nothing is broadcast.
async fn send(
    sender: &TxSender,
    multisig: &str,
    msg: &MultisigExecuteMsg,
    what: &str,
) -> Result<TxOutcome> {
    let any = diachain_chain_client::execute_msg(sender.address(), multisig, msg, vec![])
        .map_err(|e| chain_failure(what, e))?;
    sender
        .send(vec![any], "", Gas::Auto)
        .await
        .map_err(|e| chain_failure(what, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_are_read_from_any_releases_config() {
        let cfg =
            serde_json::json!({"admin": "wasm1a", "pending_admin": "wasm1m", "registry": "wasm1r"});
        assert_eq!(
            admins_of("consent", &cfg).unwrap(),
            ("wasm1a".to_string(), Some("wasm1m".to_string()))
        );
        // A data union (or an older release) without a pending admin.
        let cfg = serde_json::json!({"admin": "wasm1a", "treasury": "wasm1t"});
        assert_eq!(
            admins_of("data-union", &cfg).unwrap(),
            ("wasm1a".to_string(), None)
        );
        let e = admins_of("consent", &serde_json::json!({})).unwrap_err();
        assert_eq!(e.to_string(), "consent's config names no admin: {}");
    }

    #[test]
    fn chain_errors_become_one_sentence_with_the_contracts_own_error() {
        let e = chain_failure(
            "executing proposal 3",
            Error::Contract {
                message: "Proposal must have passed and not yet been executed".into(),
                log: "x".into(),
                tx: None,
            },
        );
        assert_eq!(
            e,
            refused("executing proposal 3: refused by the contract: Proposal must have passed and not yet been executed")
        );
        let e = chain_failure(
            "migrating",
            Error::Rejected {
                code: 4,
                codespace: "sdk".into(),
                log: "can not migrate: unauthorized".into(),
            },
        );
        assert_eq!(
            e.to_string(),
            "migrating: refused by the chain: can not migrate: unauthorized"
        );
        assert_eq!(e.exit_code(), 1);
    }
}
