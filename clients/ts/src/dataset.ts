// Research datasets (docs/research-data.md sections 2 and 4), exactly as
// diachain_relayer_types::dataset: strict canonical rows (the CSV line), the root over
// `leafHash("diachain-dataset-row/v1\n" + line)` streamed, the CSV and FHIR NDJSON files (every
// line ending in "\n" alone, the last one too), the Observation mapping read back strictly,
// summaries and the comparison with the on-chain manifest. Tested against the same vector file
// as Rust (packages/relayer-types/tests/vectors/dataset.json).
import { sha256 } from '@noble/hashes/sha2.js';

import { toHex, utf8Bytes } from './bytes.js';
import {
  FLAGS, READING_KINDS, READING_SCOPES, SCOPES, TRENDS, UNITS,
  type ReadingKind, type ReadingScope, type ScopeName, type Trend, type Unit,
} from './encoding.js';
import { leafHash, nodeHash } from './merkle.js';
import type { DatasetFormat } from './relayer-types.js';

export const DATASET_FORMAT = 'diachain-dataset-row/v1';
/** What every row's leaf opens with. */
export const DATASET_ROW_DOMAIN = 'diachain-dataset-row/v1\n';
export const DATASET_COLUMNS = [
  'participant', 'study_day', 'time_utc', 'scope', 'kind', 'value', 'unit', 'trend', 'flags',
] as const;
export const DATASET_CSV_HEADER = DATASET_COLUMNS.join(',');
/** The largest value either side of 0 (999999999999.999): exact as a JSON number. */
export const DATASET_MAX_VALUE = 999_999_999_999_999;
/** 9999-12-31T23:59:59Z. */
export const DATASET_MAX_TIME = 253_402_300_799;
export const DATASET_MAX_STUDY_DAY = 2_932_896;
export const DATASET_MAX_CSV_LINE = 512;
export const DATASET_MAX_NDJSON_LINE = 8192;
/** The most a time shift moves a row, either way. */
export const DATASET_MAX_SHIFT_DAYS = 7;
export const DATASET_ROW_EXTENSION = 'https://diachain.dev/fhir/StructureDefinition/dataset-row';
export const READING_KIND_SYSTEM = 'https://diachain.dev/fhir/CodeSystem/reading-kind';
export const DATASET_OBSERVATION_ID_PREFIX = 'row-';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const PROFILE_MASS = 'http://hl7.org/fhir/uv/cgm/StructureDefinition/cgm-sensor-reading-mass-per-volume';
const PROFILE_MOLAR = 'http://hl7.org/fhir/uv/cgm/StructureDefinition/cgm-sensor-reading-moles-per-volume';
const SECONDS_PER_DAY = 86_400;

/** One row: the JSON of Rust's `DatasetRow` (times unix seconds, value fixed point ×1000). */
export interface DatasetRow {
  participant: string;
  study_day: number;
  time: number;
  scope: ReadingScope;
  kind: ReadingKind;
  value: number;
  unit: Unit;
  trend: Trend;
  flags: number;
}

/** What an error is about: a column, or the framing around the columns. */
export type DatasetRowField =
  | (typeof DATASET_COLUMNS)[number]
  | 'fields' | 'line' | 'header' | 'observation' | 'study';

/** A row or line not in the format: its line (1-based, when known) and field. */
export class DatasetRowError extends Error {
  override name = 'DatasetRowError';

  constructor(readonly field: DatasetRowField, readonly problem: string, readonly line?: number) {
    super(line === undefined ? `${field}: ${problem}` : `line ${line}, ${field}: ${problem}`);
  }

  /** The same error, on line `line`. */
  at(line: number): DatasetRowError {
    return new DatasetRowError(this.field, this.problem, line);
  }
}

/** What a reader knows of the study beforehand (else the file's first row or Observation says). */
export interface DatasetReadContext {
  /** The study's first day of data, a UTC day number. */
  dataFromDay?: number;
  studyId?: number;
}

const has = (table: object, name: string): boolean => Object.prototype.hasOwnProperty.call(table, name);

// ---- values and times ---------------------------------------------------------------------

/** A fixed-point value as the dataset writes it: 142000 → `142`, 7850 → `7.85`, -1500 → `-1.5`. */
export function formatDatasetValue(value: number | bigint): string {
  const v = BigInt(value);
  const abs = v < 0n ? -v : v;
  const sign = v < 0n ? '-' : '';
  const whole = abs / 1000n;
  const frac = abs % 1000n;
  if (frac === 0n) return `${sign}${whole}`;
  return `${sign}${whole}.${frac.toString().padStart(3, '0').replace(/0+$/, '')}`;
}

