// The consortium's proposals in words and its lists read to the end. The decoder is run on a real
// proposal: test/fixtures/governance-proposal.json is the cw3-flex-multisig's answer on a local
// wasmd network to a proposal holding every message of test/governance-cases.ts (recorded by
// test/live/governance.test.ts with DIACHAIN_RECORD_FIXTURE=1); broken messages are made from it.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  type Cw3FlexMultisigTypes, PagingError, decodeProposalMessage, decodeProposalMessages, deadlineOf, describeDuration,
  describeThreshold, isActiveProposal, listAllMembers, listAllProposals, listAllVotes, pageThrough, tallyVotes, toBase64,
} from '../../src/index.js';
import { CASES, type CaseContext } from '../governance-cases.js';

interface Recorded {
  chain_id: string;
  context: CaseContext;
  proposal: Cw3FlexMultisigTypes.ProposalResponseForEmpty;
  votes: Cw3FlexMultisigTypes.VoteInfo[];
}

const recorded = JSON.parse(readFileSync(new URL('../fixtures/governance-proposal.json', import.meta.url), 'utf8')) as Recorded;
const ctx = recorded.context;
const { known } = ctx;
const b64 = (text: string) => toBase64(new TextEncoder().encode(text));
const execute = (contract: string, msg: string, funds: unknown = []) => ({ wasm: { execute: { contract_addr: contract, msg, funds } } });
const describeAs = (msg: unknown) => {
  const d = decodeProposalMessage(msg, known);
  return { kind: d.kind, text: d.text, reason: d.reason };
};

describe('a real proposal, decoded', () => {
  it('holds exactly the messages of the cases, as the multisig returned them', () => {
    expect(recorded.proposal.msgs).toEqual(CASES.map((c) => c.msg(ctx)));
  });

  for (const [i, c] of CASES.entries()) {
    it(c.name, () => {
      const d = decodeProposalMessage(recorded.proposal.msgs[i], known);
      const want = c.expected(ctx);
      expect({ kind: d.kind, text: d.text, reason: d.reason }).toEqual({ reason: null, ...want });
    });
  }

  it('names every address it shows as a segment, and the known contract it acts on', () => {
    const [admit] = decodeProposalMessages(recorded.proposal.msgs.slice(0, 1), known);
    expect(admit!.segments).toEqual(['device-registry: ', 'admit manufacturer ', { address: ctx.someone }, ' labelled “Acme Sensors”']);
    expect([admit!.contract, admit!.contractAddress, admit!.action]).toEqual(['device-registry', known['device-registry'], 'admit_participant']);
    expect(admit!.inner).toEqual({ admit_participant: { address: ctx.someone, label: 'Acme Sensors', role: 'manufacturer' } });
  });

  it('gives the coins an admin message sends as amounts, for a frontend to show in its unit', () => {
    const withFunds = decodeProposalMessage(recorded.proposal.msgs[CASES.length - 1], known);
    expect(withFunds.segments.slice(-2)).toEqual([', sending ', { amount: '5', denom: 'udia' }]);
  });

  it('adds up the votes as the multisig counts them: the proposer\'s yes, two members\' no', () => {
    expect(tallyVotes(recorded.votes)).toEqual({ yes: 1, no: 2, abstain: 0, veto: 0 });
    expect(describeThreshold(recorded.proposal.threshold)).toEqual({ kind: 'absolute_count', totalWeight: 3, yesNeeded: 2, text: '2 of 3 weight must vote yes' });
  });
});

