//! Device, key and participant types shared by the registry and the contracts that query it.

use crate::wire;
use cosmwasm_std::{Addr, Binary, Timestamp};

use crate::encoding::coded_enum;

/// Shortest and longest accepted device id, in bytes.
pub const DEVICE_ID_MIN_LEN: usize = 8;
pub const DEVICE_ID_MAX_LEN: usize = 64;
/// Longest participant label or participant suspension reason, in bytes. Both describe an
/// admitted organisation (a manufacturer or relayer), never a patient.
pub const MAX_TEXT_LEN: usize = 128;
/// Longest device model name, in bytes (see [`validate_model`]).
pub const MAX_MODEL_LEN: usize = 64;

coded_enum!(
    /// What kind of device a record describes.
    DeviceKind, "device kind" {
        Cgm = 1,
        Pump = 2,
        Pen = 3,
        Meter = 4,
        Wearable = 5,
        Gateway = 6,
    }
);

coded_enum!(
    /// Signature scheme of a device key.
    KeyAlgorithm, "key algorithm" {
        /// 32-byte key; signs the sign-bytes directly (pure Ed25519, RFC 8032).
        Ed25519 = 1,
        /// 33-byte compressed or 65-byte uncompressed SEC1 key; ECDSA over SHA-256(sign-bytes).
        Secp256k1 = 2,
        /// P-256, as secure elements and phone keystores hold it; 33 or 65 SEC1 bytes;
        /// ECDSA over SHA-256(sign-bytes).
        Secp256r1 = 3,
    }
);

/// Who holds a device's signing key.
#[wire]
#[derive(Copy, Eq, Default)]
pub enum KeyCustody {
    /// The device itself (its secure element): the readings are signed by the device. Every
    /// device a manufacturer registers.
    #[default]
    Device,
    /// An admitted relayer holds the key for the patient: readings that reach it unsigned (for
    /// example through a Nightscout-compatible upload) are signed, that is attested, by the
    /// relayer with this key. Only gateways, registered by that relayer.
    Relayer,
}

/// A device's public key and the algorithm it is used with.
#[wire]
#[derive(Eq)]
pub struct PublicKey {
    pub algorithm: KeyAlgorithm,
    pub key: Binary,
}

/// Why a device was revoked. Revocation is final.
#[wire]
#[derive(Copy, Eq)]
pub enum RevocationReason {
    Lost,
    Stolen,
    Compromised,
    Recalled,
    Retired,
}

crate::reason::reason_code!(
    /// Why a device is suspended: the device's situation, never its owner's. Free text is not
    /// accepted (a suspended device is bound to a patient); suspensions recorded before 0.2.0
    /// read as `legacy`.
    SuspensionReason {
        /// The device may be faulty (implausible data, sensor error) and is being checked.
        SuspectedFault = "suspected_fault",
        /// The device key may be compromised and is being checked.
        SuspectedCompromise = "suspected_compromise",
        /// The device is missing and may turn up again (revoke it as `lost` if it does not).
        Misplaced = "misplaced",
        /// A manufacturer's safety notice or recall is being assessed for the device.
        SafetyNotice = "safety_notice",
        /// The owner paused the device (for example while it is not worn).
        OwnerPaused = "owner_paused",
        /// Any other situation of the device.
        Other = "other",
    }
);

/// Who placed a suspension; a party may lift only a suspension placed by a party of the same
/// or lower authority (owner < manufacturer < consortium).
#[wire]
#[derive(Copy, Eq, PartialOrd, Ord)]
pub enum Authority {
    Owner,
    Manufacturer,
    Consortium,
}

/// The life-cycle state of a device. Data measured at or after `since` / `effective_at` is
/// refused while the device is suspended, and forever once it is revoked.
#[wire]
#[derive(Eq)]
pub enum DeviceStatus {
    Active,
    Suspended {
        since: Timestamp,
        by: Authority,
        reason: SuspensionReason,
    },
    Revoked {
        effective_at: Timestamp,
        reason: RevocationReason,
    },
}

impl DeviceStatus {
    /// Whether data measured at `at` may be accepted under this status.
    pub fn accepts_data_at(&self, at: Timestamp) -> bool {
        match self {
            DeviceStatus::Active => true,
            DeviceStatus::Suspended { since, .. } => at < *since,
            DeviceStatus::Revoked { effective_at, .. } => at < *effective_at,
        }
    }
}

