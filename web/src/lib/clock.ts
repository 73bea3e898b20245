// The chain's clock. Readings are stamped, grants expire and coverage days count in the chain's
// block time, and a network's block time may run ahead of this computer's clock (a local network
// moved with `scripts/chain.sh advance-clock`, or a machine whose clock is off). "Now" and
// "today" in the views are the chain's; signed requests to the relayer keep this computer's
// clock, which is what the relayer checks them against.
import { DAY_S, nowSeconds } from "./format";
import type { RpcClient } from "./rpc";

/** A difference this small is a block's lag behind the present, not another clock. */
export const BLOCK_LAG_S = 60;

export class ChainClock {
  /** Seconds the chain's clock runs ahead of this computer's (0 within a block's lag). */
  offset = 0;

  /** Takes the offset from a block's time (RFC 3339, as the node reports it). */
  observe(blockTime: string): void {
    const t = Date.parse(blockTime);
    if (Number.isNaN(t)) throw new Error(`the node reported a block time that is not a date: ${blockTime}`);
    const off = Math.floor(t / 1000) - nowSeconds();
    this.offset = Math.abs(off) <= BLOCK_LAG_S ? 0 : off;
  }

  /** The chain's present, in unix seconds. */
  now(): number {
    return nowSeconds() + this.offset;
  }

  /** The chain's present UTC day number (unix seconds / 86400). */
  today(): number {
    return Math.floor(this.now() / DAY_S);
  }

  /** The chain's present as a Date, for relative times ("in 3 h"). */
  date(): Date {
    return new Date(this.now() * 1000);
  }
}

/** Reads the latest block and sets the clock from it; returns the block's height. */
export async function syncClock(clock: ChainClock, rpc: RpcClient): Promise<number> {
  const block = await rpc.latestBlock();
  clock.observe(block.time);
  return block.height;
}
