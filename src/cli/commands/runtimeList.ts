/** `packsmith runtime list`: the runtimes registered in a workspace (from packs, detected, or ad hoc). */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { Registry, type RuntimeDetail } from "../../services/Registry.js"
import { formatTable, printJson } from "../render.js"
import { dbOption, jsonFlag, withRegistry, workspaceOption } from "./database.js"

const packFilter = Options.text("pack").pipe(Options.withDescription("Only the runtimes of this pack"), Options.optional)

const origin = ({ runtime }: RuntimeDetail) =>
  runtime.is_adhoc ? "ad hoc" : runtime.auto_detected ? "detected" : runtime.pack_ref ?? "-"

const versionText = ({ versions }: RuntimeDetail) =>
  versions.length === 0 ? "-" : versions.map((v) => v.version + (v.is_default ? "*" : "")).join(", ")

export const renderRuntimeTable = (runtimes: ReadonlyArray<RuntimeDetail>): string =>
  formatTable([
    ["RUNTIME", "FROM", "NAME", "ALIASES", "VERSIONS"],
    ...runtimes.map((detail) => [
      detail.runtime.ref,
      origin(detail),
      detail.runtime.name,
      detail.runtime.aliases.length === 0 ? "-" : detail.runtime.aliases.join(", "),
      versionText(detail),
    ]),
  ])

export const runtimeListCommand = Command.make(
  "list",
  {
    pack: packFilter,
    workspace: workspaceOption,
    db: dbOption,
    json: jsonFlag(
      "{ workspace, runtimes: [{ ref, pack, name, description, aliases, auto_detected, adhoc, " +
        "versions: [{ version, is_default, available }] }] }",
    ),
  },
  ({ pack, workspace, db, json }) =>
    withRegistry(
      db,
      Effect.gen(function*() {
        const registry = yield* Registry
        const packRef = Option.getOrUndefined(pack)
        if (packRef !== undefined) yield* registry.showPack(workspace, packRef)
        const runtimes = yield* registry.listRuntimes(workspace, { pack: packRef })
        if (json) {
          return yield* Console.log(printJson({
            workspace,
            runtimes: runtimes.map(({ runtime, versions }) => ({
              ref: runtime.ref,
              pack: runtime.pack_ref,
              name: runtime.name,
              description: runtime.description,
              aliases: runtime.aliases,
              auto_detected: runtime.auto_detected,
              adhoc: runtime.is_adhoc,
              versions: versions.map((v) => ({ version: v.version, is_default: v.is_default, available: v.available })),
            })),
          }))
        }
        if (runtimes.length === 0) return yield* Console.error(`no runtimes registered in workspace ${workspace}`)
        yield* Console.log(renderRuntimeTable(runtimes))
      }),
    ),
).pipe(Command.withDescription("List the runtimes registered in a workspace (* marks a runtime's default version)"))
