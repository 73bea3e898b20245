// Who signs: a Keplr-compatible browser wallet (window.keplr) on any network, or, on a local
// network only, an account of the test keyring that web/serve.mjs offers. Requests to the relayer
// are signed at once; the transaction signer (cosmjs) is loaded when the first transaction is.
import { fromBase64 } from "@cosmjs/encoding";
import type { OfflineSigner } from "@cosmjs/proto-signing";
import { arbitrarySigner, rawKeySigner, type RequestSigner, type SignArbitraryFn } from "@diachain/client";
import type { AppConfig, LocalAccount } from "./config";
import { secretFromMnemonic } from "./keys";

export interface Wallet {
  kind: "local" | "keplr";
  /** What the person sees: the key's name and where it comes from. */
  label: string;
  address: string;
  /** The transaction signer, loaded on first use. */
  signer: () => Promise<OfflineSigner>;
  /** Signs the relayer's data requests (ADR-036 `signArbitrary`). */
  requests: RequestSigner;
}

export async function localWallet(cfg: AppConfig, account: LocalAccount): Promise<Wallet> {
  const secret = await secretFromMnemonic(account.mnemonic);
  const requests = rawKeySigner(secret, cfg.prefix);
  if (requests.address !== account.address)
    throw new Error(`The keyring's mnemonic for ${account.name} does not give ${account.address}`);
  let signer: Promise<OfflineSigner> | null = null;
  return {
    kind: "local",
    label: `${account.name} (local test keyring)`,
    address: requests.address,
    signer: () => (signer ??= import("@cosmjs/proto-signing").then((m) => m.DirectSecp256k1Wallet.fromKey(secret, cfg.prefix))),
    requests,
  };
}

interface KeplrLike {
  experimentalSuggestChain(info: unknown): Promise<void>;
  enable(chainId: string): Promise<void>;
  getKey(chainId: string): Promise<{ name: string; bech32Address: string; pubKey: Uint8Array | string }>;
  getOfflineSigner(chainId: string): OfflineSigner;
  signArbitrary: SignArbitraryFn;
}

function keplr(): KeplrLike | null {
  return ((window as unknown as { keplr?: KeplrLike }).keplr) ?? null;
}

export function hasBrowserWallet(): boolean {
  return keplr() !== null;
}

function chainInfo(cfg: AppConfig) {
  const currency = { coinDenom: cfg.denom.replace(/^u/, "").toUpperCase(), coinMinimalDenom: cfg.denom, coinDecimals: 6 };
  const price = Number.parseFloat(cfg.gasPrice);
  return {
    chainId: cfg.chainId,
    chainName: `DiaChain ${cfg.chainId}`,
    rpc: cfg.rpc,
    rest: cfg.rest ?? cfg.rpc,
    bip44: { coinType: 118 },
    bech32Config: {
      bech32PrefixAccAddr: cfg.prefix, bech32PrefixAccPub: `${cfg.prefix}pub`,
      bech32PrefixValAddr: `${cfg.prefix}valoper`, bech32PrefixValPub: `${cfg.prefix}valoperpub`,
      bech32PrefixConsAddr: `${cfg.prefix}valcons`, bech32PrefixConsPub: `${cfg.prefix}valconspub`,
    },
    currencies: [currency],
    feeCurrencies: [{ ...currency, gasPriceStep: { low: price, average: price * 1.2, high: price * 2 } }],
    stakeCurrency: currency,
  };
}

export async function browserWallet(cfg: AppConfig): Promise<Wallet> {
  const k = keplr();
  if (!k) throw new Error("No browser wallet found: install Keplr (or a Keplr-compatible wallet such as Leap) and reload.");
  await k.experimentalSuggestChain(chainInfo(cfg));
  await k.enable(cfg.chainId);
  const key = await k.getKey(cfg.chainId);
  const pubKey = typeof key.pubKey === "string" ? fromBase64(key.pubKey) : key.pubKey;
  return {
    kind: "keplr",
    label: `${key.name} (browser wallet)`,
    address: key.bech32Address,
    signer: () => Promise.resolve(k.getOfflineSigner(cfg.chainId)),
    requests: arbitrarySigner(k.signArbitrary.bind(k), cfg.chainId, key.bech32Address, pubKey),
  };
}
