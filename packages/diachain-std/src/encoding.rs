//! Canonical binary encodings, specified in `docs/encoding.md` (with test vectors).
//!
//! Every multi-byte integer is big-endian. A variable-length string is one length byte
//! followed by its bytes. Times are unix seconds (UTC).

use cosmwasm_std::{Binary, Env};

use crate::device::{DeviceKind, KeyAlgorithm};
use crate::merkle::{self, Hash};
use crate::scopes::DataScope;
use crate::wire;

/// Version byte that opens a reading's leaf encoding.
pub const READING_LEAF_VERSION: u8 = 1;
/// Bytes of random salt committed in every reading leaf.
pub const SALT_LEN: usize = 16;
/// Domain tags: the first bytes of each kind of signed message.
pub const BATCH_TAG: &[u8] = b"DIACHAIN/BATCH/v1";
/// The tag of a version 2 header's sign-bytes (a header that says which scopes its readings
/// belong to).
pub const BATCH_V2_TAG: &[u8] = b"DIACHAIN/BATCH/v2";
/// The first byte of a version 2 header body, where a version 1 body has its device id's length
/// (device ids are at least 8 bytes long, so a version 1 body never starts with 0 to 7).
pub const BATCH_V2: u8 = 2;
/// Most scopes one header may list (every scope a reading can have).
pub const MAX_HEADER_SCOPES: usize = 4;
pub const BIND_TAG: &[u8] = b"DIACHAIN/BIND/v1";
pub const ROTATE_TAG: &[u8] = b"DIACHAIN/ROTATE/v1";
/// Seconds in a UTC day.
pub const SECONDS_PER_DAY: u64 = 86_400;

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum EncodingError {
    #[error("{field} is {len} bytes; at most 255 fit in a length byte")]
    TooLong { field: &'static str, len: usize },
    #[error("input ended early while reading {field}")]
    Truncated { field: &'static str },
    #[error("{extra} bytes left over after the encoding")]
    TrailingBytes { extra: usize },
    #[error("unknown {field} code {code}")]
    UnknownCode { field: &'static str, code: u8 },
    #[error("unsupported leaf version {0}")]
    Version(u8),
    #[error("{field} is not valid UTF-8")]
    NotUtf8 { field: &'static str },
    #[error("unsupported header version {0}")]
    HeaderVersion(u8),
    #[error("a header lists {0} scopes; a list holds 2..=4 (one scope is written as its code)")]
    ScopeListLength(u8),
    #[error("scopes: {0}")]
    InvalidScopes(ScopeError),
}

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[$crate::wire]
        #[derive(Copy, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every variant, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The one-byte code of this variant in the canonical encodings.
            pub const fn code(self) -> u8 {
                match self { $($name::$variant => $code),+ }
            }
            pub fn from_code(code: u8) -> Result<Self, $crate::encoding::EncodingError> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::encoding::EncodingError::UnknownCode { field: $field, code }),
                }
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// What a reading measures.
    ReadingKind, "reading kind" {
        Glucose = 1,
        InsulinBolus = 2,
        InsulinBasal = 3,
        Carbohydrates = 4,
        Ketones = 5,
        DeviceEvent = 6,
        HeartRate = 7,
        Steps = 8, TempBasal = 9, TherapyEvent = 10, UploaderBattery = 11, PumpBattery = 12, PumpReservoir = 13, PumpStatus = 14, LoopStatus = 15,
    }
);

coded_enum!(
    /// Unit of a reading's value. Every value is fixed-point with three decimals
    /// (value 5_550 in mmol/L means 5.550 mmol/L).
    Unit, "unit" {
        None = 0,
        MgPerDl = 1,
        MmolPerL = 2,
        InsulinUnits = 3,
        InsulinUnitsPerHour = 4,
        Grams = 5,
        BeatsPerMinute = 6,
        Count = 7, Percent = 8,
    }
);

coded_enum!(
    /// CGM trend arrow.
    Trend, "trend" {
        Unknown = 0,
        DoubleDown = 1,
        SingleDown = 2,
        FortyFiveDown = 3,
        Flat = 4,
        FortyFiveUp = 5,
        SingleUp = 6,
        DoubleUp = 7,
        NotComputable = 8, RateOutOfRange = 9,
    }
);

impl ReadingKind {
    /// The data scope a reading of this kind belongs to: glucose and ketones glucose (blood
    /// chemistry a glucose study reads), insulin doses, basal and temporary basal rates insulin,
    /// carbohydrates nutrition, and every other kind (events, heart rate, steps, statuses) device events.
    pub const fn scope(self) -> DataScope {
        match self {
            ReadingKind::Glucose | ReadingKind::Ketones => DataScope::Glucose,
            ReadingKind::InsulinBolus | ReadingKind::InsulinBasal | ReadingKind::TempBasal => {
                DataScope::Insulin
            }
            ReadingKind::Carbohydrates => DataScope::Nutrition,
            _ => DataScope::DeviceEvents,
        }
    }
}
/// Reading flag bits (the `flags` field), in their own file beside this one.
///
/// They live there so that a new flag moves no line of this file: the contracts' wasm holds
/// the file and line of every panic location in it (overflow checks are on), so a line moved
/// here changes every contract's checksum, and a checksum change needs a version bump
/// (`scripts/release-check.sh`). The same holds for every file of this crate a contract uses:
/// add at the end, or in a file of its own, and keep the line count of what is above the code
/// a contract uses.
#[path = "encoding_flags.rs"]
pub mod flags;

/// One device reading, as stored off-chain and committed by its leaf hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub salt: [u8; SALT_LEN],
    pub device_id: String,
    pub seq: u64,
    pub measured_at: u64,
    pub kind: ReadingKind,
    pub unit: Unit,
    /// Fixed-point value, three decimals.
    pub value: i64,
    pub trend: Trend,
    pub flags: u16,
}

