/**
 * Decoded source -> bundle values: refs qualified with the pack, runner aliases mapped to runtime refs,
 * defaults applied, flat parameter maps compiled to JSON Schema, legacy workflow transitions folded into
 * `next`. Checks that depend on nothing but the file itself run here too, so they are cached with it.
 */
import semver from "semver"
import type { ActionSource } from "../domain/Action.js"
import { KNOWN_AGENT_RUNTIMES, type AgentManifestSource } from "../domain/AgentManifest.js"
import type { PackSection } from "../domain/Bundle.js"
import type { PackManifestSource } from "../domain/Pack.js"
import { SECRET_REF_PATTERN } from "../domain/Parameters.js"
import type { PermissionSetSource } from "../domain/PermissionSet.js"
import { COMPONENT_NAME_PATTERN, COMPONENT_REF_PATTERN, PACK_REF_PATTERN } from "../domain/Refs.js"
import { describeSecretLeak, SECRET_ENV_NAME, scanSchemaForSecrets, scanValueForSecrets, secretScan } from "../domain/SecretValues.js"
import type { RuleSource } from "../domain/Rule.js"
import type { RuntimeSource } from "../domain/Runtime.js"
import { CORE_RUNTIME_REFS, aliasesOf, runtimeFamilyOf } from "../domain/RuntimeFamily.js"
import type { RuntimeProfileSource } from "../domain/RuntimeProfile.js"
import type { SensorSource } from "../domain/Sensor.js"
import type { JsonObject } from "../domain/SourceFields.js"
import type { TriggerSource } from "../domain/Trigger.js"
import type { WorkQueueSource } from "../domain/WorkQueue.js"
import type { TaskSource, WorkflowSource } from "../domain/Workflow.js"
import { finding, nearest, pointerJoin, type Finding } from "./Finding.js"
import type { Component, EntryPointSource, FileUnit, LinkRef, ManifestInfo, TaskModel, TransitionTarget, WorkflowModel } from "./model.js"
import { INDEX_KEYS, inCanonicalOrder, sortKeys } from "./keyOrder.js"
import { compileParameters, type CompiledParameters } from "./parameters.js"
import { plainlyValid, validateAgainst } from "./schemaValidation.js"
import { checkTemplates, isTemplated } from "./templates.js"
import { checkTimerParameters, isIsoDateTime } from "./timers.js"

export interface NormalizeContext {
  readonly pack: string
  readonly unit: FileUnit
  readonly out: Array<Finding>
}

export interface Normalized {
  readonly components: Array<Component>
  readonly manifest?: ManifestInfo
  readonly workflow?: WorkflowModel
}

const NONE: Normalized = { components: [] }

/**
 * Whether decoding already reported `key` (or something under it): the key was then dropped from the
 * document, and saying it is missing as well would be wrong.
 */
const decodeReported = (ctx: NormalizeContext, ...keys: ReadonlyArray<string>): boolean =>
  ctx.out.some((f) => keys.some((key) => f.pointer === `/${key}` || f.pointer.startsWith(`/${key}/`)))

/** Drops keys whose value is undefined so bundle values carry only what was given; keys in canonical order. */
const compact = (value: Record<string, unknown>): JsonObject => {
  const out: Record<string, unknown> = {}
  // Keys, not entries: this runs for every component, and entries would allocate a pair per key.
  for (const key of sortKeys(Object.keys(value))) {
    const item = value[key]
    if (item !== undefined) out[key] = item
  }
  return out
}

/**
 * A free-form value from the file (meta, examples, parameters given to a rule) with its keys in canonical
 * order, as the rest of a component is built, so emitting it copies nothing.
 */
const inOrder = <A>(value: A): A => {
  const ordered = inCanonicalOrder(value)
  return ordered === INDEX_KEYS ? value : (ordered as A)
}

const titleCase = (name: string): string =>
  name.split(/[_\-\s]+/).filter((w) => w.length > 0).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" ")

const unique = <A>(items: ReadonlyArray<A>): Array<A> => [...new Set(items)]

/** `echo` -> `<pack>.echo`; refs are checked for form and pack. */
export const qualify = (pack: string, nameOrRef: string): string => (nameOrRef.includes(".") ? nameOrRef : `${pack}.${nameOrRef}`)

interface Identity { readonly ref: string; readonly name: string; readonly refPointer: string }

const identity = (
  source: { readonly ref?: string | undefined; readonly name?: string | undefined; readonly pack?: string | undefined },
  ctx: NormalizeContext,
): Identity | undefined => {
  const { pack, out } = ctx
  if (source.pack !== undefined && source.pack !== pack) {
    out.push(finding("PS2008", `pack ${JSON.stringify(source.pack)} is not the pack ${JSON.stringify(pack)} this file is in`, "/pack"))
  }
  const written = source.ref ?? source.name
  const refPointer = source.ref !== undefined ? "/ref" : "/name"
  if (written === undefined) {
    if (!decodeReported(ctx, "ref", "name")) out.push(finding("PS2009", "the component has neither `ref` nor `name`", ""))
    return undefined
  }
  const ref = qualify(pack, written)
  // The refs proposed are checked against the whole compile's by the link stage (see Finding.proposals).
  if (!COMPONENT_REF_PATTERN.test(ref)) {
    const lowered = ref.toLowerCase()
    const proposed = `${pack}.${lowered.slice(lowered.indexOf(".") + 1)}`
    out.push(finding("PS2007", `invalid ref ${JSON.stringify(written)}`, refPointer, {
      hint: "a ref is <pack>.<name> in lowercase letters, digits, _ and -, with a name no other component of the pack has",
      ...(COMPONENT_REF_PATTERN.test(proposed) ? { proposals: [{ ref: proposed, hint: `refs are lowercase: ${JSON.stringify(proposed)}` }] } : {}),
    }))
    return undefined
  }
  const [refPack, name] = [ref.slice(0, ref.indexOf(".")), ref.slice(ref.indexOf(".") + 1)]
  if (refPack !== pack) {
    const proposals = [`${pack}.${name}`, `${pack}.${refPack}_${name}`]
      .filter((candidate) => COMPONENT_REF_PATTERN.test(candidate)).map((candidate) => ({ ref: candidate, hint: `use ${JSON.stringify(candidate)}` }))
    out.push(finding("PS2008", `ref ${JSON.stringify(ref)} is not in pack ${JSON.stringify(pack)}`, refPointer, {
      hint: `a ref in pack ${JSON.stringify(pack)} is "${pack}.<name>", with a name no other component of the pack has`, proposals,
    }))
    return undefined
  }
  if (source.ref !== undefined && source.name !== undefined && source.name !== name && qualify(pack, source.name) !== ref) {
    out.push(finding("PS2011", `name ${JSON.stringify(source.name)} differs from the ref's name ${JSON.stringify(name)}`, "/name"))
  }
  return { ref, name, refPointer }
}

