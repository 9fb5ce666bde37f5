/**
 * Verifying registered runtime templates as Attune does: the `distributions.verification.commands` in
 * priority order (lower first, default 999), each passing when it exits with `exit_code` (default 0) and its
 * stdout+stderr matches `pattern`; the first that passes verifies the template. `always_available` or
 * `check_required: false` skip the probe. Each `versions[]` entry with a `distributions.verification` of its
 * own is verified the same way, as a worker verifies each version at start-up; the resolver does not select
 * an entry that failed it.
 */
import * as nodePath from "node:path"
import { Data, Effect, Either, Option } from "effect"
import {
  type DetectionCacheRecord,
  DetectedRuntime,
  DetectionProblem,
  TemplateVerification,
} from "../../domain/Detection.js"
import type { Distributions, Runtime, VerificationCommand } from "../../domain/Runtime.js"
import { normalizeRuntimeName, runtimeFamilyOf } from "../../domain/RuntimeFamily.js"
import { detectKey, verifyKey } from "./cache.js"
import { freshRecord } from "./examine.js"
import { familySpec, firstLine, parseVersion } from "./families.js"
import { findExecutable, findOnPath, type Found, type LookupFailure, realPathOf } from "./locate.js"
import { type DetectionRun, showCommand, stampRecord, unanswered, warn } from "./run.js"

const DEFAULT_PRIORITY = 999

/** The canonical family of a template: its name, else the first alias that is a known family, else the name itself. */
export const templateFamily = (runtime: Runtime): string =>
  runtimeFamilyOf(runtime.name)
    ?? runtime.aliases.map(runtimeFamilyOf).find((family) => family !== undefined)
    ?? normalizeRuntimeName(runtime.name)

/** Lower priority first; equal priorities keep their written order. */
export const orderCommands = (commands: ReadonlyArray<VerificationCommand>): ReadonlyArray<VerificationCommand> =>
  commands
    .map((command, index) => ({ command, index }))
    .sort((a, b) =>
      (a.command.priority ?? DEFAULT_PRIORITY) - (b.command.priority ?? DEFAULT_PRIORITY) || a.index - b.index)
    .map(({ command }) => command)

