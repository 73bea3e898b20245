// The dataset format against Rust's vectors (packages/relayer-types/tests/vectors/dataset.json,
// written and checked by packages/relayer-types/tests/dataset_vectors.rs): the same lines,
// leaves, Observation lines, roots, summaries, errors (field and line) and mismatches.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  DATASET_CSV_HEADER, DATASET_FORMAT, DATASET_ROW_DOMAIN, DatasetMerkleBuilder, DatasetRowError,
  READING_KINDS, TRENDS, UNITS, checkDatasetAgainstManifest, checkDatasetRow, datasetObservation,
  datasetObservationLine, datasetRowFromObservation, datasetRowLeaf, datasetRowToCsv,
  decodeDatasetObservation, formatDatasetTime, formatDatasetValue, leafHash, merkleRoot,
  parseDatasetCsv, parseDatasetCsvLine, parseDatasetNdjson, parseDatasetTime, readDatasetCsv,
  readDatasetNdjson, READING_SCOPES, summarizeDatasetCsv, summarizeDatasetNdjson, toHex,
  writeDatasetCsv, writeDatasetNdjson,
  type DatasetInput, type DatasetManifestFacts, type DatasetMismatch, type DatasetRow,
  type DatasetRowField, type DatasetSummary, type ReadingKind, type Trend, type Unit,
} from '../../src/index.js';
import { documentedBlock } from './docs.js';

interface Vectors {
  format: string;
  row_domain: string;
  csv_header: string;
  study_id: number;
  data_from_day: number;
  rows: { row: DatasetRow; line: string; leaf: string; observation: string }[];
  datasets: { rows: number; root: string; csv: string; summary: DatasetSummary }[];
  invalid_lines: { line: string; data_from_day: number | null; field: DatasetRowField; why: string }[];
  invalid_files: { name: string; format: 'csv' | 'fhir_ndjson'; text: string; line: number; field: DatasetRowField }[];
  invalid_observations: { name: string; ndjson: string; field: DatasetRowField }[];
  manifest: {
    dataset_rows: number;
    summary: DatasetSummary;
    facts: DatasetManifestFacts;
    mismatches: DatasetMismatch[];
    matching_facts: DatasetManifestFacts;
  };
}

const FILE = fileURLToPath(new URL('../../../../packages/relayer-types/tests/vectors/dataset.json', import.meta.url));
const v = JSON.parse(readFileSync(FILE, 'utf8')) as Vectors;
const ctx = { dataFromDay: v.data_from_day, studyId: v.study_id };

function refusal(f: () => unknown): DatasetRowError {
  try {
    f();
  } catch (e) {
    if (e instanceof DatasetRowError) return e;
    throw e;
  }
  throw new Error('accepted');
}

async function asyncRefusal(p: Promise<unknown>): Promise<DatasetRowError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DatasetRowError) return e;
    throw e;
  }
  throw new Error('accepted');
}

/** The text in chunks cut at `cuts`-spaced bytes, as a stream would give it. */
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

const ndjsonOf = (rows: DatasetRow[]) => rows.map((r) => datasetObservationLine(r, v.study_id) + '\n').join('');