const component = (
  ctx: NormalizeContext, section: PackSection, id: { ref: string; refPointer: string }, value: JsonObject,
  extra: Partial<Pick<Component, "links" | "entryPoint" | "runnerRuntime" | "workflowFile">> = {},
): Component => ({
  section, ref: id.ref, pack: ctx.pack, unit: ctx.unit, refPointer: id.refPointer, value,
  links: extra.links ?? [],
  ...(extra.entryPoint === undefined ? {} : { entryPoint: extra.entryPoint }),
  ...(extra.runnerRuntime === undefined ? {} : { runnerRuntime: extra.runnerRuntime }),
  ...(extra.workflowFile === undefined ? {} : { workflowFile: extra.workflowFile }),
})

/** The runtime ref a runner name most likely means; the link stage falls back to a name/alias lookup. */
export const runtimeGuess = (pack: string, runner: string): string => {
  const family = runtimeFamilyOf(runner)
  if (family !== undefined) return CORE_RUNTIME_REFS[family]
  const lowered = runner.trim().toLowerCase()
  return lowered.includes(".") ? lowered : `${pack}.${lowered}`
}

const runtimeLink = (pack: string, runner: string, pointer: string): LinkRef =>
  ({ kind: "runtime", ref: runtimeGuess(pack, runner), raw: runner, pointer, field: "runtime" })

/** A pointer into a compiled schema, as a pointer into the file it was compiled from (a flat map has no `/properties`). */
const sourcePointer = (compiled: CompiledParameters, pointer: string): string =>
  compiled.pointer + (compiled.flat && pointer.startsWith("/properties/") ? pointer.slice("/properties".length) : pointer)

/**
 * Parameter checks that need only the schema: positions, immutable defaults, secrets, default validity.
 * `examples`: the component's examples, whose `parameters` may not give a secret parameter a value either.
 */
export const checkParameters = (compiled: CompiledParameters, out: Array<Finding>, examples?: ReadonlyArray<unknown>): void => {
  const secrets = secretScan()
  scanSchemaForSecrets(secrets, compiled.schema, "")
  for (const leak of secrets.leaks) {
    const ownDefault = leak.keyword === "default" && leak.owner === leak.property
    out.push(finding("PS4008", describeSecretLeak(leak), sourcePointer(compiled, leak.pointer),
      { hint: ownDefault ? "use a secret:<name> ref, or remove the default" : "use a secret:<name> ref or a template, or leave the value out" }))
  }
  examples?.forEach((example, i) => {
    if (typeof example !== "object" || example === null || !Object.prototype.hasOwnProperty.call(example, "parameters")) return
    const given = secretScan()
    scanValueForSecrets(given, compiled.schema, (example as { readonly parameters: unknown }).parameters, pointerJoin("/examples", i, "parameters"))
    for (const leak of given.leaks) {
      out.push(finding("PS4008", `example ${i} gives secret parameter "${leak.property}" a literal value`, leak.pointer, { hint: "use a secret:<name> ref in examples" }))
    }
  })
  const positioned: Array<{ position: number; pointer: string; name: string; order: number }> = []
  for (const parameter of compiled.parameters) {
    const schema = parameter.schema
    const hasDefault = Object.prototype.hasOwnProperty.call(schema, "default")
    const value = schema["default"]
    if (typeof schema["position"] === "number") {
      positioned.push({ position: schema["position"], pointer: pointerJoin(parameter.pointer, "position"), name: parameter.name, order: positioned.length })
    }
    if (schema["immutable"] === true && !hasDefault) {
      out.push(finding("PS4006", `immutable parameter "${parameter.name}" has no default`, parameter.pointer))
    }
    // A secret's default is a ref or a template (reported above when it is not), never checked as a value.
    if (!hasDefault || schema["secret"] === true) continue
    const defaultPointer = () => pointerJoin(parameter.pointer, "default")
    // Most defaults plainly fit their schema (`default` itself is only an annotation there).
    if (isTemplated(value) || plainlyValid(schema, value)) continue
    const { default: _default, ...withoutDefault } = schema
    const result = validateAgainst(withoutDefault, value)
    if (!result.ok) {
      out.push("invalidSchema" in result
        ? finding("PS4019", `the schema of "${parameter.name}" does not compile: ${result.invalidSchema}`, parameter.pointer)
        : finding("PS4007", `the default of "${parameter.name}" does not match its schema: ${result.message}`, defaultPointer()))
    }
  }
  // A repeat is reported where it is written second; a gap where it opens, without shifting what follows.
  positioned.sort((a, b) => a.position - b.position || a.order - b.order)
  positioned.forEach((entry, i) => {
    const previous = positioned[i - 1]
    if (previous === undefined || entry.position === previous.position + 1) return
    out.push(finding("PS4005", entry.position === previous.position
      ? `position ${entry.position} is used by "${previous.name}" and "${entry.name}"`
      : `position ${entry.position} of "${entry.name}" leaves a gap (expected ${previous.position + 1})`, entry.pointer))
  })
}

/** The spellings of an output schema, in the order they win when several are given (Attune's loader reads `output`). */
const OUTPUT_KEYS = ["output", "output_schema", "out_schema"] as const

