//! Building transactions: messages (`MsgExecuteContract`, bank send, any `Any`), the gas price and
//! fee, and the SIGN_MODE_DIRECT signature that turns a body into broadcastable bytes.

use std::fmt;
use std::str::FromStr;

use cosmrs::bank::MsgSend;
use cosmrs::cosmwasm::{
    AccessConfig, AccessType, MsgExecuteContract, MsgInstantiateContract, MsgMigrateContract,
    MsgStoreCode, MsgUpdateAdmin,
};
use cosmrs::tendermint::chain;
use cosmrs::tx::{Body, Fee, Msg as _, SignDoc, SignerInfo};
use cosmrs::{AccountId, Any, Coin, Denom};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::error::Error;
use crate::signer::Signer;

/// A gas price: `amount` (a decimal number) of `denom` per unit of gas, e.g. `0.025udia`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasPrice {
    /// The price's digits without the decimal point (`25` for `0.025`).
    mantissa: u128,
    /// How many of those digits are decimals (`3` for `0.025`).
    decimals: u32,
    /// The fee denom.
    pub denom: String,
}

impl GasPrice {
    /// The fee for `gas` units, rounded up to a whole coin unit.
    pub fn fee_amount(&self, gas: u64) -> u128 {
        let scale = 10u128.pow(self.decimals);
        let total = u128::from(gas).saturating_mul(self.mantissa);
        total.div_ceil(scale)
    }
}

impl FromStr for GasPrice {
    type Err = Error;

    /// Parses `<decimal><denom>`: `0.025udia`, `1uatom`, `0.1ibc/27A6…`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::Invalid(format!("gas price {s:?}: expected e.g. 0.025udia"));
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, denom) = s.split_at(split);
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        if int.is_empty() && frac.is_empty() || frac.len() > 18 {
            return Err(bad());
        }
        Denom::from_str(denom).map_err(|_| bad())?;
        let digits = format!("{int}{frac}");
        let mantissa = digits.parse::<u128>().map_err(|_| bad())?;
        Ok(GasPrice {
            mantissa,
            decimals: frac.len() as u32,
            denom: denom.to_string(),
        })
    }
}

impl fmt::Display for GasPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10u128.pow(self.decimals);
        let (int, frac) = (self.mantissa / scale, self.mantissa % scale);
        if self.decimals == 0 {
            write!(f, "{int}{}", self.denom)
        } else {
            write!(
                f,
                "{int}.{frac:0width$}{}",
                self.denom,
                width = self.decimals as usize
            )
        }
    }
}

/// Parses a bech32 address.
pub fn account_id(addr: &str) -> Result<AccountId, Error> {
    AccountId::from_str(addr).map_err(|e| Error::Invalid(format!("address {addr}: {e}")))
}

/// A coin amount in `denom`.
pub fn coin(amount: u128, denom: &str) -> Result<Coin, Error> {
    let denom =
        Denom::from_str(denom).map_err(|e| Error::Invalid(format!("denom {denom}: {e}")))?;
    Ok(Coin { denom, amount })
}

/// A `MsgExecuteContract` from `sender` to `contract` with `msg` serialised as JSON and `funds`
/// sent along, as an `Any` ready for a transaction.
pub fn execute_msg<M: Serialize + ?Sized>(
    sender: &str,
    contract: &str,
    msg: &M,
    funds: Vec<Coin>,
) -> Result<Any, Error> {
    let msg =
        serde_json::to_vec(msg).map_err(|e| Error::Invalid(format!("contract message: {e}")))?;
    MsgExecuteContract {
        sender: account_id(sender)?,
        contract: account_id(contract)?,
        msg,
        funds,
    }
    .to_any()
    .map_err(|e| Error::Invalid(format!("MsgExecuteContract: {e}")))
}

/// A `MsgStoreCode` uploading `wasm` from `sender`, as an `Any`. With `instantiators`
/// non-empty, only those addresses may instantiate the code (`AnyOfAddresses`); empty leaves
/// the chain's default permission.
pub fn store_code_msg(sender: &str, wasm: Vec<u8>, instantiators: &[&str]) -> Result<Any, Error> {
    let instantiate_permission = if instantiators.is_empty() {
        None
    } else {
        Some(AccessConfig {
            permission: AccessType::AnyOfAddresses,
            addresses: instantiators
                .iter()
                .map(|a| account_id(a))
                .collect::<Result<_, _>>()?,
        })
    };
    MsgStoreCode {
        sender: account_id(sender)?,
        wasm_byte_code: wasm,
        instantiate_permission,
    }
    .to_any()
    .map_err(|e| Error::Invalid(format!("MsgStoreCode: {e}")))
}

