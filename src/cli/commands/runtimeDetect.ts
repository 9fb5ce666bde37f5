/**
 * `packsmith runtime detect`: the interpreters this host has, as an aligned table (warnings on stderr) or,
 * with --json, as `{ runtimes, problems }` (plus `registration` with --register).
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option, Schema } from "effect"
import { DetectedRuntime, DetectionProblem, type DetectionReport } from "../../domain/Detection.js"
import type { Runtime } from "../../domain/Runtime.js"
import { Registry } from "../../services/Registry.js"
import { type AutoRegistrationReport, RuntimeAutoRegistration } from "../../services/RuntimeAutoRegistration.js"
import { RuntimeDetection } from "../../services/RuntimeDetection.js"
import { formatTable } from "../render.js"
import { dbOption, withRegistry, workspaceOption } from "./database.js"

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
  return formatTable(rows)
}

const register = Options.boolean("register").pipe(
  Options.withDescription(
    "Register each detected interpreter that no registered runtime provides on this host as auto.<family> " +
      "(cloned from core.<name> when that template exists)",
  ),
)

/** The workspace's registered runtimes, as templates whose verification commands detection runs too. */
const registeredTemplates = (workspace: string) =>
  Effect.flatMap(Registry, (registry) => registry.listRuntimes(workspace)).pipe(
    Effect.catchTag("NotFound", () => Effect.succeed([])),
    Effect.map((details) => details.map(({ runtime }): Runtime => ({
      ref: runtime.ref,
      pack_ref: runtime.pack_ref ?? "auto",
      name: runtime.name,
      aliases: runtime.aliases,
      distributions: runtime.distributions as Runtime["distributions"],
      execution_config: runtime.execution_config as Runtime["execution_config"],
      versions: [],
    }))),
  )

export const renderRegistration = (registration: AutoRegistrationReport): string =>
  [
    ...registration.registered.map((r) =>
      `registered ${r.ref} -> ${r.binary} (${r.template === null ? "minimal entry" : `cloned from ${r.template}`})`),
    ...registration.skipped.map((s) => `skipped ${s.family}: ${s.reason}`),
  ].join("\n")

export const runtimeDetectCommand = Command.make(
  "detect",
  { cacheDir, json, refresh, register, workspace: workspaceOption, db: dbOption },
  ({ cacheDir, json, refresh, register, workspace, db }) =>
    Effect.gen(function* () {
      const detection = yield* RuntimeDetection
      const detectWith = (templates: ReadonlyArray<Runtime>) => detection.detect({
        refresh,
        templates,
        ...Option.match(cacheDir, { onNone: () => ({}), onSome: (dir) => ({ cacheDir: dir }) }),
      })
      const { report, registration } = register
        ? yield* withRegistry(db, Effect.gen(function* () {
          const report = yield* detectWith(yield* registeredTemplates(workspace))
          const auto = yield* RuntimeAutoRegistration
          return { report, registration: yield* auto.register(report, { workspace }) }
        }).pipe(Effect.provide(RuntimeAutoRegistration.Default)))
        : { report: yield* detectWith([]), registration: undefined }
      if (json) {
        const doc = JSON.parse(renderJson(report)) as Record<string, unknown>
        return yield* Console.log(JSON.stringify(registration === undefined ? doc : { ...doc, registration }, null, 2))
      }
      yield* Console.log(renderTable(report))
      for (const problem of report.problems) yield* Console.error(`warning: ${problem.message}`)
      if (registration !== undefined) {
        const lines = renderRegistration(registration)
        if (lines !== "") yield* Console.log(`\n${lines}`)
        for (const warning of registration.warnings) yield* Console.error(`warning: ${warning}`)
      }
    }),
).pipe(
  Command.withDescription(
    "List the interpreters on this host (shell, python, node, ruby, go, java, perl, r, deno, bun, php, lua) with their versions",
  ),
  Command.provide(RuntimeDetection.Default),
)
