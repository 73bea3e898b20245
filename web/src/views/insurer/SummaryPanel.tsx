// One patient's adherence and CGM summary for the insurer's view. Two sources, kept apart and
// labelled so:
// - ON CHAIN (verifiable): the anchors contract's daily coverage — how many glucose-scope
//   readings were anchored for the patient each UTC day — read from the chain by this browser;
// - BY THE RELAYER (not verifiable value by value): `GET …/summary`, the consensus metrics the
//   relayer computed from the patient's anchored readings, which it does not serve. What can be
//   checked is their footing: the anchored batches the relayer names, looked up on chain on request.
import {
  cgmMetricsFromSummary, formatCgmMetrics, formatGlucose, roundTo, type ConsentTypes, type DayMetrics, type ReadingAnchorsTypes,
  type SummaryBatch, type SummaryResponse,
} from "@diachain/client";
import { useState } from "react";
import { Addr } from "../../components/Addr";
import { ErrorBox } from "../../components/Async";
import { MiniTir, TirBar } from "../../components/TirBar";
import { ZonedInput } from "../../components/ZonedInput";
import { DAY_S, dayToIso } from "../../lib/format";
import { scopeLabel } from "../../lib/grants";
import { relayerFor } from "../../lib/relayer";
import { formatInZone, offsetName, useTimeZone, zoneOffsetMs } from "../../lib/timezone";
import { useUnits } from "../../lib/units";
import { useSession } from "../../session";

type GrantInfo = ConsentTypes.GrantInfo;

const nsToSeconds = (ns: string) => Number(BigInt(ns) / 1_000_000_000n);
/** The consensus' 14 days (Battelino et al. 2019); the relayer answers 31 at most. */
const DEFAULT_SECONDS = 14 * DAY_S;
const MAX_SECONDS = 31 * DAY_S;
/** A 5-minute CGM's readings in a whole day: what a day's coverage is shown against. */
const FULL_DAY_5_MIN = 288;

/** The last 14 days of the newest active summaries grant's data period, up to the chain's now. */
function defaultPeriod(grants: GrantInfo[], now: number): [number, number] {
  const g = [...grants].reverse().find((x) => x.status === "active")?.grant;
  const to = g ? Math.min(now, nsToSeconds(g.data_to)) : now;
  const from = g ? Math.max(to - DEFAULT_SECONDS + 1, nsToSeconds(g.data_from)) : to - DEFAULT_SECONDS + 1;
  return [from, to];
}

/** The zone's offset at `at` in whole minutes, as the relayer takes it (−840…840). */
function offsetMinutes(at: number, zone: string): number {
  return Math.max(-840, Math.min(840, Math.round(zoneOffsetMs(at * 1000, zone) / 60_000)));
}

const utcOffsetText = (m: number) =>
  m === 0 ? "UTC" : `UTC${m < 0 ? "−" : "+"}${String(Math.floor(Math.abs(m) / 60)).padStart(2, "0")}:${String(Math.abs(m) % 60).padStart(2, "0")}`;

interface Loaded {
  summary: SummaryResponse;
  coverage: ReadingAnchorsTypes.CoverageResponse;
  fromDay: number;
  toDay: number;
}

type Result = { s: "idle" } | { s: "loading" } | { s: "error"; error: unknown } | { s: "ok"; data: Loaded };

export function SummaryPanel({ patient, grants }: { patient: string; grants: GrantInfo[] }) {
  const { cfg, queries, wallet } = useSession();
  const zone = useTimeZone();
  const [initialFrom, initialTo] = defaultPeriod(grants, queries.clock.now());
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [result, setResult] = useState<Result>({ s: "idle" });
  const tooLong = to - from > MAX_SECONDS;
  const load = async () => {
    setResult({ s: "loading" });
    try {
      const period = { from, to: Math.min(to, queries.clock.now()) };
      const fromDay = Math.floor(period.from / DAY_S);
      const toDay = Math.floor(period.to / DAY_S);
      const [summary, coverage] = await Promise.all([
        relayerFor(cfg, wallet).summary(patient, period, { utcOffsetMinutes: offsetMinutes(period.from, zone) }),
        queries.anchors.coverage({ patient, fromDay, toDay }),
      ]);
      setResult({ s: "ok", data: { summary, coverage, fromDay, toDay } });
    } catch (error) {
      setResult({ s: "error", error });
    }
  };
  return (
    <section aria-labelledby="summary-h" data-testid="insurer-summary-panel">
      <h2 id="summary-h">Adherence and glucose summary of <Addr a={patient} /></h2>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label>From <ZonedInput name="from" value={from} onChange={setFrom} /></label>
        <label>to <ZonedInput name="to" value={to} onChange={(s) => setTo(s + 59)} /></label>
        <span className="small" data-testid="summary-zone">({zone}, {offsetName(from * 1000, zone)})</span>
        <button type="submit" disabled={result.s === "loading" || tooLong || to < from} data-testid="load-summary">Load</button>
        {tooLong ? <span className="error-text small">At most 31 days at a time.</span> : null}
      </form>
      {result.s === "loading" ? <p className="loading" role="status">asking the chain for coverage and the relayer for the summary…</p> : null}
      {result.s === "error" ? <ErrorBox error={result.error} title="No summary" /> : null}
      {result.s === "ok" ? (
        <>
          <Adherence data={result.data} />
          <Summary summary={result.data.summary} />
        </>
      ) : null}
    </section>
  );
}

