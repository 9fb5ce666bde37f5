/** `packsmith runtime ...`: what this host can run. */
import { Command } from "@effect/cli"
import { runtimeDetectCommand } from "./runtimeDetect.js"

export const runtimeCommand = Command.make("runtime").pipe(
  Command.withDescription("Inspect the runtimes of this host"),
  Command.withSubcommands([runtimeDetectCommand]),
)
