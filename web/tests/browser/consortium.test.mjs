// The Consortium tab, read-only, against a network governed by the consortium's multisig.
//
// What it needs (the e2e's governed deployment gives all of it):
//   - $WEB_URL: the dashboard, served with --local-keyring for a local network whose deployment
//     file (deployments/<chain-id>.json) has the `governance` section written by
//     `scripts/deploy.sh --governance` (group, multisig, members, threshold, max_voting_period_secs);
//   - the test keyring (.chain/<chain-id>/logs/key-*.json) holding the keys of the group's members:
//     one to propose, and enough others that their no votes reject a proposal (no weight above
//     total weight − threshold): with 3 members of weight 1 and a threshold of 2, all three
//     (org1..org3 of `scripts/chain.sh start --orgs 3`), and at least one account that is no
//     member to sign in with;
//   - no particular proposal on chain: the test makes its own. Proposals left by other tests
//     (executed, rejected, expired) are listed too, and each must show as the chain says.
//   - $CONSORTIUM_REQUIRED=1 makes a deployment without a governance section a failure (the e2e
//     sets it); otherwise the governed tests are skipped, with the reason, and only the single-key
//     statement is checked.
// Screenshot: consortium.png (in $WEB_SCREENSHOTS).
//
// It proves: the members and weights, total weight, threshold and voting period are the chain's;
// each contract's own admin and wasmd admin are the chain's, and the verdict says whether the
// multisig holds every role; a member's new proposal (admit a fresh manufacturer, a sampling
// limit, a migration of consent to the code it runs, the union's wasmd admin to the multisig, a
// bank transfer) is listed open with its expiry, the proposer's yes and another member's no
// against the threshold, who has not voted, and every message in words (the bank transfer as
// unknown); every proposal on chain is listed open or past with the chain's status, a rejected
// one as voted down or as expired as the chain's votes say; once the
// other members' no votes reject it, it is listed past as voted down with nothing executed (and
// the manufacturer is not admitted on chain); the tab is reached from the keyboard; a deployment
// without governance names the single key that governs the suite.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { accounts, launch, loaded, openTab, screenshotOf, signIn } from "./harness.mjs";
import {
  adminsOnChain, codeOf, freshAddress, governanceOnChain, isManufacturer, propose, tallyOnChain, testMessages, vote,
} from "./governance.mjs";

const ACTIVE = new Set(["open", "pending", "passed"]);
// Read before the tests are declared: whether the deployment is governed decides which run.
const { cfg, byName } = await accounts();
let browser, page, viewer, chain, proposer, others, naysayer, id, manufacturer, tag;

/** The test keyring's accounts that are members, by address; and one that is not. */
function keysOf(members) {
  const accounts = Object.values(byName);
  const member = members.filter((m) => m.weight > 0).map((m) => accounts.find((a) => a.address === m.addr)).filter(Boolean);
  const outsider = accounts.find((a) => !members.some((m) => m.addr === a.address));
  return { member, outsider };
}

async function consortiumTab() {
  await openTab(page, "consortium");
  await page.getByTestId("consortium-reload").click();
  await loaded(page, "consortium-view");
}

const governed = () => Boolean(cfg.governance);
const skipReason = () => (governed() ? false : "the deployment has no governance section (set CONSORTIUM_REQUIRED=1 to fail instead)");

