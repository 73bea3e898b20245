import { useState } from "react";
import type { ExecuteResult } from "@cosmjs/cosmwasm-stargate";
import { describeError } from "../lib/errors";
import type { Signing } from "../lib/signing";
import { useSession } from "../session";

/** Where a transaction landed: its block and hash. */
export interface TxDone {
  height: number;
  hash: string;
}

type TxState = { s: "idle" } | { s: "busy" } | ({ s: "done" } & TxDone) | { s: "error"; message: string };

/** "Done in block N" and the transaction's hash (shortened; the whole of it on hover). */
export function TxReceipt({ tx }: { tx: TxDone }) {
  return (
    <>
      Done in block {tx.height} <code title={tx.hash} data-testid="tx-hash">{tx.hash.slice(0, 10)}…</code>
    </>
  );
}

/** A button that signs and sends a transaction, then shows where it landed or why it failed.
 * `onDone` gets where it landed: a view whose reload unmounts this button (a revoked grant's row,
 * a joined study's) shows its own confirmation with it. */
export function TxButton(props: {
  label: string;
  /** Sends the transaction with the account's signing clients (connected on the first one). */
  run: (s: Signing) => Promise<ExecuteResult>;
  confirm?: string;
  disabled?: boolean;
  testId?: string;
  danger?: boolean;
  onDone?: (tx: TxDone) => void;
}) {
  const session = useSession();
  const [state, setState] = useState<TxState>({ s: "idle" });
  const click = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setState({ s: "busy" });
    try {
      const res = await props.run(await session.sign());
      const tx = { height: res.height, hash: res.transactionHash };
      setState({ s: "done", ...tx });
      props.onDone?.(tx);
      session.changed();
    } catch (e) {
      setState({ s: "error", message: describeError(e) });
    }
  };
  return (
    <span className="tx">
      <button type="button" className={props.danger ? "danger" : undefined} onClick={click}
        disabled={props.disabled || state.s === "busy"} data-testid={props.testId}>
        {state.s === "busy" ? "Signing and sending…" : props.label}
      </button>
      {state.s === "done" ? (
        <span className="ok" role="status" data-testid={props.testId ? `${props.testId}-done` : undefined}>
          <TxReceipt tx={state} />
        </span>
      ) : null}
      {state.s === "error" ? (
        <span className="error inline" role="alert" data-testid={props.testId ? `${props.testId}-error` : undefined}>
          {state.message}
        </span>
      ) : null}
    </span>
  );
}
