// verifyDataset against fake data-union and consent query clients (paged as the contracts page:
// at most 100 items, `has_more`), on the 5-row dataset of Rust's vectors: found by root (on a
// later page) and by id, not found either way, an edited row, participants above the study's
// members or above the grants in force at the export time (revoked before, at and after it,
// expired, ending at a height, granted after it, for another study), a file not in canonical
// form, NDJSON, and a stream split anywhere. The details are verify-dataset's sentences.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  CONTRACT_PAGE_LIMIT, describeDatasetMismatch, fromHex, grantInForceAt, parseDatasetCsv, toBase64, verifyDataset,
  writeDatasetNdjson, type ConsentTypes, type DataUnionTypes, type DatasetConsentQueries, type DatasetMismatch,
  type DatasetSummary, type DatasetUnionQueries,
} from '../../src/index.js';

const vectors = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../packages/relayer-types/tests/vectors/dataset.json', import.meta.url)), 'utf8')) as {
  datasets: { rows: number; root: string; csv: string; summary: DatasetSummary }[];
};
const FIVE = vectors.datasets.find((d) => d.rows === 5)!;
const DAY = 86_400;
const FROM_DAY = 20_454; // 2026-01-01
const STUDY = 7;
const ns = (s: number) => `${BigInt(s) * 1_000_000_000n}`;
const EXPORTED_AT = (FROM_DAY + 2) * DAY + 8 * 3600; // 2026-01-03T08:00:00Z
const SPONSOR = 'wasm1sponsor';
const CUSTODIAN = 'wasm1custodian';

function study(members: number): DataUnionTypes.Study {
  return {
    id: STUDY, sponsor: SPONSOR, title: 't', description_url: 'https://example.org', scopes: ['glucose', 'insulin', 'nutrition'],
    data_from_day: FROM_DAY, data_to_day: FROM_DAY + 1, closes_at: ns((FROM_DAY + 3) * DAY), refund_after: ns((FROM_DAY + 10) * DAY),
    eligibility: { min_readings_per_day: 0, min_days: 0, device_kinds: [] }, cap_per_patient: '10', fee_bps: 0,
    pool: { token: { native: { denom: 'udia' } }, funded: '0', fees: '0', paid: '0' },
    members, active_members: members, total_units: 0, created_at: ns((FROM_DAY - 1) * DAY),
  };
}

function manifest(id: number, over: Partial<DataUnionTypes.Manifest> = {}): DataUnionTypes.Manifest {
  return {
    id, study_id: STUDY, custodian: CUSTODIAN, recorded_at: ns(EXPORTED_AT + 6), height: 400 + id,
    export_id: toBase64(new Uint8Array(16).fill(id % 256)), exported_at: ns(EXPORTED_AT),
    members: 2, rows: 5, scope_rows: [{ scope: 'glucose', rows: 3 }, { scope: 'insulin', rows: 1 }, { scope: 'nutrition', rows: 1 }],
    data_from: ns(FROM_DAY * DAY), data_to: ns((FROM_DAY + 2) * DAY - 1), format: 'csv', time_shifted: false,
    root: toBase64(fromHex(FIVE.root)), ...over,
  };
}

const otherRoot = (id: number) => toBase64(new Uint8Array(32).fill(id % 256));

function grant(id: number, over: Partial<ConsentTypes.Grant> = {}): ConsentTypes.Grant {
  return {
    id, patient: `wasm1patient${id}`, grantee: SPONSOR, granted_by: `wasm1patient${id}`, granted_at: ns(FROM_DAY * DAY - 3600),
    granted_height: 10, purpose: 'research', scopes: ['glucose', 'insulin', 'nutrition'], study_id: STUDY,
    data_from: ns(FROM_DAY * DAY), data_to: ns((FROM_DAY + 2) * DAY - 1), expires: { at_time: ns((FROM_DAY + 10) * DAY) }, ...over,
  };
}

function member(n: number, grantId: number): DataUnionTypes.Member {
  return {
    study_id: STUDY, patient: `wasm1patient${String(n).padStart(4, '0')}`, grant_id: grantId, active: true,
    joined_at: ns(FROM_DAY * DAY), from_day: FROM_DAY, to_day: FROM_DAY + 1, units: 0,
  };
}

interface World {
  members?: DataUnionTypes.Member[];
  manifests?: DataUnionTypes.Manifest[];
  grants?: ConsentTypes.Grant[];
  studyMembers?: number;
}

