/**
 * `packsmith start`: the main job on the embedded default. Validates and compiles the packs in ./packs,
 * writes the bundle to .packsmith/bundle.json, prints its digest and registers it in the database
 * (--db / DATABASE_URL, else the embedded one).
 */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import * as path from "node:path"
import { Console, Effect } from "effect"
import { PackCompiler } from "../../compiler/PackCompiler.js"
import { BundleRegistry } from "../../services/BundleRegistry.js"
import { environmentError } from "../CliFailure.js"
import { formatDiagnostic, formatSummary, reportCompileFailure } from "../render.js"
import { writeFileAtomic } from "./compile.js"
import { dbOption, withRegistry, workspaceOption } from "./database.js"
import { resultLine } from "./pack.js"

const packsDir = Options.directory("packs").pipe(
  Options.withDescription("Folder of packs to compile"),
  Options.withDefault("packs"),
)
const bundleOut = Options.file("bundle-out").pipe(
  Options.withDescription("Where to write the compiled bundle"),
  Options.withDefault(".packsmith/bundle.json"),
)

export const startCommand = Command.make("start", { packsDir, bundleOut, db: dbOption, workspace: workspaceOption }, ({ packsDir, bundleOut, db, workspace }) =>
  Effect.gen(function* () {
    const compiler = yield* PackCompiler
    const fs = yield* FileSystem.FileSystem
    yield* Console.log(`compiling ${packsDir} ...`)
    const result = yield* compiler.compile([packsDir], { workspace }).pipe(
      Effect.catchTag("CompileFailed", (failed) =>
        reportCompileFailure(failed, { json: false, headline: `packs in ${packsDir} do not compile` })),
    )
    for (const d of result.diagnostics) yield* Console.error(formatDiagnostic(d, process.stderr.isTTY === true))
    const bundleDir = path.dirname(bundleOut)
    yield* fs.makeDirectory(bundleDir, { recursive: true }).pipe(
      Effect.mapError((e) => environmentError(`cannot create ${bundleDir}: ${e.message}`)))
    const bundlePath = bundleOut
    yield* writeFileAtomic(bundlePath, `${JSON.stringify(result.bundle)}\n`)
    yield* Console.log(`${formatSummary(result.diagnostics, result.packs.length, result.files)}; packs: ${result.packs.join(", ")}`)
    yield* Console.log(`bundle ${bundlePath}`)
    yield* Console.log(`digest ${result.bundle.digest}`)
    const registered = yield* withRegistry(db, Effect.flatMap(BundleRegistry, (registry) => registry.register(result.bundle, workspace)))
    yield* Console.log(resultLine(registered))
  })).pipe(
  Command.withDescription("Compile ./packs, print the bundle digest and register it (embedded database unless --db or DATABASE_URL)"),
  Command.provide(PackCompiler.Default),
)
