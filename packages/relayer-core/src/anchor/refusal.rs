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
    // The more specific first: a custody or backfill message may hold a later needle too.
    const CODES: &[(&str, AnchorRefusal)] = &[
        ("that fit it at one every", DayFull),
        ("not in good standing since", KeyHolderNotInGoodStanding),
        (
            "which was out of good standing from",
            MeasuredWhileHolderLapsed,
        ),
        (
            "what it attested before may be anchored for",
            HeldKeyQueueClosed,
        ),
        ("for that scope", TooDenseForScope),
        (": scopes: ", InvalidScopes),
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

    /// Every refusal of a header that the contract can send has its own code: the messages
    /// as reading-anchors formats them.
    #[test]
    fn custody_scope_and_backfill_refusals_get_their_own_codes() {
        use reading_anchors_messages::*;
        for (message, code) in [
            (DAY_FULL, "day_full"),
            (NOT_IN_GOOD_STANDING, "key_holder_not_in_good_standing"),
            (LAPSED, "measured_while_holder_lapsed"),
            (QUEUE_CLOSED, "held_key_queue_closed"),
            (DENSE_FOR_SCOPE, "too_dense_for_scope"),
            (SCOPES, "invalid_scopes"),
        ] {
            assert_eq!(refusal_code(message).as_str(), code, "{message}");
        }
    }

    mod reading_anchors_messages {
        pub const DAY_FULL: &str = "batch 1: device ns-1: day 20454 holds 116 Glucose readings; 1 more exceed the 116 that fit it at one every 60 s";
        pub const NOT_IN_GOOD_STANDING: &str = "batch 0: device ns-1: its key is held by relayer wasm1a, not in good standing since 5: data measured from then on is refused";
        pub const LAPSED: &str = "batch 0: device ns-1: its key is held by relayer wasm1a, which was out of good standing from 5 to 9: data measured then is refused";
        pub const QUEUE_CLOSED: &str = "batch 0: device ns-1: its key is held by relayer wasm1a, out of good standing since 5: what it attested before may be anchored for 86400 s after, no longer";
        pub const DENSE_FOR_SCOPE: &str = "batch 0: device ns-1: 12 Glucose readings in 60 s exceed the limit of one every 60 s for that scope from a Gateway device (2 at most)";
        pub const SCOPES: &str = "batch 0: device ns-1: scopes: the scope list is empty";
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
