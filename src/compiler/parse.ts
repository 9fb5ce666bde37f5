/**
 * YAML text -> JSON value with js-yaml 4 (fast; its errors carry line and column), then a bounded walk over
 * the loaded value: depth, node count after alias expansion, scalar length and finite numbers.
 */
import { CORE_SCHEMA, load } from "js-yaml"
import { parseAllDocuments } from "yaml"
import { finding, pointerJoin, type Finding } from "./Finding.js"
import { MAX_DEPTH, MAX_NODES, MAX_SCALAR_CHARS } from "./limits.js"

export type ParseOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly finding: Finding }

interface YamlErrorLike {
  readonly name: string
  readonly reason?: string
  readonly message: string
  readonly mark?: { readonly line: number; readonly column: number; readonly position: number }
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

/** 1-based line and column of a UTF-16 offset; CRLF, CR and LF each end a line, as in YAML. */
const positionAt = (text: string, offset: number): { line: number; column: number } => {
  let line = 1
  let start = 0
  const end = Math.min(offset, text.length)
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++
      start = i + 1
    }
  }
  return { line, column: end - start + 1 }
}

/** What js-yaml refuses as non-printable (UTF-8 decoding never yields a lone surrogate). */
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/g
/** What js-yaml refuses inside a quoted scalar (line breaks end its segments, so they never count). */
const NOT_JSON_TEXT = /[\x00-\x08\x0B\x0C\x0E-\x1F]/g

/** Where an error js-yaml reports after the fact really is (its mark is where it noticed). */
const errorOffset = (text: string, reason: string, mark: NonNullable<YamlErrorLike["mark"]>): number | undefined => {
  // js-yaml drops a leading BOM before it counts.
  const offset = mark.position + (text.charCodeAt(0) === 0xfeff ? 1 : 0)
  // Both are reported once the node is read: point at the last tag (or control character) before that.
  const culprit = /^unknown tag/.test(reason) ? /(^|[\s[{,])!/g
    : /non-printable/.test(reason) ? NON_PRINTABLE
    : /expected valid JSON character/.test(reason) ? NOT_JSON_TEXT
    : undefined
  if (culprit === undefined) return offset
  let last: number | undefined
  for (const m of text.slice(0, offset).matchAll(culprit)) last = m.index + (m[1]?.length ?? 0)
  return last ?? offset
}

/** js-yaml gives no position for a second document: the position parser finds where it starts. */
const secondDocumentAt = (text: string): number | undefined => {
  // A lone CR ends a line for js-yaml but not for this parser; the replacement keeps every offset.
  const docs = parseAllDocuments(text.replace(/\r(?!\n)/g, "\n"), { version: "1.2" })
  return Array.isArray(docs) ? docs[1]?.range?.[0] : undefined
}

const parseFailure = (error: unknown, text: string): Finding => {
  if (isYamlError(error)) {
    const reason = error.reason ?? error.message
    const code = /expected a single document/.test(reason) ? "PS1009" : /maxDepth/.test(reason) ? "PS1005" : "PS1003"
    const offset = code === "PS1009" ? secondDocumentAt(text) : error.mark === undefined ? undefined : errorOffset(text, reason, error.mark)
    return finding(code, `YAML: ${reason}`, "", offset === undefined ? {} : { position: positionAt(text, offset) })
  }
  if (error instanceof RangeError) {
    return finding("PS1005", `the document nests too deeply for the parser (${error.message})`, "")
  }
  return finding("PS1011", `the YAML parser failed: ${error instanceof Error ? error.message : String(error)}`, "")
}

interface Walk {
  nodes: number
  /** Keys from the root to the node being visited; read only when a bound is exceeded. */
  readonly path: Array<string | number>
}

const exceeded = (walk: Walk, code: Finding["code"], message: string): Finding =>
  finding(code, message, pointerJoin("", ...walk.path))

/** Pre-order, the same order the findings were always reported in; allocates only for a finding. */
const visit = (walk: Walk, value: unknown, depth: number): Finding | undefined => {
  if (++walk.nodes > MAX_NODES) return exceeded(walk, "PS1006", `the document expands to more than ${MAX_NODES} nodes (aliases included)`)
  if (typeof value === "string") {
    return value.length > MAX_SCALAR_CHARS
      ? exceeded(walk, "PS1007", `a scalar of ${value.length} characters exceeds the limit of ${MAX_SCALAR_CHARS}`)
      : undefined
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : exceeded(walk, "PS1008", `${String(value)} has no JSON representation`)
  }
  if (typeof value !== "object" || value === null) return undefined
  if (depth >= MAX_DEPTH) return exceeded(walk, "PS1005", `the document nests deeper than ${MAX_DEPTH} levels`)
  const path = walk.path
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i)
      const found = visit(walk, value[i], depth + 1)
      if (found !== undefined) return found
      path.pop()
    }
    return undefined
  }
  // for-in visits own keys in Object.keys order without building an array of them.
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue
    path.push(key)
    const found = visit(walk, (value as Record<string, unknown>)[key], depth + 1)
    if (found !== undefined) return found
    path.pop()
  }
  return undefined
}

/** Walks the loaded value once; aliases are counted every time they are reached. */
export const checkBounds = (root: unknown): Finding | undefined => visit({ nodes: 0, path: [] }, root, 0)

const loadedValue = (value: unknown): ParseOutcome => {
  if (value === undefined || value === null) {
    return { ok: false, finding: finding("PS1010", "the file holds no YAML document", "", { position: { line: 1, column: 1 } }) }
  }
  const bounds = checkBounds(value)
  return bounds === undefined ? { ok: true, value } : { ok: false, finding: bounds }
}

export const parseYaml = (text: string): ParseOutcome => {
  const loaded = loadYaml(text)
  return "error" in loaded ? { ok: false, finding: parseFailure(loaded.error, text) } : loadedValue(loaded.value)
}

/**
 * The outcome for a value js-yaml loaded on the read-ahead thread, sent as JSON text. That thread sends only
 * values within the bounds `checkBounds` applies (aliases counted each time they are reached, as here), so
 * the value is not walked again.
 */
export const parseJsonOfYaml = (json: string): ParseOutcome => ({ ok: true, value: JSON.parse(json) })
