/**
 * Which interpreters this host has. Binaries are found by stat on PATH, resolved through symlinks and
 * version-manager shims, and asked for their version in parallel under a timeout. Answers are cached by
 * (real path, size, mtime, inode), so a warm detection only stats. Registered runtime templates are verified too.
 */
import * as os from "node:os"
import * as nodePath from "node:path"
import { Duration, Effect, Layer } from "effect"
import { DetectedRuntime, DetectionProblem, DetectionReport, TemplateVerification } from "../domain/Detection.js"
import type { Runtime } from "../domain/Runtime.js"
import { CACHE_FILE_NAME, DEFAULT_CACHE_DIR, detectKey, loadCache, saveCache } from "./RuntimeDetection/cache.js"
import { detectFamily, type LocatedBinary, locateFamily, looksLikeShim } from "./RuntimeDetection/examine.js"
import { FAMILY_SPECS, type FamilySpec } from "./RuntimeDetection/families.js"
import { currentCaller, pathDirectories } from "./RuntimeDetection/locate.js"
import { type DetectionRun, makeRun } from "./RuntimeDetection/run.js"
import { verifyTemplate } from "./RuntimeDetection/templates.js"

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
        })
        if (loaded.problem !== undefined) run.problems.push(loaded.problem)

        const located = yield* Effect.forEach(FAMILY_SPECS, (spec) =>
          Effect.map(locateFamily(run, spec), (binaries) => ({ spec, binaries })))
        const detected = yield* Effect.forEach(
          startOrder(run, located),
          ({ binaries, spec }) => Effect.map(detectFamily(run, spec, binaries), (runtimes) => ({ spec, runtimes })),
          { concurrency: PROBE_CONCURRENCY },
        )
        const runtimes: Array<DetectedRuntime> = FAMILY_SPECS.flatMap((spec) =>
          detected.find((d) => d.spec === spec)?.runtimes ?? [])

        const templates: Array<TemplateVerification> = []
        const verified = yield* Effect.forEach(options.templates ?? [], (template) => verifyTemplate(run, template), {
          concurrency: PROBE_CONCURRENCY,
        })
        for (const result of verified) {
          if (result === undefined) continue
          templates.push(result.verification)
          const runtime = result.runtime
          if (runtime !== undefined && !runtimes.some((r) => sameInterpreter(r, runtime))) runtimes.push(runtime)
        }

        if (run.probed.size > 0 || loaded.problem !== undefined) {
          const problem = yield* saveCache(cacheFile, new Map([...loaded.records, ...run.probed]))
          if (problem !== undefined) run.problems.push(problem)
        }
        return new DetectionReport({
          runtimes,
          templates,
          problems: stableProblemOrder(run.problems, options.templates ?? []),
        })
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
 * Families whose probe is slow (a version-manager shim, the JVM) start first, so that they overlap the quick
 * ones instead of starting after them. Families answered from the cache cost nothing.
 */
const startOrder = (
  run: DetectionRun,
  located: ReadonlyArray<{ readonly spec: FamilySpec; readonly binaries: ReadonlyArray<LocatedBinary> }>,
) => {
  const cost = ({ binaries, spec }: (typeof located)[number]) =>
    Math.max(0, ...binaries.map((binary) =>
      run.cached.has(detectKey(binary.realPath, binary.name)) ? 0
      : looksLikeShim(spec, binary) ? 3
      : spec.family === "java" ? 2
      : 1))
  return [...located].sort((a, b) => cost(b) - cost(a))
}

/** Problems of concurrent probes arrive in any order; report them by cache, family order, then template order. */
const stableProblemOrder = (
  problems: ReadonlyArray<DetectionProblem>,
  templates: ReadonlyArray<Runtime>,
): ReadonlyArray<DetectionProblem> => {
  const rank = (problem: DetectionProblem): number => {
    if (problem.template !== undefined) return 1000 + templates.findIndex((t) => t.ref === problem.template)
    const family = FAMILY_SPECS.findIndex((spec) => spec.family === problem.family)
    return family === -1 ? 0 : 1 + family
  }
  return problems.map((problem, index) => ({ problem, index }))
    .sort((a, b) => rank(a.problem) - rank(b.problem) || a.index - b.index)
    .map(({ problem }) => problem)
}
