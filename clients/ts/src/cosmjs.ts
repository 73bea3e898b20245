// What the generated contract clients (src/contracts/) need from a chain client: exactly what
// @cosmjs/cosmwasm-stargate's CosmWasmClient and SigningCosmWasmClient provide, so either can be
// passed in, as can anything with the same two methods (a test double, another library's client).
import type { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { decodeOptionalPubkey } from '@cosmjs/proto-signing';
import { type Account, accountFromAny } from '@cosmjs/stargate';
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth';
import type { Any } from 'cosmjs-types/google/protobuf/any';

/** Read access: a `CosmWasmClient` (or a `SigningCosmWasmClient`). */
export type ICosmWasmClient = Pick<CosmWasmClient, 'queryContractSmart'>;

/** Read and execute access: a `SigningCosmWasmClient`. */
export type ISigningCosmWasmClient = Pick<SigningCosmWasmClient, 'queryContractSmart' | 'execute'>;


/**
 * An account parser for networks whose account numbers exceed 2^53 (wasmd 0.70 gives accounts
 * created after genesis such numbers). cosmjs 0.38's parser, which `SigningCosmWasmClient` of
 * `@cosmjs/cosmwasm-stargate` 0.39.0 uses, throws on them; this one keeps the number exact as a
 * bigint, which direct signing (`makeSignDoc` takes `BigInt(accountNumber)`) signs correctly.
 * Pass it as `accountParser` to `SigningCosmWasmClient.connectWithSigner`. Amino signing
 * (`Uint53`) still cannot sign for such accounts: use a direct signer.
 */
export function accountParser(input: Any): Account {
  if (input.typeUrl !== '/cosmos.auth.v1beta1.BaseAccount') return accountFromAny(input);
  const a = BaseAccount.decode(input.value);
  const sequence = Number(a.sequence);
  if (!Number.isSafeInteger(sequence)) throw new Error(`account ${a.address}: sequence ${a.sequence} is above 2^53`);
  // The number stays exact: a bigint where cosmjs's type says number (it only passes it to BigInt()).
  return { address: a.address, pubkey: decodeOptionalPubkey(a.pubKey), accountNumber: a.accountNumber as unknown as number, sequence };
}
