//! What a deployment does to each contract, decided from the deployment file, the chain's codes
//! and the recorded contracts' on-chain state. Pure: the tests feed it states.
//!
//! For each contract (the rules `scripts/deploy.sh` always had):
//! - The code: the recorded contract's code (or the recorded code id, when no contract is
//!   recorded) if the chain holds this exact wasm under it ([`CodeStep::Unchanged`]); else the
//!   latest code the deployer stored with this checksum ([`CodeStep::Reuse`], an interrupted
//!   run); else it is stored ([`CodeStep::Store`]).
//! - The contract: the recorded address if a contract is there ([`ContractStep::Keep`] when its
//!   code is unchanged, else [`ContractStep::Migrate`]); [`ContractStep::Instantiate`] otherwise
//!   (never deployed, or a reset chain forgot it).
//!
//! A governed contract (its wasm admin is the consortium's multisig) is never migrated by the
//! deployer: [`ContractStep::Propose`] says a proposal must do it (the code is still stored, so
//! members can verify and propose it). Refused before anything is sent: migrating a contract
//! whose wasm admin is neither the deployer nor the multisig (the chain would refuse it after
//! the new code was stored). A downgrade is refused by the contract itself (cw2 version check in
//! its `migrate`); the migration's simulation reports it and nothing is migrated.

use diachain_chain_client::{CodeInfo, ContractInfo};

use crate::{fail, Result};

/// Where a contract's code comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeStep {
    /// The chain holds this wasm under the code already in use.
    Unchanged(u64),
    /// The deployer stored this wasm before, as this code.
    Reuse(u64),
    /// The wasm must be stored.
    Store,
}

/// What happens to the contract instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContractStep {
    /// It stays as it is.
    Keep(String),
    /// It moves to the new code in place.
    Migrate {
        /// Its address.
        address: String,
        /// The code it runs now.
        from: u64,
    },
    /// It is instantiated.
    Instantiate,
    /// It must move to the new code, but its wasm admin is the multisig: only a proposal can
    /// migrate it (`diachain-gov propose migrate`).
    Propose {
        /// Its address.
        address: String,
        /// The code it runs now.
        from: u64,
    },
}

/// One contract's plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractPlan {
    /// `device-registry`, ...
    pub name: String,
    /// SHA-256 of the wasm to deploy, lowercase hex.
    pub checksum: String,
    /// Its code.
    pub code: CodeStep,
    /// Its instance.
    pub contract: ContractStep,
    /// What the operator should know (a recorded address the chain does not have).
    pub note: Option<String>,
}

impl ContractPlan {
    /// Whether the contract changes (code stored or reused, migrated or instantiated). A
    /// governed contract awaiting a migration proposal does not change.
    pub fn changes(&self) -> bool {
        !matches!(
            (&self.code, &self.contract),
            (CodeStep::Unchanged(_), ContractStep::Keep(_)) | (_, ContractStep::Propose { .. })
        )
    }
}

/// What the deployment file recorded for a contract.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Its address.
    pub address: Option<String>,
    /// Its code id.
    pub code_id: Option<u64>,
}

