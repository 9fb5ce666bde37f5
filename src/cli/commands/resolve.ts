/**
 * `packsmith resolve <action-ref>`: the exact command this host would run for an action (argv, cwd, env,
 * parameter document, timeout, runtime and version) under its policy, or why it cannot. Secrets show as ****,
 * and so do the values the policy passes through from this host's environment unless `--reveal` is given.
 */
import * as nodePath from "node:path"
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option } from "effect"
import { CompileFailed, PackCompiler } from "../../compiler/PackCompiler.js"
import type { Action } from "../../domain/Action.js"
import type { BundleEnvelope } from "../../domain/Bundle.js"
import type { DetectionReport } from "../../domain/Detection.js"
import type { ResolvedExecution } from "../../domain/Resolution.js"
import type { Runtime } from "../../domain/Runtime.js"
import { readBundleFile } from "../../services/BundleFile.js"
import { ComponentSource, type ComponentSourceShape, locatePackDirs, materializeBundle } from "../../services/ComponentSource.js"
import { loadHostPolicy } from "../../services/HostPolicy.js"
import { RuntimeDetection } from "../../services/RuntimeDetection.js"
import { RuntimeResolver } from "../../services/RuntimeResolver.js"
import { showPath } from "../../services/RuntimeResolver/parameters.js"
import { type CliFailure, environmentError, invalidInput, usageError } from "../CliFailure.js"
import { formatDiagnostic, printJson } from "../render.js"

const actionRef = Args.text({ name: "action-ref" }).pipe(Args.withDescription("The action to resolve, e.g. core.echo"))
const packs = Options.text("packs").pipe(
  Options.withDescription("A pack directory or a folder of packs to compile (repeatable); default: packs"),
  Options.repeated,
)
const bundle = Options.file("bundle").pipe(Options.withDescription("Resolve from a compiled bundle file instead of pack sources"), Options.optional)
const policy = Options.file("policy").pipe(Options.withDescription("Host policy file; default .packsmith/policy.yaml when it exists"), Options.optional)
const profile = Options.text("profile").pipe(Options.withDescription("Runtime profile to run under (a profile ref)"), Options.optional)
const param = Options.text("param").pipe(
  Options.withDescription("A parameter as key=value (repeatable); the value is read as JSON unless the parameter is a string"),
  Options.repeated,
)
const paramsJson = Options.text("params-json").pipe(Options.withDescription("All parameters as one JSON object"), Options.optional)
const executionId = Options.text("execution-id").pipe(Options.withDescription("Execution id to resolve for; default a new UUID"), Options.optional)
const explain = Options.boolean("explain").pipe(Options.withDescription("Print the reasoning behind each choice"))
const json = Options.boolean("json").pipe(Options.withDescription("Print the resolution (or the error) as JSON, reasoning included"))
const reveal = Options.boolean("reveal").pipe(
  Options.withDescription("Show the environment values passed through from this host as they are (by default ****); secret parameters stay ****"),
)

