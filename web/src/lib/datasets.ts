// A downloaded study dataset checked in the browser against the chain with @diachain/client's
// verifyDataset (the checks of `diachain-relayer verify-dataset`: the manifest with the file's
// root, the file against it, participants against the study's members and against the research
// grants in force at the export time), over the node's RPC. Loaded on first use (its own chunk:
// the dataset format's reader is not needed before a sponsor verifies a file).
import { verifyDataset, type DatasetVerdict, type DatasetVerifyProgress } from "@diachain/client";
import type { Queries } from "./chain";

export interface CheckedFile {
  verdict: DatasetVerdict;
  /** SHA-256 of exactly the bytes checked, hex (the saved file's). */
  sha256: string;
}

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");

/** The file in 256 KiB pieces, the page let paint between them (the progress shows). */
async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const size = 1 << 18;
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.subarray(at, at + size);
    await new Promise((r) => setTimeout(r, 0));
  }
}

export async function checkDataset(
  bytes: Uint8Array<ArrayBuffer>,
  studyId: number,
  q: Pick<Queries, "union" | "consent">,
  onProgress?: (p: DatasetVerifyProgress) => void,
): Promise<CheckedFile> {
  const [verdict, digest] = await Promise.all([
    verifyDataset(pieces(bytes), { studyId, union: q.union, consent: q.consent, onProgress }),
    crypto.subtle.digest("SHA-256", bytes),
  ]);
  return { verdict, sha256: hex(digest) };
}
