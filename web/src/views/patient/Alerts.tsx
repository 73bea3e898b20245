// The patient's alerts: the latest as a banner the moment the relayer raises it (live, from the
// alert stream), the recent ones, the settings they are raised by, and the webhooks they go to.
import { MGDL_PER_MMOL, formatGlucose, type Alert, type AlertKind, type AlertSettings, type GlucoseUnits, type WebhookInfo } from "@diachain/client";
import { useEffect, useState, type FormEvent } from "react";
import { Async, ErrorBox } from "../../components/Async";
import { useAlertFeed } from "../../lib/alertFeed";
import { describeError } from "../../lib/errors";
import { formatTime, relative } from "../../lib/format";
import { relayerFor } from "../../lib/relayer";
import { useTimeZone } from "../../lib/timezone";
import { useUnits } from "../../lib/units";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

export const KIND_LABELS: Record<AlertKind, string> = {
  urgent_low: "Urgent low",
  low: "Low",
  high: "High",
  rising_fast: "Rising fast",
  falling_fast: "Falling fast",
  no_data: "No data",
};
const KINDS = Object.keys(KIND_LABELS) as AlertKind[];
/** Alerts newer than this are shown as the banner until dismissed. */
const BANNER_MINUTES = 30;

/** One alert in a sentence, in the chosen units and time zone. */
export function describeAlert(a: Alert, units: GlucoseUnits, zone: string): string {
  const label = KIND_LABELS[a.kind];
  if (a.kind === "no_data") return `${label}: no glucose reading for ${a.threshold} minutes since ${formatTime(new Date(a.at * 1000), zone)}`;
  const value = a.value_mgdl == null ? "" : ` ${formatGlucose(a.value_mgdl, units)}`;
  const rate = a.rate_mgdl_per_min == null ? "" : `, ${a.rate_mgdl_per_min > 0 ? "+" : ""}${units === "mmol/L" ? (a.rate_mgdl_per_min / MGDL_PER_MMOL).toFixed(2) : a.rate_mgdl_per_min.toFixed(1)} ${units}/min`;
  return `${label}:${value}${rate} at ${formatTime(new Date(a.at * 1000), zone)}`;
}

/** The patient's own alerts: live, their settings and their webhooks. */
export function Alerts() {
  const { wallet } = useSession();
  const [units] = useUnits();
  const feed = useAlertFeed();
  return (
    <section aria-labelledby="alerts-h" data-testid="alerts">
      <h2 id="alerts-h">Alerts</h2>
      <AlertBoard />
      <AlertSettingsForm units={units} />
      <Webhooks patient={wallet.address} alerts={feed.alerts.length} />
    </section>
  );
}

