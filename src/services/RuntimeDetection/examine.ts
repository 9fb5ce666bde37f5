/**
 * Detecting one family: find its binaries (preferred paths, then PATH), resolve symlinks and version-manager
 * shims, read each version from the cache or from a probe, and keep one entry per distinct interpreter.
 */
import * as nodePath from "node:path"
import { Effect, Either, Option } from "effect"
import { type DetectionCacheRecord, DetectedRuntime, DetectionProblem } from "../../domain/Detection.js"
import { detectKey, stampMatches } from "./cache.js"
import { type FamilySpec, firstLine, isFamilyName, parseVersion, splitSelfQuery } from "./families.js"
import {
  type FileStamp,
  findExecutable,
  findOnPath,
  type Found,
  isInShimDirectory,
  isScript,
  LookupFailure,
  realPathOf,
  stampFile,
} from "./locate.js"
import {
  answered,
  type DetectionRun,
  type ProbeFailure,
  showCommand,
  stampRecord,
  unanswered,
  warn,
  warnLookup,
} from "./run.js"

export interface LocatedBinary {
  /** The name it was found under (python3, sh). */
  readonly name: string
  readonly path: string
  readonly realPath: string
  readonly stamp: FileStamp
}

/**
 * A PATH directory that cannot be searched is reported once per family, not once per name looked up in it;
 * the report keeps one (see RuntimeDetection), whichever family happened to search it first.
 */
const warnPathEntry = (run: DetectionRun, failure: LookupFailure, family: string): Effect.Effect<void> => {
  const directory = nodePath.dirname(failure.path)
  return run.problems.some((p) => p.kind === "lookup" && p.path === directory && p.family === family)
    ? Effect.void
    : warn(run, new DetectionProblem({
      kind: "lookup",
      message: `cannot search PATH entry ${directory}: ${failure.reason}`,
      path: directory,
      family,
    }))
}

/** The family's binaries in preference order, one per real file. */
export const locateFamily = (run: DetectionRun, spec: FamilySpec): Effect.Effect<ReadonlyArray<LocatedBinary>> =>
  Effect.gen(function* () {
    const located: Array<LocatedBinary> = []
    const add = (name: string, found: Found) =>
      Effect.gen(function* () {
        const realPath = yield* Effect.either(realPathOf(found.path))
        if (Either.isLeft(realPath)) return yield* warnLookup(run, realPath.left, spec.family)
        if (located.some((b) => b.realPath === realPath.right)) return
        located.push({ name, path: found.path, realPath: realPath.right, stamp: found.stamp })
      })
    for (const preferred of spec.preferredPaths) {
      const found = yield* Effect.either(findExecutable(run.caller, preferred))
      if (Either.isLeft(found)) yield* warnLookup(run, found.left, spec.family)
      else if (Option.isSome(found.right)) yield* add(nodePath.basename(preferred), found.right.value)
    }
    for (const name of spec.names) {
      const { failures, found } = yield* findOnPath(run.caller, name, run.directories)
      for (const failure of failures) yield* warnPathEntry(run, failure, spec.family)
      if (Option.isSome(found)) yield* add(name, found.value)
    }
    return located
  })

/** Whether probing this binary goes through a version manager, the slow kind of probe; used to start those first. */
export const looksLikeShim = (spec: FamilySpec, binary: LocatedBinary): boolean =>
  isInShimDirectory(binary.path)
  || (spec.selfQuery !== undefined && !isFamilyName(spec, nodePath.basename(binary.realPath)))

interface FamilyState {
  /** Records kept so far in this family, by the interpreter's real path. */
  readonly records: Map<string, DetectionCacheRecord>
  /** Shim directory -> bin directory of the interpreter it forwarded to. */
  readonly shimTargets: Map<string, string>
}

export interface FamilyDetection {
  readonly runtimes: ReadonlyArray<DetectedRuntime>
  /** Whether any of its binaries had to be probed (none answered from the cache). */
  readonly probed: boolean
}

export const detectFamily = (
  run: DetectionRun,
  spec: FamilySpec,
  located: ReadonlyArray<LocatedBinary>,
): Effect.Effect<FamilyDetection> =>
  Effect.gen(function* () {
    const runtimes: Array<DetectedRuntime> = []
    const state: FamilyState = { records: new Map(), shimTargets: new Map() }
    let probed = false
    for (const binary of located) {
      const key = detectKey(binary.realPath, binary.name)
      const cached = yield* freshRecord(run, key, binary)
      probed ||= cached === undefined
      const record = cached ?? (yield* probeBinary(run, spec, binary, state))
      if (record === undefined) continue
      run.examined.set(key, record)
      if (cached === undefined) run.probed.set(key, record)
      if (record.viaShim && record.executable !== undefined && isInShimDirectory(binary.path)) {
        state.shimTargets.set(nodePath.dirname(binary.path), nodePath.dirname(record.executable))
      }
      if (state.records.has(record.realPath)) continue
      state.records.set(record.realPath, record)
      runtimes.push(yield* interpret(run, spec, binary, record, cached === undefined ? "path" : "cache"))
    }
    return { runtimes, probed }
  })

