import { useState } from "react";
import { Async, ErrorBox } from "../../components/Async";
import { Time } from "../../components/Time";
import { relayerFor, type ErasureView } from "../../lib/relayer";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

const PHRASE = "erase my data";

/** Asks the relayer to crypto-shred the patient's data (signed), after a typed confirmation. */
export function Erasure() {
  const { cfg, wallet, version, changed } = useSession();
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [state] = useAsync(() => relayerFor(cfg, wallet).erasures(wallet.address), `${wallet.address}:${version}`);
  const erase = async () => {
    setBusy(true);
    setError(null);
    try {
      await relayerFor(cfg, wallet).requestErasure(wallet.address);
      setTyped("");
      changed();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="erasure-h" data-testid="erasure">
      <h2 id="erasure-h">Erase my data at the relayer</h2>
      <p className="small">
        The relayer destroys the key your readings are encrypted under (nothing can read them afterwards) and records the
        erasure on chain. The anchored roots stay: they reveal nothing. This cannot be undone.
      </p>
      <label>
        Type <q>{PHRASE}</q> to confirm: <input value={typed} onChange={(e) => setTyped(e.target.value)} data-testid="erasure-confirm" />
      </label>{" "}
      <button type="button" className="danger" disabled={busy || typed.trim() !== PHRASE} onClick={erase} data-testid="erasure-submit">
        {busy ? "Erasing…" : "Erase my data"}
      </button>
      {error ? <ErrorBox error={error} title="Erasure failed" /> : null}
      <h3>Erasures done</h3>
      <Async state={state} what="your erasures" isEmpty={(d) => d.erasures.length === 0} empty="No erasure has been requested.">
        {(d) => <ul>{d.erasures.map((e) => <ErasureItem key={e.erasure.request_hash} e={e} />)}</ul>}
      </Async>
    </section>
  );
}

function ErasureItem({ e }: { e: ErasureView }) {
  const rec = e.chain_record;
  return (
    <li>
      <Time s={e.erasure.erased_at} />: {e.erasure.readings} readings in {e.erasure.batches} batches erased; on chain:{" "}
      {rec === null ? "not queued" : rec.state === "recorded" ? `recorded in block ${rec.height}` : rec.state.replace("_", " ")}
    </li>
  );
}
