//! The exports a relayer holds: started by a study's sponsor, planned against the chain,
//! written by one blocking pass into sealed files, their manifest and accesses queued for the
//! chain in one durable step, downloadable once the manifest is recorded, deleted after their
//! download window. One export is written at a time; a study keeps at most
//! `max_per_study` exports. The files' key lives in memory only: a restart forgets every export
//! (their manifests stay on chain) and removes the files.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use diachain_relayer_types::exports::{ExportPhase, ExportRequest, ExportStatus, ManifestRecord};
use diachain_relayer_types::{ErrorBody, ErrorCode, OutboxId};
use diachain_std::union::Study;
use diachain_std::DataScope;

use super::identity::PseudonymSecret;
use super::job::{self, JobSpec, Participant};
use super::planner::{plan_members, PlanInput, Planned};
use super::records::{self, ExportFacts};
use super::sealed::{new_key, SealedReader, SealedWriter};
use super::study::StudyView;
use crate::consent::ConsentView;
use crate::store::{DataStore, OutboxStore};

#[derive(Clone, Debug)]
pub struct ExportSettings {
    /// Most members one export plans (each costs chain queries).
    pub max_members: usize,
    /// Seconds an export's files are kept after it began.
    pub keep_secs: u64,
    /// Most exports kept per study.
    pub max_per_study: usize,
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings {
            max_members: 10_000,
            keep_secs: 24 * 3600,
            max_per_study: 10,
        }
    }
}

/// A refusal: the code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

