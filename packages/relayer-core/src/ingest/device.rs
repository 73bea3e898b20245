//! Checks against the registry: the device is known, bound, accepts data at the batch's time,
//! and signed the header with its key of that time (the same rules as reading-anchors).

use cosmwasm_std::Timestamp;
use diachain_std::registry::{AnchoringDevice, KeyHolder, HELD_KEY_QUEUE_SECONDS};
use diachain_std::{BatchHeader, DeviceKind, Domain, PublicKey};

use super::{Rejection, Verifier};

/// The patient the batch belongs to and the key that must have signed it.
pub struct Authorized<'a> {
    pub patient: &'a str,
    pub key: &'a PublicKey,
    pub kind: DeviceKind,
    /// A relayer holds the key: its stream is sequenced by arrival and may backfill.
    pub held: bool,
}

/// `now`: the chain's time (a key holder's queue closes a day after it left good standing).
pub fn authorize<'a>(
    h: &BatchHeader,
    device: Option<&'a AnchoringDevice>,
    now: u64,
) -> Result<Authorized<'a>, Rejection> {
    let device = device.ok_or(Rejection::UnknownDevice)?;
    let owner = device.owner.as_ref().ok_or(Rejection::DeviceNotBound)?;
    if h.first_time < device.owner_since.seconds() {
        return Err(Rejection::MeasuredBeforeOwner {
            first_time: h.first_time,
            owner_since: device.owner_since.seconds(),
        });
    }
    if !device.accepts_data_at(Timestamp::from_seconds(h.last_time)) {
        return Err(Rejection::DeviceRevoked {
            refuses_from: device.refuses_from.map_or(0, |t| t.seconds()),
            last_time: h.last_time,
        });
    }
    if let Some(holder) = &device.key_holder {
        check_holder(h, holder, now)?;
    }
    // The key current when the batch was closed; a batch signed before a rotation but
    // delivered after it verifies with the previous key.
    let key = if h.last_time < device.key_since.seconds() {
        device
            .previous_key
            .as_ref()
            .ok_or(Rejection::InvalidSignature)?
    } else {
        &device.public_key
    };
    Ok(Authorized {
        patient: owner.as_str(),
        key,
        kind: device.kind,
        held: device.key_holder.is_some(),
    })
}

/// A key a relayer holds attests nothing measured while that relayer is out of good standing,
/// now or in a past lapse, and what it attested before may be anchored for a day after it left
/// good standing (reading-anchors' `check_holder`).
fn check_holder(h: &BatchHeader, holder: &KeyHolder, now: u64) -> Result<(), Rejection> {
    let relayer = || holder.relayer.to_string();
    if let Some(since) = holder.refuses_from.map(|t| t.seconds()) {
        if h.last_time >= since {
            return Err(Rejection::KeyHolderNotInGoodStanding {
                holder: relayer(),
                since,
            });
        }
        if now > since.saturating_add(HELD_KEY_QUEUE_SECONDS) {
            return Err(Rejection::HeldKeyQueueClosed {
                holder: relayer(),
                since,
                window: HELD_KEY_QUEUE_SECONDS,
            });
        }
    }
    for lapse in &holder.lapses {
        let (from, to) = (lapse.from.seconds(), lapse.to.seconds());
        if h.first_time < to && h.last_time >= from {
            return Err(Rejection::MeasuredWhileHolderLapsed {
                holder: relayer(),
                from,
                to,
            });
        }
    }
    Ok(())
}

/// Verifies the device signature over the header's sign-bytes for `domain`, as the chain's
/// host crypto does (see [`Verifier`]).
pub fn verify(
    verifier: &Verifier,
    h: &BatchHeader,
    domain: &Domain,
    key: &PublicKey,
    signature: &[u8],
) -> Result<(), Rejection> {
    let sign_bytes = h.sign_bytes(domain).map_err(|e| Rejection::BadEncoding {
        reason: e.to_string(),
    })?;
    if verifier.verify(key, &sign_bytes, signature) {
        Ok(())
    } else {
        Err(Rejection::InvalidSignature)
    }
}
