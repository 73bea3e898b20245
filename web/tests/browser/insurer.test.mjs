// The insurer's view in a real browser against the main job: the patient grants an insurer
// (the test keyring's `patient3`, or $INSURER_ACCOUNT) scope `summaries_only` from Node; the
// insurer, in a browser set to Asia/Kathmandu (UTC+5:45, so that the days are not UTC's), finds
// the patient under that grant, loads the last hour, and sees adherence from the chain (the
// anchors contract's coverage, compared with the chain from Node) beside the relayer's summary,
// labelled as the relayer's computation; the summary's numbers equal @diachain/client's cgm.ts
// on the patient's own anchored readings of the same period (read from Node), day by day at
// +5:45; every batch it names is on chain as named; the readings themselves are refused to the
// insurer (and the relayer names the summary); the access is in the patient's on-chain access
// log with scope summaries_only; after the patient revokes, the summary is refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { CosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import {
  aminoSigner, cgmMetrics, cgmMetricsFromSummary, dailyCgmMetrics, formatCgmMetrics, glucoseReadings, RelayerClient, signRequest,
} from "@diachain/client";
import { chainNow, grantFromNode, revokeFromNode } from "./chain.mjs";
import { accounts, launch, screenshot, signIn } from "./harness.mjs";

const ZONE = "Asia/Kathmandu";
const OFFSET = 345; // UTC+5:45 all year
const DAY = 86_400;
let browser, page, cfg, patient, insurer, grantId, answer;

