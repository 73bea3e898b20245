import { useState } from "react";
import type { AppConfig } from "../lib/config";
import { browserWallet, hasBrowserWallet, localWallet, type Wallet } from "../lib/wallet";
import { Addr } from "./Addr";

/** Chooses who signs: the browser wallet, or on a local network the test keyring's accounts. */
export function AccountPicker(props: {
  cfg: AppConfig;
  current: Wallet | null;
  onChoose: (w: Wallet) => Promise<void>;
  onError: (e: unknown) => void;
}) {
  const { cfg } = props;
  const [busy, setBusy] = useState(false);
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
      <div>
        <button type="button" disabled={busy} onClick={() => use(() => browserWallet(cfg))} data-testid="connect-wallet">
          Connect browser wallet
        </button>
        {hasBrowserWallet() ? null : <small> (no Keplr-compatible wallet in this browser)</small>}
      </div>
      {cfg.localKeyring ? (
        <div className="local-keyring" data-testid="local-keyring">
          <label>
            <span className="warning">⚠ {cfg.localKeyring.warning}</span>{" "}
            <select
              aria-label="Local test keyring account"
              data-testid="local-account"
              disabled={busy}
              value={props.current?.kind === "local" ? props.current.address : ""}
              onChange={(e) => {
                const acc = cfg.localKeyring?.accounts.find((a) => a.address === e.target.value);
                if (acc) void use(() => localWallet(cfg, acc));
              }}
            >
              <option value="" disabled>
                choose a test account…
              </option>
              {cfg.localKeyring.accounts.map((a) => (
                <option key={a.address} value={a.address}>
                  {a.name} — {a.address}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      {props.current ? (
        <p className="signed-in" data-testid="signed-in">
          Signed in as <strong>{props.current.label}</strong> <Addr a={props.current.address} />
        </p>
      ) : null}
    </section>
  );
}
