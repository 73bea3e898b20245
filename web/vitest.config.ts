// The dashboard's unit tests (tests/unit/): its own logic in Node, without a browser or a chain.
// The browser tests (tests/browser/, node --test with playwright-core) are run by scripts/web-test.sh.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/unit/**/*.test.ts"],
    environment: "node",
  },
});
