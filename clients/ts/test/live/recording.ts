// A query client that notes which query of which contract was asked, so the live tests can
// prove they called every query the schemas define.
import { readFileSync } from 'node:fs';

import type { CosmWasmClient } from '@cosmjs/cosmwasm-stargate';

import type { ICosmWasmClient } from '../../src/index.js';
import { REPO } from './network.js';

type JsonObject = Parameters<CosmWasmClient['queryContractSmart']>[1];

export class RecordingClient implements ICosmWasmClient {
  readonly asked = new Map<string, Set<string>>();
  constructor(private readonly inner: ICosmWasmClient) {}

  queryContractSmart(address: string, msg: JsonObject): Promise<JsonObject> {
    const name = Object.keys(msg as object)[0] ?? '';
    const set = this.asked.get(address) ?? new Set<string>();
    set.add(name);
    this.asked.set(address, set);
    return this.inner.queryContractSmart(address, msg);
  }
}

interface Idl { query: { oneOf: { required: string[] }[] } }

/** Every query a contract's committed schema defines. */
export function schemaQueries(schemaFile: string): string[] {
  const idl = JSON.parse(readFileSync(`${REPO}schema/${schemaFile}`, 'utf8')) as Idl;
  return idl.query.oneOf.map((o) => o.required[0]!).sort();
}
