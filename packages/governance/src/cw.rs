//! JSON mirrors of the cw-plus 2.0.0 messages and answers DiaChain uses: cw4-group (the member
//! organisations and their weights), cw3-flex-multisig (proposals and votes over that group),
//! and the cw-utils types they carry (`Threshold`, `Duration`, `Expiration`).
//!
//! cw-plus 2.0.0 is built on cosmwasm-std 2, which cannot share a dependency tree with this
//! workspace's cosmwasm-std 3, so its Rust types cannot be used here: these are our own serde
//! types, and the tests pin their JSON to what the upstream types (`#[cw_serde]`: snake_case,
//! unknown fields refused) read and write. Messages we send are exact; answers we read ignore
//! fields we do not use, so a newer cw-plus that adds one does not break the client.

use cosmwasm_std::Timestamp;
use serde::{Deserialize, Serialize};

/// Most entries cw4-group and cw3-flex-multisig return per page (their `MAX_LIMIT`).
pub const PAGE_LIMIT: u32 = 30;

/// A member organisation of the group: its address and voting weight (cw4 `Member`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Member {
    pub addr: String,
    pub weight: u64,
}

/// cw4-group's `InstantiateMsg`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInstantiateMsg {
    /// Who may change the members (the multisig, once handed over); `None`: nobody, ever.
    pub admin: Option<String>,
    pub members: Vec<Member>,
}

/// cw4-group's `ExecuteMsg` (the variants DiaChain sends).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupExecuteMsg {
    /// Admin: hand the group to another admin (`None`: freeze it).
    UpdateAdmin { admin: Option<String> },
    /// Admin: add or re-weight `add`, then remove `remove` (an address in both is removed).
    UpdateMembers {
        remove: Vec<String>,
        add: Vec<Member>,
    },
}

/// cw4-group's `QueryMsg` (the variants DiaChain asks).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupQueryMsg {
    Admin {},
    TotalWeight {
        at_height: Option<u64>,
    },
    ListMembers {
        start_after: Option<String>,
        limit: Option<u32>,
    },
    Member {
        addr: String,
        at_height: Option<u64>,
    },
}

/// Answer to `Admin {}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminResponse {
    pub admin: Option<String>,
}

/// Answer to `TotalWeight {}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalWeightResponse {
    pub weight: u64,
}

/// Answer to `ListMembers {}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberListResponse {
    pub members: Vec<Member>,
}

/// Answer to `Member {}`: `None` for an address that is not a member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberResponse {
    pub weight: Option<u64>,
}

/// cw-utils `Threshold`: what a proposal needs to pass. DiaChain uses `AbsoluteCount`: this
/// much yes weight, whatever the others vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    AbsoluteCount { weight: u64 },
}

/// cw-utils `ThresholdResponse`: the threshold with the group's total weight (the weight
/// snapshot of a proposal, in a proposal's answer). Percentages are kept as their decimal text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdResponse {
    AbsoluteCount {
        weight: u64,
        total_weight: u64,
    },
    AbsolutePercentage {
        percentage: String,
        total_weight: u64,
    },
    ThresholdQuorum {
        threshold: String,
        quorum: String,
        total_weight: u64,
    },
}

impl ThresholdResponse {
    /// The group's total weight this threshold was measured against.
    pub fn total_weight(&self) -> u64 {
        match self {
            ThresholdResponse::AbsoluteCount { total_weight, .. }
            | ThresholdResponse::AbsolutePercentage { total_weight, .. }
            | ThresholdResponse::ThresholdQuorum { total_weight, .. } => *total_weight,
        }
    }

    /// The yes weight needed, for an absolute count (`None` for the percentage kinds).
    pub fn absolute_weight(&self) -> Option<u64> {
        match self {
            ThresholdResponse::AbsoluteCount { weight, .. } => Some(*weight),
            _ => None,
        }
    }
}

/// cw-utils `Duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duration {
    /// Blocks.
    Height(u64),
    /// Seconds.
    Time(u64),
}

/// cw-utils `Expiration`: when a proposal's voting ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiration {
    /// Ends at the first block at or above this height.
    AtHeight(u64),
    /// Ends at the first block at or after this time.
    AtTime(Timestamp),
    Never {},
}

impl Expiration {
    /// Whether it has passed at a block of `height` and `time` (as cw-utils judges it).
    pub fn is_expired(&self, height: u64, time: Timestamp) -> bool {
        match *self {
            Expiration::AtHeight(h) => height >= h,
            Expiration::AtTime(t) => time >= t,
            Expiration::Never {} => false,
        }
    }
}

/// cw3-flex-multisig's `Executor`: who may execute a passed proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Executor {
    /// Any member of the group.
    Member,
    /// Only this address.
    Only(String),
}

