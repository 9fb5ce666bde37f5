/**
 * Parameter/output/config schemas -> JSON Schema. A flat Attune map (`name: {type, required: true, ...}`)
 * becomes `{type: object, properties, required: [sorted names]}`; JSON Schema passes through. In both, boolean
 * `required` on nested properties is lifted into the parent's `required` list, unknown keywords are errors,
 * and `secret`/`position`/`immutable` stay on each property as annotations.
 */
import { JSON_SCHEMA_KEYWORDS } from "../domain/Parameters.js"
import type { JsonObject } from "../domain/SourceFields.js"
import { finding, nearest, pointerJoin, type Finding } from "./Finding.js"
import { setMember, sortKeys, withMembers } from "./keyOrder.js"

/** One parameter of a compiled schema. Its pointer is made only when a finding needs it. */
export class ParameterInfo {
  constructor(
    readonly name: string,
    readonly schema: JsonObject,
    readonly required: boolean,
    private readonly base: string,
    private readonly flat: boolean,
  ) {}

  /** Pointer to this parameter's schema in the source file. */
  get pointer(): string {
    return this.flat ? pointerJoin(this.base, this.name) : pointerJoin(this.base, "properties", this.name)
  }
}

export interface CompiledParameters {
  readonly schema: JsonObject
  readonly parameters: ReadonlyArray<ParameterInfo>
  /** The source was a flat map (pointers to parameters have no `/properties`). */
  readonly flat: boolean
  /** Where the schema is written in its file. */
  readonly pointer: string
}

