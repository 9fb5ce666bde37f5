/**
 * The one normalization table for runtime names. The compiler (runner_type), detection (binary names),
 * the resolver and the scheduler all call `normalizeRuntimeName`, so `python3`, `node.js` and `golang`
 * mean the same thing everywhere.
 */
import { Schema } from "effect"

export const RUNTIME_FAMILIES = [
  "shell", "python", "node", "ruby", "go", "java", "perl", "r", "deno", "bun", "php", "lua", "native",
] as const
export const RuntimeFamily = Schema.Literal(...RUNTIME_FAMILIES).pipe(
  Schema.annotations({ identifier: "RuntimeFamily", description: "Canonical runtime family name" }),
)
export type RuntimeFamily = typeof RuntimeFamily.Type

/** alias -> canonical family. Keys are lowercase; lookups trim and lowercase first. */
export const RUNTIME_ALIASES: Readonly<Record<string, RuntimeFamily>> = {
  shell: "shell", bash: "shell", sh: "shell",
  python: "python", python3: "python",
  node: "node", nodejs: "node", "node.js": "node",
  ruby: "ruby", rb: "ruby",
  go: "go", golang: "go",
  java: "java", jdk: "java", openjdk: "java",
  perl: "perl", perl5: "perl",
  r: "r", rscript: "r",
  deno: "deno",
  bun: "bun",
  php: "php",
  lua: "lua",
  native: "native", builtin: "native", standalone: "native",
}

/** The template each family is cloned from. Attune names the node template `core.nodejs`. */
export const CORE_RUNTIME_REFS: Readonly<Record<RuntimeFamily, string>> = {
  shell: "core.shell", python: "core.python", node: "core.nodejs", ruby: "core.ruby", go: "core.go",
  java: "core.java", perl: "core.perl", r: "core.r", deno: "core.deno", bun: "core.bun", php: "core.php",
  lua: "core.lua", native: "core.native",
}

/** Canonical family for a name or alias, or undefined when the name is not a known alias. */
export const runtimeFamilyOf = (name: string): RuntimeFamily | undefined =>
  RUNTIME_ALIASES[name.trim().toLowerCase()]

/** The family a binary name belongs to: `python3.12` -> python, `ruby3.3` -> ruby, `node20` -> node. */
export const binaryFamily = (binary: string): RuntimeFamily | undefined => {
  const base = (binary.split("/").pop() ?? binary).toLowerCase()
  return runtimeFamilyOf(base) ?? runtimeFamilyOf(base.replace(/[-_.]?\d+(?:\.\d+)*$/, ""))
}

/** Canonical family when known, else the trimmed lowercase name itself (Attune's rule: anything else maps to itself). */
export const normalizeRuntimeName = (name: string): string => {
  const lowered = name.trim().toLowerCase()
  return RUNTIME_ALIASES[lowered] ?? lowered
}

/** Every alias that normalizes to the given family, the family name first. */
export const aliasesOf = (family: RuntimeFamily): ReadonlyArray<string> => [
  family,
  ...Object.keys(RUNTIME_ALIASES).filter((alias) => alias !== family && RUNTIME_ALIASES[alias] === family),
]

/** True when any of `names` normalizes to the same thing as `wanted`. */
export const runtimeNamesMatch = (names: ReadonlyArray<string>, wanted: string): boolean => {
  const target = normalizeRuntimeName(wanted)
  return names.some((n) => normalizeRuntimeName(n) === target)
}
