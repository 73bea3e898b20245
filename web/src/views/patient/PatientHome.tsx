// The patient's own glucose, as a CGM app shows it: the current value in large type with its
// trend arrow and age, a warning when the data is stale, the last 3/6/12/24 hours, and today's
// time in range — every value read from the relayer (a signed request for the patient's own
// data) and verified against the chain in the browser before it is shown.
import { cgmMetrics, formatGlucose, glucoseReadings, localDate, type GlucoseReading, type GlucoseUnits } from "@diachain/client";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { ErrorBox } from "../../components/Async";
import { Mark } from "../../components/Mark";
import { useAlertFeed } from "../../lib/alertFeed";
import { relayerFor } from "../../lib/relayer";
import { clockTime, useTimeZone } from "../../lib/timezone";
import { useUnits } from "../../lib/units";
import { verifyAnswer, type CheckedReading } from "../../lib/verify";
import { useSession } from "../../session";

// The chart (recharts, a chunk of its own) is drawn once the numbers are shown.
const HomeChart = lazy(() => import("./HomeChart").then((m) => ({ default: m.HomeChart })));

const HOURS = [3, 6, 12, 24] as const;
/** Older than this, the current value is stale (a CGM reads every 1 to 5 minutes). */
const STALE_MINUTES = 15;
/** How often the page asks the relayer for new readings without being told of any. */
const REFRESH_MS = 60_000;
/** After the alert stream tells of new readings, read again at most this often. */
const LIVE_MIN_MS = 15_000;

const ARROWS: Record<string, string> = {
  double_up: "⇈", single_up: "↑", forty_five_up: "↗", flat: "→",
  forty_five_down: "↘", single_down: "↓", double_down: "⇊",
};

type State =
  | { s: "loading" }
  | { s: "error"; error: unknown }
  | { s: "ok"; checked: CheckedReading[]; at: number; by: ReadBy };

/** What made the page read: opening it, its poll, the alert stream's news, the button. */
type ReadBy = "open" | "poll" | "stream" | "button";

