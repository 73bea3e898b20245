//! The export's plan, asked of the chain: every member of the study, their live research
//! consent, their window (`plan.rs`), and the consent contract's `CheckAccess` for each scope
//! of it at the export's block — the grant and block time each access will be recorded under.

use std::collections::BTreeMap;

use diachain_relayer_types::ErrorCode;
use diachain_std::union::Study;
use diachain_std::DataScope;

use super::identity::PseudonymSecret;
use super::job::Participant;
use super::plan::{member_window, Exclusion};
use super::service::{chain_down, refuse, Refusal};
use super::study::StudyView;
use crate::consent::{AccessRequest, ConsentView, Decision};

/// One scope the consent contract allowed: the grant and the block time to record it under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowed {
    pub scope: DataScope,
    pub grant_id: u64,
    pub at_ns: u64,
}

/// A member in the export, with what allowed each of their scopes.
#[derive(Clone, Debug)]
pub struct Planned {
    pub participant: Participant,
    pub allowed: Vec<Allowed>,
}

/// What the plan needs besides the chain.
pub struct PlanInput<'a> {
    pub study: &'a Study,
    pub sponsor: &'a str,
    pub secret: &'a PseudonymSecret,
    pub shift_times: bool,
    /// The export's block time (Unix nanoseconds).
    pub now_ns: u64,
    pub max_members: usize,
}

/// The participants in pseudonym order, and the members left out by reason.
pub async fn plan_members(
    studies: &dyn StudyView,
    consent: &dyn ConsentView,
    input: PlanInput<'_>,
) -> Result<(Vec<Planned>, BTreeMap<String, u64>), Refusal> {
    let study = input.study;
    let now = input.now_ns / 1_000_000_000;
    let identity = input.secret.study(study.id);
    let mut out = Vec::new();
    let mut excluded: BTreeMap<String, u64> = BTreeMap::new();
    let mut start_after = None;
    let mut seen = 0usize;
    loop {
        let page = studies
            .members(study.id, start_after.clone())
            .await
            .map_err(|e| chain_down(&e))?;
        for m in &page.items {
            seen += 1;
            if seen > input.max_members {
                return Err(refuse(
                    ErrorCode::TooManyMembers,
                    format!(
                        "Study {} has more than {} members; one export takes at most that many.",
                        study.id, input.max_members
                    ),
                ));
            }
            let patient = m.patient.to_string();
            let consent_now = studies
                .research_consent(&patient, study.id)
                .await
                .map_err(|e| chain_down(&e))?;
            let mut window = match member_window(study, m, consent_now.as_ref(), now) {
                Ok(w) => w,
                Err(why) => {
                    *excluded.entry(exclusion_name(why)).or_default() += 1;
                    continue;
                }
            };
            // The consent contract has the last word, scope by scope.
            let mut allowed = Vec::new();
            for &scope in &window.scopes {
                let req = AccessRequest {
                    patient: patient.clone(),
                    grantee: input.sponsor.to_string(),
                    scope,
                    data_from: window.from,
                    data_to: window.to,
                };
                if let Decision::Allowed {
                    grant_id, at_ns, ..
                } = consent
                    .check_access(&req)
                    .await
                    .map_err(|e| chain_down(&e))?
                {
                    allowed.push(Allowed {
                        scope,
                        grant_id,
                        at_ns,
                    });
                }
            }
            if allowed.is_empty() {
                *excluded
                    .entry(exclusion_name(Exclusion::AccessRefused))
                    .or_default() += 1;
                continue;
            }
            window.scopes = allowed.iter().map(|a| a.scope).collect();
            let shift_days = if input.shift_times {
                identity.shift_days(&patient)
            } else {
                0
            };
            out.push(Planned {
                participant: Participant {
                    pseudonym: identity.pseudonym(&patient),
                    patient,
                    shift_secs: shift_days * 86_400,
                    window,
                },
                allowed,
            });
        }
        start_after = page.items.last().map(|m| m.patient.to_string());
        if !page.has_more || start_after.is_none() {
            break;
        }
    }
    out.sort_by(|a, b| a.participant.pseudonym.cmp(&b.participant.pseudonym));
    Ok((out, excluded))
}

/// An exclusion's name in the export's status.
pub fn exclusion_name(e: Exclusion) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{e:?}"))
}
