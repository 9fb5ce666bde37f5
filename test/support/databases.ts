/**
 * Databases for tests. PGlite suites start from a migrated template (made once, cached on disk by a hash of
 * the migrations, loaded per suite); Postgres suites (when DATABASE_URL is set) get a schema of their own,
 * dropped afterwards. `backends()` lists what a conformance suite runs on.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer } from "effect"
import type { Scope } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { Database } from "../../src/sql/Database.js"
import * as Migrations from "../../src/sql/Migrations.js"
import * as PgliteClient from "../../src/sql/PgliteClient.js"
import * as PostgresClient from "../../src/sql/PostgresClient.js"

export type TestDatabase = Layer.Layer<Database | SqlClient.SqlClient>

const packageRoot = fileURLToPath(new URL("../../", import.meta.url))
const templateDirectory = `${packageRoot}node_modules/.cache/packsmith`

export interface TestDatabaseOptions {
  /** Apply the migrations (default); false gives an empty database, for testing the migration runner. */
  readonly migrate?: boolean | undefined
}

type TemplateKind = "migrated" | "empty"

/** Changes whenever a migration or the PGlite build does, so a stale template is never loaded. */
const templateKey = (kind: TemplateKind) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const pglitePackage = yield* fs.readFileString(`${packageRoot}node_modules/@electric-sql/pglite/package.json`)
    const hash = createHash("sha256").update(pglitePackage)
    if (kind === "migrated") {
      for (const migration of yield* Migrations.loadMigrations()) hash.update(`${migration.fileName} ${migration.checksum}\n`)
    }
    return `${kind}-${hash.digest("hex").slice(0, 16)}`
  })

const buildTemplate = (kind: TemplateKind) =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* PgliteClient.make()
    if (kind === "migrated") yield* Migrations.runMigrations().pipe(Effect.provideService(SqlClient.SqlClient, client))
    return yield* client.dumpDataDir
  })).pipe(Effect.provide(Reactivity.layer))

/** A template: read from the cache, or built and written there (atomically: test processes race). */
const loadOrBuildTemplate = (kind: TemplateKind) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = `${templateDirectory}/pglite-template-${yield* templateKey(kind)}.tar`
    if (yield* fs.exists(file)) return new Blob([yield* fs.readFile(file)])
    const template = yield* buildTemplate(kind)
    const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`
    yield* fs.makeDirectory(templateDirectory, { recursive: true })
    yield* fs.writeFile(partial, new Uint8Array(yield* Effect.promise(() => template.arrayBuffer())))
    yield* fs.rename(partial, file)
    return template
  }).pipe(Effect.provide(NodeFileSystem.layer), Effect.orDie)

/** Each template is built at most once per test process. */
const templates: Record<TemplateKind, Effect.Effect<Blob>> = {
  migrated: Effect.runSync(Effect.cached(loadOrBuildTemplate("migrated"))),
  empty: Effect.runSync(Effect.cached(loadOrBuildTemplate("empty"))),
}

/** The migrated (or empty) template, e.g. to seed a data directory in a test. */
export const pgliteTemplate = (options: TestDatabaseOptions = {}): Effect.Effect<Blob> =>
  templates[options.migrate === false ? "empty" : "migrated"]

/** A fresh in-memory PGlite database, migrated unless `migrate` is false. */
export const pgliteTestLayer = (options: TestDatabaseOptions = {}): TestDatabase =>
  Layer.unwrapEffect(Effect.map(pgliteTemplate(options), (loadDataDir) => {
    const database = Database.layerPglite({ loadDataDir })
    return options.migrate === false ? database : Database.migrated(database)
  })).pipe(Layer.orDie)

/** `url` with `search_path` set to `schema` for every connection the pool opens. */
export const withSearchPath = (url: string, schema: string): string => {
  const parsed = new URL(url)
  parsed.searchParams.set("options", `-c search_path=${schema}`)
  return parsed.toString()
}

const withAdminConnection = <A>(url: string, use: (sql: PostgresClient.PostgresClientShape) => Effect.Effect<A, unknown>) =>
  Effect.scoped(Effect.flatMap(PostgresClient.makeFromString(url, { maxConnections: 1 }), use)).pipe(
    Effect.provide(Reactivity.layer),
    Effect.orDie,
  )

const databaseUrl = (url: string | undefined) =>
  url !== undefined && url !== ""
    ? Effect.succeed(url)
    : Effect.dieMessage("a PostgreSQL test database needs DATABASE_URL")

/**
 * A new, empty schema on the server at `url` (default DATABASE_URL), dropped with everything in it when the
 * scope closes. Returns a URL whose connections use it as their search_path.
 */
export const postgresTestSchema = (url?: string | undefined): Effect.Effect<string, never, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* databaseUrl(url ?? process.env["DATABASE_URL"])
    const schema = `test_${randomBytes(6).toString("hex")}`
    yield* Effect.acquireRelease(
      withAdminConnection(server, (sql) => sql`create schema ${sql(schema)}`),
      () => withAdminConnection(server, (sql) => sql`drop schema ${sql(schema)} cascade`),
    )
    return withSearchPath(server, schema)
  })

/** A schema of its own on the server at `url` (default DATABASE_URL), migrated unless `migrate` is false. */
export const postgresTestLayer = (options: TestDatabaseOptions & { readonly url?: string | undefined } = {}): TestDatabase =>
  Layer.unwrapScoped(Effect.map(postgresTestSchema(options.url), (url) => {
    const database = Database.layerPostgres(url)
    return options.migrate === false ? database : Database.migrated(database)
  })).pipe(Layer.orDie)

export interface TestBackend {
  readonly name: "pglite" | "postgres"
  /** A fresh database each time it is built (each `layer(...)` block or `Effect.provide`). */
  readonly layer: TestDatabase
}

/** PGlite always; PostgreSQL too when DATABASE_URL is set. */
export const backends = (options: TestDatabaseOptions = {}): ReadonlyArray<TestBackend> => {
  const url = process.env["DATABASE_URL"]
  const pglite: TestBackend = { name: "pglite", layer: pgliteTestLayer(options) }
  return url === undefined || url === "" ? [pglite] : [pglite, { name: "postgres", layer: postgresTestLayer({ ...options, url }) }]
}
