//! `SubmitBatches`: an admitted relayer anchors many device-signed batch headers at once.
//!
//! Every header is checked before anything is written, and any failing header rejects the
//! whole message. All-or-nothing keeps the device cursors simple and exact (a later header of
//! the same device may depend on an earlier one), and a relayer learns precisely which header
//! failed (errors carry its index) so it can drop or fix it and resubmit.
//!
//! Gas: one registry query for the whole message, one batched ed25519 verification, one raw
//! 60-byte write per batch, and two small writes per device per UTC day for coverage.

use std::collections::BTreeMap;

use cosmwasm_std::{
    Addr, Api, Binary, DepsMut, Env, MessageInfo, QuerierWrapper, Response, Storage, Timestamp,
};
use diachain_std::anchors::{
    decode_submission, scope_min_interval_seconds, MAX_BATCHES_PER_SUBMIT, MAX_CLOCK_SKEW_SECONDS,
    MAX_READINGS_PER_BATCH, MAX_SEQ,
};
use diachain_std::crypto::{verify_signature, SIGNATURE_LEN};
use diachain_std::encoding::{utc_day, ScopeCount};
use diachain_std::hooks::{hook_msgs, AnchorsHookMsg, Contribution};
use diachain_std::registry::{
    AnchoringDevice, AnchoringInfoResponse, KeyHolder, HELD_KEY_QUEUE_SECONDS,
};
use diachain_std::{BatchHeader, DataScope, DeviceKind, Domain, KeyAlgorithm, PublicKey, Registry};

use super::backfill::{self, Backfill};
use crate::error::ContractError;
use crate::state::{
    BatchRecord, Batches, Config, GapRecord, Segments, CONFIG, GAPS, LISTENERS, PATIENT_DAYS,
};

type Signed = (BatchHeader, [u8; SIGNATURE_LEN]);

/// Most signatures wasmvm accepts in one `ed25519_batch_verify` call (its region limit).
const ED25519_BATCH_MAX: usize = 256;

/// A header that passed the registry checks: its device, owner, verification key and sign-bytes.
struct Checked<'a> {
    device: &'a AnchoringDevice,
    owner: &'a Addr,
    key: &'a PublicKey,
    sign_bytes: Vec<u8>,
}

/// A coverage segment to write: device, day, start, owner, scope, and whether it opens the
/// owner's day of the device (then the patient's day index is written too).
type NewSegment<'a> = (&'a str, u32, u64, &'a Addr, DataScope, bool);

/// What a valid message writes, and what it tells listeners.
struct Plan<'a> {
    records: Vec<(&'a str, BatchRecord)>,
    gaps: Vec<(&'a str, u64, u64)>,
    segments: Vec<NewSegment<'a>>,
    backfill: Backfill<'a>,
    contributions: Vec<Contribution>,
    readings: u64,
}

pub fn submit(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    batches: Binary,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    // 1. Check: the message, the relayer, every device and header, every signature. Nothing
    //    is written yet.
    let items = decode(&batches)?;
    let config = CONFIG.load(deps.storage)?;
    let (registry_info, position) = authorise(&deps.querier, &info.sender, &config, &items)?;
    let checked = check_batches(&env, &config, &items, &registry_info, &position)?;
    verify_signatures(deps.api, &items, &checked)?;
    // 2. Plan: sequence continuity against what is anchored and what this message adds; the
    //    records, gaps and coverage segments to write, and the contributions to announce.
    let plan = plan(deps.storage, &env, &config, &items, &checked)?;
    // 3. Apply: the writes, the listeners' hooks, the response.
    apply(deps.storage, &env, plan)
}

/// The submission, decoded: at least one and at most `MAX_BATCHES_PER_SUBMIT` headers.
fn decode(batches: &Binary) -> Result<Vec<Signed>, ContractError> {
    let items = decode_submission(batches.as_slice()).map_err(ContractError::Malformed)?;
    if items.is_empty() {
        return Err(ContractError::EmptySubmission);
    }
    if items.len() > MAX_BATCHES_PER_SUBMIT {
        return Err(ContractError::TooManyBatches {
            max: MAX_BATCHES_PER_SUBMIT,
        });
    }
    Ok(items)
}

/// One registry query for the relayer and every device of the message: the relayer must be
/// active. Returns the answer and each device id's position in it.
fn authorise<'a>(
    querier: &QuerierWrapper,
    sender: &Addr,
    config: &Config,
    items: &'a [Signed],
) -> Result<(AnchoringInfoResponse, BTreeMap<&'a str, usize>), ContractError> {
    let mut device_ids: Vec<String> = Vec::new();
    let mut position: BTreeMap<&str, usize> = BTreeMap::new();
    for (h, _) in items {
        if !position.contains_key(h.device_id.as_str()) {
            position.insert(&h.device_id, device_ids.len());
            device_ids.push(h.device_id.clone());
        }
    }
    let registry_info =
        Registry(&config.registry).anchoring_info(querier, sender.as_str(), device_ids)?;
    if !registry_info.relayer_active {
        return Err(ContractError::NotRelayer {
            address: sender.to_string(),
        });
    }
    Ok((registry_info, position))
}

