//! Reason codes: why a device is suspended, why a break-glass session was opened. A reason
//! that sits beside a patient's address may never be free text (a free-text reason tends to
//! become a diagnosis); it is one of a few codes describing the situation, never the patient's
//! state.
//!
//! Records written before reason codes existed hold a free-text reason. Such a string decodes
//! as `Legacy` and its text is dropped: it is rewritten as `"legacy"` the next time the record
//! is saved. `Legacy` is what old records read as; messages may not use it.

/// Declares a reason-code enum (snake_case JSON strings, like `#[wire]` enums) with an
/// extra `Legacy` variant and a lenient `Deserialize`: any string that is not one of the codes
/// (a free-text reason stored by an earlier version) reads as `Legacy`, without its text.
macro_rules! reason_code {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            ::cosmwasm_schema::serde::Serialize,
            ::cosmwasm_schema::schemars::JsonSchema,
            ::cosmwasm_schema::cw_schema::Schemaifier,
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
        )]
        #[serde(crate = "::cosmwasm_schema::serde", rename_all = "snake_case")]
        #[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
        #[schemars(crate = "::cosmwasm_schema::schemars")]
        pub enum $name {
            $($(#[$vm])* $variant,)+
            /// Recorded before reason codes existed; the free text it had is not kept.
            /// Never accepted in a message.
            Legacy,
        }

        impl $name {
            /// Every code a message may carry (not `Legacy`).
            pub const ACCEPTED: &'static [$name] = &[$($name::$variant),+];

            /// The code's JSON name (also used as an event attribute).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Legacy => "legacy",
                }
            }
        }

        impl<'de> ::cosmwasm_schema::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::cosmwasm_schema::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let text: ::std::string::String =
                    ::cosmwasm_schema::serde::Deserialize::deserialize(deserializer)?;
                Ok(match text.as_str() {
                    $($text => $name::$variant,)+
                    _ => $name::Legacy,
                })
            }
        }
    };
}
pub(crate) use reason_code;

#[cfg(test)]
mod tests {
    use crate::consent::BreakGlassReason;
    use crate::device::SuspensionReason;
    use cosmwasm_std::{from_json, to_json_vec};

    #[test]
    fn every_reason_code_round_trips_as_its_snake_case_name() {
        for r in SuspensionReason::ACCEPTED
            .iter()
            .copied()
            .chain([SuspensionReason::Legacy])
        {
            let json = to_json_vec(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()).into_bytes());
            assert_eq!(from_json::<SuspensionReason>(&json).unwrap(), r);
        }
        for r in BreakGlassReason::ACCEPTED
            .iter()
            .copied()
            .chain([BreakGlassReason::Legacy])
        {
            let json = to_json_vec(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()).into_bytes());
            assert_eq!(from_json::<BreakGlassReason>(&json).unwrap(), r);
        }
    }

    #[test]
    fn free_text_from_an_earlier_version_reads_as_legacy_and_its_text_is_gone() {
        let old = br#""severe hypoglycaemia, unresponsive on arrival""#;
        let r: BreakGlassReason = from_json(old).unwrap();
        assert_eq!(r, BreakGlassReason::Legacy);
        assert_eq!(to_json_vec(&r).unwrap(), br#""legacy""#.to_vec());
        let s: SuspensionReason = from_json(br#""sensor error""#).unwrap();
        assert_eq!(s, SuspensionReason::Legacy);
    }

    #[test]
    fn legacy_is_not_among_the_codes_a_message_may_carry() {
        assert!(!SuspensionReason::ACCEPTED.contains(&SuspensionReason::Legacy));
        assert!(!BreakGlassReason::ACCEPTED.contains(&BreakGlassReason::Legacy));
    }

    #[test]
    fn a_reason_that_is_not_a_string_is_still_an_error() {
        assert!(from_json::<BreakGlassReason>(b"7").is_err());
        assert!(from_json::<SuspensionReason>(br#"{"other":{}}"#).is_err());
    }
}
