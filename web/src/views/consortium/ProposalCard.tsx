import {
  deadlineOf, decodeProposalMessages, describeThreshold, listAllVotes, tallyVotes, type Cw3FlexMultisigQueryClient, type DecodedMessage,
} from "@diachain/client";
import { useMemo } from "react";
import { Addr } from "../../components/Addr";
import { Amount } from "../../components/Amount";
import { Async } from "../../components/Async";
import { Time } from "../../components/Time";
import { relative } from "../../lib/format";
import { knownContracts, messagesHeading, statusText, voteProgress, type Proposal } from "../../lib/governance";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

const STATUS_BADGE: Record<Proposal["status"], string> = { open: "warn", pending: "muted", passed: "ok", executed: "ok", rejected: "bad" };

/** One line: number, title, status and end. */
export function ProposalSummary({ p }: { p: Proposal }) {
  return (
    <>
      <strong>#{p.id} {p.title}</strong> <span className={`badge ${STATUS_BADGE[p.status]}`} data-testid="proposal-status">{p.status}</span>{" "}
      <span className="small">· {p.msgs.length} message{p.msgs.length === 1 ? "" : "s"} · <Deadline p={p} /></span>
    </>
  );
}

/** When the proposal expires: a moment (in the chosen zone, and how far from the chain's now), a
 * block, or never. */
function Deadline({ p }: { p: Proposal }) {
  const { queries } = useSession();
  const d = deadlineOf(p.expires);
  if (d.kind === "never") return <>never expires</>;
  if (d.kind === "height") return <>expires at block {d.height}</>;
  const now = queries.clock.date();
  const at = new Date(d.seconds * 1000);
  return <>{at <= now ? "expired" : "expires"} <Time s={d.seconds} /> ({relative(at, now)})</>;
}

/** A proposal in full: who proposed it, until when, the votes against its threshold, who voted
 * what (and which members have not), and what it would execute, decoded. */
export function ProposalCard({ p, multisig, members, inline }: {
  p: Proposal; multisig: Cw3FlexMultisigQueryClient; members: { addr: string; weight: number }[]; inline?: boolean;
}) {
  const body = (
    <>
      {p.description ? <p className="proposal-description" data-testid="proposal-description">{p.description}</p> : null}
      <p className="small">
        Proposed by <Addr a={p.proposer} /> · <Deadline p={p} />
        {p.deposit ? <> · deposit <Amount amount={p.deposit.amount}
          token={"native" in p.deposit.denom ? p.deposit.denom.native : { cw20: { address: p.deposit.denom.cw20 } }} /></> : null}
      </p>
      <Votes p={p} multisig={multisig} members={members} />
      <Messages p={p} />
    </>
  );
  if (inline) return <div className="proposal-body">{body}</div>;
  return (
    <article className="card proposal" data-testid={`proposal-${p.id}`} data-status={p.status} aria-labelledby={`proposal-h-${p.id}`}>
      <h4 id={`proposal-h-${p.id}`}><ProposalSummary p={p} /></h4>
      {body}
    </article>
  );
}

function Votes({ p, multisig, members }: { p: Proposal; multisig: Cw3FlexMultisigQueryClient; members: { addr: string; weight: number }[] }) {
  const [state] = useAsync(() => listAllVotes(multisig, p.id), `votes:${p.id}:${p.status}`);
  const threshold = describeThreshold(p.threshold);
  return (
    <Async state={state} what="the votes">
      {({ items, complete }) => {
        const tally = tallyVotes(items);
        const voted = new Set(items.map((v) => v.voter));
        const silent = p.status === "open" ? members.filter((m) => m.weight > 0 && !voted.has(m.addr)) : [];
        return (
          <div className="votes" data-testid="proposal-votes" data-yes={tally.yes} data-no={tally.no} data-abstain={tally.abstain} data-veto={tally.veto}
            data-needed={threshold.yesNeeded ?? ""} data-total={threshold.totalWeight}>
            <p><strong data-testid="proposal-outcome">{statusText(p, tally, threshold)}</strong></p>
            <p data-testid="proposal-tally">Votes: {voteProgress(tally, threshold, p.status)}.</p>
            {items.length === 0 ? <p className="empty">No vote yet.</p> : (
              <table className="stack compact" data-testid="vote-list">
                <thead><tr><th scope="col">Member</th><th scope="col">Vote</th><th scope="col">Weight</th></tr></thead>
                <tbody>
                  {items.map((v) => (
                    <tr key={v.voter} data-testid={`vote-${v.voter}`} data-vote={v.vote}>
                      <td data-label="Member"><Addr a={v.voter} /></td>
                      <td data-label="Vote">{v.vote}</td>
                      <td data-label="Weight">{v.weight}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {complete ? null : <p className="warning">More votes were cast than the dashboard lists.</p>}
            {silent.length > 0 ? (
              <p className="small" data-testid="not-voted">
                Not voted yet: {silent.map((m, i) => <span key={m.addr}>{i > 0 ? ", " : null}<Addr a={m.addr} /></span>)}
              </p>
            ) : null}
          </div>
        );
      }}
    </Async>
  );
}

function Messages({ p }: { p: Proposal }) {
  const { cfg } = useSession();
  const decoded = useMemo(() => decodeProposalMessages(p.msgs, knownContracts(cfg)), [p.msgs, cfg]);
  return (
    <div className="proposal-msgs">
      <h5>{messagesHeading(p.status)}</h5>
      {decoded.length === 0 ? <p className="empty">Nothing: the proposal holds no message.</p> : (
        <ol data-testid="proposal-msgs">
          {decoded.map((d, i) => <Message key={i} d={d} raw={p.msgs[i]} />)}
        </ol>
      )}
    </div>
  );
}

function Message({ d, raw }: { d: DecodedMessage; raw: unknown }) {
  return (
    <li data-testid="proposal-msg" data-kind={d.kind} data-text={d.text}>
      {d.kind === "unknown" ? <><span className="badge bad">unknown</span>{" "}</> : null}
      {d.segments.map((s, i) => (typeof s === "string" ? <span key={i}>{s}</span>
        : "address" in s ? <Addr key={i} a={s.address} /> : <Amount key={i} amount={s.amount} token={s.denom} />))}
      {d.reason ? <span className="small" data-testid="proposal-msg-reason"> — not shown as an action: {d.reason}</span> : null}
      <details className="raw-msg">
        <summary>The message as proposed</summary>
        <pre>{JSON.stringify(d.inner === null ? raw : { ...asObject(raw), decoded_msg: d.inner }, null, 2)}</pre>
      </details>
    </li>
  );
}

const asObject = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : { message: v });
