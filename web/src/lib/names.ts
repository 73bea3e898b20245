// Names instead of addresses: who an address is, by what this browser and the chain know —
// the signed-in account ("you"), the address book (lib/contacts.ts), the label the consortium
// gave an admitted manufacturer or relayer in the device registry (`Participants`), the role of an
// admitted emergency provider or custodian in the consent contract (`Members`: no label there),
// on a local network the test keyring's account names, and the deployment's own contracts (the
// suite's four, the consortium's group and multisig).
import type { ConsentTypes, DeviceRegistryTypes } from "@diachain/client";
import { createContext, useContext } from "react";
import { allPages, type Queries } from "./chain";
import type { AppConfig } from "./config";
import type { Contact } from "./contacts";

export interface KnownName {
  name: string;
  source: "you" | "contact" | "chain" | "keyring" | "deployment";
  /** Where the name comes from, for the address's tooltip. */
  detail: string;
}

/** What the chain says about admitted participants: labels and roles by address. */
export interface ChainDirectory {
  labels: Map<string, string>;
  roles: Map<string, string[]>;
}

const ROLE_TEXT: Record<string, string> = {
  manufacturer: "manufacturer", relayer: "relayer", emergency_provider: "emergency provider", custodian: "data custodian",
};

export async function loadChainDirectory(q: Queries): Promise<ChainDirectory> {
  const labels = new Map<string, string>();
  const roles = new Map<string, string[]>();
  const addRole = (a: string, r: string) => roles.set(a, [...(roles.get(a) ?? []), ROLE_TEXT[r] ?? r]);
  const [participants, members] = await Promise.all([
    Promise.all((["manufacturer", "relayer"] as const).map((role) =>
      allPages<DeviceRegistryTypes.Participant, string>((after) => q.registry.participants({ role, startAfter: after, limit: 100 }), (p) => p.address))),
    Promise.all((["emergency_provider", "custodian"] as const).map((role) =>
      allPages<ConsentTypes.Member, string>((after) => q.consent.members({ role, startAfter: after, limit: 100 }), (m) => m.address))),
  ]);
  for (const p of participants.flat()) {
    if (p.label.trim()) labels.set(p.address, p.label.trim());
    addRole(p.address, p.role);
  }
  for (const m of members.flat()) addRole(m.address, m.role);
  return { labels, roles };
}

export interface NameBook {
  nameOf: (address: string) => KnownName | null;
  /** The chain's admitted participants, once loaded. */
  chain: ChainDirectory | null;
}

/** The deployment's contracts by address, as the page names them. */
function deploymentNames(cfg: Pick<AppConfig, "contracts" | "governance">): Map<string, string> {
  const c = cfg.contracts;
  const names: [string, string][] = [
    [c.registry, "device-registry contract"], [c.anchors, "reading-anchors contract"], [c.consent, "consent contract"],
    [c.union, "data-union contract"],
  ];
  if (cfg.governance) names.push([cfg.governance.multisig.address, "consortium multisig"], [cfg.governance.group.address, "consortium group"]);
  return new Map(names);
}

export function nameBook(opts: { you: string | null; contacts: Contact[]; chain: ChainDirectory | null; cfg: AppConfig }): NameBook {
  const contacts = new Map(opts.contacts.map((c) => [c.address, c.name]));
  const keyring = new Map((opts.cfg.localKeyring?.accounts ?? []).map((a) => [a.address, a.name]));
  const deployment = deploymentNames(opts.cfg);
  return {
    chain: opts.chain,
    nameOf: (a) => {
      const roles = opts.chain?.roles.get(a);
      const admitted = roles ? `admitted ${roles.join(" and ")}` : "";
      if (a === opts.you) return { name: "you", source: "you", detail: "the signed-in account" };
      const contact = contacts.get(a);
      if (contact) return { name: contact, source: "contact", detail: ["in your address book", admitted].filter(Boolean).join("; ") };
      const label = opts.chain?.labels.get(a);
      if (label) return { name: label, source: "chain", detail: `${admitted}: its label on chain` };
      if (roles) return { name: admitted, source: "chain", detail: "its role on chain (the contract keeps no label)" };
      const test = keyring.get(a);
      if (test) return { name: test, source: "keyring", detail: "the local test keyring's account name" };
      const contract = deployment.get(a);
      if (contract) return { name: contract, source: "deployment", detail: "a contract of this deployment" };
      return null;
    },
  };
}

export const NamesContext = createContext<NameBook>({ nameOf: () => null, chain: null });

export function useNames(): NameBook {
  return useContext(NamesContext);
}

/** A name for an address in a sentence: its known name, else the address itself. */
export function nameText(book: NameBook, address: string): string {
  return book.nameOf(address)?.name ?? address;
}