/// Each header on its own, against the registry: a known, bound device accepting data, a
/// well-formed header, readings no older than the owner's ownership, the key to verify with.
fn check_batches<'a>(
    env: &Env,
    config: &Config,
    items: &[Signed],
    registry_info: &'a AnchoringInfoResponse,
    position: &BTreeMap<&str, usize>,
) -> Result<Vec<Checked<'a>>, ContractError> {
    let domain = Domain::of(env);
    let now = env.block.time.seconds();
    let mut checked: Vec<Checked> = Vec::with_capacity(items.len());
    for (index, (h, _)) in items.iter().enumerate() {
        let device_id = || h.device_id.clone();
        let device = position
            .get(h.device_id.as_str())
            .and_then(|p| registry_info.devices.get(*p))
            .and_then(Option::as_ref)
            .ok_or_else(|| ContractError::UnknownDevice {
                index,
                device_id: device_id(),
            })?;
        let owner = device
            .owner
            .as_ref()
            .ok_or_else(|| ContractError::DeviceNotBound {
                index,
                device_id: device_id(),
            })?;
        check_header(index, h, now, device.kind, config.min_interval(device.kind))?;
        h.check_scopes()
            .map_err(|reason| ContractError::InvalidScopes {
                index,
                device_id: device_id(),
                reason,
            })?;
        check_scope_density(index, h, device.kind, config.min_interval(device.kind))?;
        check_device(index, h, device, now)?;
        let key = signing_key(index, h, device)?;
        let sign_bytes = h.sign_bytes(&domain).map_err(ContractError::Malformed)?;
        checked.push(Checked {
            device,
            owner,
            key,
            sign_bytes,
        });
    }
    Ok(checked)
}

/// Readings are attributed to the device's owner; data measured before the current owner took
/// the device belongs to someone else and is never credited to them. The device must accept
/// data at the batch's last reading, and a key a relayer holds must be in good standing (see
/// [`check_holder`]).
fn check_device(
    index: usize,
    h: &BatchHeader,
    device: &AnchoringDevice,
    now: u64,
) -> Result<(), ContractError> {
    if h.first_time < device.owner_since.seconds() {
        return Err(ContractError::MeasuredBeforeOwner {
            index,
            device_id: h.device_id.clone(),
            first_time: h.first_time,
            owner_since: device.owner_since.seconds(),
        });
    }
    // `check_header` has refused a `last_time` past the block time (plus the clock skew), so
    // this cannot overflow a `Timestamp`.
    if !device.accepts_data_at(Timestamp::from_seconds(h.last_time)) {
        return Err(ContractError::DeviceNotAccepting {
            index,
            device_id: h.device_id.clone(),
            at: h.last_time,
        });
    }
    if let Some(holder) = &device.key_holder {
        check_holder(index, h, holder, now)?;
    }
    Ok(())
}

