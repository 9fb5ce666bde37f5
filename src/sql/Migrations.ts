/**
 * Forward-only schema migrations: `migrations/NNNN_name.sql`, plain SQL that runs unchanged on PostgreSQL
 * and PGlite. All pending files run in one transaction behind an advisory lock, so concurrent startups
 * against one database apply them once; history that does not match the files is refused, not skipped.
 */
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Console, Effect, Either, Layer } from "effect"
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import { MigrationFailed, MigrationHistoryMismatch, MigrationLockTimeout } from "./DatabaseError.js"
import type { MigrationError } from "./DatabaseError.js"
import { describeSqlError, hasSqlState, SqlState } from "./SqlFailure.js"

/** `0001_registry.sql`: four digits, an underscore, a lowercase snake_case name. */
export const MIGRATION_FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/

/** The table recording applied migrations, in the same schema as the tables they create. */
export const MIGRATIONS_TABLE = "packsmith_migrations"

/** `migrations/` of this package: two levels above both `src/sql/` (tsx, vitest) and `dist/sql/` (built). */
export const defaultMigrationsDirectory: string = fileURLToPath(new URL("../../migrations/", import.meta.url))

export interface MigrationFile {
  readonly id: number
  readonly name: string
  readonly fileName: string
}

export interface Migration extends MigrationFile {
  readonly sql: string
  /** sha256 of the file with line endings normalized, so a checkout with CRLF is the same migration. */
  readonly checksum: string
}

export interface MigrationReport {
  /** `NNNN_name` of each migration this run applied, in order. */
  readonly applied: ReadonlyArray<string>
  /** Id of the newest migration now in the database (0 when there are none). */
  readonly latestId: number
}

export const migrationLabel = (migration: { readonly id: number; readonly name: string }) =>
  `${String(migration.id).padStart(4, "0")}_${migration.name}`

const isIgnoredFile = (fileName: string) => fileName.startsWith(".") || fileName.endsWith(".md")

/**
 * Checks the listing of a migrations directory: every entry (except dotfiles and *.md) is a well-formed
 * migration file and ids strictly increase in file-name order. Returns the files in order, or every problem.
 */
export const checkMigrationFileNames = (
  fileNames: ReadonlyArray<string>,
): Either.Either<ReadonlyArray<MigrationFile>, ReadonlyArray<string>> => {
  const problems: Array<string> = []
  const files: Array<MigrationFile> = []
  for (const fileName of [...fileNames].filter((name) => !isIgnoredFile(name)).sort()) {
    const match = MIGRATION_FILE_NAME.exec(fileName)
    if (match === null) {
      problems.push(`${fileName}: expected NNNN_name.sql (four digits, lowercase snake_case name)`)
      continue
    }
    const id = Number(match[1])
    const previous = files.at(-1)
    if (id === 0) {
      problems.push(`${fileName}: migration ids start at 0001`)
    } else if (previous !== undefined && id <= previous.id) {
      problems.push(`${fileName}: id ${match[1]} does not follow ${previous.fileName}; ids must strictly increase`)
    }
    files.push({ id, name: match[2] ?? "", fileName })
  }
  return problems.length > 0 ? Either.left(problems) : Either.right(files)
}

export const migrationChecksum = (sql: string): string =>
  createHash("sha256").update(sql.replaceAll("\r\n", "\n"), "utf8").digest("hex")

/** Reads and checks the migration files; a malformed directory is a broken package, hence a defect. */
export const loadMigrations = Effect.fn("Migrations.load")(function*(directory: string = defaultMigrationsDirectory) {
  const fs = yield* FileSystem.FileSystem
  const names = yield* Effect.orDie(fs.readDirectory(directory))
  const files = yield* Either.match(checkMigrationFileNames(names), {
    onLeft: (problems) => Effect.dieMessage(`invalid migrations in ${directory}:\n  ${problems.join("\n  ")}`),
    onRight: Effect.succeed,
  })
  return yield* Effect.forEach(files, (file) =>
    Effect.map(
      Effect.orDie(fs.readFileString(`${directory}/${file.fileName}`)),
      (sql): Migration => ({ ...file, sql, checksum: migrationChecksum(sql) }),
    ))
})

interface AppliedRow {
  readonly migration_id: number
  readonly name: string
  readonly checksum: string
}

