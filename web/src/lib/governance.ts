// Who governs the suite, read from the chain: the consortium's group (members, weights, admin) and
// multisig (threshold, voting period, proposals and votes) named by the deployment's `governance`
// section, and each contract's admin — the one the contract itself holds and wasmd's, who may
// migrate it. Without a governance section the suite is governed by the key that deployed it.
import {
  Cw3FlexMultisigQueryClient, Cw4GroupQueryClient, describeDuration, describeThreshold, isActiveProposal, listAllMembers,
  listAllProposals, type Cw3FlexMultisigTypes, type Cw4GroupTypes, type KnownContract, type KnownContracts, type Tally,
  type ThresholdSummary,
} from "@diachain/client";
import type { Queries } from "./chain";
import type { AppConfig, GovernanceConfig } from "./config";

/** At most this many proposals are listed (the newest). */
export const PROPOSAL_CAP = 200;

export type Proposal = Cw3FlexMultisigTypes.ProposalResponseForEmpty;

/** The deployment's contracts by name: the suite's four and, when governed, the group and multisig. */
export function knownContracts(cfg: Pick<AppConfig, "contracts" | "governance">): KnownContracts {
  const c = cfg.contracts;
  return {
    "device-registry": c.registry, "reading-anchors": c.anchors, consent: c.consent, "data-union": c.union,
    ...(cfg.governance ? { group: cfg.governance.group.address, multisig: cfg.governance.multisig.address } : {}),
  };
}

export interface GovernanceClients {
  group: Cw4GroupQueryClient;
  multisig: Cw3FlexMultisigQueryClient;
}

export function governanceClients(queries: Queries, gov: GovernanceConfig): GovernanceClients {
  const q = queries.rpc.asQuerier();
  return { group: new Cw4GroupQueryClient(q, gov.group.address), multisig: new Cw3FlexMultisigQueryClient(q, gov.multisig.address) };
}

export interface Overview {
  members: Cw4GroupTypes.Member[];
  /** False when the member list was cut at its cap. */
  membersComplete: boolean;
  totalWeight: number;
  /** Who may change the members (the group's cw4 admin): the multisig once handed over. */
  groupAdmin: string | null;
  /** The threshold a proposal opened now would have. */
  threshold: ThresholdSummary;
  votingPeriod: string;
  executor: string;
  /** The group the multisig counts votes in (its config): should be the deployment's group. */
  multisigGroup: string;
}

/** Who may execute a passed proposal, in words. */
export function executorText(e: Cw3FlexMultisigTypes.Executor | null | undefined): string {
  if (e === null || e === undefined) return "anyone";
  if (e === "member") return "any member";
  return `only ${e.only}`;
}

export async function loadOverview(c: GovernanceClients): Promise<Overview> {
  const [members, total, admin, threshold, config] = await Promise.all([
    listAllMembers(c.group), c.group.totalWeight({}), c.group.admin(), c.multisig.threshold(), c.multisig.config(),
  ]);
  return {
    members: members.items, membersComplete: members.complete, totalWeight: total.weight, groupAdmin: admin.admin ?? null,
    threshold: describeThreshold(threshold), votingPeriod: describeDuration(config.max_voting_period),
    executor: executorText(config.executor), multisigGroup: config.group_addr,
  };
}

/** One contract's admins: the one it holds itself (if it has one) and wasmd's. */
export interface AdminRow {
  name: KnownContract;
  address: string;
  /** The contract's own admin (`config.admin`, the group's `admin`); undefined: it has none (the multisig). */
  contractAdmin: string | null | undefined;
  /** An admin offered the role who has not accepted it yet. */
  pendingAdmin: string | null;
  /** wasmd's admin of the contract: who may migrate it (null: no one). */
  wasmdAdmin: string | null;
  codeId: number;
}

async function ownAdmin(queries: Queries, name: KnownContract, address: string): Promise<{ admin: string | null | undefined; pending: string | null }> {
  const q = queries.rpc.asQuerier();
  switch (name) {
    case "device-registry": { const r = await queries.registry.config(); return { admin: r.admin, pending: r.pending_admin ?? null }; }
    case "reading-anchors": { const r = await queries.anchors.config(); return { admin: r.admin, pending: r.pending_admin ?? null }; }
    case "consent": { const r = await queries.consent.config(); return { admin: r.admin, pending: r.pending_admin ?? null }; }
    case "data-union": return { admin: (await queries.union.config()).admin, pending: null };
    case "group": return { admin: (await new Cw4GroupQueryClient(q, address).admin()).admin ?? null, pending: null };
    case "multisig": return { admin: undefined, pending: null };
  }
}

export async function loadAdmins(queries: Queries, cfg: Pick<AppConfig, "contracts" | "governance">): Promise<AdminRow[]> {
  const entries = Object.entries(knownContracts(cfg)) as [KnownContract, string][];
  return Promise.all(entries.map(async ([name, address]) => {
    const [own, info] = await Promise.all([ownAdmin(queries, name, address), queries.rpc.contractInfo(address)]);
    return { name, address, contractAdmin: own.admin, pendingAdmin: own.pending, wasmdAdmin: info.admin, codeId: info.codeId };
  }));
}

