// A device for the live tests: a fresh Ed25519 key, readings measured after its binding, a
// signed batch header over them (what a gateway submits), and the readings answer the relayer's
// data API would give for them (api/data.rs: each reading with its salt, leaf and audit path).
import { ed25519 } from '@noble/curves/ed25519.js';

import {
  BatchHeader, Domain, Reading, ReadingsResponse, ServedBatch, headerSignBytes, inclusionProof, merkleRoot,
  readingLeafHash, toBase64,
} from '../../src/index.js';

export interface TestDevice {
  id: string;
  secret: Uint8Array;
  publicKey: Uint8Array;
  sign(bytes: Uint8Array): Uint8Array;
}

export function newDevice(id: string): TestDevice {
  const secret = ed25519.utils.randomSecretKey();
  return { id, secret, publicKey: ed25519.getPublicKey(secret), sign: (b) => ed25519.sign(b, secret) };
}

/** `count` glucose readings from `seq`, 60 s apart (the CGM sampling limit) from `from`. */
export function readings(deviceId: string, seq: number, from: number, count: number): Reading[] {
  return Array.from({ length: count }, (_, i) => ({
    device_id: deviceId,
    seq: seq + i,
    measured_at: from + 60 * i,
    kind: 'glucose' as const,
    unit: 'mg_per_dl' as const,
    value: 100_000 + 7_000 * i,
    trend: 'flat' as const,
    flags: 0,
    salt: globalThis.crypto.getRandomValues(new Uint8Array(16)),
  }));
}

export interface SignedBatch {
  header: BatchHeader & { root: Uint8Array };
  signature: Uint8Array;
  readings: Reading[];
}

export function signBatch(device: TestDevice, rs: Reading[], anchors: Domain): SignedBatch {
  const first = rs[0]!;
  const last = rs[rs.length - 1]!;
  const header = {
    device_id: device.id,
    first_seq: first.seq,
    last_seq: last.seq,
    count: rs.length,
    first_time: first.measured_at,
    last_time: last.measured_at,
    root: merkleRoot(rs.map(readingLeafHash)),
  };
  return { header, signature: device.sign(headerSignBytes(header, anchors)), readings: rs };
}

/** The relayer's `/readings` answer for `batch`, as api/data.rs builds it. */
export function servedResponse(patient: string, anchors: Domain, batch: SignedBatch, height: number): ReadingsResponse {
  const leaves = batch.readings.map(readingLeafHash);
  const h = batch.header;
  const served: ServedBatch = {
    batch_id: 1,
    received_at: Number(h.last_time),
    header: { ...h, first_seq: Number(h.first_seq), last_seq: Number(h.last_seq), first_time: Number(h.first_time), last_time: Number(h.last_time), root: toBase64(h.root) },
    signature: toBase64(batch.signature),
    attestation: 'device_signed',
    anchoring: { state: 'anchored', tx_hash: 'recorded-by-the-ts-live-test', height },
    readings: batch.readings.map((r, i) => ({
      reading: { ...r, seq: Number(r.seq), measured_at: Number(r.measured_at), value: Number(r.value), flags: r.flags ?? 0, salt: toBase64(r.salt as Uint8Array) },
      leaf_hash: toBase64(leaves[i]!),
      index: i,
      path: inclusionProof(leaves, i)!.map(toBase64),
    })),
  };
  return {
    patient, scope: 'glucose', from: Number(h.first_time), to: Number(h.last_time), chain_id: anchors.chainId,
    anchors_contract: anchors.contract, access: { basis: 'owner', grant_id: null, record: null },
    count: batch.readings.length, batches: [served],
  };
}
