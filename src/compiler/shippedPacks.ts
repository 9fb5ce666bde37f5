/**
 * Where the packs this package ships live, found from this module rather than the working directory, so a
 * program compiles them from wherever it runs (inside this repository, or from `node_modules/packsmith`).
 */
import { fileURLToPath } from "node:url"

/** `packs/` of this package: two levels above both `src/compiler/` (tsx, vitest) and `dist/compiler/` (built). */
export const SHIPPED_PACKS_DIR: string = fileURLToPath(new URL("../../packs", import.meta.url))

/** `packs/core`: the core pack's runtimes (`core.shell`, `core.python`, ...), actions, triggers and sensor. */
export const CORE_PACK_DIR: string = fileURLToPath(new URL("../../packs/core", import.meta.url))

/**
 * The core pack's ref. A compile whose packs use core (a `core.*` ref they leave unresolved, or
 * `dependencies: [core]`) and give no pack of that name gets CORE_PACK_DIR added (see PackCompiler.ts).
 */
export const CORE_PACK = "core"