/** The contracts as fakes that page as they do (at most 100, `has_more`), recording each call. */
function chain(w: World = {}) {
  const members = w.members ?? [member(1, 1), member(2, 2)];
  const manifests = w.manifests ?? [manifest(1)];
  const grants = new Map((w.grants ?? [grant(1), grant(2)]).map((g) => [g.id, g]));
  const calls: string[] = [];
  const page = <T>(all: T[], limit: number | null | undefined) => {
    const n = Math.min(limit ?? 10, 100);
    return { items: all.slice(0, n), has_more: all.length > n };
  };
  const union: DatasetUnionQueries = {
    study: ({ studyId }) => {
      calls.push(`study ${studyId}`);
      if (studyId !== STUDY) return Promise.reject(new Error(`Query failed with (6): study ${studyId} does not exist: query wasm contract failed`));
      return Promise.resolve({ phase: 'open', reserved: '0', study: study(w.studyMembers ?? members.length) });
    },
    manifest: ({ studyId, manifestId }) => {
      calls.push(`manifest ${manifestId}`);
      const m = manifests.find((x) => x.id === manifestId);
      if (!m) return Promise.reject(new Error(`Query failed with (6): rpc error: code = Unknown desc = study ${studyId} has no manifest ${manifestId}: query wasm contract failed: unknown request`));
      return Promise.resolve(m);
    },
    manifests: ({ startAfter, limit }) => {
      calls.push(`manifests after ${startAfter ?? '-'} limit ${limit}`);
      return Promise.resolve(page(manifests.filter((m) => startAfter === undefined || startAfter === null || m.id > startAfter), limit));
    },
    members: ({ startAfter, limit }) => {
      calls.push(`members after ${startAfter ?? '-'} limit ${limit}`);
      return Promise.resolve(page(members.filter((m) => startAfter === undefined || startAfter === null || m.patient > startAfter), limit));
    },
  };
  const consent: DatasetConsentQueries = {
    grant: ({ grantId }) => {
      calls.push(`grant ${grantId}`);
      const g = grants.get(grantId);
      return g ? Promise.resolve({ grant: g, status: 'active' }) : Promise.reject(new Error(`grant ${grantId} not found`));
    },
  };
  return { union, consent, calls };
}

const EXPECTED_OK = [
  { check: 'manifest', ok: true, detail: `manifest 1 recorded by custodian ${CUSTODIAN} at height 401` },
  { check: 'file matches manifest', ok: true, detail: 'root, 5 rows, rows per scope, 2 participants, format and period as recorded' },
  { check: 'participants within membership', ok: true, detail: '2 participants; the study has had 2 members' },
  { check: 'consents covered the export time', ok: true, detail: "2 participants; 2 members' research grants (to the sponsor) were in force at 2026-01-03T08:00:00Z" },
];