/** `output`, `output_schema` and `out_schema` are the same thing; all are accepted and merged. */
const outputSchema = (
  source: { readonly output?: JsonObject | undefined; readonly output_schema?: JsonObject | undefined; readonly out_schema?: JsonObject | undefined },
  out: Array<Finding>,
): CompiledParameters | undefined => {
  const given = OUTPUT_KEYS.flatMap((key) => {
    const written = source[key]
    return written === undefined ? [] : [{ key, compiled: compileParameters(written, `/${key}`, out) }]
  })
  const [first, ...rest] = given
  if (first === undefined || rest.length === 0) return first?.compiled
  const names = given.map((g) => `\`${g.key}\``).join(" and ")
  for (const later of rest) {
    out.push(finding("PS2010", `${names} are all output schemas; their properties were merged`, `/${later.key}`, { target: "key" }))
  }
  // Later spellings first, so the earlier ones win a property both declare.
  const ordered = [...given].reverse().map((g) => g.compiled)
  const properties: JsonObject = Object.assign({}, ...ordered.map((c) => c.schema["properties"] as JsonObject))
  const required = unique(given.flatMap((g) => g.compiled.schema["required"] as Array<string> | undefined ?? [])).sort()
  const schema: JsonObject = { ...Object.assign({}, ...ordered.map((c) => c.schema)), properties, ...(required.length > 0 ? { required } : {}) }
  return { schema, parameters: given.flatMap((g) => g.compiled.parameters), flat: first.compiled.flat, pointer: first.compiled.pointer }
}

/** Two spellings of one key that must agree (`system`/`is_standard`); the value they give, if either does. */
const agreed = <A>(
  first: { readonly key: string; readonly value: A | undefined }, second: { readonly key: string; readonly value: A | undefined },
  out: Array<Finding>, base = "",
): A | undefined => {
  if (first.value !== undefined && second.value !== undefined && JSON.stringify(first.value) !== JSON.stringify(second.value)) {
    out.push(finding("PS2012", `\`${first.key}\` and \`${second.key}\` are the same key and disagree`, pointerJoin(base, second.key),
      { hint: `keep one of them (${first.key}: ${JSON.stringify(first.value)}, ${second.key}: ${JSON.stringify(second.value)})` }))
  }
  return first.value ?? second.value
}

/** Attune's permission set refs: one ref written alone is a list of one. */
const refList = (refs: string | ReadonlyArray<string> | undefined): Array<string> | undefined =>
  refs === undefined ? undefined : typeof refs === "string" ? [refs] : [...refs]

const checkRuntimeVersionRange = (range: string | undefined, pointer: string, out: Array<Finding>): void => {
  if (range === undefined || range === "*") return
  // Attune reads a bare "3.12" as "~3.12".
  const effective = /^\d+(\.\d+){0,2}$/.test(range.trim()) ? `~${range.trim()}` : range
  if (semver.validRange(effective) === null) out.push(finding("PS4011", `invalid version range ${JSON.stringify(range)}`, pointer))
}

const placement = (source: { worker_selector?: unknown; worker_tolerations?: unknown; worker_affinity?: unknown }) => ({
  worker_selector: source.worker_selector, worker_tolerations: source.worker_tolerations, worker_affinity: source.worker_affinity,
})

const retention = (source: { log_retention_policy?: unknown; log_retention_limit?: unknown; artifact_retention_policy?: unknown; artifact_retention_limit?: unknown }) => ({
  log_retention_policy: source.log_retention_policy, log_retention_limit: source.log_retention_limit,
  artifact_retention_policy: source.artifact_retention_policy, artifact_retention_limit: source.artifact_retention_limit,
})

// ---------------------------------------------------------------------------------------------------- pack

export const normalizePack = (source: PackManifestSource, ctx: NormalizeContext, directoryName: string): Normalized => {
  const { out } = ctx
  const written = source.ref ?? source.name
  let ref = written
  if (written === undefined) {
    if (!decodeReported(ctx, "ref", "name")) out.push(finding("PS2009", "pack.yaml has no `ref`", ""))
    ref = directoryName
  } else if (!PACK_REF_PATTERN.test(written)) {
    out.push(finding("PS2007", `invalid pack ref ${JSON.stringify(written)}`, source.ref !== undefined ? "/ref" : "/name",
      { hint: "a pack ref is lowercase letters, digits, _ or -, starting with a letter" }))
    ref = directoryName
  } else if (written !== directoryName) {
    out.push(finding("PS4026", `pack ${JSON.stringify(written)} lives in directory ${JSON.stringify(directoryName)}`, source.ref !== undefined ? "/ref" : "/name"))
  }
  const packRef = ref ?? directoryName
  if (semver.valid(source.version) === null) {
    out.push(finding("PS4010", `pack version ${JSON.stringify(source.version)} is not a semantic version`, "/version", { hint: "e.g. 1.0.0" }))
  }
  const confSource = source.conf_schema ?? source.config_schema
  const confPointer = source.conf_schema !== undefined ? "/conf_schema" : "/config_schema"
  const conf = confSource === undefined ? undefined : compileParameters(confSource, confPointer, out)
  if (conf !== undefined) checkParameters(conf, out)
  if (conf !== undefined && source.config !== undefined) {
    const secrets = secretScan()
    scanValueForSecrets(secrets, conf.schema, source.config, "/config")
    for (const leak of secrets.leaks) {
      out.push(finding("PS4008", `config value "${leak.property}" is secret and must not be written in the pack`, leak.pointer, { hint: "use a secret:<name> ref" }))
    }
    const result = validateAgainst(conf.schema, source.config)
    if (!result.ok) {
      out.push("invalidSchema" in result
        ? finding("PS4019", `conf_schema does not compile: ${result.invalidSchema}`, confPointer)
        : finding("PS4020", `config does not match conf_schema: ${result.message}`, `/config${result.instancePath}`))
    }
  }
  const dependencies: Array<{ ref: string; version?: string; pointer: string }> = []
  ;(source.dependencies ?? []).forEach((dependency, i) => {
    const pointer = pointerJoin("/dependencies", i)
    const [depRef, range] = typeof dependency === "string"
      ? (dependency.includes("@") ? [dependency.slice(0, dependency.indexOf("@")), dependency.slice(dependency.indexOf("@") + 1)] : [dependency, undefined])
      : [dependency.ref, dependency.version]
    if (!PACK_REF_PATTERN.test(depRef)) {
      out.push(finding("PS2007", `invalid pack ref ${JSON.stringify(depRef)} in dependencies`, pointer))
      return
    }
    if (range !== undefined && semver.validRange(range) === null) {
      out.push(finding("PS4011", `invalid version range ${JSON.stringify(range)} for dependency ${depRef}`, pointer))
      return
    }
    dependencies.push(range === undefined ? { ref: depRef, pointer } : { ref: depRef, version: range, pointer })
  })
  dependencies.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  const value = compact({
    ref: packRef,
    label: source.label ?? (source.ref !== undefined ? source.name : undefined) ?? packRef,
    description: source.description,
    version: source.version,
    author: source.author,
    email: source.email,
    contributors: source.contributors,
    system: agreed({ key: "system", value: source.system }, { key: "is_standard", value: source.is_standard }, out) ?? false,
    enabled: source.enabled ?? true,
    conf_schema: conf?.schema,
    config: source.config,
    meta: inOrder(source.meta ?? source.metadata),
    tags: unique([...(source.tags ?? []), ...(source.keywords ?? [])]),
    runtime_deps: source.runtime_deps ?? [],
    dependencies: dependencies.map(({ ref: r, version }) => compact({ ref: r, version })),
    python_dependencies: source.python_dependencies,
    python_versions: source.python_versions,
    python: source.python,
    nodejs: source.nodejs,
    testing: source.testing,
    installation: source.installation,
    installers: source.installers,
  })
  checkRuntimeVersionRange(source.python, "/python", out)
  checkRuntimeVersionRange(source.nodejs, "/nodejs", out)
  return { components: [], manifest: { ref: packRef, version: source.version, dependencies, value } }
}

