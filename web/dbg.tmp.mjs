import { accounts, launch } from "./tests/browser/harness.mjs";
const { byName } = await accounts();
const b = await launch(); const page = b.page;
const cdp = await page.context().newCDPSession(page);
await cdp.send("Network.enable"); await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 150, downloadThroughput: 200000, uploadThroughput: 93750 });
await page.goto("http://127.0.0.1:8660/#patient", { waitUntil: "commit" });
await page.locator("[data-testid=local-account] option", { hasText: /^patient —/ }).waitFor({ state: "attached" });
const tSel = await page.evaluate(() => performance.now());
await page.selectOption("[data-testid=local-account]", byName.patient.address);
await page.getByTestId("local-account-use").click();
const tClick = await page.evaluate(() => performance.now());
await page.getByTestId("patient-view").waitFor();
const r = await page.evaluate(() => ({
  marks: performance.getEntriesByType("mark").map((m) => `${m.name} ${Math.round(m.startTime)}`),
  res: performance.getEntriesByType("resource").map((e) => `${Math.round(e.startTime)}-${Math.round(e.responseEnd)} ${e.transferSize} ${e.name.replace(/^http:\/\/127.0.0.1:\d+/, "").slice(0, 60)}`),
  nav: performance.getEntriesByType("navigation").map((e) => `html ${Math.round(e.responseEnd)} dcl ${Math.round(e.domContentLoadedEventEnd)}`),
}));
console.log({ tSel: Math.round(tSel), tClick: Math.round(tClick) }, JSON.stringify(r, null, 1));
await b.close();