describe('verifyDataset', () => {
  it('verifies a file whose manifest is found by its root, reading every page with the largest limit', async () => {
    // 150 manifests; the file's is number 120, on the second page.
    const manifests = Array.from({ length: 150 }, (_, i) => manifest(i + 1, i + 1 === 120 ? {} : { root: otherRoot(i + 1) }));
    const c = chain({ manifests });
    const v = await verifyDataset(FIVE.csv, { studyId: STUDY, ...c });
    expect(v).toEqual({
      verified: true, study_id: STUDY, manifest_id: 120, root: FIVE.root, rows: 5, participants: 2,
      checks: [{ ...EXPECTED_OK[0], detail: `manifest 120 recorded by custodian ${CUSTODIAN} at height 520` }, ...EXPECTED_OK.slice(1)],
    });
    expect(c.calls.filter((x) => x.startsWith('manifests'))).toEqual([
      `manifests after - limit ${CONTRACT_PAGE_LIMIT}`, `manifests after 100 limit ${CONTRACT_PAGE_LIMIT}`,
    ]);
    expect(CONTRACT_PAGE_LIMIT).toBe(100);
  });

  it('verifies against the manifest named by id', async () => {
    const c = chain({ manifests: [manifest(1, { root: otherRoot(1) }), manifest(2)] });
    const v = await verifyDataset(FIVE.csv, { studyId: STUDY, manifestId: 2, ...c });
    expect(v.verified).toBe(true);
    expect(v.manifest_id).toBe(2);
    expect(c.calls).toContain('manifest 2');
    expect(c.calls.some((x) => x.startsWith('manifests'))).toBe(false);
    // The named manifest is another dataset's: the file does not match it.
    const other = await verifyDataset(FIVE.csv, { studyId: STUDY, manifestId: 1, ...c });
    expect(other.verified).toBe(false);
    expect(other.checks[1]).toEqual({
      check: 'file matches manifest', ok: false,
      detail: `root: the manifest records ${'01'.repeat(32)}, the file's rows give ${FIVE.root}`,
    });
  });

  it('fails the manifest check when no manifest has the root, or the id is not recorded', async () => {
    const c = chain({ manifests: [manifest(1, { root: otherRoot(1) })] });
    const byRoot = await verifyDataset(FIVE.csv, { studyId: STUDY, ...c });
    expect(byRoot).toEqual({
      verified: false, study_id: STUDY, manifest_id: null, root: FIVE.root, rows: 5, participants: 2,
      checks: [{ check: 'manifest', ok: false, detail: `study ${STUDY} has no manifest with the file's root ${FIVE.root} on chain` }],
    });
    const byId = await verifyDataset(FIVE.csv, { studyId: STUDY, manifestId: 99, ...c });
    expect(byId.checks).toEqual([{ check: 'manifest', ok: false, detail: `study ${STUDY} has no manifest 99 on chain` }]);
    expect(byId.verified).toBe(false);
    // No manifest at all: the first page is empty.
    expect((await verifyDataset(FIVE.csv, { studyId: STUDY, ...chain({ manifests: [] }) })).checks[0]!.ok).toBe(false);
  });

  it('rejects when the chain cannot be asked: no such study, another query error', async () => {
    await expect(verifyDataset(FIVE.csv, { ...chain(), studyId: 8 })).rejects.toThrow('study 8 does not exist');
    const c = chain();
    c.union.manifest = () => Promise.reject(new Error('fetch failed'));
    await expect(verifyDataset(FIVE.csv, { studyId: STUDY, manifestId: 1, ...c })).rejects.toThrow('fetch failed');
  });

  it('fails the file check for an edited row whose file is otherwise canonical', async () => {
    const edited = FIVE.csv.replace(',145.5,', ',154.5,');
    expect(edited).not.toBe(FIVE.csv);
    const c = chain();
    // By root: no manifest has the edited file's root.
    const byRoot = await verifyDataset(edited, { studyId: STUDY, ...c });
    expect(byRoot.checks.map((x) => [x.check, x.ok])).toEqual([['manifest', false]]);
    expect(byRoot.root).not.toBe(FIVE.root);
    // Against the manifest named: the file does not match it.
    const byId = await verifyDataset(edited, { studyId: STUDY, manifestId: 1, ...c });
    expect(byId.verified).toBe(false);
    expect(byId.checks.map((x) => [x.check, x.ok])).toEqual([
      ['manifest', true], ['file matches manifest', false], ['participants within membership', true], ['consents covered the export time', true],
    ]);
    expect(byId.checks[1]!.detail).toBe(`root: the manifest records ${FIVE.root}, the file's rows give ${byId.root}`);
  });

  it('lists every mismatch in the detail, in Rust order', async () => {
    const m = manifest(1, { rows: 6, members: 3, format: 'fhir_ndjson', scope_rows: [{ scope: 'glucose', rows: 4 }, { scope: 'insulin', rows: 1 }, { scope: 'nutrition', rows: 1 }] });
    const v = await verifyDataset(FIVE.csv, { studyId: STUDY, manifestId: 1, ...chain({ manifests: [m], studyMembers: 3, members: [member(1, 1), member(2, 2), member(3, 3)], grants: [grant(1), grant(2), grant(3)] }) });
    expect(v.checks[1]!.detail).toBe([
      'format: the manifest records fhir_ndjson, the file is csv',
      'rows: the manifest records 6, the file has 5',
      'rows of scope glucose: the manifest records 4, the file has 3',
      'members: the manifest records 3, the file has 2 distinct participants',
    ].join('; '));
  });

  it('fails when the manifest counts more participants than the study has had members', async () => {
    const v = await verifyDataset(FIVE.csv, { studyId: STUDY, ...chain({ studyMembers: 1 }) });
    expect(v.checks[2]).toEqual({ check: 'participants within membership', ok: false, detail: '2 participants; the study has had 1 members' });
    expect(v.verified).toBe(false);
  });

  it('fails when more participants are recorded than members had research grants in force at the export time', async () => {
    const at = EXPORTED_AT;
    // Member 2's grant: revoked an hour before the export.
    const v = await verifyDataset(FIVE.csv, { studyId: STUDY, ...chain({ grants: [grant(1), grant(2, { revoked: { at: ns(at - 3600), by: 'wasm1patient2', height: 300 } })] }) });
    expect(v.checks[3]).toEqual({
      check: 'consents covered the export time', ok: false,
      detail: "2 participants; 1 members' research grants (to the sponsor) were in force at 2026-01-03T08:00:00Z",
    });
    expect(v.verified).toBe(false);
    // Revoked after the export: it was in force then.
    const after = await verifyDataset(FIVE.csv, { studyId: STUDY, ...chain({ grants: [grant(1), grant(2, { revoked: { at: ns(at + 1), by: 'wasm1patient2', height: 500 } })] }) });
    expect(after.verified).toBe(true);
    // Expired by the export time.
    const expired = await verifyDataset(FIVE.csv, { studyId: STUDY, ...chain({ grants: [grant(1), grant(2, { expires: { at_time: ns(at - 60) } })] }) });
    expect(expired.checks[3]!.ok).toBe(false);
    // More members than participants: one lapsed grant among three still covers two participants.
    const three = await verifyDataset(FIVE.csv, {
      studyId: STUDY,
      ...chain({ members: [member(1, 1), member(2, 2), member(3, 3)], grants: [grant(1), grant(2), grant(3, { expires: { at_time: ns(at) } })] }),
    });
    expect(three.checks[3]!.detail).toBe("2 participants; 2 members' research grants (to the sponsor) were in force at 2026-01-03T08:00:00Z");
    expect(three.verified).toBe(true);
  });

  it('judges a grant in force at the export time to the nanosecond, as verify-dataset does', () => {
    const t = BigInt(ns(EXPORTED_AT));
    const at = (d: bigint) => `${t + d}`;
    expect(grantInForceAt(grant(1), t, STUDY, SPONSOR)).toBe(true);
    // Granted at the export time: in force; a nanosecond after: not.
    expect(grantInForceAt(grant(1, { granted_at: at(0n) }), t, STUDY, SPONSOR)).toBe(true);
    expect(grantInForceAt(grant(1, { granted_at: at(1n) }), t, STUDY, SPONSOR)).toBe(false);
    // Revoked before or at it: not in force; after it: in force.
    const revoked = (d: bigint) => grant(1, { revoked: { at: at(d), by: 'x', height: 1 } });
    expect(grantInForceAt(revoked(-1n), t, STUDY, SPONSOR)).toBe(false);
    expect(grantInForceAt(revoked(0n), t, STUDY, SPONSOR)).toBe(false);
    expect(grantInForceAt(revoked(1n), t, STUDY, SPONSOR)).toBe(true);
    // Expiring at it: not in force; after it: in force; at a height: judged by revocation only.
    expect(grantInForceAt(grant(1, { expires: { at_time: at(0n) } }), t, STUDY, SPONSOR)).toBe(false);
    expect(grantInForceAt(grant(1, { expires: { at_time: at(1n) } }), t, STUDY, SPONSOR)).toBe(true);
    expect(grantInForceAt(grant(1, { expires: { at_height: 5 } }), t, STUDY, SPONSOR)).toBe(true);
    // Another study's grant, or none named: not this study's consent.
    expect(grantInForceAt(grant(1, { study_id: STUDY + 1 }), t, STUDY, SPONSOR)).toBe(false);
    expect(grantInForceAt(grant(1, { study_id: null }), t, STUDY, SPONSOR)).toBe(false);
    // A grant to someone other than the sponsor, or not a research grant: not the study's consent.
    expect(grantInForceAt(grant(1, { grantee: 'wasm1other' }), t, STUDY, SPONSOR)).toBe(false);
    expect(grantInForceAt(grant(1, { purpose: 'treatment' }), t, STUDY, SPONSOR)).toBe(false);
  });

  it('reads every member page with the largest limit, from the last patient', async () => {
    const members = Array.from({ length: 230 }, (_, i) => member(i + 1, i + 1));
    const grants = members.map((m) => grant(m.grant_id, m.grant_id === 205 ? { revoked: { at: ns(1), by: 'x', height: 1 } } : {}));
    const c = chain({ members, grants, manifests: [manifest(1, { members: 2 })] });
    const seen: number[] = [];
    const v = await verifyDataset(FIVE.csv, { studyId: STUDY, ...c, onProgress: (p) => p.stage === 'consents' && seen.push(p.members) });
    expect(v.checks[3]!.detail).toBe("2 participants; 229 members' research grants (to the sponsor) were in force at 2026-01-03T08:00:00Z");
    expect(c.calls.filter((x) => x.startsWith('members'))).toEqual([
      'members after - limit 100', 'members after wasm1patient0100 limit 100', 'members after wasm1patient0200 limit 100',
    ]);
    expect(c.calls.filter((x) => x.startsWith('grant ')).length).toBe(230);
    expect(seen).toEqual([100, 200, 230]);
  });

  it('gives a verdict with the one failing check "canonical form" for a file not in canonical form', async () => {
    const crlf = FIVE.csv.replace(/\n/g, '\r\n');
    const v = await verifyDataset(crlf, { studyId: STUDY, ...chain() });
    expect(v).toEqual({
      verified: false, study_id: STUDY, manifest_id: null, root: '', rows: 0, participants: 0,
      checks: [{ check: 'canonical form', ok: false, detail: 'the file is not a dataset in canonical form: line 1, line: ends in CRLF: lines end in \\n alone' }],
    });
    // A value written otherwise (a trailing zero) is not the row's canonical text.
    const zero = await verifyDataset(FIVE.csv.replace(',145.5,', ',145.50,'), { studyId: STUDY, ...chain() });
    expect(zero.checks[0]!.check).toBe('canonical form');
    expect(zero.checks[0]!.detail).toMatch(/^the file is not a dataset in canonical form: line 3, value: /);
    // study_day is checked against the study's data_from_day from the chain.
    const day = await verifyDataset(FIVE.csv.replace('P-3f2a9c1e5b7d8046,0,', 'P-3f2a9c1e5b7d8046,1,'), { studyId: STUDY, ...chain() });
    expect(day.checks[0]!.detail).toMatch(/line 2, study_day: /);
  });

  it('reads NDJSON (told by its first byte) and streams split anywhere', async () => {
    const rows = parseDatasetCsv(FIVE.csv).map((r) => r.row);
    const ndjson = writeDatasetNdjson(rows, STUDY);
    const c = chain({ manifests: [manifest(1, { format: 'fhir_ndjson' })] });
    const v = await verifyDataset(ndjson, { studyId: STUDY, ...c });
    expect(v.verified).toBe(true);
    expect(v.root).toBe(FIVE.root);
    // The same bytes in 7-byte chunks, with an empty chunk first.
    const bytes = new TextEncoder().encode(ndjson);
    async function* chunks() {
      yield new Uint8Array();
      for (let i = 0; i < bytes.length; i += 7) yield await Promise.resolve(bytes.subarray(i, i + 7));
    }
    expect((await verifyDataset(chunks(), { studyId: STUDY, ...c })).verified).toBe(true);
    expect((await verifyDataset(bytes, { studyId: STUDY, ...c })).verified).toBe(true);
    // An NDJSON dataset of another study: its Observations name study 7, the chain's study is 7,
    // so an NDJSON file is refused when its Observations are of another study.
    const other = writeDatasetNdjson(rows, STUDY + 1);
    const refused = await verifyDataset(other, { studyId: STUDY, ...c });
    expect(refused.checks[0]).toMatchObject({ check: 'canonical form', ok: false });
    expect(refused.checks[0]!.detail).toMatch(/line 1, study: /);
    // The CSV file against an NDJSON manifest: the format differs.
    const csv = await verifyDataset(FIVE.csv, { studyId: STUDY, manifestId: 1, ...c });
    expect(csv.checks[1]!.detail).toBe('format: the manifest records fhir_ndjson, the file is csv');
  });

  it('an empty file is a CSV file without its header', async () => {
    const v = await verifyDataset('', { studyId: STUDY, ...chain() });
    expect(v.checks).toEqual([{ check: 'canonical form', ok: false, detail: 'the file is not a dataset in canonical form: line 1, header: the file is empty: no header' }]);
  });
});