// ---------------------------------------------------------------------------------------------------- runtime

/** The `distributions` keys packsmith interprets; any other key is free-form data, kept as written. */
const DISTRIBUTION_KEYS = ["verification", "min_version", "recommended_version"]

/** A free-form key one edit or so from an interpreted one was most likely meant to be that one. */
const checkFreeFormKeys = (distributions: Record<string, unknown> | undefined, pointer: string, out: Array<Finding>): void => {
  for (const key of Object.keys(distributions ?? {})) {
    if (DISTRIBUTION_KEYS.includes(key)) continue
    const close = nearest(key, DISTRIBUTION_KEYS)
    if (close !== undefined) {
      out.push(finding("PS2014", `"${key}" is kept as free-form data, not read as "${close}"`, pointerJoin(pointer, key), { target: "key", hint: `did you mean "${close}"?` }))
    }
  }
}

export const normalizeRuntime = (source: RuntimeSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  if (source.ref === undefined) {
    if (!decodeReported(ctx, "ref")) out.push(finding("PS2009", "a runtime needs a `ref`", ""))
    return NONE
  }
  const id = identity({ ref: source.ref }, ctx)
  if (id === undefined) return NONE
  if (source.pack_ref !== undefined && source.pack_ref !== pack) {
    out.push(finding("PS2008", `pack_ref ${JSON.stringify(source.pack_ref)} is not the pack ${JSON.stringify(pack)}`, "/pack_ref"))
  }
  const name = source.name ?? source.label ?? id.name
  const family = runtimeFamilyOf(name) ?? runtimeFamilyOf(id.name)
  const aliases = source.aliases !== undefined
    ? unique(source.aliases.map((a) => a.trim().toLowerCase()))
    : family !== undefined ? [...aliasesOf(family)] : [name.trim().toLowerCase()]
  checkFreeFormKeys(source.distributions, "/distributions", out)
  ;(source.versions ?? []).forEach((version, i) => {
    if (semver.coerce(version.version) === null) out.push(finding("PS4010", `runtime version ${JSON.stringify(version.version)} is not a version`, pointerJoin("/versions", i, "version")))
    checkFreeFormKeys(version.distributions, pointerJoin("/versions", i, "distributions"), out)
  })
  const value = compact({
    ref: id.ref, pack_ref: pack, name, description: source.description, aliases,
    distributions: source.distributions ?? {}, installation: source.installation,
    execution_config: source.execution_config ?? {}, versions: source.versions ?? [],
  })
  return { components: [component(ctx, "runtimes", id, value)] }
}

// ---------------------------------------------------------------------------------------------------- action

export const normalizeAction = (source: ActionSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  const id = identity(source, ctx)
  const parameters = compileParameters(source.parameters, "/parameters", out)
  checkParameters(parameters, out, source.examples)
  const output = outputSchema(source, out)
  checkRuntimeVersionRange(source.runtime_version, "/runtime_version", out)
  for (const [name, range] of Object.entries(source.required_worker_runtimes ?? {})) {
    checkRuntimeVersionRange(range, pointerJoin("/required_worker_runtimes", name), out)
  }
  if (id === undefined) return NONE
  const isWorkflow = source.workflow_file !== undefined
  if (isWorkflow && source.entry_point !== undefined) {
    out.push(finding("PS2004", "an action has either `entry_point` or `workflow_file`, not both", "/entry_point", { target: "key" }))
  }
  if (!isWorkflow && source.entry_point === undefined && !decodeReported(ctx, "entry_point", "workflow_file")) {
    out.push(finding("PS2002", 'missing required key "entry_point" (or "workflow_file")', ""))
  }
  const runner = source.runner_type ?? "shell"
  const links: Array<LinkRef> = isWorkflow ? [] : [runtimeLink(pack, runner, source.runner_type === undefined ? "" : "/runner_type")]
  // Keys in canonical order, as compact() puts them (written so, they need no sorting for each action).
  const value = compact({
    accesses_mcp: source.accesses_mcp ?? false,
    artifact_retention_limit: source.artifact_retention_limit,
    artifact_retention_policy: source.artifact_retention_policy,
    default_execution_permission_set_refs: source.default_execution_permission_set_refs,
    description: source.description,
    enabled: source.enabled ?? true,
    examples: inOrder(source.examples),
    label: source.label ?? titleCase(id.name),
    log_retention_limit: source.log_retention_limit,
    log_retention_policy: source.log_retention_policy,
    meta: inOrder(source.meta),
    name: id.name,
    output: output?.schema,
    output_format: source.output_format ?? "text",
    pack,
    parameter_delivery: source.parameter_delivery ?? "stdin",
    parameter_format: source.parameter_format ?? "json",
    parameters: parameters.schema,
    ref: id.ref,
    required_worker_runtimes: source.required_worker_runtimes,
    runner_type: isWorkflow ? undefined : runner,
    runtime: isWorkflow ? undefined : links[0]!.ref,
    runtime_version: source.runtime_version,
    tags: source.tags ?? [],
    timeout: source.timeout,
    worker_affinity: source.worker_affinity,
    worker_selector: source.worker_selector,
    worker_tolerations: source.worker_tolerations,
    workflow: isWorkflow ? id.ref : undefined,
  })
  return {
    components: [component(ctx, "actions", id, value, {
      links,
      ...(isWorkflow ? { workflowFile: { value: source.workflow_file!, pointer: "/workflow_file" } } : {}),
      ...(!isWorkflow && source.entry_point !== undefined
        ? { entryPoint: { value: source.entry_point, pointer: "/entry_point", directory: "actions" } satisfies EntryPointSource, runnerRuntime: links[0]!.ref }
        : {}),
    })],
  }
}

