// What web/serve.mjs tells the dashboard at /config.json: the network (from a deployment file),
// the relayer and, on a local network only, the test keyring's accounts.
export interface LocalAccount {
  name: string;
  address: string;
  mnemonic: string;
}

/** A deployment's `governance` section (scripts/deploy.sh --governance): the consortium's
 * cw4-group and cw3-flex-multisig, the members and threshold it was deployed with. */
export interface GovernanceConfig {
  group: { code_id: number; checksum: string; address: string; label: string };
  multisig: { code_id: number; checksum: string; address: string; label: string };
  members: { addr: string; weight: number }[];
  threshold: number;
  max_voting_period_secs: number;
}

export interface AppConfig {
  chainId: string;
  rpc: string;
  rest: string | null;
  denom: string;
  gasPrice: string;
  prefix: string;
  relayer: string;
  contracts: { registry: string; anchors: string; consent: string; union: string };
  union: { fee_bps: number; grace_period: number } | null;
  /** The deployment's governance, or null: the suite is then governed by the deployer's key alone. */
  governance: GovernanceConfig | null;
  /** The key that deployed the suite (the deployment file's `deployer`). */
  deployer: string | null;
  localKeyring: { warning: string; accounts: LocalAccount[] } | null;
}

/** Set by index.html's first script: the request for /config.json, made before any module loads. */
declare global {
  interface Window {
    __diachainConfig?: Promise<Response | { fetchError: string }>;
  }
}

async function fetchConfig(): Promise<Response> {
  const early = window.__diachainConfig;
  window.__diachainConfig = undefined; // (a retry asks again)
  const res = early ? await early : await fetch("/config.json", { cache: "no-store" }).catch((e: unknown) => ({ fetchError: String(e) }));
  if ("fetchError" in res) throw new Error(`The dashboard's server did not answer /config.json (${res.fetchError}).`);
  return res;
}

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetchConfig();
  if (!res.ok) throw new Error(`The dashboard's server answered /config.json with ${res.status}: ${await res.text()}`);
  const cfg = (await res.json()) as AppConfig;
  for (const key of ["chainId", "rpc", "relayer", "denom", "gasPrice"] as const) {
    if (typeof cfg[key] !== "string" || cfg[key] === "") throw new Error(`/config.json has no ${key}`);
  }
  cfg.governance ??= null;
  cfg.deployer ??= null;
  return cfg;
}
