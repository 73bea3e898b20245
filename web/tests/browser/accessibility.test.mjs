// Accessible: axe-core (injected from web's node_modules with page.addScriptTag) finds no critical
// or serious violation in any view — the patient's home, grants (with the amend form open),
// access log and studies; the clinician's trend with its readings and report; the sponsor's; the
// consortium's (a past proposal's votes and messages open, when there is one); the address book —
// the tabs and the account picker work from the keyboard alone (the WAI-ARIA tabs pattern: arrow
// keys, Home, End, one tab in the Tab order), and the charts have text alternatives: the home
// chart and the trend a summary, the time-in-range bar its legend, the AGP a table of its
// percentiles. The clinician's trend needs an active grant: one is made from Node and revoked
// after the test.
/* global window, document -- (read inside page.evaluate, in the browser) */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { chainNow, grantFromNode, revokeFromNode } from "./chain.mjs";
import { accounts, launch, loaded, openTab, screenshot, signIn, WEB_URL } from "./harness.mjs";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let browser, page, cfg, patient, clinician, sponsor, grantId;

/** axe-core's critical and serious violations on the page as it is (its other findings are printed). */
async function axe(what) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
  });
  const grave = result.filter((v) => v.impact === "critical" || v.impact === "serious");
  const minor = result.filter((v) => !grave.includes(v));
  if (minor.length) console.log(`axe, ${what}: ${minor.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`).join(", ")}`);
  assert.deepEqual(grave.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(" | ")}`), [], `${what}: axe-core's critical and serious violations`);
}

const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName);

