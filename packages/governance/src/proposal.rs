//! A proposal's state as a member needs it: status (open, passed, rejected, executed, or
//! expired: its voting ended without enough yes weight), the votes with their weights, the
//! threshold and expiry, and each message as a sentence.

use serde::Serialize;
use serde_json::Value;

use crate::cw::{Expiration, ProposalResponse, Status, ThresholdResponse, Vote, VoteInfo};
use crate::describe::{describe, Context};

/// A proposal's status, as a member reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not open for votes yet (cw3 allows it; the flex multisig opens every proposal at once).
    Pending,
    /// Open for votes.
    Open,
    /// Enough yes weight: any member may execute it (also after its expiry).
    Passed,
    /// So much no weight that it can no longer pass.
    Rejected,
    /// Its messages were executed.
    Executed,
    /// Its voting period ended without enough yes weight: it can never execute.
    Expired,
}

impl State {
    /// `open`, `passed`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Open => "open",
            State::Passed => "passed",
            State::Rejected => "rejected",
            State::Executed => "executed",
            State::Expired => "expired",
        }
    }

    /// Whether members can still act on it (vote, or execute).
    pub fn is_live(self) -> bool {
        matches!(self, State::Pending | State::Open | State::Passed)
    }
}

/// Yes, no, abstain and veto weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub yes: u64,
    pub no: u64,
    pub abstain: u64,
    pub veto: u64,
}

impl Tally {
    /// The weights of `votes` added up per option.
    pub fn of(votes: &[VoteInfo]) -> Tally {
        let mut t = Tally::default();
        for v in votes {
            let slot = match v.vote {
                Vote::Yes => &mut t.yes,
                Vote::No => &mut t.no,
                Vote::Abstain => &mut t.abstain,
                Vote::Veto => &mut t.veto,
            };
            *slot = slot.saturating_add(v.weight);
        }
        t
    }
}

/// The status a member sees, from the multisig's status at the latest block (which already
/// turns an open proposal past its expiry into `rejected`): a rejected proposal that did not get
/// enough no weight to be rejected by vote was rejected by time, so it is `expired`.
pub fn state(status: Status, expired: bool, tally: &Tally, threshold: &ThresholdResponse) -> State {
    match status {
        Status::Pending => State::Pending,
        Status::Open if expired => State::Expired,
        Status::Open => State::Open,
        Status::Passed => State::Passed,
        Status::Executed => State::Executed,
        Status::Rejected => {
            let rejected_by_votes = match threshold {
                // cw3's rule for an absolute count: more no weight than could be spared.
                ThresholdResponse::AbsoluteCount {
                    weight,
                    total_weight,
                } => tally.no > total_weight.saturating_sub(*weight),
                _ => !expired,
            };
            if expired && !rejected_by_votes {
                State::Expired
            } else {
                State::Rejected
            }
        }
    }
}

/// When voting ends, for people and for scripts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expiry {
    /// `2026-12-07T10:00:00Z`, `height 1200` or `never`.
    pub text: String,
    /// Unix seconds, for a time expiry.
    pub unix: Option<u64>,
    /// Block height, for a height expiry.
    pub height: Option<u64>,
}

impl Expiry {
    pub fn of(e: &Expiration) -> Expiry {
        match e {
            Expiration::AtTime(t) => Expiry {
                text: diachain_chain_client::time::rfc3339(t.seconds()),
                unix: Some(t.seconds()),
                height: None,
            },
            Expiration::AtHeight(h) => Expiry {
                text: format!("height {h}"),
                unix: None,
                height: Some(*h),
            },
            Expiration::Never {} => Expiry {
                text: "never".into(),
                unix: None,
                height: None,
            },
        }
    }
}

/// One message of a proposal: the sentence and the JSON the multisig will dispatch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageView {
    pub sentence: String,
    pub msg: Value,
}