/// A `MsgInstantiateContract` of code `code_id` from `sender` with `msg` serialised as JSON,
/// `label`, the wasm `admin` (who may migrate it; `None`: nobody) and no funds, as an `Any`.
pub fn instantiate_msg<M: Serialize + ?Sized>(
    sender: &str,
    admin: Option<&str>,
    code_id: u64,
    label: &str,
    msg: &M,
) -> Result<Any, Error> {
    let msg =
        serde_json::to_vec(msg).map_err(|e| Error::Invalid(format!("instantiate message: {e}")))?;
    MsgInstantiateContract {
        sender: account_id(sender)?,
        admin: admin.map(account_id).transpose()?,
        code_id,
        label: Some(label.to_string()),
        msg,
        funds: vec![],
    }
    .to_any()
    .map_err(|e| Error::Invalid(format!("MsgInstantiateContract: {e}")))
}

/// A `MsgMigrateContract` of `contract` to code `code_id` from `sender` (its wasm admin) with
/// `msg` serialised as JSON, as an `Any`.
pub fn migrate_msg<M: Serialize + ?Sized>(
    sender: &str,
    contract: &str,
    code_id: u64,
    msg: &M,
) -> Result<Any, Error> {
    let msg =
        serde_json::to_vec(msg).map_err(|e| Error::Invalid(format!("migrate message: {e}")))?;
    MsgMigrateContract {
        sender: account_id(sender)?,
        contract: account_id(contract)?,
        code_id,
        msg,
    }
    .to_any()
    .map_err(|e| Error::Invalid(format!("MsgMigrateContract: {e}")))
}

/// A `MsgUpdateAdmin` from `sender` (the contract's wasm admin) making `new_admin` the wasm
/// admin of `contract` (who may migrate it and change its admin), as an `Any`.
pub fn update_admin_msg(sender: &str, contract: &str, new_admin: &str) -> Result<Any, Error> {
    MsgUpdateAdmin {
        sender: account_id(sender)?,
        new_admin: account_id(new_admin)?,
        contract: account_id(contract)?,
    }
    .to_any()
    .map_err(|e| Error::Invalid(format!("MsgUpdateAdmin: {e}")))
}

/// A `MsgUpdateInstantiateConfig` from `sender` (the code's uploader) letting exactly
/// `instantiators` instantiate code `code_id` (`AnyOfAddresses`; wasmd also requires it of a
/// migration's sender), as an `Any`. On a chain whose default instantiate permission is
/// `AnyOfAddresses`, a code can only be stored for its uploader; this is how its uploader then
/// lets another address (the consortium's multisig) migrate contracts to it.
pub fn update_instantiate_config_msg(
    sender: &str,
    code_id: u64,
    instantiators: &[&str],
) -> Result<Any, Error> {
    use cosmrs::proto::cosmwasm::wasm::v1 as wasm;
    let addresses = instantiators
        .iter()
        .map(|a| account_id(a).map(|a| a.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let msg = wasm::MsgUpdateInstantiateConfig {
        sender: account_id(sender)?.to_string(),
        code_id,
        new_instantiate_permission: Some(wasm::AccessConfig {
            permission: wasm::AccessType::AnyOfAddresses as i32,
            addresses,
        }),
    };
    Ok(Any {
        type_url: "/cosmwasm.wasm.v1.MsgUpdateInstantiateConfig".to_string(),
        value: cosmrs::proto::prost::Message::encode_to_vec(&msg),
    })
}

/// A bank `MsgSend` of `amount` as an `Any`.
pub fn send_msg(from: &str, to: &str, amount: Vec<Coin>) -> Result<Any, Error> {
    MsgSend {
        from_address: account_id(from)?,
        to_address: account_id(to)?,
        amount,
    }
    .to_any()
    .map_err(|e| Error::Invalid(format!("MsgSend: {e}")))
}

/// A signed transaction, ready to broadcast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// The encoded `TxRaw`.
    pub bytes: Vec<u8>,
    /// Its hash as CometBFT computes it: SHA-256 of `bytes`, uppercase hex.
    pub hash: String,
    /// The account sequence it was signed with.
    pub sequence: u64,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Its fee amount, in the gas price's denom.
    pub fee: u128,
    /// The last height that may include it (0: no limit).
    pub timeout_height: u64,
}

/// The hash CometBFT gives a transaction: SHA-256 of its bytes, uppercase hex.
pub fn tx_hash(bytes: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(bytes))
}

/// Everything that goes into one signature besides the messages.
#[derive(Clone, Debug)]
pub struct SignParams<'a> {
    /// The chain id the signature is bound to.
    pub chain_id: &'a str,
    /// The signer's account number.
    pub account_number: u64,
    /// The signer's sequence.
    pub sequence: u64,
    /// The gas limit.
    pub gas_limit: u64,
    /// The fee amount (usually `GasPrice::fee_amount(gas_limit)`).
    pub fee_amount: u128,
    /// The fee denom.
    pub fee_denom: &'a str,
    /// The memo.
    pub memo: &'a str,
    /// The last block height that may include the transaction (0: no limit). Past it the chain
    /// refuses the transaction for good, so a caller that lost track of a broadcast can tell,
    /// once the chain is higher and the transaction is not in a block, that it never landed.
    pub timeout_height: u64,
}

