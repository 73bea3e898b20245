//! `deployments/<chain-id>.json`: what was deployed where. The shape is the one
//! `scripts/deploy.sh` always wrote (the e2e tests, the relayer's and dashboard's launchers,
//! `scripts/verify-build.sh` and the gas report read it).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::plan::Recorded;
use crate::{fail, Result};

/// A contract's record (code id, checksum, address, label): the governance client reads the
/// same type.
pub use diachain_governance::deployment::{ContractRecord, GovernanceRecord};

/// The four contracts' records, in deployment order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contracts {
    #[serde(rename = "device-registry")]
    pub device_registry: ContractRecord,
    #[serde(rename = "reading-anchors")]
    pub reading_anchors: ContractRecord,
    pub consent: ContractRecord,
    #[serde(rename = "data-union")]
    pub data_union: ContractRecord,
}

/// The addresses admitted to each role (absent: none given).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub manufacturer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub relayer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub emergency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub custodian: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub treasury: Option<String>,
}

/// The data union's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnionSettings {
    pub fee_bps: u16,
    pub grace_period: u64,
}

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub chain_id: String,
    pub node: String,
    pub deployer: String,
    /// When the suite was first instantiated (UTC, `2026-12-01T08:00:00Z`).
    pub deployed_at: String,
    /// When a contract last changed.
    pub updated_at: String,
    /// The client that deployed (historically the wasmd CLI's version).
    pub wasmd_client: String,
    pub data_union: UnionSettings,
    pub contracts: Contracts,
    pub roles: Roles,
    /// The group and multisig that administer the contracts (absent: a single-key deployment).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub governance: Option<GovernanceRecord>,
}

impl Contracts {
    /// The record of contract `name`.
    pub fn get(&self, name: &str) -> Option<&ContractRecord> {
        match name {
            "device-registry" => Some(&self.device_registry),
            "reading-anchors" => Some(&self.reading_anchors),
            "consent" => Some(&self.consent),
            "data-union" => Some(&self.data_union),
            _ => None,
        }
    }
}

/// A previous deployment file, read loosely: older files may lack fields, and a half-finished
/// one may lack contracts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Previous(pub serde_json::Value);

impl Previous {
    /// The file at `path`, or an empty one if there is none. A file that is not JSON is refused.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map(Previous).map_err(|e| {
                fail(format!(
                    "{} is not a deployment file ({e}); move it away to deploy afresh",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Previous::default()),
            Err(e) => Err(fail(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// What it recorded for contract `name`.
    pub fn recorded(&self, name: &str) -> Recorded {
        let c = &self.0["contracts"][name];
        Recorded {
            address: c["address"].as_str().map(str::to_string),
            code_id: c["code_id"].as_u64(),
        }
    }

    /// The `governance` section, if the file has one (a file that has one it cannot read is
    /// refused: the deployment must not forget it is governed).
    pub fn governance(&self) -> Result<Option<GovernanceRecord>> {
        match self.0.get("governance") {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(g) => serde_json::from_value(g.clone()).map(Some).map_err(|e| {
                fail(format!(
                    "the deployment file's governance section cannot be read ({e}); fix it by hand"
                ))
            }),
        }
    }

    /// A string field (`deployed_at`, `updated_at`).
    pub fn field(&self, key: &str) -> Option<&str> {
        self.0[key].as_str()
    }

    /// Whether `contracts` has the same code id, checksum and address for every contract.
    pub fn same_contracts(&self, contracts: &Contracts) -> bool {
        crate::CONTRACTS.iter().all(|name| {
            let old = &self.0["contracts"][name];
            contracts.get(name).is_some_and(|c| {
                old["code_id"].as_u64() == Some(c.code_id)
                    && old["checksum"].as_str() == Some(c.checksum.as_str())
                    && old["address"].as_str() == Some(c.address.as_str())
            })
        })
    }
}

/// Writes `deployment` to `path` atomically: a temporary file beside it, renamed over it.
pub fn write(path: &Path, deployment: &Deployment) -> Result<()> {
    let mut text = serde_json::to_string_pretty(deployment)
        .map_err(|e| fail(format!("cannot serialise the deployment: {e}")))?;
    text.push('\n');
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(|e| fail(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(format!("cannot replace {}: {e}", path.display())))
}

/// Now, as `date -u +%Y-%m-%dT%H:%M:%SZ` prints it.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(secs)
}

/// `secs` after the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc(secs: u64) -> String {
    diachain_chain_client::time::rfc3339(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(id: u64, addr: &str) -> ContractRecord {
        ContractRecord {
            code_id: id,
            checksum: format!("sum{id}"),
            address: addr.into(),
            label: "l".into(),
        }
    }

    fn sample() -> Deployment {
        Deployment {
            chain_id: "diachain-local-1".into(),
            node: "http://127.0.0.1:26657".into(),
            deployer: "wasm1d".into(),
            deployed_at: "2026-12-01T08:00:00Z".into(),
            updated_at: "2026-12-01T08:00:00Z".into(),
            wasmd_client: "v0.61.0".into(),
            data_union: UnionSettings {
                fee_bps: 200,
                grace_period: 604_800,
            },
            contracts: Contracts {
                device_registry: rec(1, "wasm1a"),
                reading_anchors: rec(2, "wasm1b"),
                consent: rec(3, "wasm1c"),
                data_union: rec(4, "wasm1e"),
            },
            roles: Roles {
                relayer: Some("wasm1r".into()),
                treasury: Some("wasm1d".into()),
                ..Roles::default()
            },
            governance: None,
        }
    }

    fn governed() -> Deployment {
        Deployment {
            governance: Some(GovernanceRecord {
                group: rec(5, "wasm1g"),
                multisig: rec(6, "wasm1m"),
                members: vec![diachain_governance::cw::Member {
                    addr: "wasm1a".into(),
                    weight: 1,
                }],
                threshold: 1,
                max_voting_period_secs: 3600,
            }),
            ..sample()
        }
    }

    #[test]
    fn the_file_has_deploy_sh_s_shape_and_key_order() {
        let v = serde_json::to_value(sample()).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        let mut expected = vec![
            "chain_id",
            "contracts",
            "data_union",
            "deployed_at",
            "deployer",
            "node",
            "roles",
            "updated_at",
            "wasmd_client",
        ];
        expected.sort();
        assert_eq!(sorted, expected);
        assert_eq!(v["contracts"]["data-union"]["code_id"], 4);
        assert_eq!(
            v["roles"],
            json!({"relayer": "wasm1r", "treasury": "wasm1d"})
        );
        let text = serde_json::to_string(&sample()).unwrap();
        let order = [
            "device-registry",
            "reading-anchors",
            "\"consent\"",
            "data-union",
        ];
        let at: Vec<_> = order.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]));
    }