// ---------------------------------------------------------------------------------------------------- trigger, sensor

export const normalizeTrigger = (source: TriggerSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  const id = identity(source, ctx)
  const parameters = compileParameters(source.parameters, "/parameters", out)
  checkParameters(parameters, out)
  const output = outputSchema(source, out)
  if (id === undefined) return NONE
  const value = compact({
    ref: id.ref, pack, name: id.name, label: source.label ?? titleCase(id.name), description: source.description,
    enabled: source.enabled ?? true, type: source.type, parameters: parameters.schema, output: output?.schema,
    tags: source.tags ?? [], meta: inOrder(source.meta), examples: inOrder(source.examples),
  })
  return { components: [component(ctx, "triggers", id, value)] }
}

export const normalizeSensor = (source: SensorSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  const id = identity(source, ctx)
  const parameters = compileParameters(source.parameters, "/parameters", out)
  checkParameters(parameters, out)
  checkRuntimeVersionRange(source.runtime_version, "/runtime_version", out)
  const written: Array<{ raw: string; pointer: string }> = [
    ...(source.trigger_types ?? []).map((raw, i) => ({ raw, pointer: pointerJoin("/trigger_types", i) })),
    ...(source.trigger_type === undefined ? [] : [{ raw: source.trigger_type, pointer: "/trigger_type" }]),
  ]
  if (written.length === 0 && !decodeReported(ctx, "trigger_types", "trigger_type")) out.push(finding("PS2002", 'missing required key "trigger_types"', ""))
  if (id === undefined) return NONE
  const runner = source.runner_type ?? "native"
  const runtime = runtimeLink(pack, runner, source.runner_type === undefined ? "" : "/runner_type")
  const triggerLinks: Array<LinkRef> = written.map(({ raw, pointer }) => ({ kind: "trigger", ref: qualify(pack, raw), raw, pointer }))
  const value = compact({
    ref: id.ref, pack, name: id.name, label: source.label ?? titleCase(id.name), description: source.description,
    enabled: source.enabled ?? true, runner_type: runner, runtime: runtime.ref,
    entry_point: { kind: "file", value: source.entry_point },
    trigger_types: unique(triggerLinks.map((l) => l.ref)), parameters: parameters.schema, config: source.config,
    poll_interval: source.poll_interval, runtime_version: source.runtime_version,
    ...placement(source), ...retention(source),
    tags: source.tags ?? [], meta: inOrder(source.meta), examples: inOrder(source.examples),
  })
  return {
    components: [component(ctx, "sensors", id, value, {
      links: [runtime, ...triggerLinks], runnerRuntime: runtime.ref,
      entryPoint: { value: source.entry_point, pointer: "/entry_point", directory: "sensors" },
    })],
  }
}

// ---------------------------------------------------------------------------------------------------- rule

export const normalizeRule = (source: RuleSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  const id = identity(source, ctx)
  const trigger = qualify(pack, source.trigger_ref)
  const action = qualify(pack, source.action_ref)
  const conditions = source.conditions === undefined || !Array.isArray(source.conditions) && !("expression" in source.conditions)
    ? [] : source.conditions
  if (Array.isArray(conditions)) {
    conditions.forEach((check, i) => {
      if (!["equals", "not_equals", "contains"].includes(check.operator)) {
        out.push(finding("PS4025", `unknown operator ${JSON.stringify(check.operator)} never matches`, pointerJoin("/conditions", i, "operator")))
      }
    })
  } else {
    checkTemplates((conditions as { expression: string }).expression, "/conditions/expression", out)
  }
  checkTemplates(source.action_params, "/action_params", out)
  checkTemplates(source.trigger_params, "/trigger_params", out)
  checkTimerParameters(trigger, source.trigger_params ?? {}, "/trigger_params", out)
  const permissionSets = refList(agreed(
    { key: "permission_set_refs", value: refList(source.permission_set_refs) }, { key: "permission_set_ref", value: refList(source.permission_set_ref) }, out,
  ))
  if (id === undefined) return NONE
  const value = compact({
    ref: id.ref, pack, name: id.name, label: source.label ?? titleCase(id.name), description: source.description,
    enabled: source.enabled ?? true, trigger_ref: trigger, action_ref: action, conditions,
    action_params: inOrder(source.action_params ?? {}), trigger_params: inOrder(source.trigger_params ?? {}),
    permission_set_refs: permissionSets,
    tags: source.tags ?? [], meta: inOrder(source.meta), examples: inOrder(source.examples),
  })
  return {
    components: [component(ctx, "rules", id, value, {
      links: [
        { kind: "trigger", ref: trigger, raw: source.trigger_ref, pointer: "/trigger_ref" },
        { kind: "action", ref: action, raw: source.action_ref, pointer: "/action_ref" },
      ],
    })],
  }
}

