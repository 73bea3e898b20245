// Checks every served reading against the chain, in the browser, trusting nothing the relayer
// says: the reading's canonical encoding must hash to its leaf, the leaf's audit path must
// rebuild the batch root, and the anchors contract must hold that root for the batch.
import { equalBytes, fromBase64, readingLeafHash, verifyInclusion, type ReadingAnchorsQueryClient } from "@diachain/client";
import type { ReadingsAnswer, ServedBatch, ServedReading } from "./relayer";

export type Verdict =
  | { state: "verified"; height: number }
  | { state: "failed"; reason: string }
  | { state: "pending"; reason: string };

export interface CheckedReading {
  served: ServedReading;
  batch: ServedBatch;
  verdict: Verdict;
}

export interface Expected {
  chainId: string;
  anchorsContract: string;
}

async function chainRoot(anchors: ReadingAnchorsQueryClient, b: ServedBatch): Promise<{ root: Uint8Array; height: number } | string> {
  try {
    const info = await anchors.batch({ deviceId: b.header.device_id, seq: b.header.first_seq });
    if (info.first_seq !== b.header.first_seq || info.last_seq !== b.header.last_seq)
      return `the chain's batch of ${b.header.device_id} holds seq ${info.first_seq}–${info.last_seq}, not ${b.header.first_seq}–${b.header.last_seq}`;
    return { root: fromBase64(info.root), height: info.anchored_height };
  } catch (e) {
    return `the anchors contract has no batch for ${b.header.device_id} seq ${b.header.first_seq} (${e instanceof Error ? e.message : String(e)})`;
  }
}

function checkReading(r: ServedReading, b: ServedBatch, root: Uint8Array, height: number): Verdict {
  let leaf: Uint8Array;
  try {
    leaf = readingLeafHash(r.reading);
  } catch (e) {
    return { state: "failed", reason: `the reading cannot be encoded: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!equalBytes(leaf, fromBase64(r.leaf_hash)))
    return { state: "failed", reason: "the reading does not hash to its leaf: its value, time or salt was changed" };
  if (r.reading.device_id !== b.header.device_id || r.reading.seq !== b.header.first_seq + r.index)
    return { state: "failed", reason: "the reading is not the batch's reading at its index" };
  const path = r.path.map((p) => fromBase64(p));
  if (!verifyInclusion(leaf, r.index, b.header.count, path, root))
    return { state: "failed", reason: "the inclusion proof does not lead to the root anchored on chain" };
  return { state: "verified", height };
}

/** Verifies every reading of a relayer answer; one anchors query per batch. */
export async function verifyAnswer(anchors: ReadingAnchorsQueryClient, answer: ReadingsAnswer, expected: Expected): Promise<CheckedReading[]> {
  const out: CheckedReading[] = [];
  const wrongDomain =
    answer.chain_id !== expected.chainId
      ? `the relayer answered for chain ${answer.chain_id}, not ${expected.chainId}`
      : answer.anchors_contract !== expected.anchorsContract
        ? `the relayer names anchors contract ${answer.anchors_contract}, not the deployment's`
        : null;
  for (const b of answer.batches) {
    if (wrongDomain) {
      for (const served of b.readings) out.push({ served, batch: b, verdict: { state: "failed", reason: wrongDomain } });
      continue;
    }
    if (b.anchoring.state !== "anchored") {
      for (const served of b.readings)
        out.push({ served, batch: b, verdict: { state: "pending", reason: `batch ${b.anchoring.state.replace("_", " ")}: not anchored yet` } });
      continue;
    }
    const chain = await chainRoot(anchors, b);
    const headerRoot = fromBase64(b.header.root);
    for (const served of b.readings) {
      let verdict: Verdict;
      if (typeof chain === "string") verdict = { state: "failed", reason: chain };
      else if (!equalBytes(chain.root, headerRoot)) verdict = { state: "failed", reason: "the batch root differs from the one anchored on chain" };
      else verdict = checkReading(served, b, chain.root, chain.height);
      out.push({ served, batch: b, verdict });
    }
  }
  out.sort((x, y) => x.served.reading.measured_at - y.served.reading.measured_at);
  return out;
}
