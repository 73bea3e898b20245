import type { DataUnionTypes } from "@diachain/client";
import { useState } from "react";
import { ScopePicker } from "../../components/ScopePicker";
import { TxButton } from "../../components/TxButton";
import { AddressInput, useResolvedAddress } from "../../components/AddressInput";
import { nativeDenom, tryParseUnits, useDenom } from "../../lib/amounts";
import { cw20Send } from "../../lib/cw20";
import type { Signing } from "../../lib/signing";
import { dayToIso, isoToDay } from "../../lib/format";
import { useSession } from "../../session";

const KINDS: DataUnionTypes.DeviceKind[] = ["cgm", "pump", "pen", "meter", "wearable", "gateway"];

/** A new study and its first deposit, in the network's coin or a cw20 token. */
export function CreateStudy() {
  const { cfg, queries } = useSession();
  const [title, setTitle] = useState("");
  const [url, setUrl] = useState("https://");
  const [scopes, setScopes] = useState<DataUnionTypes.DataScope[]>(["glucose"]);
  const [fromDay, setFromDay] = useState(() => dayToIso(queries.clock.today()));
  const [toDay, setToDay] = useState(() => dayToIso(queries.clock.today() + 6));
  const [minPerDay, setMinPerDay] = useState("1");
  const [minDays, setMinDays] = useState("1");
  const [kinds, setKinds] = useState<DataUnionTypes.DeviceKind[]>([]);
  const [cap, setCap] = useState("1");
  const [funding, setFunding] = useState<"native" | "cw20">("native");
  const [token, setToken] = useState("");
  const [amount, setAmount] = useState("10");
  // Amounts are typed in the display denomination (DIA, or the cw20 token's symbol and decimals).
  const tokenAt = useResolvedAddress(token);
  const { denom, error: tokenError } = useDenom(queries, funding === "native" ? { native: { denom: cfg.denom } } : tokenAt.address);
  const units = (text: string) => {
    const p = tryParseUnits(text, denom);
    return "amount" in p && p.amount > 0n ? p.amount.toString() : null;
  };
  const why = (text: string) => {
    const p = tryParseUnits(text, denom);
    return "error" in p ? p.error : p.amount === 0n ? "more than 0" : null;
  };
  const study = (): DataUnionTypes.NewStudy => ({
    title: title.trim(),
    description_url: url.trim(),
    scopes,
    data_from_day: isoToDay(fromDay),
    data_to_day: isoToDay(toDay),
    eligibility: { min_readings_per_day: Number(minPerDay), min_days: Number(minDays), device_kinds: kinds },
    cap_per_patient: units(cap)!,
  });
  const run = (signing: Signing) =>
    funding === "native"
      ? signing.union.createStudy({ denom: cfg.denom, study: study() }, "auto", undefined, [{ denom: cfg.denom, amount: units(amount)! }])
      : cw20Send(signing, tokenAt.address!, cfg.contracts.union, units(amount)!, { create_study: { study: study() } });
  const missing = !title.trim() ? "a title"
    : scopes.length === 0 ? "a scope"
      : funding === "cw20" && !tokenAt.address ? `the cw20 token (a contact or an address${tokenAt.error ? `: ${tokenAt.error}` : ""})`
        : funding === "cw20" && tokenError ? "a cw20 token (that contract did not answer token_info)"
          : !units(amount) ? `an amount (${why(amount) ?? "more than 0"})`
            : !units(cap) ? `a cap per patient (${why(cap) ?? "more than 0"})` : null;
  return (
    <section aria-labelledby="create-h" data-testid="create-study">
      <h2 id="create-h">Create and fund a study</h2>
      <form className="card" onSubmit={(e) => e.preventDefault()}>
        <label>Title <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={128} size={40} /></label>
        <label>Protocol link <input name="url" value={url} onChange={(e) => setUrl(e.target.value)} maxLength={256} size={40} /></label>
        <ScopePicker name="study-scope" value={scopes} onChange={setScopes} />
        <label>Data from (UTC day) <input type="date" name="from-day" value={fromDay} onChange={(e) => setFromDay(e.target.value)} /></label>
        <label>to <input type="date" name="to-day" value={toDay} onChange={(e) => setToDay(e.target.value)} /></label>
        <label>Min. readings a day <input name="min-per-day" value={minPerDay} onChange={(e) => setMinPerDay(e.target.value)} size={5} /></label>
        <label>Min. days <input name="min-days" value={minDays} onChange={(e) => setMinDays(e.target.value)} size={4} /></label>
        <ScopePicker name="study-kinds" legend="Devices required (none: any)" options={KINDS} value={kinds} onChange={setKinds} />
        <label>Cap per patient <input name="cap" value={cap} onChange={(e) => setCap(e.target.value)} size={10} inputMode="decimal" /> {denom?.symbol ?? ""}</label>
        <fieldset>
          <legend>Funding</legend>
          <label><input type="radio" name="funding" checked={funding === "native"} onChange={() => setFunding("native")} /> {nativeDenom(cfg.denom).symbol} (the chain's coin)</label>
          <label><input type="radio" name="funding" checked={funding === "cw20"} onChange={() => setFunding("cw20")} /> a cw20 token</label>
          {funding === "cw20" ? <AddressInput name="token" label="Token contract" value={token} onChange={setToken} testId="token" /> : null}
          <label>Amount <input name="amount" value={amount} onChange={(e) => setAmount(e.target.value)} size={10} inputMode="decimal" /> {denom?.symbol ?? ""}</label>
          {cfg.union ? <small> (the union keeps a {cfg.union.fee_bps / 100} % fee of every deposit)</small> : null}
        </fieldset>
        <TxButton label="Create and fund" testId="create-study-submit" disabled={missing !== null} run={run} />
        {missing ? <small> Fill in {missing}.</small> : null}
      </form>
    </section>
  );
}
