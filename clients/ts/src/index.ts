// @diachain/client: generated contract clients plus the shared encodings, Merkle proofs, header
// signatures and signed relayer requests, mirroring packages/diachain-std and the relayer.
export * from './contracts.js';
export * from './bytes.js';
export * from './encoding.js';
export * from './merkle.js';
export * from './crypto.js';
export * from './request.js';
export * from './signers.js';
export * from './relayer-types.js';
export * from './relayer.js';
export * from './alerts.js';
export * from './verify.js';
export * from './cgm.js';
export * from './dataset.js';
export * from './datasetVerify.js';
export * from './governance.js';
export * from './proposalMessages.js';
