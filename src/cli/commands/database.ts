/**
 * What the registry commands share: `--db`, `--workspace`, `--json`, the migrated database behind them, and
 * how their failures end the process (missing or refused input exits 1, an unusable database exits 3).
 */
import { Options } from "@effect/cli"
import { Effect, Layer, Option } from "effect"
import type { Redacted } from "effect"
import type { BundleVerificationError } from "../../domain/Bundle.js"
import type { BundleNotReadable, BundleTooLarge, MalformedBundleJson } from "../../services/BundleFile.js"
import { BundleRegistry } from "../../services/BundleRegistry.js"
import { type Conflict, type InvalidName, type NotFound, Registry } from "../../services/Registry.js"
import { Database } from "../../sql/Database.js"
import type { DatabaseConnectError, MigrationError } from "../../sql/DatabaseError.js"
import { type CliFailure, environmentError, invalidInput } from "../CliFailure.js"

export const dbOption = Options.redacted("db").pipe(
  Options.withDescription(
    "PostgreSQL connection string, as libpq takes it: a URL (postgres://user:password@host:5432/database) or " +
      "key=value pairs (host=/run/postgresql dbname=packsmith); PG* variables fill in the rest. Default: " +
      "DATABASE_URL, else the embedded database in PACKSMITH_DATA_DIR (default .packsmith/data)",
  ),
  Options.optional,
)

export const workspaceOption = Options.text("workspace").pipe(
  Options.withDescription("Registry workspace (lowercase, like a pack ref)"),
  Options.withDefault("default"),
)

export const jsonFlag = (shape: string) => Options.boolean("json").pipe(Options.withDescription(`Print ${shape} as JSON`))

/** Registry, BundleRegistry and the database they read, migrated before first use. */
export const registryLayer = (db: Option.Option<Redacted.Redacted>) => {
  const database = Database.migrated(Database.layerFromConfig(Option.match(db, { onNone: () => ({}), onSome: (url) => ({ url }) })))
  return Layer.mergeAll(Registry.Default, BundleRegistry.Default).pipe(Layer.provideMerge(database))
}

export type RegistryCommandError =
  | CliFailure
  | NotFound
  | Conflict
  | InvalidName
  | BundleVerificationError
  | BundleTooLarge
  | BundleNotReadable
  | MalformedBundleJson
  | DatabaseConnectError
  | MigrationError

/** Every message here already says what went wrong and what to check; URLs in them are masked. */
export const toCliFailure = (error: RegistryCommandError): CliFailure => {
  switch (error._tag) {
    case "CliFailure":
      return error
    case "BundleNotReadable":
    case "DatabaseUrlInvalid":
    case "DatabaseUnreachable":
    case "DataDirUnusable":
    case "DataDirInUse":
    case "DataDirNotPacksmith":
    case "DataDirDamaged":
    case "MigrationFailed":
    case "MigrationHistoryMismatch":
    case "MigrationLockTimeout":
      return environmentError(`packsmith: ${error.message}`)
    default:
      return invalidInput(`packsmith: ${error.message}`)
  }
}

/** Runs a command body against the selected database and maps its failures to exit codes. */
export const withRegistry = <A, E extends RegistryCommandError, R>(
  db: Option.Option<Redacted.Redacted>,
  program: Effect.Effect<A, E, R>,
) =>
  program.pipe(
    Effect.provide(registryLayer(db)),
    Effect.mapError((error) => toCliFailure(error as RegistryCommandError)),
  )

/** `sha256:` and the first 12 hex digits, as in `git log --oneline`. */
export const shortDigest = (digest: string | null): string => digest === null ? "-" : digest.slice(0, 19)

export const isoTime = (date: Date): string => date.toISOString()
