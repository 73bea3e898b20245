import { useState } from "react";
import { Addr } from "../../components/Addr";
import { useSession } from "../../session";
import { Admins } from "./Admins";
import { Overview } from "./Overview";
import { Proposals } from "./Proposals";

/** Who governs the suite, read-only: the consortium's members and weights, threshold and voting
 * period, who is admin of each contract (in the contract and in wasmd), and the multisig's open
 * and past proposals with their votes and what each would execute. Without a governance section
 * in the deployment, the single key that governs the suite is named. */
export function ConsortiumView() {
  const { cfg } = useSession();
  const [reads, setReads] = useState(0);
  const key = String(reads);
  return (
    <div className="view consortium" data-testid="consortium-view">
      <p className="row">
        <span className="small">Read from the chain; nothing here sends a transaction.</span>
        <button type="button" onClick={() => setReads((r) => r + 1)} data-testid="consortium-reload">Read again</button>
      </p>
      {cfg.governance ? <Overview gov={cfg.governance} readKey={key} /> : <SingleKey />}
      <Admins readKey={key} />
      {cfg.governance ? <Proposals gov={cfg.governance} readKey={key} /> : null}
    </div>
  );
}

function SingleKey() {
  const { cfg } = useSession();
  return (
    <section aria-labelledby="gov-h" data-testid="single-key">
      <h2 id="gov-h">Governance</h2>
      {cfg.deployer ? (
        <p className="warning" data-testid="single-key-statement">
          <strong>This suite is governed by a single key: </strong><Addr a={cfg.deployer} /> (<code className="address">{cfg.deployer}</code>),
          the key that deployed it. The deployment has no consortium group or multisig.
        </p>
      ) : (
        <p className="warning" data-testid="single-key-statement">
          <strong>This suite is governed by a single key, </strong>whichever holds the admin roles below: the deployment has no
          consortium group or multisig, and does not name the key that deployed it.
        </p>
      )}
      <p className="small">
        That key alone admits, suspends and removes manufacturers, relayers, emergency providers and custodians, sets the sampling
        limits and can migrate every contract. A consortium deployment (scripts/deploy.sh --governance) hands these roles to a
        multisig of the member organisations, where nothing happens without enough of them voting yes.
      </p>
    </section>
  );
}