/// A registered device, as the registry reports it.
#[wire]
pub struct Device {
    pub id: String,
    pub kind: DeviceKind,
    /// The product model (shared by many devices), never a serial number; see
    /// [`validate_model`].
    pub model: String,
    /// Who registered the device: its manufacturer, or, for a device whose key a relayer holds
    /// (`key_custody: relayer`), that relayer. Either holds the manufacturer's authority over the
    /// device (rotate its key alone, suspend, revoke) while it stays admitted and unsuspended in
    /// the role it registered the device in; `DevicesByManufacturer` lists its devices.
    pub manufacturer: Addr,
    pub public_key: PublicKey,
    /// Who holds the device key. Devices stored before 0.3.0 read as `device`.
    #[serde(default)]
    pub key_custody: KeyCustody,
    /// Number of key rotations so far (the current key's version).
    pub key_version: u32,
    /// When the current key became the device's key.
    pub key_since: Timestamp,
    /// The patient the device is bound to, if any.
    pub owner: Option<Addr>,
    /// When (block time and height) `owner` last changed (bind, unbind or transfer); the
    /// registration time before the first bind. Readings measured before it are never
    /// attributed to the current owner.
    pub owner_since: Timestamp,
    pub owner_since_height: u64,
    pub status: DeviceStatus,
    /// Changes on every bind, unbind, transfer and key rotation; signed in proofs of
    /// possession so that none can be replayed.
    pub nonce: u64,
    pub registered_at: Timestamp,
}

/// Roles the consortium admits in the registry.
#[wire]
#[derive(Copy, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Manufacturer,
    Relayer,
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::Manufacturer, Role::Relayer];
    /// One-byte storage key prefix.
    pub const fn code(self) -> u8 {
        match self {
            Role::Manufacturer => 1,
            Role::Relayer => 2,
        }
    }
}

/// Standing of an admitted participant.
#[wire]
#[derive(Eq)]
pub enum ParticipantStatus {
    Admitted,
    Suspended { since: Timestamp, reason: String },
}

/// An admitted manufacturer or relayer.
#[wire]
pub struct Participant {
    pub address: Addr,
    pub role: Role,
    pub label: String,
    pub status: ParticipantStatus,
    pub admitted_at: Timestamp,
}

impl Participant {
    pub fn is_active(&self) -> bool {
        self.status == ParticipantStatus::Admitted
    }
}

/// Bytes of a device tag.
pub const DEVICE_TAG_LEN: usize = 8;

/// The device's 8-byte tag: the first bytes of SHA-256 of its id. reading-anchors keys each
/// batch record by tag instead of by id (every stored byte costs 30 gas); the registry refuses a
/// device whose tag is already taken, so tags are as unique as ids.
pub fn device_tag(id: &str) -> [u8; DEVICE_TAG_LEN] {
    let digest = crate::crypto::sha256(id.as_bytes());
    let mut tag = [0u8; DEVICE_TAG_LEN];
    tag.copy_from_slice(&digest[..DEVICE_TAG_LEN]);
    tag
}

/// Why a device id is not acceptable.
#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum DeviceIdError {
    #[error("device id must be {DEVICE_ID_MIN_LEN}..={DEVICE_ID_MAX_LEN} bytes, got {0}")]
    Length(usize),
    #[error("device id may hold only ASCII letters, digits, '-' and '_'")]
    Charset,
}

/// Device ids are opaque random strings (never serial numbers): 8 to 64 characters of
/// `[A-Za-z0-9_-]` (a base64url or hex encoding of random bytes fits).
pub fn validate_device_id(id: &str) -> Result<(), DeviceIdError> {
    if !(DEVICE_ID_MIN_LEN..=DEVICE_ID_MAX_LEN).contains(&id.len()) {
        return Err(DeviceIdError::Length(id.len()));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(DeviceIdError::Charset);
    }
    Ok(())
}

/// Why a device model name is not acceptable.
#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum ModelError {
    #[error("model must be 1..={MAX_MODEL_LEN} bytes, got {0}")]
    Length(usize),
    #[error("model may hold only ASCII letters, digits, spaces and . , - _ + / ( )")]
    Charset,
}

/// A model names a product ("G7", "Libre 3", "Omnipod 5"), shared by many devices: 1 to
/// `MAX_MODEL_LEN` bytes of ASCII letters, digits, spaces and `. , - _ + / ( )`. It is checked
/// when a device is registered; models stored before 0.2.0 are kept as they are.
pub fn validate_model(model: &str) -> Result<(), ModelError> {
    if model.is_empty() || model.len() > MAX_MODEL_LEN {
        return Err(ModelError::Length(model.len()));
    }
    if !model.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'.' | b',' | b'-' | b'_' | b'+' | b'/' | b'(' | b')'
            )
    }) {
        return Err(ModelError::Charset);
    }
    Ok(())
}
