/**
 * How a command ends unsuccessfully. The CLI maps these to exit codes:
 * 1 invalid input or diagnostics, 2 usage, 3 environment or infrastructure.
 */
import { Data } from "effect"

export type ExitCode = 1 | 2 | 3

export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly exitCode: ExitCode
  /** Printed to stderr; empty when the command already printed what went wrong. */
  readonly message: string
}> {}

export const invalidInput = (message: string) => new CliFailure({ exitCode: 1, message })
export const usageError = (message: string) => new CliFailure({ exitCode: 2, message })
export const environmentError = (message: string) => new CliFailure({ exitCode: 3, message })
