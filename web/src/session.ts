// What every view needs: the network, its query clients and, once an account is chosen, the
// wallet and its signing clients. `changed()` tells the views to load again after a transaction.
import { createContext, useContext } from "react";
import type { Queries } from "./lib/chain";
import type { AppConfig } from "./lib/config";
import type { Signing } from "./lib/signing";
import type { Wallet } from "./lib/wallet";

export interface Session {
  cfg: AppConfig;
  queries: Queries;
  wallet: Wallet;
  signing: Signing;
  /** Increases after each transaction of this dashboard: a key for reloading views. */
  version: number;
  changed: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a connected session");
  return s;
}
