import { useCallback, useMemo, useState } from "react";
import { Async, ErrorBox } from "./components/Async";
import { AccountPicker } from "./components/AccountPicker";
import { NetworkStatus } from "./components/NetworkStatus";
import { TimeZonePicker } from "./components/TimeZonePicker";
import { connectQueries, type Queries } from "./lib/chain";
import { loadConfig, type AppConfig } from "./lib/config";
import { TimeZoneContext, useZoneChoiceState, zoneOf } from "./lib/timezone";
import { useAsync } from "./lib/useAsync";
import { useContacts } from "./lib/contacts";
import { loadChainDirectory, nameBook, NamesContext } from "./lib/names";
import type { Wallet } from "./lib/wallet";
import { lazySigning, SessionContext, type Session } from "./session";
import { Views } from "./views/Views";

async function start(): Promise<{ cfg: AppConfig; queries: Queries }> {
  const cfg = await loadConfig();
  return { cfg, queries: await connectQueries(cfg) };
}

export function App() {
  const [boot, retry] = useAsync(start, "boot");
  const [choice, choose] = useZoneChoiceState();
  const zone = useMemo(() => ({ zone: zoneOf(choice), choice, choose }), [choice, choose]);
  return (
    <TimeZoneContext.Provider value={zone}>
      <div className="app">
        <header className="top">
          <h1>DiaChain</h1>
          {boot.status === "ok" ? <NetworkStatus cfg={boot.data.cfg} queries={boot.data.queries} /> : null}
          <TimeZonePicker />
        </header>
        <Async state={boot} what="the network">
          {({ cfg, queries }) => <Connected cfg={cfg} queries={queries} />}
        </Async>
        {boot.status === "error" ? <button type="button" onClick={retry}>Try again</button> : null}
      </div>
    </TimeZoneContext.Provider>
  );
}

function Connected({ cfg, queries }: { cfg: AppConfig; queries: Queries }) {
  const [account, setAccount] = useState<{ wallet: Wallet; sign: Session["sign"] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const changed = useCallback(() => setVersion((v) => v + 1), []);
  const choose = useCallback(
    async (wallet: Wallet) => {
      setError(null);
      try {
        setAccount({ wallet, sign: lazySigning(cfg, wallet) });
      } catch (e) {
        setError(e);
      }
    },
    [cfg],
  );
  const contacts = useContacts();
  // Who the chain's admitted participants are (labels, roles), once per connection.
  const [directory] = useAsync(() => loadChainDirectory(queries), "directory");
  const names = useMemo(
    () => nameBook({ you: account?.wallet.address ?? null, contacts, chain: directory.status === "ok" ? directory.data : null, cfg }),
    [account, contacts, directory, cfg],
  );
  const session: Session | null = useMemo(
    () => (account ? { cfg, queries, wallet: account.wallet, sign: account.sign, version, changed } : null),
    [account, cfg, queries, version, changed],
  );
  return (
    <NamesContext.Provider value={names}>
      <AccountPicker cfg={cfg} current={account?.wallet ?? null} onChoose={choose} onError={setError} />
      {error ? <ErrorBox error={error} title="Could not use this account" /> : null}
      {session ? (
        <SessionContext.Provider value={session}>
          <Views />
        </SessionContext.Provider>
      ) : (
        <p className="hint">Choose an account to see its data and act as a patient, a clinician or a sponsor.</p>
      )}
    </NamesContext.Provider>
  );
}