/** Who holds an admin role: the multisig, the deployer's key, someone else, or no one. */
export type Holder = "multisig" | "deployer" | "other" | "none";

export function holderOf(address: string | null, cfg: Pick<AppConfig, "governance" | "deployer">): Holder {
  if (address === null) return "none";
  if (cfg.governance && address === cfg.governance.multisig.address) return "multisig";
  if (address === cfg.deployer) return "deployer";
  return "other";
}

/** Whether the admin roles are where the deployment says they should be: every one with the
 * multisig when governed, else (a single key) every one with the deployer. The exceptions named. */
export function adminVerdict(rows: readonly AdminRow[], cfg: Pick<AppConfig, "governance" | "deployer">): { ok: boolean; exceptions: string[] } {
  const want: Holder = cfg.governance ? "multisig" : "deployer";
  const exceptions: string[] = [];
  for (const r of rows) {
    if (r.contractAdmin !== undefined && holderOf(r.contractAdmin, cfg) !== want) exceptions.push(`${r.name}'s own admin`);
    if (r.pendingAdmin !== null) exceptions.push(`${r.name} has an admin transfer pending`);
    if (holderOf(r.wasmdAdmin, cfg) !== want) exceptions.push(`${r.name}'s wasmd admin`);
  }
  return { ok: exceptions.length === 0, exceptions };
}

export interface ProposalLists {
  /** Open, pending or passed (not yet executed), newest first. */
  active: Proposal[];
  /** Executed or rejected (an open one past its expiry reads rejected), newest first. */
  past: Proposal[];
  /** False when the list was cut at PROPOSAL_CAP. */
  complete: boolean;
}

export function splitProposals(proposals: readonly Proposal[], complete: boolean): ProposalLists {
  return { active: proposals.filter(isActiveProposal), past: proposals.filter((p) => !isActiveProposal(p)), complete };
}

export async function loadProposals(c: GovernanceClients): Promise<ProposalLists> {
  const listed = await listAllProposals(c.multisig, { cap: PROPOSAL_CAP });
  return splitProposals(listed.items, listed.complete);
}

/** The votes against the threshold in words. While the proposal is open: "1 of 2 yes needed out
 * of 3, 1 more yes needed" (a fixed threshold); once decided only what was cast and needed. */
export function voteProgress(tally: Tally, threshold: ThresholdSummary, status: Proposal["status"]): string {
  const cast = `yes ${tally.yes}, no ${tally.no}, abstain ${tally.abstain}, veto ${tally.veto}`;
  if (threshold.yesNeeded === null) return `${cast} (${threshold.text})`;
  const needed = `${threshold.yesNeeded} of ${threshold.totalWeight} yes needed`;
  if (status !== "open") return `${cast}; ${needed}`;
  const more = Math.max(0, threshold.yesNeeded - tally.yes);
  return `${cast}; ${needed}, ${more === 0 ? "the threshold is reached" : `${more} more yes needed`}`;
}

/** How the chain's members differ from those the deployment file lists (the group may have
 * changed by proposal since): who left, who joined, whose weight changed. */
export function memberDifferences(
  deployed: readonly { addr: string; weight: number }[], onChain: readonly { addr: string; weight: number }[],
): string[] {
  const chain = new Map(onChain.map((m) => [m.addr, m.weight]));
  const listed = new Map(deployed.map((m) => [m.addr, m.weight]));
  const out: string[] = [];
  for (const [addr, weight] of listed) {
    const now = chain.get(addr);
    if (now === undefined) out.push(`${addr} (weight ${weight}) is no longer a member`);
    else if (now !== weight) out.push(`${addr}'s weight is ${now}, not ${weight}`);
  }
  for (const [addr, weight] of chain) if (!listed.has(addr)) out.push(`${addr} (weight ${weight}) joined`);
  return out;
}

/** A proposal's status in words, with why a rejected one ended: voted down, or expired without
 * enough yes (for a fixed threshold the votes tell which; else both are possible). */
export function statusText(p: Pick<Proposal, "status">, tally: Tally, threshold: ThresholdSummary): string {
  switch (p.status) {
    case "open": return "open for votes";
    case "pending": return "pending: voting has not begun";
    case "passed": return "passed: waiting to be executed";
    case "executed": return "executed";
    case "rejected":
      if (threshold.yesNeeded === null) return "rejected: voted down or expired; nothing was executed";
      return tally.no > threshold.totalWeight - threshold.yesNeeded
        ? "rejected: too much weight voted no for it to pass; nothing was executed"
        : "expired without enough yes votes; nothing was executed";
  }
}

/** The heading over a proposal's messages, by what became of them. */
export function messagesHeading(status: Proposal["status"]): string {
  if (status === "executed") return "What it executed";
  if (status === "rejected") return "What it would have executed (nothing was)";
  return "What it would execute";
}
