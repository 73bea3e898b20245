//! `propose <action>`: the typed action from the command line, checked against the chain's
//! state before anything is proposed (members and threshold for a member change, the pending
//! admin for `accept-admin`, the code for a migration).

use diachain_chain_client::ChainClient;
use diachain_std::consent::ConsentRole;
use diachain_std::device::Role;

use super::net::Net;
use super::ActionCmd;
use crate::actions::{self, members_after, parse_member, Action, TWO_STEP_ADMIN};
use crate::chain;
use crate::cw::{Member, Threshold};
use crate::deployment::Suite;
use crate::verify::{check_migration, code_on_chain, expected_checksum, Target};
use crate::{refused, usage, Result};

/// The action `cmd` names, checked against the chain.
pub async fn build(
    cmd: &ActionCmd,
    net: &Net,
    client: &ChainClient,
    suite: &Suite,
) -> Result<Action> {
    use ActionCmd as C;
    let participant =
        |role: Role, addr: &str| -> Result<(Role, String)> { Ok((role, net.address(addr)?)) };
    let member = |role: ConsentRole, addr: &str| -> Result<Action> {
        Ok(Action::AdmitMember {
            role,
            address: net.address(addr)?,
        })
    };
    let action = match cmd {
        C::AdmitManufacturer { addr, label } | C::AdmitRelayer { addr, label } => {
            let role = if matches!(cmd, C::AdmitManufacturer { .. }) {
                Role::Manufacturer
            } else {
                Role::Relayer
            };
            let (role, address) = participant(role, addr)?;
            Action::AdmitParticipant {
                role,
                address,
                label: label.clone(),
            }
        }
        C::SuspendManufacturer { addr, reason } | C::SuspendRelayer { addr, reason } => {
            let role = if matches!(cmd, C::SuspendManufacturer { .. }) {
                Role::Manufacturer
            } else {
                Role::Relayer
            };
            let (role, address) = participant(role, addr)?;
            Action::SuspendParticipant {
                role,
                address,
                reason: reason.clone(),
            }
        }
        C::ReinstateManufacturer { addr } => {
            let (role, address) = participant(Role::Manufacturer, addr)?;
            Action::ReinstateParticipant { role, address }
        }
        C::ReinstateRelayer { addr } => {
            let (role, address) = participant(Role::Relayer, addr)?;
            Action::ReinstateParticipant { role, address }
        }
        C::RemoveManufacturer { addr } => {
            let (role, address) = participant(Role::Manufacturer, addr)?;
            Action::RemoveParticipant { role, address }
        }
        C::RemoveRelayer { addr } => {
            let (role, address) = participant(Role::Relayer, addr)?;
            Action::RemoveParticipant { role, address }
        }
        C::AdmitEmergency { addr } => member(ConsentRole::EmergencyProvider, addr)?,
        C::AdmitCustodian { addr } => member(ConsentRole::Custodian, addr)?,
        C::RemoveEmergency { addr } => Action::RemoveMember {
            role: ConsentRole::EmergencyProvider,
            address: net.address(addr)?,
        },
        C::RemoveCustodian { addr } => Action::RemoveMember {
            role: ConsentRole::Custodian,
            address: net.address(addr)?,
        },
        C::SetSamplingLimits { limits } => Action::SetSamplingLimits {
            limits: actions::parse_sampling_limits(limits)?,
        },
        C::AcceptAdmin { contracts } => accept_admin(client, suite, contracts).await?,
        C::AddMember { members } => {
            let add = members
                .iter()
                .map(|s| resolved_member(net, s))
                .collect::<Result<Vec<_>>>()?;
            member_change(client, suite, add, vec![], Change::Add).await?
        }
        C::SetWeight { members } => {
            if let Some(s) = members.iter().find(|s| !s.contains(':')) {
                return Err(usage(format!("set-weight {s:?}: expected ADDR:WEIGHT")));
            }
            let add = members
                .iter()
                .map(|s| resolved_member(net, s))
                .collect::<Result<Vec<_>>>()?;
            member_change(client, suite, add, vec![], Change::Reweight).await?
        }
        C::RemoveMember { members } => {
            let remove = members
                .iter()
                .map(|s| net.address(s))
                .collect::<Result<Vec<_>>>()?;
            member_change(client, suite, vec![], remove, Change::Remove).await?
        }
        C::ReplaceMember { old, new } => {
            let (old, new) = (net.address(old)?, net.address(new)?);
            let current = chain::members(client, suite.group()).await?;
            let weight = current
                .iter()
                .find(|m| m.addr == old)
                .map(|m| m.weight)
                .ok_or_else(|| refused(format!("{old} is not a member of the group")))?;
            let add = vec![Member { addr: new, weight }];
            member_change(client, suite, add, vec![old], Change::Add).await?
        }
        C::Migrate {
            contract,
            code_id,
            wasm,
            checksum,
        } => {
            migration(
                client,
                suite,
                contract,
                *code_id,
                (wasm.as_deref(), checksum.as_deref()),
            )
            .await?
        }
    };
    action.validate()?;
    Ok(action)
}

