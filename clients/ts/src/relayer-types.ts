// The relayer data API's JSON (packages/relayer/src/api/data.rs, proof.rs, erasure.rs, wire.rs).
import type { ReadingKind, Trend, Unit } from './encoding.js';

export type DataScope = 'glucose' | 'insulin' | 'nutrition' | 'device_events' | 'summaries_only';

/** A reading as the relayer sends it: the canonical fields and the base64 salt. */
export interface ReadingJson {
  device_id: string;
  seq: number;
  measured_at: number;
  kind: ReadingKind;
  unit: Unit;
  value: number;
  trend: Trend;
  flags?: number;
  salt: string;
}

export interface HeaderJson {
  device_id: string;
  first_seq: number;
  last_seq: number;
  count: number;
  first_time: number;
  last_time: number;
  /** base64 */
  root: string;
}

export type AnchorState =
  | { state: 'pending' }
  | { state: 'in_flight'; tx_hash: string; timeout_height?: number }
  | { state: 'anchored'; tx_hash: string; height: number }
  | { state: 'failed'; reason: string };

export interface ProvenReading {
  reading: ReadingJson;
  /** base64 */
  leaf_hash: string;
  index: number;
  /** base64 hashes, from the leaf up */
  path: string[];
}

export interface ServedBatch {
  batch_id: number;
  received_at: number;
  header: HeaderJson;
  /** base64 */
  signature: string;
  attestation: 'device_signed' | 'relayer_attested';
  anchoring: AnchorState;
  readings: ProvenReading[];
}

export interface ReadingsResponse {
  patient: string;
  scope: DataScope;
  from: number;
  to: number;
  chain_id: string;
  anchors_contract: string;
  access: { basis: 'owner' | 'guardian' | 'grant' | 'break_glass'; grant_id: number | null; record: number | null };
  count: number;
  batches: ServedBatch[];
}

export type OutboxState =
  | { state: 'queued' }
  | { state: 'in_flight'; tx_hash: string; timeout_height: number }
  | { state: 'recorded'; tx_hash: string; height: number }
  | { state: 'failed'; reason: string };

export interface ErasureRecord {
  patient: string;
  requested_by: string;
  request: string;
  public_key: string;
  signature: string;
  request_hash: string;
  requested_at: number;
  erased_at: number;
  batches: number;
  readings: number;
  outbox_id: number;
}

export interface ErasureView {
  erasure: ErasureRecord;
  chain_record: OutboxState | null;
}

export interface ErasuresResponse {
  patient: string;
  erasures: ErasureView[];
}

/** A refusal's body: `{ "error": code, "message": sentence, ...details }`. */
export interface ErrorBody {
  error: string;
  message: string;
  [detail: string]: unknown;
}