export function PatientHome() {
  const { cfg, queries, wallet } = useSession();
  const patient = wallet.address;
  const [state, setState] = useState<State>({ s: "loading" });
  const [hours, setHours] = useState<(typeof HOURS)[number]>(3);
  const [units, setUnits] = useUnits();
  const load = useCallback(async (by: ReadBy) => {
    try {
      const now = queries.clock.now();
      const answer = await relayerFor(cfg, wallet).readings(patient, "glucose", { from: now - 24 * 3600, to: now });
      const checked = await verifyAnswer(queries.anchors, queries.registry, answer, cfg.chainId);
      setState({ s: "ok", checked, at: now, by });
    } catch (error) {
      setState((prev) => (prev.s === "ok" ? prev : { s: "error", error }));
    }
  }, [cfg, queries, wallet, patient]);
  useEffect(() => {
    void load("open");
    const timer = setInterval(() => void load("poll"), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  // New readings announced on the alert stream: read them (and verify them) without a reload.
  const { readings: announced } = useAlertFeed();
  const [lastLive, setLastLive] = useState(0);
  useEffect(() => {
    if (announced === 0) return;
    const wait = Math.max(0, lastLive + LIVE_MIN_MS - Date.now());
    const t = setTimeout(() => {
      setLastLive(Date.now());
      void load("stream");
    }, wait);
    return () => clearTimeout(t);
    // Only a new announcement schedules a read; `lastLive` is read, not watched.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [announced, load]);

  return (
    <section aria-labelledby="home-h" data-testid="patient-home" data-read-by={state.s === "ok" ? state.by : undefined}>
      <h2 id="home-h">My glucose</h2>
      <div className="row">
        <span role="group" aria-label="Units">
          {(["mg/dL", "mmol/L"] as const).map((u) => (
            <button key={u} type="button" aria-pressed={units === u} onClick={() => setUnits(u)} data-testid={`units-${u === "mg/dL" ? "mgdl" : "mmol"}`}>{u}</button>
          ))}
        </span>
        <button type="button" onClick={() => void load("button")} data-testid="home-refresh">Refresh</button>
      </div>
      {state.s === "loading" ? <p className="loading" role="status">reading and verifying your last 24 hours…</p> : null}
      {state.s === "error" ? <ErrorBox error={state.error} title="Your readings could not be read" /> : null}
      {state.s === "ok" ? <Home checked={state.checked} now={state.at} hours={hours} setHours={setHours} units={units} /> : null}
    </section>
  );
}

function Home({ checked, now, hours, setHours, units }: {
  checked: CheckedReading[]; now: number; hours: number; setHours: (h: (typeof HOURS)[number]) => void; units: GlucoseUnits;
}) {
  const timeZone = useTimeZone();
  const usable = useMemo(() => checked.filter((c) => c.verdict.state !== "failed"), [checked]);
  const failed = checked.length - usable.length;
  const readings: GlucoseReading[] = useMemo(() => glucoseReadings(usable.map((c) => c.served)), [usable]);
  const last = readings.at(-1);
  if (!last) {
    return <p data-testid="home-empty">No glucose readings of yours in the last 24 hours.</p>;
  }
  const lastServed = [...usable].reverse().find((c) => c.served.reading.measured_at === last.time);
  const arrow = ARROWS[lastServed?.served.reading.trend ?? ""] ?? "";
  const ageMinutes = Math.max(0, Math.floor((now - last.time) / 60));
  const stale = ageMinutes > STALE_MINUTES;
  const today = localDate(now, timeZone);
  const todays = readings.filter((r) => localDate(r.time, timeZone) === today);
  const first = todays[0];
  const tir = first ? (cgmMetrics(todays, { from: first.time, to: now }).timeInRanges?.inRange ?? null) : null;
  const shown = readings.filter((r) => r.time >= now - hours * 3600);
  const points = shown.map((r) => ({ t: r.time * 1000, v: units === "mg/dL" ? Math.round(r.mgdl) : Math.round((r.mgdl / 18.016) * 10) / 10, time: r.time, mgdl: r.mgdl, device: r.device ?? "" }));
  return (
    <>
      <Mark name="diachain:glucose" />
      <p className={`current${stale ? " stale" : ""}`} data-testid="current-glucose" data-time={last.time}>
        <span className="big">{formatGlucose(last.mgdl, units)}</span> <span className="arrow" role="img" aria-label={`trend: ${(lastServed?.served.reading.trend ?? "none").replace(/_/g, " ")}`}>{arrow}</span>{" "}
        <span className="small"><span data-testid="current-time">{clockTime(last.time * 1000, timeZone)}</span>, {ageMinutes === 0 ? "just now" : `${ageMinutes} min ago`}</span>
      </p>
      {stale ? <p className="warning" role="alert" data-testid="stale">No new reading for {ageMinutes} minutes: check your sensor and uploader.</p> : null}
      <p data-testid="today-tir">Today in range (70–180 mg/dL): <strong>{tir === null ? "—" : `${tir.toFixed(0)} %`}</strong> of {todays.length} readings</p>
      {failed ? <p className="warning" data-testid="home-failed">{failed} reading(s) failed verification against the chain and are not shown.</p> : null}
      <div className="row" role="group" aria-label="Hours shown">
        {HOURS.map((h) => (
          <button key={h} type="button" aria-pressed={h === hours} onClick={() => setHours(h)} data-testid={`hours-${h}`}>{h} h</button>
        ))}
      </div>
      <Suspense fallback={<p className="loading" role="status">drawing the chart…</p>}>
        <HomeChart points={points} units={units} hours={hours} latest={formatGlucose(last.mgdl, units)} timeZone={timeZone} />
      </Suspense>
    </>
  );
}
