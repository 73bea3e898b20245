// Reading the chain without cosmjs: the node's CometBFT RPC over plain GET requests (`/status`,
// `/abci_query`), which is all the query side of the dashboard needs — the chain id, the latest
// block's height and time, and contract queries (`SmartContractState`). GET requests without
// custom headers need no CORS preflight, and none of cosmjs's 1.5 MB (its CommonJS packages
// cannot be tree-shaken) is loaded before an account signs its first transaction.
import type { CosmWasmClient } from "@cosmjs/cosmwasm-stargate";

export interface LatestBlock {
  height: number;
  /** RFC 3339, as the node reports it. */
  time: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A protobuf length-delimited field. */
function field(tag: number, bytes: Uint8Array): number[] {
  return [(tag << 3) | 2, ...varint(bytes.length), ...bytes];
}

/** `cosmwasm.wasm.v1.QuerySmartContractStateRequest { address = 1; query_data = 2 }`. */
export function smartQueryRequest(address: string, query: unknown): Uint8Array {
  return Uint8Array.from([...field(1, enc.encode(address)), ...field(2, enc.encode(JSON.stringify(query)))]);
}

/** `QuerySmartContractStateResponse { data = 1 }`: the contract's JSON answer. */
export function smartQueryResponse(bytes: Uint8Array): unknown {
  let i = 0;
  const readVarint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[i++];
      if (b === undefined) throw new Error("the node's answer to a contract query is cut short");
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (i < bytes.length) {
    const key = readVarint();
    const wire = key & 7;
    if (wire === 2) {
      const len = readVarint();
      const value = bytes.subarray(i, i + len);
      i += len;
      if (key >> 3 === 1) return JSON.parse(dec.decode(value));
    } else if (wire === 0) readVarint();
    else throw new Error(`unexpected protobuf wire type ${wire} in a contract query's answer`);
  }
  throw new Error("the node's answer to a contract query has no data");
}

/** One field of a protobuf message: its number and, by wire type, its varint or its bytes. */
type ProtoField = { num: number; varint: number; bytes: null } | { num: number; varint: null; bytes: Uint8Array };

/** The fields of a protobuf message, in order (varints above 2^53 are refused: none is read here). */
export function protoFields(bytes: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let i = 0;
  const varint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[i++];
      if (b === undefined) throw new Error("a protobuf message from the node is cut short");
      n += (b & 0x7f) * mul;
      if (!Number.isSafeInteger(n)) throw new Error("a protobuf number from the node is above 2^53");
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const num = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) out.push({ num, varint: varint(), bytes: null });
    else if (wire === 2) {
      const len = varint();
      if (i + len > bytes.length) throw new Error("a protobuf message from the node is cut short");
      out.push({ num, varint: null, bytes: bytes.subarray(i, i + len) });
      i += len;
    } else throw new Error(`unexpected protobuf wire type ${wire} in the node's answer`);
  }
  return out;
}

/** wasmd's record of a contract (`cosmwasm.wasm.v1.ContractInfo`): its code, creator, label and
 * admin — the account that may migrate it (null: no one can). */
export interface ContractInfo {
  address: string;
  codeId: number;
  creator: string;
  admin: string | null;
  label: string;
}

/** `QueryContractInfoResponse { address = 1; ContractInfo contract_info = 2 }`, with
 * `ContractInfo { code_id = 1; creator = 2; admin = 3; label = 4; … }` (other fields skipped). */