/** A decimal with at most three decimals as fixed point; `undefined` for anything else (not a canonical check). */
export function parseDatasetValue(text: string): bigint | undefined {
  const m = /^(-?)([0-9]+)(?:\.([0-9]{1,3}))?$/.exec(text);
  if (!m) return undefined;
  const abs = BigInt(m[2]!) * 1000n + BigInt((m[3] ?? '').padEnd(3, '0'));
  if (abs > (1n << 63n) - 1n) return undefined; // as Rust's i64
  return m[1] ? -abs : abs;
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, width: number) => (n < 0 ? '-' + String(-n).padStart(width - 1, '0') : String(n).padStart(width, '0'));

/** The UTC day of a unix time. */
export const datasetUtcDay = (time: number): number => Math.floor(time / SECONDS_PER_DAY);

/** `time` as `YYYY-MM-DDThh:mm:ssZ` (outside 1970..9999, text the parser refuses). */
export function formatDatasetTime(time: number): string {
  const t = Math.min(Math.max(time, -DATASET_MAX_TIME * 1000), DATASET_MAX_TIME * 1000);
  const days = Math.floor(t / SECONDS_PER_DAY);
  const rem = t - days * SECONDS_PER_DAY;
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(rem / 3600), 2)}:${pad(Math.floor((rem % 3600) / 60), 2)}:${pad(rem % 60, 2)}Z`;
}

/** The unix time of exactly `YYYY-MM-DDThh:mm:ssZ` (a real date, 1970 to 9999); `undefined` otherwise. */
export function parseDatasetTime(s: string): number | undefined {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const monthDays = mo === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > monthDays || h > 23 || mi > 59 || se > 59) return undefined;
  return daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + se;
}

// ---- rows ----------------------------------------------------------------------------------

/** `P-` and 16 lowercase hex digits. */
export const isDatasetPseudonym = (s: string): boolean => /^P-[0-9a-f]{16}$/.test(s);

/** A row's canonical text: its CSV line without the "\n". */
export function datasetRowToCsv(row: DatasetRow): string {
  return [
    row.participant, String(row.study_day), formatDatasetTime(row.time), row.scope, row.kind,
    // A value that is not a whole number of thousandths is written as JS writes it: text the
    // reader refuses or reads as another value, so `checkDatasetRow` refuses the row.
    Number.isInteger(row.value) ? formatDatasetValue(row.value) : String(row.value), row.unit,
    row.trend, String(row.flags),
  ].join(',');
}

function canonicalInt(field: DatasetRowField, text: string, min: number, max: number): number {
  // What Rust's `str::parse` then `to_string` accept: no `+`, no leading zero, no `-0`.
  if (!/^-?(0|[1-9][0-9]*)$/.test(text) || text === '-0') {
    throw new DatasetRowError(field, `\`${text}\` is not an integer in canonical form`);
  }
  const v = Number(text);
  if (v < min || v > max) throw new DatasetRowError(field, `${text} is out of range`);
  return v;
}

/**
 * Reads one canonical row, as Rust's `parse_csv_line`: exactly 9 fields, each exactly as
 * `datasetRowToCsv` writes it, the scope the kind's (never `summaries_only`); with the study's
 * `dataFromDay`, `study_day` must be the row's UTC day minus it. The first field found wrong,
 * in column order, is the error's.
 */
