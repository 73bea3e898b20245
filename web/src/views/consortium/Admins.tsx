import { Addr } from "../../components/Addr";
import { Async } from "../../components/Async";
import { adminVerdict, holderOf, loadAdmins, type Holder } from "../../lib/governance";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

const HOLDER_BADGE: Record<Holder, [string, string]> = {
  multisig: ["ok", "the multisig"],
  deployer: ["warn", "single key"],
  other: ["bad", "another account"],
  none: ["muted", "no one"],
};

/** Who holds each contract's admin roles: the contract's own admin (admits, suspends, sets limits)
 * and wasmd's admin (may migrate the contract to other code). */
export function Admins({ readKey }: { readKey: string }) {
  const { cfg, queries } = useSession();
  const [state] = useAsync(() => loadAdmins(queries, cfg), `admins:${readKey}`);
  return (
    <section aria-labelledby="admins-h" data-testid="contract-admins">
      <h2 id="admins-h">Who is admin of each contract</h2>
      <p className="small">
        Each contract's own admin may admit and suspend participants and change its settings; wasmd's admin of a contract may migrate
        it to other code. Both are read from the chain now.
      </p>
      <Async state={state} what="the contracts' admins">
        {(rows) => {
          const verdict = adminVerdict(rows, cfg);
          const holder = cfg.governance ? "the consortium's multisig" : "the single key that deployed the suite";
          return (
            <>
              <p className={verdict.ok ? "notice" : "warning"} data-testid="admins-verdict" data-ok={verdict.ok}>
                {verdict.ok ? `Every admin role below is held by ${holder}.`
                  : `Not every admin role is held by ${holder}: ${verdict.exceptions.join(", ")}.`}
              </p>
              <div className="table-wrap">
                <table className="stack">
                  <thead>
                    <tr><th scope="col">Contract</th><th scope="col">Its own admin</th><th scope="col">wasmd admin (may migrate)</th><th scope="col">Code</th></tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.name} data-testid={`admin-${r.name}`} data-contract-admin={r.contractAdmin ?? ""} data-wasmd-admin={r.wasmdAdmin ?? ""}>
                        <th scope="row" data-label="Contract">{r.name} <Addr a={r.address} plain /></th>
                        <td data-label="Its own admin">
                          {r.contractAdmin === undefined ? <span className="small">none: it acts only on its members' votes</span> : <Holding a={r.contractAdmin} />}
                          {r.pendingAdmin ? <> <span className="badge warn">offered to</span> <Addr a={r.pendingAdmin} /></> : null}
                        </td>
                        <td data-label="wasmd admin"><Holding a={r.wasmdAdmin} /></td>
                        <td data-label="Code">{r.codeId}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function Holding({ a }: { a: string | null }) {
  const { cfg } = useSession();
  const [cls, text] = HOLDER_BADGE[holderOf(a, cfg)];
  return (
    <>
      {a === null ? null : <><Addr a={a} />{" "}</>}
      <span className={`badge ${cls}`}>{text}</span>
    </>
  );
}
