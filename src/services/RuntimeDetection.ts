/**
 * Which interpreters this host has. Binaries are found by stat on PATH, resolved through symlinks and
 * version-manager shims, and asked for their version in parallel under a timeout, the family whose probes
 * took longest last time first. Answers are cached by (real path, size, mtime, inode), so a warm detection
 * only stats. Registered runtime templates are verified too.
 */
import * as os from "node:os"
import * as nodePath from "node:path"
import { Clock, Duration, Effect, Layer } from "effect"
import { DetectedRuntime, DetectionProblem, DetectionReport, TemplateVerification } from "../domain/Detection.js"
import type { Runtime } from "../domain/Runtime.js"
import { CACHE_FILE_NAME, DEFAULT_CACHE_DIR, loadCache, saveCache } from "./RuntimeDetection/cache.js"
import { detectFamily, locateFamily } from "./RuntimeDetection/examine.js"
import { FAMILY_SPECS } from "./RuntimeDetection/families.js"
import { currentCaller, pathDirectories } from "./RuntimeDetection/locate.js"
import { guessMillis, startOrder } from "./RuntimeDetection/order.js"
import { makeRun } from "./RuntimeDetection/run.js"
import { verifyTemplate } from "./RuntimeDetection/templates.js"
import { detectVersionBinary, versionBinaries } from "./RuntimeDetection/versions.js"

export interface DetectOptions {
  /** The PATH to search, `:`-separated; defaults to this process's PATH. */
  readonly path?: string
  /** Registered runtime templates whose `distributions.verification` is checked as well. */
  readonly templates?: ReadonlyArray<Runtime>
  /** Probe everything again; the fresh answers replace the cached ones. */
  readonly refresh?: boolean
  /** Limit for each probe, after which its process group is killed; default 3 seconds. */
  readonly probeTimeout?: Duration.DurationInput
  /** Where `detection-cache.json` is kept; default `.packsmith/cache`. */
  readonly cacheDir?: string
  /**
   * Give the slowest probe a CPU of its own and the other probes the rest (Linux with taskset and two CPUs or
   * more; see RuntimeDetection/placement.ts); default true. False leaves every probe to the scheduler.
   */
  readonly placeProbes?: boolean
}

export const DEFAULT_PROBE_TIMEOUT = Duration.seconds(3)

/**
 * Probes are interpreter start-ups: short CPU bursts between forks and execs. Two per core keeps the cores
 * busy while a shim's chain of processes waits on itself; on 2 cores this measured the same as one probe per
 * family at once, and it bounds a host with many templates.
 */
const PROBE_CONCURRENCY = Math.max(2, 2 * os.availableParallelism())