describe('what is not what it claims is unknown, with the reason', () => {
  const registry = known['device-registry'];
  const cases: [string, unknown, string][] = [
    ['malformed base64', execute(registry, 'eyJhY2NlcHRfYWRtaW4iOnt9fQ=!'), 'the wasm execute\'s msg is not valid base64'],
    ['base64 cut short', execute(registry, 'eyJhY2NlcHRfYWRtaW4iOnt9fQ'), 'the wasm execute\'s msg is not valid base64'],
    ['bytes that are not UTF-8', execute(registry, toBase64(Uint8Array.of(0x7b, 0xff, 0x7d))), 'the wasm execute\'s msg is not UTF-8 text'],
    ['JSON cut short', execute(registry, b64('{"accept_admin":{}')), 'the wasm execute\'s msg is not JSON: "{\\"accept_admin\\":{}"'],
    ['a JSON list', execute(registry, b64('[{"accept_admin":{}}]')), 'the message to device-registry is not a JSON object'],
    ['two messages in one', execute(registry, b64('{"accept_admin":{},"cancel_admin_transfer":{}}')), 'the message to device-registry has 2 keys, not one'],
    ['a field too many', execute(registry, b64(`{"admit_participant":{"address":"${ctx.someone}","label":"A","role":"relayer","weight":1}}`)),
      'device-registry\'s admit_participant has unexpected field weight'],
    ['a field missing', execute(registry, b64(`{"admit_participant":{"address":"${ctx.someone}","role":"relayer"}}`)), 'device-registry\'s admit_participant has no label'],
    ['an address with a bad checksum', execute(registry, b64(`{"remove_participant":{"address":"${ctx.someone.slice(0, -1)}${ctx.someone.endsWith('q') ? 'p' : 'q'}","role":"relayer"}}`)),
      `device-registry's remove_participant's address "${ctx.someone.slice(0, -1)}${ctx.someone.endsWith('q') ? 'p' : 'q'}" is not a bech32 address`],
    ['a number where a string belongs', execute(registry, b64('{"suspend_device":{"device_id":7,"reason":"other"}}')), 'device-registry\'s suspend_device\'s device_id is not a string'],
    ['the legacy suspension reason', execute(registry, b64('{"suspend_device":{"device_id":"d","reason":"legacy"}}')),
      'device-registry\'s suspend_device\'s reason "legacy" is not one of suspected_fault, suspected_compromise, misplaced, safety_notice, owner_paused, other'],
    ['a fractional interval', execute(known['reading-anchors'], b64('{"set_sampling_limits":{"limits":[{"kind":"cgm","min_interval_seconds":1.5}]}}')),
      'reading-anchors\'s set_sampling_limits\'s limits[0].min_interval_seconds is not a whole number up to 4294967295'],
    ['a negative weight', execute(known.group, b64(`{"update_members":{"add":[{"addr":"${ctx.someone}","weight":-1}],"remove":[]}}`)),
      'group\'s update_members\'s add[0].weight is not a whole number up to 9007199254740991'],
    ['a timestamp that is not nanoseconds', execute(registry, b64('{"revoke_device":{"device_id":"d","reason":"lost","effective_at":"2026-01-01"}}')),
      'device-registry\'s revoke_device\'s effective_at is not a timestamp'],
    ['funds without an amount', execute(registry, b64('{"accept_admin":{}}'), [{ denom: 'udia' }]), 'the wasm execute\'s funds[0] has no amount'],
    ['funds of a negative amount', execute(registry, b64('{"accept_admin":{}}'), [{ denom: 'udia', amount: '-5' }]),
      'the wasm execute\'s funds[0]\'s amount "-5" is not a whole number'],
    ['a wasm execute with a field too many', { wasm: { execute: { contract_addr: registry, msg: b64('{"accept_admin":{}}'), funds: [], admin: ctx.someone } } },
      'the wasm execute has unexpected field admin'],
    ['a migrate without a code', { wasm: { migrate: { contract_addr: known.consent, msg: b64('{}') } } }, 'the wasm migrate has no new_code_id'],
    ['a migrate to code -1', { wasm: { migrate: { contract_addr: known.consent, new_code_id: -1, msg: b64('{}') } } },
      'the wasm migrate\'s new_code_id is not a whole number up to 9007199254740991'],
    ['an admin change to a non-address', { wasm: { update_admin: { contract_addr: known.consent, admin: 'the multisig' } } },
      'the wasm update_admin\'s admin "the multisig" is not a bech32 address'],
    ['a message that is no object', 'accept_admin', 'the message is not a JSON object'],
    ['null', null, 'the message is not a JSON object'],
    ['an instantiate', { wasm: { instantiate: { admin: null, code_id: 1, funds: [], label: 'x', msg: b64('{}') } } },
      'a wasm instantiate is not a consortium action this view knows'],
    ['a custom message', { custom: {} }, 'a custom message is not a consortium action this view knows'],
    ['a proposal to the multisig itself', execute(known.multisig, b64('{"vote":{"proposal_id":1,"vote":"yes"}}')), '"vote" is not an admin message of multisig'],
    ['a migrate of another contract', { wasm: { migrate: { contract_addr: ctx.someone, new_code_id: 3, msg: b64('{}') } } }, `${ctx.someone} is not one of the deployment's contracts`],
  ];
  for (const [name, msg, reason] of cases) {
    it(name, () => {
      const d = describeAs(msg);
      expect(d.kind).toBe('unknown');
      expect(d.reason).toBe(reason);
    });
  }

  it('a migrate with a migrate message shows it', () => {
    expect(describeAs({ wasm: { migrate: { contract_addr: known.consent, new_code_id: 9, msg: b64('{"reset_listeners":true}') } } }))
      .toEqual({ kind: 'migrate', text: 'migrate consent to code 9 with migrate message {"reset_listeners":true}', reason: null });
  });

  it('a member list without change, a cleared group admin and an empty union update say so', () => {
    expect(describeAs(execute(known.group, b64('{"update_members":{"add":[],"remove":[]}}'))).text).toBe('group: update members with no change');
    expect(describeAs(execute(known.group, b64('{"update_admin":{"admin":null}}'))).text).toBe('group: clear the group admin (no one can change the members again)');
    expect(describeAs(execute(known['data-union'], b64('{"update_config":{}}'))).text).toBe('data-union: update config with no change');
    expect(describeAs(execute(known.consent, b64('{"set_listeners":{"listeners":[]}}'))).text).toBe('consent: set listeners to none');
  });

  it('without the deployment\'s addresses nothing is a known contract', () => {
    expect(decodeProposalMessages(recorded.proposal.msgs, {}).every((d) => d.kind === 'unknown')).toBe(true);
  });
});

