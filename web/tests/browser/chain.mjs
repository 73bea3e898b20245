// What the journey needs done outside the dashboard, as the people it does not serve would do
// it: an emergency provider opens a break-glass session and reads the patient's glucose through
// the relayer (signed), then closes the session. Real transactions and a real signed request.
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { CosmWasmClient, SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { aminoSigner, RelayerClient, signRequest } from "@diachain/client";
import { createHash } from "node:crypto";

/** The chain's present (its latest block's time) in unix seconds: readings are stamped in it,
 * and a local network's clock may have been moved ahead (scripts/chain.sh advance-clock). */
export async function chainNow(cfg) {
  const res = await fetch(`${cfg.rpc}/status`);
  if (!res.ok) throw new Error(`${cfg.rpc}/status answered ${res.status}`);
  const t = Date.parse((await res.json()).result.sync_info.latest_block_time);
  if (Number.isNaN(t)) throw new Error("the node's status has no latest block time");
  return Math.floor(t / 1000);
}

/** A grant as the consent contract holds it. */
export async function grantOnChain(cfg, grantId) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    return (await client.queryContractSmart(cfg.contracts.consent, { grant: { grant_id: grantId } })).grant;
  } finally {
    client.disconnect();
  }
}

/** A study as the data union holds it. */
export async function studyOnChain(cfg, studyId) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    return (await client.queryContractSmart(cfg.contracts.union, { study: { study_id: studyId } })).study;
  } finally {
    client.disconnect();
  }
}

export async function breakGlassRead(cfg, emergency, patient) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(emergency.mnemonic, { prefix: cfg.prefix });
  const client = await SigningCosmWasmClient.connectWithSigner(cfg.rpc, wallet, { gasPrice: GasPrice.fromString(cfg.gasPrice) });
  const consent = cfg.contracts.consent;
  const open = await client.execute(emergency.address, consent,
    { open_break_glass: { patient, hours: 1, reason: "patient_cannot_consent", scopes: ["glucose"] } }, "auto");
  const grantId = Number(open.events.flatMap((e) => e.attributes).find((a) => a.key === "grant_id")?.value);
  if (!Number.isInteger(grantId)) throw new Error("open_break_glass named no grant_id");
  const now = await chainNow(cfg);
  const path = `/v1/patients/${patient}/readings`;
  const query = `scope=glucose&from=${now - 1800}&to=${now}`;
  const signer = await aminoSigner(await Secp256k1HdWallet.fromMnemonic(emergency.mnemonic, { prefix: cfg.prefix }));
  const res = await fetch(`${cfg.relayer}${path}?${query}`, { headers: { ...(await signRequest(signer, { method: "GET", path, query })) } });
  const body = await res.json();
  if (!res.ok) throw new Error(`the relayer refused the break-glass read: ${res.status} ${JSON.stringify(body)}`);
  await client.execute(emergency.address, consent, { revoke_grant: { grant_id: grantId } }, "auto");
  client.disconnect();
  return { grantId, basis: body.access.basis, count: body.count };
}

/** A test-keyring account's signing client on chain and its signed relayer client. */
async function clientsOf(cfg, account) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(account.mnemonic, { prefix: cfg.prefix });
  const chain = await SigningCosmWasmClient.connectWithSigner(cfg.rpc, wallet, { gasPrice: GasPrice.fromString(cfg.gasPrice) });
  const signer = await aminoSigner(await Secp256k1HdWallet.fromMnemonic(account.mnemonic, { prefix: cfg.prefix }));
  return { chain, relayer: new RelayerClient({ url: cfg.relayer, signer }) };
}

/** A Nightscout uploader set up as the patient would: created at the relayer (a signed request),
 * named, bound to them on chain with their key (the relayer's `bind_device` message); returned
 * once the relayer sees it bound, with its secret and the chain's time of the binding. */
