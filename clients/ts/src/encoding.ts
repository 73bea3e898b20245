// The canonical encodings of docs/encoding.md, byte for byte as diachain-std's encoding.rs:
// the reading leaf, the batch header body and sign-bytes, the bind and rotate proofs, the
// device tag. Field names and enum values are the JSON ones (snake_case), as the relayer and
// the contracts send them.
import { sha256 } from '@noble/hashes/sha2.js';

import { BytesLike, EncodingError, Writer, bytesOf, utf8Bytes } from './bytes.js';
import { leafHash } from './merkle.js';
// Readings of one scope in a batch: the relayer API's `ScopeCount`, generated from the Rust type.
import type { ScopeCount } from './relayer-types.js';

export const READING_LEAF_VERSION = 1;
export const SALT_LEN = 16;
export const DEVICE_TAG_LEN = 8;
export const SECONDS_PER_DAY = 86_400;
export const BATCH_TAG = utf8Bytes('DIACHAIN/BATCH/v1');
/** Tag of a version 2 header's sign-bytes (a header that lists its readings' scopes). */
export const BATCH_V2_TAG = utf8Bytes('DIACHAIN/BATCH/v2');
/** First byte of a version 2 header body (a version 1 body starts with the device id's length, at least 8). */
export const BATCH_V2 = 2;
export const BIND_TAG = utf8Bytes('DIACHAIN/BIND/v1');
export const ROTATE_TAG = utf8Bytes('DIACHAIN/ROTATE/v1');

export const READING_KINDS = {
  glucose: 1, insulin_bolus: 2, insulin_basal: 3, carbohydrates: 4,
  ketones: 5, device_event: 6, heart_rate: 7, steps: 8, temp_basal: 9,
  therapy_event: 10, uploader_battery: 11, pump_battery: 12, pump_reservoir: 13,
  pump_status: 14, loop_status: 15,
} as const;
export const UNITS = {
  none: 0, mg_per_dl: 1, mmol_per_l: 2, insulin_units: 3,
  insulin_units_per_hour: 4, grams: 5, beats_per_minute: 6, count: 7, percent: 8,
} as const;
export const TRENDS = {
  unknown: 0, double_down: 1, single_down: 2, forty_five_down: 3, flat: 4,
  forty_five_up: 5, single_up: 6, double_up: 7, not_computable: 8,
  rate_out_of_range: 9,
} as const;
export const KEY_ALGORITHMS = { ed25519: 1, secp256k1: 2, secp256r1: 3 } as const;
/** Data scope codes (`DataScope::code`); `summaries_only` is never a reading's scope. */
export const SCOPES = {
  glucose: 1, insulin: 2, nutrition: 3, device_events: 4, summaries_only: 5,
} as const;
/** The scope a reading of each kind belongs to (`ReadingKind::scope`). */
export const READING_SCOPES: Record<ReadingKind, ReadingScope> = {
  glucose: 'glucose', ketones: 'glucose',
  insulin_bolus: 'insulin', insulin_basal: 'insulin', temp_basal: 'insulin',
  carbohydrates: 'nutrition',
  device_event: 'device_events', heart_rate: 'device_events', steps: 'device_events',
  therapy_event: 'device_events', uploader_battery: 'device_events',
  pump_battery: 'device_events', pump_reservoir: 'device_events',
  pump_status: 'device_events', loop_status: 'device_events',
};
/** A temporary basal's value (`temp_basal`, U/h): rate in thousandths of U/h × 10,000 + minutes. */
export function tempBasalParts(value: number): { rateMilli: number; minutes: number } | undefined {
  if (!Number.isSafeInteger(value) || value < 0) return undefined;
  const minutes = value % 10_000;
  return minutes <= 1_440 ? { rateMilli: Math.floor(value / 10_000), minutes } : undefined;
}
export const FLAGS = {
  calibration: 0x1, sensorWarmup: 0x2, manualEntry: 0x4,
  belowRange: 0x8, aboveRange: 0x10, backfilled: 0x20, sensorError: 0x40,
  meter: 0x80, correction: 0x100,
} as const;

export type ReadingKind = keyof typeof READING_KINDS;
export type Unit = keyof typeof UNITS;
export type Trend = keyof typeof TRENDS;
export type KeyAlgorithm = keyof typeof KEY_ALGORITHMS;
/** A data scope's name (the relayer types call it `DataScope`). */
export type ScopeName = keyof typeof SCOPES;
/** The scopes readings belong to. */
export type ReadingScope = Exclude<ScopeName, 'summaries_only'>;


/** A reading with its salt: the relayer's `ReadingJson` (salt as base64 or bytes). */
export interface Reading {
  device_id: string;
  seq: number | bigint;
  measured_at: number | bigint;
  kind: ReadingKind;
  unit: Unit;
  /** Fixed point, three decimals: 142000 is 142.000. */
  value: number | bigint;
  trend: Trend;
  flags?: number;
  salt: BytesLike;
}

/** A batch header (`BatchHeader`): root as base64 (its JSON form) or bytes. */
export interface BatchHeader {
  device_id: string;
  first_seq: number | bigint;
  last_seq: number | bigint;
  count: number;
  first_time: number | bigint;
  last_time: number | bigint;
  root: BytesLike;
  /** Version 2: readings per scope, in code order; absent or null for version 1. */
  scopes?: ScopeCount[] | null;
}