/** A multisig and group as cw-plus 2.0.0 page them: limit default 10, at most 30, strictly after the key. */
function fakeLists(proposalCount: number, memberCount: number) {
  const page = <T>(all: T[], limit: number | null | undefined) => all.slice(0, Math.min(limit ?? 10, 30));
  const proposals = Array.from({ length: proposalCount }, (_, i) => ({ id: i + 1 }) as Cw3FlexMultisigTypes.ProposalResponseForEmpty);
  const members = Array.from({ length: memberCount }, (_, i) => ({ addr: `wasm1member${String(i).padStart(3, '0')}`, weight: 1 + (i % 3) }));
  const calls: string[] = [];
  return {
    calls,
    multisig: {
      listProposals: ({ startAfter, limit }: { startAfter?: number | null; limit?: number | null }) => {
        calls.push(`list ${startAfter ?? '-'} ${limit}`);
        return Promise.resolve({ proposals: page(proposals.filter((p) => p.id > (startAfter ?? 0)), limit) });
      },
      reverseProposals: ({ startBefore, limit }: { startBefore?: number | null; limit?: number | null }) => {
        calls.push(`reverse ${startBefore ?? '-'} ${limit}`);
        return Promise.resolve({ proposals: page([...proposals].reverse().filter((p) => p.id < (startBefore ?? Infinity)), limit) });
      },
      listVotes: ({ proposalId, startAfter, limit }: { proposalId: number; startAfter?: string | null; limit?: number | null }) =>
        Promise.resolve({
          votes: page(members.filter((m) => m.addr > (startAfter ?? '')).map((m) => ({ proposal_id: proposalId, voter: m.addr, vote: 'yes' as const, weight: m.weight })), limit),
        }),
    },
    group: {
      listMembers: ({ startAfter, limit }: { startAfter?: string | null; limit?: number | null }) =>
        Promise.resolve({ members: page(members.filter((m) => m.addr > (startAfter ?? '')), limit) }),
    },
  };
}

