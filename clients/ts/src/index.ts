// @diachain/client: generated contract clients plus the shared encodings, Merkle proofs, header
// signatures and signed relayer requests, mirroring packages/diachain-std and the relayer.
export * from './contracts.js';
