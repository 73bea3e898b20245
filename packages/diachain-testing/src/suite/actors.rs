//! Everyone in the story.

use cosmwasm_std::testing::MockApi;
use cosmwasm_std::Addr;

/// Everyone in the story, as cw-multi-test addresses (`MockApi::addr_make`).
#[derive(Clone, Debug)]
pub struct Actors {
    /// Runs the chain: admin of every contract; admits manufacturers, relayers, custodians and
    /// emergency providers.
    pub consortium: Addr,
    /// Registers device keys at manufacturing time.
    pub manufacturer: Addr,
    /// Anchors batches (an admitted relayer in the registry) and serves data, logging every
    /// access (an admitted custodian in consent).
    pub relayer: Addr,
    /// Owns the devices and the data.
    pub patient: Addr,
    /// A parent acting for the patient (named in the registry).
    pub guardian: Addr,
    /// The patient's diabetologist.
    pub clinician: Addr,
    /// The urgent-care service (an admitted emergency provider).
    pub emergency: Addr,
    /// Funds a research study.
    pub sponsor: Addr,
    /// Receives the union's fee.
    pub treasury: Addr,
    /// A second patient of the same clinic and study.
    pub other_patient: Addr,
    /// An address with no role at all.
    pub stranger: Addr,
}

impl Actors {
    pub(super) fn new(api: &MockApi) -> Self {
        Actors {
            consortium: api.addr_make("consortium"),
            manufacturer: api.addr_make("manufacturer"),
            relayer: api.addr_make("relayer"),
            patient: api.addr_make("patient"),
            guardian: api.addr_make("guardian"),
            clinician: api.addr_make("clinician"),
            emergency: api.addr_make("emergency"),
            sponsor: api.addr_make("sponsor"),
            treasury: api.addr_make("treasury"),
            other_patient: api.addr_make("other-patient"),
            stranger: api.addr_make("stranger"),
        }
    }

    /// The relayer is also the data custodian that serves the data and logs each access.
    pub fn custodian(&self) -> &Addr {
        &self.relayer
    }

    /// Every actor who can send a message, by name (the authorization matrix tries each).
    pub fn all(&self) -> Vec<(&'static str, Addr)> {
        vec![
            ("consortium", self.consortium.clone()),
            ("manufacturer", self.manufacturer.clone()),
            ("relayer/custodian", self.relayer.clone()),
            ("patient", self.patient.clone()),
            ("guardian", self.guardian.clone()),
            ("clinician", self.clinician.clone()),
            ("emergency provider", self.emergency.clone()),
            ("sponsor", self.sponsor.clone()),
            ("treasury", self.treasury.clone()),
            ("other patient", self.other_patient.clone()),
            ("stranger", self.stranger.clone()),
        ]
    }
}
