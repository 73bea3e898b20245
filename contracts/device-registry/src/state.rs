//! Storage layout. Every map is keyed so that the registry's list queries are prefix scans.

use cosmwasm_std::{Addr, Timestamp};
use cosmwasm_std::{StdResult, Storage};
use cw_storage_plus::Map;
use diachain_std::registry::{
    AnchoringDevice, GuardianAppointer, GuardianInfo, KeyRecord, PendingTransfer,
};
use diachain_std::{device::Participant, Device, DeviceStatus};
use serde::{Deserialize, Serialize};

// The consortium admin is `diachain_std::admin::ADMIN` (key "admin").
/// (role code, address) → participant.
pub const PARTICIPANTS: Map<(u8, &Addr), Participant> = Map::new("participants");
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
/// (patient, guardian) → who named the guardian and when. Before 0.2.0 the value was the bare
/// time (a JSON string); [`StoredGuardian`] still reads it.
pub const GUARDIANS: Map<(&Addr, &Addr), StoredGuardian> = Map::new("guardians");
/// device id → the device's open transfer offer (at most one per device).
pub const PENDING_TRANSFERS: Map<&str, PendingTransfer> = Map::new("transfer");
/// (recipient, device id) → (): transfer offers by recipient.
pub const TRANSFERS_TO: Map<(&Addr, &str), ()> = Map::new("transfer_to");
/// (owner, device id) → (): transfer offers by owner.
pub const TRANSFERS_FROM: Map<(&Addr, &str), ()> = Map::new("transfer_from");
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
    let view = AnchoringDevice {
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

/// The anchoring view of a device, if registered.
pub fn anchoring_view(storage: &dyn Storage, id: &str) -> StdResult<Option<AnchoringDevice>> {
    storage
        .get(&ANCHORING_VIEWS.key(id))
        .map(|raw| {
            AnchoringDevice::decode(&raw).map_err(|e| cosmwasm_std::StdError::msg(e.to_string()))
        })
        .transpose()
}

/// A guardian appointment as stored: written as `Recorded`; a value from before 0.2.0 (the bare
/// appointment time) reads as `Legacy`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum StoredGuardian {
    Recorded {
        appointed_by: GuardianAppointer,
        appointed_at: Timestamp,
    },
    Legacy(Timestamp),
}

impl StoredGuardian {
    pub fn info(self, guardian: Addr) -> GuardianInfo {
        let (appointed_by, appointed_at) = match self {
            StoredGuardian::Recorded {
                appointed_by,
                appointed_at,
            } => (appointed_by, appointed_at),
            StoredGuardian::Legacy(at) => (GuardianAppointer::Unrecorded, at),
        };
        GuardianInfo {
            guardian,
            appointed_by,
            appointed_at,
        }
    }
}

/// Stores a transfer offer with its indexes (replacing none: the caller has cleared any old one).
pub fn save_transfer(storage: &mut dyn Storage, offer: &PendingTransfer) -> StdResult<()> {
    PENDING_TRANSFERS.save(storage, &offer.device_id, offer)?;
    TRANSFERS_TO.save(storage, (&offer.to, &offer.device_id), &())?;
    TRANSFERS_FROM.save(storage, (&offer.from, &offer.device_id), &())
}

/// Drops the device's transfer offer, if any, with its indexes; returns it.
pub fn drop_transfer(storage: &mut dyn Storage, id: &str) -> StdResult<Option<PendingTransfer>> {
    let offer = PENDING_TRANSFERS.may_load(storage, id)?;
    if let Some(o) = &offer {
        PENDING_TRANSFERS.remove(storage, id);
        TRANSFERS_TO.remove(storage, (&o.to, id));
        TRANSFERS_FROM.remove(storage, (&o.from, id));
    }
    Ok(offer)
}
