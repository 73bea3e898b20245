//! The ingest transaction, as in the embedded store: each batch placed against the ranges held
//! for its device (`store::placement`, the same rule), then its record, its sealed readings and
//! its place in the anchoring queue, all in one commit. The devices' rows are locked first, in
//! name order, so that instances sharing the database place a device's batches one at a time
//! and never deadlock.
//!
//! A group commit holds up to `max_group` batches, and each statement is a round trip to the
//! server, so the transaction is set-based: a fixed number of statements per group, whatever
//! its size (lock the devices and patients, read the held ranges around every batch at once,
//! take the ids, insert every batch, insert every reading; a data key is read once per patient).
//! The batches of one device within the group are placed one after another, each against what
//! is held and what the group placed before it.

use std::collections::HashMap;

use diachain_std::encoding::{utc_day, BatchHeader};
use postgres::Transaction;

use super::codec::{self, key, unkey};
use super::{held_times, keys, locks, PgStore};
use crate::store::keys::{Cipher, Staged};
use crate::store::placement::{self, Head, Placement};
use crate::store::{IngestOutcome, NewBatch, SeqRange, StoreError, StoredBatch};

pub(super) fn ingest(
    store: &PgStore,
    batches: &[NewBatch],
) -> Result<Vec<IngestOutcome>, StoreError> {
    if batches.is_empty() {
        return Ok(Vec::new());
    }
    let mut devices: Vec<String> = batches.iter().map(|b| b.header.device_id.clone()).collect();
    devices.sort();
    devices.dedup();
    let (outcomes, staged) = store.with_tx(|tx| {
        lock_devices(tx, &devices)?;
        // An erasure of one of these patients waits, or is waited for: never a reading
        // sealed under a key it destroyed.
        locks::lock_patients(tx, batches.iter().map(|b| b.patient.as_str()))?;
        let decisions = decide_all(batches, neighbours(tx, batches)?)?;
        let to_store = decisions
            .iter()
            .filter(|d| matches!(d, Decision::Store { .. }))
            .count();
        let ids = next_ids(tx, to_store)?;
        let mut staged = Staged::new();
        let mut ciphers: HashMap<&str, Cipher> = HashMap::new();
        let mut rows = Rows::default();
        let mut stored: Vec<StoredBatch> = Vec::with_capacity(to_store);
        let mut outcomes = Vec::with_capacity(batches.len());
        for (batch, decision) in batches.iter().zip(decisions) {
            let outcome = match decision {
                Decision::Refused(outcome) => *outcome,
                Decision::DuplicateOf(k) => {
                    let earlier = stored.get(k).ok_or_else(|| {
                        StoreError::Corrupt(format!("ingest: no batch {k} placed in this group"))
                    })?;
                    IngestOutcome::Duplicate(earlier.clone())
                }
                Decision::Store { gap } => {
                    let id = *ids.get(stored.len()).ok_or_else(|| {
                        StoreError::Corrupt("ingest: fewer batch ids than batches".into())
                    })?;
                    let cipher = match ciphers.get(batch.patient.as_str()) {
                        Some(c) => c.clone(),
                        None => {
                            let c = keys::for_write(&store.keys, tx, &mut staged, &batch.patient)?;
                            ciphers.insert(batch.patient.as_str(), c.clone());
                            c
                        }
                    };
                    let new = rows.add(batch, id, gap, &cipher)?;
                    if batch.backfill {
                        let device = batch.header.device_id.as_str();
                        held_times::record(tx, device, &batch.readings, &batch.millis)?;
                    }
                    stored.push(new.clone());
                    IngestOutcome::Stored(new)
                }
            };
            outcomes.push(outcome);
        }
        rows.insert(tx)?;
        Ok((outcomes, staged))
    })?;
    store.keys.promote(staged);
    Ok(outcomes)
}

fn lock_devices(tx: &mut Transaction, devices: &[String]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO devices (device_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
        &[&devices],
    )?;
    tx.execute(
        "SELECT 1 FROM devices WHERE device_id = ANY($1) ORDER BY device_id FOR UPDATE",
        &[&devices],
    )?;
    Ok(())
}

/// What is held around each batch (in batch order): the held batch starting at or below its
/// last seq with the highest start, and the range of the highest-starting one above it.
type Around = (Option<StoredBatch>, Option<SeqRange>);

