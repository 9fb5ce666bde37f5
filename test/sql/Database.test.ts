import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { createServer } from "node:net"
import type { Socket } from "node:net"
import Pg from "pg"
import { vi } from "vitest"
import { Database, DatabaseConfig, maskUrl } from "../../src/sql/Database.js"
import { pgliteTemplate, postgresTestSchema } from "../support/databases.js"

/** A TCP port on 127.0.0.1 that nothing listens on. */
const closedPort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A TCP server that accepts connections and never says a word; closed with the scope. */
const silentServer = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly close: () => void }>((resume) => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({
        port,
        close: () => {
          for (const socket of sockets) socket.destroy()
          server.close()
        },
      }))
    })
  }),
  (server) => Effect.sync(server.close),
)

const postgresUrl = process.env["DATABASE_URL"] ?? ""

/** Runs `sql` on the server at `url` with a plain pg client. */
const query = (url: string, sql: string) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const client = new Pg.Client({ connectionString: url })
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.query(sql)),
    (client) => Effect.promise(() => client.end()),
  )

const selectOne = (database: Layer.Layer<Database | SqlClient.SqlClient, unknown>) =>
  Effect.provide(Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ one: number }>`select 1::int4 as one`), database)

const buildError = <E>(database: Layer.Layer<Database | SqlClient.SqlClient, E>) =>
  Effect.flip(Effect.provide(Effect.void, database))

const withConfig = (values: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(values))))

