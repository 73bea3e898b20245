import type { DataUnionTypes } from "@diachain/client";
import { useState } from "react";
import { Addr } from "../../components/Addr";
import { Async } from "../../components/Async";
import { TxButton } from "../../components/TxButton";
import { allPages } from "../../lib/chain";
import { cw20Send } from "../../lib/cw20";
import type { Signing } from "../../lib/signing";
import { Time } from "../../components/Time";
import { dayToIso, nsToDate, relative } from "../../lib/format";
import { scopeLabel } from "../../lib/grants";
import { Amount, TokenName } from "../../components/Amount";
import { tryParseUnits, useDenom } from "../../lib/amounts";
import type { StudyResponse } from "../../lib/studies";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";
import { StudyDatasets } from "./StudyDatasets";

type Member = DataUnionTypes.Member;
interface MemberRow { m: Member; c: DataUnionTypes.ContributionResponse }

export function StudyCard({ s }: { s: StudyResponse }) {
  const { queries, version } = useSession();
  const st = s.study;
  const [state] = useAsync(async () => {
    const members = await allPages<Member, string>((after) => queries.union.members({ studyId: st.id, startAfter: after, limit: 100 }), (m) => m.patient);
    const rows: MemberRow[] = await Promise.all(members.map(async (m) => ({ m, c: await queries.union.contribution({ studyId: st.id, patient: m.patient }) })));
    const pool = await queries.union.pool({ studyId: st.id });
    return { rows, pool };
  }, `${st.id}:${version}`);
  return (
    <article className="card study" data-testid={`study-${st.id}`} data-phase={s.phase}>
      <h3>#{st.id} {st.title} <span className="badge">{s.phase}</span></h3>
      <p className="small">
        {st.scopes.map(scopeLabel).join(", ")} · data {dayToIso(st.data_from_day)} – {dayToIso(st.data_to_day)} (UTC days) · closes <Time ns={st.closes_at} /> ·
        refundable from <Time ns={st.refund_after} /> ({relative(nsToDate(st.refund_after), queries.clock.date())}) · pool in <TokenName token={st.pool.token} /> · fee {st.fee_bps / 100} %
      </p>
      <Async state={state} what="the pool and its members">
        {({ rows, pool }) => (
          <>
            <PoolTable s={s} pool={pool} rows={rows} />
            <h4>Members ({st.active_members} active of {st.members})</h4>
            {rows.length === 0 ? <p className="empty">Nobody has joined yet.</p> : <MembersTable rows={rows} token={st.pool.token} />}
          </>
        )}
      </Async>
      <Funding s={s} />
      <StudyDatasets study={st} />
    </article>
  );
}

function PoolTable({ s, pool, rows }: { s: StudyResponse; pool: DataUnionTypes.PoolResponse; rows: MemberRow[] }) {
  const t = s.study.pool.token;
  const earned = rows.reduce((a, r) => a + BigInt(r.m.claimed ?? r.c.projected_payout), 0n);
  const owed = earned - BigInt(pool.pool.paid);
  const unearned = BigInt(pool.balance) - (owed > 0n ? owed : 0n);
  return (
    <table className="pool" data-testid={`pool-${s.study.id}`}>
      <tbody>
        <tr><th scope="row">Funded</th><td><Amount amount={pool.pool.funded} token={t} testId="pool-funded" /></td></tr>
        <tr><th scope="row">Fees to the treasury</th><td><Amount amount={pool.pool.fees} token={t} /></td></tr>
        <tr><th scope="row">Earned by members {s.phase === "open" ? "(projected at current totals)" : ""}</th><td><Amount amount={earned.toString()} token={t} /></td></tr>
        <tr><th scope="row">Claimed</th><td><Amount amount={pool.pool.paid} token={t} /></td></tr>
        <tr><th scope="row">Held now</th><td><Amount amount={pool.balance} token={t} /></td></tr>
        <tr><th scope="row">Unearned (refundable after the grace period)</th><td><Amount amount={unearned.toString()} token={t} /></td></tr>
        {pool.pool.refunded ? <tr><th scope="row">Refunded</th><td><Amount amount={pool.pool.refunded} token={t} /></td></tr> : null}
      </tbody>
    </table>
  );
}

function MembersTable({ rows, token }: { rows: MemberRow[]; token: DataUnionTypes.PoolToken }) {
  return (
    <table className="stack" data-testid="members">
      <thead><tr><th>Patient</th><th>Status</th><th>Window</th><th>Units</th><th>Counting days</th><th>Eligible</th><th>Projected</th><th>Claimed</th></tr></thead>
      <tbody>
        {rows.map(({ m, c }) => (
          <tr key={m.patient} data-testid={`member-${m.patient}`}>
            <td data-label="Patient"><Addr a={m.patient} /></td>
            <td data-label="Status">{m.active ? "active" : "left"}</td>
            <td data-label="Window">{dayToIso(m.from_day)} – {dayToIso(m.to_day)}</td>
            <td data-label="Units">{m.units}</td>
            <td data-label="Counting days">{c.counting_days}</td>
            <td data-label="Eligible">{c.eligible ? "yes" : "not yet"}</td>
            <td data-label="Projected"><Amount amount={c.projected_payout} token={token} /></td>
            <td data-label="Claimed">{m.claimed ? <Amount amount={m.claimed} token={token} /> : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Funding({ s }: { s: StudyResponse }) {
  const { cfg, queries } = useSession();
  const [amount, setAmount] = useState("");
  const st = s.study;
  const t = st.pool.token;
  const { denom } = useDenom(queries, t);
  const parsed = amount.trim() ? tryParseUnits(amount, denom) : null;
  const units = parsed && "amount" in parsed && parsed.amount > 0n ? parsed.amount.toString() : null;
  const topUp = (signing: Signing) =>
    "native" in t
      ? signing.union.topUp({ studyId: st.id }, "auto", undefined, [{ denom: t.native.denom, amount: units! }])
      : cw20Send(signing, t.cw20.address, cfg.contracts.union, units!, { top_up: { study_id: st.id } });
  return (
    <div className="row funding">
      {s.phase === "open" ? (
        <>
          <label>Top up <input value={amount} onChange={(e) => setAmount(e.target.value)} size={10} inputMode="decimal"
            data-testid={`topup-amount-${st.id}`} /> {denom?.symbol ?? ""}</label>
          <TxButton label="Top up" testId={`topup-${st.id}`} disabled={!units} run={topUp} />
          {parsed && "error" in parsed ? <small className="error-text"> {parsed.error}</small> : null}
        </>
      ) : null}
      <TxButton label="Withdraw the unearned rest" testId={`withdraw-${st.id}`} disabled={s.phase !== "refundable"}
        confirm="Withdraw everything the pool still holds? Members can no longer claim afterwards."
        run={(signing) => signing.union.withdrawUnearned({ studyId: st.id })} />
      {s.phase !== "refundable" && s.phase !== "closed" ? <small> possible from <Time ns={st.refund_after} /></small> : null}
    </div>
  );
}
