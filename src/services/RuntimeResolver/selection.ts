/**
 * Choosing what runs an action on this host: the runtime's family, the `versions[]` entry that satisfies the
 * action's `runtime_version` (each entry's execution_config replaces the runtime's), and the detected
 * interpreter behind the configured binary. Follows Attune: no constraint means the base execution_config; a
 * constraint no available entry satisfies falls back to the base interpreter when that one satisfies it.
 */
import * as nodePath from "node:path"
import { Effect, Either, Option } from "effect"
import semver from "semver"
import type { Action } from "../../domain/Action.js"
import type { DetectedRuntime, DetectionReport } from "../../domain/Detection.js"
import {
  InvalidVersionConstraint,
  RuntimeUnavailableOnHost,
  RuntimeVersionUnsatisfied,
} from "../../domain/Resolution.js"
import { type ExecutionConfig, interpreterBinary, type Runtime, type RuntimeVersion } from "../../domain/Runtime.js"
import { binaryFamily, CORE_RUNTIME_REFS, normalizeRuntimeName, runtimeFamilyOf } from "../../domain/RuntimeFamily.js"
import { findOnPath, isExecutableFile } from "./hostPath.js"

/**
 * A runtime's canonical family: its name or an alias when they are known families, else what its interpreter
 * binary is (`mon.ruby33` runs `ruby`), else the core template it is, else its normalized name.
 */
export const runtimeFamily = (runtime: Runtime): string => {
  const binary = interpreterBinary(runtime.execution_config)
  return runtimeFamilyOf(runtime.name)
    ?? runtime.aliases.map(runtimeFamilyOf).find((family) => family !== undefined)
    ?? (binary === undefined ? undefined : binaryFamily(binary))
    ?? Object.entries(CORE_RUNTIME_REFS).find(([, ref]) => ref === runtime.ref)?.[0]
    ?? (binary === undefined ? "native" : normalizeRuntimeName(runtime.name))
}

/** `3.12` means `~3.12` (Attune); `*` and empty mean any version. Left: not a range. */
export const normalizeConstraint = (constraint: string | undefined): Either.Either<string | undefined, string> => {
  const trimmed = constraint?.trim()
  if (trimmed === undefined || trimmed === "" || trimmed === "*") return Either.right(undefined)
  const effective = /^\d+(\.\d+){0,2}$/.test(trimmed) ? `~${trimmed}` : trimmed
  return semver.validRange(effective) === null ? Either.left(trimmed) : Either.right(effective)
}

export const satisfies = (version: string | null | undefined, range: string): boolean => {
  if (version === null || version === undefined) return false
  const coerced = semver.coerce(version, { loose: true })
  return coerced !== null && semver.satisfies(coerced, range)
}

export const describeDetected = (runtime: DetectedRuntime): string =>
  `${runtime.family} ${runtime.name} ${runtime.version ?? "(version unknown)"} at ${runtime.path}`

export interface InterpreterChoice {
  /** Absolute path that is executed. */
  readonly binary: string
  readonly version: string | null
  readonly detected: DetectedRuntime | undefined
  /** One line of reasoning: how the binary was found. */
  readonly how: string
}

export interface HostView {
  readonly report: DetectionReport
  /** The worker's PATH, for binaries that detection did not report. */
  readonly path: string | undefined
}

/** What executes for a detected interpreter: a version-manager shim is bypassed for the interpreter it runs. */
const executablePath = (runtime: DetectedRuntime): string =>
  runtime.viaShim === true ? runtime.realPath : nodePath.resolve(runtime.path)

const familyCandidates = (host: HostView, runtime: Runtime, family: string): ReadonlyArray<DetectedRuntime> =>
  host.report.runtimes.filter((r) => r.family === family || r.source === `template:${runtime.ref}`)

const templateVerified = (host: HostView, runtime: Runtime): boolean =>
  host.report.templates.some((t) =>
    t.ref === runtime.ref && t.version === undefined && (t.status === "verified" || t.status === "assumed"))

/** A versions[] entry whose own verification failed on this host is not selected. */
const entryFailedVerification = (host: HostView, runtime: Runtime, entry: RuntimeVersion): boolean =>
  host.report.templates.some((t) => t.ref === runtime.ref && t.version === entry.version && t.status === "unverified")

/**
 * The detected interpreter for `binary`: the same name first, then the same real file, then (not for shells,
 * whose dialects differ) any interpreter of the family, each time the first that `accept`s its version.
 */
