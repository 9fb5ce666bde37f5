import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { createServer } from "node:net"
import { Database, DatabaseConfig, maskUrl } from "../../src/sql/Database.js"
import { pgliteTemplate } from "../support/databases.js"

/** A TCP port on 127.0.0.1 that nothing listens on. */
const closedPort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

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

  it("masks the password of a URL and leaves other URLs alone", () => {
    expect(maskUrl("postgres://u:pw@h:5432/d?sslmode=require")).toBe("postgres://u:***@h:5432/d?sslmode=require")
    expect(maskUrl("postgres://h/d")).toBe("postgres://h/d")
  })
})
