/** `packsmith bundle list`: the registered revisions of a workspace, newest first. */
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { type BundleSummary, Registry } from "../../services/Registry.js"
import { formatTable, printJson } from "../render.js"
import { dbOption, isoTime, jsonFlag, shortDigest, withRegistry, workspaceOption } from "./database.js"

export const renderBundleTable = (bundles: ReadonlyArray<BundleSummary>): string =>
  formatTable([
    ["REVISION", "DIGEST", "CREATED", "PACKS", "ACTIONS", "RUNTIMES", "FILES"],
    ...bundles.map((bundle) => [
      String(bundle.revision),
      shortDigest(bundle.digest),
      isoTime(bundle.created_at),
      String(bundle.packs),
      String(bundle.counts.actions),
      String(bundle.counts.runtimes),
      String(bundle.files),
    ]),
  ])

export const bundleListCommand = Command.make(
  "list",
  {
    workspace: workspaceOption,
    db: dbOption,
    json: jsonFlag("{ workspace, bundles: [{ revision, digest, created_at, packs, files, counts: { <kind>: n } }] } (newest first)"),
  },
  ({ workspace, db, json }) =>
    withRegistry(
      db,
      Effect.gen(function*() {
        const registry = yield* Registry
        const bundles = yield* registry.listBundles(workspace)
        if (json) {
          return yield* Console.log(printJson({
            workspace,
            bundles: bundles.map((bundle) => ({ ...bundle, created_at: isoTime(bundle.created_at) })),
          }))
        }
        if (bundles.length === 0) return yield* Console.error(`no bundles registered in workspace ${workspace}`)
        yield* Console.log(renderBundleTable(bundles))
      }),
    ),
).pipe(Command.withDescription("List the bundle revisions registered in a workspace (every revision stays readable), newest first"))
