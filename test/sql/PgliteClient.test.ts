import * as Reactivity from "@effect/experimental/Reactivity"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it, layer } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Queue, Stream } from "effect"
import { Database } from "../../src/sql/Database.js"
import { lockFileOf } from "../../src/sql/DataDirLock.js"
import * as PgliteClient from "../../src/sql/PgliteClient.js"
import { pgliteTemplate } from "../support/databases.js"

/** A client over the empty template, in memory. */
const emptyClient = Layer.unwrapEffect(
  Effect.map(pgliteTemplate({ migrate: false }), (loadDataDir) => PgliteClient.layer({ loadDataDir })),
).pipe(Layer.orDie)

const settled = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
  Effect.gen(function*() {
    while ((yield* Fiber.status(fiber))._tag === "Running") yield* Effect.yieldNow()
  })

layer(emptyClient, { excludeTestServices: true })("PgliteClient", (it) => {
  it.effect("parameterless SQL may hold several statements, as with pg's simple protocol", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      expect(yield* sql`select 1 as a; select 2::int8 as b`).toEqual([[{ a: 1 }], [{ b: "2" }]])
      yield* sql`create table multi (id int); insert into multi values (1), (2)`
      expect(yield* sql`select count(*) as n from multi`).toEqual([{ n: "2" }])
    }))

  it.effect("values and streams read through the same backend", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      expect(yield* sql`select ${1}::int4 as a, ${"x"} as b`.values).toEqual([[1, "x"]])
      const streamed = yield* Stream.runCollect(sql<{ n: number }>`select generate_series(1, 5) as n`.stream)
      expect([...streamed].map((row) => row.n)).toEqual([1, 2, 3, 4, 5])
    }))

  it.effect("a fiber interrupted while waiting for the backend leaves the lock as it was", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`create table if not exists waits (name text)`
      const inside = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(sql.withTransaction(
        Effect.zipRight(Deferred.succeed(inside, undefined), Deferred.await(release)),
      ))
      yield* Deferred.await(inside)
      const waiter = yield* Effect.fork(sql`insert into waits values ('interrupted')`)
      yield* settled(waiter)
      yield* Fiber.interrupt(waiter)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)

      // With a leaked or doubled permit the outsider would run inside the open transaction and be rolled back.
      const open = yield* Deferred.make<void>()
      const finish = yield* Deferred.make<void>()
      const rolledBack = yield* Effect.fork(sql.withTransaction(Effect.gen(function*() {
        yield* sql`insert into waits values ('rolled back')`
        yield* Deferred.succeed(open, undefined)
        yield* Deferred.await(finish)
        return yield* Effect.fail("roll back")
      })))
      yield* Deferred.await(open)
      const outsider = yield* Effect.fork(sql`insert into waits values ('outside')`)
      yield* settled(outsider)
      yield* Deferred.succeed(finish, undefined)
      yield* Fiber.await(rolledBack)
      yield* Fiber.join(outsider)
      expect(yield* sql`select name from waits order by name`).toEqual([{ name: "outside" }])
    }))

  it.effect("listen inside a transaction of the same client dies with a message instead of waiting forever", () =>
    Effect.gen(function*() {
      const client = yield* PgliteClient.PgliteClient
      const exit = yield* client.withTransaction(Stream.runDrain(Stream.take(client.listen("in_tx"), 1))).pipe(Effect.exit)
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain("inside a transaction")
    }))

  it.scoped("streams on one channel share a LISTEN, which ends with the last of them", () =>
    Effect.gen(function*() {
      const client = yield* PgliteClient.PgliteClient
      const first = yield* Queue.unbounded<string>()
      const second = yield* Queue.unbounded<string>()
      const listening = (queue: Queue.Queue<string>) =>
        Effect.forkScoped(Stream.runForEach(client.listen("shared"), (payload) => Queue.offer(queue, payload)))
      const channels = Effect.map(
        client<{ channel: string }>`select pg_listening_channels() as channel`,
        (rows) => rows.map((row) => row.channel),
      )
      const untilListening = Effect.repeat(channels, { until: (names) => names.includes("shared") })

      const firstFiber = yield* listening(first)
      const secondFiber = yield* listening(second)
      yield* untilListening
      // Both subscriptions are in place once the probe reaches each of them.
      yield* Effect.repeat(client.notify("shared", "probe"), {
        until: () => Effect.map(Effect.all([Queue.size(first), Queue.size(second)]), ([a, b]) => a > 0 && b > 0),
      })
      yield* Queue.takeAll(first)
      yield* Queue.takeAll(second)
      yield* Fiber.interrupt(firstFiber)
      yield* client.notify("shared", "after first left")
      expect(yield* Queue.take(second)).toBe("after first left")
      expect(yield* channels).toEqual(["shared"])
      yield* Fiber.interrupt(secondFiber)
      expect(yield* channels).toEqual([])
      expect(yield* Queue.size(first)).toBe(0)
    }))

  it.effect("a dump loads into a new client with the same data", () =>
    Effect.gen(function*() {
      const client = yield* PgliteClient.PgliteClient
      yield* client`create table dumped (note text); insert into dumped values ('kept')`
      const dump = yield* client.dumpDataDir
      const notes = yield* Effect.scoped(Effect.flatMap(
        PgliteClient.make({ loadDataDir: dump }),
        (copy) => copy<{ note: string }>`select note from dumped`,
      )).pipe(Effect.provide(Reactivity.layer))
      expect(notes).toEqual([{ note: "kept" }])
    }))
})

