import { Addr } from "../../components/Addr";
import { Async } from "../../components/Async";
import type { GovernanceConfig } from "../../lib/config";
import { governanceClients, loadOverview, memberDifferences } from "../../lib/governance";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

/** The consortium: its multisig's rules and its group's members, as the chain holds them. */
export function Overview({ gov, readKey }: { gov: GovernanceConfig; readKey: string }) {
  const { queries } = useSession();
  const [state] = useAsync(() => loadOverview(governanceClients(queries, gov)), `overview:${readKey}`);
  return (
    <section aria-labelledby="gov-h" data-testid="governance-overview">
      <h2 id="gov-h">Consortium governance</h2>
      <Async state={state} what="the consortium's group and multisig">
        {(o) => {
          const differences = memberDifferences(gov.members, o.members);
          return (
            <>
              <p data-testid="governance-rules">
                The suite is governed by the multisig <Addr a={gov.multisig.address} /> (cw3-flex-multisig, code {gov.multisig.code_id})
                over the group <Addr a={gov.group.address} /> (cw4-group, code {gov.group.code_id}).
                A proposal passes when <strong data-testid="threshold">{o.threshold.text}</strong>; voting lasts
                at most <strong data-testid="voting-period">{o.votingPeriod}</strong>; {o.executor} may execute a passed proposal.
              </p>
              {o.multisigGroup !== gov.group.address ? (
                <p className="warning" role="alert">The multisig counts the votes of another group: <Addr a={o.multisigGroup} />.</p>
              ) : null}
              <h3>Members</h3>
              <div className="table-wrap">
                <table className="stack" data-testid="members">
                  <thead><tr><th scope="col">Member</th><th scope="col">Address</th><th scope="col">Weight</th></tr></thead>
                  <tbody>
                    {o.members.map((m) => (
                      <tr key={m.addr} data-testid={`member-${m.addr}`} data-weight={m.weight}>
                        <td data-label="Member"><Addr a={m.addr} /></td>
                        <td data-label="Address"><code className="address">{m.addr}</code></td>
                        <td data-label="Weight">{m.weight}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot><tr><th scope="row" colSpan={2}>Total weight</th><td data-testid="total-weight">{o.totalWeight}</td></tr></tfoot>
                </table>
              </div>
              {o.membersComplete ? null : <p className="warning">The group has more members than the dashboard lists.</p>}
              <p data-testid="group-admin">
                Who may change the members (the group's admin):{" "}
                {o.groupAdmin === null ? <strong>no one (the group can no longer change)</strong> : <Addr a={o.groupAdmin} />}
                {o.groupAdmin === gov.multisig.address ? <span className="badge ok">the multisig</span>
                  : o.groupAdmin === null ? null : <span className="badge warn">not the multisig</span>}
              </p>
              {differences.length > 0 ? (
                <p className="small" data-testid="member-differences">
                  The deployment file lists other members than the chain now holds (the chain's are shown): {differences.join("; ")}.
                </p>
              ) : null}
            </>
          );
        }}
      </Async>
    </section>
  );
}
