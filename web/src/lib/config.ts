// What web/serve.mjs tells the dashboard at /config.json: the network (from a deployment file),
// the relayer and, on a local network only, the test keyring's accounts.
export interface LocalAccount {
  name: string;
  address: string;
  mnemonic: string;
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
  return cfg;
}
