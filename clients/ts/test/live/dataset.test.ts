// A research dataset exported on a real network, verified by the TypeScript client alone against
// the chain through cosmjs: the Rust e2e test tests/e2e/tests/research_dataset.rs leaves in
// .chain/<chain-id>/research-dataset/ the dataset (`dataset.csv`), its export status with the
// manifest (`dataset.csv.manifest.json`) and the study (`study.json`: study_id, union,
// consent). `verifyDataset` must verify the file, by its root and by the manifest's id, and
// must fail a copy with one value of one row changed (the file otherwise canonical): no
// manifest has its root, and against the original's manifest the file check fails on the root.
// The Rust verifier is not called. Skipped, with the reason, without DIACHAIN_CHAIN_ID or
// without that directory.
import { createReadStream, existsSync, readFileSync } from 'node:fs';

import { CosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ConsentQueryClient, DataUnionQueryClient, checkDatasetRow, datasetRowToCsv, fromBase64, parseDatasetCsvLine, toHex,
  verifyDataset, type DatasetVerdict, type ExportStatus,
} from '../../src/index.js';
import { REPO, loadNetwork } from './network.js';

const CHAIN_ID = process.env.DIACHAIN_CHAIN_ID;
const DIR = CHAIN_ID ? `${REPO}.chain/${CHAIN_ID}/research-dataset/` : '';
const FILES = ['dataset.csv', 'dataset.csv.manifest.json', 'study.json'];
const missing = CHAIN_ID ? FILES.filter((f) => !existsSync(DIR + f)) : FILES;
const SKIP = !CHAIN_ID
  ? 'set DIACHAIN_CHAIN_ID to a local network'
  : missing.length > 0
    ? `${DIR} has no ${missing.join(', ')} (written by the Rust e2e test tests/e2e/tests/research_dataset.rs)`
    : null;
if (SKIP) console.warn(`ts client live research dataset test skipped: ${SKIP}`);

interface StudyFile { study_id: number; union: string; consent: string }

const CHECKS = ['manifest', 'file matches manifest', 'participants within membership', 'consents covered the export time'];

describe(`live: a research dataset verified against the chain${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  let client: CosmWasmClient;
  let study: StudyFile;
  let status: ExportStatus;
  let union: DataUnionQueryClient;
  let consent: ConsentQueryClient;
  let verdict: DatasetVerdict;

  beforeAll(async () => {
    if (SKIP) return;
    const net = loadNetwork(CHAIN_ID!);
    study = JSON.parse(readFileSync(`${DIR}study.json`, 'utf8')) as StudyFile;
    status = JSON.parse(readFileSync(`${DIR}dataset.csv.manifest.json`, 'utf8')) as ExportStatus;
    client = await CosmWasmClient.connect(net.rpc);
    union = new DataUnionQueryClient(client, study.union);
    consent = new ConsentQueryClient(client, study.consent);
  }, 60_000);

  afterAll(() => client?.disconnect());

  it('verifies dataset.csv by its root: every check of verify-dataset holds', async (ctx) => {
    if (SKIP) ctx.skip(SKIP);
    const m = status.manifest;
    expect(m, 'the export status has its manifest').toBeTruthy();
    expect(m!.study_id).toBe(study.study_id);
    verdict = await verifyDataset(createReadStream(`${DIR}dataset.csv`), { studyId: study.study_id, union, consent });
    expect(verdict.checks.filter((c) => !c.ok), JSON.stringify(verdict, null, 2)).toEqual([]);
    expect(verdict.verified).toBe(true);
    expect(verdict.checks.map((c) => c.check)).toEqual(CHECKS);
    expect(verdict.study_id).toBe(study.study_id);
    expect(verdict.root).toBe(toHex(fromBase64(m!.root)));
    expect([verdict.rows, verdict.participants]).toEqual([m!.rows, m!.members]);
    // The manifest found is the one the relayer recorded for this export.
    const onChain = await union.manifestByExport({ studyId: study.study_id, exportId: m!.export_id });
    expect(onChain?.id).toBe(verdict.manifest_id);
    expect(onChain?.root).toBe(m!.root);
    // And by its id.
    const byId = await verifyDataset(readFileSync(`${DIR}dataset.csv`), { studyId: study.study_id, manifestId: verdict.manifest_id!, union, consent });
    expect(byId.verified).toBe(true);
  });

  it('fails an edited copy (one value of one row changed, the file otherwise canonical)', async (ctx) => {
    if (SKIP) ctx.skip(SKIP);
    expect(verdict?.verified, 'the original verified').toBe(true);
    const text = readFileSync(`${DIR}dataset.csv`, 'utf8');
    const lines = text.split('\n');
    const at = Math.min(2, lines.length - 2); // the second row when there is one (line 0 is the header)
    const row = parseDatasetCsvLine(lines[at]!);
    const edited = { ...row, value: row.value + 1000 }; // one unit more
    checkDatasetRow(edited);
    lines[at] = datasetRowToCsv(edited);
    const copy = lines.join('\n');
    expect(copy).not.toBe(text);
    expect(copy.length).toBe(text.length + (lines[at].length - datasetRowToCsv(row).length));

    // By its root: no manifest of the study has it.
    const byRoot = await verifyDataset(copy, { studyId: study.study_id, union, consent });
    expect(byRoot.verified).toBe(false);
    expect(byRoot.checks.map((c) => [c.check, c.ok])).toEqual([['manifest', false]]);
    expect(byRoot.root).not.toBe(verdict.root);
    expect(byRoot.rows).toBe(verdict.rows);

    // Against the original's manifest: the file check fails on the root, nothing else differs.
    const byId = await verifyDataset(copy, { studyId: study.study_id, manifestId: verdict.manifest_id!, union, consent });
    expect(byId.verified).toBe(false);
    const file = byId.checks.find((c) => c.check === 'file matches manifest');
    expect(file?.ok).toBe(false);
    expect(file?.detail).toBe(`root: the manifest records ${verdict.root}, the file's rows give ${byId.root}`);
    expect(byId.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['file matches manifest']);
  });
});
