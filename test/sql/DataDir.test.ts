/**
 * The embedded database's data directory: what is opened, created, refused or reported as damaged, file
 * modes whatever the umask, and one process at a time.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { INITIALISING_FILE, MARKER_FILE, openDataDir } from "../../src/sql/DataDir.js"
import { createMigratedCluster } from "../../src/sql/DataDirSnapshot.js"
import { lockFileOf } from "../../src/sql/DataDirLock.js"
import { Database } from "../../src/sql/Database.js"
import { pgliteTemplate } from "../support/databases.js"

const packageRoot = fileURLToPath(new URL("../../", import.meta.url))

/** A new temporary directory, removed with the scope. */
const tempRoot = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(tmpdir(), "packsmith-datadir-"))),
  (root) => Effect.sync(() => fs.rmSync(root, { recursive: true, force: true })),
)

const openWith = (dataDir: string) =>
  Effect.flatMap(pgliteTemplate({ migrate: false }), (loadDataDir) =>
    Effect.succeed(Database.layerPglite({ dataDir, loadDataDir, lockWait: 0 })))

const buildError = (dataDir: string) =>
  Effect.flatMap(openWith(dataDir), (database) => Effect.flip(Effect.provide(Effect.void, database)))

const useDatabase = <A, E>(dataDir: string, use: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.flatMap(openWith(dataDir), (database) => Effect.provide(use, database))

/** Every path under `root` with its type and permission bits, e.g. "data/PG_VERSION f 600". */
const modes = (root: string): Array<string> =>
  fs.readdirSync(root, { recursive: true, withFileTypes: true }).map((entry) => {
    const full = path.join(entry.parentPath, entry.name)
    const mode = (fs.lstatSync(full).mode & 0o777).toString(8)
    return `${path.relative(root, full)} ${entry.isDirectory() ? "d" : "f"} ${mode}`
  })

/** Names and contents of every file under `root`, to show a directory was left exactly as it was. */
const snapshotOf = (root: string) =>
  fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const full = path.join(entry.parentPath, entry.name)
      return [path.relative(root, full), fs.readFileSync(full, "utf8")] as const
    })
    .sort()

