/**
 * `packsmith pack register|list|show`: put packs into the registry (a directory is compiled first, a bundle
 * file is verified) and see what a workspace holds.
 */
import { Args, Command } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Console, Effect } from "effect"
import { PackCompiler } from "../../compiler/PackCompiler.js"
import { PACK_SECTIONS } from "../../domain/Bundle.js"
import {
  BundleRegistry, type ChangeCounts, REGISTRY_KINDS, type RegisterProgress, type RegisterResult,
} from "../../services/BundleRegistry.js"
import { type PackDetail, type PackListing, type PackRow, Registry } from "../../services/Registry.js"
import { Database } from "../../sql/Database.js"
import { invalidInput } from "../CliFailure.js"
import { diagnosticJson, formatCounts, formatDiagnostic, formatSummary, formatTable, printJson, reportCompileFailure } from "../render.js"
import { dbOption, isoTime, jsonFlag, type RegistryCommandError, withRegistry, workspaceOption } from "./database.js"

const source = Args.text({ name: "dir|bundle.json" }).pipe(
  Args.withDescription("A pack directory, a folder of packs (compiled first), or a bundle file written by `packsmith compile`"),
)

/** Live progress on a terminal; only worth drawing when there is a lot to write. */
const LIVE_PROGRESS_MIN_ROWS = 200

const progressLine = () => {
  const live = process.stderr.isTTY === true
  let shown = false
  let last = 0
  const onProgress = (progress: RegisterProgress) => {
    if (!live || progress.total < LIVE_PROGRESS_MIN_ROWS) return
    const now = Date.now()
    if (now - last < 80 && progress.done !== progress.total) return
    last = now
    shown = true
    process.stderr.write(`\r\u001b[Kregistering ${progress.phase} ${progress.done}/${progress.total}`)
  }
  const clear = Effect.sync(() => {
    if (shown) process.stderr.write("\r\u001b[K")
  })
  return { onProgress, clear }
}

const changed = (counts: ChangeCounts) => counts.added + counts.updated + counts.removed > 0

export const formatChanges = (result: RegisterResult): string => {
  const rows = REGISTRY_KINDS.filter((kind) => changed(result.counts[kind])).map((kind) => {
    const c = result.counts[kind]
    return [kind, String(c.added), String(c.updated), String(c.removed)]
  })
  return rows.length === 0 ? "" : formatTable([["KIND", "ADDED", "UPDATED", "REMOVED"], ...rows])
}

/** `registered workspace <w> revision <n> (<digest>)`, or the same line starting with `unchanged`. */
export const resultLine = (result: RegisterResult): string =>
  `${result.unchanged ? "unchanged" : "registered"} workspace ${result.workspace} revision ${result.revision} (${result.digest})`

const compileDirectory = (dir: string, workspace: string, json: boolean) =>
  Effect.gen(function*() {
    const compiler = yield* PackCompiler
    const compiled = yield* compiler.compile([dir], { workspace }).pipe(
      Effect.catchTag("CompileFailed", (failed) =>
        reportCompileFailure(failed, { json, headline: `packs in ${dir} do not compile: ${formatCounts(failed.diagnostics)}` })),
    )
    if (!json) {
      for (const d of compiled.diagnostics) yield* Console.error(formatDiagnostic(d, process.stderr.isTTY === true))
      yield* Console.error(`compiled ${dir}: ${formatSummary(compiled.diagnostics, compiled.packs.length, compiled.files)}`)
    }
    return compiled
  }).pipe(Effect.provide(PackCompiler.Default))

const register = Command.make(
  "register",
  { source, workspace: workspaceOption, db: dbOption, json: jsonFlag("{ ok, workspace, revision, digest, unchanged, database, counts, diagnostics }") },
  ({ source, workspace, db, json }) =>
    withRegistry(
      db,
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const info = yield* fs.stat(source).pipe(
          Effect.mapError(() => invalidInput(`packsmith: ${source}: no such file or directory (expected a pack directory or a bundle file)`)),
        )
        const registry = yield* BundleRegistry
        const database = yield* Database
        const progress = progressLine()
        const compiled = info.type === "Directory" ? yield* compileDirectory(source, workspace, json) : undefined
        const started = Date.now()
        const registration: Effect.Effect<RegisterResult, RegistryCommandError> = compiled === undefined
          ? registry.registerFile(source, workspace, { onProgress: progress.onProgress })
          : registry.register(compiled.bundle, workspace, { onProgress: progress.onProgress })
        const result = yield* Effect.ensuring(registration, progress.clear)
        yield* Console.error(
          `${result.unchanged ? "nothing to write" : `wrote revision ${result.revision}`} in ${Date.now() - started} ms (database ${database.location})`,
        )
        if (json) {
          return yield* Console.log(printJson({
            ok: true,
            workspace: result.workspace,
            revision: result.revision,
            digest: result.digest,
            unchanged: result.unchanged,
            database: database.location,
            counts: result.counts,
            diagnostics: compiled === undefined ? [] : compiled.diagnostics.map(diagnosticJson),
          }))
        }
        yield* Console.log(resultLine(result))
        const changes = formatChanges(result)
        if (changes !== "") yield* Console.log(changes)
      }),
    ),
).pipe(
  Command.withDescription(
    "Register packs in a workspace: a directory is compiled first, a bundle file is verified. One transaction adds " +
      "the next revision; components gone from the bundle are removed (ad-hoc ones created through the API are kept); " +
      "the digest the workspace already has is a no-op. --json prints { ok, workspace, revision, digest, unchanged, " +
      "database, counts: { <kind>: { added, updated, removed } }, diagnostics }.",
  ),
)

