/**
 * An @effect/sql `SqlClient` over in-process PGlite (PostgreSQL compiled to WebAssembly).
 * PGlite has one backend, so this client owns it through a first-come-first-served lock: a statement holds
 * it while it runs and a transaction (or `sql.reserve`) for its whole scope, so no other fiber's statement
 * can run inside, or observe, an open transaction.
 */
import { PGlite } from "@electric-sql/pglite"
import type { DebugLevel } from "@electric-sql/pglite"
import * as Reactivity from "@effect/experimental/Reactivity"
import { PgClient } from "@effect/sql-pg"
import * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import { Context, Deferred, Effect, Layer, Option, Ref, Stream } from "effect"
import type { Scope } from "effect"
import { PrivateNodeFS } from "./PrivateNodeFS.js"
import { pgliteParsers, pgliteSerializers } from "./TypeParsers.js"

export interface PgliteClientOptions {
  /** Directory holding the database files (created private: 0600/0700); omitted, the database lives in memory. */
  readonly dataDir?: string | undefined
  /** Start from a tarball made by `dumpDataDir` (e.g. a migrated template) instead of an empty cluster. */
  readonly loadDataDir?: Blob | undefined
  readonly debug?: DebugLevel | undefined
}

export interface PgliteClientShape extends SqlClient.SqlClient {
  /** The PGlite instance. Queries sent to it directly bypass the backend lock. */
  readonly pglite: PGlite
  /** Notifications on `channel` (exact, case-sensitive name). Empty payloads are not delivered, as with pg. */
  readonly listen: (channel: string) => Stream.Stream<string, SqlError>
  /** `pg_notify(channel, payload)`; inside a transaction it is delivered on commit. */
  readonly notify: (channel: string, payload: string) => Effect.Effect<void, SqlError>
  /** A tarball of the whole cluster, taken while no statement or transaction runs. */
  readonly dumpDataDir: Effect.Effect<Blob, SqlError>
}

export class PgliteClient extends Context.Tag("packsmith/PgliteClient")<PgliteClient, PgliteClientShape>() {}

/**
 * PGlite settles its promises from microtasks only, so a fiber issuing statements back to back would never
 * let timers or sockets run; resuming on a macrotask makes a statement yield like network I/O does.
 */
const onNextMacrotask = <A>(promise: Promise<A>): Promise<A> =>
  promise.then(
    (value) => new Promise<A>((resolve) => setImmediate(() => resolve(value))),
    (error: unknown) => new Promise<A>((_, reject) => setImmediate(() => reject(error))),
  )

const attempt = <A>(message: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: () => onNextMacrotask(run()), catch: (cause) => new SqlError({ cause, message }) })

/**
 * A lock granted in arrival order. Effect's Semaphore lets a fiber that releases and re-acquires at once
 * overtake the fibers already waiting, which starves them behind a busy loop; here each holder hands the
 * lock to the next in line. A waiter that is interrupted still passes the lock on when its turn comes.
 */
const makeFifoLock = Effect.gen(function*() {
  const free = yield* Deferred.make<void>()
  yield* Deferred.succeed(free, undefined)
  const last = yield* Ref.make(free)
  const hold: Effect.Effect<void, never, Scope.Scope> = Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const mine = yield* Deferred.make<void>()
      const previous = yield* Ref.getAndSet(last, mine)
      const handOver = Deferred.succeed(mine, undefined)
      yield* restore(Deferred.await(previous)).pipe(
        Effect.onInterrupt(() => Effect.forkDaemon(Effect.zipRight(Deferred.await(previous), handOver))),
      )
      yield* Effect.addFinalizer(() => handOver)
    })
  )
  return {
    hold,
    withLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.scoped(Effect.zipRight(hold, effect)),
  }
})

const quoteIdentifier = (name: string) => `"${name.replaceAll("\"", "\"\"")}"`

type TransformRows = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

