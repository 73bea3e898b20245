// The patient's alerts, live: one signed event stream per page (the relayer's
// `/alerts/stream`, read with fetch), opened again after a break from the last alert it
// delivered. New readings count up `readings`, so views that show them read again.
import type { Alert, AlertStreamEvent } from "@diachain/client";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useSession } from "../session";
import { relayerFor } from "./relayer";

export interface AlertFeed {
  /** `live` once the relayer said `ready`; `ended` when it closed the stream for good. */
  status: "connecting" | "live" | "ended" | "error";
  error?: unknown;
  /** The latest alerts, oldest first (at most `KEEP`). */
  alerts: Alert[];
  /** How many `reading` events came: a key for reading again. */
  readings: number;
}

const KEEP = 50;
const IDLE: AlertFeed = { status: "connecting", alerts: [], readings: 0 };
const FeedContext = createContext<AlertFeed>(IDLE);

export function useAlertFeed(): AlertFeed {
  return useContext(FeedContext);
}

function merged(known: Alert[], more: Alert[]): Alert[] {
  const byId = new Map(known.map((a) => [a.id, a]));
  for (const a of more) byId.set(a.id, a);
  return [...byId.values()].sort((a, b) => a.seq - b.seq).slice(-KEEP);
}

/** Follows `patient`'s alerts for the views inside it. */
export function AlertFeedProvider({ patient, children }: { patient: string; children: ReactNode }) {
  const { cfg, wallet } = useSession();
  const [feed, setFeed] = useState<AlertFeed>(IDLE);
  useEffect(() => {
    const stop = new AbortController();
    const client = relayerFor(cfg, wallet);
    let since: number | undefined;
    let ended = false;
    const onEvent = (e: AlertStreamEvent) => {
      if (e.type === "ready") setFeed((f) => ({ ...f, status: "live", error: undefined }));
      else if (e.type === "reading") setFeed((f) => ({ ...f, readings: f.readings + 1 }));
      else if (e.type === "alert") {
        since = Math.max(since ?? 0, e.alert.seq);
        setFeed((f) => ({ ...f, alerts: merged(f.alerts, [e.alert]) }));
      } else {
        ended = true;
        setFeed((f) => ({ ...f, status: "ended", error: new Error(`${e.error}: ${e.message}`) }));
      }
    };
    void (async () => {
      setFeed(IDLE);
      try {
        const latest = await client.alerts(patient, { limit: KEEP });
        since = latest.alerts.at(-1)?.seq ?? 0;
        setFeed((f) => ({ ...f, alerts: merged(f.alerts, latest.alerts) }));
      } catch (error) {
        setFeed((f) => ({ ...f, status: "error", error }));
      }
      let wait = 1_000;
      while (!stop.signal.aborted && !ended) {
        try {
          await client.followAlerts(patient, onEvent, { since, signal: stop.signal });
          wait = 1_000;
        } catch (error) {
          setFeed((f) => ({ ...f, status: "error", error }));
        }
        if (stop.signal.aborted || ended) return;
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 30_000);
      }
    })();
    return () => stop.abort();
  }, [cfg, wallet, patient]);
  return <FeedContext.Provider value={feed}>{children}</FeedContext.Provider>;
}