impl Reading {
    /// The canonical leaf bytes: version, salt, device id, seq, time, kind, unit, value,
    /// trend, flags.
    pub fn encode(&self) -> Result<Vec<u8>, EncodingError> {
        let mut w = Writer::with_capacity(64);
        w.u8(READING_LEAF_VERSION);
        w.bytes(&self.salt);
        w.str8("device id", &self.device_id)?;
        w.u64(self.seq);
        w.u64(self.measured_at);
        w.u8(self.kind.code());
        w.u8(self.unit.code());
        w.bytes(&self.value.to_be_bytes());
        w.u8(self.trend.code());
        w.u16(self.flags);
        Ok(w.0)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let mut r = Reader(bytes);
        let version = r.u8("version")?;
        if version != READING_LEAF_VERSION {
            return Err(EncodingError::Version(version));
        }
        let reading = Reading {
            salt: r.array("salt")?,
            device_id: r.str8("device id")?,
            seq: r.u64("seq")?,
            measured_at: r.u64("measured at")?,
            kind: ReadingKind::from_code(r.u8("kind")?)?,
            unit: Unit::from_code(r.u8("unit")?)?,
            value: i64::from_be_bytes(r.array("value")?),
            trend: Trend::from_code(r.u8("trend")?)?,
            flags: r.u16("flags")?,
        };
        r.finish()?;
        Ok(reading)
    }

    /// The Merkle leaf hash: SHA-256(0x00 || encode()).
    pub fn leaf_hash(&self) -> Result<Hash, EncodingError> {
        Ok(merkle::leaf_hash(&self.encode()?))
    }
}

/// Where a signature is valid: the chain and the contract that checks it. Part of every
/// sign-bytes, so a signature cannot be replayed on another chain or contract.
#[derive(Clone, Copy, Debug)]
pub struct Domain<'a> {
    pub chain_id: &'a str,
    pub contract: &'a str,
}

impl<'a> Domain<'a> {
    /// The domain of the contract running in `env`: this chain, this contract.
    #[inline]
    pub fn of(env: &'a Env) -> Self {
        Domain {
            chain_id: &env.block.chain_id,
            contract: env.contract.address.as_str(),
        }
    }
}

