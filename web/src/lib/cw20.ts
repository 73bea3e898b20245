// cw20 funding of a study: a cw20 `Send` of the tokens to the union, whose hook message
// (`Cw20ReceiveMsg.msg`, base64 JSON) is the union's `ReceiveMsg` (contracts/data-union).
import type { ExecuteResult } from "@cosmjs/cosmwasm-stargate";
import { toBase64, toUtf8 } from "@cosmjs/encoding";
import type { DataUnionTypes } from "@diachain/client";
import type { Signing } from "./signing";

/** `ReceiveMsg` of packages/diachain-std/src/union.rs (not in the union's schema: it travels inside `Receive`). */
export type UnionReceiveMsg = { create_study: { study: DataUnionTypes.NewStudy } } | { top_up: { study_id: number } };

export function cw20Send(s: Signing, token: string, union: string, amount: string, hook: UnionReceiveMsg): Promise<ExecuteResult> {
  const msg = { send: { contract: union, amount, msg: toBase64(toUtf8(JSON.stringify(hook))) } };
  return s.cosm.execute(s.address, token, msg, "auto");
}