interface Answer {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Whether a command's answer satisfies its verification: the expected exit code, then the pattern over
 * stdout followed by stderr. On success, the pattern's first capture group (if any) is returned.
 */
export const checkVerification = (
  command: VerificationCommand,
  answer: Answer,
): Either.Either<{ readonly capture: string | undefined }, string> => {
  const expected = command.exit_code ?? 0
  if (answer.exitCode !== expected) {
    const said = firstLine(answer.stderr, answer.stdout)
    return Either.left(`exited with code ${answer.exitCode}, not ${expected}${said === "" ? "" : `: ${said}`}`)
  }
  if (command.pattern === undefined) return Either.right({ capture: undefined })
  const pattern = command.pattern
  return Either.try({
    try: () => new RegExp(pattern),
    catch: (error) =>
      `has a pattern that is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`,
  }).pipe(
    Either.flatMap((regex) => {
      const match = regex.exec(`${answer.stdout}${answer.stderr}`)
      return match === null
        ? Either.left(`printed nothing that matches /${pattern}/ (${JSON.stringify(firstLine(answer.stdout, answer.stderr))})`)
        : Either.right({ capture: match[1] })
    }),
  )
}

export interface TemplateResult {
  readonly verification: TemplateVerification
  /** The binary that verified it. */
  readonly runtime?: DetectedRuntime
}

class CommandFailed extends Data.TaggedError("CommandFailed")<{ readonly why: string }> {}

/** The runtime's own verdict (when it has a verification), then one per `versions[]` entry that has its own. */
export const verifyTemplate = (run: DetectionRun, template: Runtime): Effect.Effect<ReadonlyArray<TemplateResult>> =>
  Effect.gen(function* () {
    const family = templateFamily(template)
    const results: Array<TemplateResult> = []
    const own = yield* verifyDistributions(run, template, family, template.distributions, undefined)
    if (own !== undefined) results.push(own)
    for (const entry of template.versions) {
      if (entry.distributions === undefined) continue
      const result = yield* verifyDistributions(run, template, family, entry.distributions, entry.version)
      if (result !== undefined) results.push(result)
    }
    return results
  })

/** One verdict: the runtime's (`version` undefined) or one versions[] entry's; undefined when nothing is to verify. */
const verifyDistributions = (
  run: DetectionRun,
  template: Runtime,
  family: string,
  distributions: Distributions,
  version: string | undefined,
): Effect.Effect<TemplateResult | undefined> =>
  Effect.gen(function* () {
    const verification = distributions.verification
    if (verification === undefined) return undefined
    const verdict = (status: TemplateVerification["status"], extra: Pick<TemplateVerification, "command" | "path"> = {}) =>
      new TemplateVerification({ ref: template.ref, ...(version === undefined ? {} : { version }), family, status, ...extra })
    if (verification.always_available === true || verification.check_required === false) {
      return { verification: verdict("assumed") }
    }
    const commands = orderCommands(verification.commands ?? [])
    if (commands.length === 0) return undefined
    const attempts: Array<string> = []
    for (const command of commands) {
      const result = yield* Effect.either(runVerification(run, template, family, command))
      if (Either.isRight(result)) {
        return { verification: verdict("verified", { command: result.right.command, path: result.right.runtime.path }), runtime: result.right.runtime }
      }
      attempts.push(`\`${showCommand(command.binary, command.args ?? [])}\` ${result.left.why}`)
    }
    yield* warn(run, new DetectionProblem({
      kind: "template",
      message: `runtime ${template.ref}${version === undefined ? "" : ` version ${version}`} is not verified on this host: `
        + attempts.join("; "),
      family,
      template: template.ref,
    }))
    return { verification: verdict("unverified") }
  })

const locateCommandBinary = (run: DetectionRun, binary: string): Effect.Effect<Found, CommandFailed | LookupFailure> =>
  Effect.gen(function* () {
    if (binary.includes("/")) {
      const found = yield* findExecutable(run.caller, nodePath.resolve(binary))
      if (Option.isNone(found)) return yield* new CommandFailed({ why: `is not an executable file` })
      return found.value
    }
    const { failures, found } = yield* findOnPath(run.caller, binary, run.directories)
    if (Option.isSome(found)) return found.value
    const unsearched = failures.length === 0 ? "" : ` (${failures.length} PATH entries could not be searched)`
    return yield* new CommandFailed({ why: `was not found on PATH${unsearched}` })
  })

const runVerification = (
  run: DetectionRun,
  template: Runtime,
  family: string,
  command: VerificationCommand,
): Effect.Effect<{ readonly command: ReadonlyArray<string>; readonly runtime: DetectedRuntime }, CommandFailed> =>
  Effect.gen(function* () {
    const args = command.args ?? []
    const found = yield* locateCommandBinary(run, command.binary)
    const realPath = yield* realPathOf(found.path)
    const name = nodePath.basename(found.path)
    // Verify the interpreter a known shim forwards to: that is what actions will run, and it answers faster.
    const shim = run.examined.get(detectKey(realPath, name))
    const forwarded = shim?.viaShim === true && shim.executable !== undefined ? shim : undefined
    const file = forwarded?.executable ?? found.path
    const key = verifyKey(realPath, name, args)
    const cached = yield* freshRecord(run, key, { realPath, stamp: found.stamp })
    const record: DetectionCacheRecord = cached ?? {
      files: [stampRecord(realPath, found.stamp), ...(forwarded?.files.slice(1) ?? [])],
      realPath: forwarded?.realPath ?? realPath,
      viaShim: forwarded !== undefined,
      ...(forwarded?.executable === undefined ? {} : { executable: forwarded.executable }),
      args,
      ...(yield* answerOf(run, file, args)),
    }
    const check = checkVerification(command, record)
    if (cached === undefined && (record.exitCode === 0 || Either.isRight(check))) run.probed.set(key, record)
    if (Either.isLeft(check)) return yield* new CommandFailed({ why: check.left })
    // A capture group in the pattern names the version, when what it captured is one.
    const captured = /^\d+(?:\.\d+)*/.exec(check.right.capture ?? "")?.[0]
    const parsed = captured !== undefined
      ? { version: captured, raw: firstLine(record.stdout, record.stderr) }
      : familyVersion(family, record)
    return {
      command: [command.binary, ...args],
      runtime: new DetectedRuntime({
        family,
        name,
        path: found.path,
        realPath: record.realPath,
        version: parsed?.version ?? null,
        ...(parsed === undefined ? {} : { versionRaw: parsed.raw }),
        source: `template:${template.ref}`,
        ...(record.viaShim ? { viaShim: true } : {}),
      }),
    }
  }).pipe(
    Effect.catchTag("LookupFailure", (failure) =>
      Effect.fail(new CommandFailed({ why: `cannot be examined: ${failure.path}: ${failure.reason}` }))),
  )

/** Runs a command: any exit code is an answer to check; a probe that timed out or could not start is not. */
const answerOf = (run: DetectionRun, file: string, args: ReadonlyArray<string>): Effect.Effect<Answer, CommandFailed> =>
  Effect.flatMap(run.probe(file, args), (outcome) =>
    outcome._tag === "Exited"
      ? Effect.succeed({ exitCode: outcome.exitCode, stdout: outcome.stdout, stderr: outcome.stderr })
      : Effect.fail(new CommandFailed({ why: unanswered(outcome).why })))

/** The version as the family's own probe would read it, for a template whose pattern captures none. */
const familyVersion = (family: string, record: DetectionCacheRecord) => {
  const known = runtimeFamilyOf(family)
  const pattern = known === undefined ? null : familySpec(known)?.probe(nodePath.basename(record.realPath)).pattern
  return pattern === null || pattern === undefined ? undefined : parseVersion(pattern, record.stdout, record.stderr)
}
