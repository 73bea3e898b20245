import { shortAddress } from "../lib/format";
import { useNames } from "../lib/names";

/** An address as people know it: its name (you, a contact, the chain's label or role, the test
 * keyring's name), the whole address on hover; an unknown one shortened. `plain` shows the
 * address even when a name is known. */
export function Addr({ a, plain }: { a: string; plain?: boolean }) {
  const known = useNames().nameOf(a);
  if (plain || !known) {
    return (
      <span className="addr" title={a} data-address={a}>
        <code>{shortAddress(a)}</code>
      </span>
    );
  }
  return (
    <span className={`addr named ${known.source}`} title={`${a} — ${known.detail}`} data-address={a} data-name-source={known.source}>
      {known.name}
    </span>
  );
}