describe("choosing and opening a database", () => {
  it.live("a URL that is not PostgreSQL's is refused with what is expected instead", () =>
    Effect.gen(function*() {
      const notUrl = yield* buildError(Database.layerPostgres("localhost:5432/packsmith"))
      expect(notUrl._tag).toBe("DatabaseUrlInvalid")
      expect(notUrl.message).toContain("postgres://user:password@host:5432/database")
      const mysql = yield* buildError(Database.layerPostgres("mysql://root:hunter2@db/app"))
      expect(mysql._tag).toBe("DatabaseUrlInvalid")
      expect(mysql.message).toContain("the scheme is mysql")
      expect(mysql.message).not.toContain("hunter2")
    }))

  it.live("a server that does not answer is reported with the masked URL and a hint", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const error = yield* buildError(Database.layerPostgres(Redacted.make(`postgres://app:s3cret@127.0.0.1:${port}/packsmith`)))
      expect(error._tag).toBe("DatabaseUnreachable")
      expect(error.message).toContain(`postgres://app:***@127.0.0.1:${port}/packsmith`)
      expect(error.message).toContain("accepting TCP connections")
      expect(error.message).not.toContain("s3cret")
    }))

  it.live("a data directory path that is a file is reported as unusable", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped({ prefix: "packsmith-data-" })
      yield* fs.writeFileString(`${root}/data`, "not a directory")
      const error = yield* buildError(Database.layerPglite({ dataDir: `${root}/data` }))
      expect(error._tag).toBe("DataDirUnusable")
      expect(error.message).toContain(`${root}/data`)
      expect(error.message).toContain("PACKSMITH_DATA_DIR")
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.scoped))

  it.effect("configuration: DATABASE_URL selects PostgreSQL, an empty one is ignored, the data dir defaults", () =>
    Effect.gen(function*() {
      const url = "postgres://u:p@db.example:5432/packsmith"
      const configured = yield* withConfig({ DATABASE_URL: url })(DatabaseConfig)
      expect(configured.url && Redacted.value(configured.url)).toBe(url)
      expect(configured.dataDir).toBe(".packsmith/data")
      const empty = yield* withConfig({ DATABASE_URL: " ", PACKSMITH_DATA_DIR: "/srv/packsmith" })(DatabaseConfig)
      expect(empty).toEqual({ url: undefined, dataDir: "/srv/packsmith" })
    }))

  it.live("layerFromConfig opens PostgreSQL from DATABASE_URL, and an explicit URL (--db) wins over it", () =>
    Effect.gen(function*() {
      const [configuredPort, explicitPort] = [yield* closedPort, yield* closedPort]
      const fromEnvironment = yield* withConfig({ DATABASE_URL: `postgres://127.0.0.1:${configuredPort}/a` })(
        buildError(Database.layerFromConfig()),
      )
      expect(fromEnvironment.message).toContain(`127.0.0.1:${configuredPort}`)
      const explicit = yield* withConfig({ DATABASE_URL: `postgres://127.0.0.1:${configuredPort}/a` })(
        buildError(Database.layerFromConfig({ url: Redacted.make(`postgres://127.0.0.1:${explicitPort}/b`) })),
      )
      expect(explicit.message).toContain(`127.0.0.1:${explicitPort}`)
    }))

  it.live("without a URL, layerFromConfig opens the embedded database in PACKSMITH_DATA_DIR", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped({ prefix: "packsmith-data-" })
      const loadDataDir = yield* pgliteTemplate({ migrate: false })
      // Seed the directory so this test does not pay for a cluster's first start.
      yield* Effect.provide(Effect.void, Database.layerPglite({ dataDir: `${root}/data`, loadDataDir }))
      const database = yield* withConfig({ DATABASE_URL: "", PACKSMITH_DATA_DIR: `${root}/data` })(
        Effect.provide(Effect.map(Database, (db) => ({ backend: db.backend, location: db.location })), Database.layerFromConfig()),
      )
      expect(database).toEqual({ backend: "pglite", location: `${root}/data` })
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.scoped))

  it.live.skipIf(!process.env["DATABASE_URL"])("a database that does not exist is reported with how to create it", () =>
    Effect.gen(function*() {
      const url = new URL(process.env["DATABASE_URL"] ?? "")
      url.pathname = "/packsmith_no_such_database"
      const error = yield* buildError(Database.layerPostgres(url.toString()))
      expect(error._tag).toBe("DatabaseUnreachable")
      expect(error.message).toContain("createdb packsmith_no_such_database")
    }))

  it.scoped("a server that accepts TCP and never answers fails within connect_timeout, saying how to wait longer", () =>
    Effect.gen(function*() {
      const { port } = yield* silentServer
      const error = yield* buildError(Database.layerPostgres(`postgres://app:s3cret@127.0.0.1:${port}/packsmith?connect_timeout=2`))
      expect(error._tag).toBe("DatabaseUnreachable")
      expect(error.message).toContain(`127.0.0.1:${port} over TLS: no answer within 2 s`)
      expect(error.message).toContain("connect_timeout=<seconds> in the connection string, or PGCONNECT_TIMEOUT")
      expect(error.message).not.toContain("s3cret")
      const fromEnvironment = yield* withConfig({ PGCONNECT_TIMEOUT: "3", PGSSLMODE: "disable" })(
        buildError(Database.layerPostgres(`host=127.0.0.1 port=${port} dbname=packsmith user=app password='s3cret word'`)),
      )
      expect(fromEnvironment.message).toContain(`127.0.0.1:${port}: no answer within 3 s`)
      expect(fromEnvironment.message).toContain("password=***")
      expect(fromEnvironment.message).not.toContain("s3cret")
    }), { timeout: 30_000 })

  describe.skipIf(postgresUrl === "")("against the PostgreSQL server of DATABASE_URL", () => {
    const server = postgresUrl === "" ? undefined : new URL(postgresUrl)
    const database = decodeURIComponent(server?.pathname.slice(1) ?? "")
    const user = decodeURIComponent(server?.username ?? "")

    it.live("connects through a unix socket named in a URI's query and in a key=value string", () =>
      Effect.gen(function*() {
        const { rows } = yield* query(postgresUrl, "show unix_socket_directories")
        const directory = String((rows[0] as Record<string, unknown>)["unix_socket_directories"]).split(",")[0]?.trim() ?? ""
        if (!directory.startsWith("/")) return yield* Effect.logWarning(`the server has no unix socket (${directory}); nothing to test`)
        const port = server?.port === "" ? "5432" : server?.port
        const uri = `postgresql://${user}@/${database}?host=${encodeURIComponent(directory)}&port=${port}`
        expect(yield* selectOne(Database.layerPostgres(uri))).toEqual([{ one: 1 }])
        const keyValue = `host=${directory} port=${port} dbname=${database} user=${user}`
        expect(yield* selectOne(Database.layerPostgres(keyValue))).toEqual([{ one: 1 }])
      }))

    it.live("sslmode=prefer falls back to a plain connection when the server has no TLS; require refuses, saying why", () =>
      Effect.gen(function*() {
        const { rows } = yield* query(postgresUrl, "show ssl")
        if ((rows[0] as Record<string, unknown>)["ssl"] !== "off") return yield* Effect.logWarning("the server offers TLS; nothing to test")
        const url = new URL(postgresUrl)
        url.searchParams.set("sslmode", "prefer")
        expect(yield* selectOne(Database.layerPostgres(url.toString()))).toEqual([{ one: 1 }])
        url.searchParams.set("sslmode", "require")
        const error = yield* buildError(Database.layerPostgres(url.toString()))
        expect(error._tag).toBe("DatabaseUnreachable")
        expect(error.message).toContain("The server does not offer TLS, which sslmode=require requires")
      }))

    it.live("a connection string may leave the server to PG* variables", () =>
      Effect.gen(function*() {
        const env = { PGHOST: server?.hostname ?? "", PGPORT: server?.port || "5432", PGUSER: user, PGPASSWORD: decodeURIComponent(server?.password ?? "") }
        const database_ = Database.layerFromConfig()
        const rows = yield* withConfig({ ...env, DATABASE_URL: `dbname=${database}` })(selectOne(database_))
        expect(rows).toEqual([{ one: 1 }])
      }))

    it.scoped("migrations wait for another session's migration lock, say so, and give up after lock_timeout", () =>
      Effect.gen(function*() {
        const url = new URL(yield* postgresTestSchema())
        const holder = new Pg.Client({ connectionString: url.toString() })
        yield* Effect.acquireRelease(Effect.promise(() => holder.connect()), () => Effect.promise(() => holder.end()))
        yield* Effect.promise(() => holder.query("select pg_advisory_lock(hashtext('packsmith_migrations:' || current_schema()))"))
        url.searchParams.set("options", `${url.searchParams.get("options") ?? ""} -c lock_timeout=1s`)
        const said = vi.spyOn(console, "error").mockImplementation(() => undefined)
        yield* Effect.addFinalizer(() => Effect.sync(() => said.mockRestore()))
        const error = yield* buildError(Database.migrated(Database.layerPostgres(url.toString())))
        expect(error._tag).toBe("MigrationLockTimeout")
        expect(error.message).toContain("for longer than lock_timeout (1s)")
        expect(said.mock.calls.map((call) => String(call[0])).join("\n")).toMatch(
          /packsmith: waiting for another packsmith process to finish migrating database \S+ \(schema test_[0-9a-f]+\) \.\.\./,
        )
      }))
  })

  it("masks the password of a URL and leaves other URLs alone", () => {
    expect(maskUrl("postgres://u:pw@h:5432/d?sslmode=require")).toBe("postgres://u:***@h:5432/d?sslmode=require")
    expect(maskUrl("postgres://h/d")).toBe("postgres://h/d")
  })
})
