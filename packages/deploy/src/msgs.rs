//! The messages a deployment sends, built from the contracts' own types in `diachain-std`.
//!
//! The previous release, 0.1.0 (`tests/e2e/legacy/0.1.0/`, built from `c84f131`), takes the
//! same instantiate and wiring messages: at `c84f131` every field the deployment sends had the
//! name, type and meaning it has now. So one set of builders serves both; the tests pin the
//! 0.1.0 JSON as literals and check that these builders produce exactly it. If a current type
//! moves away from 0.1.0's, that test fails, and the 0.1.0 shape must then get its own struct
//! here, selected by `--legacy 0.1.0`.

use diachain_std::device::Role;
use diachain_std::{anchors, consent, registry, union};
use serde::Serialize;

use crate::{fail, Result};

/// Longest break-glass session the deployment configures, in hours.
pub const MAX_BREAK_GLASS_HOURS: u32 = 12;
/// The data union's fee unless `--fee-bps` says otherwise: 2 %.
pub const DEFAULT_FEE_BPS: u16 = 200;
/// The data union's claim period unless `--grace-period` says otherwise: 7 days.
pub const DEFAULT_GRACE_PERIOD: u64 = 604_800;

/// device-registry's instantiate message.
pub fn registry_instantiate(admin: &str) -> registry::InstantiateMsg {
    registry::InstantiateMsg {
        admin: Some(admin.to_string()),
    }
}

/// reading-anchors' instantiate message.
pub fn anchors_instantiate(admin: &str, registry: &str) -> anchors::InstantiateMsg {
    anchors::InstantiateMsg {
        admin: Some(admin.to_string()),
        registry: registry.to_string(),
    }
}

/// consent's instantiate message (no listeners yet: the data union is told by the wiring).
pub fn consent_instantiate(admin: &str, registry: &str) -> consent::InstantiateMsg {
    consent::InstantiateMsg {
        admin: Some(admin.to_string()),
        registry: registry.to_string(),
        max_break_glass_hours: MAX_BREAK_GLASS_HOURS,
        listeners: vec![],
    }
}

/// The data union's settings fixed at instantiation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnionTerms {
    /// Fee on every deposit, in basis points.
    pub fee_bps: u16,
    /// Claim period after a study closes, in seconds.
    pub grace_period: u64,
    /// Receives the fees.
    pub treasury: String,
}

/// data-union's instantiate message.
pub fn union_instantiate(
    admin: &str,
    anchors: &str,
    consent: &str,
    terms: &UnionTerms,
) -> union::InstantiateMsg {
    union::InstantiateMsg {
        admin: Some(admin.to_string()),
        anchors: anchors.to_string(),
        consent: consent.to_string(),
        treasury: terms.treasury.clone(),
        fee_bps: terms.fee_bps,
        grace_period: terms.grace_period,
    }
}

/// The migrate message of `contract` (each contract's `MigrateMsg {}`).
pub fn migrate(contract: &str) -> Result<serde_json::Value> {
    match contract {
        "device-registry" => to_json(&registry::MigrateMsg {}),
        "reading-anchors" => to_json(&anchors::MigrateMsg {}),
        "consent" => to_json(&consent::MigrateMsg {}),
        "data-union" => to_json(&union::MigrateMsg {}),
        other => Err(fail(format!(
            "no migrate message for unknown contract {other}"
        ))),
    }
}

/// reading-anchors: tell `listener` of contributions.
pub fn add_listener(listener: &str) -> anchors::ExecuteMsg {
    anchors::ExecuteMsg::AddListener {
        address: listener.to_string(),
    }
}

/// consent: tell exactly `listeners` when a research consent ends early.
pub fn set_listeners(listeners: &[&str]) -> consent::ExecuteMsg {
    consent::ExecuteMsg::SetListeners {
        listeners: listeners.iter().map(|l| l.to_string()).collect(),
    }
}

/// device-registry: admit `address` as `role`, labelled `diachain <role>`.
pub fn admit_participant(role: Role, address: &str) -> registry::ExecuteMsg {
    let name = match role {
        Role::Manufacturer => "manufacturer",
        Role::Relayer => "relayer",
    };
    registry::ExecuteMsg::AdmitParticipant {
        role,
        address: address.to_string(),
        label: format!("diachain {name}"),
    }
}

/// consent: admit `address` as `role`.
pub fn admit_member(role: consent::ConsentRole, address: &str) -> consent::ExecuteMsg {
    consent::ExecuteMsg::AdmitMember {
        role,
        address: address.to_string(),
    }
}

/// `msg` as JSON.
pub fn to_json<M: Serialize>(msg: &M) -> Result<serde_json::Value> {
    serde_json::to_value(msg).map_err(|e| fail(format!("cannot serialise a message: {e}")))
}

