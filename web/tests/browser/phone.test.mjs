// On a phone: at 390×844 (a touch screen, 2× pixels) no view scrolls sideways —
// document.documentElement.scrollWidth <= 390 in the patient's view, the clinician's (with a
// loaded trend and its 14-day report), the sponsor's, the consortium's and the address book — with phone
// screenshots of each. The clinician's trend needs an active grant: one is made from Node and
// revoked after the test.
/* global document -- (read inside page.evaluate, in the browser) */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chainNow, grantFromNode, revokeFromNode } from "./chain.mjs";
import { accounts, launch, loaded, openTab, screenshot, screenshotOf, signIn } from "./harness.mjs";

const WIDTH = 390;
let browser, page, cfg, patient, clinician, sponsor, grantId;

/** The page's width, and what sticks out past the screen's right edge when it is too wide. */
async function overflow() {
  return page.evaluate((width) => {
    const wide = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && r.width > 0) {
        const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""}`;
        wide.push(`${name} (right ${Math.round(r.right)})`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8) };
  }, WIDTH);
}

async function fits(view) {
  const o = await overflow();
  assert.ok(o.scrollWidth <= WIDTH, `${view}: the page is ${o.scrollWidth}px wide; past the edge: ${o.wide.join(", ")}`);
}

describe(`on a phone (${WIDTH}×844)`, () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    ({ patient, clinician, sponsor } = a.byName);
    assert.ok(patient && clinician && sponsor, "the local test keyring has patient, clinician and sponsor accounts");
    const now = await chainNow(cfg);
    grantId = await grantFromNode(cfg, patient, clinician.address, { from: now - 14 * 86400, to: now + 3600, expires: now + 2 * 3600 });
    browser = await launch({ viewport: { width: WIDTH, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    if (grantId) await revokeFromNode(cfg, patient, grantId);
  });

  it("shows the patient's view without sideways scrolling", async () => {
    await signIn(page, patient, "patient");
    await page.getByTestId("current-glucose").waitFor({ timeout: 120_000 });
    await page.getByTestId("patient-home").locator("figure.chart").waitFor();
    await page.getByTestId("devices").locator("tbody tr").first().waitFor();
    await page.getByTestId("grants").locator("tbody tr").first().waitFor();
    await loaded(page, "patient-view");
    await fits("patient");
    await screenshot(page, "phone-patient");
  });

  it("shows the clinician's trend, readings and 14-day report without sideways scrolling", async () => {
    await signIn(page, clinician, "clinician");
    await page.getByTestId(`open-patient-${patient.address}`).click();
    await page.getByTestId("load-report").click();
    await page.getByTestId("glucose-chart").waitFor({ timeout: 120_000 });
    await page.getByTestId("readings-table").waitFor();
    await page.getByTestId("agp-chart").waitFor();
    await page.getByTestId("daily-profiles").waitFor();
    await loaded(page, "clinician-view");
    await fits("clinician");
    await screenshot(page, "phone-clinician");
    await screenshotOf(page.getByTestId("cgm-report"), "phone-report");
  });

  it("shows the sponsor's view without sideways scrolling", async () => {
    await signIn(page, sponsor, "sponsor");
    await page.getByTestId("create-study").waitFor();
    await loaded(page, "my-studies");
    await fits("sponsor");
    await screenshot(page, "phone-sponsor");
  });

  it("shows the consortium view without sideways scrolling", async () => {
    await openTab(page, "consortium");
    await loaded(page, "consortium-view");
    const past = page.getByTestId("past-proposals").locator("details summary");
    if (await past.count()) {
      await past.first().click();
      await page.getByTestId("past-proposals").locator("details[open] [data-testid=proposal-votes]").waitFor();
    }
    await fits("consortium");
    await screenshot(page, "phone-consortium");
  });

  it("shows the address book without sideways scrolling", async () => {
    await openTab(page, "contacts");
    await page.getByTestId("on-chain-names").locator("table").waitFor();
    await fits("address book");
    await screenshot(page, "phone-contacts");
  });

  it("raised no uncaught error in the page", () => {
    assert.deepEqual(browser.consoleErrors, []);
  });
});
