// The consortium view's judgements: which contracts are the deployment's, who holds an admin role
// and whether every role is where the deployment says, how votes stand against the threshold, why
// a rejected proposal ended, and how the chain's members differ from the deployment file's.
import { describeThreshold } from "@diachain/client";
import { describe, expect, it } from "vitest";
import type { AppConfig, GovernanceConfig } from "../../src/lib/config";
import {
  adminVerdict, executorText, holderOf, knownContracts, memberDifferences, messagesHeading, splitProposals, statusText, voteProgress,
  type AdminRow, type Proposal,
} from "../../src/lib/governance";
import { nameBook } from "../../src/lib/names";

const MULTISIG = "wasm1pvrwmjuusn9wh34j7y520g8gumuy9xtl3gvprlljfdpwju3x7ucsfg5rpz";
const GROUP = "wasm1eyfccmjm6732k7wp4p6gdjwhxjwsvje44j0hfx8nkgrm8fs7vqfsuw7sel";
const DEPLOYER = "wasm19n76g3uh202cavz373ezz5vjfv8r3xm0fy4yj4";
const PATIENT = "wasm1y0pjfk38yku50k6073855prv76z4f3fqmkftsc";
const CONTRACTS = {
  registry: "wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s0phg4d",
  anchors: "wasm1nc5tatafv6eyq7llkr2gv50ff9e22mnf70qgjlv737ktmt4eswrqr5j2ht",
  consent: "wasm17p9rzwnnfxcjp32un9ug7yhhzgtkhvl9jfksztgw5uh69wac2pgsm0v070",
  union: "wasm1ghd753shjuwexxywmgs4xz7x2q732vcnkm6h2pyv9s6ah3hylvrq8epk7w",
};
const GOVERNANCE: GovernanceConfig = {
  group: { code_id: 5, checksum: "e8b1", address: GROUP, label: "diachain-consortium-group" },
  multisig: { code_id: 6, checksum: "99fb", address: MULTISIG, label: "diachain-consortium-multisig" },
  members: [{ addr: DEPLOYER, weight: 1 }, { addr: PATIENT, weight: 1 }, { addr: "wasm14derlt43k9m7xncey9yuesae476j39uh3duhrv", weight: 1 }],
  threshold: 2,
  max_voting_period_secs: 3600,
};
const governed = { contracts: CONTRACTS, governance: GOVERNANCE, deployer: DEPLOYER };
const singleKey = { contracts: CONTRACTS, governance: null, deployer: DEPLOYER };

const row = (name: AdminRow["name"], contractAdmin: string | null | undefined, wasmdAdmin: string | null, pendingAdmin: string | null = null): AdminRow =>
  ({ name, address: `addr-of-${name}`, contractAdmin, pendingAdmin, wasmdAdmin, codeId: 1 });
const handedOver = (): AdminRow[] => [
  row("device-registry", MULTISIG, MULTISIG), row("reading-anchors", MULTISIG, MULTISIG), row("consent", MULTISIG, MULTISIG),
  row("data-union", MULTISIG, MULTISIG), row("group", MULTISIG, MULTISIG), row("multisig", undefined, MULTISIG),
];

describe("the deployment's contracts", () => {
  it("the suite's four, and the group and multisig only when governed", () => {
    expect(knownContracts(governed)).toEqual({
      "device-registry": CONTRACTS.registry, "reading-anchors": CONTRACTS.anchors, consent: CONTRACTS.consent, "data-union": CONTRACTS.union,
      group: GROUP, multisig: MULTISIG,
    });
    expect(Object.keys(knownContracts(singleKey))).toEqual(["device-registry", "reading-anchors", "consent", "data-union"]);
  });

  it("are named wherever an address is shown, after the people", () => {
    const cfg = { ...governed, localKeyring: { warning: "", accounts: [{ name: "consortium", address: DEPLOYER, mnemonic: "" }] } } as unknown as AppConfig;
    const book = nameBook({ you: null, contacts: [], chain: null, cfg });
    expect(book.nameOf(MULTISIG)).toEqual({ name: "consortium multisig", source: "deployment", detail: "a contract of this deployment" });
    expect(book.nameOf(GROUP)?.name).toBe("consortium group");
    expect(book.nameOf(CONTRACTS.consent)?.name).toBe("consent contract");
    expect(book.nameOf(DEPLOYER)?.source).toBe("keyring");
    expect(nameBook({ you: null, contacts: [], chain: null, cfg: { ...cfg, governance: null } }).nameOf(MULTISIG)).toBeNull();
  });
});