describe("accessible: axe-core, the keyboard, text for the charts", () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    ({ patient, clinician, sponsor } = a.byName);
    assert.ok(patient && clinician && sponsor, "the local test keyring has patient, clinician and sponsor accounts");
    const now = await chainNow(cfg);
    grantId = await grantFromNode(cfg, patient, clinician.address, { from: now - 14 * 86400, to: now + 3600, expires: now + 2 * 3600 });
    browser = await launch();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    if (grantId) await revokeFromNode(cfg, patient, grantId);
  });

  it("signs in from the keyboard alone: the account picker, then Sign in", async () => {
    await page.goto(`${WEB_URL}/#patient`);
    const select = page.getByTestId("local-account");
    await select.waitFor();
    await axe("before signing in");
    await select.focus();
    // Typing an option's first letters picks it (as a person does on a closed list), Tab moves on.
    await page.keyboard.type("patient ");
    assert.equal(await select.inputValue(), patient.address);
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "local-account-use");
    await page.keyboard.press("Enter");
    await page.getByTestId("signed-in").filter({ hasText: "patient (local test keyring)" }).waitFor();
  });

  it("moves between the tabs with the arrow keys, Home and End; only the selected tab is in the Tab order", async () => {
    await page.getByTestId("patient-view").waitFor();
    const tabs = page.getByRole("tab");
    assert.equal(await tabs.count(), 6); // patient, clinician, insurer, sponsor, consortium, contacts
    const selected = async () => page.getByRole("tab", { selected: true }).getAttribute("data-testid");
    const inTabOrder = async () => (await tabs.evaluateAll((ts) => ts.filter((t) => t.tabIndex === 0).map((t) => t.dataset.testid)));
    assert.deepEqual(await inTabOrder(), ["tab-patient"]);
    await page.getByTestId("tab-patient").focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await selected(), "tab-clinician");
    assert.equal(await focused(), "tab-clinician");
    await page.getByTestId("clinician-view").waitFor();
    assert.match(page.url(), /#clinician$/);
    assert.deepEqual(await inTabOrder(), ["tab-clinician"]);
    await page.keyboard.press("End");
    assert.equal(await selected(), "tab-contacts");
    await page.getByTestId("contacts-view").waitFor();
    await page.keyboard.press("ArrowRight"); // (wraps around)
    assert.equal(await selected(), "tab-patient");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await selected(), "tab-contacts");
    await page.keyboard.press("Home");
    assert.equal(await selected(), "tab-patient");
    assert.equal(await focused(), "tab-patient");
    // The panel is labelled by its tab; Tab leaves the tab list.
    const panel = page.getByRole("tabpanel");
    assert.equal(await panel.getAttribute("aria-labelledby"), "tab-patient");
    assert.equal(await page.getByTestId("tab-patient").getAttribute("aria-controls"), await panel.getAttribute("id"));
    await page.keyboard.press("Tab");
    assert.ok(!(await focused())?.startsWith("tab-"), "Tab moves out of the tab list");
  });

  it("finds no critical or serious violation in the patient's home, grants, access log and studies", async () => {
    await page.getByTestId("current-glucose").waitFor({ timeout: 120_000 });
    await page.getByTestId("patient-home").locator("figure.chart").waitFor();
    await page.getByTestId("grants").locator("tbody tr").first().waitFor();
    // The amend form of a live grant open too.
    const amend = page.locator("[data-testid^=amend-]:not([data-testid^=amend-form]):not([data-testid^=amend-submit])").first();
    if (await amend.count()) await amend.click();
    await page.getByTestId("access-log").locator("table, .empty").first().waitFor();
    await page.getByTestId("patient-studies").locator("h3").first().waitFor();
    await loaded(page, "patient-view");
    await axe("the patient's view");
  });

  it("gives the patient's home chart a text summary of what it draws", async () => {
    const figure = page.getByTestId("patient-home").locator("figure.chart");
    const described = await figure.getAttribute("aria-describedby");
    assert.ok(described, "the home chart is described");
    const summary = page.locator(`[id="${described}"]`);
    const text = await summary.textContent();
    const latest = (await page.getByTestId("current-glucose").locator(".big").innerText()).trim();
    assert.match(text, /\d+ readings/);
    assert.match(text, /lowest \d/);
    assert.match(text, /highest \d/);
    assert.ok(text.includes(`latest ${latest}`), `"${text}" names the latest reading, ${latest}`);
  });

  it("finds no critical or serious violation in the clinician's trend, readings table and report; the charts have text", async () => {
    await signIn(page, clinician, "clinician");
    await page.getByTestId(`open-patient-${patient.address}`).click();
    await page.getByTestId("load-report").click();
    await page.getByTestId("glucose-chart").waitFor({ timeout: 120_000 });
    await page.getByTestId("agp-chart").waitFor();
    await loaded(page, "clinician-view");
    await axe("the clinician's trend and report");
    await screenshot(page, "accessibility-clinician");

    // The trend chart: a summary.
    const trend = page.getByTestId("glucose-chart");
    const trendText = await page.locator(`[id="${await trend.getAttribute("aria-describedby")}"]`).textContent();
    assert.match(trendText, new RegExp(`${await trend.getAttribute("data-readings")} readings`));
    // The time-in-range bar: an image named by its percentages, described by its legend.
    const bar = page.getByTestId("tir-bar").getByRole("img");
    const name = await bar.getAttribute("aria-label");
    for (const r of ["veryLow", "low", "inRange", "high", "veryHigh"]) {
      const pct = await page.getByTestId(`tir-${r}`).getAttribute("data-percent");
      assert.ok(name.includes(`${pct} %`), `the bar's name "${name}" has ${r}'s ${pct} %`);
    }
    assert.equal(await page.locator(`[id="${await bar.getAttribute("aria-describedby")}"]`).getAttribute("data-testid"), "tir-legend");
    // The AGP: a table of its percentiles, one row per bin, numbers where the bin has enough readings.
    const agp = page.getByTestId("agp-chart");
    const table = page.locator(`[id="${await agp.getAttribute("aria-describedby")}"]`);
    assert.equal(await table.evaluate((t) => t.tagName), "TABLE");
    const rows = table.locator("tbody tr");
    assert.equal(await rows.count(), 96, "one row per 15 minutes");
    const withData = await table.locator("tbody tr[data-median]").count();
    assert.equal(withData, Number(await agp.getAttribute("data-bins")));
    assert.ok(withData > 0);
    const first = table.locator("tbody tr[data-median]").first();
    assert.match(await first.innerText(), /\d{2}:\d{2}[\s\S]*\d/);
  });

  it("finds no critical or serious violation in the sponsor's view and the address book", async () => {
    await signIn(page, sponsor, "sponsor");
    await loaded(page, "my-studies");
    await axe("the sponsor's view");
    await openTab(page, "contacts");
    await page.getByTestId("on-chain-names").locator("table").waitFor();
    await axe("the address book");
  });

  it("finds no critical or serious violation in the consortium view", async () => {
    await openTab(page, "consortium");
    await loaded(page, "consortium-view");
    // A past proposal opened, if there is one, so that its votes and messages are checked too.
    const past = page.getByTestId("past-proposals").locator("details summary");
    if (await past.count()) {
      await past.first().click();
      await page.getByTestId("past-proposals").locator("details[open] [data-testid=proposal-votes]").waitFor();
    }
    await axe("the consortium view");
  });

  it("raised no uncaught error in the page", () => {
    assert.deepEqual(browser.consoleErrors, []);
  });
});
