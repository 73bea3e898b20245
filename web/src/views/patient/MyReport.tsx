// The patient's own history with the same CGM report the clinician sees: their readings of a
// period (14 days by default) read with a signed request for their own data, verified against
// the chain in this browser, and reported from the verified ones only.
import { lazy, Suspense, useState } from "react";
import { ErrorBox } from "../../components/Async";
import { ZonedInput } from "../../components/ZonedInput";
import { relayerFor, type ReadingsResponse } from "../../lib/relayer";
import { offsetName, useTimeZone } from "../../lib/timezone";
import { verifyAnswer, type CheckedReading } from "../../lib/verify";
import { useSession } from "../../session";

const CgmReport = lazy(() => import("../clinician/CgmReport").then((m) => ({ default: m.CgmReport })));

/** The report's default period: 14 days (Battelino et al. 2019). */
const REPORT_SECONDS = 14 * 86_400;

type Result =
  | { s: "idle" }
  | { s: "loading"; step: string }
  | { s: "error"; error: unknown }
  | { s: "ok"; answer: ReadingsResponse; checked: CheckedReading[] };

export function MyReport() {
  const { cfg, queries, wallet } = useSession();
  const zone = useTimeZone();
  const [to, setTo] = useState(() => queries.clock.now());
  const [from, setFrom] = useState(() => queries.clock.now() - REPORT_SECONDS);
  const [result, setResult] = useState<Result>({ s: "idle" });
  const load = async () => {
    try {
      setResult({ s: "loading", step: "reading your readings (a signed request)" });
      const answer = await relayerFor(cfg, wallet).readings(wallet.address, "glucose", { from, to: Math.min(to, queries.clock.now()) });
      setResult({ s: "loading", step: `verifying ${answer.count} readings against the chain` });
      const checked = await verifyAnswer(queries.anchors, queries.registry, answer, cfg.chainId);
      setResult({ s: "ok", answer, checked });
    } catch (error) {
      setResult({ s: "error", error });
    }
  };
  return (
    <section aria-labelledby="my-report-h" data-testid="my-report">
      <h2 id="my-report-h">My CGM report</h2>
      <form className="row no-print" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>From <ZonedInput name="my-report-from" value={from} onChange={setFrom} /></label>
        <label>to <ZonedInput name="my-report-to" value={to} onChange={setTo} /></label>
        <span className="small">({zone}, {offsetName(to * 1000, zone)})</span>
        <button type="submit" data-testid="load-my-report">Report</button>
      </form>
      {result.s === "loading" ? <p className="loading" role="status">{result.step}…</p> : null}
      {result.s === "error" ? <ErrorBox error={result.error} title="Your report could not be made" /> : null}
      {result.s === "ok" ? (
        <Suspense fallback={<p className="loading" role="status">drawing the report…</p>}>
          <CgmReport answer={result.answer} checked={result.checked} />
        </Suspense>
      ) : null}
    </section>
  );
}
