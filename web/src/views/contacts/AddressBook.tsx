import { useState, type FormEvent } from "react";
import { ErrorBox } from "../../components/Async";
import { isAddress, NAME_MAX, removeContact, saveContact, useContacts, type Contact } from "../../lib/contacts";
import { useNames } from "../../lib/names";
import { useSession } from "../../session";

/** The address book: names this browser gives to addresses (add, rename, remove), and who the
 * chain says its admitted participants are. */
export function AddressBook() {
  const contacts = useContacts();
  return (
    <div className="view contacts" data-testid="contacts-view">
      <section aria-labelledby="book-h" data-testid="address-book">
        <h2 id="book-h">Address book</h2>
        <p className="small">
          Names you give to addresses, kept in this browser only (never on chain). They are shown wherever the dashboard
          shows an address, and can be typed wherever it asks for one.
        </p>
        <AddContact />
        {contacts.length === 0 ? <p className="empty" data-testid="contacts-empty">Your address book is empty.</p> : (
          <div className="table-wrap">
            <table className="stack" data-testid="contacts">
              <thead><tr><th scope="col">Name</th><th scope="col">Address</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>{contacts.map((c) => <ContactRow key={c.address} c={c} />)}</tbody>
            </table>
          </div>
        )}
      </section>
      <OnChain />
    </div>
  );
}

function AddContact() {
  const { cfg } = useSession();
  const [name, setName] = useState("");
  const [address, setAddress] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setAdded(null);
    try {
      const a = address.trim();
      if (!isAddress(a, cfg.prefix)) throw new Error(`"${a}" is not an address of this chain (${cfg.prefix}1…, with a valid checksum).`);
      saveContact(a, name);
      setAdded(name.trim());
      setName("");
      setAddress("");
    } catch (x) {
      setError(x);
    }
  };
  return (
    <form className="card" onSubmit={submit} data-testid="contact-form">
      <h3>Add a contact</h3>
      <label>Name <input name="contact-name" value={name} maxLength={NAME_MAX} onChange={(e) => setName(e.target.value)}
        placeholder="e.g. Dr. Lena Berg" data-testid="contact-name" autoComplete="off" /></label>
      <label>Address <input name="contact-address" value={address} onChange={(e) => setAddress(e.target.value)}
        placeholder={`${cfg.prefix}1…`} spellCheck={false} autoComplete="off" data-testid="contact-address" /></label>
      <button type="submit" disabled={!name.trim() || !address.trim()} data-testid="contact-add">Add</button>
      {added ? <span className="ok" role="status" data-testid="contact-added">{added} added</span> : null}
      {error ? <ErrorBox error={error} title="Not added" /> : null}
    </form>
  );
}

function ContactRow({ c }: { c: Contact }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(c.name);
  const [error, setError] = useState<unknown>(null);
  const rename = (e: FormEvent) => {
    e.preventDefault();
    try {
      saveContact(c.address, name);
      setRenaming(false);
      setError(null);
    } catch (x) {
      setError(x);
    }
  };
  return (
    <tr data-testid={`contact-${c.address}`} data-name={c.name}>
      <td data-label="Name">
        {renaming ? (
          <form onSubmit={rename} className="inline-form">
            <label className="visually-hidden" htmlFor={`rename-${c.address}`}>New name for {c.name}</label>
            <input id={`rename-${c.address}`} value={name} maxLength={NAME_MAX} onChange={(e) => setName(e.target.value)} data-testid="contact-rename-input" />
            <button type="submit" disabled={!name.trim()} data-testid="contact-rename-save">Save</button>
            {error ? <ErrorBox error={error} title="Not renamed" /> : null}
          </form>
        ) : <strong>{c.name}</strong>}
      </td>
      <td data-label="Address"><code className="address">{c.address}</code></td>
      <td className="actions">
        <button type="button" onClick={() => { setRenaming(!renaming); setName(c.name); setError(null); }} data-testid="contact-rename">
          {renaming ? "Cancel" : "Rename"}<span className="visually-hidden"> {c.name}</span>
        </button>{" "}
        <button type="button" className="danger" onClick={() => removeContact(c.address)} data-testid="contact-remove">
          Remove<span className="visually-hidden"> {c.name}</span>
        </button>
      </td>
    </tr>
  );
}

/** The chain's admitted participants: the registry keeps a label for each manufacturer and
 * relayer; the consent contract keeps only the role of emergency providers and custodians. */
function OnChain() {
  const { chain } = useNames();
  const rows = chain ? [...chain.roles.entries()].map(([address, roles]) => ({ address, roles, label: chain.labels.get(address) ?? null })) : [];
  return (
    <section aria-labelledby="onchain-h" data-testid="on-chain-names">
      <h2 id="onchain-h">Known on chain</h2>
      <p className="small">
        Who the consortium admitted, as the contracts say: the device registry labels each manufacturer and relayer; the consent
        contract keeps no label for emergency providers and custodians, only their role. A name in your address book comes first.
      </p>
      {chain === null ? <p className="loading" role="status">Loading the chain's participants…</p> : rows.length === 0 ? <p className="empty">No admitted participant.</p> : (
        <div className="table-wrap">
          <table className="stack">
            <thead><tr><th scope="col">Label</th><th scope="col">Admitted as</th><th scope="col">Address</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.address} data-testid={`chain-name-${r.address}`}>
                  <td data-label="Label">{r.label ?? <span className="small">(no label on chain)</span>}</td>
                  <td data-label="Admitted as">{r.roles.join(", ")}</td>
                  <td data-label="Address"><code className="address">{r.address}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
