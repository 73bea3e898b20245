// The consortium acting as admin in the live tests: on a single-key deployment the `consortium`
// key sends each message itself; on a deployment governed by the multisig (a `governance`
// section) a member proposes the messages, members vote yes until the proposal passes, and a
// member executes it — the messages then come from the multisig, as on a real network.
import { Cw3FlexMultisigClient, Cw3FlexMultisigQueryClient, listAllMembers, Cw4GroupQueryClient, toBase64 } from '../../src/index.js';
import { Actor, Network, actor } from './network.js';

export interface AdminMessage {
  contract: string;
  msg: Record<string, unknown>;
}

/** The admin address the suite's contracts should report: the multisig, or the consortium key. */
export function expectedAdmin(net: Network, consortium: Actor): string {
  return net.governance?.multisig.address ?? consortium.address;
}

/** Sends the admin messages as the consortium does on this deployment; the proposal id, if any. */
export async function asConsortium(net: Network, consortium: Actor, msgs: AdminMessage[], title: string): Promise<number | null> {
  const gov = net.governance;
  if (!gov) {
    for (const m of msgs) await consortium.client.execute(consortium.address, m.contract, m.msg, 'auto');
    return null;
  }
  const names = net.keyNames();
  const members = (await listAllMembers(new Cw4GroupQueryClient(consortium.client, gov.group.address))).items
    .filter((m) => m.weight > 0 && names.has(m.addr));
  if (members.length === 0) throw new Error('the test keyring holds no member of the consortium group');
  const voters = await Promise.all(members.map((m) => actor(net, names.get(m.addr)!, net.mnemonic(names.get(m.addr)!))));
  const [proposer, ...others] = voters;
  const cosmos = msgs.map((m) => ({ wasm: { execute: { contract_addr: m.contract, msg: toBase64(new TextEncoder().encode(JSON.stringify(m.msg))), funds: [] } } }));
  const res = (await new Cw3FlexMultisigClient(proposer!.client, proposer!.address, gov.multisig.address)
    .propose({ title, description: 'ts client live tests', msgs: cosmos }, 'auto')) as { events: { attributes: { key: string; value: string }[] }[] };
  const id = Number(res.events.flatMap((e) => e.attributes).find((a) => a.key === 'proposal_id')?.value);
  if (!Number.isSafeInteger(id)) throw new Error('the proposal named no proposal_id');
  const query = new Cw3FlexMultisigQueryClient(consortium.client, gov.multisig.address);
  for (const voter of others) {
    if ((await query.proposal({ proposalId: id })).status !== 'open') break;
    await new Cw3FlexMultisigClient(voter.client, voter.address, gov.multisig.address).vote({ proposalId: id, vote: 'yes' }, 'auto');
  }
  const status = (await query.proposal({ proposalId: id })).status;
  if (status !== 'passed') throw new Error(`proposal ${id} is ${status}, not passed, after every member in the test keyring voted yes`);
  await new Cw3FlexMultisigClient(proposer!.client, proposer!.address, gov.multisig.address).execute({ proposalId: id }, 'auto');
  return id;
}
