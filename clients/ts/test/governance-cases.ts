// One proposal's worth of messages, each with what the decoder must say of it: every admin
// message of the four contracts and the group, wasmd's migrate and admin changes, and messages
// that must read as unknown (not an admin message, another contract, a bank transfer, JSON that is
// not JSON, a role the registry does not have). The live test proposes exactly these on a real
// multisig and records what the chain returns (test/fixtures/governance-proposal.json); the unit
// test decodes that recording.
import type { Cw3FlexMultisigTypes, KnownContracts } from '../src/index.js';
import { toBase64 } from '../src/index.js';

/** What the cases refer to: the deployment's contracts and a few addresses. */
export interface CaseContext {
  known: Required<KnownContracts>;
  /** An address outside the deployment (a fresh account). */
  someone: string;
  /** Another one. */
  other: string;
  /** The code id the consent contract is migrated to. */
  codeId: number;
  /** A revocation time (cosmwasm Timestamp: nanoseconds). */
  revokedAt: string;
}

export interface Expected {
  kind: 'execute' | 'migrate' | 'update_admin' | 'clear_admin' | 'unknown';
  text: string;
  reason?: string;
}

export interface Case {
  name: string;
  msg: (c: CaseContext) => Cw3FlexMultisigTypes.CosmosMsgForEmpty;
  expected: (c: CaseContext) => Expected;
}

const json = (o: unknown) => toBase64(new TextEncoder().encode(JSON.stringify(o)));
const exec = (contract: string, msg: unknown, funds: Cw3FlexMultisigTypes.Coin[] = []): Cw3FlexMultisigTypes.CosmosMsgForEmpty =>
  ({ wasm: { execute: { contract_addr: contract, msg: json(msg), funds } } });
const admin = (text: string): Expected => ({ kind: 'execute', text });