/** The live alerts of the feed around it: its state, the newest as a banner, the recent ones. */
export function AlertBoard() {
  const feed = useAlertFeed();
  const [units] = useUnits();
  const zone = useTimeZone();
  const [dismissed, setDismissed] = useState<string | null>(null);
  // The clock, moved on every 30 s (so that "n min ago" and the banner's expiry move on) and
  // never behind the newest alert (raised after the last tick).
  const [clock, setClock] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setClock(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const latest = feed.alerts.at(-1);
  const now = Math.max(clock, latest?.raised_at_ms ?? 0);
  const banner = latest && latest.id !== dismissed && now - latest.raised_at_ms < BANNER_MINUTES * 60_000 ? latest : null;
  return (
    <>
      <p className="muted" data-testid="alert-feed-status">
        {feed.status === "live" ? "Live: alerts appear here the moment the relayer raises them." :
          feed.status === "connecting" ? "Connecting to the relayer's alert stream…" :
            `The alert stream is ${feed.status === "ended" ? "closed" : "interrupted"}: ${describeError(feed.error)}`}
      </p>
      {banner ? (
        <div className={`alert-banner ${banner.kind}`} role="alert" data-testid="alert-banner" data-kind={banner.kind} data-alert-id={banner.id}>
          <strong>{describeAlert(banner, units, zone)}</strong>
          <span className="muted"> — {relative(new Date(banner.raised_at_ms), new Date(now))}</span>
          <button type="button" onClick={() => setDismissed(banner.id)} data-testid="alert-dismiss">Dismiss</button>
        </div>
      ) : null}
      <h3>Recent</h3>
      {feed.alerts.length === 0 ? <p className="empty" data-testid="alerts-empty">No alerts yet.</p> : (
        <ul data-testid="alerts-list">
          {[...feed.alerts].reverse().slice(0, 10).map((a) => (
            <li key={a.id} data-kind={a.kind} data-alert-id={a.id} data-at={a.at}>{describeAlert(a, units, zone)}</li>
          ))}
        </ul>
      )}
    </>
  );
}

type Field = "urgent_low_mgdl" | "low_mgdl" | "high_mgdl" | "rising_mgdl_per_min" | "falling_mgdl_per_min" | "no_data_minutes" | "snooze_minutes";
const GLUCOSE_FIELDS: Field[] = ["urgent_low_mgdl", "low_mgdl", "high_mgdl"];
const RATE_FIELDS: Field[] = ["rising_mgdl_per_min", "falling_mgdl_per_min"];
const OPTIONAL: Field[] = ["low_mgdl", "high_mgdl", "rising_mgdl_per_min", "falling_mgdl_per_min", "no_data_minutes"];
const LABELS: Record<Field, string> = {
  urgent_low_mgdl: "Urgent low below",
  low_mgdl: "Low below",
  high_mgdl: "High above",
  rising_mgdl_per_min: "Rising faster than",
  falling_mgdl_per_min: "Falling faster than",
  no_data_minutes: "No data for (minutes)",
  snooze_minutes: "Snooze after an alert (minutes)",
};

/** A setting as the form shows it (the chosen units for glucose and rates). */
function shown(field: Field, mgdl: number, units: GlucoseUnits): string {
  if (units === "mmol/L" && GLUCOSE_FIELDS.includes(field)) return (mgdl / MGDL_PER_MMOL).toFixed(1);
  if (units === "mmol/L" && RATE_FIELDS.includes(field)) return (mgdl / MGDL_PER_MMOL).toFixed(2);
  return String(mgdl);
}

/** What the form holds, back in mg/dL (whole numbers, as the relayer keeps them). */
function kept(field: Field, text: string, units: GlucoseUnits): number {
  const v = Number(text.replace(",", "."));
  if (!Number.isFinite(v)) throw new Error(`${LABELS[field]}: "${text}" is not a number`);
  const mgdl = units === "mmol/L" && (GLUCOSE_FIELDS.includes(field) || RATE_FIELDS.includes(field)) ? v * MGDL_PER_MMOL : v;
  return Math.round(mgdl);
}

function AlertSettingsForm({ units }: { units: GlucoseUnits }) {
  const { cfg, wallet } = useSession();
  const [state, reload] = useAsync(() => relayerFor(cfg, wallet).alertSettings(wallet.address), wallet.address);
  const [draft, setDraft] = useState<Record<Field, string> | null>(null);
  const [on, setOn] = useState<Record<Field, boolean> | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const current = state.status === "ok" ? state.data.settings : null;
  const fields = Object.keys(LABELS) as Field[];
  const values = draft ?? (current ? Object.fromEntries(fields.map((f) => [f, current[f] == null ? "" : shown(f, current[f], units)])) as Record<Field, string> : null);
  const enabled = on ?? (current ? Object.fromEntries(fields.map((f) => [f, current[f] != null])) as Record<Field, boolean> : null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!values || !enabled || !current) return;
    try {
      const next = Object.fromEntries(fields.map((f) => [f, OPTIONAL.includes(f) && !enabled[f] ? null : kept(f, values[f] || String(current[f] ?? ""), units)])) as unknown as AlertSettings;
      await relayerFor(cfg, wallet).putAlertSettings(wallet.address, next);
      setDraft(null);
      setOn(null);
      setMessage({ ok: true, text: "Alert settings saved." });
      reload();
    } catch (err) {
      setMessage({ ok: false, text: describeError(err) });
    }
  };
  return (
    <details data-testid="alert-settings">
      <summary>Settings {state.status === "ok" && state.data.defaults ? "(the defaults)" : ""}</summary>
      <Async state={state} what="your alert settings">
        {() => values && enabled ? (
          <form onSubmit={(e) => void save(e)} className="alert-settings">
            {fields.map((f) => (
              <div key={f} className="row">
                {OPTIONAL.includes(f) ? (
                  <input type="checkbox" id={`alert-on-${f}`} checked={enabled[f]} aria-label={`${LABELS[f]}: on`}
                    onChange={(e) => setOn({ ...enabled, [f]: e.target.checked })} data-testid={`alert-on-${f}`} />
                ) : null}
                <label htmlFor={`alert-${f}`}>{LABELS[f]}{GLUCOSE_FIELDS.includes(f) ? ` (${units})` : RATE_FIELDS.includes(f) ? ` (${units}/min)` : ""}</label>
                <input id={`alert-${f}`} inputMode="decimal" value={values[f]} disabled={OPTIONAL.includes(f) && !enabled[f]}
                  onChange={(e) => { setDraft({ ...values, [f]: e.target.value }); setMessage(null); }} data-testid={`alert-${f}`} />
              </div>
            ))}
            <button type="submit" data-testid="alert-save">Save settings</button>
          </form>
        ) : null}
      </Async>
      {message ? <p role="status" className={message.ok ? "ok" : "error"} data-testid="alert-settings-message">{message.text}</p> : null}
    </details>
  );
}