/** Compares the database's history with the files; returns the pending migrations or why they cannot run. */
export const planMigrations = (
  files: ReadonlyArray<Migration>,
  applied: ReadonlyArray<AppliedRow>,
): Either.Either<ReadonlyArray<Migration>, MigrationHistoryMismatch> => {
  const byId = new Map(files.map((file) => [file.id, file]))
  for (const row of applied) {
    const file = byId.get(row.migration_id)
    const label = migrationLabel({ id: row.migration_id, name: row.name })
    if (file === undefined) {
      return Either.left(new MigrationHistoryMismatch({
        reason: `it has migration ${label}, which this packsmith does not have; ` +
          "was the database created by a newer packsmith version?",
      }))
    }
    if (file.name !== row.name || file.checksum !== row.checksum) {
      return Either.left(new MigrationHistoryMismatch({
        reason: `migration ${migrationLabel(file)} differs from the ${label} applied to this database; ` +
          "applied migrations must never change: add a new migration instead",
      }))
    }
  }
  const appliedIds = new Set(applied.map((row) => row.migration_id))
  const latestId = Math.max(0, ...appliedIds)
  const pending = files.filter((file) => !appliedIds.has(file.id))
  const stranded = pending.find((file) => file.id < latestId)
  if (stranded !== undefined) {
    return Either.left(new MigrationHistoryMismatch({
      reason: `migration ${migrationLabel(stranded)} is not applied but a later one (id ${latestId}) is; ` +
        "migrations are forward-only: renumber it above every applied migration",
    }))
  }
  return Either.right(pending)
}

/** Applies every pending migration in one transaction; safe to run from several processes at once. */
export const runMigrations = Effect.fn("Migrations.run")(function*(
  options: { readonly directory?: string | undefined } = {},
) {
  const files = yield* loadMigrations(options.directory)
  const sql = yield* SqlClient.SqlClient
  const bookkeeping = <A, R>(effect: Effect.Effect<A, unknown, R>) => Effect.orDie(effect)

  const lockKey = sql`hashtext(${MIGRATIONS_TABLE} || ':' || current_schema())`
  // Held until commit: a second process waits here, then sees this one's history and finds nothing to do.
  // It says that it waits, and gives up after the session's lock_timeout (PostgreSQL connections set one).
  const takeLock = Effect.gen(function*() {
    const [free] = yield* bookkeeping(sql<{ readonly taken: boolean }>`select pg_try_advisory_xact_lock(${lockKey}) as taken`)
    if (free?.taken === true) return
    const [where] = yield* bookkeeping(sql<{ readonly database: string; readonly timeout: string }>`
      select format('database %s (schema %s)', current_database(), current_schema()) as database,
        current_setting('lock_timeout') as timeout`)
    const database = where?.database ?? "the database"
    yield* Console.error(`packsmith: waiting for another packsmith process to finish migrating ${database} ...`)
    yield* sql`select pg_advisory_xact_lock(${lockKey})`.pipe(
      Effect.catchTag("SqlError", (error) =>
        hasSqlState(error, SqlState.LOCK_NOT_AVAILABLE)
          ? Effect.fail(new MigrationLockTimeout({ database, lockTimeout: where?.timeout ?? "?" }))
          : Effect.die(error)),
    )
  })

  const apply = Effect.gen(function*() {
    yield* takeLock
    yield* bookkeeping(sql`create table if not exists ${sql(MIGRATIONS_TABLE)} (
      migration_id integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`)
    const applied = yield* bookkeeping(
      sql<AppliedRow>`select migration_id, name, checksum from ${sql(MIGRATIONS_TABLE)} order by migration_id`,
    )
    const pending = yield* Either.match(planMigrations(files, applied), {
      onLeft: Effect.fail<MigrationError>,
      onRight: Effect.succeed,
    })
    for (const migration of pending) {
      yield* sql.unsafe(migration.sql).pipe(
        Effect.mapError((error) => new MigrationFailed({ migration: migrationLabel(migration), reason: describeSqlError(error) })),
      )
      yield* bookkeeping(sql`insert into ${sql(MIGRATIONS_TABLE)} ${
        sql.insert({ migration_id: migration.id, name: migration.name, checksum: migration.checksum })
      }`)
    }
    const latestId = Math.max(0, ...applied.map((row) => row.migration_id), ...pending.map((file) => file.id))
    return { applied: pending.map(migrationLabel), latestId } satisfies MigrationReport
  })

  const report = yield* sql.withTransaction(apply).pipe(
    Effect.catchTag("SqlError", (error) => Effect.die(error)),
  )
  if (report.applied.length > 0) {
    yield* Effect.logDebug("applied migrations").pipe(Effect.annotateLogs("migrations", report.applied.join(", ")))
  }
  return report
})

/** Runs the migrations when the layer is built (after the database layer it is provided with). */
export const layer = (options: { readonly directory?: string | undefined } = {}): Layer.Layer<never, MigrationError, SqlClient.SqlClient> =>
  Layer.effectDiscard(runMigrations(options)).pipe(Layer.provide(NodeFileSystem.layer))
