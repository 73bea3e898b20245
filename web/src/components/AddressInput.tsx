import { useId } from "react";
import { resolveAddress, useContacts } from "../lib/contacts";
import { shortAddress } from "../lib/format";
import { useSession } from "../session";

/** What an address field holds: the address it names, or why it names none. */
export function useResolvedAddress(text: string): { address: string | null; error: string | null; name: string | null } {
  const { cfg } = useSession();
  useContacts(); // (read again when the address book changes)
  const r = resolveAddress(text, cfg.prefix);
  if (r === null) return { address: null, error: null, name: null };
  if ("error" in r) return { address: null, error: r.error, name: null };
  return { address: r.address, error: null, name: r.contact?.name ?? null };
}

/** A field for an address that takes a contact's name too (offered as you type), and says which
 * address it stands for. */
export function AddressInput({ name, value, onChange, label, testId }: {
  name: string; value: string; onChange: (text: string) => void; label: string; testId?: string;
}) {
  const contacts = useContacts();
  const id = useId();
  const r = useResolvedAddress(value);
  return (
    <span className="address-input">
      <label htmlFor={`${id}-input`}>{label}</label>{" "}
      <input id={`${id}-input`} name={name} value={value} onChange={(e) => onChange(e.target.value)} list={`${id}-contacts`}
        placeholder="a contact's name or wasm1…" autoComplete="off" spellCheck={false} data-testid={testId}
        aria-describedby={`${id}-resolved`} aria-invalid={r.error ? true : undefined} />
      <datalist id={`${id}-contacts`}>
        {contacts.map((c) => <option key={c.address} value={c.name}>{shortAddress(c.address)}</option>)}
      </datalist>{" "}
      <small id={`${id}-resolved`} className={r.error ? "error-text" : "small"} data-testid={testId ? `${testId}-resolved` : undefined}
        data-address={r.address ?? ""}>
        {r.error ? r.error : r.address ? (r.name ? `${r.name}: ${shortAddress(r.address)}` : "an address not in your address book") : ""}
      </small>
    </span>
  );
}
