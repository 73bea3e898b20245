//! A consent view for API tests: grants and guardians set by the test, decided the way the
//! consent contract's `CheckAccess` does for one grant (revoked, expired, scope, period).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use diachain_std::consent::Denial;
use diachain_std::DataScope;

use diachain_relayer_core::consent::{AccessRequest, ConsentView, Decision, Refusal, Revoker};
use diachain_relayer_core::BoxFuture;

#[derive(Clone, Debug)]
pub struct FakeGrant {
    pub id: u64,
    pub patient: String,
    pub grantee: String,
    pub scopes: Vec<DataScope>,
    pub data_from: u64,
    pub data_to: u64,
    pub break_glass: bool,
    pub revoked: bool,
    pub expired: bool,
    /// Who revoked it (an address), as the grant on chain records it; `None` with `revoked`:
    /// not recorded.
    pub revoked_by: Option<String>,
}

#[derive(Default)]
pub struct FakeConsent {
    pub grants: Mutex<Vec<FakeGrant>>,
    pub guardians: Mutex<HashSet<(String, String)>>,
    pub unreachable: AtomicBool,
    /// The relayer is not (or no longer) an admitted custodian.
    pub not_custodian: AtomicBool,
    /// The latest block's time (Unix nanoseconds).
    pub block_time: std::sync::atomic::AtomicU64,
}

impl FakeConsent {
    pub fn grant(&self, g: FakeGrant) {
        self.grants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(g);
    }

    pub fn update(&self, id: u64, f: impl Fn(&mut FakeGrant)) {
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        grants.iter_mut().filter(|g| g.id == id).for_each(f);
    }

    pub fn add_guardian(&self, patient: &str, guardian: &str) {
        self.guardians
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((patient.to_string(), guardian.to_string()));
    }

    fn decide(&self, r: &AccessRequest) -> Decision {
        let grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        let Some(g) = grants
            .iter()
            .find(|g| g.patient == r.patient && g.grantee == r.grantee)
        else {
            return Decision::Denied(Refusal::of(Some(Denial::NoGrant)));
        };
        let grant_id = g.id;
        if g.revoked {
            // As the chain consent view does: the grant says who ended it.
            let by = g
                .revoked_by
                .as_deref()
                .map(|by| Revoker::of(by, &g.patient, &g.grantee));
            return Decision::Denied(Refusal::revoked(grant_id, g.break_glass, by));
        }
        let denial = if g.expired {
            Some(Denial::Expired { grant_id })
        } else if !g.scopes.contains(&r.scope) {
            Some(Denial::ScopeNotGranted { grant_id })
        } else if r.data_from < g.data_from || r.data_to > g.data_to {
            Some(Denial::PeriodNotCovered { grant_id })
        } else {
            None
        };
        match denial {
            Some(d) => Decision::Denied(Refusal::of(Some(d))),
            None => Decision::Allowed {
                grant_id,
                break_glass: g.break_glass,
                at_ns: self.block_time.load(Ordering::SeqCst),
            },
        }
    }

    fn reachable(&self) -> Result<(), diachain_chain_client::Error> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(diachain_chain_client::Error::Transport {
                reason: "connection refused".into(),
                tx_hash: None,
            });
        }
        Ok(())
    }
}

impl ConsentView for FakeConsent {
    fn check_access<'a>(
        &'a self,
        request: &'a AccessRequest,
    ) -> BoxFuture<'a, Result<Decision, diachain_chain_client::Error>> {
        Box::pin(async move {
            self.reachable()?;
            Ok(self.decide(request))
        })
    }

    fn block_time(&self) -> BoxFuture<'_, Result<u64, diachain_chain_client::Error>> {
        Box::pin(async move {
            self.reachable()?;
            Ok(self.block_time.load(Ordering::SeqCst))
        })
    }

    fn is_custodian(&self) -> BoxFuture<'_, Result<bool, diachain_chain_client::Error>> {
        Box::pin(async move {
            self.reachable()?;
            Ok(!self.not_custodian.load(Ordering::SeqCst))
        })
    }

    fn data_period(
        &self,
        grant_id: u64,
    ) -> BoxFuture<'_, Result<Option<(u64, u64)>, diachain_chain_client::Error>> {
        Box::pin(async move {
            self.reachable()?;
            let grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
            Ok(grants
                .iter()
                .find(|g| g.id == grant_id)
                .map(|g| (g.data_from, g.data_to)))
        })
    }

    fn is_guardian<'a>(
        &'a self,
        patient: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<bool, diachain_chain_client::Error>> {
        Box::pin(async move {
            self.reachable()?;
            let guardians = self.guardians.lock().unwrap_or_else(|e| e.into_inner());
            Ok(guardians.contains(&(patient.to_string(), address.to_string())))
        })
    }
}
