#!/usr/bin/env node
// Serves the built dashboard (dist/) and /config.json, which tells it the network (from a
// deployment file written by scripts/deploy.sh) and the relayer to use.
//
//   node web/serve.mjs --deployment deployments/<chain-id>.json --relayer http://127.0.0.1:8640
//       [--port 8650] [--host 127.0.0.1] [--rpc URL] [--rest URL] [--denom udia]
//       [--gas-price 0.025udia] [--dist web/dist] [--local-keyring .chain/<chain-id>]
//
// --local-keyring offers the test keyring's accounts (their mnemonics!) to the browser. It is
// refused unless the network is a local one: the keyring's network.env names the same chain,
// the node is on loopback and this server listens on loopback only.
import { createServer } from "node:http";
import { readFile, readdir, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
  ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2", ".map": "application/json",
};
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

function parseArgs(argv) {
  const opts = { port: 8650, host: "127.0.0.1", dist: join(HERE, "dist"), denom: "udia", gasPrice: "0.025udia" };
  const names = { "--deployment": "deployment", "--relayer": "relayer", "--port": "port", "--host": "host",
    "--rpc": "rpc", "--rest": "rest", "--denom": "denom", "--gas-price": "gasPrice", "--dist": "dist",
    "--local-keyring": "localKeyring" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || argv[i + 1] === undefined) fail(`unknown option or missing value: ${argv[i]}`);
    opts[key] = argv[i + 1];
  }
  if (!opts.deployment || !opts.relayer) fail("--deployment FILE and --relayer URL are required");
  opts.port = Number(opts.port);
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) fail("--port must be a port number");
  return opts;
}

function fail(msg) {
  console.error(`serve: ${msg}`);
  process.exit(2);
}

function parseEnvFile(text) {
  const env = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

async function localKeyring(dir, chainId, rpc, host) {
  const env = parseEnvFile(await readFile(join(dir, "network.env"), "utf8"));
  if (env.DIACHAIN_CHAIN_ID !== chainId)
    throw new Error(`${dir} is the keyring of ${env.DIACHAIN_CHAIN_ID}, not of ${chainId}`);
  if (!LOOPBACK.has(new URL(rpc).hostname))
    throw new Error(`the node ${rpc} is not on this machine: a test keyring is for a local network only`);
  if (!LOOPBACK.has(host)) throw new Error(`--local-keyring needs --host on loopback, not ${host}`);
  const logs = join(dir, "logs");
  const accounts = [];
  for (const file of (await readdir(logs)).sort()) {
    const m = /^key-(.+)\.json$/.exec(file);
    if (!m || m[1].startsWith("validator")) continue;
    const key = JSON.parse(await readFile(join(logs, file), "utf8"));
    if (typeof key.mnemonic === "string" && typeof key.address === "string")
      accounts.push({ name: m[1], address: key.address, mnemonic: key.mnemonic });
  }
  return { env, accounts };
}

async function buildConfig(opts) {
  const dep = JSON.parse(await readFile(opts.deployment, "utf8"));
  const c = dep.contracts ?? {};
  const address = (name) => {
    const a = c[name]?.address;
    if (typeof a !== "string") throw new Error(`${opts.deployment} has no address for ${name}`);
    return a;
  };
  const rpc = opts.rpc ?? dep.node;
  const config = {
    chainId: dep.chain_id,
    rpc,
    rest: opts.rest ?? null,
    denom: opts.denom,
    gasPrice: opts.gasPrice,
    prefix: "wasm",
    relayer: opts.relayer.replace(/\/+$/, ""),
    contracts: {
      registry: address("device-registry"),
      anchors: address("reading-anchors"),
      consent: address("consent"),
      union: address("data-union"),
    },
    union: dep.data_union ?? null,
    localKeyring: null,
  };
  if (opts.localKeyring) {
    const { env, accounts } = await localKeyring(opts.localKeyring, dep.chain_id, rpc, opts.host);
    config.denom = env.DIACHAIN_DENOM ?? config.denom;
    config.gasPrice = env.DIACHAIN_GAS_PRICE ?? config.gasPrice;
    config.rest = config.rest ?? env.DIACHAIN_API ?? null;
    config.localKeyring = { warning: "local test keyring — never on a real network", accounts };
  }
  return config;
}

async function serveFile(res, root, urlPath) {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^(\.\.[/\\])+/, "");
  let file = resolve(root, "." + sep + rel);
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, "text/plain", "forbidden");
  let info = await stat(file).catch(() => null);
  // A path without a file is a view of the single-page app.
  if (!info || info.isDirectory()) {
    file = join(root, "index.html");
    info = await stat(file).catch(() => null);
    if (!info) return send(res, 500, "text/plain", `no build in ${root}: run npm run build in web/`);
  }
  const body = await readFile(file);
  const cache = file.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
  send(res, 200, TYPES[extname(file)] ?? "application/octet-stream", body, { "cache-control": cache });
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { "content-type": type, "x-content-type-options": "nosniff", ...headers });
  res.end(body);
}

const opts = parseArgs(process.argv.slice(2));
const root = resolve(opts.dist);
// Fail at start on a bad deployment or keyring, not on the first page load.
try {
  const cfg = await buildConfig(opts);
  if (cfg.localKeyring) console.error(`serve: offering ${cfg.localKeyring.accounts.length} accounts of the LOCAL TEST KEYRING (${opts.localKeyring})`);
} catch (e) {
  fail(e.message);
}

const server = createServer(async (req, res) => {
  try {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed");
    if (path === "/config.json") {
      // Read on every request: a redeployment shows without restarting.
      return send(res, 200, "application/json", JSON.stringify(await buildConfig(opts)), { "cache-control": "no-store" });
    }
    if (path === "/healthz") return send(res, 200, "application/json", '{"ok":true}');
    await serveFile(res, root, path);
  } catch (e) {
    send(res, 500, "text/plain", `serve: ${e.message}`);
  }
});
server.listen(opts.port, opts.host, () => {
  console.log(`web: dashboard http://${opts.host}:${opts.port}/ (network ${opts.deployment}, relayer ${opts.relayer})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
