/**
 * The database port: an `SqlClient` plus LISTEN/NOTIFY, backed by PostgreSQL (`--db` / DATABASE_URL) or,
 * by default, by the embedded PGlite database in a data directory. Layers provide `Database` and
 * `SqlClient` together, so repositories depend on `SqlClient` alone.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Config, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import type { Duration, Stream } from "effect"
import * as path from "node:path"
import { maskConnectionString, parseConnectionString, PG_ENVIRONMENT_VARIABLES } from "./ConnectionString.js"
import type { Environment } from "./ConnectionString.js"
import { explainConnectFailure } from "./ConnectionFailure.js"
import { openDataDir } from "./DataDir.js"
import { snapshotSeed } from "./DataDirSnapshot.js"
import { DatabaseUrlInvalid, DataDirDamaged, DataDirUnusable } from "./DatabaseError.js"
import type { DatabaseConnectError, DatabaseUnreachable, DataDirError, MigrationError } from "./DatabaseError.js"
import * as Migrations from "./Migrations.js"
import * as PgliteClient from "./PgliteClient.js"
import * as PostgresClient from "./PostgresClient.js"
import { describeSqlError } from "./SqlFailure.js"

export type Backend = "postgres" | "pglite"

export interface DatabaseShape {
  readonly backend: Backend
  /** Where the data lives, safe to print: the URL with its password masked, the data directory, or "memory". */
  readonly location: string
  readonly sql: SqlClient.SqlClient
  /** Payloads sent to `channel` (exact name) after this stream started listening; empty payloads are dropped. */
  readonly listen: (channel: string) => Stream.Stream<string, SqlError>
  /** Sends `payload` on `channel`; inside a transaction it is delivered when the transaction commits. */
  readonly notify: (channel: string, payload: string) => Effect.Effect<void, SqlError>
}

export const DEFAULT_DATA_DIR = ".packsmith/data"

export type PgliteLayerOptions =
  /**
   * Files in `dataDir`: created when absent or empty (from `loadDataDir`, else the migrated snapshot), opened
   * when it is a packsmith data directory, refused otherwise. `lockWait` bounds the wait for another process.
   */
  | {
    readonly dataDir: string
    readonly loadDataDir?: Blob | undefined
    readonly lockWait?: Duration.DurationInput | undefined
  }
  /** In memory, empty or started from a `dumpDataDir` tarball. */
  | { readonly memory: true; readonly loadDataDir?: Blob | undefined }
  | { readonly loadDataDir: Blob }

export interface DatabaseSelection {
  /** PostgreSQL server; when absent the embedded database is used. */
  readonly url?: Redacted.Redacted | undefined
  /** Data directory of the embedded database. */
  readonly dataDir?: string | undefined
}

type DatabaseLayer<E> = Layer.Layer<Database | SqlClient.SqlClient, E>

const provideBoth = (shape: DatabaseShape) =>
  Context.make(Database, shape).pipe(Context.add(SqlClient.SqlClient, shape.sql))

const layerPglite = (options: PgliteLayerOptions): DatabaseLayer<DataDirError> =>
  Layer.scopedContext(Effect.gen(function*() {
    const dataDir = "dataDir" in options ? path.resolve(options.dataDir) : undefined
    if (dataDir !== undefined) {
      const seed = options.loadDataDir
      yield* openDataDir(dataDir, {
        seed: seed === undefined ? snapshotSeed : Effect.succeed({ blob: seed }),
        lockWait: "lockWait" in options ? options.lockWait : undefined,
      })
    }
    const client = yield* PgliteClient.make({ dataDir, loadDataDir: dataDir === undefined ? options.loadDataDir : undefined }).pipe(
      Effect.mapError((error) =>
        dataDir === undefined
          ? new DataDirUnusable({ dataDir: "memory", reason: describeSqlError(error) })
          : new DataDirDamaged({ dataDir, problem: `PGlite cannot open it (${describeSqlError(error)})` })
      ),
    )
    return provideBoth({
      backend: "pglite",
      location: dataDir ?? "memory",
      sql: client,
      listen: client.listen,
      notify: client.notify,
    })
  })).pipe(Layer.provide(Reactivity.layer))

