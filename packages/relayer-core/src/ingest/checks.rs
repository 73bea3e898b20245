//! Checks that need nothing but the request: its encoding, the header's own rules (the same as
//! reading-anchors' `check_header`), the readings against the header, and the Merkle root.

use cosmwasm_std::Binary;
use diachain_std::anchors::{
    scope_min_interval_seconds, MAX_CLOCK_SKEW_SECONDS, MAX_READINGS_PER_BATCH, MAX_SEQ,
};
use diachain_std::crypto::SIGNATURE_LEN;
use diachain_std::encoding::{utc_day, ScopeCount, ScopeError};
use diachain_std::merkle::{self, Hash};
use diachain_std::{validate_device_id, BatchHeader, Reading};

use super::Rejection;
use diachain_relayer_types::BatchRequest;

/// A request decoded into the shared types.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub header: BatchHeader,
    pub signature: [u8; SIGNATURE_LEN],
    pub readings: Vec<Reading>,
}

fn bad(reason: String) -> Rejection {
    Rejection::BadEncoding { reason }
}

/// Decodes the JSON body; every malformed field is a `bad_encoding` with its reason.
pub fn parse(body: &[u8]) -> Result<Parsed, Rejection> {
    let req: BatchRequest = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    validate_device_id(&req.header.device_id).map_err(|e| bad(format!("header device id: {e}")))?;
    if req.header.root.len() != 32 {
        return Err(bad(format!(
            "the header root is {} bytes; expected 32",
            req.header.root.len()
        )));
    }
    let signature: [u8; SIGNATURE_LEN] = req.signature.as_slice().try_into().map_err(|_| {
        bad(format!(
            "the signature is {} bytes; expected {SIGNATURE_LEN}",
            req.signature.len()
        ))
    })?;
    let readings = req
        .readings
        .iter()
        .enumerate()
        .map(|(i, r)| r.to_reading().map_err(|e| bad(format!("reading {i}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed {
        header: req.header,
        signature,
        readings,
    })
}

/// The header's own rules, as reading-anchors applies them.
pub fn check_header(h: &BatchHeader, now: u64) -> Result<(), Rejection> {
    if h.count == 0 || h.count > MAX_READINGS_PER_BATCH {
        return Err(Rejection::BatchSize {
            count: h.count,
            max: MAX_READINGS_PER_BATCH,
        });
    }
    if h.first_seq > MAX_SEQ || h.last_seq > MAX_SEQ {
        return Err(Rejection::SeqOutOfRange {
            first_seq: h.first_seq,
            last_seq: h.last_seq,
            max: MAX_SEQ,
        });
    }
    let span = h
        .last_seq
        .checked_sub(h.first_seq)
        .and_then(|d| d.checked_add(1));
    if span != Some(u64::from(h.count)) {
        return Err(Rejection::CountMismatch {
            first_seq: h.first_seq,
            last_seq: h.last_seq,
            count: h.count,
        });
    }
    if h.first_time > h.last_time {
        return Err(Rejection::TimesInverted {
            first_time: h.first_time,
            last_time: h.last_time,
        });
    }
    if utc_day(h.first_time) != utc_day(h.last_time) {
        return Err(Rejection::CrossesMidnight);
    }
    if h.last_time > now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
        return Err(Rejection::FutureReading {
            last_time: h.last_time,
            now,
        });
    }
    Ok(())
}

/// The readings are the header's: one per sequence number `first_seq..=last_seq`, in order,
/// of the header's device, measured within the header's times, the first at `first_time` and
/// the last at `last_time`.
pub fn check_readings(h: &BatchHeader, readings: &[Reading]) -> Result<(), Rejection> {
    let mismatch = |index: usize, reason: String| Rejection::ReadingsMismatch { index, reason };
    if readings.len() != h.count as usize {
        return Err(mismatch(
            readings.len().min(h.count as usize),
            format!("{} readings for a header of {}", readings.len(), h.count),
        ));
    }
    for (i, r) in readings.iter().enumerate() {
        if r.device_id != h.device_id {
            return Err(mismatch(i, "it belongs to another device".into()));
        }
        let expected = h.first_seq + i as u64;
        if r.seq != expected {
            return Err(mismatch(
                i,
                format!("seq {} where {expected} is due", r.seq),
            ));
        }
        if r.measured_at < h.first_time || r.measured_at > h.last_time {
            return Err(mismatch(i, "measured outside the header's times".into()));
        }
    }
    let ends = (readings.first(), readings.last());
    if let (Some(first), Some(last)) = ends {
        if first.measured_at != h.first_time || last.measured_at != h.last_time {
            return Err(mismatch(
                0,
                "the first and last readings' times are not the header's".into(),
            ));
        }
    }
    Ok(())
}

/// The readings' leaves rebuild the header's root.
pub fn check_root(h: &BatchHeader, readings: &[Reading]) -> Result<(), Rejection> {
    let leaves = readings
        .iter()
        .enumerate()
        .map(|(i, r)| r.leaf_hash().map_err(|e| bad(format!("reading {i}: {e}"))))
        .collect::<Result<Vec<Hash>, _>>()?;
    let root = merkle::root(&leaves);
    if h.root.as_slice() != root.as_slice() {
        return Err(Rejection::RootMismatch {
            computed: Binary::new(root.to_vec()).to_base64(),
        });
    }
    Ok(())
}

/// The readings fit their time span at the device kind's minimum interval (reading-anchors'
/// `TooDense`): `count` readings at least `min_interval_seconds` apart span at least
/// `count - 1` intervals.
pub fn check_density(h: &BatchHeader, min_interval_seconds: u32) -> Result<(), Rejection> {
    let span_seconds = h.last_time.saturating_sub(h.first_time);
    let max_count = (span_seconds / u64::from(min_interval_seconds.max(1))).saturating_add(1);
    if u64::from(h.count) > max_count {
        return Err(Rejection::TooDense {
            count: h.count,
            span_seconds,
            min_interval_seconds,
            max_count,
        });
    }
    Ok(())
}

/// A version 2 header's scope list is valid and is exactly that of its readings (each reading's
/// kind gives its scope). The contract cannot check the second: it never sees the readings.
pub fn check_scopes(h: &BatchHeader, readings: &[Reading]) -> Result<(), Rejection> {
    let Some(declared) = &h.scopes else {
        return Ok(());
    };
    h.check_scopes().map_err(|e| Rejection::BadScopes {
        reason: match e {
            // The scope by its JSON name, as the request spells it.
            ScopeError::NotAReadingScope(scope) => format!(
                "{} is not a scope readings belong to",
                serde_json::to_value(scope).unwrap_or_default()
            ),
            e => e.to_string(),
        },
    })?;
    let actual = ScopeCount::of_kinds(readings.iter().map(|r| r.kind));
    if *declared != actual {
        return Err(Rejection::ScopesMismatch {
            header: declared.clone(),
            readings: actual,
        });
    }
    Ok(())
}

/// A version 2 header's readings of each scope fit its span at the slower of the kind's and the
/// scope's rate (reading-anchors' `TooDenseForScope`).
pub fn check_scope_density(h: &BatchHeader, kind_interval: u32) -> Result<(), Rejection> {
    let span_seconds = h.last_time.saturating_sub(h.first_time);
    for c in h.scopes.iter().flatten() {
        let min_interval_seconds = kind_interval.max(scope_min_interval_seconds(c.scope));
        let max_count = (span_seconds / u64::from(min_interval_seconds.max(1))).saturating_add(1);
        if u64::from(c.readings) > max_count {
            return Err(Rejection::TooDenseForScope {
                scope: c.scope,
                readings: c.readings,
                span_seconds,
                min_interval_seconds,
                max_count,
            });
        }
    }
    Ok(())
}

/// The gap a batch must keep after the device's last reading: the kind's interval, or for a
/// version 2 header the slowest of it and its scopes' (reading-anchors' `TooSoonAfterLast`).
pub fn header_min_interval(h: &BatchHeader, kind_interval: u32) -> u32 {
    h.scopes.iter().flatten().fold(kind_interval, |slowest, c| {
        slowest.max(scope_min_interval_seconds(c.scope))
    })
}
