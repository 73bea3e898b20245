//! The device-registry's messages: defined here so that every contract and client that talks
//! to the registry uses the same types.

use crate::wire;
use cosmwasm_schema::QueryResponses;
use cosmwasm_std::{Addr, Binary, Timestamp};

use crate::device::{
    Device, DeviceKind, KeyCustody, PublicKey, RevocationReason, Role, SuspensionReason,
};

/// Most devices one `RegisterDevices` may carry.
pub const MAX_DEVICES_PER_REGISTRATION: usize = 200;
/// Most ids one `Devices` query may ask for.
pub const MAX_DEVICES_PER_QUERY: usize = 500;
/// Most ids one `AnchoringInfo` query may ask for: every device of the largest submission.
pub const MAX_ANCHORING_IDS: usize = crate::anchors::MAX_BATCHES_PER_SUBMIT;
/// How long a transfer offer stays open when `TransferDevice` names no expiry: 7 days.
pub const DEFAULT_TRANSFER_EXPIRY_SECONDS: u64 = 7 * 24 * 3_600;
/// The longest a transfer offer may stay open: 30 days.
pub const MAX_TRANSFER_EXPIRY_SECONDS: u64 = 30 * 24 * 3_600;

#[wire]
pub struct InstantiateMsg {
    /// The consortium's address; the sender when omitted.
    pub admin: Option<String>,
}

/// A device to register.
#[wire]
pub struct NewDevice {
    /// Opaque random id (8–64 chars of `[A-Za-z0-9_-]`), never a serial number.
    pub id: String,
    pub kind: DeviceKind,
    pub model: String,
    pub public_key: PublicKey,
    /// Who holds the key (default `device`). `relayer`: the sender is an admitted relayer that
    /// holds the key of a `gateway` for a patient and attests, with it, readings uploaded
    /// unsigned; the device's `manufacturer` is then the relayer.
    #[serde(default)]
    pub key_custody: KeyCustody,
}

#[wire]
pub enum ExecuteMsg {
    /// Admin: propose a new admin; it takes effect when they accept.
    TransferAdmin { new_admin: String },
    /// Proposed admin: accept the transfer.
    AcceptAdmin {},
    /// Admin: withdraw a pending transfer.
    CancelAdminTransfer {},

    /// Admin: admit a manufacturer or relayer.
    AdmitParticipant {
        role: Role,
        address: String,
        label: String,
    },
    /// Admin: suspend an admitted participant (it keeps its records but may not act).
    SuspendParticipant {
        role: Role,
        address: String,
        reason: String,
    },
    /// Admin: lift a suspension.
    ReinstateParticipant { role: Role, address: String },
    /// Admin: remove a participant. A removed manufacturer's devices stay registered.
    RemoveParticipant { role: Role, address: String },

    /// Admitted manufacturer: register devices in bulk (all or none), each holding its own key.
    /// Admitted relayer: register gateways whose key it holds (`key_custody: relayer`). Either
    /// becomes the devices' `manufacturer`.
    RegisterDevices { devices: Vec<NewDevice> },

    /// Patient (or their guardian, naming the patient): bind an unowned active device, proving
    /// possession with the device's signature over `bind_sign_bytes(.., patient, nonce)`.
    BindDevice {
        device_id: String,
        patient: Option<String>,
        signature: Binary,
    },
    /// Owner or guardian: release the device.
    UnbindDevice { device_id: String },
    /// Owner or guardian: offer the device to another patient, with the device's signature over
    /// `bind_sign_bytes(.., new_owner, nonce)`. Nothing changes hands until the recipient (or
    /// their guardian) sends `AcceptTransfer`; the device stays with its owner meanwhile. The
    /// offer lapses after `expires_in_seconds` (default `DEFAULT_TRANSFER_EXPIRY_SECONDS`, at
    /// most `MAX_TRANSFER_EXPIRY_SECONDS`). A device has at most one open offer: a new one is
    /// refused while another is open (cancel it first); an expired one is replaced.
    TransferDevice {
        device_id: String,
        new_owner: String,
        signature: Binary,
        expires_in_seconds: Option<u64>,
    },
    /// Recipient of an open transfer offer (or their guardian): take the device. Refused if the
    /// offer has expired, or the device changed owner, key or status since it was made.
    AcceptTransfer { device_id: String },
    /// Owner (or guardian): withdraw an open transfer offer; recipient (or guardian): decline
    /// it. Also clears an expired offer.
    CancelTransfer { device_id: String },

