/**
 * Runtime detection on this host's real PATH: cold detection (every family probed, cache bypassed) against
 * its floor measured in the same run (the slowest single probe, each family's first probe spawned alone and
 * waited for), and warm detection (answers from the cache). Rounds interleave the three; figures are medians,
 * the ratio is the median of each round's cold time over that round's floor. For scale, it also times the
 * same probes spawned all at once with bare child_process: what the host's cores allow before any detection work;
 * cold detection with every probe left to the scheduler (placeProbes: false); and, where detection gives the
 * slowest probe a CPU of its own (RuntimeDetection/placement.ts), each probe alone on one CPU (the slowest of them
 * is faster than the floor) and the ratio against that.
 *
 *   node --import tsx bench/detect.ts [rounds]
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { Duration, Effect } from "effect"
import { RuntimeDetection } from "../src/services/RuntimeDetection.js"
import { firstProbe, locateFamily } from "../src/services/RuntimeDetection/examine.js"
import { FAMILY_SPECS } from "../src/services/RuntimeDetection/families.js"
import { currentCaller, pathDirectories } from "../src/services/RuntimeDetection/locate.js"
import { placed, probePlacement } from "../src/services/RuntimeDetection/placement.js"
import { makeRun } from "../src/services/RuntimeDetection/run.js"

const rounds = Number(process.argv[2] ?? 21)

interface PlannedProbe {
  readonly family: string
  readonly file: string
  readonly args: ReadonlyArray<string>
}

/** Each family's first binary and the probe detection would spawn for it with nothing cached. */
const planProbes = Effect.gen(function* () {
  const run = yield* makeRun({
    caller: yield* currentCaller,
    directories: pathDirectories(process.env.PATH ?? ""),
    timeout: Duration.seconds(3),
    cached: new Map(),
  })
  const planned: Array<PlannedProbe> = []
  for (const spec of FAMILY_SPECS) {
    const [binary] = yield* locateFamily(run, spec)
    if (binary === undefined) continue
    const { args } = yield* firstProbe(spec, binary)
    planned.push({ family: spec.family, file: binary.path, args })
  }
  return planned
})

/** spawn -> close with both pipes drained, as detection runs a probe, without the Effect machinery. */
const spawnAlone = (probe: PlannedProbe): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(probe.file, [...probe.args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    })
    child.stdout.resume()
    child.stderr.resume()
    child.on("error", reject)
    child.on("close", () => resolve(performance.now() - started))
  })

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const started = performance.now()
    yield* effect
    return performance.now() - started
  })

const temporaryCacheDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "packsmith-bench-detect-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

const program = Effect.gen(function* () {
  const detection = yield* RuntimeDetection
  const cacheDir = yield* temporaryCacheDir
  const planned = yield* planProbes
  const placement = probePlacement()
  // Each probe as detection would start it if it were the first (the slowest expected): on a CPU of its own.
  const pinnedPlan = placement === undefined ? [] : planned.map((probe) => ({
    family: probe.family,
    ...placed(placement.taskset, placement.first, probe.file, probe.args),
  }))
  const cold: Array<number> = []
  const unplaced: Array<number> = []
  const pinned: Array<number> = []
  const together: Array<number> = []
  const warm: Array<number> = []
  const alone = planned.map(() => [] as Array<number>)

  // One unmeasured round: module loading and JIT are not what is measured.
  yield* detection.detect({ refresh: true, cacheDir })
  const measureCold = timed(detection.detect({ refresh: true, cacheDir })).pipe(Effect.map((ms) => cold.push(ms)))
  const measureAlone = Effect.forEach(planned, (probe, index) =>
    Effect.promise(() => spawnAlone(probe)).pipe(Effect.map((ms) => alone[index]!.push(ms))))
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first: a probe right after another run of the same interpreter is a little faster.
    yield* round % 2 === 0 ? Effect.zipRight(measureCold, measureAlone) : Effect.zipRight(measureAlone, measureCold)
    together.push(yield* timed(Effect.promise(() => Promise.all(planned.map(spawnAlone)))))
    unplaced.push(yield* timed(detection.detect({ refresh: true, cacheDir, placeProbes: false })))
    if (pinnedPlan.length > 0) {
      pinned.push(Math.max(...(yield* Effect.forEach(pinnedPlan, (probe) => Effect.promise(() => spawnAlone(probe))))))
    }
    warm.push(yield* timed(detection.detect({ cacheDir })))
  }
  const report = yield* detection.detect({ cacheDir })

  const probeMedians = planned.map((probe, index) => ({ probe, ms: median(alone[index]!) }))
  const floor = Math.max(...probeMedians.map((p) => p.ms))
  const coldMs = median(cold)
  const warmMs = median(warm)
  // Each round's cold run against the floor measured next to it: the host's load drifts between rounds.
  const ratio = median(cold.map((ms, round) => ms / Math.max(...alone.map((runs) => runs[round]!))))
  const show = (probe: PlannedProbe) => {
    const command = [probe.file, ...probe.args].join(" ")
    return command.length > 64 ? `${command.slice(0, 61)}...` : command
  }
  const line = (label: string, value: string, note = "") => `  ${label.padEnd(66)} ${value.padStart(9)}  ${note}`
  const lines = [
    `runtime detection, real PATH (${pathDirectories(process.env.PATH ?? "").length} entries), `
    + `${os.availableParallelism()} cores (load average ${os.loadavg()[0]!.toFixed(1)}), ${rounds} interleaved rounds, medians`,
    `  found: ${report.runtimes.map((r) => `${r.name} ${r.version ?? "-"}${r.viaShim === true ? " (shim)" : ""}`).join(", ")}`,
    "  each family's first probe, spawned alone:",
    ...probeMedians.map(({ ms, probe }) => line(`    ${probe.family.padEnd(7)} ${show(probe)}`, `${ms.toFixed(1)} ms`)),
    line("the same probes spawned all at once, bare (what the cores allow)", `${median(together).toFixed(1)} ms`),
    line("cold detection (refresh, every family probed)", `${coldMs.toFixed(1)} ms`),
    line("floor (slowest single probe alone)", `${floor.toFixed(1)} ms`),
    line("ratio cold / floor (median of per-round ratios)", `${ratio.toFixed(2)}x`, "target <= 1.3x"),
    line("warm detection (cached, stat only)", `${warmMs.toFixed(2)} ms`, "target <= 5 ms"),
    line("cold detection, every probe left to the scheduler (placeProbes: false)", `${median(unplaced).toFixed(1)} ms`),
    ...(placement === undefined
      ? ["  (no probe placement on this host: not Linux, no taskset, or fewer than two CPUs)"]
      : [
        line(`slowest probe alone on CPU ${placement.first}, as detection starts it`, `${median(pinned).toFixed(1)} ms`),
        line("ratio cold / that", `${median(cold.map((ms, round) => ms / pinned[round]!)).toFixed(2)}x`),
      ]),
  ]
  yield* Effect.sync(() => console.log(lines.join("\n")))
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(RuntimeDetection.Default))).catch(
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
