//! The consortium's admin actions, each turned into the exact messages a proposal executes,
//! built with the contracts' own types from `diachain-std` (a renamed field fails to compile
//! here, not after the members voted).
//!
//! What is checked here (pure, before anything is proposed): addresses, sampling limits within
//! the anchors' bounds, and member changes that would leave the group unable to pass anything.
//! What needs the chain (a migration's code, which contracts await `AcceptAdmin`) is checked by
//! [`crate::verify`] and the CLI.

use cosmwasm_std::CosmosMsg;
use diachain_std::anchors::{
    SamplingLimit, MIN_INTERVAL_CEILING_SECONDS, MIN_INTERVAL_FLOOR_SECONDS,
};
use diachain_std::consent::ConsentRole;
use diachain_std::device::{DeviceKind, Role};
use diachain_std::{anchors, consent, registry, union};

use crate::cw::{GroupExecuteMsg, Member};
use crate::deployment::Suite;
use crate::{check_address, refused, usage, wasm, Result};

/// One admin action of the consortium.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// device-registry: admit a manufacturer or relayer.
    AdmitParticipant {
        role: Role,
        address: String,
        label: String,
    },
    /// device-registry: suspend one (it keeps its records but may not act).
    SuspendParticipant {
        role: Role,
        address: String,
        reason: String,
    },
    /// device-registry: lift a suspension.
    ReinstateParticipant { role: Role, address: String },
    /// device-registry: remove one.
    RemoveParticipant { role: Role, address: String },
    /// consent: admit an emergency provider or custodian.
    AdmitMember { role: ConsentRole, address: String },
    /// consent: remove one.
    RemoveMember { role: ConsentRole, address: String },
    /// reading-anchors: the minimum interval between two readings of these device kinds.
    SetSamplingLimits { limits: Vec<SamplingLimit> },
    /// The multisig accepts the admin role these contracts offered it (`TransferAdmin`).
    AcceptAdmin { contracts: Vec<String> },
    /// The group: add or re-weight members, remove others.
    UpdateMembers {
        add: Vec<Member>,
        remove: Vec<String>,
    },
    /// Migrate a suite contract to a code (verified first: [`crate::verify`]).
    Migrate { contract: String, code_id: u64 },
}

/// The contracts whose admin moves in two steps (`TransferAdmin`, then `AcceptAdmin` by the new
/// admin). The data union has one step: its admin sets a new one with `UpdateConfig`.
pub const TWO_STEP_ADMIN: [&str; 3] = ["device-registry", "reading-anchors", "consent"];

/// `manufacturer` or `relayer`.
pub fn parse_role(s: &str) -> Result<Role> {
    match s {
        "manufacturer" => Ok(Role::Manufacturer),
        "relayer" => Ok(Role::Relayer),
        other => Err(usage(format!(
            "a registry role is manufacturer or relayer, not {other:?}"
        ))),
    }
}

/// `emergency` (provider) or `custodian`.
pub fn parse_consent_role(s: &str) -> Result<ConsentRole> {
    match s {
        "emergency" | "emergency-provider" => Ok(ConsentRole::EmergencyProvider),
        "custodian" => Ok(ConsentRole::Custodian),
        other => Err(usage(format!(
            "a consent role is emergency or custodian, not {other:?}"
        ))),
    }
}

/// `cgm=60,pump=5` (or separate `KIND=SECONDS` arguments): device kinds with their minimum
/// interval between readings, in the anchors' bounds, each kind once.
pub fn parse_sampling_limits(args: &[String]) -> Result<Vec<SamplingLimit>> {
    let mut limits: Vec<SamplingLimit> = Vec::new();
    for item in args
        .iter()
        .flat_map(|a| a.split(','))
        .filter(|s| !s.is_empty())
    {
        let (kind, secs) = item.split_once('=').ok_or_else(|| {
            usage(format!(
                "sampling limit {item:?}: expected KIND=SECONDS, e.g. cgm=60"
            ))
        })?;
        let kind: DeviceKind = serde_json::from_value(serde_json::Value::String(kind.into()))
            .map_err(|_| {
                usage(format!(
                    "sampling limit {item:?}: the device kinds are cgm, pump, pen, meter, wearable, gateway"
                ))
            })?;
        let min_interval_seconds: u32 = secs.parse().map_err(|_| {
            usage(format!(
                "sampling limit {item:?}: {secs:?} is not a number of seconds"
            ))
        })?;
        if !(MIN_INTERVAL_FLOOR_SECONDS..=MIN_INTERVAL_CEILING_SECONDS)
            .contains(&min_interval_seconds)
        {
            return Err(usage(format!(
                "sampling limit {item:?}: the interval must be {MIN_INTERVAL_FLOOR_SECONDS}..={MIN_INTERVAL_CEILING_SECONDS} seconds"
            )));
        }
        if limits.iter().any(|l| l.kind == kind) {
            return Err(usage(format!(
                "sampling limit {item:?}: that kind is given twice"
            )));
        }
        limits.push(SamplingLimit {
            kind,
            min_interval_seconds,
        });
    }
    if limits.is_empty() {
        return Err(usage("set-sampling-limits needs at least one KIND=SECONDS"));
    }
    Ok(limits)
}

