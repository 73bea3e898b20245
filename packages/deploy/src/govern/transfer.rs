//! The handover itself: who holds what now, the deployer's transaction, then the acceptance by
//! proposal ([`super::accept`]).

use diachain_chain_client::{execute_msg, update_admin_msg, ChainClient, Gas, TxSender};
use diachain_governance::chain as gov;
use diachain_governance::cw::GroupExecuteMsg;
use diachain_governance::deployment::GovernanceRecord;
use diachain_std::{registry, union};

use super::gov_err;
use crate::handover::{plan_handover, Holder, Step};
use crate::settings::Settings;
use crate::{fail, log, Result, CONTRACTS};

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
        let (admin, pending_admin) = gov::contract_admin(client, name, addr)
            .await
            .map_err(gov_err)?;
        out.push(Holder {
            name,
            address: addr.clone(),
            wasm_admin: wasm_admin(addr.clone()).await?,
            admin: Some(admin),
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
    super::accept::accept(sender, s, g, &plan.accept, &addr_of).await
}