impl Domain<'_> {
    fn open(&self, tag: &[u8]) -> Result<Writer, EncodingError> {
        let mut w = Writer::with_capacity(192);
        w.bytes(tag);
        w.str8("chain id", self.chain_id)?;
        w.str8("contract address", self.contract)?;
        Ok(w)
    }
}

/// A batch header: one device's consecutive readings `first_seq..=last_seq`, all measured
/// within one UTC day, committed by the Merkle root of their leaf hashes in sequence order.
///
/// A version 2 header also says which data scopes its readings belong to (`scopes`, signed with
/// the rest); a version 1 header (`scopes: None`) counts all its readings under the scope of
/// its device's kind. See `docs/encoding.md`.
#[wire]
#[derive(Eq)]
pub struct BatchHeader {
    pub device_id: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub count: u32,
    pub first_time: u64,
    pub last_time: u64,
    pub root: Binary,
    /// How many of the readings belong to each scope (version 2 headers); `None` for a version
    /// 1 header. Valid lists are checked by [`BatchHeader::check_scopes`].
    #[serde(default)]
    pub scopes: Option<Vec<ScopeCount>>,
}

/// Readings of one scope in a batch.
#[wire]
#[derive(Copy, Eq)]
pub struct ScopeCount {
    pub scope: DataScope,
    pub readings: u32,
}

/// Why a header's scope list is not valid.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    #[error("the scope list is empty")]
    Empty,
    #[error("{0:?} is not a scope readings belong to")]
    NotAReadingScope(DataScope),
    #[error("scopes are not listed once each in code order")]
    NotInOrder,
    #[error("a scope is listed with no readings")]
    ZeroReadings,
    #[error("the scopes count {listed} readings, the header {count}")]
    CountMismatch { listed: u64, count: u32 },
}

impl ScopeCount {
    /// The scope list of readings of these kinds: one entry per scope present, in code order.
    pub fn of_kinds(kinds: impl IntoIterator<Item = ReadingKind>) -> Vec<ScopeCount> {
        let mut counts = [0u32; 4];
        for kind in kinds {
            let slot = usize::from(kind.scope().code() - 1);
            counts[slot] = counts[slot].saturating_add(1);
        }
        DataScope::ALL[..4]
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(scope, readings)| ScopeCount {
                scope: *scope,
                readings,
            })
            .collect()
    }
}

impl BatchHeader {
    /// The header's version: 2 if it lists scopes, else 1.
    pub fn version(&self) -> u8 {
        if self.scopes.is_some() {
            BATCH_V2
        } else {
            1
        }
    }

    /// A version 2 header's scope list must name reading scopes (not `summaries_only`), once
    /// each, in code order, each with readings, adding up to `count`.
    pub fn check_scopes(&self) -> Result<(), ScopeError> {
        let Some(list) = &self.scopes else {
            return Ok(());
        };
        if list.is_empty() {
            return Err(ScopeError::Empty);
        }
        let mut listed = 0u64;
        for (i, c) in list.iter().enumerate() {
            if c.scope == DataScope::SummariesOnly {
                return Err(ScopeError::NotAReadingScope(c.scope));
            }
            if i > 0 && list[i - 1].scope.code() >= c.scope.code() {
                return Err(ScopeError::NotInOrder);
            }
            if c.readings == 0 {
                return Err(ScopeError::ZeroReadings);
            }
            listed += u64::from(c.readings);
        }
        if listed != u64::from(self.count) {
            return Err(ScopeError::CountMismatch {
                listed,
                count: self.count,
            });
        }
        Ok(())
    }

    /// The readings per scope this header counts: its list (version 2), or all its readings
    /// under the scope of the device's kind (version 1).
    pub fn scope_counts(&self, kind: DeviceKind) -> Vec<ScopeCount> {
        match &self.scopes {
            Some(list) => list.clone(),
            None => vec![ScopeCount {
                scope: kind.scope(),
                readings: self.count,
            }],
        }
    }