/// `ADDR[:WEIGHT]` (weight 1 when left out, at least 1).
pub fn parse_member(s: &str) -> Result<Member> {
    let (addr, weight) = match s.rsplit_once(':') {
        Some((a, w)) => (
            a,
            w.parse::<u64>()
                .map_err(|_| usage(format!("member {s:?}: weight {w:?} is not a whole number")))?,
        ),
        None => (s, 1),
    };
    if weight == 0 {
        return Err(usage(format!(
            "member {s:?}: a weight of 0 cannot vote; remove the member instead"
        )));
    }
    Ok(Member {
        addr: addr.to_string(),
        weight,
    })
}

/// The group's members after `add` (new or re-weighted) then `remove`, refused if the
/// change is malformed or would leave less weight than `threshold` (no proposal could pass
/// again, and nothing could repair it).
pub fn members_after(
    current: &[Member],
    add: &[Member],
    remove: &[String],
    threshold: u64,
) -> Result<Vec<Member>> {
    if add.is_empty() && remove.is_empty() {
        return Err(usage("the member change is empty"));
    }
    let mut next: Vec<Member> = current.to_vec();
    for (i, m) in add.iter().enumerate() {
        if add[..i].iter().any(|o| o.addr == m.addr) {
            return Err(usage(format!("{} is named twice", m.addr)));
        }
        if remove.contains(&m.addr) {
            return Err(usage(format!("{} is both added and removed", m.addr)));
        }
        next.retain(|o| o.addr != m.addr);
        next.push(m.clone());
    }
    for (i, r) in remove.iter().enumerate() {
        if remove[..i].contains(r) {
            return Err(usage(format!("{r} is named twice")));
        }
        if !next.iter().any(|o| &o.addr == r) {
            return Err(refused(format!("{r} is not a member of the group")));
        }
        next.retain(|o| &o.addr != r);
    }
    let total = next
        .iter()
        .try_fold(0u64, |t, m| t.checked_add(m.weight))
        .ok_or_else(|| usage("the members' weights overflow"))?;
    if total < threshold {
        return Err(refused(format!(
            "after this change the group would hold weight {total}, below the threshold of {threshold}: \
             no proposal could ever pass again (add a member first, or change fewer)"
        )));
    }
    next.sort();
    Ok(next)
}

impl Action {
    /// Checks the addresses the action names.
    pub fn validate(&self) -> Result<()> {
        match self {
            Action::AdmitParticipant { address, .. }
            | Action::SuspendParticipant { address, .. }
            | Action::ReinstateParticipant { address, .. }
            | Action::RemoveParticipant { address, .. }
            | Action::AdmitMember { address, .. }
            | Action::RemoveMember { address, .. } => check_address(address, "address"),
            Action::UpdateMembers { add, remove } => {
                add.iter()
                    .try_for_each(|m| check_address(&m.addr, "member"))?;
                remove.iter().try_for_each(|a| check_address(a, "member"))
            }
            Action::AcceptAdmin { contracts } => {
                if contracts.is_empty() {
                    return Err(refused(
                        "no contract awaits the multisig's acceptance of its admin role",
                    ));
                }
                contracts.iter().try_for_each(|c| {
                    if TWO_STEP_ADMIN.contains(&c.as_str()) {
                        Ok(())
                    } else if c == "data-union" {
                        Err(usage(
                            "data-union has no two-step admin transfer: its admin names the next one with update_config",
                        ))
                    } else {
                        Err(usage(format!("{c} is not a contract with an admin to accept")))
                    }
                })
            }
            Action::Migrate { contract, .. } => match contract.as_str() {
                c if crate::deployment::SUITE.contains(&c) => Ok(()),
                "group" | "multisig" => Err(usage(
                    "cw-plus's group and multisig have no migrate entry point: they cannot be migrated",
                )),
                other => Err(usage(format!(
                    "unknown contract {other:?} (device-registry, reading-anchors, consent, data-union)"
                ))),
            },
            Action::SetSamplingLimits { .. } => Ok(()),
        }
    }

