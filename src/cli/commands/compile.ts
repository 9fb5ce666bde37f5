/** `packsmith compile [paths..] -o bundle.json`: validate, emit the bundle atomically, print its digest. */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Console, Effect } from "effect"
import { PackCompiler } from "../../compiler/PackCompiler.js"
import { environmentError } from "../CliFailure.js"
import { diagnosticJson, formatCounts, formatDiagnostic, formatSummary, printJson, reportCompileFailure } from "../render.js"
import { orDefaultPaths, packPaths } from "./paths.js"

const output = Options.file("output").pipe(
  Options.withAlias("o"),
  Options.withDescription("Where to write the bundle (JSON); default bundle.json"),
  Options.withDefault("bundle.json"),
)
const workspace = Options.text("workspace").pipe(
  Options.withDescription("Workspace recorded in the bundle envelope"),
  Options.withDefault("default"),
)
const json = Options.boolean("json").pipe(Options.withDescription("Print { ok, digest, output, packs, shipped_packs, files, diagnostics } as JSON"))

/** Writes next to the target and renames, so a reader never sees half a bundle. */
export const writeFileAtomic = (target: string, text: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const temp = `${target}.${process.pid}.tmp`
    yield* fs.writeFileString(temp, text)
    yield* fs.rename(temp, target).pipe(Effect.tapError(() => fs.remove(temp).pipe(Effect.ignore)))
  }).pipe(Effect.mapError((error) => environmentError(`cannot write ${target}: ${error.message}`)))

export const compileCommand = Command.make("compile", { paths: packPaths, output, workspace, json }, ({ paths, output, workspace, json }) =>
  Effect.gen(function* () {
    const compiler = yield* PackCompiler
    const result = yield* compiler.compile(orDefaultPaths(paths), { workspace }).pipe(
      Effect.catchTag("CompileFailed", (failed) =>
        reportCompileFailure(failed, { json, headline: `compile failed: ${formatCounts(failed.diagnostics)}` })),
    )
    yield* writeFileAtomic(output, `${JSON.stringify(result.bundle)}\n`)
    if (json) {
      yield* Console.log(printJson({
        ok: true, digest: result.bundle.digest, output, packs: result.packs, shipped_packs: result.shippedPacks, files: result.files,
        diagnostics: result.diagnostics.map(diagnosticJson),
      }))
    } else {
      for (const d of result.diagnostics) yield* Console.error(formatDiagnostic(d, process.stderr.isTTY === true))
      yield* Console.error(`wrote ${output} (${formatSummary(result.diagnostics, result.packs.length, result.files, result.shippedPacks)})`)
      yield* Console.log(result.bundle.digest)
    }
  })).pipe(
  Command.withDescription(
    "Compile packs into one content-addressed bundle. The digest (printed on stdout) is sha256 over the RFC 8785 " +
      "canonical JSON of the bundle body: the same sources give the same digest on any machine.",
  ),
  Command.provide(PackCompiler.Default),
)
