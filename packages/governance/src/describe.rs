//! Any proposal message as one sentence a member can check before voting: the target by name
//! (`device-registry`, `group`, …) and what it does ("admit manufacturer wasm1…"). Messages to
//! the suite are decoded with the contracts' own types; anything this client does not know is
//! shown as its JSON, never hidden.

use std::collections::BTreeMap;

use cosmwasm_std::{BankMsg, Coin, CosmosMsg, WasmMsg};
use diachain_std::consent::ConsentRole;
use diachain_std::device::Role;
use diachain_std::{anchors, consent, registry, union};
use serde_json::Value;

use crate::cw::{GroupExecuteMsg, Member};
use crate::deployment::Suite;

/// What a description may use besides the message.
#[derive(Clone, Debug, Default)]
pub struct Context<'a> {
    /// The deployment's contracts (names for addresses).
    pub suite: Option<&'a Suite>,
    /// The group's members now (tells an addition from a new weight).
    pub members: Option<&'a [Member]>,
    /// Checksums of code ids a migration names.
    pub checksums: BTreeMap<u64, String>,
}

/// `msg` (a proposal's message as JSON) in one sentence.
pub fn describe(msg: &Value, cx: &Context<'_>) -> String {
    let Ok(parsed) = serde_json::from_value::<CosmosMsg>(msg.clone()) else {
        return format!("message {msg}");
    };
    match parsed {
        CosmosMsg::Wasm(w) => describe_wasm(&w, cx).unwrap_or_else(|| format!("message {msg}")),
        CosmosMsg::Bank(BankMsg::Send { to_address, amount }) => {
            format!("send {} to {to_address}", coins(&amount))
        }
        _ => format!("message {msg}"),
    }
}

fn describe_wasm(w: &WasmMsg, cx: &Context<'_>) -> Option<String> {
    let name = |addr: &str| {
        cx.suite
            .and_then(|s| s.name_of(addr))
            .map_or_else(|| format!("contract {addr}"), str::to_string)
    };
    Some(match w {
        WasmMsg::Execute {
            contract_addr,
            msg,
            funds,
        } => {
            let inner: Value = serde_json::from_slice(msg.as_slice()).unwrap_or(Value::Null);
            let target = cx.suite.and_then(|s| s.name_of(contract_addr));
            let what = target
                .and_then(|t| describe_execute(t, &inner, cx))
                .unwrap_or_else(|| format!("execute {inner}"));
            let sent = if funds.is_empty() {
                String::new()
            } else {
                format!(", sending {}", coins(funds))
            };
            format!("{}: {what}{sent}", name(contract_addr))
        }
        WasmMsg::Migrate {
            contract_addr,
            new_code_id,
            msg,
        } => {
            let sum = cx
                .checksums
                .get(new_code_id)
                .map(|c| format!(" (checksum {c})"))
                .unwrap_or_default();
            let args = String::from_utf8_lossy(msg.as_slice()).to_string();
            let args = if args == "{}" {
                String::new()
            } else {
                format!(" with {args}")
            };
            format!(
                "{}: migrate to code {new_code_id}{sum}{args}",
                name(contract_addr)
            )
        }
        WasmMsg::UpdateAdmin {
            contract_addr,
            admin,
        } => format!(
            "{}: make {} its wasm admin (who may migrate it)",
            name(contract_addr),
            who(admin, cx)
        ),
        WasmMsg::ClearAdmin { contract_addr } => format!(
            "{}: clear its wasm admin (it can never be migrated again)",
            name(contract_addr)
        ),
        WasmMsg::Instantiate { code_id, label, .. } => {
            format!("instantiate code {code_id} as {label:?}")
        }
        _ => return None,
    })
}

/// An address, named `the multisig` or `the group` when it is one of them.
fn who(addr: &str, cx: &Context<'_>) -> String {
    match cx.suite.and_then(|s| s.name_of(addr)) {
        Some(n @ ("multisig" | "group")) => format!("the {n} {addr}"),
        Some(n) => format!("{n} {addr}"),
        None => addr.to_string(),
    }
}