/**
 * The cached record for this binary when every file it depends on is unchanged. A file that cannot be
 * examined any more makes the record stale; probing it again reports what is wrong with it.
 */
export const freshRecord = (
  run: DetectionRun,
  key: string,
  binary: { readonly realPath: string; readonly stamp: FileStamp },
): Effect.Effect<DetectionCacheRecord | undefined> =>
  Effect.gen(function* () {
    const record = run.cached.get(key)
    const [first, ...rest] = record?.files ?? []
    if (record === undefined || first === undefined) return undefined
    if (first.path !== binary.realPath || !stampMatches(first, binary.stamp)) return undefined
    for (const file of rest) {
      const stamp = yield* Effect.either(stampFile(file.path))
      if (Either.isLeft(stamp) || Option.isNone(stamp.right) || !stampMatches(file, stamp.right.value)) return undefined
    }
    return record
  })

/**
 * The first probe a binary needs when nothing is cached: a self-query when it may be a shim or wrapper
 * script of a family that can name its interpreter, else the family's version probe.
 */
export const firstProbe = (
  spec: FamilySpec,
  binary: LocatedBinary,
): Effect.Effect<{ readonly args: ReadonlyArray<string>; readonly selfQuery: boolean }> =>
  Effect.gen(function* () {
    if (spec.selfQuery !== undefined && (looksLikeShim(spec, binary) || (yield* isScript(binary.realPath)))) {
      return { args: spec.selfQuery, selfQuery: true }
    }
    return { args: spec.probe(nodePath.basename(binary.realPath)).args, selfQuery: false }
  })

const probeBinary = (
  run: DetectionRun,
  spec: FamilySpec,
  binary: LocatedBinary,
  state: FamilyState,
): Effect.Effect<DetectionCacheRecord | undefined> =>
  Effect.gen(function* () {
    const first = yield* firstProbe(spec, binary)
    if (first.selfQuery) {
      const resolved = yield* resolveShim(run, spec, first.args, binary, state)
      if (resolved !== "fall back") return resolved
    }
    return yield* probeVersion(run, spec, binary, binary.path, {
      files: [stampRecord(binary.realPath, binary.stamp)],
      realPath: binary.realPath,
      viaShim: isInShimDirectory(binary.path),
    })
  })

/** Runs the family's version probe on `file` (the binary itself, or the interpreter a shim forwards to). */
const probeVersion = (
  run: DetectionRun,
  spec: FamilySpec,
  binary: LocatedBinary,
  file: string,
  base: Pick<DetectionCacheRecord, "files" | "realPath" | "viaShim" | "executable">,
): Effect.Effect<DetectionCacheRecord | undefined> =>
  Effect.gen(function* () {
    const { args } = spec.probe(nodePath.basename(base.realPath))
    const answer = answered(yield* run.probe(file, args), 0)
    if (Either.isLeft(answer)) return yield* warnUnanswered(run, spec, binary, file, args, answer.left)
    return { ...base, args, exitCode: answer.right.exitCode, stdout: answer.right.stdout, stderr: answer.right.stderr }
  })

const warnUnanswered = (
  run: DetectionRun,
  spec: FamilySpec,
  binary: LocatedBinary,
  file: string,
  args: ReadonlyArray<string>,
  failure: ProbeFailure,
): Effect.Effect<undefined> =>
  Effect.as(
    warn(run, new DetectionProblem({
      kind: failure.kind,
      message: `${file}: \`${showCommand(nodePath.basename(file), args)}\` ${failure.why}`,
      family: spec.family,
      path: binary.path,
    })),
    undefined,
  )

/**
 * Asks a shim (or wrapper script) which interpreter it runs. A shim directory forwards every name to the bin
 * directory of the version it selected, so once one name is resolved its siblings are found by a stat.
 * "fall back" means the binary answered but not with a path: read its version through it instead.
 */
