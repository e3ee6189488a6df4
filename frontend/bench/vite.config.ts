// The graph benchmark page: `npm run build:bench` builds it to bench/dist;
// bench/bench_ui.py (repo root) serves that folder and drives it with Playwright.
import { defineConfig } from "vite";

export default defineConfig({
  // (no node:url: the typecheck runs with browser types only)
  root: decodeURIComponent(new URL(".", import.meta.url).pathname),
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: "es" },
});
