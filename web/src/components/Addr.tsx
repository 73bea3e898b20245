import { shortAddress } from "../lib/format";

export function Addr({ a, label }: { a: string; label?: string }) {
  return (
    <span className="addr" title={a} data-address={a}>
      {label ? `${label} ` : ""}
      <code>{shortAddress(a)}</code>
    </span>
  );
}
