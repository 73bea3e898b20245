import type { DataUnionTypes } from "@diachain/client";
import { formatUnits, useDenom } from "../lib/amounts";
import { useSession } from "../session";

/** An amount of a pool's token (or the chain's coin) in its display denomination ("10 DIA");
 * `data-amount` holds the base units the chain counts. */
export function Amount({ amount, token, testId }: { amount: string; token: DataUnionTypes.PoolToken | string; testId?: string }) {
  const { queries } = useSession();
  const { denom, error } = useDenom(queries, typeof token === "string" ? { native: { denom: token } } : token);
  const text = denom ? formatUnits(amount, denom) : error ? `${amount} of the token's smallest units (its token_info did not answer)` : "…";
  return <span className="amount" data-testid={testId} data-amount={amount} data-denom={denom?.base}>{text}</span>;
}

/** The name of a pool's token: the coin's symbol, or a cw20 token's symbol and contract. */
export function TokenName({ token }: { token: DataUnionTypes.PoolToken }) {
  const { queries } = useSession();
  const { denom } = useDenom(queries, token);
  if ("native" in token) return <>{denom?.symbol ?? token.native.denom}</>;
  return <>{denom ? `${denom.symbol} (cw20 ` : "cw20 "}<code title={token.cw20.address}>{token.cw20.address.slice(0, 12)}…</code>{denom ? ")" : ""}</>;
}
