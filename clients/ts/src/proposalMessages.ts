// What a multisig proposal would execute, in words. Each message of a proposal (a cosmwasm
// `CosmosMsg` as the cw3-flex-multisig returns it) is checked field by field against the message
// it claims to be — a wasm execute whose base64 JSON is an admin message of one of the four
// DiaChain contracts or of the group, a wasm migrate, a wasm admin change — and described:
// "device-registry: admit manufacturer wasm1… labelled “Acme”", "migrate consent to code 7".
// Anything else (another contract, a bank transfer, an unexpected field, a value the contract
// would not take, bad base64 or JSON) is `unknown`, with the reason: never a guess.
import { fromBase64, fromBech32 } from '@cosmjs/encoding';

/** The four contracts of the suite. */
export type SuiteContract = 'device-registry' | 'reading-anchors' | 'consent' | 'data-union';
/** The suite and the consortium's group and multisig. */
export type KnownContract = SuiteContract | 'group' | 'multisig';
/** The addresses of the deployment's contracts, by name. */
export type KnownContracts = Partial<Record<KnownContract, string>>;

/** A piece of a description: text, an address (for a frontend to name) or an amount of a coin
 * in its base denomination (for a frontend to show in its display unit). */
export type Segment = string | { address: string } | { amount: string; denom: string };

export interface DecodedMessage {
  /** `execute`: an admin message to a known contract; `migrate`, `update_admin`, `clear_admin`: wasmd's. */
  kind: 'execute' | 'migrate' | 'update_admin' | 'clear_admin' | 'unknown';
  /** The known contract it acts on (null when none). */
  contract: KnownContract | null;
  /** The address it acts on, when it names one. */
  contractAddress: string | null;
  /** The message's variant (`admit_participant`, `update_members`, …) for `execute`. */
  action: string | null;
  /** The description as text and addresses. */
  segments: Segment[];
  /** The description as plain text (addresses in full). */
  text: string;
  /** Why it is unknown (only for `unknown`). */
  reason: string | null;
  /** The decoded JSON of an execute's or a migrate's base64 `msg`, when it decoded. */
  inner: unknown;
}

/** A message that is not what it claims to be, with the reason. */
class Refused extends Error {}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new Refused(`${what} is not a JSON object`);
  return v;
}

/** The object's fields, checked: all of `required` present, nothing beyond `required` and `optional`. */
function fields(v: unknown, what: string, required: readonly string[], optional: readonly string[] = []): Obj {
  const o = obj(v, what);
  for (const k of required) if (!(k in o)) throw new Refused(`${what} has no ${k}`);
  const allowed = new Set([...required, ...optional]);
  const extra = Object.keys(o).filter((k) => !allowed.has(k));
  if (extra.length > 0) throw new Refused(`${what} has unexpected field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
  return o;
}

/** A one-key object (a Rust enum variant in JSON): its key and value. */
function variant(v: unknown, what: string): [string, unknown] {
  const o = obj(v, what);
  const keys = Object.keys(o);
  if (keys.length !== 1) throw new Refused(`${what} has ${keys.length} keys, not one`);
  return [keys[0]!, o[keys[0]!]];
}

function str(o: Obj, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new Refused(`${what}'s ${k} is not a string`);
  return v;
}

/** Longest address taken: bech32's own limit is 90 characters; contract addresses are 63 with `wasm`.
 * (cosmjs's default, Infinity, is refused by the bech32 library it uses.) */
const BECH32_MAX_LENGTH = 128;

function address(o: Obj, k: string, what: string): string {
  const v = str(o, k, what);
  try {
    fromBech32(v, BECH32_MAX_LENGTH);
  } catch {
    throw new Refused(`${what}'s ${k} ${JSON.stringify(v)} is not a bech32 address`);
  }
  return v;
}

function optAddress(o: Obj, k: string, what: string): string | null {
  return o[k] === undefined || o[k] === null ? null : address(o, k, what);
}

function whole(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new Refused(`${what} is not a whole number up to ${max}`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Refused(`${what} ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function array(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Refused(`${what} is not a list`);
  return v;
}

/** A cosmwasm `Timestamp` (nanoseconds as a decimal string) as UTC text. */
function timestamp(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^\d{1,20}$/.test(v) || BigInt(v) > 18_446_744_073_709_551_615n) throw new Refused(`${what} is not a timestamp`);
  const ms = Number(BigInt(v) / 1_000_000n);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new Refused(`${what} is not a timestamp`);
  return `${d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '')} UTC`;
}

interface Coin { denom: string; amount: string }

function coins(v: unknown, what: string): Coin[] {
  return array(v, what).map((c, i) => {
    const o = fields(c, `${what}[${i}]`, ['denom', 'amount']);
    const denom = str(o, 'denom', `${what}[${i}]`);
    const amount = str(o, 'amount', `${what}[${i}]`);
    if (!/^\d+$/.test(amount)) throw new Refused(`${what}[${i}]'s amount ${JSON.stringify(amount)} is not a whole number`);
    return { denom, amount };
  });
}

