// The local network the live tests run against: .chain/<id>/network.env, deployments/<id>.json
// and the test keyring's mnemonics in .chain/<id>/logs/key-<name>.json (as scripts/chain.sh and
// scripts/deploy.sh write them).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { DirectSecp256k1HdWallet } from '@cosmjs/proto-signing';
import { GasPrice } from '@cosmjs/stargate';

import { accountParser } from '../../src/index.js';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Network {
  chainId: string;
  rpc: string;
  denom: string;
  gasPrice: GasPrice;
  contracts: { registry: string; anchors: string; consent: string; union: string };
  /** The deployment's `governance` section, when the suite is governed by a multisig. */
  governance: Governance | null;
  mnemonic(name: string): string;
  /** The test keyring's key names by address (validators left out). */
  keyNames(): Map<string, string>;
}

/** A deployment file's `governance` section (scripts/deploy.sh --governance). */
export interface Governance {
  group: { code_id: number; checksum: string; address: string; label: string };
  multisig: { code_id: number; checksum: string; address: string; label: string };
  members: { addr: string; weight: number }[];
  threshold: number;
  max_voting_period_secs: number;
}

function readOrFail(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} is missing: ${path} (start the network with scripts/chain.sh and deploy with scripts/deploy.sh)`);
  return readFileSync(path, 'utf8');
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

interface Deployment { contracts: Record<string, { address: string }>; governance?: Governance }

export function loadNetwork(chainId: string): Network {
  const env = parseEnv(readOrFail(`${REPO}.chain/${chainId}/network.env`, 'network.env'));
  const deployment = JSON.parse(readOrFail(`${REPO}deployments/${chainId}.json`, 'the deployment file')) as Deployment;
  const address = (name: string) => {
    const a = deployment.contracts[name]?.address;
    if (!a) throw new Error(`deployments/${chainId}.json has no ${name} address`);
    return a;
  };
  const need = (k: string) => env[k] ?? (() => { throw new Error(`network.env has no ${k}`); })();
  return {
    chainId,
    rpc: need('DIACHAIN_NODE'),
    denom: need('DIACHAIN_DENOM'),
    gasPrice: GasPrice.fromString(need('DIACHAIN_GAS_PRICE')),
    contracts: { registry: address('device-registry'), anchors: address('reading-anchors'), consent: address('consent'), union: address('data-union') },
    governance: deployment.governance ?? null,
    keyNames: () => keyNames(chainId),
    mnemonic: (name) => {
      const key = JSON.parse(readOrFail(`${REPO}.chain/${chainId}/logs/key-${name}.json`, `the ${name} key`)) as { mnemonic?: string };
      if (!key.mnemonic) throw new Error(`key-${name}.json has no mnemonic`);
      return key.mnemonic;
    },
  };
}

function keyNames(chainId: string): Map<string, string> {
  const logs = `${REPO}.chain/${chainId}/logs`;
  const out = new Map<string, string>();
  for (const file of readdirSync(logs).sort()) {
    const m = /^key-(.+)\.json$/.exec(file);
    if (!m || m[1]!.startsWith('validator')) continue;
    const key = JSON.parse(readFileSync(`${logs}/${file}`, 'utf8')) as { address?: string };
    if (typeof key.address === 'string') out.set(key.address, m[1]!);
  }
  return out;
}

export interface Actor {
  name: string;
  address: string;
  client: SigningCosmWasmClient;
}

export async function actor(net: Network, name: string, mnemonic?: string): Promise<Actor> {
  const wallet = mnemonic
    ? await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: 'wasm' })
    : await DirectSecp256k1HdWallet.generate(12, { prefix: 'wasm' });
  const [account] = await wallet.getAccounts();
  const client = await SigningCosmWasmClient.connectWithSigner(net.rpc, wallet, { gasPrice: net.gasPrice, accountParser });
  return { name, address: account!.address, client };
}

/** The consortium sends each address `amount` of the fee denom, in one transaction. */
export async function fund(net: Network, from: Actor, to: string[], amount: number): Promise<void> {
  const msgs = to.map((toAddress) => ({
    typeUrl: '/cosmos.bank.v1beta1.MsgSend',
    value: { fromAddress: from.address, toAddress, amount: [{ denom: net.denom, amount: String(amount) }] },
  }));
  const res = await from.client.signAndBroadcast(from.address, msgs, 'auto', 'ts client live tests: fund fresh accounts');
  if (res.code !== 0) throw new Error(`funding failed: code ${res.code}: ${res.rawLog ?? ''}`);
}

/** The chain's latest block time, unix seconds. */
export async function chainTime(client: CosmWasmClient | SigningCosmWasmClient): Promise<number> {
  const block = await client.getBlock();
  return Math.floor(Date.parse(block.header.time) / 1000);
}

/** A unix time in seconds as a cosmwasm `Timestamp` (nanoseconds, as a string). */
export const nanos = (seconds: number): string => `${BigInt(seconds) * 1_000_000_000n}`;

/** Moves a local network's clock `seconds` ahead (scripts/chain.sh advance-clock restarts its
 * nodes that far ahead) and returns the chain's time once a block carries it. The restart closes
 * the keep-alive connections every client of this process holds to the node (they share fetch's
 * pool): the first requests on them fail ("other side closed") and drop them, so this asks until
 * five answers in a row come back before the test goes on. */
export async function advanceClock(net: Network, client: CosmWasmClient, seconds: number): Promise<number> {
  execFileSync('bash', [`${REPO}scripts/chain.sh`, 'advance-clock', String(Math.ceil(seconds)), '--chain-id', net.chainId], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  let time = 0;
  for (let attempt = 0, inARow = 0; inARow < 5; attempt++) {
    try {
      time = await chainTime(client);
      inARow++;
    } catch (e) {
      if (attempt >= 30) throw e;
      inARow = 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return time;
}
