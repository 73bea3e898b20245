//! `verify-dataset`: checks a published study dataset against the chain by itself, trusting
//! neither the relayer nor the sponsor:
//! 1. the file's rows are read strictly (every row in its canonical form) and their Merkle root,
//!    counts and period computed;
//! 2. the data-union contract's manifest of the study with that root (or the one named) must
//!    match: root, rows, rows per scope, participants, format, period;
//! 3. participants: at most the study's members, and at most the members whose research grant
//!    was in force at the export time (granted before it, not revoked before it, not expired);
//! 4. with `--row-map` (an auditor's), every mapped row must be exactly the anchored reading its
//!    proof shows (pseudonym, shifted time, study day, kind, value, unit, trend, flags) and the
//!    proof must hold on chain.
//!
//! Exit codes as `verify`: 0 verified, 1 not verified, 2 usage or connection errors.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;
use diachain_chain_client::ChainClient;
use diachain_relayer_types::dataset::{
    self, check_against_manifest, DatasetRow, ManifestFacts, ReadContext,
};
use diachain_relayer_types::exports::RowMapEntry;
use diachain_relayer_types::verify::verify;
use diachain_std::consent::{Expiry, GrantInfo, QueryMsg as ConsentQuery};
use diachain_std::pagination::Page;
use diachain_std::union::{DatasetFormat, Manifest, Member, QueryMsg as UnionQuery, StudyResponse};
use serde::Serialize;

use super::verify::{connect, unusable, ChainAnchors};
use super::{CliError, CliResult};
use crate::config::{ChainSection, ConfigError};

#[derive(Args, Debug)]
pub struct VerifyDatasetArgs {
    /// The dataset file (CSV or FHIR NDJSON, as exported)
    pub file: PathBuf,
    /// The data-union study id
    #[arg(long)]
    pub study: u64,
    /// The manifest to check against (default: the study's manifest whose root is the file's)
    #[arg(long)]
    pub manifest_id: Option<u64>,
    /// An auditor's row map (NDJSON from `row-map`): check every mapped row against its
    /// anchored reading too (needs --anchors-contract)
    #[arg(long)]
    pub row_map: Option<PathBuf>,
    /// The chain: --node, --union-contract and --consent-contract (required), --chain-id
    /// (optional), --anchors-contract (with --row-map)
    #[command(flatten)]
    pub chain: ChainSection,
}

/// One check and its outcome.
#[derive(Serialize, Debug)]
struct Check {
    check: &'static str,
    ok: bool,
    detail: String,
}

/// What `verify-dataset` prints.
#[derive(Serialize, Debug)]
struct DatasetVerdict {
    verified: bool,
    study_id: u64,
    manifest_id: Option<u64>,
    root: String,
    rows: u64,
    participants: u64,
    checks: Vec<Check>,
}

impl DatasetVerdict {
    fn push(&mut self, check: &'static str, ok: bool, detail: impl Into<String>) {
        self.checks.push(Check {
            check,
            ok,
            detail: detail.into(),
        });
    }
}

fn file_format(f: DatasetFormat) -> dataset::DatasetFormat {
    match f {
        DatasetFormat::Csv => dataset::DatasetFormat::Csv,
        DatasetFormat::FhirNdjson => dataset::DatasetFormat::FhirNdjson,
    }
}

fn facts(m: &Manifest) -> Result<ManifestFacts, String> {
    Ok(ManifestFacts {
        study_id: m.study_id,
        members: m.members,
        rows: m.rows,
        scope_rows: m
            .scope_rows
            .iter()
            .map(|s| dataset::ScopeRows {
                scope: s.scope,
                rows: s.rows,
            })
            .collect(),
        data_from: m.data_from.seconds(),
        data_to: m.data_to.seconds(),
        format: file_format(m.format),
        time_shifted: m.time_shifted,
        root: m
            .root
            .as_slice()
            .try_into()
            .map_err(|_| "the manifest's root is not 32 bytes".to_string())?,
    })
}

/// Reads the file once: its summary (root, counts) in whichever format it is.
fn summarize(
    path: &PathBuf,
    data_from_day: u64,
    study_id: u64,
) -> Result<dataset::DatasetSummary, CliError> {
    let open = || -> Result<std::io::BufReader<std::fs::File>, CliError> {
        let f = std::fs::File::open(path).map_err(|source| CliError::Read {
            path: path.clone(),
            source,
        })?;
        Ok(std::io::BufReader::with_capacity(1 << 20, f))
    };
    let mut first = String::new();
    open()?.read_line(&mut first)?;
    let ctx = ReadContext {
        data_from_day: Some(data_from_day),
        study_id: Some(study_id),
    };
    let summary = if first.starts_with('{') {
        dataset::summarize_ndjson(open()?, ctx)
    } else {
        dataset::summarize_csv(open()?, ctx)
    };
    summary.map_err(|e| CliError::DatasetNotVerified {
        reason: format!("the file is not a dataset in canonical form: {e}"),
    })
}