describe("who holds the admin roles", () => {
  it("the multisig, the deployer's key, another account or no one", () => {
    expect([holderOf(MULTISIG, governed), holderOf(DEPLOYER, governed), holderOf(PATIENT, governed), holderOf(null, governed)])
      .toEqual(["multisig", "deployer", "other", "none"]);
    expect(holderOf(MULTISIG, singleKey)).toBe("other");
  });

  it("a governed suite is in order only when the multisig holds every role, in the contracts and in wasmd", () => {
    expect(adminVerdict(handedOver(), governed)).toEqual({ ok: true, exceptions: [] });
    const rows = handedOver();
    rows[2] = row("consent", MULTISIG, DEPLOYER);
    rows[0] = row("device-registry", DEPLOYER, MULTISIG, MULTISIG);
    rows[4] = row("group", null, MULTISIG);
    expect(adminVerdict(rows, governed)).toEqual({
      ok: false,
      exceptions: ["device-registry's own admin", "device-registry has an admin transfer pending", "consent's wasmd admin", "group's own admin"],
    });
  });

  it("a single-key suite is in order when the deployer holds every role; the multisig's missing contract admin is no exception", () => {
    const rows = [row("device-registry", DEPLOYER, DEPLOYER), row("data-union", DEPLOYER, DEPLOYER)];
    expect(adminVerdict(rows, singleKey)).toEqual({ ok: true, exceptions: [] });
    expect(adminVerdict([row("consent", DEPLOYER, null)], singleKey)).toEqual({ ok: false, exceptions: ["consent's wasmd admin"] });
  });

  it("who may execute a passed proposal", () => {
    expect([executorText("member"), executorText(null), executorText(undefined), executorText({ only: PATIENT })])
      .toEqual(["any member", "anyone", "anyone", `only ${PATIENT}`]);
  });
});

describe("proposals: votes, outcomes, lists", () => {
  const count = describeThreshold({ absolute_count: { weight: 2, total_weight: 3 } });
  const percent = describeThreshold({ absolute_percentage: { percentage: "0.5", total_weight: 4 } });
  const tally = (yes: number, no: number) => ({ yes, no, abstain: 0, veto: 0 });

  it("an open proposal says how much yes is still needed; a decided one only what was cast and needed", () => {
    expect(voteProgress(tally(1, 1), count, "open")).toBe("yes 1, no 1, abstain 0, veto 0; 2 of 3 yes needed, 1 more yes needed");
    expect(voteProgress(tally(2, 0), count, "passed")).toBe("yes 2, no 0, abstain 0, veto 0; 2 of 3 yes needed");
    expect(voteProgress(tally(3, 0), count, "open")).toBe("yes 3, no 0, abstain 0, veto 0; 2 of 3 yes needed, the threshold is reached");
    expect(voteProgress(tally(1, 0), percent, "open")).toBe("yes 1, no 0, abstain 0, veto 0 (50% of the 4 weight not abstaining must vote yes)");
  });

  it("a rejected proposal was voted down when the no weight leaves too little for yes, else it expired", () => {
    expect(statusText({ status: "rejected" }, tally(1, 2), count)).toBe("rejected: too much weight voted no for it to pass; nothing was executed");
    expect(statusText({ status: "rejected" }, tally(1, 1), count)).toBe("expired without enough yes votes; nothing was executed");
    expect(statusText({ status: "rejected" }, tally(0, 0), count)).toBe("expired without enough yes votes; nothing was executed");
    expect(statusText({ status: "rejected" }, tally(0, 3), percent)).toBe("rejected: voted down or expired; nothing was executed");
    expect(["open", "pending", "passed", "executed"].map((status) => statusText({ status } as Proposal, tally(0, 0), count)))
      .toEqual(["open for votes", "pending: voting has not begun", "passed: waiting to be executed", "executed"]);
  });

  it("what the messages are called, by what became of them", () => {
    expect(["open", "passed", "executed", "rejected"].map((s) => messagesHeading(s as Proposal["status"])))
      .toEqual(["What it would execute", "What it would execute", "What it executed", "What it would have executed (nothing was)"]);
  });

  it("open, pending and passed proposals are listed as open; executed and rejected ones as past, in the order given", () => {
    const ps = (["executed", "open", "rejected", "passed", "pending"] as const).map((status, i) => ({ id: 5 - i, status }) as Proposal);
    const lists = splitProposals(ps, false);
    expect(lists.active.map((p) => p.id)).toEqual([4, 2, 1]);
    expect(lists.past.map((p) => p.id)).toEqual([5, 3]);
    expect(lists.complete).toBe(false);
  });

  it("the chain's members against the deployment file's: who left, who joined, whose weight changed", () => {
    expect(memberDifferences(GOVERNANCE.members, GOVERNANCE.members)).toEqual([]);
    const now = [{ addr: DEPLOYER, weight: 2 }, { addr: PATIENT, weight: 1 }, { addr: MULTISIG, weight: 1 }];
    expect(memberDifferences(GOVERNANCE.members, now)).toEqual([
      `${DEPLOYER}'s weight is 2, not 1`,
      "wasm14derlt43k9m7xncey9yuesae476j39uh3duhrv (weight 1) is no longer a member",
      `${MULTISIG} (weight 1) joined`,
    ]);
  });
});