/** Shell quoting for display only: nothing is ever run through a shell. */
export const shellQuote = (arg: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`

/** Variables whose names say they hold credentials are masked when shown, whatever set them. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|API_?KEY|_KEY$|^KEY$)/i
const MASK = "****"

/** How the environment of a resolution is shown. */
export interface EnvDisplay {
  /**
   * The worker variables the policy passed through, with their values on this host: such a value may be a
   * connection string with its password (DATABASE_URL), so it is masked wherever it appears in a variable,
   * also where a runtime's env_vars prepend or append to it.
   */
  readonly passedThrough?: Readonly<Record<string, string>>
  /** Show every value as it is. */
  readonly reveal?: boolean
}

/** The environment as shown, and the names of the variables whose values were masked. */
export const maskEnv = (env: Readonly<Record<string, string>>, display: EnvDisplay = {}): { readonly env: Record<string, string>; readonly masked: ReadonlyArray<string> } => {
  if (display.reveal === true) return { env: { ...env }, masked: [] }
  const shown: Record<string, string> = {}
  const masked: Array<string> = []
  for (const [name, value] of Object.entries(env)) {
    const passed = display.passedThrough?.[name]
    const hidden = SECRET_NAME.test(name) ? MASK : passed === undefined || passed === "" ? value : value.split(passed).join(MASK)
    shown[name] = hidden
    if (hidden !== value) masked.push(name)
  }
  return { env: shown, masked }
}

/** Shell-quoted, except the mask itself: `'****'` would read as a value of four stars. */
const quoteAroundMask = (value: string): string =>
  value.split(MASK).map((part) => (part === "" ? "" : shellQuote(part))).join(MASK)

const MASKED_NOTE = `${MASK} hides values from this host's environment and values named as credentials; --reveal shows them`

/** The reasoning, with a last step saying what the display hides. */
const explainShown = (resolved: ResolvedExecution, masked: ReadonlyArray<string>): ReadonlyArray<string> =>
  masked.length === 0 ? resolved.explain : [...resolved.explain, `env: ${masked.join(", ")} shown masked: ${MASKED_NOTE}`]

const isString = (schema: unknown): boolean => {
  const type = (schema as { type?: unknown } | undefined)?.type
  return type === "string" || (Array.isArray(type) && type.includes("string"))
}

/** `key=value` pairs: a value is parsed as JSON unless the parameter is declared a string. */
const parseParams = (pairs: ReadonlyArray<string>, object: Option.Option<string>, action: Action | undefined) =>
  Effect.gen(function* () {
    const params: Record<string, unknown> = {}
    if (Option.isSome(object)) {
      const parsed = yield* Effect.try({ try: () => JSON.parse(object.value) as unknown, catch: (e) => usageError(`--params-json is not JSON: ${(e as Error).message}`) })
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return yield* usageError("--params-json must be a JSON object")
      Object.assign(params, parsed)
    }
    const properties = ((action?.parameters as { properties?: Record<string, unknown> } | undefined)?.properties) ?? {}
    for (const pair of pairs) {
      const at = pair.indexOf("=")
      if (at <= 0) return yield* usageError(`--param ${JSON.stringify(pair)}: expected key=value`)
      const key = pair.slice(0, at)
      const raw = pair.slice(at + 1)
      if (isString(properties[key])) params[key] = raw
      else params[key] = yield* Effect.try(() => JSON.parse(raw) as unknown).pipe(Effect.orElseSucceed(() => raw))
    }
    return params
  })

const componentsFrom = (packPaths: ReadonlyArray<string>, bundleFile: Option.Option<string>) =>
  Effect.gen(function* () {
    if (Option.isSome(bundleFile)) {
      if (packPaths.length > 0) return yield* usageError("give either --packs or --bundle, not both")
      const loaded: BundleEnvelope = yield* readBundleFile(bundleFile.value).pipe(
        Effect.mapError((error) =>
          error._tag === "BundleNotReadable" ? environmentError(error.message) : invalidInput(`${bundleFile.value}: ${error.message}`)),
      )
      const root = nodePath.join(".packsmith", "bundles", loaded.digest.slice("sha256:".length))
      const packsRoot = yield* materializeBundle(loaded, root).pipe(Effect.mapError((e) => environmentError(e.message)))
      return ComponentSource.make(loaded, { packsRoot, description: `bundle ${bundleFile.value} (${loaded.digest})` })
    }
    const paths = packPaths.length > 0 ? packPaths : ["packs"]
    const compiler = yield* PackCompiler
    const compiled = yield* compiler.compile(paths).pipe(
      Effect.catchTag("CompileFailed", (failed: CompileFailed) =>
        Effect.zipRight(
          Effect.forEach(failed.diagnostics, (d) => Console.error(formatDiagnostic(d, process.stderr.isTTY === true)), { discard: true }),
          Effect.fail(invalidInput(`${failed.message}; nothing was resolved`)),
        )),
    )
    const packDirs = yield* locatePackDirs(paths).pipe(Effect.mapError((e) => environmentError(e.message)))
    return ComponentSource.make(compiled.bundle, { packDirs, description: `the packs in ${paths.join(", ")}` })
  })

/** The one place this command asks detection: the action's runtime is verified as a template too. */
const detectHost = (templates: ReadonlyArray<Runtime>): Effect.Effect<DetectionReport, never, RuntimeDetection> =>
  Effect.flatMap(RuntimeDetection, (detection) => detection.detect({ templates }))

/** The --json document. Keys are only ever added. */
export const resolutionJson = (resolved: ResolvedExecution, display: EnvDisplay = {}) => {
  const shown = maskEnv(resolved.env, display)
  return {
    ok: true as const,
    action: resolved.action,
    pack: resolved.pack,
    execution_id: resolved.executionId,
    argv: resolved.argv,
    cwd: resolved.cwd,
    env: shown.env,
    parameter_delivery: resolved.parameterDelivery,
    parameter_format: resolved.parameterFormat,
    stdin: resolved.stdin === null ? null : { format: resolved.stdin.format, content: resolved.stdin.content },
    parameter_file: resolved.parameterFile === null
      ? null
      : { path: resolved.parameterFile.path, format: resolved.parameterFile.document.format, content: resolved.parameterFile.document.content },
    secrets: (resolved.stdin ?? resolved.parameterFile?.document)?.secrets.map((s) => showPath(s.path)) ?? [],
    timeout_seconds: resolved.timeoutSeconds,
    runtime: {
      ref: resolved.runtime.ref,
      family: resolved.runtime.family,
      version: resolved.runtime.version,
      version_entry: resolved.runtime.versionEntry,
      binary: resolved.runtime.binary,
    },
    profile: resolved.profile,
    env_dir: resolved.envDir,
    scratch_dir: resolved.scratchDir,
    files: resolved.files.map((f) => ({ path: f.path, mode: `0${f.mode.toString(8)}`, content: f.content })),
    explain: explainShown(resolved, shown.masked),
    /** Variables of `env` whose values are shown as **** (none with --reveal). */
    env_masked: shown.masked,
  }
}

const indent = (label: string, lines: ReadonlyArray<string>): Array<string> =>
  lines.length === 0 ? [`${label.padEnd(9)}(none)`] : lines.map((line, i) => `${(i === 0 ? label : "").padEnd(9)}${line}`)

export const renderResolution = (resolved: ResolvedExecution, withExplain: boolean, display: EnvDisplay = {}): string => {
  const document = resolved.stdin ?? resolved.parameterFile?.document
  const shown = maskEnv(resolved.env, display)
  const version = resolved.runtime.version === null ? ", version unknown" : ` ${resolved.runtime.version}`
  const lines = [
    `action   ${resolved.action}`,
    `runtime  ${resolved.runtime.ref} (${resolved.runtime.family}${version}${resolved.runtime.versionEntry === null ? "" : `, versions[] ${resolved.runtime.versionEntry}`})${resolved.profile === null ? "" : ` under profile ${resolved.profile}`}`,
    `argv     ${resolved.argv.map(shellQuote).join(" ")}`,
    `cwd      ${resolved.cwd}`,
    `timeout  ${resolved.timeoutSeconds} s`,
    ...indent("env", Object.entries(shown.env).map(([name, value]) => `${name}=${quoteAroundMask(value)}`)),
    ...(shown.masked.length === 0 ? [] : [`         (${MASKED_NOTE})`]),
    resolved.parameterFile === null
      ? `stdin    ${resolved.parameterFormat}${document?.secrets.length ? ` (${document.secrets.length} secret${document.secrets.length === 1 ? "" : "s"} shown as ****)` : ""}`
      : `params   ${resolved.parameterFormat} file ${resolved.parameterFile.path}`,
    ...(document === undefined ? [] : document.content.replace(/\n$/, "").split("\n").map((line) => `         ${line}`)),
    ...resolved.files.map((f) => `file     ${f.path} (mode 0${f.mode.toString(8)})`),
    `env dir  ${resolved.envDir}`,
  ]
  if (withExplain) lines.push("", "explain", ...explainShown(resolved, shown.masked).map((step, i) => `  ${String(i + 1).padStart(2)}. ${step}`))
  return lines.join("\n")
}

const errorJson = (error: { readonly _tag: string; readonly message: string }) => {
  const { _tag, ...fields } = error as unknown as Record<string, unknown>
  return { ok: false as const, error: { tag: _tag, message: error.message, ...fields } }
}

export const resolveCommand = Command.make(
  "resolve",
  { actionRef, packs, bundle, policy, profile, param, paramsJson, executionId, explain, json, reveal },
  (options) =>
    Effect.gen(function* () {
      const source: ComponentSourceShape = yield* componentsFrom(options.packs, options.bundle)
      const hostPolicy = yield* loadHostPolicy(Option.match(options.policy, { onNone: () => ({}), onSome: (file) => ({ file }) })).pipe(
        Effect.mapError((error) => error._tag === "HostPolicyNotFound" ? environmentError(error.message) : invalidInput(error.message)),
      )
      const unavailable = (error: { readonly message: string }) => environmentError(error.message)
      const action = Option.getOrUndefined(yield* source.getAction(options.actionRef).pipe(Effect.mapError(unavailable)))
      const runtime = action?.runtime === undefined
        ? undefined
        : Option.getOrUndefined(yield* source.getRuntime(action.runtime).pipe(Effect.mapError(unavailable)))
      const parameters = yield* parseParams(options.param, options.paramsJson, action)
      const capabilities = yield* detectHost(runtime === undefined ? [] : [runtime])
      // One snapshot of this host's environment: what the resolver passes through is what the display masks.
      const workerEnv: Record<string, string | undefined> = { ...process.env }
      const passedThrough = Object.fromEntries(hostPolicy.environment.passthrough.flatMap((name) => {
        const value = workerEnv[name]
        return value === undefined ? [] : [[name, value] as const]
      }))
      const display: EnvDisplay = { passedThrough, reveal: options.reveal }

      const outcome = yield* Effect.either(
        Effect.flatMap(RuntimeResolver, (resolver) =>
          resolver.resolve({
            action: options.actionRef,
            capabilities,
            policy: hostPolicy,
            workerEnv,
            parameters,
            ...Option.match(options.profile, { onNone: () => ({}), onSome: (ref) => ({ profile: ref }) }),
            ...Option.match(options.executionId, { onNone: () => ({}), onSome: (id) => ({ executionId: id }) }),
          })).pipe(Effect.provide(RuntimeResolver.Default.pipe(Layer.provide(Layer.succeed(ComponentSource, source))))),
      )
      if (outcome._tag === "Left") {
        const error = outcome.left
        const failure: CliFailure = error._tag === "ComponentSourceUnavailable" ? environmentError(error.message) : invalidInput(options.json ? "" : error.message)
        if (options.json) yield* Console.log(printJson(errorJson(error)))
        return yield* failure
      }
      const resolved = outcome.right
      if (options.json) return yield* Console.log(printJson(resolutionJson(resolved, display)))
      yield* Console.log(renderResolution(resolved, options.explain, display))
    }),
).pipe(
  Command.withDescription(
    "Show the exact command this host would run for an action under its policy (argv, cwd, env, parameters, " +
      "timeout, runtime version), or the typed reason it cannot run here.",
  ),
  Command.provide(Layer.mergeAll(PackCompiler.Default, RuntimeDetection.Default)),
)