export function parseDatasetCsvLine(line: string, dataFromDay?: number): DatasetRow {
  if (/[\r\n]/.test(line)) throw new DatasetRowError('line', 'a row holds no CR or LF');
  const f = line.split(',');
  if (f.length !== DATASET_COLUMNS.length) throw new DatasetRowError('fields', `${f.length} fields; a row has 9`);
  const [participant, studyDay, time, scope, kind, value, unit, trend, flags] = f as [
    string, string, string, string, string, string, string, string, string,
  ];
  if (!isDatasetPseudonym(participant)) {
    throw new DatasetRowError('participant', `\`${participant}\` is not a pseudonym (\`P-\` and 16 lowercase hex digits)`);
  }
  // i64 first (Rust parses it so), then the range.
  const day = canonicalInt('study_day', studyDay, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (Math.abs(day) > DATASET_MAX_STUDY_DAY) {
    throw new DatasetRowError('study_day', `${day} is more than ${DATASET_MAX_STUDY_DAY} days from the study's first day`);
  }
  const t = parseDatasetTime(time);
  if (t === undefined) throw new DatasetRowError('time_utc', `\`${time}\` is not a UTC time \`YYYY-MM-DDThh:mm:ssZ\` from 1970 to 9999`);
  if (!has(SCOPES, scope)) throw new DatasetRowError('scope', `\`${scope}\` is not a scope`);
  if (scope === 'summaries_only') throw new DatasetRowError('scope', "`summaries_only` is never a row's scope");
  if (!has(READING_KINDS, kind)) throw new DatasetRowError('kind', `\`${kind}\` is not a reading kind`);
  const k = kind as ReadingKind;
  if (READING_SCOPES[k] !== scope) {
    throw new DatasetRowError('scope', `\`${scope}\` is not the scope of a ${k} reading (\`${READING_SCOPES[k]}\`)`);
  }
  const v = parseDatasetValue(value);
  if (v === undefined) throw new DatasetRowError('value', `\`${value}\` is not a decimal with at most three decimals`);
  const canonical = formatDatasetValue(v);
  if (canonical !== value) throw new DatasetRowError('value', `\`${value}\` is not in canonical form (\`${canonical}\`)`);
  if ((v < 0n ? -v : v) > BigInt(DATASET_MAX_VALUE)) throw new DatasetRowError('value', `\`${value}\` is beyond ±999999999999.999`);
  if (!has(UNITS, unit)) throw new DatasetRowError('unit', `\`${unit}\` is not a unit`);
  if (!has(TRENDS, trend)) throw new DatasetRowError('trend', `\`${trend}\` is not a trend`);
  const fl = canonicalInt('flags', flags, 0, 0xffff);
  const row: DatasetRow = {
    participant, study_day: day, time: t, scope, kind: k, value: Number(v),
    unit: unit as Unit, trend: trend as Trend, flags: fl,
  };
  if (dataFromDay !== undefined) checkDatasetStudyDay(row, dataFromDay);
  return row;
}

/** That `row.study_day` is its UTC day minus the study's `dataFromDay`. */
export function checkDatasetStudyDay(row: DatasetRow, dataFromDay: number): void {
  const day = datasetUtcDay(row.time);
  if (row.study_day !== day - dataFromDay) {
    throw new DatasetRowError(
      'study_day',
      `${row.study_day} is not the row's UTC day (${day}) minus the study's data_from_day (${dataFromDay}): ${day - dataFromDay}`,
    );
  }
}

const ROW_KEYS: (keyof DatasetRow)[] = ['participant', 'study_day', 'time', 'scope', 'kind', 'value', 'unit', 'trend', 'flags'];

/** That the format can hold the row: its text reads back as the row. */
export function checkDatasetRow(row: DatasetRow): void {
  const back = parseDatasetCsvLine(datasetRowToCsv(row));
  if (ROW_KEYS.some((k) => back[k] !== row[k])) {
    throw new DatasetRowError('fields', 'the row does not read back from its own text');
  }
}

/** A row's leaf: `leafHash("diachain-dataset-row/v1\n" + line)`. */
export function datasetRowLeaf(line: string): Uint8Array {
  return leafHash(utf8Bytes(DATASET_ROW_DOMAIN + line));
}

/** The RFC 9162 root of leaf hashes pushed one at a time, in O(log n) memory (`MerkleBuilder`). */
export class DatasetMerkleBuilder {
  private stack: Uint8Array[] = [];
  private count = 0;

  push(leaf: Uint8Array): void {
    let node = leaf;
    for (let n = this.count; n % 2 === 1; n = Math.floor(n / 2)) node = nodeHash(this.stack.pop()!, node);
    this.stack.push(node);
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  /** The root so far (SHA-256 of nothing for no leaves). */
  root(): Uint8Array {
    if (this.stack.length === 0) return sha256(new Uint8Array());
    let r = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i]!, r);
    return r;
  }
}

// ---- FHIR ----------------------------------------------------------------------------------

const KIND_DISPLAY: Record<ReadingKind, string> = {
  glucose: 'Glucose', insulin_bolus: 'Insulin bolus', insulin_basal: 'Basal insulin rate',
  carbohydrates: 'Carbohydrates', ketones: 'Ketones', device_event: 'Device event',
  heart_rate: 'Heart rate', steps: 'Steps', temp_basal: 'Temporary basal rate',
  therapy_event: 'Therapy event', uploader_battery: 'Uploader battery', pump_battery: 'Pump battery',
  pump_reservoir: 'Pump reservoir', pump_status: 'Pump status', loop_status: 'Loop status',
};
const UCUM_CODES: Record<Unit, string | undefined> = {
  none: undefined, mg_per_dl: 'mg/dL', mmol_per_l: 'mmol/L', insulin_units: '[IU]',
  insulin_units_per_hour: '[IU]/h', grams: 'g', beats_per_minute: '/min', count: '{count}', percent: '%',
};
const CATEGORIES: Partial<Record<ReadingKind, [string, string]>> = {
  glucose: ['laboratory', 'Laboratory'], ketones: ['laboratory', 'Laboratory'],
  heart_rate: ['vital-signs', 'Vital Signs'], steps: ['activity', 'Activity'],
  insulin_bolus: ['therapy', 'Therapy'], insulin_basal: ['therapy', 'Therapy'], temp_basal: ['therapy', 'Therapy'],
};