/** The connection string without its password, for messages and logs (any form: see `maskConnectionString`). */
export const maskUrl = maskConnectionString

/** PG* variables, read through Config so a program (or a test) can supply them. */
const pgEnvironment: Config.Config<Environment> = Config.all(
  Object.fromEntries(PG_ENVIRONMENT_VARIABLES.map((name) => [name, Config.option(Config.string(name))])),
).pipe(Config.map((values) => Object.fromEntries(Object.entries(values).map(([name, value]) => [name, Option.getOrUndefined(value)]))))

const layerPostgres = (connection: Redacted.Redacted | string): DatabaseLayer<DatabaseUrlInvalid | DatabaseUnreachable> =>
  Layer.scopedContext(Effect.gen(function*() {
    const text = typeof connection === "string" ? connection : Redacted.value(connection)
    const masked = maskConnectionString(text.trim())
    const env = yield* Effect.orDie(pgEnvironment)
    const config = yield* Either.match(parseConnectionString(text, env), {
      onLeft: (reason) => Effect.fail(new DatabaseUrlInvalid({ url: masked, reason })),
      onRight: Effect.succeed,
    })
    const client = yield* PostgresClient.make({ connection: config }).pipe(Effect.mapError(explainConnectFailure(masked, config)))
    return provideBoth({
      backend: "postgres",
      location: masked,
      sql: client,
      listen: client.listen,
      notify: client.notify,
    })
  })).pipe(Layer.provide(Reactivity.layer))

const layer = (selection: DatabaseSelection): DatabaseLayer<DatabaseConnectError> =>
  selection.url !== undefined
    ? layerPostgres(selection.url)
    : layerPglite({ dataDir: selection.dataDir ?? DEFAULT_DATA_DIR })

/** DATABASE_URL (ignored when empty) and PACKSMITH_DATA_DIR (default `.packsmith/data`). */
export const DatabaseConfig: Config.Config<DatabaseSelection> = Config.all({
  url: Config.option(Config.redacted("DATABASE_URL")),
  dataDir: Config.string("PACKSMITH_DATA_DIR").pipe(Config.withDefault(DEFAULT_DATA_DIR)),
}).pipe(Config.map(({ dataDir, url }) => ({
  url: url._tag === "Some" && Redacted.value(url.value).trim() !== "" ? url.value : undefined,
  dataDir,
})))

/** Chooses by configuration; `overrides.url` (the CLI's `--db`) wins over DATABASE_URL. */
const layerFromConfig = (overrides: DatabaseSelection = {}): DatabaseLayer<DatabaseConnectError> =>
  Layer.unwrapEffect(Effect.map(Effect.orDie(DatabaseConfig), (configured) =>
    layer({
      url: overrides.url ?? configured.url,
      dataDir: overrides.dataDir ?? configured.dataDir,
    })))

/** `database` with every pending migration applied before anything else uses it. */
const migrated = <E>(database: DatabaseLayer<E>): DatabaseLayer<E | MigrationError> =>
  Migrations.layer().pipe(Layer.provideMerge(database))

export class Database extends Context.Tag("packsmith/Database")<Database, DatabaseShape>() {
  /** The embedded database, in a data directory or in memory. */
  static readonly layerPglite = layerPglite
  /** A PostgreSQL server. */
  static readonly layerPostgres = layerPostgres
  /** PostgreSQL when a URL is given, else the embedded database at `dataDir`. */
  static readonly layer = layer
  /** As `layer`, from DATABASE_URL and PACKSMITH_DATA_DIR. */
  static readonly layerFromConfig = layerFromConfig
  static readonly migrated = migrated
}

/** What a program uses: the configured database, migrated. */
export const DatabaseLive: DatabaseLayer<DatabaseConnectError | MigrationError> = migrated(layerFromConfig())