    /// The header body: version 1 is device id, first seq, last seq, count, first time, last
    /// time, root; version 2 is the byte 2, the same fields, then the scopes.
    pub fn encode_body(&self) -> Result<Vec<u8>, EncodingError> {
        let mut w = Writer::with_capacity(96);
        self.write_body(&mut w)?;
        Ok(w.0)
    }

    fn write_body(&self, w: &mut Writer) -> Result<(), EncodingError> {
        // Only valid lists are encoded: the one-scope form leaves out the count it shares with
        // the header, so an invalid list could otherwise encode (and sign) like a valid one.
        self.check_scopes().map_err(EncodingError::InvalidScopes)?;
        self.write_body_unchecked(w)
    }

    /// The body as `encode_body` writes it, without checking the scope list: for tests that
    /// need a signed header with an invalid list (the contract's own check is what they test).
    #[doc(hidden)]
    pub fn write_body_unchecked(&self, w: &mut Writer) -> Result<(), EncodingError> {
        if self.scopes.is_some() {
            w.u8(BATCH_V2);
        }
        w.str8("device id", &self.device_id)?;
        w.u64(self.first_seq);
        w.u64(self.last_seq);
        w.u32(self.count);
        w.u64(self.first_time);
        w.u64(self.last_time);
        w.bytes(&fixed::<32>("root", self.root.as_slice())?);
        if let Some(list) = &self.scopes {
            write_scopes(w, list)?;
        }
        Ok(())
    }

    /// Reads one header body (of either version) from the front of `bytes`, returning it and
    /// the rest.
    pub fn decode_body(bytes: &[u8]) -> Result<(Self, &[u8]), EncodingError> {
        let mut r = Reader(bytes);
        let first = *bytes
            .first()
            .ok_or(EncodingError::Truncated { field: "header" })?;
        let v2 = match first {
            BATCH_V2 => {
                r.u8("version")?;
                true
            }
            // A version 1 body starts with the device id's length (8..=64); a byte below 8
            // can only be a version of its own.
            0..=7 => return Err(EncodingError::HeaderVersion(first)),
            _ => false,
        };
        let mut header = BatchHeader {
            device_id: r.str8("device id")?,
            first_seq: r.u64("first seq")?,
            last_seq: r.u64("last seq")?,
            count: r.u32("count")?,
            first_time: r.u64("first time")?,
            last_time: r.u64("last time")?,
            root: Binary::new(r.array::<32>("root")?.to_vec()),
            scopes: None,
        };
        if v2 {
            header.scopes = Some(read_scopes(&mut r, header.count)?);
        }
        Ok((header, r.0))
    }

    /// What the device signs: `BATCH_TAG || chain id || contract || body` (version 1) or
    /// `BATCH_V2_TAG || chain id || contract || body` (version 2).
    pub fn sign_bytes(&self, domain: &Domain) -> Result<Vec<u8>, EncodingError> {
        self.check_scopes().map_err(EncodingError::InvalidScopes)?;
        self.sign_bytes_unchecked(domain)
    }

    /// The sign-bytes without checking the scope list (see `write_body_unchecked`).
    #[doc(hidden)]
    pub fn sign_bytes_unchecked(&self, domain: &Domain) -> Result<Vec<u8>, EncodingError> {
        let tag = if self.scopes.is_some() {
            BATCH_V2_TAG
        } else {
            BATCH_TAG
        };
        let mut w = domain.open(tag)?;
        self.write_body_unchecked(&mut w)?;
        Ok(w.0)
    }
}

/// A scope list: one scope is its code alone (every reading of the batch is of it); several
/// are `0 || n || n × (code || readings (4))`.
fn write_scopes(w: &mut Writer, list: &[ScopeCount]) -> Result<(), EncodingError> {
    if let [single] = list {
        w.u8(single.scope.code());
        return Ok(());
    }
    let n = u8::try_from(list.len()).map_err(|_| EncodingError::TooLong {
        field: "scopes",
        len: list.len(),
    })?;
    w.u8(0);
    w.u8(n);
    for c in list {
        w.u8(c.scope.code());
        w.u32(c.readings);
    }
    Ok(())
}

