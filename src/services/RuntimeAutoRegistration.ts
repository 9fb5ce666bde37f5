/**
 * Turns what a worker detected into `auto.<family>` runtime rows, so the registry knows about interpreters
 * that no registered runtime provides on this host.
 *
 * When is a family "already provided"? A registered runtime R provides family F on this host when
 *   1. R belongs to F: its name, one of its aliases, or the name part of its ref normalizes to F; and
 *   2. R's interpreter binary, looked up here (PATH by stat, or the absolute path as written), leads to one of
 *      the interpreters detection found for F (same path or same real file).
 * A `core.<name>` template therefore provides F exactly when it works as written on this host. When it does
 * not (its binary is missing here, or names another interpreter than the one detected), `auto.<family>` is
 * cloned from it with the detected absolute binary. Attune's rule (any runtime whose aliases or ref name
 * match) made that clone unreachable whenever the core pack was loaded.
 *
 * Never fatal: every failure is a warning that says why, and the worker goes on.
 */
import { SqlClient } from "@effect/sql"
import { Cause, Effect, Option, Schema } from "effect"
import type { DetectedRuntime, DetectionReport } from "../domain/Detection.js"
import type { ExecutionConfig, VerificationCommand } from "../domain/Runtime.js"
import {
  aliasesOf,
  CORE_RUNTIME_REFS,
  normalizeRuntimeName,
  runtimeFamilyOf,
  type RuntimeFamily,
} from "../domain/RuntimeFamily.js"
import { RuntimeTable } from "../sql/Tables.js"
import { Registry } from "./Registry.js"
import { familySpec } from "./RuntimeDetection/families.js"
import { currentCaller, findOnPath, pathDirectories, realPathOf } from "./RuntimeDetection/locate.js"

export interface AutoRegistered {
  readonly ref: string
  readonly family: string
  /** The template it was cloned from, or null for a minimal entry. */
  readonly template: string | null
  readonly binary: string
}

export interface AutoSkipped {
  readonly family: string
  readonly reason: string
  /** The runtime that provides the family here, when that is the reason. */
  readonly providedBy?: string
}

export interface AutoRegistrationReport {
  readonly registered: ReadonlyArray<AutoRegistered>
  readonly skipped: ReadonlyArray<AutoSkipped>
  readonly warnings: ReadonlyArray<string>
}

export interface AutoRegistrationOptions {
  /** Workspace name; default "default". */
  readonly workspace?: string
  /** PATH used to look up registered runtimes' binaries; default process.env.PATH. */
  readonly path?: string
}

const FILE_EXTENSIONS: Readonly<Record<RuntimeFamily, string>> = {
  shell: ".sh", python: ".py", node: ".js", ruby: ".rb", go: ".go", java: ".java", perl: ".pl", r: ".R",
  deno: ".ts", bun: ".ts", php: ".php", lua: ".lua", native: "",
}

