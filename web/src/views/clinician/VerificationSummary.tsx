import type { ReadingsResponse } from "../../lib/relayer";
import type { CheckedReading } from "../../lib/verify";

/** The overall verdict: every reading verified, some failing, some not anchored yet. */
export function VerificationSummary({ answer, checked }: { answer: ReadingsResponse; checked: CheckedReading[] }) {
  const n = (s: string) => checked.filter((c) => c.verdict.state === s).length;
  const [ok, failed, pending] = [n("verified"), n("failed"), n("pending")];
  const state = checked.length === 0 ? "empty" : failed > 0 ? "failed" : pending > 0 ? "partial" : "verified";
  const basis = answer.access.basis === "grant" ? `grant ${answer.access.grant_id}` : answer.access.basis.replace("_", "-");
  const text =
    state === "empty"
      ? "The relayer holds no glucose readings of this patient in this period."
      : state === "failed"
        ? `${failed} of ${checked.length} readings FAILED verification against the chain — do not trust them.`
        : state === "partial"
          ? `${ok} readings verified against the chain; ${pending} are not anchored yet and cannot be checked.`
          : `All ${ok} readings verified against the roots anchored on ${answer.chain_id}.`;
  return (
    <div className={`summary ${state}`} role="status" data-testid="verification-summary" data-state={state}
      data-verified={ok} data-failed={failed} data-pending={pending}>
      <strong>{text}</strong>
      <div className="small">Served under {basis}{answer.access.record != null ? ` (access record ${answer.access.record} queued for the chain)` : ""}.</div>
    </div>
  );
}
