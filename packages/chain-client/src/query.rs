//! Queries through `abci_query` (the SDK's gRPC services over ABCI): contract smart and raw
//! state, accounts, bank balances, and any other protobuf query.

use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::cosmos::base::query::v1beta1::PageRequest;
use cosmrs::proto::cosmwasm::wasm::v1::{
    QueryCodesRequest, QueryCodesResponse, QueryContractInfoRequest, QueryContractInfoResponse,
    QueryRawContractStateRequest, QueryRawContractStateResponse, QuerySmartContractStateRequest,
    QuerySmartContractStateResponse,
};
use cosmrs::proto::prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::ChainClient;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::types::{AccountInfo, CodeInfo, ContractInfo};

/// gRPC path of wasmd's smart contract query.
pub const SMART_QUERY_PATH: &str = "/cosmwasm.wasm.v1.Query/SmartContractState";
/// gRPC path of wasmd's raw contract state query.
pub const RAW_QUERY_PATH: &str = "/cosmwasm.wasm.v1.Query/RawContractState";
/// gRPC path of the auth module's account query.
pub const ACCOUNT_QUERY_PATH: &str = "/cosmos.auth.v1beta1.Query/Account";
/// gRPC path of the bank module's balance query.
pub const BALANCE_QUERY_PATH: &str = "/cosmos.bank.v1beta1.Query/Balance";

/// gRPC path of wasmd's list of stored codes.
pub const CODES_QUERY_PATH: &str = "/cosmwasm.wasm.v1.Query/Codes";
/// gRPC path of wasmd's contract metadata query.
pub const CONTRACT_INFO_QUERY_PATH: &str = "/cosmwasm.wasm.v1.Query/ContractInfo";

/// Codes asked for per page of [`ChainClient::codes`].
const CODES_PAGE: u64 = 100;

const BASE_ACCOUNT_TYPE: &str = "/cosmos.auth.v1beta1.BaseAccount";

