/**
 * `packsmith start`: the main job on the embedded default. Validates and compiles the packs in ./packs,
 * writes the bundle to .packsmith/bundle.json and prints its digest.
 */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Console, Effect } from "effect"
import { PackCompiler } from "../../compiler/PackCompiler.js"
import { environmentError, invalidInput } from "../CliFailure.js"
import { formatDiagnostic, formatSummary } from "../render.js"
import { writeFileAtomic } from "./compile.js"

const packsDir = Options.directory("packs").pipe(
  Options.withDescription("Folder of packs to compile"),
  Options.withDefault("packs"),
)
const dataDir = Options.directory("data-dir").pipe(
  Options.withDescription("Where packsmith keeps its state"),
  Options.withDefault(process.env.PACKSMITH_DATA_DIR ?? ".packsmith"),
)

export const startCommand = Command.make("start", { packsDir, dataDir }, ({ packsDir, dataDir }) =>
  Effect.gen(function* () {
    const compiler = yield* PackCompiler
    const fs = yield* FileSystem.FileSystem
    yield* Console.log(`compiling ${packsDir} ...`)
    const result = yield* compiler.compile([packsDir]).pipe(
      Effect.catchTag("CompileFailed", (failed) =>
        Effect.zipRight(
          Effect.forEach(failed.diagnostics, (d) => Console.error(formatDiagnostic(d, process.stderr.isTTY === true)), { discard: true }),
          Effect.fail(invalidInput(`packs in ${packsDir} do not compile`)),
        )),
    )
    for (const d of result.diagnostics) yield* Console.error(formatDiagnostic(d, process.stderr.isTTY === true))
    yield* fs.makeDirectory(dataDir, { recursive: true }).pipe(
      Effect.mapError((e) => environmentError(`cannot create ${dataDir}: ${e.message}`)))
    const bundlePath = `${dataDir}/bundle.json`
    yield* writeFileAtomic(bundlePath, `${JSON.stringify(result.bundle)}\n`)
    yield* Console.log(`${formatSummary(result.diagnostics, result.packs.length, result.files)}; packs: ${result.packs.join(", ")}`)
    yield* Console.log(`bundle ${bundlePath}`)
    yield* Console.log(`digest ${result.bundle.digest}`)
  })).pipe(
  Command.withDescription("Compile ./packs on the embedded default and print the bundle digest"),
  Command.provide(PackCompiler.Default),
)
