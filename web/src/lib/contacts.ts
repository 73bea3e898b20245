// The address book: names this browser gives to addresses (localStorage, never on chain), used
// wherever an address is shown or typed. Shared by every account and tab of this browser.
import { fromBech32 } from "@cosmjs/encoding";
import { useSyncExternalStore } from "react";

export interface Contact {
  address: string;
  name: string;
}

const KEY = "diachain.contacts";
/** The longest name kept. */
export const NAME_MAX = 60;

const listeners = new Set<() => void>();
let cache: { raw: string | null; contacts: Contact[] } = { raw: null, contacts: [] };

function read(): Contact[] {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    /* no storage: an empty book */
  }
  if (raw === cache.raw) return cache.contacts;
  let contacts: Contact[] = [];
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed))
      contacts = parsed.filter((c): c is Contact => typeof c?.address === "string" && typeof c?.name === "string");
  } catch {
    /* a damaged book reads as empty */
  }
  cache = { raw, contacts };
  return contacts;
}

function write(contacts: Contact[]): void {
  const sorted = [...contacts].sort((a, b) => a.name.localeCompare(b.name));
  try {
    localStorage.setItem(KEY, JSON.stringify(sorted));
  } catch {
    throw new Error("This browser does not let the dashboard keep an address book (storage is off or full).");
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  // Another tab of this browser changed the book.
  const onStorage = (e: StorageEvent) => {
    if (e.key === KEY) l();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(l);
    window.removeEventListener("storage", onStorage);
  };
}

/** Every contact, by name. */
export function useContacts(): Contact[] {
  return useSyncExternalStore(subscribe, read, () => []);
}

export function contacts(): Contact[] {
  return read();
}

/** Whether `s` is an address of this chain (bech32 with `prefix`, its checksum right). */
export function isAddress(s: string, prefix: string): boolean {
  try {
    // (an explicit length limit: @cosmjs/encoding's default, Infinity, is refused by @scure/base 2)
    return fromBech32(s, 128).prefix === prefix;
  } catch {
    return false;
  }
}

/** Adds a contact, or renames the address's contact. A name belongs to one address only. */
export function saveContact(address: string, name: string): void {
  const n = name.trim();
  if (!n) throw new Error("A contact needs a name.");
  if (n.length > NAME_MAX) throw new Error(`A name is at most ${NAME_MAX} characters.`);
  const book = read();
  const taken = book.find((c) => c.name.toLowerCase() === n.toLowerCase() && c.address !== address);
  if (taken) throw new Error(`"${taken.name}" is already the name of ${taken.address}.`);
  write([...book.filter((c) => c.address !== address), { address, name: n }]);
}

export function removeContact(address: string): void {
  write(read().filter((c) => c.address !== address));
}

/** What is typed where an address is asked for: an address, or a contact's name. */
export function resolveAddress(text: string, prefix: string): { address: string; contact?: Contact } | { error: string } | null {
  const t = text.trim();
  if (!t) return null;
  const byName = read().find((c) => c.name.toLowerCase() === t.toLowerCase());
  if (byName) return { address: byName.address, contact: byName };
  if (isAddress(t, prefix)) return { address: t, contact: read().find((c) => c.address === t) };
  return { error: t.startsWith(`${prefix}1`) ? "not a valid address" : "no contact of that name" };
}