describe("the consortium tab", () => {
  before(async () => {
    if (process.env.CONSORTIUM_REQUIRED === "1") assert.ok(cfg.governance, "the deployment has a governance section");
    browser = await launch();
    page = browser.page;
    if (!governed()) return;
    chain = await governanceOnChain(cfg);
    const keys = keysOf(chain.members);
    assert.ok(keys.member.length >= 2, `the test keyring holds at least two members' keys (it holds ${keys.member.length})`);
    assert.ok(keys.outsider, "the test keyring has an account that is no member");
    [proposer, ...others] = keys.member;
    viewer = keys.outsider;
  });
  after(async () => {
    await browser?.close();
  });

  it("shows the chain's members, weights, threshold and voting period", { skip: skipReason() }, async () => {
    await signIn(page, viewer, "consortium");
    await consortiumTab();
    const rules = await page.getByTestId("governance-rules").innerText();
    assert.equal(await page.getByTestId("threshold").innerText(), chain.threshold.text);
    assert.equal(await page.getByTestId("voting-period").innerText(), chain.votingPeriod);
    assert.match(rules, /cw3-flex-multisig, code \d+/);
    const rows = page.getByTestId("members").locator("tbody tr");
    assert.equal(await rows.count(), chain.members.length);
    for (const m of chain.members) assert.equal(await page.getByTestId(`member-${m.addr}`).getAttribute("data-weight"), String(m.weight));
    assert.equal(await page.getByTestId("total-weight").innerText(), String(chain.totalWeight));
    const groupAdmin = await page.getByTestId("group-admin").innerText();
    assert.equal(groupAdmin.includes("the multisig"), chain.groupAdmin === cfg.governance.multisig.address);
  });

  it("shows who is admin of each contract, in the contract and in wasmd, as the chain says", { skip: skipReason() }, async () => {
    const admins = await adminsOnChain(cfg);
    for (const [name, a] of Object.entries(admins)) {
      const row = page.getByTestId(`admin-${name}`);
      assert.equal(await row.getAttribute("data-contract-admin"), a.own, `${name}'s own admin`);
      assert.equal(await row.getAttribute("data-wasmd-admin"), a.wasmd, `${name}'s wasmd admin`);
    }
    const multisig = cfg.governance.multisig.address;
    const allMultisig = Object.entries(admins).every(([name, a]) => (name === "multisig" || a.own === multisig) && a.wasmd === multisig);
    assert.equal(await page.getByTestId("admins-verdict").getAttribute("data-ok"), String(allMultisig));
  });

  it("lists a member's new proposal as open: expiry, votes against the threshold, who voted what, every message in words", { skip: skipReason() }, async () => {
    tag = Date.now().toString(36);
    manufacturer = await freshAddress(cfg);
    const consentCode = await codeOf(cfg, cfg.contracts.consent);
    const msgs = testMessages(cfg, { manufacturer, label: `Browser test ${tag}`, consentCode, to: viewer.address });
    id = await propose(cfg, proposer, `Browser test ${tag}: admit a manufacturer`, "Made by the consortium browser test; rejected after.", msgs);
    // One no vote that leaves it open (its weight at most total − threshold).
    const total = chain.totalWeight;
    const needed = chain.threshold.yesNeeded;
    const weightOf = (a) => chain.members.find((m) => m.addr === a.address).weight;
    naysayer = others.find((o) => needed !== null && weightOf(o) <= total - needed);
    if (naysayer) assert.equal(await vote(cfg, naysayer, id, "no"), "open");

    await consortiumTab();
    const card = page.getByTestId("open-proposals").getByTestId(`proposal-${id}`);
    await card.getByTestId("vote-list").waitFor();
    assert.equal(await card.getAttribute("data-status"), "open");
    const votes = card.getByTestId("proposal-votes");
    assert.equal(await votes.getAttribute("data-yes"), String(weightOf(proposer)));
    assert.equal(await votes.getAttribute("data-no"), String(naysayer ? weightOf(naysayer) : 0));
    assert.equal(await votes.getAttribute("data-needed"), String(needed ?? ""));
    assert.equal(await card.getByTestId(`vote-${proposer.address}`).getAttribute("data-vote"), "yes");
    if (naysayer) assert.equal(await card.getByTestId(`vote-${naysayer.address}`).getAttribute("data-vote"), "no");
    assert.match(await card.getByTestId("proposal-tally").innerText(), new RegExp(`${needed} of ${total} yes needed`));
    const silent = others.filter((o) => o !== naysayer);
    for (const o of silent) assert.equal(await card.getByTestId("not-voted").locator(`[data-address="${o.address}"]`).count(), 1);
    const proposal = (await governanceOnChain(cfg)).proposals.find((p) => p.id === id);
    const expires = Math.floor(Number(BigInt(proposal.expires.at_time) / 1_000_000_000n));
    assert.equal(await card.locator("time").first().getAttribute("data-time"), String(expires));

    const items = card.getByTestId("proposal-msg");
    assert.deepEqual(await items.evaluateAll((li) => li.map((l) => [l.dataset.kind, l.dataset.text])), [
      ["execute", `device-registry: admit manufacturer ${manufacturer} labelled “Browser test ${tag}”`],
      ["execute", "reading-anchors: set sampling limits: cgm readings at least 60 s apart"],
      ["migrate", `migrate consent to code ${consentCode}`],
      ["update_admin", `make ${cfg.governance.multisig.address} the wasmd admin of data-union (who may migrate it)`],
      ["unknown", "a bank send message"],
    ]);
    assert.match(await items.nth(3).innerText(), /make consortium multisig the wasmd admin of data-union/);
    assert.match(await items.nth(4).innerText(), /unknown[\s\S]*not a consortium action this view knows/);
    await screenshotOf(page.getByTestId("consortium-view"), "consortium");
  });

  it("lists every proposal on chain as open or past, with the chain's status; a rejected one as voted down or expired, as its votes say", { skip: skipReason() }, async () => {
    const { proposals } = await governanceOnChain(cfg);
    for (const p of proposals) {
      const list = ACTIVE.has(p.status) ? "open-proposals" : "past-proposals";
      assert.equal(await page.getByTestId(list).getByTestId(`proposal-${p.id}`).getAttribute("data-status"), p.status, `proposal ${p.id}`);
    }
    // Every rejected proposal but the test's own (voted down below): its outcome, from the chain's votes.
    for (const p of proposals.filter((x) => x.status === "rejected" && x.id !== id && "absolute_count" in x.threshold)) {
      const { weight, total_weight: total } = p.threshold.absolute_count;
      const votedDown = (await tallyOnChain(cfg, p.id)).no > total - weight;
      await page.getByTestId(`proposal-summary-${p.id}`).click();
      const outcome = page.getByTestId(`proposal-${p.id}`).getByTestId("proposal-outcome");
      assert.match(await outcome.innerText(), votedDown ? /^rejected: too much weight voted no/ : /^expired without enough yes votes; nothing was executed$/, `proposal ${p.id}`);
    }
  });

  it("once the other members vote no, lists it as past and voted down, with nothing executed", { skip: skipReason() }, async () => {
    let status = "open";
    for (const o of others.filter((x) => x !== naysayer)) {
      if (status !== "open") break;
      status = await vote(cfg, o, id, "no");
    }
    assert.equal(status, "rejected", "the members' no votes reject the proposal");
    await consortiumTab();
    const past = page.getByTestId("past-proposals").getByTestId(`proposal-${id}`);
    assert.equal(await past.getAttribute("data-status"), "rejected");
    await page.getByTestId(`proposal-summary-${id}`).click();
    await past.getByTestId("vote-list").waitFor();
    assert.match(await past.getByTestId("proposal-outcome").innerText(), /too much weight voted no for it to pass; nothing was executed/);
    assert.match(await past.innerText(), /What it would have executed \(nothing was\)/);
    assert.equal(await isManufacturer(cfg, manufacturer), false, "the manufacturer of the rejected proposal is not admitted");
  });

  it("is reached from the keyboard like the other tabs", { skip: skipReason() }, async () => {
    await page.getByTestId("tab-consortium").focus();
    await page.keyboard.press("End");
    await page.getByTestId("contacts-view").waitFor();
    await page.keyboard.press("ArrowLeft");
    await page.getByTestId("consortium-view").waitFor();
    assert.equal(await page.getByRole("tab", { selected: true }).getAttribute("data-testid"), "tab-consortium");
  });

  it("names the single key that governs the suite when the deployment has no governance section", async () => {
    await page.route("**/config.json", async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      await route.fulfill({ response: res, json: { ...body, governance: null } });
    });
    try {
      const who = viewer ?? Object.values(byName)[0];
      await page.goto("about:blank");
      await signIn(page, who, "consortium");
      await loaded(page, "consortium-view");
      const statement = await page.getByTestId("single-key-statement").innerText();
      assert.match(statement, /governed by a single key/);
      if (cfg.deployer) assert.ok(statement.includes(cfg.deployer), `"${statement}" names the deployer ${cfg.deployer}`);
      assert.equal(await page.getByTestId("proposals").count(), 0);
      assert.equal(await page.getByTestId("governance-overview").count(), 0);
      await page.getByTestId("admins-verdict").waitFor();
    } finally {
      await page.unroute("**/config.json");
    }
  });

  it("raised no uncaught error in the page", () => {
    assert.deepEqual(browser.consoleErrors, []);
  });
});
