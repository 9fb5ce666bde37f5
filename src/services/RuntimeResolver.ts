/**
 * Turns (action, host capabilities, host policy, optional runtime profile, parameters) into an exact command:
 * argv, cwd, minimal env, the parameter document and a timeout, with the reasoning behind each choice; or a
 * typed error that says what is missing and where. It reads nothing but the ComponentSource, the detection
 * report and the file system (stat), and writes nothing: the executor materializes what it returns.
 */
import { randomUUID } from "node:crypto"
import * as os from "node:os"
import * as nodePath from "node:path"
import { Effect, Either, Option } from "effect"
import { closest, distance } from "fastest-levenshtein"
import type { Action } from "../domain/Action.js"
import type { DetectionReport } from "../domain/Detection.js"
import { DEFAULT_TIMEOUT_SECONDS, type HostPolicy } from "../domain/HostPolicy.js"
import {
  ActionNotFound,
  ActionNotRunnable,
  ParameterDocument,
  ParameterFile,
  ProfileCommandUnavailable,
  ProfileDisabled,
  ProfileMismatch,
  ProfileNotFound,
  ProfileRequired,
  ResolvedExecution,
  ResolvedRuntime,
  RuntimeNotFound,
  RuntimeVersionUnsatisfied,
} from "../domain/Resolution.js"
import type { Runtime } from "../domain/Runtime.js"
import type { RuntimeProfile } from "../domain/RuntimeProfile.js"
import { normalizeRuntimeName } from "../domain/RuntimeFamily.js"
import { splitRef } from "../domain/Refs.js"
import { ComponentSource, type ComponentSourceShape } from "./ComponentSource.js"
import { buildEnvironment, renderTemplate, type TemplateValues } from "./RuntimeResolver/environment.js"
import { findOnPath, isExecutableFile } from "./RuntimeResolver/hostPath.js"
import { buildLaunch, type ProfileLaunch } from "./RuntimeResolver/launch.js"
import { deliverDocument, makeDocument, secretPaths, showPath, slotSecrets, validateParameters } from "./RuntimeResolver/parameters.js"
import { checkRuntime } from "./RuntimeResolver/policy.js"
import {
  checkRequiredRuntimes,
  describeDetected,
  type HostView,
  normalizeConstraint,
  runtimeFamily,
  satisfies,
  selectExecution,
} from "./RuntimeResolver/selection.js"

export interface ResolveRequest {
  readonly action: string
  readonly capabilities: DetectionReport
  readonly policy: HostPolicy
  readonly profile?: string
  readonly parameters?: Readonly<Record<string, unknown>>
  readonly executionId?: string
  /** The worker's own environment (passthrough values, PATH for lookups); default this process's. */
  readonly workerEnv?: Readonly<Record<string, string | undefined>>
  /** Where per-execution directories are made; default the OS temporary directory. */
  readonly scratchRoot?: string
}

const suggest = (wanted: string, candidates: ReadonlyArray<string>): string | undefined => {
  if (candidates.length === 0) return undefined
  const near = closest(wanted, [...candidates])
  return distance(wanted, near) <= Math.max(2, Math.floor(wanted.length / 3)) ? `did you mean ${near}?` : undefined
}

/** An execution id becomes a directory name; anything else than [A-Za-z0-9_.-] is replaced. */
const safeId = (id: string): string => id.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_") || "_"

const PARAMETER_FILE_NAMES = { json: "parameters.json", yaml: "parameters.yaml", dotenv: "parameters.env" } as const

/** The action's runtime: its compiled ref, else runner_type as a ref, a runtime name, or an alias. */
const findRuntime = (source: ComponentSourceShape, action: Action) =>
  Effect.gen(function* () {
    const wanted = action.runtime ?? action.runner_type ?? "shell"
    const exact = yield* source.getRuntime(wanted)
    if (Option.isSome(exact)) return { runtime: exact.value, how: `runtime ${exact.value.ref}${action.runtime === undefined ? ` (runner_type ${wanted})` : ""}` }
    const all = yield* source.listRuntimes()
    const normalized = normalizeRuntimeName(wanted)
    const byName = all.find((r) => r.name.toLowerCase() === wanted.toLowerCase())
      ?? all.find((r) => r.ref.startsWith("core.") && r.aliases.some((a) => normalizeRuntimeName(a) === normalized))
      ?? all.find((r) => r.aliases.some((a) => normalizeRuntimeName(a) === normalized))
    if (byName !== undefined) return { runtime: byName, how: `runtime ${byName.ref} (runner_type ${wanted} matched by name or alias)` }
    const refs = all.map((r) => r.ref)
    const suggestion = suggest(wanted, refs)
    return yield* new RuntimeNotFound({ ref: wanted, action: action.ref, searched: refs, ...(suggestion === undefined ? {} : { suggestion }) })
  })