/// `ADDR[:WEIGHT]` with ADDR resolved (a key name on a local network).
fn resolved_member(net: &Net, s: &str) -> Result<Member> {
    let m = parse_member(s)?;
    Ok(Member {
        addr: net.address(&m.addr)?,
        weight: m.weight,
    })
}

/// What a member change must find.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// New members (and, in a replacement, one removal).
    Add,
    /// Existing members' weights.
    Reweight,
    Remove,
}

async fn member_change(
    client: &ChainClient,
    suite: &Suite,
    add: Vec<Member>,
    remove: Vec<String>,
    change: Change,
) -> Result<Action> {
    let current = chain::members(client, suite.group()).await?;
    for m in &add {
        let existing = current.iter().find(|c| c.addr == m.addr);
        match (change, existing) {
            (Change::Add, Some(c)) => {
                return Err(refused(format!(
                    "{} is already a member (weight {}): use set-weight to change it",
                    m.addr, c.weight
                )))
            }
            (Change::Reweight, None) => {
                return Err(refused(format!(
                    "{} is not a member: use add-member",
                    m.addr
                )))
            }
            _ => {}
        }
    }
    let threshold = threshold(client, suite).await?;
    members_after(&current, &add, &remove, threshold)?;
    Ok(Action::UpdateMembers { add, remove })
}

/// The yes weight the multisig needs.
pub async fn threshold(client: &ChainClient, suite: &Suite) -> Result<u64> {
    let cfg = chain::config(client, suite.multisig()).await?;
    let Threshold::AbsoluteCount { weight } = cfg.threshold;
    Ok(weight)
}

/// The contracts that offered their admin role to the multisig (all of them when `names` is
/// empty; otherwise each named one must have).
async fn accept_admin(client: &ChainClient, suite: &Suite, names: &[String]) -> Result<Action> {
    let asked: Vec<String> = if names.is_empty() {
        TWO_STEP_ADMIN.iter().map(|s| s.to_string()).collect()
    } else {
        names.to_vec()
    };
    Action::AcceptAdmin {
        contracts: asked.clone(),
    }
    .validate()?;
    let mut offered = Vec::new();
    for name in asked {
        let pending = pending_admin(client, suite, &name).await?;
        if pending.as_deref() == Some(suite.multisig()) {
            offered.push(name);
        } else if !names.is_empty() {
            return Err(refused(format!(
                "{name} has not offered its admin role to the multisig (pending admin: {})",
                pending.as_deref().unwrap_or("none")
            )));
        }
    }
    Ok(Action::AcceptAdmin { contracts: offered })
}

/// The pending admin of two-step contract `name`.
pub async fn pending_admin(
    client: &ChainClient,
    suite: &Suite,
    name: &str,
) -> Result<Option<String>> {
    let addr = suite
        .address(name)
        .ok_or_else(|| usage(format!("the deployment has no {name}")))?;
    Ok(chain::contract_admin(client, name, addr).await?.1)
}

/// A migration of `contract` to `code_id`, verified against the member's build.
async fn migration(
    client: &ChainClient,
    suite: &Suite,
    contract: &str,
    code_id: u64,
    (wasm, checksum): (Option<&std::path::Path>, Option<&str>),
) -> Result<Action> {
    let action = Action::Migrate {
        contract: contract.to_string(),
        code_id,
    };
    action.validate()?;
    let (expected, source) = expected_checksum(wasm, checksum)?;
    let addr = suite
        .address(contract)
        .ok_or_else(|| usage(format!("the deployment has no {contract}")))?;
    let info = client
        .contract_info(addr)
        .await
        .map_err(|e| chain::chain_failure(&format!("asking for {contract} at {addr}"), e))?
        .ok_or_else(|| refused(format!("{contract} at {addr} is not on this chain")))?;
    let code = code_on_chain(client, code_id).await?;
    let target = Target {
        name: contract,
        code_id: info.code_id,
        admin: info.admin.as_deref(),
    };
    check_migration(
        &target,
        code_id,
        code.as_ref(),
        (&expected, &source),
        suite.multisig(),
    )?;
    Ok(action)
}
