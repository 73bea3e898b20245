// The consortium's cw4-group and cw3-flex-multisig on a real wasmd node, through the generated
// clients: every query both schemas define is asked and the answers agree with each other and
// with the deployment file's `governance` section; the suite's four contracts have the multisig as
// their admin and their wasmd admin; a member proposes one proposal holding every message of
// test/governance-cases.ts, which reads back from the chain exactly as sent and decodes as the
// cases say, and the other members vote no until the multisig rejects it (nothing is executed).
// With DIACHAIN_RECORD_FIXTURE=1 the proposal as the chain returns it is written to
// test/fixtures/governance-proposal.json for the unit tests.
// Skipped unless DIACHAIN_CHAIN_ID names a local network whose deployment has a `governance`
// section; needs the test keyring to hold the proposer's key and enough other members' keys to
// reject (a no weight above total − threshold).
import { writeFileSync } from 'node:fs';

import { CosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { DirectSecp256k1HdWallet } from '@cosmjs/proto-signing';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  ConsentQueryClient, Cw3FlexMultisigClient, Cw3FlexMultisigQueryClient, Cw4GroupQueryClient, DataUnionQueryClient,
  DeviceRegistryQueryClient, ReadingAnchorsQueryClient, decodeProposalMessage, describeThreshold, listAllMembers, listAllProposals,
  listAllVoters, listAllVotes, tallyVotes, type KnownContracts,
} from '../../src/index.js';
import { CASES, type CaseContext } from '../governance-cases.js';
import { Actor, Network, actor, chainTime, loadNetwork, nanos } from './network.js';
import { RecordingClient, schemaQueries } from './recording.js';

const CHAIN_ID = process.env.DIACHAIN_CHAIN_ID;
const net: Network | null = CHAIN_ID ? loadNetwork(CHAIN_ID) : null;
if (net && !net.governance) console.warn(`governance live tests skipped: deployments/${CHAIN_ID}.json has no governance section`);

