import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import type { Scope } from "effect"
import { readdirSync } from "node:fs"
import { Database } from "../../src/sql/Database.js"
import {
  checkMigrationFileNames,
  defaultMigrationsDirectory,
  migrationChecksum,
  MIGRATIONS_TABLE,
  planMigrations,
  runMigrations,
} from "../../src/sql/Migrations.js"
import type { Migration } from "../../src/sql/Migrations.js"
import { backends, postgresTestSchema } from "../support/databases.js"

describe("migration files", () => {
  it("the package's migrations directory is well formed: NNNN_name.sql with strictly increasing ids from 0001", () => {
    const files = checkMigrationFileNames(readdirSync(defaultMigrationsDirectory))
    expect(Either.isRight(files)).toBe(true)
    const ids = Either.getOrElse(files, () => []).map((file) => file.id)
    expect(ids[0]).toBe(1)
    expect(ids.length).toBeGreaterThan(0)
  })

  it("reports every malformed name", () => {
    const names = ["0001_ok.sql", "1_short.sql", "0002_Upper.sql", "0003-dash.sql", "0004_x.SQL", "0005_x.sql.bak", "0006_.sql"]
    const problems = Either.match(checkMigrationFileNames(names), { onLeft: (problems) => problems, onRight: () => [] })
    expect(problems.map((problem) => problem.split(":")[0])).toEqual(names.slice(1).sort())
  })

  it("reports ids that do not strictly increase, and id 0", () => {
    expect(checkMigrationFileNames(["0001_a.sql", "0002_b.sql", "0002_c.sql"])).toEqual(
      Either.left(["0002_c.sql: id 0002 does not follow 0002_b.sql; ids must strictly increase"]),
    )
    expect(Either.isLeft(checkMigrationFileNames(["0000_zero.sql"]))).toBe(true)
  })

  it("orders by file name and ignores dotfiles and notes", () => {
    expect(checkMigrationFileNames(["0002_b.sql", ".gitkeep", "README.md", "0001_a.sql"])).toEqual(Either.right([
      { id: 1, name: "a", fileName: "0001_a.sql" },
      { id: 2, name: "b", fileName: "0002_b.sql" },
    ]))
  })

  it("a checksum ignores CRLF line endings", () => {
    expect(migrationChecksum("create table a ();\r\nselect 1;\r\n")).toBe(migrationChecksum("create table a ();\nselect 1;\n"))
    expect(migrationChecksum("select 1;")).not.toBe(migrationChecksum("select 2;"))
  })
})

const migration = (id: number, name: string, sql: string): Migration => ({
  id,
  name,
  fileName: `${String(id).padStart(4, "0")}_${name}.sql`,
  sql,
  checksum: migrationChecksum(sql),
})
const applied = (file: Migration) => ({ migration_id: file.id, name: file.name, checksum: file.checksum })

describe("planning against the database's history", () => {
  const one = migration(1, "one", "create table one ();")
  const two = migration(2, "two", "create table two ();")
  const three = migration(3, "three", "create table three ();")

  it("runs the files newer than everything applied", () => {
    expect(planMigrations([one, two, three], [applied(one)])).toEqual(Either.right([two, three]))
    expect(planMigrations([one, two], [applied(one), applied(two)])).toEqual(Either.right([]))
  })

  it("refuses a history with a migration this package does not have", () => {
    const plan = planMigrations([one], [applied(one), applied(two)])
    expect(Either.isLeft(plan) && plan.left.reason).toContain("0002_two, which this packsmith does not have")
  })

  it("refuses an applied migration whose file changed", () => {
    const edited = migration(1, "one", "create table one (id int);")
    const plan = planMigrations([edited, two], [applied(one)])
    expect(Either.isLeft(plan) && plan.left.reason).toContain("applied migrations must never change")
  })

  it("refuses a new migration numbered below one already applied, instead of skipping it", () => {
    const plan = planMigrations([one, two, three], [applied(one), applied(three)])
    expect(Either.isLeft(plan) && plan.left.reason).toContain("migration 0002_two is not applied but a later one")
  })
})

/** Writes `files` into a fresh temporary directory and returns its path. */
const migrationsDirectory = (files: Record<string, string>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const directory = yield* fs.makeTempDirectoryScoped({ prefix: "packsmith-migrations-" })
    for (const [name, sql] of Object.entries(files)) yield* fs.writeFileString(`${directory}/${name}`, sql)
    return directory
  })

const tableExists = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<{ found: boolean }>`select to_regclass(${name}) is not null as found`, (rows) => rows[0]?.found))

