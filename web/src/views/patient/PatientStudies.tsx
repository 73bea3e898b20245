import type { DataUnionTypes } from "@diachain/client";
import { useState } from "react";
import { Async } from "../../components/Async";
import { TxButton } from "../../components/TxButton";
import { TxNotice, type Confirmation } from "../../components/TxNotice";
import { Time } from "../../components/Time";
import { dayToIso } from "../../lib/format";
import { scopeLabel } from "../../lib/grants";
import { Addr } from "../../components/Addr";
import { Amount } from "../../components/Amount";
import { nameText, useNames } from "../../lib/names";
import { allStudies, joinStudy, type StudyResponse } from "../../lib/studies";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

interface Row {
  s: StudyResponse;
  c: DataUnionTypes.ContributionResponse;
}

/** Studies to join, joined studies, and rewards claimable or claimed. A join, leave or claim is
 * confirmed above the lists (they reload, and a joined study leaves the open ones). */
export function PatientStudies() {
  const [done, setDone] = useState<Confirmation | null>(null);
  const { queries, wallet, version } = useSession();
  const [state] = useAsync(async () => {
    const studies = await allStudies(queries);
    const rows: Row[] = await Promise.all(
      studies.map(async (s) => ({ s, c: await queries.union.contribution({ studyId: s.study.id, patient: wallet.address }) })),
    );
    return rows;
  }, `${wallet.address}:${version}`);
  return (
    <section aria-labelledby="studies-h" data-testid="patient-studies">
      <h2 id="studies-h">Research studies and rewards</h2>
      {done ? <TxNotice done={done} testId="studies-notice" onDismiss={() => setDone(null)} /> : null}
      <Async state={state} what="studies" isEmpty={(r) => r.length === 0} empty="No study has been created on this network yet.">
        {(rows) => {
          const joined = rows.filter((r) => r.c.member);
          const open = rows.filter((r) => !r.c.member?.active && r.s.phase === "open" && r.s.study.sponsor !== wallet.address);
          return (
            <>
              <h3>Joined</h3>
              {joined.length === 0 ? <p className="empty">You have not joined a study.</p> : <JoinedTable rows={joined} onDone={setDone} />}
              <h3>Open to join</h3>
              {open.length === 0 ? <p className="empty">No open study to join.</p> : <OpenTable rows={open} onDone={setDone} />}
            </>
          );
        }}
      </Async>
    </section>
  );
}

function JoinedTable({ rows, onDone }: { rows: Row[]; onDone: (c: Confirmation) => void }) {
  return (
    <table className="stack" data-testid="joined-studies">
      <thead>
        <tr><th>Study</th><th>Phase</th><th>Membership</th><th>Counted readings</th><th>Counting days</th><th>Projected</th><th>Claimable</th><th>Claimed</th><th><span className="visually-hidden">Actions</span></th></tr>
      </thead>
      <tbody>
        {rows.map(({ s, c }) => {
          const m = c.member!;
          const token = s.study.pool.token;
          return (
            <tr key={s.study.id} data-testid={`joined-${s.study.id}`}>
              <td data-label="Study">#{s.study.id} {s.study.title}</td>
              <td data-label="Phase">{s.phase}</td>
              <td data-label="Membership">{m.active ? "active" : <>left {m.left_at ? <Time ns={m.left_at} /> : null}</>} · days {dayToIso(m.from_day)} – {dayToIso(m.to_day)} (UTC)</td>
              <td data-label="Counted readings">{c.counted_units}</td>
              <td data-label="Counting days">{c.counting_days}{c.eligible ? "" : " (not eligible yet)"}</td>
              <td data-label="Projected"><Amount amount={c.projected_payout} token={token} /></td>
              <td data-label="Claimable"><Amount amount={c.claimable} token={token} /></td>
              <td data-label="Claimed">{m.claimed ? <Amount amount={m.claimed} token={token} /> : "—"}</td>
              <td className="actions">
                {c.claimable !== "0" ? <TxButton label="Claim" testId={`claim-${s.study.id}`} run={(signing) => signing.union.claim({ studyId: s.study.id })}
                  onDone={(tx) => onDone({ action: "claim", id: s.study.id, tx, text: <>You claimed <Amount amount={c.claimable} token={token} /> from study #{s.study.id} “{s.study.title}”</> })} /> : null}
                {m.active && s.phase === "open" ? (
                  <TxButton label="Leave" danger testId={`leave-${s.study.id}`} confirm="Leave this study? What you earned so far stays claimable."
                    run={(signing) => signing.union.leave({ studyId: s.study.id })}
                    onDone={(tx) => onDone({ action: "leave", id: s.study.id, tx, text: `You left study #${s.study.id} "${s.study.title}"; what you earned so far stays claimable` })} />
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function OpenTable({ rows, onDone }: { rows: Row[]; onDone: (c: Confirmation) => void }) {
  const { cfg, queries } = useSession();
  const names = useNames();
  return (
    <table className="stack" data-testid="open-studies">
      <thead>
        <tr><th>Study</th><th>Sponsor wants</th><th>Data period</th><th>Eligibility</th><th>Pool</th><th>Cap per patient</th><th><span className="visually-hidden">Actions</span></th></tr>
      </thead>
      <tbody>
        {rows.map(({ s }) => {
          const st = s.study;
          return (
            <tr key={st.id} data-testid={`open-${st.id}`}>
              <td data-label="Study">#{st.id} <a href={st.description_url} target="_blank" rel="noreferrer">{st.title}</a>
                <span className="small"> by <Addr a={st.sponsor} /></span></td>
              <td data-label="Sponsor wants">{st.scopes.map(scopeLabel).join(", ")}</td>
              <td data-label="Data period">{dayToIso(st.data_from_day)} – {dayToIso(st.data_to_day)} (UTC days); closes <Time ns={st.closes_at} /></td>
              <td data-label="Eligibility">≥ {st.eligibility.min_readings_per_day} readings/day on ≥ {st.eligibility.min_days} days{st.eligibility.device_kinds.length ? `; devices: ${st.eligibility.device_kinds.join(", ")}` : ""}</td>
              <td data-label="Pool"><Amount amount={st.pool.funded} token={st.pool.token} /></td>
              <td data-label="Cap per patient"><Amount amount={st.cap_per_patient} token={st.pool.token} /></td>
              <td>
                <TxButton label="Consent and join" testId={`join-${st.id}`}
                  confirm={`Join "${st.title}"? This grants its sponsor, ${nameText(names, st.sponsor)}, research access to your ${st.scopes.map(scopeLabel).join(", ")} data of ${dayToIso(st.data_from_day)} – ${dayToIso(st.data_to_day)}.`}
                  run={(signing) => joinStudy(cfg, queries, signing, st)}
                  onDone={(tx) => onDone({
                    action: "join", id: st.id, tx,
                    text: `You joined study #${st.id} "${st.title}": its sponsor may read your ${st.scopes.map(scopeLabel).join(", ")} data of ${dayToIso(st.data_from_day)} – ${dayToIso(st.data_to_day)}`,
                  })} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
