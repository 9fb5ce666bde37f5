/**
 * YAML text -> JSON value with js-yaml 4 (fast; its errors carry line and column), then a bounded walk over
 * the loaded value: depth, node count after alias expansion, scalar length and finite numbers.
 */
import { CORE_SCHEMA, load } from "js-yaml"
import { finding, pointerJoin, type Finding } from "./Finding.js"
import { MAX_DEPTH, MAX_NODES, MAX_SCALAR_CHARS } from "./limits.js"

export type ParseOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly finding: Finding }

interface YamlErrorLike {
  readonly name: string
  readonly reason?: string
  readonly message: string
  readonly mark?: { readonly line: number; readonly column: number }
}

const isYamlError = (error: unknown): error is YamlErrorLike =>
  typeof error === "object" && error !== null && (error as { name?: unknown }).name === "YAMLException"

/** js-yaml throws; this returns the value or what went wrong. */
const loadYaml = (text: string): { value: unknown } | { error: unknown } => {
  try {
    // CORE_SCHEMA: YAML 1.2 scalars only (no timestamps, no merge keys), the same as the position parser.
    return { value: load(text, { schema: CORE_SCHEMA, json: false }) }
  } catch (error) {
    return { error }
  }
}

const parseFailure = (error: unknown): Finding => {
  if (isYamlError(error)) {
    const reason = error.reason ?? error.message
    const position = error.mark === undefined ? undefined : { line: error.mark.line + 1, column: error.mark.column + 1 }
    const code = /expected a single document/.test(reason) ? "PS1009" : /maxDepth/.test(reason) ? "PS1005" : "PS1003"
    return finding(code, `YAML: ${reason}`, "", position === undefined ? {} : { position })
  }
  if (error instanceof RangeError) {
    return finding("PS1005", `the document nests too deeply for the parser (${error.message})`, "")
  }
  return finding("PS1011", `the YAML parser failed: ${error instanceof Error ? error.message : String(error)}`, "")
}

interface Frame {
  readonly value: unknown
  readonly depth: number
  readonly parent: Frame | undefined
  readonly key: string | number | undefined
}

const framePointer = (frame: Frame): string => {
  const keys: Array<string | number> = []
  for (let f: Frame | undefined = frame; f !== undefined && f.key !== undefined; f = f.parent) keys.push(f.key)
  return pointerJoin("", ...keys.reverse())
}

/** Walks the loaded value once; aliases are counted every time they are reached. */
export const checkBounds = (root: unknown): Finding | undefined => {
  const stack: Array<Frame> = [{ value: root, depth: 0, parent: undefined, key: undefined }]
  let nodes = 0
  while (stack.length > 0) {
    const frame = stack.pop()!
    const value = frame.value
    nodes++
    if (nodes > MAX_NODES) {
      return finding("PS1006", `the document expands to more than ${MAX_NODES} nodes (aliases included)`, framePointer(frame))
    }
    if (typeof value === "string") {
      if (value.length > MAX_SCALAR_CHARS) {
        return finding("PS1007", `a scalar of ${value.length} characters exceeds the limit of ${MAX_SCALAR_CHARS}`, framePointer(frame))
      }
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        return finding("PS1008", `${String(value)} has no JSON representation`, framePointer(frame))
      }
    } else if (typeof value === "object" && value !== null) {
      if (frame.depth >= MAX_DEPTH) {
        return finding("PS1005", `the document nests deeper than ${MAX_DEPTH} levels`, framePointer(frame))
      }
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: frame.depth + 1, parent: frame, key: i })
      } else {
        const keys = Object.keys(value)
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i]!
          stack.push({ value: (value as Record<string, unknown>)[key], depth: frame.depth + 1, parent: frame, key })
        }
      }
    }
  }
  return undefined
}

export const parseYaml = (text: string): ParseOutcome => {
  const loaded = loadYaml(text)
  if ("error" in loaded) return { ok: false, finding: parseFailure(loaded.error) }
  if (loaded.value === undefined || loaded.value === null) {
    return { ok: false, finding: finding("PS1010", "the file holds no YAML document", "", { position: { line: 1, column: 1 } }) }
  }
  const bounds = checkBounds(loaded.value)
  return bounds === undefined ? { ok: true, value: loaded.value } : { ok: false, finding: bounds }
}