    /// Patient: name a guardian who may act for them; admin: name one for any patient. Every
    /// appointment is recorded with who made it and when (`Guardians`), and the patient may
    /// remove any guardian, whoever appointed them.
    AddGuardian {
        patient: Option<String>,
        guardian: String,
    },
    /// Patient, admin, or the guardian themselves: remove a guardian.
    RemoveGuardian {
        patient: Option<String>,
        guardian: String,
    },

    /// Owner, guardian, manufacturer or admin: suspend a device from now on, with a reason
    /// code (never free text: the device is bound to a patient; `legacy` is refused).
    SuspendDevice {
        device_id: String,
        reason: SuspensionReason,
    },
    /// Lift a suspension (only by a party of the same or higher authority than who placed it).
    ReactivateDevice { device_id: String },
    /// Owner, guardian, manufacturer or admin: revoke for good. Data measured before
    /// `effective_at` (default: now; never in the future) stays acceptable.
    RevokeDevice {
        device_id: String,
        reason: RevocationReason,
        effective_at: Option<Timestamp>,
    },
    /// Replace the device key. The manufacturer may do it alone; anyone else must carry the
    /// current key's signature over `rotate_sign_bytes(.., new key, nonce)`.
    RotateKey {
        device_id: String,
        new_key: PublicKey,
        signature: Option<Binary>,
    },
}

#[wire]
pub struct MigrateMsg {}