/** The fields of a registered runtime that decide whether it provides a family here. */
interface RuntimeRowForMatching {
  readonly ref: string
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly execution_config: unknown
  readonly distributions: unknown
  readonly auto_detected: boolean
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const interpreterBinary = (executionConfig: unknown): string | undefined => {
  if (!isObject(executionConfig) || !isObject(executionConfig.interpreter)) return undefined
  const binary = executionConfig.interpreter.binary
  return typeof binary === "string" && binary.trim() !== "" ? binary : undefined
}

const belongsTo = (row: RuntimeRowForMatching, family: string): boolean => {
  const refName = row.ref.slice(row.ref.indexOf(".") + 1)
  return [row.name, refName, ...row.aliases].some((name) => normalizeRuntimeName(name) === family)
}

/** The binary a detected interpreter should be run as: the real executable behind a shim, else the path found. */
const runnableBinary = (detected: DetectedRuntime): string => detected.viaShim === true ? detected.realPath : detected.path

const isTemplated = (value: string) => /\{[a-z_]+\}/.test(value)

/** The template's execution_config with the detected binary substituted (and a fixed interpreter_path too). */
export const cloneExecutionConfig = (template: unknown, binary: string): ExecutionConfig => {
  const config: Record<string, unknown> = isObject(template) ? structuredClone(template) : {}
  const interpreter = isObject(config.interpreter) ? config.interpreter : {}
  config.interpreter = { ...interpreter, binary }
  if (isObject(config.environment) && typeof config.environment.interpreter_path === "string" &&
    !isTemplated(config.environment.interpreter_path)) {
    config.environment = { ...config.environment, interpreter_path: binary }
  }
  return config as ExecutionConfig
}

export const minimalRuntime = (family: RuntimeFamily, binary: string) => {
  const probe = familySpec(family)?.probe(binary.slice(binary.lastIndexOf("/") + 1))
  const verification: VerificationCommand = { binary, args: [...(probe?.args ?? ["--version"])], exit_code: 0 }
  return {
    name: family.charAt(0).toUpperCase() + family.slice(1),
    aliases: [...aliasesOf(family)],
    execution_config: { interpreter: { binary, args: [], file_extension: FILE_EXTENSIONS[family] } } satisfies ExecutionConfig,
    distributions: { verification: { commands: [verification] } },
  }
}

export class RuntimeAutoRegistration extends Effect.Service<RuntimeAutoRegistration>()("packsmith/RuntimeAutoRegistration", {
  dependencies: [Registry.Default],
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const registry = yield* Registry

    /** Whether `row` runs one of the detected interpreters when its binary is looked up on this host. */
    const providesHere = (row: RuntimeRowForMatching, detected: ReadonlyArray<DetectedRuntime>, path: string) =>
      Effect.gen(function* () {
        const binary = interpreterBinary(row.execution_config)
        if (binary === undefined || isTemplated(binary)) return Option.none<string>()
        const caller = yield* currentCaller
        const located = binary.includes("/")
          ? Option.some(binary)
          : Option.map((yield* findOnPath(caller, binary, pathDirectories(path))).found, (found) => found.path)
        if (Option.isNone(located)) return Option.none<string>()
        const real = yield* realPathOf(located.value).pipe(Effect.orElseSucceed(() => located.value))
        const match = detected.some((d) => d.path === located.value || d.realPath === real || d.path === real)
        return match ? Option.some(`${binary} -> ${real}`) : Option.none<string>()
      })

    const register = Effect.fn("RuntimeAutoRegistration.register")(function* (
      report: DetectionReport,
      options: AutoRegistrationOptions = {},
    ) {
      const workspace = options.workspace ?? "default"
      const path = options.path ?? process.env.PATH ?? ""
      const registered: Array<AutoRegistered> = []
      const skipped: Array<AutoSkipped> = []
      const warnings: Array<string> = []

      // The registry reports database failures as defects; here they must only become a warning.
      const loaded = yield* Effect.gen(function* () {
        const { id } = yield* registry.ensureWorkspace(workspace)
        const rows: ReadonlyArray<RuntimeRowForMatching> = (yield* registry.listRuntimes(workspace)).map((d) => d.runtime)
        return { id, rows }
      }).pipe(Effect.sandbox, Effect.either)
      if (loaded._tag === "Left") {
        const reason = Cause.pretty(loaded.left).split("\n")[0] ?? "unknown failure"
        return {
          registered, skipped,
          warnings: [`auto-registration skipped: cannot read the registered runtimes of workspace "${workspace}": ${reason}`],
        } satisfies AutoRegistrationReport
      }
      const { id, rows } = loaded.right

      const byFamily = new Map<RuntimeFamily, Array<DetectedRuntime>>()
      for (const detected of report.runtimes) {
        const family = runtimeFamilyOf(detected.family)
        if (family === undefined) {
          warnings.push(`${detected.path}: family "${detected.family}" has no entry in the alias table; not registered`)
          continue
        }
        byFamily.set(family, [...(byFamily.get(family) ?? []), detected])
      }

      for (const [family, detected] of byFamily) {
        const autoRef = `auto.${family}`
        if (rows.some((row) => row.ref === autoRef)) {
          skipped.push({ family, reason: `${autoRef} is already registered`, providedBy: autoRef })
          continue
        }
        let provider: { readonly ref: string; readonly how: string } | undefined
        for (const row of rows.filter((r) => !r.auto_detected && belongsTo(r, family))) {
          const how = yield* providesHere(row, detected, path).pipe(Effect.orElseSucceed(() => Option.none<string>()))
          if (Option.isSome(how)) {
            provider = { ref: row.ref, how: how.value }
            break
          }
        }
        if (provider !== undefined) {
          skipped.push({ family, reason: `provided by ${provider.ref} (${provider.how})`, providedBy: provider.ref })
          continue
        }

        const chosen = detected[0]!
        const binary = runnableBinary(chosen)
        const templateRef = CORE_RUNTIME_REFS[family]
        const template = rows.find((row) => row.ref === templateRef)
        const entry = template === undefined
          ? minimalRuntime(family, binary)
          : {
            name: template.name,
            aliases: template.aliases,
            execution_config: cloneExecutionConfig(template.execution_config, binary),
            distributions: template.distributions,
          }
        const insert = yield* Schema.encode(RuntimeTable.Insert)({
          workspace_id: id,
          ref: autoRef,
          name: entry.name,
          aliases: entry.aliases,
          execution_config: entry.execution_config,
          distributions: entry.distributions,
          auto_detected: true,
          detection_config: { detected_path: binary, detected_name: chosen.name, detected_version: chosen.version },
        } as typeof RuntimeTable.Insert.Type).pipe(Effect.either)
        if (insert._tag === "Left") {
          warnings.push(`${autoRef}: cannot build the row: ${insert.left.message}`)
          continue
        }
        const inserted = yield* sql<{ readonly ref: string }>`
          insert into runtime ${sql.insert(insert.right as Record<string, unknown>)}
          on conflict (workspace_id, ref) do nothing returning ref`.pipe(Effect.either)
        if (inserted._tag === "Left") {
          warnings.push(`${autoRef}: not registered: ${inserted.left.message}`)
        } else if (inserted.right.length === 0) {
          // Another worker of the same workspace inserted it between our read and our insert.
          skipped.push({ family, reason: `${autoRef} was registered concurrently`, providedBy: autoRef })
        } else {
          registered.push({ ref: autoRef, family, template: template === undefined ? null : templateRef, binary })
        }
      }
      return { registered, skipped, warnings } satisfies AutoRegistrationReport
    })

    return { register } as const
  }),
}) {}
