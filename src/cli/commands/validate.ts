/** `packsmith validate [paths..]`: report every problem in the packs; exit 1 on errors (or warnings with --strict). */
import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { PackCompiler } from "../../compiler/PackCompiler.js"
import { invalidInput } from "../CliFailure.js"
import { countBySeverity, diagnosticJson, formatDiagnostic, formatSummary, printJson } from "../render.js"
import { orDefaultPaths, packPaths } from "./paths.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print { ok, errors, warnings, packs, shipped_packs, files, diagnostics } as JSON"))
const strict = Options.boolean("strict").pipe(Options.withDescription("Treat warnings as failures (exit 1)"))

export const validateCommand = Command.make("validate", { paths: packPaths, json, strict }, ({ paths, json, strict }) =>
  Effect.gen(function* () {
    const compiler = yield* PackCompiler
    const report = yield* compiler.validate(orDefaultPaths(paths))
    const { errors, warnings } = countBySeverity(report.diagnostics)
    const ok = errors === 0 && (!strict || warnings === 0)
    if (json) {
      yield* Console.log(printJson({
        ok, errors, warnings, packs: report.packs, shipped_packs: report.shippedPacks, files: report.files,
        diagnostics: report.diagnostics.map(diagnosticJson),
      }))
    } else {
      for (const d of report.diagnostics) yield* Console.log(formatDiagnostic(d))
      yield* Console.log(formatSummary(report.diagnostics, report.packs.length, report.files, report.shippedPacks))
    }
    if (!ok) return yield* invalidInput("")
  })).pipe(
  Command.withDescription(
    "Check packs without writing anything. Every problem is reported with file:line:column, a stable code " +
      "(see docs/diagnostics.md) and a hint. Exit 0 when clean, 1 on errors (or warnings with --strict).",
  ),
  Command.provide(PackCompiler.Default),
)
