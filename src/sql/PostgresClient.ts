/**
 * The PostgreSQL `SqlClient` (@effect/sql-pg over node-postgres) configured like the embedded one:
 * same value convention (int8 as string, bytea as Buffer) and a working `notify`.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { PgClient } from "@effect/sql-pg"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Context, Effect, Layer } from "effect"
import type { Duration, Redacted, Scope } from "effect"
import { pgTypes } from "./TypeParsers.js"

export interface PostgresClientOptions {
  readonly url: Redacted.Redacted
  readonly maxConnections?: number | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
  readonly applicationName?: string | undefined
}

export type PostgresClientShape = PgClient.PgClient

export class PostgresClient extends Context.Tag("packsmith/PostgresClient")<PostgresClient, PostgresClientShape>() {}

export const make = (
  options: PostgresClientOptions,
): Effect.Effect<PostgresClientShape, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.map(
    PgClient.make({
      url: options.url,
      types: pgTypes,
      applicationName: options.applicationName ?? "packsmith",
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
    }),
    // sql-pg 0.53 sends `NOTIFY "ch", $1`, which PostgreSQL rejects (a NOTIFY payload cannot be a parameter).
    // pg_notify takes both as parameters and, like NOTIFY, is delivered when the surrounding transaction commits.
    (client) =>
      Object.assign(client, {
        notify: Effect.fn("PostgresClient.notify")(function*(channel: string, payload: string) {
          yield* client`select pg_notify(${channel}, ${payload})`
        }),
      }),
  )

export const layer = (
  options: PostgresClientOptions,
): Layer.Layer<PostgresClient | PgClient.PgClient | SqlClient.SqlClient, SqlError> =>
  Layer.scopedContext(
    Effect.map(make(options), (client) =>
      Context.make(PostgresClient, client).pipe(
        Context.add(PgClient.PgClient, client),
        Context.add(SqlClient.SqlClient, client),
      )),
  ).pipe(Layer.provide(Reactivity.layer))
