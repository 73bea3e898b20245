//! The messages a proposal carries, as the multisig dispatches them: wasm execute, migrate and
//! update-admin, in cosmwasm-std 3's `CosmosMsg`. The multisig (cosmwasm-std 2) reads them with
//! std 2's `CosmosMsg`; the JSON of these variants is the same in both (the tests pin it to the
//! std 2.3 field names), so std 3's types are used rather than a copy.

use cosmwasm_std::{to_json_binary, CosmosMsg, WasmMsg};
use serde::Serialize;

use crate::{usage, Result};

/// Executes `msg` on `contract` (no funds).
pub fn execute<M: Serialize>(contract: &str, msg: &M) -> Result<CosmosMsg> {
    Ok(CosmosMsg::Wasm(WasmMsg::Execute {
        contract_addr: contract.to_string(),
        msg: to_json_binary(msg).map_err(|e| usage(format!("cannot encode a message: {e}")))?,
        funds: vec![],
    }))
}

/// Migrates `contract` to code `new_code_id` with `msg` (the sender must be its wasm admin).
pub fn migrate<M: Serialize>(contract: &str, new_code_id: u64, msg: &M) -> Result<CosmosMsg> {
    Ok(CosmosMsg::Wasm(WasmMsg::Migrate {
        contract_addr: contract.to_string(),
        new_code_id,
        msg: to_json_binary(msg).map_err(|e| usage(format!("cannot encode a message: {e}")))?,
    }))
}

/// Makes `admin` the wasm admin of `contract` (the sender must be its wasm admin now).
pub fn update_admin(contract: &str, admin: &str) -> CosmosMsg {
    CosmosMsg::Wasm(WasmMsg::UpdateAdmin {
        contract_addr: contract.to_string(),
        admin: admin.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // The JSON cosmwasm-std 2.3.6's `CosmosMsg::Wasm(WasmMsg::…)` reads (results/cosmos_msg.rs:
    // `#[serde(rename_all = "snake_case")]` on both enums; `Binary` is base64): what the
    // multisig, built on std 2, parses from a proposal.

    #[test]
    fn execute_is_std_2s_wasm_execute() {
        let m = execute("wasm1c", &json!({"accept_admin": {}})).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"wasm":{"execute":{"contract_addr":"wasm1c","msg":"eyJhY2NlcHRfYWRtaW4iOnt9fQ==","funds":[]}}}"#
        );
        // base64 of {"accept_admin":{}}
        assert_eq!(
            String::from_utf8(
                cosmwasm_std::Binary::from_base64("eyJhY2NlcHRfYWRtaW4iOnt9fQ==")
                    .unwrap()
                    .to_vec()
            )
            .unwrap(),
            r#"{"accept_admin":{}}"#
        );
    }

    #[test]
    fn migrate_and_update_admin_are_std_2s_wasm_messages() {
        let m = migrate("wasm1c", 12, &json!({})).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"wasm":{"migrate":{"contract_addr":"wasm1c","new_code_id":12,"msg":"e30="}}}"#
        );
        assert_eq!(
            serde_json::to_string(&update_admin("wasm1c", "wasm1m")).unwrap(),
            r#"{"wasm":{"update_admin":{"contract_addr":"wasm1c","admin":"wasm1m"}}}"#
        );
    }

    #[test]
    fn std_2_json_reads_back_as_the_same_message() {
        for text in [
            r#"{"wasm":{"execute":{"contract_addr":"a","msg":"e30=","funds":[{"denom":"udia","amount":"5"}]}}}"#,
            r#"{"wasm":{"migrate":{"contract_addr":"a","new_code_id":1,"msg":"e30="}}}"#,
            r#"{"wasm":{"update_admin":{"contract_addr":"a","admin":"b"}}}"#,
            r#"{"wasm":{"clear_admin":{"contract_addr":"a"}}}"#,
            r#"{"bank":{"send":{"to_address":"a","amount":[{"denom":"udia","amount":"7"}]}}}"#,
        ] {
            let m: CosmosMsg = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&m).unwrap(), text);
        }
    }
}