/// Everything about a proposal (what `diachain-gov show --json` prints).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProposalView {
    pub id: u64,
    pub title: String,
    pub description: String,
    pub proposer: String,
    pub status: State,
    /// Yes weight needed (`None` for a percentage threshold).
    pub threshold: Option<u64>,
    /// The group's total weight when the proposal opened.
    pub total_weight: u64,
    pub expires: Expiry,
    /// Whether voting has ended by time.
    pub expired: bool,
    pub tally: Tally,
    pub votes: Vec<VoteInfo>,
    pub messages: Vec<MessageView>,
}

impl ProposalView {
    /// The view of `p` with its `votes`, judged at a block of `height` and `time`.
    pub fn new(
        p: ProposalResponse,
        votes: Vec<VoteInfo>,
        (height, time): (u64, cosmwasm_std::Timestamp),
        cx: &Context<'_>,
    ) -> ProposalView {
        let tally = Tally::of(&votes);
        let expired = p.expires.is_expired(height, time);
        ProposalView {
            id: p.id,
            status: state(p.status, expired, &tally, &p.threshold),
            threshold: p.threshold.absolute_weight(),
            total_weight: p.threshold.total_weight(),
            expires: Expiry::of(&p.expires),
            expired,
            messages: p
                .msgs
                .iter()
                .map(|m| MessageView {
                    sentence: describe(m, cx),
                    msg: m.clone(),
                })
                .collect(),
            title: p.title,
            description: p.description,
            proposer: p.proposer,
            tally,
            votes,
        }
    }

    /// One line: `#3 open: admit Acme (yes 1 of 2 needed, expires …)`.
    pub fn line(&self) -> String {
        format!(
            "#{} {}: {} (yes {} of {} needed, total weight {}; expires {})",
            self.id,
            self.status.as_str(),
            self.title,
            self.tally.yes,
            self.threshold
                .map_or_else(|| "a percentage".to_string(), |t| t.to_string()),
            self.total_weight,
            self.expires.text
        )
    }

