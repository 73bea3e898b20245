// Amounts as people read and type them: in the display denomination (10 DIA, not 10000000udia),
// the chain's micro-units only on chain. The native coin: a `u` denomination has 6 decimals and
// its symbol is the rest in capitals (udia → DIA); a cw20 token: its `token_info` decimals and
// symbol.
import type { DataUnionTypes } from "@diachain/client";
import { useEffect, useState } from "react";
import type { Queries } from "./chain";

export interface Denom {
  /** What the chain counts in: a native denomination or a cw20 contract. */
  base: string;
  symbol: string;
  decimals: number;
}

export function nativeDenom(base: string): Denom {
  if (/^u[a-z][a-z0-9]*$/.test(base)) return { base, symbol: base.slice(1).toUpperCase(), decimals: 6 };
  return { base, symbol: base, decimals: 0 };
}

/** An amount of base units as "1,234.5 DIA" (no trailing zeros). */
export function formatUnits(amount: string | bigint, d: Denom): string {
  const n = BigInt(amount);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const scale = 10n ** BigInt(d.decimals);
  const whole = (abs / scale).toLocaleString("en-US");
  const frac = d.decimals ? (abs % scale).toString().padStart(d.decimals, "0").replace(/0+$/, "") : "";
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""} ${d.symbol}`;
}

/** What is typed where an amount is asked for, in base units: "10", "10.5", "10 DIA", "1,000.25"
 * in the display denomination, or "10000000udia" (the base denomination named). */
export function parseUnits(text: string, d: Denom): bigint {
  const t = text.trim().replace(/,/g, "");
  const m = /^(\d+)(?:\.(\d*))?\s*([A-Za-z][A-Za-z0-9/:._-]*)?$/.exec(t);
  if (!m) throw new Error(`"${text}" is not an amount`);
  const [, whole, frac = "", unit] = m;
  if (unit && unit === d.base && d.base !== d.symbol) {
    if (frac.replace(/0+$/, "")) throw new Error(`${d.base} has no fractions`);
    return BigInt(whole!);
  }
  if (unit && unit.toLowerCase() !== d.symbol.toLowerCase()) throw new Error(`the amount is in ${d.symbol}${d.base !== d.symbol ? ` (or ${d.base})` : ""}, not ${unit}`);
  if (frac.length > d.decimals) throw new Error(`${d.symbol} has ${d.decimals} decimal${d.decimals === 1 ? "" : "s"}`);
  return BigInt(whole!) * 10n ** BigInt(d.decimals) + BigInt(frac.padEnd(d.decimals, "0") || "0");
}

/** `parseUnits`, or the reason it cannot. */
export function tryParseUnits(text: string, d: Denom | null): { amount: bigint } | { error: string } {
  if (!d) return { error: "the token is not known yet" };
  try {
    return { amount: parseUnits(text, d) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

interface TokenInfo {
  name: string;
  symbol: string;
  decimals: number;
}

const tokens = new Map<string, Promise<Denom>>();

/** A cw20 token's denomination, from its `token_info` (asked once per token). */
export function cw20Denom(q: Queries, address: string): Promise<Denom> {
  let p = tokens.get(address);
  if (!p) {
    p = (q.rpc.queryContractSmart(address, { token_info: {} }) as Promise<TokenInfo>).then((t) => {
      if (typeof t?.symbol !== "string" || !Number.isInteger(t?.decimals)) throw new Error(`${address} does not answer token_info as a cw20 token`);
      return { base: address, symbol: t.symbol, decimals: t.decimals };
    });
    p.catch(() => tokens.delete(address));
    tokens.set(address, p);
  }
  return p;
}

/** The denomination of a pool's token: the native coin's at once, a cw20 token's once asked. */
export function useDenom(q: Queries, token: DataUnionTypes.PoolToken | string | null): { denom: Denom | null; error: unknown } {
  const native = typeof token === "string" ? null : token && "native" in token ? token.native.denom : null;
  const cw20 = typeof token === "string" ? token : token && "cw20" in token ? token.cw20.address : null;
  const [state, setState] = useState<{ for: string | null; denom: Denom | null; error: unknown }>({ for: null, denom: null, error: null });
  useEffect(() => {
    if (!cw20) return;
    let live = true;
    cw20Denom(q, cw20).then(
      (denom) => live && setState({ for: cw20, denom, error: null }),
      (error: unknown) => live && setState({ for: cw20, denom: null, error }),
    );
    return () => {
      live = false;
    };
  }, [q, cw20]);
  if (native) return { denom: nativeDenom(native), error: null };
  if (cw20 && state.for === cw20) return { denom: state.denom, error: state.error };
  return { denom: null, error: null };
}