describe('dataset vectors (Rust relayer-types)', () => {
  it('have the same constants', () => {
    expect([v.format, v.row_domain, v.csv_header]).toEqual([DATASET_FORMAT, DATASET_ROW_DOMAIN, DATASET_CSV_HEADER]);
  });

  it.each(v.rows.map((r, i) => [i, r] as const))('row %i: line, leaf, Observation, and back', (_, r) => {
    expect(datasetRowToCsv(r.row)).toBe(r.line);
    expect(parseDatasetCsvLine(r.line, v.data_from_day)).toEqual(r.row);
    expect(toHex(datasetRowLeaf(r.line))).toBe(r.leaf);
    expect(datasetObservationLine(r.row, v.study_id)).toBe(r.observation);
    expect(decodeDatasetObservation(JSON.parse(r.observation))).toEqual({ studyId: v.study_id, row: r.row });
    expect(datasetRowFromObservation(datasetObservation(r.row, v.study_id))).toEqual(r.row);
    checkDatasetRow(r.row);
  });

  it.each(v.datasets.map((d) => [d.rows, d] as const))('the dataset of %i rows: file, root and summary from either format', async (n, d) => {
    const rows = v.rows.slice(0, n).map((r) => r.row);
    expect(writeDatasetCsv(rows)).toBe(d.csv);
    expect(parseDatasetCsv(d.csv).map((r) => r.row)).toEqual(rows);
    expect(parseDatasetCsv(d.csv).map((r) => r.line)).toEqual(rows.map((_, i) => i + 2));
    expect(await summarizeDatasetCsv(d.csv, ctx)).toEqual(d.summary);
    expect(toHex(merkleRoot(v.rows.slice(0, n).map((r) => datasetRowLeaf(r.line))))).toBe(d.root);
    const ndjson = writeDatasetNdjson(rows, v.study_id);
    expect(ndjson).toBe(ndjsonOf(rows));
    expect(parseDatasetNdjson(ndjson).map((r) => r.row)).toEqual(rows);
    const fromNdjson = await summarizeDatasetNdjson(ndjson, ctx);
    expect(fromNdjson).toEqual({ ...d.summary, format: 'fhir_ndjson', study_id: v.study_id });
    // Streamed in chunks cut anywhere, as bytes.
    for (const size of [1, 7, 64, 4096]) {
      expect((await summarizeDatasetCsv(chunked(d.csv, size), ctx)).root).toBe(d.root);
      expect((await summarizeDatasetNdjson(chunked(ndjson, size), ctx)).root).toBe(d.root);
    }
    const streamed: DatasetRow[] = [];
    for await (const { row } of readDatasetCsv(chunked(d.csv, 5))) streamed.push(row);
    expect(streamed).toEqual(rows);
    streamed.length = 0;
    for await (const { row } of readDatasetNdjson([ndjson])) streamed.push(row);
    expect(streamed).toEqual(rows);
  });

  it.each(v.invalid_lines.map((c) => [c.why, c] as const))('an invalid line (%s) names its field', (_, c) => {
    const e = refusal(() => parseDatasetCsvLine(c.line, c.data_from_day ?? undefined));
    expect([e.field, e.line], e.message).toEqual([c.field, undefined]);
  });

  it.each(v.invalid_files.map((c) => [c.name, c] as const))('%s: refused at its line and field', async (_, c) => {
    const input: DatasetInput = c.text;
    const read = c.format === 'csv' ? summarizeDatasetCsv(input) : summarizeDatasetNdjson(input);
    const e = await asyncRefusal(read);
    expect([e.line, e.field], e.message).toEqual([c.line, c.field]);
    const sync = refusal(() => (c.format === 'csv' ? parseDatasetCsv(c.text) : parseDatasetNdjson(c.text)));
    expect([sync.line, sync.field]).toEqual([c.line, c.field]);
  });

  it.each(v.invalid_observations.map((c) => [c.name, c] as const))('an Observation with %s is refused', async (_, c) => {
    const e = await asyncRefusal(summarizeDatasetNdjson(c.ndjson + '\n'));
    expect([e.line, e.field], e.message).toEqual([1, c.field]);
  });

  it("lists a manifest's mismatches as Rust does, and none for the file's own manifest", async () => {
    const m = v.manifest;
    const rows = v.rows.slice(0, m.dataset_rows).map((r) => r.row);
    const summary = await summarizeDatasetNdjson(ndjsonOf(rows));
    expect(summary).toEqual(m.summary);
    expect(checkDatasetAgainstManifest(summary, m.facts)).toEqual(m.mismatches);
    expect(checkDatasetAgainstManifest(summary, m.matching_facts)).toEqual([]);
    expect(checkDatasetAgainstManifest(summary, { ...m.matching_facts, scope_rows: [...m.matching_facts.scope_rows].reverse() }))
      .toEqual([{ mismatch: 'scope_order' }]);
  });

  it("are docs/encoding.md's dataset-vectors block", () => {
    const lines: [string, string][] = [
      ['row[0] line', v.rows[0]!.line],
      ['row[0] leaf', v.rows[0]!.leaf],
      ...v.datasets.map((d): [string, string] => [`root of rows[0..${d.rows}]`, d.root]),
    ];
    expect(documentedBlock('dataset-vectors')).toEqual(lines);
  });
});

