//! A fake chain for the sender's tests: one account, CheckTx that checks the sequence and the
//! signature like the SDK's ante handler, a simulation, and scripted failures.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use cosmrs::proto::cosmos::auth::v1beta1::{BaseAccount, QueryAccountResponse};
use cosmrs::proto::cosmos::base::abci::v1beta1::GasInfo;
use cosmrs::proto::cosmos::tx::v1beta1::{
    AuthInfo, SignDoc, SimulateRequest, SimulateResponse, TxRaw,
};
use cosmrs::proto::prost::Message;
use cosmrs::Any;
use k256::ecdsa::signature::Verifier as _;

use crate::config::ClientConfig;
use crate::error::Error;
use crate::query::{ACCOUNT_QUERY_PATH, CODES_QUERY_PATH, CONTRACT_INFO_QUERY_PATH};
use crate::rpc::Rpc;
use crate::tx::tx_hash;
use crate::types::{AbciResponse, CheckTxResponse, NodeStatus, TxOutcome};
use crate::{ChainClient, Signer, TxSender, SIMULATE_PATH};

pub const CHAIN_ID: &str = "fake-1";
pub const ACCOUNT_NUMBER: u64 = 7;
pub const SIMULATED_GAS: u64 = 100_000;

/// What the fake chain holds and how it misbehaves.
#[derive(Debug, Default)]
pub struct State {
    /// The sequence an account query answers (committed state).
    pub committed_sequence: u64,
    /// The sequence CheckTx and the simulation expect (committed + mempool).
    pub check_sequence: u64,
    /// The next this many broadcasts are refused with code 4 "account number (0)".
    pub not_ready: u32,
    /// Sequence mismatches leave out "expected N".
    pub mismatch_without_number: bool,
    /// Every CheckTx answers a mismatch (another client keeps using the account).
    pub mismatch_forever: bool,
    /// The contract refuses every message with this error.
    pub contract_error: Option<String>,
    /// Accepted transactions never reach a block.
    pub never_include: bool,
    /// The node is unreachable for broadcasts.
    pub broadcast_down: bool,
    /// Sequences of the transactions CheckTx accepted, in order.
    pub accepted: Vec<u64>,
    /// How many broadcasts reached the node.
    pub broadcasts: u32,
    /// Fee amounts of the simulated transactions.
    pub simulated_fees: Vec<String>,
    /// How many account queries were answered.
    pub account_queries: u32,
    pub included: HashMap<String, TxOutcome>,
    pub height: u64,
    /// Stored codes: (code id, creator, checksum bytes), listed by the Codes query two per page.
    pub codes: Vec<(u64, String, Vec<u8>)>,
    /// Contracts: address → (code id, admin).
    pub contracts: HashMap<String, (u64, String)>,
    /// How many Codes pages were asked for.
    pub code_pages: u32,
}

#[derive(Debug, Default)]
pub struct FakeChain {
    pub state: Mutex<State>,
}

fn sequence_of(tx: &[u8]) -> (TxRaw, AuthInfo, u64) {
    let raw = TxRaw::decode(tx).expect("TxRaw");
    let auth = AuthInfo::decode(&*raw.auth_info_bytes).expect("AuthInfo");
    let seq = auth.signer_infos[0].sequence;
    (raw, auth, seq)
}

fn mismatch_log(s: &State, got: u64) -> String {
    if s.mismatch_without_number {
        "incorrect account sequence".to_string()
    } else {
        format!(
            "account sequence mismatch, expected {}, got {got}: incorrect account sequence",
            s.check_sequence
        )
    }
}

fn verifies(raw: &TxRaw, auth: &AuthInfo) -> bool {
    let pk = auth.signer_infos[0]
        .public_key
        .as_ref()
        .expect("public key");
    let pk = cosmrs::proto::cosmos::crypto::secp256k1::PubKey::decode(&*pk.value).expect("pubkey");
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&pk.key).expect("key");
    let doc = SignDoc {
        body_bytes: raw.body_bytes.clone(),
        auth_info_bytes: raw.auth_info_bytes.clone(),
        chain_id: CHAIN_ID.into(),
        account_number: ACCOUNT_NUMBER,
    };
    let sig = k256::ecdsa::Signature::from_slice(&raw.signatures[0]).expect("signature");
    vk.verify(&doc.encode_to_vec(), &sig).is_ok()
}

