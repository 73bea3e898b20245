//! Storage layout. Every map is keyed so that the registry's list queries are prefix scans.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, Timestamp};
use cw_storage_plus::{Item, Map};
use diachain_std::registry::KeyRecord;
use diachain_std::{device::Participant, Device};

#[cw_serde]
pub struct Config {
    pub admin: Addr,
    pub pending_admin: Option<Addr>,
}

pub const CONFIG: Item<Config> = Item::new("config");
/// (role code, address) → participant.
pub const PARTICIPANTS: Map<(u8, &Addr), Participant> = Map::new("participants");
/// device id → device.
pub const DEVICES: Map<&str, Device> = Map::new("devices");
/// (owner, device id) → (): devices by owner.
pub const DEVICES_BY_OWNER: Map<(&Addr, &str), ()> = Map::new("by_owner");
/// (manufacturer, device id) → (): devices by manufacturer.
pub const DEVICES_BY_MANUFACTURER: Map<(&Addr, &str), ()> = Map::new("by_manufacturer");
/// (patient, guardian) → when the guardian was named.
pub const GUARDIANS: Map<(&Addr, &Addr), Timestamp> = Map::new("guardians");
/// (device id, key version) → a retired key.
pub const KEY_HISTORY: Map<(&str, u32), KeyRecord> = Map::new("key_history");
