import { useState } from "react";
import { Async } from "../../components/Async";
import type { GovernanceConfig } from "../../lib/config";
import { governanceClients, loadProposals, PROPOSAL_CAP, type Proposal } from "../../lib/governance";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";
import { listAllMembers } from "@diachain/client";
import { ProposalCard, ProposalSummary } from "./ProposalCard";

/** The multisig's proposals: the open ones (and passed ones not executed yet) in full, the past
 * ones (executed, rejected, expired) one line each, opened on request. */
export function Proposals({ gov, readKey }: { gov: GovernanceConfig; readKey: string }) {
  const { queries } = useSession();
  const [state] = useAsync(async () => {
    const clients = governanceClients(queries, gov);
    const [lists, members] = await Promise.all([loadProposals(clients), listAllMembers(clients.group)]);
    return { lists, members: members.items, clients };
  }, `proposals:${readKey}`);
  return (
    <section aria-labelledby="proposals-h" data-testid="proposals">
      <h2 id="proposals-h">Proposals</h2>
      <Async state={state} what="the multisig's proposals">
        {({ lists, members, clients }) => (
          <>
            {lists.complete ? null : <p className="warning">Only the newest {PROPOSAL_CAP} proposals are listed.</p>}
            <h3>Open</h3>
            <div data-testid="open-proposals">
              {lists.active.length === 0 ? <p className="empty">No open proposal.</p>
                : lists.active.map((p) => <ProposalCard key={p.id} p={p} multisig={clients.multisig} members={members} />)}
            </div>
            <h3>Past</h3>
            <div data-testid="past-proposals">
              {lists.past.length === 0 ? <p className="empty">No past proposal.</p>
                : lists.past.map((p) => <Past key={p.id} p={p} clients={clients} members={members} />)}
            </div>
          </>
        )}
      </Async>
    </section>
  );
}

function Past({ p, clients, members }: {
  p: Proposal; clients: ReturnType<typeof governanceClients>; members: { addr: string; weight: number }[];
}) {
  const [open, setOpen] = useState(false);
  return (
    <details className="card past-proposal" data-testid={`proposal-${p.id}`} data-status={p.status}
      onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary data-testid={`proposal-summary-${p.id}`}><h4><ProposalSummary p={p} /></h4></summary>
      {open ? <ProposalCard p={p} multisig={clients.multisig} members={members} inline /> : null}
    </details>
  );
}