/** The CGM IG coding of glucose (relayer's `fhir::glucose_code`): [LOINC, display, UCUM, profile]. */
function glucoseCode(row: DatasetRow): [string, string, string, string | undefined] | undefined {
  if (row.kind !== 'glucose') return undefined;
  const meter = (row.flags & FLAGS.meter) !== 0;
  if (row.unit === 'mg_per_dl') {
    return meter
      ? ['41653-7', 'Glucose [Mass/volume] in Capillary blood by Glucometer', 'mg/dL', undefined]
      : ['99504-3', 'Glucose [Mass/volume] in Interstitial fluid', 'mg/dL', PROFILE_MASS];
  }
  if (row.unit === 'mmol_per_l') {
    return meter
      ? ['14743-9', 'Glucose [Moles/volume] in Capillary blood by Glucometer', 'mmol/L', undefined]
      : ['105272-9', 'Glucose [Moles/volume] in Interstitial fluid', 'mmol/L', PROFILE_MOLAR];
  }
  return undefined;
}

/** The identifier system of a study's pseudonyms. */
export const datasetParticipantSystem = (studyId: number): string => `urn:diachain:study:${studyId}:participant`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The row as an Observation of study `studyId` (as Rust's `dataset::observation`). */
export function datasetObservation(row: DatasetRow, studyId: number): { [key: string]: Json } {
  const g = glucoseCode(row);
  const [system, code, display] = g ? [LOINC, g[0], g[1]] : [READING_KIND_SYSTEM, row.kind, KIND_DISPLAY[row.kind]];
  const quantity: { [key: string]: Json } = { value: row.value / 1000 };
  const ucum = row.kind === 'temp_basal' ? undefined : UCUM_CODES[row.unit];
  if (ucum !== undefined) Object.assign(quantity, { unit: ucum, system: UCUM, code: ucum });
  if (row.flags & FLAGS.belowRange) quantity.comparator = '<=';
  else if (row.flags & FLAGS.aboveRange) quantity.comparator = '>=';
  const obs: { [key: string]: Json } = {
    resourceType: 'Observation',
    id: DATASET_OBSERVATION_ID_PREFIX + toHex(datasetRowLeaf(datasetRowToCsv(row))).slice(0, 60),
    status: 'final',
    code: { coding: [{ system, code, display }] },
    subject: { identifier: { system: datasetParticipantSystem(studyId), value: row.participant } },
    effectiveDateTime: formatDatasetTime(row.time),
    valueQuantity: quantity,
    extension: [{
      url: DATASET_ROW_EXTENSION,
      extension: [
        { url: 'studyDay', valueInteger: row.study_day },
        { url: 'scope', valueCode: row.scope },
        { url: 'kind', valueCode: row.kind },
        { url: 'unit', valueCode: row.unit },
        { url: 'trend', valueCode: row.trend },
        { url: 'flags', valueInteger: row.flags },
      ],
    }],
  };
  const category = CATEGORIES[row.kind];
  if (category) obs.category = [{ coding: [{ system: OBSERVATION_CATEGORY, code: category[0], display: category[1] }] }];
  if (g?.[3]) obs.meta = { profile: [g[3]] };
  return obs;
}

/** JSON with every object's keys sorted, no spaces: the NDJSON line form (what serde_json writes). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A row's NDJSON line (without its "\n"). */
export const datasetObservationLine = (row: DatasetRow, studyId: number): string => canonicalJson(datasetObservation(row, studyId));

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), v);

/** Same JSON, numbers by value. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => has(b, k) && same(a[k], b[k]));
  }
  return a === b;
}

function studyOfSystem(system: string): number | undefined {
  const m = /^urn:diachain:study:(0|[1-9][0-9]*):participant$/.exec(system);
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The JS text of a number, parsed as a fixed-point value (as Rust reads a JSON number). */
function fixedPoint(v: unknown): number {
  if (typeof v !== 'number') throw new DatasetRowError('value', `\`${JSON.stringify(v)}\` is not a number`);
  const parsed = parseDatasetValue(String(v));
  if (parsed === undefined) throw new DatasetRowError('value', `\`${v}\` is not a decimal with at most three decimals, in range`);
  return Number(parsed);
}

function firstDifference(expected: Record<string, unknown>, found: Record<string, unknown>): DatasetRowError | undefined {
  const differs = (k: string) => (has(expected, k) && has(found, k) ? !same(expected[k], found[k]) : has(expected, k) !== has(found, k));
  if (differs('code')) return new DatasetRowError('kind', "code is not the one of the row's kind and unit");
  if (differs('subject')) return new DatasetRowError('participant', "subject is not exactly the participant's identifier");
  if (differs('effectiveDateTime')) return new DatasetRowError('time_utc', 'effectiveDateTime is not canonical');
  if (differs('valueQuantity')) {
    const q = (o: Record<string, unknown>) => (isObject(o.valueQuantity) ? o.valueQuantity : {});
    const part = (k: string) => {
      const [e, f] = [q(expected), q(found)];
      return has(e, k) && has(f, k) ? same(e[k], f[k]) : !has(e, k) && !has(f, k);
    };
    const field = !part('value') ? 'value' : !part('comparator') ? 'flags' : 'unit';
    return new DatasetRowError(field, "valueQuantity is not the row's (its value, unit and flags)");
  }
  for (const k of ['extension', 'meta', 'category', 'status', 'resourceType', 'id']) {
    if (differs(k)) return new DatasetRowError('observation', k === 'id' ? 'id is not the one of the row it holds: a column was edited' : `\`${k}\` is not what the row gives`);
  }
  const extra = Object.keys(found).find((k) => !has(expected, k));
  return extra === undefined ? undefined : new DatasetRowError('observation', `\`${extra}\` is not part of a row's Observation`);
}

