/**
 * `packsmith runtime detect`: the interpreters this host has, as an aligned table (warnings on stderr) or,
 * with --json, as `{ runtimes, problems }`.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option, Schema } from "effect"
import { DetectedRuntime, DetectionProblem, type DetectionReport } from "../../domain/Detection.js"
import { RuntimeDetection } from "../../services/RuntimeDetection.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print { runtimes, problems } as JSON"))
const refresh = Options.boolean("refresh").pipe(
  Options.withDescription("Probe every interpreter again instead of answering from the cache"),
)
const cacheDir = Options.directory("cache-dir").pipe(
  Options.withDescription("Directory of detection-cache.json (default .packsmith/cache)"),
  Options.optional,
)

/** The --json document. Scripts read it, so its shape only grows. */
const DetectOutput = Schema.Struct({
  runtimes: Schema.Array(DetectedRuntime),
  problems: Schema.Array(DetectionProblem),
})
const encodeOutput = Schema.encodeSync(DetectOutput)

export const renderJson = (report: DetectionReport): string =>
  JSON.stringify(encodeOutput({ runtimes: report.runtimes, problems: report.problems }), null, 2)

/** NAME VERSION PATH SOURCE; a path that resolves elsewhere (symlink, shim) shows where, a shim says so. */
export const renderTable = (report: DetectionReport): string => {
  const rows: ReadonlyArray<ReadonlyArray<string>> = [
    ["NAME", "VERSION", "PATH", "SOURCE"],
    ...report.runtimes.map((runtime) => [
      runtime.name,
      runtime.version ?? "-",
      runtime.realPath === runtime.path ? runtime.path : `${runtime.path} -> ${runtime.realPath}`,
      runtime.viaShim === true ? `${runtime.source} (shim)` : runtime.source,
    ]),
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  "))
    .join("\n")
}

export const runtimeDetectCommand = Command.make(
  "detect",
  { cacheDir, json, refresh },
  ({ cacheDir, json, refresh }) =>
    Effect.gen(function* () {
      const detection = yield* RuntimeDetection
      const report = yield* detection.detect({
        refresh,
        ...Option.match(cacheDir, { onNone: () => ({}), onSome: (dir) => ({ cacheDir: dir }) }),
      })
      if (json) return yield* Console.log(renderJson(report))
      yield* Console.log(renderTable(report))
      for (const problem of report.problems) yield* Console.error(`warning: ${problem.message}`)
    }),
).pipe(
  Command.withDescription(
    "List the interpreters on this host (shell, python, node, ruby, go, java, perl, r, deno, bun, php, lua) with their versions",
  ),
  Command.provide(RuntimeDetection.Default),
)
