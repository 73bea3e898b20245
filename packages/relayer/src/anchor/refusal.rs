//! Reading reading-anchors' refusals: which header of a `SubmitBatches` failed (its errors
//! start with `batch <index>:`) and a short machine code for the metrics.

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
pub fn refusal_code(message: &str) -> &'static str {
    const CODES: &[(&str, &str)] = &[
        ("is not registered", "unknown_device"),
        ("is not bound to a patient", "device_not_bound"),
        ("does not accept data", "device_not_accepting"),
        ("replay or overlap", "overlap"),
        ("before its last anchored day", "day_backwards"),
        ("before the device was bound", "measured_before_owner"),
        ("exceed a", "too_dense"),
        (
            "after the device's last anchored reading",
            "too_soon_after_last",
        ),
        ("signature", "invalid_signature"),
        ("does not match seq", "count_mismatch"),
        ("more than one UTC day", "crosses_midnight"),
        ("measured in the future", "future_reading"),
        ("is after last time", "times_inverted"),
        ("is outside 0..=", "seq_out_of_range"),
        ("a batch holds", "batch_size"),
    ];
    CODES
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("other", |(_, code)| code)
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
        assert_eq!(refusal_code(OVERLAP), "overlap");
        assert_eq!(refusal_code(REVOKED), "device_not_accepting");
        assert_eq!(
            refusal_code("batch 0: device d: 12 readings in 10 s exceed a Cgm device's limit of one reading every 60 s (1 at most)"),
            "too_dense"
        );
        assert_eq!(
            refusal_code("batch 0: device d is not registered"),
            "unknown_device"
        );
        assert_eq!(refusal_code("something new"), "other");
    }
}
