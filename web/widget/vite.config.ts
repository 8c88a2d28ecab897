import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The embeddable widget: one minified IIFE, dist/public/widget.js, served by `atelier serve` at
 * /widget.js. It builds after the studio, whose build empties dist/public first, so it must not
 * empty it again; it bundles no framework and nothing from src/ but types.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../../dist/public", import.meta.url)),
    emptyOutDir: false,
    copyPublicDir: false,
    sourcemap: false,
    target: "es2022",
    minify: true,
    lib: {
      entry: fileURLToPath(new URL("widget.ts", import.meta.url)),
      formats: ["iife"],
      name: "AtelierWidget",
      fileName: () => "widget.js",
    },
  },
});
