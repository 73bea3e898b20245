// What the journey needs done outside the dashboard, as the people it does not serve would do
// it: an emergency provider opens a break-glass session and reads the patient's glucose through
// the relayer (signed), then closes the session. Real transactions and a real signed request.
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { CosmWasmClient, SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { aminoSigner, signRequest } from "@diachain/client";

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