/** The study and row of an Observation, strictly (Rust's `decode_observation`). */
export function decodeDatasetObservation(obs: unknown): { studyId: number; row: DatasetRow } {
  if (!isObject(obs)) throw new DatasetRowError('observation', 'not a JSON object');
  if (obs.resourceType !== 'Observation') throw new DatasetRowError('observation', 'not an Observation');
  const system = at(obs, 'subject', 'identifier', 'system');
  if (typeof system !== 'string') throw new DatasetRowError('study', 'no subject.identifier.system');
  const studyId = studyOfSystem(system);
  if (studyId === undefined) throw new DatasetRowError('study', `\`${system}\` is not \`urn:diachain:study:<study_id>:participant\``);
  const participant = at(obs, 'subject', 'identifier', 'value');
  if (typeof participant !== 'string') throw new DatasetRowError('participant', 'no subject.identifier.value');
  const ours = Array.isArray(obs.extension) ? obs.extension.filter((e) => isObject(e) && e.url === DATASET_ROW_EXTENSION) : [];
  if (ours.length !== 1) throw new DatasetRowError('observation', `${ours.length} dataset-row extensions; an Observation has one`);
  const parts = new Map<string, unknown>();
  const inner = at(ours[0], 'extension');
  if (Array.isArray(inner)) for (const p of inner) if (isObject(p) && typeof p.url === 'string') parts.set(p.url, p);
  const codeOf = (url: string, field: DatasetRowField): string => {
    const c = at(parts.get(url), 'valueCode');
    if (typeof c !== 'string') throw new DatasetRowError(field, `no \`${url}\` valueCode in the dataset-row extension`);
    return c;
  };
  const intOf = (url: string, field: DatasetRowField): number => {
    const i = at(parts.get(url), 'valueInteger');
    if (typeof i !== 'number' || !Number.isSafeInteger(i)) throw new DatasetRowError(field, `no \`${url}\` valueInteger in the dataset-row extension`);
    return i;
  };
  const studyDay = intOf('studyDay', 'study_day');
  const scope = codeOf('scope', 'scope');
  if (!has(SCOPES, scope)) throw new DatasetRowError('scope', `\`${scope}\` is not a scope`);
  const kind = codeOf('kind', 'kind');
  if (!has(READING_KINDS, kind)) throw new DatasetRowError('kind', `\`${kind}\` is not a reading kind`);
  const unit = codeOf('unit', 'unit');
  if (!has(UNITS, unit)) throw new DatasetRowError('unit', `\`${unit}\` is not a unit`);
  const trend = codeOf('trend', 'trend');
  if (!has(TRENDS, trend)) throw new DatasetRowError('trend', `\`${trend}\` is not a trend`);
  const flags = intOf('flags', 'flags');
  if (flags < 0 || flags > 0xffff) throw new DatasetRowError('flags', `${flags} is not 16 bits of flags`);
  const timeText = obs.effectiveDateTime;
  if (typeof timeText !== 'string') throw new DatasetRowError('time_utc', 'no effectiveDateTime');
  const time = parseDatasetTime(timeText);
  if (time === undefined) throw new DatasetRowError('time_utc', `\`${timeText}\` is not a UTC time \`YYYY-MM-DDThh:mm:ssZ\` from 1970 to 9999`);
  const rawValue = at(obs, 'valueQuantity', 'value');
  if (rawValue === undefined) throw new DatasetRowError('value', 'no valueQuantity.value');
  const row: DatasetRow = {
    participant, study_day: studyDay, time, scope: scope as ReadingScope, kind: kind as ReadingKind,
    value: fixedPoint(rawValue), unit: unit as Unit, trend: trend as Trend, flags,
  };
  checkDatasetRow(row);
  const diff = firstDifference(datasetObservation(row, studyId), obs);
  if (diff) throw diff;
  return { studyId, row };
}

/** The row an Observation holds (see `decodeDatasetObservation`). */
export const datasetRowFromObservation = (obs: unknown): DatasetRow => decodeDatasetObservation(obs).row;

// ---- files ---------------------------------------------------------------------------------

/** A whole file as text or bytes, or its chunks (split anywhere), e.g. `fs.createReadStream(path)`. */
export type DatasetInput =
  | string | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/** A row read from a file, with its line number (in a CSV file the header is line 1). */
