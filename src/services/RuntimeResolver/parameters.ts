/**
 * The parameter document: values validated against the action's param_schema (Ajv, defaults applied), secrets
 * taken out into slots, and the text in the action's parameter_format, byte for byte what the core pack's
 * scripts parse. Secret values are put back only by `deliverDocument`, at the moment of delivery.
 */
import * as fs from "node:fs/promises"
import AjvModule from "ajv"
import formatsModule from "ajv-formats"
import { Effect, Either, Redacted } from "effect"
import { stringify as toYaml } from "yaml"
import type { Action } from "../../domain/Action.js"
import type { HostPolicy } from "../../domain/HostPolicy.js"
import { PARAMETER_ANNOTATIONS, SECRET_REF_PATTERN } from "../../domain/Parameters.js"
import {
  GivenSecret,
  InvalidParameters,
  ParameterDocument,
  type ParameterIssue,
  type ParameterPath,
  SECRET_PLACEHOLDER,
  type SecretSlot,
  SecretNotInStore,
  SecretUnavailable,
  StoredSecret,
} from "../../domain/Resolution.js"
import type { ParameterFormat } from "../../domain/SourceFields.js"

type AjvInstance = import("ajv").default
type ValidateFunction = import("ajv").ValidateFunction
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance
type AddFormats = (ajv: AjvInstance) => AjvInstance

// Both packages are CommonJS; under NodeNext the default import may be the module object itself.
const Ajv: AjvConstructor = ((AjvModule as unknown as { default?: AjvConstructor }).default ?? AjvModule) as AjvConstructor
const addFormats: AddFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as AddFormats

/** A secret read from a file is a token or a key, not a document. */
const MAX_SECRET_FILE_BYTES = 1024 * 1024

let ajv: AjvInstance | undefined
const validators = new Map<string, ValidateFunction | string>()

const instance = (): AjvInstance => {
  if (ajv === undefined) {
    ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, validateFormats: true, logger: false })
    addFormats(ajv)
    for (const keyword of PARAMETER_ANNOTATIONS) ajv.addKeyword({ keyword, schemaType: ["boolean", "number"] })
  }
  return ajv
}

const validatorFor = (schema: Record<string, unknown>): ValidateFunction | string => {
  const key = JSON.stringify(schema)
  let validator = validators.get(key)
  if (validator === undefined) {
    const { $schema: _schema, $id: _id, ...rest } = schema
    validator = Either.getOrElse(
      Either.try({ try: () => instance().compile(rest), catch: (error) => error instanceof Error ? error.message : String(error) }),
      (reason) => reason,
    )
    validators.set(key, validator)
  }
  return validator
}

export const showPath = (path: ParameterPath): string =>
  path.map((segment, i) => typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`).join("")

const pointerPath = (pointer: string): Array<string> =>
  pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

const propertiesOf = (schema: unknown): Record<string, unknown> =>
  isRecord(schema) && isRecord(schema["properties"]) ? schema["properties"] : {}

export interface ValidatedParameters {
  readonly values: Record<string, unknown>
  /** Top-level parameters filled from their default. */
  readonly defaulted: ReadonlyArray<string>
}

/** Validates the given parameters (defaults fill missing or null keys); every problem is reported. */
export const validateParameters = (action: Action, given: Readonly<Record<string, unknown>>): Either.Either<ValidatedParameters, InvalidParameters> => {
  const values: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(given)) if (value !== undefined) values[key] = structuredClone(value)
  const defaulted: Array<string> = []
  for (const [name, property] of Object.entries(propertiesOf(action.parameters))) {
    if ((values[name] === undefined || values[name] === null) && isRecord(property) && "default" in property) {
      values[name] = structuredClone(property["default"])
      defaulted.push(name)
    }
  }
  const validator = validatorFor(action.parameters)
  if (typeof validator === "string") {
    return Either.left(new InvalidParameters({ action: action.ref, issues: [{ path: "", message: `cannot be checked: the action's parameter schema is not usable (${validator})` }] }))
  }
  if (validator(values)) return Either.right({ values, defaulted })
  const issues = new Map<string, ParameterIssue>()
  for (const error of validator.errors ?? []) {
    const path = pointerPath(error.instancePath)
    const params = error.params as Record<string, unknown>
    const issue: ParameterIssue = error.keyword === "required"
      ? { path: showPath([...path, String(params["missingProperty"])]), message: "is required" }
      : error.keyword === "additionalProperties"
        ? { path: showPath([...path, String(params["additionalProperty"])]), message: "is not a parameter of this action" }
        : { path: showPath(path), message: error.message ?? `fails ${error.keyword}` }
    issues.set(`${issue.path}\u0000${issue.message}`, issue)
  }
  const sorted = [...issues.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return Either.left(new InvalidParameters({ action: action.ref, issues: sorted }))
}

/** Key paths of the properties annotated `secret: true`, nested objects included. */
export const secretPaths = (schema: unknown, prefix: ReadonlyArray<string> = []): Array<ReadonlyArray<string>> =>
  Object.entries(propertiesOf(schema)).flatMap(([name, property]) =>
    isRecord(property) && property["secret"] === true ? [[...prefix, name]] : secretPaths(property, [...prefix, name]))

const samePath = (a: ParameterPath, b: ReadonlyArray<string>) => a.length === b.length && a.every((s, i) => s === b[i])

const secretRefName = (value: unknown): string | undefined =>
  typeof value === "string" && SECRET_REF_PATTERN.test(value) ? value.slice("secret:".length) : undefined

export interface SlottedParameters {
  readonly values: Record<string, unknown>
  readonly secrets: ReadonlyArray<SecretSlot>
}

