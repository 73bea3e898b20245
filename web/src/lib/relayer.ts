// The relayer's data API through @diachain/client's RelayerClient (signed requests, refusals as
// RelayerError), signed by the chosen wallet; plus the unsigned health probe.
import { RelayerClient } from "@diachain/client";
import type { AppConfig } from "./config";
import type { Wallet } from "./wallet";

export type {
  ErasureView,
  NewUploader,
  ProvenReading,
  ReadingsResponse,
  RevokedUploader,
  RotatedSecret,
  ServedBatch,
  SkipLog,
  SkippedItem,
  UploaderInfo,
} from "@diachain/client";

export function relayerFor(cfg: AppConfig, wallet: Wallet): RelayerClient {
  return new RelayerClient({ url: cfg.relayer, signer: wallet.requests });
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
