#!/usr/bin/env node
// Serves the built dashboard (dist/) and /config.json, which tells it the network (from a
// deployment file written by scripts/deploy.sh: its contracts, deployer and, when the suite is
// governed by the consortium's multisig, its `governance` section) and the relayer to use.
//
//   node web/serve.mjs --deployment deployments/<chain-id>.json --relayer http://127.0.0.1:8640
//       [--port 8650] [--host 127.0.0.1] [--rpc URL] [--rest URL] [--denom udia]
//       [--gas-price 0.025udia] [--dist web/dist] [--local-keyring .chain/<chain-id>]
//
// --local-keyring offers the test keyring's accounts (their mnemonics!) to the browser. It is
// refused unless the network is a local one: the keyring's network.env names the same chain,
// the node is on loopback and this server listens on loopback only.
//
// Responses are compressed as the browser accepts (Accept-Encoding: brotli preferred, then gzip;
// `Vary: Accept-Encoding`): the build's `.br` / `.gz` copies (vite.config.ts writes them) are sent
// as they are, anything else compressible is compressed once and kept in memory. Hashed assets
// (/assets/*) are cached for a year (immutable); the rest is revalidated (ETag, 304).
import { createServer } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, constants as zlibConstants, gzip } from "node:zlib";
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

/** The deployment's `governance` section as the dashboard reads it (null when there is none);
 * a section that is there but incomplete is refused, naming what is missing. */
function governanceOf(g, file) {
  if (g === undefined || g === null) return null;
  const bad = (what) => new Error(`${file}: governance.${what}`);
  for (const name of ["group", "multisig"]) {
    const c = g[name];
    if (typeof c?.address !== "string" || !Number.isInteger(c.code_id)) throw bad(`${name} needs an address and a code_id`);
  }
  if (!Array.isArray(g.members) || !g.members.every((m) => typeof m?.addr === "string" && Number.isInteger(m.weight)))
    throw bad("members must be a list of { addr, weight }");
  if (!Number.isInteger(g.threshold) || !Number.isInteger(g.max_voting_period_secs))
    throw bad("threshold and max_voting_period_secs must be whole numbers");
  const contract = (c) => ({ code_id: c.code_id, checksum: String(c.checksum ?? ""), address: c.address, label: String(c.label ?? "") });
  return {
    group: contract(g.group), multisig: contract(g.multisig),
    members: g.members.map((m) => ({ addr: m.addr, weight: m.weight })),
    threshold: g.threshold, max_voting_period_secs: g.max_voting_period_secs,
  };
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
    governance: governanceOf(dep.governance, opts.deployment),
    deployer: typeof dep.deployer === "string" ? dep.deployer : null,
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

const COMPRESSIBLE = /^(text\/|application\/(json|javascript)|image\/svg\+xml)/;
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** The codings the request accepts (q > 0), brotli first, then gzip (RFC 9110 Accept-Encoding). */
function acceptedCodings(header) {
  const q = new Map();
  for (const part of String(header ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qp ? Number(qp.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const ok = (c) => (q.has(c) ? q.get(c) > 0 : q.has("*") && q.get("*") > 0);
  return ["br", "gzip"].filter(ok);
}

/** Compressed bodies made here (files without a build copy), by file, version and coding. */
const compressedCache = new Map();

async function compress(body, coding) {
  return coding === "br"
    ? brotli(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : gz(body, { level: 9 });
}

/** The body to send for `file` (its bytes `body` unless a coding is chosen) and its coding. */
async function encoded(req, file, info, type) {
  if (!COMPRESSIBLE.test(type) || info.size < 1024) return { body: await readFile(file), coding: null };
  for (const coding of acceptedCodings(req.headers["accept-encoding"])) {
    const ext = coding === "br" ? ".br" : ".gz";
    const pre = await stat(file + ext).catch(() => null);
    if (pre && pre.mtimeMs >= info.mtimeMs) return { body: await readFile(file + ext), coding };
    const key = `${file}\0${info.mtimeMs}\0${info.size}\0${coding}`;
    let body = compressedCache.get(key);
    if (!body) {
      body = await compress(await readFile(file), coding);
      compressedCache.set(key, body);
    }
    return { body, coding };
  }
  return { body: await readFile(file), coding: null };
}

async function serveFile(req, res, root, urlPath) {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^(\.\.[/\\])+/, "");
  let file = resolve(root, "." + sep + rel);
  if (file !== root && !file.startsWith(root + sep)) return send(req, res, 403, "text/plain", "forbidden");
  let info = await stat(file).catch(() => null);
  // A path without a file is a view of the single-page app.
  if (!info || info.isDirectory()) {
    file = join(root, "index.html");
    info = await stat(file).catch(() => null);
    if (!info) return send(req, res, 500, "text/plain", `no build in ${root}: run npm run build in web/`);
  }
  const type = TYPES[extname(file)] ?? "application/octet-stream";
  const hashed = file.startsWith(join(root, "assets") + sep);
  const { body, coding } = await encoded(req, file, info, type);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${coding ? `-${coding}` : ""}"`;
  const headers = {
    "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    etag,
    ...(COMPRESSIBLE.test(type) ? { vary: "Accept-Encoding" } : {}),
    ...(coding ? { "content-encoding": coding } : {}),
  };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers);
    return res.end();
  }
  send(req, res, 200, type, body, headers);
}

function send(req, res, status, type, body, headers = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { "content-type": type, "content-length": bytes.length, "x-content-type-options": "nosniff", ...headers });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

/** /config.json (built per request), compressed when accepted. */
async function sendConfig(req, res, cfg) {
  const json = Buffer.from(JSON.stringify(cfg));
  const [coding] = json.length >= 1024 ? acceptedCodings(req.headers["accept-encoding"]) : [];
  const body = coding ? await compress(json, coding) : json;
  send(req, res, 200, "application/json", body,
    { "cache-control": "no-store", vary: "Accept-Encoding", ...(coding ? { "content-encoding": coding } : {}) });
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
    if (req.method !== "GET" && req.method !== "HEAD") return send(req, res, 405, "text/plain", "method not allowed");
    // Read on every request: a redeployment shows without restarting.
    if (path === "/config.json") return await sendConfig(req, res, await buildConfig(opts));
    if (path === "/healthz") return send(req, res, 200, "application/json", '{"ok":true}');
    await serveFile(req, res, root, path);
  } catch (e) {
    send(req, res, 500, "text/plain", `serve: ${e.message}`);
  }
});
server.listen(opts.port, opts.host, () => {
  console.log(`web: dashboard http://${opts.host}:${opts.port}/ (network ${opts.deployment}, relayer ${opts.relayer})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