// ---------------------------------------------------------------------------------------------------- workflow

const SUCCEEDED = "{{ succeeded() }}"
const FAILED = "{{ failed() }}"
const TIMED_OUT = "{{ timed_out() }}"

const stripBraces = (expression: string): string => {
  const trimmed = expression.trim()
  return trimmed.startsWith("{{") && trimmed.endsWith("}}") ? trimmed.slice(2, -2).trim() : trimmed
}

const both = (outer: string | undefined, inner: string | undefined): string | undefined =>
  outer === undefined ? inner : inner === undefined ? outer : `{{ ${stripBraces(outer)} and (${stripBraces(inner)}) }}`

const publishList = (publish: ReadonlyArray<JsonObject> | JsonObject | undefined): Array<JsonObject> | undefined => {
  if (publish === undefined) return undefined
  if (Array.isArray(publish)) return [...publish] as Array<JsonObject>
  return Object.keys(publish).sort().map((key) => ({ [key]: (publish as JsonObject)[key] }))
}

const doList = (value: string | ReadonlyArray<string> | undefined): Array<string> | undefined =>
  value === undefined ? undefined : typeof value === "string" ? [value] : [...value]

interface TransitionOut { readonly value: JsonObject; readonly targets: Array<TransitionTarget> }

const targetsOf = (names: ReadonlyArray<string> | undefined, pointer: string, isList: boolean): Array<TransitionTarget> =>
  (names ?? []).map((task, i) => ({ task, pointer: isList ? pointerJoin(pointer, i) : pointer }))

const normalizeTask = (task: TaskSource, index: number, pack: string, out: Array<Finding>): { value: JsonObject; model: TaskModel } => {
  const base = pointerJoin("/tasks", index)
  const transitions: Array<TransitionOut> = []
  ;(task.next ?? []).forEach((entry, i) => {
    const at = pointerJoin(base, "next", i)
    const names = doList(entry.do)
    transitions.push({
      value: compact({ when: entry.when, publish: publishList(entry.publish), do: names, label: entry.label, color: entry.color, waypoints: entry.waypoints }),
      targets: targetsOf(names, pointerJoin(at, "do"), Array.isArray(entry.do)),
    })
  })
  let successIndex: number | undefined
  const legacy = (field: "on_success" | "on_failure" | "on_complete" | "on_timeout", when: string | undefined) => {
    const written = task[field]
    if (written === undefined) return
    const at = pointerJoin(base, field)
    if (typeof written === "string") {
      if (field === "on_success" && successIndex === undefined) successIndex = transitions.length
      transitions.push({ value: compact({ when, do: [written] }), targets: [{ task: written, pointer: at }] })
      return
    }
    const plain = written.flatMap((item, i) => typeof item === "string" ? [{ task: item, pointer: pointerJoin(at, i) }] : [])
    if (plain.length > 0) {
      if (field === "on_success" && successIndex === undefined) successIndex = transitions.length
      transitions.push({ value: compact({ when, do: plain.map((t) => t.task) }), targets: plain })
    }
    written.forEach((item, i) => {
      if (typeof item === "string") return
      const itemWhen = both(when, item.when)
      const doAt = pointerJoin(at, i, "do")
      const written = item.do
      const plain = typeof written === "string" ? [{ task: written, pointer: doAt }]
        : (written ?? []).flatMap((d, j) => typeof d === "string" ? [{ task: d, pointer: pointerJoin(doAt, j) }] : [])
      const branches = Array.isArray(written) ? written.flatMap((d, j) => typeof d === "string" ? [] : [{ branch: d, at: pointerJoin(doAt, j) }]) : []
      if (branches.length === 0 || plain.length > 0 || item.publish !== undefined) {
        const names = written === undefined || (plain.length === 0 && branches.length > 0) ? undefined : plain.map((t) => t.task)
        transitions.push({
          value: compact({ when: itemWhen, publish: publishList(item.publish), do: names, label: item.label, color: item.color }),
          targets: plain,
        })
      }
      // `do: [{when, next}]`: a branch taken when the item's condition and its own both hold.
      for (const { branch, at: branchAt } of branches) {
        transitions.push({
          value: compact({ when: both(itemWhen, branch.when), do: [branch.next] }),
          targets: [{ task: branch.next, pointer: pointerJoin(branchAt, "next") }],
        })
      }
    })
  }
  legacy("on_success", SUCCEEDED)
  legacy("on_failure", FAILED)
  legacy("on_complete", undefined)
  legacy("on_timeout", TIMED_OUT)
  ;(task.decision ?? []).forEach((entry, i) => {
    const at = pointerJoin(base, "decision", i)
    // Attune writes the target as `next`; packsmith's `do` also takes a list.
    if (entry.next === undefined && entry.do === undefined) out.push(finding("PS2002", 'missing required key "next" (or "do")', at))
    if (entry.next !== undefined && entry.do !== undefined) {
      out.push(finding("PS2012", "`next` and `do` both name the branch's target", pointerJoin(at, "do"), { target: "key", hint: "keep `next`, as Attune writes it" }))
    }
    const [names, targets] = entry.next !== undefined
      ? [[entry.next], [{ task: entry.next, pointer: pointerJoin(at, "next") }]]
      : [doList(entry.do), targetsOf(doList(entry.do), pointerJoin(at, "do"), Array.isArray(entry.do))]
    transitions.push({
      value: compact({ when: entry.default === true ? undefined : entry.when, publish: publishList(entry.publish), do: names }),
      targets,
    })
  })
  const published = publishList(task.publish)
  if (published !== undefined) {
    if (successIndex !== undefined) {
      const existing = transitions[successIndex]!
      transitions[successIndex] = { ...existing, value: { ...existing.value, publish: published } }
    } else {
      transitions.push({ value: { when: SUCCEEDED, publish: published }, targets: [] })
    }
  }
  const input = task.input ?? {}
  checkTemplates(input, pointerJoin(base, "input"), out)
  checkTemplates(task.when, pointerJoin(base, "when"), out)
  checkTemplates(task.with_items, pointerJoin(base, "with_items"), out)
  transitions.forEach((t) => checkTemplates(t.value, base, out))
  const action = qualify(pack, task.action)
  const value = compact({
    name: task.name, type: task.type, action, description: task.description, input,
    permission_set_refs: refList(agreed(
      { key: "permission_set_refs", value: refList(task.permission_set_refs) }, { key: "permission_set_ref", value: refList(task.permission_set_ref) }, out, base,
    )),
    ...placement(task),
    when: task.when, with_items: task.with_items, batch_size: task.batch_size, concurrency: task.concurrency,
    retry: task.retry, timeout: task.timeout, delay: task.delay, join: task.join,
    next: transitions.map((t) => t.value),
    __chart_meta__: task.__chart_meta__,
  })
  return {
    value,
    model: {
      name: task.name, pointer: base, action, actionPointer: pointerJoin(base, "action"), input,
      targets: transitions.flatMap((t) => t.targets),
    },
  }
}

