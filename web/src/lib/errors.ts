// Turns what cosmjs, fetch and the relayer throw into a sentence a person can act on: the
// contract's own error text, "the node is unreachable", the relayer's reason.
import { RelayerError } from "@diachain/client";

/** The node did not answer at all (down, wrong URL, CORS refused). */
export class UnreachableError extends Error {
  readonly what: "node" | "relayer";
  readonly url: string;
  constructor(what: "node" | "relayer", url: string, cause: unknown) {
    super(`The ${what} at ${url} is unreachable (${causeText(cause)}). Check that it is running and allows this page's origin (CORS).`, { cause });
    this.what = what;
    this.url = url;
  }
}

function causeText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const WASM_EXEC = /message index: \d+: (.*?): (?:execute|instantiate|migrate) wasm contract failed/s;
const WASM_QUERY = /(?:desc = |Query failed with \(\d+\): )(.*?): query wasm contract failed/s;
const RAW_LOG = /Raw log: (.*)$/s;

/** The contract's error text inside a cosmjs error, if there is one. */
export function contractErrorText(message: string): string | null {
  const m = WASM_EXEC.exec(message) ?? WASM_QUERY.exec(message);
  if (m?.[1]) return m[1];
  const raw = RAW_LOG.exec(message);
  return raw?.[1] ? raw[1].trim() : null;
}

function isNetworkFailure(message: string): boolean {
  return /failed to fetch|fetch failed|networkerror|load failed|econnrefused|socket hang up|network error/i.test(message);
}

export function describeError(e: unknown): string {
  if (e instanceof RelayerError && e.status === 0) return `${e.message}. Check that it is running and allows this page's origin (CORS).`;
  if (e instanceof RelayerError) return `The relayer refused (${e.status} ${e.code}): ${e.message}`;
  if (e instanceof UnreachableError) return e.message;
  const message = causeText(e);
  const contract = contractErrorText(message);
  if (contract) return `The contract refused: ${contract}`;
  if (/Request rejected/i.test(message)) return "The wallet refused to sign (request rejected).";
  if (/account .* not found|does not exist on chain/i.test(message))
    return "This account has no tokens on this chain yet: it must be funded before it can send transactions.";
  if (/insufficient funds/i.test(message)) return `Not enough funds: ${message}`;
  if (isNetworkFailure(message)) return `The node or relayer did not answer (${message}).`;
  return message;
}

/** Runs a fetch against a service, turning a failure to connect into an UnreachableError. */
export async function reach<T>(what: "node" | "relayer", url: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (isNetworkFailure(causeText(e))) throw new UnreachableError(what, url, e);
    throw e;
  }
}