/** Runs `test/sql/fixtures/<name>` in its own process; killed if the test ends first. */
const runFixture = (name: string, args: ReadonlyArray<string>) =>
  Effect.async<{ code: number | null; stderr: string }>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", `test/sql/fixtures/${name}`, ...args], {
      cwd: packageRoot,
      stdio: ["ignore", "ignore", "pipe"],
    })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
    child.on("close", (code) => resume(Effect.succeed({ code, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("the embedded database's data directory", () => {
  it.scoped("a user's PostgreSQL cluster is refused and left exactly as it was", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const cluster = path.join(root, "pgdata")
      fs.mkdirSync(path.join(cluster, "base"), { recursive: true })
      fs.writeFileSync(path.join(cluster, "PG_VERSION"), "15\n")
      fs.writeFileSync(path.join(cluster, "pg_hba.conf"), "host all all 10.0.0.0/8 scram-sha-256\n")
      fs.writeFileSync(path.join(cluster, "postgresql.conf"), "port = 5433\n")
      const before = snapshotOf(cluster)

      const error = yield* buildError(cluster)
      expect(error._tag).toBe("DataDirNotPacksmith")
      expect(error.message).toContain("a PostgreSQL cluster (PG_VERSION, base, pg_hba.conf, postgresql.conf)")
      expect(error.message).toContain("never initialises over existing files")
      expect(error.message).toContain(`echo '{"format":1}' > ${JSON.stringify(path.join(cluster, MARKER_FILE))}`)
      expect(snapshotOf(cluster)).toEqual(before)
      expect(fs.readdirSync(cluster).sort()).toEqual(["PG_VERSION", "base", "pg_hba.conf", "postgresql.conf"])
    }))

  it.scoped("any other non-empty directory (a home, a project) is refused, naming what it holds", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      fs.writeFileSync(path.join(root, "notes.txt"), "mine\n")
      fs.mkdirSync(path.join(root, ".ssh"))
      const error = yield* buildError(root)
      expect(error._tag).toBe("DataDirNotPacksmith")
      expect(error.message).toContain("2 entries (.ssh, notes.txt)")
      expect(fs.readdirSync(root).sort()).toEqual([".ssh", "notes.txt"])
    }))

  it.scoped("an absent directory is created complete, with its marker, and opens again with its data", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const dataDir = path.join(root, "state", "data")
      yield* useDatabase(dataDir, Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql`create table kept (note text); insert into kept values ('revision 1')`))
      expect(fs.existsSync(path.join(dataDir, MARKER_FILE))).toBe(true)
      expect(fs.readdirSync(path.join(root, "state")).sort()).toEqual(["data"])
      const notes = yield* useDatabase(dataDir, Effect.flatMap(SqlClient.SqlClient, (sql) => sql`select note from kept`))
      expect(notes).toEqual([{ note: "revision 1" }])
    }))

  it.scoped("a packsmith directory that lost PG_VERSION is reported as damaged, with how to recover, and not re-initialised", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const dataDir = path.join(root, "data")
      yield* useDatabase(dataDir, Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql`create table kept (note text); insert into kept values ('revision 1')`))
      fs.rmSync(path.join(dataDir, "PG_VERSION"))
      const before = fs.readdirSync(dataDir).sort()

      const error = yield* buildError(dataDir)
      expect(error._tag).toBe("DataDirDamaged")
      expect(error.message).toContain("PG_VERSION is missing")
      expect(error.message).toContain("Restore it from a backup, or move it aside")
      expect(fs.readdirSync(dataDir).sort()).toEqual(before)
    }))

  it.scoped("a packsmith directory PGlite cannot open is reported as damaged and left as it is", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const dataDir = path.join(root, "data")
      yield* useDatabase(dataDir, Effect.void)
      fs.writeFileSync(path.join(dataDir, "global", "pg_control"), "not a control file")
      const error = yield* buildError(dataDir)
      expect(error._tag).toBe("DataDirDamaged")
      expect(error.message).toContain("PGlite cannot open it")
      expect(fs.readFileSync(path.join(dataDir, "global", "pg_control"), "utf8")).toBe("not a control file")
    }))

  it.scoped("an empty directory is filled in place; one left half-filled by a crash is reported, not mistaken for a database", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const mounted = path.join(root, "volume")
      fs.mkdirSync(mounted)
      yield* useDatabase(mounted, Effect.void)
      expect(fs.readdirSync(mounted)).toContain(MARKER_FILE)
      expect(fs.readdirSync(mounted)).not.toContain(INITIALISING_FILE)

      const interrupted = path.join(root, "interrupted")
      fs.mkdirSync(path.join(interrupted, "base"), { recursive: true })
      fs.writeFileSync(path.join(interrupted, INITIALISING_FILE), "12345\n")
      fs.writeFileSync(path.join(interrupted, "PG_VERSION"), "18\n")
      const error = yield* buildError(interrupted)
      expect(error._tag).toBe("DataDirDamaged")
      expect(error.message).toContain("packsmith stopped while creating it, before any data was written")
      expect(fs.readdirSync(interrupted).sort()).toEqual([INITIALISING_FILE, "PG_VERSION", "base"])
    }))

  it.scoped("without a snapshot, a new directory gets initdb and every migration, and is marked once complete", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const dataDir = path.join(root, "data")
      yield* Effect.scoped(openDataDir(dataDir, { seed: Effect.succeed({ create: createMigratedCluster }) }))
      expect(fs.existsSync(path.join(dataDir, MARKER_FILE))).toBe(true)
      const applied = yield* Effect.provide(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly name: string }>`select name from packsmith_migrations order by migration_id`),
        Database.layerPglite({ dataDir, lockWait: 0 }),
      )
      expect(applied.map((row) => row.name)).toContain("registry")
    }), { timeout: 120_000 })

  it.scoped("a build directory left beside an absent one by a crash is removed, and the directory is created", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const leftover = path.join(root, ".data.init-99999999-0badf00d")
      fs.mkdirSync(path.join(leftover, "base"), { recursive: true })
      fs.writeFileSync(path.join(leftover, "PG_VERSION"), "18\n")
      yield* useDatabase(path.join(root, "data"), Effect.void)
      expect(fs.readdirSync(root).sort()).toEqual(["data"])
    }))

  it.scoped("with umask 000, every directory it creates is 0700 and every file 0600, including files PGlite writes later", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const dataDir = path.join(root, "state", "data")
      const previous = process.umask(0)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.umask(previous)))
      yield* useDatabase(dataDir, Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`create table later (id int primary key, note text)`
        yield* sql`insert into later select n, repeat('x', 100) from generate_series(1, 2000) as n`
        yield* sql`checkpoint`
        expect(modes(root)).toContain("state/data.lock f 600")
        const wide = modes(root).filter((line) => !line.endsWith(" d 700") && !line.endsWith(" f 600"))
        expect(wide).toEqual([])
      }))
      const all = modes(root)
      expect(all.length).toBeGreaterThan(500)
      expect(all.filter((line) => !line.endsWith(" d 700") && !line.endsWith(" f 600"))).toEqual([])
    }))

  it.scoped("processes taking and releasing one lock as fast as they can, past locks left by crashes, never hold it together", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const results = yield* Effect.all(
        [1, 2, 3, 4].map(() => runFixture("hammer-lock.ts", [path.join(root, "data"), path.join(root, "holder"), "60"])),
        { concurrency: "unbounded" },
      )
      expect(results).toEqual([1, 2, 3, 4].map(() => ({ code: 0, stderr: "" })))
    }), { timeout: 120_000 })

  it.scoped("several processes opening one new directory at once (past a stale lock) never have it open together", () =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const dataDir = path.join(root, "data")
      const seedFile = path.join(root, "seed.tar")
      const template = yield* pgliteTemplate({ migrate: false })
      fs.writeFileSync(seedFile, new Uint8Array(yield* Effect.promise(() => template.arrayBuffer())))
      // A lock left by a process that no longer runs: every process below finds it and races to take over.
      fs.writeFileSync(lockFileOf(dataDir), "99999999\n")

      const run = () => runFixture("hold-data-dir.ts", [dataDir, seedFile, path.join(root, "holder")])
      const results = yield* Effect.all([run(), run(), run()], { concurrency: "unbounded" })
      expect(results.filter((result) => result.code === 2)).toEqual([])
      expect(results.filter((result) => result.code === 0).length).toBeGreaterThan(0)
      expect(results.every((result) => result.code === 0 || result.stderr.includes("is already open in process"))).toBe(true)
      expect(fs.existsSync(lockFileOf(dataDir))).toBe(false)
    }), { timeout: 180_000 })
})