const resolveShim = (
  run: DetectionRun,
  spec: FamilySpec,
  selfQuery: ReadonlyArray<string>,
  binary: LocatedBinary,
  state: FamilyState,
): Effect.Effect<DetectionCacheRecord | undefined | "fall back"> =>
  Effect.gen(function* () {
    const unresolved = (why: string) =>
      warn(run, new DetectionProblem({
        kind: "unresolved-shim",
        message: `${binary.path} looks like a shim or wrapper script, but ${why}; its version is read through it`,
        family: spec.family,
        path: binary.path,
      }))

    const selectedDirectory = state.shimTargets.get(nodePath.dirname(binary.path))
    if (selectedDirectory !== undefined) {
      const sibling = yield* resolveSibling(run, spec, binary, nodePath.join(selectedDirectory, binary.name), state)
      if (sibling !== "absent") return sibling
    }

    const outcome = yield* run.probe(binary.path, selfQuery)
    if (outcome._tag !== "Exited") {
      return yield* warnUnanswered(run, spec, binary, binary.path, selfQuery, unanswered(outcome))
    }
    // It ran but did not name an interpreter (an error exit, or a wrapper that ignores the query).
    const answer = answered(outcome, 0)
    const executable = Either.isRight(answer) ? splitSelfQuery(answer.right.stdout) : undefined
    if (executable === undefined) {
      const why = Either.isLeft(answer)
        ? answer.left.why
        : `printed no interpreter path (${JSON.stringify(firstLine(outcome.stdout, outcome.stderr))})`
      yield* unresolved(`\`${showCommand(binary.name, selfQuery)}\` ${why}`)
      return "fall back"
    }
    const reported = yield* Effect.either(examineReported(executable.path))
    if (Either.isLeft(reported)) {
      yield* unresolved(`the interpreter it reported, ${executable.path}, cannot be examined (${reported.left.reason})`)
      return "fall back"
    }
    const { realPath, stamp } = reported.right
    const viaShim = realPath !== binary.realPath
    return {
      files: viaShim
        ? [stampRecord(binary.realPath, binary.stamp), stampRecord(realPath, stamp)]
        : [stampRecord(binary.realPath, binary.stamp)],
      realPath,
      viaShim,
      executable: executable.path,
      args: selfQuery,
      exitCode: 0,
      stdout: executable.rest,
      stderr: outcome.stderr,
    }
  })

const examineReported = (executable: string): Effect.Effect<{ realPath: string; stamp: FileStamp }, LookupFailure> =>
  Effect.gen(function* () {
    const realPath = yield* realPathOf(executable)
    const stamp = yield* stampFile(realPath)
    if (Option.isNone(stamp)) return yield* new LookupFailure({ path: realPath, reason: "it vanished" })
    return { realPath, stamp: stamp.value }
  })

/** The interpreter a shim forwards to when its directory already forwarded another name to `sibling`'s directory. */
const resolveSibling = (
  run: DetectionRun,
  spec: FamilySpec,
  binary: LocatedBinary,
  sibling: string,
  state: FamilyState,
): Effect.Effect<DetectionCacheRecord | undefined | "absent"> =>
  Effect.gen(function* () {
    const found = yield* findExecutable(run.caller, sibling)
    if (Option.isNone(found)) return "absent" as const
    const realPath = yield* realPathOf(sibling)
    const base = {
      files: [stampRecord(binary.realPath, binary.stamp), stampRecord(realPath, found.value.stamp)],
      realPath,
      viaShim: true,
      executable: sibling,
    }
    const known = state.records.get(realPath)
    return known !== undefined ? { ...known, ...base } : yield* probeVersion(run, spec, binary, sibling, base)
  }).pipe(
    Effect.catchTag("LookupFailure", (failure) => Effect.as(warnLookup(run, failure, spec.family), "absent" as const)),
  )

const interpret = (
  run: DetectionRun,
  spec: FamilySpec,
  binary: LocatedBinary,
  record: DetectionCacheRecord,
  source: "path" | "cache",
): Effect.Effect<DetectedRuntime> =>
  Effect.gen(function* () {
    const { pattern } = spec.probe(nodePath.basename(record.realPath))
    const parsed = pattern === null ? undefined : parseVersion(pattern, record.stdout, record.stderr)
    const said = firstLine(record.stdout, record.stderr)
    if (pattern !== null && parsed === undefined) {
      yield* warn(run, new DetectionProblem({
        kind: "unparsable-version",
        message: `${binary.path}: \`${showCommand(binary.name, record.args)}\` printed no recognizable ${spec.family} `
          + `version (${JSON.stringify(said)})`,
        family: spec.family,
        path: binary.path,
      }))
    }
    const versionRaw = parsed?.raw ?? (pattern !== null && said !== "" ? said : undefined)
    return new DetectedRuntime({
      family: spec.family,
      name: binary.name,
      path: binary.path,
      realPath: record.realPath,
      version: parsed?.version ?? null,
      ...(versionRaw === undefined ? {} : { versionRaw }),
      source,
      ...(record.viaShim ? { viaShim: true } : {}),
    })
  })