export async function createBoundUploader(cfg, account, name) {
  const { chain, relayer } = await clientsOf(cfg, account);
  try {
    const created = await relayer.createUploader(account.address);
    await relayer.renameUploader(account.address, created.device_id, name);
    await chain.execute(account.address, created.registry_contract, created.bind_device, "auto");
    const boundAt = await chainNow(cfg);
    for (let i = 0; i < 40; i++) {
      const u = (await relayer.uploaders(account.address)).find((x) => x.device_id === created.device_id);
      if (u?.bound) return { ...created, boundAt };
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the relayer does not see the uploader ${created.device_id} bound 20 s after its binding`);
  } finally {
    chain.disconnect();
  }
}

/** `POST /api/v1/entries` as an uploader app sends it: the SHA-1 hex of its secret as `api-secret`. */
export async function uploadEntries(cfg, apiSecret, entries) {
  const res = await fetch(`${cfg.relayer}/api/v1/entries`, {
    method: "POST",
    headers: { "content-type": "application/json", "api-secret": createHash("sha1").update(apiSecret).digest("hex") },
    body: JSON.stringify(entries),
  });
  return { status: res.status, body: await res.json(), skipReasons: res.headers.get("x-diachain-skip-reasons") };
}

/** Revokes the account's uploaders named `name` (those of an earlier run too) and ends their
 * bindings on chain with the relayer's `unbind_device`, so that runs do not use up the caps. */
export async function retireUploaders(cfg, account, name) {
  const { chain, relayer } = await clientsOf(cfg, account);
  try {
    for (const u of await relayer.uploaders(account.address)) {
      if (u.name !== name || (u.revoked_at != null && !u.bound)) continue;
      const revoked = await relayer.revokeUploader(account.address, u.device_id);
      if (revoked.unbind_device) await chain.execute(account.address, revoked.registry_contract, revoked.unbind_device, "auto");
    }
  } finally {
    chain.disconnect();
  }
}

/** A grant (for treatment unless `purpose` says otherwise) from `account` to `grantee` for
 * `scopes` over `[from, to]` (unix seconds), until `expires`, sent from Node with the account's
 * key; its id. A research consent names its study (`studyId`). */
export async function grantFromNode(cfg, account, grantee, { scopes = ["glucose"], purpose = "treatment", from, to, expires, studyId }) {
  const { chain } = await clientsOf(cfg, account);
  try {
    const ns = (s) => (BigInt(Math.floor(s)) * 1_000_000_000n).toString();
    const res = await chain.execute(account.address, cfg.contracts.consent, {
      grant: {
        grantee, purpose, scopes, data_from: ns(from), data_to: ns(to), expires: { at_time: ns(expires) },
        ...(studyId === undefined ? {} : { study_id: studyId }),
      },
    }, "auto");
    const id = Number(res.events.flatMap((e) => e.attributes).find((a) => a.key === "grant_id")?.value);
    if (!Number.isInteger(id)) throw new Error("the grant named no grant_id");
    return id;
  } finally {
    chain.disconnect();
  }
}

/** Revokes `account`'s grant `grantId` from Node (nothing if it is no longer active). */
export async function revokeFromNode(cfg, account, grantId) {
  const { chain } = await clientsOf(cfg, account);
  try {
    const { status } = await chain.queryContractSmart(cfg.contracts.consent, { grant: { grant_id: grantId } });
    if (status === "active") await chain.execute(account.address, cfg.contracts.consent, { revoke_grant: { grant_id: grantId } }, "auto");
  } finally {
    chain.disconnect();
  }
}

/** A grant of glucose from the account to `grantee` (data of the last day and the next, for a
 * day), as the patient would give it; its id and a function that revokes it. */
export async function grantGlucose(cfg, account, grantee) {
  const now = await chainNow(cfg);
  const id = await grantFromNode(cfg, account, grantee, { from: now - 86_400, to: now + 86_400, expires: now + 86_400 });
  return { id, revoke: () => revokeFromNode(cfg, account, id) };
}

/** Revokes the account's own webhooks for `patient` whose URL starts with `prefix` (an earlier
 * run's receivers), so that runs do not use up the caps. */
export async function retireWebhooks(cfg, account, patient, prefix) {
  const { chain, relayer } = await clientsOf(cfg, account);
  try {
    for (const w of await relayer.webhooks(patient)) {
      if (w.revoked_at == null && w.owner === account.address && w.url.startsWith(prefix)) await relayer.revokeWebhook(patient, w.id);
    }
  } finally {
    chain.disconnect();
  }
}

/** `account` reads `patient`'s glucose of the last `seconds` through the relayer (a signed
 * request, as a grantee does); the relayer's answer. */
export async function readAsGrantee(cfg, account, patient, seconds = 600) {
  const now = await chainNow(cfg);
  const path = `/v1/patients/${patient}/readings`;
  const query = `scope=glucose&from=${now - seconds}&to=${now}`;
  const signer = await aminoSigner(await Secp256k1HdWallet.fromMnemonic(account.mnemonic, { prefix: cfg.prefix }));
  const res = await fetch(`${cfg.relayer}${path}?${query}`, { headers: { ...(await signRequest(signer, { method: "GET", path, query })) } });
  const body = await res.json();
  if (!res.ok) throw new Error(`the relayer refused ${account.address}'s read: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Who the chain says an admitted participant is: the registry's label, else its roles. */
export async function chainParticipants(cfg) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    const out = new Map();
    for (const role of ["manufacturer", "relayer"]) {
      const page = await client.queryContractSmart(cfg.contracts.registry, { participants: { role, limit: 100 } });
      for (const p of page.items) out.set(p.address, { ...(out.get(p.address) ?? {}), label: p.label });
    }
    for (const role of ["emergency_provider", "custodian"]) {
      const page = await client.queryContractSmart(cfg.contracts.consent, { members: { role, limit: 100 } });
      for (const m of page.items) out.set(m.address, { ...(out.get(m.address) ?? {}), [role]: true });
    }
    return out;
  } finally {
    client.disconnect();
  }
}

/** Sends `msg` to `contract` from Node with `account`'s key (with `funds`, coins); the result. */
export async function executeFromNode(cfg, account, contract, msg, funds = []) {
  const { chain } = await clientsOf(cfg, account);
  try {
    return await chain.execute(account.address, contract, msg, "auto", undefined, funds);
  } finally {
    chain.disconnect();
  }
}

/** An event attribute of a transaction's result (`study_id`, `grant_id`, …) as a number. */
export function attributeOf(result, key) {
  const v = Number(result.events.flatMap((e) => e.attributes).find((a) => a.key === key)?.value);
  if (!Number.isInteger(v)) throw new Error(`the transaction named no ${key}`);
  return v;
}