/// A key a relayer holds attests nothing measured while that relayer is out of good standing
/// (now, or in a past lapse), whoever submits the batch; and what it attested before leaving good
/// standing may be anchored for `HELD_KEY_QUEUE_SECONDS` after, no longer (a relayer that is out
/// cannot go on signing batches dated before).
fn check_holder(
    index: usize,
    h: &BatchHeader,
    holder: &KeyHolder,
    now: u64,
) -> Result<(), ContractError> {
    let device_id = || h.device_id.clone();
    if let Some(since) = holder.refuses_from.map(|t| t.seconds()) {
        if h.last_time >= since {
            return Err(ContractError::KeyHolderNotInGoodStanding {
                index,
                device_id: device_id(),
                holder: holder.relayer.to_string(),
                since,
            });
        }
        if now > since.saturating_add(HELD_KEY_QUEUE_SECONDS) {
            return Err(ContractError::HeldKeyQueueClosed {
                index,
                device_id: device_id(),
                holder: holder.relayer.to_string(),
                since,
                window: HELD_KEY_QUEUE_SECONDS,
            });
        }
    }
    for lapse in &holder.lapses {
        let (from, to) = (lapse.from.seconds(), lapse.to.seconds());
        if h.first_time < to && h.last_time >= from {
            return Err(ContractError::MeasuredWhileHolderLapsed {
                index,
                device_id: device_id(),
                holder: holder.relayer.to_string(),
                from,
                to,
            });
        }
    }
    Ok(())
}

/// The key current when the batch was closed (its last reading): a batch signed before a key
/// rotation but delivered after it verifies with the previous key.
fn signing_key<'a>(
    index: usize,
    h: &BatchHeader,
    device: &'a AnchoringDevice,
) -> Result<&'a PublicKey, ContractError> {
    if h.last_time < device.key_since.seconds() {
        device
            .previous_key
            .as_ref()
            .ok_or_else(|| ContractError::InvalidSignature {
                index,
                device_id: h.device_id.clone(),
            })
    } else {
        Ok(&device.public_key)
    }
}

/// Where a device stands while a message is planned.
#[derive(Clone)]
struct Heads {
    /// The last batch anchored or planned: sequence numbers continue from it.
    latest: Option<BatchRecord>,
    /// The last forward batch: times, days, segments and counts continue from it.
    forward: Option<BatchRecord>,
    /// `forward` is planned in this message (so its owner is the device's current one).
    forward_planned: bool,
}

impl Heads {
    #[inline(never)]
    fn load(storage: &dyn Storage, device_id: &str) -> Result<Self, ContractError> {
        let latest = Batches::latest(storage, device_id)?;
        let forward = match &latest {
            Some(l) if l.backfill => Batches::forward_head(storage, device_id)?,
            other => other.clone(),
        };
        Ok(Heads {
            latest,
            forward,
            forward_planned: false,
        })
    }
}

/// Sequence continuity of every header against the device's last batch (anchored, or planned
/// in this message), times against its forward head, and what the message will write: one
/// record per batch, the gaps it reveals, the coverage segments it opens, the backfilled
/// readings, and the readings per patient, scope and day.
fn plan<'a>(
    storage: &dyn Storage,
    env: &Env,
    config: &Config,
    items: &'a [Signed],
    checked: &[Checked<'a>],
) -> Result<Plan<'a>, ContractError> {
    let mut heads: BTreeMap<&str, Heads> = BTreeMap::new();
    let mut out = Plan {
        records: Vec::with_capacity(items.len()),
        gaps: Vec::new(),
        segments: Vec::new(),
        backfill: Backfill::default(),
        contributions: Vec::with_capacity(items.len()),
        readings: 0,
    };
    for (index, ((h, _), Checked { device, owner, .. })) in items.iter().zip(checked).enumerate() {
        let id = h.device_id.as_str();
        let mut at = match heads.remove(id) {
            Some(at) => at,
            None => Heads::load(storage, id)?,
        };
        let day = day_of(h.first_time)?;
        if let Some(latest) = &at.latest {
            if let Some((from_seq, to_seq)) = check_seq(index, h, latest)? {
                out.gaps.push((id, from_seq, to_seq));
            }
        }
        let counts = h.scope_counts(device.kind);
        let held = device.key_holder.is_some();
        if held {
            let ctx = backfill::Context {
                storage,
                config,
                kind: device.kind,
                head: at.forward.as_ref(),
            };
            out.backfill.check(index, h, day, &counts, &ctx)?;
        }
        let backfill_of = at
            .forward
            .as_ref()
            .filter(|fwd| held && backfill::is_backfill(h, fwd));
        let record = if let Some(fwd) = backfill_of {
            out.backfill.add(id, day, owner, &counts, fwd.last_seq);
            let record = batch_record(h, fwd.cumulative, day, env.block.height, None, true)?;
            at.latest = Some(record.clone());
            record
        } else {
            if let Some(fwd) = at.forward.as_ref().filter(|_| !held) {
                check_forward(index, h, fwd, day, device.kind, config)?;
            }
            let (cumulative, scope) =
                plan_segments(&mut out, id, day, owner, device, &at, counts.clone())?;
            out.backfill.count(id, day, &counts);
            let record = batch_record(h, cumulative, day, env.block.height, scope, false)?;
            at = Heads {
                latest: Some(record.clone()),
                forward: Some(record.clone()),
                forward_planned: true,
            };
            record
        };
        for c in &counts {
            out.readings = out.readings.saturating_add(u64::from(c.readings));
            out.contributions.push(Contribution {
                patient: (*owner).clone(),
                scope: c.scope,
                day: u64::from(day),
                readings: u64::from(c.readings),
                first_time: Some(h.first_time),
                last_time: Some(h.last_time),
            });
        }
        heads.insert(id, at);
        out.records.push((id, record));
    }
    Ok(out)
}