describe('lists read to their end, or to the cap', () => {
  it('75 proposals, newest first, in three pages of at most 30', async () => {
    const f = fakeLists(75, 0);
    const got = await listAllProposals(f.multisig);
    expect(got.complete).toBe(true);
    expect(got.items.map((p) => p.id)).toEqual(Array.from({ length: 75 }, (_, i) => 75 - i));
    expect(f.calls).toEqual(['reverse - 30', 'reverse 46 30', 'reverse 16 30']);
  });

  it('oldest first with list_proposals', async () => {
    const got = await listAllProposals(fakeLists(31, 0).multisig, { order: 'oldest' });
    expect([got.complete, got.items.length, got.items[30]!.id]).toEqual([true, 31, 31]);
  });

  it('a cap stops the list and says more may exist; exactly as many as the cap is complete', async () => {
    const capped = await listAllProposals(fakeLists(75, 0).multisig, { cap: 40 });
    expect([capped.complete, capped.items.length, capped.items[39]!.id]).toEqual([false, 40, 36]);
    expect((await listAllProposals(fakeLists(40, 0).multisig, { cap: 40 })).complete).toBe(true);
    expect((await listAllProposals(fakeLists(41, 0).multisig, { cap: 40 })).complete).toBe(false);
    expect(await listAllProposals(fakeLists(0, 0).multisig)).toEqual({ items: [], complete: true });
  });

  it('members and votes page by address', async () => {
    const f = fakeLists(0, 65);
    const members = await listAllMembers(f.group);
    expect([members.complete, members.items.length, members.items[64]!.addr]).toEqual([true, 65, 'wasm1member064']);
    const votes = await listAllVotes(f.multisig, 3);
    expect(votes.items.length).toBe(65);
    expect(tallyVotes(votes.items).yes).toBe(members.items.reduce((n, m) => n + m.weight, 0));
  });

  it('a contract that does not move past the last key is refused, not read for ever', async () => {
    const stuck = { listMembers: () => Promise.resolve({ members: Array.from({ length: 30 }, (_, i) => ({ addr: `wasm1m${i}`, weight: 1 })) }) };
    await expect(listAllMembers(stuck)).rejects.toThrow(PagingError);
    const tooMany = { listMembers: () => Promise.resolve({ members: Array.from({ length: 31 }, (_, i) => ({ addr: `wasm1m${String(i).padStart(2, '0')}`, weight: 1 })) }) };
    await expect(listAllMembers(tooMany)).rejects.toThrow('asked for 30 items, the contract answered 31');
    await expect(pageThrough(() => Promise.resolve([]), (x: number) => x, (a, b) => a < b, -1)).rejects.toThrow(RangeError);
  });
});

describe('votes, thresholds, deadlines and periods in words', () => {
  it('a weight that is not whole, an unknown vote or a sum beyond 2^53 throws', () => {
    expect(() => tallyVotes([{ vote: 'yes', weight: 1.5 }])).toThrow(RangeError);
    expect(() => tallyVotes([{ vote: 'maybe' as 'yes', weight: 1 }])).toThrow('unknown vote "maybe"');
    expect(() => tallyVotes([{ vote: 'no', weight: Number.MAX_SAFE_INTEGER }, { vote: 'no', weight: 1 }])).toThrow('beyond 2^53');
  });

  it('percentages and quorums have no fixed yes weight', () => {
    expect(describeThreshold({ absolute_percentage: { percentage: '0.51', total_weight: 7 } }))
      .toEqual({ kind: 'absolute_percentage', totalWeight: 7, yesNeeded: null, text: '51% of the 7 weight not abstaining must vote yes' });
    expect(describeThreshold({ threshold_quorum: { threshold: '0.5', quorum: '0.3333', total_weight: 9 } }).text)
      .toBe('50% of the votes cast must be yes, with at least 33.33% of the 9 weight voting');
  });

  it('deadlines and voting periods', () => {
    expect(deadlineOf({ at_time: '1796598835181332428' })).toEqual({ kind: 'time', seconds: 1796598835 });
    expect(deadlineOf({ at_height: 120 })).toEqual({ kind: 'height', height: 120 });
    expect(deadlineOf({ never: {} })).toEqual({ kind: 'never' });
    expect(() => deadlineOf({ at_time: '17e9' })).toThrow(RangeError);
    expect([describeDuration({ time: 3600 }), describeDuration({ time: 270_061 }), describeDuration({ time: 0 }), describeDuration({ height: 1 })])
      .toEqual(['1 hour', '3 days 3 hours 1 minute 1 second', '0 seconds', '1 block']);
  });

  it('open, pending and passed proposals are active; executed and rejected ones past', () => {
    expect((['open', 'pending', 'passed', 'executed', 'rejected'] as const).map((status) => isActiveProposal({ status })))
      .toEqual([true, true, true, false, false]);
  });
});