    /// The agreed interface: `"governance": {"group": {code_id, checksum, address, label},
    /// "multisig": {...}, "members": [{"addr", "weight"}], "threshold", "max_voting_period_secs"}`.
    #[test]
    fn the_governance_section_has_the_agreed_shape_and_is_absent_when_single_key() {
        let v = serde_json::to_value(governed()).unwrap();
        assert_eq!(
            v["governance"],
            json!({
                "group": {"code_id": 5, "checksum": "sum5", "address": "wasm1g", "label": "l"},
                "multisig": {"code_id": 6, "checksum": "sum6", "address": "wasm1m", "label": "l"},
                "members": [{"addr": "wasm1a", "weight": 1}],
                "threshold": 1,
                "max_voting_period_secs": 3600
            })
        );
        let single = serde_json::to_value(sample()).unwrap();
        assert!(single.get("governance").is_none());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.json");
        write(&path, &governed()).unwrap();
        let prev = Previous::load(&path).unwrap();
        assert_eq!(prev.governance().unwrap(), governed().governance);
        assert_eq!(Previous::default().governance().unwrap(), None);
        let broken = Previous(json!({"governance": {"group": 1}}));
        assert!(broken
            .governance()
            .unwrap_err()
            .0
            .starts_with("the deployment file's governance section cannot be read"));
        // The governance client reads the file deploy writes.
        let suite = diachain_governance::deployment::Suite::load(&path).unwrap();
        assert_eq!(suite.multisig(), "wasm1m");
        assert_eq!(suite.address("consent"), Some("wasm1c"));
    }

    #[test]
    fn written_atomically_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployments/x.json");
        assert_eq!(Previous::load(&path).unwrap(), Previous::default());
        write(&path, &sample()).unwrap();
        assert!(!path.with_extension("json.tmp").exists());
        let prev = Previous::load(&path).unwrap();
        assert_eq!(
            prev.recorded("consent"),
            Recorded {
                address: Some("wasm1c".into()),
                code_id: Some(3)
            }
        );
        assert_eq!(prev.recorded("nope"), Recorded::default());
        assert_eq!(prev.field("updated_at"), Some("2026-12-01T08:00:00Z"));
        assert!(prev.same_contracts(&sample().contracts));
        let mut moved = sample().contracts;
        moved.consent.code_id = 9;
        assert!(!prev.same_contracts(&moved));
        let parsed: Deployment =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(parsed, sample());
    }

    #[test]
    fn a_file_that_is_not_json_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, "{oops").unwrap();
        let e = Previous::load(&path).unwrap_err();
        assert!(e.0.contains("is not a deployment file"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{oops");
    }

    #[test]
    fn utc_formats_like_date() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_796_113_845), "2026-12-01T08:30:45Z");
        assert_eq!(now_utc().len(), 20);
    }
}