export function contractInfoResponse(bytes: Uint8Array): ContractInfo {
  const top = protoFields(bytes);
  const address = top.find((f) => f.num === 1)?.bytes;
  const info = top.find((f) => f.num === 2)?.bytes;
  if (!address || !info) throw new Error("the node's answer about a contract has no address or no contract info");
  const fields = protoFields(info);
  const text = (num: number) => {
    const b = fields.find((f) => f.num === num)?.bytes;
    return b ? dec.decode(b) : "";
  };
  const codeId = fields.find((f) => f.num === 1)?.varint;
  if (codeId === undefined || codeId === null) throw new Error("the node's answer about a contract has no code id");
  return { address: dec.decode(address), codeId, creator: text(2), admin: text(3) || null, label: text(4) };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

interface NodeStatus {
  node_info: { network: string };
  sync_info: { latest_block_height: string; latest_block_time: string };
}

declare global {
  interface Window {
    /** index.html's request for the node's status, sent as soon as /config.json named the node. */
    __diachainStatus?: Promise<{ rpc: string; body: JsonRpc<NodeStatus> } | null>;
  }
}

/** index.html's answer to /status, once, if it was for this node and is one. */
async function takeEarlyStatus(base: string): Promise<NodeStatus | null> {
  const early = typeof window === "undefined" ? undefined : window.__diachainStatus;
  if (!early) return null;
  window.__diachainStatus = undefined;
  const got = await early;
  const s = got?.rpc === base ? got.body.result : undefined;
  return typeof s?.node_info?.network === "string" && typeof s?.sync_info?.latest_block_time === "string" ? s : null;
}

interface JsonRpc<T> {
  result?: T;
  error?: { code: number; message: string; data?: string };
}

/** The part of a node's RPC the dashboard reads. Errors read as cosmjs's do ("Query failed with
 * (6): …"), so the dashboard's error texts stay the same. */
export class RpcClient {
  private readonly base: string;
  private chainId: string | null = null;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, "");
  }

  private async get<T>(method: string, params: Record<string, string> = {}): Promise<T> {
    const query = new URLSearchParams(params).toString();
    const res = await fetch(`${this.base}/${method}${query ? `?${query}` : ""}`);
    const body = (await res.json().catch(() => ({}))) as JsonRpc<T>;
    if (body.error) throw new Error(`${method}: ${body.error.message}${body.error.data ? ` (${body.error.data})` : ""}`);
    if (!res.ok || body.result === undefined) throw new Error(`${method}: the node answered ${res.status}`);
    return body.result;
  }

  /** The chain id and latest block, in one request (the first time, maybe the one index.html
   * sent as the page started). */
  async status(): Promise<{ chainId: string; latest: LatestBlock }> {
    const early = await takeEarlyStatus(this.base);
    const s = early ?? await this.get<NodeStatus>("status");
    this.chainId = s.node_info.network;
    return { chainId: s.node_info.network, latest: { height: Number(s.sync_info.latest_block_height), time: s.sync_info.latest_block_time } };
  }

  async getChainId(): Promise<string> {
    return this.chainId ?? (await this.status()).chainId;
  }

  async latestBlock(): Promise<LatestBlock> {
    return (await this.status()).latest;
  }

  /** A contract's smart query, as cosmjs's `queryContractSmart`. */
  async queryContractSmart(address: string, query: unknown): Promise<unknown> {
    const r = await this.get<{ response: { code: number; log: string; value: string | null } }>("abci_query", {
      path: '"/cosmwasm.wasm.v1.Query/SmartContractState"',
      data: `0x${hex(smartQueryRequest(address, query))}`,
      prove: "false",
    });
    if (r.response.code) {
      if (r.response.log.startsWith("not found: contract")) throw new Error(`No contract found at address "${address}"`);
      throw new Error(`Query failed with (${r.response.code}): ${r.response.log}`);
    }
    return smartQueryResponse(fromB64(r.response.value ?? ""));
  }

  /** wasmd's record of a contract: code id, creator, label and its admin (who may migrate it). */
  async contractInfo(address: string): Promise<ContractInfo> {
    const r = await this.get<{ response: { code: number; log: string; value: string | null } }>("abci_query", {
      path: '"/cosmwasm.wasm.v1.Query/ContractInfo"',
      data: `0x${hex(Uint8Array.from(field(1, enc.encode(address))))}`,
      prove: "false",
    });
    if (r.response.code) throw new Error(`wasmd knows no contract ${address} (${r.response.code}: ${r.response.log})`);
    return contractInfoResponse(fromB64(r.response.value ?? ""));
  }

  /** What the generated query clients are given: they call only `queryContractSmart`. */
  asQuerier(): CosmWasmClient {
    return this as unknown as CosmWasmClient;
  }
}
