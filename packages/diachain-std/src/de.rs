//! What the `Deserialize` that [`wire`](crate::wire) generates calls: the field or variant name
//! read as its index (one visitor for every type, instead of one per type as serde's derive
//! generates), and the reading of one field's value (one function per field type, shared by
//! every struct). See `packages/diachain-derive` and `docs/wasm-sizes.md`.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

/// A field or variant name, read as its index in `names`. An unknown field reads as
/// `usize::MAX` (its value is then skipped: unknown fields are ignored, as `#[cw_serde]` does);
/// an unknown variant is serde's `unknown variant` error.
#[derive(Clone, Copy)]
pub struct Key {
    names: &'static [&'static str],
    variant: bool,
}

impl Key {
    pub const fn field(names: &'static [&'static str]) -> Self {
        Key {
            names,
            variant: false,
        }
    }

    pub const fn variant(names: &'static [&'static str]) -> Self {
        Key {
            names,
            variant: true,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.variant {
            "variant identifier"
        } else {
            "field identifier"
        })
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<usize, E> {
        match self.names.iter().position(|n| *n == value) {
            Some(i) => Ok(i),
            None if self.variant => Err(E::unknown_variant(value, self.names)),
            None => Ok(usize::MAX),
        }
    }
}

/// Reads the value of a field into its slot; a second value for it is serde's `duplicate
/// field` error.
pub fn set<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of an unknown field.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// A required field's value; serde's `missing field` error if it was not given.
pub fn take<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    match slot {
        Some(v) => Ok(v),
        None => Err(E::missing_field(name)),
    }
}
