// The consortium's governance, read through the generated clients of cw-plus 2.0.0's cw4-group
// (members and their weights) and cw3-flex-multisig (threshold, proposals, votes): every list
// paged to its end (30 items a page, the contracts' largest), stopped at a cap so that a
// misbehaving or huge contract cannot keep a reader busy for ever, and the votes of a proposal
// added up as the multisig counts them.
import type { Cw3FlexMultisigReadOnlyInterface } from './contracts/Cw3FlexMultisig.client.js';
import type {
  Duration, Expiration, ProposalResponseForEmpty, ThresholdResponse, Vote, VoteInfo, VoterDetail,
} from './contracts/Cw3FlexMultisig.types.js';
import type { Cw4GroupReadOnlyInterface } from './contracts/Cw4Group.client.js';
import type { Member } from './contracts/Cw4Group.types.js';

/** The largest page cw4-group and cw3-flex-multisig 2.0.0 answer (`MAX_LIMIT`). */
export const GOVERNANCE_PAGE_LIMIT = 30;
/** How many items a list reads at most unless told otherwise. */
export const DEFAULT_LIST_CAP = 1000;

/** A list read to its end, or to the cap: `complete` is false when the cap stopped it. */
export interface Listed<T> {
  items: T[];
  complete: boolean;
}

export interface ListOptions {
  /** At most this many items (default 1,000). */
  cap?: number;
}

/** A page reader that did not move past its last key: the contract ignores `start_after`. */
export class PagingError extends Error {
  override name = 'PagingError';
}

/**
 * Reads `fetch(after, limit)` page by page, each page starting after the last item's key, until
 * a page comes back shorter than asked (the end) or `cap` items are read. Keys must move in the
 * list's direction (`before(a, b)`: a comes before b), else it throws `PagingError`.
 */
export async function pageThrough<T, K>(
  fetch: (after: K | undefined, limit: number) => Promise<T[]>,
  keyOf: (item: T) => K,
  before: (a: K, b: K) => boolean,
  cap: number = DEFAULT_LIST_CAP,
): Promise<Listed<T>> {
  if (!Number.isSafeInteger(cap) || cap < 0) throw new RangeError(`the cap must be a whole number, not ${cap}`);
  const items: T[] = [];
  let after: K | undefined;
  for (;;) {
    // One more than is still wanted, so that reaching the cap tells whether more exist.
    const limit = Math.min(GOVERNANCE_PAGE_LIMIT, cap - items.length + 1);
    const page = await fetch(after, limit);
    if (page.length > limit) throw new PagingError(`asked for ${limit} items, the contract answered ${page.length}`);
    for (const item of page) {
      const key = keyOf(item);
      if (after !== undefined && !before(after, key)) {
        throw new PagingError(`the contract answered ${String(key)} after ${String(after)}: the list does not move on`);
      }
      after = key;
      if (items.length === cap) return { items, complete: false };
      items.push(item);
    }
    if (page.length < limit) return { items, complete: true };
  }
}

const ascending = <K>(a: K, b: K) => a < b;
const descending = <K>(a: K, b: K) => a > b;

/** Every member of the group with their weight, in the group's (address) order. */
export function listAllMembers(group: Pick<Cw4GroupReadOnlyInterface, 'listMembers'>, opts: ListOptions = {}): Promise<Listed<Member>> {
  return pageThrough<Member, string>(
    async (startAfter, limit) => (await group.listMembers({ startAfter, limit })).members,
    (m) => m.addr, ascending, opts.cap,
  );
}

/** Every voter the multisig knows (its group's members as it reads them). */
export function listAllVoters(
  multisig: Pick<Cw3FlexMultisigReadOnlyInterface, 'listVoters'>, opts: ListOptions = {},
): Promise<Listed<VoterDetail>> {
  return pageThrough<VoterDetail, string>(
    async (startAfter, limit) => (await multisig.listVoters({ startAfter, limit })).voters,
    (v) => v.addr, ascending, opts.cap,
  );
}

export interface ProposalListOptions extends ListOptions {
  /** `newest` (default) reads `reverse_proposals` from the last proposal; `oldest` `list_proposals` from the first. */
  order?: 'newest' | 'oldest';
}

/** The multisig's proposals, newest first by default, each with its status as of the latest block. */
export function listAllProposals(
  multisig: Pick<Cw3FlexMultisigReadOnlyInterface, 'listProposals' | 'reverseProposals'>, opts: ProposalListOptions = {},
): Promise<Listed<ProposalResponseForEmpty>> {
  const newest = (opts.order ?? 'newest') === 'newest';
  return pageThrough<ProposalResponseForEmpty, number>(
    async (after, limit) => newest
      ? (await multisig.reverseProposals({ startBefore: after, limit })).proposals
      : (await multisig.listProposals({ startAfter: after, limit })).proposals,
    (p) => p.id, newest ? descending : ascending, opts.cap,
  );
}

