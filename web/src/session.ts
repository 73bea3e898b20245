// What every view needs: the network, its query clients and, once an account is chosen, the
// wallet and (loaded on first use) its signing clients. `changed()` tells the views to load again
// after a transaction.
import { createContext, useContext } from "react";
import type { Queries } from "./lib/chain";
import type { AppConfig } from "./lib/config";
import type { Signing } from "./lib/signing";
import type { Wallet } from "./lib/wallet";

export interface Session {
  cfg: AppConfig;
  queries: Queries;
  wallet: Wallet;
  /** The signing clients, connected on the first call (cosmjs is loaded then). */
  sign: () => Promise<Signing>;
  /** Increases after each transaction of this dashboard: a key for reloading views. */
  version: number;
  changed: () => void;
}

export const SessionContext = createContext<Session | null>(null);

/** Loads cosmjs and connects the wallet's signing clients once; a failure is tried again next time. */
export function lazySigning(cfg: AppConfig, wallet: Wallet): () => Promise<Signing> {
  let pending: Promise<Signing> | null = null;
  return () => {
    pending ??= import("./lib/signing").then((m) => m.connectSigning(cfg, wallet));
    pending.catch(() => (pending = null));
    return pending;
  };
}

/** Fetches the signing code in the background, so the first transaction does not wait for it. */
let prefetched = false;
export function prefetchSigning(): void {
  if (prefetched) return;
  prefetched = true;
  void import("./lib/signing").catch(() => (prefetched = false));
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a connected session");
  return s;
}
