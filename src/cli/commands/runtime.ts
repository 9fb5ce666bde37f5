/** `packsmith runtime ...`: what this host can run, and what a workspace has registered. */
import { Command } from "@effect/cli"
import { runtimeDetectCommand } from "./runtimeDetect.js"
import { runtimeListCommand } from "./runtimeList.js"

export const runtimeCommand = Command.make("runtime").pipe(
  Command.withDescription("Inspect the runtimes of this host and list those registered in a workspace"),
  Command.withSubcommands([runtimeDetectCommand, runtimeListCommand]),
)
