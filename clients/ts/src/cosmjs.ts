// What the generated contract clients (src/contracts/) need from a chain client: exactly what
// @cosmjs/cosmwasm-stargate's CosmWasmClient and SigningCosmWasmClient provide, so either can be
// passed in, as can anything with the same two methods (a test double, another library's client).
import type { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';

/** Read access: a `CosmWasmClient` (or a `SigningCosmWasmClient`). */
export type ICosmWasmClient = Pick<CosmWasmClient, 'queryContractSmart'>;

/** Read and execute access: a `SigningCosmWasmClient`. */
export type ISigningCosmWasmClient = Pick<SigningCosmWasmClient, 'queryContractSmart' | 'execute'>;
