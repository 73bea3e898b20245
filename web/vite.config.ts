import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `@diachain/client` is linked from ../clients/ts with its own node_modules: dedupe the
// libraries both use so the bundle holds one copy of each.
export default defineConfig({
  plugins: [react()],
  resolve: { dedupe: ["react", "react-dom", "@cosmjs/amino", "@cosmjs/proto-signing", "@cosmjs/stargate", "@cosmjs/cosmwasm-stargate"] },
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 2000 },
});