describe('describeDatasetMismatch', () => {
  it("words each mismatch as Rust's Display does", () => {
    const cases: [DatasetMismatch, string][] = [
      [{ mismatch: 'scope_order' }, "scope_rows: the manifest's list is not sorted by scope with each scope once"],
      [{ mismatch: 'study', manifest: 8, file: 7 }, "study: the manifest is of study 8, the file's Observations of study 7"],
      [{ mismatch: 'period', data_from: 1_767_312_000, data_to: 1_767_052_800 }, "period: the manifest's data_from (2026-01-02T00:00:00Z) is after its data_to (2025-12-30T00:00:00Z)"],
      [{ mismatch: 'before_period', first_time: 1_766_970_000, bound: 1_767_052_800, time_shifted: false }, "period: the first row (2025-12-29T01:00:00Z) is before the manifest's data_from (2025-12-30T00:00:00Z)"],
      [{ mismatch: 'after_period', last_time: 1_767_398_400, bound: 1_767_312_000, time_shifted: true }, "period: the last row (2026-01-03T00:00:00Z) is after the manifest's data_to (2026-01-02T00:00:00Z), even with the largest time shift (7 days)"],
    ];
    for (const [m, text] of cases) expect(describeDatasetMismatch(m)).toBe(text);
  });
});
