import type { ConsentTypes } from "@diachain/client";
import { useState } from "react";
import { ScopePicker } from "../../components/ScopePicker";
import { TxButton } from "../../components/TxButton";
import { DAY_S, secondsToNs } from "../../lib/format";
import type { Signing } from "../../lib/signing";
import { AddressInput, useResolvedAddress } from "../../components/AddressInput";
import { ZonedInput } from "../../components/ZonedInput";
import { offsetName, useTimeZone } from "../../lib/timezone";
import { useSession } from "../../session";

/** The form's defaults around `now` (the chain's present, unix seconds), as unix seconds. */
function defaults(now: number) {
  return { from: now - 7 * DAY_S, to: now + 30 * DAY_S, expires: now + 30 * DAY_S };
}

/** Grant someone access to scopes of my data over a period, until an expiry. Cleared once the
 * grant is made, so a second click cannot grant the same again: Grant waits for a grantee. */
export function GrantForm() {
  const { queries } = useSession();
  const zone = useTimeZone();
  const [grantee, setGrantee] = useState("");
  const target = useResolvedAddress(grantee);
  const [purpose, setPurpose] = useState<ConsentTypes.Purpose>("treatment");
  const [studyId, setStudyId] = useState("");
  const [scopes, setScopes] = useState<ConsentTypes.DataScope[]>(["glucose"]);
  const [from, setFrom] = useState(() => defaults(queries.clock.now()).from);
  const [to, setTo] = useState(() => defaults(queries.clock.now()).to);
  const [expires, setExpires] = useState(() => defaults(queries.clock.now()).expires);
  const clear = () => {
    const d = defaults(queries.clock.now());
    setGrantee("");
    setPurpose("treatment");
    setStudyId("");
    setScopes(["glucose"]);
    setFrom(d.from);
    setTo(d.to);
    setExpires(d.expires);
  };
  const run = (signing: Signing) =>
    signing.consent.grant({
      grantee: target.address!,
      purpose,
      studyId: purpose === "research" ? Number(studyId) : undefined,
      scopes,
      dataFrom: secondsToNs(from),
      dataTo: secondsToNs(to),
      expires: { at_time: secondsToNs(expires) },
    });
  const missing = !target.address ? (target.error ? `the grantee (${target.error})` : "the grantee (a contact or an address)") : scopes.length === 0 ? "at least one scope" : purpose === "research" && !/^\d+$/.test(studyId) ? "the study id" : null;
  return (
    <form className="card grant-form" data-testid="grant-form" onSubmit={(e) => e.preventDefault()}>
      <h3>Grant access</h3>
      <AddressInput name="grantee" label="Grantee" value={grantee} onChange={setGrantee} testId="grantee" />
      <label>Purpose{" "}
        <select name="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value as ConsentTypes.Purpose)}>
          <option value="treatment">treatment</option>
          <option value="research">research</option>
          <option value="insurance">insurance</option>
        </select>
      </label>
      {purpose === "research" ? <label>Study id <input name="study" value={studyId} onChange={(e) => setStudyId(e.target.value)} size={6} /></label> : null}
      <ScopePicker name="grant-scope" value={scopes} onChange={setScopes} />
      <label>Data measured from <ZonedInput name="data-from" value={from} onChange={setFrom} /></label>
      <label>to <ZonedInput name="data-to" value={to} onChange={setTo} /></label>
      <label>Access expires <ZonedInput name="expires" value={expires} onChange={setExpires} /></label>
      <small data-testid="grant-zone">(times in {zone}, {offsetName(from * 1000, zone)})</small>
      <div>
        <TxButton label="Grant" testId="grant-submit" disabled={missing !== null} run={run} onDone={clear} />
        {missing ? <small> Fill in {missing}.</small> : null}
      </div>
    </form>
  );
}