/// Plans contract `name` (wasm `checksum`) deployed by `deployer`: `recorded` from the
/// deployment file, `live` the chain's contract at the recorded address (`None` if there is
/// none), `codes` every code on chain, `multisig` the consortium's multisig if the deployment
/// is governed.
pub fn plan_contract(
    name: &str,
    checksum: &str,
    recorded: &Recorded,
    live: Option<&ContractInfo>,
    codes: &[CodeInfo],
    (deployer, multisig): (&str, Option<&str>),
) -> Result<ContractPlan> {
    let checksum = checksum.to_ascii_lowercase();
    let mut note = None;
    let (address, current_code) = match (&recorded.address, live) {
        (Some(_), Some(info)) => (Some(info.address.clone()), Some(info.code_id)),
        (Some(addr), None) => {
            note = Some(format!(
                "recorded address {addr} is not on this chain; deploying afresh"
            ));
            (None, None)
        }
        (None, _) => (None, recorded.code_id),
    };
    let holds = |id: u64| {
        codes
            .iter()
            .any(|c| c.code_id == id && c.checksum.eq_ignore_ascii_case(&checksum))
    };
    let code = match current_code {
        Some(id) if holds(id) => CodeStep::Unchanged(id),
        _ => codes
            .iter()
            .filter(|c| c.checksum.eq_ignore_ascii_case(&checksum) && c.creator == deployer)
            .map(|c| c.code_id)
            .max()
            .map_or(CodeStep::Store, CodeStep::Reuse),
    };
    let contract = match (address, current_code) {
        (Some(address), Some(from)) => {
            if matches!(code, CodeStep::Unchanged(_)) {
                ContractStep::Keep(address)
            } else {
                let admin = live.and_then(|i| i.admin.as_deref());
                if admin.is_some() && admin == multisig {
                    return Ok(ContractPlan {
                        name: name.to_string(),
                        checksum,
                        code,
                        contract: ContractStep::Propose { address, from },
                        note,
                    });
                }
                if admin != Some(deployer) {
                    return Err(fail(format!(
                        "{name} at {address} cannot be migrated by {deployer}: its wasm admin is {}",
                        admin.unwrap_or("nobody")
                    )));
                }
                ContractStep::Migrate { address, from }
            }
        }
        _ => ContractStep::Instantiate,
    };
    Ok(ContractPlan {
        name: name.to_string(),
        checksum,
        code,
        contract,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "wasm1deployer";
    const SUM: &str = "ab12";

    fn code(id: u64, creator: &str, checksum: &str) -> CodeInfo {
        CodeInfo {
            code_id: id,
            creator: creator.into(),
            checksum: checksum.into(),
        }
    }

    fn live(code_id: u64, admin: Option<&str>) -> ContractInfo {
        ContractInfo {
            address: "wasm1contract".into(),
            code_id,
            creator: ME.into(),
            admin: admin.map(str::to_string),
            label: "diachain-consent".into(),
        }
    }

    fn at(code_id: u64) -> Recorded {
        Recorded {
            address: Some("wasm1contract".into()),
            code_id: Some(code_id),
        }
    }

    #[test]
    fn a_fresh_chain_stores_and_instantiates_everything() {
        let p = plan_contract("consent", SUM, &Recorded::default(), None, &[], (ME, None)).unwrap();
        assert_eq!(
            (p.code, p.contract),
            (CodeStep::Store, ContractStep::Instantiate)
        );
        assert!(p.note.is_none());
    }

    #[test]
    fn an_unchanged_contract_is_kept_and_nothing_changes() {
        let codes = [code(3, ME, "AB12")]; // the chain may print checksums in upper case
        let l = live(3, Some(ME));
        let p = plan_contract("consent", SUM, &at(3), Some(&l), &codes, (ME, None)).unwrap();
        assert_eq!(p.code, CodeStep::Unchanged(3));
        assert_eq!(p.contract, ContractStep::Keep("wasm1contract".into()));
        assert!(!p.changes());
    }

    #[test]
    fn a_new_build_is_stored_and_the_contract_migrated_in_place() {
        let codes = [code(3, ME, "old")];
        let l = live(3, Some(ME));
        let p = plan_contract("consent", SUM, &at(3), Some(&l), &codes, (ME, None)).unwrap();
        assert_eq!(p.code, CodeStep::Store);
        assert_eq!(
            p.contract,
            ContractStep::Migrate {
                address: "wasm1contract".into(),
                from: 3
            }
        );
        assert!(p.changes());
    }

    #[test]
    fn the_code_the_contract_runs_counts_not_the_recorded_code_id() {
        // Someone migrated the contract to code 5 (this wasm) by hand: nothing to do.
        let codes = [code(3, ME, "old"), code(5, ME, SUM)];
        let l = live(5, Some(ME));
        let p = plan_contract("consent", SUM, &at(3), Some(&l), &codes, (ME, None)).unwrap();
        assert_eq!(p.code, CodeStep::Unchanged(5));
        assert!(!p.changes());
    }

    #[test]
    fn wasm_stored_by_the_deployer_before_is_reused_but_not_someone_elses() {
        let codes = [
            code(3, ME, "old"),
            code(4, ME, SUM),
            code(6, ME, SUM),
            code(7, "wasm1other", SUM),
        ];
        let l = live(3, Some(ME));
        let p = plan_contract("consent", SUM, &at(3), Some(&l), &codes, (ME, None)).unwrap();
        assert_eq!(p.code, CodeStep::Reuse(6));
        assert!(matches!(p.contract, ContractStep::Migrate { from: 3, .. }));

        let theirs = [code(7, "wasm1other", SUM)];
        let p = plan_contract(
            "consent",
            SUM,
            &Recorded::default(),
            None,
            &theirs,
            (ME, None),
        )
        .unwrap();
        assert_eq!(p.code, CodeStep::Store);
    }

    #[test]
    fn a_recorded_code_without_a_contract_is_reused_for_the_instance() {
        let rec = Recorded {
            address: None,
            code_id: Some(4),
        };
        let p = plan_contract("consent", SUM, &rec, None, &[code(4, ME, SUM)], (ME, None)).unwrap();
        assert_eq!(
            (p.code, p.contract),
            (CodeStep::Unchanged(4), ContractStep::Instantiate)
        );
    }

    #[test]
    fn a_contract_the_chain_forgot_is_deployed_afresh_with_a_note() {
        let p = plan_contract(
            "consent",
            SUM,
            &at(3),
            None,
            &[code(3, ME, SUM)],
            (ME, None),
        )
        .unwrap();
        // The recorded code id belonged to the forgotten chain: the wasm is looked up afresh.
        assert_eq!(p.code, CodeStep::Reuse(3));
        assert_eq!(p.contract, ContractStep::Instantiate);
        assert!(p
            .note
            .unwrap()
            .contains("recorded address wasm1contract is not on this chain"));
    }

    #[test]
    fn migrating_a_contract_the_deployer_does_not_administer_is_refused() {
        let codes = [code(3, ME, "old")];
        let l = live(3, Some("wasm1someone"));
        let e = plan_contract("consent", SUM, &at(3), Some(&l), &codes, (ME, None)).unwrap_err();
        assert_eq!(
            e.0,
            "consent at wasm1contract cannot be migrated by wasm1deployer: its wasm admin is wasm1someone"
        );
        let l = live(3, None);
        let e = plan_contract("consent", SUM, &at(3), Some(&l), &codes, (ME, None)).unwrap_err();
        assert!(e.0.ends_with("its wasm admin is nobody"));
        // A multisig known to the deployment but not this contract's admin changes nothing.
        let l = live(3, Some("wasm1someone"));
        let e = plan_contract(
            "consent",
            SUM,
            &at(3),
            Some(&l),
            &codes,
            (ME, Some("wasm1ms")),
        )
        .unwrap_err();
        assert!(e.0.ends_with("its wasm admin is wasm1someone"));
        // An unchanged contract needs no admin.
        let l = live(3, None);
        let same = [code(3, ME, SUM)];
        assert!(plan_contract("consent", SUM, &at(3), Some(&l), &same, (ME, None)).is_ok());
    }

    #[test]
    fn a_governed_contract_with_a_new_build_is_left_to_a_proposal_not_migrated() {
        let codes = [code(3, ME, "old")];
        let l = live(3, Some("wasm1ms"));
        let p = plan_contract(
            "consent",
            SUM,
            &at(3),
            Some(&l),
            &codes,
            (ME, Some("wasm1ms")),
        )
        .unwrap();
        assert_eq!(p.code, CodeStep::Store);
        assert_eq!(
            p.contract,
            ContractStep::Propose {
                address: "wasm1contract".into(),
                from: 3
            }
        );
        assert!(!p.changes());
        // Unchanged: kept as it is, governed or not.
        let same = [code(3, ME, SUM)];
        let p = plan_contract(
            "consent",
            SUM,
            &at(3),
            Some(&l),
            &same,
            (ME, Some("wasm1ms")),
        )
        .unwrap();
        assert_eq!(p.contract, ContractStep::Keep("wasm1contract".into()));
        // Without a multisig, a contract the deployer does not administer is still refused.
        assert!(plan_contract("consent", SUM, &at(3), Some(&l), &codes, (ME, None)).is_err());
    }
}