export const findInterpreter = (options: {
  readonly binary: string
  readonly runtime: Runtime
  readonly family: string
  readonly host: HostView
  readonly accept?: (version: string | null) => boolean
  /** Detected interpreters not to choose. */
  readonly exclude?: (r: DetectedRuntime) => boolean
}): Effect.Effect<Option.Option<InterpreterChoice>> =>
  Effect.gen(function* () {
    const { accept, binary, exclude, family, host, runtime } = options
    const ok = (r: DetectedRuntime) => (accept === undefined || accept(r.version)) && exclude?.(r) !== true
    if (nodePath.isAbsolute(binary)) {
      if (!(yield* isExecutableFile(binary))) return Option.none()
      const detected = host.report.runtimes.find((r) => r.path === binary || r.realPath === binary)
      const version = detected?.version ?? null
      if (accept !== undefined && !accept(version)) return Option.none()
      return Option.some({ binary, version, detected, how: `${binary} (absolute path in the runtime, ${version ?? "version unknown"})` })
    }
    const candidates = familyCandidates(host, runtime, family)
    const tiers: ReadonlyArray<readonly [string, (r: DetectedRuntime) => boolean]> = [
      ["detected", (r) => r.name === binary || nodePath.basename(r.path) === binary],
      ["the real file of detected", (r) => nodePath.basename(r.realPath) === binary],
      // Interpreters of one family are interchangeable once the version fits, shells are not (bash is not dash).
      ...(family !== "shell" && binaryFamily(binary) === family
        ? [[`not detected; in its place the detected ${family} interpreter`, () => true] as const]
        : []),
    ]
    for (const [how, matches] of tiers) {
      const found = candidates.find((r) => matches(r) && ok(r))
      if (found !== undefined) {
        const path = executablePath(found)
        const shim = found.viaShim === true ? ` (version-manager shim ${found.path} bypassed)` : ""
        return Option.some({
          binary: path,
          version: found.version,
          detected: found,
          how: `"${binary}" -> ${path}: ${how} ${found.name} ${found.version ?? "(version unknown)"}${shim}`,
        })
      }
    }
    if (accept === undefined && templateVerified(host, runtime)) {
      const onPath = yield* findOnPath(binary, host.path)
      if (Option.isSome(onPath)) {
        return Option.some({
          binary: onPath.value,
          version: null,
          detected: undefined,
          how: `"${binary}" -> ${onPath.value}: found on PATH (runtime ${runtime.ref} is verified on this host)`,
        })
      }
    }
    return Option.none()
  })

export interface Selection {
  readonly config: ExecutionConfig
  readonly versionEntry: RuntimeVersion | undefined
  /** Undefined for a native runtime: the entry point itself is executed. */
  readonly interpreter: InterpreterChoice | undefined
  readonly explain: ReadonlyArray<string>
}

const byVersionDescending = (a: RuntimeVersion, b: RuntimeVersion): number => {
  const va = semver.coerce(a.version, { loose: true })
  const vb = semver.coerce(b.version, { loose: true })
  if (va === null || vb === null) return va === null ? (vb === null ? 0 : 1) : -1
  return semver.rcompare(va, vb)
}