export interface DatasetLineRow {
  line: number;
  row: DatasetRow;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits bytes into lines as Rust's `Lines`: "\n" alone ends a line, the last one too. */
class LineSplitter {
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  private line = 0;

  constructor(private readonly maxLen: number) {}

  *push(chunk: Uint8Array): Generator<[number, string]> {
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, start)) {
      this.add(chunk.subarray(start, i));
      yield this.take();
      start = i + 1;
    }
    this.add(chunk.subarray(start));
    if (this.pendingLen >= this.maxLen + 2) throw this.error(this.line + 1, `longer than ${this.maxLen} bytes`);
  }

  end(): void {
    if (this.pendingLen > 0) throw this.error(this.line + 1, 'the file ends without a final newline: every line ends in \\n');
  }

  private add(part: Uint8Array): void {
    if (part.length > 0) {
      this.pending.push(part.slice());
      this.pendingLen += part.length;
    }
  }

  private error(line: number, problem: string): DatasetRowError {
    return new DatasetRowError('line', problem, line);
  }

  private take(): [number, string] {
    const body = new Uint8Array(this.pendingLen);
    let at = 0;
    for (const p of this.pending) {
      body.set(p, at);
      at += p.length;
    }
    this.pending = [];
    this.pendingLen = 0;
    this.line += 1;
    if (body.length > this.maxLen) throw this.error(this.line, `longer than ${this.maxLen} bytes`);
    if (body[body.length - 1] === 0x0d) throw this.error(this.line, 'ends in CRLF: lines end in \\n alone');
    if (body.includes(0x0d)) throw this.error(this.line, 'holds a CR');
    if (body.length === 0) throw this.error(this.line, 'a blank line');
    try {
      return [this.line, strictUtf8.decode(body)];
    } catch {
      throw this.error(this.line, 'not UTF-8');
    }
  }
}

const asBytes = (c: string | Uint8Array): Uint8Array => (typeof c === 'string' ? utf8Bytes(c) : c);

function* chunksOf(input: string | Uint8Array | Iterable<string | Uint8Array>): Generator<Uint8Array> {
  if (typeof input === 'string' || input instanceof Uint8Array) yield asBytes(input);
  else for (const c of input) yield asBytes(c);
}

async function* asyncChunksOf(input: DatasetInput): AsyncGenerator<Uint8Array> {
  if (typeof input === 'string' || input instanceof Uint8Array || Symbol.iterator in input) yield* chunksOf(input);
  else for await (const c of input) yield asBytes(c);
}

/** The per-line rules of one format, fed the lines in order. */
interface LineReader {
  read(line: number, text: string): DatasetLineRow | undefined;
  end(): void;
}

/** The study-day rule across a file: the context's first day, else the first row's. */
class StudyDays {
  constructor(public dataFromDay: number | undefined) {}

  learn(row: DatasetRow): void {
    if (this.dataFromDay !== undefined) return;
    const first = datasetUtcDay(row.time) - row.study_day;
    if (first < 0) throw new DatasetRowError('study_day', `${row.study_day} puts the study's first day before 1970-01-01`);
    this.dataFromDay = first;
  }
}

class CsvLines implements LineReader {
  readonly days: StudyDays;
  private headerRead = false;

  constructor(ctx: DatasetReadContext) {
    this.days = new StudyDays(ctx.dataFromDay);
  }

  read(line: number, text: string): DatasetLineRow | undefined {
    if (!this.headerRead) {
      this.headerRead = true;
      if (text !== DATASET_CSV_HEADER) throw new DatasetRowError('header', `\`${text.slice(0, 80)}\` is not the header`, line);
      return undefined;
    }
    try {
      const row = parseDatasetCsvLine(text, this.days.dataFromDay);
      this.days.learn(row);
      return { line, row };
    } catch (e) {
      throw e instanceof DatasetRowError ? e.at(line) : e;
    }
  }

  end(): void {
    if (!this.headerRead) throw new DatasetRowError('header', 'the file is empty: no header', 1);
  }
}

class NdjsonLines implements LineReader {
  readonly days: StudyDays;
  studyId: number | undefined;

  constructor(ctx: DatasetReadContext) {
    this.days = new StudyDays(ctx.dataFromDay);
    this.studyId = ctx.studyId;
  }

  read(line: number, text: string): DatasetLineRow {
    try {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new DatasetRowError('observation', `not JSON (${String(e)})`);
      }
      const { studyId, row } = decodeDatasetObservation(value);
      if (this.studyId !== undefined && this.studyId !== studyId) {
        throw new DatasetRowError('study', `an Observation of study ${studyId} in a dataset of study ${this.studyId}`);
      }
      if (datasetObservationLine(row, studyId) !== text) {
        throw new DatasetRowError('observation', "not the compact JSON of its row's Observation (keys sorted, no spaces, numbers as written)");
      }
      if (this.days.dataFromDay !== undefined) checkDatasetStudyDay(row, this.days.dataFromDay);
      this.days.learn(row);
      this.studyId = studyId;
      return { line, row };
    } catch (e) {
      throw e instanceof DatasetRowError ? e.at(line) : e;
    }
  }

  end(): void {}
}

