import { useState } from "react";
import type { AppConfig } from "../lib/config";
import { browserWallet, hasBrowserWallet, localWallet, type Wallet } from "../lib/wallet";
import { shortAddress } from "../lib/format";
import { Addr } from "./Addr";
import { Mark } from "./Mark";

/** Chooses who signs: the browser wallet, or on a local network the test keyring's accounts (pick
 * one, then "Sign in"). */
export function AccountPicker(props: {
  cfg: AppConfig;
  current: Wallet | null;
  onChoose: (w: Wallet) => Promise<void>;
  onError: (e: unknown) => void;
}) {
  const { cfg } = props;
  const [busy, setBusy] = useState(false);
  const current = props.current?.kind === "local" ? props.current.address : "";
  // The account picked in the list; signing in is a separate step (a keyboard user moving
  // through the list with the arrow keys is not signed in as each account in turn).
  const [chosen, setChosen] = useState(current);
  const use = async (make: () => Promise<Wallet>) => {
    setBusy(true);
    try {
      await props.onChoose(await make());
    } catch (e) {
      props.onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="accounts" aria-label="Account">
      <Mark name="diachain:accounts" />
      <div>
        <button type="button" disabled={busy} onClick={() => use(() => browserWallet(cfg))} data-testid="connect-wallet">
          Connect browser wallet
        </button>
        {hasBrowserWallet() ? null : <small> (no Keplr-compatible wallet in this browser)</small>}
      </div>
      {cfg.localKeyring ? (
        <form className="local-keyring" data-testid="local-keyring" onSubmit={(e) => {
          e.preventDefault();
          // (tests/browser/first-view.test.mjs: the time from here to the view is the app's)
          performance.mark("diachain:sign-in");
          const acc = cfg.localKeyring?.accounts.find((a) => a.address === chosen);
          if (acc) void use(() => localWallet(cfg, acc));
        }}>
          <p className="warning" id="keyring-warning">⚠ {cfg.localKeyring.warning}</p>
          <label htmlFor="local-account">Test account</label>{" "}
          <select id="local-account" aria-describedby="keyring-warning" data-testid="local-account" disabled={busy}
            value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="" disabled>
              choose a test account…
            </option>
            {cfg.localKeyring.accounts.map((a) => (
              <option key={a.address} value={a.address}>
                {a.name} — {shortAddress(a.address)}
              </option>
            ))}
          </select>{" "}
          <button type="submit" disabled={busy || !chosen || chosen === current} data-testid="local-account-use">
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      ) : null}
      {props.current ? (
        <p className="signed-in" data-testid="signed-in">
          Signed in as <strong>{props.current.label}</strong> <Addr a={props.current.address} plain />
        </p>
      ) : null}
    </section>
  );
}