export const make = (
  options: PgliteClientOptions = {},
): Effect.Effect<PgliteClientShape, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const backend = yield* makeFifoLock

    const db = yield* Effect.acquireRelease(
      attempt("PGlite: failed to start", () =>
        PGlite.create({
          ...(options.dataDir === undefined ? {} : { fs: new PrivateNodeFS(options.dataDir) }),
          ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
          ...(options.debug === undefined ? {} : { debug: options.debug }),
          parsers: pgliteParsers,
          serializers: pgliteSerializers,
        })),
      // Waits for the statement or transaction in flight, then flushes and closes the backend.
      (db) => backend.withLock(Effect.promise(() => db.close())),
    )

    // PGlite cannot cancel a running statement: keep the fiber (and so the lock) until it ends.
    const query = (sql: string, params: ReadonlyArray<unknown>, rowMode?: "array") =>
      Effect.uninterruptible(attempt("Failed to execute statement", () =>
        db.query<Record<string, unknown>>(sql, [...params], rowMode === undefined ? undefined : { rowMode })))

    // Without parameters pg uses the simple protocol, which runs several statements; PGlite's `query`
    // is always the extended protocol, so parameterless SQL goes through `exec` to behave the same.
    const rows = (sql: string, params: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<any>, SqlError> =>
      params.length > 0
        ? Effect.map(query(sql, params), (result) => result.rows)
        : Effect.map(
          Effect.uninterruptible(attempt("Failed to execute statement", () => db.exec(sql))),
          (results) => results.length > 1 ? results.map((result) => result.rows) : results[0]?.rows ?? [],
        )

    const transformed = (sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) =>
      transformRows === undefined ? rows(sql, params) : Effect.map(rows(sql, params), transformRows)

    const connection: Connection = {
      execute: transformed,
      executeUnprepared: transformed,
      executeRaw: (sql, params) =>
        params.length > 0
          ? query(sql, params)
          : Effect.uninterruptible(attempt("Failed to execute statement", () => db.exec(sql))),
      executeValues: (sql, params) =>
        Effect.map(query(sql, params, "array"), (result) => result.rows as unknown as ReadonlyArray<ReadonlyArray<unknown>>),
      // No cursors in PGlite: the result is read whole, the lock is held until the stream ends.
      executeStream: (sql, params, transformRows) =>
        Stream.fromIterableEffect(transformed(sql, params, transformRows)),
    }

    const acquirer = Effect.as(backend.hold, connection)

    const sql = yield* SqlClient.make({
      acquirer,
      transactionAcquirer: acquirer,
      compiler: PgClient.makeCompiler(),
      spanAttributes: [
        ["db.system.name", "postgresql"],
        ["db.namespace", options.dataDir ?? "memory"],
      ],
    })

    // A fiber inside one of this client's transactions holds the backend; waiting for it again never ends.
    const refuseInsideTransaction = (operation: string) =>
      Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (current) =>
        Option.isSome(current) && current.value[0] === connection
          ? Effect.dieMessage(
            `PgliteClient.${operation} was called inside a transaction of the same embedded database, ` +
              "which has a single backend held by that transaction; call it outside sql.withTransaction",
          )
          : Effect.void)

    // Channels are LISTENed through the locked backend with exact (quoted) names and fanned out here,
    // so several streams may share a channel; the last one to leave UNLISTENs it.
    const subscribers = new Map<string, Set<(payload: string) => void>>()
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        db.onNotification((channel, payload) => {
          if (payload === "") return
          for (const deliver of subscribers.get(channel) ?? []) deliver(payload)
        })
      ),
      (stop) => Effect.sync(stop),
    )

    const subscribe = (channel: string, deliver: (payload: string) => void) =>
      backend.withLock(Effect.suspend(() => {
        const existing = subscribers.get(channel)
        if (existing !== undefined) {
          existing.add(deliver)
          return Effect.void
        }
        return Effect.map(query(`LISTEN ${quoteIdentifier(channel)}`, []), () => {
          subscribers.set(channel, new Set([deliver]))
        })
      }))

    const unsubscribe = (channel: string, deliver: (payload: string) => void) =>
      backend.withLock(Effect.suspend(() => {
        const existing = subscribers.get(channel)
        existing?.delete(deliver)
        if (existing === undefined || existing.size > 0) return Effect.void
        subscribers.delete(channel)
        return db.closed ? Effect.void : Effect.orDie(query(`UNLISTEN ${quoteIdentifier(channel)}`, []))
      }))

    const listen = (channel: string): Stream.Stream<string, SqlError> =>
      Stream.asyncScoped<string, SqlError>((emit) =>
        Effect.gen(function*() {
          yield* refuseInsideTransaction("listen")
          const deliver = (payload: string) => void emit.single(payload)
          yield* Effect.acquireRelease(subscribe(channel, deliver), () => unsubscribe(channel, deliver))
        })
      )

    const notify = Effect.fn("PgliteClient.notify")(function*(channel: string, payload: string) {
      yield* sql`select pg_notify(${channel}, ${payload})`
    })

    const dumpDataDir = Effect.zipRight(
      refuseInsideTransaction("dumpDataDir"),
      backend.withLock(
        Effect.uninterruptible(attempt("PGlite: failed to dump the data directory", () => db.dumpDataDir("none"))),
      ),
    )

    return Object.assign(sql, { pglite: db, listen, notify, dumpDataDir }) as PgliteClientShape
  })

export const layer = (options: PgliteClientOptions = {}): Layer.Layer<PgliteClient | SqlClient.SqlClient, SqlError> =>
  Layer.scopedContext(
    Effect.map(make(options), (client) =>
      Context.make(PgliteClient, client).pipe(Context.add(SqlClient.SqlClient, client))),
  ).pipe(Layer.provide(Reactivity.layer))
