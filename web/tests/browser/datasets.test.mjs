// The sponsor's research dataset in a real browser against the main job (its relayer has the
// data-union contract configured; the simulated people's gateways, bound to the test keyring's
// `patient`, upload glucose every 2 s). From Node: the sponsor creates a study whose data period
// is today (the chain's today: the e2e chain's clock may run days ahead of this computer's), the
// patient grants it research consent (glucose, today, to the sponsor, naming the study) and
// joins; the test waits until the anchors contract counts anchored glucose of the patient today.
// In the browser, as the sponsor: a refusal is shown with the relayer's code and sentence (one
// start answered 429 export_busy by page.route); then the CSV export runs, its progress is shown
// (phases, participants, rows) until the manifest is on chain, the file is saved with the
// server's name and checked in the browser against the chain: every check ✓; the manifest is
// listed from the chain with the file's root. In Node: the downloaded file is the one the page
// checked (SHA-256), @diachain/client's verifyDataset on it against the chain gives the same
// verdict, and the manifest on chain is the export's. A screenshot `sponsor-dataset.png`.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { CosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { aminoSigner, ConsentQueryClient, DataUnionQueryClient, RelayerClient, verifyDataset } from "@diachain/client";
import { attributeOf, chainNow, executeFromNode, grantFromNode, revokeFromNode } from "./chain.mjs";
import { accounts, launch, screenshotOf, signIn, WEB_URL } from "./harness.mjs";

const DAY = 86_400;
const CHECKS = ["manifest", "file matches manifest", "participants within membership", "consents covered the export time"];
let browser, page, cfg, patient, sponsor, studyId, grantId, joined = false;
/** What the page checked and saved. */
let verdictOnPage, download, exportId;

async function pollUntil(what, f, { tries = 60, everyMs = 2000 } = {}) {
  for (let i = 0; i < tries; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function query(contract, msg) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    return await client.queryContractSmart(contract, msg);
  } finally {
    client.disconnect();
  }
}

const isExports = (u) => new URL(u).pathname === `/v1/studies/${studyId}/exports`;

