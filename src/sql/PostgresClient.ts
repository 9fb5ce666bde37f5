/**
 * The PostgreSQL `SqlClient` (@effect/sql-pg over node-postgres) configured like the embedded one:
 * same value convention (int8 as string, bytea as Buffer) and a working `notify`.
 * The pool is made here from a `ConnectionConfig` rather than from a URL, so that libpq's meanings hold:
 * hosts are tried in order, `sslmode=prefer` tries TLS then plain (`allow` the reverse), `connect_timeout`
 * bounds each attempt, and sessions wait at most `lock_timeout` for a lock unless told otherwise.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { PgClient } from "@effect/sql-pg"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { Context, Data, Duration, Effect, Either, Layer, Redacted } from "effect"
import type { Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { ConnectionOptions } from "node:tls"
import Pg from "pg"
import type { ConnectionConfig, ConnectionHost } from "./ConnectionString.js"
import { parseConnectionString } from "./ConnectionString.js"
import { pgTypes } from "./TypeParsers.js"

export interface PostgresClientOptions {
  readonly connection: ConnectionConfig
  readonly maxConnections?: number | undefined
  readonly applicationName?: string | undefined
}

export type PostgresClientShape = PgClient.PgClient

export class PostgresClient extends Context.Tag("packsmith/PostgresClient")<PostgresClient, PostgresClientShape>() {}

/** How long a session waits for a lock held by another when the connection string does not set lock_timeout. */
export const DEFAULT_LOCK_TIMEOUT = Duration.seconds(60)

/** One try: a host, over TLS or not. */
export interface ConnectAttempt {
  readonly host: ConnectionHost
  readonly tls: boolean
  readonly error: unknown
}

/** Every attempt failed; the last one is the most telling (e.g. the plain retry of `prefer`). */
export class ConnectFailed extends Data.TaggedError("ConnectFailed")<{ readonly attempts: ReadonlyArray<ConnectAttempt> }> {}

/** A certificate file the connection string names could not be read. */
export class TlsFileUnreadable extends Data.TaggedError("TlsFileUnreadable")<{ readonly reason: string }> {}

const readTlsFile = (option: string, file: string): Either.Either<string, TlsFileUnreadable> => {
  try {
    return Either.right(fs.readFileSync(file.replace(/^~(?=\/)/, os.homedir()), "utf8"))
  } catch (error) {
    return Either.left(new TlsFileUnreadable({ reason: `cannot read ${option} ${file}: ${(error as Error).message}` }))
  }
}

/**
 * TLS options with libpq's meaning of each sslmode: `require` encrypts without checking the certificate
 * (unless a root certificate is given: then as verify-ca), verify-ca checks the chain, verify-full also the
 * host name. The root certificates are `sslrootcert`, else ~/.postgresql/root.crt, else the system's.
 */
const tlsOptions = (config: ConnectionConfig, host: ConnectionHost): Either.Either<ConnectionOptions, TlsFileUnreadable> =>
  Either.gen(function*() {
    const options: { -readonly [K in keyof ConnectionOptions]: ConnectionOptions[K] } = {}
    if (config.sslcert !== undefined) options.cert = yield* readTlsFile("sslcert", config.sslcert)
    if (config.sslkey !== undefined) options.key = yield* readTlsFile("sslkey", config.sslkey)
    const defaultRoot = path.join(os.homedir(), ".postgresql", "root.crt")
    const rootFile = config.sslrootcert ?? (fs.existsSync(defaultRoot) ? defaultRoot : undefined)
    if (rootFile !== undefined && rootFile !== "system") options.ca = yield* readTlsFile("sslrootcert", rootFile)
    const verify = config.sslmode === "verify-full" ? "full"
      : config.sslmode === "verify-ca" || config.sslrootcert !== undefined ? "chain"
      : "none"
    if (verify === "none") options.rejectUnauthorized = false
    if (verify === "chain") options.checkServerIdentity = () => undefined
    if (verify === "full") options.servername = host.host
    return options
  })

/** The transports to try for one host, in libpq's order; a unix socket never uses TLS (libpq ignores sslmode there). */
const transports = (config: ConnectionConfig, host: ConnectionHost): ReadonlyArray<boolean> => {
  if (host.host.startsWith("/")) return [false]
  switch (config.sslmode) {
    case "disable":
      return [false]
    case "allow":
      return [false, true]
    case "prefer":
      return [true, false]
    default:
      return [true]
  }
}

const mentionsSetting = (options: string | undefined, setting: string) =>
  options !== undefined && new RegExp(`(^|\\s)(-c\\s*|--)${setting}\\s*=`).test(options)

