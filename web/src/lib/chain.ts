// Read access to the four contracts through the generated query clients of @diachain/client,
// over the node's RPC (lib/rpc.ts: no cosmjs until an account signs).
import {
  ConsentQueryClient,
  DataUnionQueryClient,
  DeviceRegistryQueryClient,
  ReadingAnchorsQueryClient,
} from "@diachain/client";
import { ChainClock } from "./clock";
import type { AppConfig } from "./config";
import { reach } from "./errors";
import { RpcClient } from "./rpc";

export interface Queries {
  rpc: RpcClient;
  /** The chain's present, set from the latest block (kept current by the network status). */
  clock: ChainClock;
  registry: DeviceRegistryQueryClient;
  anchors: ReadingAnchorsQueryClient;
  consent: ConsentQueryClient;
  union: DataUnionQueryClient;
}

export async function connectQueries(cfg: AppConfig): Promise<Queries> {
  const rpc = new RpcClient(cfg.rpc);
  // One request: the chain id and the latest block, whose time sets the chain's clock.
  const { chainId, latest } = await reach("node", cfg.rpc, () => rpc.status());
  if (chainId !== cfg.chainId)
    throw new Error(`The node at ${cfg.rpc} is on chain ${chainId}, but the deployment is for ${cfg.chainId}.`);
  const clock = new ChainClock();
  clock.observe(latest.time);
  const cosm = rpc.asQuerier();
  return {
    rpc,
    clock,
    registry: new DeviceRegistryQueryClient(cosm, cfg.contracts.registry),
    anchors: new ReadingAnchorsQueryClient(cosm, cfg.contracts.anchors),
    consent: new ConsentQueryClient(cosm, cfg.contracts.consent),
    union: new DataUnionQueryClient(cosm, cfg.contracts.union),
  };
}

/** Every page of a paged list query (`start_after` is the last item's key). */
export async function allPages<T, K>(
  fetchPage: (startAfter: K | undefined) => Promise<{ items: T[]; has_more: boolean }>,
  keyOf: (item: T) => K,
  maxPages = 20,
): Promise<T[]> {
  const out: T[] = [];
  let after: K | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetchPage(after);
    out.push(...page.items);
    const last = page.items[page.items.length - 1];
    if (!page.has_more || last === undefined) break;
    after = keyOf(last);
  }
  return out;
}