pub fn run(args: VerifyDatasetArgs, file_chain: ChainSection) -> CliResult {
    let chain = args.chain.clone().or(file_chain);
    let prepared = (|| {
        let node = chain.node.clone().ok_or(ConfigError::Missing("--node"))?;
        let union = chain
            .union_contract
            .clone()
            .ok_or(ConfigError::Missing("--union-contract"))?;
        let consent = chain
            .consent_contract
            .clone()
            .ok_or(ConfigError::Missing("--consent-contract"))?;
        if args.row_map.is_some() && chain.anchors_contract.is_none() {
            return Err(ConfigError::Missing("--anchors-contract (with --row-map)").into());
        }
        Ok::<_, CliError>((node, union, consent))
    })();
    let (node, union, consent) = prepared.unwrap_or_else(|e| unusable("verify-dataset", &e));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let verdict = runtime
        .block_on(async {
            let client = connect(&node, &chain).await?;
            check(
                &args,
                &client,
                &union,
                &consent,
                chain.anchors_contract.clone(),
            )
            .await
        })
        .unwrap_or_else(|e| match e {
            e @ CliError::DatasetNotVerified { .. } => {
                eprintln!("diachain-relayer verify-dataset: {e}");
                std::process::exit(1)
            }
            e => unusable("verify-dataset", &e),
        });
    println!("{}", serde_json::to_string_pretty(&verdict)?);
    if verdict.verified {
        Ok(())
    } else {
        let failed: Vec<String> = verdict
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.check, c.detail))
            .collect();
        Err(CliError::DatasetNotVerified {
            reason: failed.join("; "),
        })
    }
}

async fn check(
    args: &VerifyDatasetArgs,
    client: &ChainClient,
    union: &str,
    consent: &str,
    anchors: Option<String>,
) -> Result<DatasetVerdict, CliError> {
    let study: StudyResponse = client
        .smart_query(
            union,
            &UnionQuery::Study {
                study_id: args.study,
            },
        )
        .await?;
    let study = study.study;
    let summary = summarize(&args.file, study.data_from_day, study.id)?;
    let mut v = DatasetVerdict {
        verified: false,
        study_id: study.id,
        manifest_id: None,
        root: hex::encode(summary.root),
        rows: summary.rows,
        participants: summary.participants,
        checks: Vec::new(),
    };
    let Some(manifest) = find_manifest(client, union, args, &summary.root).await? else {
        v.push(
            "manifest",
            false,
            format!(
                "study {} has no manifest {} on chain",
                study.id,
                match args.manifest_id {
                    Some(id) => format!("{id}"),
                    None => format!("with the file's root {}", v.root),
                }
            ),
        );
        return Ok(v);
    };
    v.manifest_id = Some(manifest.id);
    v.push(
        "manifest",
        true,
        format!(
            "manifest {} recorded by custodian {} at height {}",
            manifest.id, manifest.custodian, manifest.height
        ),
    );
    let mismatches = match facts(&manifest) {
        Ok(f) => check_against_manifest(&summary, &f)
            .iter()
            .map(ToString::to_string)
            .collect(),
        Err(why) => vec![why],
    };
    v.push(
        "file matches manifest",
        mismatches.is_empty(),
        if mismatches.is_empty() {
            format!(
                "root, {} rows, rows per scope, {} participants, format and period as recorded",
                summary.rows, summary.participants
            )
        } else {
            mismatches.join("; ")
        },
    );
    let in_force = consents_in_force(client, union, consent, &study, &manifest).await?;
    v.push(
        "participants within membership",
        manifest.members <= study.members,
        format!(
            "{} participants; the study has had {} members",
            manifest.members, study.members
        ),
    );
    v.push(
        "consents covered the export time",
        manifest.members <= in_force,
        format!(
            "{} participants; {in_force} members' research grants (to the sponsor) were in force \
             at {}",
            manifest.members,
            diachain_chain_client::time::rfc3339(manifest.exported_at.seconds())
        ),
    );
    if let (Some(map), Some(anchors)) = (&args.row_map, anchors) {
        let (ok, detail) = check_row_map(client, &anchors, &args.file, map, &study).await?;
        v.push("row map", ok, detail);
    }
    v.verified = v.checks.iter().all(|c| c.ok);
    Ok(v)
}

/// The manifest named, or the study's manifest whose root is `root`.
async fn find_manifest(
    client: &ChainClient,
    union: &str,
    args: &VerifyDatasetArgs,
    root: &[u8; 32],
) -> Result<Option<Manifest>, CliError> {
    if let Some(id) = args.manifest_id {
        let q = UnionQuery::Manifest {
            study_id: args.study,
            manifest_id: id,
        };
        return match client.smart_query::<_, Manifest>(union, &q).await {
            Ok(m) => Ok(Some(m)),
            // The contract's refusal: `study N has no manifest M`.
            Err(diachain_chain_client::Error::Query { log, .. })
                if log.contains("has no manifest") =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        };
    }
    let mut start_after = None;
    loop {
        let q = UnionQuery::Manifests {
            study_id: args.study,
            start_after,
            limit: Some(diachain_std::pagination::MAX_LIMIT),
        };
        let page: Page<Manifest> = client.smart_query(union, &q).await?;
        if let Some(m) = page.items.iter().find(|m| m.root.as_slice() == root) {
            return Ok(Some(m.clone()));
        }
        match (page.has_more, page.items.last()) {
            (true, Some(last)) => start_after = Some(last.id),
            _ => return Ok(None),
        }
    }
}