/// The coverage segments a forward batch opens. A new segment on a new day, or when the owner
/// changed since the device's last forward batch (`>=`: a change in that batch's block may
/// have come after it). Within one message the owner is the same for all of a device's
/// batches. Otherwise the batch continues the segment its device's last batch ended in, as
/// long as its readings are of that segment's scope. Returns the device's count after the
/// batch and the scope of the segment it ends in.
#[inline(never)]
fn plan_segments<'a>(
    out: &mut Plan<'a>,
    id: &'a str,
    day: u32,
    owner: &'a Addr,
    device: &AnchoringDevice,
    at: &Heads,
    counts: Vec<ScopeCount>,
) -> Result<(u64, Option<DataScope>), ContractError> {
    let current = match &at.forward {
        Some(p)
            if p.day == day
                && (at.forward_planned || device.owner_since_height < p.anchored_height) =>
        {
            Some(p.scope.unwrap_or(device.kind.scope()))
        }
        _ => None,
    };
    let mut cumulative = at.forward.as_ref().map_or(0, |p| p.cumulative);
    let (mut scope, opens_day) = (current, current.is_none());
    for c in continue_first(counts, current) {
        if scope != Some(c.scope) {
            let first = opens_day && scope.is_none();
            out.segments
                .push((id, day, cumulative, owner, c.scope, first));
            scope = Some(c.scope);
        }
        cumulative = cumulative
            .checked_add(u64::from(c.readings))
            .ok_or_else(|| cosmwasm_std::StdError::msg("reading count overflow"))?;
    }
    Ok((cumulative, scope))
}

/// A batch's scopes in the order its readings are counted into segments: the scope of the
/// segment it continues first (so a mixed batch opens as few segments as it can), then the
/// others in code order.
fn continue_first(mut counts: Vec<ScopeCount>, current: Option<DataScope>) -> Vec<ScopeCount> {
    if let Some(at) = counts.iter().position(|c| Some(c.scope) == current) {
        let same = counts.remove(at);
        counts.insert(0, same);
    }
    counts
}

/// A header's sequence numbers against the device's last batch: no overlap. Returns the gap
/// (`from_seq..=to_seq`) it leaves, if any.
#[inline(never)]
fn check_seq(
    index: usize,
    h: &BatchHeader,
    prev: &BatchRecord,
) -> Result<Option<(u64, u64)>, ContractError> {
    if h.first_seq <= prev.last_seq {
        return Err(ContractError::Overlap {
            index,
            device_id: h.device_id.clone(),
            first_seq: h.first_seq,
            anchored: prev.last_seq,
        });
    }
    // Both are at most MAX_SEQ here, and first_seq > prev.last_seq.
    let next = prev.last_seq.saturating_add(1);
    Ok((h.first_seq > next).then(|| (next, h.first_seq.saturating_sub(1))))
}

/// A forward header against the device's forward head: no day backwards, not too soon after
/// its last reading.
#[inline(never)]
fn check_forward(
    index: usize,
    h: &BatchHeader,
    prev: &BatchRecord,
    day: u32,
    kind: DeviceKind,
    config: &Config,
) -> Result<(), ContractError> {
    if day < prev.day {
        return Err(ContractError::DayBackwards {
            index,
            device_id: h.device_id.clone(),
            day: u64::from(day),
            anchored_day: u64::from(prev.day),
        });
    }
    check_after_last(index, h, prev, kind, config)
}

