import type { ConsentTypes } from "@diachain/client";
import { useState } from "react";
import { Addr } from "../../components/Addr";
import { Async } from "../../components/Async";
import { allPages } from "../../lib/chain";
import { expiryText, periodText, scopeLabel } from "../../lib/grants";
import { useTimeZone } from "../../lib/timezone";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";
import { SummaryPanel } from "./SummaryPanel";

type GrantInfo = ConsentTypes.GrantInfo;

/** A grant that gives summaries: scope `summaries_only` (an insurer's, a study's aggregates). */
export const givesSummaries = (g: GrantInfo) => g.grant.scopes.includes("summaries_only");
const isActive = (gs: GrantInfo[]) => gs.some((g) => g.status === "active");

/** The insurer's view: the patients whose grant to the signed-in account has scope
 * `summaries_only` (`GrantsByGrantee`), and for one of them adherence from the chain (the anchors
 * contract's daily coverage) beside the CGM summary the relayer computes — never a reading. Only a
 * patient with an active summaries-only grant can be opened. */
export function InsurerView() {
  const { queries, wallet, version } = useSession();
  const [state] = useAsync(
    () => allPages<GrantInfo, number>((after) => queries.consent.grantsByGrantee({ grantee: wallet.address, startAfter: after, limit: 100 }), (g) => g.grant.id),
    `${wallet.address}:${version}`,
  );
  const [patient, setPatient] = useState<string | null>(null);
  const summaries = state.status === "ok" ? state.data.filter(givesSummaries) : [];
  const granted = patient ? summaries.filter((g) => g.grant.patient === patient) : [];
  const open = isActive(granted) ? granted : [];
  return (
    <div className="view insurer" data-testid="insurer-view">
      <section aria-labelledby="insured-h" data-testid="summary-patients">
        <h2 id="insured-h">Patients who granted me summaries</h2>
        <p className="small">
          A grant with scope <em>summaries only</em> lets you see how a patient's glucose went — time in ranges, mean, GMI,
          variability, how much of the time the sensor was worn — without any of their readings. Each summary you load is
          recorded in the patient's access log on chain.
        </p>
        <Async state={state} what="your grants" isEmpty={(g) => !g.some(givesSummaries)}
          empty="No patient has granted this account summaries (scope summaries only).">
          {() => {
            const byPatient = new Map<string, GrantInfo[]>();
            for (const g of summaries) byPatient.set(g.grant.patient, [...(byPatient.get(g.grant.patient) ?? []), g]);
            return (
              <table className="stack">
                <thead>
                  <tr><th>Patient</th><th>Summary grants (newest first)</th><th><span className="visually-hidden">Actions</span></th></tr>
                </thead>
                <tbody>
                  {[...byPatient.entries()].map(([p, gs]) => (
                    <PatientRow key={p} patient={p} grants={gs} selected={p === patient} onOpen={() => setPatient(p)} />
                  ))}
                </tbody>
              </table>
            );
          }}
        </Async>
      </section>
      {patient && open.length ? <SummaryPanel key={patient} patient={patient} grants={open} /> : null}
    </div>
  );
}

function PatientRow(props: { patient: string; grants: GrantInfo[]; selected: boolean; onOpen: () => void }) {
  const { queries } = useSession();
  const zone = useTimeZone();
  const { patient: p, grants: gs } = props;
  const active = isActive(gs);
  const why = gs.every((g) => g.status === "revoked") ? "every grant revoked" : "no active grant";
  return (
    <tr data-testid={`summary-patient-${p}`} data-active={active} className={!active ? "inactive" : props.selected ? "selected" : undefined}>
      <td data-label="Patient"><Addr a={p} /></td>
      <td data-label="Grants">
        <ul className="plain">
          {[...gs].reverse().map((g) => (
            <li key={g.grant.id} data-status={g.status} data-grant={g.grant.id}>
              <span className={`badge ${g.status === "active" ? "ok" : "muted"}`}>{g.status}</span>{" "}
              #{g.grant.id} {g.grant.purpose}: {g.grant.scopes.map(scopeLabel).join(", ")};
              data {periodText(g.grant, zone)}; expires {expiryText(g.grant.expires, queries.clock.date(), zone)}
            </li>
          ))}
        </ul>
      </td>
      <td>
        <button type="button" onClick={props.onOpen} data-testid={`open-summary-${p}`} disabled={!active}
          title={active ? undefined : `No active summaries grant from this patient (${why}): the relayer would refuse`}>
          Adherence and summary
        </button>
        {active ? null : <small data-testid={`no-active-summary-grant-${p}`}> {why}</small>}
      </td>
    </tr>
  );
}
