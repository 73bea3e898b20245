//! Reading reading-anchors' refusals: which header of a `SubmitBatches` failed (its errors
//! start with `batch <index>:`) and a short machine code for the metrics.

use diachain_relayer_types::status::AnchorRefusal;

/// The index of the refused header, if the contract named one: the message starts with
/// `batch <index>:` (after wasmd's `… message index: <k>: ` prefix, if it is still there).
pub fn refused_index(message: &str) -> Option<usize> {
    const INDEX: &str = "message index: ";
    let message = match message.find(INDEX) {
        Some(i) => message[i + INDEX.len()..].split_once(": ")?.1,
        None => message,
    };
    let rest = message.strip_prefix("batch ")?;
    let (digits, _) = rest.split_once(':')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A stable code for a contract refusal of one header (the metric label of failed batches).
pub fn refusal_code(message: &str) -> AnchorRefusal {
    use AnchorRefusal::*;
    const CODES: &[(&str, AnchorRefusal)] = &[
        ("is not registered", UnknownDevice),
        ("is not bound to a patient", DeviceNotBound),
        ("does not accept data", DeviceNotAccepting),
        ("replay or overlap", Overlap),
        ("before its last anchored day", DayBackwards),
        ("before the device was bound", MeasuredBeforeOwner),
        ("exceed a", TooDense),
        ("after the device's last anchored reading", TooSoonAfterLast),
        ("signature", InvalidSignature),
        ("does not match seq", CountMismatch),
        ("more than one UTC day", CrossesMidnight),
        ("measured in the future", FutureReading),
        ("is after last time", TimesInverted),
        ("is outside 0..=", SeqOutOfRange),
        ("a batch holds", BatchSize),
    ];
    CODES
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or(Other, |(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Messages as reading-anchors' ContractError formats them, wrapped the way wasmd reports
    // a failed execution.
    const OVERLAP: &str = "failed to execute message; message index: 0: batch 17: device cgm-1: seq 5 is at or below the anchored seq 9: replay or overlap: execute wasm contract failed";
    const REVOKED: &str =
        "batch 3: device cgm-2 does not accept data measured at 1767225600 (suspended or revoked)";

    #[test]
    fn the_refused_header_is_found_after_wasmds_own_prefix() {
        assert_eq!(refused_index(OVERLAP), Some(17));
        assert_eq!(refused_index(REVOKED), Some(3));
        assert_eq!(
            refused_index("wasm1x is not an active relayer in the registry"),
            None
        );
        assert_eq!(refused_index("batch x: nope"), None);
        // Only at the start: a device id or reason mentioning "batch 3:" is not an index.
        assert_eq!(refused_index("device batch 3: x"), None);
        assert_eq!(refused_index("batch 4"), None);
        assert_eq!(refused_index(""), None);
    }

    #[test]
    fn refusals_get_stable_codes() {
        assert_eq!(refusal_code(OVERLAP).as_str(), "overlap");
        assert_eq!(refusal_code(REVOKED).as_str(), "device_not_accepting");
        assert_eq!(
            refusal_code("batch 0: device d: 12 readings in 10 s exceed a Cgm device's limit of one reading every 60 s (1 at most)").as_str(),
            "too_dense"
        );
        assert_eq!(
            refusal_code("batch 0: device d is not registered").as_str(),
            "unknown_device"
        );
        assert_eq!(refusal_code("something new").as_str(), "other");
    }
}
