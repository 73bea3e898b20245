// Alerts in a real browser against the main job: the patient sets their alerts and a webhook
// from the dashboard; a Nightscout uploader sends an urgent low; the dashboard shows it live
// (the relayer's alert stream) and the webhook receives it, signed with the secret the
// dashboard showed once; the home reads new readings as the stream announces them, without a
// reload. The latencies seen (acknowledgement → banner, → webhook) are printed, not asserted:
// the benchmark measures them (docs/benchmarks.md).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { verifyWebhookSignature } from "@diachain/client";
import { chainNow, createBoundUploader, grantGlucose, retireUploaders, retireWebhooks, uploadEntries } from "./chain.mjs";
import { accounts, launch, screenshot, signIn } from "./harness.mjs";

const UPLOADER = "browser-test alerts";
let browser, page, cfg, patient, clinician, receiver, secret, uploader;
/** The uploader's latest reading (its readings are a minute apart at least). */
let lastAt = 0;
/** What the webhook receiver got: headers, body, when. */
const received = [];

function listen() {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200).end();
      });
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function waitFor(what, f, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("alerts", () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    ({ patient, clinician } = a.byName);
    assert.ok(patient && clinician, "the local test keyring has no patient or clinician account");
    receiver = await listen();
    browser = await launch();
    page = browser.page;
    await retireUploaders(cfg, patient, UPLOADER); // an interrupted earlier run's
    await retireWebhooks(cfg, patient, patient.address, "http://127.0.0.1:");
  });
  after(async () => {
    // The receiver goes away with the test: its webhook goes too (revoked from the dashboard).
    if (receiver && page) {
      const url = `http://127.0.0.1:${receiver.address().port}/hook`;
      const row = page.getByTestId("webhooks-list").locator("li", { hasText: url });
      if (await row.count()) {
        await row.getByTestId("webhook-revoke").click();
        await row.filter({ hasText: "revoked" }).waitFor().catch(() => undefined);
      }
    }
    await retireUploaders(cfg, patient, UPLOADER).catch(() => undefined);
    await browser?.close();
    receiver?.close();
  });

  it("lets the patient set their alerts and add a webhook, whose secret is shown once", async () => {
    await signIn(page, patient, "patient");
    await page.getByTestId("alert-settings").locator("summary").click();
    // Every new episode alerts (the simulated person's own lows must not snooze the test's).
    await page.getByTestId("alert-snooze_minutes").fill("0");
    await page.getByTestId("alert-urgent_low_mgdl").fill("54");
    await page.getByTestId("alert-save").click();
    await page.getByTestId("alert-settings-message").filter({ hasText: "saved" }).waitFor();
    // A refused value is explained and nothing is kept.
    await page.getByTestId("alert-urgent_low_mgdl").fill("30");
    await page.getByTestId("alert-save").click();
    await page.getByTestId("alert-settings-message").filter({ hasText: "urgent_low_mgdl" }).waitFor();
    await page.getByTestId("alert-urgent_low_mgdl").fill("54");

    await page.getByTestId("webhooks").locator("summary").click();
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    await page.getByTestId("webhook-url").fill(url);
    await page.getByTestId("webhook-add").click();
    const shown = page.getByTestId("webhook-secret");
    await shown.waitFor();
    secret = (await shown.locator("code.secret").innerText()).trim();
    assert.match(secret, /^[0-9a-f]{64}$/);
    await page.getByTestId("webhooks-list").locator("li", { hasText: url }).waitFor();
  });

  it("shows an urgent low the moment the relayer raises it, and the webhook receives it signed", async () => {
    await page.getByTestId("alert-feed-status").filter({ hasText: "Live" }).waitFor();
    const up = await createBoundUploader(cfg, patient, UPLOADER);
    uploader = up;
    const at = Math.max(up.boundAt + 2, await chainNow(cfg));
    lastAt = at;
    const sent = await uploadEntries(cfg, up.api_secret, [{ type: "sgv", sgv: 50, date: at * 1000, direction: "SingleDown" }]);
    const acked = Date.now();
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.length, 1, JSON.stringify(sent.body));

    const item = page.getByTestId("alerts-list").locator(`li[data-kind=urgent_low][data-at="${at}"]`, { hasText: "50 mg/dL" });
    await item.waitFor({ timeout: 30_000 });
    const shownAt = Date.now();
    const id = await item.getAttribute("data-alert-id");
    assert.match(id, /^al-[0-9a-f]{32}$/);
    const banner = page.getByTestId("alert-banner");
    assert.equal(await banner.count(), 1, "the newest alert is the banner");

    const hook = await waitFor("the webhook's delivery", () => received.find((r) => r.headers["x-diachain-alert-id"] === id));
    const alert = JSON.parse(hook.body);
    assert.equal(alert.kind, "urgent_low");
    assert.equal(alert.value_mgdl, 50);
    assert.equal(alert.at, at);
    assert.equal(alert.patient, patient.address);
    const headers = { timestamp: hook.headers["x-diachain-timestamp"], signature: hook.headers["x-diachain-signature"] };
    assert.ok(await verifyWebhookSignature(secret, headers, hook.body), "signed with the secret the dashboard showed");
    assert.ok(!(await verifyWebhookSignature("00".repeat(32), headers, hook.body)), "and not with another");
    console.log(`alert latency seen: acknowledgement → dashboard ${shownAt - acked} ms, → webhook ${hook.at - acked} ms`);
    await screenshot(page, "patient-alert");
  });

  it("reads new readings into the home as the stream announces them, without a reload", async () => {
    await page.evaluate(() => { globalThis.__sameDocument = true; });
    const current = page.getByTestId("current-glucose");
    const before = Number(await current.getAttribute("data-time"));
    // The simulated sensors keep sending: the stream announces their readings, and the home
    // reads them (it says what made it read: the stream, not its one-minute poll).
    const home = page.getByTestId("patient-home");
    await waitFor("a newer reading on the home, read because the stream announced it", async () =>
      Number(await current.getAttribute("data-time")) > before && (await home.getAttribute("data-read-by")) === "stream", 45_000);
    assert.equal(await page.evaluate(() => globalThis.__sameDocument), true, "the page was not reloaded");
  });

  it("shows a clinician with a grant the patient's alerts live, recorded, until the grant is revoked", async () => {
    const grant = await grantGlucose(cfg, patient, clinician.address);
    try {
      await signIn(page, clinician, "clinician");
      await page.getByTestId(`open-patient-${patient.address}`).click();
      const panel = page.getByTestId("clinician-alerts");
      await panel.getByTestId("follow-alerts").click();
      await panel.getByTestId("alert-feed-status").filter({ hasText: "Live" }).waitFor();
      // Back in range, then urgently low again: a new episode.
      const t0 = Math.max(await chainNow(cfg), lastAt + 60);
      const at = t0 + 60;
      const sent = await uploadEntries(cfg, uploader.api_secret, [{ type: "sgv", sgv: 150, date: t0 * 1000 }, { type: "sgv", sgv: 48, date: at * 1000 }]);
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.length, 2, JSON.stringify(sent.body));
      await panel.locator(`li[data-kind=urgent_low][data-at="${at}"]`, { hasText: "48 mg/dL" }).waitFor({ timeout: 30_000 });
      await grant.revoke();
      // The next alert is refused to the clinician: the stream closes with the grant's refusal.
      const later = at + 60;
      await uploadEntries(cfg, uploader.api_secret, [{ type: "sgv", sgv: 150, date: later * 1000 }, { type: "sgv", sgv: 46, date: (later + 60) * 1000 }]);
      await panel.getByTestId("alert-feed-status").filter({ hasText: "grant_revoked" }).waitFor({ timeout: 30_000 });
      assert.equal(await panel.locator(`li[data-at="${later + 60}"]`).count(), 0, "nothing after the revocation");
    } finally {
      await grant.revoke().catch(() => undefined);
    }
  });

  it("raised no uncaught error in the page", () => {
    assert.deepEqual(browser.consoleErrors, []);
  });
});
