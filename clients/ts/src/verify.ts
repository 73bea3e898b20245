// Checks every reading of a relayer `/readings` answer against the chain, trusting nothing the
// relayer wrote but the reading with its salt and the audit path (as packages/relayer/src/
// verify.rs does for one exported proof): the anchored batch is fetched from the
// reading-anchors contract, the relayer's header must be the anchored one, each leaf is
// recomputed from the reading's fields and salt, and its path must rebuild the chain's root at
// the position the chain's range gives. A changed value, salt, proof, index or root fails.
import { bytesOf, equalBytes, toBase64 } from './bytes.js';
import type { DeviceRegistryReadOnlyInterface, ReadingAnchorsReadOnlyInterface } from './contracts.js';
import type { BatchInfo } from './contracts/ReadingAnchors.types.js';
import { readingLeafHash, utcDay } from './encoding.js';
import { rootFromProof } from './merkle.js';
import type { ProvenReading, ReadingsResponse, ServedBatch } from './relayer-types.js';

/** What the anchors contract answers when no anchored batch holds a seq (relayer chain/anchors.rs). */
export const NOT_ANCHORED = 'has no anchored batch holding seq';

export type VerdictStatus = 'verified' | 'failed' | 'not_anchored';

export interface ReadingVerdict {
  batchId: number;
  deviceId: string;
  seq: number;
  /** `verified`: the value is the one anchored; `failed`: it is not (see `reason`);
   * `not_anchored`: no anchored batch holds it yet (pending or in flight), nothing to check against. */
  status: VerdictStatus;
  reason?: string;
  /** Height at which the chain anchored the batch (when it did). */
  anchoredHeight?: number;
}

export interface VerifyOptions {
  /** When given, each batch's `attestation` must match the device's `key_custody` in the registry. */
  registry?: Pick<DeviceRegistryReadOnlyInterface, 'device'>;
}

type Anchors = Pick<ReadingAnchorsReadOnlyInterface, 'batch' | 'contractAddress'>;

/** The anchored batch holding `seq` of `deviceId`, `undefined` if none; other query errors are thrown. */
export async function anchoredBatch(anchors: Anchors, deviceId: string, seq: number): Promise<BatchInfo | undefined> {
  try {
    return await anchors.batch({ deviceId, seq });
  } catch (e) {
    if (e instanceof Error && e.message.includes(NOT_ANCHORED)) return undefined;
    throw e;
  }
}

/** A verdict for every reading of `response`, in order. Rejects only when the chain cannot be asked. */
export async function verifyReadings(response: ReadingsResponse, anchors: Anchors, opts: VerifyOptions = {}): Promise<ReadingVerdict[]> {
  const out: ReadingVerdict[] = [];
  for (const batch of response.batches) {
    const refusal = await batchRefusal(response, batch, anchors, opts);
    const anchored = refusal.kind === 'ok' ? refusal.batch : undefined;
    for (const r of batch.readings) {
      const v: ReadingVerdict = { batchId: batch.batch_id, deviceId: r.reading.device_id, seq: r.reading.seq, status: 'verified' };
      if (anchored !== undefined) v.anchoredHeight = anchored.anchored_height;
      const reason = refusal.kind === 'ok' ? readingFailure(batch, r, refusal.batch) : refusal.reason;
      if (reason !== undefined) {
        v.status = refusal.kind === 'not_anchored' ? 'not_anchored' : 'failed';
        v.reason = reason;
      }
      out.push(v);
    }
  }
  return out;
}

type BatchCheck = { kind: 'ok'; batch: BatchInfo } | { kind: 'failed' | 'not_anchored'; reason: string };

