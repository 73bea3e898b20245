import type { ConsentTypes } from "@diachain/client";
import { Addr } from "../../components/Addr";
import { Async } from "../../components/Async";
import { allPages } from "../../lib/chain";
import { Time } from "../../components/Time";
import { periodText, scopeLabel } from "../../lib/grants";
import { useTimeZone } from "../../lib/timezone";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

type AccessRecord = ConsentTypes.AccessRecord;
type Grant = ConsentTypes.Grant;

/** Every access a custodian served from the patient's data, newest first; break-glass highlighted. */
export function AccessLog() {
  const { queries, wallet, version } = useSession();
  const zone = useTimeZone();
  const [state, reload] = useAsync(async () => {
    const log = await allPages<AccessRecord, number>(
      (after) => queries.consent.accessLogByPatient({ patient: wallet.address, startAfter: after, limit: 100 }), (r) => r.id);
    // The grant says whether an access was under a break-glass session.
    const ids = [...new Set(log.map((r) => r.grant_id))];
    const grants = new Map<number, Grant>();
    await Promise.all(ids.map(async (id) => grants.set(id, (await queries.consent.grant({ grantId: id })).grant)));
    return { log: log.reverse(), grants };
  }, `${wallet.address}:${version}`);
  return (
    <section aria-labelledby="log-h" data-testid="access-log">
      <h2 id="log-h">Access log <button type="button" onClick={reload} data-testid="access-log-refresh">Refresh</button></h2>
      <p className="small">Recorded on chain by the relayer shortly after each access it serves.</p>
      <Async state={state} what="the access log" isEmpty={(d) => d.log.length === 0} empty="Nobody has been served your data under a grant or break-glass session.">
        {({ log, grants }) => (
          <table className="stack">
            <thead>
              <tr><th>When served</th><th>Who</th><th>Scope</th><th>Data period</th><th>Under</th><th>Recorded</th></tr>
            </thead>
            <tbody>
              {log.map((r) => {
                const g = grants.get(r.grant_id);
                const bg = g?.break_glass;
                return (
                  <tr key={r.id} className={bg ? "break-glass" : undefined} data-testid={`access-${r.id}`} data-break-glass={bg ? "true" : "false"}>
                    <td data-label="When served"><Time ns={r.served_at && r.served_at !== "0" ? r.served_at : r.at} /></td>
                    <td data-label="Who"><Addr a={r.grantee} /></td>
                    <td data-label="Scope">{scopeLabel(r.scope)}</td>
                    <td data-label="Data period">{periodText(r, zone)}</td>
                    <td data-label="Under">{bg ? <strong className="badge bad">BREAK-GLASS · {scopeLabel(bg.reason)}</strong> : `grant ${r.grant_id} (${g?.purpose ?? "?"})`}</td>
                    <td data-label="Recorded">block {r.height} by <Addr a={r.custodian} /></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
