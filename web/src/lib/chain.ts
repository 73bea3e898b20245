// Read access to the four contracts through the generated query clients of @diachain/client.
import { CosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import {
  ConsentQueryClient,
  DataUnionQueryClient,
  DeviceRegistryQueryClient,
  ReadingAnchorsQueryClient,
} from "@diachain/client";
import { ChainClock, syncClock } from "./clock";
import type { AppConfig } from "./config";
import { reach } from "./errors";

export interface Queries {
  cosm: CosmWasmClient;
  /** The chain's present, set from the latest block (kept current by the network status). */
  clock: ChainClock;
  registry: DeviceRegistryQueryClient;
  anchors: ReadingAnchorsQueryClient;
  consent: ConsentQueryClient;
  union: DataUnionQueryClient;
}

export async function connectQueries(cfg: AppConfig): Promise<Queries> {
  const cosm = await reach("node", cfg.rpc, () => CosmWasmClient.connect(cfg.rpc));
  const chainId = await reach("node", cfg.rpc, () => cosm.getChainId());
  if (chainId !== cfg.chainId)
    throw new Error(`The node at ${cfg.rpc} is on chain ${chainId}, but the deployment is for ${cfg.chainId}.`);
  const clock = new ChainClock();
  await reach("node", cfg.rpc, () => syncClock(clock, cosm));
  return {
    cosm,
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
