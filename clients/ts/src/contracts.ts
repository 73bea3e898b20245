// The generated clients (src/contracts/, from schema/ by scripts/codegen.mjs) under one roof. Each
// contract's message and response types are exported as a namespace, since the schemas share
// names (`Addr`, `Binary`, `ConfigResponse`, ...).
export { DeviceRegistryClient, DeviceRegistryQueryClient } from './contracts/DeviceRegistry.client.js';
export type { DeviceRegistryInterface, DeviceRegistryReadOnlyInterface } from './contracts/DeviceRegistry.client.js';
export { ReadingAnchorsClient, ReadingAnchorsQueryClient } from './contracts/ReadingAnchors.client.js';
export type { ReadingAnchorsInterface, ReadingAnchorsReadOnlyInterface } from './contracts/ReadingAnchors.client.js';
export { ConsentClient, ConsentQueryClient } from './contracts/Consent.client.js';
export type { ConsentInterface, ConsentReadOnlyInterface } from './contracts/Consent.client.js';
export { DataUnionClient, DataUnionQueryClient } from './contracts/DataUnion.client.js';
export type { DataUnionInterface, DataUnionReadOnlyInterface } from './contracts/DataUnion.client.js';
export type * as DeviceRegistryTypes from './contracts/DeviceRegistry.types.js';
export type * as ReadingAnchorsTypes from './contracts/ReadingAnchors.types.js';
export type * as ConsentTypes from './contracts/Consent.types.js';
export type * as DataUnionTypes from './contracts/DataUnion.types.js';
export type { ICosmWasmClient, ISigningCosmWasmClient } from './cosmjs.js';
