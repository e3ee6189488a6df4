// Build and dev server of the web UI. The app serves the build from the Python package (src/scopeapp/ui) at "/";
// `npm run dev` serves the sources with /api (HTTP and websockets) proxied to a running app.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const app = process.env.SCOPE_APP ?? "http://127.0.0.1:4040";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative asset URLs: the UI keeps working when the app is mounted under a path prefix by a reverse proxy.
  base: "./",
  build: {
    outDir: "../src/scopeapp/ui",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    proxy: {
      "/api": {
        target: app,
        ws: true,
        changeOrigin: true,
        // The app refuses cross-origin websockets (a page elsewhere must not drive terminals): present the
        // app's own origin, as the browser does when the UI is served by the app.
        configure: (proxy) => {
          proxy.on("proxyReqWs", (req) => req.setHeader("origin", app));
        },
      },
    },
  },
  preview: { host: "127.0.0.1", port: 4173, proxy: { "/api": { target: app, ws: true, changeOrigin: true } } },
});