/** Adherence from the chain: glucose-scope readings anchored per UTC day of the period. */
function Adherence({ data }: { data: Loaded }) {
  const { fromDay, toDay } = data;
  const perDay = new Map<number, number>();
  for (const c of data.coverage.days) if (c.scope === "glucose") perDay.set(c.day, (perDay.get(c.day) ?? 0) + c.readings);
  const days = Array.from({ length: toDay - fromDay + 1 }, (_, i) => fromDay + i);
  const withData = days.filter((d) => (perDay.get(d) ?? 0) > 0).length;
  const total = days.reduce((a, d) => a + (perDay.get(d) ?? 0), 0);
  return (
    <div className="adherence" data-testid="adherence" data-days={days.length} data-days-with-data={withData} data-readings={total}>
      <h3>Adherence, on chain <span className="badge ok">verifiable</span></h3>
      <p className="small">
        The anchors contract's daily coverage of the patient, read from the chain by this browser: glucose readings (sensor,
        meter and ketone readings alike) anchored per UTC day, whoever asks. It says how much was worn and uploaded, not
        what the values were.
      </p>
      <p data-testid="adherence-days">
        Glucose readings anchored on <strong>{withData}</strong> of <strong>{days.length}</strong> UTC day{days.length === 1 ? "" : "s"}{" "}
        ({dayToIso(fromDay)} – {dayToIso(toDay)}): <strong>{total}</strong> readings.
      </p>
      <table className="compact stack adherence-days">
        <caption className="visually-hidden">Glucose readings anchored per UTC day</caption>
        <thead><tr><th>UTC day</th><th>Readings anchored</th><th>Of a 5-minute CGM's {FULL_DAY_5_MIN}</th></tr></thead>
        <tbody>
          {days.map((d) => {
            const n = perDay.get(d) ?? 0;
            const share = Math.min(100, (100 * n) / FULL_DAY_5_MIN);
            return (
              <tr key={d} data-testid="adherence-day" data-day={dayToIso(d)} data-readings={n}>
                <td data-label="UTC day">{dayToIso(d)}</td>
                <td data-label="Anchored">{n}</td>
                <td data-label="Of 288">
                  <span className="share-bar" aria-hidden="true"><span style={{ width: `${share}%` }} /></span>{" "}
                  {roundTo(share, 0)} %{n > FULL_DAY_5_MIN ? " (more than one sensor, or a faster one)" : ""}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The relayer's summary, labelled as its computation, with the batches it drew on. */
function Summary({ summary }: { summary: SummaryResponse }) {
  const { cfg } = useSession();
  const [units, setUnits] = useUnits();
  const zone = useTimeZone();
  const m = cgmMetricsFromSummary(summary.metrics);
  const f = formatCgmMetrics(m, units);
  const { left_out: out, anchored_heights: heights } = summary;
  const num = (v: number | null, suffix = "") => (v === null ? "—" : `${v}${suffix}`);
  return (
    <div className="relayer-summary" data-testid="insurer-summary" data-readings={summary.metrics.readings}
      data-scope={summary.scope} data-offset={summary.utc_offset_minutes} data-batches={summary.batches.length}>
      <div className="row">
        <h3>Glucose summary, computed by the relayer <span className="badge warn">not verifiable value by value</span></h3>
        <span role="group" aria-label="Units">
          {(["mg/dL", "mmol/L"] as const).map((x) => (
            <button key={x} type="button" aria-pressed={units === x} onClick={() => setUnits(x)}
              data-testid={`summary-units-${x === "mg/dL" ? "mgdl" : "mmol"}`}>{x}</button>
          ))}
        </span>
      </div>
      <div className="relayer-computed" data-testid="summary-provenance">
        <p>
          <strong>Relayer-computed.</strong> The relayer (<code>{cfg.relayer}</code>) computed these numbers from the patient's glucose readings and served none of them, so they cannot be checked reading by reading in
          this browser as a clinician's report is. They come from <strong>{summary.selection.used}</strong> readings in{" "}
          <strong>{summary.batches.length}</strong> batch{summary.batches.length === 1 ? "" : "es"} anchored
          {heights ? <> at heights {heights.min}–{heights.max}</> : null} by the anchors contract{" "}
          <code>{summary.anchors_contract}</code> on chain <code>{summary.chain_id}</code>, each batch's Merkle root recomputed
          by the relayer from the readings first.
          {out.not_anchored_readings ? <> {out.not_anchored_readings} reading(s) in {out.not_anchored_batches} batch(es) not anchored yet are left out: load again later.</> : null}
          {out.failed_readings ? <> {out.failed_readings} reading(s) in batches the chain refused are left out.</> : null}
          {summary.selection.meter + summary.selection.sensor_error + summary.selection.not_positive + summary.selection.other_kinds > 0
            ? <> Left out by the consensus rules: {summary.selection.meter} meter reading(s), {summary.selection.sensor_error} sensor
              error(s), {summary.selection.not_positive} value(s) ≤ 0, {summary.selection.other_kinds} other kind(s); {summary.selection.superseded} corrected value(s) replaced.</>
            : null}
        </p>
        <p className="small" data-testid="summary-access">
          Served under {summary.access.basis === "grant" ? <>grant #{summary.access.grant_id}</> : summary.access.basis.replace("_", " ")}{" "}
          with scope <em>{scopeLabel(summary.scope)}</em>
          {summary.access.record != null ? <>; the relayer queued the record of this access for the patient's access log on chain</> : null}.
          Days are those of {utcOffsetText(summary.utc_offset_minutes)} (the offset of {zone} at the period's start).
        </p>
        <BatchesOnChain batches={summary.batches} />
      </div>
      {summary.metrics.readings === 0 ? (
        <p className="empty" data-testid="summary-empty">No anchored glucose readings in this period: nothing to summarise.</p>
      ) : (
        <div className="report-grid">
          <div>
            <h4>Time in ranges</h4>
            <TirBar tir={m.timeInRanges} shown={f.timeInRanges} minutes={f.minutesPerDay} units={units} legendId="summary-tir-legend" />
          </div>
          <div>
            <h4>Glucose statistics</h4>
            <table className="metrics">
              <tbody>
                <Metric id="summary-mean" name="Mean glucose" value={f.mean} text={num(f.mean, ` ${units}`)} />
                <Metric id="summary-gmi" name="Glucose management indicator (GMI)" value={f.gmiPercent}
                  text={`${num(f.gmiPercent, " %")} (${num(f.gmiMmolMol, " mmol/mol")})`} />
                <Metric id="summary-cv" name="Glucose variability (CV)" value={f.cv} text={num(f.cv, " %")} />
                <Metric id="summary-sd" name="Standard deviation (SD)" value={f.sd} text={num(f.sd, ` ${units}`)} />
                <Metric id="summary-active" name="% time CGM active" value={f.activePercent} text={`${f.activePercent} %`} />
                <Metric id="summary-readings" name="Readings" value={f.readings} text={String(f.readings)} />
                <Metric id="summary-hypo" name="Hypoglycaemic events (level 1 / level 2)" value={f.hypoEvents.length}
                  text={`${f.hypoEvents.filter((e) => e.level === 1).length} / ${f.hypoEvents.filter((e) => e.level === 2).length}`} />
              </tbody>
            </table>
            {m.activePercent < 70 || m.periodMinutes < 14 * 1440 ? (
              <p className="small">The consensus asks for 14 days with at least 70 % CGM active for these metrics
                (here {roundTo(m.periodMinutes / 1440, 1)} days, {f.activePercent} % active).</p>
            ) : null}
          </div>
        </div>
      )}
      <Days days={summary.days} offset={summary.utc_offset_minutes} />
      <p className="small">
        Period {formatInZone(summary.from * 1000, zone)} – {formatInZone(summary.to * 1000, zone)}.
      </p>
    </div>
  );
}

function Metric(props: { id: string; name: string; value: number | null; text: string }) {
  return (
    <tr data-testid={props.id} data-value={props.value ?? ""}>
      <th scope="row">{props.name}</th>
      <td>{props.text}</td>
    </tr>
  );
}

/** Each day's metrics, as the relayer computed them (days of the answer's offset). */
function Days({ days, offset }: { days: DayMetrics[]; offset: number }) {
  const [units] = useUnits();
  return (
    <div data-testid="summary-days">
      <h4>Per day ({utcOffsetText(offset)}), computed by the relayer</h4>
      <table className="compact daily stack">
        <thead><tr><th>Date</th><th>Readings</th><th>% active</th><th>Mean</th><th>In range</th><th>GMI</th><th>CV</th><th>Ranges</th></tr></thead>
        <tbody>
          {days.map((d) => {
            const dm = cgmMetricsFromSummary(d.metrics);
            const f = formatCgmMetrics(dm, units);
            return (
              <tr key={d.date} data-testid="summary-day" data-date={d.date} data-readings={d.metrics.readings}
                data-tir={f.timeInRanges?.inRange ?? ""} data-active={f.activePercent}>
                <td data-label="Date">{d.date}</td>
                <td data-label="Readings">{d.metrics.readings}</td>
                <td data-label="% active">{f.activePercent} %</td>
                <td data-label="Mean">{d.metrics.mean === null ? "—" : formatGlucose(d.metrics.mean, units)}</td>
                <td data-label="In range">{f.timeInRanges ? `${f.timeInRanges.inRange} %` : "—"}</td>
                <td data-label="GMI">{f.gmiPercent === null ? "—" : `${f.gmiPercent} %`}</td>
                <td data-label="CV">{f.cv === null ? "—" : `${f.cv} %`}</td>
                <td data-label="Ranges">{dm.timeInRanges ? <MiniTir tir={dm.timeInRanges} /> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

type Check = { s: "idle" } | { s: "checking"; done: number } | { s: "done"; found: number; mismatched: string[] } | { s: "error"; error: unknown };

/** How many chain queries are in flight at once. */
const PARALLEL = 6;

/** The batches the relayer names, and (on request) each looked up on chain: the anchors contract
 * must hold it with the same range, root and height. That checks the summary's footing, not its
 * numbers. */
function BatchesOnChain({ batches }: { batches: SummaryBatch[] }) {
  const { queries } = useSession();
  const [open, setOpen] = useState(false);
  const [check, setCheck] = useState<Check>({ s: "idle" });
  const run = async () => {
    setCheck({ s: "checking", done: 0 });
    try {
      const mismatched: string[] = [];
      let next = 0;
      let done = 0;
      await Promise.all(Array.from({ length: PARALLEL }, async () => {
        while (next < batches.length) {
          const b = batches[next++]!;
          const name = `${b.device_id} ${b.first_seq}–${b.last_seq}`;
          const onChain = await queries.anchors.batch({ deviceId: b.device_id, seq: b.first_seq }).catch(() => null);
          if (!onChain || onChain.root !== b.root || onChain.first_seq !== b.first_seq || onChain.last_seq !== b.last_seq
            || onChain.anchored_height !== b.height) mismatched.push(name);
          setCheck({ s: "checking", done: ++done });
        }
      }));
      setCheck({ s: "done", found: batches.length - mismatched.length, mismatched });
    } catch (error) {
      setCheck({ s: "error", error });
    }
  };
  if (batches.length === 0) return null;
  return (
    <div className="batches-on-chain">
      <button type="button" className="link" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        {open ? "Hide" : "Show"} the {batches.length} batch{batches.length === 1 ? "" : "es"} it drew on
      </button>{" "}
      <button type="button" onClick={() => void run()} disabled={check.s === "checking"} data-testid="check-batches">
        Look them up on chain
      </button>{" "}
      <span data-testid="batches-check" data-state={check.s} data-found={check.s === "done" ? check.found : ""}
        data-mismatched={check.s === "done" ? check.mismatched.length : ""}>
        {check.s === "checking" ? `${check.done} of ${batches.length} looked up…` : null}
        {check.s === "done" && check.mismatched.length === 0 ? <span className="badge ok">all {check.found} anchored on chain as named</span> : null}
        {check.s === "done" && check.mismatched.length > 0
          ? <span className="badge bad">{check.mismatched.length} not on chain as named: {check.mismatched.slice(0, 5).join(", ")}{check.mismatched.length > 5 ? ", …" : ""}</span>
          : null}
        {check.s === "error" ? <ErrorBox error={check.error} title="Could not ask the chain" /> : null}
      </span>
      <div className={`roots-list${open ? " open" : ""}`}>
        <table className="compact stack">
          <thead><tr><th>Device</th><th>Seq</th><th>Root (base64)</th><th>Anchored at</th><th>Readings of the period</th></tr></thead>
          <tbody>
            {batches.map((b) => (
              <tr key={b.batch_id}>
                <td data-label="Device"><code>{b.device_id}</code></td>
                <td data-label="Seq">{b.first_seq}–{b.last_seq}</td>
                <td data-label="Root"><code className="root">{b.root}</code></td>
                <td data-label="Anchored at">{b.height}</td>
                <td data-label="Readings">{b.readings}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
