// Checks every served reading against the chain in the browser with @diachain/client's
// verifyReadings (leaf from the reading and salt, audit path to the root the anchors contract
// holds, header against the anchored batch, attestation against the registry), and pairs each
// verdict with its reading for display. The answer must also be for the deployment's chain.
import { verifyReadings, type DeviceRegistryQueryClient, type ReadingAnchorsQueryClient } from "@diachain/client";
import type { ProvenReading, ReadingsResponse, ServedBatch } from "./relayer";

export type Verdict =
  | { state: "verified"; height: number }
  | { state: "failed"; reason: string }
  | { state: "pending"; reason: string };

export interface CheckedReading {
  served: ProvenReading;
  batch: ServedBatch;
  verdict: Verdict;
}

/** Remembers each answer (or refusal) of `f` by key: one query per batch and per device. */
function remember<A, R>(f: (a: A) => Promise<R>, key: (a: A) => string): (a: A) => Promise<R> {
  const seen = new Map<string, Promise<R>>();
  return (a) => {
    const k = key(a);
    let p = seen.get(k);
    if (!p) {
      p = f(a);
      seen.set(k, p);
    }
    return p;
  };
}

/** How many chain queries are in flight at once (a browser opens six connections to a host). */
const PARALLEL = 6;

export async function verifyAnswer(
  anchors: ReadingAnchorsQueryClient,
  registry: DeviceRegistryQueryClient,
  answer: ReadingsResponse,
  chainId: string,
): Promise<CheckedReading[]> {
  // verifyReadings asks the chain batch after batch: its questions (each batch's anchored record,
  // each device's key custody) are asked here first, six at a time, and it is given the answers.
  const batch = remember((a: { deviceId: string; seq: number }) => anchors.batch(a), (a) => `${a.deviceId}/${a.seq}`);
  const device = remember((a: { id: string }) => registry.device(a), (a) => a.id);
  const asks = answer.batches.flatMap((b) => [
    () => batch({ deviceId: b.header.device_id, seq: b.header.first_seq }),
    () => device({ id: b.header.device_id }),
  ]);
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < asks.length) await asks[next++]!().catch(() => undefined); // (refusals are read by verifyReadings)
  }));
  const verdicts = await verifyReadings(answer, { contractAddress: anchors.contractAddress, batch }, { registry: { device } });
  const byKey = new Map(verdicts.map((v) => [`${v.batchId}/${v.deviceId}/${v.seq}`, v]));
  const out: CheckedReading[] = [];
  for (const batch of answer.batches) {
    for (const served of batch.readings) {
      const v = byKey.get(`${batch.batch_id}/${served.reading.device_id}/${served.reading.seq}`);
      let verdict: Verdict;
      if (answer.chain_id !== chainId) verdict = { state: "failed", reason: `the relayer answered for chain ${answer.chain_id}, not ${chainId}` };
      else if (!v) verdict = { state: "failed", reason: "no verdict for this reading" };
      else if (v.status === "verified") verdict = { state: "verified", height: v.anchoredHeight ?? 0 };
      else if (v.status === "not_anchored") verdict = { state: "pending", reason: v.reason ?? "not anchored yet" };
      else verdict = { state: "failed", reason: v.reason ?? "failed" };
      out.push({ served, batch, verdict });
    }
  }
  out.sort((x, y) => x.served.reading.measured_at - y.served.reading.measured_at);
  return out;
}