    /// The messages the multisig executes for this action.
    pub fn messages(&self, suite: &Suite) -> Result<Vec<CosmosMsg>> {
        self.validate()?;
        let at = |name: &str| {
            suite
                .address(name)
                .map(str::to_string)
                .ok_or_else(|| usage(format!("the deployment has no {name}")))
        };
        let registry = || at("device-registry");
        let msg = match self {
            Action::AdmitParticipant {
                role,
                address,
                label,
            } => wasm::execute(
                &registry()?,
                &registry::ExecuteMsg::AdmitParticipant {
                    role: *role,
                    address: address.clone(),
                    label: label.clone(),
                },
            )?,
            Action::SuspendParticipant {
                role,
                address,
                reason,
            } => wasm::execute(
                &registry()?,
                &registry::ExecuteMsg::SuspendParticipant {
                    role: *role,
                    address: address.clone(),
                    reason: reason.clone(),
                },
            )?,
            Action::ReinstateParticipant { role, address } => wasm::execute(
                &registry()?,
                &registry::ExecuteMsg::ReinstateParticipant {
                    role: *role,
                    address: address.clone(),
                },
            )?,
            Action::RemoveParticipant { role, address } => wasm::execute(
                &registry()?,
                &registry::ExecuteMsg::RemoveParticipant {
                    role: *role,
                    address: address.clone(),
                },
            )?,
            Action::AdmitMember { role, address } => wasm::execute(
                &at("consent")?,
                &consent::ExecuteMsg::AdmitMember {
                    role: *role,
                    address: address.clone(),
                },
            )?,
            Action::RemoveMember { role, address } => wasm::execute(
                &at("consent")?,
                &consent::ExecuteMsg::RemoveMember {
                    role: *role,
                    address: address.clone(),
                },
            )?,
            Action::SetSamplingLimits { limits } => wasm::execute(
                &at("reading-anchors")?,
                &anchors::ExecuteMsg::SetSamplingLimits {
                    limits: limits.clone(),
                },
            )?,
            Action::AcceptAdmin { contracts } => {
                return contracts.iter().map(|c| accept_admin(c, &at(c)?)).collect();
            }
            Action::UpdateMembers { add, remove } => wasm::execute(
                suite.group(),
                &GroupExecuteMsg::UpdateMembers {
                    remove: remove.clone(),
                    add: add.clone(),
                },
            )?,
            Action::Migrate { contract, code_id } => {
                wasm::migrate(&at(contract)?, *code_id, &migrate_msg(contract)?)?
            }
        };
        Ok(vec![msg])
    }
}

/// `AcceptAdmin {}` of contract `name` at `address`.
pub fn accept_admin(name: &str, address: &str) -> Result<CosmosMsg> {
    match name {
        "device-registry" => wasm::execute(address, &registry::ExecuteMsg::AcceptAdmin {}),
        "reading-anchors" => wasm::execute(address, &anchors::ExecuteMsg::AcceptAdmin {}),
        "consent" => wasm::execute(address, &consent::ExecuteMsg::AcceptAdmin {}),
        other => Err(usage(format!("{other} has no AcceptAdmin"))),
    }
}