/// Members whose research grant for the study, to its sponsor, was in force at the manifest's
/// export time: granted at or before it, not revoked at or before it, not expired by it (a grant
/// that ends at a height is judged by its revocation only: heights have no time).
async fn consents_in_force(
    client: &ChainClient,
    union: &str,
    consent: &str,
    study: &diachain_std::union::Study,
    manifest: &Manifest,
) -> Result<u64, CliError> {
    let study_id = &study.id;
    let at = manifest.exported_at;
    let mut count = 0u64;
    let mut start_after = None;
    loop {
        let q = UnionQuery::Members {
            study_id: *study_id,
            start_after,
            limit: Some(diachain_std::pagination::MAX_LIMIT),
        };
        let page: Page<Member> = client.smart_query(union, &q).await?;
        for m in &page.items {
            let g: GrantInfo = client
                .smart_query(
                    consent,
                    &ConsentQuery::Grant {
                        grant_id: m.grant_id,
                    },
                )
                .await?;
            let g = g.grant;
            let granted = g.granted_at <= at;
            let not_revoked = g.revoked.as_ref().is_none_or(|r| r.at > at);
            let not_expired = match g.expires {
                Expiry::AtTime(t) => t > at,
                Expiry::AtHeight(_) => true,
            };
            let research = g.purpose == diachain_std::Purpose::Research
                && g.study_id == Some(*study_id)
                && g.grantee == study.sponsor;
            if granted && not_revoked && not_expired && research {
                count += 1;
            }
        }
        match (page.has_more, page.items.last()) {
            (true, Some(last)) => start_after = Some(last.patient.to_string()),
            _ => return Ok(count),
        }
    }
}

/// The row a proven reading makes for a participant with `shift` in a study starting on
/// `data_from_day`.
fn expected_row(e: &RowMapEntry, data_from_day: u64) -> Option<DatasetRow> {
    let r = &e.proof.reading;
    let time = i64::try_from(r.measured_at)
        .ok()?
        .checked_add(e.shift_secs)?;
    Some(DatasetRow {
        participant: e.participant.clone(),
        study_day: time.div_euclid(86_400) - i64::try_from(data_from_day).ok()?,
        time,
        scope: r.kind.scope(),
        kind: r.kind,
        value: r.value,
        unit: r.unit,
        trend: r.trend,
        flags: r.flags,
    })
}

/// Every row-map entry: the file's row at its position is the row its reading makes, and its
/// proof holds on chain.
async fn check_row_map(
    client: &ChainClient,
    anchors: &str,
    file: &PathBuf,
    map: &PathBuf,
    study: &diachain_std::union::Study,
) -> Result<(bool, String), CliError> {
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).map_err(|source| CliError::Read {
            path: p.clone(),
            source,
        })
    };
    let text = read(file)?;
    let rows: Vec<&str> = if text.starts_with('{') {
        text.lines().collect()
    } else {
        text.lines().skip(1).collect()
    };
    let source = ChainAnchors {
        client: client.clone(),
        contract: anchors.to_string(),
    };
    let mut checked = 0u64;
    let mut participants: BTreeMap<String, u64> = BTreeMap::new();
    for (n, line) in read(map)?.lines().enumerate() {
        let e: RowMapEntry =
            serde_json::from_str(line).map_err(|err| CliError::DatasetNotVerified {
                reason: format!("row map line {}: {err}", n + 1),
            })?;
        let fail = |why: String| Ok((false, format!("row {}: {why}", e.row)));
        let Some(file_line) = usize::try_from(e.row).ok().and_then(|i| rows.get(i)) else {
            return fail("the file has no such row".into());
        };
        let got = if file_line.starts_with('{') {
            serde_json::from_str(file_line)
                .map_err(|err| err.to_string())
                .and_then(|obs| dataset::row_from_observation(&obs).map_err(|err| err.to_string()))
        } else {
            dataset::parse_csv_line(file_line, Some(study.data_from_day))
                .map_err(|err| err.to_string())
        };
        let got = match got {
            Ok(r) => r,
            Err(why) => return fail(why),
        };
        if Some(&got) != expected_row(&e, study.data_from_day).as_ref() {
            return fail(format!(
                "the file's row is not the anchored reading {} #{} of participant {}",
                e.proof.device_id, e.proof.seq, e.participant
            ));
        }
        let verdict = verify(&e.proof, &source).await?;
        if let Some(reason) = verdict.reason {
            return fail(format!("the reading's proof does not hold: {reason}"));
        }
        checked += 1;
        *participants.entry(e.participant.clone()).or_default() += 1;
    }
    Ok((
        checked > 0,
        format!(
            "{checked} rows of {} participants are anchored readings, proven on chain",
            participants.len()
        ),
    ))
}
