import type { ConsentTypes } from "@diachain/client";
import { useState } from "react";
import { ScopePicker } from "../../components/ScopePicker";
import { TxButton, type TxDone } from "../../components/TxButton";
import { secondsToNs } from "../../lib/format";
import { localInputToSeconds, secondsToLocalInput } from "../../lib/grants";

const nsToSeconds = (ns: string) => Number(BigInt(ns) / 1_000_000_000n);

/** Change a live grant's scopes, data period or expiry; only what changed is sent. */
export function AmendForm({ grant, onDone }: { grant: ConsentTypes.Grant; onDone: (tx: TxDone) => void }) {
  const initialExpiry = "at_time" in grant.expires ? secondsToLocalInput(nsToSeconds(grant.expires.at_time)) : "";
  const [scopes, setScopes] = useState<ConsentTypes.DataScope[]>(grant.scopes);
  const [from, setFrom] = useState(secondsToLocalInput(nsToSeconds(grant.data_from)));
  const [to, setTo] = useState(secondsToLocalInput(nsToSeconds(grant.data_to)));
  const [expires, setExpires] = useState(initialExpiry);
  const changed = {
    scopes: [...scopes].sort().join() !== [...grant.scopes].sort().join() ? scopes : undefined,
    dataFrom: from !== secondsToLocalInput(nsToSeconds(grant.data_from)) ? secondsToNs(localInputToSeconds(from)) : undefined,
    dataTo: to !== secondsToLocalInput(nsToSeconds(grant.data_to)) ? secondsToNs(localInputToSeconds(to)) : undefined,
    expires: expires && expires !== initialExpiry ? { at_time: secondsToNs(localInputToSeconds(expires)) } : undefined,
  };
  const nothing = Object.values(changed).every((v) => v === undefined);
  return (
    <form className="card amend" data-testid={`amend-form-${grant.id}`} onSubmit={(e) => e.preventDefault()}>
      <ScopePicker name={`amend-scope-${grant.id}`} value={scopes} onChange={setScopes} />
      <label>Data from <input type="datetime-local" name="data-from" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
      <label>to <input type="datetime-local" name="data-to" value={to} onChange={(e) => setTo(e.target.value)} /></label>
      <label>Expires <input type="datetime-local" name="expires" value={expires} onChange={(e) => setExpires(e.target.value)} /></label>
      <TxButton label="Save changes" testId={`amend-submit-${grant.id}`} disabled={nothing} onDone={onDone}
        run={(signing) => signing.consent.amendGrant({ grantId: grant.id, ...changed })} />
    </form>
  );
}
