/**
 * The database port: an `SqlClient` plus LISTEN/NOTIFY, backed by PostgreSQL (`--db` / DATABASE_URL) or,
 * by default, by the embedded PGlite database in a data directory. Layers provide `Database` and
 * `SqlClient` together, so repositories depend on `SqlClient` alone.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Config, Context, Effect, Layer, Redacted } from "effect"
import type { Stream } from "effect"
import * as path from "node:path"
import { DatabaseUnreachable, DatabaseUrlInvalid, DataDirUnusable } from "./DatabaseError.js"
import type { DatabaseConnectError, DataDirInUse, MigrationError } from "./DatabaseError.js"
import { lockDataDir } from "./DataDirLock.js"
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
  /** Files in `dataDir` (created if missing); `loadDataDir` seeds it when it is new. */
  | { readonly dataDir: string; readonly loadDataDir?: Blob | undefined }
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

const openDataDir = (dataDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const unusable = (reason: string) => new DataDirUnusable({ dataDir, reason })
    yield* fs.makeDirectory(dataDir, { recursive: true }).pipe(Effect.mapError((error) => unusable(error.message)))
    const info = yield* fs.stat(dataDir).pipe(Effect.mapError((error) => unusable(error.message)))
    if (info.type !== "Directory") return yield* unusable("it exists and is not a directory")
    yield* fs.access(dataDir, { readable: true, writable: true }).pipe(
      Effect.mapError(() => unusable("it is not readable and writable by this user")),
    )
    yield* lockDataDir(dataDir)
    // A cluster already there (PG_VERSION) is opened as it is; only a new directory is seeded from a dump.
    return yield* fs.exists(path.join(dataDir, "PG_VERSION")).pipe(Effect.mapError((error) => unusable(error.message)))
  }).pipe(Effect.provide(NodeFileSystem.layer))

const layerPglite = (options: PgliteLayerOptions): DatabaseLayer<DataDirUnusable | DataDirInUse> =>
  Layer.scopedContext(Effect.gen(function*() {
    const dataDir = "dataDir" in options ? path.resolve(options.dataDir) : undefined
    const hasCluster = dataDir === undefined ? false : yield* openDataDir(dataDir)
    const client = yield* PgliteClient.make({ dataDir, loadDataDir: hasCluster ? undefined : options.loadDataDir }).pipe(
      Effect.mapError((error) => new DataDirUnusable({ dataDir: dataDir ?? "memory", reason: describeSqlError(error) })),
    )
    return provideBoth({
      backend: "pglite",
      location: dataDir ?? "memory",
      sql: client,
      listen: client.listen,
      notify: client.notify,
    })
  })).pipe(Layer.provide(Reactivity.layer))

/** The URL without its password, for messages and logs. */
export const maskUrl = (raw: string): string => {
  if (!URL.canParse(raw)) return raw.replace(/:[^:@/]*@/, ":***@")
  const url = new URL(raw)
  if (url.password !== "") url.password = "***"
  return url.toString()
}

const parsePostgresUrl = (url: Redacted.Redacted) =>
  Effect.gen(function*() {
    const raw = Redacted.value(url).trim()
    const masked = maskUrl(raw)
    if (!URL.canParse(raw)) return yield* new DatabaseUrlInvalid({ url: masked, reason: "it is not a URL" })
    const parsed = new URL(raw)
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
      return yield* new DatabaseUrlInvalid({
        url: masked,
        reason: `the scheme is ${parsed.protocol.replace(/:$/, "")}, not postgres or postgresql`,
      })
    }
    if (parsed.hostname === "" && parsed.searchParams.get("host") === null) {
      return yield* new DatabaseUrlInvalid({ url: masked, reason: "it names no host" })
    }
    return { masked, parsed }
  })

const connectionHint = (code: unknown, parsed: URL): string => {
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default)"
  switch (code) {
    case "ECONNREFUSED":
      return `Is PostgreSQL running and accepting TCP connections on ${parsed.host}?`
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `The host name ${parsed.hostname} does not resolve; check the URL.`
    case "28P01":
      return "Check the user name and password in the URL."
    case "28000":
      return "The server refuses this user from this host; check pg_hba.conf and the user name."
    case "3D000":
      return `Create the database first (createdb ${database}) or fix its name in the URL.`
    default:
      return "Check that the server is running and reachable, and that the URL is right."
  }
}

const layerPostgres = (url: Redacted.Redacted | string): DatabaseLayer<DatabaseUrlInvalid | DatabaseUnreachable> =>
  Layer.scopedContext(Effect.gen(function*() {
    const redacted = typeof url === "string" ? Redacted.make(url) : url
    const { masked, parsed } = yield* parsePostgresUrl(redacted)
    const client = yield* PostgresClient.make({ url: redacted }).pipe(
      Effect.mapError((error) => {
        const cause: unknown = error.cause
        const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined
        return new DatabaseUnreachable({ url: masked, reason: describeSqlError(error), hint: connectionHint(code, parsed) })
      }),
    )
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
