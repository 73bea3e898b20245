import type { ConsentTypes } from "@diachain/client";
import { lazy, Suspense, useState } from "react";
import { Addr } from "../../components/Addr";
import { ErrorBox } from "../../components/Async";
import { ZonedInput } from "../../components/ZonedInput";
import { offsetName, useTimeZone } from "../../lib/timezone";
import { relayerFor, type ReadingsResponse } from "../../lib/relayer";
import { verifyAnswer, type CheckedReading } from "../../lib/verify";
import { useSession } from "../../session";
import { ReadingsTable } from "./ReadingsTable";
import { VerificationSummary } from "./VerificationSummary";

// The chart and the report draw with recharts (a chunk of its own), loaded with the first readings.
const GlucoseChart = lazy(() => import("./GlucoseChart").then((m) => ({ default: m.GlucoseChart })));
const CgmReport = lazy(() => import("./CgmReport").then((m) => ({ default: m.CgmReport })));

const nsToSeconds = (ns: string) => Number(BigInt(ns) / 1_000_000_000n);

/** The last `span` seconds (two hours by default) of the newest active grant's period (or of the
 * chain's now, without one), capped by what the grant covers. */
function defaultPeriod(grants: ConsentTypes.GrantInfo[], now: number, span = 7200): [number, number] {
  const g = [...grants].reverse().find((x) => x.status === "active")?.grant;
  const to = g ? Math.min(now, nsToSeconds(g.data_to)) : now;
  const from = g ? Math.max(to - span, nsToSeconds(g.data_from)) : to - span;
  return [from, to];
}

/** The CGM report's default period: 14 days (Battelino et al. 2019). */
const REPORT_SECONDS = 14 * 86_400;

type Result =
  | { s: "idle" }
  | { s: "loading"; step: string }
  | { s: "error"; error: unknown }
  | { s: "ok"; answer: ReadingsResponse; checked: CheckedReading[] };

export function TrendPanel({ patient, grants }: { patient: string; grants: ConsentTypes.GrantInfo[] }) {
  const { cfg, queries, wallet } = useSession();
  const zone = useTimeZone();
  const [initialFrom, initialTo] = defaultPeriod(grants, queries.clock.now());
  // Exact seconds (a grant's period is to the second); the inputs show minutes.
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [result, setResult] = useState<Result>({ s: "idle" });
  const load = async (period: [number, number] = [from, to]) => {
    try {
      setResult({ s: "loading", step: "asking the relayer (signed request)" });
      const answer = await relayerFor(cfg, wallet).readings(patient, "glucose", { from: period[0], to: Math.min(period[1], queries.clock.now()) });
      setResult({ s: "loading", step: `verifying ${answer.count} readings against the chain` });
      const checked = await verifyAnswer(queries.anchors, queries.registry, answer, cfg.chainId);
      setResult({ s: "ok", answer, checked });
    } catch (error) {
      setResult({ s: "error", error });
    }
  };
  return (
    <section aria-labelledby="trend-h" data-testid="trend">
      <h2 id="trend-h">Glucose trend of <Addr a={patient} /></h2>
      <form className="row no-print" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>From <ZonedInput name="from" value={from} onChange={setFrom} /></label>
        <label>to <ZonedInput name="to" value={to} onChange={(s) => setTo(s + 59)} /></label>
        <span className="small" data-testid="trend-zone">({zone}, {offsetName(from * 1000, zone)})</span>
        <button type="submit" disabled={result.s === "loading"} data-testid="load-trend">Load and verify</button>
        <button type="button" disabled={result.s === "loading"} data-testid="load-report"
          title="The last 14 days of the grant's period (less if the grant covers less), loaded and verified"
          onClick={() => {
            const period = defaultPeriod(grants, queries.clock.now(), REPORT_SECONDS);
            setFrom(period[0]);
            setTo(period[1]);
            void load(period);
          }}>Report: last 14 days</button>
      </form>
      {result.s === "loading" ? <p className="loading" role="status">{result.step}…</p> : null}
      {result.s === "error" ? <ErrorBox error={result.error} title="No readings" /> : null}
      {result.s === "ok" ? (
        <>
          <VerificationSummary answer={result.answer} checked={result.checked} />
          <Suspense fallback={<p className="loading" role="status">drawing the chart…</p>}>
            {result.checked.length ? <GlucoseChart checked={result.checked} /> : null}
          </Suspense>
          <ReadingsTable checked={result.checked} />
          <Suspense fallback={<p className="loading" role="status">computing the report…</p>}>
            <CgmReport answer={result.answer} checked={result.checked} />
          </Suspense>
        </>
      ) : null}
    </section>
  );
}