async function batchRefusal(response: ReadingsResponse, batch: ServedBatch, anchors: Anchors, opts: VerifyOptions): Promise<BatchCheck> {
  if (response.anchors_contract !== anchors.contractAddress) {
    return { kind: 'failed', reason: `the relayer names anchors contract ${response.anchors_contract}, not ${anchors.contractAddress}` };
  }
  const h = batch.header;
  const onChain = await anchoredBatch(anchors, h.device_id, h.first_seq);
  if (onChain === undefined) {
    const claim = batch.anchoring.state === 'anchored' ? `the relayer says it was anchored at height ${batch.anchoring.height}, but ` : '';
    const reason = `${claim}no batch anchored on chain holds seq ${h.first_seq} of device ${h.device_id}`;
    return { kind: batch.anchoring.state === 'anchored' ? 'failed' : 'not_anchored', reason };
  }
  const field = headerMismatch(batch, onChain);
  if (field !== undefined) return { kind: 'failed', reason: `the relayer's header (${field}) does not match the anchored batch` };
  const attestation = opts.registry ? await attestationMismatch(batch, opts.registry) : undefined;
  if (attestation !== undefined) return { kind: 'failed', reason: attestation };
  return { kind: 'ok', batch: onChain };
}

function headerMismatch(batch: ServedBatch, b: BatchInfo): string | undefined {
  const h = batch.header;
  if (h.device_id !== b.device_id) return 'device_id';
  if (h.first_seq !== b.first_seq) return 'first_seq';
  if (h.last_seq !== b.last_seq) return 'last_seq';
  if (!equalBytes(bytesOf('header root', h.root), bytesOf('anchored root', b.root))) return 'root';
  if (h.count !== b.last_seq - b.first_seq + 1) return 'count';
  return undefined;
}

async function attestationMismatch(batch: ServedBatch, registry: Pick<DeviceRegistryReadOnlyInterface, 'device'>): Promise<string | undefined> {
  const device = await registry.device({ id: batch.header.device_id });
  const custody = device.key_custody ?? 'device';
  const expected = custody === 'relayer' ? 'relayer_attested' : 'device_signed';
  return batch.attestation === expected ? undefined : `the relayer says ${batch.attestation} but the registry says the device's key is held by the ${custody}`;
}

/** Why one reading does not rebuild the anchored root, or `undefined` when it does. */
export function readingFailure(batch: ServedBatch, proven: ProvenReading, b: BatchInfo): string | undefined {
  const r = proven.reading;
  if (r.device_id !== b.device_id) return `the reading is of device ${r.device_id}, the batch of ${b.device_id}`;
  if (r.seq < b.first_seq || r.seq > b.last_seq) return `the anchored batch ${b.first_seq}..=${b.last_seq} does not hold seq ${r.seq}`;
  const index = r.seq - b.first_seq;
  const size = b.last_seq - b.first_seq + 1;
  if (proven.index !== index) return `the proof's index ${proven.index} is not the reading's position ${index} in the anchored batch`;
  let leaf: Uint8Array;
  let path: Uint8Array[];
  try {
    leaf = readingLeafHash(r);
    path = proven.path.map((p, i) => pathEntry(p, i));
  } catch (e) {
    return `the reading or its proof cannot be read: ${(e as Error).message}`;
  }
  const rebuilt = rootFromProof(leaf, index, size, path);
  if (rebuilt === undefined) return `the audit path (${path.length} hashes) does not fit position ${index} of a ${size}-leaf tree`;
  const anchored = bytesOf('anchored root', b.root);
  if (!equalBytes(rebuilt, anchored)) return `the reading's leaf does not rebuild the anchored root (rebuilt ${toBase64(rebuilt)}, anchored ${toBase64(anchored)})`;
  return timeFailure(batch, r.measured_at, b);
}

function pathEntry(p: string, i: number): Uint8Array {
  const h = bytesOf(`audit path entry ${i}`, p);
  if (h.length !== 32) throw new Error(`audit path entry ${i} is ${h.length} bytes; expected 32`);
  return h;
}

function timeFailure(batch: ServedBatch, measuredAt: number, b: BatchInfo): string | undefined {
  const day = utcDay(measuredAt);
  if (day !== BigInt(b.day)) return `the reading was measured on UTC day ${day} but the anchored batch is of day ${b.day}`;
  const h = batch.header;
  if (measuredAt < h.first_time || measuredAt > h.last_time) return "the header's first_time/last_time do not surround the reading's time";
  return undefined;
}