/// The name of an execute message: its one top-level key (`add_listener`, ...).
pub fn action(msg: &serde_json::Value) -> String {
    msg.as_object()
        .and_then(|o| o.keys().next())
        .cloned()
        .unwrap_or_else(|| "?".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "wasm1admin";
    const R: &str = "wasm1registry";

    fn terms() -> UnionTerms {
        UnionTerms {
            fee_bps: DEFAULT_FEE_BPS,
            grace_period: DEFAULT_GRACE_PERIOD,
            treasury: "wasm1treasury".into(),
        }
    }

    /// What the contracts accept is what their own types read back: serialise, parse as the
    /// contract would, compare.
    fn round_trip<M>(msg: &M) -> serde_json::Value
    where
        M: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let v = to_json(msg).unwrap();
        let back: M = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(&back, msg);
        v
    }

    #[test]
    fn instantiate_messages_are_what_the_contracts_read() {
        assert_eq!(round_trip(&registry_instantiate(A)), json!({"admin": A}));
        assert_eq!(
            round_trip(&anchors_instantiate(A, R)),
            json!({"admin": A, "registry": R})
        );
        assert_eq!(
            round_trip(&consent_instantiate(A, R)),
            json!({"admin": A, "registry": R, "max_break_glass_hours": 12, "listeners": []})
        );
        assert_eq!(
            round_trip(&union_instantiate(A, "wasm1an", "wasm1co", &terms())),
            json!({"admin": A, "anchors": "wasm1an", "consent": "wasm1co",
                   "treasury": "wasm1treasury", "fee_bps": 200, "grace_period": 604800})
        );
    }

    /// The 0.1.0 release's messages (its types at c84f131, written out as JSON): the builders
    /// must produce the same JSON (keys, types, values), since deploy.sh deploys 0.1.0 with the same builders.
    #[test]
    fn legacy_0_1_0_messages_are_the_same_json() {
        let legacy = [
            (
                to_json(&registry_instantiate(A)).unwrap(),
                r#"{"admin":"wasm1admin"}"#,
            ),
            (
                to_json(&anchors_instantiate(A, R)).unwrap(),
                r#"{"admin":"wasm1admin","registry":"wasm1registry"}"#,
            ),
            (
                to_json(&consent_instantiate(A, R)).unwrap(),
                r#"{"admin":"wasm1admin","registry":"wasm1registry","max_break_glass_hours":12,"listeners":[]}"#,
            ),
            (
                to_json(&union_instantiate(A, "wasm1an", "wasm1co", &terms())).unwrap(),
                r#"{"admin":"wasm1admin","anchors":"wasm1an","consent":"wasm1co","treasury":"wasm1treasury","fee_bps":200,"grace_period":604800}"#,
            ),
            (
                to_json(&add_listener("wasm1u")).unwrap(),
                r#"{"add_listener":{"address":"wasm1u"}}"#,
            ),
            (
                to_json(&set_listeners(&["wasm1u"])).unwrap(),
                r#"{"set_listeners":{"listeners":["wasm1u"]}}"#,
            ),
            (
                to_json(&admit_participant(Role::Relayer, "wasm1r")).unwrap(),
                r#"{"admit_participant":{"role":"relayer","address":"wasm1r","label":"diachain relayer"}}"#,
            ),
            (
                to_json(&admit_member(
                    consent::ConsentRole::EmergencyProvider,
                    "wasm1e",
                ))
                .unwrap(),
                r#"{"admit_member":{"role":"emergency_provider","address":"wasm1e"}}"#,
            ),
        ];
        for (ours, theirs) in legacy {
            let theirs: serde_json::Value = serde_json::from_str(theirs).unwrap();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn wiring_messages_round_trip_and_are_named_by_their_key() {
        let m = round_trip(&add_listener("wasm1u"));
        assert_eq!(action(&m), "add_listener");
        let m = round_trip(&set_listeners(&["wasm1u"]));
        assert_eq!(action(&m), "set_listeners");
        let m = round_trip(&admit_participant(Role::Manufacturer, "wasm1m"));
        assert_eq!(action(&m), "admit_participant");
        assert_eq!(m["admit_participant"]["label"], "diachain manufacturer");
        let m = round_trip(&admit_member(consent::ConsentRole::Custodian, "wasm1c"));
        assert_eq!(action(&m), "admit_member");
        assert_eq!(action(&json!(null)), "?");
    }

    #[test]
    fn every_contract_has_an_empty_migrate_message_and_no_other_does() {
        for c in crate::CONTRACTS {
            assert_eq!(migrate(c).unwrap(), json!({}));
        }
        assert!(migrate("cw20")
            .unwrap_err()
            .0
            .contains("unknown contract cw20"));
    }
}
