/**
 * The core pack packsmith ships (`packs/core` of this package). A compile whose packs use `core` (a `core.*`
 * runtime, trigger or action they do not define themselves, or `dependencies: [core]`) without giving a pack
 * named core gets this one added, so that the bundle holds every runtime and action it refers to. A core pack
 * given in the paths is used instead.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** Two levels above `src/compiler/` (tsx, vitest), `dist/compiler/` and `dist/cli/` (built, bundled). */
export const SHIPPED_CORE_DIR: string = path.join(fileURLToPath(new URL("../../packs/", import.meta.url)), "core")

export const CORE_PACK = "core"
