//! The export's pass over the store: for each participant (in pseudonym order), day by day, the
//! anchored readings their window allows, written as de-identified rows while the Merkle root,
//! the counts and the auditors' row map (row → device and sequence number, sealed, never
//! served to the sponsor) are kept alongside. Memory stays bounded by one day of one
//! participant's batches, whatever the study's size.

use std::collections::BTreeMap;
use std::io::Write;

use diachain_relayer_types::dataset::{DatasetRow, MerkleBuilder};
use diachain_std::merkle::Hash;
use diachain_std::union::DatasetFormat;
use diachain_std::DataScope;

use super::format::write_row;
use super::plan::Window;
use crate::store::{AnchorState, DataStore, StoreError};

const DAY: u64 = 86_400;
/// Most batches one participant's day may hold (a day of 1-minute CGM data from a dozen
/// devices is far below it); a day past it fails the export rather than loading it whole.
pub const MAX_BATCHES_PER_DAY: usize = 20_000;

/// One member in the export.
#[derive(Clone, Debug)]
pub struct Participant {
    pub patient: String,
    pub pseudonym: String,
    /// Added to every time of theirs (whole days; 0 without shifting).
    pub shift_secs: i64,
    pub window: Window,
}

/// What the pass is asked to do.
#[derive(Clone, Debug)]
pub struct JobSpec {
    pub study_id: u64,
    /// The study's first UTC day: `study_day` counts from it.
    pub data_from_day: u64,
    pub format: DatasetFormat,
}

/// What one participant gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParticipantRows {
    pub rows: u64,
    /// The scopes they gave rows of.
    pub scopes: Vec<DataScope>,
}

/// What the pass wrote.
#[derive(Clone, Debug)]
pub struct JobOutcome {
    pub rows: u64,
    pub scope_rows: BTreeMap<DataScope, u64>,
    /// Per participant, in the order given.
    pub per_participant: Vec<ParticipantRows>,
    /// Earliest and latest measurement time written (before any shift).
    pub measured: Option<(u64, u64)>,
    pub root: Hash,
    /// Batches in the windows left out because they are not anchored yet.
    pub unanchored_batches: u64,
    /// Bytes of the dataset file.
    pub bytes: u64,
}

#[derive(thiserror::Error, Debug)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("a participant's day holds more than {MAX_BATCHES_PER_DAY} batches")]
    TooManyBatches,
    #[error("a stored reading cannot be exported: {0}")]
    Row(String),
    #[error("the export was cancelled")]
    Cancelled,
}

/// Counts what is written, so the file's size is known without another pass.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    bytes: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Runs the pass. `progress(participants_done, rows)` is called after each participant;
/// returning `false` cancels.
pub fn run(
    store: &dyn DataStore,
    spec: &JobSpec,
    participants: &[Participant],
    data: &mut dyn Write,
    row_map: &mut dyn Write,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<JobOutcome, JobError> {
    let mut out = Counting {
        inner: data,
        bytes: 0,
    };
    super::format::write_header(&mut out, spec.format)?;
    let mut tree = MerkleBuilder::new();
    let mut outcome = JobOutcome {
        rows: 0,
        scope_rows: BTreeMap::new(),
        per_participant: Vec::with_capacity(participants.len()),
        measured: None,
        root: [0; 32],
        unanchored_batches: 0,
        bytes: 0,
    };
    for (done, p) in participants.iter().enumerate() {
        let mine = participant(store, spec, p, &mut out, row_map, &mut tree, &mut outcome)?;
        outcome.per_participant.push(mine);
        if !progress(done as u64 + 1, outcome.rows) {
            return Err(JobError::Cancelled);
        }
    }
    outcome.root = tree.finish();
    outcome.bytes = out.bytes;
    Ok(outcome)
}

/// One participant's rows, day by day through their window.
fn participant(
    store: &dyn DataStore,
    spec: &JobSpec,
    p: &Participant,
    out: &mut dyn Write,
    row_map: &mut dyn Write,
    tree: &mut MerkleBuilder,
    outcome: &mut JobOutcome,
) -> Result<ParticipantRows, JobError> {
    let mut mine = ParticipantRows::default();
    let w = &p.window;
    let mut day_from = w.from;
    while day_from <= w.to {
        let day_to = (day_from / DAY)
            .saturating_add(1)
            .saturating_mul(DAY)
            .saturating_sub(1)
            .min(w.to);
        let batches =
            store.patient_batches(&p.patient, day_from, day_to, MAX_BATCHES_PER_DAY + 1)?;
        if batches.len() > MAX_BATCHES_PER_DAY {
            return Err(JobError::TooManyBatches);
        }
        for b in batches {
            if !matches!(b.state, AnchorState::Anchored { .. }) {
                outcome.unanchored_batches += 1;
                continue;
            }
            for r in store.readings(&b)? {
                let scope = r.kind.scope();
                if !w.scopes.contains(&scope) || !(day_from..=day_to).contains(&r.measured_at) {
                    continue;
                }
                let row = to_row(spec, p, &r)?;
                let line = write_row(out, spec.format, spec.study_id, &row)?;
                tree.push(diachain_relayer_types::dataset::row_leaf(&line));
                writeln!(row_map, "{} {}", r.device_id, r.seq)?;
                mine.rows += 1;
                if !mine.scopes.contains(&scope) {
                    mine.scopes.push(scope);
                }
                outcome.rows += 1;
                *outcome.scope_rows.entry(scope).or_default() += 1;
                outcome.measured = Some(match outcome.measured {
                    None => (r.measured_at, r.measured_at),
                    Some((a, z)) => (a.min(r.measured_at), z.max(r.measured_at)),
                });
            }
        }
        day_from = match day_to.checked_add(1) {
            Some(next) => next,
            None => break,
        };
    }
    mine.scopes.sort();
    Ok(mine)
}

/// A stored reading as the participant's de-identified row.
fn to_row(
    spec: &JobSpec,
    p: &Participant,
    r: &diachain_std::Reading,
) -> Result<DatasetRow, JobError> {
    let measured = i64::try_from(r.measured_at).map_err(|_| JobError::Row("time".into()))?;
    let time = measured
        .checked_add(p.shift_secs)
        .ok_or_else(|| JobError::Row("time".into()))?;
    let first_day = i64::try_from(spec.data_from_day).map_err(|_| JobError::Row("day".into()))?;
    Ok(DatasetRow {
        participant: p.pseudonym.clone(),
        study_day: time.div_euclid(DAY as i64) - first_day,
        time,
        scope: r.kind.scope(),
        kind: r.kind,
        value: r.value,
        unit: r.unit,
        trend: r.trend,
        flags: r.flags,
    })
}
