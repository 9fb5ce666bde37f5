/** `packsmith action list|show`: the actions registered in a workspace. */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { type ActionRow, type ActionSummary, Registry } from "../../services/Registry.js"
import { formatTable, printJson } from "../render.js"
import { dbOption, isoTime, jsonFlag, withRegistry, workspaceOption } from "./database.js"

const packFilter = Options.text("pack").pipe(Options.withDescription("Only the actions of this pack"), Options.optional)

/** How the action runs: its runtime, or the workflow it starts. */
const runsWith = (action: { readonly runtime_ref: string | null; readonly workflow_ref: string | null }) =>
  action.workflow_ref !== null ? `workflow ${action.workflow_ref}` : action.runtime_ref ?? "-"

const summaryJson = (action: ActionSummary) => ({
  ref: action.ref,
  pack: action.pack_ref,
  label: action.label,
  description: action.description,
  runtime: action.runtime_ref,
  entry_point: action.entry_point,
  workflow: action.workflow_ref,
  enabled: action.enabled,
  adhoc: action.is_adhoc,
  updated_at: isoTime(action.updated_at),
})

export const renderActionTable = (actions: ReadonlyArray<ActionSummary>): string =>
  formatTable([
    ["ACTION", "RUNS WITH", "ENABLED", "LABEL"],
    ...actions.map((action) => [
      action.ref + (action.is_adhoc ? " (ad hoc)" : ""),
      runsWith(action),
      action.enabled ? "yes" : "no",
      action.label ?? "",
    ]),
  ])

const list = Command.make(
  "list",
  {
    pack: packFilter,
    workspace: workspaceOption,
    db: dbOption,
    json: jsonFlag("{ workspace, actions: [{ ref, pack, label, description, runtime, entry_point, workflow, enabled, adhoc, updated_at }] }"),
  },
  ({ pack, workspace, db, json }) =>
    withRegistry(
      db,
      Effect.gen(function*() {
        const registry = yield* Registry
        const packRef = Option.getOrUndefined(pack)
        if (packRef !== undefined) yield* registry.showPack(workspace, packRef)
        const actions = yield* registry.listActions(workspace, { pack: packRef })
        if (json) return yield* Console.log(printJson({ workspace, actions: actions.map(summaryJson) }))
        if (actions.length === 0) {
          return yield* Console.error(`no actions in ${packRef === undefined ? "" : `pack ${packRef} of `}workspace ${workspace}`)
        }
        yield* Console.log(renderActionTable(actions))
      }),
    ),
).pipe(Command.withDescription("List the actions of a workspace, or of one pack with --pack"))

/** Parameter names with their type, `*` marking the required ones. */
const parameterLines = (schema: unknown): ReadonlyArray<string> => {
  if (typeof schema !== "object" || schema === null) return []
  const { properties, required } = schema as { readonly properties?: unknown; readonly required?: unknown }
  if (typeof properties !== "object" || properties === null) return []
  const needed = new Set(Array.isArray(required) ? required.filter((name): name is string => typeof name === "string") : [])
  return Object.entries(properties as Record<string, unknown>).map(([name, spec]) => {
    const { type, description, secret } = (typeof spec === "object" && spec !== null ? spec : {}) as {
      readonly type?: unknown
      readonly description?: unknown
      readonly secret?: unknown
    }
    const typeText = Array.isArray(type) ? type.join("|") : typeof type === "string" ? type : "any"
    return `  ${name}${needed.has(name) ? "*" : ""}  ${typeText}${secret === true ? " (secret)" : ""}${
      typeof description === "string" ? `  ${description}` : ""
    }`
  })
}

export const renderActionDetail = (action: ActionRow): string => {
  const parameters = parameterLines(action.param_schema)
  return [
    `action      ${action.ref}${action.is_adhoc ? " (ad hoc)" : ""}`,
    `pack        ${action.pack_ref}`,
    ...(action.label === null ? [] : [`label       ${action.label}`]),
    ...(action.description === null ? [] : [`about       ${action.description}`]),
    `runs with   ${runsWith(action)}`,
    ...(action.entry_point === null ? [] : [`entry point ${action.entry_point}`]),
    `parameters  ${action.parameter_delivery} as ${action.parameter_format}; output ${action.output_format}`,
    ...(action.timeout_seconds === null ? [] : [`timeout     ${action.timeout_seconds} s`]),
    ...(action.runtime_version_constraint === null ? [] : [`versions    ${action.runtime_version_constraint}`]),
    `enabled     ${action.enabled ? "yes" : "no"}`,
    ...(action.tags.length === 0 ? [] : [`tags        ${action.tags.join(", ")}`]),
    `updated     ${isoTime(action.updated_at)}`,
    ...(parameters.length === 0 ? [] : ["", "parameters (* required)", ...parameters]),
  ].join("\n")
}

const show = Command.make(
  "show",
  {
    ref: Args.text({ name: "action" }).pipe(Args.withDescription("The action's ref, <pack>.<name>")),
    workspace: workspaceOption,
    db: dbOption,
    json: jsonFlag(
      "{ workspace, action: { ref, pack, label, description, runtime, entry_point, workflow, parameter_delivery, " +
        "parameter_format, output_format, runtime_version, timeout_seconds, enabled, tags, adhoc, created_at, updated_at, " +
        "parameters, output, definition } }",
    ),
  },
  ({ ref, workspace, db, json }) =>
    withRegistry(
      db,
      Effect.gen(function*() {
        const registry = yield* Registry
        const action = yield* registry.showAction(workspace, ref)
        if (!json) return yield* Console.log(renderActionDetail(action))
        yield* Console.log(printJson({
          workspace,
          action: {
            ref: action.ref,
            pack: action.pack_ref,
            label: action.label,
            description: action.description,
            runtime: action.runtime_ref,
            entry_point: action.entry_point,
            workflow: action.workflow_ref,
            parameter_delivery: action.parameter_delivery,
            parameter_format: action.parameter_format,
            output_format: action.output_format,
            runtime_version: action.runtime_version_constraint,
            timeout_seconds: action.timeout_seconds,
            enabled: action.enabled,
            tags: action.tags,
            adhoc: action.is_adhoc,
            created_at: isoTime(action.created_at),
            updated_at: isoTime(action.updated_at),
            parameters: action.param_schema,
            output: action.out_schema,
            definition: action.definition,
          },
        }))
      }),
    ),
).pipe(Command.withDescription("Show one action: how it runs, its parameters, and where it came from"))

export const actionCommand = Command.make("action").pipe(
  Command.withDescription("List and show the actions registered in a workspace"),
  Command.withSubcommands([list, show]),
)
