// What the consortium test reads and does on chain from Node, as the member organisations would:
// the group's members, the multisig's rules and proposals, each contract's admins (the contract's
// own and wasmd's), and a proposal made, voted on and rejected with members' keys from the local
// test keyring. Real queries and real transactions.
import { CosmWasmClient, SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import {
  accountParser, Cw3FlexMultisigClient, Cw3FlexMultisigQueryClient, Cw4GroupQueryClient, describeDuration, describeThreshold,
  listAllMembers, listAllProposals, listAllVotes, tallyVotes, toBase64,
} from "@diachain/client";

const json = (o) => toBase64(new TextEncoder().encode(JSON.stringify(o)));

/** The governance as the chain holds it now, read with the generated clients. */
export async function governanceOnChain(cfg) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    const g = cfg.governance;
    const group = new Cw4GroupQueryClient(client, g.group.address);
    const multisig = new Cw3FlexMultisigQueryClient(client, g.multisig.address);
    const [members, total, groupAdmin, threshold, config, proposals] = await Promise.all([
      listAllMembers(group), group.totalWeight({}), group.admin(), multisig.threshold(), multisig.config(), listAllProposals(multisig, { cap: 200 }),
    ]);
    return {
      members: members.items, totalWeight: total.weight, groupAdmin: groupAdmin.admin ?? null,
      threshold: describeThreshold(threshold), votingPeriod: describeDuration(config.max_voting_period), proposals: proposals.items,
    };
  } finally {
    client.disconnect();
  }
}

/** Each contract's own admin (`config.admin`; the group's `admin`; the multisig has none: "")
 * and wasmd's admin ("" for none), by the names the page gives them. */
export async function adminsOnChain(cfg) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    const c = cfg.contracts;
    const contracts = { "device-registry": c.registry, "reading-anchors": c.anchors, consent: c.consent, "data-union": c.union };
    if (cfg.governance) Object.assign(contracts, { group: cfg.governance.group.address, multisig: cfg.governance.multisig.address });
    const out = {};
    for (const [name, address] of Object.entries(contracts)) {
      const own = name === "multisig" ? "" : name === "group"
        ? (await client.queryContractSmart(address, { admin: {} })).admin ?? ""
        : (await client.queryContractSmart(address, { config: {} })).admin;
      out[name] = { address, own, wasmd: (await client.getContract(address)).admin ?? "" };
    }
    return out;
  } finally {
    client.disconnect();
  }
}

/** A member's signing client on the multisig. */
export async function memberClient(cfg, account) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(account.mnemonic, { prefix: cfg.prefix });
  const chain = await SigningCosmWasmClient.connectWithSigner(cfg.rpc, wallet, { gasPrice: GasPrice.fromString(cfg.gasPrice), accountParser });
  return { chain, multisig: new Cw3FlexMultisigClient(chain, account.address, cfg.governance.multisig.address) };
}

/** A fresh address (a new random key), never on chain before. */
export async function freshAddress(cfg) {
  const [a] = await (await DirectSecp256k1HdWallet.generate(12, { prefix: cfg.prefix })).getAccounts();
  return a.address;
}

/** The messages the test proposes: an admitted manufacturer, a sampling limit, a migration of the
 * consent contract to the code it runs, the union's wasmd admin to the multisig, and a bank
 * transfer (which the page must call unknown). */
export function testMessages(cfg, { manufacturer, label, consentCode, to }) {
  const c = cfg.contracts;
  const exec = (contract, msg) => ({ wasm: { execute: { contract_addr: contract, msg: json(msg), funds: [] } } });
  return [
    exec(c.registry, { admit_participant: { address: manufacturer, label, role: "manufacturer" } }),
    exec(c.anchors, { set_sampling_limits: { limits: [{ kind: "cgm", min_interval_seconds: 60 }] } }),
    { wasm: { migrate: { contract_addr: c.consent, new_code_id: consentCode, msg: json({}) } } },
    { wasm: { update_admin: { contract_addr: c.union, admin: cfg.governance.multisig.address } } },
    { bank: { send: { to_address: to, amount: [{ denom: cfg.denom, amount: "1" }] } } },
  ];
}

/** Proposes `msgs` with the member's key; the new proposal's id. */
export async function propose(cfg, account, title, description, msgs) {
  const { chain, multisig } = await memberClient(cfg, account);
  try {
    const res = await multisig.propose({ title, description, msgs }, "auto");
    const id = Number(res.events.flatMap((e) => e.attributes).find((a) => a.key === "proposal_id")?.value);
    if (!Number.isInteger(id)) throw new Error("the proposal named no proposal_id");
    return id;
  } finally {
    chain.disconnect();
  }
}

/** The member votes on proposal `id`; the proposal's status afterwards. */
export async function vote(cfg, account, id, choice) {
  const { chain, multisig } = await memberClient(cfg, account);
  try {
    await multisig.vote({ proposalId: id, vote: choice }, "auto");
    return (await chain.queryContractSmart(cfg.governance.multisig.address, { proposal: { proposal_id: id } })).status;
  } finally {
    chain.disconnect();
  }
}

/** The code id a contract runs now. */
export async function codeOf(cfg, address) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    return (await client.getContract(address)).codeId;
  } finally {
    client.disconnect();
  }
}

/** Whether the registry has admitted `address` as a manufacturer. */
export async function isManufacturer(cfg, address) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    return (await client.queryContractSmart(cfg.contracts.registry, { participant: { address, role: "manufacturer" } })) !== null;
  } finally {
    client.disconnect();
  }
}

/** The weight cast for each option on proposal `id`, as the multisig lists the votes. */
export async function tallyOnChain(cfg, id) {
  const client = await CosmWasmClient.connect(cfg.rpc);
  try {
    return tallyVotes((await listAllVotes(new Cw3FlexMultisigQueryClient(client, cfg.governance.multisig.address), id)).items);
  } finally {
    client.disconnect();
  }
}