fn read_scopes(r: &mut Reader, count: u32) -> Result<Vec<ScopeCount>, EncodingError> {
    let code = r.u8("scopes")?;
    if code != 0 {
        return Ok(vec![ScopeCount {
            scope: DataScope::from_code(code)?,
            readings: count,
        }]);
    }
    let n = r.u8("scope count")?;
    if !(2..=MAX_HEADER_SCOPES as u8).contains(&n) {
        return Err(EncodingError::ScopeListLength(n));
    }
    (0..n)
        .map(|_| {
            Ok(ScopeCount {
                scope: DataScope::from_code(r.u8("scope")?)?,
                readings: r.u32("scope readings")?,
            })
        })
        .collect()
}

/// What a device signs to prove possession when it is bound to (or transferred to) `patient`.
/// `nonce` is the device's current nonce in the registry, which changes on every bind, unbind,
/// transfer and key rotation, so an old proof can never be replayed.
pub fn bind_sign_bytes(
    domain: &Domain,
    device_id: &str,
    patient: &str,
    nonce: u64,
) -> Result<Vec<u8>, EncodingError> {
    let mut w = domain.open(BIND_TAG)?;
    w.str8("device id", device_id)?;
    w.str8("patient address", patient)?;
    w.u64(nonce);
    Ok(w.0)
}

/// What a device's current key signs to rotate to `new_key`.
pub fn rotate_sign_bytes(
    domain: &Domain,
    device_id: &str,
    new_algorithm: KeyAlgorithm,
    new_key: &[u8],
    nonce: u64,
) -> Result<Vec<u8>, EncodingError> {
    let mut w = domain.open(ROTATE_TAG)?;
    w.str8("device id", device_id)?;
    w.u8(new_algorithm.code());
    w.bytes8("new key", new_key)?;
    w.u64(nonce);
    Ok(w.0)
}

/// The UTC day number (days since 1970-01-01) of a unix time.
pub const fn utc_day(unix_seconds: u64) -> u64 {
    unix_seconds / SECONDS_PER_DAY
}

fn fixed<const N: usize>(field: &'static str, bytes: &[u8]) -> Result<[u8; N], EncodingError> {
    bytes
        .try_into()
        .map_err(|_| EncodingError::Truncated { field })
}

/// Writes the canonical encodings.
#[doc(hidden)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn with_capacity(n: usize) -> Self {
        Writer(Vec::with_capacity(n))
    }
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn bytes8(&mut self, field: &'static str, b: &[u8]) -> Result<(), EncodingError> {
        let len = u8::try_from(b.len()).map_err(|_| EncodingError::TooLong {
            field,
            len: b.len(),
        })?;
        self.u8(len);
        self.bytes(b);
        Ok(())
    }
    pub(crate) fn str8(&mut self, field: &'static str, s: &str) -> Result<(), EncodingError> {
        self.bytes8(field, s.as_bytes())
    }
}

pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(
        &mut self,
        field: &'static str,
        n: usize,
    ) -> Result<&'a [u8], EncodingError> {
        if self.0.len() < n {
            return Err(EncodingError::Truncated { field });
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    pub(crate) fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], EncodingError> {
        fixed(field, self.take(field, N)?)
    }
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, EncodingError> {
        Ok(self.take(field, 1)?[0])
    }
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, EncodingError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, EncodingError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, EncodingError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }
    pub(crate) fn str8(&mut self, field: &'static str) -> Result<String, EncodingError> {
        let len = self.u8(field)? as usize;
        let bytes = self.take(field, len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| EncodingError::NotUtf8 { field })
    }
    pub(crate) fn finish(self) -> Result<(), EncodingError> {
        match self.0.len() {
            0 => Ok(()),
            extra => Err(EncodingError::TrailingBytes { extra }),
        }
    }
}