    /// The full human report.
    pub fn report(&self) -> String {
        let mut out = vec![self.line(), format!("  proposer: {}", self.proposer)];
        if !self.description.is_empty() {
            out.push(format!("  description: {}", self.description));
        }
        out.push(format!(
            "  tally: yes {}, no {}, abstain {}, veto {}",
            self.tally.yes, self.tally.no, self.tally.abstain, self.tally.veto
        ));
        out.push("  executes:".into());
        for (i, m) in self.messages.iter().enumerate() {
            out.push(format!("    {}. {}", i + 1, m.sentence));
        }
        out.push("  votes:".into());
        for v in &self.votes {
            out.push(format!(
                "    {} {} (weight {})",
                v.voter,
                v.vote.as_str(),
                v.weight
            ));
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::Timestamp;
    use serde_json::json;

    fn abs(weight: u64, total_weight: u64) -> ThresholdResponse {
        ThresholdResponse::AbsoluteCount {
            weight,
            total_weight,
        }
    }

    fn t(yes: u64, no: u64) -> Tally {
        Tally {
            yes,
            no,
            ..Tally::default()
        }
    }

    #[test]
    fn a_rejected_proposal_is_expired_unless_the_no_votes_rejected_it() {
        // 2 of 3: one no vote can be spared, two cannot.
        assert_eq!(
            state(Status::Rejected, true, &t(1, 1), &abs(2, 3)),
            State::Expired
        );
        assert_eq!(
            state(Status::Rejected, true, &t(0, 2), &abs(2, 3)),
            State::Rejected
        );
        assert_eq!(
            state(Status::Rejected, false, &t(0, 2), &abs(2, 3)),
            State::Rejected
        );
        assert_eq!(
            state(Status::Open, false, &t(1, 0), &abs(2, 3)),
            State::Open
        );
        assert_eq!(
            state(Status::Open, true, &t(1, 0), &abs(2, 3)),
            State::Expired
        );
        // A passed proposal stays executable after its expiry (cw3 allows it).
        assert_eq!(
            state(Status::Passed, true, &t(2, 0), &abs(2, 3)),
            State::Passed
        );
        assert_eq!(
            state(Status::Executed, true, &t(2, 0), &abs(2, 3)),
            State::Executed
        );
        assert_eq!(
            state(Status::Pending, false, &t(0, 0), &abs(2, 3)),
            State::Pending
        );
        let pct = ThresholdResponse::AbsolutePercentage {
            percentage: "0.5".into(),
            total_weight: 4,
        };
        assert_eq!(
            state(Status::Rejected, true, &t(0, 0), &pct),
            State::Expired
        );
        assert_eq!(
            state(Status::Rejected, false, &t(0, 3), &pct),
            State::Rejected
        );
        assert!(State::Passed.is_live() && !State::Expired.is_live());
    }

    fn vote(voter: &str, v: Vote, weight: u64) -> VoteInfo {
        VoteInfo {
            proposal_id: 3,
            voter: voter.into(),
            vote: v,
            weight,
        }
    }

    #[test]
    fn votes_add_up_by_weight_per_option() {
        let votes = [
            vote("a", Vote::Yes, 2),
            vote("b", Vote::No, 1),
            vote("c", Vote::Veto, 1),
            vote("d", Vote::Abstain, 3),
            vote("e", Vote::Yes, 1),
        ];
        assert_eq!(
            Tally::of(&votes),
            Tally {
                yes: 3,
                no: 1,
                abstain: 3,
                veto: 1
            }
        );
    }

    #[test]
    fn a_view_judges_expiry_at_the_given_block_and_describes_each_message() {
        let suite = crate::deployment::tests::suite();
        let cx = Context {
            suite: Some(&suite),
            ..Context::default()
        };
        let p: ProposalResponse = serde_json::from_value(json!({
            "id": 3, "title": "accept", "description": "",
            "msgs": [{"wasm": {"execute": {"contract_addr": "wasm1consent", "msg": "eyJhY2NlcHRfYWRtaW4iOnt9fQ==", "funds": []}}}],
            "status": "rejected",
            "expires": {"at_time": "1796113845000000000"},
            "threshold": {"absolute_count": {"weight": 2, "total_weight": 3}},
            "proposer": "wasm1a", "deposit": null
        }))
        .unwrap();
        let after = Timestamp::from_seconds(1_796_113_845);
        let v = ProposalView::new(
            p.clone(),
            vec![vote("wasm1a", Vote::Yes, 1)],
            (10, after),
            &cx,
        );
        assert_eq!(v.status, State::Expired);
        assert!(v.expired);
        assert_eq!(v.expires.text, "2026-12-01T08:30:45Z");
        assert_eq!(v.expires.unix, Some(1_796_113_845));
        assert_eq!(
            v.messages[0].sentence,
            "consent: accept the admin role offered to the multisig"
        );
        assert_eq!(
            v.line(),
            "#3 expired: accept (yes 1 of 2 needed, total weight 3; expires 2026-12-01T08:30:45Z)"
        );
        let report = v.report();
        assert!(report.contains("    1. consent: accept the admin role offered to the multisig"));
        assert!(report.contains("    wasm1a yes (weight 1)"));
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["status"], "expired");
        assert_eq!(json["threshold"], 2);
        assert_eq!(json["tally"]["yes"], 1);
        assert_eq!(
            json["messages"][0]["msg"]["wasm"]["execute"]["contract_addr"],
            "wasm1consent"
        );
        // One second earlier it was still open (and the multisig said so).
        let mut open = p;
        open.status = Status::Open;
        let before = Timestamp::from_seconds(1_796_113_844);
        let v = ProposalView::new(open, vec![], (10, before), &cx);
        assert_eq!((v.status, v.expired), (State::Open, false));
        assert_eq!(Expiry::of(&Expiration::AtHeight(9)).text, "height 9");
        assert_eq!(Expiry::of(&Expiration::Never {}).text, "never");
    }
}