/// Builds and signs (SIGN_MODE_DIRECT) a transaction carrying `msgs`.
pub fn sign_tx(signer: &Signer, msgs: &[Any], p: &SignParams<'_>) -> Result<SignedTx, Error> {
    let chain_id = chain::Id::from_str(p.chain_id)
        .map_err(|e| Error::Invalid(format!("chain id {}: {e}", p.chain_id)))?;
    let timeout = u32::try_from(p.timeout_height)
        .map_err(|_| Error::Invalid(format!("timeout height {} is too large", p.timeout_height)))?;
    let body = Body::new(msgs.to_vec(), p.memo, timeout);
    let fee = Fee::from_amount_and_gas(coin(p.fee_amount, p.fee_denom)?, p.gas_limit);
    let auth_info = SignerInfo::single_direct(Some(signer.public_key()), p.sequence).auth_info(fee);
    let raw = SignDoc::new(&body, &auth_info, &chain_id, p.account_number)
        .and_then(|doc| doc.sign(&signer.cosmrs_key()))
        .map_err(|e| Error::Invalid(format!("signing: {e}")))?;
    let bytes = raw
        .to_bytes()
        .map_err(|e| Error::Invalid(format!("encoding the transaction: {e}")))?;
    Ok(SignedTx {
        hash: tx_hash(&bytes),
        bytes,
        sequence: p.sequence,
        gas_limit: p.gas_limit,
        fee: p.fee_amount,
        timeout_height: p.timeout_height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmrs::proto::cosmos::tx::v1beta1::{AuthInfo, SignDoc as ProtoSignDoc, TxBody, TxRaw};
    use cosmrs::proto::prost::Message as _;

    fn signer() -> Signer {
        let mut secret = [0u8; 32];
        secret[31] = 7;
        Signer::from_secret(&secret, "wasm").unwrap()
    }

    #[test]
    fn gas_prices_parse_and_round_fees_up() {
        let p: GasPrice = "0.025udia".parse().unwrap();
        assert_eq!(p.denom, "udia");
        assert_eq!(p.fee_amount(200_000), 5_000);
        assert_eq!(p.fee_amount(1), 1);
        assert_eq!(p.fee_amount(0), 0);
        assert_eq!(p.to_string(), "0.025udia");
        let whole: GasPrice = "2uatom".parse().unwrap();
        assert_eq!(whole.fee_amount(10), 20);
        assert_eq!(whole.to_string(), "2uatom");
        for bad in ["udia", "0.025", "", "1.2.3udia", ".udia", "0.025 udia"] {
            assert!(bad.parse::<GasPrice>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn execute_msgs_carry_the_json_message_and_funds() {
        let s = signer();
        let contract = s.address().to_string();
        let any = execute_msg(
            s.address(),
            &contract,
            &serde_json::json!({"ping": {}}),
            vec![coin(5, "udia").unwrap()],
        )
        .unwrap();
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgExecuteContract");
        let m = cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContract::decode(&*any.value).unwrap();
        assert_eq!(m.msg, br#"{"ping":{}}"#);
        assert_eq!(m.funds[0].amount, "5");
        assert!(execute_msg("nope", &contract, &(), vec![]).is_err());
    }

    #[test]
    fn signed_txs_encode_the_sequence_fee_and_a_valid_direct_signature() {
        use k256::ecdsa::signature::Verifier as _;
        let s = signer();
        let price: GasPrice = "0.025udia".parse().unwrap();
        let msg = send_msg(s.address(), s.address(), vec![coin(1, "udia").unwrap()]).unwrap();
        let p = SignParams {
            chain_id: "diachain-test-1",
            account_number: 9,
            sequence: 41,
            gas_limit: 150_000,
            fee_amount: price.fee_amount(150_000),
            fee_denom: &price.denom,
            memo: "m",
            timeout_height: 1234,
        };
        let signed = sign_tx(&s, std::slice::from_ref(&msg), &p).unwrap();
        assert_eq!(signed.timeout_height, 1234);
        assert_eq!(signed.hash, tx_hash(&signed.bytes));
        assert_eq!(signed.hash.len(), 64);
        assert_eq!(signed.fee, 3_750);

        let raw = TxRaw::decode(&*signed.bytes).unwrap();
        let body = TxBody::decode(&*raw.body_bytes).unwrap();
        assert_eq!(body.messages, vec![msg]);
        assert_eq!(body.memo, "m");
        assert_eq!(body.timeout_height, 1234);
        let auth = AuthInfo::decode(&*raw.auth_info_bytes).unwrap();
        assert_eq!(auth.signer_infos[0].sequence, 41);
        let fee = auth.fee.unwrap();
        assert_eq!(fee.gas_limit, 150_000);
        assert_eq!(fee.amount[0].amount, "3750");
        assert_eq!(fee.amount[0].denom, "udia");

        // The signature is over the SignDoc with this chain id and account number.
        let doc = ProtoSignDoc {
            body_bytes: raw.body_bytes.clone(),
            auth_info_bytes: raw.auth_info_bytes.clone(),
            chain_id: "diachain-test-1".into(),
            account_number: 9,
        }
        .encode_to_vec();
        let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&s.public_key().to_bytes()).unwrap();
        let sig = k256::ecdsa::Signature::from_slice(&raw.signatures[0]).unwrap();
        vk.verify(&doc, &sig).unwrap();
        let other_chain = ProtoSignDoc {
            body_bytes: raw.body_bytes,
            auth_info_bytes: raw.auth_info_bytes,
            chain_id: "other-1".into(),
            account_number: 9,
        }
        .encode_to_vec();
        assert!(vk.verify(&other_chain, &sig).is_err());
    }

    #[test]
    fn wasm_messages_carry_sender_code_json_and_permission() {
        use cosmrs::proto::cosmwasm::wasm::v1 as wasm;
        let me = signer().address().to_string();
        let any = store_code_msg(&me, vec![0, 97, 115, 109], &[&me]).unwrap();
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgStoreCode");
        let m = wasm::MsgStoreCode::decode(any.value.as_slice()).unwrap();
        assert_eq!(
            (m.sender.as_str(), m.wasm_byte_code.len()),
            (me.as_str(), 4)
        );
        let p = m.instantiate_permission.unwrap();
        assert_eq!(p.permission, wasm::AccessType::AnyOfAddresses as i32);
        assert_eq!(p.addresses, vec![me.clone()]);
        let open = store_code_msg(&me, vec![1], &[]).unwrap();
        let open = wasm::MsgStoreCode::decode(open.value.as_slice()).unwrap();
        assert!(open.instantiate_permission.is_none());

        let msg = serde_json::json!({"admin": me});
        let any = instantiate_msg(&me, Some(&me), 7, "diachain-x", &msg).unwrap();
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgInstantiateContract");
        let m = wasm::MsgInstantiateContract::decode(any.value.as_slice()).unwrap();
        assert_eq!(
            (m.code_id, m.label.as_str(), m.admin.as_str()),
            (7, "diachain-x", me.as_str())
        );
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&m.msg).unwrap(),
            msg
        );

        let any = migrate_msg(&me, &me, 9, &serde_json::json!({})).unwrap();
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgMigrateContract");
        let m = wasm::MsgMigrateContract::decode(any.value.as_slice()).unwrap();
        assert_eq!((m.code_id, m.msg.as_slice()), (9, b"{}".as_slice()));
        assert!(migrate_msg(&me, "not-an-address", 9, &()).is_err());
    }

    #[test]
    fn update_admin_msgs_name_sender_contract_and_new_admin() {
        use cosmrs::proto::cosmwasm::wasm::v1 as wasm;
        let me = signer().address().to_string();
        let mut other = [0u8; 32];
        other[31] = 9;
        let them = Signer::from_secret(&other, "wasm")
            .unwrap()
            .address()
            .to_string();
        let any = update_admin_msg(&me, &them, &them).unwrap();
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgUpdateAdmin");
        let m = wasm::MsgUpdateAdmin::decode(any.value.as_slice()).unwrap();
        assert_eq!(
            (m.sender.as_str(), m.contract.as_str(), m.new_admin.as_str()),
            (me.as_str(), them.as_str(), them.as_str())
        );
        assert!(update_admin_msg(&me, &them, "nobody").is_err());
        assert!(update_admin_msg(&me, "x", &them).is_err());
    }

    #[test]
    fn update_instantiate_config_msgs_name_the_code_and_every_instantiator() {
        use cosmrs::proto::cosmwasm::wasm::v1 as wasm;
        let me = signer().address().to_string();
        let any = update_instantiate_config_msg(&me, 12, &[&me, &me]).unwrap();
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgUpdateInstantiateConfig");
        let m = wasm::MsgUpdateInstantiateConfig::decode(any.value.as_slice()).unwrap();
        assert_eq!((m.sender.as_str(), m.code_id), (me.as_str(), 12));
        let p = m.new_instantiate_permission.unwrap();
        assert_eq!(p.permission, wasm::AccessType::AnyOfAddresses as i32);
        assert_eq!(p.addresses, vec![me.clone(), me.clone()]);
        assert!(update_instantiate_config_msg(&me, 12, &["nope"]).is_err());
    }
}