#[wire]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
    /// One device; an error if it is not registered.
    #[returns(Device)]
    Device { id: String },
    /// Many devices at once, in the order asked; `None` for an unknown id.
    #[returns(DevicesResponse)]
    Devices { ids: Vec<String> },
    #[returns(crate::pagination::Page<Device>)]
    DevicesByOwner {
        owner: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(crate::pagination::Page<Device>)]
    DevicesByManufacturer {
        manufacturer: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// A participant's record; `None` if never admitted or removed.
    #[returns(Option<crate::device::Participant>)]
    Participant { role: Role, address: String },
    #[returns(crate::pagination::Page<crate::device::Participant>)]
    Participants {
        role: Role,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// Everything reading-anchors needs for one submission, in one query: whether `relayer` is
    /// an active relayer, and the anchoring view of each device (in the order asked; `None`
    /// for an unknown id).
    #[returns(AnchoringInfoResponse)]
    AnchoringInfo {
        relayer: String,
        device_ids: Vec<String>,
    },
    /// Whether `address` is an admitted, unsuspended relayer.
    #[returns(bool)]
    IsActiveRelayer { address: String },
    #[returns(bool)]
    IsGuardian { patient: String, guardian: String },
    /// A patient's guardians, by address, each with who appointed them and when.
    #[returns(crate::pagination::Page<GuardianInfo>)]
    Guardians {
        patient: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// The open (or expired but not yet cleared) transfer offer of a device, if any.
    #[returns(Option<PendingTransfer>)]
    PendingTransfer { device_id: String },
    /// Transfer offers made to a recipient, by device id.
    #[returns(crate::pagination::Page<PendingTransfer>)]
    PendingTransfersTo {
        recipient: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// Transfer offers made by an owner (the device's owner when the offer was made, whether
    /// they or their guardian sent it), by device id. Offers stored before this query existed
    /// (device-registry 0.2.0 to 0.3.2) are not listed here; they lapse within 30 days of being
    /// made (`docs/device-registry.md`).
    #[returns(crate::pagination::Page<PendingTransfer>)]
    PendingTransfersFrom {
        owner: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// Past keys of a device, oldest first (the current key is in `Device`).
    #[returns(crate::pagination::Page<KeyRecord>)]
    KeyHistory {
        device_id: String,
        start_after: Option<u32>,
        limit: Option<u32>,
    },
}

#[wire]
pub struct ConfigResponse {
    pub admin: Addr,
    pub pending_admin: Option<Addr>,
}

crate::encoding::coded_enum!(
    /// Who appointed a guardian.
    GuardianAppointer, "guardian appointer" {
        /// The patient named the guardian themselves.
        Patient = 1,
        /// The consortium admin named the guardian.
        Consortium = 2,
        /// Appointed before the registry recorded who appoints (before 0.2.0): either.
        Unrecorded = 3,
    }
);

/// A patient's guardian, as `Guardians` lists it.
#[wire]
pub struct GuardianInfo {
    pub guardian: Addr,
    pub appointed_by: GuardianAppointer,
    pub appointed_at: Timestamp,
}

/// An open offer to hand a device to another patient.
#[wire]
pub struct PendingTransfer {
    pub device_id: String,
    /// The device's owner when the offer was made.
    pub from: Addr,
    /// The recipient, who (or whose guardian) must accept.
    pub to: Addr,
    pub offered_at: Timestamp,
    /// The offer can no longer be accepted from this time on.
    pub expires_at: Timestamp,
    /// The device's nonce right after the offer; accepting requires it unchanged (no bind,
    /// unbind or key rotation since).
    pub nonce: u64,
}

impl PendingTransfer {
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }

    /// Raw form the registry stores (smaller code and fewer bytes than JSON): device id
    /// (str8), from (str8), to (str8), offered at (8, ns), expires at (8, ns), nonce (8).
    pub fn encode(&self) -> Result<Vec<u8>, crate::encoding::EncodingError> {
        let mut v = Vec::with_capacity(160);
        for (field, text) in [
            ("device id", self.device_id.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ] {
            let len =
                u8::try_from(text.len()).map_err(|_| crate::encoding::EncodingError::TooLong {
                    field,
                    len: text.len(),
                })?;
            v.push(len);
            v.extend_from_slice(text.as_bytes());
        }
        v.extend_from_slice(&self.offered_at.nanos().to_be_bytes());
        v.extend_from_slice(&self.expires_at.nanos().to_be_bytes());
        v.extend_from_slice(&self.nonce.to_be_bytes());
        Ok(v)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, crate::encoding::EncodingError> {
        let mut r = crate::encoding::Reader(bytes);
        let device_id = r.str8("device id")?;
        let from = Addr::unchecked(r.str8("from")?);
        let to = Addr::unchecked(r.str8("to")?);
        let offered_at = Timestamp::from_nanos(r.u64("offered at")?);
        let expires_at = Timestamp::from_nanos(r.u64("expires at")?);
        let nonce = r.u64("nonce")?;
        r.finish()?;
        Ok(PendingTransfer {
            device_id,
            from,
            to,
            offered_at,
            expires_at,
            nonce,
        })
    }
}

#[wire]
pub struct DevicesResponse {
    pub devices: Vec<Option<Device>>,
}

/// A retired device key and the time span it was current.
#[wire]
pub struct KeyRecord {
    pub version: u32,
    pub public_key: PublicKey,
    pub valid_from: Timestamp,
    pub valid_until: Timestamp,
}

#[wire]
pub struct AnchoringInfoResponse {
    pub relayer_active: bool,
    pub devices: Vec<Option<AnchoringDevice>>,
}

/// What the anchors contract checks a batch header against. The registry stores it in the raw
/// form of [`AnchoringDevice::encode`] (about 100 bytes instead of ~350 of JSON), since every
/// byte read for every anchored batch costs gas.
#[wire]
pub struct AnchoringDevice {
    pub kind: DeviceKind,
    pub owner: Option<Addr>,
    /// When the current owner took the device (see `Device::owner_since`).
    pub owner_since: Timestamp,
    pub owner_since_height: u64,
    pub public_key: PublicKey,
    /// When `public_key` became current; batches measured before it verify with
    /// `previous_key` (a batch signed before a rotation but delivered after it).
    pub key_since: Timestamp,
    pub previous_key: Option<PublicKey>,
    /// Data measured at or after this time is refused: the start of a suspension or the
    /// effective time of a revocation (`None` while the device is active).
    pub refuses_from: Option<Timestamp>,
    /// For a key a relayer holds (`KeyCustody::Relayer`), that relayer and its standing: its
    /// attestations count only while it is in good standing. Absent for keys devices hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_holder: Option<KeyHolder>,
}

/// The relayer that holds a device's key, as the registry reports it for anchoring.
#[wire]
pub struct KeyHolder {
    pub relayer: Addr,
    /// Data measured at or after this time is refused: since when the relayer is suspended, or
    /// since its removal (a relayer removed before the registry recorded removals: from the
    /// epoch). `None` while it is admitted and not suspended.
    pub refuses_from: Option<Timestamp>,
    /// Earlier periods out of good standing, oldest first (suspended then reinstated, removed
    /// then admitted again): data measured in any of them stays refused. At most
    /// `MAX_HOLDER_LAPSES`; the oldest are merged beyond that.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lapses: Vec<Lapse>,
}

/// A period `from..to` (end excluded) in which a relayer was out of good standing.
#[wire]
#[derive(Copy, Eq)]
pub struct Lapse {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// Most lapses the registry keeps per relayer; beyond that the two oldest merge into one
/// (which refuses more, never less).
pub const MAX_HOLDER_LAPSES: usize = 16;
/// How long after its holder left good standing a batch measured before may still be anchored
/// (a queue the relayer had not anchored yet, handed to another relayer): one day.
pub const HELD_KEY_QUEUE_SECONDS: u64 = 86_400;

/// Marks a relayer-held key in the first byte (the device kind) of the raw anchoring view.
const RELAYER_HELD: u8 = 0x80;
/// Marks, in the same byte, a view written from registry 0.4.0 on (which names a relayer-held
/// key's holder); views written before have neither bit.
const HOLDER_RECORDED: u8 = 0x40;

impl AnchoringDevice {
    /// Whether data measured at `at` may be accepted.
    pub fn accepts_data_at(&self, at: Timestamp) -> bool {
        self.refuses_from.is_none_or(|from| at < from)
    }

    /// Raw form: kind (1; bit 0x40 set since registry 0.4.0, bit 0x80 for a relayer-held key), owner (str8, empty for
    /// none), owner since (8, ns), owner since height (8), key algorithm (1), key (bytes8), key
    /// since (8, ns), previous key algorithm (1, 0 for none) and key (bytes8, if any), refuses
    /// from (1 flag, then 8 ns if set), and for a relayer-held key the relayer (str8). The
    /// holder's standing is not stored: the registry reads it when asked.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(128);
        let held = if self.key_holder.is_some() {
            RELAYER_HELD
        } else {
            0
        };
        v.push(self.kind.code() | HOLDER_RECORDED | held);
        let owner = self.owner.as_ref().map_or("", |o| o.as_str());
        v.push(owner.len() as u8);
        v.extend_from_slice(owner.as_bytes());
        v.extend_from_slice(&self.owner_since.nanos().to_be_bytes());
        v.extend_from_slice(&self.owner_since_height.to_be_bytes());
        push_key(&mut v, Some(&self.public_key));
        v.extend_from_slice(&self.key_since.nanos().to_be_bytes());
        push_key(&mut v, self.previous_key.as_ref());
        match self.refuses_from {
            None => v.push(0),
            Some(t) => {
                v.push(1);
                v.extend_from_slice(&t.nanos().to_be_bytes());
            }
        }
        if let Some(holder) = &self.key_holder {
            let relayer = holder.relayer.as_str();
            v.push(relayer.len() as u8);
            v.extend_from_slice(relayer.as_bytes());
        }
        v
    }

    /// Whether a raw view was written before registry 0.4.0, which did not record whether a
    /// relayer holds the key: its `key_holder` must be read from the device.
    pub fn holder_unrecorded(bytes: &[u8]) -> bool {
        bytes.first().is_some_and(|b| b & HOLDER_RECORDED == 0)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, crate::encoding::EncodingError> {
        let mut r = crate::encoding::Reader(bytes);
        let first = r.u8("kind")?;
        let kind = DeviceKind::from_code(first & !(RELAYER_HELD | HOLDER_RECORDED))?;
        let owner = r.str8("owner")?;
        let owner_since = Timestamp::from_nanos(r.u64("owner since")?);
        let owner_since_height = r.u64("owner since height")?;
        let public_key =
            read_key(&mut r, "public key")?.ok_or(crate::encoding::EncodingError::Truncated {
                field: "public key",
            })?;
        let key_since = Timestamp::from_nanos(r.u64("key since")?);
        let previous_key = read_key(&mut r, "previous key")?;
        let refuses_from = match r.u8("refuses from")? {
            0 => None,
            _ => Some(Timestamp::from_nanos(r.u64("refuses from")?)),
        };
        let key_holder = if first & RELAYER_HELD != 0 {
            Some(KeyHolder {
                relayer: Addr::unchecked(r.str8("key holder")?),
                refuses_from: None,
                lapses: vec![],
            })
        } else {
            None
        };
        r.finish()?;
        Ok(AnchoringDevice {
            kind,
            owner: (!owner.is_empty()).then(|| Addr::unchecked(owner)),
            owner_since,
            owner_since_height,
            public_key,
            key_since,
            previous_key,
            refuses_from,
            key_holder,
        })
    }
}

fn read_key(
    r: &mut crate::encoding::Reader,
    field: &'static str,
) -> Result<Option<PublicKey>, crate::encoding::EncodingError> {
    let code = r.u8(field)?;
    if code == 0 {
        return Ok(None);
    }
    let algorithm = crate::device::KeyAlgorithm::from_code(code)?;
    let len = r.u8(field)? as usize;
    Ok(Some(PublicKey {
        algorithm,
        key: Binary::new(r.take(field, len)?.to_vec()),
    }))
}

fn push_key(v: &mut Vec<u8>, key: Option<&PublicKey>) {
    match key {
        None => v.push(0),
        Some(k) => {
            v.push(k.algorithm.code());
            v.push(k.key.len() as u8);
            v.extend_from_slice(k.key.as_slice());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_transfer_round_trips_through_its_raw_form_and_truncation_is_an_error() {
        let offer = PendingTransfer {
            device_id: "cgm-7f3a9c2e51d04b88".into(),
            from: Addr::unchecked("cosmwasm1from"),
            to: Addr::unchecked("cosmwasm1to"),
            offered_at: Timestamp::from_nanos(1),
            expires_at: Timestamp::from_nanos(u64::MAX),
            nonce: u64::MAX,
        };
        let raw = offer.encode().unwrap();
        assert_eq!(PendingTransfer::decode(&raw).unwrap(), offer);
        assert!(PendingTransfer::decode(&raw[..raw.len() - 1]).is_err());
        let mut longer = raw.clone();
        longer.push(0);
        assert!(PendingTransfer::decode(&longer).is_err());
        let too_long = PendingTransfer {
            to: Addr::unchecked("a".repeat(256)),
            ..offer
        };
        assert!(matches!(
            too_long.encode(),
            Err(crate::encoding::EncodingError::TooLong { field: "to", .. })
        ));
    }
}
