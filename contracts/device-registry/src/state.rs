//! Storage layout. Every map is keyed so that the registry's list queries are prefix scans.

use cosmwasm_std::{Addr, Timestamp};
use cosmwasm_std::{StdError, StdResult, Storage};
use cw_storage_plus::Map;
use diachain_std::device::{ParticipantStatus, Role};
use diachain_std::registry::{
    AnchoringDevice, GuardianAppointer, GuardianInfo, KeyHolder, KeyRecord, Lapse, PendingTransfer,
    MAX_HOLDER_LAPSES,
};
use diachain_std::{device::Participant, Device, DeviceKind, DeviceStatus, KeyCustody};

use crate::error::ContractError;

/// The cw2 name, stored at instantiate and compared by `migrate`: never change it.
pub const CONTRACT_NAME: &str = "crates.io:diachain-device-registry";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

// The consortium admin is `diachain_std::admin::ADMIN` (key "admin").
/// (role code, address) → participant.
pub const PARTICIPANTS: Map<(u8, &Addr), Participant> = Map::new("participants");
/// (role code, address) → when a participant was removed, or the start of the suspension it
/// was removed in: a relayer's keys attest nothing measured from then on. Cleared when it is
/// admitted again.
pub const REMOVED: Map<(u8, &Addr), Timestamp> = Map::new("removed");
/// relayer → its past periods out of good standing (`Lapse`s, oldest first, at most
/// `MAX_HOLDER_LAPSES`): closed when it is reinstated or admitted again.
pub const LAPSES: Map<&Addr, Vec<Lapse>> = Map::new("lapses");
/// device id → device.
pub const DEVICES: Map<&str, Device> = Map::new("devices");
/// device id → the raw `AnchoringDevice` reading-anchors asks for with every submission (about
/// 100 bytes against ~500 of a JSON device record: every byte read costs gas). Kept in step by
/// [`save_device`]; read with [`anchoring_view`].
const ANCHORING_VIEWS: Map<&str, ()> = Map::new("v");
/// device tag → device id: makes 8-byte tags (`diachain_std::device::device_tag`) unique.
pub const DEVICE_TAGS: Map<&[u8], String> = Map::new("t");
/// (owner, device id) → (): devices by owner.
pub const DEVICES_BY_OWNER: Map<(&Addr, &str), ()> = Map::new("by_owner");
/// (manufacturer, device id) → (): devices by manufacturer.
pub const DEVICES_BY_MANUFACTURER: Map<(&Addr, &str), ()> = Map::new("by_manufacturer");
/// (patient, guardian) → who named the guardian and when, raw: the appointer's code (1 byte)
/// and the time (8 bytes, ns). Before 0.2.0 the value was the bare time as JSON (a quoted
/// decimal string); [`guardian_info`] still reads it. Read and written only through
/// [`save_guardian`] / [`guardian_info`].
pub const GUARDIANS: Map<(&Addr, &Addr), ()> = Map::new("guardians");
/// device id → the device's open transfer offer (at most one per device), raw
/// ([`PendingTransfer::encode`]). Read and written only through [`load_transfer`],
/// [`save_transfer`] and [`drop_transfer`].
pub const PENDING_TRANSFERS: Map<&str, ()> = Map::new("transfer");
/// (recipient, device id) → (): transfer offers by recipient.
pub const TRANSFERS_TO: Map<(&Addr, &str), ()> = Map::new("transfer_to");
/// (owner who made the offer, device id) → (): transfer offers by owner. Offers stored before
/// this index existed (0.2.0 to 0.3.2) have no entry: they are listed by `PendingTransfer` and
/// `PendingTransfersTo` only, and lapse within `MAX_TRANSFER_EXPIRY_SECONDS` (30 days) of being
/// made (docs/device-registry.md). Not "transfer_from", the namespace of an unreleased 0.2.0
/// build (`d8a471b`, see CHANGELOG.md) whose entries no later code can read.
pub const TRANSFERS_FROM: Map<(&Addr, &str), ()> = Map::new("transfers_from");
/// (device id, key version) → a retired key.
pub const KEY_HISTORY: Map<(&str, u32), KeyRecord> = Map::new("key_history");

