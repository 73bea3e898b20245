import { useEffect, useState } from "react";
import type { Queries } from "../lib/chain";
import type { AppConfig } from "../lib/config";
import { syncClock } from "../lib/clock";
import { relayerHealth } from "../lib/relayer";

type Probe = { ok: boolean; detail: string } | null;

/** The chain's latest block (and its clock, when it differs from this computer's) and whether
 * the relayer answers, checked every 10 s. */
export function NetworkStatus({ cfg, queries }: { cfg: AppConfig; queries: Queries }) {
  const [node, setNode] = useState<Probe>(null);
  const [relayer, setRelayer] = useState<Probe>(null);
  useEffect(() => {
    let live = true;
    const probe = async () => {
      const h = await syncClock(queries.clock, queries.rpc).then(
        (height) => ({ ok: true, detail: `block ${height}${clockText(queries.clock.offset)}` }),
        (e: unknown) => ({ ok: false, detail: `unreachable (${e instanceof Error ? e.message : String(e)})` }),
      );
      const r = await relayerHealth(cfg.relayer);
      if (live) {
        setNode(h);
        setRelayer(r);
      }
    };
    void probe();
    const t = window.setInterval(probe, 10_000);
    return () => {
      live = false;
      window.clearInterval(t);
    };
  }, [cfg, queries]);
  return (
    <div className="network" data-testid="network">
      <span title={cfg.rpc}>
        Chain <strong>{cfg.chainId}</strong>: <Dot p={node} /> {node?.detail ?? "checking…"}
      </span>
      <span title={cfg.relayer}>
        Relayer: <Dot p={relayer} /> {relayer?.detail ?? "checking…"}
      </span>
    </div>
  );
}

/** "" when the chain keeps this computer's time, else how far it is ahead or behind. */
export function clockText(offset: number): string {
  if (offset === 0) return "";
  const abs = Math.abs(offset);
  const amount = abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} days`;
  return ` · chain clock ${amount} ${offset > 0 ? "ahead of" : "behind"} this computer`;
}

function Dot({ p }: { p: Probe }) {
  return <span className={`dot ${p === null ? "unknown" : p.ok ? "up" : "down"}`} aria-hidden="true" />;
}
