use cosmwasm_std::StdError;
use cosmwasm_std::Timestamp;
use cw_utils::PaymentError;
use diachain_std::admin::AdminError;
use diachain_std::crypto::KeyError;
use diachain_std::device::{Authority, DeviceIdError, ModelError, Role};
use diachain_std::encoding::EncodingError;
use diachain_std::version::MigrateError;
use thiserror::Error;

#[derive(Error, Debug)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error(transparent)]
    Encoding(#[from] EncodingError),

    #[error(transparent)]
    Admin(#[from] AdminError),

    #[error("{address} is already admitted as {role:?}")]
    AlreadyAdmitted { role: Role, address: String },
    #[error("{address} is not admitted as {role:?}")]
    NotAdmitted { role: Role, address: String },
    #[error("{address} is already suspended as {role:?}")]
    AlreadySuspended { role: Role, address: String },
    #[error("{address} is not suspended as {role:?}")]
    NotSuspended { role: Role, address: String },
    #[error("{role:?} {address} is suspended")]
    ParticipantSuspended { role: Role, address: String },

    #[error("{field} must be 1..={max} bytes")]
    InvalidText { field: &'static str, max: usize },
    #[error("invalid device id {id:?}: {source}")]
    InvalidDeviceId { id: String, source: DeviceIdError },
    #[error("register at least one device")]
    NoDevices,
    #[error("at most {max} devices per registration")]
    TooManyDevices { max: usize },
    #[error("at most {max} device ids per query")]
    TooManyIds { max: usize },
    #[error("device {id} appears twice in this registration")]
    DuplicateDevice { id: String },
    #[error("device {id} is already registered")]
    DeviceExists { id: String },
    #[error("device id {id} shares its 8-byte tag with a registered device; choose another id")]
    DeviceTagTaken { id: String },
    #[error("device {id}: {source}")]
    InvalidKey { id: String, source: KeyError },
    #[error("device {id}: a relayer may hold the key of a gateway only")]
    RelayerKeyNotGateway { id: String },
    #[error("device {id}: {source}")]
    InvalidModel { id: String, source: ModelError },

    #[error("device {id} is not registered")]
    DeviceNotFound { id: String },
    #[error("device {id} is already bound to a patient")]
    DeviceAlreadyBound { id: String },
    #[error("device {id} is not bound to a patient")]
    DeviceNotBound { id: String },
    #[error("device {id} is not active")]
    DeviceNotActive { id: String },
    #[error("device {id} is revoked; revocation is final")]
    DeviceRevoked { id: String },
    #[error("device {id} is not suspended")]
    DeviceNotSuspended { id: String },
    #[error("device {id}: the device signature does not prove possession for this patient")]
    InvalidProofOfPossession { id: String },
    #[error("device {id} is already bound to that patient")]
    SameOwner { id: String },
    #[error("only the device's owner or their guardian may do this")]
    NotOwnerOrGuardian,
    #[error("only the device's owner, a guardian, its manufacturer or the admin may do this")]
    NoAuthorityOverDevice,
    #[error("a suspension placed by {placed_by:?} cannot be lifted by {caller:?}")]
    SuspensionAuthority {
        placed_by: Authority,
        caller: Authority,
    },
    #[error("reason `legacy` only marks suspensions recorded before 0.2.0; give a reason code")]
    LegacyReason,
    #[error("the effective time may not lie in the future")]
    EffectiveTimeInFuture,
    #[error("the effective time may not precede the device's registration")]
    EffectiveTimeBeforeRegistration,

    #[error("device {id}: the new key equals the current key")]
    SameKey { id: String },
    #[error(
        "device {id}: only its manufacturer may rotate the key without the current key's signature"
    )]
    RotationSignatureRequired { id: String },
    #[error("device {id}: the rotation is not signed by the current key")]
    InvalidRotationSignature { id: String },

    #[error("a transfer offer must stay open 1..={max} seconds, got {seconds}")]
    InvalidTransferExpiry { seconds: u64, max: u64 },
    #[error("device {id} already has an open transfer offer to {to}; cancel it first")]
    TransferPending { id: String, to: String },
    #[error("device {id} has no transfer offer")]
    NoPendingTransfer { id: String },
    #[error("only the recipient of the transfer offer or their guardian may accept it")]
    NotTransferRecipient,
    #[error("only the owner, the recipient, or a guardian of either may cancel this offer")]
    NotTransferParty,
    #[error("the transfer offer of device {id} expired at {expired_at}")]
    TransferExpired { id: String, expired_at: Timestamp },
    #[error(
        "device {id} changed owner, key or binding since the transfer offer; ask for a new one"
    )]
    TransferStale { id: String },

    #[error("{sender} may not name guardians for {patient}")]
    NotPatientOrAdmin { sender: String, patient: String },
    #[error("only the patient, the guardian or the admin may remove a guardian")]
    CannotRemoveGuardian,
    #[error("a patient cannot be their own guardian")]
    SelfGuardian,
    #[error("{guardian} is already a guardian of {patient}")]
    GuardianExists { patient: String, guardian: String },
    #[error("{guardian} is not a guardian of {patient}")]
    NotGuardian { patient: String, guardian: String },
}