const profileRuntimeMatches = (profile: RuntimeProfile, runtime: Runtime, family: string): boolean =>
  profile.runtime === runtime.ref || (!profile.runtime.includes(".") && normalizeRuntimeName(profile.runtime) === family)

export class RuntimeResolver extends Effect.Service<RuntimeResolver>()("packsmith/RuntimeResolver", {
  effect: Effect.gen(function* () {
    const source = yield* ComponentSource

    const chooseProfile = (request: ResolveRequest, action: Action, runtime: Runtime, family: string) =>
      Effect.gen(function* () {
        if (request.profile === undefined) {
          if (!request.policy.profiles.required) return undefined
          const candidates = (yield* source.listProfiles()).filter((p) => p.enabled && profileRuntimeMatches(p, runtime, family)).map((p) => p.ref)
          return yield* new ProfileRequired({ action: action.ref, runtime: runtime.ref, candidates, policyFile: request.policy.origin })
        }
        const found = yield* source.getProfile(request.profile)
        if (Option.isNone(found)) {
          const suggestion = suggest(request.profile, (yield* source.listProfiles()).map((p) => p.ref))
          return yield* new ProfileNotFound({ ref: request.profile, ...(suggestion === undefined ? {} : { suggestion }) })
        }
        const profile = found.value
        if (!profile.enabled) return yield* new ProfileDisabled({ ref: profile.ref })
        if (!profileRuntimeMatches(profile, runtime, family)) {
          return yield* new ProfileMismatch({ profile: profile.ref, profileRuntime: profile.runtime, action: action.ref, actionRuntime: runtime.ref })
        }
        return profile
      })

    const resolveProfileCommand = (profile: RuntimeProfile, workerPath: string | undefined) =>
      Effect.gen(function* () {
        const command = profile.command_name
        if (command === "" || /[\s\u0000]/.test(command)) {
          return yield* new ProfileCommandUnavailable({ profile: profile.ref, command, reason: "must be a single executable token; put arguments in fixed_args" })
        }
        if (nodePath.isAbsolute(command)) {
          if (yield* isExecutableFile(command)) return command
          return yield* new ProfileCommandUnavailable({ profile: profile.ref, command, reason: "is not an executable file" })
        }
        if (command.includes("/")) {
          return yield* new ProfileCommandUnavailable({ profile: profile.ref, command, reason: "must be a command name looked up on PATH, or an absolute path" })
        }
        const found = yield* findOnPath(command, workerPath)
        if (Option.isNone(found)) return yield* new ProfileCommandUnavailable({ profile: profile.ref, command, reason: "was not found on the worker's PATH" })
        return found.value
      })

    const resolve = Effect.fn("RuntimeResolver.resolve")(function* (request: ResolveRequest) {
      const workerEnv = request.workerEnv ?? (yield* Effect.sync(() => ({ ...process.env })))
      const workerPath = workerEnv["PATH"]
      const executionId = request.executionId ?? (yield* Effect.sync(() => randomUUID()))
      const policy = request.policy
      const host: HostView = { report: request.capabilities, path: workerPath }
      const explain: Array<string> = []

      // 1. The action.
      const found = yield* source.getAction(request.action)
      if (Option.isNone(found)) {
        const suggestion = suggest(request.action, yield* source.listActionRefs())
        return yield* new ActionNotFound({ ref: request.action, source: source.description, ...(suggestion === undefined ? {} : { suggestion }) })
      }
      const action = found.value
      if (action.workflow !== undefined) return yield* new ActionNotRunnable({ ref: action.ref, reason: `it is a workflow (${action.workflow}); the orchestrator runs its tasks` })
      if (!action.enabled) return yield* new ActionNotRunnable({ ref: action.ref, reason: "it is disabled (enabled: false)" })
      explain.push(`action ${action.ref} (pack ${action.pack}) from ${source.description}`)

      // 2. Its runtime, as far as policy allows.
      const { how, runtime } = yield* findRuntime(source, action)
      const family = runtimeFamily(runtime)
      explain.push(`${how}, family ${family}`)
      const allowed = checkRuntime(policy, { ref: runtime.ref, name: runtime.name, family, aliases: runtime.aliases })
      if (Either.isLeft(allowed)) return yield* allowed.left
      explain.push(allowed.right)

      // 3. A runtime profile, when one is asked for (or required).
      const profile = yield* chooseProfile(request, action, runtime, family)

      // 4. Version and interpreter on this host; the runtimes the action also needs.
      const selection = yield* selectExecution({ action, runtime, family, host })
      explain.push(...selection.explain)
      explain.push(...(yield* checkRequiredRuntimes({
        action,
        host,
        familyOfRef: (ref) => source.getRuntime(ref).pipe(Effect.map(Option.match({ onNone: () => undefined, onSome: runtimeFamily }))),
      })))

      // 5. Where things are: pack, runtime environment, per-execution scratch directory.
      const packDirOption = yield* source.packDir(action.pack)
      if (Option.isNone(packDirOption)) {
        return yield* new ActionNotRunnable({ ref: action.ref, reason: `the files of pack ${action.pack} are not on this host (${source.description})` })
      }
      const packDir = packDirOption.value
      const config = selection.config
      const runtimeName = splitRef(runtime.ref).name
      const envDir = nodePath.resolve(policy.env_root, action.pack, selection.versionEntry === undefined ? runtimeName : `${runtimeName}-${selection.versionEntry.version}`)
      const scratchDir = nodePath.join(request.scratchRoot ?? os.tmpdir(), `packsmith-exec-${safeId(executionId)}`)
      explain.push(`cwd: the pack directory ${packDir}`)
      explain.push(`env dir: ${envDir} (env_root ${policy.env_root})`)

      const where = (field: string) => ({ runtime: runtime.ref, field })
      const baseTemplates: TemplateValues = {
        pack_dir: packDir,
        env_dir: envDir,
        ...(config.dependencies?.manifest_file === undefined ? {} : { manifest_path: nodePath.join(packDir, config.dependencies.manifest_file) }),
      }

      // 6. The interpreter: a pack environment's own interpreter once it exists, else the detected one.
      let interpreter = selection.interpreter?.binary
      const environmentInterpreter = config.environment?.interpreter_path
      if (interpreter !== undefined && environmentInterpreter !== undefined) {
        const rendered = renderTemplate(environmentInterpreter, baseTemplates, where("execution_config.environment.interpreter_path"))
        if (Either.isLeft(rendered)) return yield* rendered.left
        if (yield* isExecutableFile(rendered.right)) {
          interpreter = rendered.right
          explain.push(`interpreter: the pack environment's ${rendered.right} (environment.interpreter_path)`)
        } else {
          explain.push(`interpreter: ${rendered.right} (environment.interpreter_path) does not exist yet; the host interpreter runs until the environment is created`)
        }
      }

      let profileLaunch: ProfileLaunch | undefined
      let version = selection.interpreter?.version ?? null
      if (profile !== undefined) {
        const found = yield* resolveProfileCommand(profile, workerPath)
        const same = request.capabilities.runtimes.find((r) => r.path === found || r.realPath === found)
        // A version-manager shim needs the worker's own environment; run the interpreter it stands for.
        const command = same?.viaShim === true ? same.realPath : found
        if (command !== found) explain.push(`profile ${profile.ref}: ${found} is a version-manager shim; running ${command}`)
        profileLaunch = { ref: profile.ref, command, fixedArgs: profile.fixed_args }
        const written = action.runtime_version
        const constraint = Either.getOrUndefined(normalizeConstraint(written))
        if (same !== undefined) {
          version = same.version
          if (constraint !== undefined && !satisfies(same.version, constraint)) {
            return yield* new RuntimeVersionUnsatisfied({
              runtime: runtime.ref, constraint, available: [describeDetected(same)],
              declared: runtime.versions.map((v) => v.version), requiredBy: `action ${action.ref} under profile ${profile.ref}`,
            })
          }
          explain.push(`version: ${command} of profile ${profile.ref} is the detected ${same.name} ${same.version ?? "(version unknown)"}`)
        } else {
          version = null
          if (written !== undefined) explain.push(`version: ${command} of profile ${profile.ref} is not a detected interpreter; runtime_version ${written} is not checked against it`)
        }
      }

      // 7. argv.
      const launch = yield* buildLaunch({
        action, config, interpreter, profile: profileLaunch, packDir, scratchDir, policy, workerPath,
        delivery: action.parameter_delivery, format: action.parameter_format,
      })
      explain.push(...launch.explain)

      // 8. Parameters: validated, defaults applied, secrets held out of everything but the document.
      const validated = yield* validateParameters(action, request.parameters ?? {})
      const slotted = yield* slotSecrets(action, validated.values, policy)
      const document: ParameterDocument = makeDocument(slotted, action.parameter_format)
      explain.push(`parameters: validated against the param_schema of ${action.ref}${validated.defaulted.length === 0 ? "" : `; defaults applied: ${validated.defaulted.join(", ")}`}`)
      const declaredSecrets = secretPaths(action.parameters).map((p) => p.join("."))
      if (slotted.secrets.length > 0) {
        const shown = slotted.secrets.map((s) => s._tag === "StoredSecret" ? `${showPath(s.path)} (secret:${s.name}, read from secrets.store at delivery)` : showPath(s.path))
        explain.push(`parameters: secret ${shown.join(", ")}; shown as ****, delivered only inside the parameter document, never in argv or env`)
      } else if (declaredSecrets.length > 0) {
        explain.push(`parameters: secret ${declaredSecrets.join(", ")} declared, none given`)
      }
      const delivery = action.parameter_delivery
      const parameterFile = delivery === "file"
        ? new ParameterFile({ path: nodePath.join(scratchDir, PARAMETER_FILE_NAMES[action.parameter_format]), document })
        : null
      explain.push(delivery === "file"
        ? `parameters: ${action.parameter_format} document written to ${parameterFile!.path} (mode 0400); stdin is empty`
        : `parameters: ${action.parameter_format} document on stdin, then stdin is closed`)

      // 9. Environment.
      const templates: TemplateValues = { ...baseTemplates, ...(interpreter === undefined ? {} : { interpreter }) }
      const packsmith: Record<string, string> = {
        PACKSMITH_EXEC_ID: executionId,
        PACKSMITH_ACTION: action.ref,
        PACKSMITH_PACK_REF: action.pack,
        PACKSMITH_PARAMETER_DELIVERY: delivery,
        PACKSMITH_PARAMETER_FORMAT: action.parameter_format,
        ...(parameterFile === null ? {} : { PACKSMITH_PARAMETER_FILE: parameterFile.path }),
      }
      const built = yield* buildEnvironment({
        policy, workerEnv, home: nodePath.join(scratchDir, "home"), runtimeRef: runtime.ref,
        envVars: config.env_vars ?? {}, templates,
        ...(profile === undefined ? {} : { profile: { ref: profile.ref, env: profile.env } }),
        packsmith,
      })
      explain.push(...built.explain)

      // 10. Timeout.
      const wanted = action.timeout ?? policy.timeouts.default ?? DEFAULT_TIMEOUT_SECONDS
      const origin = action.timeout !== undefined ? "the action's timeout" : policy.timeouts.default !== null ? "the policy's timeouts.default" : "the default"
      const max = policy.timeouts.max
      const timeoutSeconds = max !== null && wanted > max ? max : wanted
      explain.push(timeoutSeconds === wanted
        ? `timeout: ${wanted} s (${origin})`
        : `timeout: ${timeoutSeconds} s: ${origin} of ${wanted} s is capped by the policy's timeouts.max`)

      const argv = launch.argv
      return new ResolvedExecution({
        executionId,
        action: action.ref,
        pack: action.pack,
        argv,
        cwd: packDir,
        env: built.env,
        stdin: delivery === "stdin" ? document : null,
        parameterFile,
        parameterDelivery: delivery,
        parameterFormat: action.parameter_format,
        timeoutSeconds,
        runtime: new ResolvedRuntime({
          ref: runtime.ref,
          family,
          version,
          versionEntry: selection.versionEntry?.version ?? null,
          binary: argv[0] ?? "",
        }),
        profile: profile?.ref ?? null,
        envDir,
        scratchDir,
        files: launch.files,
        explain,
      })
    })

    /**
     * The parameter document as it is written to the child: secrets read from where their slots say (given
     * values, or the host's secret store). Call it at delivery; the result is redacted until written.
     */
    const deliver = Effect.fn("RuntimeResolver.deliver")(function* (
      document: ParameterDocument,
      policy: HostPolicy,
      workerEnv?: Readonly<Record<string, string | undefined>>,
    ) {
      const env = workerEnv ?? (yield* Effect.sync(() => ({ ...process.env })))
      return yield* deliverDocument(document, policy, env)
    })

    return { resolve, deliver } as const
  }),
}) {}