const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"])
const KEYWORD_LIST = [...JSON_SCHEMA_KEYWORDS]
const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"] as const
const SCHEMA_ONE = ["additionalProperties", "contains", "not", "if", "then", "else", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalItems"] as const
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"] as const

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Why `source` is not a regular expression as JSON Schema validators read it (Unicode mode), if it is not. */
const regexProblem = (source: string): string | undefined => {
  try {
    new RegExp(source, "u")
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** Copies one schema node, checking keywords and lifting boolean `required` of its properties. */
const compileNode = (node: unknown, pointer: string, out: Array<Finding>, allowBooleanRequired: boolean): unknown => {
  if (typeof node === "boolean") return node
  if (!isObject(node)) {
    out.push(finding("PS2006", `expected a schema (a mapping), got ${JSON.stringify(node) ?? String(node)}`, pointer))
    return {}
  }
  const result: Record<string, unknown> = {}
  // Keys, not entries: this runs for every schema node, and entries would allocate a pair per key. Copied in
  // canonical order, so the bundle needs no sorted copy.
  for (const key of sortKeys(Object.keys(node))) {
    const value = node[key]
    if (!JSON_SCHEMA_KEYWORDS.has(key) && !key.startsWith("x-")) {
      // A keyword the schema has already is no suggestion: following it would write that keyword twice.
      const suggestion = nearest(key, KEYWORD_LIST.filter((keyword) => !Object.prototype.hasOwnProperty.call(node, keyword)))
      out.push(finding("PS2001", `unknown schema keyword "${key}"`, pointerJoin(pointer, key), {
        target: "key", hint: suggestion === undefined ? "custom keywords start with x-" : `did you mean "${suggestion}"?`,
      }))
      continue
    }
    switch (key) {
      case "type": {
        const known = typeof value === "string" ? JSON_TYPES.has(value)
          : Array.isArray(value) && value.length > 0 && value.every((t) => typeof t === "string" && JSON_TYPES.has(t))
        // An invalid keyword is reported and left out, so validating a default does not report it again.
        if (!known) {
          out.push(finding("PS2006", `"type" must be one of ${[...JSON_TYPES].join(", ")} (or a list of them)`, pointerJoin(pointer, key)))
        } else result[key] = value
        break
      }
      case "required":
        if (typeof value === "boolean") {
          if (!allowBooleanRequired) out.push(finding("PS2006", "a boolean `required` belongs on a property; at this level list the required names", pointerJoin(pointer, key)))
        } else if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
          out.push(finding("PS2006", "`required` is a list of property names (or `true` on a property)", pointerJoin(pointer, key)))
        } else result[key] = value
        break
      case "secret": case "immutable":
        if (typeof value !== "boolean") out.push(finding("PS2003", `"${key}" must be a boolean`, pointerJoin(pointer, key)))
        else result[key] = value
        break
      case "position":
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) out.push(finding("PS2003", `"position" must be a non-negative integer`, pointerJoin(pointer, key)))
        else result[key] = value
        break
      case "pattern": {
        // Validators compile patterns lazily; a broken one would only fail when a value is checked.
        const problem = typeof value === "string" ? regexProblem(value) : "a pattern is a string (a regular expression)"
        if (problem === undefined) result[key] = value
        else out.push(finding(typeof value === "string" ? "PS4019" : "PS2006", `"pattern" does not compile: ${problem}`, pointerJoin(pointer, key)))
        break
      }
      case "items":
        result[key] = Array.isArray(value)
          ? value.map((item, i) => compileNode(item, pointerJoin(pointerJoin(pointer, key), i), out, false))
          : compileNode(value, pointerJoin(pointer, key), out, false)
        break
      default:
        if ((SCHEMA_MAPS as ReadonlyArray<string>).includes(key)) {
          if (!isObject(value)) {
            out.push(finding("PS2006", `"${key}" must be a mapping of names to schemas`, pointerJoin(pointer, key)))
            break
          }
          const compiled: Record<string, unknown> = {}
          const mapAt = pointerJoin(pointer, key)
          for (const name of sortKeys(Object.keys(value))) {
            const sub = value[name]
            const problem = key === "patternProperties" ? regexProblem(name) : undefined
            if (problem !== undefined) {
              out.push(finding("PS4019", `the property pattern ${JSON.stringify(name)} does not compile: ${problem}`, pointerJoin(mapAt, name), { target: "key" }))
              continue
            }
            setMember(compiled, name, compileNode(sub, pointerJoin(mapAt, name), out, key === "properties"))
          }
          result[key] = compiled
        } else if ((SCHEMA_ONE as ReadonlyArray<string>).includes(key)) {
          result[key] = compileNode(value, pointerJoin(pointer, key), out, false)
        } else if ((SCHEMA_LISTS as ReadonlyArray<string>).includes(key)) {
          if (!Array.isArray(value)) out.push(finding("PS2006", `"${key}" must be a list of schemas`, pointerJoin(pointer, key)))
          else result[key] = value.map((sub, i) => compileNode(sub, pointerJoin(pointerJoin(pointer, key), i), out, false))
        } else {
          result[key] = value
        }
    }
  }
  return liftRequired(node, result)
}

/** Moves `required: true` of each property into the object's `required` list (sorted, no duplicates). */
const liftRequired = (source: Record<string, unknown>, compiled: Record<string, unknown>): Record<string, unknown> => {
  const properties = source["properties"]
  if (!isObject(properties)) return compiled
  const lifted: Array<string> = []
  for (const name in properties) {
    const property = properties[name]
    if (Object.prototype.hasOwnProperty.call(properties, name) && isObject(property) && property["required"] === true) lifted.push(name)
  }
  if (lifted.length === 0) return compiled
  const existing = Array.isArray(compiled["required"]) ? (compiled["required"] as Array<string>) : []
  return withMembers(compiled, { required: [...new Set([...existing, ...lifted])].sort() })
}

const parameterInfos = (schema: JsonObject, source: Record<string, unknown>, pointer: string, flat: boolean): Array<ParameterInfo> => {
  const properties = isObject(schema["properties"]) ? schema["properties"] : {}
  const required = new Set(Array.isArray(schema["required"]) ? (schema["required"] as Array<string>) : [])
  const sourceProps = flat ? source : isObject(source["properties"]) ? source["properties"] : {}
  const infos: Array<ParameterInfo> = []
  for (const name of Object.keys(sourceProps)) {
    const schema = properties[name]
    if (!isObject(schema) || !Object.prototype.hasOwnProperty.call(properties, name)) continue
    infos.push(new ParameterInfo(name, schema, required.has(name), pointer, flat))
  }
  return infos
}

/** `source` absent: an empty object schema. */
export const compileParameters = (source: JsonObject | undefined, pointer: string, out: Array<Finding>): CompiledParameters => {
  if (source === undefined) return { schema: { properties: {}, type: "object" }, parameters: [], flat: true, pointer }
  if (typeof source["type"] === "string" || Array.isArray(source["type"])) {
    if (source["type"] !== "object") out.push(finding("PS2006", `a parameter schema must have type "object"`, pointerJoin(pointer, "type")))
    const schema = compileNode(source, pointer, out, false) as JsonObject
    const withProperties = isObject(schema["properties"]) ? schema : withMembers(schema, { properties: {} }) as JsonObject
    return { schema: withProperties, parameters: parameterInfos(withProperties, source, pointer, false), flat: false, pointer }
  }
  const properties: Record<string, unknown> = {}
  for (const name of sortKeys(Object.keys(source))) {
    setMember(properties, name, compileNode(source[name], pointerJoin(pointer, name), out, true))
  }
  const schema = liftRequired({ properties: source }, { properties, type: "object" })
  return { schema, parameters: parameterInfos(schema, source, pointer, true), flat: true, pointer }
}