/// The record a batch leaves as its device's head: `cumulative` readings anchored with it, the
/// last of them in a segment of `scope`.
fn batch_record(
    h: &BatchHeader,
    cumulative: u64,
    day: u32,
    height: u64,
    scope: Option<DataScope>,
    backfill: bool,
) -> Result<BatchRecord, ContractError> {
    Ok(BatchRecord {
        first_seq: h.first_seq,
        last_seq: h.last_seq,
        scope,
        root: h
            .root
            .as_slice()
            .try_into()
            .map_err(|_| ContractError::InvalidHash)?,
        cumulative,
        day,
        last_time: h.last_time,
        anchored_height: height,
        backfill,
    })
}

/// Writes the plan, and tells the listeners what was anchored.
fn apply(storage: &mut dyn Storage, env: &Env, plan: Plan) -> Result<Response, ContractError> {
    for (id, record) in &plan.records {
        Batches::save(storage, id, record)?;
    }
    for (id, from_seq, to_seq) in &plan.gaps {
        GAPS.save(
            storage,
            (id, *from_seq),
            &GapRecord {
                to_seq: *to_seq,
                noticed_height: env.block.height,
                noticed_time: env.block.time.seconds(),
            },
        )?;
    }
    for (id, day, start, owner, scope, opens_day) in &plan.segments {
        Segments::save(storage, id, *day, *start, owner, *scope);
        if *opens_day {
            PATIENT_DAYS.save(storage, (owner, *day, id), &scope.code())?;
        }
    }
    plan.backfill.apply(storage)?;
    let listeners = LISTENERS.load(storage)?;
    let messages = hook_msgs(
        &listeners,
        &AnchorsHookMsg::ReadingsAnchored {
            contributions: plan.contributions,
        },
    )?;
    Ok(Response::new()
        .add_messages(messages)
        .add_attribute("action", "submit_batches")
        .add_attribute("batches", plan.records.len().to_string())
        .add_attribute("readings", plan.readings.to_string())
        .add_attribute("gaps", plan.gaps.len().to_string()))
}

fn day_of(unix_seconds: u64) -> Result<u32, ContractError> {
    u32::try_from(utc_day(unix_seconds))
        .map_err(|_| cosmwasm_std::StdError::msg("day out of range").into())
}

/// A device's next batch starts no sooner than its kind's minimum interval after the last
/// reading it anchored (for a version 2 header, the slowest interval of its scopes if slower):
/// otherwise one reading a batch, all at one instant, would pass the per-batch density check.
fn check_after_last(
    index: usize,
    h: &BatchHeader,
    prev: &BatchRecord,
    kind: DeviceKind,
    config: &Config,
) -> Result<(), ContractError> {
    let min_interval_seconds = header_min_interval(h, config.min_interval(kind));
    if h.first_time
        < prev
            .last_time
            .saturating_add(u64::from(min_interval_seconds))
    {
        return Err(ContractError::TooSoonAfterLast {
            index,
            device_id: h.device_id.clone(),
            first_time: h.first_time,
            anchored_time: prev.last_time,
            kind,
            min_interval_seconds,
        });
    }
    Ok(())
}

/// The gap a header must keep after its device's last anchored reading: the kind's interval, or
/// for a version 2 header the slowest of it and its scopes' intervals.
fn header_min_interval(h: &BatchHeader, kind_interval: u32) -> u32 {
    h.scopes.iter().flatten().fold(kind_interval, |slowest, c| {
        slowest.max(scope_min_interval_seconds(c.scope))
    })
}

/// A version 2 header's readings of each scope fit its span at the slower of the kind's and the
/// scope's rate.
fn check_scope_density(
    index: usize,
    h: &BatchHeader,
    kind: DeviceKind,
    kind_interval: u32,
) -> Result<(), ContractError> {
    let span_seconds = h.last_time.saturating_sub(h.first_time);
    for c in h.scopes.iter().flatten() {
        let min_interval_seconds = kind_interval.max(scope_min_interval_seconds(c.scope));
        let max_count = (span_seconds / u64::from(min_interval_seconds.max(1))).saturating_add(1);
        if u64::from(c.readings) > max_count {
            return Err(ContractError::TooDenseForScope {
                index,
                device_id: h.device_id.clone(),
                scope: c.scope,
                readings: c.readings,
                span_seconds,
                kind,
                min_interval_seconds,
                max_count,
            });
        }
    }
    Ok(())
}

