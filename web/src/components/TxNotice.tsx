import type { ReactNode } from "react";
import { TxReceipt, type TxDone } from "./TxButton";

/** What a transaction did, said once it landed. */
export interface Confirmation {
  /** What was done (`revoke`, `join`, …) and to what (a grant's or study's id). */
  action: string;
  id: number;
  text: ReactNode;
  tx: TxDone;
}

/** A transaction's confirmation shown by its section, so it outlives the button that sent it (a
 * revoked grant's row loses its Revoke button, a joined study leaves the open ones). */
export function TxNotice({ done, testId, onDismiss }: { done: Confirmation; testId: string; onDismiss: () => void }) {
  return (
    <p className="notice" role="status" data-testid={testId} data-action={done.action} data-id={done.id}>
      <span aria-hidden="true">✔ </span>
      {done.text}. <TxReceipt tx={done.tx} />{" "}
      <button type="button" onClick={onDismiss} data-testid={`${testId}-dismiss`}>Dismiss</button>
    </p>
  );
}