describe.skipIf(!net?.governance)('live: the consortium\'s group and multisig', () => {
  const gov = net!.governance!;
  let raw: CosmWasmClient;
  let q: RecordingClient;
  let group: Cw4GroupQueryClient;
  let multisig: Cw3FlexMultisigQueryClient;
  let known: Required<KnownContracts>;

  beforeAll(async () => {
    raw = await CosmWasmClient.connect(net!.rpc);
    q = new RecordingClient(raw);
    group = new Cw4GroupQueryClient(q, gov.group.address);
    multisig = new Cw3FlexMultisigQueryClient(q, gov.multisig.address);
    const c = net!.contracts;
    known = {
      'device-registry': c.registry, 'reading-anchors': c.anchors, consent: c.consent, 'data-union': c.union,
      group: gov.group.address, multisig: gov.multisig.address,
    };
  });

  it('the group, the multisig and the deployment file agree', async () => {
    const members = await listAllMembers(group);
    expect(members.complete).toBe(true);
    expect(members.items.length).toBeGreaterThan(0);
    const voters = await listAllVoters(multisig);
    expect(voters.items.map((v) => [v.addr, v.weight])).toEqual(members.items.map((m) => [m.addr, m.weight]));
    const total = members.items.reduce((n, m) => n + m.weight, 0);
    expect((await group.totalWeight({})).weight).toBe(total);
    for (const m of members.items) {
      expect((await group.member({ addr: m.addr })).weight).toBe(m.weight);
      expect((await multisig.voter({ address: m.addr })).weight).toBe(m.weight);
    }
    expect((await group.member({ addr: gov.multisig.address })).weight ?? null).toBeNull();
    expect((await group.admin()).admin).toBe(gov.multisig.address);
    expect(Array.isArray((await group.hooks()).hooks)).toBe(true);
    const config = await multisig.config();
    expect(config.group_addr).toBe(gov.group.address);
    expect(config.threshold).toEqual({ absolute_count: { weight: gov.threshold } });
    expect(config.max_voting_period).toEqual({ time: gov.max_voting_period_secs });
    const threshold = describeThreshold(await multisig.threshold());
    expect([threshold.yesNeeded, threshold.totalWeight]).toEqual([gov.threshold, total]);
  });

  it('the multisig is admin of every contract of the suite, in the contract and in wasmd', async () => {
    const c = net!.contracts;
    const configs = [
      await new DeviceRegistryQueryClient(raw, c.registry).config(), await new ReadingAnchorsQueryClient(raw, c.anchors).config(),
      await new ConsentQueryClient(raw, c.consent).config(), await new DataUnionQueryClient(raw, c.union).config(),
    ];
    expect(configs.map((x) => x.admin)).toEqual(Array(4).fill(gov.multisig.address));
    for (const address of Object.values(c)) expect((await raw.getContract(address)).admin).toBe(gov.multisig.address);
  });

  it('a proposal of every admin message reads back as sent, decodes as the cases say, and the others\' no rejects it', async () => {
    const names = net!.keyNames();
    const members = (await listAllMembers(group)).items.filter((m) => m.weight > 0 && names.has(m.addr));
    expect(members.length, 'the test keyring holds no member key').toBeGreaterThan(0);
    const [proposer, ...others] = await Promise.all(members.map((m) => actor(net!, names.get(m.addr)!, net!.mnemonic(names.get(m.addr)!))));
    const fresh = async () => (await (await DirectSecp256k1HdWallet.generate(12, { prefix: 'wasm' })).getAccounts())[0]!.address;
    const ctx: CaseContext = {
      known, someone: await fresh(), other: await fresh(),
      codeId: (await raw.getContract(known.consent)).codeId, revokedAt: nanos((await chainTime(raw)) - 3600),
    };
    const sent = CASES.map((k) => k.msg(ctx));
    const ms = new Cw3FlexMultisigClient(proposer!.client, proposer!.address, gov.multisig.address);
    const res = (await ms.propose({ title: 'Every admin message (ts client live test)', description: 'Decoded by the client; rejected, never executed.', msgs: sent }, 'auto')) as { events: { attributes: { key: string; value: string }[] }[] };
    const id = Number(res.events.flatMap((e) => e.attributes).find((a) => a.key === 'proposal_id')?.value);
    expect(Number.isSafeInteger(id)).toBe(true);

    const proposal = await multisig.proposal({ proposalId: id });
    expect(proposal.msgs).toEqual(sent);
    expect([proposal.status, proposal.proposer]).toEqual(['open', proposer!.address]);
    CASES.forEach((k, i) => {
      const d = decodeProposalMessage(proposal.msgs[i], known);
      expect({ kind: d.kind, text: d.text, ...(d.reason ? { reason: d.reason } : {}) }, k.name).toEqual(k.expected(ctx));
    });
    expect((await multisig.vote({ proposalId: id, voter: proposer!.address })).vote?.vote).toBe('yes');
    expect((await listProposalsBothWays()).some((p) => p.id === id && p.status === 'open')).toBe(true);

    const rejected = await rejectWithNo(id, others);
    expect(rejected.status).toBe('rejected');
    const votes = (await listAllVotes(multisig, id)).items;
    const tally = tallyVotes(votes);
    expect(tally.yes).toBe(members.find((m) => m.addr === proposer!.address)!.weight);
    expect(tally.no).toBeGreaterThan(describeThreshold(rejected.threshold).totalWeight - gov.threshold);
    if (process.env.DIACHAIN_RECORD_FIXTURE) {
      const recorded = { chain_id: net!.chainId, query: { proposal: { proposal_id: id } }, context: ctx, proposal, votes };
      writeFileSync(new URL('../fixtures/governance-proposal.json', import.meta.url), `${JSON.stringify(recorded, null, 2)}\n`);
    }
  }, 120_000);

  it('every query of cw4-group and cw3-flex-multisig was asked', () => {
    expect([...(q.asked.get(gov.group.address) ?? [])].sort()).toEqual(schemaQueries('cw-plus/cw4-group.json'));
    expect([...(q.asked.get(gov.multisig.address) ?? [])].sort()).toEqual(schemaQueries('cw-plus/cw3-flex-multisig.json'));
  });

  /** list_proposals and reverse_proposals read to the end give the same proposals in opposite orders. */
  async function listProposalsBothWays() {
    const newest = await listAllProposals(multisig);
    const oldest = await listAllProposals(multisig, { order: 'oldest' });
    expect(newest.complete && oldest.complete).toBe(true);
    expect(newest.items.map((p) => p.id)).toEqual(oldest.items.map((p) => p.id).reverse());
    return newest.items;
  }

  /** Members vote no, one after another, until the multisig reads the proposal rejected. */
  async function rejectWithNo(id: number, voters: Actor[]) {
    for (const voter of voters) {
      await new Cw3FlexMultisigClient(voter.client, voter.address, gov.multisig.address).vote({ proposalId: id, vote: 'no' }, 'auto');
      const p = await multisig.proposal({ proposalId: id });
      if (p.status === 'rejected') return p;
    }
    throw new Error(`proposal ${id} is still not rejected after every member in the test keyring voted no`);
  }
});