async function pollUntil(what, f, { tries = 30, everyMs = 2000 } = {}) {
  for (let i = 0; i < tries; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A datetime-local value (minutes) on `zone`'s clock. */
function inputValue(sec, zone) {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
  const p = Object.fromEntries(f.formatToParts(new Date(sec * 1000)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
/** A datetime-local value read as if it were UTC, in seconds (to measure a span). */
const wallSeconds = (v) => Date.parse(`${v}:00Z`) / 1000;

async function signerOf(account) {
  return aminoSigner(await Secp256k1HdWallet.fromMnemonic(account.mnemonic, { prefix: cfg.prefix }));
}

/** A signed GET of the relayer as `account`: status and JSON. */
async function signedGet(account, path, query) {
  const headers = await signRequest(await signerOf(account), { method: "GET", path, query });
  const res = await fetch(`${cfg.relayer}${path}?${query}`, { headers: { ...headers } });
  return { status: res.status, body: await res.json() };
}

async function query(contract, msg) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    return await client.queryContractSmart(contract, msg);
  } finally {
    client.disconnect();
  }
}

const isSummary = (res) => {
  const u = new URL(res.url());
  return res.request().method() === "GET" && u.pathname === `/v1/patients/${patient.address}/summary`;
};

describe("insurer: adherence on chain beside the relayer's summary (scope summaries_only)", () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    patient = a.byName.patient;
    insurer = a.byName[process.env.INSURER_ACCOUNT ?? "patient3"];
    assert.ok(patient && insurer, "the local test keyring has no patient or patient3 account");
    const now = await chainNow(cfg);
    grantId = await grantFromNode(cfg, patient, insurer.address, {
      scopes: ["summaries_only"], purpose: "insurance", from: now - 14 * DAY, to: now + DAY, expires: now + DAY,
    });
    browser = await launch({ timezoneId: ZONE });
    page = browser.page;
  });
  after(async () => {
    if (grantId !== undefined) await revokeFromNode(cfg, patient, grantId).catch(() => undefined);
    await browser?.close();
  });

  it("lists the patient under their summaries grant and offers the last 14 days", async () => {
    await signIn(page, insurer, "insurer");
    const row = page.getByTestId(`summary-patient-${patient.address}`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-active"), "true");
    const grant = row.locator(`li[data-grant="${grantId}"]`);
    assert.match(await grant.innerText(), /active.*insurance: summaries only/s);
    await page.getByTestId(`open-summary-${patient.address}`).click();
    const panel = page.getByTestId("insurer-summary-panel");
    await panel.waitFor();
    const span = wallSeconds(await panel.locator("input[name=to]").inputValue()) - wallSeconds(await panel.locator("input[name=from]").inputValue());
    assert.ok(span > 14 * DAY - 180 && span <= 14 * DAY, `the offered period spans ${span} s`);
    // Chromium names the zone by its ICU alias (Asia/Katmandu), other engines by the IANA name.
    assert.match(await page.getByTestId("summary-zone").innerText(), /Asia\/Kath?mandu, GMT\+5:45/);
  });

  it("shows the relayer's summary, equal to cgm.ts on the patient's own anchored readings, day by day at +5:45", async () => {
    const panel = page.getByTestId("insurer-summary-panel");
    const end = await chainNow(cfg);
    const start = Math.floor((end - 3600) / 60) * 60;
    const lastMinute = Math.floor(end / 60) * 60 - 120;
    await panel.locator("input[name=from]").fill(inputValue(start, ZONE));
    await panel.locator("input[name=to]").fill(inputValue(lastMinute, ZONE));
    const own = new RelayerClient({ url: cfg.relayer, signer: await signerOf(patient) });
    // A batch anchored between the insurer's summary and the patient's read would differ: again.
    await pollUntil("a summary drawn on the same anchored batches as the patient's read", async () => {
      const answered = page.waitForResponse(isSummary);
      await page.getByTestId("load-summary").click();
      const res = await answered;
      assert.equal(res.status(), 200, await res.text());
      const body = await res.json();
      assert.equal(new URL(res.url()).searchParams.get("utc_offset_minutes"), String(OFFSET));
      assert.equal(body.from, start);
      assert.equal(body.to, lastMinute + 59);
      const readings = await own.readings(patient.address, "glucose", { from: body.from, to: body.to });
      const anchored = readings.batches.filter((b) => b.anchoring.state === "anchored");
      const ids = (xs) => xs.map((b) => b.batch_id).sort((x, y) => x - y).join(",");
      if (ids(anchored) !== ids(body.batches)) return false;
      const glucose = glucoseReadings(anchored.flatMap((b) => b.readings));
      const period = { from: body.from, to: body.to };
      assert.deepEqual(cgmMetricsFromSummary(body.metrics), cgmMetrics(glucose, period));
      assert.deepEqual(
        body.days.map((d) => ({ date: d.date, metrics: cgmMetricsFromSummary(d.metrics) })),
        dailyCgmMetrics(glucose, period, { utcOffsetMinutes: OFFSET }),
      );
      const pending = readings.batches.filter((b) => b.anchoring.state !== "anchored" && b.anchoring.state !== "failed");
      assert.equal(body.left_out.not_anchored_readings, pending.reduce((n, b) => n + b.readings.length, 0));
      answer = body;
      return true;
    }, { tries: 10, everyMs: 3000 });
    assert.ok(answer.metrics.readings >= 10, `glucose readings summarised: ${answer.metrics.readings}`);
    assert.equal(answer.scope, "summaries_only");
    assert.deepEqual([answer.access.basis, answer.access.grant_id], ["grant", grantId]);
    // No reading in the answer: no salt, no proof, no value.
    const text = JSON.stringify(answer);
    for (const word of ["salt", "leaf_hash", "\"value\"", "measured_at"]) assert.ok(!text.includes(word), `${word} in the summary`);

    // What the page shows is the answer, rounded as cgm.ts rounds.
    const summary = page.getByTestId("insurer-summary");
    await summary.waitFor();
    await page.getByTestId("summary-units-mgdl").click();
    assert.equal(Number(await summary.getAttribute("data-readings")), answer.metrics.readings);
    assert.equal(Number(await summary.getAttribute("data-offset")), OFFSET);
    const f = formatCgmMetrics(cgmMetricsFromSummary(answer.metrics), "mg/dL");
    const value = async (id) => Number(await page.getByTestId(id).getAttribute("data-value"));
    assert.equal(await value("summary-mean"), f.mean);
    assert.equal(await value("summary-gmi"), f.gmiPercent);
    assert.equal(await value("summary-active"), f.activePercent);
    assert.equal(await value("summary-readings"), f.readings);
    if (f.cv !== null) assert.equal(await value("summary-cv"), f.cv);
    const inRange = summary.getByTestId("tir-inRange");
    assert.equal(Number(await inRange.getAttribute("data-percent")), f.timeInRanges.inRange);
    const days = page.locator("tr[data-testid=summary-day]");
    assert.deepEqual(await days.evaluateAll((rows) => rows.map((r) => r.dataset.date)), answer.days.map((d) => d.date));
    // Labelled as the relayer's computation, with its footing on chain.
    const provenance = page.getByTestId("summary-provenance");
    assert.match(await provenance.innerText(), /Relayer-computed/);
    assert.match(await summary.innerText(), /not verifiable value by value/);
    assert.match(await provenance.innerText(), new RegExp(`grant #${grantId}`));

    // Adherence: the anchors contract's coverage, as Node reads it from the chain.
    const adherence = page.getByTestId("adherence");
    const fromDay = Math.floor(answer.from / DAY);
    const toDay = Math.floor(answer.to / DAY);
    const cov = await query(cfg.contracts.anchors, { coverage: { patient: patient.address, from_day: fromDay, to_day: toDay } });
    const perDay = new Map();
    for (const c of cov.days) if (c.scope === "glucose") perDay.set(c.day, (perDay.get(c.day) ?? 0) + c.readings);
    assert.equal(Number(await adherence.getAttribute("data-days")), toDay - fromDay + 1);
    const shown = await page.locator("tr[data-testid=adherence-day]").evaluateAll((rows) => rows.map((r) => [r.dataset.day, Number(r.dataset.readings)]));
    for (const [iso, n] of shown) {
      const day = Date.parse(`${iso}T00:00:00Z`) / 1000 / DAY;
      // Today's count only grows while the gateways stream: the page read it a moment before Node.
      if (day === toDay) assert.ok(n <= (perDay.get(day) ?? 0), `${iso}: ${n} shown, ${perDay.get(day)} on chain`);
      else assert.equal(n, perDay.get(day) ?? 0, iso);
    }
    await screenshot(page, "insurer");

    // Every batch it drew on is on chain as the relayer named it.
    await page.getByTestId("check-batches").click();
    const check = page.getByTestId("batches-check");
    await page.locator("[data-testid=batches-check][data-state=done]").waitFor({ timeout: 120_000 });
    assert.equal(Number(await check.getAttribute("data-mismatched")), 0);
    assert.equal(Number(await check.getAttribute("data-found")), answer.batches.length);
  });

  it("refuses the insurer the readings themselves, and names the summary", async () => {
    const path = `/v1/patients/${patient.address}/readings`;
    const period = `from=${answer.from}&to=${answer.to}`;
    const glucose = await signedGet(insurer, path, `scope=glucose&${period}`);
    assert.deepEqual([glucose.status, glucose.body.error], [403, "scope_not_granted"]);
    const summaries = await signedGet(insurer, path, `scope=summaries_only&${period}`);
    assert.deepEqual([summaries.status, summaries.body.error], [422, "summaries_only"]);
    assert.equal(summaries.body.summary, "/v1/patients/{patient}/summary");
  });

  it("puts the access in the patient's on-chain access log with scope summaries_only", async () => {
    await pollUntil("the summary's access recorded on chain", async () => {
      let after;
      for (let i = 0; i < 20; i++) {
        const log = await query(cfg.contracts.consent, { access_log_by_grantee: { grantee: insurer.address, start_after: after, limit: 100 } });
        const hit = log.items.find((r) => r.grant_id === grantId && r.scope === "summaries_only" && r.patient === patient.address);
        if (hit) return true;
        if (!log.has_more || log.items.length === 0) return false;
        after = log.items[log.items.length - 1].id;
      }
      return false;
    }, { tries: 40, everyMs: 2000 });
  });

  it("is refused once the patient revokes the grant, and the patient is no longer offered", async () => {
    await revokeFromNode(cfg, patient, grantId);
    const answered = page.waitForResponse(isSummary);
    await page.getByTestId("load-summary").click();
    assert.equal((await answered).status(), 403);
    await page.getByTestId("insurer-summary-panel").locator(".error").filter({ hasText: "403 grant_revoked" }).waitFor();
    await page.reload();
    await signIn(page, insurer, "insurer");
    const row = page.getByTestId(`summary-patient-${patient.address}`);
    await row.waitFor();
    await row.locator(`li[data-grant="${grantId}"][data-status=revoked]`).waitFor();
    // (another active summaries grant of an interrupted earlier run would keep the patient offered)
    const active = await row.getAttribute("data-active");
    if (active === "false") assert.ok(await page.getByTestId(`open-summary-${patient.address}`).isDisabled());
    assert.deepEqual(browser.consoleErrors, []);
  });
});
