/**
 * Literal secret values in a compiled parameter schema, and in values given for one. A property marked
 * `secret: true` may carry a value only as a `secret:<name>` ref or a `{{ template }}` that the running host
 * renders; a literal one, wherever it is written (the property's own default, const, enum or examples, a
 * default object of an ancestor, an example's or a rule's parameters), would travel in the bundle.
 * The compiler and the bundle verifier both ask this module, so they cannot disagree.
 */
import { pointerJoin } from "./JsonPointer.js"
import { SECRET_REF_PATTERN } from "./Parameters.js"

/** Environment variable names that say they hold credentials: a runtime profile gives them only as refs. */
export const SECRET_ENV_NAME = /(token|secret|password|passwd|credential|private_key|api_key|_key$)/i

/** What a secret may carry: a `secret:<name>` ref, or a template (`{{`, the compiler's `isTemplated`). */
export const isSecretPlaceholder = (value: unknown): boolean =>
  typeof value === "string" && (SECRET_REF_PATTERN.test(value) || value.includes("{{"))

export type SecretLeakKeyword = "default" | "const" | "enum" | "examples"

export interface SecretLeak {
  /** Where the literal value is, below the pointer the scan was given. */
  readonly pointer: string
  /** The secret property as a path from the schema's root: `db.password`, `hosts[].token`. */
  readonly property: string
  /**
   * The keyword that carries the value and the property it is written on (`owner`, "" for the root); absent
   * for a value given for the parameters (an example's, a rule's, a pack's config).
   */
  readonly keyword?: SecretLeakKeyword
  readonly owner?: string
}

/** Walk state: leaks found so far and the steps left before the scan gives up. */
export interface SecretScan {
  readonly leaks: Array<SecretLeak>
  remaining: number
  /** The budget ran out: what was not walked is unknown, not clean. */
  exhausted: boolean
  /** Whether a schema node holds a secret, by node (a Map that lives as long as the scan: a WeakMap's upkeep costs more). */
  readonly holds: Map<object, boolean>
}

/**
 * `budget`: how many (schema, value) steps the scan may take. A schema can make the walk quadratic (every key
 * of a default against every `patternProperties` entry); whoever scans untrusted input bounds it.
 */
export const secretScan = (budget: number = Number.POSITIVE_INFINITY): SecretScan =>
  ({ leaks: [], remaining: budget, exhausted: false, holds: new Map() })

type JsonRecord = Record<string, unknown>

const isObject = (value: unknown): value is JsonRecord => typeof value === "object" && value !== null && !Array.isArray(value)

