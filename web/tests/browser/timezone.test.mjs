// One time zone everywhere: a browser in Europe/Amsterdam shows its own zone by default and UTC
// once chosen (remembered), and every time moves by exactly the zone's offset — tables, the
// patient's latest reading, the grant form's pickers, the clinician's pickers, readings table,
// trend chart and report — while the same instants stay selected. The clinician's trend needs an
// active grant: one is made from Node for the test and revoked after it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chainNow, grantFromNode, revokeFromNode } from "./chain.mjs";
import { accounts, launch, screenshot, signIn } from "./harness.mjs";

const ZONE = "Europe/Amsterdam";
let browser, page, cfg, patient, clinician, grantId;

function parts(sec, zone) {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "shortOffset",
  });
  return Object.fromEntries(f.formatToParts(new Date(sec * 1000)).map((p) => [p.type, p.value]));
}
/** How a moment reads in the dashboard: "YYYY-MM-DD HH:MM:SS UTC" or "… GMT+1". */
function shown(sec, zone) {
  const p = parts(sec, zone);
  const off = zone === "UTC" || p.timeZoneName === "GMT" ? "UTC" : p.timeZoneName;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${off}`;
}
/** A datetime-local value (minutes) on `zone`'s clock. */
const inputValue = (sec, zone) => {
  const p = parts(sec, zone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
};
/** Minutes `zone` is ahead of UTC at `sec`. */
function offsetMinutes(sec, zone) {
  const p = parts(sec, zone);
  return (Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(sec) * 1000) / 60_000;
}
/** A datetime-local value read as if it were UTC, in seconds (to compare two zones' values). */
const wallSeconds = (v) => Date.parse(`${v}:00Z`) / 1000;

describe("one time zone everywhere: the browser's (Europe/Amsterdam) or UTC", () => {
  before(async () => {
    const a = await accounts();
    cfg = a.cfg;
    ({ patient, clinician } = a.byName);
    assert.ok(patient && clinician, "the local test keyring has patient and clinician accounts");
    const now = await chainNow(cfg);
    grantId = await grantFromNode(cfg, patient, clinician.address, { from: now - 6 * 3600, to: now + 3600, expires: now + 2 * 3600 });
    browser = await launch({ timezoneId: ZONE });
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    if (grantId) await revokeFromNode(cfg, patient, grantId);
  });

  it("shows the patient's times in the browser's zone, then in UTC once chosen, and remembers it", async () => {
    await signIn(page, patient, "patient");
    const picker = page.getByTestId("tz-picker");
    assert.equal(await picker.getAttribute("data-choice"), "browser");
    assert.match(await page.getByTestId("tz-browser").innerText(), new RegExp(ZONE));
    assert.equal(await page.getByTestId("tz-browser").getAttribute("aria-pressed"), "true");

    const since = page.getByTestId("devices").locator("tbody tr").first().locator("time");
    await since.waitFor();
    const sinceAt = Number(await since.getAttribute("data-time"));
    const current = page.getByTestId("current-glucose");
    await current.waitFor({ timeout: 120_000 });
    const readAt = Number(await current.getAttribute("data-time"));
    const from = page.getByTestId("grant-form").locator("input[name=data-from]");
    const offset = offsetMinutes(readAt, ZONE);
    assert.notEqual(offset, 0, `${ZONE} is not UTC now`);

    const check = async (zone) => {
      assert.equal(await since.innerText(), shown(sinceAt, zone), `the device's "yours since" in ${zone}`);
      assert.equal(await page.getByTestId("current-time").innerText(), shown(readAt, zone).slice(11, 16), `the latest reading's time in ${zone}`);
      assert.match(await page.getByTestId("grant-zone").innerText(), new RegExp(zone));
      return from.inputValue();
    };
    const inZone = await check(ZONE);
    await screenshot(page, "timezone-patient-local");

    await page.getByTestId("tz-utc").click();
    assert.equal(await picker.getAttribute("data-choice"), "utc");
    const inUtc = await check("UTC");
    // The picker holds the same instant: its wall time moved by exactly the offset.
    assert.equal((wallSeconds(inZone) - wallSeconds(inUtc)) / 60, offset, `${inZone} (${ZONE}) vs ${inUtc} (UTC)`);

    await page.reload();
    await signIn(page, patient, "patient");
    assert.equal(await page.getByTestId("tz-picker").getAttribute("data-choice"), "utc", "UTC is remembered");
    await since.waitFor();
    assert.equal(await since.innerText(), shown(sinceAt, "UTC"));
  });

  it("reads the clinician's pickers in the chosen zone, and the readings table, chart and report agree", async () => {
    await signIn(page, clinician, "clinician");
    await page.getByTestId(`open-patient-${patient.address}`).click();
    const trend = page.getByTestId("trend");
    const now = await chainNow(cfg);
    // Two whole minutes just before now, typed on UTC's clock (the main job's gateways may have
    // streamed for only a few minutes when this runs).
    const start = Math.floor((now - 180) / 60) * 60;
    await trend.locator("input[name=from]").fill(inputValue(start, "UTC"));
    await trend.locator("input[name=to]").fill(inputValue(start + 60, "UTC"));
    const load = async () => {
      // (the relayer's answer to this click, not to a read the patient's view started earlier)
      const asked = [];
      const onRequest = (r) => asked.push(r);
      page.on("request", onRequest);
      const answered = page.waitForResponse((r) => asked.includes(r.request()) && new URL(r.url()).pathname.endsWith("/readings"));
      await page.getByTestId("load-trend").click();
      void answered.finally(() => page.off("request", onRequest)).catch(() => undefined);
      const body = await (await answered).json();
      await page.getByTestId("verification-summary").waitFor();
      if (body.count > 0) await page.getByTestId("glucose-chart").waitFor();
      return body;
    };
    // The gateways post a batch every 24 s or so: the minutes fill in shortly if they are empty.
    let utcAnswer = await load();
    for (let i = 0; i < 6 && utcAnswer.count === 0; i++) {
      await page.waitForTimeout(10_000);
      utcAnswer = await load();
    }
    assert.equal(utcAnswer.from, start, "From is read on UTC's clock");
    assert.equal(utcAnswer.to, start + 119, "to is read on UTC's clock (its whole minute)");
    assert.ok(utcAnswer.count > 0, "readings in the chosen minutes");

    const rows = page.locator("tr[data-testid=reading-row]");
    const rowTimes = async (zone) => {
      const out = [];
      for (const t of await rows.locator("time").all()) {
        const at = Number(await t.getAttribute("data-time"));
        assert.ok(at >= start && at <= start + 119, `a reading at ${at} outside the period`);
        assert.equal(await t.textContent(), shown(at, zone));
        out.push(at);
      }
      assert.ok(out.length > 0);
      return out;
    };
    const chart = page.getByTestId("glucose-chart");
    const ticks = () => chart.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value").allTextContents();
    const report = page.getByTestId("cgm-report");
    await report.waitFor();
    const utcRows = await rowTimes("UTC");
    assert.equal(await chart.getAttribute("data-zone"), "UTC");
    assert.equal(await report.getAttribute("data-zone"), "UTC");
    const utcTicks = await ticks();

    await page.getByTestId("tz-browser").click();
    const offset = offsetMinutes(start, ZONE);
    // The same instants, on Amsterdam's clock.
    assert.equal(await trend.locator("input[name=from]").inputValue(), inputValue(start, ZONE));
    assert.equal((wallSeconds(await trend.locator("input[name=from]").inputValue()) - start) / 60, offset);
    assert.deepEqual(await rowTimes(ZONE), utcRows);
    assert.equal(await chart.getAttribute("data-zone"), ZONE);
    assert.equal(await report.getAttribute("data-zone"), ZONE);
    assert.match(await report.locator("h2").innerText(), new RegExp(`\\(${ZONE}\\)`));
    // The axis keeps its ticks, each label moved by the offset (HH:MM:SS or HH:MM).
    const moved = (label) => {
      const [h, m, s = "00"] = label.split(" ").at(-1).split(":");
      const t = ((+h * 3600 + +m * 60 + +s - offset * 60) % 86400 + 86400) % 86400;
      const hhmmss = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60].map((x) => String(x).padStart(2, "0"));
      return label.split(":").length === 3 ? hhmmss.join(":") : hhmmss.slice(0, 2).join(":");
    };
    const zoneTicks = await ticks();
    assert.ok(utcTicks.length >= 2, `ticks: ${utcTicks.join(" | ")}`);
    assert.deepEqual(zoneTicks.map(moved), utcTicks, `${zoneTicks.join(" | ")} vs ${utcTicks.join(" | ")}`);
    await screenshot(page, "timezone-clinician-local");

    // Loaded again from the pickers as they now read (Amsterdam's clock): the same period.
    const zoneAnswer = await load();
    assert.equal(zoneAnswer.from, utcAnswer.from);
    assert.equal(zoneAnswer.to, utcAnswer.to);
  });

  it("raised no uncaught error in the page", () => {
    assert.deepEqual(browser.consoleErrors, []);
  });
});