/** Every vote cast on a proposal (voter, vote, and the weight the voter had when it opened). */
export function listAllVotes(
  multisig: Pick<Cw3FlexMultisigReadOnlyInterface, 'listVotes'>, proposalId: number, opts: ListOptions = {},
): Promise<Listed<VoteInfo>> {
  return pageThrough<VoteInfo, string>(
    async (startAfter, limit) => (await multisig.listVotes({ proposalId, startAfter, limit })).votes,
    (v) => v.voter, ascending, opts.cap,
  );
}

/** The weight cast for each option, as the multisig adds it up. */
export type Tally = Record<Vote, number>;

/** Adds up votes' weights per option; a weight that is not a whole number, or a sum beyond 2^53, throws. */
export function tallyVotes(votes: readonly Pick<VoteInfo, 'vote' | 'weight'>[]): Tally {
  const tally: Tally = { yes: 0, no: 0, abstain: 0, veto: 0 };
  for (const v of votes) {
    if (!(v.vote in tally)) throw new RangeError(`unknown vote ${JSON.stringify(v.vote)}`);
    if (!Number.isSafeInteger(v.weight) || v.weight < 0) throw new RangeError(`a vote's weight ${v.weight} is not a whole number`);
    const sum = tally[v.vote] + v.weight;
    if (!Number.isSafeInteger(sum)) throw new RangeError('the votes add up beyond 2^53');
    tally[v.vote] = sum;
  }
  return tally;
}

/** A threshold in words, with the yes weight a proposal needs when that is a fixed number. */
export interface ThresholdSummary {
  kind: 'absolute_count' | 'absolute_percentage' | 'threshold_quorum';
  /** The group's total weight the threshold applies to (at the proposal's start, for a proposal). */
  totalWeight: number;
  /** Yes weight that passes it, for an absolute count; null for percentages (it depends on the votes). */
  yesNeeded: number | null;
  text: string;
}

const percent = (d: string) => `${Number((Number(d) * 100).toFixed(4))}%`;

export function describeThreshold(t: ThresholdResponse): ThresholdSummary {
  if ('absolute_count' in t) {
    const { weight, total_weight } = t.absolute_count;
    return { kind: 'absolute_count', totalWeight: total_weight, yesNeeded: weight, text: `${weight} of ${total_weight} weight must vote yes` };
  }
  if ('absolute_percentage' in t) {
    const { percentage, total_weight } = t.absolute_percentage;
    return {
      kind: 'absolute_percentage', totalWeight: total_weight, yesNeeded: null,
      text: `${percent(percentage)} of the ${total_weight} weight not abstaining must vote yes`,
    };
  }
  const { threshold, quorum, total_weight } = t.threshold_quorum;
  return {
    kind: 'threshold_quorum', totalWeight: total_weight, yesNeeded: null,
    text: `${percent(threshold)} of the votes cast must be yes, with at least ${percent(quorum)} of the ${total_weight} weight voting`,
  };
}

/** An expiration (a proposal's end) as the moment or height it names; `never` has neither. */
export type Deadline = { kind: 'height'; height: number } | { kind: 'time'; seconds: number } | { kind: 'never' };

export function deadlineOf(e: Expiration): Deadline {
  if ('at_height' in e) return { kind: 'height', height: e.at_height };
  if ('at_time' in e) {
    if (!/^\d+$/.test(e.at_time)) throw new RangeError(`an expiration time ${JSON.stringify(e.at_time)} is not nanoseconds`);
    return { kind: 'time', seconds: Number(BigInt(e.at_time) / 1_000_000_000n) };
  }
  return { kind: 'never' };
}

/** A voting period (`max_voting_period`) in words: "1 hour", "2 days 3 hours", "100 blocks". */
export function describeDuration(d: Duration): string {
  if ('height' in d) return `${d.height} block${d.height === 1 ? '' : 's'}`;
  let rest = d.time;
  const parts: string[] = [];
  for (const [unit, secs] of [['day', 86_400], ['hour', 3600], ['minute', 60], ['second', 1]] as const) {
    const n = Math.floor(rest / secs);
    rest -= n * secs;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.length === 0 ? '0 seconds' : parts.join(' ');
}

/** Whether a proposal is still to be decided or executed (open, pending or passed), else past. */
export function isActiveProposal(p: Pick<ProposalResponseForEmpty, 'status'>): boolean {
  return p.status === 'open' || p.status === 'pending' || p.status === 'passed';
}