/// Saves a device and its anchoring view together: the only way devices are written.
pub fn save_device(storage: &mut dyn Storage, device: &Device) -> StdResult<()> {
    DEVICES.save(storage, &device.id, device)?;
    let previous_key = match device.key_version.checked_sub(1) {
        Some(v) => Some(KEY_HISTORY.load(storage, (&device.id, v))?.public_key),
        None => None,
    };
    let refuses_from = match &device.status {
        DeviceStatus::Active => None,
        DeviceStatus::Suspended { since, .. } => Some(*since),
        DeviceStatus::Revoked { effective_at, .. } => Some(*effective_at),
    };
    let key_holder = (device.key_custody == KeyCustody::Relayer).then(|| KeyHolder {
        relayer: device.manufacturer.clone(),
        refuses_from: None,
        lapses: vec![],
    });
    let view = AnchoringDevice {
        key_holder,
        kind: device.kind,
        owner: device.owner.clone(),
        owner_since: device.owner_since,
        owner_since_height: device.owner_since_height,
        public_key: device.public_key.clone(),
        key_since: device.key_since,
        previous_key,
        refuses_from,
    };
    storage.set(&ANCHORING_VIEWS.key(&device.id), &view.encode());
    Ok(())
}

/// The anchoring view of a device, if registered. A view written before 0.4.0 does not say
/// whether a relayer holds the key; only gateways can have relayer-held keys, so for a gateway's
/// old view the device record says (every later save writes the holder into the view).
pub fn anchoring_view(storage: &dyn Storage, id: &str) -> StdResult<Option<AnchoringDevice>> {
    let Some(raw) = storage.get(&ANCHORING_VIEWS.key(id)) else {
        return Ok(None);
    };
    let mut view = AnchoringDevice::decode(&raw).map_err(|e| StdError::msg(e.to_string()))?;
    if AnchoringDevice::holder_unrecorded(&raw) && view.kind == DeviceKind::Gateway {
        let device = DEVICES.load(storage, id)?;
        view.key_holder = (device.key_custody == KeyCustody::Relayer).then(|| KeyHolder {
            relayer: device.manufacturer,
            refuses_from: None,
            lapses: vec![],
        });
    }
    Ok(Some(view))
}

fn corrupt(what: &str) -> StdError {
    StdError::msg(format!("corrupt stored {what}"))
}

/// Records a guardian appointment.
pub fn save_guardian(
    storage: &mut dyn Storage,
    patient: &Addr,
    guardian: &Addr,
    appointed_by: GuardianAppointer,
    appointed_at: Timestamp,
) {
    let mut v = [0u8; 9];
    v[0] = appointed_by.code();
    v[1..].copy_from_slice(&appointed_at.nanos().to_be_bytes());
    storage.set(&GUARDIANS.key((patient, guardian)), &v);
}

/// A patient's guardian as `Guardians` lists it, if named. A value stored before 0.2.0 (the
/// appointment time as a JSON string) reads as appointed by `Unrecorded`.
pub fn guardian_info(
    storage: &dyn Storage,
    patient: &Addr,
    guardian: Addr,
) -> StdResult<Option<GuardianInfo>> {
    let Some(raw) = storage.get(&GUARDIANS.key((patient, &guardian))) else {
        return Ok(None);
    };
    let (appointed_by, nanos) = match raw.split_first() {
        Some((b'"', rest)) => {
            let digits = rest
                .strip_suffix(b"\"")
                .and_then(|d| std::str::from_utf8(d).ok())
                .ok_or_else(|| corrupt("guardian"))?;
            let nanos = digits.parse::<u64>().map_err(|_| corrupt("guardian"))?;
            (GuardianAppointer::Unrecorded, nanos)
        }
        Some((code, rest)) => {
            let by = GuardianAppointer::from_code(*code).map_err(|_| corrupt("guardian"))?;
            let bytes: [u8; 8] = rest.try_into().map_err(|_| corrupt("guardian"))?;
            (by, u64::from_be_bytes(bytes))
        }
        None => return Err(corrupt("guardian")),
    };
    Ok(Some(GuardianInfo {
        guardian,
        appointed_by,
        appointed_at: Timestamp::from_nanos(nanos),
    }))
}