impl<R: Rpc> ChainClient<R> {
    /// Sends the protobuf request `req` to the gRPC query service method `path` over ABCI and
    /// decodes the answer. A refusal is [`Error::Query`].
    pub async fn query_proto<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        req: &Req,
    ) -> Result<Resp, Error> {
        let r = self.rpc.abci_query(path, req.encode_to_vec()).await?;
        if r.code != 0 {
            return Err(Error::Query {
                path: path.to_string(),
                code: r.code,
                codespace: r.codespace,
                log: r.log,
            });
        }
        Resp::decode(r.value.as_slice()).map_err(|e| Error::decode(path, e))
    }

    /// The contract's answer to the smart query `msg` (serialised as JSON), as raw JSON bytes.
    pub async fn smart_query_json(&self, contract: &str, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let req = QuerySmartContractStateRequest {
            address: contract.to_string(),
            query_data: msg.to_vec(),
        };
        let r: QuerySmartContractStateResponse = self.query_proto(SMART_QUERY_PATH, &req).await?;
        Ok(r.data)
    }

    /// The contract's answer to the smart query `msg`, decoded as `T`. A refusal by the contract
    /// is [`Error::Query`] with the contract's error in its log.
    pub async fn smart_query<Q, T>(&self, contract: &str, msg: &Q) -> Result<T, Error>
    where
        Q: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let msg = serde_json::to_vec(msg).map_err(|e| Error::Invalid(format!("query: {e}")))?;
        let data = self.smart_query_json(contract, &msg).await?;
        serde_json::from_slice(&data).map_err(|e| {
            Error::decode(
                &format!("answer of {contract} ({})", String::from_utf8_lossy(&data)),
                e,
            )
        })
    }

    /// The value stored under `key` in the contract's state (cw-storage-plus keys as they are
    /// stored), or `None` if there is none.
    pub async fn raw_query(&self, contract: &str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let req = QueryRawContractStateRequest {
            address: contract.to_string(),
            query_data: key.to_vec(),
        };
        let r: QueryRawContractStateResponse = self.query_proto(RAW_QUERY_PATH, &req).await?;
        Ok((!r.data.is_empty()).then_some(r.data))
    }

    /// Every code stored on chain (id, creator, checksum), in code id order, read page by page.
    pub async fn codes(&self) -> Result<Vec<CodeInfo>, Error> {
        let mut out = Vec::new();
        let mut key = Vec::new();
        loop {
            let req = QueryCodesRequest {
                pagination: Some(PageRequest {
                    key: key.clone(),
                    limit: CODES_PAGE,
                    ..Default::default()
                }),
            };
            let r: QueryCodesResponse = self.query_proto(CODES_QUERY_PATH, &req).await?;
            out.extend(r.code_infos.into_iter().map(|c| CodeInfo {
                code_id: c.code_id,
                creator: c.creator,
                checksum: hex::encode(c.data_hash),
            }));
            match r.pagination {
                Some(p) if !p.next_key.is_empty() => key = p.next_key,
                _ => return Ok(out),
            }
        }
    }

    /// The code `code_id`'s id, creator and checksum, or `None` if the chain has no such code.
    pub async fn code_info(&self, code_id: u64) -> Result<Option<CodeInfo>, Error> {
        Ok(self
            .codes()
            .await?
            .into_iter()
            .find(|c| c.code_id == code_id))
    }

    /// The contract at `address` (code id, creator, admin, label), or `None` if there is no
    /// contract there (wasmd refuses the query with "address …: no such contract").
    pub async fn contract_info(&self, address: &str) -> Result<Option<ContractInfo>, Error> {
        let req = QueryContractInfoRequest {
            address: address.to_string(),
        };
        match self
            .query_proto::<_, QueryContractInfoResponse>(CONTRACT_INFO_QUERY_PATH, &req)
            .await
        {
            Ok(r) => Ok(r.contract_info.map(|c| ContractInfo {
                address: r.address,
                code_id: c.code_id,
                creator: c.creator,
                admin: (!c.admin.is_empty()).then_some(c.admin),
                label: c.label,
            })),
            Err(Error::Query { log, .. })
                if log.contains("no such contract") || log.contains("not found") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The account number and sequence of `address`; [`Error::AccountNotFound`] if the chain has
    /// no such account.
    pub async fn account(&self, address: &str) -> Result<AccountInfo, Error> {
        let req = QueryAccountRequest {
            address: address.to_string(),
        };
        let r: QueryAccountResponse = match self.query_proto(ACCOUNT_QUERY_PATH, &req).await {
            Err(Error::Query { log, .. }) if log.contains("not found") => {
                return Err(Error::AccountNotFound(address.to_string()))
            }
            other => other?,
        };
        let any = r
            .account
            .ok_or_else(|| Error::AccountNotFound(address.to_string()))?;
        if any.type_url != BASE_ACCOUNT_TYPE {
            return Err(Error::decode(
                "account",
                format!("{address} is a {}, not a base account", any.type_url),
            ));
        }
        let acc =
            BaseAccount::decode(any.value.as_slice()).map_err(|e| Error::decode("account", e))?;
        Ok(AccountInfo {
            account_number: acc.account_number,
            sequence: acc.sequence,
        })
    }

    /// The `denom` balance of `address` (0 if it holds none).
    pub async fn balance(&self, address: &str, denom: &str) -> Result<u128, Error> {
        let req = QueryBalanceRequest {
            address: address.to_string(),
            denom: denom.to_string(),
        };
        let r: QueryBalanceResponse = self.query_proto(BALANCE_QUERY_PATH, &req).await?;
        match r.balance {
            None => Ok(0),
            Some(c) => c
                .amount
                .parse()
                .map_err(|e| Error::decode(&format!("balance amount {:?}", c.amount), e)),
        }
    }
}
