import type { ConsentTypes } from "@diachain/client";
import { useState } from "react";
import { ScopePicker } from "../../components/ScopePicker";
import { TxButton, type TxDone } from "../../components/TxButton";
import { secondsToNs } from "../../lib/format";
import { ZonedInput } from "../../components/ZonedInput";
import { useTimeZone } from "../../lib/timezone";

const nsToSeconds = (ns: string) => Number(BigInt(ns) / 1_000_000_000n);

/** Change a live grant's scopes, data period or expiry; only what changed is sent. (The inputs
 * show minutes: a time is sent only when its minute was changed.) */
export function AmendForm({ grant, onDone }: { grant: ConsentTypes.Grant; onDone: (tx: TxDone) => void }) {
  const zone = useTimeZone();
  const initialExpiry = "at_time" in grant.expires ? nsToSeconds(grant.expires.at_time) : null;
  const [scopes, setScopes] = useState<ConsentTypes.DataScope[]>(grant.scopes);
  const [from, setFrom] = useState(nsToSeconds(grant.data_from));
  const [to, setTo] = useState(nsToSeconds(grant.data_to));
  const [expires, setExpires] = useState(initialExpiry);
  const minute = (s: number) => Math.floor(s / 60);
  const changed = {
    scopes: [...scopes].sort().join() !== [...grant.scopes].sort().join() ? scopes : undefined,
    dataFrom: minute(from) !== minute(nsToSeconds(grant.data_from)) ? secondsToNs(from) : undefined,
    dataTo: minute(to) !== minute(nsToSeconds(grant.data_to)) ? secondsToNs(to) : undefined,
    expires: expires !== null && (initialExpiry === null || minute(expires) !== minute(initialExpiry)) ? { at_time: secondsToNs(expires) } : undefined,
  };
  const nothing = Object.values(changed).every((v) => v === undefined);
  return (
    <form className="card amend" data-testid={`amend-form-${grant.id}`} onSubmit={(e) => e.preventDefault()}>
      <ScopePicker name={`amend-scope-${grant.id}`} value={scopes} onChange={setScopes} />
      <label>Data from <ZonedInput name="data-from" value={from} onChange={setFrom} /></label>
      <label>to <ZonedInput name="data-to" value={to} onChange={setTo} /></label>
      <label>Expires <ZonedInput name="expires" value={expires} onChange={setExpires} /></label>
      <small>(times in {zone})</small>
      <TxButton label="Save changes" testId={`amend-submit-${grant.id}`} disabled={nothing} onDone={onDone}
        run={(signing) => signing.consent.amendGrant({ grantId: grant.id, ...changed })} />
    </form>
  );
}
