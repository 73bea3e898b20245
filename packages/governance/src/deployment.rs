//! What the governance client reads from `deployments/<chain-id>.json`: the four contracts'
//! addresses and the `governance` section (the group, the multisig, the members and threshold
//! the deployment set). `diachain-deploy` writes the section with these same types.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cw::Member;
use crate::{refused, usage, Result};

/// A deployed contract's record (the shape of every entry of the deployment file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractRecord {
    pub code_id: u64,
    /// SHA-256 of its wasm, lowercase hex.
    pub checksum: String,
    pub address: String,
    pub label: String,
}

/// The deployment file's `governance` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernanceRecord {
    /// The cw4-group of member organisations (its admin: the multisig).
    pub group: ContractRecord,
    /// The cw3-flex-multisig over the group: admin and wasm admin of every contract.
    pub multisig: ContractRecord,
    /// The group's members as the deployment last saw them on chain.
    pub members: Vec<Member>,
    /// Yes weight a proposal needs (an absolute count).
    pub threshold: u64,
    /// Longest a proposal stays open, in seconds.
    pub max_voting_period_secs: u64,
}

/// The suite's contracts, by the names the client uses.
pub const SUITE: [&str; 4] = [
    "device-registry",
    "reading-anchors",
    "consent",
    "data-union",
];

/// Every contract the governance client knows by name: the suite, then `group` and `multisig`.
pub const NAMES: [&str; 6] = [
    "device-registry",
    "reading-anchors",
    "consent",
    "data-union",
    "group",
    "multisig",
];

/// The addresses a governance command needs, from the deployment file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suite {
    pub chain_id: String,
    /// Addresses in the order of [`NAMES`].
    pub addresses: [String; 6],
    pub governance: GovernanceRecord,
}

/// The part of the deployment file the client reads (everything else is ignored).
#[derive(Deserialize)]
struct File {
    chain_id: String,
    contracts: std::collections::BTreeMap<String, ContractRecord>,
    governance: Option<GovernanceRecord>,
}

impl Suite {
    /// Reads the deployment file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            usage(format!(
                "cannot read {} ({e}): deploy first (scripts/deploy.sh --governance ...)",
                path.display()
            ))
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a deployment file's text (`what` names it in errors).
    pub fn parse(text: &str, what: &str) -> Result<Self> {
        let file: File = serde_json::from_str(text)
            .map_err(|e| usage(format!("{what} is not a deployment file: {e}")))?;
        let governance = file.governance.ok_or_else(|| {
            refused(format!(
                "{what} has no governance section: this deployment is run by a single key \
                 (hand it over: scripts/deploy.sh --governance --members ... --threshold N)"
            ))
        })?;
        let suite = |name: &str| {
            file.contracts
                .get(name)
                .map(|c| c.address.clone())
                .ok_or_else(|| usage(format!("{what} records no {name}")))
        };
        Ok(Suite {
            chain_id: file.chain_id,
            addresses: [
                suite(SUITE[0])?,
                suite(SUITE[1])?,
                suite(SUITE[2])?,
                suite(SUITE[3])?,
                governance.group.address.clone(),
                governance.multisig.address.clone(),
            ],
            governance,
        })
    }

    /// The address of contract `name` (one of [`NAMES`]).
    pub fn address(&self, name: &str) -> Option<&str> {
        NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| self.addresses[i].as_str())
    }

    /// The name of the contract at `address`, if it is one of the deployment's.
    pub fn name_of(&self, address: &str) -> Option<&'static str> {
        self.addresses
            .iter()
            .position(|a| a == address)
            .map(|i| NAMES[i])
    }

    /// The multisig's address.
    pub fn multisig(&self) -> &str {
        &self.addresses[5]
    }

    /// The group's address.
    pub fn group(&self) -> &str {
        &self.addresses[4]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    fn rec(addr: &str) -> serde_json::Value {
        json!({"code_id": 1, "checksum": "ab", "address": addr, "label": "l"})
    }

    /// A deployment file with every contract and a governance section.
    pub(crate) fn file() -> serde_json::Value {
        json!({
            "chain_id": "gov-1",
            "node": "http://n",
            "contracts": {
                "device-registry": rec("wasm1registry"),
                "reading-anchors": rec("wasm1anchors"),
                "consent": rec("wasm1consent"),
                "data-union": rec("wasm1union"),
            },
            "roles": {},
            "governance": {
                "group": rec("wasm1group"),
                "multisig": rec("wasm1multisig"),
                "members": [{"addr": "wasm1a", "weight": 1}, {"addr": "wasm1b", "weight": 2}],
                "threshold": 2,
                "max_voting_period_secs": 3600
            }
        })
    }

    pub(crate) fn suite() -> Suite {
        Suite::parse(&file().to_string(), "x.json").unwrap()
    }

    #[test]
    fn the_suite_and_governance_are_read_by_name_and_address() {
        let s = suite();
        assert_eq!(s.address("consent"), Some("wasm1consent"));
        assert_eq!(s.address("multisig"), Some("wasm1multisig"));
        assert_eq!(s.address("cw20"), None);
        assert_eq!(s.name_of("wasm1group"), Some("group"));
        assert_eq!(s.name_of("wasm1union"), Some("data-union"));
        assert_eq!(s.name_of("wasm1else"), None);
        assert_eq!((s.group(), s.multisig()), ("wasm1group", "wasm1multisig"));
        assert_eq!(s.governance.threshold, 2);
        assert_eq!(s.governance.members[1].weight, 2);
    }

    #[test]
    fn a_single_key_deployment_or_a_broken_file_is_refused_in_one_sentence() {
        let mut f = file();
        f.as_object_mut().unwrap().remove("governance");
        let e = Suite::parse(&f.to_string(), "d.json").unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(
            e.to_string().starts_with(
                "d.json has no governance section: this deployment is run by a single key"
            ),
            "{e}"
        );
        let mut f = file();
        f["contracts"].as_object_mut().unwrap().remove("consent");
        let e = Suite::parse(&f.to_string(), "d.json").unwrap_err();
        assert_eq!(e.to_string(), "d.json records no consent");
        let e = Suite::parse("{", "d.json").unwrap_err();
        assert!(e.to_string().starts_with("d.json is not a deployment file"));
        assert_eq!(e.exit_code(), 2);
        let dir = tempfile::tempdir().unwrap();
        let e = Suite::load(&dir.path().join("none.json")).unwrap_err();
        assert!(e.to_string().contains("deploy first"), "{e}");
    }
}