impl Rpc for FakeChain {
    async fn abci_query(&self, path: &str, data: Vec<u8>) -> Result<AbciResponse, Error> {
        let mut s = self.state.lock().expect("lock");
        let ok = |value: Vec<u8>| AbciResponse {
            value,
            ..Default::default()
        };
        match path {
            ACCOUNT_QUERY_PATH => {
                s.account_queries += 1;
                let acc = BaseAccount {
                    account_number: ACCOUNT_NUMBER,
                    sequence: s.committed_sequence,
                    ..Default::default()
                };
                let resp = QueryAccountResponse {
                    account: Some(Any {
                        type_url: "/cosmos.auth.v1beta1.BaseAccount".into(),
                        value: acc.encode_to_vec(),
                    }),
                };
                Ok(ok(resp.encode_to_vec()))
            }
            SIMULATE_PATH => {
                let req = SimulateRequest::decode(&*data).expect("SimulateRequest");
                let (_, auth, seq) = sequence_of(&req.tx_bytes);
                let fee = auth.fee.map(|f| f.amount[0].amount.clone());
                s.simulated_fees.push(fee.unwrap_or_default());
                let fail = |log: String| {
                    AbciResponse {
                    code: 6,
                    codespace: "sdk".into(),
                    log: format!("rpc error: code = Unknown desc = {log} With gas wanted: '0' and gas used: '1' : unknown request"),
                    ..Default::default()
                }
                };
                if seq != s.check_sequence || s.mismatch_forever {
                    return Ok(fail(mismatch_log(&s, seq)));
                }
                if let Some(e) = &s.contract_error {
                    return Ok(fail(format!("failed to execute message; message index: 0: {e}: execute wasm contract failed")));
                }
                let resp = SimulateResponse {
                    gas_info: Some(GasInfo {
                        gas_wanted: 0,
                        gas_used: SIMULATED_GAS,
                    }),
                    result: None,
                };
                Ok(ok(resp.encode_to_vec()))
            }
            CODES_QUERY_PATH => {
                use cosmrs::proto::cosmos::base::query::v1beta1::PageResponse;
                use cosmrs::proto::cosmwasm::wasm::v1::{
                    CodeInfoResponse, QueryCodesRequest, QueryCodesResponse,
                };
                s.code_pages += 1;
                let req = QueryCodesRequest::decode(data.as_slice()).expect("QueryCodesRequest");
                let key = req.pagination.map(|p| p.key).unwrap_or_default();
                let start = if key.is_empty() {
                    0
                } else {
                    u64::from_be_bytes(key.try_into().expect("8-byte key"))
                };
                let page: Vec<_> = s.codes.iter().filter(|c| c.0 >= start).take(2).collect();
                let next = s
                    .codes
                    .iter()
                    .find(|c| c.0 > page.last().map_or(u64::MAX, |l| l.0));
                let resp = QueryCodesResponse {
                    code_infos: page
                        .iter()
                        .map(|(id, creator, sum)| CodeInfoResponse {
                            code_id: *id,
                            creator: creator.clone(),
                            data_hash: sum.clone(),
                            instantiate_permission: None,
                        })
                        .collect(),
                    pagination: Some(PageResponse {
                        next_key: next.map(|n| n.0.to_be_bytes().to_vec()).unwrap_or_default(),
                        total: 0,
                    }),
                };
                Ok(ok(resp.encode_to_vec()))
            }
            CONTRACT_INFO_QUERY_PATH => {
                use cosmrs::proto::cosmwasm::wasm::v1::{
                    ContractInfo, QueryContractInfoRequest, QueryContractInfoResponse,
                };
                let req = QueryContractInfoRequest::decode(data.as_slice()).expect("request");
                match s.contracts.get(&req.address) {
                    Some((code_id, admin)) => Ok(ok(QueryContractInfoResponse {
                        address: req.address.clone(),
                        contract_info: Some(ContractInfo {
                            code_id: *code_id,
                            creator: admin.clone(),
                            admin: admin.clone(),
                            label: "label".into(),
                            ..Default::default()
                        }),
                    }
                    .encode_to_vec())),
                    None => Ok(AbciResponse {
                        code: 1,
                        codespace: "undefined".into(),
                        log: format!(
                            "rpc error: code = Unknown desc = address {}: no such contract: unknown request",
                            req.address
                        ),
                        ..Default::default()
                    }),
                }
            }
            other => panic!("fake chain: unexpected query {other}"),
        }
    }