describe("an embedded database in a data directory", () => {
  const withTempDir = <A, E, R>(use: (dataDir: string) => Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped({ prefix: "packsmith-data-" })
      return yield* use(`${root}/nested/data`)
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer))

  it.live("keeps its data across reopening, and is locked while open", () =>
    withTempDir((dataDir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const loadDataDir = yield* pgliteTemplate({ migrate: false })
        const open = Database.layerPglite({ dataDir, loadDataDir })
        yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`create table kept (note text); insert into kept values ('survives')`
          expect((yield* Database).location).toBe(dataDir)
          expect((yield* fs.readFileString(lockFileOf(dataDir))).split("\n")[0]).toBe(String(process.pid))
          const second = yield* Effect.flip(Effect.provide(Effect.void, Database.layerPglite({ dataDir })))
          expect(second._tag).toBe("DataDirInUse")
          expect(second.message).toContain(String(process.pid))
        }).pipe(Effect.provide(open))
        expect(yield* fs.exists(lockFileOf(dataDir))).toBe(false)

        const notes = yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql`select note from kept`).pipe(
          Effect.provide(Database.layerPglite({ dataDir, loadDataDir })),
        )
        expect(notes).toEqual([{ note: "survives" }])
      })))

  it.live("a lock left by a process that is gone is taken over; one held by a live process is refused", () =>
    withTempDir((dataDir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const loadDataDir = yield* pgliteTemplate({ migrate: false })
        yield* fs.makeDirectory(dataDir, { recursive: true })

        yield* fs.writeFileString(lockFileOf(dataDir), `${process.ppid}\n`)
        const refused = yield* Effect.flip(Effect.provide(Effect.void, Database.layerPglite({ dataDir, loadDataDir, lockWait: 0 })))
        expect(refused).toMatchObject({ _tag: "DataDirInUse", pid: process.ppid })

        // No process has this id (Linux pids stay below 2^22).
        yield* fs.writeFileString(lockFileOf(dataDir), "99999999\n")
        const backend = yield* Effect.map(Database, (database) => database.backend).pipe(
          Effect.provide(Database.layerPglite({ dataDir, loadDataDir })),
        )
        expect(backend).toBe("pglite")
        expect(yield* fs.exists(lockFileOf(dataDir))).toBe(false)
      })))
})