/// cw3-flex-multisig's `InstantiateMsg` (DiaChain takes no proposal deposit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultisigInstantiateMsg {
    pub group_addr: String,
    pub threshold: Threshold,
    pub max_voting_period: Duration,
    /// `None`: anyone may execute a passed proposal.
    pub executor: Option<Executor>,
    /// Always `None` here (cw3's `UncheckedDepositInfo` otherwise).
    pub proposal_deposit: Option<serde_json::Value>,
}

/// cw3 `Vote`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vote {
    Yes,
    No,
    Abstain,
    Veto,
}

impl Vote {
    /// `yes`, `no`, `abstain` or `veto`.
    pub fn as_str(self) -> &'static str {
        match self {
            Vote::Yes => "yes",
            Vote::No => "no",
            Vote::Abstain => "abstain",
            Vote::Veto => "veto",
        }
    }
}

impl std::str::FromStr for Vote {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "yes" => Ok(Vote::Yes),
            "no" => Ok(Vote::No),
            "abstain" => Ok(Vote::Abstain),
            "veto" => Ok(Vote::Veto),
            other => Err(format!("a vote is yes, no, abstain or veto, not {other:?}")),
        }
    }
}

/// cw3-flex-multisig's `ExecuteMsg` (the variants members send).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultisigExecuteMsg {
    /// Member: open a proposal (the proposer's weight votes yes at once). `latest` earlier than
    /// the maximum voting period shortens it; later is capped to it.
    Propose {
        title: String,
        description: String,
        msgs: Vec<cosmwasm_std::CosmosMsg>,
        latest: Option<Expiration>,
    },
    /// Voting member (at the proposal's start height): vote once, before it expires.
    Vote { proposal_id: u64, vote: Vote },
    /// Member (`Executor::Member`): execute a passed proposal's messages.
    Execute { proposal_id: u64 },
    /// Anyone: mark an expired proposal that did not pass as rejected.
    Close { proposal_id: u64 },
}

/// cw3-flex-multisig's `QueryMsg` (the variants DiaChain asks).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultisigQueryMsg {
    Threshold {},
    Proposal {
        proposal_id: u64,
    },
    ListProposals {
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    ReverseProposals {
        start_before: Option<u64>,
        limit: Option<u32>,
    },
    Vote {
        proposal_id: u64,
        voter: String,
    },
    ListVotes {
        proposal_id: u64,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    ListVoters {
        start_after: Option<String>,
        limit: Option<u32>,
    },
    Config {},
}

/// cw3 `Status` of a proposal, as the multisig computes it at the queried block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Open,
    Rejected,
    Passed,
    Executed,
}

/// cw3 `ProposalResponse`. Its messages stay JSON: a proposal may carry any message, and one
/// this client cannot decode is still shown as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalResponse {
    pub id: u64,
    pub title: String,
    pub description: String,
    pub msgs: Vec<serde_json::Value>,
    pub status: Status,
    pub expires: Expiration,
    pub threshold: ThresholdResponse,
    pub proposer: String,
    #[serde(default)]
    pub deposit: Option<serde_json::Value>,
}

/// Answer to `ListProposals {}` and `ReverseProposals {}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalListResponse {
    pub proposals: Vec<ProposalResponse>,
}

/// One vote: who, what, and the weight it counted with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteInfo {
    pub proposal_id: u64,
    pub voter: String,
    pub vote: Vote,
    pub weight: u64,
}

/// Answer to `ListVotes {}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteListResponse {
    pub votes: Vec<VoteInfo>,
}

/// Answer to `Vote {}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteResponse {
    pub vote: Option<VoteInfo>,
}

/// One voter of `ListVoters {}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterDetail {
    pub addr: String,
    pub weight: u64,
}

/// Answer to `ListVoters {}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterListResponse {
    pub voters: Vec<VoterDetail>,
}

