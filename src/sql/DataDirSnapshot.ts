/**
 * The cluster a new data directory starts from: PGlite's initdb with every migration applied, closed cleanly
 * and packed once. `npm run build` writes it to `dist/pglite-snapshot-<key>.tar.gz` (scripts/pglite-snapshot.mjs,
 * with `createMigratedCluster`); the key hashes the PGlite
 * version and the migrations, so a snapshot is only used by the build it was made for. Without one (running
 * from source, or after a migration changed) the cluster is made in the new directory itself, which costs
 * initdb's seconds and memory; unpacking costs a fraction of both (see `npm run bench:firstrun`).
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Seed } from "./DataDir.js"
import { DataDirUnusable } from "./DatabaseError.js"
import * as Migrations from "./Migrations.js"
import * as PgliteClient from "./PgliteClient.js"
import { describeSqlError } from "./SqlFailure.js"

/** `dist/` of this package, from `src/sql/`, `dist/sql/` and the bundled `dist/cli/` alike. */
export const snapshotDirectory: string = fileURLToPath(new URL("../../dist/", import.meta.url))

const SNAPSHOT_PREFIX = "pglite-snapshot-"

/** The installed PGlite's version, from its package.json (its `exports` do not include that file). */
const pgliteVersion = (): string => {
  let directory = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"))
  while (directory !== path.dirname(directory)) {
    const manifest = path.join(directory, "package.json")
    if (fs.existsSync(manifest)) {
      const parsed = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown; version?: unknown }
      if (parsed.name === "@electric-sql/pglite" && typeof parsed.version === "string") return parsed.version
    }
    directory = path.dirname(directory)
  }
  throw new Error("cannot find the package.json of @electric-sql/pglite")
}

/** Changes with the PGlite build and with any migration, so a snapshot never outlives what it was made from. */
export const snapshotKey: Effect.Effect<string> = Effect.gen(function*() {
  const hash = createHash("sha256").update(`pglite ${yield* Effect.try(pgliteVersion)}\n`)
  for (const migration of yield* Migrations.loadMigrations()) hash.update(`${migration.fileName} ${migration.checksum}\n`)
  return hash.digest("hex").slice(0, 16)
}).pipe(Effect.provide(NodeFileSystem.layer), Effect.orDie)

export const snapshotFileName = (key: string) => `${SNAPSHOT_PREFIX}${key}.tar.gz`

/** Runs initdb and every migration in `directory`, then closes the cluster cleanly (nothing to recover on open). */
export const createMigratedCluster = (directory: string): Effect.Effect<void, DataDirUnusable> =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* PgliteClient.make({ dataDir: directory })
    yield* Migrations.runMigrations().pipe(Effect.provideService(SqlClient.SqlClient, client))
  })).pipe(
    Effect.provide([Reactivity.layer, NodeFileSystem.layer]),
    Effect.mapError((error) =>
      new DataDirUnusable({
        dataDir: directory,
        reason: `cannot create the database: ${error._tag === "SqlError" ? describeSqlError(error) : error.message}`,
      })
    ),
  )

/** This build's packaged snapshot when there is one, else the cluster is made in place. */
export const snapshotSeed: Effect.Effect<Seed> = Effect.map(snapshotKey, (key): Seed => {
  const file = path.join(snapshotDirectory, snapshotFileName(key))
  return fs.existsSync(file) ? { file } : { create: createMigratedCluster }
})
