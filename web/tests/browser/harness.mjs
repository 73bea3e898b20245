// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) with playwright-core against a
// served dashboard ($WEB_URL) on a real local network. No browser is downloaded.
/* global document -- (read inside page.waitForFunction, in the browser) */
import { chromium } from "playwright-core";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const WEB_URL = (process.env.WEB_URL ?? "http://127.0.0.1:8650").replace(/\/+$/, "");
export const SCREENSHOTS = process.env.WEB_SCREENSHOTS ?? join(HERE, "..", "..", "..", "docs", "screenshots");

/** A fresh browser profile (nothing remembered: units, time zone, address book); `timezoneId`
 * (default UTC), `viewport` (default 1360×900) and any other context option as playwright takes them. */
export async function launch({ timezoneId = "UTC", viewport = { width: 1360, height: 900 }, ...more } = {}) {
  const userDataDir = await mkdtemp(join(tmpdir(), "diachain-web-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
    viewport,
    timezoneId,
    ...more, // (isMobile, hasTouch, deviceScaleFactor for a phone)
  });
  context.setDefaultTimeout(45_000);
  const page = context.pages()[0] ?? (await context.newPage());
  // Confirmation dialogs (revoke, join) are accepted, as a person clicking OK would.
  page.on("dialog", (d) => void d.accept());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  return {
    page,
    consoleErrors,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The dashboard's /config.json: the accounts of the local test keyring by name. */
export async function accounts() {
  const res = await fetch(`${WEB_URL}/config.json`);
  if (!res.ok) throw new Error(`${WEB_URL}/config.json answered ${res.status}`);
  const cfg = await res.json();
  if (!cfg.localKeyring) throw new Error("the dashboard offers no local test keyring: serve it with --local-keyring");
  const byName = Object.fromEntries(cfg.localKeyring.accounts.map((a) => [a.name, a]));
  return { cfg, byName };
}

/** Opens a tab of the dashboard signed in as a test-keyring account. */
export async function signIn(page, account, tab) {
  if (!page.url().startsWith(WEB_URL)) await page.goto(`${WEB_URL}/#${tab}`);
  const signedIn = page.getByTestId("signed-in").filter({ hasText: `${account.name} (local test keyring)` });
  if (!(await signedIn.isVisible())) {
    await page.selectOption("[data-testid=local-account]", account.address);
    await page.getByTestId("local-account-use").click();
    await signedIn.waitFor();
  }
  await openTab(page, tab);
}

/** Shows a tab of the signed-in dashboard: patient, clinician, insurer, sponsor, consortium or contacts (the address book). */
export async function openTab(page, tab) {
  await page.getByRole("tab").and(page.getByTestId(`tab-${tab}`)).click();
  await page.getByTestId(`${tab}-view`).waitFor();
}

/** Adds a contact to the browser's address book from its tab (and comes back to `back`). */
export async function addContact(page, name, address, back) {
  await openTab(page, "contacts");
  await page.getByTestId("contact-name").fill(name);
  await page.getByTestId("contact-address").fill(address);
  await page.getByTestId("contact-add").click();
  await page.locator(`[data-testid="contact-${address}"][data-name="${name}"]`).waitFor();
  if (back) await openTab(page, back);
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  // Let charts and late lists settle before the picture.
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the section `testId` shows, and nothing in it is still loading. */
export async function loaded(page, testId) {
  await page.getByTestId(testId).waitFor();
  await page.waitForFunction((id) => !document.querySelector(`[data-testid="${id}"] .loading`), testId);
}

/** A screenshot of one element (a section, the report). */
export async function screenshotOf(locator, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await locator.page().waitForTimeout(500);
  await locator.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
