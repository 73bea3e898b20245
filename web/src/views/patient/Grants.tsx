import type { ConsentTypes } from "@diachain/client";
import { useState } from "react";
import { Addr } from "../../components/Addr";
import { Async } from "../../components/Async";
import { TxButton, type TxDone } from "../../components/TxButton";
import { TxNotice, type Confirmation } from "../../components/TxNotice";
import { allPages } from "../../lib/chain";
import { expiryText, periodText, scopeLabel } from "../../lib/grants";
import { nameText, useNames } from "../../lib/names";
import { useTimeZone } from "../../lib/timezone";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";
import { AmendForm } from "./AmendForm";
import { GrantForm } from "./GrantForm";

type GrantInfo = ConsentTypes.GrantInfo;

export function usePatientGrants() {
  const { queries, wallet, version } = useSession();
  return useAsync(
    () => allPages<GrantInfo, number>((after) => queries.consent.grantsByPatient({ patient: wallet.address, startAfter: after, limit: 100 }), (g) => g.grant.id),
    `${wallet.address}:${version}`,
  );
}

/** The patient's grants (and break-glass sessions), newest first; create, amend, revoke. A
 * revocation or amendment is confirmed above the list (the row reloads without its button). */
export function Grants() {
  const [state] = usePatientGrants();
  const [done, setDone] = useState<Confirmation | null>(null);
  return (
    <section aria-labelledby="grants-h" data-testid="grants">
      <h2 id="grants-h">Who may see my data</h2>
      <GrantForm />
      {done ? <TxNotice done={done} testId="grants-notice" onDismiss={() => setDone(null)} /> : null}
      <Async state={state} what="your grants" isEmpty={(g) => g.length === 0} empty="You have not granted anyone access.">
        {(grants) => (
          <table className="stack">
            <thead>
              <tr><th>#</th><th>To</th><th>Purpose</th><th>Scopes</th><th>Data period</th><th>Expires</th><th>Status</th><th><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {[...grants].reverse().map((g) => <GrantRow key={g.grant.id} info={g} onDone={setDone} />)}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}

function GrantRow({ info, onDone }: { info: GrantInfo; onDone: (c: Confirmation) => void }) {
  const { queries } = useSession();
  const zone = useTimeZone();
  const names = useNames();
  const [amending, setAmending] = useState(false);
  const g = info.grant;
  const live = info.status === "active";
  const revoked = (tx: TxDone) =>
    onDone({
      action: "revoke", id: g.id, tx,
      text: <>{g.break_glass ? `Break-glass session ${g.id} closed` : `Grant ${g.id} revoked`}: <Addr a={g.grantee} /> is no longer served your data under it</>,
    });
  const amended = (tx: TxDone) => {
    setAmending(false);
    onDone({ action: "amend", id: g.id, tx, text: <>Grant {g.id} to <Addr a={g.grantee} /> amended</> });
  };
  return (
    <>
      <tr data-testid={`grant-${g.id}`} data-grantee={g.grantee} data-status={info.status} className={g.break_glass ? "break-glass" : undefined}>
        <td data-label="#">{g.id}</td>
        <td data-label="To"><Addr a={g.grantee} /></td>
        <td data-label="Purpose">{g.break_glass ? `break-glass (${scopeLabel(g.break_glass.reason)})` : g.purpose}{g.study_id != null ? ` · study ${g.study_id}` : ""}</td>
        <td data-label="Scopes">{g.scopes.map(scopeLabel).join(", ")}</td>
        <td data-label="Data period">{periodText(g, zone)}</td>
        <td data-label="Expires">{expiryText(g.expires, queries.clock.date(), zone)}</td>
        <td data-label="Status"><span className={`badge ${live ? "ok" : "muted"}`}>{info.status}</span></td>
        <td className="actions">
          {live && !g.break_glass ? (
            <button type="button" onClick={() => setAmending(!amending)} data-testid={`amend-${g.id}`}>{amending ? "Cancel" : "Amend"}</button>
          ) : null}
          {live ? (
            <TxButton label={g.break_glass ? "Close session" : "Revoke"} danger testId={`revoke-${g.id}`}
              confirm={`Revoke grant ${g.id}? ${nameText(names, g.grantee)} loses access at once.`}
              run={(signing) => signing.consent.revokeGrant({ grantId: g.id })} onDone={revoked} />
          ) : null}
        </td>
      </tr>
      {amending ? (
        <tr><td colSpan={8}><AmendForm grant={g} onDone={amended} /></td></tr>
      ) : null}
    </>
  );
}