/** Base64 of UTF-8 JSON (a cosmwasm `Binary` holding a message), decoded strictly. */
function binaryJson(v: unknown, what: string): unknown {
  if (typeof v !== 'string') throw new Refused(`${what} is not base64 text`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(v);
  } catch {
    throw new Refused(`${what} is not valid base64`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Refused(`${what} is not UTF-8 text`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Refused(`${what} is not JSON: ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`);
  }
}

/** Builds segments: strings and `{ address }`s, joined into one list. */
const addr = (address: string): Segment => ({ address });

function list<T>(items: readonly T[], each: (item: T) => Segment[], separator = ', '): Segment[] {
  return items.flatMap((item, i) => (i === 0 ? each(item) : [separator, ...each(item)]));
}

// ---- the admin messages, per contract ----

type Describe = (args: unknown, what: string) => Segment[];

const PARTICIPANT_ROLES = ['manufacturer', 'relayer'] as const;
const CONSENT_ROLES = ['emergency_provider', 'custodian'] as const;
const DEVICE_KINDS = ['cgm', 'pump', 'pen', 'meter', 'wearable', 'gateway'] as const;
const SUSPENSION_REASONS = ['suspected_fault', 'suspected_compromise', 'misplaced', 'safety_notice', 'owner_paused', 'other'] as const;
const REVOCATION_REASONS = ['lost', 'stolen', 'compromised', 'recalled', 'retired'] as const;
const UINT32_MAX = 4_294_967_295;

const words = (s: string) => s.replace(/_/g, ' ');

/** The two-step admin handover every suite contract but the union has. */
const adminHandover: Record<string, Describe> = {
  transfer_admin: (a, w) => {
    const o = fields(a, w, ['new_admin']);
    return ['propose ', addr(address(o, 'new_admin', w)), ' as admin (it becomes admin when it accepts)'];
  },
  accept_admin: (a, w) => {
    fields(a, w, []);
    return ['accept the admin role offered to the multisig'];
  },
  cancel_admin_transfer: (a, w) => {
    fields(a, w, []);
    return ['cancel the pending admin transfer'];
  },
};

function participant(verb: string, withReason: boolean): Describe {
  return (a, w) => {
    const o = fields(a, w, withReason ? ['address', 'reason', 'role'] : ['address', 'role']);
    const role = oneOf(o.role, PARTICIPANT_ROLES, `${w}'s role`);
    const who: Segment[] = [`${verb} ${role} `, addr(address(o, 'address', w))];
    return withReason ? [...who, ` (reason: ${JSON.stringify(str(o, 'reason', w))})`] : who;
  };
}

const registry: Record<string, Describe> = {
  ...adminHandover,
  admit_participant: (a, w) => {
    const o = fields(a, w, ['address', 'label', 'role']);
    const role = oneOf(o.role, PARTICIPANT_ROLES, `${w}'s role`);
    return [`admit ${role} `, addr(address(o, 'address', w)), ` labelled “${str(o, 'label', w)}”`];
  },
  suspend_participant: participant('suspend', true),
  reinstate_participant: participant('reinstate', false),
  remove_participant: participant('remove', false),
  suspend_device: (a, w) => {
    const o = fields(a, w, ['device_id', 'reason']);
    const reason = oneOf(o.reason, SUSPENSION_REASONS, `${w}'s reason`);
    return [`suspend device ${JSON.stringify(str(o, 'device_id', w))} (reason: ${words(reason)})`];
  },
  reactivate_device: (a, w) => {
    const o = fields(a, w, ['device_id']);
    return [`reactivate device ${JSON.stringify(str(o, 'device_id', w))}`];
  },
  revoke_device: (a, w) => {
    const o = fields(a, w, ['device_id', 'reason'], ['effective_at']);
    const reason = oneOf(o.reason, REVOCATION_REASONS, `${w}'s reason`);
    const when = o.effective_at === undefined || o.effective_at === null ? 'now' : timestamp(o.effective_at, `${w}'s effective_at`);
    return [`revoke device ${JSON.stringify(str(o, 'device_id', w))} for good (reason: ${reason}; effective ${when})`];
  },
};

const anchors: Record<string, Describe> = {
  ...adminHandover,
  add_listener: (a, w) => ['add listener ', addr(address(fields(a, w, ['address']), 'address', w))],
  remove_listener: (a, w) => ['remove listener ', addr(address(fields(a, w, ['address']), 'address', w))],
  set_sampling_limits: (a, w) => {
    const limits = array(fields(a, w, ['limits']).limits, `${w}'s limits`).map((l, i) => {
      const o = fields(l, `${w}'s limits[${i}]`, ['kind', 'min_interval_seconds']);
      const kind = oneOf(o.kind, DEVICE_KINDS, `${w}'s limits[${i}].kind`);
      return `${kind} readings at least ${whole(o.min_interval_seconds, `${w}'s limits[${i}].min_interval_seconds`, UINT32_MAX)} s apart`;
    });
    return limits.length === 0 ? ['set sampling limits for no kind (nothing changes)'] : [`set sampling limits: ${limits.join(', ')}`];
  },
};

const consent: Record<string, Describe> = {
  ...adminHandover,
  admit_member: (a, w) => {
    const o = fields(a, w, ['address', 'role']);
    return [`admit ${words(oneOf(o.role, CONSENT_ROLES, `${w}'s role`))} `, addr(address(o, 'address', w))];
  },
  remove_member: (a, w) => {
    const o = fields(a, w, ['address', 'role']);
    return [`remove ${words(oneOf(o.role, CONSENT_ROLES, `${w}'s role`))} `, addr(address(o, 'address', w))];
  },
  set_listeners: (a, w) => {
    const ls = array(fields(a, w, ['listeners']).listeners, `${w}'s listeners`).map((l, i) => {
      if (typeof l !== 'string') throw new Refused(`${w}'s listeners[${i}] is not a string`);
      return address({ l }, 'l', `${w}'s listeners[${i}]`);
    });
    return ls.length === 0 ? ['set listeners to none'] : ['set listeners to ', ...list(ls, (l) => [addr(l)])];
  },
};

const union: Record<string, Describe> = {
  update_config: (a, w) => {
    const o = fields(a, w, [], ['admin', 'anchors', 'consent', 'treasury']);
    const changes = (['admin', 'anchors', 'consent', 'treasury'] as const)
      .map((k) => [k, optAddress(o, k, w)] as const)
      .filter((c): c is readonly [typeof c[0], string] => c[1] !== null);
    if (changes.length === 0) return ['update config with no change'];
    return ['update config: ', ...list(changes, ([k, v]) => [`${k} to `, addr(v)])];
  },
};

const group: Record<string, Describe> = {
  update_members: (a, w) => {
    const o = fields(a, w, ['add', 'remove']);
    const add = array(o.add, `${w}'s add`).map((m, i) => {
      const mo = fields(m, `${w}'s add[${i}]`, ['addr', 'weight']);
      return { addr: address(mo, 'addr', `${w}'s add[${i}]`), weight: whole(mo.weight, `${w}'s add[${i}].weight`) };
    });
    const remove = array(o.remove, `${w}'s remove`).map((r, i) => address({ r }, 'r', `${w}'s remove[${i}]`));
    if (add.length === 0 && remove.length === 0) return ['update members with no change'];
    const parts: Segment[][] = [];
    if (add.length > 0) parts.push(['add or re-weight ', ...list(add, (m) => [addr(m.addr), ` (weight ${m.weight})`])]);
    if (remove.length > 0) parts.push(['remove ', ...list(remove, (r) => [addr(r)])]);
    return list(parts, (p) => p, '; ');
  },
  update_admin: (a, w) => {
    const admin = optAddress(fields(a, w, [], ['admin']), 'admin', w);
    return admin === null ? ['clear the group admin (no one can change the members again)'] : ['make ', addr(admin), ' the group admin'];
  },
  add_hook: (a, w) => ['add membership hook ', addr(address(fields(a, w, ['addr']), 'addr', w))],
  remove_hook: (a, w) => ['remove membership hook ', addr(address(fields(a, w, ['addr']), 'addr', w))],
};

/** The admin messages this decoder knows, per contract (the multisig takes none through proposals). */
const ADMIN_MESSAGES: Record<KnownContract, Record<string, Describe>> = {
  'device-registry': registry,
  'reading-anchors': anchors,
  consent,
  'data-union': union,
  group,
  multisig: {},
};

// ---- the wasm messages ----

function nameOf(known: KnownContracts, address: string): KnownContract | null {
  for (const [name, a] of Object.entries(known) as [KnownContract, string | undefined][]) if (a === address) return name;
  return null;
}

function text(segments: readonly Segment[]): string {
  return segments.map((s) => (typeof s === 'string' ? s : 'address' in s ? s.address : `${s.amount}${s.denom}`)).join('');
}

function decoded(d: Omit<DecodedMessage, 'text'>): DecodedMessage {
  const segments = d.segments.filter((s) => s !== '');
  return { ...d, segments, text: text(segments) };
}

/** The segments naming a contract: its name, or its address when it is not one of the deployment's. */
const target = (name: KnownContract | null, address: string): Segment[] => (name ? [name] : ['contract ', addr(address)]);

function fundsSegments(funds: Coin[]): Segment[] {
  return funds.length === 0 ? [] : [', sending ', ...list(funds, (c) => [{ amount: c.amount, denom: c.denom }], ' + ')];
}

function decodeExecute(args: unknown, known: KnownContracts): DecodedMessage {
  const w = 'the wasm execute';
  const o = fields(args, w, ['contract_addr', 'msg', 'funds']);
  const contractAddress = str(o, 'contract_addr', w);
  const contract = nameOf(known, contractAddress);
  const on = target(contract, contractAddress);
  let inner: unknown = null;
  let action: string | null = null;
  try {
    const funds = coins(o.funds, `${w}'s funds`);
    inner = binaryJson(o.msg, `${w}'s msg`);
    if (contract === null) {
      return unknown(['execute on ', addr(contractAddress), ', which is not a contract of this deployment'],
        `${contractAddress} is not one of the deployment's contracts`, { contractAddress, inner });
    }
    const [name, actionArgs] = variant(inner, `the message to ${contract}`);
    action = name;
    const describe = ADMIN_MESSAGES[contract][name];
    if (!describe) {
      return unknown([`${contract}: ${name}`], `${JSON.stringify(name)} is not an admin message of ${contract}`, { contract, contractAddress, inner, action });
    }
    const segments = [`${contract}: `, ...describe(actionArgs, `${contract}'s ${name}`), ...fundsSegments(funds)];
    return decoded({ kind: 'execute', contract, contractAddress, action, inner, reason: null, segments });
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return unknown(['execute on ', ...on, ': a message that could not be read'], e.message, { contract, contractAddress, inner, action });
  }
}

function decodeMigrate(args: unknown, known: KnownContracts): DecodedMessage {
  const w = 'the wasm migrate';
  const o = fields(args, w, ['contract_addr', 'new_code_id', 'msg']);
  const contractAddress = str(o, 'contract_addr', w);
  const code = whole(o.new_code_id, `${w}'s new_code_id`);
  const inner = binaryJson(o.msg, `${w}'s msg`);
  const contract = nameOf(known, contractAddress);
  const withMsg = isObj(inner) && Object.keys(inner).length === 0 ? '' : ` with migrate message ${JSON.stringify(inner)}`;
  const segments: Segment[] = ['migrate ', ...target(contract, contractAddress), ` to code ${code}${withMsg}`];
  if (contract === null) return unknown(segments, `${contractAddress} is not one of the deployment's contracts`, { contract, contractAddress, inner, action: 'migrate' });
  return decoded({ kind: 'migrate', contract, contractAddress, action: 'migrate', reason: null, inner, segments });
}

function decodeAdminChange(kind: 'update_admin' | 'clear_admin', args: unknown, known: KnownContracts): DecodedMessage {
  const w = `the wasm ${kind}`;
  const o = fields(args, w, kind === 'update_admin' ? ['contract_addr', 'admin'] : ['contract_addr']);
  const contractAddress = str(o, 'contract_addr', w);
  const contract = nameOf(known, contractAddress);
  const segments: Segment[] = kind === 'update_admin'
    ? ['make ', addr(address(o, 'admin', w)), ' the wasmd admin of ', ...target(contract, contractAddress), ' (who may migrate it)']
    : ['clear the wasmd admin of ', ...target(contract, contractAddress), ' (no one can migrate it again)'];
  if (contract === null) return unknown(segments, `${contractAddress} is not one of the deployment's contracts`, { contract, contractAddress, inner: null, action: kind });
  return decoded({ kind, contract, contractAddress, action: kind, reason: null, inner: null, segments });
}

function unknown(segments: Segment[], reason: string, d: Partial<DecodedMessage> = {}): DecodedMessage {
  return decoded({
    kind: 'unknown', contract: d.contract ?? null, contractAddress: d.contractAddress ?? null, action: d.action ?? null,
    inner: d.inner ?? null, reason, segments,
  });
}

/**
 * One proposal message (a `CosmosMsg` in its JSON form) in words, checked against what it claims
 * to be. `known` names the deployment's contracts; a message to any other address, or of any
 * other kind, is `unknown`.
 */
export function decodeProposalMessage(msg: unknown, known: KnownContracts): DecodedMessage {
  try {
    const [family, body] = variant(msg, 'the message');
    if (family !== 'wasm') {
      const kind = isObj(body) && Object.keys(body).length === 1 ? ` ${Object.keys(body)[0]!}` : '';
      return unknown([`a ${family}${kind} message`], `a ${family} message is not a consortium action this view knows`, { inner: body });
    }
    const [kind, args] = variant(body, 'the wasm message');
    switch (kind) {
      case 'execute': return decodeExecute(args, known);
      case 'migrate': return decodeMigrate(args, known);
      case 'update_admin':
      case 'clear_admin': return decodeAdminChange(kind, args, known);
      default: return unknown([`a wasm ${kind} message`], `a wasm ${kind} is not a consortium action this view knows`, { action: kind });
    }
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return unknown(['a message that could not be read'], e.message);
  }
}

/** Every message of a proposal, decoded. */
export function decodeProposalMessages(msgs: readonly unknown[], known: KnownContracts): DecodedMessage[] {
  return msgs.map((m) => decodeProposalMessage(m, known));
}
