/**
 * The state of one detection: where to look, the cache as read, the records probed so far, the problems met,
 * and a probe runner that spawns each (binary, args) at most once even when families and templates ask alike.
 */
import { Deferred, Duration, Effect, Either, FiberId } from "effect"
import { type DetectionCacheRecord, DetectionProblem } from "../../domain/Detection.js"
import { firstLine } from "./families.js"
import type { Caller, FileStamp, LookupFailure } from "./locate.js"
import { ProbeLauncher } from "./launcher.js"
import { isPlacementFailure, placed, type ProbePlacement, probePlacement } from "./placement.js"
import { probeEnvironment, type ProbeOutcome, spawnProbe } from "./probe.js"

export interface DetectionRun {
  readonly caller: Caller
  readonly directories: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  /** Records read from the cache; empty on refresh. */
  readonly cached: ReadonlyMap<string, DetectionCacheRecord>
  /** Records probed in this run, by cache key; merged into the cache at the end. */
  readonly probed: Map<string, DetectionCacheRecord>
  /** Every family record used in this run (cached or probed), by cache key; templates reuse shim resolutions. */
  readonly examined: Map<string, DetectionCacheRecord>
  readonly problems: Array<DetectionProblem>
  readonly probe: (file: string, args: ReadonlyArray<string>) => Effect.Effect<ProbeOutcome>
  /** Stops what is still running (the launcher and its probes, a probe spawned directly) and removes its files. */
  readonly release: Effect.Effect<void>
}

export const makeRun = (options: {
  readonly caller: Caller
  readonly directories: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  readonly cached: ReadonlyMap<string, DetectionCacheRecord>
  /**
   * Which CPUs the probes run on (placement.ts), asked with the first probe; default: this host's placement.
   * Returning undefined leaves every probe to the scheduler.
   */
  readonly placement?: () => ProbePlacement | undefined
}): Effect.Effect<DetectionRun> =>
  Effect.sync(() => {
    // Not Effect.cachedFunction: it runs the first call in a forked fiber, which starts only after the fibers
    // already scheduled; the first caller runs the probe itself, so that a probe started first spawns first.
    const outcomes = new Map<string, Deferred.Deferred<ProbeOutcome>>()
    // Made with the first probe: a warm detection probes nothing and need not copy the environment.
    let probeEnv: NodeJS.ProcessEnv | undefined
    const env = (): NodeJS.ProcessEnv => (probeEnv ??= probeEnvironment())
    // Probes spawned directly and not finished yet: what stops each. A spawn that fails at once settles before
    // spawnProbe returns, so the entry exists before its stop does.
    const running = new Set<{ stop: () => void }>()
    const direct = (file: string, args: ReadonlyArray<string>, settle: (outcome: ProbeOutcome) => void): void => {
      const entry = { stop: () => undefined as void }
      running.add(entry)
      entry.stop = spawnProbe(file, args, options.timeout, env(), (outcome) => {
        running.delete(entry)
        settle(outcome)
      })
    }
    // The first probe is spawned directly, at once: it is the slowest expected, and a launcher would only delay
    // it. It gets a CPU of its own when the host has CPUs to spare (placement.ts); the launcher, started with the
    // second probe, and every probe it starts get the others.
    let placement: ProbePlacement | undefined
    let launcher: ProbeLauncher | undefined
    let spawned = 0
    const spawnFirst = (file: string, args: ReadonlyArray<string>, settle: (outcome: ProbeOutcome) => void): void => {
      if (placement === undefined) return direct(file, args, settle)
      const pinned = placed(placement.taskset, placement.first, file, args)
      direct(pinned.file, pinned.args, (outcome) =>
        outcome._tag === "Exited" && isPlacementFailure(outcome.exitCode, outcome.stderr)
          ? direct(file, args, settle)
          : settle(outcome))
    }
    const start = (file: string, args: ReadonlyArray<string>): Effect.Effect<ProbeOutcome> =>
      Effect.async<ProbeOutcome>((resume) => {
        const settle = (outcome: ProbeOutcome) => resume(Effect.succeed(outcome))
        if (spawned++ === 0) {
          placement = (options.placement ?? probePlacement)()
          return spawnFirst(file, args, settle)
        }
        const cpus = placement === undefined ? undefined : { taskset: placement.taskset, cpus: placement.rest }
        launcher ??= ProbeLauncher.start(env(), direct, cpus)
        if (launcher === undefined) direct(file, args, settle)
        else launcher.run(file, args, options.timeout, settle)
      })
    const probe = (file: string, args: ReadonlyArray<string>): Effect.Effect<ProbeOutcome> =>
      Effect.suspend(() => {
        const key = [file, ...args].join("\u0000")
        const existing = outcomes.get(key)
        if (existing !== undefined) return Deferred.await(existing)
        const outcome = Deferred.unsafeMake<ProbeOutcome>(FiberId.none)
        outcomes.set(key, outcome)
        return Effect.intoDeferred(start(file, args), outcome).pipe(Effect.zipRight(Deferred.await(outcome)))
      })
    const release = Effect.sync(() => {
      launcher?.close()
      for (const { stop } of running) stop()
      running.clear()
    })
    return { ...options, probed: new Map(), examined: new Map(), problems: [], probe, release }
  })

export const warn = (run: DetectionRun, problem: DetectionProblem): Effect.Effect<void> =>
  Effect.sync(() => {
    run.problems.push(problem)
  })

export const warnLookup = (run: DetectionRun, failure: LookupFailure, family?: string): Effect.Effect<void> =>
  warn(run, new DetectionProblem({
    kind: "lookup",
    message: `cannot examine ${failure.path}: ${failure.reason}`,
    path: failure.path,
    ...(family === undefined ? {} : { family }),
  }))

/** How a probe is shown in messages: `python3 --version`. */
export const showCommand = (name: string, args: ReadonlyArray<string>): string =>
  [name, ...args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`))].join(" ")

export type ProbeAnswer = Extract<ProbeOutcome, { readonly _tag: "Exited" }>

export interface ProbeFailure {
  readonly kind: "timeout" | "exit-code" | "spawn-failed"
  /** Completes "`python3 --version` ...". */
  readonly why: string
}

/** Why a probe that did not exit gave no answer. */
export const unanswered = (outcome: Exclude<ProbeOutcome, ProbeAnswer>): ProbeFailure =>
  outcome._tag === "TimedOut"
    ? { kind: "timeout", why: `did not finish within ${Duration.format(outcome.after)} and was killed` }
    : { kind: "spawn-failed", why: `could not run: ${outcome.reason}` }

/** The probe's answer when it exited with the expected code; otherwise why not. */
export const answered = (outcome: ProbeOutcome, expectedExitCode: number): Either.Either<ProbeAnswer, ProbeFailure> => {
  if (outcome._tag !== "Exited") return Either.left(unanswered(outcome))
  if (outcome.exitCode === expectedExitCode) return Either.right(outcome)
  const said = firstLine(outcome.stderr, outcome.stdout)
  return Either.left({ kind: "exit-code", why: `exited with code ${outcome.exitCode}${said === "" ? "" : `: ${said}`}` })
}

export const stampRecord = (path: string, stamp: FileStamp) => ({
  path,
  size: stamp.size,
  mtimeMs: stamp.mtimeMs,
  ino: stamp.ino,
})
