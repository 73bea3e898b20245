// The journey of issue 14 in a real browser against a real local network, its deployed
// contracts and a running relayer with a patient's readings (scripts/run.sh):
// a patient grants a clinician and amends the grant, the clinician sees the verified chart, a
// tampered reading fails,
// the patient revokes and the clinician is refused; a sponsor creates and funds a study and the
// patient joins it; an emergency read shows as break-glass in the access log; an erasure; the
// patient's Nightscout uploader shows what its upload left out, and gets a new secret.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { breakGlassRead, chainNow, createBoundUploader, grantOnChain, retireUploaders, studyOnChain, uploadEntries } from "./chain.mjs";
import { accounts, addContact, launch, screenshot, signIn } from "./harness.mjs";
import { CosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { cgmMetrics, DeviceRegistryQueryClient, formatCgmMetrics, glucoseReadings, ReadingAnchorsQueryClient, verifyReadings } from "@diachain/client";

let browser, page, cfg, patient, clinician, sponsor, emergency, patient2;

async function pollUntil(what, f, { tries = 30, everyMs = 2000 } = {}) {
  for (let i = 0; i < tries; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A `datetime-local` value (local time, minutes) one day earlier. */
function dayEarlier(v) {
  const d = new Date(new Date(v).getTime() - 86_400_000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

describe("dashboard journey", () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    ({ patient, clinician, sponsor, emergency, patient2 } = a.byName);
    for (const [n, acc] of Object.entries({ patient, clinician, sponsor, emergency, patient2 }))
      assert.ok(acc, `the local test keyring has no ${n} account`);
    browser = await launch();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
  });

  it("shows the patient's devices and daily coverage from the chain", async () => {
    await signIn(page, patient, "patient");
    const devices = page.getByTestId("devices").locator("tbody tr");
    await devices.first().waitFor();
    assert.ok((await devices.count()) >= 1, "the patient has bound devices");
    assert.match(await devices.first().innerText(), /active/);
    const today = new Date((await chainNow(cfg)) * 1000).toISOString().slice(0, 10);
    const cell = page.locator(`.cal-day[data-day="${today}"]`);
    await pollUntil("today's coverage", async () => Number(await cell.getAttribute("data-readings")) > 0, { tries: 1 });
  });

  it("shows the patient their current glucose, verified, today's time in range and their units", async () => {
    const current = page.getByTestId("current-glucose");
    await current.waitFor({ timeout: 60_000 });
    const text = await current.innerText();
    assert.match(text, /^\d+ mg\/dL/, text);
    const value = Number(text.match(/^(\d+)/)[1]);
    assert.ok(value >= 40 && value <= 400, text);
    assert.match(await current.innerText(), /(just now|\d+ min ago)/);
    assert.match(await page.getByTestId("today-tir").innerText(), /in range .*: \d+ % of \d+ readings/);
    assert.equal(await page.getByTestId("home-failed").count(), 0, "every reading verified");
    await page.getByTestId("hours-24").click();
    await page.getByTestId("units-mmol").click();
    const mmol = await current.innerText();
    assert.match(mmol, /^\d+\.\d mmol\/L/, mmol);
    assert.ok(Math.abs(Number(mmol.split(" ")[0]) - value / 18.016) <= 0.1, `${mmol} is ${value} mg/dL`);
    await screenshot(page, "patient-home");
    // Remembered in this browser; back to mg/dL for the steps after.
    await page.reload();
    await signIn(page, patient, "patient");
    await page.getByTestId("current-glucose").waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId("current-glucose").innerText(), /mmol\/L/);
    await page.getByTestId("units-mgdl").click();
  });

  it("gives the patient their own history as the same CGM report, from readings verified in the browser", async () => {
    await signIn(page, patient, "patient");
    const mine = page.getByTestId("my-report");
    await mine.getByTestId("load-my-report").click();
    const report = mine.getByTestId("cgm-report");
    await report.waitFor({ timeout: 120_000 });
    assert.ok(Number(await report.getAttribute("data-readings")) >= 10, "verified readings in the patient's report");
    const stmt = mine.getByTestId("report-print");
    assert.equal(await stmt.getAttribute("data-chain-id"), cfg.chainId);
    assert.ok(Number(await stmt.getAttribute("data-roots")) >= 1);
    assert.equal(Number(await report.getAttribute("data-excluded-failed")), 0);
  });

  it("lets the patient grant the clinician, named in the address book, access to glucose", async () => {
    // The patient names the clinician (and the clinician, in the same browser, the patient).
    await addContact(page, "Dr. Lena Berg", clinician.address);
    await addContact(page, "Mia Jensen", patient.address, "patient");
    const form = page.getByTestId("grant-form");
    await form.locator("input[name=grantee]").fill("Dr. Lena Berg");
    assert.equal(await page.getByTestId("grantee-resolved").getAttribute("data-address"), clinician.address);
    await form.locator("select[name=purpose]").selectOption("treatment");
    await page.getByTestId("grant-submit").click();
    await page.getByTestId("grant-submit-done").waitFor();
    // Cleared once the grant is made (the same render as the confirmation): a second click
    // cannot grant the same again.
    assert.equal(await form.locator("input[name=grantee]").inputValue(), "", "the grant form is cleared");
    assert.ok(await page.getByTestId("grant-submit").isDisabled(), "Grant waits for a new grantee");
    const row = page.locator(`tr[data-grantee="${clinician.address}"][data-status="active"]`).first();
    await row.waitFor();
    // The grant is to the clinician by name, not by address.
    assert.equal(await row.locator(`[data-address="${clinician.address}"]`).innerText(), "Dr. Lena Berg");
  });

  it("lets the patient amend the grant: insulin too, and an expiry a day earlier", async () => {
    const row = page.locator(`tr[data-grantee="${clinician.address}"][data-status="active"]`).first();
    const id = Number((await row.getAttribute("data-testid")).replace("grant-", ""));
    const before = await grantOnChain(cfg, id);
    await page.getByTestId(`amend-${id}`).click();
    const form = page.getByTestId(`amend-form-${id}`);
    await form.locator(`input[name="amend-scope-${id}"][value="insulin"]`).check();
    const expires = form.locator("input[name=expires]");
    await expires.fill(dayEarlier(await expires.inputValue()));
    await page.getByTestId(`amend-submit-${id}`).click();
    await pollUntil("the amended grant on chain", async () => (await grantOnChain(cfg, id)).scopes.includes("insulin"), { tries: 15, everyMs: 1000 });
    const after = await grantOnChain(cfg, id);
    assert.deepEqual(after.scopes, ["glucose", "insulin"]);
    // (the form shows minutes, so the new expiry is a day earlier, to the minute)
    const earlier = (BigInt(before.expires.at_time) - BigInt(after.expires.at_time)) / 1_000_000_000n;
    assert.ok(earlier >= 86_400n && earlier < 86_460n, `the expiry moved ${earlier} s earlier`);
    assert.equal(after.data_from, before.data_from, "only what changed is sent");
    await page.locator(`tr[data-testid="grant-${id}"]`).filter({ hasText: "insulin" }).waitFor();
    // Confirmed above the list, with the transaction's hash (the amend form is gone).
    const done = page.locator(`[data-testid=grants-notice][data-action=amend][data-id="${id}"]`);
    await done.waitFor();
    assert.match(await done.innerText(), new RegExp(`Grant ${id} to [\\s\\S]* amended[\\s\\S]*Done in block \\d+`));
    assert.match(await done.getByTestId("tx-hash").getAttribute("title"), /^[0-9A-F]{64}$/i);
  });

  it("shows the clinician the patient's trend, every reading verified against the chain", async () => {
    await signIn(page, clinician, "clinician");
    await page.getByTestId(`patient-${patient.address}`).locator("li[data-status=active]").first().waitFor();
    await page.getByTestId(`open-patient-${patient.address}`).click();
    await page.getByTestId("load-trend").click();
    const summary = page.getByTestId("verification-summary");
    await summary.waitFor();
    assert.equal(await summary.getAttribute("data-failed"), "0", await summary.innerText());
    assert.ok(Number(await summary.getAttribute("data-verified")) >= 10, `verified: ${await summary.innerText()}`);
    // (the chart's code is loaded with the first readings) Every reading is drawn as a verified
    // point; above 1,200 readings (a long-lived network streams many) the verified ones are
    // downsampled to a line without dots and only failed or pending ones get one.
    const drawn = page.getByTestId("glucose-chart");
    await drawn.waitFor();
    const total = Number(await drawn.getAttribute("data-readings"));
    assert.equal(total, Number(await summary.getAttribute("data-verified")) + Number(await summary.getAttribute("data-pending")));
    if (total <= 1200) assert.ok((await drawn.locator('circle[data-state="verified"]').count()) >= 10);
    else assert.ok(Number(await drawn.getAttribute("data-shown")) < total, "downsampled");
    assert.equal(await drawn.locator('circle[data-state="failed"]').count(), 0);
    // The time axis repeats no label; the glucose axis's labels lie inside the chart (none clipped
    // at its left edge), its unit above it.
    const chart = page.getByTestId("glucose-chart");
    const xTicks = chart.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value");
    await xTicks.first().waitFor();
    const xLabels = await xTicks.allTextContents();
    assert.ok(xLabels.length >= 2, `x-axis labels: ${xLabels.join(" | ")}`);
    assert.equal(new Set(xLabels).size, xLabels.length, `a repeated x-axis label: ${xLabels.join(" | ")}`);
    const left = (await chart.boundingBox()).x;
    const yTicks = await chart.locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value").all();
    assert.ok(yTicks.length >= 2, "the glucose axis has labels");
    for (const tick of yTicks) {
      const box = await tick.boundingBox();
      assert.ok(box.x >= left, `the y-axis label "${await tick.textContent()}" starts ${left - box.x}px left of the chart`);
    }
    await chart.locator("text.recharts-label", { hasText: "mg/dL" }).waitFor();
    // The readings table: 50 rows a page, first / previous / next / last, "page x of y".
    const rows = page.locator("tr[data-testid=reading-row]");
    const pager = page.getByTestId("readings-page");
    const pages = Math.ceil(total / 50);
    assert.equal(await rows.count(), Math.min(total, 50));
    assert.equal(Number(await pager.getAttribute("data-pages")), pages);
    assert.match(await pager.innerText(), new RegExp(`^Page 1 of ${pages}`));
    assert.ok(await page.getByTestId("readings-prev").isDisabled());
    if (pages > 1) {
      await page.getByTestId("readings-last").click();
      assert.equal(await pager.getAttribute("data-page"), String(pages));
      assert.equal(await rows.count(), total - 50 * (pages - 1));
      assert.ok(await page.getByTestId("readings-next").isDisabled());
      await page.getByTestId("readings-prev").click();
      assert.equal(await pager.getAttribute("data-page"), String(pages - 1));
      assert.equal(await rows.count(), 50);
      await page.getByTestId("readings-first").click();
      assert.equal(await pager.getAttribute("data-page"), "1");
    }
    await screenshot(page, "clinician-verified");
  });

  it("shows a reading changed on its way to the browser as failing", async () => {
    let tampered = null;
    const isReadings = (url) => url.pathname.endsWith("/readings") && url.pathname.includes(patient.address);
    await page.route(isReadings, async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      const batch = body.batches.find((b) => b.anchoring.state === "anchored" && b.readings.length > 0);
      const r = batch.readings[Math.floor(batch.readings.length / 2)].reading;
      r.value += 40_000; // +40 mg/dL
      tampered = { device: r.device_id, seq: r.seq };
      await route.fulfill({ response: res, body: JSON.stringify(body) });
    });
    try {
      await page.getByTestId("load-trend").click();
      await page.locator('[data-testid=verification-summary][data-state="failed"]').waitFor();
    } finally {
      await page.unroute(isReadings);
    }
    const summary = page.getByTestId("verification-summary");
    assert.ok(tampered, "the relayer's answer went through the tampering route");
    assert.equal(await summary.getAttribute("data-failed"), "1", await summary.innerText());
    // Above the table: "x of y verified", the failure listed with its reason.
    const counted = page.getByTestId("readings-summary");
    const total = Number(await counted.getAttribute("data-total"));
    assert.equal(await counted.getAttribute("data-failed"), "1");
    assert.match(await counted.innerText(), new RegExp(`^${Number(await counted.getAttribute("data-verified"))} of ${total} readings verified against the chain`));
    const shown = page.locator("tr[data-testid=failed-row]");
    assert.equal(await shown.count(), 1);
    assert.equal(await shown.getAttribute("data-seq"), String(tampered.seq));
    assert.match(await shown.innerText(), /leaf does not rebuild the anchored root/);
    // "Show" turns the table to the failed reading's page and marks it.
    await page.getByTestId(`show-failed-${tampered.device}-${tampered.seq}`).click();
    const row = page.locator(`tr[data-testid=reading-row][data-device="${tampered.device}"][data-seq="${tampered.seq}"]`);
    assert.equal(await row.getAttribute("data-verdict"), "failed");
    assert.equal(await row.getAttribute("aria-current"), "true");
    assert.ok((await page.locator("tr[data-testid=reading-row]").count()) <= 50, "one page of rows");
    assert.equal(await page.locator('[data-testid=glucose-chart] circle[data-state="failed"]').count(), 1);
    await screenshot(page, "clinician-tampered");
  });

  it("shows the clinician a CGM report whose numbers equal cgmMetrics on the same verified readings", async () => {
    const isReadings = (res) => {
      const u = new URL(res.url());
      return res.request().method() === "GET" && u.pathname.endsWith("/readings") && u.pathname.includes(patient.address);
    };
    // A batch anchored between the browser's check and Node's would differ: try again then.
    await pollUntil("a report checked the same way in Node", async () => {
      const answered = page.waitForResponse(isReadings);
      await page.getByTestId("load-report").click();
      const body = await (await answered).json();
      const report = page.getByTestId("cgm-report");
      await report.waitFor();
      await page.getByTestId("report-units-mgdl").click();
      assert.equal(Number(await report.getAttribute("data-from")), body.from);
      assert.equal(Number(await report.getAttribute("data-to")), body.to);
      // The same relayer answer, verified against the chain in Node; only verified readings count.
      const cosm = await CosmWasmClient.connect(cfg.rpc);
      let verdicts;
      try {
        verdicts = await verifyReadings(body, new ReadingAnchorsQueryClient(cosm, cfg.contracts.anchors),
          { registry: new DeviceRegistryQueryClient(cosm, cfg.contracts.registry) });
      } finally {
        cosm.disconnect();
      }
      assert.equal(body.chain_id, cfg.chainId);
      const ok = new Set(verdicts.filter((v) => v.status === "verified").map((v) => `${v.batchId}/${v.deviceId}/${v.seq}`));
      const served = body.batches.flatMap((b) => b.readings.filter((r) => ok.has(`${b.batch_id}/${r.reading.device_id}/${r.reading.seq}`)));
      const m = cgmMetrics(glucoseReadings(served), { from: body.from, to: body.to });
      const pendingInNode = verdicts.filter((v) => v.status === "not_anchored").length;
      if (Number(await report.getAttribute("data-excluded-pending")) !== pendingInNode) return false;
      assert.ok(m.readings >= 10, `verified glucose readings: ${m.readings}`);
      assert.equal(Number(await report.getAttribute("data-readings")), m.readings);
      // However many readings 14 days hold, the table renders one page of them.
      assert.equal(Number(await page.getByTestId("readings").getAttribute("data-total")), verdicts.length);
      assert.equal(await page.locator("tr[data-testid=reading-row]").count(), Math.min(50, verdicts.length));
      const mg = formatCgmMetrics(m, "mg/dL");
      const val = async (id) => Number(await page.getByTestId(id).getAttribute("data-value"));
      assert.equal(await val("metric-mean"), mg.mean);
      assert.equal(await val("metric-gmi"), mg.gmiPercent);
      assert.equal(await val("metric-cv"), mg.cv);
      assert.equal(await val("metric-active"), mg.activePercent);
      for (const r of ["veryLow", "low", "inRange", "high", "veryHigh"]) {
        const row = page.getByTestId(`tir-${r}`);
        assert.equal(Number(await row.getAttribute("data-percent")), mg.timeInRanges[r], `time ${r}`);
        assert.equal(Number(await row.getAttribute("data-minutes")), mg.minutesPerDay[r], `minutes/day ${r}`);
      }
      assert.equal(Number(await page.getByTestId("hypo-events").getAttribute("data-count")), mg.hypoEvents.length);
      await page.getByTestId("agp-chart").waitFor();
      assert.ok((await page.getByTestId("daily-profile").count()) >= 1);
      // mmol/L: the same numbers converted.
      await page.getByTestId("report-units-mmol").click();
      assert.equal(await val("metric-mean"), formatCgmMetrics(m, "mmol/L").mean);
      await page.getByTestId("report-units-mgdl").click();
      // One device's trace: the same numbers, computed on that device's verified readings only.
      const devices = [...new Set(served.map((r) => r.reading.device_id))].sort();
      if (devices.length > 1) {
        await page.getByTestId("report-device").selectOption(devices[0]);
        const one = cgmMetrics(glucoseReadings(served.filter((r) => r.reading.device_id === devices[0])), { from: body.from, to: body.to });
        assert.equal(Number(await report.getAttribute("data-readings")), one.readings);
        assert.equal(await val("metric-mean"), formatCgmMetrics(one, "mg/dL").mean);
        await page.getByTestId("report-device").selectOption("all");
        assert.equal(Number(await report.getAttribute("data-readings")), m.readings);
      }
      // The printable statement names the chain, the contract and how many readings and roots.
      const stmt = page.getByTestId("report-print");
      assert.equal(await stmt.getAttribute("data-chain-id"), cfg.chainId);
      assert.equal(await stmt.getAttribute("data-anchors"), cfg.contracts.anchors);
      assert.equal(Number(await stmt.getAttribute("data-verified")), ok.size);
      await screenshot(page, "clinician-report");
      return true;
    }, { tries: 3, everyMs: 3000 });
  });

  it("refuses the clinician once the patient revokes, with the relayer's reason", async () => {
    // The clinician has the patient's trend open in a second tab while the patient revokes: the
    // dashboard no longer offers the trend of a patient without an active grant, so the relayer's
    // refusal is met from a view opened before the revocation.
    const tab = await page.context().newPage();
    tab.on("pageerror", (e) => browser.consoleErrors.push(String(e)));
    try {
      await signIn(tab, clinician, "clinician");
      await tab.getByTestId(`open-patient-${patient.address}`).click();
      await tab.getByTestId("load-trend").waitFor();

      await page.bringToFront();
      await signIn(page, patient, "patient");
      const active = page.locator(`tr[data-grantee="${clinician.address}"][data-status="active"]`);
      await active.first().waitFor();
      // Revoke every live grant to the clinician (an earlier interrupted run may have left one).
      while ((await active.count()) > 0) {
        const id = (await active.first().getAttribute("data-testid")).replace("grant-", "");
        await page.getByTestId(`revoke-${id}`).click();
        await page.locator(`tr[data-testid="grant-${id}"][data-status="revoked"]`).waitFor();
        // Confirmed above the list, with the transaction's hash (the row has lost its Revoke button).
        const done = page.locator(`[data-testid=grants-notice][data-action=revoke][data-id="${id}"]`);
        await done.waitFor();
        assert.match(await done.innerText(), new RegExp(`Grant ${id} revoked: [\\s\\S]*Done in block \\d+`));
        assert.match(await done.getByTestId("tx-hash").getAttribute("title"), /^[0-9A-F]{64}$/i);
      }

      await tab.bringToFront();
      await tab.getByTestId("load-trend").click();
      const error = tab.getByTestId("trend").getByRole("alert");
      await error.waitFor();
      assert.match(await error.innerText(), /The relayer refused \(403 grant_revoked\)/);
      await screenshot(tab, "clinician-refused");
    } finally {
      await tab.close();
    }

    // Signed in again, the clinician sees the patient without an active grant, not selectable.
    await signIn(page, clinician, "clinician");
    const row = page.getByTestId(`patient-${patient.address}`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-active"), "false", await row.innerText());
    assert.equal(await row.locator("li[data-status=active]").count(), 0);
    assert.ok(await page.getByTestId(`open-patient-${patient.address}`).isDisabled(), "no Glucose trend without an active grant");
    await page.getByTestId(`no-active-grant-${patient.address}`).waitFor();
    assert.equal(await page.getByTestId("trend").count(), 0, "no trend panel open");
  });

  it("lets a sponsor create and fund a study", async () => {
    await signIn(page, sponsor, "sponsor");
    const title = `Glucose variability, browser test ${new Date().toISOString().slice(0, 16)}`;
    const form = page.getByTestId("create-study");
    await form.locator("input[name=title]").fill(title);
    await form.locator("input[name=url]").fill("https://example.org/protocols/glucose-variability");
    // Amounts in DIA (6 decimals of udia): 10 DIA funded, a cap of 0.5 DIA a patient.
    await form.locator("input[name=amount]").fill("10");
    await form.locator("input[name=cap]").fill("0.5");
    await page.getByTestId("create-study-submit").click();
    await page.getByTestId("create-study-submit-done").waitFor();
    const card = page.locator("article.study", { hasText: title });
    await card.waitFor();
    const funded = card.getByTestId("pool-funded");
    assert.equal(await funded.innerText(), "10 DIA");
    assert.equal(await funded.getAttribute("data-amount"), "10000000");
    this_study.id = Number((await card.getAttribute("data-testid")).replace("study-", ""));
    const onChain = await studyOnChain(cfg, this_study.id);
    assert.equal(onChain.pool.funded, "10000000");
    assert.equal(onChain.cap_per_patient, "500000");
    // Never micro-units on the page.
    assert.doesNotMatch(await page.getByTestId("sponsor-view").innerText(), /udia/);
    this_study.title = title;
  });

  it("lets the patient consent to the study and join it", async () => {
    await signIn(page, patient, "patient");
    const id = this_study.id;
    await page.getByTestId(`open-${id}`).waitFor();
    await page.getByTestId(`join-${id}`).click();
    await page.getByTestId(`joined-${id}`).waitFor();
    assert.match(await page.getByTestId(`joined-${id}`).innerText(), /active/);
    // Confirmed above the lists, with the transaction's hash (the study has left the open ones).
    const done = page.locator(`[data-testid=studies-notice][data-action=join][data-id="${id}"]`);
    await done.waitFor();
    assert.match(await done.innerText(), new RegExp(`You joined study #${id} [\\s\\S]*Done in block \\d+`));
    assert.match(await done.getByTestId("tx-hash").getAttribute("title"), /^[0-9A-F]{64}$/i);
    assert.doesNotMatch(await page.getByTestId("patient-studies").innerText(), /udia/);
    await signIn(page, sponsor, "sponsor");
    const member = page.getByTestId(`study-${id}`).getByTestId(`member-${patient.address}`);
    await member.waitFor();
    assert.equal(await member.locator(`[data-address="${patient.address}"]`).innerText(), "Mia Jensen", "the member by name");
    await screenshot(page, "sponsor");
  });

  it("highlights an emergency provider's break-glass read in the patient's access log", async () => {
    const read = await breakGlassRead(cfg, emergency, patient.address);
    assert.equal(read.basis, "break_glass");
    assert.ok(read.count > 0, "the break-glass read was served readings of the last half hour");
    await signIn(page, patient, "patient");
    const rows = page.locator('[data-testid=access-log] tr[data-break-glass="true"]');
    await pollUntil("the break-glass access on chain", async () => {
      await page.getByTestId("access-log-refresh").click();
      await page.waitForTimeout(500);
      return (await rows.count()) > 0;
    });
    assert.match(await rows.first().innerText(), /BREAK-GLASS/);
    // The clinician's served reads are in the log too, under the (now revoked) grant.
    assert.ok((await page.locator(`[data-testid=access-log] [data-address="${clinician.address}"]`).count()) >= 1);
    await screenshot(page, "patient");
  });

  it("erases a patient's data at the relayer after a typed confirmation", async () => {
    // patient2 has no readings: the erasure runs for real without destroying the journey's data.
    await signIn(page, patient2, "patient");
    const section = page.getByTestId("erasure");
    const before = await section.locator("li").count();
    assert.ok(await page.getByTestId("erasure-submit").isDisabled(), "erasure needs the typed confirmation");
    await page.getByTestId("erasure-confirm").fill("erase my data");
    await page.getByTestId("erasure-submit").click();
    await pollUntil("the erasure listed", async () => (await section.locator("li").count()) > before, { tries: 15, everyMs: 1000 });
    assert.match(await section.locator("li").last().innerText(), /erased/);
  });

  it("shows the patient what their Nightscout uploader's upload left out, and gives it a new secret", async () => {
    const name = "browser-test uploader";
    await retireUploaders(cfg, patient, name); // an interrupted earlier run's
    const up = await createBoundUploader(cfg, patient, name);
    try {
      // Measured after the binding (an entry before it is skipped as before_binding), by the chain's clock.
      const t = (up.boundAt + 2) * 1000;
      const sent = await uploadEntries(cfg, up.api_secret, [
        { type: "sgv", sgv: 120, date: t, direction: "Flat" },
        { type: "sgv", sgv: -5, date: t + 1000 },
      ]);
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.length, 1, `one entry stored: ${JSON.stringify(sent.body)}`);
      assert.equal(sent.skipReasons, "malformed=1");

      await signIn(page, patient, "patient");
      const card = page.getByTestId(`uploader-${up.device_id}`);
      const malformed = card.locator('[data-testid=skip-row][data-reason="malformed"]');
      await pollUntil("the uploader's skip listed", async () => {
        await page.getByTestId("uploaders-refresh").click();
        await page.waitForTimeout(500);
        return (await malformed.count()) > 0;
      }, { tries: 15, everyMs: 1000 });
      assert.equal(await card.getAttribute("data-status"), "bound");
      assert.match(await card.locator("h3").innerText(), new RegExp(name));
      // The stored entry is not in the log; the malformed one is, with its position and sentence.
      assert.equal(await card.getByTestId("skips").getAttribute("data-total"), "1");
      assert.equal(await card.getByTestId("skip-row").count(), 1);
      assert.equal(await malformed.getAttribute("data-collection"), "entries");
      assert.equal(await malformed.getAttribute("data-index"), "1");
      assert.match(await malformed.innerText(), /negative/);
      const reason = card.locator('[data-testid=skip-reason][data-reason="malformed"]');
      assert.equal(await reason.getAttribute("data-count"), "1");
      assert.match(await reason.innerText(), /not readable/);

      // A new secret from the dashboard, shown once: the old one no longer uploads, the new one does.
      await page.getByTestId(`uploader-rotate-${up.device_id}`).click();
      const shown = page.locator(`[data-testid=uploader-secret][data-device="${up.device_id}"]`);
      await shown.waitFor();
      assert.match(await shown.innerText(), /shown only this once/);
      const fresh = (await shown.getByTestId("uploader-secret-value").innerText()).trim();
      assert.ok(fresh.length >= 16 && fresh !== up.api_secret, "a new secret is shown");
      const cal = [{ type: "cal", date: t + 2000, slope: 1000, intercept: 0, scale: 1 }];
      const stale = await uploadEntries(cfg, up.api_secret, cal);
      assert.equal(stale.status, 401, JSON.stringify(stale.body));
      assert.equal(stale.body.error, "bad_api_secret");
      const renewed = await uploadEntries(cfg, fresh, cal);
      assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
      assert.equal(renewed.skipReasons, "not_stored=1");
      await screenshot(page, "patient-uploaders");
      await page.getByTestId("uploader-secret-dismiss").click();
      assert.equal(await shown.count(), 0, "the secret is gone once dismissed");
    } finally {
      await retireUploaders(cfg, patient, name);
    }
  });

  it("raised no uncaught error in the page", () => {
    assert.deepEqual(browser.consoleErrors, []);
  });
});

const this_study = { id: 0, title: "" };
