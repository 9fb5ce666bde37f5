/**
 * The child's environment, built from nothing: a per-execution HOME, the policy's passthrough variables (when
 * the worker has them), the policy's constants, the runtime's env_vars templates (set / prepend / append onto
 * the value built so far), the profile's variables, and last the PACKSMITH_* variables nobody may override.
 */
import { Either } from "effect"
import type { HostPolicy } from "../../domain/HostPolicy.js"
import { RESERVED_ENV_PREFIX } from "../../domain/HostPolicy.js"
import { SECRET_REF_PATTERN } from "../../domain/Parameters.js"
import { SecretInEnvironment, UnknownTemplateVariable } from "../../domain/Resolution.js"
import type { EnvVarSpec } from "../../domain/Runtime.js"

/** The template variables of runtime configs (Attune): `{pack_dir}`, `{env_dir}`, `{interpreter}`, `{manifest_path}`. */
export const TEMPLATE_VARIABLES = ["pack_dir", "env_dir", "interpreter", "manifest_path"] as const
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number]

const TEMPLATE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** Values available for this execution; a variable without a value here (no interpreter, no manifest) is an error. */
export type TemplateValues = Partial<Record<TemplateVariable, string>>

export const renderTemplate = (
  template: string,
  values: TemplateValues,
  where: { readonly runtime: string; readonly field: string },
): Either.Either<string, UnknownTemplateVariable> => {
  let unknown: string | undefined
  const rendered = template.replace(TEMPLATE, (whole, name: string) => {
    const value = (values as Record<string, string | undefined>)[name]
    if (value === undefined) {
      unknown ??= name
      return whole
    }
    return value
  })
  return unknown === undefined
    ? Either.right(rendered)
    : Either.left(new UnknownTemplateVariable({ runtime: where.runtime, field: where.field, variable: unknown, known: Object.keys(values) }))
}

export const DEFAULT_SEPARATOR = ":"

/** Applies one env_vars entry onto the value built so far. */
export const applyEnvVar = (existing: string | undefined, spec: EnvVarSpec, rendered: string): string => {
  if (typeof spec === "string") return rendered
  const separator = spec.separator ?? DEFAULT_SEPARATOR
  switch (spec.operation ?? "set") {
    case "set":
      return rendered
    case "prepend":
      return existing === undefined || existing === "" ? rendered : `${rendered}${separator}${existing}`
    case "append":
      return existing === undefined || existing === "" ? rendered : `${existing}${separator}${rendered}`
  }
}

export interface EnvironmentInput {
  readonly policy: HostPolicy
  readonly workerEnv: Readonly<Record<string, string | undefined>>
  readonly home: string
  readonly runtimeRef: string
  readonly envVars: Readonly<Record<string, EnvVarSpec>>
  readonly templates: TemplateValues
  readonly profile?: { readonly ref: string; readonly env: Readonly<Record<string, string>> }
  readonly packsmith: Readonly<Record<string, string>>
}

export interface BuiltEnvironment {
  readonly env: Record<string, string>
  readonly explain: ReadonlyArray<string>
}

const byName = <A>(entries: ReadonlyArray<[string, A]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

export const buildEnvironment = (input: EnvironmentInput): Either.Either<BuiltEnvironment, UnknownTemplateVariable | SecretInEnvironment> => {
  const env: Record<string, string> = { HOME: input.home }
  const explain: Array<string> = []
  const passed: Array<string> = []
  const absent: Array<string> = []
  for (const name of input.policy.environment.passthrough) {
    const value = input.workerEnv[name]
    if (value === undefined) absent.push(name)
    else {
      env[name] = value
      passed.push(name)
    }
  }
  explain.push(
    `env: nothing of the worker's environment except environment.passthrough: ` +
      `${passed.length === 0 ? "(none passed)" : passed.join(", ")}${absent.length === 0 ? "" : `; not set on the worker: ${absent.join(", ")}`}`,
  )
  if (!input.policy.environment.passthrough.includes("HOME")) explain.push(`env: HOME is the per-execution directory ${input.home}`)
  const constants = byName(Object.entries(input.policy.environment.set))
  for (const [name, value] of constants) env[name] = value
  if (constants.length > 0) explain.push(`env: environment.set gives ${constants.map(([name]) => name).join(", ")}`)

  const applied: Array<string> = []
  for (const [name, spec] of Object.entries(input.envVars)) {
    const template = typeof spec === "string" ? spec : spec.value
    const rendered = renderTemplate(template, input.templates, { runtime: input.runtimeRef, field: `execution_config.env_vars.${name}` })
    if (Either.isLeft(rendered)) return Either.left(rendered.left)
    if (name.startsWith(RESERVED_ENV_PREFIX)) {
      explain.push(`env: ${name} from ${input.runtimeRef} env_vars is ignored (PACKSMITH_* are set by packsmith)`)
      continue
    }
    env[name] = applyEnvVar(env[name], spec, rendered.right)
    const operation = typeof spec === "string" ? "set" : spec.operation ?? "set"
    applied.push(operation === "set" ? name : `${name} (${operation}${typeof spec !== "string" && spec.separator !== undefined ? `, separator ${JSON.stringify(spec.separator)}` : ""})`)
  }
  if (applied.length > 0) explain.push(`env: ${input.runtimeRef} env_vars: ${applied.join(", ")}`)

  if (input.profile !== undefined) {
    const entries = byName(Object.entries(input.profile.env))
    for (const [name, value] of entries) {
      if (SECRET_REF_PATTERN.test(value) || value.startsWith("secret:")) {
        return Either.left(new SecretInEnvironment({ variable: name, origin: `runtime profile ${input.profile.ref}` }))
      }
      if (name.startsWith(RESERVED_ENV_PREFIX)) continue
      env[name] = value
    }
    if (entries.length > 0) explain.push(`env: profile ${input.profile.ref} sets ${entries.map(([name]) => name).join(", ")}`)
  }
  for (const [name, value] of Object.entries(input.packsmith)) env[name] = value
  explain.push(`env: ${Object.keys(input.packsmith).join(", ")}`)
  const sorted = Object.fromEntries(byName(Object.entries(env)))
  return Either.right({ env: sorted, explain })
}
