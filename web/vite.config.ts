import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The studio builds into dist/public, which `atelier serve` serves at `/`. */
export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/public", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // `npm run dev:web` beside `atelier serve`: the API stays on its own port.
    proxy: { "/api": "http://127.0.0.1:4321", "/healthz": "http://127.0.0.1:4321", "/readyz": "http://127.0.0.1:4321" },
  },
});