describe("sponsor: a study's dataset exported, saved and verified against the chain in the browser", () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    ({ patient, sponsor } = a.byName);
    assert.ok(patient && sponsor, "the local test keyring has no patient or sponsor account");
    const now = await chainNow(cfg);
    const today = Math.floor(now / DAY);
    // The study: glucose, today (UTC, the chain's), funded with 10 DIA.
    const created = await executeFromNode(cfg, sponsor, cfg.contracts.union, {
      create_study: {
        denom: cfg.denom,
        study: {
          title: `Research dataset, browser test ${new Date(now * 1000).toISOString().slice(0, 16)}`,
          description_url: "https://example.org/protocols/research-dataset",
          scopes: ["glucose"],
          data_from_day: today,
          data_to_day: today,
          eligibility: { min_readings_per_day: 1, min_days: 1, device_kinds: [] },
          cap_per_patient: "500000",
        },
      },
    }, [{ denom: cfg.denom, amount: "10000000" }]);
    studyId = attributeOf(created, "study_id");
    // The patient's research consent to the sponsor for this study, then the Join.
    grantId = await grantFromNode(cfg, patient, sponsor.address, {
      purpose: "research", studyId, scopes: ["glucose"], from: today * DAY, to: (today + 1) * DAY - 1, expires: (today + 3) * DAY,
    });
    await executeFromNode(cfg, patient, cfg.contracts.union, { join: { study_id: studyId } });
    joined = true;
    // Anchored glucose of the patient today (as the patient reads it from the relayer): the
    // export has rows to write.
    const own = new RelayerClient({ url: cfg.relayer, signer: await aminoSigner(await Secp256k1HdWallet.fromMnemonic(patient.mnemonic, { prefix: cfg.prefix })) });
    await pollUntil("anchored glucose readings of the patient today", async () => {
      const t = await chainNow(cfg);
      const r = await own.readings(patient.address, "glucose", { from: Math.max(today * DAY, t - 900), to: t });
      return r.batches.some((b) => b.anchoring.state === "anchored" && b.readings.length > 0);
    });
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    // The patient leaves (a patient is in at most 16 open studies) and withdraws the consent.
    if (joined) await executeFromNode(cfg, patient, cfg.contracts.union, { leave: { study_id: studyId } }).catch(() => undefined);
    if (grantId !== undefined) await revokeFromNode(cfg, patient, grantId).catch(() => undefined);
    await browser?.close();
  });

  it("shows the study with no dataset on chain yet, and a refusal with the relayer's code and sentence", async () => {
    await signIn(page, sponsor, "sponsor");
    const datasets = page.getByTestId(`datasets-${studyId}`);
    await datasets.waitFor();
    await datasets.getByText("No dataset of this study is recorded on chain yet.").waitFor();
    // The relayer is busy (as another export being written makes it): its refusal, word for word.
    const sentence = "Another export is being written on this relayer; try again when it is done.";
    const busy = (url) => isExports(url.href);
    await page.route(busy, (route) => route.request().method() === "POST"
      ? route.fulfill({
        status: 429, contentType: "application/json", headers: { "access-control-allow-origin": new URL(WEB_URL).origin, vary: "origin" },
        body: JSON.stringify({ error: "export_busy", message: sentence }),
      })
      : route.fallback());
    try {
      await page.getByTestId(`export-start-${studyId}`).click();
      const refused = page.getByTestId(`export-${studyId}`).locator("[data-testid=export-run] .error");
      await refused.waitFor();
      assert.equal(await refused.innerText(), `The export could not be started: The relayer refused (429 export_busy): ${sentence}`);
    } finally {
      await page.unroute(busy);
    }
  });

  it("exports the CSV, shows its progress, saves the file and verifies it against the chain: every check ✓", async () => {
    const form = page.getByTestId(`export-${studyId}`);
    assert.ok(await page.getByTestId(`export-format-csv-${studyId}`).isChecked(), "CSV is the default");
    assert.ok(!(await page.getByTestId(`export-shift-${studyId}`).isChecked()), "times are not shifted by default");
    // Every status the page reads: the start's answer, then each poll.
    const phases = [];
    page.on("response", async (res) => {
      const path = new URL(res.url()).pathname;
      if (!path.startsWith(`/v1/studies/${studyId}/exports`) || path.endsWith("/data") || res.request().method() === "OPTIONS") return;
      const body = await res.json().catch(() => null);
      if (body && !Array.isArray(body) && body.phase) {
        phases.push(body.phase);
        exportId = body.export_id;
      }
    });
    // The relayer writes one export at a time: another one running is waited out.
    const downloaded = page.waitForEvent("download", { timeout: 600_000 });
    downloaded.catch(() => undefined); // (awaited below; a failure before then is the test's own)
    for (let attempt = 0; ; attempt++) {
      const run = Number(await form.getAttribute("data-run"));
      await page.getByTestId(`export-start-${studyId}`).click();
      // (the run numbered after the last one: the refusal above stays shown until it begins)
      const step = await pollUntil("the export to start or be refused", async () => {
        if (Number(await form.getAttribute("data-run")) <= run) return null;
        const s = await form.getByTestId("export-run").getAttribute("data-step");
        return s !== "starting" ? s : null;
      }, { tries: 60, everyMs: 500 });
      if (step !== "error") break;
      const text = await form.locator("[data-testid=export-run] .error").innerText();
      assert.match(text, /export_busy/, text);
      assert.ok(attempt < 20, "the relayer stayed busy with another export");
      await new Promise((r) => setTimeout(r, 5000));
    }
    // Progress: the phase and counts while it runs.
    const progress = form.getByTestId("export-progress");
    await progress.waitFor();
    assert.match(await progress.getAttribute("data-phase"), /^(planning|writing|recording|ready)$/);
    download = await downloaded;
    assert.equal(download.suggestedFilename(), `study-${studyId}-${exportId}.csv`);
    const verdict = form.getByTestId("dataset-verdict");
    await verdict.waitFor({ timeout: 300_000 });
    assert.equal(phases[0], "planning", `the start answered ${phases[0]}`);
    assert.equal(phases[phases.length - 1], "ready");
    assert.ok(phases.every((p) => ["planning", "writing", "recording", "ready"].includes(p)), phases.join(","));
    assert.equal(await progress.getAttribute("data-phase"), "ready");
    assert.match(await progress.innerText(), /Ready: the manifest is on chain/);
    assert.match(await progress.innerText(), /Participants: 1 of 1 written/);
    verdictOnPage = {
      verified: await verdict.getAttribute("data-verified"),
      root: await verdict.getAttribute("data-root"),
      rows: Number(await verdict.getAttribute("data-rows")),
      participants: Number(await verdict.getAttribute("data-participants")),
      manifest: Number(await verdict.getAttribute("data-manifest")),
      sha256: await verdict.getAttribute("data-sha256"),
      checks: await verdict.locator("li[data-check]").evaluateAll((lis) => lis.map((li) => ({
        check: li.dataset.check, ok: li.dataset.ok === "true", mark: li.querySelector("[aria-hidden]").textContent,
        detail: li.querySelector(".detail").textContent,
      }))),
    };
    assert.equal(verdictOnPage.verified, "true", JSON.stringify(verdictOnPage.checks, null, 2));
    assert.deepEqual(verdictOnPage.checks.map((c) => [c.check, c.ok, c.mark]), CHECKS.map((c) => [c, true, "✓"]));
    assert.match(await verdict.innerText(), /Verified against the chain/);
    assert.equal(verdictOnPage.participants, 1, "the patient is the study's one participant");
    assert.ok(verdictOnPage.rows > 0);
    assert.equal(Number(await progress.getAttribute("data-rows")), verdictOnPage.rows);
    assert.match(await form.getByTestId("export-saved").innerText(), new RegExp(`Saved study-${studyId}-${exportId}\\.csv`));
  });

  it("lists the manifest from the chain, the export's, with the file's root", async () => {
    const row = page.getByTestId(`manifest-${studyId}-${verdictOnPage.manifest}`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-root"), verdictOnPage.root);
    assert.equal(Number(await row.getAttribute("data-rows")), verdictOnPage.rows);
    assert.equal(Number(await row.getAttribute("data-members")), 1);
    assert.match(await row.innerText(), /CSV/);
    assert.match(await row.innerText(), /not shifted/);
    const m = await query(cfg.contracts.union, { manifest: { study_id: studyId, manifest_id: verdictOnPage.manifest } });
    assert.equal(Buffer.from(m.root, "base64").toString("hex"), verdictOnPage.root);
    assert.equal(Buffer.from(m.export_id, "base64").toString("hex"), exportId);
    assert.deepEqual([m.rows, m.members, m.format, m.time_shifted], [verdictOnPage.rows, 1, "csv", false]);
    await screenshotOf(page.getByTestId(`study-${studyId}`), "sponsor-dataset");
  });

  it("saved exactly the file it checked, and verifyDataset in Node gives the same verdict", async () => {
    const bytes = await readFile(await download.path());
    assert.equal(createHash("sha256").update(bytes).digest("hex"), verdictOnPage.sha256, "the saved file is the one checked");
    const client = await CosmWasmClient.connect(cfg.rpc);
    try {
      const v = await verifyDataset(new Uint8Array(bytes), {
        studyId, union: new DataUnionQueryClient(client, cfg.contracts.union), consent: new ConsentQueryClient(client, cfg.contracts.consent),
      });
      assert.equal(v.verified, true, JSON.stringify(v, null, 2));
      assert.deepEqual([v.root, v.rows, v.participants, v.manifest_id], [verdictOnPage.root, verdictOnPage.rows, 1, verdictOnPage.manifest]);
      assert.deepEqual(v.checks.map((c) => ({ check: c.check, ok: c.ok, detail: c.detail })), verdictOnPage.checks.map(({ check, ok, detail }) => ({ check, ok, detail })));
    } finally {
      client.disconnect();
    }
    assert.deepEqual(browser.consoleErrors, []);
  });
});