/** Webhooks for `patient`'s alerts: the patient's all, or a grantee's own (for themselves). */
export function Webhooks({ patient, alerts }: { patient: string; alerts: number }) {
  const { cfg, wallet } = useSession();
  const [state, reload] = useAsync(() => relayerFor(cfg, wallet).webhooks(patient), `${wallet.address}:${patient}`);
  // A new alert is being delivered: show its outcome once the deliverer has had a moment.
  useEffect(() => {
    if (alerts === 0) return;
    const t = setTimeout(reload, 2_000);
    return () => clearTimeout(t);
  }, [alerts, reload]);
  const [url, setUrl] = useState("");
  const [kinds, setKinds] = useState<AlertKind[]>(["urgent_low", "low"]);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const made = await relayerFor(cfg, wallet).createWebhook(patient, url.trim(), kinds);
      setSecret({ id: made.webhook.id, secret: made.secret });
      setUrl("");
      reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (w: WebhookInfo) => {
    setError(null);
    try {
      await relayerFor(cfg, wallet).revokeWebhook(patient, w.id);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <details data-testid="webhooks">
      <summary>{patient === wallet.address ? "Webhooks: your alerts to another service" : "Webhooks: this patient's alerts to your service"}</summary>
      <form onSubmit={(e) => void add(e)}>
        <label htmlFor="webhook-url">URL</label>
        <input id="webhook-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://…" data-testid="webhook-url" />
        <fieldset>
          <legend>Alerts to send</legend>
          {KINDS.map((k) => (
            <label key={k} className="inline">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} data-testid={`webhook-kind-${k}`} />
              {KIND_LABELS[k]}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={kinds.length === 0} data-testid="webhook-add">Add webhook</button>
      </form>
      {error ? <ErrorBox error={error} title="The relayer refused" /> : null}
      {secret ? (
        <p className="secret-once" role="status" data-testid="webhook-secret">
          Signing secret of {secret.id}, shown only now (each delivery carries <code>x-diachain-signature</code>, an HMAC-SHA256 with it): <code className="secret">{secret.secret}</code>
        </p>
      ) : null}
      <Async state={state} what="your webhooks" empty="No webhooks." isEmpty={(l) => l.length === 0}>
        {(list) => (
          <ul data-testid="webhooks-list">
            {list.map((w) => (
              <li key={w.id} data-webhook-id={w.id}>
                <code>{w.url}</code> — {w.kinds.map((k) => KIND_LABELS[k]).join(", ")}; {w.delivered} delivered, {w.failed} given up
                {w.last_outcome ? <span className="muted"> ({w.last_outcome})</span> : null}
                {w.revoked_at == null ? <button type="button" onClick={() => void revoke(w)} data-testid="webhook-revoke">Revoke</button> : <span> — revoked</span>}
              </li>
            ))}
          </ul>
        )}
      </Async>
    </details>
  );
}