for (const backend of backends({ migrate: false })) {
  describe(`running migrations (${backend.name})`, () => {
    const run = <A, E>(test: Effect.Effect<A, E, SqlClient.SqlClient | Database | FileSystem.FileSystem | Scope.Scope>) =>
      test.pipe(Effect.provide(Layer.merge(backend.layer, NodeFileSystem.layer)), Effect.scoped)

    it.live("applies pending files in order, records them, and applies nothing the second time", () =>
      run(Effect.gen(function*() {
        const directory = yield* migrationsDirectory({
          "0001_first.sql": "create table first_table (id int primary key);\ninsert into first_table values (1);",
          "0002_second.sql": "alter table first_table add column label text;\ncreate table second_table (id int);",
        })
        expect(yield* runMigrations({ directory })).toEqual({ applied: ["0001_first", "0002_second"], latestId: 2 })
        expect(yield* runMigrations({ directory })).toEqual({ applied: [], latestId: 2 })
        const sql = yield* SqlClient.SqlClient
        expect(yield* sql`select migration_id, name from ${sql(MIGRATIONS_TABLE)} order by migration_id`).toEqual([
          { migration_id: 1, name: "first" },
          { migration_id: 2, name: "second" },
        ])
        expect(yield* sql`select id, label from first_table`).toEqual([{ id: 1, label: null }])
      })))

    it.live("a failing migration applies nothing of the batch and names the file", () =>
      run(Effect.gen(function*() {
        const directory = yield* migrationsDirectory({
          "0001_good.sql": "create table good_table (id int);",
          "0002_bad.sql": "create table bad_table (id int);\nselect * from no_such_table;",
        })
        const error = yield* Effect.flip(runMigrations({ directory }))
        expect(error._tag).toBe("MigrationFailed")
        expect(error.message).toContain("0002_bad")
        expect(error.message).toContain("no_such_table")
        expect(yield* tableExists("good_table")).toBe(false)
        expect(yield* tableExists("bad_table")).toBe(false)
        expect(yield* tableExists(MIGRATIONS_TABLE)).toBe(false)
      })))

    it.live("a migration added below the latest applied one is refused, not skipped", () =>
      run(Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const directory = yield* migrationsDirectory({
          "0001_a.sql": "create table a_table (id int);",
          "0003_c.sql": "create table c_table (id int);",
        })
        yield* runMigrations({ directory })
        yield* fs.writeFileString(`${directory}/0002_b.sql`, "create table b_table (id int);")
        const error = yield* Effect.flip(runMigrations({ directory }))
        expect(error._tag).toBe("MigrationHistoryMismatch")
        expect(error.message).toContain("0002_b is not applied but a later one (id 3) is")
        expect(yield* tableExists("b_table")).toBe(false)
      })))

    it.live("an applied migration that was edited is refused", () =>
      run(Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const directory = yield* migrationsDirectory({ "0001_a.sql": "create table edited_table (id int);" })
        yield* runMigrations({ directory })
        yield* fs.writeFileString(`${directory}/0001_a.sql`, "create table edited_table (id bigint);")
        const error = yield* Effect.flip(runMigrations({ directory }))
        expect(error._tag).toBe("MigrationHistoryMismatch")
        expect(error.message).toContain("must never change")
      })))

    it.live("concurrent runs apply each migration exactly once", () =>
      run(Effect.gen(function*() {
        const directory = yield* migrationsDirectory({
          "0001_a.sql": "create table concurrent_a (id int);",
          "0002_b.sql": "create table concurrent_b (id int);",
        })
        const reports = yield* Effect.all([runMigrations({ directory }), runMigrations({ directory })], { concurrency: 2 })
        expect(reports.map((report) => report.applied).sort()).toEqual([[], ["0001_a", "0002_b"]])
      })))
  })
}

describe.skipIf(!process.env["DATABASE_URL"])("running migrations from separate processes' pools (postgres)", () => {
  it.live("two clients migrating one database at once: one applies, the other waits and finds nothing to do", () =>
    Effect.gen(function*() {
      const url = yield* postgresTestSchema()
      const fs = yield* FileSystem.FileSystem
      const directory = yield* fs.makeTempDirectoryScoped({ prefix: "packsmith-migrations-" })
      yield* fs.writeFileString(`${directory}/0001_a.sql`, "create table shared_a (id int);")
      yield* fs.writeFileString(`${directory}/0002_b.sql`, "create table shared_b (id int);")
      const migrateWithOwnPool = runMigrations({ directory }).pipe(
        Effect.provide(Database.layerPostgres(url)),
      )
      const reports = yield* Effect.all([migrateWithOwnPool, migrateWithOwnPool], { concurrency: 2 })
      expect(reports.map((report) => report.applied).sort()).toEqual([[], ["0001_a", "0002_b"]])
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.scoped))
})
