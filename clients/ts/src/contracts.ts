// The generated clients (src/contracts/, from schema/ by scripts/codegen.mjs) under one roof: the
// four contracts' and the consortium's group and multisig (cw-plus 2.0.0). Each
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
export { Cw4GroupClient, Cw4GroupQueryClient } from './contracts/Cw4Group.client.js';
export type { Cw4GroupInterface, Cw4GroupReadOnlyInterface } from './contracts/Cw4Group.client.js';
export { Cw3FlexMultisigClient, Cw3FlexMultisigQueryClient } from './contracts/Cw3FlexMultisig.client.js';
export type { Cw3FlexMultisigInterface, Cw3FlexMultisigReadOnlyInterface } from './contracts/Cw3FlexMultisig.client.js';
export type * as DeviceRegistryTypes from './contracts/DeviceRegistry.types.js';
export type * as ReadingAnchorsTypes from './contracts/ReadingAnchors.types.js';
export type * as ConsentTypes from './contracts/Consent.types.js';
export type * as DataUnionTypes from './contracts/DataUnion.types.js';
/** cw-plus 2.0.0's cw4-group (the consortium's members) and cw3-flex-multisig (its votes). */
export type * as Cw4GroupTypes from './contracts/Cw4Group.types.js';
export type * as Cw3FlexMultisigTypes from './contracts/Cw3FlexMultisig.types.js';
export type { ICosmWasmClient, ISigningCosmWasmClient } from './cosmjs.js';
export { accountParser } from './cosmjs.js';
