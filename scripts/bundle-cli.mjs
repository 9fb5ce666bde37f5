// Bundles the compiled CLI into one ES module: loading hundreds of separate ESM files cost ~0.6 s per run.
// PGlite and pg stay external: they load their own assets (wasm, native bindings) from node_modules.
import { build } from "esbuild"

await build({
  entryPoints: ["dist/cli/main.js"],
  outfile: "dist/cli/main.bundle.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["@electric-sql/pglite", "pg", "pg-native"],
  // Bundled CommonJS dependencies call require(); give the module one.
  banner: { js: "import { createRequire as packsmithCreateRequire } from 'node:module'; const require = packsmithCreateRequire(import.meta.url);" },
  logLevel: "warning",
})