/// Answer to `Config {}`: the multisig's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MultisigConfig {
    pub threshold: Threshold,
    pub max_voting_period: Duration,
    /// The group (cw4's `Cw4Contract` is a newtype of its address).
    pub group_addr: String,
    pub executor: Option<Executor>,
    #[serde(default)]
    pub proposal_deposit: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `value` serialises to exactly `expected` (the upstream JSON) and reads back as itself.
    fn pinned<T>(value: &T, expected: &str)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        assert_eq!(serde_json::to_string(value).unwrap(), expected);
        let back: T = serde_json::from_str(expected).unwrap();
        assert_eq!(&back, value);
    }

    // The expected strings are what cw-plus 2.0.0's types write (#[cw_serde], field order as
    // declared upstream): cw4-group/src/msg.rs, cw4/src/{msg,query}.rs,
    // cw3-flex-multisig/src/{msg,state}.rs, cw3/src/{msg,query}.rs, cw-utils/src/{threshold,
    // expiration}.rs.

    #[test]
    fn group_messages_are_cw4_groups_json() {
        pinned(
            &GroupInstantiateMsg {
                admin: Some("wasm1d".into()),
                members: vec![Member {
                    addr: "wasm1a".into(),
                    weight: 2,
                }],
            },
            r#"{"admin":"wasm1d","members":[{"addr":"wasm1a","weight":2}]}"#,
        );
        pinned(
            &GroupInstantiateMsg {
                admin: None,
                members: vec![],
            },
            r#"{"admin":null,"members":[]}"#,
        );
        pinned(
            &GroupExecuteMsg::UpdateAdmin {
                admin: Some("wasm1m".into()),
            },
            r#"{"update_admin":{"admin":"wasm1m"}}"#,
        );
        pinned(
            &GroupExecuteMsg::UpdateMembers {
                remove: vec!["wasm1b".into()],
                add: vec![Member {
                    addr: "wasm1c".into(),
                    weight: 1,
                }],
            },
            r#"{"update_members":{"remove":["wasm1b"],"add":[{"addr":"wasm1c","weight":1}]}}"#,
        );
    }

    #[test]
    fn group_queries_and_answers_are_cw4_groups_json() {
        pinned(&GroupQueryMsg::Admin {}, r#"{"admin":{}}"#);
        pinned(
            &GroupQueryMsg::TotalWeight { at_height: None },
            r#"{"total_weight":{"at_height":null}}"#,
        );
        pinned(
            &GroupQueryMsg::ListMembers {
                start_after: Some("wasm1a".into()),
                limit: Some(30),
            },
            r#"{"list_members":{"start_after":"wasm1a","limit":30}}"#,
        );
        pinned(
            &GroupQueryMsg::Member {
                addr: "wasm1a".into(),
                at_height: Some(7),
            },
            r#"{"member":{"addr":"wasm1a","at_height":7}}"#,
        );
        pinned(&AdminResponse { admin: None }, r#"{"admin":null}"#);
        pinned(&TotalWeightResponse { weight: 3 }, r#"{"weight":3}"#);
        pinned(&MemberResponse { weight: None }, r#"{"weight":null}"#);
        pinned(
            &MemberListResponse {
                members: vec![Member {
                    addr: "wasm1a".into(),
                    weight: 1,
                }],
            },
            r#"{"members":[{"addr":"wasm1a","weight":1}]}"#,
        );
    }

    #[test]
    fn multisig_instantiate_is_flex_multisigs_json() {
        pinned(
            &MultisigInstantiateMsg {
                group_addr: "wasm1g".into(),
                threshold: Threshold::AbsoluteCount { weight: 2 },
                max_voting_period: Duration::Time(604_800),
                executor: Some(Executor::Member),
                proposal_deposit: None,
            },
            r#"{"group_addr":"wasm1g","threshold":{"absolute_count":{"weight":2}},"max_voting_period":{"time":604800},"executor":"member","proposal_deposit":null}"#,
        );
        pinned(&Executor::Only("wasm1x".into()), r#"{"only":"wasm1x"}"#);
        pinned(&Duration::Height(10), r#"{"height":10}"#);
    }

    #[test]
    fn multisig_execute_messages_are_flex_multisigs_json() {
        let propose = MultisigExecuteMsg::Propose {
            title: "t".into(),
            description: "d".into(),
            msgs: vec![],
            latest: Some(Expiration::AtTime(Timestamp::from_seconds(1_700_000_000))),
        };
        pinned(
            &propose,
            r#"{"propose":{"title":"t","description":"d","msgs":[],"latest":{"at_time":"1700000000000000000"}}}"#,
        );
        pinned(
            &MultisigExecuteMsg::Vote {
                proposal_id: 17,
                vote: Vote::No,
            },
            // cw3's own test (msg.rs, vote_encoding_embedded) pins this string.
            r#"{"vote":{"proposal_id":17,"vote":"no"}}"#,
        );
        pinned(
            &MultisigExecuteMsg::Execute { proposal_id: 3 },
            r#"{"execute":{"proposal_id":3}}"#,
        );
        pinned(
            &MultisigExecuteMsg::Close { proposal_id: 3 },
            r#"{"close":{"proposal_id":3}}"#,
        );
        for (v, s) in [
            (Vote::Yes, "yes"),
            (Vote::No, "no"),
            (Vote::Abstain, "abstain"),
            (Vote::Veto, "veto"),
        ] {
            assert_eq!(s.parse::<Vote>().unwrap(), v);
            assert_eq!(v.as_str(), s);
        }
        assert_eq!(
            "Yes".parse::<Vote>().unwrap_err(),
            "a vote is yes, no, abstain or veto, not \"Yes\""
        );
    }

    #[test]
    fn multisig_queries_are_flex_multisigs_json() {
        let cases = [
            (MultisigQueryMsg::Threshold {}, r#"{"threshold":{}}"#),
            (
                MultisigQueryMsg::Proposal { proposal_id: 1 },
                r#"{"proposal":{"proposal_id":1}}"#,
            ),
            (
                MultisigQueryMsg::ListProposals {
                    start_after: None,
                    limit: Some(30),
                },
                r#"{"list_proposals":{"start_after":null,"limit":30}}"#,
            ),
            (
                MultisigQueryMsg::ReverseProposals {
                    start_before: Some(9),
                    limit: None,
                },
                r#"{"reverse_proposals":{"start_before":9,"limit":null}}"#,
            ),
            (
                MultisigQueryMsg::Vote {
                    proposal_id: 1,
                    voter: "wasm1a".into(),
                },
                r#"{"vote":{"proposal_id":1,"voter":"wasm1a"}}"#,
            ),
            (
                MultisigQueryMsg::ListVotes {
                    proposal_id: 1,
                    start_after: None,
                    limit: None,
                },
                r#"{"list_votes":{"proposal_id":1,"start_after":null,"limit":null}}"#,
            ),
            (
                MultisigQueryMsg::ListVoters {
                    start_after: None,
                    limit: None,
                },
                r#"{"list_voters":{"start_after":null,"limit":null}}"#,
            ),
            (MultisigQueryMsg::Config {}, r#"{"config":{}}"#),
        ];
        for (q, s) in cases {
            pinned(&q, s);
        }
    }

    /// A proposal as the multisig answers it (cw3's `ProposalResponse`), read back.
    #[test]
    fn proposal_answers_are_read_from_cw3s_json() {
        let text = r#"{"id":4,"title":"admit","description":"","msgs":[{"wasm":{"execute":{"contract_addr":"wasm1r","msg":"e30=","funds":[]}}}],"status":"open","expires":{"at_time":"1700000060000000000"},"threshold":{"absolute_count":{"weight":2,"total_weight":3}},"proposer":"wasm1a","deposit":null}"#;
        let p: ProposalResponse = serde_json::from_str(text).unwrap();
        assert_eq!(p.status, Status::Open);
        assert_eq!(p.threshold.absolute_weight(), Some(2));
        assert_eq!(p.threshold.total_weight(), 3);
        assert_eq!(
            p.expires,
            Expiration::AtTime(Timestamp::from_seconds(1_700_000_060))
        );
        assert_eq!(p.msgs[0]["wasm"]["execute"]["contract_addr"], "wasm1r");
        for (s, st) in [
            ("pending", Status::Pending),
            ("rejected", Status::Rejected),
            ("passed", Status::Passed),
            ("executed", Status::Executed),
        ] {
            assert_eq!(serde_json::from_value::<Status>(json!(s)).unwrap(), st);
        }
        let pct: ThresholdResponse = serde_json::from_value(
            json!({"absolute_percentage": {"percentage": "0.5", "total_weight": 4}}),
        )
        .unwrap();
        assert_eq!((pct.absolute_weight(), pct.total_weight()), (None, 4));
        pinned(
            &VoteListResponse {
                votes: vec![VoteInfo {
                    proposal_id: 4,
                    voter: "wasm1a".into(),
                    vote: Vote::Yes,
                    weight: 1,
                }],
            },
            r#"{"votes":[{"proposal_id":4,"voter":"wasm1a","vote":"yes","weight":1}]}"#,
        );
        pinned(&VoteResponse { vote: None }, r#"{"vote":null}"#);
        pinned(
            &VoterListResponse {
                voters: vec![VoterDetail {
                    addr: "wasm1a".into(),
                    weight: 1,
                }],
            },
            r#"{"voters":[{"addr":"wasm1a","weight":1}]}"#,
        );
        let cfg: MultisigConfig = serde_json::from_str(
            r#"{"threshold":{"absolute_count":{"weight":2}},"max_voting_period":{"time":60},"group_addr":"wasm1g","executor":"member","proposal_deposit":null}"#,
        )
        .unwrap();
        assert_eq!(cfg.max_voting_period, Duration::Time(60));
        assert_eq!(cfg.executor, Some(Executor::Member));
    }

    #[test]
    fn expirations_expire_as_cw_utils_says() {
        let t = Timestamp::from_seconds(100);
        assert!(Expiration::AtTime(t).is_expired(1, t));
        assert!(!Expiration::AtTime(t).is_expired(1, Timestamp::from_seconds(99)));
        assert!(Expiration::AtHeight(5).is_expired(5, t));
        assert!(!Expiration::AtHeight(5).is_expired(4, t));
        assert!(!Expiration::Never {}.is_expired(u64::MAX, t));
        pinned(&Expiration::AtHeight(5), r#"{"at_height":5}"#);
        pinned(&Expiration::Never {}, r#"{"never":{}}"#);
    }
}