/// The checks a header passes on its own: its size, its sequence range, its times and whether
/// its readings fit its time span at the device kind's maximum sampling rate.
fn check_header(
    index: usize,
    h: &BatchHeader,
    now: u64,
    kind: DeviceKind,
    min_interval_seconds: u32,
) -> Result<(), ContractError> {
    let device_id = || h.device_id.clone();
    if h.count == 0 || h.count > MAX_READINGS_PER_BATCH {
        return Err(ContractError::BatchSize {
            index,
            device_id: device_id(),
            max: MAX_READINGS_PER_BATCH,
        });
    }
    if h.first_seq > MAX_SEQ || h.last_seq > MAX_SEQ {
        return Err(ContractError::SeqOutOfRange {
            index,
            device_id: device_id(),
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
        return Err(ContractError::CountMismatch {
            index,
            device_id: device_id(),
            first_seq: h.first_seq,
            last_seq: h.last_seq,
            count: h.count,
        });
    }
    if h.first_time > h.last_time {
        return Err(ContractError::TimesInverted {
            index,
            device_id: device_id(),
            first_time: h.first_time,
            last_time: h.last_time,
        });
    }
    if utc_day(h.first_time) != utc_day(h.last_time) {
        return Err(ContractError::CrossesMidnight {
            index,
            device_id: device_id(),
        });
    }
    if h.last_time > now.saturating_add(MAX_CLOCK_SKEW_SECONDS) {
        return Err(ContractError::FutureReading {
            index,
            device_id: device_id(),
            last_time: h.last_time,
        });
    }
    // `count` readings at least `min_interval` apart span at least (count − 1) intervals.
    let span_seconds = h.last_time.saturating_sub(h.first_time);
    let max_count = (span_seconds / u64::from(min_interval_seconds.max(1))).saturating_add(1);
    if u64::from(h.count) > max_count {
        return Err(ContractError::TooDense {
            index,
            device_id: device_id(),
            count: h.count,
            span_seconds,
            kind,
            min_interval_seconds,
            max_count,
        });
    }
    Ok(())
}

/// ECDSA signatures one by one; all Ed25519 signatures in one batch verification (cheaper
/// per signature), falling back to single checks only to name a failing header.
fn verify_signatures(
    api: &dyn Api,
    items: &[Signed],
    checked: &[Checked],
) -> Result<(), ContractError> {
    let invalid = |index: usize| ContractError::InvalidSignature {
        index,
        device_id: items[index].0.device_id.clone(),
    };
    let verify_one = |index: usize| {
        verify_signature(
            api,
            checked[index].key,
            &checked[index].sign_bytes,
            &items[index].1,
        )
    };
    let mut ed25519 = Vec::new();
    for (index, c) in checked.iter().enumerate() {
        if c.key.algorithm == KeyAlgorithm::Ed25519 {
            ed25519.push(index);
        } else if !verify_one(index) {
            return Err(invalid(index));
        }
    }
    if ed25519.is_empty() {
        return Ok(());
    }
    // The VM takes at most 256 signatures per batch verification.
    for chunk in ed25519.chunks(ED25519_BATCH_MAX) {
        let messages: Vec<&[u8]> = chunk
            .iter()
            .map(|i| checked[*i].sign_bytes.as_slice())
            .collect();
        let signatures: Vec<&[u8]> = chunk.iter().map(|i| items[*i].1.as_slice()).collect();
        let keys: Vec<&[u8]> = chunk
            .iter()
            .map(|i| checked[*i].key.key.as_slice())
            .collect();
        let all_valid = if chunk.len() == 1 {
            api.ed25519_verify(messages[0], signatures[0], keys[0])
        } else {
            api.ed25519_batch_verify(&messages, &signatures, &keys)
        };
        if !all_valid.unwrap_or(false) {
            let failing = chunk
                .iter()
                .copied()
                .find(|i| !verify_one(*i))
                .unwrap_or(chunk[0]);
            return Err(invalid(failing));
        }
    }
    Ok(())
}