const own = (record: JsonRecord, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined

/** How each keyword holds subschemas: a map of them, one, or a list (`items` is one or a list). */
const SUBSCHEMA_KEYWORDS: ReadonlyMap<string, "map" | "one" | "list"> = new Map([
  ...["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"].map((k) => [k, "map"] as const),
  ...["items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames", "unevaluatedItems",
    "unevaluatedProperties", "additionalItems"].map((k) => [k, "one"] as const),
  ...["allOf", "anyOf", "oneOf", "prefixItems"].map((k) => [k, "list"] as const),
])
/** Subschemas that apply to the same value as their parent (and `$ref`). */
const SAME_VALUE_LISTS = ["allOf", "anyOf", "oneOf"] as const
const SAME_VALUE_ONE = ["if", "then", "else"] as const

/**
 * Calls `visit` with each subschema of `node`, the keyword holding it and its name or index there; stops
 * when `visit` returns true, and says whether it did.
 */
const someSubschema = (node: JsonRecord, visit: (sub: unknown, keyword: string, member: string | number | undefined) => boolean): boolean => {
  for (const keyword of Object.keys(node)) {
    const kind = SUBSCHEMA_KEYWORDS.get(keyword)
    if (kind === undefined) continue
    const value = node[keyword]
    if (Array.isArray(value)) {
      if (kind === "map") continue
      for (let i = 0; i < value.length; i++) if (visit(value[i], keyword, i)) return true
    } else if (isObject(value)) {
      if (kind === "list") continue
      if (kind === "one") {
        if (visit(value, keyword, undefined)) return true
      } else {
        for (const name of Object.keys(value)) if (visit(value[name], keyword, name)) return true
      }
    }
  }
  return false
}

/** The property path a subschema describes, from its parent's. */
const subschemaPath = (path: string, keyword: string, member: string | number | undefined): string => {
  switch (keyword) {
    case "properties":
      return joinProperty(path, String(member))
    case "patternProperties": case "additionalProperties": case "unevaluatedProperties":
      return joinProperty(path, "*")
    case "items": case "prefixItems": case "additionalItems": case "unevaluatedItems": case "contains":
      return `${path}[]`
    default:
      return path
  }
}

const joinProperty = (path: string, name: string): string => (path === "" ? name : `${path}.${name}`)

/**
 * Whether anything at or under `node` is marked secret. A `$ref` counts as yes: where it points is only known
 * from the root, and the value walk follows it.
 */
const holdsSecret = (scan: SecretScan, node: unknown): boolean => {
  if (!isObject(node)) return false
  const known = scan.holds.get(node)
  if (known !== undefined) return known
  // Provisionally no, so that a cycle of objects (not JSON, but a program may build one) ends.
  scan.holds.set(node, false)
  const found = own(node, "secret") === true || typeof own(node, "$ref") === "string" || someSubschema(node, (sub) => holdsSecret(scan, sub))
  scan.holds.set(node, found)
  return found
}

/** A local `$ref` (`#` or `#/json/pointer`) inside the schema's root; other refs name nothing here. */
const resolveRef = (root: unknown, ref: string): unknown => {
  if (ref === "#") return root
  if (!ref.startsWith("#/")) return undefined
  let at: unknown = root
  for (const raw of ref.slice(2).split("/")) {
    const segment = decodeURIComponentSafe(raw).replace(/~1/g, "/").replace(/~0/g, "~")
    if (Array.isArray(at)) at = at[Number(segment)]
    else if (isObject(at)) at = own(at, segment)
    else return undefined
  }
  return at
}

const decodeURIComponentSafe = (text: string): string => {
  if (!text.includes("%")) return text
  try {
    return decodeURIComponent(text)
  } catch {
    // Not percent-encoding after all: the segment is taken as written.
    return text
  }
}

interface Walk {
  readonly scan: SecretScan
  readonly root: unknown
  readonly keyword?: SecretLeakKeyword
  readonly owner?: string
}

/** Checks `value` against the secret properties `schema` describes for it. `seen`: schemas already applied to this value. */
const walkValue = (walk: Walk, schema: unknown, value: unknown, pointer: string, property: string, seen: Set<object>): void => {
  if (!isObject(schema) || value === undefined || !holdsSecret(walk.scan, schema) || seen.has(schema)) return
  const { scan } = walk
  if (scan.remaining <= 0) {
    scan.exhausted = true
    return
  }
  scan.remaining--
  seen.add(schema)
  if (own(schema, "secret") === true) {
    if (!isSecretPlaceholder(value)) {
      scan.leaks.push({
        pointer, property,
        ...(walk.keyword === undefined ? {} : { keyword: walk.keyword, owner: walk.owner ?? "" }),
      })
    }
    return
  }
  for (const key of SAME_VALUE_LISTS) {
    const list = own(schema, key)
    if (Array.isArray(list)) for (const sub of list) walkValue(walk, sub, value, pointer, property, seen)
  }
  for (const key of SAME_VALUE_ONE) walkValue(walk, own(schema, key), value, pointer, property, seen)
  const dependent = own(schema, "dependentSchemas")
  if (isObject(dependent)) for (const name of Object.keys(dependent)) walkValue(walk, dependent[name], value, pointer, property, seen)
  const ref = own(schema, "$ref")
  if (typeof ref === "string") walkValue(walk, resolveRef(walk.root, ref), value, pointer, property, seen)

  if (isObject(value)) {
    const properties = own(schema, "properties")
    const patterns = own(schema, "patternProperties")
    // Patterns are not run (a bundle's regular expression is code from elsewhere): every key is taken to
    // match every pattern, which can only find more, never less.
    const patternSchemas = isObject(patterns) ? Object.keys(patterns).map((name) => patterns[name]) : []
    const additional = own(schema, "additionalProperties")
    const unevaluated = own(schema, "unevaluatedProperties")
    for (const key of Object.keys(value)) {
      const item = value[key]
      const at = pointerJoin(pointer, key)
      const path = joinProperty(property, key)
      const childSeen = new Set<object>()
      const named = isObject(properties) ? own(properties, key) : undefined
      walkValue(walk, named, item, at, path, childSeen)
      for (const sub of patternSchemas) walkValue(walk, sub, item, at, path, childSeen)
      if (named === undefined) walkValue(walk, additional, item, at, path, childSeen)
      walkValue(walk, unevaluated, item, at, path, childSeen)
    }
  } else if (Array.isArray(value)) {
    const items = own(schema, "items")
    const prefix = own(schema, "prefixItems")
    const positional = Array.isArray(prefix) ? prefix : Array.isArray(items) ? items : undefined
    const rest = Array.isArray(items) ? own(schema, "additionalItems") : items
    value.forEach((item, i) => {
      const at = pointerJoin(pointer, i)
      const path = `${property}[]`
      const childSeen = new Set<object>()
      const fixed = positional?.[i]
      walkValue(walk, fixed, item, at, path, childSeen)
      if (fixed === undefined) walkValue(walk, rest, item, at, path, childSeen)
      walkValue(walk, own(schema, "contains"), item, at, path, childSeen)
      walkValue(walk, own(schema, "unevaluatedItems"), item, at, path, childSeen)
    })
  }
}

const VALUE_KEYWORDS = ["default", "const"] as const
const LIST_KEYWORDS = ["enum", "examples"] as const

const walkSchema = (scan: SecretScan, root: unknown, node: unknown, pointer: string, path: string): void => {
  if (!isObject(node) || !holdsSecret(scan, node) || scan.exhausted) return
  for (const keyword of VALUE_KEYWORDS) {
    if (!Object.prototype.hasOwnProperty.call(node, keyword)) continue
    walkValue({ scan, root, keyword, owner: path }, node, node[keyword], pointerJoin(pointer, keyword), path, new Set())
  }
  for (const keyword of LIST_KEYWORDS) {
    const list = own(node, keyword)
    if (!Array.isArray(list)) continue
    list.forEach((item, i) => walkValue({ scan, root, keyword, owner: path }, node, item, pointerJoin(pointer, keyword, i), path, new Set()))
  }
  someSubschema(node, (sub, keyword, member) => {
    if (holdsSecret(scan, sub)) {
      walkSchema(scan, root, sub, member === undefined ? pointerJoin(pointer, keyword) : pointerJoin(pointer, keyword, member), subschemaPath(path, keyword, member))
    }
    return false
  })
}

/** Adds to `scan` every literal secret value written inside `schema` (found at `pointer`). */
export const scanSchemaForSecrets = (scan: SecretScan, schema: unknown, pointer: string): void =>
  walkSchema(scan, schema, schema, pointer, "")

/** Adds to `scan` every literal value `value` (found at `pointer`) gives a secret property of `schema`. */
export const scanValueForSecrets = (scan: SecretScan, schema: unknown, value: unknown, pointer: string): void =>
  walkValue({ scan, root: schema }, schema, value, pointer, "", new Set())

/** One line for a leak, as the compiler and the verifier both word it. */
export const describeSecretLeak = (leak: SecretLeak): string => {
  if (leak.keyword === undefined) return `"${leak.property}" is a secret parameter; its value must not be written here`
  if (leak.owner === leak.property) return `secret parameter "${leak.property}" has a literal ${leak.keyword === "enum" || leak.keyword === "examples" ? `value in ${leak.keyword}` : leak.keyword}`
  return `the ${leak.keyword} of ${leak.owner === "" ? "the parameters" : `"${leak.owner}"`} gives secret parameter "${leak.property}" a literal value`
}