export const CASES: Case[] = [
  {
    name: 'registry: admit a manufacturer',
    msg: (c) => exec(c.known['device-registry'], { admit_participant: { address: c.someone, label: 'Acme Sensors', role: 'manufacturer' } }),
    expected: (c) => admin(`device-registry: admit manufacturer ${c.someone} labelled “Acme Sensors”`),
  },
  {
    name: 'registry: admit a relayer',
    msg: (c) => exec(c.known['device-registry'], { admit_participant: { address: c.other, label: 'Hospital B relayer', role: 'relayer' } }),
    expected: (c) => admin(`device-registry: admit relayer ${c.other} labelled “Hospital B relayer”`),
  },
  {
    name: 'registry: suspend a relayer',
    msg: (c) => exec(c.known['device-registry'], { suspend_participant: { address: c.other, reason: 'late anchoring', role: 'relayer' } }),
    expected: (c) => admin(`device-registry: suspend relayer ${c.other} (reason: "late anchoring")`),
  },
  {
    name: 'registry: reinstate a relayer',
    msg: (c) => exec(c.known['device-registry'], { reinstate_participant: { address: c.other, role: 'relayer' } }),
    expected: (c) => admin(`device-registry: reinstate relayer ${c.other}`),
  },
  {
    name: 'registry: remove a manufacturer',
    msg: (c) => exec(c.known['device-registry'], { remove_participant: { address: c.someone, role: 'manufacturer' } }),
    expected: (c) => admin(`device-registry: remove manufacturer ${c.someone}`),
  },
  {
    name: 'registry: suspend a device',
    msg: (c) => exec(c.known['device-registry'], { suspend_device: { device_id: 'cgm-7f3a9c2e51d04b88', reason: 'suspected_compromise' } }),
    expected: () => admin('device-registry: suspend device "cgm-7f3a9c2e51d04b88" (reason: suspected compromise)'),
  },
  {
    name: 'registry: reactivate a device',
    msg: (c) => exec(c.known['device-registry'], { reactivate_device: { device_id: 'cgm-7f3a9c2e51d04b88' } }),
    expected: () => admin('device-registry: reactivate device "cgm-7f3a9c2e51d04b88"'),
  },
  {
    name: 'registry: revoke a device from a time',
    msg: (c) => exec(c.known['device-registry'], { revoke_device: { device_id: 'pump-01', reason: 'recalled', effective_at: c.revokedAt } }),
    expected: (c) => admin(`device-registry: revoke device "pump-01" for good (reason: recalled; effective ${new Date(Number(BigInt(c.revokedAt) / 1_000_000n)).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '')} UTC)`),
  },
  {
    name: 'registry: revoke a device now',
    msg: (c) => exec(c.known['device-registry'], { revoke_device: { device_id: 'pump-02', reason: 'lost' } }),
    expected: () => admin('device-registry: revoke device "pump-02" for good (reason: lost; effective now)'),
  },
  {
    name: 'registry: offer the admin role',
    msg: (c) => exec(c.known['device-registry'], { transfer_admin: { new_admin: c.someone } }),
    expected: (c) => admin(`device-registry: propose ${c.someone} as admin (it becomes admin when it accepts)`),
  },
  {
    name: 'registry: cancel the admin transfer',
    msg: (c) => exec(c.known['device-registry'], { cancel_admin_transfer: {} }),
    expected: () => admin('device-registry: cancel the pending admin transfer'),
  },
  {
    name: 'registry: accept the admin role',
    msg: (c) => exec(c.known['device-registry'], { accept_admin: {} }),
    expected: () => admin('device-registry: accept the admin role offered to the multisig'),
  },
  {
    name: 'anchors: add a listener',
    msg: (c) => exec(c.known['reading-anchors'], { add_listener: { address: c.known['data-union'] } }),
    expected: (c) => admin(`reading-anchors: add listener ${c.known['data-union']}`),
  },
  {
    name: 'anchors: remove a listener',
    msg: (c) => exec(c.known['reading-anchors'], { remove_listener: { address: c.someone } }),
    expected: (c) => admin(`reading-anchors: remove listener ${c.someone}`),
  },
  {
    name: 'anchors: set sampling limits',
    msg: (c) => exec(c.known['reading-anchors'], { set_sampling_limits: { limits: [{ kind: 'cgm', min_interval_seconds: 60 }, { kind: 'pump', min_interval_seconds: 1 }] } }),
    expected: () => admin('reading-anchors: set sampling limits: cgm readings at least 60 s apart, pump readings at least 1 s apart'),
  },
  {
    name: 'anchors: offer the admin role',
    msg: (c) => exec(c.known['reading-anchors'], { transfer_admin: { new_admin: c.other } }),
    expected: (c) => admin(`reading-anchors: propose ${c.other} as admin (it becomes admin when it accepts)`),
  },
  {
    name: 'consent: admit an emergency provider',
    msg: (c) => exec(c.known.consent, { admit_member: { address: c.someone, role: 'emergency_provider' } }),
    expected: (c) => admin(`consent: admit emergency provider ${c.someone}`),
  },
  {
    name: 'consent: remove a custodian',
    msg: (c) => exec(c.known.consent, { remove_member: { address: c.other, role: 'custodian' } }),
    expected: (c) => admin(`consent: remove custodian ${c.other}`),
  },
  {
    name: 'consent: set the listeners',
    msg: (c) => exec(c.known.consent, { set_listeners: { listeners: [c.known['data-union']] } }),
    expected: (c) => admin(`consent: set listeners to ${c.known['data-union']}`),
  },
  {
    name: 'consent: cancel the admin transfer',
    msg: (c) => exec(c.known.consent, { cancel_admin_transfer: {} }),
    expected: () => admin('consent: cancel the pending admin transfer'),
  },
  {
    name: 'union: a new treasury and admin',
    msg: (c) => exec(c.known['data-union'], { update_config: { admin: c.known.multisig, treasury: c.someone } }),
    expected: (c) => admin(`data-union: update config: admin to ${c.known.multisig}, treasury to ${c.someone}`),
  },
  {
    name: 'group: add and remove members',
    msg: (c) => exec(c.known.group, { update_members: { add: [{ addr: c.someone, weight: 1 }], remove: [c.other] } }),
    expected: (c) => admin(`group: add or re-weight ${c.someone} (weight 1); remove ${c.other}`),
  },
  {
    name: 'group: a new group admin',
    msg: (c) => exec(c.known.group, { update_admin: { admin: c.known.multisig } }),
    expected: (c) => admin(`group: make ${c.known.multisig} the group admin`),
  },
  {
    name: 'group: a membership hook',
    msg: (c) => exec(c.known.group, { add_hook: { addr: c.known.multisig } }),
    expected: (c) => admin(`group: add membership hook ${c.known.multisig}`),
  },
  {
    name: 'wasm: migrate consent',
    msg: (c) => ({ wasm: { migrate: { contract_addr: c.known.consent, new_code_id: c.codeId, msg: json({}) } } }),
    expected: (c) => ({ kind: 'migrate', text: `migrate consent to code ${c.codeId}` }),
  },
  {
    name: 'wasm: the multisig becomes the union\'s wasmd admin',
    msg: (c) => ({ wasm: { update_admin: { contract_addr: c.known['data-union'], admin: c.known.multisig } } }),
    expected: (c) => ({ kind: 'update_admin', text: `make ${c.known.multisig} the wasmd admin of data-union (who may migrate it)` }),
  },
  {
    name: 'wasm: clear the registry\'s wasmd admin',
    msg: (c) => ({ wasm: { clear_admin: { contract_addr: c.known['device-registry'] } } }),
    expected: () => ({ kind: 'clear_admin', text: 'clear the wasmd admin of device-registry (no one can migrate it again)' }),
  },
  {
    name: 'unknown: a patient\'s message to consent',
    msg: (c) => exec(c.known.consent, { revoke_grant: { grant_id: 7 } }),
    expected: () => ({ kind: 'unknown', text: 'consent: revoke_grant', reason: '"revoke_grant" is not an admin message of consent' }),
  },
  {
    name: 'unknown: another contract',
    msg: (c) => exec(c.someone, { admit_participant: { address: c.other, label: 'x', role: 'manufacturer' } }),
    expected: (c) => ({ kind: 'unknown', text: `execute on ${c.someone}, which is not a contract of this deployment`, reason: `${c.someone} is not one of the deployment's contracts` }),
  },
  {
    name: 'unknown: a bank transfer',
    msg: (c) => ({ bank: { send: { to_address: c.someone, amount: [{ denom: 'udia', amount: '1000' }] } } }),
    expected: () => ({ kind: 'unknown', text: 'a bank send message', reason: 'a bank message is not a consortium action this view knows' }),
  },
  {
    name: 'unknown: bytes that are not JSON',
    msg: (c) => ({ wasm: { execute: { contract_addr: c.known['reading-anchors'], msg: toBase64(new TextEncoder().encode('set limits please')), funds: [] } } }),
    expected: () => ({ kind: 'unknown', text: 'execute on reading-anchors: a message that could not be read', reason: 'the wasm execute\'s msg is not JSON: "set limits please"' }),
  },
  {
    name: 'unknown: a role the registry does not have',
    msg: (c) => exec(c.known['device-registry'], { admit_participant: { address: c.someone, label: 'Inspectorate', role: 'regulator' } }),
    expected: () => ({ kind: 'unknown', text: 'execute on device-registry: a message that could not be read', reason: 'device-registry\'s admit_participant\'s role "regulator" is not one of manufacturer, relayer' }),
  },
  {
    name: 'an admin message sending coins says so',
    msg: (c) => exec(c.known['reading-anchors'], { set_sampling_limits: { limits: [] } }, [{ denom: 'udia', amount: '5' }]),
    expected: () => admin('reading-anchors: set sampling limits for no kind (nothing changes), sending 5udia'),
  },
];