/**
 * Replaces every secret with the placeholder: the values of `secret: true` parameters (held redacted) and
 * every `secret:<name>` ref (read from the host's store at delivery; the name must be in secrets.store).
 */
export const slotSecrets = (
  action: Action,
  values: Readonly<Record<string, unknown>>,
  policy: HostPolicy,
): Either.Either<SlottedParameters, SecretNotInStore> => {
  const declared = secretPaths(action.parameters)
  const secrets: Array<SecretSlot> = []
  let missing: SecretNotInStore | undefined
  const walk = (value: unknown, path: ParameterPath): unknown => {
    const ref = secretRefName(value)
    if (ref !== undefined) {
      if (!(ref in policy.secrets.store)) missing ??= new SecretNotInStore({ action: action.ref, parameter: showPath(path), name: ref, policyFile: policy.origin })
      secrets.push(new StoredSecret({ path, name: ref }))
      return SECRET_PLACEHOLDER
    }
    if (value !== null && value !== undefined && declared.some((secret) => samePath(path, secret))) {
      secrets.push(new GivenSecret({ path, value: Redacted.make(value) }))
      return SECRET_PLACEHOLDER
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]))
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner, [...path, key])]))
    return value
  }
  const slotted = walk(values, []) as Record<string, unknown>
  return missing === undefined ? Either.right({ values: slotted, secrets }) : Either.left(missing)
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Attune's dotenv: `key='value'` lines sorted by key, nested objects flattened to dotted keys, arrays as JSON,
 * null as empty, `'` written as `'\''`, a trailing newline.
 */
export const toDotenv = (values: Readonly<Record<string, unknown>>): string => {
  const lines: Array<[string, string]> = []
  const walk = (key: string, value: unknown): void => {
    if (isRecord(value)) {
      for (const [child, inner] of Object.entries(value)) walk(key === "" ? child : `${key}.${child}`, inner)
      return
    }
    const text = value === null || value === undefined ? "" : Array.isArray(value) ? JSON.stringify(value) : String(value)
    lines.push([key, text])
  }
  walk("", values)
  lines.sort(([a], [b]) => byCodeUnits(a, b))
  return lines.map(([key, text]) => `${key}='${text.replaceAll("'", "'\\''")}'`).join("\n") + "\n"
}

/** The document text: json is compact on one line (readline works), yaml block style, dotenv as above. */
export const renderParameters = (values: Readonly<Record<string, unknown>>, format: ParameterFormat): string => {
  switch (format) {
    case "json":
      return `${JSON.stringify(values)}\n`
    case "yaml":
      return toYaml(values)
    case "dotenv":
      return toDotenv(values)
  }
}

export const makeDocument = (slotted: SlottedParameters, format: ParameterFormat): ParameterDocument =>
  new ParameterDocument({ format, content: renderParameters(slotted.values, format), values: slotted.values, secrets: slotted.secrets })

const setAt = (root: Record<string, unknown>, path: ParameterPath, value: unknown): void => {
  let node: unknown = root
  for (let i = 0; i < path.length - 1; i++) node = (node as Record<string | number, unknown>)[path[i]!]
  const last = path[path.length - 1]
  if (last !== undefined) (node as Record<string | number, unknown>)[last] = value
}

const readSecretFile = (name: string, source: string, file: string): Effect.Effect<string, SecretUnavailable> =>
  Effect.gen(function* () {
    const unavailable = (error: unknown) => new SecretUnavailable({
      name, source,
      reason: (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : error instanceof Error ? error.message : String(error),
    })
    const stat = yield* Effect.tryPromise({ try: () => fs.stat(file), catch: unavailable })
    if (!stat.isFile()) return yield* new SecretUnavailable({ name, source, reason: "not a regular file" })
    if (stat.size > MAX_SECRET_FILE_BYTES) {
      return yield* new SecretUnavailable({ name, source, reason: `${stat.size} bytes, over the ${MAX_SECRET_FILE_BYTES}-byte limit` })
    }
    const text = yield* Effect.tryPromise({ try: () => fs.readFile(file, "utf8"), catch: unavailable })
    // One trailing newline is how editors end files, not part of the secret.
    return text.replace(/\r?\n$/, "")
  })

const secretValue = (slot: SecretSlot, policy: HostPolicy, workerEnv: Readonly<Record<string, string | undefined>>) =>
  Effect.gen(function* () {
    if (slot._tag === "GivenSecret") return Redacted.value(slot.value)
    const source = policy.secrets.store[slot.name]
    if (source === undefined) {
      return yield* new SecretUnavailable({ name: slot.name, source: "(none)", reason: `${policy.origin} does not map it in secrets.store` })
    }
    if (source.startsWith("env:")) {
      const value = workerEnv[source.slice(4)]
      if (value === undefined) return yield* new SecretUnavailable({ name: slot.name, source, reason: "the variable is not set in the worker's environment" })
      return value
    }
    return yield* readSecretFile(slot.name, source, source.slice("file:".length))
  })

/**
 * The document as delivered to the process: secrets filled in from where the slots say. The text is
 * returned redacted; only the code writing it to the child's stdin or parameter file unwraps it.
 */
export const deliverDocument = (
  document: ParameterDocument,
  policy: HostPolicy,
  workerEnv: Readonly<Record<string, string | undefined>>,
): Effect.Effect<Redacted.Redacted<string>, SecretUnavailable> =>
  Effect.gen(function* () {
    if (document.secrets.length === 0) return Redacted.make(document.content)
    const values = structuredClone(document.values) as Record<string, unknown>
    for (const slot of document.secrets) setAt(values, slot.path, yield* secretValue(slot, policy, workerEnv))
    return Redacted.make(renderParameters(values, document.format))
  })