/** Duplicate names, transitions to unknown tasks, tasks no entry task leads to. */
const checkGraph = (tasks: ReadonlyArray<TaskModel>, out: Array<Finding>): void => {
  const byName = new Map<string, TaskModel>()
  for (const task of tasks) {
    if (byName.has(task.name)) out.push(finding("PS4015", `task name "${task.name}" is used more than once`, pointerJoin(task.pointer, "name")))
    else byName.set(task.name, task)
  }
  const inbound = new Set<string>()
  for (const task of tasks) {
    for (const target of task.targets) {
      if (!byName.has(target.task)) {
        const others = [...byName.keys()].filter((n) => n !== task.name)
        const close = nearest(target.task, others)
        out.push(finding("PS4016", `no task named "${target.task}"`, target.pointer,
          close !== undefined ? { hint: `did you mean "${close}"?` }
            : others.length > 0 ? { hint: `tasks: ${others.slice(0, 8).join(", ")}` } : {}))
      } else if (target.task !== task.name) inbound.add(target.task)
    }
  }
  const entries = tasks.filter((t) => !inbound.has(t.name))
  const reached = new Set<string>()
  const queue = entries.map((t) => t.name)
  while (queue.length > 0) {
    const name = queue.pop()!
    if (reached.has(name)) continue
    reached.add(name)
    for (const target of byName.get(name)?.targets ?? []) if (byName.has(target.task)) queue.push(target.task)
  }
  for (const [name, task] of byName) {
    if (!reached.has(name)) out.push(finding("PS4017", `task "${name}" is never reached from an entry task`, pointerJoin(task.pointer, "name")))
  }
}

/**
 * Orquesta-style `input` (names, or `{name: default}`) as parameters without a type; a parameter `parameters`
 * declares itself keeps its own schema.
 */
const withDeclaredInputs = (parameters: JsonObject | undefined, input: WorkflowSource["input"]): JsonObject | undefined => {
  if (input === undefined || input.length === 0) return parameters
  const declared: Record<string, unknown> = {}
  for (const item of input) {
    if (typeof item === "string") declared[item] = {}
    else for (const [name, value] of Object.entries(item)) declared[name] = { default: value }
  }
  if (parameters !== undefined && typeof parameters["type"] === "string") {
    return { ...parameters, properties: { ...declared, ...(parameters["properties"] as JsonObject | undefined) } }
  }
  return { ...declared, ...parameters }
}

/**
 * The workflow forms packsmith does not read yet, told apart before decoding so the file gets one warning
 * rather than an error for every key of another format: Orquesta and Mistral write `tasks` as a mapping.
 */
export const foreignWorkflowForm = (document: unknown): Finding | undefined => {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined
  const tasks = (document as Record<string, unknown>)["tasks"]
  if (typeof tasks !== "object" || tasks === null || Array.isArray(tasks)) return undefined
  return finding("PS2013", "this workflow is in the Orquesta/Mistral form (`tasks` is a mapping), which packsmith does not read yet; the file is left out",
    "/tasks", { target: "key", hint: "write `tasks` as a list of {name, action, next} to compile it" })
}

export const normalizeWorkflow = (source: WorkflowSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  if (source.tasks.length === 0) out.push(finding("PS4028", "the workflow has no tasks", "/tasks"))
  const tasks = source.tasks.map((task, i) => normalizeTask(task, i, pack, out))
  checkGraph(tasks.map((t) => t.model), out)
  const vars: JsonObject = Array.isArray(source.vars) ? Object.assign({}, ...source.vars) : (source.vars ?? {})
  checkTemplates(vars, "/vars", out)
  checkTemplates(source.output_map, "/output_map", out)
  const graph = compact({
    version: source.version, description: source.description, vars, tasks: tasks.map((t) => t.value),
    output_map: source.output_map, cancellation_policy: source.cancellation_policy ?? "allow_finish",
  })
  const standalone = source.ref !== undefined || source.name !== undefined
  const parameters = compileParameters(withDeclaredInputs(source.parameters, source.input), "/parameters", out)
  checkParameters(parameters, out, source.examples)
  const output = outputSchema(source, out)
  if (!standalone) return { components: [], workflow: { graph, tasks: tasks.map((t) => t.model) } }
  const id = identity(source, ctx)
  if (id === undefined) return { components: [], workflow: { graph, tasks: tasks.map((t) => t.model) } }
  const action = compact({
    ref: id.ref, pack, name: id.name, label: source.label ?? titleCase(id.name), description: source.description,
    enabled: source.enabled ?? true, workflow: id.ref, parameters: parameters.schema, output: output?.schema,
    parameter_delivery: "stdin", parameter_format: "json", output_format: "json", accesses_mcp: false,
    tags: source.tags ?? [], meta: inOrder(source.meta ?? source.metadata), examples: source.examples,
  })
  return {
    components: [],
    workflow: { graph, tasks: tasks.map((t) => t.model), standalone: { ref: id.ref, refPointer: id.refPointer, action } },
  }
}