    async fn broadcast_tx_sync(&self, tx: Vec<u8>) -> Result<CheckTxResponse, Error> {
        let mut s = self.state.lock().expect("lock");
        if s.broadcast_down {
            return Err(Error::transport("connection refused"));
        }
        s.broadcasts += 1;
        let hash = tx_hash(&tx);
        let (raw, auth, seq) = sequence_of(&tx);
        let refuse = |code: u32, log: String| CheckTxResponse {
            code,
            codespace: "sdk".into(),
            log,
            hash: hash.clone(),
        };
        if s.not_ready > 0 {
            s.not_ready -= 1;
            return Ok(refuse(4, format!("signature verification failed; please verify account number (0) and chain-id ({CHAIN_ID}): unauthorized")));
        }
        if seq != s.check_sequence || s.mismatch_forever {
            return Ok(refuse(32, mismatch_log(&s, seq)));
        }
        if !verifies(&raw, &auth) {
            return Ok(refuse(4, format!("signature verification failed; please verify account number ({ACCOUNT_NUMBER}) and chain-id ({CHAIN_ID}): unauthorized")));
        }
        s.check_sequence += 1;
        s.accepted.push(seq);
        if !s.never_include {
            s.committed_sequence = s.check_sequence;
            s.height += 1;
            let (code, codespace, raw_log) = match &s.contract_error {
                Some(e) => (5, "wasm".to_string(), format!("failed to execute message; message index: 0: {e}: execute wasm contract failed")),
                None => (0, String::new(), String::new()),
            };
            let gas_wanted = auth.fee.map(|f| f.gas_limit).unwrap_or(0);
            let outcome = TxOutcome {
                hash: hash.clone(),
                height: s.height,
                code,
                codespace,
                raw_log,
                gas_wanted,
                gas_used: SIMULATED_GAS,
                events: vec![],
            };
            s.included.insert(hash.clone(), outcome);
        }
        Ok(CheckTxResponse {
            hash,
            ..Default::default()
        })
    }

    async fn tx(&self, hash: &str) -> Result<Option<TxOutcome>, Error> {
        Ok(self.state.lock().expect("lock").included.get(hash).cloned())
    }

    async fn status(&self) -> Result<NodeStatus, Error> {
        Ok(NodeStatus {
            chain_id: CHAIN_ID.into(),
            node_version: "0.39.0".into(),
            latest_height: self.state.lock().expect("lock").height,
            latest_block_time: "2026-11-30T00:00:00Z".into(),
            latest_block_unix: 1_796_083_200,
            catching_up: false,
        })
    }
}

/// A sender over a fresh fake chain (account sequence 0), with fast polls and short timeouts.
pub async fn sender() -> TxSender<FakeChain> {
    let mut cfg = ClientConfig::new("http://fake", "0.025udia").expect("config");
    cfg.poll_interval = Duration::from_millis(1);
    cfg.inclusion_timeout = Duration::from_millis(20);
    let client = ChainClient::with_rpc(FakeChain::default(), cfg)
        .await
        .expect("client");
    let mut secret = [0u8; 32];
    secret[31] = 3;
    TxSender::new(client, Signer::from_secret(&secret, "wasm").expect("key"))
}

/// Runs `f` on the fake chain's state.
pub fn with_state<T>(s: &TxSender<FakeChain>, f: impl FnOnce(&mut State) -> T) -> T {
    f(&mut s.client().rpc().state.lock().expect("lock"))
}