function* readSync(input: string | Uint8Array | Iterable<string | Uint8Array>, reader: LineReader, maxLen: number): Generator<DatasetLineRow> {
  const lines = new LineSplitter(maxLen);
  for (const chunk of chunksOf(input)) {
    for (const [n, text] of lines.push(chunk)) {
      const r = reader.read(n, text);
      if (r) yield r;
    }
  }
  lines.end();
  reader.end();
}

async function* readAsync(input: DatasetInput, reader: LineReader, maxLen: number): AsyncGenerator<DatasetLineRow> {
  const lines = new LineSplitter(maxLen);
  for await (const chunk of asyncChunksOf(input)) {
    for (const [n, text] of lines.push(chunk)) {
      const r = reader.read(n, text);
      if (r) yield r;
    }
  }
  lines.end();
  reader.end();
}

/** The rows of a CSV dataset held in memory (throws the first `DatasetRowError`). */
export function parseDatasetCsv(input: string | Uint8Array | Iterable<string | Uint8Array>, ctx: DatasetReadContext = {}): DatasetLineRow[] {
  return [...readSync(input, new CsvLines(ctx), DATASET_MAX_CSV_LINE)];
}

/** The rows of an NDJSON dataset held in memory. */
export function parseDatasetNdjson(input: string | Uint8Array | Iterable<string | Uint8Array>, ctx: DatasetReadContext = {}): DatasetLineRow[] {
  return [...readSync(input, new NdjsonLines(ctx), DATASET_MAX_NDJSON_LINE)];
}

/** The rows of a CSV dataset as they stream by; the first error is thrown. */
export function readDatasetCsv(input: DatasetInput, ctx: DatasetReadContext = {}): AsyncGenerator<DatasetLineRow> {
  return readAsync(input, new CsvLines(ctx), DATASET_MAX_CSV_LINE);
}

/** The rows of an NDJSON dataset as they stream by. */
export function readDatasetNdjson(input: DatasetInput, ctx: DatasetReadContext = {}): AsyncGenerator<DatasetLineRow> {
  return readAsync(input, new NdjsonLines(ctx), DATASET_MAX_NDJSON_LINE);
}

/** A CSV file's text: header and rows (each checked), every line ending in "\n". */
export function writeDatasetCsv(rows: Iterable<DatasetRow>): string {
  let out = DATASET_CSV_HEADER + '\n';
  for (const row of rows) {
    checkDatasetRow(row);
    out += datasetRowToCsv(row) + '\n';
  }
  return out;
}

/** An NDJSON file's text. */
export function writeDatasetNdjson(rows: Iterable<DatasetRow>, studyId: number): string {
  let out = '';
  for (const row of rows) {
    checkDatasetRow(row);
    out += datasetObservationLine(row, studyId) + '\n';
  }
  return out;
}

// ---- summaries and the manifest ------------------------------------------------------------

/** `csv` or `fhir_ndjson` (the relayer schema's `DatasetFormat`). */
export type { DatasetFormat };

export interface DatasetScopeRows {
  scope: ScopeName;
  rows: number;
}

/** What a file holds: the JSON of Rust's `DatasetSummary` (root as hex). */
export interface DatasetSummary {
  format: DatasetFormat;
  rows: number;
  scope_rows: DatasetScopeRows[];
  participants: number;
  first_time: number | null;
  last_time: number | null;
  root: string;
  data_from_day: number | null;
  study_id: number | null;
}

/** Builds a summary one row at a time. */
export class DatasetSummaryBuilder {
  private tree = new DatasetMerkleBuilder();
  private scopes = new Map<ScopeName, number>();
  private participants = new Set<string>();
  private first: number | null = null;
  private last: number | null = null;

  push(row: DatasetRow): void {
    this.tree.push(datasetRowLeaf(datasetRowToCsv(row)));
    this.scopes.set(row.scope, (this.scopes.get(row.scope) ?? 0) + 1);
    this.participants.add(row.participant);
    this.first = this.first === null ? row.time : Math.min(this.first, row.time);
    this.last = this.last === null ? row.time : Math.max(this.last, row.time);
  }

  finish(format: DatasetFormat, dataFromDay?: number, studyId?: number): DatasetSummary {
    return {
      format,
      rows: this.tree.size,
      scope_rows: [...this.scopes.entries()].sort(([a], [b]) => SCOPES[a] - SCOPES[b]).map(([scope, rows]) => ({ scope, rows })),
      participants: this.participants.size,
      first_time: this.first,
      last_time: this.last,
      root: toHex(this.tree.root()),
      data_from_day: dataFromDay ?? null,
      study_id: studyId ?? null,
    };
  }
}