// ---------------------------------------------------------------------------------------------------- profile, agent

export const normalizeProfile = (source: RuntimeProfileSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  const id = identity(source, ctx)
  const command = source.command_name
  if (command.trim() === "" || /[\s\0]/.test(command)) {
    out.push(finding("PS4022", `command_name ${JSON.stringify(command)} must be one executable token`, "/command_name", { hint: "put arguments in fixed_args" }))
  }
  ;(source.fixed_args ?? []).forEach((arg, i) => {
    if (arg.trim() === "" || arg.includes("\0")) out.push(finding("PS4022", "fixed_args entries must be non-empty and free of NUL bytes", pointerJoin("/fixed_args", i)))
  })
  for (const [name, value] of Object.entries(source.env ?? {})) {
    if (SECRET_ENV_NAME.test(name) && !SECRET_REF_PATTERN.test(value)) {
      out.push(finding("PS4008", `env ${name} looks secret and must not be written in the pack`, pointerJoin("/env", name), { hint: "use a secret:<name> ref" }))
    }
  }
  if (id === undefined) return NONE
  const runtime = runtimeLink(pack, source.runtime, "/runtime")
  const value = compact({
    ref: id.ref, pack, display_name: source.display_name ?? source.label ?? id.name, description: source.description,
    runtime: runtime.ref, protocol_family: source.protocol_family, command_name: command,
    fixed_args: source.fixed_args ?? [], env: source.env ?? {}, enabled: source.enabled ?? true, tags: source.tags ?? [],
  })
  return { components: [component(ctx, "profiles", id, value, { links: [runtime] })] }
}

export const normalizeAgent = (source: AgentManifestSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  const { metadata, spec } = source
  if (semver.valid(metadata.version) === null) {
    out.push(finding("PS4010", `agent version ${JSON.stringify(metadata.version)} is not a semantic version`, "/metadata/version"))
  }
  const network = spec.network
  if (network !== undefined) {
    if (network.policy === "allowlist" && (network.allowlist === undefined || network.allowlist.length === 0)) {
      out.push(finding("PS4023", "policy allowlist needs a non-empty `allowlist`", "/spec/network"))
    } else if (network.policy !== "allowlist" && network.allowlist !== undefined) {
      out.push(finding("PS4023", `an allowlist is only meaningful with policy allowlist (policy is ${network.policy})`, "/spec/network/allowlist", { target: "key" }))
    }
    ;(network.allowlist ?? []).forEach((entry, i) => {
      if (!/^[^\s:]+:\d{1,5}$/.test(entry)) out.push(finding("PS4023", `allowlist entry ${JSON.stringify(entry)} is not host:port`, pointerJoin("/spec/network/allowlist", i)))
    })
  }
  if (spec.runtime !== undefined && !(KNOWN_AGENT_RUNTIMES as ReadonlyArray<string>).includes(spec.runtime)) {
    out.push(finding("PS4024", `agent runtime ${JSON.stringify(spec.runtime)} is not one scarab documents`, "/spec/runtime"))
  }
  for (const field of ["command", "entrypoint"] as const) {
    const path = spec[field]
    if (path !== undefined && path.split("/").includes("..")) out.push(finding("PS4002", `${field} must not contain ".."`, pointerJoin("/spec", field)))
  }
  ;(spec.secret_policy ?? []).forEach((entry, i) => {
    if (entry.expires_at !== undefined && !isIsoDateTime(entry.expires_at)) {
      out.push(finding("PS4014", `expires_at ${JSON.stringify(entry.expires_at)} is not an ISO 8601 date-time`, pointerJoin("/spec/secret_policy", i, "expires_at")))
    }
  })
  if (!COMPONENT_NAME_PATTERN.test(metadata.name)) {
    out.push(finding("PS2007", `agent name ${JSON.stringify(metadata.name)} is not a valid name`, "/metadata/name", { hint: "lowercase letters, digits, _ and -" }))
    return NONE
  }
  const ref = `${pack}.${metadata.name}`
  const value = compact({
    ref, pack, apiVersion: source.apiVersion, kind: source.kind, metadata,
    spec: { ...spec, runtime: spec.runtime ?? "rust" },
  })
  return { components: [component(ctx, "agents", { ref, refPointer: "/metadata/name" }, value)] }
}

// ---------------------------------------------------------------------------------------------------- permission set, queue

export const normalizePermissionSet = (source: PermissionSetSource, ctx: NormalizeContext): Normalized => {
  const id = identity(source, ctx)
  if (id === undefined) return NONE
  const value = compact({ ref: id.ref, pack: ctx.pack, label: source.label ?? titleCase(id.name), description: source.description, grants: source.grants })
  return { components: [component(ctx, "permission_sets", id, value)] }
}

export const normalizeQueue = (source: WorkQueueSource, ctx: NormalizeContext): Normalized => {
  const { pack, out } = ctx
  const id = identity(source, ctx)
  const items = source.item_schema === undefined ? undefined : compileParameters(source.item_schema, "/item_schema", out)
  if (items !== undefined) checkParameters(items, out)
  checkTemplates(source.action_params, "/action_params", out)
  if (id === undefined) return NONE
  const dispatch = source.dispatch_action === undefined ? undefined : qualify(pack, source.dispatch_action)
  const value = compact({
    ref: id.ref, pack, label: source.label ?? titleCase(id.name), description: source.description,
    enabled: source.enabled ?? true, accepting_new_items: source.accepting_new_items ?? true,
    dispatch_action: dispatch, default_priority: source.default_priority, allow_pending_update: source.allow_pending_update,
    update_strategy: source.update_strategy, batch_mode: source.batch_mode, item_schema: items?.schema,
    action_params: source.action_params, permission_set_refs: source.permission_set_refs, config: source.config,
  })
  const links: Array<LinkRef> = dispatch === undefined ? [] : [{ kind: "action", ref: dispatch, raw: source.dispatch_action!, pointer: "/dispatch_action" }]
  return { components: [component(ctx, "queues", id, value, { links })] }
}
