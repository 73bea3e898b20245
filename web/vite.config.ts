import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const COMPRESSIBLE = /\.(js|css|html|svg|json|map|txt)$/;

/** Writes a gzip (`.gz`) and a brotli (`.br`) copy of every compressible file of the build that
 * is worth it (1 KB and more, and smaller compressed), for web/serve.mjs to send as they are. */
function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "diachain-precompress",
    apply: "build",
    configResolved(c) {
      outDir = c.build.outDir;
    },
    async closeBundle() {
      const walk = async (dir: string): Promise<string[]> =>
        (await Promise.all((await readdir(dir, { withFileTypes: true })).map((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)])))).flat();
      for (const file of await walk(outDir)) {
        if (!COMPRESSIBLE.test(file) || (await stat(file)).size < 1024) continue;
        const body = await readFile(file);
        const gz = await promisify(gzip)(body, { level: 9 });
        const br = await promisify(brotliCompress)(body, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
        });
        if (gz.length < body.length) await writeFile(`${file}.gz`, gz);
        if (br.length < body.length) await writeFile(`${file}.br`, br);
      }
    },
  };
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** @diachain/client (linked, with its own node_modules) and the dashboard use the same @noble
 * version: its imports resolve to the dashboard's copy, so the bundle holds one. (Not through
 * `resolve.dedupe`: cosmjs needs its own, older @noble.) */
function shareNoble(): Plugin {
  return {
    name: "diachain-share-noble",
    enforce: "pre",
    resolveId(source, importer, options) {
      if (!/^@noble\/(curves|hashes)\//.test(source) || !importer?.includes(`${sep}clients${sep}ts${sep}`)) return null;
      return this.resolve(source, join(HERE, "src", "main.tsx"), { ...options, skipSelf: true });
    },
  };
}

/** Preloads the default tab's view (the patient's) and what it imports from the page's start,
 * alongside the app's own chunks: it is the first view shown unless the URL names another tab. */
function preloadDefaultView(): Plugin {
  return {
    name: "diachain-preload-default-view",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        const bundle = ctx.bundle ?? {};
        const chunks = Object.values(bundle).filter((c) => c.type === "chunk");
        const view = chunks.find((c) => c.facadeModuleId?.endsWith("/src/views/patient/PatientView.tsx"));
        if (!view) throw new Error("no chunk for the patient's view to preload");
        const files = new Set<string>();
        const add = (file: string) => {
          if (files.has(file)) return;
          files.add(file);
          const c = bundle[file];
          if (c?.type === "chunk") c.imports.forEach(add);
        };
        add(view.fileName);
        const links = [...files].filter((f) => !html.includes(`/${f}"`))
          .map((f) => `<link rel="modulepreload" crossorigin href="/${f}">`).join("\n    ");
        return html.replace(/\s*<\/head>/, `\n    ${links}\n  </head>`);
      },
    },
  };
}

const nm = (names: string) => new RegExp(`[\\\\/]node_modules[\\\\/](?:${names})[\\\\/]`);

// `@diachain/client` is linked from ../clients/ts with its own node_modules: dedupe the
// libraries both use so the bundle holds one copy of each.
//
// Chunks: the app's shell and the view of the URL's tab first; React in a vendor chunk of its
// own; recharts (and its d3) only with a chart; cosmjs only when an account signs its first
// transaction (lib/signing.ts). Views and charts are loaded lazily (React.lazy).
export default defineConfig({
  plugins: [react(), shareNoble(), preloadDefaultView(), precompress()],
  resolve: {
    dedupe: ["react", "react-dom", "@cosmjs/amino", "@cosmjs/encoding", "@cosmjs/proto-signing",
      "@cosmjs/stargate", "@cosmjs/cosmwasm-stargate"],
  },
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 1600,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: "react", test: nm("react|react-dom|scheduler"), priority: 4 },
            // Small encoders the relayer's signed requests need from the start: taken before the
            // cosmjs group, which would otherwise pull them in as its dependencies.
            { name: "encoding", test: /[\\/]web[\\/]node_modules[\\/](?:@cosmjs[\\/]encoding|base64-js|@scure[\\/]base|bech32)[\\/]/, priority: 3 },
            {
              name: "recharts",
              test: nm("recharts|d3-[a-z-]+|victory-vendor|internmap|@reduxjs|redux|redux-thunk|react-redux|reselect|immer|es-toolkit|decimal\\.js-light|eventemitter3|tiny-invariant|clsx|use-sync-external-store|react-is"),
              priority: 2,
            },
            { name: "cosmjs", test: /[\\/]node_modules[\\/](?:@cosmjs[\\/](?!encoding[\\/])|cosmjs-types[\\/]|hash-wasm[\\/]|xstream[\\/]|symbol-observable[\\/]|@cosmjs[\\/][a-z-]+[\\/]node_modules[\\/])/, priority: 2 },
          ],
        },
      },
    },
  },
});
