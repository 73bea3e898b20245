// web/serve.mjs tells the page the deployment's governance (or that there is none, and who
// deployed the suite), and refuses at start a governance section it cannot read.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SERVE = fileURLToPath(new URL("../../serve.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "diachain-serve-test-"));
const contract = (n: number) => ({ code_id: n, checksum: "ab".repeat(32), address: `wasm1contract${n}`, label: `c${n}` });
const DEPLOYMENT = {
  chain_id: "diachain-test-1", node: "http://127.0.0.1:1", deployer: "wasm1deployer",
  contracts: { "device-registry": contract(1), "reading-anchors": contract(2), consent: contract(3), "data-union": contract(4) },
};
const GOVERNANCE = {
  group: contract(5), multisig: contract(6), members: [{ addr: "wasm1a", weight: 1 }, { addr: "wasm1b", weight: 2 }], threshold: 2, max_voting_period_secs: 3600,
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts serve.mjs on `deployment`; the config it serves, or how it failed to start. */
async function serve(deployment: unknown): Promise<{ config?: Record<string, unknown>; exit?: number; stderr: string }> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(deployment));
  const port = await freePort();
  const child = spawn(process.execPath, [SERVE, "--deployment", file, "--relayer", "http://127.0.0.1:2", "--port", String(port)]);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  try {
    for (let i = 0; i < 50; i++) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 100))]);
      if (typeof early === "number") return { exit: early, stderr };
      const res = await fetch(`http://127.0.0.1:${port}/config.json`).catch(() => null);
      if (res?.ok) return { config: (await res.json()) as Record<string, unknown>, stderr };
    }
    throw new Error(`serve.mjs did not start: ${stderr}`);
  } finally {
    child.kill();
  }
}

describe("serve.mjs and the deployment's governance", () => {
  it("passes the governance section and the deployer to the page", async () => {
    const { config } = await serve({ ...DEPLOYMENT, governance: GOVERNANCE });
    expect(config?.governance).toEqual(GOVERNANCE);
    expect(config?.deployer).toBe("wasm1deployer");
  });

  it("without a governance section the page is told there is none, and who deployed", async () => {
    const { config } = await serve(DEPLOYMENT);
    expect(config?.governance).toBeNull();
    expect(config?.deployer).toBe("wasm1deployer");
  });

  it("refuses to start on a governance section it cannot read, naming what is wrong", async () => {
    const broken = await serve({ ...DEPLOYMENT, governance: { ...GOVERNANCE, members: [{ addr: "wasm1a" }] } });
    expect(broken.exit).toBe(2);
    expect(broken.stderr).toContain("governance.members must be a list of { addr, weight }");
    const noMultisig = await serve({ ...DEPLOYMENT, governance: { ...GOVERNANCE, multisig: undefined } });
    expect(noMultisig.stderr).toContain("governance.multisig needs an address and a code_id");
    const threshold = await serve({ ...DEPLOYMENT, governance: { ...GOVERNANCE, threshold: "2" } });
    expect(threshold.stderr).toContain("governance.threshold and max_voting_period_secs must be whole numbers");
  });
});