/** The scope list of readings of these kinds (`ScopeCount::of_kinds`): one entry per scope, in code order. */
export function scopeCountsOf(kinds: Iterable<ReadingKind>): ScopeCount[] {
  const counts = new Map<ScopeName, number>();
  for (const k of kinds) {
    const scope = READING_SCOPES[k];
    counts.set(scope, (counts.get(scope) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => SCOPES[a] - SCOPES[b])
    .map(([scope, readings]) => ({ scope, readings }));
}

/** Where a signature counts: the chain and the contract (anchors for batches, registry for bind/rotate). */
export interface Domain {
  chainId: string;
  contract: string;
}

function code<T extends Record<string, number>>(table: T, field: string, name: string): number {
  const c = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (c === undefined) throw new EncodingError(`unknown ${field} "${name}"`);
  return c;
}

export function encodeReading(r: Reading): Uint8Array {
  const salt = bytesOf('salt', r.salt);
  if (salt.length !== SALT_LEN) throw new EncodingError(`salt is ${salt.length} bytes; expected ${SALT_LEN}`);
  return new Writer()
    .u8('version', READING_LEAF_VERSION)
    .bytes(salt)
    .str8('device id', r.device_id)
    .uint('seq', r.seq, 64)
    .uint('measured at', r.measured_at, 64)
    .u8('kind', code(READING_KINDS, 'reading kind', r.kind))
    .u8('unit', code(UNITS, 'unit', r.unit))
    .i64('value', r.value)
    .u8('trend', code(TRENDS, 'trend', r.trend))
    .uint('flags', r.flags ?? 0, 16)
    .finish();
}

export function readingLeafHash(r: Reading): Uint8Array {
  return leafHash(encodeReading(r));
}

/** The first 8 bytes of SHA-256 of the device id (how reading-anchors keys batches). */
export function deviceTag(deviceId: string): Uint8Array {
  return sha256(utf8Bytes(deviceId)).slice(0, DEVICE_TAG_LEN);
}

/** The UTC day (days since 1970-01-01) of a unix time. */
export function utcDay(unixSeconds: number | bigint): bigint {
  return BigInt(unixSeconds) / BigInt(SECONDS_PER_DAY);
}

function writeBody(w: Writer, h: BatchHeader): Writer {
  const root = bytesOf('root', h.root);
  if (root.length !== 32) throw new EncodingError(`root is ${root.length} bytes; expected 32`);
  if (h.scopes) w.u8('version', BATCH_V2);
  w.str8('device id', h.device_id)
    .uint('first seq', h.first_seq, 64)
    .uint('last seq', h.last_seq, 64)
    .uint('count', h.count, 32)
    .uint('first time', h.first_time, 64)
    .uint('last time', h.last_time, 64)
    .bytes(root);
  return h.scopes ? writeScopes(w, h.scopes) : w;
}

/** One scope: its code; several: 0, their number, then each scope's code and readings. */
function writeScopes(w: Writer, list: readonly ScopeCount[]): Writer {
  const [single] = list;
  if (list.length === 1 && single) return w.u8('scope', code(SCOPES, 'scope', single.scope));
  w.u8('scope list', 0).u8('scope count', list.length);
  for (const c of list) w.u8('scope', code(SCOPES, 'scope', c.scope)).uint('scope readings', c.readings, 32);
  return w;
}

function open(tag: Uint8Array, d: Domain): Writer {
  return new Writer().bytes(tag).str8('chain id', d.chainId).str8('contract address', d.contract);
}

export function encodeHeaderBody(h: BatchHeader): Uint8Array {
  return writeBody(new Writer(), h).finish();
}

/** What a device signs for a batch: tag (v1 or v2), chain id, anchors contract, body. */
export function headerSignBytes(h: BatchHeader, d: Domain): Uint8Array {
  return writeBody(open(h.scopes ? BATCH_V2_TAG : BATCH_TAG, d), h).finish();
}

/** The device's proof of possession for a bind or transfer to `patient`. */
export function bindSignBytes(d: Domain, deviceId: string, patient: string, nonce: number | bigint): Uint8Array {
  return open(BIND_TAG, d).str8('device id', deviceId).str8('patient address', patient).uint('nonce', nonce, 64).finish();
}

/** The device's consent (with its current key) to rotate to `newKey`. */
export function rotateSignBytes(
  d: Domain,
  deviceId: string,
  newAlgorithm: KeyAlgorithm,
  newKey: Uint8Array,
  nonce: number | bigint,
): Uint8Array {
  return open(ROTATE_TAG, d)
    .str8('device id', deviceId)
    .u8('new algorithm', code(KEY_ALGORITHMS, 'key algorithm', newAlgorithm))
    .bytes8('new key', newKey)
    .uint('nonce', nonce, 64)
    .finish();
}

/** A `SubmitBatches` payload (`anchors::encode_submission`): each header body, then its 64-byte signature. */
export function encodeSubmission(batches: readonly { header: BatchHeader; signature: Uint8Array }[]): Uint8Array {
  const w = new Writer();
  for (const [i, { header, signature }] of batches.entries()) {
    if (signature.length !== 64) throw new EncodingError(`batch ${i}: the signature is ${signature.length} bytes; expected 64`);
    w.bytes(encodeHeaderBody(header)).bytes(signature);
  }
  return w.finish();
}