pub(super) fn refuse(code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

pub(super) fn chain_down(e: &diachain_chain_client::Error) -> Refusal {
    refuse(
        ErrorCode::ChainUnavailable,
        format!("The chain did not answer: {e}"),
    )
}

/// One participant as the auditors' row map shows them.
#[derive(Clone, Debug)]
pub struct Mapped {
    pub patient: String,
    pub pseudonym: String,
    pub shift_secs: i64,
    pub from: u64,
    pub to: u64,
    pub scopes: Vec<DataScope>,
    /// Rows of theirs: `first_row..first_row + rows`.
    pub first_row: u64,
    pub rows: u64,
}

/// One export.
pub struct Export {
    pub id: String,
    pub study_id: u64,
    pub sponsor: String,
    request: ExportRequest,
    key: [u8; 32],
    status: Mutex<ExportStatus>,
    mapped: Mutex<Vec<Mapped>>,
    started: u64,
}

impl Export {
    pub fn status(&self) -> ExportStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut ExportStatus)) {
        f(&mut self.status.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn fail(&self, code: ErrorCode, message: String) {
        tracing::warn!(export = %self.id, study = self.study_id, code = code.as_str(), %message, "export failed");
        self.update(|s| {
            s.phase = ExportPhase::Failed;
            s.error = Some(ErrorBody {
                error: code,
                message,
                details: Default::default(),
            });
        });
    }

    /// The participants of the row map.
    pub fn mapped(&self) -> Vec<Mapped> {
        self.mapped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

pub struct ExportService {
    pub studies: Arc<dyn StudyView>,
    pub consent: Arc<dyn ConsentView>,
    pub store: Arc<dyn DataStore>,
    pub outbox: Arc<dyn OutboxStore>,
    secret: PseudonymSecret,
    dir: PathBuf,
    pub settings: ExportSettings,
    exports: Mutex<HashMap<String, Arc<Export>>>,
    busy: AtomicBool,
}

/// Releases the one-export-at-a-time flag however the export ends.
struct BusyGuard<'a>(&'a AtomicBool);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl ExportService {
    /// The service over `dir` (created; files left there by an earlier run are removed).
    pub fn new(
        studies: Arc<dyn StudyView>,
        consent: Arc<dyn ConsentView>,
        store: Arc<dyn DataStore>,
        outbox: Arc<dyn OutboxStore>,
        secret: PseudonymSecret,
        dir: PathBuf,
        settings: ExportSettings,
    ) -> std::io::Result<Self> {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(ExportService {
            studies,
            consent,
            store,
            outbox,
            secret,
            dir,
            settings,
            exports: Mutex::default(),
            busy: AtomicBool::new(false),
        })
    }

    fn data_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.data"))
    }

    fn map_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.rowmap"))
    }

    /// Removes the exports past their window (and their files).
    pub fn prune(&self, now: u64) {
        let mut all = self.exports.lock().unwrap_or_else(PoisonError::into_inner);
        let gone: Vec<String> = all
            .values()
            .filter(|e| e.started.saturating_add(self.settings.keep_secs) <= now)
            .map(|e| e.id.clone())
            .collect();
        for id in gone {
            all.remove(&id);
            let _ = std::fs::remove_file(self.data_path(&id));
            let _ = std::fs::remove_file(self.map_path(&id));
        }
    }

    /// An export of the study, for its sponsor.
    pub fn get(&self, study_id: u64, id: &str) -> Result<Arc<Export>, Refusal> {
        self.exports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .filter(|e| e.study_id == study_id)
            .cloned()
            .ok_or_else(|| {
                refuse(
                    ErrorCode::UnknownExport,
                    format!("Study {study_id} has no export {id:?} on this relayer."),
                )
            })
    }

    /// The study's exports, newest first.
    pub fn list(&self, study_id: u64) -> Vec<ExportStatus> {
        let mut out: Vec<(u64, ExportStatus)> = self
            .exports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|e| e.study_id == study_id)
            .map(|e| (e.started, e.status()))
            .collect();
        out.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.export_id.cmp(&a.1.export_id)));
        out.into_iter().map(|(_, s)| s).collect()
    }

    /// The status with the manifest's record state read now.
    pub fn status(&self, export: &Export) -> ExportStatus {
        let mut s = export.status();
        if let Some(rec) = &s.record {
            if let Ok(Some(item)) = self.outbox.outbox_item(rec.outbox_id) {
                s.phase = match (&s.phase, &item.state) {
                    (
                        ExportPhase::Recording,
                        diachain_relayer_types::OutboxState::Recorded { .. },
                    ) => ExportPhase::Ready,
                    (p, _) => *p,
                };
                if let diachain_relayer_types::OutboxState::Failed { reason } = &item.state {
                    s.phase = ExportPhase::Failed;
                    s.error = Some(ErrorBody {
                        error: ErrorCode::ExportFailed,
                        message: format!("The chain refused the manifest: {reason}"),
                        details: Default::default(),
                    });
                }
                s.record = Some(ManifestRecord {
                    outbox_id: rec.outbox_id,
                    state: item.state,
                });
            }
        }
        s
    }

    /// The dataset's plaintext, chunk by chunk, once the export is ready.
    pub fn open_data(&self, export: &Export) -> Result<SealedReader, Refusal> {
        let s = self.status(export);
        match s.phase {
            ExportPhase::Ready => {}
            ExportPhase::Failed => {
                let why = s.error.map(|e| e.message).unwrap_or_default();
                return Err(refuse(ErrorCode::ExportFailed, why));
            }
            _ => {
                return Err(refuse(
                    ErrorCode::ExportNotReady,
                    "The export is not ready: its rows are being written or its manifest is not \
                     on chain yet. Poll its status.",
                ))
            }
        }
        SealedReader::open(
            &self.data_path(&export.id),
            &export.key,
            export.id.as_bytes(),
        )
        .map_err(|e| refuse(ErrorCode::StoreFailed, format!("The export file: {e}")))
    }

    /// The row map's lines (`device_id seq`), chunk by chunk.
    pub fn open_row_map(&self, export: &Export) -> Result<SealedReader, Refusal> {
        let map_id = format!("{}.rowmap", export.id);
        SealedReader::open(&self.map_path(&export.id), &export.key, map_id.as_bytes())
            .map_err(|e| refuse(ErrorCode::StoreFailed, format!("The row map: {e}")))
    }

    /// Starts an export for `caller`, who must be the study's sponsor; answers at once with its
    /// status (planning), the rest runs in the background.
    pub async fn start(
        self: &Arc<Self>,
        caller: &str,
        study_id: u64,
        request: ExportRequest,
    ) -> Result<ExportStatus, Refusal> {
        let study = self
            .studies
            .study(study_id)
            .await
            .map_err(|e| chain_down(&e))?
            .ok_or_else(|| {
                refuse(
                    ErrorCode::UnknownStudy,
                    format!("The data union has no study {study_id}."),
                )
            })?;
        if study.sponsor.as_str() != caller {
            return Err(refuse(
                ErrorCode::NotTheSponsor,
                format!("Only study {study_id}'s sponsor may export its dataset."),
            ));
        }
        if study.members > self.settings.max_members as u64 {
            return Err(refuse(
                ErrorCode::TooManyMembers,
                format!(
                    "Study {study_id} has {} members; one export takes at most {}.",
                    study.members, self.settings.max_members
                ),
            ));
        }
        if !self
            .consent
            .is_custodian()
            .await
            .map_err(|e| chain_down(&e))?
        {
            return Err(refuse(
                ErrorCode::NotACustodian,
                "This relayer is not an admitted custodian, so it can record neither the \
                 accesses nor the manifest, and exports nothing.",
            ));
        }
        let now_ns = self
            .consent
            .block_time()
            .await
            .map_err(|e| chain_down(&e))?;
        let now = now_ns / 1_000_000_000;
        self.prune(crate::clock::unix_now());
        if self.list(study_id).len() >= self.settings.max_per_study {
            return Err(refuse(
                ErrorCode::TooManyExports,
                format!(
                    "Study {study_id} has {} exports on this relayer; each is kept {} hours.",
                    self.settings.max_per_study,
                    self.settings.keep_secs / 3600
                ),
            ));
        }
        if self
            .busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(refuse(
                ErrorCode::ExportBusy,
                "Another export is being written on this relayer; try again in a minute.",
            ));
        }
        let mut id_bytes = [0u8; 16];
        id_bytes.copy_from_slice(&new_key()[..16]);
        let id = hex::encode(id_bytes);
        let started = crate::clock::unix_now();
        let export = Arc::new(Export {
            id: id.clone(),
            study_id,
            sponsor: caller.to_string(),
            key: new_key(),
            status: Mutex::new(ExportStatus {
                export_id: id.clone(),
                study_id,
                format: request.format,
                shift_times: request.shift_times,
                phase: ExportPhase::Planning,
                exported_at: now,
                members: study.members,
                participants: 0,
                participants_done: 0,
                rows: 0,
                excluded: BTreeMap::new(),
                unanchored_batches: 0,
                bytes: None,
                manifest: None,
                record: None,
                expires_at: started.saturating_add(self.settings.keep_secs),
                error: None,
            }),
            request,
            mapped: Mutex::default(),
            started,
        });
        self.exports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), export.clone());
        let status = export.status();
        let this = self.clone();
        tokio::spawn(async move {
            let busy = BusyGuard(&this.busy);
            if let Err(r) = this.run(&export, study, now_ns, id_bytes, busy).await {
                export.fail(r.code, r.message);
            }
        });
        Ok(status)
    }

    /// Plans, writes and queues the records.
    async fn run(
        self: &Arc<Self>,
        export: &Arc<Export>,
        study: Study,
        now_ns: u64,
        id_bytes: [u8; 16],
        busy: BusyGuard<'_>,
    ) -> Result<(), Refusal> {
        let (plan, excluded) = plan_members(
            self.studies.as_ref(),
            self.consent.as_ref(),
            PlanInput {
                study: &study,
                sponsor: &export.sponsor,
                secret: &self.secret,
                shift_times: export.request.shift_times,
                now_ns,
                max_members: self.settings.max_members,
            },
        )
        .await?;
        export.update(|s| s.excluded = excluded);
        let participants: Vec<Participant> = plan.iter().map(|p| p.participant.clone()).collect();
        export.update(|s| {
            s.phase = ExportPhase::Writing;
            s.participants = participants.len() as u64;
        });
        let spec = JobSpec {
            study_id: study.id,
            data_from_day: study.data_from_day,
            format: export.request.format,
        };
        let this = self.clone();
        let ex = export.clone();
        let outcome = tokio::task::spawn_blocking(move || this.write(&ex, &spec, &participants))
            .await
            .map_err(|_| refuse(ErrorCode::StoreFailed, "The export's writer stopped."))??;
        // Written: the next export may start while this one's records are queued.
        drop(busy);
        self.record(export, &study, plan, outcome, now_ns, id_bytes)
            .await
    }

    /// The blocking pass into the sealed files.
    fn write(
        &self,
        export: &Export,
        spec: &JobSpec,
        participants: &[Participant],
    ) -> Result<job::JobOutcome, Refusal> {
        let io =
            |e: std::io::Error| refuse(ErrorCode::StoreFailed, format!("The export file: {e}"));
        let map_id = format!("{}.rowmap", export.id);
        let mut data = SealedWriter::create(
            &self.data_path(&export.id),
            &export.key,
            export.id.as_bytes(),
        )
        .map_err(io)?;
        let mut map =
            SealedWriter::create(&self.map_path(&export.id), &export.key, map_id.as_bytes())
                .map_err(io)?;
        let mut progress = |done: u64, rows: u64| {
            export.update(|s| {
                s.participants_done = done;
                s.rows = rows;
            });
            true
        };
        let outcome = job::run(
            self.store.as_ref(),
            spec,
            participants,
            &mut data,
            &mut map,
            &mut progress,
        )
        .map_err(|e| refuse(ErrorCode::StoreFailed, format!("Writing the export: {e}")))?;
        data.finish().map_err(io)?;
        map.finish().map_err(io)?;
        let mut first_row = 0u64;
        let mapped = participants
            .iter()
            .zip(&outcome.per_participant)
            .map(|(p, got)| {
                let m = Mapped {
                    patient: p.patient.clone(),
                    pseudonym: p.pseudonym.clone(),
                    shift_secs: p.shift_secs,
                    from: p.window.from,
                    to: p.window.to,
                    scopes: got.scopes.clone(),
                    first_row,
                    rows: got.rows,
                };
                first_row += got.rows;
                m
            })
            .collect();
        *export.mapped.lock().unwrap_or_else(PoisonError::into_inner) = mapped;
        Ok(outcome)
    }

    /// Queues the manifest and the accesses in one durable step.
    async fn record(
        &self,
        export: &Export,
        study: &Study,
        plan: Vec<Planned>,
        outcome: job::JobOutcome,
        now_ns: u64,
        id_bytes: [u8; 16],
    ) -> Result<(), Refusal> {
        let facts = ExportFacts {
            study_id: study.id,
            export_id: id_bytes,
            exported_at_ns: now_ns,
            format: export.request.format,
            time_shifted: export.request.shift_times,
            sponsor: &export.sponsor,
        };
        let manifest = records::manifest(&facts, &outcome);
        let given = manifest.as_ref().map_or(0, |m| m.members);
        let no_rows = plan.len() as u64 - given;
        export.update(|s| {
            s.rows = outcome.rows;
            s.participants = given;
            s.unanchored_batches = outcome.unanchored_batches;
            s.bytes = Some(outcome.bytes);
            if no_rows > 0 {
                *s.excluded.entry("no_rows".into()).or_default() += no_rows;
            }
        });
        let Some(manifest) = manifest else {
            return Err(refuse(
                ErrorCode::ExportFailed,
                "Nothing to export: no member's consent covers anchored readings of the study's \
                 scopes in its period yet.",
            ));
        };
        let msgs = records::outbox_msgs(&facts, manifest.clone(), &plan, &outcome);
        let outbox = self.outbox.clone();
        let ids =
            tokio::task::spawn_blocking(move || outbox.enqueue(&msgs, now_ns / 1_000_000_000))
                .await
                .map_err(|_| refuse(ErrorCode::StoreFailed, "The outbox stopped."))?
                .map_err(|e| {
                    refuse(ErrorCode::StoreFailed, format!("Queueing the records: {e}"))
                })?;
        let outbox_id: OutboxId = ids
            .first()
            .copied()
            .ok_or_else(|| refuse(ErrorCode::StoreFailed, "The outbox returned no id."))?;
        tracing::info!(
            export = %export.id,
            study = study.id,
            participants = given,
            rows = outcome.rows,
            "export written; manifest queued for the chain"
        );
        export.update(|s| {
            s.phase = ExportPhase::Recording;
            s.manifest = Some(manifest);
            s.record = Some(ManifestRecord {
                outbox_id,
                state: diachain_relayer_types::OutboxState::Queued,
            });
        });
        Ok(())
    }
}