/// The device's transfer offer, if any.
pub fn load_transfer(storage: &dyn Storage, id: &str) -> StdResult<Option<PendingTransfer>> {
    storage
        .get(&PENDING_TRANSFERS.key(id))
        .map(|raw| PendingTransfer::decode(&raw).map_err(|e| StdError::msg(e.to_string())))
        .transpose()
}

/// Stores a transfer offer with its indexes (replacing none: the caller has cleared any old one).
pub fn save_transfer(storage: &mut dyn Storage, offer: &PendingTransfer) -> StdResult<()> {
    let raw = offer.encode().map_err(|e| StdError::msg(e.to_string()))?;
    storage.set(&PENDING_TRANSFERS.key(&offer.device_id), &raw);
    TRANSFERS_TO.save(storage, (&offer.to, &offer.device_id), &())?;
    TRANSFERS_FROM.save(storage, (&offer.from, &offer.device_id), &())
}

/// Drops the device's transfer offer, if any, with its indexes; returns it.
pub fn drop_transfer(storage: &mut dyn Storage, id: &str) -> StdResult<Option<PendingTransfer>> {
    let offer = load_transfer(storage, id)?;
    if let Some(o) = &offer {
        PENDING_TRANSFERS.remove(storage, id);
        TRANSFERS_TO.remove(storage, (&o.to, id));
        TRANSFERS_FROM.remove(storage, (&o.from, id));
    }
    Ok(offer)
}

// Readers shared by execute handlers and queries.

/// Checks that `addr` is admitted as `role` and not suspended.
pub fn ensure_active(storage: &dyn Storage, role: Role, addr: &Addr) -> Result<(), ContractError> {
    match PARTICIPANTS.may_load(storage, (role.code(), addr))? {
        None => Err(ContractError::NotAdmitted {
            role,
            address: addr.to_string(),
        }),
        Some(p) if p.status != ParticipantStatus::Admitted => {
            Err(ContractError::ParticipantSuspended {
                role,
                address: addr.to_string(),
            })
        }
        Some(_) => Ok(()),
    }
}

/// A relayer's standing as a key holder: since when it is out of good standing (`None` while
/// admitted and not suspended; the start of its suspension; its removal, the epoch for a relayer
/// removed before removals were recorded), and its past lapses.
pub fn holder_standing(storage: &dyn Storage, relayer: &Addr) -> StdResult<KeyHolder> {
    let refuses_from = match PARTICIPANTS.may_load(storage, (Role::Relayer.code(), relayer))? {
        Some(p) => match p.status {
            ParticipantStatus::Admitted => None,
            ParticipantStatus::Suspended { since, .. } => Some(since),
        },
        None => Some(
            REMOVED
                .may_load(storage, (Role::Relayer.code(), relayer))?
                .unwrap_or_default(),
        ),
    };
    Ok(KeyHolder {
        relayer: relayer.clone(),
        refuses_from,
        lapses: LAPSES.may_load(storage, relayer)?.unwrap_or_default(),
    })
}

/// Records that a relayer, out of good standing since `from`, is back in it at `to`. Beyond
/// `MAX_HOLDER_LAPSES` the two oldest lapses merge into one.
pub fn close_lapse(
    storage: &mut dyn Storage,
    relayer: &Addr,
    from: Timestamp,
    to: Timestamp,
) -> StdResult<()> {
    let mut lapses = LAPSES.may_load(storage, relayer)?.unwrap_or_default();
    lapses.push(Lapse { from, to });
    if lapses.len() > MAX_HOLDER_LAPSES {
        let oldest = lapses.remove(0);
        lapses[0].from = oldest.from;
    }
    LAPSES.save(storage, relayer, &lapses)
}

pub fn load_device(storage: &dyn Storage, id: &str) -> Result<Device, ContractError> {
    DEVICES
        .may_load(storage, id)?
        .ok_or_else(|| ContractError::DeviceNotFound { id: id.to_string() })
}
