// Write access: the generated execute clients of @diachain/client over a SigningCosmWasmClient
// whose key is the selected wallet's; fees are simulated ("auto") at the network's gas price.
// Loaded with cosmjs (its own chunk) only when an account sends its first transaction
// (session.ts `sign`).
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { GasPrice } from "@cosmjs/stargate";
import { ConsentClient, DataUnionClient, DeviceRegistryClient } from "@diachain/client";
import type { AppConfig } from "./config";
import { reach } from "./errors";
import type { Wallet } from "./wallet";

export interface Signing {
  address: string;
  cosm: SigningCosmWasmClient;
  consent: ConsentClient;
  union: DataUnionClient;
  registry: DeviceRegistryClient;
}

export async function connectSigning(cfg: AppConfig, wallet: Wallet): Promise<Signing> {
  const signer = await wallet.signer();
  const cosm = await reach("node", cfg.rpc, () =>
    SigningCosmWasmClient.connectWithSigner(cfg.rpc, signer, { gasPrice: GasPrice.fromString(cfg.gasPrice) }),
  );
  const a = wallet.address;
  return {
    address: a,
    cosm,
    consent: new ConsentClient(cosm, a, cfg.contracts.consent),
    union: new DataUnionClient(cosm, a, cfg.contracts.union),
    registry: new DeviceRegistryClient(cosm, a, cfg.contracts.registry),
  };
}