const packJson = (pack: PackRow) => ({
  ref: pack.ref,
  version: pack.version,
  label: pack.label,
  description: pack.description,
  adhoc: pack.is_adhoc,
  revision: pack.bundle_revision,
  digest: pack.bundle_digest,
  created_at: isoTime(pack.created_at),
  updated_at: isoTime(pack.updated_at),
})

const revisionCell = (pack: PackRow) => pack.is_adhoc ? "ad hoc" : pack.bundle_revision === null ? "-" : String(pack.bundle_revision)

export const renderPackTable = (packs: ReadonlyArray<PackListing>): string =>
  formatTable([
    ["PACK", "VERSION", "REVISION", "ACTIONS", "RUNTIMES", "TRIGGERS", "SENSORS", "RULES", "LABEL"],
    ...packs.map(({ pack, counts }) => [
      pack.ref,
      pack.version,
      revisionCell(pack),
      String(counts.actions),
      String(counts.runtimes),
      String(counts.triggers),
      String(counts.sensors),
      String(counts.rules),
      pack.label,
    ]),
  ])

const list = Command.make(
  "list",
  { workspace: workspaceOption, db: dbOption, json: jsonFlag("{ workspace, packs: [{ ref, version, label, description, adhoc, revision, digest, created_at, updated_at, counts }] }") },
  ({ workspace, db, json }) =>
    withRegistry(
      db,
      Effect.gen(function*() {
        const registry = yield* Registry
        const packs = yield* registry.listPacks(workspace)
        if (json) {
          return yield* Console.log(printJson({
            workspace,
            packs: packs.map(({ pack, counts }) => ({ ...packJson(pack), counts })),
          }))
        }
        if (packs.length === 0) return yield* Console.error(`no packs in workspace ${workspace}; register some with packsmith pack register <dir>`)
        yield* Console.log(renderPackTable(packs))
      }),
    ),
).pipe(Command.withDescription("List the packs of a workspace with their component counts"))

export const renderPackDetail = (detail: PackDetail): string => {
  const { pack } = detail
  const lines = [
    `pack       ${pack.ref} ${pack.version}`,
    `label      ${pack.label}`,
    ...(pack.description === null ? [] : [`about      ${pack.description}`]),
    `source     ${
      pack.is_adhoc
        ? "ad hoc (not in the latest bundle)"
        : `revision ${pack.bundle_revision ?? "-"} (${pack.bundle_digest ?? "-"})`
    }`,
    `updated    ${isoTime(pack.updated_at)}`,
  ]
  for (const section of PACK_SECTIONS) {
    const refs = detail.components[section]
    if (refs.length === 0) continue
    lines.push("", `${section} (${refs.length})`, ...refs.map((ref) => `  ${ref}`))
  }
  return lines.join("\n")
}

const show = Command.make(
  "show",
  {
    ref: Args.text({ name: "pack" }),
    workspace: workspaceOption,
    db: dbOption,
    json: jsonFlag("{ workspace, pack: { ref, version, label, description, adhoc, revision, digest, created_at, updated_at, manifest }, components: { <kind>: [refs] } }"),
  },
  ({ ref, workspace, db, json }) =>
    withRegistry(
      db,
      Effect.gen(function*() {
        const registry = yield* Registry
        const detail = yield* registry.showPack(workspace, ref)
        if (json) {
          return yield* Console.log(printJson({
            workspace,
            pack: { ...packJson(detail.pack), manifest: detail.pack.manifest },
            components: detail.components,
          }))
        }
        yield* Console.log(renderPackDetail(detail))
      }),
    ),
).pipe(Command.withDescription("Show one pack: version, the revision it came from, and its components by kind"))

export const packCommand = Command.make("pack").pipe(
  Command.withDescription("Register packs in the registry and list what a workspace holds"),
  Command.withSubcommands([register, list, show]),
)
