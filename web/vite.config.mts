import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * The dashboard is built into web/dist, which dashql serves at "/" (src/server/static-web.ts).
 * `vite` (dev server) proxies the API to a running `npm start` so both share one origin, as in production.
 */
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Victory and React together are ~150 KiB gzipped; one chunk keeps the offline app a single request after index.html.
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      "/graphql": "http://localhost:4000",
      "/dev": "http://localhost:4000",
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.tsx", "src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
    // Two cores shared with jest: Victory's SVG layout in jsdom is the slow part, not parallelism.
    pool: "threads",
    maxWorkers: 2,
    testTimeout: 15_000,
  },
});
