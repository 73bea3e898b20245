//! A study view for export tests: studies, members and research consents set by the test.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use cosmwasm_std::{Addr, Timestamp, Uint128};
use diachain_relayer_core::export::StudyView;
use diachain_relayer_core::BoxFuture;
use diachain_std::consent::{Expiry, ResearchConsent};
use diachain_std::pagination::Page;
use diachain_std::union::{Eligibility, Member, Pool, PoolToken, Study};
use diachain_std::DataScope;

type ChainResult<T> = Result<T, diachain_chain_client::Error>;

#[derive(Default)]
pub struct FakeStudies {
    pub studies: Mutex<BTreeMap<u64, Study>>,
    /// (study, patient) → member.
    pub members: Mutex<BTreeMap<(u64, String), Member>>,
    /// (study, patient) → live research consent.
    pub consents: Mutex<BTreeMap<(u64, String), ResearchConsent>>,
    pub unreachable: AtomicBool,
}

/// A study of `scopes` over UTC days `from_day..=to_day`, sponsored by `sponsor`.
pub fn study(id: u64, sponsor: &str, scopes: &[DataScope], from_day: u64, to_day: u64) -> Study {
    Study {
        id,
        sponsor: Addr::unchecked(sponsor),
        title: format!("study {id}"),
        description_url: "https://example.org/protocol".into(),
        scopes: scopes.to_vec(),
        data_from_day: from_day,
        data_to_day: to_day,
        closes_at: Timestamp::from_seconds((to_day + 2) * 86_400),
        refund_after: Timestamp::from_seconds((to_day + 40) * 86_400),
        eligibility: Eligibility {
            min_readings_per_day: 0,
            min_days: 0,
            device_kinds: vec![],
            max_readings_per_day: None,
        },
        cap_per_patient: Uint128::new(1_000),
        fee_bps: 0,
        pool: Pool {
            token: PoolToken::Native {
                denom: "udia".into(),
            },
            funded: Uint128::new(10_000),
            fees: Uint128::zero(),
            paid: Uint128::zero(),
            refunded: None,
        },
        members: 0,
        active_members: 0,
        total_units: 0,
        created_at: Timestamp::from_seconds(from_day * 86_400),
        earned: None,
    }
}

impl FakeStudies {
    pub fn add_study(&self, s: Study) {
        self.studies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(s.id, s);
    }

    /// `patient` joins `study_id` (grant `grant_id`), having left at `left_at` if given, with
    /// a live consent of `scopes` over `from..=to` (Unix seconds) unless `consent` is false.
    #[allow(clippy::too_many_arguments)]
    pub fn join(
        &self,
        study_id: u64,
        patient: &str,
        grant_id: u64,
        scopes: &[DataScope],
        from: u64,
        to: u64,
        left_at: Option<u64>,
        consent: bool,
    ) {
        let sponsor = {
            let mut studies = self.studies.lock().unwrap_or_else(|e| e.into_inner());
            let s = studies.get_mut(&study_id).expect("add the study first");
            s.members += 1;
            if left_at.is_none() {
                s.active_members += 1;
            }
            s.sponsor.clone()
        };
        let member = Member {
            patient: Addr::unchecked(patient),
            study_id,
            grant_id,
            active: left_at.is_none(),
            joined_at: Timestamp::from_seconds(from),
            left_at: left_at.map(Timestamp::from_seconds),
            from_day: from / 86_400,
            to_day: to / 86_400,
            counts_from: None,
            counts_to: None,
            consent_expires: None,
            counting_days: 0,
            counted_units: 0,
            units: 0,
            claimed: None,
            scopes_seen: None,
        };
        self.members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((study_id, patient.to_string()), member);
        if consent {
            let c = ResearchConsent {
                grant_id,
                grantee: sponsor,
                scopes: scopes.to_vec(),
                data_from: Timestamp::from_seconds(from),
                data_to: Timestamp::from_seconds(to),
                expires: Expiry::AtTime(Timestamp::from_seconds(u64::MAX / 1_000_000_000 - 1)),
            };
            self.consents
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert((study_id, patient.to_string()), c);
        }
    }

    fn reachable(&self) -> ChainResult<()> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(diachain_chain_client::Error::Transport {
                reason: "connection refused".into(),
                tx_hash: None,
            });
        }
        Ok(())
    }
}

impl StudyView for FakeStudies {
    fn study(&self, study_id: u64) -> BoxFuture<'_, ChainResult<Option<Study>>> {
        Box::pin(async move {
            self.reachable()?;
            Ok(self
                .studies
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&study_id)
                .cloned())
        })
    }

    fn members(
        &self,
        study_id: u64,
        start_after: Option<String>,
    ) -> BoxFuture<'_, ChainResult<Page<Member>>> {
        Box::pin(async move {
            self.reachable()?;
            // Two per page, so that paging is exercised.
            let all: Vec<Member> = self
                .members
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .filter(|((s, p), _)| *s == study_id && start_after.as_ref().is_none_or(|a| p > a))
                .map(|(_, m)| m.clone())
                .collect();
            Ok(Page {
                has_more: all.len() > 2,
                items: all.into_iter().take(2).collect(),
            })
        })
    }

    fn research_consent<'a>(
        &'a self,
        patient: &'a str,
        study_id: u64,
    ) -> BoxFuture<'a, ChainResult<Option<ResearchConsent>>> {
        Box::pin(async move {
            self.reachable()?;
            Ok(self
                .consents
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&(study_id, patient.to_string()))
                .cloned())
        })
    }
}
