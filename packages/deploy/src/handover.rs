//! Handing a deployment to its consortium's multisig, decided from who holds what on chain.
//! Pure: the tests feed it states.
//!
//! The multisig must end as (1) the wasm admin of all six contracts (the four, the group and
//! itself: who may migrate them and change their wasm admin), (2) the admin of the four
//! contracts' admin messages, and (3) the group's admin (who may change its members).
//!
//! - The deployer does what its key can, in one transaction: `MsgUpdateAdmin` of each wasm
//!   admin it holds, `TransferAdmin` to the multisig on device-registry, reading-anchors and
//!   consent (two steps: the new admin accepts), `UpdateConfig { admin }` on the data union
//!   (it has a one-step admin), and the group's `UpdateAdmin`.
//! - The multisig's members then accept: one proposal executing `AcceptAdmin` on the
//!   contracts that offered it their admin role.
//!
//! A holder that is neither the deployer nor the multisig is refused: only that key can hand
//! its part over. Rerunning after an interruption plans only what is left; a governed
//! deployment plans nothing.

use crate::{fail, Result};

/// What holds a contract now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// `device-registry`, ..., `group`, `multisig`.
    pub name: &'static str,
    pub address: String,
    /// Its wasm admin (who may migrate it).
    pub wasm_admin: Option<String>,
    /// Its admin: the contract's own (the four), the group's cw4 admin, none for the multisig.
    pub admin: Option<String>,
    /// The admin offered the role (two-step contracts).
    pub pending_admin: Option<String>,
}

/// One thing the deployer's key sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `MsgUpdateAdmin`: the multisig becomes the contract's wasm admin.
    WasmAdmin,
    /// `TransferAdmin { new_admin: multisig }` (device-registry, reading-anchors, consent).
    TransferAdmin,
    /// data-union `UpdateConfig { admin: multisig }`.
    UnionAdmin,
    /// cw4-group `UpdateAdmin { admin: multisig }`.
    GroupAdmin,
}

/// The handover still to do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Handover {
    /// What the deployer sends, by contract, in one transaction.
    pub deployer: Vec<(&'static str, Step)>,
    /// The contracts whose admin role the multisig must accept by proposal.
    pub accept: Vec<&'static str>,
}

impl Handover {
    /// Whether the deployment is fully governed already.
    pub fn is_done(&self) -> bool {
        self.deployer.is_empty() && self.accept.is_empty()
    }
}

const TWO_STEP: [&str; 3] = ["device-registry", "reading-anchors", "consent"];

/// Plans the handover of `holders` from `deployer` to `multisig`.
pub fn plan_handover(holders: &[Holder], deployer: &str, multisig: &str) -> Result<Handover> {
    let mut h = Handover::default();
    let foreign = |h: &Holder, what: &str, who: Option<&str>| {
        fail(format!(
            "{} at {}: its {what} is {}, neither the deployer {deployer} nor the multisig {multisig}; only that key can hand it over",
            h.name,
            h.address,
            who.unwrap_or("nobody")
        ))
    };
    for c in holders {
        match c.wasm_admin.as_deref() {
            Some(a) if a == multisig => {}
            Some(a) if a == deployer => h.deployer.push((c.name, Step::WasmAdmin)),
            other => return Err(foreign(c, "wasm admin", other)),
        }
        if c.name == "multisig" {
            continue;
        }
        let admin = c.admin.as_deref();
        if admin == Some(multisig) {
            continue;
        }
        if admin != Some(deployer) {
            return Err(foreign(c, "admin", admin));
        }
        if TWO_STEP.contains(&c.name) {
            if c.pending_admin.as_deref() != Some(multisig) {
                h.deployer.push((c.name, Step::TransferAdmin));
            }
            h.accept.push(c.name);
        } else if c.name == "data-union" {
            h.deployer.push((c.name, Step::UnionAdmin));
        } else if c.name == "group" {
            h.deployer.push((c.name, Step::GroupAdmin));
        } else {
            return Err(fail(format!(
                "{} is not a contract of the deployment",
                c.name
            )));
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "wasm1deployer";
    const M: &str = "wasm1multisig";
    use diachain_governance::deployment::NAMES;

    /// Every contract held by `wasm_admin` and `admin` (none for the multisig's admin).
    fn all(wasm_admin: &str, admin: &str, pending: Option<&str>) -> Vec<Holder> {
        NAMES
            .iter()
            .map(|n| Holder {
                name: n,
                address: format!("wasm1{n}"),
                wasm_admin: Some(wasm_admin.into()),
                admin: (*n != "multisig").then(|| admin.into()),
                pending_admin: TWO_STEP
                    .contains(n)
                    .then(|| pending.map(str::to_string))
                    .flatten(),
            })
            .collect()
    }

    #[test]
    fn a_single_key_deployment_is_handed_over_by_one_deployer_tx_and_one_proposal() {
        let h = plan_handover(&all(D, D, None), D, M).unwrap();
        let wasm: Vec<_> = h
            .deployer
            .iter()
            .filter(|(_, s)| *s == Step::WasmAdmin)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(wasm, NAMES);
        let rest: Vec<_> = h
            .deployer
            .iter()
            .filter(|(_, s)| *s != Step::WasmAdmin)
            .cloned()
            .collect();
        assert_eq!(
            rest,
            vec![
                ("device-registry", Step::TransferAdmin),
                ("reading-anchors", Step::TransferAdmin),
                ("consent", Step::TransferAdmin),
                ("data-union", Step::UnionAdmin),
                ("group", Step::GroupAdmin),
            ]
        );
        assert_eq!(h.accept, TWO_STEP);
        assert!(!h.is_done());
    }

    #[test]
    fn a_rerun_after_the_deployer_tx_leaves_only_the_acceptance() {
        let mut holders = all(M, D, Some(M));
        for c in holders.iter_mut().filter(|c| !TWO_STEP.contains(&c.name)) {
            c.admin = (c.name != "multisig").then(|| M.into());
        }
        let h = plan_handover(&holders, D, M).unwrap();
        assert!(h.deployer.is_empty());
        assert_eq!(h.accept, TWO_STEP);
        // One contract accepted already (say, a member proposed it alone).
        holders[1].admin = Some(M.into());
        holders[1].pending_admin = None;
        let h = plan_handover(&holders, D, M).unwrap();
        assert_eq!(h.accept, ["device-registry", "consent"]);
    }

    #[test]
    fn a_governed_deployment_plans_nothing() {
        let h = plan_handover(&all(M, M, None), D, M).unwrap();
        assert!(h.is_done());
        assert_eq!(h, Handover::default());
    }

    #[test]
    fn a_holder_that_is_neither_deployer_nor_multisig_is_refused() {
        let mut holders = all(D, D, None);
        holders[2].admin = Some("wasm1stranger".into());
        let e = plan_handover(&holders, D, M).unwrap_err();
        assert_eq!(
            e.0,
            "consent at wasm1consent: its admin is wasm1stranger, neither the deployer wasm1deployer nor the multisig wasm1multisig; only that key can hand it over"
        );
        let mut holders = all(D, D, None);
        holders[5].wasm_admin = None;
        let e = plan_handover(&holders, D, M).unwrap_err();
        assert!(
            e.0.starts_with("multisig at wasm1multisig: its wasm admin is nobody"),
            "{e}"
        );
        // A pending transfer to someone else is overridden by a new TransferAdmin.
        let mut holders = all(D, D, None);
        holders[0].pending_admin = Some("wasm1stranger".into());
        let h = plan_handover(&holders, D, M).unwrap();
        assert!(h
            .deployer
            .contains(&("device-registry", Step::TransferAdmin)));
    }
}