fn coins(c: &[Coin]) -> String {
    c.iter()
        .map(|c| format!("{}{}", c.amount, c.denom))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn role(r: Role) -> &'static str {
    match r {
        Role::Manufacturer => "manufacturer",
        Role::Relayer => "relayer",
    }
}

fn consent_role(r: ConsentRole) -> &'static str {
    match r {
        ConsentRole::EmergencyProvider => "emergency provider",
        ConsentRole::Custodian => "custodian",
    }
}

/// What an execute message to the deployment's contract `target` does, if this client knows it.
fn describe_execute(target: &str, inner: &Value, cx: &Context<'_>) -> Option<String> {
    let v = inner.clone();
    match target {
        "device-registry" => registry_sentence(serde_json::from_value(v).ok()?, cx),
        "reading-anchors" => anchors_sentence(serde_json::from_value(v).ok()?, cx),
        "consent" => consent_sentence(serde_json::from_value(v).ok()?, cx),
        "data-union" => union_sentence(serde_json::from_value(v).ok()?, cx),
        "group" => group_sentence(serde_json::from_value(v).ok()?, cx),
        _ => None,
    }
}

fn registry_sentence(m: registry::ExecuteMsg, cx: &Context<'_>) -> Option<String> {
    use registry::ExecuteMsg as E;
    Some(match m {
        E::AdmitParticipant {
            role: r,
            address,
            label,
        } => format!("admit {} {address} (label {label:?})", role(r)),
        E::SuspendParticipant {
            role: r,
            address,
            reason,
        } => format!("suspend {} {address} (reason {reason:?})", role(r)),
        E::ReinstateParticipant { role: r, address } => {
            format!("lift the suspension of {} {address}", role(r))
        }
        E::RemoveParticipant { role: r, address } => format!("remove {} {address}", role(r)),
        other => admin_sentence(serde_json::to_value(other).ok()?, cx)?,
    })
}

fn anchors_sentence(m: anchors::ExecuteMsg, cx: &Context<'_>) -> Option<String> {
    use anchors::ExecuteMsg as E;
    Some(match m {
        E::SetSamplingLimits { limits } => {
            let each: Vec<_> = limits
                .iter()
                .map(|l| {
                    let kind = serde_json::to_value(l.kind).ok();
                    let kind = kind.as_ref().and_then(Value::as_str).unwrap_or("?");
                    format!(
                        "{kind} at most one reading per {} s",
                        l.min_interval_seconds
                    )
                })
                .collect();
            format!("set sampling limits: {}", each.join(", "))
        }
        E::AddListener { address } => format!("tell {address} of contributions"),
        E::RemoveListener { address } => format!("stop telling {address} of contributions"),
        other => admin_sentence(serde_json::to_value(other).ok()?, cx)?,
    })
}

fn consent_sentence(m: consent::ExecuteMsg, cx: &Context<'_>) -> Option<String> {
    use consent::ExecuteMsg as E;
    Some(match m {
        E::AdmitMember { role: r, address } => format!("admit {} {address}", consent_role(r)),
        E::RemoveMember { role: r, address } => format!("remove {} {address}", consent_role(r)),
        E::SetListeners { listeners } => format!("set its listeners to [{}]", listeners.join(", ")),
        other => admin_sentence(serde_json::to_value(other).ok()?, cx)?,
    })
}

fn union_sentence(m: union::ExecuteMsg, cx: &Context<'_>) -> Option<String> {
    let union::ExecuteMsg::UpdateConfig {
        admin,
        anchors,
        consent,
        treasury,
    } = m
    else {
        return None;
    };
    let parts: Vec<String> = [
        ("admin", admin),
        ("anchors", anchors),
        ("consent", consent),
        ("treasury", treasury),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|a| format!("{k} {}", who(&a, cx))))
    .collect();
    Some(format!("set {}", parts.join(", ")))
}

/// The two-step admin messages every suite contract but the union shares.
fn admin_sentence(v: Value, cx: &Context<'_>) -> Option<String> {
    let (key, body) = v.as_object()?.iter().next()?;
    Some(match key.as_str() {
        "transfer_admin" => format!(
            "offer the admin role to {}",
            who(body["new_admin"].as_str()?, cx)
        ),
        "accept_admin" => "accept the admin role offered to the multisig".to_string(),
        "cancel_admin_transfer" => "withdraw the pending admin transfer".to_string(),
        _ => return None,
    })
}