fn neighbours(tx: &mut Transaction, batches: &[NewBatch]) -> Result<Vec<Around>, StoreError> {
    let devices: Vec<&str> = batches
        .iter()
        .map(|b| b.header.device_id.as_str())
        .collect();
    let lasts: Vec<i64> = batches.iter().map(|b| key(b.header.last_seq)).collect();
    let rows = tx.query(
        "SELECT (SELECT b.record FROM batches b WHERE b.device_id = q.d AND b.first_seq <= q.l
                 ORDER BY b.first_seq DESC LIMIT 1),
                a.first_seq, a.last_seq
         FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS q(d, l, i)
         LEFT JOIN LATERAL (SELECT b.first_seq, b.last_seq FROM batches b
                            WHERE b.device_id = q.d AND b.first_seq > q.l
                            ORDER BY b.first_seq DESC LIMIT 1) a ON true
         ORDER BY q.i",
        &[&devices, &lasts],
    )?;
    if rows.len() != batches.len() {
        return Err(StoreError::Corrupt(format!(
            "ingest: {} held ranges read for {} batches",
            rows.len(),
            batches.len()
        )));
    }
    rows.iter()
        .map(|r| {
            let below = r
                .get::<_, Option<&[u8]>>(0)
                .map(codec::decode_batch)
                .transpose()?;
            let above = match (r.get::<_, Option<i64>>(1), r.get::<_, Option<i64>>(2)) {
                (Some(first), Some(last)) => Some(SeqRange {
                    first_seq: unkey(first),
                    last_seq: unkey(last),
                }),
                _ => None,
            };
            Ok((below, above))
        })
        .collect()
}

/// `n` new batch ids, ascending (a device's batches get ids in their sequence order).
fn next_ids(tx: &mut Transaction, n: usize) -> Result<Vec<i64>, StoreError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = tx
        .query(
            "SELECT nextval('batch_ids') FROM generate_series(1, $1::bigint)",
            &[&codec::limit(n)],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// What becomes of one batch of the group.
enum Decision {
    Refused(Box<IngestOutcome>),
    /// The same batch as the group's `k`-th stored one.
    DuplicateOf(usize),
    Store {
        gap: Option<SeqRange>,
    },
}

/// A held batch a new one is placed against: in the database, or placed earlier in this group
/// (the `k`-th stored).
enum Held<'a> {
    Stored(Box<StoredBatch>),
    Placed(usize, &'a BatchHeader),
}

impl Held<'_> {
    fn header(&self) -> &BatchHeader {
        match self {
            Held::Stored(b) => &b.header,
            Held::Placed(_, h) => h,
        }
    }

    fn range(&self) -> SeqRange {
        let h = self.header();
        SeqRange {
            first_seq: h.first_seq,
            last_seq: h.last_seq,
        }
    }
}

