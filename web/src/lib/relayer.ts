// The relayer's data API with signed requests (docs/data-api.md). Signing is @diachain/client's
// `signRequest`; this is the dashboard's thin HTTP layer over it.
import { signRequest, type RequestSigner } from "@diachain/client";
import type { Reading } from "@diachain/client";
import { RelayerError, UnreachableError } from "./errors";

export interface ServedReading {
  reading: Reading & { salt: string; seq: number; measured_at: number; value: number };
  leaf_hash: string;
  index: number;
  path: string[];
}

export interface ServedBatch {
  batch_id: number;
  received_at: number;
  header: { device_id: string; first_seq: number; last_seq: number; count: number; first_time: number; last_time: number; root: string };
  signature: string;
  attestation: "device_signed" | "relayer_attested";
  anchoring: { state: "anchored" | "pending" | "in_flight" | "failed"; tx_hash?: string; height?: number };
  readings: ServedReading[];
}

export interface ReadingsAnswer {
  patient: string;
  scope: string;
  from: number;
  to: number;
  chain_id: string;
  anchors_contract: string;
  access: { basis: "owner" | "guardian" | "grant" | "break_glass"; grant_id?: number; record?: number };
  count: number;
  batches: ServedBatch[];
}

export interface ErasureAnswer {
  erasure: { patient: string; requested_by: string; request_hash: string; requested_at: number; erased_at: number; batches: number; readings: number };
  chain_record: { state: string; tx_hash?: string; height?: number } | null;
}

async function call<T>(base: string, signer: RequestSigner, method: "GET" | "POST", path: string, query = "", body?: unknown): Promise<T> {
  const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
  const headers: Record<string, string> = { ...(await signRequest(signer, { method, path, query, body: bytes })) };
  if (bytes) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${base}${path}${query ? `?${query}` : ""}`, { method, headers, body: bytes as BodyInit | undefined });
  } catch (e) {
    throw new UnreachableError("relayer", base, e);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RelayerError(res.status, "not_json", `the relayer answered ${res.status} with something that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = json as { error?: string; message?: string };
    throw new RelayerError(res.status, err.error ?? "error", err.message ?? text);
  }
  return json as T;
}

export function getReadings(base: string, signer: RequestSigner, patient: string, scope: string, from: number, to: number): Promise<ReadingsAnswer> {
  return call(base, signer, "GET", `/v1/patients/${patient}/readings`, `scope=${scope}&from=${from}&to=${to}`);
}

export function requestErasure(base: string, signer: RequestSigner, patient: string): Promise<ErasureAnswer> {
  return call(base, signer, "POST", `/v1/patients/${patient}/erasure`, "", { confirm: true });
}

export function listErasures(base: string, signer: RequestSigner, patient: string): Promise<{ patient: string; erasures: ErasureAnswer[] }> {
  return call(base, signer, "GET", `/v1/patients/${patient}/erasures`);
}

/** Whether the relayer answers at all (its unsigned health endpoint). */
export async function relayerHealth(base: string): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(`${base}/healthz`);
    return { ok: res.ok, detail: res.ok ? "up" : `answered ${res.status}` };
  } catch (e) {
    return { ok: false, detail: `unreachable (${e instanceof Error ? e.message : String(e)})` };
  }
}