fn group_sentence(m: GroupExecuteMsg, cx: &Context<'_>) -> Option<String> {
    Some(match m {
        GroupExecuteMsg::UpdateMembers { remove, add } => {
            let mut parts: Vec<String> = add
                .iter()
                .map(|m| {
                    match cx
                        .members
                        .map(|ms| ms.iter().find(|o| o.addr == m.addr).map(|o| o.weight))
                    {
                        Some(Some(old)) => {
                            format!("change {}'s weight from {old} to {}", m.addr, m.weight)
                        }
                        Some(None) => format!("add member {} (weight {})", m.addr, m.weight),
                        None => format!("add or re-weight member {} (weight {})", m.addr, m.weight),
                    }
                })
                .collect();
            parts.extend(remove.iter().map(|r| format!("remove member {r}")));
            parts.join(", ")
        }
        GroupExecuteMsg::UpdateAdmin { admin: Some(a) } => {
            format!("make {} the group's admin", who(&a, cx))
        }
        GroupExecuteMsg::UpdateAdmin { admin: None } => {
            "clear the group's admin (its members can never change again)".to_string()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{parse_sampling_limits, Action};
    use crate::deployment::tests::suite;
    use crate::wasm;
    use serde_json::json;

    const A: &str = "wasm1qyqszqgpqyqszqgpqyqszqgpqyqszqgpc0styh";

    fn say(action: Action) -> String {
        let s = suite();
        let members = [Member {
            addr: A.into(),
            weight: 1,
        }];
        let cx = Context {
            suite: Some(&s),
            members: Some(&members),
            checksums: BTreeMap::from([(12, "ab12".to_string())]),
        };
        let msgs = action.messages(&s).unwrap();
        msgs.iter()
            .map(|m| describe(&serde_json::to_value(m).unwrap(), &cx))
            .collect::<Vec<_>>()
            .join(" | ")
    }

    #[test]
    fn every_typed_action_reads_as_a_sentence_naming_its_contract() {
        let cases = [
            (
                Action::AdmitParticipant {
                    role: Role::Manufacturer,
                    address: A.into(),
                    label: "Acme".into(),
                },
                format!("device-registry: admit manufacturer {A} (label \"Acme\")"),
            ),
            (
                Action::SuspendParticipant {
                    role: Role::Relayer,
                    address: A.into(),
                    reason: "audit".into(),
                },
                format!("device-registry: suspend relayer {A} (reason \"audit\")"),
            ),
            (
                Action::ReinstateParticipant {
                    role: Role::Relayer,
                    address: A.into(),
                },
                format!("device-registry: lift the suspension of relayer {A}"),
            ),
            (
                Action::RemoveParticipant {
                    role: Role::Manufacturer,
                    address: A.into(),
                },
                format!("device-registry: remove manufacturer {A}"),
            ),
            (
                Action::AdmitMember {
                    role: ConsentRole::EmergencyProvider,
                    address: A.into(),
                },
                format!("consent: admit emergency provider {A}"),
            ),
            (
                Action::RemoveMember {
                    role: ConsentRole::Custodian,
                    address: A.into(),
                },
                format!("consent: remove custodian {A}"),
            ),
            (
                Action::SetSamplingLimits {
                    limits: parse_sampling_limits(&["cgm=300".into()]).unwrap(),
                },
                "reading-anchors: set sampling limits: cgm at most one reading per 300 s".into(),
            ),
            (
                Action::AcceptAdmin {
                    contracts: vec!["device-registry".into(), "consent".into()],
                },
                "device-registry: accept the admin role offered to the multisig | consent: accept the admin role offered to the multisig".into(),
            ),
            (
                Action::UpdateMembers {
                    add: vec![
                        Member {
                            addr: A.into(),
                            weight: 2,
                        },
                        Member {
                            addr: "wasm1qgpqyqszqgpqyqszqgpqyqszqgpqyqszftkw0p".into(),
                            weight: 1,
                        },
                    ],
                    remove: vec!["wasm1qvpsxqcrqvpsxqcrqvpsxqcrqvpsxqcrgmh09q".into()],
                },
                format!("group: change {A}'s weight from 1 to 2, add member wasm1qgpqyqszqgpqyqszqgpqyqszqgpqyqszftkw0p (weight 1), remove member wasm1qvpsxqcrqvpsxqcrqvpsxqcrqvpsxqcrgmh09q"),
            ),
            (
                Action::Migrate {
                    contract: "data-union".into(),
                    code_id: 12,
                },
                "data-union: migrate to code 12 (checksum ab12)".into(),
            ),
        ];
        for (action, expected) in cases {
            assert_eq!(say(action), expected);
        }
    }

    #[test]
    fn handover_and_admin_messages_name_the_multisig() {
        let s = suite();
        let cx = Context {
            suite: Some(&s),
            ..Context::default()
        };
        let d = |m: &CosmosMsg| describe(&serde_json::to_value(m).unwrap(), &cx);
        assert_eq!(
            d(&wasm::update_admin("wasm1consent", "wasm1multisig")),
            "consent: make the multisig wasm1multisig its wasm admin (who may migrate it)"
        );
        let t = wasm::execute(
            "wasm1registry",
            &registry::ExecuteMsg::TransferAdmin {
                new_admin: "wasm1multisig".into(),
            },
        )
        .unwrap();
        assert_eq!(
            d(&t),
            "device-registry: offer the admin role to the multisig wasm1multisig"
        );
        let u = wasm::execute(
            "wasm1union",
            &union::ExecuteMsg::UpdateConfig {
                admin: Some("wasm1multisig".into()),
                anchors: None,
                consent: None,
                treasury: None,
            },
        )
        .unwrap();
        assert_eq!(d(&u), "data-union: set admin the multisig wasm1multisig");
        let g = wasm::execute(
            "wasm1group",
            &GroupExecuteMsg::UpdateAdmin {
                admin: Some("wasm1multisig".into()),
            },
        )
        .unwrap();
        assert_eq!(
            d(&g),
            "group: make the multisig wasm1multisig the group's admin"
        );
        // Without the current members, an addition cannot be told from a new weight.
        let add = wasm::execute(
            "wasm1group",
            &GroupExecuteMsg::UpdateMembers {
                remove: vec![],
                add: vec![Member {
                    addr: "wasm1x".into(),
                    weight: 1,
                }],
            },
        )
        .unwrap();
        assert_eq!(d(&add), "group: add or re-weight member wasm1x (weight 1)");
    }

    #[test]
    fn unknown_messages_are_shown_as_they_are_never_hidden() {
        let s = suite();
        let cx = Context {
            suite: Some(&s),
            ..Context::default()
        };
        // An execute on a contract the deployment does not know.
        let m = wasm::execute("wasm1stranger", &json!({"drain": {}})).unwrap();
        assert_eq!(
            describe(&serde_json::to_value(&m).unwrap(), &cx),
            r#"contract wasm1stranger: execute {"drain":{}}"#
        );
        // A suite contract's message this client has no sentence for.
        let m = wasm::execute(
            "wasm1registry",
            &json!({"unbind_device": {"device_id": "d"}}),
        )
        .unwrap();
        assert_eq!(
            describe(&serde_json::to_value(&m).unwrap(), &cx),
            r#"device-registry: execute {"unbind_device":{"device_id":"d"}}"#
        );
        let bank = json!({"bank": {"send": {"to_address": "wasm1t", "amount": [{"denom": "udia", "amount": "9"}]}}});
        assert_eq!(describe(&bank, &cx), "send 9udia to wasm1t");
        let odd = json!({"stargate": {"type_url": "/x", "value": ""}});
        assert_eq!(describe(&odd, &cx), format!("message {odd}"));
        let clear = json!({"wasm": {"clear_admin": {"contract_addr": "wasm1consent"}}});
        assert_eq!(
            describe(&clear, &cx),
            "consent: clear its wasm admin (it can never be migrated again)"
        );
        let funds = json!({"wasm": {"execute": {"contract_addr": "wasm1union", "msg": "e30=", "funds": [{"denom": "udia", "amount": "5"}]}}});
        assert_eq!(
            describe(&funds, &cx),
            "data-union: execute {}, sending 5udia"
        );
    }
}
