/** `packsmith schema [kind]`: the JSON Schema of each pack file kind, for editors (yaml-language-server). */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { FILE_KIND_DIRECTORIES, FILE_KINDS, type FileKind, fileKindJsonSchema } from "../../domain/FileKinds.js"
import { environmentError, usageError } from "../CliFailure.js"
import { formatTable, printJson } from "../render.js"

const kind = Args.text({ name: "kind" }).pipe(Args.withDescription(`One of: ${FILE_KINDS.join(", ")}`), Args.optional)
const outputDir = Options.directory("output-dir").pipe(
  Options.withDescription("Write <kind>.schema.json for every kind into this directory"),
  Options.optional,
)

const isKind = (value: string): value is FileKind => (FILE_KINDS as ReadonlyArray<string>).includes(value)

export const schemaCommand = Command.make("schema", { kind, outputDir }, ({ kind, outputDir }) =>
  Effect.gen(function* () {
    if (Option.isSome(outputDir)) {
      const fs = yield* FileSystem.FileSystem
      yield* fs.makeDirectory(outputDir.value, { recursive: true }).pipe(
        Effect.mapError((e) => environmentError(`cannot create ${outputDir.value}: ${e.message}`)))
      for (const k of FILE_KINDS) {
        const file = `${outputDir.value}/${k}.schema.json`
        yield* fs.writeFileString(file, `${printJson(fileKindJsonSchema(k))}\n`).pipe(
          Effect.mapError((e) => environmentError(`cannot write ${file}: ${e.message}`)))
      }
      return yield* Console.log(`wrote ${FILE_KINDS.length} schemas to ${outputDir.value}`)
    }
    if (Option.isNone(kind)) {
      const where = new Map<string, string>()
      for (const [dir, k] of FILE_KIND_DIRECTORIES) if (!where.has(k)) where.set(k, dir)
      return yield* Console.log(formatTable([["KIND", "FILES"], ...FILE_KINDS.map((k) => [k, where.get(k) ?? "pack.yaml"])]))
    }
    if (!isKind(kind.value)) return yield* usageError(`unknown kind ${JSON.stringify(kind.value)}; expected one of: ${FILE_KINDS.join(", ")}`)
    yield* Console.log(printJson(fileKindJsonSchema(kind.value)))
  })).pipe(
  Command.withDescription(
    "Print the JSON Schema of a pack file kind. Point yaml-language-server at it with " +
      "`# yaml-language-server: $schema=<file>` or write them all with --output-dir.",
  ),
)
