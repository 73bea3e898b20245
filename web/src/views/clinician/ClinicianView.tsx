import type { ConsentTypes } from "@diachain/client";
import { useState } from "react";
import { Addr } from "../../components/Addr";
import { Async } from "../../components/Async";
import { allPages } from "../../lib/chain";
import { expiryText, periodText, scopeLabel } from "../../lib/grants";
import { useTimeZone } from "../../lib/timezone";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";
import { PatientAlerts } from "./PatientAlerts";
import { TrendPanel } from "./TrendPanel";

type GrantInfo = ConsentTypes.GrantInfo;

const isActive = (gs: GrantInfo[]) => gs.some((g) => g.status === "active");

/** The patients who granted the signed-in account access, and one patient's verified trend: only
 * a patient with an active grant is offered (one whose every grant is revoked or expired is listed
 * as such, not selectable). */
export function ClinicianView() {
  const { queries, wallet, version } = useSession();
  const [state] = useAsync(
    () => allPages<GrantInfo, number>((after) => queries.consent.grantsByGrantee({ grantee: wallet.address, startAfter: after, limit: 100 }), (g) => g.grant.id),
    `${wallet.address}:${version}`,
  );
  const [patient, setPatient] = useState<string | null>(null);
  // The open patient's grants, while one of them is active.
  const granted = patient && state.status === "ok" ? state.data.filter((g) => g.grant.patient === patient) : [];
  const open = isActive(granted) ? granted : [];
  return (
    <div className="view clinician" data-testid="clinician-view">
      <section aria-labelledby="patients-h" data-testid="granted-patients">
        <h2 id="patients-h">Patients who granted me access</h2>
        <Async state={state} what="your grants" isEmpty={(g) => g.length === 0} empty="No patient has granted this account access.">
          {(grants) => {
            const byPatient = new Map<string, GrantInfo[]>();
            for (const g of grants) byPatient.set(g.grant.patient, [...(byPatient.get(g.grant.patient) ?? []), g]);
            return (
              <table className="stack">
                <thead>
                  <tr><th>Patient</th><th>Grants (newest first)</th><th><span className="visually-hidden">Actions</span></th></tr>
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
      {patient && open.length ? <TrendPanel key={patient} patient={patient} grants={open} /> : null}
      {patient && open.some((g) => g.grant.scopes.includes("glucose")) ? <PatientAlerts key={`alerts-${patient}`} patient={patient} /> : null}
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
    <tr data-testid={`patient-${p}`} data-active={active} className={!active ? "inactive" : props.selected ? "selected" : undefined}>
      <td data-label="Patient"><Addr a={p} /></td>
      <td data-label="Grants">
        <ul className="plain">
          {[...gs].reverse().map((g) => (
            <li key={g.grant.id} data-status={g.status}>
              <span className={`badge ${g.status === "active" ? "ok" : "muted"}`}>{g.status}</span>{" "}
              #{g.grant.id} {g.grant.break_glass ? "break-glass" : g.grant.purpose}: {g.grant.scopes.map(scopeLabel).join(", ")};
              data {periodText(g.grant, zone)}; expires {expiryText(g.grant.expires, queries.clock.date(), zone)}
            </li>
          ))}
        </ul>
      </td>
      <td>
        <button type="button" onClick={props.onOpen} data-testid={`open-patient-${p}`} disabled={!active}
          title={active ? undefined : `No active grant from this patient (${why}): the relayer would refuse`}>
          Glucose trend
        </button>
        {active ? null : <small data-testid={`no-active-grant-${p}`}> {why}</small>}
      </td>
    </tr>
  );
}