/// Places every batch in order: each against what is held and what the group placed before it.
fn decide_all(batches: &[NewBatch], around: Vec<Around>) -> Result<Vec<Decision>, StoreError> {
    let mut placed: HashMap<&str, Vec<(usize, &BatchHeader)>> = HashMap::new();
    let mut stored = 0usize;
    let mut decisions = Vec::with_capacity(batches.len());
    for (batch, (below, above)) in batches.iter().zip(around) {
        let h = &batch.header;
        let earlier = placed
            .get(h.device_id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let below = latest(
            below.map(|b| Held::Stored(Box::new(b))),
            earlier
                .iter()
                .filter(|(_, e)| e.first_seq <= h.last_seq)
                .map(|&(k, e)| Held::Placed(k, e)),
        );
        let above = latest_range(
            above,
            earlier
                .iter()
                .filter(|(_, e)| e.first_seq > h.last_seq)
                .map(|(_, e)| range_of(e)),
        );
        let decision = decide(batch, below, above)?;
        if matches!(decision, Decision::Store { .. }) {
            placed
                .entry(h.device_id.as_str())
                .or_default()
                .push((stored, h));
            stored += 1;
        }
        decisions.push(decision);
    }
    Ok(decisions)
}

fn decide(
    batch: &NewBatch,
    below: Option<Held>,
    above: Option<SeqRange>,
) -> Result<Decision, StoreError> {
    let h = &batch.header;
    let below = below.map(|b| (b.range(), b));
    Ok(match placement::place(h.first_seq, below, above) {
        Placement::SameStart(held) if held.header() != h => refused(IngestOutcome::Overlap {
            conflict: held.range(),
        }),
        Placement::SameStart(Held::Stored(b)) => refused(IngestOutcome::Duplicate(*b)),
        Placement::SameStart(Held::Placed(k, _)) => Decision::DuplicateOf(k),
        Placement::Overlap(conflict) => refused(IngestOutcome::Overlap { conflict }),
        Placement::BehindHead(head) => refused(IngestOutcome::BehindHead { head }),
        Placement::Next { gap, head } => {
            let head = head.map(|held| {
                let last_time = held.header().last_time;
                Head {
                    day: utc_day(held.header().first_time),
                    last_time: move || Ok(last_time),
                }
            });
            match placement::refused_after(batch, head)? {
                Some(outcome) => refused(outcome),
                None => Decision::Store { gap },
            }
        }
    })
}

fn refused(outcome: IngestOutcome) -> Decision {
    Decision::Refused(Box::new(outcome))
}

fn range_of(h: &BatchHeader) -> SeqRange {
    SeqRange {
        first_seq: h.first_seq,
        last_seq: h.last_seq,
    }
}

/// Of a held batch and the group's candidates, the one with the highest start.
fn latest<'a>(held: Option<Held<'a>>, group: impl Iterator<Item = Held<'a>>) -> Option<Held<'a>> {
    group.fold(held, |best, c| match best {
        Some(b) if b.header().first_seq >= c.header().first_seq => Some(b),
        _ => Some(c),
    })
}

/// Of a held range and the group's candidates, the one with the highest start.
fn latest_range(held: Option<SeqRange>, group: impl Iterator<Item = SeqRange>) -> Option<SeqRange> {
    group.fold(held, |best, c| match best {
        Some(b) if b.first_seq >= c.first_seq => Some(b),
        _ => Some(c),
    })
}

/// The group's new rows, inserted with one statement per table.
#[derive(Default)]
struct Rows {
    ids: Vec<i64>,
    devices: Vec<String>,
    first_seqs: Vec<i64>,
    last_seqs: Vec<i64>,
    days: Vec<i64>,
    patients: Vec<String>,
    first_times: Vec<i64>,
    last_times: Vec<i64>,
    received: Vec<i64>,
    records: Vec<Vec<u8>>,
    reading_batches: Vec<i64>,
    reading_seqs: Vec<i64>,
    reading_blobs: Vec<Vec<u8>>,
}

impl Rows {
    /// Seals `batch`'s readings under `cipher` and adds its rows with id `id`.
    fn add(
        &mut self,
        batch: &NewBatch,
        id: i64,
        gap: Option<SeqRange>,
        cipher: &Cipher,
    ) -> Result<StoredBatch, StoreError> {
        let h = &batch.header;
        for sealed in batch.sealed_readings(cipher) {
            let (seq, blob) = sealed?;
            self.reading_batches.push(id);
            self.reading_seqs.push(key(seq));
            self.reading_blobs.push(blob);
        }
        let stored = batch.stored(codec::unid(id)?, gap);
        self.ids.push(id);
        self.devices.push(h.device_id.clone());
        self.first_seqs.push(key(h.first_seq));
        self.last_seqs.push(key(h.last_seq));
        self.days.push(codec::id(utc_day(h.first_time))?);
        self.patients.push(batch.patient.clone());
        self.first_times.push(key(h.first_time));
        self.last_times.push(key(h.last_time));
        self.received.push(key(batch.received_at));
        self.records.push(codec::encode_batch(&stored)?);
        Ok(stored)
    }

    fn insert(&self, tx: &mut Transaction) -> Result<(), StoreError> {
        if self.ids.is_empty() {
            return Ok(());
        }
        tx.execute(
            "INSERT INTO batches (id, device_id, first_seq, last_seq, day, patient, first_time,
                                  last_time, received_at, state, record)
             SELECT id, d, fs, ls, dy, p, ft, lt, ra, 'pending', rec
             FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                         $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bytea[])
                  AS r(id, d, fs, ls, dy, p, ft, lt, ra, rec)",
            &[
                &self.ids,
                &self.devices,
                &self.first_seqs,
                &self.last_seqs,
                &self.days,
                &self.patients,
                &self.first_times,
                &self.last_times,
                &self.received,
                &self.records,
            ],
        )?;
        if !self.reading_batches.is_empty() {
            tx.execute(
                "INSERT INTO readings (batch_id, seq, sealed)
                 SELECT b, s, x FROM unnest($1::bigint[], $2::bigint[], $3::bytea[]) AS r(b, s, x)",
                &[
                    &self.reading_batches,
                    &self.reading_seqs,
                    &self.reading_blobs,
                ],
            )?;
        }
        Ok(())
    }
}
