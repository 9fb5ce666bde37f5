/**
 * Validating values (defaults, pack config, trigger parameters) against compiled JSON Schemas with Ajv.
 * Ajv code generation costs ~0.5 ms a schema, so validators are compiled only when a value needs checking
 * and are cached by the schema's JSON text (most packs repeat a handful of schemas).
 */
import AjvModule from "ajv"
import formatsModule from "ajv-formats"
import { PARAMETER_ANNOTATIONS } from "../domain/Parameters.js"

type AjvInstance = import("ajv").default
type ValidateFunction = import("ajv").ValidateFunction
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance
type AddFormats = (ajv: AjvInstance) => AjvInstance

// Both packages are CommonJS; under NodeNext the default import may be the module object itself.
const Ajv: AjvConstructor = ((AjvModule as unknown as { default?: AjvConstructor }).default ?? AjvModule) as AjvConstructor
const addFormats: AddFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as AddFormats

export type SchemaCheck =
  | { readonly ok: true }
  /** `instancePath`: JSON pointer, inside the value, of the first part that does not match. */
  | { readonly ok: false; readonly message: string; readonly instancePath: string }
  | { readonly ok: false; readonly invalidSchema: string }

let ajv: AjvInstance | undefined
const validators = new Map<string, ValidateFunction | string>()

const instance = (): AjvInstance => {
  if (ajv === undefined) {
    ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true, logger: false })
    addFormats(ajv)
    for (const keyword of PARAMETER_ANNOTATIONS) ajv.addKeyword({ keyword, schemaType: ["boolean", "number"] })
  }
  return ajv
}

/** Ajv throws on a schema it cannot compile; this returns the validator or the reason. */
const compile = (schema: Record<string, unknown>): ValidateFunction | string => {
  try {
    return instance().compile(schema)
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

const withoutMetaSchema = (schema: Record<string, unknown>): Record<string, unknown> => {
  if (!("$schema" in schema) && !("$id" in schema)) return schema
  const { $schema: _schema, $id: _id, ...rest } = schema
  return rest
}

const isType = (type: unknown, value: unknown): boolean => {
  switch (type) {
    case "string": return typeof value === "string"
    case "integer": return Number.isInteger(value)
    case "number": return typeof value === "number"
    case "boolean": return typeof value === "boolean"
    case "null": return value === null
    case "array": return Array.isArray(value)
    case "object": return typeof value === "object" && value !== null && !Array.isArray(value)
    default: return false
  }
}

const isPrimitive = (value: unknown): boolean => value === null || (typeof value !== "object" && typeof value !== "function")

/**
 * True when `value` plainly satisfies a schema made only of `type`, `enum` of scalars, `minimum`/`maximum`
 * and annotations (`default` among them): the shape of most parameter defaults, checked without building a validator. False means
 * "not decided here" (Ajv decides, and words the error): this never reports a value as invalid.
 */
export const plainlyValid = (schema: Record<string, unknown>, value: unknown): boolean => {
  for (const key in schema) {
    const keyword = schema[key]
    switch (key) {
      case "type":
        if (!isType(keyword, value)) return false
        break
      case "enum":
        // Ajv refuses an enum with repeated items as a schema: that is its to report.
        if (!Array.isArray(keyword) || !keyword.every(isPrimitive) || !keyword.includes(value) || new Set(keyword).size !== keyword.length) return false
        break
      case "minimum":
        if (typeof keyword !== "number" || (typeof value === "number" && !(value >= keyword))) return false
        break
      case "maximum":
        if (typeof keyword !== "number" || (typeof value === "number" && !(value <= keyword))) return false
        break
      case "description": case "title":
        if (typeof keyword !== "string") return false
        break
      // An annotation: validators do not check a value against the default.
      case "default":
        break
      default:
        // The annotations are keywords Ajv knows to take a boolean or a number (see `instance`).
        if (!PARAMETER_ANNOTATIONS.includes(key as (typeof PARAMETER_ANNOTATIONS)[number]) || (typeof keyword !== "boolean" && typeof keyword !== "number")) return false
    }
  }
  return true
}

export const validateAgainst = (schema: Record<string, unknown>, value: unknown): SchemaCheck =>
  plainlyValid(schema, value) ? { ok: true } : validateWithAjv(schema, value)

/** Ajv's verdict alone (validateAgainst takes a shortcut for plain cases). */
export const validateWithAjv = (schema: Record<string, unknown>, value: unknown): SchemaCheck => {
  // Key order comes from the YAML, so equal schemas written alike share a validator.
  const key = JSON.stringify(schema)
  let validator = validators.get(key)
  if (validator === undefined) {
    validator = compile(withoutMetaSchema(schema))
    validators.set(key, validator)
  }
  if (typeof validator === "string") return { ok: false, invalidSchema: validator }
  if (validator(value)) return { ok: true }
  const error = validator.errors?.[0]
  const where = error === undefined || error.instancePath === "" ? "" : `${error.instancePath}: `
  // An extra property is best shown at its own key.
  const extra = error?.keyword === "additionalProperties" ? (error.params as { additionalProperty?: unknown }).additionalProperty : undefined
  const instancePath = `${error?.instancePath ?? ""}${typeof extra === "string" ? `/${extra.replace(/~/g, "~0").replace(/\//g, "~1")}` : ""}`
  return { ok: false, message: `${where}${error?.message ?? "does not match the schema"}${typeof extra === "string" ? ` (${JSON.stringify(extra)})` : ""}`, instancePath }
}