export class RuntimeDetection extends Effect.Service<RuntimeDetection>()("packsmith/RuntimeDetection", {
  effect: Effect.gen(function* () {
    const detect = Effect.fn("RuntimeDetection.detect")(
      function* (options: DetectOptions = {}) {
        const searched = options.path ?? (yield* Effect.sync(() => process.env.PATH ?? ""))
        const cacheFile = nodePath.join(options.cacheDir ?? DEFAULT_CACHE_DIR, CACHE_FILE_NAME)
        // Read even on refresh: records of binaries not seen in this run are kept when the file is rewritten.
        const loaded = yield* loadCache(cacheFile)
        const run = yield* makeRun({
          caller: yield* currentCaller,
          directories: pathDirectories(searched),
          timeout: Duration.decode(options.probeTimeout ?? DEFAULT_PROBE_TIMEOUT),
          cached: options.refresh === true ? new Map() : loaded.records,
          ...(options.placeProbes === false ? { placement: () => undefined } : {}),
        })
        if (loaded.problem !== undefined) run.problems.push(loaded.problem)
        // Whatever way it ends, the launcher and any probe still running are stopped and their files removed.
        const detectWith = Effect.gen(function* () {

          // Families timed by an earlier detection are located only when their turn comes, so that the first
          // (slowest) probe is spawned before the rest of PATH is searched; the others are located up front and
          // placed by a guess.
          const untimed = new Map(yield* Effect.forEach(
            FAMILY_SPECS.filter((spec) => !loaded.probeMillis.has(spec.family)),
            (spec) => Effect.map(locateFamily(run, spec), (binaries) => [spec, binaries] as const),
          ))
          const probeMillis = new Map(loaded.probeMillis)
          const detected = yield* Effect.forEach(
            startOrder(FAMILY_SPECS, (spec) => {
              const binaries = untimed.get(spec)
              return binaries === undefined ? loaded.probeMillis.get(spec.family) ?? 0 : guessMillis(run, spec, binaries)
            }),
            (spec) =>
              Effect.gen(function* () {
                const binaries = untimed.get(spec) ?? (yield* locateFamily(run, spec))
                const started = yield* Clock.currentTimeMillis
                const { probed, runtimes } = yield* detectFamily(run, spec, binaries)
                if (probed || binaries.length === 0) {
                  probeMillis.set(spec.family, binaries.length === 0 ? 0 : (yield* Clock.currentTimeMillis) - started)
                }
                return { spec, runtimes }
              }),
            { concurrency: PROBE_CONCURRENCY },
          )
          const runtimes: Array<DetectedRuntime> = FAMILY_SPECS.flatMap((spec) =>
            detected.find((d) => d.spec === spec)?.runtimes ?? [])

          // The interpreters registered runtimes name for their versions[] (python3.12 beside python3).
          const versioned = yield* Effect.forEach(versionBinaries(options.templates ?? []), (binary) => detectVersionBinary(run, binary), {
            concurrency: PROBE_CONCURRENCY,
          })
          for (const runtime of versioned.flat()) {
            if (!runtimes.some((r) => sameInterpreter(r, runtime))) runtimes.push(runtime)
          }

          const templates: Array<TemplateVerification> = []
          const verified = yield* Effect.forEach(options.templates ?? [], (template) => verifyTemplate(run, template), {
            concurrency: PROBE_CONCURRENCY,
          })
          for (const result of verified.flat()) {
            templates.push(result.verification)
            const runtime = result.runtime
            if (runtime !== undefined && !runtimes.some((r) => sameInterpreter(r, runtime))) runtimes.push(runtime)
          }

          if (run.probed.size > 0 || loaded.problem !== undefined) {
            const problem = yield* saveCache(cacheFile, {
              records: new Map([...loaded.records, ...run.probed]),
              probeMillis,
            })
            if (problem !== undefined) run.problems.push(problem)
          }
          // Every element was validated when it was made; checking the arrays again would only delay the answer.
          return new DetectionReport({
            runtimes,
            templates,
            problems: stableProblemOrder(run.problems, options.templates ?? []),
          }, true)
        })
        return yield* Effect.ensuring(detectWith, run.release)
      },
    )

    return { detect } as const
  }),
}) {
  /** A detection that always answers with the given report. */
  static readonly Test = (report: DetectionReport): Layer.Layer<RuntimeDetection> =>
    Layer.succeed(RuntimeDetection, new RuntimeDetection({ detect: () => Effect.succeed(report) }))
}

const sameInterpreter = (a: DetectedRuntime, b: DetectedRuntime): boolean =>
  a.family === b.family && a.realPath === b.realPath

/**
 * Problems of concurrent probes arrive in any order; report them by cache, family order, then template order.
 * A PATH entry that no family could search is reported once, by the first family in that order.
 */
const stableProblemOrder = (
  problems: ReadonlyArray<DetectionProblem>,
  templates: ReadonlyArray<Runtime>,
): ReadonlyArray<DetectionProblem> => {
  const rank = (problem: DetectionProblem): number => {
    if (problem.template !== undefined) return 1000 + templates.findIndex((t) => t.ref === problem.template)
    const family = FAMILY_SPECS.findIndex((spec) => spec.family === problem.family)
    return family === -1 ? 0 : 1 + family
  }
  // Each family's message names the file it looked for; the directory is what is wrong.
  const reportedLookups = new Set<string>()
  const firstReport = (problem: DetectionProblem): boolean => {
    if (problem.kind !== "lookup" || problem.path === undefined) return true
    if (reportedLookups.has(problem.path)) return false
    reportedLookups.add(problem.path)
    return true
  }
  return problems.map((problem, index) => ({ problem, index }))
    .sort((a, b) => rank(a.problem) - rank(b.problem) || a.index - b.index)
    .map(({ problem }) => problem)
    .filter(firstReport)
}