const poolConfig = (
  config: ConnectionConfig,
  host: ConnectionHost,
  tls: false | ConnectionOptions,
  options: PostgresClientOptions,
): Pg.PoolConfig => ({
  host: host.host,
  port: host.port,
  user: config.user,
  database: config.database,
  ...(config.password === undefined ? {} : { password: Redacted.value(config.password) }),
  ssl: tls,
  connectionTimeoutMillis: config.connectTimeoutSeconds * 1000,
  keepAlive: config.keepalives,
  keepAliveInitialDelayMillis: (config.keepalivesIdleSeconds ?? 10) * 1000,
  application_name: config.applicationName ?? options.applicationName ?? "packsmith",
  ...(config.options === undefined ? {} : { options: config.options }),
  // A lock held by another session fails the statement (SQLSTATE 55P03) instead of waiting for ever.
  ...(mentionsSetting(config.options, "lock_timeout") ? {} : { lock_timeout: Duration.toMillis(DEFAULT_LOCK_TIMEOUT) }),
  max: options.maxConnections ?? 10,
  types: pgTypes,
})

export const isTimeoutError = (error: unknown): boolean =>
  (error instanceof Error && (/timeout/i.test(error.message) || isTimeoutError(error.cause)))

/** A pool that has answered `select 1`, or the error of its one connection attempt. */
const tryPool = (config: Pg.PoolConfig) =>
  Effect.async<Pg.Pool, unknown>((resume) => {
    const pool = new Pg.Pool(config)
    // An idle client that loses its connection is dropped by the pool; the next statement fails and says so.
    pool.on("error", () => undefined)
    pool.query("select 1").then(
      () => resume(Effect.succeed(pool)),
      (error: unknown) => {
        resume(Effect.fail(error))
        void pool.end()
      },
    )
    return Effect.promise(() => pool.end())
  })

/** The first host and transport that accept a connection, as a pool owned by the scope. */
export const connectPool = (options: PostgresClientOptions): Effect.Effect<Pg.Pool, ConnectFailed | TlsFileUnreadable, Scope.Scope> =>
  Effect.gen(function*() {
    const config = options.connection
    const attempts: Array<ConnectAttempt> = []
    for (const host of config.hosts) {
      for (const tls of transports(config, host)) {
        const ssl = tls ? yield* tlsOptions(config, host) : false
        const result = yield* Effect.either(tryPool(poolConfig(config, host, ssl, options)))
        if (Either.isRight(result)) {
          const pool = result.right
          yield* Effect.addFinalizer(() => Effect.promise(() => pool.end()).pipe(Effect.timeoutOption(1000)))
          return pool
        }
        attempts.push({ host, tls, error: result.left })
        // A server that let the time run out will not answer the other transport sooner: next host.
        if (isTimeoutError(result.left)) break
      }
    }
    return yield* new ConnectFailed({ attempts })
  })

export const make = (
  options: PostgresClientOptions,
): Effect.Effect<PostgresClientShape, ConnectFailed | TlsFileUnreadable | SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const pool = yield* connectPool(options)
    const client = yield* PgClient.fromPool({
      acquire: Effect.succeed(pool),
      applicationName: options.connection.applicationName ?? options.applicationName ?? "packsmith",
      types: pgTypes,
    })
    // sql-pg 0.53 sends `NOTIFY "ch", $1`, which PostgreSQL rejects (a NOTIFY payload cannot be a parameter).
    // pg_notify takes both as parameters and, like NOTIFY, is delivered when the surrounding transaction commits.
    return Object.assign(client, {
      notify: Effect.fn("PostgresClient.notify")(function*(channel: string, payload: string) {
        yield* client`select pg_notify(${channel}, ${payload})`
      }),
    })
  })

/** A client from a connection string (URI or key=value); a string that does not parse is a defect here. */
export const makeFromString = (text: string, options: Omit<PostgresClientOptions, "connection"> = {}) =>
  Effect.flatMap(
    Either.match(parseConnectionString(text), {
      onLeft: (reason) => Effect.fail(new SqlError({ cause: new Error(reason), message: `invalid connection string: ${reason}` })),
      onRight: Effect.succeed,
    }),
    (connection) => make({ ...options, connection }),
  )

export const layer = (
  options: PostgresClientOptions,
): Layer.Layer<PostgresClient | PgClient.PgClient | SqlClient.SqlClient, ConnectFailed | TlsFileUnreadable | SqlError> =>
  Layer.scopedContext(
    Effect.map(make(options), (client) =>
      Context.make(PostgresClient, client).pipe(
        Context.add(PgClient.PgClient, client),
        Context.add(SqlClient.SqlClient, client),
      )),
  ).pipe(Layer.provide(Reactivity.layer))