/** Reads a whole CSV dataset (text, bytes or a stream) into its summary. */
export async function summarizeDatasetCsv(input: DatasetInput, ctx: DatasetReadContext = {}): Promise<DatasetSummary> {
  const reader = new CsvLines(ctx);
  const s = new DatasetSummaryBuilder();
  for await (const { row } of readAsync(input, reader, DATASET_MAX_CSV_LINE)) s.push(row);
  return s.finish('csv', reader.days.dataFromDay);
}

/** Reads a whole NDJSON dataset into its summary. */
export async function summarizeDatasetNdjson(input: DatasetInput, ctx: DatasetReadContext = {}): Promise<DatasetSummary> {
  const reader = new NdjsonLines(ctx);
  const s = new DatasetSummaryBuilder();
  for await (const { row } of readAsync(input, reader, DATASET_MAX_NDJSON_LINE)) s.push(row);
  return s.finish('fhir_ndjson', reader.days.dataFromDay, reader.studyId);
}

/** The manifest's fields a dataset is checked against (Rust's `ManifestFacts`; root as hex). */
export interface DatasetManifestFacts {
  study_id: number;
  members: number;
  rows: number;
  scope_rows: DatasetScopeRows[];
  /** Unix seconds, inclusive, before any shift. */
  data_from: number;
  data_to: number;
  format: DatasetFormat;
  time_shifted: boolean;
  root: string;
}

/** One way a file differs from its manifest: the JSON of Rust's `Mismatch`. */
export type DatasetMismatch =
  | { mismatch: 'root'; manifest: string; file: string }
  | { mismatch: 'rows'; manifest: number; file: number }
  | { mismatch: 'scope_rows'; scope: ScopeName; manifest: number; file: number }
  | { mismatch: 'scope_order' }
  | { mismatch: 'members'; manifest: number; file: number }
  | { mismatch: 'format'; manifest: DatasetFormat; file: DatasetFormat }
  | { mismatch: 'study'; manifest: number; file: number }
  | { mismatch: 'period'; data_from: number; data_to: number }
  | { mismatch: 'before_period'; first_time: number; bound: number; time_shifted: boolean }
  | { mismatch: 'after_period'; last_time: number; bound: number; time_shifted: boolean };

/** Every way `summary` differs from `manifest`, in Rust's order (`check_against_manifest`). */
export function checkDatasetAgainstManifest(summary: DatasetSummary, manifest: DatasetManifestFacts): DatasetMismatch[] {
  const found: DatasetMismatch[] = [];
  if (summary.format !== manifest.format) found.push({ mismatch: 'format', manifest: manifest.format, file: summary.format });
  if (summary.study_id !== null && summary.study_id !== manifest.study_id) {
    found.push({ mismatch: 'study', manifest: manifest.study_id, file: summary.study_id });
  }
  if (summary.root.toLowerCase() !== manifest.root.toLowerCase()) found.push({ mismatch: 'root', manifest: manifest.root, file: summary.root });
  if (summary.rows !== manifest.rows) found.push({ mismatch: 'rows', manifest: manifest.rows, file: summary.rows });
  const list = manifest.scope_rows;
  if (list.some((s, i) => i > 0 && SCOPES[list[i - 1]!.scope] >= SCOPES[s.scope])) found.push({ mismatch: 'scope_order' });
  const count = (l: DatasetScopeRows[], scope: ScopeName) => l.filter((s) => s.scope === scope).reduce((n, s) => n + s.rows, 0);
  for (const scope of Object.keys(SCOPES) as ScopeName[]) {
    const listed = list.some((s) => s.scope === scope) || summary.scope_rows.some((s) => s.scope === scope);
    const [m, f] = [count(list, scope), count(summary.scope_rows, scope)];
    if (listed && m !== f) found.push({ mismatch: 'scope_rows', scope, manifest: m, file: f });
  }
  if (summary.participants !== manifest.members) found.push({ mismatch: 'members', manifest: manifest.members, file: summary.participants });
  if (manifest.data_from > manifest.data_to) {
    found.push({ mismatch: 'period', data_from: manifest.data_from, data_to: manifest.data_to });
    return found;
  }
  const slack = manifest.time_shifted ? DATASET_MAX_SHIFT_DAYS * SECONDS_PER_DAY : 0;
  const [from, to] = [manifest.data_from - slack, manifest.data_to + slack];
  if (summary.first_time !== null && summary.first_time < from) {
    found.push({ mismatch: 'before_period', first_time: summary.first_time, bound: from, time_shifted: manifest.time_shifted });
  }
  if (summary.last_time !== null && summary.last_time > to) {
    found.push({ mismatch: 'after_period', last_time: summary.last_time, bound: to, time_shifted: manifest.time_shifted });
  }
  return found;
}