describe('dataset format', () => {
  it('streams the RFC 9162 root of every size up to 300', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => leafHash(Uint8Array.of(i >> 8, i)));
    const b = new DatasetMerkleBuilder();
    expect(toHex(b.root())).toBe(toHex(merkleRoot([])));
    leaves.forEach((l, i) => {
      b.push(l);
      expect(b.size).toBe(i + 1);
      expect(toHex(b.root()), `n=${i + 1}`).toBe(toHex(merkleRoot(leaves.slice(0, i + 1))));
    });
  });

  it('writes values and times as Rust does', () => {
    expect([142_000, 7_850, -1_500, 0, 1, 999_999_999_999_999].map(formatDatasetValue)).toEqual(['142', '7.85', '-1.5', '0', '0.001', '999999999999.999']);
    expect(formatDatasetTime(1_796_552_100)).toBe('2026-12-06T10:15:00Z');
    expect(parseDatasetTime('2024-02-29T00:00:00Z')).toBe(1_709_164_800);
    for (const bad of ['2026-02-29T00:00:00Z', '1969-12-31T23:59:59Z', '2026-01-01T00:00:00.0Z', '2026-01-01T24:00:00Z']) {
      expect(parseDatasetTime(bad), bad).toBeUndefined();
    }
    expect(parseDatasetTime(formatDatasetTime(253_402_300_800))).toBeUndefined();
  });

  it('refuses rows the format cannot hold before writing them', () => {
    const row = v.rows[0]!.row;
    for (const bad of [{ ...row, scope: 'insulin' as const }, { ...row, value: 1.5 }, { ...row, time: -1 }, { ...row, participant: 'alice' }]) {
      expect(() => writeDatasetCsv([bad])).toThrow(DatasetRowError);
      expect(() => writeDatasetNdjson([bad], 1)).toThrow(DatasetRowError);
    }
  });

  it('gives random rows the same rows and root from either format', async () => {
    // A fixed xorshift, so a failure repeats.
    let x = 0x2545f491;
    const next = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const pick = <T>(list: readonly T[]): T => list[next(list.length)]!;
    const kinds = Object.keys(READING_KINDS) as ReadingKind[];
    const units = Object.keys(UNITS) as Unit[];
    const trends = Object.keys(TRENDS) as Trend[];
    for (let round = 0; round < 20; round++) {
      const rows: DatasetRow[] = Array.from({ length: next(30) }, () => {
        const kind = pick(kinds);
        const time = 1_767_225_600 + (next(400) - 7) * 86_400 + next(86_400);
        return {
          participant: `P-${next(0xffffffff).toString(16).padStart(8, '0')}${next(0xffffffff).toString(16).padStart(8, '0')}`,
          study_day: Math.floor(time / 86_400) - v.data_from_day,
          time,
          scope: READING_SCOPES[kind],
          kind,
          value: (next(2) ? -1 : 1) * next(1_000_000_000) * pick([1, 1000, 1_000_000]),
          unit: pick(units),
          trend: pick(trends),
          flags: next(0x10000),
        };
      });
      const csv = writeDatasetCsv(rows);
      const ndjson = writeDatasetNdjson(rows, 42);
      expect(parseDatasetCsv(csv, ctx).map((r) => r.row)).toEqual(rows);
      expect(parseDatasetNdjson(ndjson, { ...ctx, studyId: 42 }).map((r) => r.row)).toEqual(rows);
      const [a, b] = [await summarizeDatasetCsv(csv), await summarizeDatasetNdjson(ndjson)];
      expect(b.root).toBe(a.root);
      expect(a.root).toBe(toHex(merkleRoot(rows.map((r) => datasetRowLeaf(datasetRowToCsv(r))))));
    }
  });
});
