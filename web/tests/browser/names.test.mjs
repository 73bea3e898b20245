// Names instead of addresses: the browser's address book (add, refuse, rename, remove, kept
// after a reload), a contact's name typed where an address is asked for, and names where
// addresses are shown — the patient's grants and access log (the custodian by the label the
// registry holds for it), the clinician's patients and trend. The grant made here is revoked
// after the test.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chainParticipants, readAsGrantee, revokeFromNode } from "./chain.mjs";
import { accounts, addContact, launch, openTab, screenshot, signIn } from "./harness.mjs";

let browser, page, cfg, patient, clinician, sponsor, grantId;

async function pollUntil(what, f, { tries = 30, everyMs = 2000 } = {}) {
  for (let i = 0; i < tries; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("names instead of addresses", () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    ({ patient, clinician, sponsor } = a.byName);
    assert.ok(patient && clinician && sponsor, "the local test keyring has patient, clinician and sponsor accounts");
    browser = await launch();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    if (grantId) await revokeFromNode(cfg, patient, grantId);
  });

  it("keeps an address book in the browser: add, refuse a bad address or a taken name, rename, remove", async () => {
    await signIn(page, patient, "contacts");
    await page.getByTestId("contacts-empty").waitFor();
    const form = page.getByTestId("contact-form");
    const add = async (name, address) => {
      await page.getByTestId("contact-name").fill(name);
      await page.getByTestId("contact-address").fill(address);
      await page.getByTestId("contact-add").click();
    };
    // Not an address of this chain (a checksum off by one character).
    const typo = clinician.address.slice(0, -1) + (clinician.address.endsWith("q") ? "p" : "q");
    await add("Dr. Lena Berg", typo);
    assert.match(await form.getByRole("alert").innerText(), /is not an address of this chain/);
    assert.equal(await page.locator("[data-testid=contacts] tbody tr").count(), 0);
    await add("Dr. Lena Berg", clinician.address);
    const row = page.getByTestId(`contact-${clinician.address}`);
    await row.waitFor();
    assert.equal(await row.getAttribute("data-name"), "Dr. Lena Berg");
    // A name names one address only.
    await add("dr. lena berg", sponsor.address);
    assert.match(await form.getByRole("alert").innerText(), /already the name of/);
    assert.equal(await page.getByTestId(`contact-${sponsor.address}`).count(), 0);
    // Rename, then remove.
    await row.getByTestId("contact-rename").click();
    await row.getByTestId("contact-rename-input").fill("Dr. L. Berg");
    await row.getByTestId("contact-rename-save").click();
    await page.locator(`[data-testid="contact-${clinician.address}"][data-name="Dr. L. Berg"]`).waitFor();
    await add("Ada Sponsor", sponsor.address);
    await page.getByTestId(`contact-${sponsor.address}`).getByTestId("contact-remove").click();
    await page.getByTestId(`contact-${sponsor.address}`).waitFor({ state: "detached" });
    // Kept in this browser.
    await page.reload();
    await signIn(page, patient, "contacts");
    await page.locator(`[data-testid="contact-${clinician.address}"][data-name="Dr. L. Berg"]`).waitFor();
    assert.equal(await page.locator("[data-testid=contacts] tbody tr").count(), 1);
  });

  it("lists who the chain says its admitted participants are, with the registry's labels", async () => {
    const known = await chainParticipants(cfg);
    assert.ok(known.size > 0);
    for (const [address, p] of known) {
      const row = page.getByTestId(`chain-name-${address}`);
      await row.waitFor();
      if (p.label) assert.match(await row.innerText(), new RegExp(p.label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
      else assert.match(await row.innerText(), /no label on chain/);
    }
    await screenshot(page, "address-book");
  });

  it("takes a contact's name for an address and shows names where addresses were", async () => {
    await addContact(page, "Mia Jensen", patient.address, "patient");
    const form = page.getByTestId("grant-form");
    const grantee = form.locator("input[name=grantee]");
    await grantee.fill("Nobody We Know");
    assert.match(await page.getByTestId("grantee-resolved").innerText(), /no contact of that name/);
    assert.ok(await page.getByTestId("grant-submit").isDisabled());
    await grantee.fill("dr. l. berg"); // (names are matched without case)
    assert.equal(await page.getByTestId("grantee-resolved").getAttribute("data-address"), clinician.address);
    await page.getByTestId("grant-submit").click();
    await page.getByTestId("grant-submit-done").waitFor();
    const granted = page.locator(`tr[data-grantee="${clinician.address}"][data-status="active"]`).first();
    await granted.waitFor();
    grantId = Number((await granted.getAttribute("data-testid")).replace("grant-", ""));
    assert.equal(await granted.locator(`[data-address="${clinician.address}"]`).innerText(), "Dr. L. Berg");

    // The clinician reads (from Node); the access log names who read and the custodian that recorded it.
    const log = page.getByTestId("access-log");
    const byClinician = log.locator(`tr:has([data-address="${clinician.address}"])`);
    const before = await byClinician.count();
    await readAsGrantee(cfg, clinician, patient.address);
    await pollUntil("the clinician's access in the log", async () => {
      await page.getByTestId("access-log-refresh").click();
      await page.waitForTimeout(500);
      return (await byClinician.count()) > before;
    });
    const record = byClinician.first();
    assert.equal(await record.locator(`[data-address="${clinician.address}"]`).innerText(), "Dr. L. Berg");
    const custodian = record.locator("td").last().locator("[data-address]");
    const who = (await chainParticipants(cfg)).get(await custodian.getAttribute("data-address"));
    assert.ok(who?.custodian, "the access was recorded by an admitted custodian");
    assert.equal(await custodian.innerText(), who.label ?? "admitted data custodian");
    assert.doesNotMatch(await record.innerText(), /wasm1/, "no address in the record's row");
    await screenshot(page, "names-patient");

    // The clinician (same browser, same address book) sees the patient by name.
    await signIn(page, clinician, "clinician");
    const patientRow = page.getByTestId(`patient-${patient.address}`);
    await patientRow.locator("li[data-status=active]").first().waitFor();
    assert.equal(await patientRow.locator(`[data-address="${patient.address}"]`).innerText(), "Mia Jensen");
    await page.getByTestId(`open-patient-${patient.address}`).click();
    assert.match(await page.getByTestId("trend").locator("h2").innerText(), /Glucose trend of Mia Jensen/);
    await openTab(page, "patient");
  });

  it("raised no uncaught error in the page", () => {
    assert.deepEqual(browser.consoleErrors, []);
  });
});