export const selectExecution = (options: {
  readonly action: Action
  readonly runtime: Runtime
  readonly family: string
  readonly host: HostView
}): Effect.Effect<Selection, RuntimeUnavailableOnHost | RuntimeVersionUnsatisfied | InvalidVersionConstraint> =>
  Effect.gen(function* () {
    const { action, family, host, runtime } = options
    const explain: Array<string> = []
    const normalized = normalizeConstraint(action.runtime_version)
    if (Either.isLeft(normalized)) {
      return yield* new InvalidVersionConstraint({ action: action.ref, field: "runtime_version", constraint: normalized.left })
    }
    const constraint = normalized.right
    const base = runtime.execution_config
    const baseBinary = interpreterBinary(base)
    const candidates = familyCandidates(host, runtime, family)
    const requiredBy = `action ${action.ref}`
    const declared = runtime.versions.map((v) => v.version)
    const unavailable = (binary: string | undefined) => new RuntimeUnavailableOnHost({
      runtime: runtime.ref, family, detected: host.report.runtimes.map(describeDetected), requiredBy,
      ...(binary === undefined ? {} : { binary }),
    })
    const failedEntries = runtime.versions.filter((entry) => entryFailedVerification(host, runtime, entry))
    const unverified = failedEntries.map((v) => v.version)
    const unsatisfied = (range: string) => candidates.length === 0
      ? unavailable(baseBinary)
      : new RuntimeVersionUnsatisfied({
        runtime: runtime.ref, constraint: range, available: candidates.map(describeDetected), declared, requiredBy,
        ...(unverified.length === 0 ? {} : { unverified }),
      })

    if (baseBinary === undefined && runtime.versions.length === 0) {
      if (constraint !== undefined) explain.push(`runtime_version ${constraint} is not checked: ${runtime.ref} runs the entry point itself`)
      explain.push(`interpreter: none; ${runtime.ref} executes the entry point directly`)
      return { config: base, versionEntry: undefined, interpreter: undefined, explain }
    }

    if (constraint !== undefined && runtime.versions.length > 0) {
      const tried: Array<string> = []
      for (const entry of [...runtime.versions].sort(byVersionDescending)) {
        const config = entry.execution_config ?? base
        const binary = interpreterBinary(config)
        if (binary === undefined) continue
        if (failedEntries.includes(entry)) {
          tried.push(`${entry.version} (its distributions.verification failed on this host)`)
          continue
        }
        const entryRange = normalizeConstraint(entry.version)
        const own = Either.isRight(entryRange) ? entryRange.right : undefined
        const choice = yield* findInterpreter({
          binary, runtime, family, host,
          accept: (version) => (own === undefined || satisfies(version, own)) && satisfies(version, constraint),
        })
        if (Option.isSome(choice)) {
          explain.push(`version: runtime_version ${constraint} selects versions[] entry ${entry.version} of ${runtime.ref} (its execution_config replaces the runtime's)${tried.length === 0 ? "" : `; not available: ${tried.join(", ")}`}`)
          explain.push(`interpreter: ${choice.value.how}`)
          return { config, versionEntry: entry, interpreter: choice.value, explain }
        }
        tried.push(entry.version)
      }
      if (baseBinary !== undefined) {
        // Not in place of the base interpreter either: the interpreter of an entry that failed its verification.
        const failed = new Set(failedEntries.map((entry) => interpreterBinary(entry.execution_config ?? base))
          .filter((binary) => binary !== undefined && binary !== baseBinary))
        const fallback = yield* findInterpreter({
          binary: baseBinary, runtime, family, host, accept: (v) => satisfies(v, constraint),
          exclude: (r) => failed.has(r.name) || failed.has(r.path) || failed.has(r.realPath),
        })
        if (Option.isSome(fallback)) {
          explain.push(`version: no versions[] entry of ${runtime.ref} (${declared.join(", ")}) is available for ${constraint}; the base interpreter satisfies it`)
          explain.push(`interpreter: ${fallback.value.how}`)
          return { config: base, versionEntry: undefined, interpreter: fallback.value, explain }
        }
      }
      return yield* unsatisfied(constraint)
    }

    if (baseBinary === undefined) {
      // A native base with versions and no constraint: Attune runs the base configuration.
      explain.push(`interpreter: none; ${runtime.ref} executes the entry point directly`)
      return { config: base, versionEntry: undefined, interpreter: undefined, explain }
    }
    const choice = yield* findInterpreter({
      binary: baseBinary, runtime, family, host,
      ...(constraint === undefined ? {} : { accept: (v: string | null) => satisfies(v, constraint) }),
    })
    if (Option.isNone(choice)) return yield* (constraint === undefined ? unavailable(baseBinary) : unsatisfied(constraint))
    if (constraint !== undefined) explain.push(`version: ${choice.value.version} satisfies runtime_version ${constraint}`)
    else if (runtime.versions.length > 0) {
      explain.push(`version: no runtime_version, so the base execution_config of ${runtime.ref} is used (versions[] ${declared.join(", ")} apply only to a constraint)`)
    }
    explain.push(`interpreter: ${choice.value.how}`)
    return { config: base, versionEntry: undefined, interpreter: choice.value, explain }
  })

/**
 * `required_worker_runtimes` ({alias or runtime ref: constraint}): each needs an interpreter of its family on
 * this host whose version satisfies the constraint (`*` = any).
 */
export const checkRequiredRuntimes = <E>(options: {
  readonly action: Action
  readonly host: HostView
  /** Family of a runtime ref, when the key is a registered ref rather than an alias. */
  readonly familyOfRef: (ref: string) => Effect.Effect<string | undefined, E>
}): Effect.Effect<ReadonlyArray<string>, RuntimeUnavailableOnHost | RuntimeVersionUnsatisfied | InvalidVersionConstraint | E> =>
  Effect.gen(function* () {
    const { action, host } = options
    const explain: Array<string> = []
    const requiredBy = `required_worker_runtimes of ${action.ref}`
    for (const [alias, written] of Object.entries(action.required_worker_runtimes ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const family = (alias.includes(".") ? yield* options.familyOfRef(alias) : undefined) ?? normalizeRuntimeName(alias)
      const normalized = normalizeConstraint(written)
      if (Either.isLeft(normalized)) {
        return yield* new InvalidVersionConstraint({ action: action.ref, field: `required_worker_runtimes.${alias}`, constraint: normalized.left })
      }
      const constraint = normalized.right
      const candidates = host.report.runtimes.filter((r) => r.family === family || r.source === `template:${alias}`)
      if (candidates.length === 0) {
        return yield* new RuntimeUnavailableOnHost({ runtime: alias, family, detected: host.report.runtimes.map(describeDetected), requiredBy })
      }
      const found = constraint === undefined ? candidates[0] : candidates.find((r) => satisfies(r.version, constraint))
      if (found === undefined) {
        return yield* new RuntimeVersionUnsatisfied({
          runtime: alias, constraint: constraint ?? "*", available: candidates.map(describeDetected), declared: [], requiredBy,
        })
      }
      explain.push(`required runtime ${alias} ${constraint ?? "*"}: ${describeDetected(found)}`)
    }
    return explain
  })
