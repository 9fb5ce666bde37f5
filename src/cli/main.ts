/** The `packsmith` command line. Each subcommand lives in ./commands and stays thin: parse, call services, render. */
import { Command, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect } from "effect"
import { CliFailure } from "./CliFailure.js"
import { PACKSMITH_VERSION } from "../version.js"
import { actionCommand } from "./commands/action.js"
import { bundleCommand } from "./commands/bundle.js"
import { compileCommand } from "./commands/compile.js"
import { packCommand } from "./commands/pack.js"
import { resolveCommand } from "./commands/resolve.js"
import { runtimeCommand } from "./commands/runtime.js"
import { schemaCommand } from "./commands/schema.js"
import { startCommand } from "./commands/start.js"
import { validateCommand } from "./commands/validate.js"

const root = Command.make("packsmith").pipe(
  Command.withDescription("Compile, register and run packs of actions, triggers, sensors, rules and workflows."),
)

// Each command provides its own service layers; the only environment left open is NodeContext.
const subcommands = [
  startCommand,
  validateCommand,
  compileCommand,
  bundleCommand,
  packCommand,
  actionCommand,
  schemaCommand,
  runtimeCommand,
  resolveCommand,
] as const

const cli = Command.run(root.pipe(Command.withSubcommands(subcommands as any)), {
  name: "packsmith",
  version: PACKSMITH_VERSION,
}) as (argv: ReadonlyArray<string>) => Effect.Effect<void, unknown, NodeContext.NodeContext>

const program = Effect.suspend(() => cli(process.argv)).pipe(
  Effect.catchAll((error) => {
    if (ValidationError.isValidationError(error)) {
      // @effect/cli has already printed the message and the relevant help.
      return Effect.sync(() => { process.exitCode = 2 })
    }
    if (error instanceof CliFailure) {
      return Effect.zipRight(
        error.message === "" ? Effect.void : Console.error(error.message),
        Effect.sync(() => { process.exitCode = error.exitCode }),
      )
    }
    return Effect.zipRight(Console.error(`packsmith: ${String(error)}`), Effect.sync(() => { process.exitCode = 3 }))
  }),
  Effect.catchAllDefect((defect) =>
    Effect.zipRight(
      Console.error(`packsmith: internal error: ${Cause.pretty(Cause.die(defect))}`),
      Effect.sync(() => { process.exitCode = 3 }),
    )),
  Effect.provide(NodeContext.layer),
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
