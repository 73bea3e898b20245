//! The proposal by which the multisig accepts the admin role the contracts offered it: found
//! or opened, voted by the deployer (if a member) and the `--vote-as` keys, executed once passed.

use diachain_chain_client::{Signer, TxSender, WASM_PREFIX};
use diachain_governance::actions::accept_admin;
use diachain_governance::chain as gov;
use diachain_governance::cw::{Status, Vote};
use diachain_governance::deployment::GovernanceRecord;

use super::gov_err;
use crate::settings::Settings;
use crate::{fail, log, Result};

/// Has the multisig accept the admin role of `names`: by the open proposal that does it, or a
/// new one; votes with the deployer (if a member) and `--vote-as`, and executes once passed.
pub(super) async fn accept(
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
            "proposal {id} is {} with yes weight short of the threshold {}: the other members vote (scripts/gov.sh vote {id} yes --from KEY), then one executes it (scripts/gov.sh execute {id})",
            format!("{status:?}").to_lowercase(),
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
