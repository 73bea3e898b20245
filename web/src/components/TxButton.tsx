import { useState } from "react";
import type { ExecuteResult } from "@cosmjs/cosmwasm-stargate";
import { describeError } from "../lib/errors";
import { useSession } from "../session";

type TxState = { s: "idle" } | { s: "busy" } | { s: "done"; height: number; hash: string } | { s: "error"; message: string };

/** A button that signs and sends a transaction, then shows where it landed or why it failed. */
export function TxButton(props: {
  label: string;
  run: () => Promise<ExecuteResult>;
  confirm?: string;
  disabled?: boolean;
  testId?: string;
  danger?: boolean;
  onDone?: () => void;
}) {
  const session = useSession();
  const [state, setState] = useState<TxState>({ s: "idle" });
  const click = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setState({ s: "busy" });
    try {
      const res = await props.run();
      setState({ s: "done", height: res.height, hash: res.transactionHash });
      props.onDone?.();
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
          Done in block {state.height} <code title={state.hash}>{state.hash.slice(0, 10)}…</code>
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