/// The migrate message of suite contract `name` (each contract's `MigrateMsg {}`).
pub fn migrate_msg(name: &str) -> Result<serde_json::Value> {
    let v = match name {
        "device-registry" => serde_json::to_value(registry::MigrateMsg {}),
        "reading-anchors" => serde_json::to_value(anchors::MigrateMsg {}),
        "consent" => serde_json::to_value(consent::MigrateMsg {}),
        "data-union" => serde_json::to_value(union::MigrateMsg {}),
        other => return Err(usage(format!("no migrate message for {other}"))),
    };
    v.map_err(|e| usage(format!("cannot encode a migrate message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment::tests::suite;
    use serde_json::json;

    const M: &str = "wasm1qyqszqgpqyqszqgpqyqszqgpqyqszqgpc0styh";

    /// The one message of `action` as JSON, with its inner contract message decoded.
    fn one(action: &Action) -> (String, serde_json::Value) {
        let msgs = action.messages(&suite()).unwrap();
        assert_eq!(msgs.len(), 1);
        wasm_execute(&msgs[0])
    }

    fn wasm_execute(msg: &CosmosMsg) -> (String, serde_json::Value) {
        let v = serde_json::to_value(msg).unwrap();
        let e = &v["wasm"]["execute"];
        assert_eq!(e["funds"], json!([]));
        let inner = cosmwasm_std::Binary::from_base64(e["msg"].as_str().unwrap()).unwrap();
        (
            e["contract_addr"].as_str().unwrap().to_string(),
            serde_json::from_slice(&inner).unwrap(),
        )
    }

    #[test]
    fn registry_actions_send_the_registrys_own_messages() {
        let cases = [
            (
                Action::AdmitParticipant {
                    role: Role::Manufacturer,
                    address: M.into(),
                    label: "Acme".into(),
                },
                json!({"admit_participant": {"role": "manufacturer", "address": M, "label": "Acme"}}),
            ),
            (
                Action::SuspendParticipant {
                    role: Role::Relayer,
                    address: M.into(),
                    reason: "audit".into(),
                },
                json!({"suspend_participant": {"role": "relayer", "address": M, "reason": "audit"}}),
            ),
            (
                Action::ReinstateParticipant {
                    role: Role::Relayer,
                    address: M.into(),
                },
                json!({"reinstate_participant": {"role": "relayer", "address": M}}),
            ),
            (
                Action::RemoveParticipant {
                    role: Role::Manufacturer,
                    address: M.into(),
                },
                json!({"remove_participant": {"role": "manufacturer", "address": M}}),
            ),
        ];
        for (action, expected) in cases {
            let (to, msg) = one(&action);
            assert_eq!(to, "wasm1registry");
            assert_eq!(msg, expected);
            // The registry itself reads it back as the same message.
            let _: registry::ExecuteMsg = serde_json::from_value(msg).unwrap();
        }
    }

    #[test]
    fn consent_and_anchors_actions_send_their_contracts_messages() {
        let (to, msg) = one(&Action::AdmitMember {
            role: ConsentRole::EmergencyProvider,
            address: M.into(),
        });
        assert_eq!(to, "wasm1consent");
        assert_eq!(
            msg,
            json!({"admit_member": {"role": "emergency_provider", "address": M}})
        );
        let (_, msg) = one(&Action::RemoveMember {
            role: ConsentRole::Custodian,
            address: M.into(),
        });
        assert_eq!(
            msg,
            json!({"remove_member": {"role": "custodian", "address": M}})
        );
        let limits = parse_sampling_limits(&["cgm=300,pump=10".into()]).unwrap();
        let (to, msg) = one(&Action::SetSamplingLimits { limits });
        assert_eq!(to, "wasm1anchors");
        assert_eq!(
            msg,
            json!({"set_sampling_limits": {"limits": [
                {"kind": "cgm", "min_interval_seconds": 300},
                {"kind": "pump", "min_interval_seconds": 10}]}})
        );
        let _: anchors::ExecuteMsg = serde_json::from_value(msg).unwrap();
    }

    #[test]
    fn accept_admin_goes_to_each_two_step_contract() {
        let a = Action::AcceptAdmin {
            contracts: TWO_STEP_ADMIN.iter().map(|s| s.to_string()).collect(),
        };
        let msgs = a.messages(&suite()).unwrap();
        let got: Vec<_> = msgs.iter().map(wasm_execute).collect();
        assert_eq!(
            got,
            vec![
                ("wasm1registry".into(), json!({"accept_admin": {}})),
                ("wasm1anchors".into(), json!({"accept_admin": {}})),
                ("wasm1consent".into(), json!({"accept_admin": {}})),
            ]
        );
        let e = Action::AcceptAdmin {
            contracts: vec!["data-union".into()],
        }
        .messages(&suite())
        .unwrap_err();
        assert!(e
            .to_string()
            .starts_with("data-union has no two-step admin transfer"));
        let e = Action::AcceptAdmin { contracts: vec![] }
            .messages(&suite())
            .unwrap_err();
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn member_changes_go_to_the_group_as_cw4_update_members() {
        let (to, msg) = one(&Action::UpdateMembers {
            add: vec![Member {
                addr: M.into(),
                weight: 2,
            }],
            remove: vec![],
        });
        assert_eq!(to, "wasm1group");
        assert_eq!(
            msg,
            json!({"update_members": {"remove": [], "add": [{"addr": M, "weight": 2}]}})
        );
    }

    #[test]
    fn a_migration_names_the_code_and_the_contracts_empty_migrate_message() {
        let msgs = Action::Migrate {
            contract: "consent".into(),
            code_id: 12,
        }
        .messages(&suite())
        .unwrap();
        assert_eq!(
            serde_json::to_value(&msgs[0]).unwrap(),
            json!({"wasm": {"migrate": {"contract_addr": "wasm1consent", "new_code_id": 12, "msg": "e30="}}})
        );
        for c in ["group", "multisig"] {
            let e = Action::Migrate {
                contract: c.into(),
                code_id: 1,
            }
            .messages(&suite())
            .unwrap_err();
            assert!(e.to_string().contains("no migrate entry point"), "{e}");
        }
        let e = Action::Migrate {
            contract: "cw20".into(),
            code_id: 1,
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().starts_with("unknown contract \"cw20\""));
    }

    #[test]
    fn bad_addresses_are_refused_before_any_message_is_built() {
        let e = Action::AdmitParticipant {
            role: Role::Manufacturer,
            address: "wasm1typo".into(),
            label: "x".into(),
        }
        .messages(&suite())
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = Action::UpdateMembers {
            add: vec![],
            remove: vec!["cosmos1x".into()],
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().starts_with("member \"cosmos1x\""), "{e}");
    }

    #[test]
    fn sampling_limits_are_parsed_and_held_to_the_anchors_bounds() {
        let l = parse_sampling_limits(&["meter=30".into(), "pen=5".into()]).unwrap();
        assert_eq!(l.len(), 2);
        for (bad, says) in [
            ("cgm", "expected KIND=SECONDS"),
            ("toaster=5", "the device kinds are"),
            ("cgm=soon", "is not a number of seconds"),
            ("cgm=0", "1..=86400"),
            ("cgm=86401", "1..=86400"),
            ("cgm=60,cgm=61", "given twice"),
            ("", "at least one"),
        ] {
            let e = parse_sampling_limits(&[bad.into()]).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn roles_and_members_parse_or_say_what_is_expected() {
        assert_eq!(parse_role("relayer").unwrap(), Role::Relayer);
        assert!(parse_role("admin").is_err());
        assert_eq!(
            parse_consent_role("emergency").unwrap(),
            ConsentRole::EmergencyProvider
        );
        assert!(parse_consent_role("doctor").is_err());
        assert_eq!(
            parse_member("wasm1a:3").unwrap(),
            Member {
                addr: "wasm1a".into(),
                weight: 3
            }
        );
        assert_eq!(parse_member("wasm1a").unwrap().weight, 1);
        assert!(parse_member("wasm1a:x").is_err());
        assert!(parse_member("wasm1a:0")
            .unwrap_err()
            .to_string()
            .contains("remove the member instead"));
    }

    fn m(addr: &str, weight: u64) -> Member {
        Member {
            addr: addr.into(),
            weight,
        }
    }

    #[test]
    fn member_changes_that_would_lock_the_group_are_refused() {
        let now = [m("a", 1), m("b", 1), m("c", 1)];
        // 2 of 3: removing one leaves 2, enough; removing two leaves 1, too little.
        assert_eq!(
            members_after(&now, &[], &["c".into()], 2).unwrap(),
            vec![m("a", 1), m("b", 1)]
        );
        let e = members_after(&now, &[], &["b".into(), "c".into()], 2).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "after this change the group would hold weight 1, below the threshold of 2"
            ),
            "{e}"
        );
        // A new key in, the lost one out, in one proposal.
        assert_eq!(
            members_after(&now, &[m("d", 1)], &["a".into()], 2).unwrap(),
            vec![m("b", 1), m("c", 1), m("d", 1)]
        );
        // Re-weighting replaces the weight.
        assert_eq!(
            members_after(&now, &[m("a", 3)], &[], 2).unwrap(),
            vec![m("a", 3), m("b", 1), m("c", 1)]
        );
        assert!(members_after(&now, &[], &[], 2).is_err());
        assert!(members_after(&now, &[], &["z".into()], 2)
            .unwrap_err()
            .to_string()
            .contains("z is not a member"));
        assert!(members_after(&now, &[m("a", 1)], &["a".into()], 2).is_err());
        assert!(members_after(&now, &[m("d", 1), m("d", 2)], &[], 2).is_err());
        assert!(members_after(&now, &[], &["a".into(), "a".into()], 1).is_err());
        assert!(members_after(&[m("a", u64::MAX)], &[m("b", 1)], &[], 1).is_err());
    }

    #[test]
    fn every_suite_contract_has_an_empty_migrate_message() {
        for c in crate::deployment::SUITE {
            assert_eq!(migrate_msg(c).unwrap(), json!({}));
        }
        assert!(migrate_msg("group").is_err());
        assert!(accept_admin("data-union", "wasm1u").is_err());
    }
}
